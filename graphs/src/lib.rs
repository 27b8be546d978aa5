//! Units, ids, the `Network` DSL and the frozen `Graph` IR of synfire.
//!
//! ```
//! use synfire_graphs::prelude::*;
//!
//! let mut net = Network::new().dt(0.1.ms()).seed(42);
//! let e = net.population("E", 80, Lif::cuba().e_l(-49.0.mv()));
//! let i = net.population("I", 20, Lif::cuba().e_l(-49.0.mv()));
//! net.connect(e, i, Conn::prob(0.1).weight(1.62.mv()).delay(1.0.ms()));
//! net.connect(i, e, Conn::prob(0.1).weight((-9.0).mv()).delay(1.0.ms()));
//! let graph = net.freeze()?;
//! assert_eq!(graph.num_neurons(), 100);
//! # Ok::<(), synfire_graphs::BuildError>(())
//! ```
//!
//! **Invariant:** this crate has no threads and no I/O beyond (de)serialising its IR,
//! and knows no concrete plasticity rule.

mod any_float;
pub mod connectivity;
pub mod connector;
pub mod dist;
pub mod error;
pub mod escape;
pub mod estimate;
pub mod fluctuation;
pub mod graph;
pub mod ids;
pub mod model;
pub mod network;
pub mod probe;
pub mod rng;
pub mod rule;
pub mod scenario;
pub mod state;
pub mod stimulus;
pub mod summary;
pub mod units;
mod validate;

pub use connector::{Conn, Connector, Receptor, WeightInit};
pub use dist::{Dist, Spec, Value, array, lognormal, normal, uniform};
pub use error::{BuildError, Problem, ProblemKind, Warning};
pub use escape::EscapeNoise;
pub use estimate::MemoryEstimate;
pub use fluctuation::{Epsilons, FluctuationDriven};
pub use graph::{DelayTicks, Graph, Projection};
pub use ids::{ModId, NetId, PopId, Probe, ProjId, StimId, probe_kind};
pub use model::{Alif, Izhikevich, Lif, LifDiscrete, ModelKind, NeuronSpec, RateUnit};
pub use network::{Activity, ModulatorDef, ModulatorKind, Network, PopKind, PopulationDef, Stim};
pub use probe::{ProbeDef, ProbeKind};
pub use rule::{GradedEnds, PlasticityRule, RuleCatalog, RuleProblem, RuleSpec, WeightBounds, WeightSchedule};
pub use state::{Axis, Column, Element, PlainState, StateError, StateReader, StateTable, StateWriter, Values};
pub use stimulus::{CurrentDef, CurrentShape, SourceSpec};
pub use units::{Capacitance, Conductance, Current, Number, Quantity, Rate, Tick, Time, Unit, UnitExt, Voltage};

/// Everything a network description needs.
pub mod prelude {
    pub use crate::{
        Alif, Conn, Epsilons, EscapeNoise, FluctuationDriven, Graph, Izhikevich, Lif, LifDiscrete, Network, NeuronSpec, Probe, RateUnit, Receptor, SourceSpec,
        Stim, UnitExt, array, lognormal, normal, probe_kind, uniform,
    };
}
