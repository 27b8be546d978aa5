//! Mirrored projections (symmetric feedback): weights that are a scaled transpose of
//! another projection's, kept equal by copies at the ticks the other's weights change.
//!
//! A mirror `F` (rule `superspike_feedback`) follows a forward projection `P` whose
//! rule changes its weights only at the ticks `offset + n every` (SuperSpike's
//! updates act from `n T_u + signal_delay` on). The coordinator ends a run segment at
//! each such tick `a` (a window boundary; every rule has settled to `a`, so `P`'s
//! update that acts at `a` is in its weights), gathers `P`'s weights and sends them
//! to every shard, which writes `scale * w_ki` into `F`'s synapse `k -> i`. Then the
//! run goes on: every event emitted at `s >= a` is delivered after the copy, every
//! event before `a` was delivered before it, so `F` transmits with `scale * P^T` of
//! the tick each event was emitted at, exactly as `P` does. A run also copies when it
//! starts (tick 0, after a restore, after the weights were read), which changes
//! nothing when they are equal already.
//!
//! What crosses: `|P|` numbers per update (every 5000 ticks by default) through the
//! coordinator, nothing per tick. Results do not depend on the worker count or the
//! window: the copy's tick is fixed by the rule, and a segment boundary is a window
//! boundary like any other.

use crate::error::RunError;
use crate::records::WeightTrace;
use crate::runtime::Runtime;
use crate::shard::Shard;
use crate::worker::{Command, Reply};
use std::sync::Arc;
use synfire_graphs::{Graph, RuleCatalog};

/// One mirrored projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mirror {
    /// The mirror's projection index.
    pub fb: usize,
    /// The projection it mirrors.
    pub fwd: usize,
    pub scale: f32,
    /// The forward weights change at `offset + n every`, `n >= 1` (ticks).
    pub every: u64,
    pub offset: u64,
}

impl Mirror {
    /// The first tick after `t` at which the forward weights change.
    pub(crate) fn next_after(&self, t: u64) -> u64 {
        let n = if t < self.offset + self.every { 1 } else { (t - self.offset) / self.every + 1 };
        self.offset + n * self.every
    }
}

/// The mirrors of `graph` (checked at freeze: the forward projection exists, learns
/// on a schedule, and is this one's transpose).
pub(crate) fn mirrors(graph: &Graph) -> Result<Vec<Mirror>, RunError> {
    let cat = synfire_rules::Catalog;
    let mut out = Vec::new();
    for (fb, p) in graph.projections.iter().enumerate() {
        let Some(spec) = &p.conn.rule else { continue };
        for input in cat.projection_inputs(spec) {
            let bad = |message: String| RunError::Unsupported { path: format!("projections[{fb}].rule.inputs.{input}"), message };
            let name = spec.inputs.get(input).ok_or_else(|| bad("names no projection".into()))?;
            let fwd = graph.projections.iter().position(|q| &q.name == name).ok_or_else(|| bad(format!("no projection is called `{name}`")))?;
            let schedule = graph.projections[fwd]
                .conn
                .rule
                .as_ref()
                .and_then(|r| cat.weight_schedule(r))
                .ok_or_else(|| bad(format!("`{name}` does not learn on a schedule")))?;
            let scale = synfire_rules::SuperSpikeFeedback::from_spec(spec).map_err(|p| bad(format!("{p:?}")))?.scale as f32;
            let every = schedule.every.to_ticks(graph.dt).max(1);
            out.push(Mirror { fb, fwd, scale, every, offset: schedule.offset.to_ticks(graph.dt) });
        }
    }
    Ok(out)
}

impl Runtime {
    /// The first tick after `t` at which some mirror must copy (`u64::MAX` if none).
    pub(crate) fn next_copy(&self, t: u64) -> u64 {
        self.mirrors.iter().map(|m| m.next_after(t)).min().unwrap_or(u64::MAX)
    }

    /// Copies the mirrors whose forward weights change at `now` (all of them with `all`).
    pub(crate) fn copy_mirrors(&mut self, now: u64, all: bool) -> Result<(), RunError> {
        let due: Vec<Mirror> = self.mirrors.iter().copied().filter(|m| all || (now > m.offset && (now - m.offset).is_multiple_of(m.every))).collect();
        for m in due {
            let forward = Arc::new(self.weights_of_projection(m.fwd)?);
            for r in self.broadcast(|| Command::Mirror { fb: m.fb, scale: m.scale, forward: forward.clone() })? {
                if !matches!(r, Reply::Done) {
                    return Err(self.lost(0, "unexpected reply to a mirror copy"));
                }
            }
        }
        Ok(())
    }
}

impl Shard {
    /// Writes `scale * w_ki` of the forward weights (sorted by `(source, target)`)
    /// into every local synapse `k -> i` of projection `fb`.
    pub(crate) fn mirror(&mut self, fb: usize, scale: f32, forward: &WeightTrace) {
        let n = forward.synapses.len();
        let last = &forward.values[forward.values.len() - n..];
        for inc in self.incoming.iter_mut().filter(|inc| inc.proj == fb) {
            let first_target = self.slices[inc.slice].start as u32;
            for k in 0..inc.csr.offsets.len().saturating_sub(1) {
                for j in inc.csr.row(k) {
                    let i = inc.csr.targets[j] + first_target;
                    // Freeze checked that both connect all to all: the partner exists.
                    if let Ok(at) = forward.synapses.binary_search(&(i, k as u32)) {
                        inc.csr.weights[j] = scale * last[at];
                    } else {
                        debug_assert!(false, "synapse {i} -> {k} of the mirrored projection is missing");
                    }
                }
            }
        }
    }
}
