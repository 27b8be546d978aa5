//! Orchestrated plasticity (Zenke, Agnes & Gerstner 2015, spec 6.4): triplet LTP,
//! pair LTD, heterosynaptic and transmitter-induced plasticity, and a consolidation
//! variable on a slow clock; optionally Tsodyks–Markram short-term plasticity.
//!
//! # Dynamics
//!
//! Traces: presynaptic `z+` (`tau_plus`); postsynaptic `z-` (`tau_minus`) and `z_slow`
//! (`tau_slow`); jump 1, all-to-all.
//!
//! ```text
//! presynaptic spike:   w <- w - A z-(t) + delta
//! postsynaptic spike:  w <- w + A z+ z_slow - beta (w - w~) (z-)^3     (postsynaptic traces just before the spike)
//! clip to [w_min, w_max] after each
//! clock (period h):    w~ <- w~ + (h / tau_cons) [ (w - w~) + P (w_a - w~)(w_b - w~)(w_P - w~) ] ,  w_b = (w_a + w_P)/2
//! ```
//!
//! The heterosynaptic term reaches every input of the spiking neuron; here it is applied
//! to each synapse, in synaptic-time order, like every postsynaptic event (crate docs),
//! so no transposed index is needed. The consolidation step is forward Euler, as in the
//! authors' code (their step is `tau_cons / 1000`).
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `a` | weight | 1e-3 | learning rate `A` (the code's `eta`) |
//! | `tau_plus`, `tau_minus`, `tau_slow` | ms | 20, 20, 100 | trace time constants |
//! | `beta` | 1 | 0.05 | heterosynaptic strength |
//! | `delta` | weight | 2e-5 | transmitter-induced step |
//! | `tau_cons` | ms | 1.2e6 | consolidation time constant |
//! | `period` | ms | `tau_cons / 1000` | consolidation clock period |
//! | `p` | 1/weight² | 20 | strength of the bistable cubic |
//! | `w_p`, `w_a` | weight | 0.5, 0 | upper and lower stable points of `w~` |
//! | `w_cons_init` | weight | `w_a` | `w~` at time 0 |
//! | `w_min`, `w_max` | weight | 0, 5 | bounds of `w` |
//! | `stp` | 0/1 | 0 | Tsodyks–Markram efficacy with `stp_u`, `stp_tau_d`, `stp_tau_f` (0.2, 200 ms, 200 ms) |
//!
//! # State
//!
//! Per synapse `w~` (f32, 4 bytes). Per source `z+` and the last spike tick (16 bytes),
//! plus 24 bytes with STP. Per target the recent spikes with `z-, z_slow` (40 bytes each).
//!
//! # Events
//!
//! Presynaptic spike: pending postsynaptic events of the row, then LTD and `delta`;
//! returns the STP efficacy. Postsynaptic spike: recorded, applied per synapse in
//! synaptic-time order. Clock: consolidation of every synapse after bringing all
//! synapses up to the clock tick.
//!
//! # References
//!
//! Zenke, Agnes & Gerstner 2015, Nat. Commun. 6:6922; code fzenke/pub2015orchestrated
//! (`P10Connection`).

use crate::bounds::Bounds;
use crate::driver::{Engine, Kernel, Parts};
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use crate::stp::{StpParams, StpState};
use crate::synapses::Synapses;
use crate::trace::{Interaction, ReadPost, TraceSpec};
use synfire_graphs::{Axis, PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "orchestrated";

const STP_NAMES: [&str; 3] = ["stp_u", "stp_tau_d", "stp_tau_f"];

/// Parameters of orchestrated plasticity. Build with [`Orchestrated::zenke2015`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Orchestrated {
    /// Learning rate `A`.
    pub a: f64,
    /// Presynaptic trace time constant.
    pub tau_plus: Time,
    /// Fast postsynaptic trace time constant.
    pub tau_minus: Time,
    /// Slow postsynaptic trace time constant.
    pub tau_slow: Time,
    /// Heterosynaptic strength.
    pub beta: f64,
    /// Transmitter-induced step.
    pub delta: f64,
    /// Consolidation time constant.
    pub tau_cons: Time,
    /// Consolidation clock period (`None`: `tau_cons / 1000`).
    pub period: Option<Time>,
    /// Strength of the cubic.
    pub p: f64,
    /// Upper stable point.
    pub w_p: f64,
    /// Lower stable point.
    pub w_a: f64,
    /// Initial `w~` (`None`: `w_a`).
    pub w_cons_init: Option<f64>,
    /// Bounds of `w`.
    pub bounds: Bounds,
    /// Short-term plasticity of the efficacy.
    pub stp: Option<StpParams>,
}

impl Orchestrated {
    /// The defaults of the authors' code (connection class: `P = 20`).
    pub fn zenke2015() -> Orchestrated {
        Orchestrated {
            a: 1e-3,
            tau_plus: 20.0.ms(),
            tau_minus: 20.0.ms(),
            tau_slow: 100.0.ms(),
            beta: 0.05,
            delta: 2e-5,
            tau_cons: 1200.0.s(),
            period: None,
            p: 20.0,
            w_p: 0.5,
            w_a: 0.0,
            w_cons_init: None,
            bounds: Bounds::hard(0.0..=5.0),
            stp: None,
        }
    }
    /// Sets the learning rate `A`.
    pub fn a(mut self, a: f64) -> Self {
        self.a = a;
        self
    }
    /// Sets the heterosynaptic strength.
    pub fn beta(mut self, b: f64) -> Self {
        self.beta = b;
        self
    }
    /// Sets the transmitter-induced step.
    pub fn delta(mut self, d: f64) -> Self {
        self.delta = d;
        self
    }
    /// Sets the three trace time constants.
    pub fn taus(mut self, plus: Time, minus: Time, slow: Time) -> Self {
        (self.tau_plus, self.tau_minus, self.tau_slow) = (plus, minus, slow);
        self
    }
    /// Sets the consolidation time constant.
    pub fn tau_cons(mut self, t: Time) -> Self {
        self.tau_cons = t;
        self
    }
    /// Sets the consolidation clock period.
    pub fn period(mut self, t: Time) -> Self {
        self.period = Some(t);
        self
    }
    /// Sets the cubic: strength `p`, stable points `w_a` and `w_p`.
    pub fn cubic(mut self, p: f64, w_a: f64, w_p: f64) -> Self {
        (self.p, self.w_a, self.w_p) = (p, w_a, w_p);
        self
    }
    /// Sets `w~` at time 0.
    pub fn w_cons_init(mut self, w: f64) -> Self {
        self.w_cons_init = Some(w);
        self
    }
    /// Sets hard bounds of `w`.
    pub fn bounds(mut self, range: std::ops::RangeInclusive<f64>) -> Self {
        self.bounds = Bounds::hard(range);
        self
    }
    /// Adds short-term plasticity of the efficacy.
    pub fn stp(mut self, stp: StpParams) -> Self {
        self.stp = Some(stp);
        self
    }

    fn period_or_default(&self) -> Time {
        self.period.unwrap_or(Time(self.tau_cons.0 / 1000.0))
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = Orchestrated::zenke2015();
        let mut r = Reader::new(spec);
        let mut p = Orchestrated {
            a: r.number("a", d.a),
            tau_plus: r.time("tau_plus", d.tau_plus),
            tau_minus: r.time("tau_minus", d.tau_minus),
            tau_slow: r.time("tau_slow", d.tau_slow),
            beta: r.number("beta", d.beta),
            delta: r.number("delta", d.delta),
            tau_cons: r.time("tau_cons", d.tau_cons),
            period: r.opt_time("period"),
            p: r.number("p", d.p),
            w_p: r.number("w_p", d.w_p),
            w_a: r.number("w_a", d.w_a),
            w_cons_init: r.opt_number("w_cons_init"),
            bounds: Bounds::read(&mut r, d.bounds),
            stp: None,
        };
        let stp = StpParams::read_prefixed(&mut r, STP_NAMES);
        if r.flag("stp", false) {
            p.stp = Some(stp);
        }
        r.result(p)
    }

    pub(crate) fn build(&self, info: &ProjectionInfo, engine: Engine) -> Result<Box<dyn Plasticity>, RuleError> {
        let s = info.weight_scale;
        let period = self.period_or_default().to_ticks(info.dt).max(1);
        let w_a = s * self.w_a;
        let w_p = s * self.w_p;
        let kernel = OrchestratedKernel {
            a: s * self.a,
            delta: s * self.delta,
            beta: self.beta,
            p: self.p / (s * s),
            w_a,
            w_b: 0.5 * (w_a + w_p),
            w_p,
            gain: period as f64 * info.dt.0 / self.tau_cons.0,
            period,
            w_cons: vec![(s * self.w_cons_init.unwrap_or(self.w_a)) as f32; info.n_synapses],
            sign: if info.negative { -1.0 } else { 1.0 },
        };
        let dt = info.dt;
        let pre = [TraceSpec::new(self.tau_plus, dt, Interaction::AllToAll)];
        let post = [TraceSpec::new(self.tau_minus, dt, Interaction::AllToAll), TraceSpec::new(self.tau_slow, dt, Interaction::AllToAll)];
        let bounds = crate::catalog::scale_bounds(self.bounds, s);
        let stp = self.stp.map(|p| StpState::new(&p, dt, info.n_sources));
        Ok(crate::driver::build(Parts { name: NAME, kernel, pre, post, stp }, bounds, info, engine))
    }
}

impl PlasticityRule for Orchestrated {
    fn to_spec(&self) -> RuleSpec {
        let mut w = Writer::new(NAME)
            .number("a", self.a)
            .quantity("tau_plus", self.tau_plus)
            .quantity("tau_minus", self.tau_minus)
            .quantity("tau_slow", self.tau_slow)
            .number("beta", self.beta)
            .number("delta", self.delta)
            .quantity("tau_cons", self.tau_cons)
            .quantity("period", self.period_or_default())
            .number("p", self.p)
            .number("w_p", self.w_p)
            .number("w_a", self.w_a)
            .opt_number("w_cons_init", self.w_cons_init)
            .flag("stp", self.stp.is_some());
        if let Some(stp) = &self.stp {
            w = stp.write_prefixed(w, STP_NAMES);
        }
        self.bounds.write(w).done()
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        for (n, t) in [("tau_plus", self.tau_plus), ("tau_minus", self.tau_minus), ("tau_slow", self.tau_slow), ("tau_cons", self.tau_cons)] {
            c.positive_time(n, t);
        }
        c.positive_time("period", self.period_or_default());
        for (n, x) in [("a", self.a), ("beta", self.beta), ("delta", self.delta), ("p", self.p), ("w_p", self.w_p), ("w_a", self.w_a)] {
            c.finite(n, x);
        }
        if let Some(w) = self.w_cons_init {
            c.finite("w_cons_init", w);
        }
        if self.w_p <= self.w_a {
            c.push(crate::error::problem("w_p", format!("{} must be above w_a = {}", self.w_p, self.w_a)));
        }
        if let Some(stp) = &self.stp {
            stp.check_prefixed(&mut c, STP_NAMES);
        }
        self.bounds.check(&mut c, false);
        c.problems
    }
}

impl Default for Orchestrated {
    fn default() -> Self {
        Orchestrated::zenke2015()
    }
}

/// Parameters in the engine's weight unit and the per-synapse `w~`.
#[derive(Debug, Clone)]
struct OrchestratedKernel {
    a: f64,
    delta: f64,
    beta: f64,
    p: f64,
    w_a: f64,
    w_b: f64,
    w_p: f64,
    /// `h / tau_cons`.
    gain: f64,
    period: u64,
    w_cons: Vec<f32>,
    /// -1 when the engine stores the weights negated.
    sign: f32,
}

impl Kernel<1, 2> for OrchestratedKernel {
    #[inline]
    fn pre(&self, _k: usize, _w: f32, _zp: &[f64; 1], post: &[f64; 2]) -> f64 {
        -self.a * post[0] + self.delta
    }

    #[inline]
    fn post(&self, k: usize, w: f32, zp: &[f64; 1], post: &[f64; 2]) -> f64 {
        let z_minus = post[0];
        let hetero = self.beta * (f64::from(w) - f64::from(self.w_cons[k])) * z_minus * z_minus * z_minus;
        self.a * zp[0] * post[1] - hetero
    }

    fn clock_period(&self) -> Option<u64> {
        Some(self.period)
    }

    fn clock(&mut self, _t: u64, syn: &mut Synapses<'_>, _post: &dyn ReadPost<2>) {
        for (wc, &w) in self.w_cons.iter_mut().zip(syn.weights.iter()) {
            let (c, w) = (f64::from(*wc), f64::from(self.sign * w));
            let cubic = self.p * (self.w_a - c) * (self.w_b - c) * (self.w_p - c);
            *wc = (c + self.gain * ((w - c) + cubic)) as f32;
        }
    }

    fn bytes_per_synapse(&self) -> usize {
        4
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        (name == "w_cons").then_some(&self.w_cons[..])
    }

    fn memory_bytes(&self) -> usize {
        self.w_cons.len() * 4
    }
}

/// Column `w_cons` ([`Axis::Synapse`], f32): `w~` of every synapse.
impl PlainState for OrchestratedKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("w_cons", Axis::Synapse, &self.w_cons);
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        r.f32_into("w_cons", &mut self.w_cons)
    }
}
