//! Homeostatic synaptic scaling (Turrigiano et al. 1998, spec 6.6).
//!
//! # Dynamics
//!
//! Each target neuron keeps a rate estimate `nubar_i`:
//! `tau_avg dnubar_i/dt = -nubar_i + S_i(t)` (a trace with jump `1/tau_avg`, in Hz).
//! On a slow clock of period `h`, every incoming weight is scaled:
//!
//! ```text
//! w_ij <- w_ij exp( (h / tau_scale) (nu_target - nubar_i) / nu_target )
//! ```
//!
//! which integrates `dw/dt = w (nu_target - nubar_i) / (nu_target tau_scale)` exactly
//! for `nubar_i` held at its value at the clock tick (spikes strictly before it). All
//! inputs of a neuron get the same factor, so their ratios are kept. The weight is then
//! clipped to the bounds, if any.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `target` | Hz | 5 | target rate `nu_target` |
//! | `tau_avg` | ms | 2000 | rate estimate time constant |
//! | `tau_scale` | ms | 20000 | scaling time constant |
//! | `period` | ms | 100 | clock period `h` |
//! | `rate_init` | Hz | = `target` | `nubar` at time 0 |
//! | `w_min`, `w_max` | weight | none | bounds |
//!
//! # State
//!
//! Per target the recent spikes with `nubar` (24 bytes each). Nothing per synapse or
//! per source.
//!
//! # Events
//!
//! Postsynaptic spike: recorded. Clock every `period`: the scaling step.
//!
//! # References
//!
//! Turrigiano et al. 1998, Nature 391:892; van Rossum, Bi & Turrigiano 2000,
//! J. Neurosci. 20:8812; Zenke, Hennequin & Gerstner 2013, PLoS Comput. Biol. 9:e1003330.

use crate::bounds::Bounds;
use crate::driver::{Engine, Kernel, Parts};
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use crate::synapses::Synapses;
use crate::trace::{Interaction, ReadPost, TraceSpec};
use synfire_graphs::{PlainState, PlasticityRule, Rate, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "scaling";

/// Parameters of synaptic scaling. Build with [`Scaling::homeostatic`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    /// Target rate.
    pub target: Rate,
    /// Rate estimate time constant.
    pub tau_avg: Time,
    /// Scaling time constant.
    pub tau_scale: Time,
    /// Clock period.
    pub period: Time,
    /// Initial rate estimate (`None`: the target).
    pub rate_init: Option<Rate>,
    /// Bounds.
    pub bounds: Bounds,
}

impl Scaling {
    /// Scaling towards 5 Hz, `tau_avg = 2 s`, `tau_scale = 20 s`, every 100 ms.
    pub fn homeostatic() -> Scaling {
        Scaling { target: 5.0.hz(), tau_avg: 2.0.s(), tau_scale: 20.0.s(), period: 100.0.ms(), rate_init: None, bounds: Bounds::NONE }
    }
    /// Sets the target rate.
    pub fn target(mut self, r: Rate) -> Self {
        self.target = r;
        self
    }
    /// Sets the rate estimate's time constant.
    pub fn tau_avg(mut self, t: Time) -> Self {
        self.tau_avg = t;
        self
    }
    /// Sets the scaling time constant.
    pub fn tau_scale(mut self, t: Time) -> Self {
        self.tau_scale = t;
        self
    }
    /// Sets the clock period.
    pub fn period(mut self, t: Time) -> Self {
        self.period = t;
        self
    }
    /// Sets the initial rate estimate.
    pub fn rate_init(mut self, r: Rate) -> Self {
        self.rate_init = Some(r);
        self
    }
    /// Sets hard bounds.
    pub fn bounds(mut self, range: std::ops::RangeInclusive<f64>) -> Self {
        self.bounds = Bounds::hard(range);
        self
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = Scaling::homeostatic();
        let mut r = Reader::new(spec);
        let p = Scaling {
            target: r.rate("target", d.target),
            tau_avg: r.time("tau_avg", d.tau_avg),
            tau_scale: r.time("tau_scale", d.tau_scale),
            period: r.time("period", d.period),
            rate_init: r.opt_rate("rate_init"),
            bounds: Bounds::read(&mut r, d.bounds),
        };
        r.result(p)
    }

    pub(crate) fn build(&self, info: &ProjectionInfo, engine: Engine) -> Result<Box<dyn Plasticity>, RuleError> {
        let period = self.period.to_ticks(info.dt).max(1);
        let nu0 = self.rate_init.unwrap_or(self.target).0;
        let rate = TraceSpec::new(self.tau_avg, info.dt, Interaction::AllToAll).jump(1e3 / self.tau_avg.0).init(nu0);
        let bounds = crate::catalog::scale_bounds(self.bounds, info.weight_scale);
        let gain = period as f64 * info.dt.0 / self.tau_scale.0;
        let kernel =
            ScalingKernel { period, gain, target: self.target.0, factor: vec![1.0; info.n_targets], bounds, sign: if info.negative { -1.0 } else { 1.0 } };
        let pre = [];
        let post = [rate];
        Ok(crate::driver::build(Parts { name: NAME, kernel, pre, post, stp: None }, bounds, info, engine))
    }
}

impl PlasticityRule for Scaling {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME)
            .quantity("target", self.target)
            .quantity("tau_avg", self.tau_avg)
            .quantity("tau_scale", self.tau_scale)
            .quantity("period", self.period)
            .opt_rate("rate_init", self.rate_init);
        self.bounds.write(w).done()
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.positive("target", self.target.0);
        c.positive_time("tau_avg", self.tau_avg);
        c.positive_time("tau_scale", self.tau_scale);
        c.positive_time("period", self.period);
        if let Some(r) = self.rate_init {
            c.non_negative("rate_init", r.0);
        }
        self.bounds.check(&mut c, false);
        c.problems
    }
}

#[derive(Debug, Clone)]
struct ScalingKernel {
    period: u64,
    /// `h / tau_scale`.
    gain: f64,
    target: f64,
    /// Scratch: the factor of each target at the current clock.
    factor: Vec<f64>,
    bounds: Bounds,
    /// -1 when the engine stores the weights negated.
    sign: f32,
}

impl Kernel<0, 1> for ScalingKernel {
    const POST_EVENTS: bool = false;
    const PRE_EVENTS: bool = false;
    const CLOCK_READS_POST: bool = true;

    fn clock_period(&self) -> Option<u64> {
        Some(self.period)
    }

    fn memory_bytes(&self) -> usize {
        self.factor.len() * 8
    }

    fn clock(&mut self, t: u64, syn: &mut Synapses<'_>, post: &dyn ReadPost<1>) {
        for (i, f) in self.factor.iter_mut().enumerate() {
            let nubar = post.at(i, t)[0];
            *f = (self.gain * (self.target - nubar) / self.target).exp();
        }
        for (w, &i) in syn.weights.iter_mut().zip(syn.targets) {
            *w = self.sign * self.bounds.clip(f64::from(self.sign * *w) * self.factor[i as usize]);
        }
    }
}

/// No columns: `factor` is scratch, written for every target at each clock before it
/// is read; the rate estimates are the engine's postsynaptic traces.
impl PlainState for ScalingKernel {
    fn save(&self, _: &mut StateWriter) {}
    fn restore(&mut self, _: &mut StateReader<'_>) -> Result<(), StateError> {
        Ok(())
    }
}
