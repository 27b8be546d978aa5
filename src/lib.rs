//! synfire: a parallel, event-driven runtime for plastic spiking neural networks.
//!
//! This crate is the facade: it re-exports the workspace crates, offers a
//! [`prelude`] for network programs and the built-in benchmark [`networks`], and
//! ships the `synfire` command-line tool.
//!
//! ```
//! use synfire::prelude::*;
//!
//! let mut net = Network::new().dt(0.1.ms()).seed(42);
//! let e = net.population("E", 80, Lif::cuba().e_l((-49.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
//! net.connect(e, e, Conn::prob(0.1).weight(1.62.mv()).delay(1.0.ms()));
//! let spikes = net.record_spikes([e]);
//! let graph = net.freeze()?;
//! let mut sim = Runtime::builder().workers(1).build(&graph)?;
//! sim.run_for(50.0.ms())?;
//! assert!(sim.spikes(spikes)?.len() > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use synfire_graphs as graphs;
pub use synfire_rules as rules;
pub use synfire_runtime as runtime;
pub use synfire_targets as targets;

pub use synfire_runtime::networks;

pub mod continual;
pub mod eprop;
pub mod microcircuit;
pub mod tasks;

/// Everything a network program needs: the description DSL, the plasticity rules
/// and the runtime.
pub mod prelude {
    pub use synfire_graphs::prelude::*;
    pub use synfire_rules::{
        BennaFusi, Catalog as RuleCatalog, Eprop, HiddenWeights, Istdp, Metaplastic, Orchestrated, RewardStdp, Scaling, Stdp, Stp, SuperSpike,
        SuperSpikeFeedback, Surrogate, SynapticIntelligence, Triplet,
    };
    pub use synfire_runtime::Runtime;
}

/// The README's code, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
