//! SuperSpike (Zenke & Ganguli 2018, specs 4.3): online three-factor learning of
//! precisely timed spike trains in multilayer networks, in the engine.
//!
//! # Dynamics
//!
//! For a synapse `j -> i` onto a `lif_cuba` neuron and every tick `t` (`x_j(t)` the
//! arrivals of source `j` at `t`), in this order, f32:
//!
//! ```text
//! syn_j  <- a_syn syn_j + x_j(t)                 a_syn = exp(-dt/tau_syn)
//! psp_j  <- psp_j + (dt/tau_mem) (syn_j - psp_j)  PSP kernel eps, two cascaded traces
//! sigma_i(t) = beta / (1 + |beta (U_i - theta)|)^2, 0 for U_i < u_min or refractory
//! el     <- el + sigma_i(t) psp_j                 alpha kernel on the Hebbian term:
//! el_flt <- el_flt + (dt/tau_decay) (el - el_flt)
//! el     <- a_rise el                             a_rise = exp(-dt/tau_rise)
//! m      <- m + e_i(t) el_flt
//! ```
//!
//! `e_i(t)` is the alpha-filtered error: the per-neuron signal `E_i` of input
//! `signal` that arrives `signal_delay` after tick `t` (for an output unit
//! `S*_i - S_i`, for a hidden unit the error fed back through `b_ik`) goes through
//! the same two stages (`err += E; err_flt += (dt/tau_decay)(err - err_flt);
//! err *= a_rise; e = err_flt`). Filtering commutes with the feedback's sum, so the
//! projections feed the raw spike difference.
//!
//! Every `update_every` (`T_u`), at ticks `n T_u`, per synapse:
//! `g = m / (T_u/dt)`, `m = 0`, `v = max(gamma v, g^2)` with
//! `gamma = exp(-T_u/tau_rms)`, `w = clip(w + eta g / (sqrt(v) + epsilon), w_min, w_max)`.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `eta` | weight | 0.5 | learning rate: the largest step of one update |
//! | `update_every` | ms | 500 | `T_u` |
//! | `tau_rms` | ms | 30000 | RMS statistic's time constant |
//! | `epsilon` | 1 | 1e-12 | regularises the RMS division |
//! | `tau_syn`, `tau_mem` | ms | 5, 10 | PSP kernel stages |
//! | `tau_rise`, `tau_decay` | ms | 5, 10 | alpha kernel stages |
//! | `beta` | 1/mV | 1 | surrogate steepness |
//! | `u_min` | mV | -80 | below it the surrogate is 0 |
//! | `w_min`, `w_max` | weight | -100, 100 | clip of the weight |
//! | `signal_delay` | ms | (required) | how long after a tick its error arrives |
//!
//! `theta` is the target's `v_th` (`lif_cuba`, the same for every neuron).
//!
//! `eta` and the clip are in the projection's weight unit. The paper's code gives
//! `eta = 5e-4` and `+-0.1` in volts (its `IafPscExpGroup` adds a weight to the
//! synaptic drive in V, as `lif_cuba` does in mV), so the defaults are those values
//! in mV: since `g / sqrt(v)` is at most 1, `eta` is the largest step of a weight per
//! update, and it has the weight's unit. Symmetric feedback: `superspike_feedback`.
//!
//! # State
//!
//! Per source `syn`, `psp` and the arrivals not integrated yet; per synapse `el`,
//! `el_flt`, `m`, `v` (16 bytes); per target the error stages and the recorded
//! `sigma'` and filtered error of the ticks not yet integrated.
//!
//! # Events
//!
//! As e-prop's: `on_tick(t)` records `sigma_i(t)` (from the kernel's `U - theta`)
//! and filters the error that arrived (the one of `t - signal_delay`); rows are
//! replayed lazily over the ticks whose error is known at every `advance` and
//! `settle`. The update of tick `n T_u` acts on the weights from tick
//! `n T_u + signal_delay` on. Results never depend on the window or worker count.
//!
//! # Metaplastic wrappers
//!
//! A base of the wrappers of specs 7 (`SuperSpike::new()...metaplastic(1.0)`): the
//! engine is generic over the `Update` applying each update's proposed change
//! `eta g / (sqrt(v) + epsilon)` (the RMS statistic `v` is of the gradient, as in the
//! plain rule) at the tick it acts, `n T_u + signal_delay`; the clip bounds the
//! wrapper's efficacy. Synaptic intelligence's `g = -delta / eta` is then the
//! RMS-normalised step, not the raw gradient. A wrapped rule has no weight schedule,
//! so `superspike_feedback` refuses to mirror it.
//!
//! # References
//!
//! Zenke & Ganguli (2018) Neural Comput. 30:1514; their Auryn code
//! (fzenke/pub2018superspike, `SuperSpikeConnection`) for the defaults and the
//! cascaded-trace form.

mod feedback;
mod rule;
mod state;

pub use feedback::{FEEDBACK, FORWARD, SuperSpikeFeedback, SuperSpikeFeedbackRule};

use crate::bounds::Bounds;
use crate::driver::Update;
use crate::eprop::PlainStep;
use crate::error::{RuleError, problem};
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use rule::SuperSpikeEngine;
use synfire_graphs::{DelayTicks, PlasticityRule, RuleProblem, RuleSpec, Time, WeightSchedule};

/// Catalogue name.
pub const NAME: &str = "superspike";
/// The rule's input: the per-neuron error signal.
pub(crate) const INPUT: &str = "signal";

/// Parameters of SuperSpike.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct SuperSpike {
    pub eta: f64,
    pub update_every: Time,
    pub tau_rms: Time,
    pub epsilon: f64,
    pub tau_syn: Time,
    pub tau_mem: Time,
    pub tau_rise: Time,
    pub tau_decay: Time,
    /// Per mV.
    pub beta: f64,
    /// mV.
    pub u_min: f64,
    pub w_min: f64,
    pub w_max: f64,
    pub signal_delay: Option<Time>,
    /// The signal node bound to `signal`.
    pub signal: Option<String>,
}

impl Default for SuperSpike {
    fn default() -> Self {
        SuperSpike {
            eta: 0.5,
            update_every: Time(500.0),
            tau_rms: Time(30_000.0),
            epsilon: 1e-12,
            tau_syn: Time(5.0),
            tau_mem: Time(10.0),
            tau_rise: Time(5.0),
            tau_decay: Time(10.0),
            beta: 1.0,
            u_min: -80.0,
            w_min: -100.0,
            w_max: 100.0,
            signal_delay: None,
            signal: None,
        }
    }
}

impl SuperSpike {
    /// The defaults of the paper's code (weights in mV); set [`SuperSpike::signal_delay`] and
    /// [`SuperSpike::signal`].
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets `T_u`.
    pub fn update_every(mut self, t: Time) -> Self {
        self.update_every = t;
        self
    }
    /// Sets the weight clip.
    pub fn clip(mut self, w_min: f64, w_max: f64) -> Self {
        (self.w_min, self.w_max) = (w_min, w_max);
        self
    }
    /// Sets the delay of the error.
    pub fn signal_delay(mut self, t: Time) -> Self {
        self.signal_delay = Some(t);
        self
    }
    /// Binds the error signal.
    pub fn signal(mut self, node: &str) -> Self {
        self.signal = Some(node.to_string());
        self
    }

    /// Reads a spec.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = SuperSpike::default();
        let mut r = Reader::new(spec);
        let p = SuperSpike {
            eta: r.number("eta", d.eta),
            update_every: r.time("update_every", d.update_every),
            tau_rms: r.time("tau_rms", d.tau_rms),
            epsilon: r.number("epsilon", d.epsilon),
            tau_syn: r.time("tau_syn", d.tau_syn),
            tau_mem: r.time("tau_mem", d.tau_mem),
            tau_rise: r.time("tau_rise", d.tau_rise),
            tau_decay: r.time("tau_decay", d.tau_decay),
            beta: r.number("beta", d.beta),
            u_min: r.number("u_min", d.u_min),
            w_min: r.number("w_min", d.w_min),
            w_max: r.number("w_max", d.w_max),
            signal_delay: r.opt_time("signal_delay"),
            signal: spec.inputs.get(INPUT).cloned(),
        };
        r.result(p)
    }

    /// When the weights change: at the ticks `n update_every + signal_delay` (what
    /// `superspike_feedback` copies at).
    pub fn schedule(&self) -> WeightSchedule {
        WeightSchedule { every: self.update_every, offset: self.signal_delay.unwrap_or(Time(0.0)) }
    }

    /// The running rule for one projection in one shard.
    pub fn build(&self, info: &ProjectionInfo) -> Result<SuperSpikeRule, RuleError> {
        let scale = info.weight_scale;
        let clip = PlainStep::clipped((self.w_min * scale) as f32, (self.w_max * scale) as f32);
        Ok(SuperSpikeRule(self.engine(info, clip, &[INPUT])?))
    }

    /// The engine with `update` applying each update's change, reading `inputs`.
    fn engine<U: Update>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<SuperSpikeEngine<U>, RuleError> {
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: NAME.into(), problems });
        }
        let fail = |message: String| RuleError::Projection { rule: NAME.into(), message };
        let DelayTicks::Const(d) = info.delay else { return Err(fail("needs one delay for every synapse of the projection".into())) };
        let t = info.target;
        if t.model != Some("lif_cuba") {
            return Err(fail(format!("trains projections into `lif_cuba` populations, not `{}`", t.model.unwrap_or("a spike source"))));
        }
        let Some(theta) = t.v_th else { return Err(fail("needs v_th to be the same for every target neuron".into())) };
        if info.negative {
            return Err(fail("learns signed weights: write the projection's weights on the excitatory receptor".into()));
        }
        let dt = info.dt.0;
        let every = self.update_every.to_ticks(info.dt);
        if every == 0 {
            return Err(fail(format!("update_every {} is shorter than one tick", self.update_every)));
        }
        let scale = info.weight_scale;
        let c = rule::Coeffs {
            a_syn: (-dt / self.tau_syn.0).exp() as f32,
            k_mem: (dt / self.tau_mem.0) as f32,
            a_rise: (-dt / self.tau_rise.0).exp() as f32,
            k_decay: (dt / self.tau_decay.0) as f32,
            beta: self.beta as f32,
            cut: (self.u_min - theta) as f32,
            gamma: (-(every as f64 * dt) / self.tau_rms.0).exp() as f32,
            eta: (self.eta * scale) as f32,
            epsilon: self.epsilon as f32,
            w_min: (self.w_min * scale) as f32,
            w_max: (self.w_max * scale) as f32,
            lag: self.signal_delay.map_or(0, |x| x.to_ticks(info.dt)),
        };
        Ok(SuperSpikeEngine::new(c, every, u64::from(d), info, update, inputs))
    }
}

impl PlasticityRule for SuperSpike {
    fn to_spec(&self) -> RuleSpec {
        let mut w = Writer::new(NAME)
            .number("eta", self.eta)
            .quantity("update_every", self.update_every)
            .quantity("tau_rms", self.tau_rms)
            .number("epsilon", self.epsilon)
            .quantity("tau_syn", self.tau_syn)
            .quantity("tau_mem", self.tau_mem)
            .quantity("tau_rise", self.tau_rise)
            .quantity("tau_decay", self.tau_decay)
            .number("beta", self.beta)
            .number("u_min", self.u_min)
            .number("w_min", self.w_min)
            .number("w_max", self.w_max);
        if let Some(t) = self.signal_delay {
            w = w.quantity("signal_delay", t);
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
        c.non_negative("epsilon", self.epsilon);
        c.positive("beta", self.beta);
        c.finite("u_min", self.u_min);
        for (name, t) in [
            ("update_every", self.update_every),
            ("tau_rms", self.tau_rms),
            ("tau_syn", self.tau_syn),
            ("tau_mem", self.tau_mem),
            ("tau_rise", self.tau_rise),
            ("tau_decay", self.tau_decay),
        ] {
            c.positive_time(name, t);
        }
        c.finite("w_min", self.w_min);
        c.finite("w_max", self.w_max);
        if self.w_min > self.w_max {
            c.push(problem("w_min", format!("{} must not exceed w_max {}", self.w_min, self.w_max)));
        }
        match self.signal_delay {
            Some(t) => c.positive_time("signal_delay", t),
            None => c.push(problem("signal_delay", "is required: how long after a tick its error arrives (the feedback projections' delay)")),
        }
        if self.signal.is_none() {
            c.push(problem("inputs.signal", "superspike needs its input `signal` bound to the error signal over the target population (`.signal(\"E\")`)"));
        }
        c.problems
    }
}

/// A metaplastic wrapper around SuperSpike (spec 7): each update's proposed change
/// `eta g / (sqrt(v) + epsilon)` goes through the wrapper's [`Update`] at the tick the
/// update acts (`n T_u + signal_delay`); the RMS statistic `v` is of the gradient, as
/// in the plain rule. The clip `w_min..w_max` bounds the wrapper's efficacy (its own
/// state is not clipped: a chain is linear, a hidden weight grows past it).
impl crate::metaplastic::OwnEngine for SuperSpike {
    fn name(&self) -> &'static str {
        NAME
    }
    fn inputs(&self) -> [&'static [&'static str]; 2] {
        [&[INPUT], &[INPUT, crate::metaplastic::si::INPUT]]
    }
    fn bounds(&self) -> Bounds {
        Bounds::hard(self.w_min..=self.w_max)
    }
    fn engine_with<U: Update + 'static>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<Box<dyn Plasticity>, RuleError> {
        Ok(Box::new(self.engine(info, update, inputs)?))
    }
}

/// The running SuperSpike rule (the plain form: each update clipped to `w_min..w_max`).
#[derive(Debug, Clone)]
pub struct SuperSpikeRule(SuperSpikeEngine<PlainStep>);

crate::plasticity::delegate_plasticity!(SuperSpikeRule);
