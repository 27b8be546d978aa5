//! The spike history of postsynaptic neurons, with their traces (NEST's archiving node).
//!
//! A presynaptic spike is processed after later postsynaptic spikes may already have
//! been recorded (the engine delivers a window's input at its start, and records a
//! neuron's spikes as it integrates). So postsynaptic traces are never read "now":
//! each recorded spike keeps the values of the neuron's traces just before and just
//! after it, and a read at tick `s` starts from the last spike strictly before `s`.
//! Reads are therefore exact for any `s` not older than the pruning horizon.

use crate::trace::{DecayTable, ReadPost, TraceSpec, read_rows, write_rows};
use smallvec::SmallVec;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Spikes a target keeps inline before spilling to the heap: histories are pruned to a
/// few hundred milliseconds, so at ordinary rates they hold one to three spikes, and
/// keeping them inside one contiguous array spares a pointer chase per synapse.
const INLINE: usize = 4;

type Queue<const Q: usize> = SmallVec<[PostEntry<Q>; INLINE]>;

/// One postsynaptic spike and the neuron's traces around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PostEntry<const Q: usize> {
    /// Tick of the spike (somatic time).
    pub t: u64,
    /// Traces just before the spike's own jump.
    pub before: [f64; Q],
    /// Traces just after it.
    pub after: [f64; Q],
}

/// Spike histories of all target neurons of one rule instance.
#[derive(Debug, Clone)]
pub struct PostHistory<const Q: usize> {
    specs: [TraceSpec; Q],
    decay: [DecayTable; Q],
    hist: Vec<Queue<Q>>,
}

impl<const Q: usize> PostHistory<Q> {
    /// Empty histories for `n` targets.
    pub fn new(specs: [TraceSpec; Q], n: usize) -> Self {
        PostHistory { decay: specs.each_ref().map(DecayTable::new), specs, hist: vec![Queue::new(); n] }
    }

    /// The traces' definitions.
    pub fn specs(&self) -> &[TraceSpec; Q] {
        &self.specs
    }

    /// Records a spike of target `i` at tick `t`; ticks of one target must increase.
    pub fn record(&mut self, i: usize, t: u64) {
        let before = self.at(i, t);
        let h = &mut self.hist[i];
        debug_assert!(h.last().is_none_or(|e| e.t < t), "post spikes of target {i} out of order at tick {t}");
        if h.last().is_some_and(|e| e.t >= t) {
            return;
        }
        let after = std::array::from_fn(|n| self.specs[n].bump(before[n]));
        h.push(PostEntry { t, before, after });
    }

    /// The traces of target `i` at tick `s`, counting only spikes strictly before `s`.
    #[inline]
    pub fn at(&self, i: usize, s: u64) -> [f64; Q] {
        // Histories are short and reads are mostly near their end: scan backwards.
        match self.hist[i].iter().rev().find(|e| e.t < s) {
            Some(e) => std::array::from_fn(|q| e.after[q] * self.decay[q].get(s - e.t)),
            None => std::array::from_fn(|q| self.specs[q].init * self.decay[q].get(s)),
        }
    }

    /// The spikes of target `i` with `lo <= t <= hi`, in order.
    #[inline]
    pub fn between(&self, i: usize, lo: u64, hi: u64) -> &[PostEntry<Q>] {
        let h = &self.hist[i];
        // Backward scans: the spikes asked for are the most recent ones.
        let b = h.len() - h.iter().rev().take_while(|e| e.t > hi).count();
        let a = b - h[..b].iter().rev().take_while(|e| e.t >= lo).count();
        &h[a..b]
    }

    /// Hints the cache to load target `i`'s history: the engine walks a source's
    /// synapses in target order, each target's history is a cache miss, and asking a
    /// few synapses ahead overlaps those misses. No effect on results.
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        crate::prefetch(self.hist.get(i));
    }

    /// In one scan: the spikes of target `i` with `lo <= t <= s`, and the traces at tick
    /// `s` counting only spikes strictly before `s` (what [`Self::between`] and
    /// [`Self::at`] give separately).
    #[inline(always)]
    pub fn between_and_at(&self, i: usize, lo: u64, s: u64) -> (&[PostEntry<Q>], [f64; Q]) {
        let h = &self.hist[i];
        let b = h.len() - h.iter().rev().take_while(|e| e.t > s).count();
        let a = b - h[..b].iter().rev().take_while(|e| e.t >= lo).count();
        let before = if b > 0 && h[b - 1].t == s { b - 1 } else { b };
        let traces = match before.checked_sub(1).map(|k| &h[k]) {
            Some(e) => std::array::from_fn(|q| e.after[q] * self.decay[q].get(s - e.t)),
            None => std::array::from_fn(|q| self.specs[q].init * self.decay[q].get(s)),
        };
        (&h[a..b], traces)
    }

    /// Forgets spikes no read will need: every read is at a tick `>= horizon`, so of the
    /// spikes before `horizon` only the last one is kept (it carries the trace values).
    pub fn prune(&mut self, horizon: u64) {
        for h in &mut self.hist {
            let n = h.partition_point(|e| e.t < horizon);
            if n > 1 {
                h.drain(..n - 1);
                if h.spilled() && h.len() <= INLINE {
                    h.shrink_to_fit();
                }
            }
        }
    }

    /// Spikes currently held, over all targets.
    pub fn len(&self) -> usize {
        self.hist.iter().map(|h| h.len()).sum()
    }

    /// Whether no spike is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held: the spikes and one queue per target.
    pub fn memory_bytes(&self) -> usize {
        let spilled: usize = self.hist.iter().filter(|h| h.spilled()).map(|h| h.capacity() * Self::bytes_per_entry()).sum();
        spilled + self.hist.len() * std::mem::size_of::<Queue<Q>>() + self.decay.iter().map(DecayTable::memory_bytes).sum::<usize>()
    }

    /// Bytes per held spike.
    pub fn bytes_per_entry() -> usize {
        std::mem::size_of::<PostEntry<Q>>()
    }
}

/// Columns `target` (u32) and `t` (u64) of a list of per-target entries, checked:
/// every target below `n_targets`, entries strictly increasing by `(target, t)`
/// (`noun` names `t` in the messages).
pub(crate) fn read_entries<'a>(r: &mut StateReader<'a>, n_targets: usize, noun: &str) -> Result<(&'a [u32], &'a [u64]), StateError> {
    let (tc, targets) = r.values::<u32>("target", None, 1)?;
    if let Some(&i) = targets.iter().find(|&&i| i as usize >= n_targets) {
        return Err(tc.misfit(format!("target {i} of an entry is not below the {n_targets} targets")));
    }
    let (c, t) = r.values::<u64>("t", Some(targets.len()), 1)?;
    if let Some(e) = (1..targets.len()).find(|&e| (targets[e - 1], t[e - 1]) >= (targets[e], t[e])) {
        return Err(c.misfit(format!("entry {e} (target {}, {noun} {}) is not after the one before it: entries go by target, then {noun}", targets[e], t[e])));
    }
    Ok((targets, t))
}

/// The held spikes as entries ([`Axis::Entries`]), ordered by target, then tick:
/// `target` (local target), `t` (somatic tick), `before` and `after` (the traces
/// around the spike, width `Q`). Traces are saved, not recomputed: the first held
/// spike's `before` counts spikes already pruned. What a target holds depends only on
/// its own spikes and on the ticks of maintenance, which are the same in every shard.
impl<const Q: usize> PlainState for PostHistory<Q> {
    fn save(&self, out: &mut StateWriter) {
        let entries = || self.hist.iter().flatten();
        let at = Axis::Entries("target".into());
        let targets: Vec<u32> = self.hist.iter().enumerate().flat_map(|(i, h)| std::iter::repeat_n(i as u32, h.len())).collect();
        out.u32("target", at.clone(), &targets);
        out.u64("t", at.clone(), &entries().map(|e| e.t).collect::<Vec<_>>());
        write_rows(out, "before", at.clone(), entries().map(|e| e.before));
        write_rows(out, "after", at, entries().map(|e| e.after));
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let (targets, t) = read_entries(r, self.hist.len(), "tick")?;
        let n = targets.len();
        let before = read_rows::<Q>(r, "before", n)?;
        let after = read_rows::<Q>(r, "after", n)?;
        let mut hist = vec![Queue::new(); self.hist.len()];
        for e in 0..n {
            hist[targets[e] as usize].push(PostEntry { t: t[e], before: before[e], after: after[e] });
        }
        self.hist = hist;
        Ok(())
    }
}

impl<const Q: usize> ReadPost<Q> for PostHistory<Q> {
    fn at(&self, i: usize, s: u64) -> [f64; Q] {
        PostHistory::at(self, i, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Interaction;
    use synfire_graphs::UnitExt;

    fn naive(spikes: &[u64], s: u64, tau: f64) -> f64 {
        spikes.iter().filter(|&&t| t < s).map(|&t| (-((s - t) as f64) / tau).exp()).sum()
    }

    #[test]
    fn reads_in_the_past_are_exact_and_survive_pruning() {
        let spec = TraceSpec::new(10.0.ms(), 1.0.ms(), Interaction::AllToAll);
        let mut h = PostHistory::new([spec], 1);
        let spikes = [3, 7, 8, 20, 41, 42, 60];
        for &t in &spikes {
            h.record(0, t);
        }
        for s in 0..70 {
            assert!((h.at(0, s)[0] - naive(&spikes, s, 10.0)).abs() < 1e-12, "s = {s}");
        }
        h.prune(30);
        assert_eq!(h.len(), 4, "keeps the last spike before the horizon");
        for s in 30..70 {
            assert!((h.at(0, s)[0] - naive(&spikes, s, 10.0)).abs() < 1e-12, "s = {s}");
        }
        assert_eq!(h.between(0, 20, 42).iter().map(|e| e.t).collect::<Vec<_>>(), vec![20, 41, 42]);
    }
}
