//! Inhibitory STDP (Vogels, Sprekeler, Zenke, Clopath & Gerstner 2011, spec 6.3).
//!
//! # Dynamics
//!
//! Traces `x_pre` (inhibitory source) and `x_post` (excitatory target), both with time
//! constant `tau`, jump 1, all-to-all.
//!
//! ```text
//! presynaptic spike:   w <- w + eta (x_post - alpha) ,  alpha = 2 rho_0 tau
//! postsynaptic spike:  w <- w + eta x_pre
//! ```
//!
//! then clipped to `[w_min, w_max]`. For uncorrelated Poisson trains the mean drift is
//! `eta ρ_pre (2 ρ_post τ − α)`, zero at `ρ_post = ρ_0`: inhibition grows while the
//! target fires above the target rate and shrinks below it. Timing is synaptic.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `tau` | ms | 20 | trace time constant `tau_STDP` |
//! | `eta` | weight | 1e-4 | learning rate |
//! | `rho_0` | Hz | 5 | target rate of the postsynaptic neuron |
//! | `w_min`, `w_max` | weight | 0, none | bounds (the weight is a magnitude) |
//!
//! # State
//!
//! Per source `x_pre` and the last spike tick (16 bytes); per target the recent
//! spikes (24 bytes each). Nothing per synapse.
//!
//! # Events
//!
//! Presynaptic spike: pending postsynaptic events of the row, then the presynaptic update.
//! Postsynaptic spike: recorded, applied per synapse in synaptic-time order.
//!
//! # References
//!
//! Vogels et al. 2011, Science 334:1569; Auryn `SymmetricSTDPConnection`.

use crate::bounds::Bounds;
use crate::driver::{Engine, Kernel, Parts};
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use crate::trace::{Interaction, TraceSpec};
use synfire_graphs::{PlainState, PlasticityRule, Rate, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "istdp_vogels";

/// Entry point of the inhibitory STDP builder.
#[derive(Debug, Clone, Copy)]
pub struct Istdp;

impl Istdp {
    /// Vogels et al. 2011 with `tau = 20 ms`, `eta = 1e-4`, `rho_0 = 5 Hz`, `w >= 0`.
    pub fn vogels() -> Vogels {
        Vogels { tau: 20.0.ms(), eta: 1e-4, rho_0: 5.0.hz(), bounds: Bounds { min: 0.0, ..Bounds::NONE } }
    }
}

/// Parameters of the Vogels 2011 rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vogels {
    /// Trace time constant.
    pub tau: Time,
    /// Learning rate (weight unit).
    pub eta: f64,
    /// Target postsynaptic rate.
    pub rho_0: Rate,
    /// Bounds.
    pub bounds: Bounds,
}

impl Vogels {
    /// Sets the trace time constant.
    pub fn tau(mut self, t: Time) -> Self {
        self.tau = t;
        self
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the target rate.
    pub fn rho_0(mut self, r: Rate) -> Self {
        self.rho_0 = r;
        self
    }
    /// Sets the upper bound.
    pub fn w_max(mut self, w: f64) -> Self {
        self.bounds.max = w;
        self
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = Istdp::vogels();
        let mut r = Reader::new(spec);
        let p = Vogels { tau: r.time("tau", d.tau), eta: r.number("eta", d.eta), rho_0: r.rate("rho_0", d.rho_0), bounds: Bounds::read(&mut r, d.bounds) };
        r.result(p)
    }

    pub(crate) fn build(&self, info: &ProjectionInfo, engine: Engine, meta: Option<&crate::metaplastic::Meta>) -> Result<Box<dyn Plasticity>, RuleError> {
        let kernel = VogelsKernel { eta: info.weight_scale * self.eta, alpha: 2.0 * self.rho_0.0 * 1e-3 * self.tau.0 };
        let spec = TraceSpec::new(self.tau, info.dt, Interaction::AllToAll);
        let pre = [spec];
        let post = [spec];
        let bounds = crate::catalog::scale_bounds(self.bounds, info.weight_scale);
        crate::driver::build_meta(Parts { name: NAME, kernel, pre, post, stp: None }, bounds, meta, info, engine)
    }
}

impl PlasticityRule for Vogels {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME).quantity("tau", self.tau).number("eta", self.eta).quantity("rho_0", self.rho_0);
        self.bounds.write(w).done()
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.positive_time("tau", self.tau);
        c.finite("eta", self.eta);
        c.non_negative("rho_0", self.rho_0.0);
        self.bounds.check(&mut c, false);
        c.problems
    }
}

/// `eta` in the engine's weight unit; `alpha = 2 rho_0 tau` (dimensionless).
#[derive(Debug, Clone, Copy)]
struct VogelsKernel {
    eta: f64,
    alpha: f64,
}

impl Kernel<1, 1> for VogelsKernel {
    #[inline]
    fn pre(&self, _k: usize, _w: f32, _x: &[f64; 1], y: &[f64; 1]) -> f64 {
        self.eta * (y[0] - self.alpha)
    }
    #[inline]
    fn post(&self, _k: usize, _w: f32, x: &[f64; 1], _y: &[f64; 1]) -> f64 {
        self.eta * x[0]
    }
}

/// Parameters only: no columns (the traces belong to the engine).
impl PlainState for VogelsKernel {
    fn save(&self, _: &mut StateWriter) {}
    fn restore(&mut self, _: &mut StateReader<'_>) -> Result<(), StateError> {
        Ok(())
    }
}
