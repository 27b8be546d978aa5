//! The synfire engine: shards, workers, event queues, spike exchange, neuron
//! kernels and probes.

pub mod connect;
pub mod error;
pub mod kernel;
pub mod models;
pub mod records;

pub use error::RunError;
pub use kernel::{KernelFactory, KernelInit, NeuronKernel};
pub use records::{Counters, RateTrace, SpikeList, StateTrace, WeightTrace};
