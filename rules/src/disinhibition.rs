//! Inhibition-modulated Hebbian learning (Rossbroich & Zenke 2023, specs 5.2): the
//! sign of plasticity at a synapse onto an excitatory unit is set by how much
//! inhibition the unit receives from its partner relative to its own activity.
//!
//! # Dynamics
//!
//! Per source `i` a presynaptic trace of the values arriving over the projection (a
//! rate unit's output, or 1 per spike), and per synapse `i -> j`, every tick `t`:
//!
//! ```text
//! x_i(t)  = λ x_i(t-1) + (1 - λ) A_i(t)        λ = exp(-dt / tau_pre) (0 when tau_pre = 0)
//! F_j(t)  = phi_E'(r^E_j(t)) * (r^E_j(t) - g(r^I_j(t)))
//! w_ij   <- clip(w_ij + eta * m(t) * x_i(t) * F_j(t))
//!   exact:             g = phi_I^{-1}
//!   linear-threshold:  g(r) = theta_0 + delta r,  delta = 1 / phi_I'(phi_I^{-1}(r_bar)),
//!                      theta_0 = phi_I^{-1}(r_bar) - r_bar delta
//! ```
//!
//! `A_i(t)` is the value of the event arriving at `t` (0 if none). `r^E_j` is the
//! per-neuron signal of input `rate` (the unit's own output, fed back one-to-one),
//! `r^I_j` that of input `inhibition` (the partner's output, the inhibition the unit
//! receives), `m(t)` the scalar modulator of the optional input `gate` (1 when
//! unbound; a trainer gates learning to the settled part of a trial with it). Both
//! activations are soft rectifiers `phi(u) = s ln(1 + exp(k (u - u_0)))`, whose
//! derivative is a function of the output, `phi'(u) = s k (1 - exp(-r / s))`, so the
//! rule needs no membrane state; `phi_I^{-1}(r) = u_0 + ln(exp(r / s) - 1) / k`, with
//! `r` floored at `1e-6 s` (`u` about `u_0 - 14 / k`) so that a silent partner gives a
//! finite value. Without inhibition (`r^I = 0`) the linear-threshold rule is the
//! Hebbian rule `x phi'(u) (r^E - theta_0)`: depression below `theta_0`, potentiation
//! above. All arithmetic is f32 in this order; on a projection of negative weights the
//! rule learns magnitudes.
//!
//! **Batch mode** (input `step` bound; specs 5.3: updates at the closed-loop steady
//! state averaged over a batch, then Adam). The same products accumulate per synapse
//! instead of moving the weight, and at every tick `t` with `s(t) != 0` (the scalar
//! modulator of `step`, after tick `t`'s own product) one optimiser step descends
//! `g = -s(t) acc` and clears `acc`:
//!
//! ```text
//! acc_ij <- acc_ij + m(t) x_i(t) F_j(t)                      every tick
//! SGD:   w_ij <- clip(w_ij - eta g)                          at a step
//! Adam:  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  k-th step:
//!        w_ij <- clip(w_ij - eta (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps))
//! ```
//!
//! (`s = 1 / n` makes `g` the mean over `n` ticks of learning; a trainer sets it for
//! one tick at the end of each batch.)
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `eta` | weight | 1e-3 | learning rate per tick |
//! | `tau_pre` | ms | 0 | presynaptic trace time constant (0: the arriving value itself) |
//! | `scale_e`, `gain_e` | 1 | 1, 1 | `s`, `k` of the excitatory unit's rectifier |
//! | `scale_i`, `gain_i`, `theta_i` | 1 | 1, 1, 0 | `s`, `k`, `u_0` of the inhibitory partner's |
//! | `linear` | flag | false | linear-threshold `g` instead of the exact inverse |
//! | `r_bar` | 1 | 0.8 | the inhibitory rate the linear `g` is expanded around |
//! | `w_min`, `w_max` | weight | none | hard bounds |
//! | inputs `rate`, `inhibition` | nodes | (required) | per-neuron signals over the target |
//! | input `gate` | node | (optional) | a scalar modulator multiplying `eta` |
//! | input `step` | node | (optional) | a scalar modulator: batch mode, a step at every tick it is not 0 |
//! | `adam` | flag | false | batch mode's optimiser is Adam (`eta` its learning rate), else SGD |
//! | `adam_beta1`, `adam_beta2`, `adam_eps` | 1 | 0.9, 0.999, 1e-8 | Adam's constants |
//!
//! The projection needs one delay for all synapses.
//!
//! # State
//!
//! Per source the trace, the tick its row is integrated up to and its pending
//! arrivals (at most `d`, with values). Per projection the factors `eta m F_j` of each
//! tick with one that is not zero since the oldest row position (a window of them
//! after `advance`), and the steps of batch mode at their ticks. Nothing per synapse
//! beyond the weight online; in batch mode `acc` (and Adam's `m`, `v`), per projection
//! the count of steps.
//!
//! # Events
//!
//! As in `signal_hebb`, a spike must transmit the weight of its own tick, and the
//! engine delivers after the window, so updates are applied lazily, row by row:
//! `on_tick(t)` logs `eta m(t) F_j(t)` (and a step); `on_pre_graded(i, t, v)` integrates row `i`
//! through `t` and queues `(t + d, v)`; `advance`/`settle(now)` integrate every row
//! through `now - 1`. Results never depend on when they are called.
//!
//! # References
//!
//! Rossbroich J, Zenke F (2023) Dis-inhibitory neuronal circuits can control the sign
//! of synaptic plasticity. NeurIPS 36 (arXiv 2310.19614).

use crate::bounds::Bounds;
use crate::eprop::optimizer::Optimizer;
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::ProjectionInfo;
use std::ops::RangeInclusive;
use synfire_graphs::{DelayTicks, PlasticityRule, RuleProblem, RuleSpec, Time};

mod math;
mod post;
mod running;
pub use math::Softplus;
pub(crate) use post::Post;
pub use running::DisinhibitionRule;

/// Catalogue name.
pub const NAME: &str = "disinhibition";

/// The inputs: two per-neuron signals, then the optional gate and step.
pub(crate) const INPUTS: &[&str] = &["rate", "inhibition", "gate", "step"];
const PER_NEURON: &[&str] = &["rate", "inhibition"];

/// The input slots a running rule reads, by which optional scalars are bound:
/// `(inputs, gate slot, step slot)`.
pub(crate) fn slots(gate: bool, step: bool) -> (&'static [&'static str], Option<usize>, Option<usize>) {
    // Static lists: the engine binds `inputs()[s]` to slot `s`.
    const G: &[&str] = &["rate", "inhibition", "gate"];
    const S: &[&str] = &["rate", "inhibition", "step"];
    const GS: &[&str] = &["rate", "inhibition", "gate", "step"];
    let n = PER_NEURON.len();
    match (gate, step) {
        (false, false) => (PER_NEURON, None, None),
        (true, false) => (G, Some(n), None),
        (false, true) => (S, None, Some(n)),
        (true, true) => (GS, Some(n), Some(n + 1)),
    }
}

/// Parameters of inhibition-modulated Hebbian learning.
#[derive(Debug, Clone, PartialEq)]
pub struct Disinhibition {
    /// Learning rate per tick, in the projection's weight unit.
    pub eta: f64,
    /// Presynaptic trace time constant (0: no filter).
    pub tau_pre: Time,
    /// The excitatory unit's activation.
    pub phi_e: Softplus,
    /// The inhibitory partner's activation.
    pub phi_i: Softplus,
    /// Linear-threshold `g` instead of the exact inverse.
    pub linear: bool,
    /// The inhibitory rate the linear `g` is expanded around.
    pub r_bar: f64,
    /// Hard bounds.
    pub bounds: Bounds,
    /// Node bound to `rate` (the unit's own output).
    pub rate: Option<String>,
    /// Node bound to `inhibition` (the partner's output).
    pub inhibition: Option<String>,
    /// Node bound to `gate` (optional scalar).
    pub gate: Option<String>,
    /// Node bound to `step` (optional scalar): batch mode, the factors accumulate and
    /// an optimiser step applies them at every tick the node is not 0, scaled by its
    /// value (`1 / n` averages over `n` ticks).
    pub step: Option<String>,
    /// Adam instead of SGD for batch mode (`eta` is then Adam's learning rate).
    pub adam: bool,
    /// Adam's `beta1`, `beta2`, `eps`.
    pub adam_betas: (f64, f64, f64),
}

impl Disinhibition {
    /// The exact rule, unit soft rectifiers, `eta = 1e-3`; bind both signals.
    pub fn exact() -> Disinhibition {
        Disinhibition {
            eta: 1e-3,
            tau_pre: Time(0.0),
            phi_e: Softplus::UNIT,
            phi_i: Softplus::UNIT,
            linear: false,
            r_bar: 0.8,
            bounds: Bounds::NONE,
            rate: None,
            inhibition: None,
            gate: None,
            step: None,
            adam: false,
            adam_betas: (0.9, 0.999, 1e-8),
        }
    }
    /// The linear-threshold rule around `r_bar = 0.8`.
    pub fn linear_threshold() -> Disinhibition {
        Disinhibition { linear: true, ..Disinhibition::exact() }
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the presynaptic trace time constant.
    pub fn tau_pre(mut self, t: Time) -> Self {
        self.tau_pre = t;
        self
    }
    /// Sets both activations.
    pub fn activations(mut self, phi_e: Softplus, phi_i: Softplus) -> Self {
        (self.phi_e, self.phi_i) = (phi_e, phi_i);
        self
    }
    /// Sets the expansion point of the linear-threshold rule.
    pub fn r_bar(mut self, r: f64) -> Self {
        self.r_bar = r;
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

    /// Batch mode: binds `step` to a scalar modulator; SGD, or Adam with `adam`.
    pub fn batch(mut self, step: &str, adam: bool) -> Self {
        (self.step, self.adam) = (Some(step.into()), adam);
        self
    }

    /// `(theta_0, delta)` of the linear-threshold `g`.
    pub fn threshold(&self) -> (f64, f64) {
        let u = self.phi_i.inverse(self.r_bar);
        let delta = 1.0 / self.phi_i.derivative_at(u);
        (u - self.r_bar * delta, delta)
    }

    /// `g(r)`: what the partner's rate says the unit's drive is.
    pub fn g(&self, r_i: f64) -> f64 {
        if self.linear {
            let (theta0, delta) = self.threshold();
            theta0 + delta * r_i
        } else {
            self.phi_i.inverse(r_i)
        }
    }

    /// `phi_E'(r^E) (r^E - g(r^I))`, the postsynaptic factor (f64; the rule computes it in f32).
    pub fn factor(&self, r_e: f64, r_i: f64) -> f64 {
        self.phi_e.derivative(r_e) * (r_e - self.g(r_i))
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = Disinhibition::exact();
        let mut r = Reader::new(spec);
        let p = Disinhibition {
            eta: r.number("eta", d.eta),
            tau_pre: r.time("tau_pre", d.tau_pre),
            phi_e: Softplus { scale: r.number("scale_e", 1.0), gain: r.number("gain_e", 1.0), theta: 0.0 },
            phi_i: Softplus { scale: r.number("scale_i", 1.0), gain: r.number("gain_i", 1.0), theta: r.number("theta_i", 0.0) },
            linear: r.flag("linear", false),
            r_bar: r.number("r_bar", d.r_bar),
            bounds: Bounds::read_hard(&mut r, d.bounds),
            rate: spec.inputs.get("rate").cloned(),
            inhibition: spec.inputs.get("inhibition").cloned(),
            gate: spec.inputs.get("gate").cloned(),
            step: spec.inputs.get("step").cloned(),
            adam: r.flag("adam", false),
            adam_betas: (r.number("adam_beta1", 0.9), r.number("adam_beta2", 0.999), r.number("adam_eps", 1e-8)),
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
        let (theta0, delta) = self.threshold();
        let post = Post::Rate { phi_e: self.phi_e.f32(), phi_i: self.phi_i.f32(), linear: self.linear.then_some((theta0 as f32, delta as f32)) };
        let (inputs, gate, step) = slots(self.gate.is_some(), self.step.is_some());
        Ok(DisinhibitionRule::new(
            NAME,
            inputs,
            if self.tau_pre.0 > 0.0 { (-info.dt.0 / self.tau_pre.0).exp() as f32 } else { 0.0 },
            (self.eta * info.weight_scale) as f32,
            post,
            gate,
            step,
            self.optimizer(info.weight_scale),
            (bounds.min as f32, bounds.max as f32),
            if info.negative { -1.0 } else { 1.0 },
            u64::from(d),
            (info.n_sources, info.n_targets, info.n_synapses),
        ))
    }

    /// Batch mode's optimiser (`None` online): its rate in the engine's weight unit.
    pub(crate) fn optimizer(&self, weight_scale: f64) -> Option<Optimizer> {
        let (b1, b2, eps) = self.adam_betas;
        self.step.as_ref().map(|_| Optimizer::new(self.adam, self.eta * weight_scale, b1, b2, eps))
    }
}

/// The optimiser's parameters in a spec, and their checks (shared with the spiking form).
pub(crate) fn write_batch(w: Writer, adam: bool, (b1, b2, eps): (f64, f64, f64)) -> Writer {
    w.flag("adam", adam).number("adam_beta1", b1).number("adam_beta2", b2).number("adam_eps", eps)
}

/// See [`write_batch`]: Adam needs the `step` input, betas in `[0, 1)`, `eps > 0`.
pub(crate) fn check_batch(c: &mut Checks, step: bool, adam: bool, (b1, b2, eps): (f64, f64, f64)) {
    c.positive("adam_eps", eps);
    for (name, b) in [("adam_beta1", b1), ("adam_beta2", b2)] {
        if !(0.0..1.0).contains(&b) {
            c.problems.push(crate::error::problem(name, format!("{b} must lie in [0, 1)")));
        }
    }
    if adam && !step {
        c.problems.push(crate::error::problem("adam", "Adam steps at the ticks of the input `step`: bind it to a scalar modulator (`.batch(\"step\", true)`)"));
    }
}

impl PlasticityRule for Disinhibition {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME)
            .number("eta", self.eta)
            .quantity("tau_pre", self.tau_pre)
            .number("scale_e", self.phi_e.scale)
            .number("gain_e", self.phi_e.gain)
            .number("scale_i", self.phi_i.scale)
            .number("gain_i", self.phi_i.gain)
            .number("theta_i", self.phi_i.theta)
            .flag("linear", self.linear)
            .number("r_bar", self.r_bar);
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
        for (name, x) in [("scale_e", self.phi_e.scale), ("gain_e", self.phi_e.gain), ("scale_i", self.phi_i.scale), ("gain_i", self.phi_i.gain)] {
            c.positive(name, x);
        }
        c.finite("theta_i", self.phi_i.theta);
        c.positive("r_bar", self.r_bar);
        self.bounds.check(&mut c, false);
        check_batch(&mut c, self.step.is_some(), self.adam, self.adam_betas);
        for (name, node) in [("rate", &self.rate), ("inhibition", &self.inhibition)] {
            if node.is_none() {
                let why = format!("dis-inhibitory learning needs its input `{name}` bound to a per-neuron signal over the target (`.signals(\"rE\", \"rI\")`)");
                c.problems.push(crate::error::problem(&format!("inputs.{name}"), why));
            }
        }
        c.problems
    }
}

/// Per-neuron inputs, for the catalogue.
pub(crate) fn per_neuron_inputs() -> &'static [&'static str] {
    PER_NEURON
}
