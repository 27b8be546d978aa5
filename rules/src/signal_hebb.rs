//! Signal-gated Hebbian learning: a presynaptic trace times a per-neuron learning
//! signal, the shape of every three-factor rule with a per-neuron third factor
//! (e-prop's `L_j e_ij` with the eligibility reduced to the presynaptic trace;
//! Frémaux & Gerstner 2016).
//!
//! # Dynamics
//!
//! Per source `i`, a trace of arrivals (synaptic time: a spike emitted at `s` over a
//! delay `d` arrives at `s + d`), and per synapse `i -> j`, every tick `t`:
//!
//! ```text
//! x_i(t) = λ x_i(t-1) + A_i(t)          λ = exp(-dt / tau), A_i(t) = arrivals at t
//! w_ij  <- clip(w_ij + eta L_j(t) x_i(t))
//! ```
//!
//! `L_j(t)` is the per-neuron signal of slot 0 (input `"signal"`) for target `j` at
//! tick `t`, typically `sum_k B_jk a_k(t - d_B)` delivered by feedback projections
//! from another population (a readout's error); `None` reads as 0. All arithmetic is
//! f32 in this order. On a projection stored with negative weights the rule learns
//! magnitudes (bounds and `eta` apply to `|w|`, the sign is kept).
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `eta` | weight | 1e-3 | learning rate (weight change per unit signal and trace) |
//! | `tau` | ms | 20 | presynaptic trace time constant |
//! | `w_min`, `w_max` | weight | none | hard bounds (either may be left out) |
//! | input `signal` | node | (required) | the per-neuron signal over the target population |
//!
//! The projection needs one delay for all synapses (a per-synapse delay is refused).
//!
//! # State
//!
//! Per source `x_i`, the tick its row is integrated up to, and its pending arrivals
//! (at most `d`: spikes emitted in the last `d` ticks). Per projection the signal of
//! every tick with a non-zero signal since the oldest row position (`n_targets`
//! floats each, at most a window of them after `advance`). Nothing per synapse
//! beyond the weight.
//!
//! # Events
//!
//! The weight a spike transmits must be the weight of its own tick, but the engine
//! delivers a window's spikes after integrating the whole window. So updates are
//! applied lazily, row by row, in tick order, exactly as the recurrence above:
//!
//! - `on_tick(t)`: records `L_j(t)` for every target (when any is non-zero).
//! - `on_pre(i, t)`: integrates row `i` through tick `t` (so it transmits `w(t)`),
//!   then queues the arrival at `t + d`; returns efficacy 1.
//! - `advance(now)`, `settle(now)`: integrate every row through `now - 1` and forget
//!   the signals no row needs. Results never depend on when they are called.
//! - `on_post`: nothing.

mod engine;

use crate::bounds::Bounds;
use crate::driver::{Hard, Update};
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::synapses::{Context, Synapses};
pub(crate) use engine::SignalEngine;
use std::collections::VecDeque;
use std::ops::RangeInclusive;
use synfire_graphs::{DelayTicks, PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Tick, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "signal_hebb";

/// The rule's one input, slot 0 of its third factors.
pub(crate) const INPUT: &str = "signal";

/// Parameters of signal-gated Hebbian learning.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalHebb {
    /// Learning rate, in the projection's weight unit.
    pub eta: f64,
    /// Presynaptic trace time constant.
    pub tau: Time,
    /// Hard bounds.
    pub bounds: Bounds,
    /// The per-neuron signal node bound to the input `"signal"` (required).
    pub signal: Option<String>,
}

impl SignalHebb {
    /// `eta = 1e-3`, `tau = 20 ms`, unbounded; bind a signal with [`SignalHebb::signal`].
    #[allow(clippy::new_without_default)] // no default signal: a rule without one never learns
    pub fn new() -> SignalHebb {
        SignalHebb { eta: 1e-3, tau: 20.0.ms(), bounds: Bounds::NONE, signal: None }
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the trace time constant.
    pub fn tau(mut self, t: Time) -> Self {
        self.tau = t;
        self
    }
    /// Clips weights to `range`.
    pub fn bounds(mut self, range: RangeInclusive<f64>) -> Self {
        self.bounds = Bounds::hard(range);
        self
    }
    /// Binds the input `"signal"` to the per-neuron signal `node` over the target
    /// population (see `Network::learning_signal`).
    pub fn signal(mut self, node: &str) -> Self {
        self.signal = Some(node.to_string());
        self
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = SignalHebb::new();
        let mut r = Reader::new(spec);
        let p = SignalHebb {
            eta: r.number("eta", d.eta),
            tau: r.time("tau", d.tau),
            bounds: Bounds::read_hard(&mut r, d.bounds),
            signal: spec.inputs.get(INPUT).cloned(),
        };
        r.result(p)
    }

    /// The running rule for one projection in one shard (parameters checked first).
    pub fn build(&self, info: &ProjectionInfo) -> Result<SignalHebbRule, RuleError> {
        let bounds = crate::catalog::scale_bounds(self.bounds, info.weight_scale);
        Ok(SignalHebbRule(self.engine(info, Hard::new(bounds.min, bounds.max), &[INPUT])?))
    }

    /// The rule's engine with `update` applying its proposed changes (the plain
    /// rule's hard bounds or a metaplastic wrapper), reading `inputs` (`signal`
    /// first, then the update's).
    pub(crate) fn engine<U: Update>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<SignalEngine<U>, RuleError> {
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: NAME.into(), problems });
        }
        let DelayTicks::Const(d) = info.delay else {
            return Err(RuleError::Projection { rule: NAME.into(), message: "needs one delay for every synapse of the projection".into() });
        };
        Ok(SignalEngine {
            name: NAME,
            decay: (-info.dt.0 / self.tau.0).exp() as f32,
            eta: (self.eta * info.weight_scale) as f32,
            sign: if info.negative { -1.0 } else { 1.0 },
            delay: u64::from(d),
            n_targets: info.n_targets,
            update,
            inputs,
            x: vec![0.0; info.n_sources],
            pos: vec![0; info.n_sources],
            pending: vec![VecDeque::new(); info.n_sources],
            log: VecDeque::new(),
        })
    }
}

impl PlasticityRule for SignalHebb {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME).number("eta", self.eta).quantity("tau", self.tau);
        let mut spec = self.bounds.write(w).done();
        if let Some(node) = &self.signal {
            spec.inputs.insert(INPUT.into(), node.clone());
        }
        spec
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.finite("eta", self.eta);
        c.positive_time("tau", self.tau);
        self.bounds.check(&mut c, false);
        if self.signal.is_none() {
            let why = "signal-gated learning needs its input `signal` bound to a per-neuron signal over the target population (`.signal(\"L\")`); unbound it would never learn";
            c.problems.push(crate::error::problem("inputs.signal", why));
        }
        c.problems
    }
}

impl crate::metaplastic::OwnEngine for SignalHebb {
    fn name(&self) -> &'static str {
        NAME
    }
    fn inputs(&self) -> [&'static [&'static str]; 2] {
        [&[INPUT], &[INPUT, crate::metaplastic::si::INPUT]]
    }
    fn bounds(&self) -> Bounds {
        self.bounds
    }
    fn engine_with<U: Update + 'static>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<Box<dyn Plasticity>, RuleError> {
        Ok(Box::new(self.engine(info, update, inputs)?))
    }
}

/// The running rule (the plain form: hard bounds).
#[derive(Debug, Clone)]
pub struct SignalHebbRule(SignalEngine<Hard>);

impl Plasticity for SignalHebbRule {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn needs(&self) -> Needs {
        self.0.needs()
    }
    fn on_post(&mut self, target: u32, t: Tick) {
        self.0.on_post(target, t);
    }
    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.0.on_pre(source, t, syn, ctx)
    }
    fn on_pre_graded(&mut self, source: u32, t: Tick, value: f32, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.0.on_pre_graded(source, t, value, syn, ctx)
    }
    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.0.advance(now, syn, ctx);
    }
    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.0.settle(now, syn, ctx);
    }
    fn on_tick(&mut self, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.0.on_tick(t, syn, ctx);
    }
    fn inputs(&self) -> &'static [&'static str] {
        self.0.inputs()
    }
    fn bytes_per_synapse(&self) -> usize {
        0
    }
    fn memory_bytes(&self) -> usize {
        self.0.memory_bytes()
    }
}

/// The engine's columns (see `engine.rs`): `x`, `pos`, `pending`, `pending_value`.
impl PlainState for SignalHebbRule {
    fn save(&self, out: &mut StateWriter) {
        self.0.save(out);
    }
    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        self.0.restore(input)
    }
}
