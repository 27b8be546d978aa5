//! The f32 reference kernels, one model per file, and the factory that picks them.

mod alif;
mod escape;
mod izhikevich;
mod lif_coba;
mod lif_cuba;
mod lif_discrete;
mod params;
mod rate;
mod readout;
mod refractory;

pub use alif::AlifKernel;
pub use izhikevich::IzhikevichKernel;
pub use lif_coba::LifCobaKernel;
pub use lif_cuba::LifCubaKernel;
pub use lif_discrete::LifDiscreteKernel;
pub use params::{PerNeuron, sample_init, sample_param};
pub use rate::RateKernel;
pub use readout::ReadoutKernel;

use crate::error::RunError;
use crate::kernel::{KernelFactory, KernelInit, NeuronKernel};
use synfire_graphs::{ModelKind, StateError, StateReader};

/// The plain f32 kernels: the reference every target is compared with.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceKernels;

impl KernelFactory for ReferenceKernels {
    fn name(&self) -> &'static str {
        "reference-f32"
    }

    fn build(&self, init: &KernelInit<'_>) -> Result<Box<dyn NeuronKernel>, RunError> {
        Ok(match init.model.kind {
            ModelKind::LifCuba => Box::new(LifCubaKernel::new(init)?),
            ModelKind::LifCoba => Box::new(LifCobaKernel::new(init)?),
            ModelKind::Alif => Box::new(AlifKernel::new(init)?),
            ModelKind::Izhikevich => Box::new(IzhikevichKernel::new(init)?),
            ModelKind::LifDiscrete => Box::new(LifDiscreteKernel::new(init)?),
            ModelKind::RateLinear | ModelKind::RateSigmoid | ModelKind::RateSoftplus | ModelKind::RateAffine => Box::new(RateKernel::new(init)?),
            ModelKind::LeakyReadout => Box::new(ReadoutKernel::new(init)?),
        })
    }
}

/// The f32 column `name` of `n` rows, read into a new vector so that a restore that
/// fails later leaves the kernel unchanged.
fn read_f32(input: &mut StateReader<'_>, name: &str, n: usize) -> Result<Vec<f32>, StateError> {
    let mut out = vec![0.0; n];
    input.f32_into(name, &mut out)?;
    Ok(out)
}

/// The first neuron with a NaN or infinite value in one of `columns` (name and one
/// value per neuron), and that column's name; at equal neurons the column listed
/// first. A plain scan of each column, stopping at its first non-finite value.
fn first_non_finite(columns: &[(&'static str, &[f32])]) -> Option<(usize, &'static str)> {
    columns.iter().filter_map(|&(name, values)| values.iter().position(|x| !x.is_finite()).map(|i| (i, name))).min_by_key(|&(i, _)| i)
}
