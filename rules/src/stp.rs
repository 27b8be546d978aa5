//! Tsodyks–Markram short-term plasticity (spec 6.5).
//!
//! # Dynamics
//!
//! Per presynaptic neuron: resources `x` (rest 1) and utilisation `u` (rest `U`).
//! Between spikes `dx/dt = (1 - x)/tau_d`, `du/dt = (U - u)/tau_f`, integrated exactly:
//! `x <- 1 - (1 - x) e^{-h/tau_d}`, `u <- U + (u - U) e^{-h/tau_f}`.
//! At a spike the efficacy is `u x` (values before the spike's update), then
//! `x <- x - u x`, `u <- u + U (1 - u)` (the `x` update uses the old `u`; Auryn order).
//! At a regular rate with interval `h` the map has the fixed point
//! `u* = U / (1 - (1 - U) e^{-h/tau_f})`, `x* = (1 - e^{-h/tau_d}) / (1 - (1 - u*) e^{-h/tau_d})`.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `u` | 1 | 0.2 | utilisation at rest and jump `U`, in (0, 1] |
//! | `tau_d` | ms | 200 | recovery of resources |
//! | `tau_f` | ms | 200 | relaxation of utilisation (facilitation) |
//!
//! # State
//!
//! Per source neuron: `x`, `u` (f64) and the tick of its last spike: 24 bytes per
//! source, 0 per synapse. The weights are not changed.
//!
//! # Events
//!
//! Presynaptic spike: returns the efficacy `u x`; the engine transmits `w u x`.
//!
//! # References
//!
//! Tsodyks & Markram 1997, PNAS 94:719; Tsodyks, Pawelzik & Markram 1998, Neural
//! Comput. 10:821; as used in Zenke, Agnes & Gerstner 2015 (Auryn `P10Connection`).

use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::synapses::{Context, Synapses};
use synfire_graphs::{Axis, PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Tick, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "stp_tm";

/// Parameters of Tsodyks–Markram short-term plasticity. Build with [`Stp::tsodyks_markram`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StpParams {
    /// Utilisation at rest and its jump `U`.
    pub u: f64,
    /// Recovery time constant of resources.
    pub tau_d: Time,
    /// Relaxation time constant of utilisation.
    pub tau_f: Time,
}

/// Entry point of the short-term plasticity builders.
#[derive(Debug, Clone, Copy)]
pub struct Stp;

impl Stp {
    /// Tsodyks–Markram with `U = 0.2`, `tau_d = tau_f = 200 ms`.
    pub fn tsodyks_markram() -> StpParams {
        StpParams { u: 0.2, tau_d: 200.0.ms(), tau_f: 200.0.ms() }
    }
}

impl StpParams {
    /// Sets `U`.
    pub fn u(mut self, u: f64) -> Self {
        self.u = u;
        self
    }
    /// Sets the recovery time constant.
    pub fn tau_d(mut self, t: Time) -> Self {
        self.tau_d = t;
        self
    }
    /// Sets the facilitation time constant.
    pub fn tau_f(mut self, t: Time) -> Self {
        self.tau_f = t;
        self
    }

    /// Reads the parameters under names with `prefix` (empty for the rule itself).
    pub(crate) fn read_prefixed(r: &mut Reader<'_>, names: [&'static str; 3]) -> StpParams {
        let d = Stp::tsodyks_markram();
        StpParams { u: r.number(names[0], d.u), tau_d: r.time(names[1], d.tau_d), tau_f: r.time(names[2], d.tau_f) }
    }

    pub(crate) fn write_prefixed(&self, w: Writer, names: [&'static str; 3]) -> Writer {
        w.number(names[0], self.u).quantity(names[1], self.tau_d).quantity(names[2], self.tau_f)
    }

    pub(crate) fn check_prefixed(&self, c: &mut Checks, names: [&'static str; 3]) {
        if !(self.u > 0.0 && self.u <= 1.0) {
            c.push(crate::error::problem(names[0], format!("{} must be in (0, 1]", self.u)));
        }
        c.positive_time(names[1], self.tau_d);
        c.positive_time(names[2], self.tau_f);
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let mut r = Reader::new(spec);
        let p = Self::read_prefixed(&mut r, NAMES);
        r.result(p)
    }
}

const NAMES: [&str; 3] = ["u", "tau_d", "tau_f"];

impl PlasticityRule for StpParams {
    fn to_spec(&self) -> RuleSpec {
        self.write_prefixed(Writer::new(NAME), NAMES).done()
    }
    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        self.check_prefixed(&mut c, NAMES);
        c.problems
    }
}

/// Short-term state of every source neuron.
#[derive(Debug, Clone)]
pub struct StpState {
    u0: f64,
    tau_d: f64,
    tau_f: f64,
    x: Vec<f64>,
    u: Vec<f64>,
    last: Vec<u64>,
}

impl StpState {
    /// Every source at rest.
    pub fn new(p: &StpParams, dt: Time, n_sources: usize) -> Self {
        StpState {
            u0: p.u,
            tau_d: p.tau_d.0 / dt.0,
            tau_f: p.tau_f.0 / dt.0,
            x: vec![1.0; n_sources],
            u: vec![p.u; n_sources],
            last: vec![u64::MAX; n_sources],
        }
    }

    /// A spike of source `j` at tick `t`: the efficacy `u x` before the update.
    #[inline]
    pub fn spike(&mut self, j: usize, t: u64) -> f64 {
        let (mut x, mut u) = (self.x[j], self.u[j]);
        if self.last[j] != u64::MAX {
            let h = t.saturating_sub(self.last[j]) as f64;
            x = 1.0 - (1.0 - x) * (-h / self.tau_d).exp();
            u = self.u0 + (u - self.u0) * (-h / self.tau_f).exp();
        }
        let efficacy = u * x;
        self.x[j] = x - u * x;
        self.u[j] = u + self.u0 * (1.0 - u);
        self.last[j] = t;
        efficacy
    }
}

/// Columns `x`, `u` (f64) and `last` (tick of the last spike, `u64::MAX` before the
/// first), one row per source ([`Axis::Source`]). A source's row changes only at its
/// own spikes ([`StpState::spike`] from `on_pre`), so it is the same in every shard
/// where the source has synapses.
impl PlainState for StpState {
    fn save(&self, out: &mut StateWriter) {
        out.f64("x", Axis::Source, &self.x);
        out.f64("u", Axis::Source, &self.u);
        out.u64("last", Axis::Source, &self.last);
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.last.len();
        let (mut x, mut u, mut last) = (vec![0.0; n], vec![0.0; n], vec![0; n]);
        r.f64_into("x", &mut x)?;
        r.f64_into("u", &mut u)?;
        r.u64_into("last", &mut last)?;
        (self.x, self.u, self.last) = (x, u, last);
        Ok(())
    }
}

/// The standalone rule: static weights, efficacy modulated per presynaptic spike.
#[derive(Debug, Clone)]
pub struct StpRule {
    state: StpState,
}

impl StpRule {
    pub(crate) fn build(spec: &RuleSpec, info: &ProjectionInfo) -> Result<Self, RuleError> {
        let p = StpParams::from_spec(spec).map_err(|problems| RuleError::Invalid { rule: NAME.into(), problems })?;
        let problems = p.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: NAME.into(), problems });
        }
        Ok(StpRule { state: StpState::new(&p, info.dt, info.n_sources) })
    }
}

/// The state under `stp.` ([`StpState`]); nothing else changes.
impl PlainState for StpRule {
    fn save(&self, out: &mut StateWriter) {
        out.group("stp", |w| self.state.save(w));
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        r.group("stp", |r| self.state.restore(r))
    }
}

impl Plasticity for StpRule {
    fn name(&self) -> &str {
        NAME
    }
    fn needs(&self) -> Needs {
        Needs { efficacy: true, ..Needs::default() }
    }
    /// Short-term plasticity changes no weight and learns nothing that lasts: its
    /// resources and utilisation are the synapse's dynamics, which run on while
    /// learning is off.
    fn can_switch_learning(&self, _at: Tick, _on: bool) -> Result<(), String> {
        Ok(())
    }
    fn on_post(&mut self, _: u32, _: Tick) {}
    fn on_pre(&mut self, source: u32, t: Tick, _: &mut Synapses<'_>, _: &Context<'_>) -> f32 {
        self.state.spike(source as usize, t.0) as f32
    }
    fn advance(&mut self, _: Tick, _: &mut Synapses<'_>, _: &Context<'_>) {}
    fn settle(&mut self, _: Tick, _: &mut Synapses<'_>, _: &Context<'_>) {}
    fn bytes_per_synapse(&self) -> usize {
        0
    }
    fn memory_bytes(&self) -> usize {
        self.state.last.len() * 24
    }
}
