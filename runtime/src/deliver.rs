//! Delivery: a window's spikes from every shard, merged in canonical order, added to
//! the ring slots of their arrival ticks (after each plastic projection's rule has seen
//! the presynaptic event). See the phase table in [`crate::shard`].

use crate::exchange::{Exchange, Spike};
use crate::shard::Shard;
use smallvec::SmallVec;
use synfire_graphs::{DelayTicks, Tick};
use synfire_rules::Context;

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

/// One spike's synapses through one projection, found in the first pass of delivery.
#[derive(Debug, Clone)]
pub(crate) struct RowRef {
    incoming: u32,
    source: u32,
    tick: u64,
    row: std::ops::Range<usize>,
}

impl Shard {
    /// Delivers every shard's batch of `parity`, merged in `(tick, gid)` order.
    /// Returns the alarm of lowest key that any shard raised in the window.
    pub(crate) fn deliver_exchanged(&mut self, ex: &Exchange, parity: usize) -> Option<crate::exchange::Alarm> {
        let mut heads: SmallVec<[usize; 8]> = SmallVec::new();
        let mut merged = std::mem::take(&mut self.merged);
        merged.clear();
        let mut alarm: Option<crate::exchange::Alarm> = None;
        ex.with_all(parity, |batches| {
            for a in batches.iter().filter_map(|b| b.alarm.as_ref()) {
                if alarm.as_ref().is_none_or(|x| a.key < x.key) {
                    alarm = Some(a.clone());
                }
            }
            heads.resize(batches.len(), 0);
            loop {
                let mut best: Option<(Spike, usize)> = None;
                for (s, b) in batches.iter().enumerate() {
                    if let Some(&sp) = b.spikes.get(heads[s])
                        && best.is_none_or(|(x, _)| sp < x)
                    {
                        best = Some((sp, s));
                    }
                }
                let Some((spike, s)) = best else { break };
                heads[s] += 1;
                merged.push(spike);
            }
        });
        self.deliver_all(&merged);
        self.merged = merged;
        alarm
    }

    /// Delivers spikes in the given (canonical) order, in two passes: first every
    /// row lookup (independent loads the core overlaps; one at a time each was a cache
    /// miss on the row offsets), then the scatter-adds in the same order as one pass.
    pub(crate) fn deliver_all(&mut self, spikes: &[Spike]) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        // The (projection, source) pairs first, asking for each row's offsets as they
        // are found, so that the offset misses (one per spike and projection, in every
        // shard) are all in flight together; then the rows.
        for spike in spikes {
            let pop = self.offsets.partition_point(|&o| o <= spike.gid) - 1;
            self.guards.counts[pop] += 1;
            for &k in &self.by_source[pop] {
                let inc = &self.incoming[k];
                let src = (spike.gid - inc.src_gid0) as usize;
                prefetch(inc.csr.offsets.get(src));
                rows.push(RowRef { incoming: k as u32, source: src as u32, tick: spike.tick, row: 0..0 });
            }
        }
        rows.retain_mut(|r| {
            r.row = self.incoming[r.incoming as usize].csr.row(r.source as usize);
            !r.row.is_empty()
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

    /// Hints the cache to load the first lines of a row's targets and weights.
    #[inline(always)]
    fn prefetch_row(&self, r: &RowRef) {
        let csr = &self.incoming[r.incoming as usize].csr;
        prefetch(csr.targets.get(r.row.start));
        prefetch(csr.weights.get(r.row.start));
    }

    /// Adds one spike's weights through one projection to the ring slots of their
    /// arrival ticks (applying the rule's presynaptic event first).
    fn deliver_row(&mut self, r: &RowRef) {
        {
            let (src, row, tick) = (r.source as usize, r.row.clone(), r.tick);
            let inc = &mut self.incoming[r.incoming as usize];
            let efficacy = match inc.plastic() {
                Some((rule, mut syn)) => {
                    let third = crate::modulators::Bound { mods: &self.modulators, slots: &self.slots[r.incoming as usize] };
                    rule.on_pre(src as u32, Tick(tick), &mut syn, &Context { third: &third, neurons: &synfire_rules::NoNeuronState })
                }
                None => 1.0,
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
