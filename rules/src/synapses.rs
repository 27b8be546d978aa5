//! What the engine hands a rule on every call: its synapses and the third factors.

use std::ops::Range;
use synfire_graphs::Tick;

/// Synaptic delays in ticks: one per projection or one per synapse.
#[derive(Debug, Clone, Copy)]
pub enum Delays<'a> {
    /// Every synapse has this delay.
    Const(u32),
    /// Delay of synapse `k` at index `k`.
    PerSynapse(&'a [u32]),
}

/// The synapses of one projection that one shard owns (those whose target it owns),
/// in CSR form by source. Synapse `k` is the same index in every array, including the
/// rule's own per-synapse state.
#[derive(Debug)]
pub struct Synapses<'a> {
    /// Row starts: the synapses of source `j` (index in the source population) are
    /// `offsets[j]..offsets[j + 1]`; length = number of sources + 1.
    pub offsets: &'a [u64],
    /// Local index of each synapse's target neuron (`0..n_targets`).
    pub targets: &'a [u32],
    /// Delays in ticks (all `>= 1`).
    pub delays: Delays<'a>,
    /// Weights, read and written by the rule, in the engine's weight unit.
    pub weights: &'a mut [f32],
}

impl Synapses<'_> {
    /// The synapses of source `j`.
    #[inline]
    pub fn row(&self, j: usize) -> Range<usize> {
        self.offsets[j] as usize..self.offsets[j + 1] as usize
    }

    /// The delay of synapse `k` in ticks.
    #[inline]
    pub fn delay(&self, k: usize) -> u64 {
        u64::from(match self.delays {
            Delays::Const(d) => d,
            Delays::PerSynapse(d) => d[k],
        })
    }

    /// Number of sources (rows).
    pub fn n_sources(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// Third factors: values computed elsewhere in the network (graph modulator nodes),
/// indexed as in `Graph::modulators`.
pub trait ThirdFactors {
    /// The value of scalar modulator `m` during tick `t`, if it exists.
    fn scalar(&self, m: usize, t: Tick) -> Option<f64>;
    /// The value of per-neuron signal `m` (an e-prop learning signal, an error) for local
    /// target `target` during tick `t`, if it exists.
    fn per_neuron(&self, m: usize, target: u32, t: Tick) -> Option<f64>;
}

/// No third factor at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoThirdFactors;

impl ThirdFactors for NoThirdFactors {
    fn scalar(&self, _: usize, _: Tick) -> Option<f64> {
        None
    }
    fn per_neuron(&self, _: usize, _: u32, _: Tick) -> Option<f64> {
        None
    }
}

/// The state of a rule's target neurons after the step of the tick being processed,
/// for per-tick rules that asked for it ([`Needs::post_state`](crate::Needs)); empty
/// slices everywhere else.
#[derive(Clone, Copy, Debug, Default)]
pub struct Post<'a> {
    /// Per local target: the distance to the threshold `v - A` after the step (the
    /// argument of a surrogate derivative), `+inf` while the neuron is refractory (so
    /// that every surrogate is 0 there).
    pub threshold_distance: &'a [f32],
    /// Per local target: the graded output after the step (rate units, readouts).
    pub output: &'a [f32],
}

/// The non-synaptic inputs of a rule call.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Modulators and learning signals.
    pub third: &'a dyn ThirdFactors,
    /// The target neurons' state, in `on_tick` of rules that asked for it.
    pub post: Post<'a>,
}

impl Context<'static> {
    /// A context without third factors (enough for every classic rule).
    pub fn none() -> Self {
        Context { third: &NoThirdFactors, post: Post { threshold_distance: &[], output: &[] } }
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Context")
    }
}
