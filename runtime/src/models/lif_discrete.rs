//! Placeholder: the lif_discrete kernel is written in its own change.

use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};

/// Not yet implemented: building it returns `RunError::Unsupported`.
#[derive(Debug, Clone)]
pub struct LifDiscreteKernel;

impl LifDiscreteKernel {
    /// Always an error until the model lands.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        Err(RunError::Unsupported { path: format!("populations[{}].model", init.pop_name), message: "lif_discrete is not implemented yet".into() })
    }
}

impl NeuronKernel for LifDiscreteKernel {
    fn len(&self) -> usize {
        0
    }
    fn step(&mut self, _tick: u64, _input: &mut [&mut [f32]], _ext: &[f32], _spiked: &mut Vec<u32>) {}
    fn state(&self, _var: usize, _i: usize) -> f32 {
        f32::NAN
    }
    fn set_state(&mut self, _var: usize, _i: usize, _value: f32) {}
}
