//! Continual learning: a scenario is a sequence of phases (train on task `k`,
//! evaluate on every task, anytime evaluations inside a task), run for several
//! synapse variants side by side and several seeds, reported as accuracy matrices
//! and the metrics of spec 10.6.
//!
//! ```
//! use synfire::continual::{Form, Protocol, Scenario, Variant};
//!
//! let scenario = Scenario {
//!     protocol: Protocol { epochs: 5, ..Protocol::default() },
//!     variants: vec![Variant::Plain, Variant::Metaplastic { m: 1.0 }],
//!     form: Form::Rate,
//!     spiking: Default::default(),
//!     workers: 1,
//! };
//! let run = scenario.run_one(Variant::Plain, 1).unwrap();
//! assert_eq!(run.matrix.tasks(), 2);
//! ```
//!
//! The learner is the unit-level one of spec 10.1, running in the engine in the rate
//! abstraction ([`engine_rate`]: a graded sigmoid unit) or in its spiking form
//! ([`engine_spiking`]: Poisson-coded patterns, [`poisson`], onto one LIF neuron),
//! its synapses learning by the delta rule behind the metaplastic wrappers of
//! `synfire_rules`. [`rate::Learner`] is a plain serial reference of the rate form's
//! equations, for tests. The data come from the run seed's counter-based task streams, so the
//! scenario and a seed fully determine data and result.

pub mod engine_rate;
pub mod engine_spiking;
pub mod file;
pub mod metrics;
pub mod poisson;
pub mod rate;
pub mod snapshot;
pub mod spiking_protocol;

pub use engine_spiking::SpikingProtocol;
pub use metrics::{AccuracyMatrix, Metrics, MetricsError};
pub use poisson::Noise;
pub use rate::{Learner, Protocol};
pub use snapshot::{Snapshot, Spread};

/// Which form of the protocol runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub enum Form {
    /// A graded unit `p = sigmoid(w·x)` in the engine (rate abstraction).
    #[default]
    Rate,
    /// The dense serial reference of the rate form ([`rate::Learner`]), beside the
    /// engine: for tests and comparisons, not the feature.
    Reference,
    /// Poisson spike trains onto a LIF neuron in the engine (the scenario's
    /// [`SpikingProtocol`]).
    Spiking,
}

/// What a scenario trains: one presentation loop per epoch, evaluations, task
/// switches.
pub trait Learn {
    /// One epoch over `data` in `order`.
    fn train_epoch(&mut self, data: &rate::TaskData, order: &[usize]) -> Result<(), ContinualError>;
    /// Accuracy on each task, learning off.
    fn accuracy(&mut self, data: &[rate::TaskData]) -> Result<Vec<f64>, ContinualError>;
    /// A task boundary (SI consolidates).
    fn switch(&mut self) -> Result<(), ContinualError>;
    /// The state at the last evaluation (spec 10.6): the activity during it, the
    /// fraction of synapses at their bounds, the wrapper's internal state.
    fn snapshot(&mut self) -> Result<Snapshot, ContinualError>;
}

impl Learn for Learner {
    fn train_epoch(&mut self, data: &rate::TaskData, order: &[usize]) -> Result<(), ContinualError> {
        for &mu in order {
            self.train(&data.x[mu], data.y[mu]);
        }
        Ok(())
    }
    fn accuracy(&mut self, data: &[rate::TaskData]) -> Result<Vec<f64>, ContinualError> {
        Ok(data.iter().map(|d| Learner::accuracy(self, d)).collect())
    }
    fn switch(&mut self) -> Result<(), ContinualError> {
        self.consolidate();
        Ok(())
    }
    fn snapshot(&mut self) -> Result<Snapshot, ContinualError> {
        Ok(Learner::snapshot(self))
    }
}

/// How the synapses apply the delta rule's update.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub enum Variant {
    /// The rule as it is.
    Plain,
    /// Metaplastic hidden weights (spec 7.2, analog) with metaplasticity `m`.
    Metaplastic {
        /// Metaplasticity.
        m: f64,
    },
    /// Synaptic intelligence (spec 7.3), consolidated at every task switch.
    Si {
        /// Strength.
        c: f64,
        /// Damping.
        xi: f64,
    },
    /// A Benna–Fusi chain of `m` beakers (spec 7.1), one step per update.
    BennaFusi {
        /// Beakers.
        m: usize,
    },
}

impl Variant {
    /// A short label: `plain`, `meta(m=1)`, `si(c=0.01)`, `benna-fusi(m=8)`.
    pub fn label(&self) -> String {
        match self {
            Variant::Plain => "plain".into(),
            Variant::Metaplastic { m } => format!("meta(m={m})"),
            Variant::Si { c, .. } => format!("si(c={c})"),
            Variant::BennaFusi { m } => format!("benna-fusi(m={m})"),
        }
    }

    /// Spec 10.1's comparison: plain, meta m ∈ {0.5, 1, 2}, SI c ∈ {0.01, 0.1, 1}
    /// (xi = 0.1), Benna–Fusi m = 8.
    pub fn spec_10_1() -> Vec<Variant> {
        let mut v = vec![Variant::Plain];
        v.extend([0.5, 1.0, 2.0].map(|m| Variant::Metaplastic { m }));
        v.extend([0.01, 0.1, 1.0].map(|c| Variant::Si { c, xi: 0.1 }));
        v.push(Variant::BennaFusi { m: 8 });
        v
    }
}

/// Why a scenario does not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ContinualError {
    /// A protocol field is out of range.
    #[error("protocol {field} = {value}: {why}")]
    Protocol {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A variant's parameters are refused.
    #[error("variant {variant}: {why}")]
    Variant {
        /// The variant.
        variant: String,
        /// What is wrong.
        why: String,
    },
    /// The engine refused or failed a run.
    #[error("variant {variant}: the engine: {source}")]
    Run {
        /// The variant.
        variant: String,
        /// What the engine said.
        source: synfire_runtime::RunError,
    },
    /// The accuracy matrix came out malformed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
}

/// A scenario: the protocol and the variants compared.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scenario {
    /// Sizes, rates, epochs.
    pub protocol: Protocol,
    /// Variants side by side.
    pub variants: Vec<Variant>,
    /// Which form runs (the engine's rate form by default).
    pub form: Form,
    /// Units and output neuron of the spiking form (read by [`Form::Spiking`] only).
    pub spiking: SpikingProtocol,
    /// Worker threads of each engine run.
    pub workers: usize,
}

/// One variant on one seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// `R[i][j]`, with the untrained baseline.
    pub matrix: AccuracyMatrix,
    /// Anytime evaluations: `(epochs trained so far, accuracy on every task)`.
    pub curve: Vec<(f64, Vec<f64>)>,
    /// The state at each point of `curve` (spec 10.6's log).
    pub snapshots: Vec<Snapshot>,
}

impl Scenario {
    /// Checks the protocol.
    pub fn check(&self) -> Result<(), ContinualError> {
        let p = &self.protocol;
        let bad = |field, value: String, why| Err(ContinualError::Protocol { field, value, why });
        if p.inputs == 0 {
            return bad("inputs", p.inputs.to_string(), "needs at least one input channel");
        }
        if p.patterns == 0 {
            return bad("patterns", p.patterns.to_string(), "needs at least one pattern per task");
        }
        if p.tasks == 0 {
            return bad("tasks", p.tasks.to_string(), "needs at least one task");
        }
        if !(p.eta.is_finite() && p.eta > 0.0) {
            return bad("eta", p.eta.to_string(), "must be positive and finite");
        }
        if !(p.w_init.is_finite() && p.w_init >= 0.0) {
            return bad("w_init", p.w_init.to_string(), "must be non-negative and finite");
        }
        if self.form == Form::Spiking {
            self.spiking.check()?;
        }
        for v in &self.variants {
            let ok = match *v {
                Variant::Plain => true,
                Variant::Metaplastic { m } => m.is_finite() && m >= 0.0,
                Variant::Si { c, xi } => c.is_finite() && c >= 0.0 && xi.is_finite() && xi > 0.0,
                Variant::BennaFusi { m } => (1..=16).contains(&m),
            };
            if !ok {
                return Err(ContinualError::Variant { variant: v.label(), why: "parameter out of range (m >= 0; c >= 0, xi > 0; beakers 1..=16)".into() });
            }
        }
        Ok(())
    }

    /// Runs `variant` on `seed` in the scenario's form: train task 0, evaluate all,
    /// train task 1, ...
    pub fn run_one(&self, variant: Variant, seed: u64) -> Result<Run, ContinualError> {
        self.check()?;
        let p = &self.protocol;
        let w0 = rate::initial_weights(p, seed);
        match self.form {
            Form::Reference => self.run_with(&mut Learner::new(variant, p.eta, w0)?, seed),
            Form::Rate => self.run_with(&mut engine_rate::EngineLearner::new(p, variant, &w0, seed, self.workers.max(1))?, seed),
            Form::Spiking => self.run_with(&mut engine_spiking::SpikingLearner::new(p, &self.spiking, variant, &w0, seed, self.workers.max(1))?, seed),
        }
    }

    /// The phases of the scenario on `learner`.
    pub fn run_with(&self, learner: &mut dyn Learn, seed: u64) -> Result<Run, ContinualError> {
        self.check()?;
        let p = &self.protocol;
        let data: Vec<rate::TaskData> = (0..p.tasks).map(|k| rate::task_data(p, seed, k)).collect();
        let baseline = learner.accuracy(&data)?;
        let mut curve = vec![(0.0, baseline.clone())];
        let mut snapshots = vec![learner.snapshot()?];
        let mut r = Vec::with_capacity(p.tasks);
        for (k, task) in data.iter().enumerate() {
            if k > 0 {
                learner.switch()?;
            }
            for e in 0..p.epochs {
                learner.train_epoch(task, &rate::order(p, seed, k, e))?;
                let done = e + 1 == p.epochs;
                if done || (p.eval_every > 0 && (e + 1) % p.eval_every == 0) {
                    curve.push(((k * p.epochs + e + 1) as f64, learner.accuracy(&data)?));
                    snapshots.push(learner.snapshot()?);
                }
            }
            if p.epochs == 0 {
                curve.push(((k * p.epochs) as f64, learner.accuracy(&data)?));
                snapshots.push(learner.snapshot()?);
            }
            r.push(curve.last().map(|c| c.1.clone()).unwrap_or_default());
        }
        Ok(Run { matrix: AccuracyMatrix::new(r, baseline)?, curve, snapshots })
    }
}
