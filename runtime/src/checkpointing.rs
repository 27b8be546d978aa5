//! Taking a checkpoint of a running [`Runtime`] and building a runtime from one.
//!
//! Taking one: every shard settles its rules and saves its parts at the current
//! window boundary; the coordinator merges the parts into global tables
//! (`checkpoint::layout_map`) and adds the probe data merged so far. Restoring: a
//! runtime is built from the graph as usual (connectivity is regenerated from the
//! seed), each global table is split for the new layout and every shard restores its
//! parts. The result continues bit-identically for any worker count.

use crate::checkpoint::layout_map::{self, Shape};
use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::error::RunError;
use crate::records::Counters;
use crate::runtime::{Prior, Runtime, RuntimeBuilder};
use crate::worker::{Command, Query, Reply};
use std::path::Path;
use synfire_graphs::{Graph, ProbeKind, StateTable};

impl Runtime {
    /// The whole state of the run now (a window boundary), independent of the number
    /// of workers. Taking it changes nothing in the run.
    pub fn checkpoint(&mut self) -> Result<Checkpoint, RunError> {
        let (now, max_delay) = (self.now, u64::from(self.graph.max_delay()));
        let replies = self.broadcast(|| Command::Save { now, max_delay })?;
        let mut shards = Vec::with_capacity(replies.len());
        for r in replies {
            match r {
                Reply::Saved(s) => shards.push(*s),
                _ => return Err(self.lost(0, "unexpected reply to save")),
            }
        }
        let g = self.graph.clone();
        let mut counters = Counters::default();
        shards.iter().for_each(|s| counters += s.counters);
        let mut pops = vec![None; g.populations.len()];
        for (pop, slot) in pops.iter_mut().enumerate() {
            let parts: Vec<(&Shape, &StateTable)> = shards.iter().flat_map(|s| s.pops.iter()).filter(|p| p.0 == pop).map(|p| (&p.1, &p.2)).collect();
            if !parts.is_empty() {
                *slot = Some(layout_map::merge(&format!("populations[{pop}] {}", g.populations[pop].name), &parts)?);
            }
        }
        let mut projs = vec![None; g.projections.len()];
        for (proj, slot) in projs.iter_mut().enumerate() {
            let parts: Vec<(&Shape, &StateTable)> = shards.iter().flat_map(|s| s.projs.iter()).filter(|p| p.0 == proj).map(|p| (&p.1, &p.2)).collect();
            if !parts.is_empty() {
                *slot = Some(layout_map::merge(&format!("projections[{proj}] {}", g.projections[proj].name), &parts)?);
            }
        }
        // Each kind of recorder is fetched once, whatever the number of probes.
        let has = |f: fn(&ProbeKind) -> bool| g.probes.iter().any(|p| f(&p.kind));
        let all_states = if has(|k| matches!(k, ProbeKind::State { .. })) { self.all_states()? } else { Vec::new() };
        let all_weights = if has(|k| matches!(k, ProbeKind::Weights { .. })) { self.all_weights()? } else { Vec::new() };
        let mut states = vec![None; g.probes.len()];
        let mut weights = vec![None; g.probes.len()];
        for (k, probe) in g.probes.iter().enumerate() {
            match probe.kind {
                ProbeKind::State { .. } => states[k] = Some(self.state_from(k, &all_states)?),
                ProbeKind::Weights { .. } => weights[k] = Some(self.weights_from(k, &all_weights)?),
                _ => {}
            }
        }
        Ok(Checkpoint {
            graph: (*g).clone(),
            tick: now,
            counters,
            pops,
            projs,
            modulators: shards.first().map(|s| s.modulators.clone()).unwrap_or_default(),
            spikes: self.merged_spikes()?,
            states,
            weights,
            injected: self.injected.clone(),
            learning: self.learning,
            user: Vec::new(),
        })
    }

    /// Writes [`Runtime::checkpoint`] to `path` atomically; returns the bytes written.
    pub fn save_checkpoint(&mut self, path: &Path) -> Result<u64, RunError> {
        let ck = self.checkpoint()?;
        Ok(ck.write(path)?)
    }
}

impl RuntimeBuilder {
    /// Builds a runtime for `graph` (which must be the checkpoint's network) and
    /// restores the checkpoint into it: it continues as the checkpointed run would
    /// have, whatever the number of workers of either.
    pub fn restore(self, graph: &Graph, ck: &Checkpoint) -> Result<Runtime, RunError> {
        ck.check_graph(graph)?;
        let mut rt = self.build(graph)?;
        let mut shapes = Vec::new();
        for r in rt.query(Query::Shapes)? {
            match r {
                Reply::Shapes(p, q) => shapes.push((p, q)),
                _ => return Err(rt.lost(0, "unexpected reply to shapes")),
            }
        }
        let n = shapes.len();
        let mut pops: Vec<Vec<StateTable>> = vec![Vec::new(); n];
        let mut projs: Vec<Vec<StateTable>> = vec![Vec::new(); n];
        split_all(&ck.pops, graph.populations.len(), |s| &shapes[s].0, &mut pops, "populations")?;
        split_all(&ck.projs, graph.projections.len(), |s| &shapes[s].1, &mut projs, "projections")?;
        let (now, max_delay) = (ck.tick, u64::from(graph.max_delay()));
        // The counters so far go to shard 0 (they are summed over shards).
        let commands = pops
            .into_iter()
            .zip(projs)
            .enumerate()
            .map(|(s, (pops, projs))| {
                let counters = if s == 0 { ck.counters } else { Counters { ticks: ck.tick, ..Counters::default() } };
                Command::Restore { now, max_delay, pops, projs, counters, modulators: ck.modulators.clone() }
            })
            .collect();
        let replies = rt.send_each(commands)?;
        for r in replies {
            match r {
                Reply::Restored(Ok(())) => {}
                Reply::Restored(Err(e)) => return Err(e.into()),
                _ => return Err(rt.lost(0, "unexpected reply to restore")),
            }
        }
        rt.now = ck.tick;
        rt.learning = ck.learning;
        if !ck.injected.is_empty() {
            let spikes = std::sync::Arc::new(ck.injected.clone());
            rt.broadcast(|| Command::Inject(spikes.clone()))?;
            rt.injected = ck.injected.clone();
        }
        rt.prior = Prior { spikes: ck.spikes.clone(), states: ck.states.clone(), weights: ck.weights.clone() };
        Ok(rt)
    }

    /// [`RuntimeBuilder::restore`] from a checkpoint file, on the graph it holds.
    pub fn resume(self, path: &Path) -> Result<(Runtime, Checkpoint), RunError> {
        let ck = Checkpoint::read(path)?;
        let rt = self.restore(&ck.graph, &ck)?;
        Ok((rt, ck))
    }
}

/// Splits every global table of `globals` (one per item, `expected` items) for the
/// shards whose parts `shapes(s)` lists, appending to each shard's tables in the
/// order of its parts (items increase in both).
fn split_all<'a>(
    globals: &[Option<StateTable>],
    expected: usize,
    shapes: impl Fn(usize) -> &'a crate::shard_state::Parts,
    out: &mut [Vec<StateTable>],
    section: &str,
) -> Result<(), RunError> {
    if globals.len() != expected {
        return Err(CheckpointError::State { what: section.into(), message: format!("{} tables for {expected} items", globals.len()) }.into());
    }
    for (item, global) in globals.iter().enumerate() {
        let owners: Vec<(usize, &Shape)> = (0..out.len()).filter_map(|s| shapes(s).iter().find(|p| p.0 == item).map(|p| (s, &p.1))).collect();
        match global {
            None if owners.is_empty() => {}
            None => {
                return Err(CheckpointError::State { what: format!("{section}[{item}]"), message: "no state saved for a part that has state".into() }.into());
            }
            Some(g) => {
                let parts: Vec<&Shape> = owners.iter().map(|o| o.1).collect();
                let tables = layout_map::split(&format!("{section}[{item}]"), g, &parts)?;
                for ((s, _), t) in owners.iter().zip(tables) {
                    out[*s].push(t);
                }
            }
        }
    }
    Ok(())
}
