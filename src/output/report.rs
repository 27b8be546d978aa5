//! `report.json` (what ran and what it produced: a pure function of the scenario and
//! its seed) and `timing.json` (how this machine ran it).

use serde::Serialize;
use std::path::Path;

/// The figures of one run that do not depend on the machine, written as `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Built-in network name or scenario file stem.
    pub scenario: String,
    /// Neurons and sources in the graph.
    pub neurons: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Time step in ms.
    pub dt_ms: f64,
    /// Model time simulated, in seconds.
    pub model_time_s: f64,
    /// Work counters.
    pub counts: Counts,
    /// Per population: size and, when its spikes were recorded, the mean rate.
    pub populations: Vec<PopulationReport>,
    /// The files of this run, in the output directory (`outputs.json` describes each).
    pub files: Vec<String>,
}

/// Work done, summed over workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Spikes emitted by every neuron and source.
    pub spikes: u64,
    /// Synaptic events delivered (one per synapse per presynaptic spike).
    pub syn_events: u64,
    /// Neuron updates (neurons x ticks).
    pub neuron_updates: u64,
}

/// One population in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationReport {
    /// Name.
    pub name: String,
    /// Number of neurons.
    pub size: u64,
    /// Spikes recorded by the scenario's probes; `None` when none records it.
    pub spikes: Option<u64>,
    /// Mean rate in Hz over the run; `None` when no probe records it.
    pub mean_rate_hz: Option<f64>,
}

/// How the run went on this machine, written as `timing.json`: the measurements, and
/// the execution settings that by the determinism contract change no result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// Worker threads.
    pub workers: usize,
    /// Window length in ticks (spikes are exchanged once per window).
    pub window_ticks: u64,
    /// Wall time of the simulation alone (no build, no output), in seconds.
    pub wall_s: f64,
    /// Wall time of building the shards, in seconds.
    pub build_s: f64,
    /// Synaptic events delivered per second of wall time.
    pub syn_events_per_s: f64,
    /// Wall time per model time (below 1 is faster than real time).
    pub realtime_factor: f64,
    /// Peak resident memory of the process in bytes (its maximum resident set,
    /// `VmHWM`, read once the outputs but this file are written; what `/usr/bin/time`
    /// reports as maximum RSS), when the OS reports it.
    pub peak_rss_bytes: Option<u64>,
}

impl Report {
    /// Writes the report as pretty-printed JSON.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        super::write_json(path, self)
    }
}

impl Timing {
    /// Writes the timing as pretty-printed JSON.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        super::write_json(path, self)
    }
}
