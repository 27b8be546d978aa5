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
//! Per synapse `w` (f64), `c` (f64) and the tick of its last event: 24 bytes. Per
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

use crate::bounds::Bounds;
use crate::error::RuleError;
use crate::history::PostHistory;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::synapses::{Context, Synapses};
use crate::trace::{DecayTable, Interaction, PreTraces, TraceSpec};
use std::ops::RangeInclusive;
use synfire_graphs::{Axis, PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Tick, Time, UnitExt, Values};

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
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: NAME.into(), problems });
        }
        Ok(RstdpRule::new(self, info))
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

/// One synapse: weight (magnitude, f64), eligibility just after its last event, and
/// that event's tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Elig {
    w: f64,
    c: f64,
    t: u64,
}

/// The running rule. Row positions count half ticks: `pos[j] = 2 s` means the row of
/// `j` has done every step of the ticks before `s`; `2 s + 1`, also step (a) of `s`
/// (after a pre spike at `s`).
#[derive(Debug, Clone)]
pub struct RstdpRule {
    a_plus: f64,
    a_minus: f64,
    /// `dt` in seconds.
    h: f64,
    min: f64,
    max: f64,
    sign: f64,
    decay: DecayTable,
    d_max: u64,
    pre: PreTraces<1>,
    post: PostHistory<1>,
    syn: Vec<Elig>,
    pos: Vec<u64>,
    /// `(s, h m(s))` for the ticks with `m(s) != 0`, from the oldest row position on.
    log: Vec<(u64, f64)>,
    /// The weights have been read into `syn` (at the first call that passes them).
    ready: bool,
    /// One past the last tick announced by `on_tick`; 0 before the first.
    ticked: u64,
    maint_every: u64,
    next_maint: u64,
    /// No post spike or modulator value before this tick may arrive any more (checks).
    floor: u64,
}

impl RstdpRule {
    fn new(p: &RewardStdp, info: &ProjectionInfo) -> Self {
        let bounds = crate::catalog::scale_bounds(p.bounds, info.weight_scale);
        let maint_every = (MAINTENANCE.0 / info.dt.0).ceil().max(1.0) as u64;
        RstdpRule {
            a_plus: p.a_plus * info.weight_scale,
            a_minus: p.a_minus * info.weight_scale,
            h: info.dt.0 * 1e-3,
            min: bounds.min,
            max: bounds.max,
            sign: if info.negative { -1.0 } else { 1.0 },
            decay: DecayTable::new(&TraceSpec::new(p.tau_c, info.dt, Interaction::AllToAll)),
            d_max: u64::from(info.delay.max()),
            pre: PreTraces::new([TraceSpec::new(p.tau_plus, info.dt, p.interaction)], info.n_sources),
            post: PostHistory::new([TraceSpec::new(p.tau_minus, info.dt, p.interaction)], info.n_targets),
            syn: vec![Elig::default(); info.n_synapses],
            pos: vec![0; info.n_sources],
            log: Vec::new(),
            ready: false,
            ticked: 0,
            maint_every,
            next_maint: maint_every,
            floor: 0,
        }
    }

    /// Reads the engine's initial weights, once; the rule writes them from then on.
    fn init(&mut self, syn: &Synapses<'_>) {
        debug_assert_eq!(syn.weights.len(), self.syn.len(), "Synapses has another number of synapses than the rule was built for");
        debug_assert_eq!(syn.n_sources(), self.pos.len(), "Synapses has another number of sources than the rule was built for");
        if !self.ready {
            for (e, &w) in self.syn.iter_mut().zip(syn.weights.iter()) {
                *e = Elig { w: self.sign * f64::from(w), c: 0.0, t: 0 };
            }
            self.ready = true;
        }
    }

    /// The last tick `settle`/`advance` may integrate to: `now`, unless the modulator
    /// of earlier ticks is not known yet.
    fn reachable(&self, now: u64) -> u64 {
        debug_assert!(self.ticked == 0 || self.ticked >= now, "settle/advance at tick {now} before on_tick of tick {}", self.ticked);
        if self.ticked == 0 { now } else { now.min(self.ticked) }
    }

    /// Steps (b) of the ticks in `log` for one synapse.
    #[inline]
    fn steps(e: &mut Elig, log: &[(u64, f64)], decay: &DecayTable, min: f64, max: f64) {
        if e.c == 0.0 {
            return;
        }
        for &(s, hm) in log {
            let delta = hm * (e.c * decay.get(s - e.t));
            if delta != 0.0 {
                e.w = (e.w + delta).clamp(min, max);
            }
        }
    }

    /// Adds an event's increment at tick `t` to `c`.
    #[inline]
    fn bump(e: &mut Elig, t: u64, dc: f64, decay: &DecayTable) {
        e.c = e.c * decay.get(t - e.t) + dc;
        e.t = t;
    }

    /// Integrates the row of `j` up to tick `s` (steps of ticks before `s`), and, with
    /// `pre`, adds the events of tick `s` too: the post events of that tick, then this
    /// presynaptic spike. Writes the row's weights (those at tick `s`).
    fn row(&mut self, j: usize, s: u64, pre: bool, syn: &mut Synapses<'_>) {
        let p0 = self.pos[j];
        if p0 >= 2 * s + u64::from(pre) {
            return;
        }
        let (b_lo, a_lo) = (p0 / 2, p0.div_ceil(2));
        // Post events up to tick `a_hi` (inclusive) go into this pass.
        let a_hi = if pre { Some(s) } else { s.checked_sub(1) };
        let lo = self.log.partition_point(|&(t, _)| t < b_lo);
        let hi = self.log.partition_point(|&(t, _)| t < s);
        let RstdpRule { a_plus, a_minus, min, max, sign, decay, pre: traces, post, syn: state, log, .. } = self;
        let log = &log[lo..hi];
        for k in syn.row(j) {
            let d = syn.delay(k);
            let i = syn.targets[k] as usize;
            let e = &mut state[k];
            let mut rest = log;
            if let Some(a_hi) = a_hi.filter(|&a| a >= d && a >= a_lo) {
                for ev in post.between(i, a_lo.saturating_sub(d), a_hi - d) {
                    let t = ev.t + d;
                    let n = rest.partition_point(|&(u, _)| u < t);
                    Self::steps(e, &rest[..n], decay, *min, *max);
                    rest = &rest[n..];
                    // Every pre spike recorded is before `t`: `x` counts only those.
                    Self::bump(e, t, *a_plus * traces.at(j, t)[0], decay);
                }
            }
            Self::steps(e, rest, decay, *min, *max);
            if pre {
                // Post spikes with `t_post + d < s` only: a coincident pair adds nothing.
                let y = if s >= d { post.at(i, s - d)[0] } else { 0.0 };
                Self::bump(e, s, -*a_minus * y, decay);
            }
            syn.weights[k] = (*sign * e.w) as f32;
        }
        self.pos[j] = 2 * s + u64::from(pre);
    }

    /// Integrates every row up to `now`, then forgets what no later step reads.
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        let s = self.reachable(now);
        for j in 0..self.pos.len() {
            self.row(j, s, false, syn);
        }
        // Every row is at `s` or later; later steps read the log from `s` and post
        // spikes from `s - d_max` (the last earlier one carries the trace).
        let n = self.log.partition_point(|&(t, _)| t < s);
        self.log.drain(..n);
        self.post.prune(s.saturating_sub(self.d_max));
    }
}

/// | column | axis | what |
/// |---|---|---|
/// | `pos` | source | the row's position in half ticks |
/// | `pre.x`, `pre.last` | source | presynaptic trace after the last spike, its tick ([`PreTraces`]) |
/// | `post.target`, `post.t`, `post.before`, `post.after` | entries | each target's held spikes and `y` around them ([`PostHistory`]) |
/// | `syn.w`, `syn.c`, `syn.t` | synapse | weight magnitude and eligibility (f64), tick of the last event |
/// | `m.t`, `m.hm` | scalar (one row of any width) | the modulator record: ticks with `m != 0` and `h m` |
/// | `ready`, `ticked`, `next_maint`, `floor` | scalar | weights read, one past the last `on_tick`, next maintenance, contract floor |
///
/// A row moves at its source's spikes and at settles and maintenance, which every
/// shard shares, so `pos` and `pre.*` agree between the shards where the row is not
/// empty; the record and the histories are pruned at those common ticks. `syn.w` is
/// the rule's weight, not the engine's f32 copy (saved by the engine). The decay
/// table is rebuilt from the spec.
impl PlainState for RstdpRule {
    fn save(&self, out: &mut StateWriter) {
        out.u64("pos", Axis::Source, &self.pos);
        out.group("pre", |w| self.pre.save(w));
        out.group("post", |w| self.post.save(w));
        out.group("syn", |w| {
            w.f64("w", Axis::Synapse, &self.syn.iter().map(|e| e.w).collect::<Vec<_>>());
            w.f64("c", Axis::Synapse, &self.syn.iter().map(|e| e.c).collect::<Vec<_>>());
            w.u64("t", Axis::Synapse, &self.syn.iter().map(|e| e.t).collect::<Vec<_>>());
        });
        let n = self.log.len();
        out.group("m", |w| {
            w.column("t", Axis::Scalar, n, Values::U64(self.log.iter().map(|l| l.0).collect()));
            w.column("hm", Axis::Scalar, n, Values::F64(self.log.iter().map(|l| l.1).collect()));
        });
        out.scalar("ready", u64::from(self.ready));
        out.scalar("ticked", self.ticked);
        out.scalar("next_maint", self.next_maint);
        out.scalar("floor", self.floor);
    }

    /// Restores into copies and keeps them only if every column fits: on an error the
    /// rule is unchanged.
    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let pos = r.values::<u64>("pos", Some(self.pos.len()), 1)?.1.to_vec();
        let mut pre = self.pre.clone();
        r.group("pre", |r| pre.restore(r))?;
        let mut post = self.post.clone();
        r.group("post", |r| post.restore(r))?;
        let n = self.syn.len();
        let (mut w, mut c, mut t) = (vec![0.0; n], vec![0.0; n], vec![0u64; n]);
        r.group("syn", |r| {
            r.f64_into("w", &mut w)?;
            r.f64_into("c", &mut c)?;
            r.u64_into("t", &mut t)
        })?;
        let log = r.group("m", |r| {
            // One row of any width: the ticks recorded so far.
            let tc = r.column("t")?;
            let ticks = <u64 as synfire_graphs::Element>::of(&tc.values).ok_or_else(|| tc.misfit(format!("{} where u64 is needed", tc.values.type_name())))?;
            if let Some(e) = (1..ticks.len()).find(|&e| ticks[e - 1] >= ticks[e]) {
                return Err(tc.misfit(format!("tick {} at {e} does not follow tick {}: ticks increase", ticks[e], ticks[e - 1])));
            }
            let (_, hm) = r.values::<f64>("hm", Some(1), ticks.len())?;
            Ok(ticks.iter().copied().zip(hm.iter().copied()).collect::<Vec<_>>())
        })?;
        let (rc, ready) = r.values::<u64>("ready", Some(1), 1)?;
        if ready[0] > 1 {
            return Err(rc.misfit(format!("{} is not 0 or 1", ready[0])));
        }
        let (tc, ticked) = r.values::<u64>("ticked", Some(1), 1)?;
        if let Some(&(last, _)) = log.last().filter(|&&(s, _)| s >= ticked[0]) {
            return Err(tc.misfit(format!("{} is not after the last recorded tick {last}", ticked[0])));
        }
        let next_maint = r.scalar("next_maint")?;
        let floor = r.scalar("floor")?;
        self.syn = (0..n).map(|k| Elig { w: w[k], c: c[k], t: t[k] }).collect();
        (self.pos, self.pre, self.post, self.log) = (pos, pre, post, log);
        (self.ready, self.ticked, self.next_maint, self.floor) = (ready[0] == 1, ticked[0], next_maint, floor);
        Ok(())
    }
}

impl Plasticity for RstdpRule {
    fn name(&self) -> &str {
        NAME
    }

    fn needs(&self) -> Needs {
        Needs { post_spikes: true, per_tick: true, ..Needs::default() }
    }

    fn inputs(&self) -> &'static [&'static str] {
        &[INPUT]
    }

    fn on_post(&mut self, target: u32, t: Tick) {
        debug_assert!(t.0 >= self.floor, "post spike at tick {} recorded after events at tick {} were processed", t.0, self.floor);
        self.post.record(target as usize, t.0);
    }

    fn on_tick(&mut self, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.init(syn);
        let t = t.0;
        debug_assert!(self.ticked == 0 || t == self.ticked, "on_tick at tick {t}, expected tick {}", self.ticked);
        debug_assert!(t >= self.floor, "on_tick at tick {t} after events at tick {} were processed", self.floor);
        let hm = self.h * ctx.third.scalar(0, Tick(t)).unwrap_or(0.0);
        if hm != 0.0 {
            self.log.push((t, hm));
        }
        self.ticked = t + 1;
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        self.init(syn);
        let (j, t) = (source as usize, t.0);
        debug_assert!(self.pre.last_spike(j).is_none_or(|l| l < t) && self.pos[j] <= 2 * t, "presynaptic spikes out of order at tick {t}");
        debug_assert!(self.ticked == 0 || self.ticked >= t, "on_pre at tick {t} before on_tick of tick {}", self.ticked);
        self.floor = self.floor.max(t);
        self.row(j, t, true, syn);
        self.pre.spike(j, t);
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.init(syn);
        self.floor = self.floor.max(now.0);
        if now.0 >= self.next_maint {
            self.catch_up(now.0, syn);
            self.next_maint = now.0 + self.maint_every;
        }
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.init(syn);
        self.floor = self.floor.max(now.0);
        self.catch_up(now.0, syn);
    }

    fn bytes_per_synapse(&self) -> usize {
        std::mem::size_of::<Elig>()
    }

    fn memory_bytes(&self) -> usize {
        self.syn.capacity() * std::mem::size_of::<Elig>()
            + self.pos.len() * (8 + PreTraces::<1>::bytes_per_source())
            + self.post.memory_bytes()
            + self.log.capacity() * 16
            + self.decay.memory_bytes()
    }
}
