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

/// A parameter that is either one number for the whole slice or one per neuron.
/// Kernels branch on this once per step, not per neuron, so homogeneous
/// populations pay no memory traffic for their parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamTable {
    /// Every neuron has this value.
    Uniform(f32),
    /// One value per neuron.
    PerNeuron(Vec<f32>),
}

impl ParamTable {
    /// From per-neuron values, collapsing to `Uniform` when all are equal.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> ParamTable {
        let v: Vec<f32> = values.into_iter().map(|x| x as f32).collect();
        match v.first() {
            Some(&first) if v.iter().all(|&x| x == first) => ParamTable::Uniform(first),
            None => ParamTable::Uniform(0.0),
            Some(_) => ParamTable::PerNeuron(v),
        }
    }

    /// The value for neuron `i`.
    #[inline]
    pub fn at(&self, i: usize) -> f32 {
        match self {
            ParamTable::Uniform(x) => *x,
            ParamTable::PerNeuron(v) => v[i],
        }
    }
}
