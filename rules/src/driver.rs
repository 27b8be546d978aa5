//! The event-driven engine shared by every spike-timing rule: lazy post-triggered
//! updates in synaptic-time order, slow clocks, and memory bounds.
//!
//! A rule is a [`Kernel`]: the weight change it proposes at a presynaptic event and at
//! a postsynaptic event, given the traces, plus an optional slow clock. The [`Driver`]
//! decides *when* each event is applied so that the result is the serial one:
//!
//! - Synaptic time (spec 0.1): the synapse `j -> i` with delay `d` sees a presynaptic
//!   spike at its emission tick `t_pre` and a postsynaptic spike at `t_post + d`.
//! - Per synapse, events are applied in synaptic-time order. At equal times the order
//!   is: clock, postsynaptic event, presynaptic event, and neither spike of a
//!   coincident pair sees the other (NEST's convention, spec 0.3): the post event reads
//!   the presynaptic traces without the coincident pre spike, and the pre event reads
//!   the postsynaptic traces of spikes strictly before `t_pre - d`.
//! - A postsynaptic event at synaptic time `T` cannot be applied when the neuron fires:
//!   presynaptic spikes emitted in `[now, T)` are not known yet. It is applied at the
//!   next presynaptic spike of the synapse's source (NEST's `stdp_synapse`), or when a
//!   clock, a settle or memory maintenance brings the source up to date. `seen[j]` says
//!   up to which synaptic time the synapses of source `j` have received their post
//!   events.
//! - Weights are rounded to f32 after every single event, and trace values are always
//!   computed from the same stored pair (value after the last jump, tick of the jump),
//!   so grouping events into calls differently gives bit-identical results.

use crate::bounds::Bounds;
use crate::eager::Eager;
use crate::history::PostHistory;
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::stp::StpState;
use crate::synapses::{Context, Synapses};
use crate::trace::{PreTraces, ReadPost, TraceSpec};
use synfire_graphs::{DelayTicks, PlainState, Tick, Time};

mod state;
pub(crate) use state::{read_shared, save_shared};

/// The mathematics of one event-driven rule: `P` presynaptic and `Q` postsynaptic traces.
///
/// Its [`PlainState`] is its own state only (e.g. per-synapse arrays), saved under
/// `kernel.` by both engines; parameters are rebuilt from the spec, traces belong to
/// the engine. `Clone` lets an engine restore into a copy, so that a table that does
/// not fit leaves it unchanged.
pub(crate) trait Kernel<const P: usize, const Q: usize>: Send + std::fmt::Debug + Clone + PlainState {
    /// Whether postsynaptic events change weights.
    const POST_EVENTS: bool = true;
    /// Whether presynaptic events change weights.
    const PRE_EVENTS: bool = true;
    /// Whether [`Kernel::clock`] reads the postsynaptic traces (at somatic time, which
    /// only the lazy driver's spike history can give).
    const CLOCK_READS_POST: bool = false;

    /// Proposed change of synapse `k` (weight `w`) at a presynaptic spike. `pre`: the
    /// source's traces just before the spike; `post`: the target's traces at the
    /// spike's synaptic time, counting postsynaptic spikes strictly before it.
    fn pre(&self, _k: usize, _w: f32, _pre: &[f64; P], _post: &[f64; Q]) -> f64 {
        0.0
    }

    /// Proposed change of synapse `k` at a postsynaptic spike. `pre`: the source's
    /// traces at the spike's synaptic time, counting presynaptic spikes strictly before
    /// it; `post`: the target's traces just before the spike.
    fn post(&self, _k: usize, _w: f32, _pre: &[f64; P], _post: &[f64; Q]) -> f64 {
        0.0
    }

    /// Period of the slow clock in ticks, if the rule has one. Clock `n` runs at tick
    /// `n * period` (`n >= 1`).
    fn clock_period(&self) -> Option<u64> {
        None
    }

    /// The clock at tick `t`: every event with synaptic time before `t` has been
    /// applied, none at or after `t`. Weights are as the engine stores them: a kernel
    /// that reads them must undo [`ProjectionInfo::negative`] itself.
    fn clock(&mut self, _t: u64, _syn: &mut Synapses<'_>, _post: &dyn ReadPost<Q>) {}

    /// Bytes of per-synapse state.
    fn bytes_per_synapse(&self) -> usize {
        0
    }

    /// Per-synapse state by name.
    fn synapse_state(&self, _name: &str) -> Option<&[f32]> {
        None
    }

    /// Bytes of the kernel's own arrays.
    fn memory_bytes(&self) -> usize {
        0
    }
}

/// How a proposed change becomes the new weight of synapse `k`. [`Bounds`] is the
/// plain case; the metaplastic wrappers of spec 7 (`crate::metaplastic`: Benna–Fusi,
/// metaplastic hidden weights, synaptic intelligence) implement it with their own
/// per-synapse state, returning the efficacy to store in the engine's weight; that
/// state is their [`PlainState`], saved under `update.`.
///
/// Both engines call it the same way: `apply` at every event of a synapse in that
/// synapse's synaptic-time order, `clock` at its ticks (after every event before the
/// tick, before every event at or after it), `observe(t)` before events at `t`.
pub(crate) trait Update: Send + std::fmt::Debug + Clone + PlainState {
    /// Whether the engines store the efficacy [`Update::apply`] returns at a
    /// postsynaptic event. A wrapper whose efficacy moves between events (readers
    /// see it after [`Update::settle`]) and is transmitted only at presynaptic events,
    /// which store it, sets this false: a post event then changes its state alone,
    /// the engines neither load nor store the weight for it (unless the kernel reads
    /// it) and the efficacy's read-out is dead code. Only for kernels that do not read
    /// the weight (`crate::metaplastic::BASES`).
    const POST_STORES: bool = true;

    /// The weight after `delta` is proposed for synapse `k` at weight `w`, at
    /// synaptic time `t`.
    fn apply(&mut self, k: usize, t: u64, w: f32, delta: f64) -> f32;

    /// Whether the efficacy moves between events (a Benna–Fusi chain relaxes), so
    /// that an engine must ask [`Update::efficacy_at`] for the weight a spike transmits.
    const MOVES: bool = false;

    /// The efficacy of synapse `k` at tick `t` without an update (`w`: as stored),
    /// for engines that refresh a row's weights before it transmits ([`Update::MOVES`]).
    #[inline(always)]
    fn efficacy_at(&mut self, _k: usize, _t: u64, w: f32) -> f32 {
        w
    }

    /// Hints the cache to load synapse `k`'s state (the engines call it where they
    /// prefetch the weight of a synapse they will visit out of order). No effect on
    /// results.
    #[inline(always)]
    fn prefetch(&self, _k: usize) {}

    /// Reads the third factors of ticks up to `t` (inclusive); may schedule clocks.
    #[inline(always)]
    fn observe(&mut self, _t: u64, _ctx: &Context<'_>) {}

    /// The tick of the next clock (`u64::MAX`: none).
    #[inline(always)]
    fn next_clock(&self) -> u64 {
        u64::MAX
    }

    /// The clock at tick `t` (`t == next_clock()`); `weights` as the engine stores
    /// them (`sign`: -1 for a negated projection).
    fn clock(&mut self, _t: u64, _weights: &mut [f32], _sign: f32) {}

    /// Every clock at a tick below `until`, in order, for engines whose state needs
    /// no catching up before a clock (their changes are applied as they come).
    fn clocks_before(&mut self, until: u64, weights: &mut [f32], sign: f32) {
        loop {
            let c = self.next_clock();
            if c >= until {
                return;
            }
            self.clock(c, weights, sign);
        }
    }

    /// Called before every call's events with the weights; takes the initial
    /// weights the first time (never after a restore, which brings its own state)
    /// and may write the initial efficacies.
    #[inline(always)]
    fn prepare(&mut self, _weights: &mut [f32], _sign: f32) {}

    /// Writes the efficacies as of tick `now` into `weights` without changing the
    /// state (a wrapper whose efficacy moves between events), for readers.
    fn settle(&mut self, _now: u64, _weights: &mut [f32], _sign: f32) {}

    /// The third-factor inputs the update reads (slots after the kernel's).
    fn inputs(&self) -> &'static [&'static str] {
        &[]
    }

    /// Bytes of per-synapse state.
    fn bytes_per_synapse(&self) -> usize {
        0
    }

    /// Per-synapse state by name, valid after `settle`.
    fn synapse_state(&self, _name: &str) -> Option<&[f32]> {
        None
    }

    /// Bytes of the update's own arrays.
    fn memory_bytes(&self) -> usize {
        0
    }
}

impl Update for Bounds {
    #[inline]
    fn apply(&mut self, _k: usize, _t: u64, w: f32, delta: f64) -> f32 {
        Bounds::apply(self, w, delta)
    }
}

/// Which engine runs a rule. Both agree to rounding; the choice is speed.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// [`Eager`] where it applies (one delay for the projection, no clock that reads
    /// postsynaptic traces), else the lazy [`Driver`].
    #[default]
    Auto,
    /// Always the lazy [`Driver`] (tests compare the two).
    Lazy,
}

/// Hard bounds only (`mu_plus = mu_minus = 0`): [`Bounds::apply`] without the
/// weight-dependence tests, for the inner loops. Bit-identical to it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hard {
    min: f64,
    max: f64,
}

impl Hard {
    /// Clips to `min..=max`.
    pub(crate) fn new(min: f64, max: f64) -> Self {
        Hard { min, max }
    }
}

impl Update for Hard {
    #[inline(always)]
    fn apply(&mut self, _k: usize, _t: u64, w: f32, delta: f64) -> f32 {
        (f64::from(w) + delta).clamp(self.min, self.max) as f32
    }
}

/// What a rule builds from its parameters: the kernel and the traces it reads.
pub(crate) struct Parts<K, const P: usize, const Q: usize> {
    pub name: &'static str,
    pub kernel: K,
    /// Presynaptic traces (per source).
    pub pre: [TraceSpec; P],
    /// Postsynaptic traces (per target).
    pub post: [TraceSpec; Q],
    /// Short-term plasticity of the transmitted efficacy, if any.
    pub stp: Option<StpState>,
}

/// The running rule for `parts` with weight bounds `bounds`: the eager engine when the
/// projection has one delay (its postsynaptic traces are then one value per target in
/// synaptic time), the lazy one otherwise.
pub(crate) fn build<K: Kernel<P, Q> + 'static, const P: usize, const Q: usize>(
    parts: Parts<K, P, Q>,
    bounds: Bounds,
    info: &ProjectionInfo,
    engine: Engine,
) -> Box<dyn Plasticity> {
    if bounds.mu_plus == 0.0 && bounds.mu_minus == 0.0 {
        build_with(parts, Hard { min: bounds.min, max: bounds.max }, info, engine)
    } else {
        build_with(parts, bounds, info, engine)
    }
}

/// [`build`], or with a metaplastic wrapper's update when `meta` is given.
pub(crate) fn build_meta<K: Kernel<P, Q> + 'static, const P: usize, const Q: usize>(
    parts: Parts<K, P, Q>,
    bounds: Bounds,
    meta: Option<&crate::metaplastic::Meta>,
    info: &ProjectionInfo,
    engine: Engine,
) -> Result<Box<dyn Plasticity>, crate::RuleError> {
    match meta {
        None => Ok(build(parts, bounds, info, engine)),
        Some(m) => {
            let name = parts.name;
            m.build(parts, bounds, info, engine).map_err(|message| crate::RuleError::Projection { rule: name.to_string(), message })
        }
    }
}

pub(crate) fn build_with<K: Kernel<P, Q> + 'static, U: Update + 'static, const P: usize, const Q: usize>(
    parts: Parts<K, P, Q>,
    update: U,
    info: &ProjectionInfo,
    engine: Engine,
) -> Box<dyn Plasticity> {
    let Parts { name, kernel, pre, post, stp } = parts;
    match (info.delay, engine) {
        (DelayTicks::Const(d), Engine::Auto) if Eager::<K, U, P, Q>::applies(&pre, &post, u64::from(d), info) => {
            Box::new(Eager::new(name, kernel, update, pre, post, u64::from(d), info).with_stp(stp))
        }
        _ => {
            let (pre, post) = (PreTraces::new(pre, info.n_sources), PostHistory::new(post, info.n_targets));
            Box::new(Driver::new(name, kernel, update, pre, post, info).with_stp(stp))
        }
    }
}

/// Post-event catch-up and history pruning happen at most this often (model time).
const MAINTENANCE: Time = Time(100.0);

/// Maintenance catches up only sources silent for this many maintenance periods. A
/// catch-up visits every synapse of the source, work its next spike would otherwise do
/// in the same pass as its own update; at cortical rates (ISI ~ 200 ms) catching up
/// after one period doubled the synapse visits. Four keeps histories at a few spikes.
const CATCH_UP_PERIODS: u64 = 4;

/// A [`Kernel`] made into a [`Plasticity`].
#[derive(Debug)]
pub(crate) struct Driver<K, U, const P: usize, const Q: usize> {
    name: &'static str,
    kernel: K,
    update: U,
    pre: PreTraces<P>,
    /// Per source: post events with synaptic time `< seen[j]` have been applied to its row.
    seen: Vec<u64>,
    post: PostHistory<Q>,
    stp: Option<StpState>,
    /// -1 when the engine stores the weights negated ([`ProjectionInfo::negative`]):
    /// kernels and bounds then see magnitudes.
    sign: f32,
    d_max: u64,
    next_clock: u64,
    maint_every: u64,
    next_maint: u64,
    /// No post spike before this tick may be recorded any more (contract check).
    floor: u64,
}

impl<K: Kernel<P, Q>, U: Update, const P: usize, const Q: usize> Driver<K, U, P, Q> {
    pub(crate) fn new(name: &'static str, kernel: K, update: U, pre: PreTraces<P>, post: PostHistory<Q>, info: &ProjectionInfo) -> Self {
        let maint_every = (MAINTENANCE.0 / info.dt.0).ceil().max(1.0) as u64;
        let next_clock = kernel.clock_period().unwrap_or(u64::MAX);
        Driver {
            name,
            kernel,
            update,
            pre,
            seen: vec![0; info.n_sources],
            post,
            stp: None,
            sign: if info.negative { -1.0 } else { 1.0 },
            d_max: u64::from(info.delay.max()),
            next_clock,
            maint_every,
            next_maint: maint_every,
            floor: 0,
        }
    }

    pub(crate) fn with_stp(mut self, stp: Option<StpState>) -> Self {
        self.stp = stp;
        self
    }

    /// The engine passes the projection it was built for (contract point 5).
    fn check_shape(&self, syn: &Synapses<'_>) {
        debug_assert_eq!(syn.n_sources(), self.seen.len(), "Synapses has another number of sources than the rule was built for");
        debug_assert_eq!(syn.weights.len(), syn.targets.len(), "weights and targets differ in length");
        debug_assert_eq!(syn.offsets.last().copied(), Some(syn.weights.len() as u64), "offsets do not end at the number of synapses");
    }

    /// Applies to the synapses of source `j` the post events with synaptic time in `lo..=hi`.
    fn post_events(&mut self, j: usize, lo: u64, hi: u64, syn: &mut Synapses<'_>) {
        let Driver { kernel, update, pre, post, sign, .. } = self;
        for k in syn.row(j) {
            let d = syn.delay(k);
            if hi < d {
                continue;
            }
            let i = syn.targets[k] as usize;
            let mut w = *sign * syn.weights[k];
            for e in post.between(i, lo.saturating_sub(d), hi - d) {
                let x = pre.at(j, e.t + d);
                let v = update.apply(k, e.t + d, w, kernel.post(k, w, &x, &e.before));
                if U::POST_STORES {
                    w = v;
                }
            }
            if U::POST_STORES {
                syn.weights[k] = *sign * w;
            }
        }
    }

    /// Brings source `j` up to synaptic time `f` (exclusive).
    fn settle_source(&mut self, j: usize, f: u64, syn: &mut Synapses<'_>) {
        if self.seen[j] < f {
            if K::POST_EVENTS {
                self.post_events(j, self.seen[j], f - 1, syn);
            }
            self.seen[j] = f;
        }
    }

    fn settle_all(&mut self, f: u64, syn: &mut Synapses<'_>) {
        for j in 0..self.seen.len().min(syn.n_sources()) {
            self.settle_source(j, f, syn);
        }
    }

    /// Runs every clock due at or before `t`, the kernel's and the update's (the
    /// kernel's first at a common tick).
    fn run_clocks(&mut self, t: u64, syn: &mut Synapses<'_>) {
        loop {
            let tc = self.next_clock.min(self.update.next_clock());
            if tc > t {
                break;
            }
            self.settle_all(tc, syn);
            if self.next_clock == tc {
                self.kernel.clock(tc, syn, &self.post);
                self.next_clock = self.kernel.clock_period().map_or(u64::MAX, |p| tc + p);
            }
            if self.update.next_clock() == tc {
                self.update.clock(tc, syn.weights, self.sign);
            }
        }
    }

    /// What every call does first: the update's initial state and third factors.
    #[inline]
    fn begin(&mut self, t: u64, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.update.prepare(syn.weights, self.sign);
        self.update.observe(t, ctx);
    }

    fn maintain(&mut self, now: u64, syn: &mut Synapses<'_>, force: bool) {
        if !force && now < self.next_maint {
            return;
        }
        let behind = now.saturating_sub(CATCH_UP_PERIODS * self.maint_every);
        for j in 0..self.seen.len().min(syn.n_sources()) {
            if self.seen[j] < behind {
                self.settle_source(j, now, syn);
            }
        }
        // Every source is now at `behind` or later, so no read goes below this.
        self.post.prune(behind.saturating_sub(self.d_max));
        self.next_maint = now + self.maint_every;
    }
}

impl<K: Kernel<P, Q>, U: Update, const P: usize, const Q: usize> Plasticity for Driver<K, U, P, Q> {
    fn name(&self) -> &str {
        self.name
    }

    fn needs(&self) -> Needs {
        Needs { post_spikes: Q > 0, per_tick: false, efficacy: self.stp.is_some(), post_state: false, threshold: false, trials: false }
    }

    fn on_post(&mut self, target: u32, t: Tick) {
        debug_assert!(t.0 >= self.floor, "post spike at tick {} recorded after events at tick {} were processed", t.0, self.floor);
        self.post.record(target as usize, t.0);
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.check_shape(syn);
        let (j, t) = (source as usize, t.0);
        self.begin(t, syn, ctx);
        debug_assert!(t >= self.seen[j] && self.pre.last_spike(j).is_none_or(|l| l < t), "presynaptic spikes out of order at tick {t}");
        self.floor = self.floor.max(t);
        self.run_clocks(t, syn);
        let efficacy = self.stp.as_mut().map_or(1.0, |s| s.spike(j, t));
        let lo = self.seen[j];
        if K::PRE_EVENTS {
            // One pass per synapse: its post events up to synaptic time `t`, then this
            // pre event (post before pre at equal times). Each synapse's sequence of
            // updates is the same as in two passes; nothing else changes in between.
            let Driver { kernel, update, pre, post, sign, .. } = self;
            let x = pre.at(j, t);
            let row = syn.row(j);
            const AHEAD: usize = 8;
            for &i in &syn.targets[row.start..row.end.min(row.start + AHEAD)] {
                post.prefetch(i as usize);
            }
            for k in row.clone() {
                if let Some(&ahead) = syn.targets.get(k + AHEAD).filter(|_| k + AHEAD < row.end) {
                    post.prefetch(ahead as usize);
                }
                let d = syn.delay(k);
                let i = syn.targets[k] as usize;
                let mut w = *sign * syn.weights[k];
                let s = t.saturating_sub(d);
                let (events, y) = post.between_and_at(i, lo.saturating_sub(d), s);
                if K::POST_EVENTS && t >= d {
                    for e in events {
                        let xe = pre.at(j, e.t + d);
                        let v = update.apply(k, e.t + d, w, kernel.post(k, w, &xe, &e.before));
                        if U::POST_STORES {
                            w = v;
                        }
                    }
                }
                syn.weights[k] = *sign * update.apply(k, t, w, kernel.pre(k, w, &x, &y));
            }
        } else if K::POST_EVENTS {
            self.post_events(j, lo, t, syn);
        }
        self.pre.spike(j, t);
        self.seen[j] = t + 1;
        efficacy as f32
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.check_shape(syn);
        self.begin(now.0, syn, ctx);
        self.floor = self.floor.max(now.0);
        self.run_clocks(now.0, syn);
        self.maintain(now.0, syn, false);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.check_shape(syn);
        self.begin(now.0, syn, ctx);
        self.floor = self.floor.max(now.0);
        self.run_clocks(now.0, syn);
        self.settle_all(now.0, syn);
        self.maintain(now.0, syn, true);
        self.update.settle(now.0, syn.weights, self.sign);
    }

    fn inputs(&self) -> &'static [&'static str] {
        self.update.inputs()
    }

    fn bytes_per_synapse(&self) -> usize {
        self.kernel.bytes_per_synapse() + self.update.bytes_per_synapse()
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        self.kernel.synapse_state(name).or_else(|| self.update.synapse_state(name))
    }

    fn memory_bytes(&self) -> usize {
        let per_source = PreTraces::<P>::bytes_per_source() + 8 + if self.stp.is_some() { 24 } else { 0 };
        self.seen.len() * per_source + self.post.memory_bytes() + self.kernel.memory_bytes() + self.update.memory_bytes()
    }
}
