//! The lazy engine's state as plain data, for checkpoints.
//!
//! | column | axis | what |
//! |---|---|---|
//! | `pre.x`, `pre.last` | source | presynaptic traces after the last spike (width `P`), its tick ([`PreTraces`](crate::trace::PreTraces)) |
//! | `seen` | source | post events with synaptic time below it have reached the source's row |
//! | `post.target`, `post.t`, `post.before`, `post.after` | entries | each target's held spikes with its traces (width `Q`) ([`PostHistory`](crate::history::PostHistory)) |
//! | `stp.x`, `stp.u`, `stp.last` | source | short-term plasticity, if the rule has it |
//! | `kernel.*`, `update.*` | (theirs) | the kernel's and the update's own state |
//! | `next_clock`, `next_maint`, `floor` | scalar | the next clock and maintenance ticks, the contract check's floor |
//!
//! Per-source rows are the same in every shard where the source has synapses:
//! `pre.*` and `stp.*` change only at the source's own spikes; `seen[j]` is set by
//! those spikes (to `t + 1`) and by `settle`, clocks and maintenance (to their tick),
//! all at ticks common to every shard. After `settle(now)`, which the engine calls
//! before saving, `seen[j] == now` for every source, and `floor == now`. The scalars
//! move at the ticks of clocks and of `advance`/`settle`, which every shard shares.
//! The decay tables, specs and the delay are rebuilt from the spec, not saved.

use super::{Driver, Hard, Kernel, Update};
use crate::bounds::Bounds;
use crate::stp::StpState;

use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

impl<K: Kernel<P, Q>, U: Update, const P: usize, const Q: usize> PlainState for Driver<K, U, P, Q> {
    fn save(&self, out: &mut StateWriter) {
        out.group("pre", |w| self.pre.save(w));
        out.u64("seen", Axis::Source, &self.seen);
        out.group("post", |w| self.post.save(w));
        save_shared(out, self.stp.as_ref(), &self.kernel, &self.update, self.next_clock);
        out.scalar("next_maint", self.next_maint);
        out.scalar("floor", self.floor);
    }

    /// Restores into copies and keeps them only if every column fits: on an error the
    /// rule is unchanged.
    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let mut pre = self.pre.clone();
        r.group("pre", |r| pre.restore(r))?;
        let seen = r.values::<u64>("seen", Some(self.seen.len()), 1)?.1.to_vec();
        let mut post = self.post.clone();
        r.group("post", |r| post.restore(r))?;
        let (stp, kernel, update, next_clock) = read_shared(r, &self.stp, &self.kernel, &self.update)?;
        let next_maint = r.scalar("next_maint")?;
        let floor = r.scalar("floor")?;
        (self.pre, self.seen, self.post, self.stp, self.kernel, self.update) = (pre, seen, post, stp, kernel, update);
        (self.next_clock, self.next_maint, self.floor) = (next_clock, next_maint, floor);
        Ok(())
    }
}

/// Writes what both engines hold besides their traces: `stp.*` (if the rule has
/// short-term plasticity), `kernel.*`, `update.*` and the scalar `next_clock`.
pub(crate) fn save_shared<K: PlainState, U: PlainState>(out: &mut StateWriter, stp: Option<&StpState>, kernel: &K, update: &U, next_clock: u64) {
    if let Some(stp) = stp {
        out.group("stp", |w| stp.save(w));
    }
    out.group("kernel", |w| kernel.save(w));
    out.group("update", |w| update.save(w));
    out.scalar("next_clock", next_clock);
}

/// Reads what [`save_shared`] wrote into copies of the current parts.
pub(crate) fn read_shared<K: Kernel<P, Q>, U: Update, const P: usize, const Q: usize>(
    r: &mut StateReader<'_>,
    stp: &Option<StpState>,
    kernel: &K,
    update: &U,
) -> Result<(Option<StpState>, K, U, u64), StateError> {
    let mut stp = stp.clone();
    if let Some(s) = &mut stp {
        r.group("stp", |r| s.restore(r))?;
    }
    let mut kernel = kernel.clone();
    r.group("kernel", |r| kernel.restore(r))?;
    let mut update = update.clone();
    r.group("update", |r| update.restore(r))?;
    let next_clock = read_next_clock(&kernel, r)?;
    Ok((stp, kernel, update, next_clock))
}

/// Reads scalar `name`, the tick of `kernel`'s next clock: `u64::MAX` for a kernel
/// without a clock, else a positive multiple of its period.
fn read_next_clock<K: Kernel<P, Q>, const P: usize, const Q: usize>(kernel: &K, r: &mut StateReader<'_>) -> Result<u64, StateError> {
    let name = "next_clock";
    let (c, t) = r.values::<u64>(name, Some(1), 1)?;
    let t = t[0];
    match kernel.clock_period() {
        None if t != u64::MAX => Err(c.misfit(format!("tick {t} for a rule without a clock, where {} is needed", u64::MAX))),
        Some(p) if t == 0 || !t.is_multiple_of(p) => Err(c.misfit(format!("tick {t} is not a clock tick (a positive multiple of {p})"))),
        _ => Ok(t),
    }
}

/// Parameters only: no columns.
impl PlainState for Bounds {
    fn save(&self, _: &mut StateWriter) {}
    fn restore(&mut self, _: &mut StateReader<'_>) -> Result<(), StateError> {
        Ok(())
    }
}

/// Parameters only: no columns.
impl PlainState for Hard {
    fn save(&self, _: &mut StateWriter) {}
    fn restore(&mut self, _: &mut StateReader<'_>) -> Result<(), StateError> {
        Ok(())
    }
}
