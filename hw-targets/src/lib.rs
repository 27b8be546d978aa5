//! Hardware targets: run a network with a chip's numerics, check that it fits, and
//! say what it costs (specs/targets.md, Part B).
//!
//! A [`Target`] compiles a frozen graph into a [`Plan`]: every population and
//! projection lowered to the chip's number formats (with the quantisation error of
//! each), placed onto cores by a mapper that either succeeds or names every limit it
//! exceeds, and a pricer that turns a [`Ledger`] of exact counts into energy and
//! latency with each constant's source. The plan's kernels run the graph on the
//! ordinary runtime, on worker threads, as the chip would compute it.
//!
//! ```
//! use synfire_graphs::prelude::*;
//! use synfire_targets::{CompileOptions, Loihi2, Target};
//!
//! let mut net = Network::new().seed(1);
//! let e = net.population("E", 100, Lif::cuba().e_l((-49.0).mv()));
//! net.connect(e, e, Conn::prob(0.05).weight(0.5.mv()).delay(1.0.ms()));
//! let graph = net.freeze()?;
//! let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
//! assert_eq!(plan.mapping.as_ref().map(|m| m.cores.len()), Some(1));
//! let mut sim = synfire_runtime::Runtime::builder().workers(2).kernels(plan.kernels()).build(&graph)?;
//! sim.run_for(10.0.ms())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Invariant:** a target never falls back silently to another backend: what it
//! cannot express is a typed [`LowerError`] naming the item, or an approximation
//! printed in the plan's warnings.

pub mod compare;
pub mod cortex_m4;
pub mod cost;
pub mod error;
mod exactness;
pub mod footprint;
pub mod ledger;
pub mod loihi2;
pub mod mapping;
pub mod numeric;
mod plan;
pub mod quant;
mod reference;
pub mod wiring;
pub mod xylo;

pub use cortex_m4::CortexM4;
pub use cost::{CostReport, Price, Tag};
pub use error::{LowerError, Resource, Scope, Violation};
pub use ledger::{CoreLedger, Ledger};
pub use loihi2::Loihi2;
pub use plan::{Activity, Plan, PopReport, Pricer};
pub use reference::Reference;
pub use xylo::Xylo;

use synfire_graphs::Graph;

/// How a target treats one graph item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// Computed as the chip computes it.
    Native,
    /// Computed with a stated approximation.
    Approximated(String),
    /// Not possible, and why.
    Unsupported(String),
}

/// How continuous time constants become per-step decays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Discretisation {
    /// `D = 4096 (1 - exp(-dt/tau))` (exact for a held input).
    #[default]
    Exact,
    /// `D = 4096 dt/tau`.
    Euler,
}

/// Options of a compilation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompileOptions {
    /// Integer state units per model unit (mV); default chosen from the threshold.
    pub state_scale: Option<f64>,
    /// Decay discretisation.
    pub discretisation: Discretisation,
    /// Microcontrollers: keep the weights of static projections in flash.
    pub weights_in_flash: bool,
    /// `loihi2-like`: steps per learning epoch, 1..=63 (default 2).
    pub epoch_steps: Option<u16>,
}

/// Learning capabilities of a target (specs/targets.md 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearningCaps {
    /// Inference only.
    None,
    /// Any rule, computed in software.
    Any,
    /// The `loihi2-like` learning engine's trace products.
    TraceProducts {
        /// Presynaptic traces.
        traces_pre: u8,
        /// Postsynaptic traces.
        traces_post: u8,
        /// Trace bits.
        trace_bits: u8,
        /// Weight bits (one more signed).
        weight_bits: u8,
        /// Longest epoch in steps.
        epoch_max: u16,
        /// Whether post-synaptic traces may come from a third factor.
        third_factor: bool,
    },
}

/// A swappable model of one machine.
pub trait Target: Send + Sync + std::fmt::Debug {
    /// Stable id: `reference`, `loihi2-like`, ...
    fn id(&self) -> &'static str;
    /// Pure check of every population and projection.
    fn support(&self, graph: &Graph) -> Vec<(Scope, Support)>;
    /// Quantise, place and prepare the kernels; every problem at once.
    fn compile(&self, graph: &Graph, opts: &CompileOptions) -> Result<Plan, LowerError>;
    /// What the target can learn on the chip (its `support` names each refusal).
    fn learning(&self) -> LearningCaps;
}

/// The target called `name` (`reference`, `loihi2` or `loihi2-like`, `xylo` or
/// `xylo-like`, `cortex-m4`).
pub fn by_name(name: &str) -> Option<Box<dyn Target>> {
    match name {
        "reference" => Some(Box::new(Reference)),
        "loihi2" | "loihi2-like" => Some(Box::new(Loihi2)),
        "xylo" | "xylo-like" => Some(Box::new(Xylo)),
        "cortex-m4" => Some(Box::new(CortexM4)),
        _ => None,
    }
}

/// The names [`by_name`] knows.
pub const TARGETS: &[&str] = &["reference", "loihi2", "xylo", "cortex-m4"];
