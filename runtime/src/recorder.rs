//! Per-shard probe buffers. Shards record only what they own; the runtime merges
//! the buffers of all shards in canonical order when a probe is read.

use crate::transport::Spike;

/// Samples of one state probe's columns that live on this shard.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateRecorder {
    /// Probe index in the graph.
    pub probe: usize,
    /// Slice index in the shard.
    pub slice: usize,
    /// Variable index in the model's state table.
    pub var: usize,
    /// `(column in the probe, local index in the slice)`.
    pub cols: Vec<(usize, usize)>,
    /// Sampling interval in ticks (samples at ticks divisible by it).
    pub interval: u64,
    /// Recording window in ticks.
    pub window: (u64, u64),
    /// Sample ticks.
    pub ticks: Vec<u64>,
    /// Row-major values, `cols.len()` per row.
    pub values: Vec<f32>,
}

impl StateRecorder {
    /// Whether a sample is due at the end of tick `t`.
    pub(crate) fn due(&self, t: u64) -> bool {
        t.is_multiple_of(self.interval) && t >= self.window.0 && t < self.window.1
    }
}

/// Samples of one weight probe's synapses on this shard.
#[derive(Debug, Clone, Default)]
pub(crate) struct WeightRecorder {
    /// Probe index in the graph.
    pub probe: usize,
    /// Index of the projection among the shard's incoming projections.
    pub incoming: usize,
    /// The rule's per-synapse variable recorded instead of the weight, if any.
    pub var: Option<String>,
    /// Sampling interval in ticks.
    pub interval: u64,
    /// Recording window in ticks.
    pub window: (u64, u64),
    /// Sample ticks.
    pub ticks: Vec<u64>,
    /// Row-major weights: all of the shard's synapses of the projection, in row order.
    pub values: Vec<f32>,
}

impl WeightRecorder {
    /// Whether a sample is due at the end of tick `t`.
    pub(crate) fn due(&self, t: u64) -> bool {
        t.is_multiple_of(self.interval) && t >= self.window.0 && t < self.window.1
    }
}

/// Everything a shard records.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorders {
    /// Whether spikes of population `p` are logged (a spike or rate probe wants them).
    pub log_pop: Vec<bool>,
    /// Logged spikes in canonical order.
    pub spikes: Vec<Spike>,
    /// State probes.
    pub states: Vec<StateRecorder>,
    /// Weight probes.
    pub weights: Vec<WeightRecorder>,
}
