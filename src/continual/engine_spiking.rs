//! The unit-level learner of spec 10.1 in the engine, spiking form (placeholder
//! while the rate form is finished; see the module list in `continual`).

use super::rate::{Protocol, TaskData};
use super::{ContinualError, Variant};

/// The spiking learner.
#[derive(Debug)]
pub struct SpikingLearner;

impl SpikingLearner {
    /// Not built yet: a typed error.
    pub fn new(_p: &Protocol, variant: Variant, _w0: &[f64], _seed: u64, _workers: usize) -> Result<SpikingLearner, ContinualError> {
        Err(ContinualError::Variant { variant: variant.label(), why: "the spiking form is not built".into() })
    }
}

impl super::Learn for SpikingLearner {
    fn train_epoch(&mut self, _data: &TaskData, _order: &[usize]) -> Result<(), ContinualError> {
        Ok(())
    }
    fn accuracy(&mut self, data: &[TaskData]) -> Result<Vec<f64>, ContinualError> {
        Ok(vec![0.0; data.len()])
    }
    fn switch(&mut self) -> Result<(), ContinualError> {
        Ok(())
    }
}
