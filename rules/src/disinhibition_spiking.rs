//! The spiking port of inhibition-modulated Hebbian learning (specs 5.2, "Locality in
//! a spiking port"): the rule of [`crate::disinhibition`] on LIF E-I pairs, with every
//! factor a quantity local to the synapse's own neuron.
//!
//! # Dynamics
//!
//! Per source `i` a presynaptic trace of the arriving events (1 per spike, the value
//! of a graded event), per target `j` two rate traces of per-neuron signals: `s^E_j`,
//! the unit's own spikes (input `rate`), and `s^I_j`, the spikes of its inhibitory
//! partner as the unit receives them (input `inhibition`). Every tick `t`:
//!
//! ```text
//! x_i(t)   = λ x_i(t-1) + (1 - λ) A_i(t)             λ   = exp(-dt / tau_pre)
//! ρE_j(t)  = λr ρE_j(t-1) + (1 - λr) s^E_j(t)         λr  = exp(-dt / tau_rate)
//! ρI_j(t)  = λr ρI_j(t-1) + (1 - λr) s^I_j(t)
//! σ_j(t)   = 1 / (beta |v_j(t) - A_j| + 1)^2           SuperSpike's surrogate (0 while refractory)
//! F_j(t)   = σ_j(t) (ρE_j(t) - theta_0 - delta ρI_j(t))
//! w_ij    <- clip(w_ij + eta m(t) x_i(t) F_j(t))
//! ```
//!
//! `x` and `ρ` are rates per tick (a train of one spike per tick gives 1). `σ` stands
//! in for `phi_E'(u^E)` of the rate rule and reads the target's distance to threshold
//! after the step of tick `t` (the engine's `Post::threshold_distance`: `lif_cuba`,
//! `alif`); `theta_0 + delta ρI` is the linear-threshold `g` of the rate rule, in
//! rates: with an inhibitory partner that copies its E cell spike for spike in the
//! open loop, `theta_0 = 0`, `delta = 1` make the factor 0 there, and a controller
//! current that silences (dis-inhibits) the partner makes it positive. The only
//! non-local quantity, the controller's `c`, is a synaptic current onto the I cells,
//! not a factor of the rule. Batch mode (input `step`, SGD or Adam) is the rate
//! rule's. All arithmetic is f32 in this order; on a projection of negative weights
//! the rule learns magnitudes.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `eta` | weight | 1e-3 | learning rate per tick (batch mode: the optimiser's) |
//! | `tau_pre` | ms | 20 | presynaptic trace time constant (0: the arriving value itself) |
//! | `tau_rate` | ms | 20 | time constant of both postsynaptic rate traces |
//! | `theta_0`, `delta` | 1 | 0, 1 | the linear `g(ρI) = theta_0 + delta ρI` |
//! | `beta` | 1/mV | 1 | surrogate steepness, per unit of the threshold distance |
//! | `w_min`, `w_max` | weight | none | hard bounds |
//! | `adam`, `adam_beta1`, `adam_beta2`, `adam_eps` | | false, 0.9, 0.999, 1e-8 | batch mode's optimiser |
//! | inputs `rate`, `inhibition` | nodes | (required) | per-neuron signals over the target (spikes) |
//! | inputs `gate`, `step` | nodes | (optional) | scalar modulators, as in the rate rule |
//!
//! The projection needs one delay for all synapses; the target model must report its
//! threshold distance.
//!
//! # State
//!
//! The rate rule's (per source the trace, position and pending arrivals; batch mode's
//! per-synapse sums and moments) and per target `ρE`, `ρI` (columns `rho_e`, `rho_i`).
//!
//! # Events
//!
//! As the rate rule: `on_tick(t)` updates the rate traces and logs `eta m F_j`, rows
//! are integrated lazily at their events and at `advance`/`settle`.
//!
//! # References
//!
//! Rossbroich J, Zenke F (2023) Dis-inhibitory neuronal circuits can control the sign
//! of synaptic plasticity. NeurIPS 36 (arXiv 2310.19614); Zenke F, Ganguli S (2018)
//! SuperSpike. Neural Comput. 30:1514.

use crate::bounds::Bounds;
use crate::disinhibition::{DisinhibitionRule, Post, check_batch, slots, write_batch};
use crate::eprop::optimizer::Optimizer;
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::ProjectionInfo;
use std::ops::RangeInclusive;
use synfire_graphs::{DelayTicks, PlasticityRule, RuleProblem, RuleSpec, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "disinhibition_spiking";

/// Parameters of the spiking dis-inhibitory rule.
#[derive(Debug, Clone, PartialEq)]
pub struct DisinhibitionSpiking {
    /// Learning rate per tick (batch mode: the optimiser's).
    pub eta: f64,
    /// Presynaptic trace time constant.
    pub tau_pre: Time,
    /// Time constant of the postsynaptic rate traces.
    pub tau_rate: Time,
    /// `theta_0` of the linear `g`.
    pub theta_0: f64,
    /// `delta` of the linear `g`.
    pub delta: f64,
    /// Surrogate steepness.
    pub beta: f64,
    /// Hard bounds.
    pub bounds: Bounds,
    /// Adam instead of SGD in batch mode.
    pub adam: bool,
    /// Adam's `beta1`, `beta2`, `eps`.
    pub adam_betas: (f64, f64, f64),
    /// Node bound to `rate` (the unit's own spikes).
    pub rate: Option<String>,
    /// Node bound to `inhibition` (the partner's spikes the unit receives).
    pub inhibition: Option<String>,
    /// Node bound to `gate`.
    pub gate: Option<String>,
    /// Node bound to `step` (batch mode).
    pub step: Option<String>,
}

impl Default for DisinhibitionSpiking {
    fn default() -> Self {
        DisinhibitionSpiking {
            eta: 1e-3,
            tau_pre: 20.0.ms(),
            tau_rate: 20.0.ms(),
            theta_0: 0.0,
            delta: 1.0,
            beta: 1.0,
            bounds: Bounds::NONE,
            adam: false,
            adam_betas: (0.9, 0.999, 1e-8),
            rate: None,
            inhibition: None,
            gate: None,
            step: None,
        }
    }
}

impl DisinhibitionSpiking {
    /// The defaults above; bind both signals.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the presynaptic and postsynaptic time constants.
    pub fn taus(mut self, pre: Time, rate: Time) -> Self {
        (self.tau_pre, self.tau_rate) = (pre, rate);
        self
    }
    /// Sets the linear `g(ρI) = theta_0 + delta ρI`.
    pub fn threshold(mut self, theta_0: f64, delta: f64) -> Self {
        (self.theta_0, self.delta) = (theta_0, delta);
        self
    }
    /// Sets the surrogate steepness.
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }
    /// Clips weights to `range`.
    pub fn bounds(mut self, range: RangeInclusive<f64>) -> Self {
        self.bounds = Bounds::hard(range);
        self
    }
    /// Binds `rate` and `inhibition` to per-neuron signals over the target.
    pub fn signals(mut self, rate: &str, inhibition: &str) -> Self {
        (self.rate, self.inhibition) = (Some(rate.into()), Some(inhibition.into()));
        self
    }
    /// Binds `gate` to a scalar modulator.
    pub fn gate(mut self, node: &str) -> Self {
        self.gate = Some(node.into());
        self
    }
    /// Batch mode: binds `step`; SGD, or Adam with `adam`.
    pub fn batch(mut self, step: &str, adam: bool) -> Self {
        (self.step, self.adam) = (Some(step.into()), adam);
        self
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = DisinhibitionSpiking::default();
        let mut r = Reader::new(spec);
        let p = DisinhibitionSpiking {
            eta: r.number("eta", d.eta),
            tau_pre: r.time("tau_pre", d.tau_pre),
            tau_rate: r.time("tau_rate", d.tau_rate),
            theta_0: r.number("theta_0", d.theta_0),
            delta: r.number("delta", d.delta),
            beta: r.number("beta", d.beta),
            bounds: Bounds::read_hard(&mut r, d.bounds),
            adam: r.flag("adam", false),
            adam_betas: (r.number("adam_beta1", 0.9), r.number("adam_beta2", 0.999), r.number("adam_eps", 1e-8)),
            rate: spec.inputs.get("rate").cloned(),
            inhibition: spec.inputs.get("inhibition").cloned(),
            gate: spec.inputs.get("gate").cloned(),
            step: spec.inputs.get("step").cloned(),
        };
        r.result(p)
    }

    /// The running rule for one projection in one shard (parameters checked first).
    pub fn build(&self, info: &ProjectionInfo) -> Result<DisinhibitionRule, RuleError> {
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: NAME.into(), problems });
        }
        let DelayTicks::Const(d) = info.delay else {
            return Err(RuleError::Projection { rule: NAME.into(), message: "needs one delay for every synapse of the projection".into() });
        };
        let bounds = crate::catalog::scale_bounds(self.bounds, info.weight_scale);
        let decay = |tau: Time| if tau.0 > 0.0 { (-info.dt.0 / tau.0).exp() as f32 } else { 0.0 };
        let post = Post::spiking(decay(self.tau_rate), self.theta_0 as f32, self.delta as f32, self.beta as f32, info.n_targets);
        let (inputs, gate, step) = slots(self.gate.is_some(), self.step.is_some());
        let (b1, b2, eps) = self.adam_betas;
        let opt = self.step.as_ref().map(|_| Optimizer::new(self.adam, self.eta * info.weight_scale, b1, b2, eps));
        Ok(DisinhibitionRule::new(
            NAME,
            inputs,
            decay(self.tau_pre),
            (self.eta * info.weight_scale) as f32,
            post,
            gate,
            step,
            opt,
            (bounds.min as f32, bounds.max as f32),
            if info.negative { -1.0 } else { 1.0 },
            u64::from(d),
            (info.n_sources, info.n_targets, info.n_synapses),
        ))
    }
}

impl PlasticityRule for DisinhibitionSpiking {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME)
            .number("eta", self.eta)
            .quantity("tau_pre", self.tau_pre)
            .quantity("tau_rate", self.tau_rate)
            .number("theta_0", self.theta_0)
            .number("delta", self.delta)
            .number("beta", self.beta);
        let w = write_batch(w, self.adam, self.adam_betas);
        let mut spec = self.bounds.write(w).done();
        for (name, node) in [("rate", &self.rate), ("inhibition", &self.inhibition), ("gate", &self.gate), ("step", &self.step)] {
            if let Some(node) = node {
                spec.inputs.insert(name.into(), node.clone());
            }
        }
        spec
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.finite("eta", self.eta);
        c.non_negative("tau_pre", self.tau_pre.0);
        c.non_negative("tau_rate", self.tau_rate.0);
        c.finite("theta_0", self.theta_0);
        c.finite("delta", self.delta);
        c.positive("beta", self.beta);
        self.bounds.check(&mut c, false);
        check_batch(&mut c, self.step.is_some(), self.adam, self.adam_betas);
        for (name, node) in [("rate", &self.rate), ("inhibition", &self.inhibition)] {
            if node.is_none() {
                let why = format!(
                    "spiking dis-inhibitory learning needs its input `{name}` bound to a per-neuron signal over the target (`.signals(\"sE\", \"sI\")`)"
                );
                c.problems.push(crate::error::problem(&format!("inputs.{name}"), why));
            }
        }
        c.problems
    }
}
