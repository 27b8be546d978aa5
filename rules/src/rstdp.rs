//! Reward-modulated STDP (Izhikevich 2007): pair STDP writes an eligibility trace per
//! synapse, and a scalar modulator (dopamine, reward) turns eligibility into weight.
//!
//! # Dynamics
//!
//! In continuous time, per synapse: `dc/dt = -c/tau_c + STDP(Δt) δ(t - t_pre/post)`
//! and `dw/dt = c m(t)`, with `m` the third factor of slot 0 (input `"modulator"`).
//! `c` is in the projection's weight unit and `m` in 1/s, so a modulator held at `m`
//! for a second moves the weight by about `c m` (e.g. `m` = dopamine level times a
//! learning rate). The STDP increments are those of pair STDP ([`crate::stdp_pair`]),
//! in synaptic time (crate docs): presynaptic trace `x_j` (`tau_plus`), postsynaptic
//! trace `y_i` (`tau_minus`), jump 1, all-to-all or nearest-spike.
//!
//! Discretely, with `h = dt` in seconds and `λ^n = e^{-n dt/tau_c}` (tabulated), the
//! rule computes, for every synapse `j -> i` with delay `d` and every tick `s` in order:
//!
//! ```text
//! (a) events of tick s, post before pre:
//!     post spike of i at s - d:  c <- c + A_+ x_j(s)    x_j counts pre spikes before s
//!     pre spike of j at s:       c <- c - A_- y_i(s)    y_i counts posts with t + d < s
//! (b) weight:                    δ = (h m(s)) c(s);  if δ != 0 { w <- clip(w + δ) }
//! (c) decay to the next tick:    c(s + 1) = λ c(s)
//! ```
//!
//! so the pair potentiates `c` by `A_+ e^{-Δt/tau_plus}` for `Δt = (t_post + d) -
//! t_pre > 0`, depresses it by `A_- e^{Δt/tau_minus}` for `Δt < 0`, and a coincident
//! pair (`Δt = 0`) adds nothing. A pre spike emitted at `t` transmits `w(t)`: the
//! weight after steps (b) of every tick before `t`. Weights are clipped to `[w_min,
//! w_max]` at every tick that changes them (`δ != 0`; magnitudes on a projection
//! stored negated); a tick with `m = 0` or `c = 0` leaves `w` untouched. `w` is kept in f64 (a tick's change is often far below an f32
//! ulp of the weight); the engine's f32 weight is its rounding.
//!
//! `c` is stored as its value just after the synapse's last event and that event's
//! tick, `c(s) = c_last λ^{s - t_last}`; `w` is the result of steps (b) in tick order.
//! Both are therefore functions of the events and of `m` alone, never of when the
//! engine calls the rule: catching a synapse up in one call or in several performs
//! the same floating-point operations.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `tau_plus`, `tau_minus` | ms | 20, 20 | STDP trace time constants |
//! | `a_plus`, `a_minus` | weight | 1, 1.5 | eligibility jumps `A_+`, `A_-` (absolute) |
//! | `tau_c` | ms | 1000 | eligibility time constant |
//! | `w_min`, `w_max` | weight | 0, 4 | hard bounds (`inf` for none) |
//! | `nearest` | 0/1 | 0 | nearest-spike traces instead of all-to-all |
//! | input `modulator` | node | (required) | the scalar modulator node read as `m` (`.modulator("reward")`) |
//!
//! Defaults are the paper's (weights in mV there). Its simulation code, like
//! Izhikevich's `spnet`, sets the STDP traces to a constant at each spike rather than
//! adding to them: that is `.nearest()`.
//!
//! # State
//!
//! Per synapse `w` (f64), `c` (f64) and the tick of its last event: 24 bytes. Wrapped
//! by a metaplastic wrapper (`RewardStdp::izhikevich2007().metaplastic(1.0)`; in a
//! file `rule = { name = "meta_hidden", m = 1, base = { name = "rstdp" }, inputs = {
//! modulator = "reward" } }`), `c` and its tick stay, and the wrapper's own state
//! takes the place of `w`: each rewarded tick's change `h m c` is the update the
//! wrapper applies (its clocks run between rows, as on every engine). Per
//! source `x_j`, its last spike and the tick up to which its row is integrated (24
//! bytes); per target the recent spikes with `y` around each (as pair STDP). Per
//! projection the ticks with `m != 0` since the oldest row's position (16 bytes each,
//! at most about 100 ms of them).
//!
//! # Events
//!
//! - `on_tick(t)` reads `m(t)` from `ctx.third.scalar(0, Tick(t))` (`None` reads as
//!   0; the catalogue refuses a spec whose input is not bound) and records it; nothing
//!   else happens per tick, and no other call reads the context. The rule needs
//!   `on_tick(t)` before any `on_pre` with `t_pre > t` (the engine contract) and, for
//!   weights exact at `settle(now)`, before `advance`/`settle` with `now > t` (the
//!   engine integrates a window before delivering it). Ticks never announced count as
//!   `m = 0`; a settle is never integrated past the last announced tick.
//! - `on_pre(j, t)`: the row of `j` is integrated up to tick `t` (post events of ticks
//!   before `t` included), then the events of tick `t` (post, then this pre) are added
//!   to `c`; returns efficacy 1, the row holding `w(t)`.
//! - `on_post(i, t)`: recorded; it acts on each synapse at `t + d`, when that synapse
//!   is integrated past it.
//! - `settle(now)`: every row is integrated up to `now` (steps (b) of ticks before
//!   `now`). `advance(now)` does the same every 100 ms of model time, which bounds the
//!   modulator record and the spike histories; neither changes results.
//!
//! # References
//!
//! Izhikevich 2007, Cereb. Cortex 17:2443 ("Solving the distal reward problem through
//! linkage of STDP and dopamine signaling"); Frémaux & Gerstner 2016, Front. Neural
//! Circuits 9:85 (three-factor rules).

mod engine;
mod weight;

use crate::bounds::Bounds;
use crate::driver::Update;
use crate::error::RuleError;
use crate::history::PostHistory;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::synapses::{Context, Synapses};
use crate::trace::{DecayTable, Interaction, PreTraces, TraceSpec};
use engine::{Elig, RstdpEngine};
use std::ops::RangeInclusive;
use synfire_graphs::{PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Tick, Time, UnitExt};
use weight::F64Weight;

/// Catalogue name.
pub const NAME: &str = "rstdp";

/// The rule's one input, slot 0 of its third factors.
pub(crate) const INPUT: &str = "modulator";

/// Rows are integrated and memory pruned at least this often (model time).
const MAINTENANCE: Time = Time(100.0);

/// Parameters of reward-modulated STDP. Build with [`RewardStdp::izhikevich2007`].
#[derive(Debug, Clone, PartialEq)]
pub struct RewardStdp {
    /// Presynaptic trace time constant.
    pub tau_plus: Time,
    /// Postsynaptic trace time constant.
    pub tau_minus: Time,
    /// Eligibility jump of a causal pair at `Δt = 0+` (weight unit).
    pub a_plus: f64,
    /// Eligibility drop of an acausal pair at `Δt = 0-` (weight unit).
    pub a_minus: f64,
    /// Eligibility time constant.
    pub tau_c: Time,
    /// Hard bounds (`mu_plus = mu_minus = 0`).
    pub bounds: Bounds,
    /// All-to-all or nearest-spike traces.
    pub interaction: Interaction,
    /// The scalar modulator node bound to the rule's input `"modulator"` (required).
    pub modulator: Option<String>,
}

impl RewardStdp {
    /// Izhikevich 2007: `tau_± = 20 ms`, `A_+ = 1`, `A_- = 1.5`, `tau_c = 1 s`, `w` in `[0, 4]`.
    pub fn izhikevich2007() -> RewardStdp {
        RewardStdp {
            tau_plus: 20.0.ms(),
            tau_minus: 20.0.ms(),
            a_plus: 1.0,
            a_minus: 1.5,
            tau_c: 1.0.s(),
            bounds: Bounds::hard(0.0..=4.0),
            interaction: Interaction::AllToAll,
            modulator: None,
        }
    }
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
    /// Sets the potentiation jump of `c` (weight unit).
    pub fn a_plus(mut self, a: f64) -> Self {
        self.a_plus = a;
        self
    }
    /// Sets the depression jump of `c` (weight unit).
    pub fn a_minus(mut self, a: f64) -> Self {
        self.a_minus = a;
        self
    }
    /// Sets the eligibility time constant.
    pub fn tau_c(mut self, t: Time) -> Self {
        self.tau_c = t;
        self
    }
    /// Sets the bounds `w_min..=w_max`.
    pub fn bounds(mut self, range: RangeInclusive<f64>) -> Self {
        self.bounds = Bounds::hard(range);
        self
    }
    /// Binds the input `"modulator"` to the scalar modulator node `node` (see
    /// `Network::modulator`).
    pub fn modulator(mut self, node: &str) -> Self {
        self.modulator = Some(node.to_string());
        self
    }
    /// Nearest-spike traces.
    pub fn nearest(mut self) -> Self {
        self.interaction = Interaction::Nearest;
        self
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = RewardStdp::izhikevich2007();
        let mut r = Reader::new(spec);
        let p = RewardStdp {
            tau_plus: r.time("tau_plus", d.tau_plus),
            tau_minus: r.time("tau_minus", d.tau_minus),
            a_plus: r.number("a_plus", d.a_plus),
            a_minus: r.number("a_minus", d.a_minus),
            tau_c: r.time("tau_c", d.tau_c),
            bounds: Bounds::read_hard(&mut r, d.bounds),
            interaction: r.interaction(),
            modulator: spec.inputs.get(INPUT).cloned(),
        };
        r.result(p)
    }

    /// The running rule for one projection in one shard (parameters checked first).
    pub fn build(&self, info: &ProjectionInfo) -> Result<RstdpRule, RuleError> {
        let bounds = crate::catalog::scale_bounds(self.bounds, info.weight_scale);
        Ok(RstdpRule(self.engine(info, F64Weight::new(bounds.min, bounds.max, info.n_synapses), &[INPUT])?))
    }

    /// The engine with `update` applying the changes, reading `inputs`.
    fn engine<U: Update>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<RstdpEngine<U>, RuleError> {
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: NAME.into(), problems });
        }
        let maint_every = (MAINTENANCE.0 / info.dt.0).ceil().max(1.0) as u64;
        Ok(RstdpEngine {
            name: NAME,
            a_plus: self.a_plus * info.weight_scale,
            a_minus: self.a_minus * info.weight_scale,
            h: info.dt.0 * 1e-3,
            sign: if info.negative { -1.0 } else { 1.0 },
            decay: DecayTable::new(&TraceSpec::new(self.tau_c, info.dt, Interaction::AllToAll)),
            d_max: u64::from(info.delay.max()),
            pre: PreTraces::new([TraceSpec::new(self.tau_plus, info.dt, self.interaction)], info.n_sources),
            post: PostHistory::new([TraceSpec::new(self.tau_minus, info.dt, self.interaction)], info.n_targets),
            syn: vec![Elig::default(); info.n_synapses],
            update,
            inputs,
            pos: vec![0; info.n_sources],
            log: Vec::new(),
            ticked: 0,
            maint_every,
            next_maint: maint_every,
            floor: 0,
        })
    }
}

impl PlasticityRule for RewardStdp {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME)
            .quantity("tau_plus", self.tau_plus)
            .quantity("tau_minus", self.tau_minus)
            .number("a_plus", self.a_plus)
            .number("a_minus", self.a_minus)
            .quantity("tau_c", self.tau_c)
            .flag("nearest", self.interaction == Interaction::Nearest);
        let mut spec = self.bounds.write(w).done();
        if let Some(node) = &self.modulator {
            spec.inputs.insert(INPUT.into(), node.clone());
        }
        spec
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.positive_time("tau_plus", self.tau_plus);
        c.positive_time("tau_minus", self.tau_minus);
        c.finite("a_plus", self.a_plus);
        c.finite("a_minus", self.a_minus);
        c.positive_time("tau_c", self.tau_c);
        self.bounds.check(&mut c, false);
        if self.modulator.is_none() {
            let why = "reward-modulated STDP needs its input `modulator` bound to a scalar modulator node (`.modulator(\"reward\")`, or [rule.inputs] in a scenario file); unbound it would never learn";
            c.push(crate::error::problem(&format!("inputs.{INPUT}"), why));
        }
        c.problems
    }
}

impl crate::metaplastic::OwnEngine for RewardStdp {
    fn name(&self) -> &'static str {
        NAME
    }
    fn inputs(&self) -> [&'static [&'static str]; 2] {
        [&[INPUT], &[INPUT, crate::metaplastic::si::INPUT]]
    }
    fn bounds(&self) -> Bounds {
        self.bounds
    }
    fn engine_with<U: Update + 'static>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<Box<dyn Plasticity>, RuleError> {
        Ok(Box::new(self.engine(info, update, inputs)?))
    }
}

/// The running rule (the plain form: f64 weights with hard bounds). Its state's
/// columns are [`RstdpEngine`]'s.
#[derive(Debug, Clone)]
pub struct RstdpRule(RstdpEngine<F64Weight>);

impl PlainState for RstdpRule {
    fn save(&self, out: &mut StateWriter) {
        self.0.save(out);
    }
    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        self.0.restore(r)
    }
}

impl Plasticity for RstdpRule {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn needs(&self) -> Needs {
        self.0.needs()
    }
    fn inputs(&self) -> &'static [&'static str] {
        self.0.inputs()
    }
    fn on_post(&mut self, target: u32, t: Tick) {
        self.0.on_post(target, t);
    }
    fn on_tick(&mut self, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.0.on_tick(t, syn, ctx);
    }
    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.0.on_pre(source, t, syn, ctx)
    }
    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.0.advance(now, syn, ctx);
    }
    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.0.settle(now, syn, ctx);
    }
    fn bytes_per_synapse(&self) -> usize {
        self.0.bytes_per_synapse()
    }
    fn memory_bytes(&self) -> usize {
        self.0.memory_bytes()
    }
}
