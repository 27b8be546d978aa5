//! A rule driven window by window, as the runtime drives it, that can be saved at a
//! window boundary and resumed from the table by a fresh rule.

use crate::harness::{Net, Trains};
use synfire_graphs::{Axis, StateError, StateReader, StateTable, StateWriter, Tick};
use synfire_rules::{Context, Delays, Plasticity, Synapses};

/// How the miniature engine calls a rule: windows of `len` ticks, `settle` instead of
/// `advance` at every `settle_every`-th window start, post spikes recorded `early`
/// ticks before the contract needs them.
#[derive(Debug, Clone, Copy)]
pub struct Calls {
    pub len: u64,
    pub settle_every: Option<u64>,
    pub early: u64,
}

pub const CALLS: [Calls; 3] =
    [Calls { len: 1, settle_every: None, early: 0 }, Calls { len: 3, settle_every: Some(7), early: 4 }, Calls { len: 10, settle_every: None, early: 15 }];

/// A rule driven window by window, as the runtime drives it, that can be resumed
/// from a table.
pub struct Sim {
    pub rule: Box<dyn Plasticity>,
    offsets: Vec<u64>,
    targets: Vec<u32>,
    delays: Vec<u32>,
    pub weights: Vec<f32>,
    pre: Vec<(u64, usize)>,
    post: Vec<(u64, usize)>,
    next_pre: usize,
    next_post: usize,
    calls: Calls,
    pub efficacy: Vec<(u64, usize, f32)>,
}

impl Sim {
    pub fn new(rule: Box<dyn Plasticity>, net: &Net, trains: &Trains, calls: Calls) -> Sim {
        let events = |ts: &[Vec<u64>]| {
            let mut e: Vec<(u64, usize)> = ts.iter().enumerate().flat_map(|(n, ts)| ts.iter().map(move |&t| (t, n))).collect();
            e.sort_unstable();
            e
        };
        Sim {
            rule,
            offsets: net.offsets.clone(),
            targets: net.syns.iter().map(|s| s.tgt as u32).collect(),
            delays: net.syns.iter().map(|s| s.delay).collect(),
            weights: net.syns.iter().map(|s| s.w0).collect(),
            pre: events(&trains.pre),
            post: events(&trains.post),
            next_pre: 0,
            next_post: 0,
            calls,
            efficacy: Vec::new(),
        }
    }

    /// Calls `f` with the rule and its synapses.
    fn with<T>(&mut self, f: impl FnOnce(&mut dyn Plasticity, &mut Synapses<'_>, &[(u64, usize)], &mut usize, &mut Vec<(u64, usize, f32)>) -> T) -> T {
        let Sim { rule, offsets, targets, delays, weights, pre, next_pre, efficacy, .. } = self;
        let mut syn = Synapses { offsets, targets, delays: Delays::PerSynapse(delays), weights };
        f(rule.as_mut(), &mut syn, pre, next_pre, efficacy)
    }

    /// Delivers the pre spikes before `now` of sources with synapses here.
    fn deliver(&mut self, now: u64) {
        self.with(|rule, syn, pre, next, efficacy| {
            while *next < pre.len() && pre[*next].0 < now {
                let (t, j) = pre[*next];
                if !syn.row(j).is_empty() {
                    efficacy.push((t, j, rule.on_pre(j as u32, Tick(t), syn, &Context::none())));
                }
                *next += 1;
            }
        });
    }

    /// The window starts `from, from + len, ..` before `to`.
    pub fn windows(&mut self, from: u64, to: u64) {
        let Calls { len, settle_every, early } = self.calls;
        for w0 in (from..to).step_by(len as usize) {
            self.deliver(w0);
            let settle = settle_every.is_some_and(|s| (w0 / len) % s == s - 1);
            self.with(|rule, syn, _, _, _| if settle { rule.settle(Tick(w0), syn, &Context::none()) } else { rule.advance(Tick(w0), syn, &Context::none()) });
            while self.next_post < self.post.len() && self.post[self.next_post].0 < w0 + len + early {
                let (t, i) = self.post[self.next_post];
                self.rule.on_post(i as u32, Tick(t));
                self.next_post += 1;
            }
        }
    }

    /// Delivers everything before `now` and settles, as the engine does before saving.
    pub fn settle(&mut self, now: u64) {
        self.deliver(now);
        self.with(|rule, syn, _, _, _| rule.settle(Tick(now), syn, &Context::none()));
    }

    /// What the engine saves: the weights and the rule's columns.
    pub fn table(&self) -> StateTable {
        let mut w = StateWriter::new();
        w.f32("weights", Axis::Synapse, &self.weights);
        w.group("rule", |g| self.rule.save(g));
        w.finish()
    }

    /// A copy of this run (weights and events delivered so far) with `rule` in place
    /// of its own rule.
    pub fn fork(&self, rule: Box<dyn Plasticity>) -> Sim {
        let Sim { offsets, targets, delays, weights, pre, post, next_pre, next_post, calls, efficacy, .. } = self;
        let (offsets, targets, delays, weights, pre, post, efficacy) =
            (offsets.clone(), targets.clone(), delays.clone(), weights.clone(), pre.clone(), post.clone(), efficacy.clone());
        Sim { rule, offsets, targets, delays, weights, pre, post, next_pre: *next_pre, next_post: *next_post, calls: *calls, efficacy }
    }

    /// [`Sim::fork`] with `rule` and the weights restored from `table`, as the engine restores.
    pub fn resume(&self, rule: Box<dyn Plasticity>, table: &StateTable) -> Result<Sim, StateError> {
        let mut sim = self.fork(rule);
        let mut r = StateReader::new(table);
        r.f32_into("weights", &mut sim.weights)?;
        r.group("rule", |g| sim.rule.restore(g))?;
        r.finish()?;
        Ok(sim)
    }
}
