//! Pair-based STDP in trace form (spec 6.1): additive, multiplicative (Gütig `mu`),
//! all-to-all or nearest-spike.
//!
//! # Dynamics
//!
//! Presynaptic trace `x_j` (`tau_plus`), postsynaptic trace `y_i` (`tau_minus`), jump 1
//! (all-to-all: `x <- x + 1`; nearest-spike: `x <- 1`). With `R = w_max - w_min`:
//!
//! ```text
//! presynaptic spike:   w <- w - R A_- f_-(w) y_i     (y read before anything else)
//! postsynaptic spike:  w <- w + R A_+ f_+(w) x_j
//! f_+(w) = ((w_max - w)/R)^mu_plus ,  f_-(w) = ((w - w_min)/R)^mu_minus
//! ```
//!
//! then clipped to `[w_min, w_max]`. Timing is synaptic (crate docs): a pair with
//! `Δt = (t_post + d) - t_pre > 0` potentiates by `R A_+ e^{-Δt/tau_plus}`, one with
//! `Δt < 0` depresses by `R A_- e^{Δt/tau_minus}`; `Δt = 0` changes nothing.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `tau_plus`, `tau_minus` | ms | 20, 20 | trace time constants |
//! | `a_plus`, `a_minus` | 1 | 0.005, 0.00525 | amplitudes, as fractions of `R` (NEST's `lambda`, `alpha lambda`) |
//! | `w_min`, `w_max` | weight | 0, 1 | bounds (required: the amplitudes scale with `R`) |
//! | `mu_plus`, `mu_minus` | 1 | 0, 0 | weight dependence: 0 additive (Song et al. 2000), 1 multiplicative |
//! | `nearest` | 0/1 | 0 | nearest-spike traces instead of all-to-all |
//!
//! # State
//!
//! Per source `x_j` and its last spike tick (16 bytes); per target the recent spikes
//! with `y` before/after each (24 bytes per held spike). Nothing per synapse.
//!
//! # Events
//!
//! Presynaptic spike: pending postsynaptic events of the row, then depression.
//! Postsynaptic spike: recorded, applied per synapse in synaptic-time order.
//!
//! # References
//!
//! Song, Miller & Abbott 2000, Nat. Neurosci. 3:919; van Rossum, Bi & Turrigiano 2000,
//! J. Neurosci. 20:8812; Gütig et al. 2003, J. Neurosci. 23:3697; Morrison, Diesmann &
//! Gerstner 2008, Biol. Cybern. 98:459 (NEST `stdp_synapse`).

use crate::bounds::Bounds;
use crate::driver::{Engine, Kernel, Parts};
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use crate::trace::{Interaction, TraceSpec};
use std::ops::RangeInclusive;
use synfire_graphs::{PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "stdp_pair";

/// Entry point of the STDP builders: `Stdp::pair()`, `Stdp::triplet()`.
#[derive(Debug, Clone, Copy)]
pub struct Stdp;

impl Stdp {
    /// Additive all-to-all pair STDP with Song et al. 2000 defaults.
    pub fn pair() -> StdpPair {
        StdpPair {
            tau_plus: 20.0.ms(),
            tau_minus: 20.0.ms(),
            a_plus: 0.005,
            a_minus: 0.00525,
            bounds: Bounds::hard(0.0..=1.0),
            interaction: Interaction::AllToAll,
        }
    }
}

/// Parameters of pair STDP.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StdpPair {
    /// Presynaptic trace time constant.
    pub tau_plus: Time,
    /// Postsynaptic trace time constant.
    pub tau_minus: Time,
    /// Potentiation amplitude, a fraction of `w_max - w_min`.
    pub a_plus: f64,
    /// Depression amplitude, a fraction of `w_max - w_min`.
    pub a_minus: f64,
    /// Bounds and weight dependence.
    pub bounds: Bounds,
    /// All-to-all or nearest-spike traces.
    pub interaction: Interaction,
}

impl StdpPair {
    /// Sets the presynaptic time constant.
    pub fn tau_plus(mut self, t: Time) -> Self {
        self.tau_plus = t;
        self
    }
    /// Sets the postsynaptic time constant.
    pub fn tau_minus(mut self, t: Time) -> Self {
        self.tau_minus = t;
        self
    }
    /// Sets the potentiation amplitude (fraction of the weight range).
    pub fn a_plus(mut self, a: f64) -> Self {
        self.a_plus = a;
        self
    }
    /// Sets the depression amplitude (fraction of the weight range).
    pub fn a_minus(mut self, a: f64) -> Self {
        self.a_minus = a;
        self
    }
    /// Sets the bounds `w_min..=w_max`, keeping the weight dependence.
    pub fn bounds(mut self, range: RangeInclusive<f64>) -> Self {
        self.bounds.min = *range.start();
        self.bounds.max = *range.end();
        self
    }
    /// Multiplicative: `mu_plus = mu_minus = 1`.
    pub fn multiplicative(self) -> Self {
        self.mu(1.0)
    }
    /// Gütig's interpolation: `mu_plus = mu_minus = mu`.
    pub fn mu(mut self, mu: f64) -> Self {
        self.bounds.mu_plus = mu;
        self.bounds.mu_minus = mu;
        self
    }
    /// Separate exponents (van Rossum et al. 2000: `mu_plus = 0`, `mu_minus = 1`).
    pub fn mu_split(mut self, mu_plus: f64, mu_minus: f64) -> Self {
        self.bounds.mu_plus = mu_plus;
        self.bounds.mu_minus = mu_minus;
        self
    }
    /// Nearest-spike traces.
    pub fn nearest(mut self) -> Self {
        self.interaction = Interaction::Nearest;
        self
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = Stdp::pair();
        let mut r = Reader::new(spec);
        let p = StdpPair {
            tau_plus: r.time("tau_plus", d.tau_plus),
            tau_minus: r.time("tau_minus", d.tau_minus),
            a_plus: r.number("a_plus", d.a_plus),
            a_minus: r.number("a_minus", d.a_minus),
            bounds: Bounds::read(&mut r, d.bounds),
            interaction: r.interaction(),
        };
        r.result(p)
    }

    pub(crate) fn build(&self, info: &ProjectionInfo, engine: Engine, meta: Option<&crate::metaplastic::Meta>) -> Result<Box<dyn Plasticity>, RuleError> {
        let bounds = crate::catalog::scale_bounds(self.bounds, info.weight_scale);
        let r = bounds.range();
        let kernel = PairKernel { a_plus: r * self.a_plus, a_minus: r * self.a_minus };
        let pre = [TraceSpec::new(self.tau_plus, info.dt, self.interaction)];
        let post = [TraceSpec::new(self.tau_minus, info.dt, self.interaction)];
        crate::driver::build_meta(Parts { name: NAME, kernel, pre, post, stp: None }, bounds, meta, info, engine)
    }
}

impl PlasticityRule for StdpPair {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME)
            .quantity("tau_plus", self.tau_plus)
            .quantity("tau_minus", self.tau_minus)
            .number("a_plus", self.a_plus)
            .number("a_minus", self.a_minus)
            .flag("nearest", self.interaction == Interaction::Nearest);
        self.bounds.write(w).done()
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.positive_time("tau_plus", self.tau_plus);
        c.positive_time("tau_minus", self.tau_minus);
        c.finite("a_plus", self.a_plus);
        c.finite("a_minus", self.a_minus);
        self.bounds.check(&mut c, true);
        c.problems
    }
}

/// Amplitudes already multiplied by the weight range.
#[derive(Debug, Clone, Copy)]
struct PairKernel {
    a_plus: f64,
    a_minus: f64,
}

impl Kernel<1, 1> for PairKernel {
    #[inline]
    fn pre(&self, _k: usize, _w: f32, _x: &[f64; 1], y: &[f64; 1]) -> f64 {
        -self.a_minus * y[0]
    }
    #[inline]
    fn post(&self, _k: usize, _w: f32, x: &[f64; 1], _y: &[f64; 1]) -> f64 {
        self.a_plus * x[0]
    }
}

/// Parameters only: no columns (the traces belong to the engine).
impl PlainState for PairKernel {
    fn save(&self, _: &mut StateWriter) {}
    fn restore(&mut self, _: &mut StateReader<'_>) -> Result<(), StateError> {
        Ok(())
    }
}
