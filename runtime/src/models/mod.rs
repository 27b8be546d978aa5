//! The f32 reference kernels, one model per file, and the factory that picks them.

mod alif;
mod izhikevich;
mod lif_coba;
mod lif_cuba;
mod lif_discrete;
mod params;
mod refractory;

pub use alif::AlifKernel;
pub use izhikevich::IzhikevichKernel;
pub use lif_coba::LifCobaKernel;
pub use lif_cuba::LifCubaKernel;
pub use lif_discrete::LifDiscreteKernel;
pub use params::{PerNeuron, sample_init, sample_param};

use crate::error::RunError;
use crate::kernel::{KernelFactory, KernelInit, NeuronKernel};
use synfire_graphs::ModelKind;

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
        })
    }
}
