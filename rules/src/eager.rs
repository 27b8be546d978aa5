//! The eager engine for rules on projections with one delay: every event is applied
//! at its synaptic time, in one global time order, through a transposed index.
//!
//! The lazy [`Driver`](crate::driver::Driver) keeps each target's recent spikes and
//! replays them per synapse at the source's next spike: per synapse event it scans a
//! history that lives far from everything else in memory. With one delay `d` for the
//! whole projection the postsynaptic traces *as the synapses see them* (shifted by
//! `d`) are a single value per target, so this engine keeps, per target, only the
//! traces around its last synaptic-time jump, and applies a postsynaptic event at
//! synaptic time `T = t_post + d` to all of the target's incoming synapses at once,
//! as soon as every presynaptic spike before `T` is known:
//!
//! - at the first [`on_pre`](Plasticity::on_pre) with `t_pre >= T` (before that spike:
//!   post before pre at equal times), or at [`advance`](Plasticity::advance) /
//!   [`settle`](Plasticity::settle) with `now > T`;
//! - a presynaptic event at `t` reads the target's traces counting jumps with
//!   `T < t` (the value *before* a jump at `T = t`, which is kept for that purpose).
//!
//! Traces are kept scaled to an epoch ([`crate::scaled`]): a read is one multiplication
//! by a factor common to the event, not a decay from each trace's own last jump. The
//! weights agree with the lazy driver's to rounding (the rule tests compare the two and
//! both with the all-pairs references); the result does not depend on the schedule of
//! calls, since events are applied in one time order and epochs move at fixed ticks.
//!
//! The transposed index (target -> its incoming synapses and their sources) is built
//! from the first [`Synapses`] view the engine passes: 8 bytes per synapse, 4 per target.

use crate::driver::{Kernel, Update, read_shared, save_shared};
use crate::eager_state::Traces;
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::scaled::{self, times};
use crate::stp::StpState;
use crate::synapses::{Context, Synapses};
use crate::trace::TraceSpec;
use crate::transposed::Transposed;
use std::collections::VecDeque;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Tick};

/// How many synapses ahead the loops prefetch per-neuron state and weights.
const AHEAD: usize = 8;

/// A [`Kernel`] made into a [`Plasticity`] for a projection with one delay.
#[derive(Debug)]
pub(crate) struct Eager<K, U, const P: usize, const Q: usize> {
    name: &'static str,
    kernel: K,
    update: U,
    traces: Traces<P, Q>,
    /// Postsynaptic events not applied yet, `(synaptic time, target)`, in time order
    /// (the engine records spikes tick by tick, so they are appended at the back).
    pending: VecDeque<(u64, u32)>,
    index: Option<Transposed>,
    stp: Option<StpState>,
    sign: f32,
    next_clock: u64,
}

impl<K: Kernel<P, Q>, U: Update, const P: usize, const Q: usize> Eager<K, U, P, Q> {
    /// Whether the eager engine can run a kernel with these traces on a projection
    /// with one delay `d`: clocks must not read postsynaptic traces (they would read
    /// them in synaptic time), nonzero initial postsynaptic traces must start within
    /// the first epoch, and synapse indices must fit the index's `u32`.
    pub(crate) fn applies(pre: &[TraceSpec; P], post: &[TraceSpec; Q], d: u64, info: &ProjectionInfo) -> bool {
        let zero_init = post.iter().all(|s| s.init == 0.0);
        let fits = u32::try_from(info.n_synapses).is_ok() && u32::try_from(info.n_sources).is_ok();
        !K::CLOCK_READS_POST && fits && (zero_init || d < scaled::period(&[pre.as_slice(), post.as_slice()].concat()))
    }

    /// The engine for a projection with delay `d` ticks (where [`Self::applies`]).
    pub(crate) fn new(name: &'static str, kernel: K, update: U, pre: [TraceSpec; P], post: [TraceSpec; Q], d: u64, info: &ProjectionInfo) -> Self {
        debug_assert!(Self::applies(&pre, &post, d, info));
        let next_clock = kernel.clock_period().unwrap_or(u64::MAX);
        Eager {
            name,
            kernel,
            update,
            traces: Traces::new(pre, post, info.n_sources, info.n_targets, d),
            pending: VecDeque::new(),
            index: None,
            stp: None,
            sign: if info.negative { -1.0 } else { 1.0 },
            next_clock,
        }
    }

    pub(crate) fn with_stp(mut self, stp: Option<StpState>) -> Self {
        self.stp = stp;
        self
    }

    /// Applies every pending postsynaptic event with synaptic time `<= last`.
    fn flush(&mut self, last: u64, syn: &mut Synapses<'_>) {
        if self.pending.front().is_none_or(|&(t, _)| t > last) {
            return;
        }
        let index = match &mut self.index {
            Some(index) => index,
            None => self.index.insert(Transposed::build(syn, self.traces.post.len())),
        };
        // The index was built from this projection's arrays (contract point 5): every
        // synapse index in it is below the number of weights and every source below the
        // number of traces. Checked here once, the loop below indexes without checks.
        assert!(index.entries.len() == syn.weights.len() && self.traces.pre.x.len() >= syn.n_sources(), "the rule was called with another projection");
        let weights: &mut [f32] = syn.weights;
        while let Some(&(t, i)) = self.pending.front() {
            if t > last {
                break;
            }
            self.pending.pop_front();
            self.traces.rebase_to(t);
            let i = i as usize;
            let y = self.traces.post.at(i, t, &self.traces.post_down(t));
            if K::POST_EVENTS {
                let x_down = self.traces.pre_down(t);
                // The next events' synapse lists start with cache misses: ask early.
                if let Some(&(_, next)) = self.pending.front() {
                    index.prefetch_entries(next as usize);
                }
                if let Some(&(_, after)) = self.pending.get(1) {
                    crate::prefetch(index.starts.get(after as usize));
                }
                let entries = index.of(i);
                for &(k, j) in &entries[..entries.len().min(AHEAD)] {
                    if U::POST_STORES {
                        crate::prefetch_ptr(weights.as_ptr().wrapping_add(k as usize));
                    }
                    self.update.prefetch(k as usize);
                    crate::prefetch_ptr(self.traces.pre.x.as_ptr().wrapping_add(j as usize));
                }
                for (n, &(k, j)) in entries.iter().enumerate() {
                    if let Some(&(ka, ja)) = entries.get(n + AHEAD) {
                        if U::POST_STORES {
                            crate::prefetch_ptr(weights.as_ptr().wrapping_add(ka as usize));
                        }
                        self.update.prefetch(ka as usize);
                        crate::prefetch_ptr(self.traces.pre.x.as_ptr().wrapping_add(ja as usize));
                    }
                    let k = k as usize;
                    // SAFETY: `j < traces.pre.x.len()` and `k < weights.len()` (checked above for the index).
                    let x = times(unsafe { self.traces.pre.x.get_unchecked(j as usize) }, &x_down);
                    let slot = unsafe { weights.get_unchecked_mut(k) };
                    let w = self.sign * *slot;
                    let v = self.update.apply(k, t, w, self.kernel.post(k, w, &x, &y));
                    if U::POST_STORES {
                        *slot = self.sign * v;
                    }
                }
            }
            self.traces.post_jump(i, t, y);
        }
    }

    /// Runs every clock due at or before `t`, each after the events before its tick:
    /// the kernel's and the update's (the kernel's first at a common tick).
    fn run_clocks(&mut self, t: u64, syn: &mut Synapses<'_>) {
        loop {
            let tc = self.next_clock.min(self.update.next_clock());
            if tc > t {
                break;
            }
            self.flush(tc - 1, syn);
            if self.next_clock == tc {
                self.kernel.clock(tc, syn, &self.traces);
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

    /// Brings everything up to synaptic time `now` (exclusive).
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        self.run_clocks(now, syn);
        if now > 0 {
            self.flush(now - 1, syn);
        }
    }
}

impl<K: Kernel<P, Q>, U: Update, const P: usize, const Q: usize> Plasticity for Eager<K, U, P, Q> {
    fn name(&self) -> &str {
        self.name
    }

    fn needs(&self) -> Needs {
        Needs { post_spikes: Q > 0, per_tick: false, efficacy: self.stp.is_some(), post_state: false, threshold: false, trials: false }
    }

    fn on_post(&mut self, target: u32, t: Tick) {
        let e = (t.0 + self.traces.d, target);
        match self.pending.back() {
            Some(&b) if b > e => {
                // Out of tick order (allowed by the contract, not done by the engine).
                let at = self.pending.partition_point(|&p| p <= e);
                self.pending.insert(at, e);
            }
            _ => self.pending.push_back(e),
        }
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        let (j, t) = (source as usize, t.0);
        self.begin(t, syn, ctx);
        debug_assert!(self.traces.pre.last[j] == u64::MAX || self.traces.pre.last[j] < t, "presynaptic spikes out of order at tick {t}");
        self.run_clocks(t, syn);
        self.flush(t, syn);
        self.traces.rebase_to(t);
        let efficacy = self.stp.as_mut().map_or(1.0, |s| s.spike(j, t));
        let x = times(&self.traces.pre.x[j], &self.traces.pre_down(t));
        if K::PRE_EVENTS {
            let y_down = self.traces.post_down(t);
            let Eager { kernel, update, traces, sign, .. } = self;
            let post = &traces.post;
            let row = syn.row(j);
            let targets = &syn.targets[row.clone()];
            for &i in &targets[..targets.len().min(AHEAD)] {
                post.prefetch(i as usize);
            }
            for (n, (w, &i)) in syn.weights[row.clone()].iter_mut().zip(targets).enumerate() {
                if let Some(&ia) = targets.get(n + AHEAD) {
                    post.prefetch(ia as usize);
                }
                let k = row.start + n;
                let y = post.at(i as usize, t, &y_down);
                let v = *sign * *w;
                *w = *sign * update.apply(k, t, v, kernel.pre(k, v, &x, &y));
            }
        }
        self.traces.pre_spike(j, t, x);
        efficacy as f32
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(now.0, syn, ctx);
        self.catch_up(now.0, syn);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(now.0, syn, ctx);
        self.catch_up(now.0, syn);
        self.update.settle(now.0, syn.weights, self.sign);
        // The next event (at `now` or later) would move the epoch as far: moving it now
        // changes no result, and a saved table then holds the epoch of `now` whatever
        // events this shard saw.
        self.traces.rebase_to(now.0);
    }

    fn inputs(&self) -> &'static [&'static str] {
        self.update.inputs()
    }

    fn bytes_per_synapse(&self) -> usize {
        self.kernel.bytes_per_synapse() + self.update.bytes_per_synapse() + if K::POST_EVENTS { 8 } else { 0 }
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        self.kernel.synapse_state(name).or_else(|| self.update.synapse_state(name))
    }

    fn memory_bytes(&self) -> usize {
        self.traces.memory_bytes()
            + if self.stp.is_some() { 24 * self.traces.pre.x.len() } else { 0 }
            + self.index.as_ref().map_or(0, Transposed::memory_bytes)
            + self.pending.capacity() * 16
            + self.kernel.memory_bytes()
            + self.update.memory_bytes()
    }
}

/// Columns: the traces (`epoch`, `pre.*`, `post.*`, [`Traces`]), then
///
/// - `pending.target`, `pending.t` ([`Axis::Entries`], by target, then time): the
///   postsynaptic events not applied yet, at synaptic time `t`. After `settle(now)`
///   they are each target's spikes with `t >= now`, whatever the shard.
/// - `stp.*` ([`Axis::Source`]) with short-term plasticity; `kernel.*`, `update.*`.
/// - `next_clock` ([`Axis::Scalar`]): the tick of the next clock, a fixed tick.
///
/// The transposed index is rebuilt from the synapses, the decay tables from the spec.
impl<K: Kernel<P, Q>, U: Update, const P: usize, const Q: usize> PlainState for Eager<K, U, P, Q> {
    fn save(&self, out: &mut StateWriter) {
        self.traces.save(out);
        let mut pending: Vec<(u32, u64)> = self.pending.iter().map(|&(t, i)| (i, t)).collect();
        pending.sort_unstable();
        out.group("pending", |w| {
            let at = Axis::Entries("target".into());
            w.u32("target", at.clone(), &pending.iter().map(|e| e.0).collect::<Vec<_>>());
            w.u64("t", at, &pending.iter().map(|e| e.1).collect::<Vec<_>>());
        });
        save_shared(out, self.stp.as_ref(), &self.kernel, &self.update, self.next_clock);
    }

    /// Restores into copies and keeps them only if every column fits: on an error the
    /// rule is unchanged.
    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let mut traces = self.traces.clone();
        traces.restore(r)?;
        let n_targets = traces.post.len();
        let mut pending = r.group("pending", |r| {
            let (targets, t) = crate::history::read_entries(r, n_targets, "time")?;
            Ok(t.iter().copied().zip(targets.iter().copied()).collect::<Vec<(u64, u32)>>())
        })?;
        pending.sort_unstable();
        let (stp, kernel, update, next_clock) = read_shared(r, &self.stp, &self.kernel, &self.update)?;
        (self.traces, self.pending, self.stp, self.kernel, self.update, self.next_clock) = (traces, pending.into(), stp, kernel, update, next_clock);
        Ok(())
    }
}
