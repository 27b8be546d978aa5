//! The eager engine's per-neuron state: presynaptic traces per source and, per target,
//! the postsynaptic traces around its last jump in synaptic time, both stored scaled to
//! a common epoch ([`crate::scaled`]).

use crate::scaled::{Epoch, times};
use crate::trace::{ReadPost, TraceSpec};

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
    pub(crate) epoch: Epoch<Q>,
    last: Vec<Jump<Q>>,
    d: u64,
}

impl<const Q: usize> SynapticPost<Q> {
    /// `init` traces are zero or `d` is within the first epoch ([`crate::eager::Eager::applies`]).
    pub(crate) fn new(specs: [TraceSpec; Q], n: usize, d: u64, period: u64) -> Self {
        let epoch = Epoch::new(&specs, period);
        let init = specs.map(|s| s.init);
        // The initial value holds at the synaptic origin `d`; stored scaled to epoch 0.
        let after = std::array::from_fn(|q| if init[q] == 0.0 { 0.0 } else { init[q] * (d as f64 / specs[q].tau_ticks).exp() });
        SynapticPost { specs, epoch, last: vec![Jump { before: init, after, t: d }; n], d }
    }

    /// Traces of target `i` at synaptic time `t`, counting jumps strictly before `t`;
    /// `down` is `epoch.down(t)`.
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

    /// Records target `i`'s jump at synaptic time `t`, given its traces just before.
    #[inline]
    pub(crate) fn jump(&mut self, i: usize, t: u64, before: [f64; Q]) {
        let after = std::array::from_fn(|q| self.specs[q].bump(before[q]));
        self.last[i] = Jump { before, after: times(&after, &self.epoch.up(t)), t };
    }

    /// Moves to the next epoch.
    pub(crate) fn rebase(&mut self) {
        for j in &mut self.last {
            self.epoch.rescale(&mut j.after);
        }
        self.epoch.next();
    }

    #[inline(always)]
    pub(crate) fn prefetch(&self, i: usize) {
        crate::prefetch_ptr(self.last.as_ptr().wrapping_add(i));
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.last.capacity() * std::mem::size_of::<Jump<Q>>() + self.epoch.memory_bytes()
    }
}

impl<const Q: usize> ReadPost<Q> for SynapticPost<Q> {
    /// At somatic tick `s`: the synaptic time is `s + d` (not before the current epoch).
    fn at(&self, i: usize, s: u64) -> [f64; Q] {
        let t = s + self.d;
        SynapticPost::at(self, i, t, &self.epoch.down(t))
    }
}

/// Presynaptic traces of every source, scaled to the epoch.
#[derive(Debug, Clone)]
pub(crate) struct ScaledPre<const P: usize> {
    specs: [TraceSpec; P],
    pub(crate) epoch: Epoch<P>,
    /// Per source: its traces (scaled) after its last spike.
    pub(crate) x: Vec<[f64; P]>,
    /// Tick of each source's last spike (`u64::MAX` before the first), for checks.
    pub(crate) last: Vec<u64>,
}

impl<const P: usize> ScaledPre<P> {
    pub(crate) fn new(specs: [TraceSpec; P], n: usize, period: u64) -> Self {
        // The initial value holds at tick 0, the first epoch's start: stored as is.
        ScaledPre { epoch: Epoch::new(&specs, period), x: vec![specs.map(|s| s.init); n], last: vec![u64::MAX; n], specs }
    }

    /// Records a spike of source `j` at tick `t`, given its traces just before.
    #[inline]
    pub(crate) fn spike(&mut self, j: usize, t: u64, before: [f64; P]) {
        let after = std::array::from_fn(|q| self.specs[q].bump(before[q]));
        self.x[j] = times(&after, &self.epoch.up(t));
        self.last[j] = t;
    }

    pub(crate) fn rebase(&mut self) {
        for x in &mut self.x {
            self.epoch.rescale(x);
        }
        self.epoch.next();
    }
}

/// Moves the epoch of every stored trace until tick `t` is in it (before any event
/// at `t`; both stores share the period, so they move together).
#[inline]
pub(crate) fn rebase_to<const P: usize, const Q: usize>(pre: &mut ScaledPre<P>, post: &mut SynapticPost<Q>, t: u64) {
    while pre.epoch.due(t) {
        pre.rebase();
        post.rebase();
    }
}
