//! The eager engine's per-neuron state: presynaptic traces per source and, per target,
//! the postsynaptic traces around its last jump in synaptic time, both stored scaled to
//! a common epoch ([`crate::scaled`]).

use crate::scaled::{self, Epoch, Scales, times};
use crate::trace::{ReadPost, TraceSpec, read_rows, write_rows};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Per target: the traces just before its last jump (as values), just after it
/// (scaled to the epoch, [`crate::scaled`]), and the jump's synaptic time.
#[derive(Debug, Clone, Copy)]
struct Jump<const Q: usize> {
    before: [f64; Q],
    after: [f64; Q],
    /// Synaptic time of the jump; `d` (the synaptic origin) before the first one.
    t: u64,
}

/// Postsynaptic traces of every target in synaptic time (shifted by the delay `d`).
#[derive(Debug, Clone)]
pub(crate) struct SynapticPost<const Q: usize> {
    specs: [TraceSpec; Q],
    pub(crate) scales: Scales<Q>,
    last: Vec<Jump<Q>>,
}

impl<const Q: usize> SynapticPost<Q> {
    /// `init` traces are zero or `d` is within the first epoch ([`crate::eager::Eager::applies`]).
    fn new(specs: [TraceSpec; Q], n: usize, d: u64, period: u64) -> Self {
        let init = specs.map(|s| s.init);
        // The initial value holds at the synaptic origin `d`; stored scaled to epoch 0.
        let after = std::array::from_fn(|q| if init[q] == 0.0 { 0.0 } else { init[q] * (d as f64 / specs[q].tau_ticks).exp() });
        SynapticPost { scales: Scales::new(&specs, period), specs, last: vec![Jump { before: init, after, t: d }; n] }
    }

    /// Traces of target `i` at synaptic time `t`, counting jumps strictly before `t`;
    /// `down` is [`Traces::post_down`] at `t`.
    #[inline(always)]
    pub(crate) fn at(&self, i: usize, t: u64, down: &[f64; Q]) -> [f64; Q] {
        let j = &self.last[i];
        if t > j.t {
            times(&j.after, down)
        } else if t == j.t {
            j.before
        } else {
            // Before the synaptic origin (t < d): the initial value, undecayed.
            self.specs.map(|s| s.init)
        }
    }

    /// Records target `i`'s jump at synaptic time `t`, given its traces just before;
    /// `up` is the scale factor at `t`.
    #[inline]
    fn jump(&mut self, i: usize, t: u64, up: &[f64; Q], before: [f64; Q]) {
        let after = std::array::from_fn(|q| self.specs[q].bump(before[q]));
        self.last[i] = Jump { before, after: times(&after, up), t };
    }

    /// Number of targets.
    pub(crate) fn len(&self) -> usize {
        self.last.len()
    }

    #[inline(always)]
    pub(crate) fn prefetch(&self, i: usize) {
        crate::prefetch_ptr(self.last.as_ptr().wrapping_add(i));
    }

    fn memory_bytes(&self) -> usize {
        self.last.capacity() * std::mem::size_of::<Jump<Q>>() + self.scales.memory_bytes()
    }
}

/// Presynaptic traces of every source, scaled to the epoch.
#[derive(Debug, Clone)]
pub(crate) struct ScaledPre<const P: usize> {
    specs: [TraceSpec; P],
    scales: Scales<P>,
    /// Per source: its traces (scaled) after its last spike.
    pub(crate) x: Vec<[f64; P]>,
    /// Tick of each source's last spike (`u64::MAX` before the first), for checks.
    pub(crate) last: Vec<u64>,
}

/// Both stores and the epoch they share.
#[derive(Debug, Clone)]
pub(crate) struct Traces<const P: usize, const Q: usize> {
    epoch: Epoch,
    pub(crate) pre: ScaledPre<P>,
    pub(crate) post: SynapticPost<Q>,
    /// The projection's delay: synaptic time is somatic time plus `d`.
    pub(crate) d: u64,
}

impl<const P: usize, const Q: usize> Traces<P, Q> {
    pub(crate) fn new(pre: [TraceSpec; P], post: [TraceSpec; Q], n_sources: usize, n_targets: usize, d: u64) -> Self {
        let period = scaled::period(&[pre.as_slice(), post.as_slice()].concat());
        // The initial value holds at tick 0, the first epoch's start: stored as is.
        let x = vec![pre.map(|s| s.init); n_sources];
        Traces {
            epoch: Epoch::new(period),
            pre: ScaledPre { scales: Scales::new(&pre, period), specs: pre, x, last: vec![u64::MAX; n_sources] },
            post: SynapticPost::new(post, n_targets, d, period),
            d,
        }
    }

    /// Moves the epoch until tick `t` is in it, rescaling every stored trace (before
    /// any event at `t`).
    #[inline]
    pub(crate) fn rebase_to(&mut self, t: u64) {
        while self.epoch.due(t) {
            for x in &mut self.pre.x {
                self.pre.scales.rescale(x);
            }
            for j in &mut self.post.last {
                self.post.scales.rescale(&mut j.after);
            }
            self.epoch.next();
        }
    }

    /// Factors that turn stored presynaptic traces into values at tick `t`.
    #[inline(always)]
    pub(crate) fn pre_down(&self, t: u64) -> [f64; P] {
        self.pre.scales.down(self.epoch.since(t))
    }

    /// Factors that turn stored postsynaptic traces into values at synaptic time `t`.
    #[inline(always)]
    pub(crate) fn post_down(&self, t: u64) -> [f64; Q] {
        self.post.scales.down(self.epoch.since(t))
    }

    /// Records a spike of source `j` at tick `t` (in the epoch), given its traces just before.
    #[inline]
    pub(crate) fn pre_spike(&mut self, j: usize, t: u64, before: [f64; P]) {
        let pre = &mut self.pre;
        let after = std::array::from_fn(|q| pre.specs[q].bump(before[q]));
        pre.x[j] = times(&after, &pre.scales.up(self.epoch.since(t)));
        pre.last[j] = t;
    }

    /// Records target `i`'s jump at synaptic time `t` (in the epoch), given its traces just before.
    #[inline]
    pub(crate) fn post_jump(&mut self, i: usize, t: u64, before: [f64; Q]) {
        let up = self.post.scales.up(self.epoch.since(t));
        self.post.jump(i, t, &up, before);
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.pre.x.capacity() * (8 * P + 8) + self.pre.scales.memory_bytes() + self.post.memory_bytes()
    }
}

impl<const P: usize, const Q: usize> ReadPost<Q> for Traces<P, Q> {
    /// At somatic tick `s`: the synaptic time is `s + d` (not before the current epoch).
    fn at(&self, i: usize, s: u64) -> [f64; Q] {
        let t = s + self.d;
        self.post.at(i, t, &self.post_down(t))
    }
}

/// Columns:
///
/// - `epoch` ([`Axis::Scalar`]): the tick the stored traces are scaled to. Epochs move
///   at fixed ticks, but only when an event needs it, so shards that saw different
///   events could differ; [`Eager`](crate::eager::Eager)'s `settle(now)` moves it to
///   the epoch holding `now`, the same in every shard.
/// - `pre.x` (width `P`, scaled) and `pre.last` ([`Axis::Source`]): a source's row
///   changes only at its own spikes and at the rescalings of the epoch, which are at
///   fixed ticks, so it is the same in every shard where the source has synapses.
/// - `post.t`, `post.before`, `post.after` (width `Q`, scaled) ([`Axis::Neuron`]):
///   each target's last jump in synaptic time.
impl<const P: usize, const Q: usize> PlainState for Traces<P, Q> {
    fn save(&self, out: &mut StateWriter) {
        out.scalar("epoch", self.epoch.start());
        out.group("pre", |w| {
            write_rows(w, "x", Axis::Source, self.pre.x.iter().copied());
            w.u64("last", Axis::Source, &self.pre.last);
        });
        out.group("post", |w| {
            let last = &self.post.last;
            w.u64("t", Axis::Neuron, &last.iter().map(|j| j.t).collect::<Vec<_>>());
            write_rows(w, "before", Axis::Neuron, last.iter().map(|j| j.before));
            write_rows(w, "after", Axis::Neuron, last.iter().map(|j| j.after));
        });
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let (c, start) = r.values::<u64>("epoch", Some(1), 1)?;
        let epoch = self.epoch.starting_at(start[0]).ok_or_else(|| c.misfit(format!("tick {} does not start an epoch", start[0])))?;
        let (n_sources, n_targets) = (self.pre.x.len(), self.post.last.len());
        let (x, last) = r.group("pre", |r| Ok((read_rows::<P>(r, "x", n_sources)?, r.values::<u64>("last", Some(n_sources), 1)?.1.to_vec())))?;
        let jumps = r.group("post", |r| {
            let t = r.values::<u64>("t", Some(n_targets), 1)?.1;
            let before = read_rows::<Q>(r, "before", n_targets)?;
            let after = read_rows::<Q>(r, "after", n_targets)?;
            Ok(t.iter().zip(before).zip(after).map(|((&t, before), after)| Jump { before, after, t }).collect())
        })?;
        (self.epoch, self.pre.x, self.pre.last, self.post.last) = (epoch, x, last, jumps);
        Ok(())
    }
}
