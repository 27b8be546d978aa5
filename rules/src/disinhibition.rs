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
//!
//! The projection needs one delay for all synapses.
//!
//! # State
//!
//! Per source the trace, the tick its row is integrated up to and its pending
//! arrivals (at most `d`, with values). Per projection the factors `eta m F_j` of each
//! tick with one that is not zero since the oldest row position (a window of them
//! after `advance`). Nothing per synapse beyond the weight.
//!
//! # Events
//!
//! As in `signal_hebb`, a spike must transmit the weight of its own tick, and the
//! engine delivers after the window, so updates are applied lazily, row by row:
//! `on_tick(t)` logs `eta m(t) F_j(t)`; `on_pre_graded(i, t, v)` integrates row `i`
//! through `t` and queues `(t + d, v)`; `advance`/`settle(now)` integrate every row
//! through `now - 1`. Results never depend on when they are called.
//!
//! # References
//!
//! Rossbroich J, Zenke F (2023) Dis-inhibitory neuronal circuits can control the sign
//! of synaptic plasticity. NeurIPS 36 (arXiv 2310.19614).

use crate::bounds::Bounds;
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::synapses::{Context, Synapses};
use std::collections::VecDeque;
use std::ops::RangeInclusive;
use synfire_graphs::{Axis, DelayTicks, PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Tick, Time, Values};

mod math;
pub use math::Softplus;

/// Catalogue name.
pub const NAME: &str = "disinhibition";

/// The inputs: two per-neuron signals, then the optional gate.
pub(crate) const INPUTS: &[&str] = &["rate", "inhibition", "gate"];
const PER_NEURON: &[&str] = &["rate", "inhibition"];

/// Marks an empty place in the saved pending arrivals.
const NONE: u64 = u64::MAX;

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
        Ok(DisinhibitionRule {
            decay: if self.tau_pre.0 > 0.0 { (-info.dt.0 / self.tau_pre.0).exp() as f32 } else { 0.0 },
            eta: (self.eta * info.weight_scale) as f32,
            phi_e: self.phi_e.f32(),
            phi_i: self.phi_i.f32(),
            linear: self.linear.then_some((theta0 as f32, delta as f32)),
            gated: self.gate.is_some(),
            min: bounds.min as f32,
            max: bounds.max as f32,
            sign: if info.negative { -1.0 } else { 1.0 },
            delay: u64::from(d),
            n_targets: info.n_targets,
            x: vec![0.0; info.n_sources],
            pos: vec![0; info.n_sources],
            pending: vec![VecDeque::new(); info.n_sources],
            log: VecDeque::new(),
        })
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
        let mut spec = self.bounds.write(w).done();
        for (name, node) in [("rate", &self.rate), ("inhibition", &self.inhibition), ("gate", &self.gate)] {
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

/// The running rule.
#[derive(Debug, Clone)]
pub struct DisinhibitionRule {
    decay: f32,
    eta: f32,
    phi_e: [f32; 3],
    phi_i: [f32; 3],
    /// `(theta_0, delta)` of the linear-threshold rule, `None` for the exact one.
    linear: Option<(f32, f32)>,
    gated: bool,
    min: f32,
    max: f32,
    sign: f32,
    delay: u64,
    n_targets: usize,
    /// Per source: the trace after the last tick its row is integrated through.
    x: Vec<f32>,
    /// Per source: the first tick its row has not integrated.
    pos: Vec<u64>,
    /// Per source: `(arrival tick, value)` not integrated yet, increasing.
    pending: Vec<VecDeque<(u64, f32)>>,
    /// `(tick, eta m F per target)` for the ticks with a non-zero factor, increasing.
    log: VecDeque<(u64, Vec<f32>)>,
}

impl DisinhibitionRule {
    /// `phi_E'(r^E) (r^E - g(r^I))` in f32.
    fn factor(&self, r_e: f32, r_i: f32) -> f32 {
        let g = match self.linear {
            Some((theta0, delta)) => theta0 + delta * r_i,
            None => math::inverse_f32(self.phi_i, r_i),
        };
        math::derivative_f32(self.phi_e, r_e) * (r_e - g)
    }

    /// Integrates row `i` through tick `until - 1`.
    fn integrate(&mut self, i: usize, until: u64, syn: &mut Synapses<'_>) {
        let from = self.pos[i];
        if until <= from {
            return;
        }
        let (mut x, q) = (self.x[i], &mut self.pending[i]);
        let row = syn.row(i);
        let mut li = self.log.partition_point(|(s, _)| *s < from);
        for s in from..until {
            let mut a = 0.0f32;
            while let Some(&(at, v)) = q.front()
                && at == s
            {
                q.pop_front();
                a += v;
            }
            x = self.decay * x + (1.0 - self.decay) * a;
            if let Some((ls, f)) = self.log.get(li)
                && *ls == s
            {
                li += 1;
                if x != 0.0 {
                    for k in row.clone() {
                        let fj = f[syn.targets[k] as usize];
                        if fj != 0.0 {
                            let m = self.sign * syn.weights[k] + fj * x;
                            syn.weights[k] = self.sign * m.clamp(self.min, self.max);
                        }
                    }
                }
            }
        }
        (self.x[i], self.pos[i]) = (x, until);
    }

    /// Integrates every row through `now - 1` and drops the factors before `now`.
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        for i in 0..self.x.len() {
            self.integrate(i, now, syn);
        }
        while self.log.front().is_some_and(|(s, _)| *s < now) {
            self.log.pop_front();
        }
    }
}

impl Plasticity for DisinhibitionRule {
    fn name(&self) -> &str {
        NAME
    }

    fn needs(&self) -> Needs {
        Needs { per_tick: true, ..Needs::default() }
    }

    fn on_post(&mut self, _target: u32, _t: Tick) {}

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.on_pre_graded(source, t, 1.0, syn, ctx)
    }

    fn on_pre_graded(&mut self, source: u32, t: Tick, value: f32, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        let i = source as usize;
        if i < self.x.len() {
            self.integrate(i, t.0 + 1, syn);
            self.pending[i].push_back((t.0 + self.delay, value));
        }
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn on_tick(&mut self, t: Tick, _syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        let gate = if self.gated { ctx.third.scalar(2, t).unwrap_or(0.0) as f32 } else { 1.0 };
        let rate = self.eta * gate;
        if rate == 0.0 {
            return;
        }
        let f: Vec<f32> = (0..self.n_targets as u32)
            .map(|j| {
                let r_e = ctx.third.per_neuron(0, j, t).unwrap_or(0.0) as f32;
                let r_i = ctx.third.per_neuron(1, j, t).unwrap_or(0.0) as f32;
                rate * self.factor(r_e, r_i)
            })
            .collect();
        if f.iter().any(|&v| v != 0.0) {
            self.log.push_back((t.0, f));
        }
    }

    fn inputs(&self) -> &'static [&'static str] {
        if self.gated { INPUTS } else { PER_NEURON }
    }

    fn bytes_per_synapse(&self) -> usize {
        0
    }

    fn memory_bytes(&self) -> usize {
        self.x.len() * 12 + self.pending.iter().map(|q| q.capacity() * 16 + 32).sum::<usize>() + self.log.iter().map(|(_, l)| 8 + l.len() * 4).sum::<usize>()
    }
}

/// Columns `x` and `pos` ([`Axis::Source`], f32 and u64), `pending` and
/// `pending_value` ([`Axis::Source`], u64 and f32, width the delay: the arrivals still
/// to come, then `u64::MAX`). Saved after `settle(now)`, when no factor is logged.
impl PlainState for DisinhibitionRule {
    fn save(&self, out: &mut StateWriter) {
        out.f32("x", Axis::Source, &self.x);
        out.u64("pos", Axis::Source, &self.pos);
        let w = self.delay.max(1) as usize;
        let mut at = vec![NONE; self.x.len() * w];
        let mut value = vec![0.0f32; self.x.len() * w];
        for (i, q) in self.pending.iter().enumerate() {
            for (k, &(a, v)) in q.iter().take(w).enumerate() {
                (at[i * w + k], value[i * w + k]) = (a, v);
            }
        }
        out.column("pending", Axis::Source, w, Values::U64(at));
        out.column("pending_value", Axis::Source, w, Values::F32(value));
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.x.len();
        let w = self.delay.max(1) as usize;
        let x = input.values::<f32>("x", Some(n), 1)?.1.to_vec();
        let pos = input.values::<u64>("pos", Some(n), 1)?.1.to_vec();
        let at = input.values::<u64>("pending", Some(n), w)?.1.to_vec();
        let value = input.values::<f32>("pending_value", Some(n), w)?.1;
        self.pending = (0..n).map(|i| (i * w..(i + 1) * w).filter(|&k| at[k] != NONE).map(|k| (at[k], value[k])).collect()).collect();
        (self.x, self.pos) = (x, pos);
        self.log.clear();
        Ok(())
    }
}
