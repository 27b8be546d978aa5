//! When each neuron's refractory period ends, as a wrapping 32-bit tick.
//!
//! A countdown per neuron costs a load and a store every tick; an end tick is written
//! only at a spike, and the per-tick test is one wrapping subtraction that vectorises.
//! Ends are compared with wrapping arithmetic, so that runs past 2^32 ticks work, and
//! every 2^30 ticks (or when the tick jumps that far) ends in the past are brought up
//! to the present so that no comparison ever spans more than 2^31 ticks.
//!
//! # State
//!
//! Saved as `refractory_end` (per neuron, u64: the absolute first tick at which the
//! neuron integrates again, unwrapped around the last rebase) and
//! `refractory_rebased_at` (scalar, u64). The rebase tick is saved too: a fresh
//! kernel has rebased at tick 0, and its first step at a later tick would rebase
//! around 0 and misread the wrapped ends of neurons that are still refractory.

use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// At least this often (in ticks) past ends are brought up to the present.
const REBASE: u64 = 1 << 30;

/// Refractory ends of a slice of neurons.
#[derive(Debug, Clone)]
pub(crate) struct RefractoryEnds {
    /// Low 32 bits of the first tick at which each neuron integrates again.
    free_at: Vec<u32>,
    /// Tick of the last rebase: every entry lies within 2^31 ticks of it (within
    /// 2^30 plus a refractory period).
    rebased_at: u64,
}

/// The absolute tick that the wrapped tick `low` stands for, near `base`.
#[inline]
fn unwrap(low: u32, base: u64) -> u64 {
    base.wrapping_add_signed(i64::from(low.wrapping_sub(base as u32) as i32))
}

impl RefractoryEnds {
    /// `n` neurons, none refractory.
    pub(crate) fn new(n: usize) -> Self {
        RefractoryEnds { free_at: vec![0; n], rebased_at: 0 }
    }

    /// Call at the start of every step with its tick; returns the tick's low 32 bits
    /// for [`held`].
    #[inline]
    pub(crate) fn begin(&mut self, tick: u64) -> u32 {
        if tick.abs_diff(self.rebased_at) >= REBASE {
            let base = self.rebased_at;
            for f in &mut self.free_at {
                // Within 2^31 of the last rebase, so the offset from it is exact.
                if unwrap(*f, base) <= tick {
                    *f = tick as u32;
                }
            }
            self.rebased_at = tick;
        }
        tick as u32
    }

    /// The ends, for the vectorised loops: test each with [`held`], set one at a
    /// spike with [`end_after`].
    #[inline]
    pub(crate) fn ends_mut(&mut self) -> &mut [u32] {
        &mut self.free_at
    }

    /// The end of neuron `i`.
    #[inline]
    pub(crate) fn end(&self, i: usize) -> u32 {
        self.free_at[i]
    }
}

impl PlainState for RefractoryEnds {
    fn save(&self, out: &mut StateWriter) {
        let ends: Vec<u64> = self.free_at.iter().map(|&f| unwrap(f, self.rebased_at)).collect();
        out.u64("refractory_end", Axis::Neuron, &ends);
        out.scalar("refractory_rebased_at", self.rebased_at);
    }

    /// Leaves the ends unchanged on error.
    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let (column, ends) = input.values::<u64>("refractory_end", Some(self.free_at.len()), 1)?;
        let rebased_at = input.scalar("refractory_rebased_at")?;
        if let Some((i, end)) = ends.iter().enumerate().find(|(_, e)| e.abs_diff(rebased_at) >= 1 << 31) {
            return Err(column.misfit(format!("neuron {i} ends at tick {end}, 2^31 or more ticks from the last rebase at tick {rebased_at}")));
        }
        for (f, &e) in self.free_at.iter_mut().zip(ends) {
            *f = e as u32;
        }
        self.rebased_at = rebased_at;
        Ok(())
    }
}

/// The end for a neuron that spikes at `now` (from [`RefractoryEnds::begin`]): it is
/// held for the next `n_ref` ticks.
#[inline(always)]
pub(crate) fn end_after(now: u32, n_ref: u32) -> u32 {
    now.wrapping_add(n_ref).wrapping_add(1)
}

/// Whether a neuron whose refractoriness ends at `free_at` is held at tick `now`.
#[inline(always)]
pub(crate) fn held(free_at: u32, now: u32) -> bool {
    (free_at.wrapping_sub(now) as i32) > 0
}
