//! Per-neuron parameter and initial-state arrays drawn from the graph's values.
//!
//! **Invariant:** neuron `gid`'s value of parameter `k` comes from the stream
//! `(seed, NeuronInit, gid, k)`, so it does not depend on which shard holds it.

use crate::kernel::KernelInit;
use synfire_graphs::rng::{Domain, stream};

/// Stream sub-ids: parameters use their index in `ModelKind::params()`, initial
/// state its index in `ModelKind::state()` plus this offset.
const INIT_SUB: u64 = 1 << 16;

/// The values of parameter `name` for every neuron of the slice, in the parameter's
/// unit. Missing parameters (not in the model) give `None`.
pub fn sample_param(init: &KernelInit<'_>, name: &str) -> Option<Vec<f64>> {
    let k = init.model.kind.params().iter().position(|d| d.name == name)?;
    let value = init.model.param(name)?;
    Some(draw(init, &value, k as u64))
}

/// The initial values of state variable `name` for every neuron of the slice.
/// A variable whose default is a parameter (`v` starts at `e_l`) takes that
/// parameter's per-neuron values.
pub fn sample_init(init: &KernelInit<'_>, name: &str) -> Option<Vec<f64>> {
    let k = init.model.kind.state().iter().position(|d| d.name == name)?;
    if let Some(v) = init.model.init.get(name) {
        return Some(draw(init, v, INIT_SUB + k as u64));
    }
    match init.model.kind.state()[k].init {
        synfire_graphs::model::Init::Number(x) => Some(vec![x; init.len()]),
        synfire_graphs::model::Init::Param(p) => sample_param(init, p),
    }
}

fn draw(init: &KernelInit<'_>, value: &synfire_graphs::Value, sub: u64) -> Vec<f64> {
    if let Some(c) = value.as_const() {
        return vec![c; init.len()];
    }
    init.neurons
        .clone()
        .map(|i| {
            let mut rng = stream(init.seed, Domain::NeuronInit, init.pop_offset + i, sub);
            value.sample(&mut rng, i as usize).unwrap_or(0.0)
        })
        .collect()
}

/// Per-neuron values (a model's coefficients) stored once when every neuron of the
/// slice has the same: kernels branch on this once per block, not per neuron, so
/// homogeneous populations pay no memory traffic for their parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct PerNeuron<T>(Vec<T>);

impl<T: Copy + PartialEq> PerNeuron<T> {
    /// From one value per neuron, collapsing to one when all are equal.
    pub fn new(mut values: Vec<T>) -> Self {
        if values.windows(2).all(|w| w[0] == w[1]) {
            values.truncate(1);
        }
        PerNeuron(values)
    }

    /// The value of neuron `i`.
    #[inline]
    pub fn at(&self, i: usize) -> &T {
        &self.0[if self.0.len() == 1 { 0 } else { i }]
    }

    /// The shared value, if every neuron has the same.
    #[inline]
    pub fn uniform(&self) -> Option<T> {
        match self.0.as_slice() {
            &[c] => Some(c),
            _ => None,
        }
    }

    /// One entry when uniform, else one per neuron.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}
