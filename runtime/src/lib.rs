//! The synfire engine: shards, workers, event queues, spike exchange, neuron
//! kernels and probes.
//!
//! ```
//! use synfire_graphs::prelude::*;
//! use synfire_runtime::Runtime;
//!
//! let mut net = Network::new().seed(1);
//! let e = net.population("E", 100, Lif::cuba().e_l((-49.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
//! net.connect(e, e, Conn::prob(0.05).weight(0.5.mv()).delay(1.0.ms()));
//! let spikes = net.record_spikes([e]);
//! let graph = net.freeze()?;
//! let mut sim = Runtime::builder().workers(2).build(&graph)?;
//! sim.run_for(100.0.ms())?;
//! assert!(sim.spikes(spikes)?.len() > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Invariant:** this is the only crate that spawns threads or touches atomics;
//! the atomics and unsafe cells of the spike exchange come from [`sync`] alone.

pub mod checkpoint;
mod checkpointing;
pub mod connect;
mod currents;
mod deliver;
pub mod error;
mod exchange;
mod guards;
pub mod kernel;
pub mod layout;
mod mirrors;
pub mod models;
mod modulators;
pub mod networks;
mod recorder;
pub mod records;
mod runtime;
mod shard;
mod shard_state;
mod sources;
mod sync;
mod transport;
mod trials;
mod window;
mod worker;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use error::RunError;
pub use kernel::{KernelFactory, KernelInit, NeuronKernel, RuleInit};
pub use records::{Counters, Memory, RateTrace, SpikeList, StateTrace, WeightTrace};
pub use runtime::{Runtime, RuntimeBuilder};
pub use transport::{Batch, Graded, Spike};
