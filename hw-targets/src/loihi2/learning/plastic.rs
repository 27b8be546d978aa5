//! The learning engine inside the runtime: one [`LoihiLearning`] per (projection,
//! shard), behind the runtime's `Plasticity` contract.
//!
//! Spikes are buffered until their epoch is complete (every pre spike of the epoch
//! known, every post spike recorded); the epoch is then applied to every synapse
//! with a true dependency, in one pass, and counted. A presynaptic spike first
//! completes the epochs that ended at or before its step, so it is transmitted with
//! the weights the chip would hold.

use super::engine::{Trace, apply, product, read, spike, synapse_id, trace_id, trace_uniform};
use super::{Dependency, LearningRule};
use std::sync::Arc;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Tick};
use synfire_rules::{Context, Needs, Plasticity, Synapses};

const NONE: u64 = u64::MAX;

/// Tables rebuilt from the synapses, never saved.
#[derive(Debug, Default)]
struct Index {
    /// Synapses onto each local target.
    by_target: Vec<Vec<u32>>,
    /// Source row of each synapse.
    source_of: Vec<u32>,
    /// Random-stream id of each synapse.
    keys: Vec<u64>,
    /// `epoch + 1` of the last update of each synapse.
    done: Vec<u64>,
}

/// `loihi2-like`'s learning engine for the synapses of one projection in one shard.
#[derive(Debug)]
pub struct LoihiLearning {
    rule: Arc<LearningRule>,
    proj: usize,
    seed: u64,
    src0: u64,
    tgt0: u64,
    /// `2^weight_exp`: a weight is `w_int` times this.
    step: f64,
    /// The next epoch to apply.
    epoch: u64,
    /// Presynaptic traces and the last spike step of the open epoch (or `NONE`).
    x: Vec<Trace>,
    x_last: Vec<u64>,
    x_dirty: Vec<u32>,
    /// Postsynaptic traces and the post spikes not yet applied.
    y: Vec<Trace>,
    y_pending: Vec<(u64, u32)>,
    /// Learning updates per local target.
    learn: Vec<u64>,
    index: Option<Index>,
    /// Per-epoch scratch: the new trace and spike step of neurons that spiked.
    x_new: Vec<(u64, Trace, u64)>,
    y_new: Vec<(u64, Trace, u64)>,
}

impl LoihiLearning {
    /// The engine for `n_sources` rows and `n_targets` local targets.
    pub fn new(rule: Arc<LearningRule>, proj: usize, seed: u64, src0: u64, tgt0: u64, n_sources: usize, n_targets: usize) -> Self {
        let step = 2f64.powi(rule.weight_exp);
        LoihiLearning {
            rule,
            proj,
            seed,
            src0,
            tgt0,
            step,
            epoch: 0,
            x: vec![Trace::default(); n_sources],
            x_last: vec![NONE; n_sources],
            x_dirty: Vec::new(),
            y: vec![Trace::default(); n_targets],
            y_pending: Vec::new(),
            learn: vec![0; n_targets],
            index: None,
            x_new: vec![(0, Trace::default(), 0); n_sources],
            y_new: vec![(0, Trace::default(), 0); n_targets],
        }
    }

    fn build_index(&self, syn: &Synapses<'_>) -> Index {
        let n = syn.targets.len();
        let mut ix = Index { by_target: vec![Vec::new(); self.y.len()], source_of: vec![0; n], keys: vec![0; n], done: vec![0; n] };
        for j in 0..syn.n_sources() {
            let row = syn.row(j);
            for k in row.clone() {
                let t = syn.targets[k];
                let dup = syn.targets[row.start..k].iter().filter(|&&u| u == t).count() as u64;
                ix.by_target[t as usize].push(k as u32);
                ix.source_of[k] = j as u32;
                ix.keys[k] = synapse_id(self.proj, self.src0 + j as u64, self.tgt0 + u64::from(t), dup);
            }
        }
        ix
    }

    /// Applies every epoch that ended at or before `now`.
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        let t = u64::from(self.rule.epoch);
        if self.x_dirty.is_empty() && self.y_pending.is_empty() {
            self.epoch = self.epoch.max(now / t);
            return;
        }
        if self.index.is_none() {
            self.index = Some(self.build_index(syn));
        }
        while (self.epoch + 1) * t <= now {
            self.apply_epoch(self.epoch, syn);
            self.epoch += 1;
        }
    }

    /// Applies epoch `k` (see the module docs of `learning`).
    fn apply_epoch(&mut self, k: u64, syn: &mut Synapses<'_>) {
        let rule = self.rule.clone();
        let (e0, e1) = (k * u64::from(rule.epoch), (k + 1) * u64::from(rule.epoch));
        let stamp = k + 1;
        let seed = self.seed;
        let u = move |id: u64, slot: u64| trace_uniform(seed, id, k, slot);
        // The epoch's spikes and the traces they leave.
        let mut pre = Vec::new();
        for &j in &self.x_dirty {
            let s = self.x_last[j as usize];
            if (e0..e1).contains(&s) {
                let id = trace_id(self.proj, 0, self.src0 + u64::from(j));
                self.x_new[j as usize] = (stamp, spike(self.x[j as usize], &rule.x1, s, u(id, 0), u(id, 1)), s);
                pre.push(j);
            }
        }
        self.x_dirty.retain(|&j| self.x_last[j as usize] >= e1);
        let mut post = Vec::new();
        self.y_pending.sort_unstable_by_key(|&(s, i)| (i, s));
        for &(s, i) in &self.y_pending {
            if s < e1 {
                let id = trace_id(self.proj, 1, self.tgt0 + u64::from(i));
                let old = self.y[i as usize];
                let new = spike(old, &rule.y1, s, u(id, 0), u(id, 1));
                if self.y_new[i as usize].0 != stamp {
                    post.push(i);
                }
                // Sorted by (target, step): the last spike of a target is written last.
                self.y_new[i as usize] = (stamp, new, s);
            }
        }
        self.y_pending.retain(|&(s, _)| s >= e1);
        self.y_pending.sort_unstable();
        // A trace read at step `at`: after its own spike if that is not later.
        let x_at = |me: &Self, j: u32, at: u64| {
            let (st, new, s) = me.x_new[j as usize];
            let tr = if st == stamp && s <= at { new } else { me.x[j as usize] };
            read(tr, &rule.x1, at, u(trace_id(me.proj, 0, me.src0 + u64::from(j)), 3 + at.saturating_sub(e0)))
        };
        let y_at = |me: &Self, i: u32, at: u64| {
            let (st, new, s) = me.y_new[i as usize];
            let tr = if st == stamp && s <= at { new } else { me.y[i as usize] };
            read(tr, &rule.y1, at, u(trace_id(me.proj, 1, me.tgt0 + u64::from(i)), 3 + at.saturating_sub(e0)))
        };
        let mut ix = self.index.take().unwrap_or_default();
        let update = |me: &mut Self, ix: &mut Index, kk: usize, syn: &mut Synapses<'_>| {
            if ix.done[kk] == stamp {
                return;
            }
            ix.done[kk] = stamp;
            let (i, j) = (syn.targets[kk], ix.source_of[kk]);
            let (xs, ys) = (me.x_new[j as usize], me.y_new[i as usize]);
            let terms: Vec<i64> = rule
                .products
                .iter()
                .filter_map(|p| match p.dep {
                    Dependency::Y0 if ys.0 == stamp => Some(product(p, x_at(me, j, ys.2))),
                    Dependency::X0 if xs.0 == stamp => Some(product(p, y_at(me, i, xs.2))),
                    _ => None,
                })
                .collect();
            let w = (f64::from(syn.weights[kk]) / me.step).round() as i64;
            let w = apply(w, terms, trace_uniform(me.seed, ix.keys[kk], k, 0), rule.w_max);
            syn.weights[kk] = (w as f64 * me.step) as f32;
            me.learn[i as usize] += 1;
        };
        for &j in &pre {
            for kk in syn.row(j as usize) {
                update(self, &mut ix, kk, syn);
            }
        }
        for &i in &post {
            for n in 0..ix.by_target[i as usize].len() {
                let kk = ix.by_target[i as usize][n] as usize;
                update(self, &mut ix, kk, syn);
            }
        }
        self.index = Some(ix);
        for &j in &pre {
            self.x[j as usize] = self.x_new[j as usize].1;
            self.x_last[j as usize] = NONE;
        }
        for &i in &post {
            self.y[i as usize] = self.y_new[i as usize].1;
        }
    }
}

impl Plasticity for LoihiLearning {
    fn name(&self) -> &str {
        &self.rule.name
    }

    fn needs(&self) -> Needs {
        Needs { post_spikes: true, ..Needs::default() }
    }

    fn on_post(&mut self, target: u32, t: Tick) {
        self.y_pending.push((t.0, target));
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        self.catch_up(t.0, syn);
        if self.x_last[source as usize] == NONE {
            self.x_dirty.push(source);
        }
        self.x_last[source as usize] = t.0;
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn bytes_per_synapse(&self) -> usize {
        0
    }

    fn memory_bytes(&self) -> usize {
        let per_syn = self.index.as_ref().map_or(0, |ix| ix.keys.len() * 24);
        (self.x.len() + self.y.len()) * 40 + per_syn
    }
}

/// Traces, the open epoch's spikes and the counters; the index is rebuilt.
impl PlainState for LoihiLearning {
    fn save(&self, out: &mut StateWriter) {
        out.scalar("epoch", self.epoch);
        out.u32("x.z", Axis::Source, &self.x.iter().map(|t| u32::from(t.z)).collect::<Vec<_>>());
        out.u64("x.t", Axis::Source, &self.x.iter().map(|t| t.t).collect::<Vec<_>>());
        out.u64("x.last", Axis::Source, &self.x_last);
        // Saved after `settle`: the post spikes not applied are in the open epoch, and
        // only the last of each target counts.
        let mut y_last = vec![NONE; self.y.len()];
        for &(s, i) in &self.y_pending {
            y_last[i as usize] = s;
        }
        out.u32("y.z", Axis::Neuron, &self.y.iter().map(|t| u32::from(t.z)).collect::<Vec<_>>());
        out.u64("y.t", Axis::Neuron, &self.y.iter().map(|t| t.t).collect::<Vec<_>>());
        out.u64("y.last", Axis::Neuron, &y_last);
        out.u64(crate::compare::LEARN_UPDATES, Axis::Neuron, &self.learn);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let (ns, nt) = (self.x.len(), self.y.len());
        let epoch = input.scalar("epoch")?;
        let (mut xz, mut xt, mut xl) = (vec![0u32; ns], vec![0u64; ns], vec![0u64; ns]);
        let (mut yz, mut yt, mut yl, mut learn) = (vec![0u32; nt], vec![0u64; nt], vec![0u64; nt], vec![0u64; nt]);
        input.u32_into("x.z", &mut xz)?;
        input.u64_into("x.t", &mut xt)?;
        input.u64_into("x.last", &mut xl)?;
        input.u32_into("y.z", &mut yz)?;
        input.u64_into("y.t", &mut yt)?;
        input.u64_into("y.last", &mut yl)?;
        input.u64_into(crate::compare::LEARN_UPDATES, &mut learn)?;
        self.epoch = epoch;
        self.x = xz.iter().zip(&xt).map(|(&z, &t)| Trace { z: z.min(127) as u8, t }).collect();
        self.x_dirty = (0..ns as u32).filter(|&j| xl[j as usize] != NONE).collect();
        self.x_last = xl;
        self.y = yz.iter().zip(&yt).map(|(&z, &t)| Trace { z: z.min(127) as u8, t }).collect();
        self.y_pending = (0..nt as u32).filter(|&i| yl[i as usize] != NONE).map(|i| (yl[i as usize], i)).collect();
        self.learn = learn;
        Ok(())
    }
}
