//! e-prop (Bellec et al. 2020, specs 4.2): online gradients of recurrent spiking
//! networks from eligibility traces and learning signals, in the engine.
//!
//! Two catalogue rules share one implementation: `eprop` on the input and recurrent
//! projections onto an ALIF population (LIF is `beta = 0`), and `eprop_readout` on
//! the projection from it into a `leaky_readout` population.
//!
//! # Dynamics
//!
//! For a synapse `i -> j` and every tick `t` (engine ticks; `x_i(t)` the arrivals of
//! source `i` at `t`, so an input or a recurrent spike of tick `t - 1` with one tick
//! of delay is e-prop's `z_i^{t-1}`):
//!
//! ```text
//! zbar_i(t)  = alpha zbar_i(t-1) + s_in x_i(t)            alpha = exp(-dt/tau_m) of the target
//! psi_j(t)   = (gamma / v_th) max(0, 1 - |v_j - A_j| / v_th), 0 while refractory
//! e_ji(t)    = psi_j(t) (zbar_i(t) - beta eps_ji(t))
//! eps_ji     <- psi_j(t) zbar_i(t) + (rho - psi_j(t) beta) eps_ji
//! ebar_ji(t) = kappa ebar_ji(t-1) + s_out e_ji(t)          kappa = exp(-dt/tau_out)
//! g_ji      += L_j(t) ebar_ji(t)
//! ```
//!
//! `L_j(t)` is the per-neuron signal of input `signal` that arrives `signal_delay`
//! after tick `t` (the readout's error `y - y*` of tick `t`, fed back through `B`:
//! the readout's delay plus the feedback's). `s_in` is 1 or `1 - alpha`
//! (`normalise_trace`), `s_out` 1 or `1 - kappa` (`normalise_eligibility`).
//!
//! `eprop_readout` is the same recurrence with `psi = 1`, `beta = 0`, no second
//! filter (`ebar = e`), `alpha` the readout's `kappa`, `s_in` its `gain`, and the
//! learning signal the readout's own error in the same tick:
//! `g_kj += (y_k(t) - y*_k(t)) zbar_j(t)`.
//!
//! Every `update_every`, at ticks `n * update_every`, the accumulated `g` of the
//! interval (plus the firing-rate regulariser
//! `c_reg (fbar_j - f_target) / T * sum_t e_ji(t)`, `fbar_j` the spikes of `j` per
//! tick over the interval of `T` ticks; in the online form
//! `c_reg / T * sum_t (fbar_j(t) - f_target) e_ji(t)`, `fbar_j(t)` the spikes of `j`
//! per tick from tick 0 through `t`) becomes a step: SGD `w -= eta g`, or Adam
//! (`adam = 1`: `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
//! `w -= eta m_hat / (sqrt(v_hat) + eps)`); then `g = 0`. Arithmetic is f32 in this
//! order, Adam's bias corrections in f64.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `eta` | 1 | 1e-4 | learning rate |
//! | `update_every` | ms | (required) | the interval of one optimiser step |
//! | `adam` | switch | 0 | Adam instead of SGD |
//! | `adam_beta1`, `adam_beta2`, `adam_eps` | 1 | 0.9, 0.999, 1e-8 | Adam's constants |
//! | `tau_out` | ms | (required, `eprop`) | the readout's time constant (`kappa`) |
//! | `signal_delay` | ms | (required, `eprop`) | how long after a tick its learning signal arrives |
//! | `gamma` | 1 | 0.3 | dampening of the pseudo-derivative |
//! | `normalise_trace`, `normalise_eligibility` | switch | 0, 0 | the `s_in`, `s_out` choices |
//! | `c_reg` | 1 | 0 | firing-rate regulariser strength |
//! | `f_target` | Hz | 10 | its target rate |
//! | `regularise_online` | switch | 0 | the online form: `fbar_j(t)`, the rate from the start of training through `t`, weights each tick's `e` |
//!
//! `alpha`, `rho`, `beta` and `v_th` come from the target population (`alif`, every
//! neuron the same); `eprop_readout` reads `tau` and `gain` of its `leaky_readout`.
//!
//! # State
//!
//! Per source `zbar` and the arrivals not integrated yet; per synapse `eps` (ALIF
//! only), `ebar`, `g`, the regulariser's `sum e` (when `c_reg > 0`) and Adam's `m`,
//! `v`; per target the recorded `psi` and `L` of the ticks not yet integrated (at
//! most a segment plus the signal delay plus a window: 8 bytes per target and tick),
//! and with the trial-form regulariser the spike counts per optimiser interval.
//! Bytes per synapse: 8 (LIF: `ebar`, `g`), 12 (ALIF), +4 with the trial-form
//! regulariser, +8 with Adam; beside them the per-target histories, whose share per
//! synapse is `8 (64 + lag + window) / fan-in` (about 6 bytes at a fan-in of 100).
//!
//! # Events
//!
//! The learning signal of tick `t` arrives after it, so the rule integrates lazily:
//! `on_tick(t)` records `psi_j(t)` and the signal that arrived (the `L` of
//! `t - signal_delay`); `on_pre` queues an arrival. The hidden rule integrates
//! whole segments of ticks whose `L` is known: a segment ends at each optimiser
//! step, each trial reset and each multiple of 64 ticks, so where segments lie
//! depends only on the ticks, never on the window, the worker count or when the
//! engine calls the rule. The readout rule replays its rows tick by tick at every
//! `advance` and `settle`. The step of tick `n * update_every` acts on the weights
//! from tick `n * update_every + signal_delay` on (the first tick at which its last
//! learning signal is known): a spike of an earlier tick transmits the weight before
//! it. When a probe reads `g`, `ebar` or `eps`
//! ([`Plasticity::watch_state`](crate::Plasticity::watch_state)), `settle` also
//! brings them to the last known tick, on copies (the committed state stays at its
//! segment boundary); without one it does not.
//!
//! [`EpropRule::begin_trial`](crate::Plasticity::begin_trial) zeroes `zbar`, `eps`
//! and `ebar` as of a tick (trials start from rest).
//!
//! # Learning off
//!
//! [`Plasticity::switch_learning`](crate::Plasticity::switch_learning) marks ticks
//! as learning or not. A tick `t` with learning off contributes nothing:
//! `psi_j(t) = 0` (no eligibility; traces already there decay), `L_j(t) = 0` (the
//! readout's error likewise) and no spikes to the regulariser's rate; a step tick
//! with learning off takes no step, and the gradient accumulated before waits for
//! the next step taken. The switch belongs to the tick of the quantity, not to the
//! tick it is processed at: the signal of the last learning tick still counts when
//! it arrives `signal_delay` later. A switch off is refused where a step taken
//! before it would act after it (`t_u < at < t_u + signal_delay`), and the online
//! regulariser (a rate since tick 0) has no switch. With trials that reset every
//! trace, training after an evaluation continues as if the evaluation had not
//! happened, except that the hidden rule's segments lie on a grid of 64 ticks:
//! bit for bit when the evaluation spans a multiple of 64 ticks, else to rounding.
//!
//! # Metaplastic wrappers
//!
//! Either rule is a base of the wrappers of specs 7 (`Eprop::hidden()...metaplastic(1.0)`,
//! `.benna_fusi(..)`, `.synaptic_intelligence(..)`; in a file `rule = { name =
//! "meta_hidden", m = 1, base = { name = "eprop", ... }, inputs = { signal = "L" } }`).
//! The engine (`rule.rs`) is generic over the `Update` (`crate::driver`) that applies each step: at the
//! step of tick `t_u` the optimiser sees the gradient `g` (with the regulariser's term)
//! as without a wrapper, Adam's moments included, and proposes `delta = -eta g` (SGD)
//! or `-eta m_hat / (sqrt(v_hat) + eps)` (Adam) per synapse, the optimiser's new weight
//! minus the current one; the update applies it at `t_a = t_u + signal_delay`, the tick
//! the step acts (hidden weights: the attenuated change into `W_h`, efficacy `W_h`;
//! Benna–Fusi: `delta` into `u_1`, the chain on its own clock, the efficacy of a
//! spike's own tick transmitted; synaptic intelligence: `g = -delta / eta`, so its
//! `eta` should be the rule's). The update's clocks run at their ticks, after every step
//! acting before and before every step acting at or after them. The plain rule's update
//! (`step.rs`) adds `delta` in f32: the bits of `w - eta g`. A step skipped while
//! learning is off proposes nothing; the update's clocks still run (a chain relaxes, a
//! consolidation happens). The update's state is saved under `update.` (after the
//! rule's own columns), and its inputs (synaptic intelligence's `consolidate`) come
//! after the rule's `signal` (slot 0; slot 0 for the readout rule, which has none).
//! The feedback rule `eprop_feedback` repeats the plain readout update, so behind a
//! wrapper symmetric feedback no longer equals `W_out^T`.
//!
//! # Cost
//!
//! Over a segment every per-synapse quantity is linear in the segment's start and
//! its source's arrivals, with coefficients of the target alone (`segment.rs`
//! derives the adjoint recurrences). So per target and tick: `psi`, `L` and two
//! backward passes; per source and tick: `zbar`; per synapse: one term per
//! presynaptic arrival and one per segment. Nothing is kept per synapse and tick,
//! nor per target and tick beyond `psi` and `L`, in the hidden rule. The readout rule (one synapse per hidden neuron and output)
//! keeps its tick-by-tick replay, which the feedback rule repeats bit for bit.
//!
//! # References
//!
//! Bellec, Scherr, Subramoney, Hajek, Salaj, Legenstein & Maass (2020) Nat. Commun.
//! 11:3625; NEST's `eprop_synapse_bsshslm_2020` for the replay between events.

mod feedback;
pub(crate) mod optimizer;
mod rule;
mod segment;
pub(crate) mod state;
mod step;

pub use feedback::{EpropFeedback, EpropFeedbackRule, FEEDBACK};
pub(crate) use step::PlainStep;

use crate::bounds::Bounds;
use crate::driver::Update;
use crate::error::{RuleError, problem};
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use rule::EpropEngine;
use synfire_graphs::{DelayTicks, PlasticityRule, Rate, RuleProblem, RuleSpec, Time};

/// Catalogue name of the rule on projections into the recurrent population.
pub const NAME: &str = "eprop";
/// Catalogue name of the rule on the projection into the readout.
pub const READOUT: &str = "eprop_readout";
/// The hidden rule's input: the per-neuron learning signal.
pub(crate) const INPUT: &str = "signal";

/// Which synapses the rule trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Input and recurrent synapses onto ALIF neurons, with a learning signal.
    Hidden,
    /// Synapses into a leaky readout, learning from its error.
    Readout,
}

/// Parameters of e-prop.
#[derive(Debug, Clone, PartialEq)]
pub struct Eprop {
    /// Which synapses.
    pub role: Role,
    /// Learning rate.
    pub eta: f64,
    /// Optimiser interval.
    pub update_every: Option<Time>,
    /// Adam instead of SGD.
    pub adam: bool,
    /// Adam's `beta1`, `beta2`, `eps`.
    pub adam_beta1: f64,
    /// Adam's `beta2`.
    pub adam_beta2: f64,
    /// Adam's `eps`.
    pub adam_eps: f64,
    /// Readout time constant (hidden role).
    pub tau_out: Option<Time>,
    /// Delay of the learning signal after its tick (hidden role).
    pub signal_delay: Option<Time>,
    /// Pseudo-derivative dampening.
    pub gamma: f64,
    /// `s_in = 1 - alpha`.
    pub normalise_trace: bool,
    /// `s_out = 1 - kappa`.
    pub normalise_eligibility: bool,
    /// Regulariser strength.
    pub c_reg: f64,
    /// Regulariser target.
    pub f_target: Rate,
    /// The regulariser's online form: each tick's `e` weighted by the target's
    /// rate since the start of training, instead of the interval's rate.
    pub regularise_online: bool,
    /// The learning-signal node bound to `signal` (hidden role).
    pub signal: Option<String>,
}

impl Eprop {
    /// The rule for input and recurrent synapses: SGD with `eta = 1e-4`; set
    /// [`Eprop::update_every`], [`Eprop::tau_out`], [`Eprop::signal_delay`] and
    /// [`Eprop::signal`].
    pub fn hidden() -> Eprop {
        Eprop {
            role: Role::Hidden,
            eta: 1e-4,
            update_every: None,
            adam: false,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            adam_eps: 1e-8,
            tau_out: None,
            signal_delay: None,
            gamma: 0.3,
            normalise_trace: false,
            normalise_eligibility: false,
            c_reg: 0.0,
            f_target: Rate(10.0),
            regularise_online: false,
            signal: None,
        }
    }
    /// The rule for the synapses into a leaky readout; set [`Eprop::update_every`].
    pub fn readout() -> Eprop {
        Eprop { role: Role::Readout, ..Eprop::hidden() }
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the optimiser interval.
    pub fn update_every(mut self, t: Time) -> Self {
        self.update_every = Some(t);
        self
    }
    /// Uses Adam with its usual constants.
    pub fn adam(mut self) -> Self {
        self.adam = true;
        self
    }
    /// Sets the readout time constant.
    pub fn tau_out(mut self, t: Time) -> Self {
        self.tau_out = Some(t);
        self
    }
    /// Sets the delay of the learning signal.
    pub fn signal_delay(mut self, t: Time) -> Self {
        self.signal_delay = Some(t);
        self
    }
    /// Sets the pseudo-derivative dampening.
    pub fn gamma(mut self, g: f64) -> Self {
        self.gamma = g;
        self
    }
    /// Chooses the normalised filters (`1 - alpha`, `1 - kappa`).
    pub fn normalised(mut self, trace: bool, eligibility: bool) -> Self {
        (self.normalise_trace, self.normalise_eligibility) = (trace, eligibility);
        self
    }
    /// Sets the firing-rate regulariser (trial form: the interval's rate).
    pub fn regularise(mut self, c_reg: f64, f_target: Rate) -> Self {
        (self.c_reg, self.f_target, self.regularise_online) = (c_reg, f_target, false);
        self
    }
    /// Sets the firing-rate regulariser in its online form (specs 4.2): each tick's
    /// unfiltered eligibility weighted by `c_reg (fbar_j(t) - f_target) / T`, with
    /// `fbar_j(t)` the rate of `j` from the start of training through tick `t`.
    pub fn regularise_online(mut self, c_reg: f64, f_target: Rate) -> Self {
        (self.c_reg, self.f_target, self.regularise_online) = (c_reg, f_target, true);
        self
    }
    /// Binds the learning signal.
    pub fn signal(mut self, node: &str) -> Self {
        self.signal = Some(node.to_string());
        self
    }

    /// Reads a spec of either rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let role = if spec.name == READOUT { Role::Readout } else { Role::Hidden };
        let d = Eprop { role, ..Eprop::hidden() };
        let mut r = Reader::new(spec);
        let hidden = role == Role::Hidden;
        let p = Eprop {
            role,
            eta: r.number("eta", d.eta),
            update_every: r.opt_time("update_every"),
            adam: r.flag("adam", false),
            adam_beta1: r.number("adam_beta1", d.adam_beta1),
            adam_beta2: r.number("adam_beta2", d.adam_beta2),
            adam_eps: r.number("adam_eps", d.adam_eps),
            tau_out: if hidden { r.opt_time("tau_out") } else { None },
            signal_delay: if hidden { r.opt_time("signal_delay") } else { None },
            gamma: if hidden { r.number("gamma", d.gamma) } else { d.gamma },
            normalise_trace: if hidden { r.flag("normalise_trace", false) } else { false },
            normalise_eligibility: if hidden { r.flag("normalise_eligibility", false) } else { false },
            c_reg: if hidden { r.number("c_reg", 0.0) } else { 0.0 },
            f_target: if hidden { r.rate("f_target", d.f_target) } else { d.f_target },
            regularise_online: if hidden { r.flag("regularise_online", false) } else { false },
            signal: spec.inputs.get(INPUT).cloned(),
        };
        r.result(p)
    }

    /// The running rule for one projection in one shard.
    pub fn build(&self, info: &ProjectionInfo) -> Result<EpropRule, RuleError> {
        Ok(EpropRule(self.engine(info, PlainStep::unbounded(), self.own_inputs())?))
    }

    /// The rule's own inputs (the hidden rule's `signal`, slot 0).
    fn own_inputs(&self) -> &'static [&'static str] {
        match self.role {
            Role::Hidden => &[INPUT],
            Role::Readout => &[],
        }
    }

    /// The engine with `update` applying each step's proposed change, reading `inputs`.
    fn engine<U: Update>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<EpropEngine<U>, RuleError> {
        let name = self.name();
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: name.into(), problems });
        }
        let fail = |message: String| RuleError::Projection { rule: name.into(), message };
        let DelayTicks::Const(d) = info.delay else { return Err(fail("needs one delay for every synapse of the projection".into())) };
        let t = info.target;
        let ticks = |x: Time| x.to_ticks(info.dt);
        let every = self.update_every.map_or(0, ticks);
        if every == 0 {
            return Err(fail(format!("update_every {} is shorter than one tick", self.update_every.unwrap_or(Time(0.0)))));
        }
        let dt = info.dt.0;
        let coeffs = match self.role {
            Role::Hidden => {
                if t.model != Some("alif") {
                    return Err(fail(format!("trains projections into `alif` populations (LIF is beta = 0), not `{}`", t.model.unwrap_or("a spike source"))));
                }
                let (Some(tau_m), Some(tau_a), Some(beta), Some(v_th)) = (t.tau_m, t.tau_a, t.beta, t.v_th) else {
                    return Err(fail("needs tau_m, tau_a, beta and v_th to be the same for every target neuron".into()));
                };
                let lag = self.signal_delay.map_or(0, ticks);
                let alpha = (-dt / tau_m.0).exp();
                let kappa = self.tau_out.map_or(0.0, |t| (-dt / t.0).exp());
                rule::Coeffs {
                    alpha: alpha as f32,
                    rho: (-dt / tau_a.0).exp() as f32,
                    beta: beta as f32,
                    kappa: kappa as f32,
                    s_in: if self.normalise_trace { (1.0 - alpha) as f32 } else { 1.0 },
                    s_out: if self.normalise_eligibility { (1.0 - kappa) as f32 } else { 1.0 },
                    psi_height: (self.gamma / v_th) as f32,
                    inv_v_th: (1.0 / v_th) as f32,
                    lag,
                }
            }
            Role::Readout => {
                if t.model != Some("leaky_readout") {
                    return Err(fail(format!("trains projections into `leaky_readout` populations, not `{}`", t.model.unwrap_or("a spike source"))));
                }
                let (Some(tau), Some(gain)) = (t.tau_m, t.gain) else {
                    return Err(fail("needs tau and gain to be the same for every readout".into()));
                };
                rule::Coeffs {
                    alpha: (-dt / tau.0).exp() as f32,
                    rho: 0.0,
                    beta: 0.0,
                    kappa: 0.0,
                    s_in: gain as f32,
                    s_out: 1.0,
                    psi_height: 1.0,
                    inv_v_th: 0.0,
                    lag: 0,
                }
            }
        };
        let optimizer = optimizer::Optimizer::new(self.adam, self.eta, self.adam_beta1, self.adam_beta2, self.adam_eps);
        let f_target = (self.f_target.0 * dt * 1e-3) as f32;
        let reg = (self.c_reg > 0.0).then_some(rule::Regulariser { c_reg: self.c_reg as f32, f_target, online: self.regularise_online });
        Ok(EpropEngine::new(self.role, coeffs, optimizer, every, u64::from(d), reg, info, update, inputs))
    }

    fn name(&self) -> &'static str {
        match self.role {
            Role::Hidden => NAME,
            Role::Readout => READOUT,
        }
    }
}

impl PlasticityRule for Eprop {
    fn to_spec(&self) -> RuleSpec {
        let mut w = Writer::new(self.name()).number("eta", self.eta);
        if let Some(t) = self.update_every {
            w = w.quantity("update_every", t);
        }
        w = w.flag("adam", self.adam).number("adam_beta1", self.adam_beta1).number("adam_beta2", self.adam_beta2).number("adam_eps", self.adam_eps);
        if self.role == Role::Hidden {
            if let Some(t) = self.tau_out {
                w = w.quantity("tau_out", t);
            }
            if let Some(t) = self.signal_delay {
                w = w.quantity("signal_delay", t);
            }
            w = w
                .number("gamma", self.gamma)
                .flag("normalise_trace", self.normalise_trace)
                .flag("normalise_eligibility", self.normalise_eligibility)
                .number("c_reg", self.c_reg)
                .quantity("f_target", self.f_target)
                .flag("regularise_online", self.regularise_online);
        }
        let mut spec = w.done();
        if let Some(node) = &self.signal {
            spec.inputs.insert(INPUT.into(), node.clone());
        }
        spec
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.non_negative("eta", self.eta);
        match self.update_every {
            Some(t) => c.positive_time("update_every", t),
            None => c.push(problem("update_every", "is required: the interval of one optimiser step (a trial, or 1 ms for every tick)")),
        }
        c.positive("adam_eps", self.adam_eps);
        for (name, b) in [("adam_beta1", self.adam_beta1), ("adam_beta2", self.adam_beta2)] {
            if !(0.0..1.0).contains(&b) {
                c.push(problem(name, format!("{b} must lie in [0, 1)")));
            }
        }
        if self.role == Role::Hidden {
            match self.tau_out {
                Some(t) => c.positive_time("tau_out", t),
                None => c.push(problem("tau_out", "is required: the readout's time constant, which filters the eligibility")),
            }
            match self.signal_delay {
                Some(t) => c.positive_time("signal_delay", t),
                None => c.push(problem("signal_delay", "is required: the readout's delay plus the feedback's (2 ticks when both are one tick)")),
            }
            c.non_negative("gamma", self.gamma);
            c.non_negative("c_reg", self.c_reg);
            if !(self.f_target.0.is_finite() && self.f_target.0 >= 0.0) {
                c.push(problem("f_target", format!("{} must be a rate of 0 Hz or more", self.f_target.0)));
            }
            if self.signal.is_none() {
                c.push(problem("inputs.signal", "e-prop needs its input `signal` bound to the learning signal over the target population (`.signal(\"L\")`)"));
            }
        }
        c.problems
    }
}

/// A metaplastic wrapper around either e-prop rule (spec 7): each optimiser step's
/// proposed change goes through the wrapper's [`Update`] at the tick the step acts
/// (`t_u + signal_delay`). The optimiser sees the gradient `g` (with the regulariser's
/// term) exactly as the plain rule does, and Adam's moments are of that gradient; the
/// change it proposes is `-eta g` (SGD) or `-eta m_hat / (sqrt(v_hat) + eps)`
/// (Adam), independent of the weight. e-prop keeps no bounds, so the wrapper's
/// efficacy is unbounded.
impl crate::metaplastic::OwnEngine for Eprop {
    fn name(&self) -> &'static str {
        Eprop::name(self)
    }
    fn inputs(&self) -> [&'static [&'static str]; 2] {
        match self.role {
            Role::Hidden => [&[INPUT], &[INPUT, crate::metaplastic::si::INPUT]],
            Role::Readout => [&[], &[crate::metaplastic::si::INPUT]],
        }
    }
    fn bounds(&self) -> Bounds {
        Bounds::hard(f64::NEG_INFINITY..=f64::INFINITY)
    }
    fn engine_with<U: Update + 'static>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<Box<dyn Plasticity>, RuleError> {
        Ok(Box::new(self.engine(info, update, inputs)?))
    }
}

/// The running e-prop rule (the plain form: each step's change added to the weight).
/// Its state's columns are described in `state.rs`.
#[derive(Debug, Clone)]
pub struct EpropRule(EpropEngine<PlainStep>);

crate::plasticity::delegate_plasticity!(EpropRule);
