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
//!
//! The randman scenarios of specs 10.2 and 10.3 ([`manifolds`]: permuted input
//! channels, split classes) run the same phases ([`phases`]) on a recurrent LIF
//! network trained by e-prop in the engine ([`engine_eprop`]), evaluated in one or
//! two views (class- and task-incremental).

pub mod engine_eprop;
pub mod engine_rate;
pub mod engine_spiking;
pub mod file;
pub mod manifolds;
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
/// switches. `D` is one task's data (spec 10.1's patterns by default; the randman
/// tasks of 10.2 and 10.3 are [`manifolds::ClassTask`]s).
pub trait Learn<D = rate::TaskData> {
    /// One epoch over `data` in `order`.
    fn train_epoch(&mut self, data: &D, order: &[usize]) -> Result<(), ContinualError>;
    /// Accuracy on each task, learning off: one value per task, or, for a learner
    /// evaluated in several views ([`phases`]), the views one after another (split
    /// classes: class-incremental on every task, then task-incremental).
    fn accuracy(&mut self, data: &[D]) -> Result<Vec<f64>, ContinualError>;
    /// A task boundary (SI consolidates).
    fn switch(&mut self) -> Result<(), ContinualError>;
    /// The state at the last evaluation (spec 10.6): the activity during it, the
    /// fraction of synapses at their bounds, the wrapper's internal state.
    fn snapshot(&mut self) -> Result<Snapshot, ContinualError>;
}

/// The phases of a scenario on `learner`, for any data: for each task `k` in
/// order, a switch (from the second task on), `epochs` epochs over `data[k]` in
/// `order(k, e)`, and evaluations on every task (before any training, every
/// `eval_every` epochs (0: none) and at each task's end). The learner's evaluations
/// hold `views` blocks of one accuracy per task; the result is one [`Run`] per view.
pub fn phases<D>(
    learner: &mut dyn Learn<D>,
    data: &[D],
    epochs: usize,
    eval_every: usize,
    views: usize,
    order: &dyn Fn(usize, usize) -> Vec<usize>,
) -> Result<Vec<Run>, ContinualError> {
    let t = data.len();
    let evaluate = |learner: &mut dyn Learn<D>| -> Result<Vec<Vec<f64>>, ContinualError> {
        let a = learner.accuracy(data)?;
        if a.len() != views * t {
            return Err(MetricsError::NotSquare { row: 0, len: a.len(), tasks: views * t }.into());
        }
        Ok(a.chunks(t.max(1)).map(<[f64]>::to_vec).collect())
    };
    let baseline = evaluate(learner)?;
    let mut curve = vec![(0.0, baseline.clone())];
    let mut snapshots = vec![learner.snapshot()?];
    let mut r = Vec::with_capacity(t);
    for (k, task) in data.iter().enumerate() {
        if k > 0 {
            learner.switch()?;
        }
        for e in 0..epochs {
            learner.train_epoch(task, &order(k, e))?;
            let done = e + 1 == epochs;
            if done || (eval_every > 0 && (e + 1) % eval_every == 0) {
                curve.push(((k * epochs + e + 1) as f64, evaluate(learner)?));
                snapshots.push(learner.snapshot()?);
            }
        }
        if epochs == 0 {
            curve.push(((k * epochs) as f64, evaluate(learner)?));
            snapshots.push(learner.snapshot()?);
        }
        r.push(curve.last().map(|c| c.1.clone()).unwrap_or_default());
    }
    (0..views)
        .map(|v| {
            let matrix =
                AccuracyMatrix::new(r.iter().map(|row| row.get(v).cloned().unwrap_or_default()).collect(), baseline.get(v).cloned().unwrap_or_default())?;
            Ok(Run { matrix, curve: curve.iter().map(|(x, a)| (*x, a.get(v).cloned().unwrap_or_default())).collect(), snapshots: snapshots.clone() })
        })
        .collect()
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

    /// The phases of the scenario on `learner` ([`phases`] on spec 10.1's data).
    pub fn run_with(&self, learner: &mut dyn Learn, seed: u64) -> Result<Run, ContinualError> {
        self.check()?;
        let p = &self.protocol;
        let data: Vec<rate::TaskData> = (0..p.tasks).map(|k| rate::task_data(p, seed, k)).collect();
        let mut runs = phases(learner, &data, p.epochs, p.eval_every, 1, &|k, e| rate::order(p, seed, k, e))?;
        runs.pop().ok_or(ContinualError::Metrics(MetricsError::Empty))
    }
}
