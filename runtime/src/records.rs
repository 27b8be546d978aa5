//! What probes give back: spike lists, state traces, weights, rates and counters,
//! merged across shards in canonical order.

use std::fmt;

/// Spikes in canonical order: by tick, then by global id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpikeList {
    /// Time step in ms (times are printed from integer ticks).
    pub dt_ms: f64,
    /// Names of the populations, indexed by `pop`.
    pub pop_names: Vec<String>,
    /// Tick of each spike.
    pub ticks: Vec<u64>,
    /// Population of each spike (index into `pop_names`, which follows the graph).
    pub pops: Vec<u32>,
    /// Index of the neuron within its population.
    pub index: Vec<u32>,
    /// Global id of each spike's neuron.
    pub gids: Vec<u64>,
}

impl SpikeList {
    /// Number of spikes.
    pub fn len(&self) -> usize {
        self.ticks.len()
    }

    /// Whether there are no spikes.
    pub fn is_empty(&self) -> bool {
        self.ticks.is_empty()
    }

    /// Spike time of spike `k` in ms.
    pub fn time_ms(&self, k: usize) -> f64 {
        self.ticks[k] as f64 * self.dt_ms
    }

    /// The spikes whose times fall in `[from_ms, to_ms)`.
    pub fn window(&self, from_ms: f64, to_ms: f64) -> SpikeList {
        let lo = (from_ms / self.dt_ms - 1e-9).ceil().max(0.0) as u64;
        let hi = (to_ms / self.dt_ms - 1e-9).ceil().max(0.0) as u64;
        let a = self.ticks.partition_point(|&t| t < lo);
        let b = self.ticks.partition_point(|&t| t < hi);
        SpikeList {
            dt_ms: self.dt_ms,
            pop_names: self.pop_names.clone(),
            ticks: self.ticks[a..b].to_vec(),
            pops: self.pops[a..b].to_vec(),
            index: self.index[a..b].to_vec(),
            gids: self.gids[a..b].to_vec(),
        }
    }

    /// Number of spikes of population `pop` (by name).
    pub fn count(&self, pop: &str) -> usize {
        match self.pop_names.iter().position(|n| n == pop) {
            Some(p) => self.pops.iter().filter(|&&x| x as usize == p).count(),
            None => 0,
        }
    }

    /// Decimals needed to print times exactly from ticks of `dt_ms`.
    fn decimals(&self) -> usize {
        (0..=6)
            .find(|&d| {
                let scaled = self.dt_ms * 10f64.powi(d as i32);
                (scaled - scaled.round()).abs() < 1e-9
            })
            .unwrap_or(6)
    }

    /// An ASCII raster: one row per neuron of `pop` in `neurons`, one column per
    /// `bin_ms` from 0 to `until_ms`; `|` where the neuron spiked in the bin.
    pub fn raster(&self, pop: &str, neurons: std::ops::Range<u32>, bin_ms: f64, until_ms: f64) -> String {
        let cols = (until_ms / bin_ms).ceil().max(0.0) as usize;
        let rows = neurons.len();
        let mut grid = vec![vec![b'.'; cols]; rows];
        if let Some(p) = self.pop_names.iter().position(|n| n == pop) {
            for k in 0..self.len() {
                if self.pops[k] as usize == p && neurons.contains(&self.index[k]) {
                    let col = (self.time_ms(k) / bin_ms) as usize;
                    if col < cols {
                        grid[(self.index[k] - neurons.start) as usize][col] = b'|';
                    }
                }
            }
        }
        grid.into_iter().map(|r| String::from_utf8_lossy(&r).into_owned()).collect::<Vec<_>>().join("\n")
    }
}

/// The snapshot format of DESIGN.md: a header line, then `t_ms<TAB>population<TAB>index`
/// per spike in canonical order, times printed from integer ticks.
impl fmt::Display for SpikeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.decimals();
        writeln!(f, "# {} spikes, dt {} ms; t_ms\tpopulation\tindex", self.len(), self.dt_ms)?;
        for k in 0..self.len() {
            writeln!(f, "{:.*}\t{}\t{}", d, self.time_ms(k), self.pop_names[self.pops[k] as usize], self.index[k])?;
        }
        Ok(())
    }
}

/// Samples of one state variable of some neurons.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StateTrace {
    /// The variable's name.
    pub var: String,
    /// Neuron indices within the population (columns).
    pub neurons: Vec<u32>,
    /// Time step in ms.
    pub dt_ms: f64,
    /// Sample ticks (rows).
    pub ticks: Vec<u64>,
    /// Row-major values: `values[row * neurons.len() + col]`.
    pub values: Vec<f32>,
}

impl StateTrace {
    /// The trace of column `col` (a neuron).
    pub fn column(&self, col: usize) -> Vec<f32> {
        let n = self.neurons.len();
        (0..self.ticks.len()).map(|r| self.values[r * n + col]).collect()
    }
}

/// Sampled weights of a projection.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WeightTrace {
    /// Time step in ms.
    pub dt_ms: f64,
    /// `(source, target)` indices of the sampled synapses (columns), canonical order.
    pub synapses: Vec<(u32, u32)>,
    /// Sample ticks (rows).
    pub ticks: Vec<u64>,
    /// Row-major weights in the target model's unit.
    pub values: Vec<f32>,
}

impl WeightTrace {
    /// The weights of the last sample.
    pub fn last(&self) -> &[f32] {
        let n = self.synapses.len();
        if self.ticks.is_empty() { &[] } else { &self.values[(self.ticks.len() - 1) * n..] }
    }
}

/// A population rate in bins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateTrace {
    /// Bin width in ms.
    pub bin_ms: f64,
    /// Start of the first bin in ms.
    pub start_ms: f64,
    /// Spikes per neuron per second in each bin.
    pub rates_hz: Vec<f64>,
    /// Each neuron's rate over all the bins (spikes per second), in index order.
    pub per_neuron_hz: Vec<f64>,
}

/// Spikes per neuron per second: `count` spikes of `neurons` neurons in `bin_ticks`
/// ticks. The one formula of population rates (probes, the CLI, rate guards).
pub(crate) fn population_rate(count: u64, neurons: u64, bin_ticks: u64, dt_ms: f64) -> f64 {
    count as f64 / neurons.max(1) as f64 / (bin_ticks as f64 * dt_ms * 1e-3)
}

impl RateTrace {
    /// The rates of a population of `size` neurons in the full bins of `bin_ticks`
    /// from tick `lo` up to tick `end`, from its spikes `(tick, index in the
    /// population)`: the one binning every producer of rates uses (the runtime's rate
    /// probes and the CLI, which bins the spike list it already holds).
    pub fn from_spikes(spikes: impl IntoIterator<Item = (u64, u32)>, size: u64, bin_ticks: u64, lo: u64, end: u64, dt_ms: f64) -> RateTrace {
        let bins = end.saturating_sub(lo) / bin_ticks;
        let mut counts = vec![0u64; bins as usize];
        let mut per_neuron = vec![0u64; size as usize];
        for (t, i) in spikes {
            if t >= lo
                && let Some(c) = counts.get_mut(((t - lo) / bin_ticks) as usize)
            {
                *c += 1;
                per_neuron[i as usize] += 1;
            }
        }
        RateTrace::from_counts(&counts, &per_neuron, bin_ticks, lo, dt_ms)
    }

    /// The population rate per bin and each neuron's rate over the bins, from spike
    /// counts.
    pub fn from_counts(counts: &[u64], per_neuron: &[u64], bin_ticks: u64, start_tick: u64, dt_ms: f64) -> RateTrace {
        let span_s = bin_ticks as f64 * dt_ms * 1e-3 * counts.len() as f64;
        RateTrace {
            bin_ms: bin_ticks as f64 * dt_ms,
            start_ms: start_tick as f64 * dt_ms,
            rates_hz: counts.iter().map(|&c| population_rate(c, per_neuron.len() as u64, bin_ticks, dt_ms)).collect(),
            per_neuron_hz: per_neuron.iter().map(|&c| if counts.is_empty() { 0.0 } else { c as f64 / span_s }).collect(),
        }
    }
}

/// Counters of work done, summed over shards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// Ticks simulated.
    pub ticks: u64,
    /// Spikes emitted (neurons and sources).
    pub spikes: u64,
    /// Synaptic events delivered (one per synapse per presynaptic spike).
    pub syn_events: u64,
    /// Neuron updates (neurons x ticks).
    pub neuron_updates: u64,
}

impl std::ops::AddAssign for Counters {
    fn add_assign(&mut self, o: Counters) {
        self.spikes += o.spikes;
        self.syn_events += o.syn_events;
        self.neuron_updates += o.neuron_updates;
        self.ticks = self.ticks.max(o.ticks);
    }
}

/// Memory held by the network's state, summed over shards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Synapses held.
    pub synapses: u64,
    /// Bytes of the hot connectivity arrays (row offsets, targets, weights, delays).
    pub connectivity_bytes: u64,
    /// Synapses of plastic projections (included in `synapses`).
    pub plastic_synapses: u64,
    /// Connectivity bytes of plastic projections (included in `connectivity_bytes`).
    pub plastic_connectivity_bytes: u64,
    /// Bytes of plasticity state (rule arrays, traces, spike histories, transposed indices).
    pub plasticity_bytes: u64,
    /// Bytes of the input ring buffers.
    pub ring_bytes: u64,
}

impl Memory {
    /// Connectivity bytes per synapse (0 without synapses).
    pub fn bytes_per_synapse(&self) -> f64 {
        if self.synapses == 0 { 0.0 } else { self.connectivity_bytes as f64 / self.synapses as f64 }
    }

    /// Bytes per plastic synapse: its connectivity plus all plasticity state (0 without
    /// plastic synapses).
    pub fn bytes_per_plastic_synapse(&self) -> f64 {
        if self.plastic_synapses == 0 { 0.0 } else { (self.plastic_connectivity_bytes + self.plasticity_bytes) as f64 / self.plastic_synapses as f64 }
    }
}

impl std::ops::AddAssign for Memory {
    fn add_assign(&mut self, o: Memory) {
        self.synapses += o.synapses;
        self.connectivity_bytes += o.connectivity_bytes;
        self.plastic_synapses += o.plastic_synapses;
        self.plastic_connectivity_bytes += o.plastic_connectivity_bytes;
        self.plasticity_bytes += o.plasticity_bytes;
        self.ring_bytes += o.ring_bytes;
    }
}
