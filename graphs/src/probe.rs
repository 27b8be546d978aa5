//! Probes: what a run records.

use crate::units::Time;
use serde::{Deserialize, Serialize};

/// What a probe records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    /// Every spike of the listed populations.
    Spikes { pops: Vec<usize> },
    /// A state variable of some neurons, sampled every `interval`: the sample at tick
    /// `k` is the state at time `k dt` (the initial state at 0, then after `k` steps).
    State { pop: usize, var: String, neurons: Vec<u32>, interval: Time },
    /// Weights of (some) synapses of a projection, sampled every `interval`;
    /// `max_synapses` caps how many, taken in canonical synapse order. With `var`,
    /// a per-synapse variable of the projection's rule instead (`"w_cons"`).
    Weights {
        proj: usize,
        interval: Time,
        max_synapses: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        var: Option<String>,
    },
    /// The population rate (spikes per neuron per second) in bins of `bin`.
    Rate { pop: usize, bin: Time },
}

/// A probe with its recording window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeDef {
    /// Name (unique among probes).
    pub name: String,
    /// What it records.
    pub kind: ProbeKind,
    /// Records only in `[start, stop)`; `None` for the whole run.
    pub window: Option<(Time, Time)>,
}
