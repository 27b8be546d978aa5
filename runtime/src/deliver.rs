//! Phase 5 of a window (see [`crate::window`]): every shard's spikes and graded
//! events, merged in canonical `(tick, gid)` order, added to the ring slots of their
//! arrival ticks, after each plastic projection's rule has seen the presynaptic event.

use crate::shard::{RowRef, Shard};
use crate::transport::{Alarm, Graded, Spike, Transport};
use smallvec::SmallVec;
use synfire_graphs::{DelayTicks, Tick};

/// Hints the cache to load `*x` (no effect on results).
#[inline(always)]
fn prefetch<T>(x: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = x {
        // SAFETY: a prefetch hint never faults and reads nothing; the pointer is to a live value.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((x as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

impl Shard {
    /// Delivers every shard's batch of `parity` (the window `start..end`), merged in
    /// `(tick, gid)` order, and lets the computed modulators see the window's activity.
    /// Returns the alarm of lowest key that any shard raised in the window.
    pub(crate) fn deliver_exchanged<T: Transport>(&mut self, tr: &T, parity: usize, start: u64, end: u64) -> Option<Alarm> {
        let mut merged = std::mem::take(&mut self.merged);
        let mut graded = std::mem::take(&mut self.merged_graded);
        merged.clear();
        graded.clear();
        let mut alarm: Option<Alarm> = None;
        tr.with_all(parity, |batches| {
            for a in batches.iter().filter_map(|b| b.alarm.as_ref()) {
                if alarm.as_ref().is_none_or(|x| a.key < x.key) {
                    alarm = Some(a.clone());
                }
            }
            merge_sorted(batches.iter().map(|b| &b.spikes[..]), |s| *s, &mut merged);
            if self.graded_sources {
                merge_sorted(batches.iter().map(|b| &b.graded[..]), Graded::key, &mut graded);
            }
        });
        self.deliver_all(&merged, &graded);
        if self.modulators.any_computed() {
            self.modulators.observe(start, end, &merged, &graded);
        }
        self.merged = merged;
        self.merged_graded = graded;
        alarm
    }

    /// Delivers spikes and graded events, each in canonical order, interleaved by
    /// `(tick, gid)`, in two passes: first every row lookup (independent loads the
    /// core overlaps; one at a time each was a cache miss on the row offsets), then the
    /// scatter-adds in the same order as one pass.
    // Kept out of line: inlined into the window loop it cost a few percent on
    // CUBA+STDP (measured), the loop's registers being needed elsewhere.
    #[inline(never)]
    pub(crate) fn deliver_all(&mut self, spikes: &[Spike], graded: &[Graded]) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        // The (projection, source) pairs first, asking for each row's offsets as they
        // are found, so that the offset misses (one per spike and projection, in every
        // shard) are all in flight together; then the rows.
        let count = self.guards.counting();
        if graded.is_empty() {
            // A binary spike pays for nothing else.
            for spike in spikes {
                self.find_rows(spike.tick, spike.gid, 1.0, count, &mut rows);
            }
        } else {
            let (mut i, mut j) = (0, 0);
            while i < spikes.len() || j < graded.len() {
                let spike_first = j == graded.len() || (i < spikes.len() && (spikes[i].tick, spikes[i].gid) < graded[j].key());
                if spike_first {
                    self.find_rows(spikes[i].tick, spikes[i].gid, 1.0, count, &mut rows);
                    i += 1;
                } else {
                    self.find_rows(graded[j].tick, graded[j].gid, graded[j].value, count, &mut rows);
                    j += 1;
                }
            }
        }
        rows.retain_mut(|r| {
            let row = self.incoming[r.incoming as usize].csr.row(r.source as usize);
            (r.start, r.len) = (row.start, row.len() as u32);
            r.len > 0
        });
        // Each row starts with a cache miss on its targets and weights; asking for the
        // rows a few spikes ahead overlaps them with the work on this one.
        const AHEAD: usize = 2;
        for r in rows.iter().take(AHEAD) {
            self.prefetch_row(r);
        }
        for (n, r) in rows.iter().enumerate() {
            if let Some(next) = rows.get(n + AHEAD) {
                self.prefetch_row(next);
            }
            self.deliver_row(r);
        }
        self.rows = rows;
    }

    /// Queues the rows of one event (a spike has `scale` 1) through every projection
    /// from its population, in projection order; `count`s it for a rate bound.
    #[inline(always)]
    fn find_rows(&mut self, tick: u64, gid: u64, scale: f32, count: bool, rows: &mut Vec<RowRef>) {
        let pop = self.offsets.partition_point(|&o| o <= gid) - 1;
        if count {
            self.guards.counts[pop] += 1;
        }
        for &k in &self.by_source[pop] {
            let inc = &self.incoming[k];
            let src = (gid - inc.src_gid0) as usize;
            prefetch(inc.csr.offsets.get(src));
            rows.push(RowRef { incoming: k as u32, source: src as u32, scale, tick, start: 0, len: 0 });
        }
    }

    /// Hints the cache to load the first lines of a row's targets and weights.
    #[inline(always)]
    fn prefetch_row(&self, r: &RowRef) {
        let csr = &self.incoming[r.incoming as usize].csr;
        prefetch(csr.targets.get(r.start));
        prefetch(csr.weights.get(r.start));
    }

    /// Adds one spike's weights through one projection to the ring slots of their
    /// arrival ticks (applying the rule's presynaptic event first).
    fn deliver_row(&mut self, r: &RowRef) {
        {
            let (src, row, tick) = (r.source as usize, r.row(), r.tick);
            let inc = &mut self.incoming[r.incoming as usize];
            let efficacy = match inc.plastic() {
                Some((rule, mut syn)) => {
                    let third = crate::modulators::Bound::scalars(&self.modulators, &self.slots[r.incoming as usize]);
                    r.scale * rule.on_pre_graded(src as u32, Tick(tick), r.scale, &mut syn, &third.ctx())
                }
                None => r.scale,
            };
            self.counters.syn_events += row.len() as u64;
            let slice = &mut self.slices[inc.slice];
            let len = slice.len;
            let ring = &mut slice.ring[inc.receptor];
            let (targets, weights) = (&inc.csr.targets[row.clone()], &inc.csr.weights[row.clone()]);
            match (&inc.csr.delays, inc.delay) {
                (None, DelayTicks::Const(d)) | (None, DelayTicks::PerSynapse { min: d, .. }) => {
                    let base = ((tick + u64::from(d)) & self.mask) as usize * len;
                    let slot = &mut ring[base..base + len];
                    debug_assert!(targets.iter().all(|&t| (t as usize) < len));
                    if efficacy == 1.0 {
                        for (&t, &w) in targets.iter().zip(weights) {
                            // SAFETY: `Shard::build` stores targets as `t - start` for
                            // targets `t` of this slice's range, so every `t < len`.
                            unsafe { *slot.get_unchecked_mut(t as usize) += w };
                        }
                    } else {
                        for (&t, &w) in targets.iter().zip(weights) {
                            // SAFETY: as above.
                            unsafe { *slot.get_unchecked_mut(t as usize) += w * efficacy };
                        }
                    }
                }
                (Some(delays), _) => {
                    for ((&t, &w), &d) in targets.iter().zip(weights).zip(&delays[row]) {
                        let base = ((tick + u64::from(d)) & self.mask) as usize * len;
                        ring[base + t as usize] += w * efficacy;
                    }
                }
            }
        }
    }
}

/// Merges per-shard runs, each sorted by `key`, into `out` in `key` order (ties by
/// shard order, which cannot happen: a gid lives on one shard).
fn merge_sorted<'a, T: Copy + 'a, K: Ord>(runs: impl Iterator<Item = &'a [T]>, key: impl Fn(&T) -> K, out: &mut Vec<T>) {
    let runs: SmallVec<[&[T]; 8]> = runs.filter(|r| !r.is_empty()).collect();
    if let [one] = runs.as_slice() {
        out.extend_from_slice(one);
        return;
    }
    let mut heads: SmallVec<[usize; 8]> = SmallVec::from_elem(0, runs.len());
    loop {
        let mut best: Option<(K, usize)> = None;
        for (s, run) in runs.iter().enumerate() {
            if let Some(x) = run.get(heads[s]) {
                let k = key(x);
                if best.as_ref().is_none_or(|(b, _)| k < *b) {
                    best = Some((k, s));
                }
            }
        }
        let Some((_, s)) = best else { break };
        out.push(runs[s][heads[s]]);
        heads[s] += 1;
    }
}
