//! The neuron update as a kernel a target can replace.
//!
//! A shard holds one [`NeuronKernel`] per population slice it owns. The kernel owns
//! the slice's state as plain arrays (structure of arrays) and advances it one tick
//! at a time. Which implementation runs is chosen once, when the runtime is built,
//! through a [`KernelFactory`]: the f32 reference kernels of [`crate::models`], or a
//! target's fixed-point ones. Nothing on the hot path asks which.

use crate::error::RunError;
use std::fmt;
use std::ops::Range;
use synfire_graphs::{NeuronSpec, PlainState, Time};

/// What a kernel is built from.
#[derive(Debug, Clone)]
pub struct KernelInit<'a> {
    /// The model and its (possibly heterogeneous) parameters.
    pub model: &'a NeuronSpec,
    /// Population name, for error messages.
    pub pop_name: &'a str,
    /// Time step.
    pub dt: Time,
    /// The network seed (parameter and state sampling use streams keyed by gid).
    pub seed: u64,
    /// Global id of the population's first neuron.
    pub pop_offset: u64,
    /// Indices within the population of the neurons of this slice (contiguous).
    pub neurons: Range<u64>,
}

impl KernelInit<'_> {
    /// Number of neurons in the slice.
    pub fn len(&self) -> usize {
        (self.neurons.end - self.neurons.start) as usize
    }

    /// Whether the slice is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Global ids of the slice.
    pub fn gids(&self) -> Range<u64> {
        self.pop_offset + self.neurons.start..self.pop_offset + self.neurons.end
    }
}

/// One population slice's neurons: state plus the update of one tick.
///
/// **Contract** (checked by the conformance tests every kernel runs):
/// - `step` integrates tick `tick`: `input[r][i]` holds the summed weights of spikes
///   arriving at this tick on receptor `r` for local neuron `i`, in the model's weight
///   unit; the kernel adds them to its state as the model's equations say and then
///   sets them to zero (it consumes the ring-buffer slot). `ext[i]` is the injected
///   current (model's current unit), added to the model's own constant current;
///   an empty `ext` means no injected current.
/// - It pushes the local indices of neurons that spike at this tick, increasing.
/// - Results depend only on the state, the inputs and the tick, never on the slice
///   boundaries: a neuron's update reads only its own state.
/// - save/restore: restore(save()) into a kernel built from the same KernelInit
///   continues bit-identically. The saved columns hold every piece of state that
///   influences later output (hidden state such as refractory ends included) as
///   `Axis::Neuron` columns, one row per local neuron, or `Axis::Scalar`; derived
///   coefficients are rebuilt from the graph. A table that does not fit is a
///   `StateError` naming the column, and leaves the kernel unchanged.
pub trait NeuronKernel: PlainState + Send + fmt::Debug {
    /// Number of neurons.
    fn len(&self) -> usize;

    /// Whether the slice is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Advances every neuron by one tick.
    fn step(&mut self, tick: u64, input: &mut [&mut [f32]], ext: &[f32], spiked: &mut Vec<u32>);

    /// State variable `var` (index into the model's `ModelKind::state()`) of neuron `i`.
    fn state(&self, var: usize, i: usize) -> f32;

    /// Sets state variable `var` of neuron `i` (used by checkpoints and tests).
    fn set_state(&mut self, var: usize, i: usize, value: f32);

    /// The graded output of every neuron after the last `step` (rate units), or
    /// `None` for spiking models. Each non-zero value becomes a graded event.
    fn output(&self) -> Option<&[f32]> {
        None
    }

    /// The local index and variable name of the first NaN or infinite state value,
    /// scanning in neuron order (at one neuron, in the order of the model's state);
    /// `None` when every value is finite. A plain scan, for run guards.
    fn first_non_finite(&self) -> Option<(usize, &'static str)>;

    /// From now on, keep each neuron's distance to its threshold after every step (a
    /// per-tick rule reads it, e.g. e-prop's pseudo-derivative). Returns whether the
    /// model has a threshold to keep it for.
    fn track_threshold(&mut self) -> bool {
        false
    }

    /// After a `step`, once tracked: `v - A` per neuron (`A` the possibly adaptive
    /// threshold), `+inf` for a neuron that was refractory during the step.
    fn threshold_distance(&self) -> Option<&[f32]> {
        None
    }
}

/// Builds kernels for population slices; one per runtime, chosen at build time.
pub trait KernelFactory: Send + Sync + fmt::Debug {
    /// A short name for reports (`"reference-f32"`).
    fn name(&self) -> &'static str;

    /// A kernel for the slice, or an error naming what is not supported.
    fn build(&self, init: &KernelInit<'_>) -> Result<Box<dyn NeuronKernel>, RunError>;

    /// Whether [`KernelFactory::weight`] changes weights (false: the shards skip it).
    fn transforms_weights(&self) -> bool {
        false
    }

    /// The weight a synapse of projection `proj` stores, given the graph's weight `w`
    /// (the target model's unit): a target whose chip quantises weights returns the
    /// value its kernels read (for example an integer count of weight steps). Applied
    /// once when the shards build their synapses, and by nothing on the hot path.
    fn weight(&self, proj: usize, w: f32) -> f32 {
        let _ = proj;
        w
    }

    /// The plasticity of projection `init.proj` as the target's chip computes it (a
    /// learning engine with its own number formats), or `None` to run the graph's
    /// rule from the rule catalogue. Called where the catalogue's rule would be built,
    /// once per (projection, shard), so a target's rule is built and restored like
    /// any other; it must follow the [`synfire_rules::Plasticity`] contract.
    fn rule(&self, init: &RuleInit<'_>) -> Option<Result<Box<dyn synfire_rules::Plasticity>, RunError>> {
        let _ = init;
        None
    }
}

/// What a target's rule is built from ([`KernelFactory::rule`]).
#[derive(Debug, Clone, Copy)]
pub struct RuleInit<'a> {
    /// The projection's index.
    pub proj: usize,
    /// The projection as the shard sees it.
    pub info: &'a synfire_rules::ProjectionInfo,
    /// The network seed (random streams are keyed by global ids, never by shard).
    pub seed: u64,
    /// Global id of the source population's first neuron (CSR row 0).
    pub source_gid0: u64,
    /// Global id of the shard's first target neuron (local target 0).
    pub target_gid0: u64,
}
