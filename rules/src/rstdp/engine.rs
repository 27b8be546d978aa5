//! The running rule of reward-modulated STDP, generic over how a tick's change
//! `h m c` becomes a weight (an [`Update`]): the plain rule's f64 weights with hard
//! bounds ([`super::weight::F64Weight`]), or a metaplastic wrapper's own state (spec
//! 7). One loop for both: the eligibility proposes, the update applies.
//!
//! An update's clocks (a Benna–Fusi epoch, a synaptic-intelligence consolidation)
//! run at their tick `c` after every row has been integrated through `c - 1` and
//! before any row goes past it (the [`Update`] contract of the shared engines).

use crate::driver::Update;
use crate::history::PostHistory;
use crate::plasticity::{Needs, Plasticity};
use crate::synapses::{Context, Synapses};
use crate::trace::{DecayTable, PreTraces};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Tick, Values};

/// One synapse: eligibility just after its last event, and that event's tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Elig {
    pub(super) c: f64,
    pub(super) t: u64,
}

/// The running rule. Row positions count half ticks: `pos[j] = 2 s` means the row of
/// `j` has done every step of the ticks before `s`; `2 s + 1`, also step (a) of `s`
/// (after a pre spike at `s`).
#[derive(Debug, Clone)]
pub(crate) struct RstdpEngine<U> {
    pub(super) name: &'static str,
    pub(super) a_plus: f64,
    pub(super) a_minus: f64,
    /// `dt` in seconds.
    pub(super) h: f64,
    pub(super) sign: f32,
    pub(super) decay: DecayTable,
    pub(super) d_max: u64,
    pub(super) pre: PreTraces<1>,
    pub(super) post: PostHistory<1>,
    pub(super) syn: Vec<Elig>,
    pub(super) update: U,
    /// The inputs: `modulator`, then the update's.
    pub(super) inputs: &'static [&'static str],
    pub(super) pos: Vec<u64>,
    /// `(s, h m(s))` for the ticks with `m(s) != 0`, from the oldest row position on.
    pub(super) log: Vec<(u64, f64)>,
    /// One past the last tick announced by `on_tick`; 0 before the first.
    pub(super) ticked: u64,
    pub(super) maint_every: u64,
    pub(super) next_maint: u64,
    /// No post spike or modulator value before this tick may arrive any more (checks).
    pub(super) floor: u64,
}

impl<U: Update> RstdpEngine<U> {
    /// What every call does first: the update's initial state (the engine's initial
    /// weights, once) and its third factors through tick `t`.
    fn begin(&mut self, t: u64, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        debug_assert_eq!(syn.weights.len(), self.syn.len(), "Synapses has another number of synapses than the rule was built for");
        debug_assert_eq!(syn.n_sources(), self.pos.len(), "Synapses has another number of sources than the rule was built for");
        self.update.prepare(syn.weights, self.sign);
        self.update.observe(t, ctx);
    }

    /// The last tick `settle`/`advance` may integrate to: `now`, unless the modulator
    /// of earlier ticks is not known yet.
    fn reachable(&self, now: u64) -> u64 {
        debug_assert!(self.ticked == 0 || self.ticked >= now, "settle/advance at tick {now} before on_tick of tick {}", self.ticked);
        if self.ticked == 0 { now } else { now.min(self.ticked) }
    }

    /// Steps (b) of the ticks in `log` for synapse `k`: each non-zero change goes
    /// through the update, whose efficacy becomes the stored weight.
    #[inline]
    fn steps(e: &Elig, k: usize, log: &[(u64, f64)], decay: &DecayTable, update: &mut U, sign: f32, weights: &mut [f32]) {
        if e.c == 0.0 {
            return;
        }
        for &(s, hm) in log {
            let delta = hm * (e.c * decay.get(s - e.t));
            if delta != 0.0 {
                weights[k] = sign * update.apply(k, s, sign * weights[k], delta);
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
    /// presynaptic spike. The row's weights are then those at tick `s`. No clock may
    /// lie between the row's position and `s`.
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
        let RstdpEngine { a_plus, a_minus, sign, decay, pre: traces, post, syn: state, log, update, .. } = self;
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
                    Self::steps(e, k, &rest[..n], decay, update, *sign, syn.weights);
                    rest = &rest[n..];
                    // Every pre spike recorded is before `t`: `x` counts only those.
                    Self::bump(e, t, *a_plus * traces.at(j, t)[0], decay);
                }
            }
            Self::steps(e, k, rest, decay, update, *sign, syn.weights);
            if pre {
                // Post spikes with `t_post + d < s` only: a coincident pair adds nothing.
                let y = if s >= d { post.at(i, s - d)[0] } else { 0.0 };
                Self::bump(e, s, -*a_minus * y, decay);
            }
        }
        self.pos[j] = 2 * s + u64::from(pre);
    }

    /// Runs the update's clocks at ticks below `until`, each after every row has
    /// been brought to it.
    fn run_clocks(&mut self, until: u64, syn: &mut Synapses<'_>) {
        loop {
            let c = self.update.next_clock();
            if c >= until {
                return;
            }
            for j in 0..self.pos.len() {
                self.row(j, c, false, syn);
            }
            self.update.clock(c, syn.weights, self.sign);
        }
    }

    /// Integrates every row up to `now`, then forgets what no later step reads.
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        let s = self.reachable(now);
        self.run_clocks(s + 1, syn);
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
/// | `syn.c`, `syn.t` | synapse | eligibility (f64) just after the last event, its tick |
/// | `update.*` | | the update's own: the plain rule's `update.w` (synapse, f64 weight magnitudes) and `update.ready`, or a wrapper's |
/// | `m.t`, `m.hm` | scalar (one row of any width) | the modulator record: ticks with `m != 0` and `h m` |
/// | `ticked`, `next_maint`, `floor` | scalar | one past the last `on_tick`, next maintenance, contract floor |
///
/// A row moves at its source's spikes and at settles, maintenance and clocks, which
/// every shard shares, so `pos` and `pre.*` agree between the shards where the row is
/// not empty; the record and the histories are pruned at those common ticks. The
/// engine's f32 weights are saved by the engine. The decay table is rebuilt from the
/// spec.
impl<U: Update> PlainState for RstdpEngine<U> {
    fn save(&self, out: &mut StateWriter) {
        out.u64("pos", Axis::Source, &self.pos);
        out.group("pre", |w| self.pre.save(w));
        out.group("post", |w| self.post.save(w));
        out.group("syn", |w| {
            w.f64("c", Axis::Synapse, &self.syn.iter().map(|e| e.c).collect::<Vec<_>>());
            w.u64("t", Axis::Synapse, &self.syn.iter().map(|e| e.t).collect::<Vec<_>>());
        });
        out.group("update", |w| self.update.save(w));
        let n = self.log.len();
        out.group("m", |w| {
            w.column("t", Axis::Scalar, n, Values::U64(self.log.iter().map(|l| l.0).collect()));
            w.column("hm", Axis::Scalar, n, Values::F64(self.log.iter().map(|l| l.1).collect()));
        });
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
        let (mut c, mut t) = (vec![0.0; n], vec![0u64; n]);
        r.group("syn", |r| {
            r.f64_into("c", &mut c)?;
            r.u64_into("t", &mut t)
        })?;
        let mut update = self.update.clone();
        r.group("update", |r| update.restore(r))?;
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
        let (tc, ticked) = r.values::<u64>("ticked", Some(1), 1)?;
        if let Some(&(last, _)) = log.last().filter(|&&(s, _)| s >= ticked[0]) {
            return Err(tc.misfit(format!("{} is not after the last recorded tick {last}", ticked[0])));
        }
        let next_maint = r.scalar("next_maint")?;
        let floor = r.scalar("floor")?;
        self.syn = (0..n).map(|k| Elig { c: c[k], t: t[k] }).collect();
        (self.pos, self.pre, self.post, self.log, self.update) = (pos, pre, post, log, update);
        (self.ticked, self.next_maint, self.floor) = (ticked[0], next_maint, floor);
        Ok(())
    }
}

impl<U: Update> Plasticity for RstdpEngine<U> {
    fn name(&self) -> &str {
        self.name
    }

    fn needs(&self) -> Needs {
        Needs { post_spikes: true, per_tick: true, ..Needs::default() }
    }

    fn inputs(&self) -> &'static [&'static str] {
        self.inputs
    }

    fn on_post(&mut self, target: u32, t: Tick) {
        debug_assert!(t.0 >= self.floor, "post spike at tick {} recorded after events at tick {} were processed", t.0, self.floor);
        self.post.record(target as usize, t.0);
    }

    fn on_tick(&mut self, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        let t = t.0;
        self.begin(t, syn, ctx);
        debug_assert!(self.ticked == 0 || t == self.ticked, "on_tick at tick {t}, expected tick {}", self.ticked);
        debug_assert!(t >= self.floor, "on_tick at tick {t} after events at tick {} were processed", self.floor);
        let hm = self.h * ctx.third.scalar(0, Tick(t)).unwrap_or(0.0);
        if hm != 0.0 {
            self.log.push((t, hm));
        }
        self.ticked = t + 1;
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        let (j, t) = (source as usize, t.0);
        self.begin(t, syn, ctx);
        debug_assert!(self.pre.last_spike(j).is_none_or(|l| l < t) && self.pos[j] <= 2 * t, "presynaptic spikes out of order at tick {t}");
        debug_assert!(self.ticked == 0 || self.ticked >= t, "on_pre at tick {t} before on_tick of tick {}", self.ticked);
        self.floor = self.floor.max(t);
        self.run_clocks(t + 1, syn);
        self.row(j, t, true, syn);
        if U::MOVES {
            // The spike transmits the efficacy of its own tick (a chain relaxes
            // between updates), whenever the row was last written or settled.
            for k in syn.row(j) {
                syn.weights[k] = self.sign * self.update.efficacy_at(k, t, self.sign * syn.weights[k]);
            }
        }
        self.pre.spike(j, t);
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(now.0, syn, ctx);
        self.floor = self.floor.max(now.0);
        if now.0 >= self.next_maint {
            self.catch_up(now.0, syn);
            self.next_maint = now.0 + self.maint_every;
        }
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(now.0, syn, ctx);
        self.floor = self.floor.max(now.0);
        self.catch_up(now.0, syn);
        self.update.settle(now.0, syn.weights, self.sign);
    }

    fn bytes_per_synapse(&self) -> usize {
        std::mem::size_of::<Elig>() + self.update.bytes_per_synapse()
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        self.update.synapse_state(name)
    }

    fn memory_bytes(&self) -> usize {
        self.syn.capacity() * std::mem::size_of::<Elig>()
            + self.pos.len() * (8 + PreTraces::<1>::bytes_per_source())
            + self.post.memory_bytes()
            + self.log.capacity() * 16
            + self.decay.memory_bytes()
            + self.update.memory_bytes()
    }
}
