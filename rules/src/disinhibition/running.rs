//! The running form of the dis-inhibitory rules: the lazy row-by-row application of
//! per-tick postsynaptic factors to a presynaptic trace, online or accumulated over a
//! batch and applied by SGD or Adam at the ticks of a `step` modulator.
//!
//! Why lazy: a spike (or graded event) must transmit the weight of its own tick and
//! the engine delivers after the window, so a row is integrated only when its source
//! emits, at `advance`/`settle`, or never for a silent source. Why steps are log
//! entries: an Adam step of synapse `k` reads only `k`'s own accumulated gradient and
//! moments and the step's global count, so a step applied to each row when that row
//! passes the step's tick is exactly the step applied to all rows at once.

use super::post::Post;
use crate::eprop::optimizer::{Optimizer, Step};
use crate::plasticity::{Needs, Plasticity};
use crate::synapses::{Context, Synapses};
use std::collections::VecDeque;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Tick, Values};

/// Marks an empty place in the saved pending arrivals.
const NONE: u64 = u64::MAX;

/// What happens at a logged tick.
#[derive(Debug, Clone)]
enum Entry {
    /// `eta m F_j` (online) or `m F_j` (batch) per target.
    Factor(Vec<f32>),
    /// An optimiser step on the accumulated sum scaled by the `step` modulator's value.
    Step(Step, f32),
}

/// The running rule of one projection in one shard.
#[derive(Debug, Clone)]
pub struct DisinhibitionRule {
    pub(super) name: &'static str,
    pub(super) inputs: &'static [&'static str],
    pub(super) decay: f32,
    pub(super) eta: f32,
    pub(super) post: Post,
    /// Slot of the gate among the inputs, if bound.
    pub(super) gate: Option<usize>,
    /// Slot of the step modulator, if bound (batch mode).
    pub(super) step: Option<usize>,
    /// Batch mode's optimiser (SGD or Adam) and per-synapse accumulated sum.
    pub(super) opt: Option<Optimizer>,
    pub(super) acc: Vec<f32>,
    pub(super) min: f32,
    pub(super) max: f32,
    pub(super) sign: f32,
    pub(super) delay: u64,
    pub(super) n_targets: usize,
    /// Per source: the trace after the last tick its row is integrated through.
    pub(super) x: Vec<f32>,
    /// Per source: the first tick its row has not integrated.
    pub(super) pos: Vec<u64>,
    /// Per source: `(arrival tick, value)` not integrated yet, increasing.
    pub(super) pending: Vec<VecDeque<(u64, f32)>>,
    /// `(tick, entry)` since the oldest row position, increasing (a factor before a
    /// step of the same tick).
    log: VecDeque<(u64, Entry)>,
}

impl DisinhibitionRule {
    /// Assembles a rule (the parameters' `build` checked everything).
    #[allow(clippy::too_many_arguments)] // the pieces of one rule, named at the call
    pub(crate) fn new(
        name: &'static str,
        inputs: &'static [&'static str],
        decay: f32,
        eta: f32,
        post: Post,
        gate: Option<usize>,
        step: Option<usize>,
        opt: Option<Optimizer>,
        bounds: (f32, f32),
        sign: f32,
        delay: u64,
        info: (usize, usize, usize),
    ) -> DisinhibitionRule {
        let (n_sources, n_targets, n_synapses) = info;
        let acc = if opt.is_some() { vec![0.0; n_synapses] } else { Vec::new() };
        let opt = opt.map(|o| o.sized(n_synapses));
        DisinhibitionRule {
            name,
            inputs,
            decay,
            eta,
            post,
            gate,
            step,
            opt,
            acc,
            min: bounds.0,
            max: bounds.1,
            sign,
            delay,
            n_targets,
            x: vec![0.0; n_sources],
            pos: vec![0; n_sources],
            pending: vec![VecDeque::new(); n_sources],
            log: VecDeque::new(),
        }
    }

    /// Integrates row `i` through tick `until - 1`.
    fn integrate(&mut self, i: usize, until: u64, syn: &mut Synapses<'_>) {
        let from = self.pos[i];
        if until <= from {
            return;
        }
        let (mut x, q) = (self.x[i], &mut self.pending[i]);
        let row = syn.row(i);
        let mut li = self.log.partition_point(|(s, _)| *s < from);
        for s in from..until {
            let mut a = 0.0f32;
            while let Some(&(at, v)) = q.front()
                && at == s
            {
                q.pop_front();
                a += v;
            }
            x = self.decay * x + (1.0 - self.decay) * a;
            while let Some((ls, entry)) = self.log.get(li)
                && *ls == s
            {
                li += 1;
                match entry {
                    Entry::Factor(f) if x != 0.0 => {
                        for k in row.clone() {
                            let fj = f[syn.targets[k] as usize];
                            if fj == 0.0 {
                                continue;
                            }
                            if self.opt.is_some() {
                                self.acc[k] += fj * x;
                            } else {
                                let m = self.sign * syn.weights[k] + fj * x;
                                syn.weights[k] = self.sign * m.clamp(self.min, self.max);
                            }
                        }
                    }
                    Entry::Factor(_) => {}
                    Entry::Step(step, scale) => {
                        if let Some(opt) = self.opt.as_mut() {
                            for k in row.clone() {
                                // The optimiser descends: the rule's ascent is its negative.
                                let g = -(*scale * self.acc[k]);
                                self.acc[k] = 0.0;
                                let m = opt.apply(step, k, self.sign * syn.weights[k], g);
                                syn.weights[k] = self.sign * m.clamp(self.min, self.max);
                            }
                        }
                    }
                }
            }
        }
        (self.x[i], self.pos[i]) = (x, until);
    }

    /// Integrates every row through `now - 1` and drops the entries before `now`.
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        for i in 0..self.x.len() {
            self.integrate(i, now, syn);
        }
        while self.log.front().is_some_and(|(s, _)| *s < now) {
            self.log.pop_front();
        }
    }
}

impl Plasticity for DisinhibitionRule {
    fn name(&self) -> &str {
        self.name
    }

    fn needs(&self) -> Needs {
        Needs { per_tick: true, post_state: self.post.needs_post_state(), threshold: self.post.needs_post_state(), ..Needs::default() }
    }

    fn on_post(&mut self, _target: u32, _t: Tick) {}

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.on_pre_graded(source, t, 1.0, syn, ctx)
    }

    fn on_pre_graded(&mut self, source: u32, t: Tick, value: f32, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        let i = source as usize;
        if i < self.x.len() {
            self.integrate(i, t.0 + 1, syn);
            self.pending[i].push_back((t.0 + self.delay, value));
        }
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn on_tick(&mut self, t: Tick, _syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        let gate = self.gate.map_or(1.0, |s| ctx.third.scalar(s, t).unwrap_or(0.0) as f32);
        // Batch mode accumulates `m F`; eta is the optimiser's.
        let rate = if self.opt.is_some() { gate } else { self.eta * gate };
        let f = self.post.factors(t, self.n_targets, ctx);
        if rate != 0.0 {
            let f: Vec<f32> = f.iter().map(|&v| rate * v).collect();
            if f.iter().any(|&v| v != 0.0) {
                self.log.push_back((t.0, Entry::Factor(f)));
            }
        }
        if let (Some(slot), Some(opt)) = (self.step, self.opt.as_mut()) {
            let scale = ctx.third.scalar(slot, t).unwrap_or(0.0) as f32;
            if scale != 0.0 {
                self.log.push_back((t.0, Entry::Step(opt.begin(), scale)));
            }
        }
    }

    fn inputs(&self) -> &'static [&'static str] {
        self.inputs
    }

    fn bytes_per_synapse(&self) -> usize {
        self.opt.as_ref().map_or(0, |o| if o.adam.is_some() { 12 } else { 4 })
    }

    fn memory_bytes(&self) -> usize {
        let entries = self.log.iter().map(|(_, e)| 8 + if let Entry::Factor(f) = e { f.len() * 4 } else { 32 }).sum::<usize>();
        self.x.len() * 12 + self.pending.iter().map(|q| q.capacity() * 16 + 32).sum::<usize>() + entries + self.post.memory_bytes()
    }
}

/// Columns `x` and `pos` ([`Axis::Source`], f32 and u64), `pending` and
/// `pending_value` ([`Axis::Source`], u64 and f32, width the delay: the arrivals still
/// to come, then `u64::MAX`); in batch mode `acc`, Adam's `adam_m` and `adam_v`
/// ([`Axis::Synapse`]) and `steps` (scalar); the postsynaptic traces of the spiking
/// form. Saved after `settle(now)`, when no entry is logged.
impl PlainState for DisinhibitionRule {
    fn save(&self, out: &mut StateWriter) {
        out.f32("x", Axis::Source, &self.x);
        out.u64("pos", Axis::Source, &self.pos);
        let w = self.delay.max(1) as usize;
        let mut at = vec![NONE; self.x.len() * w];
        let mut value = vec![0.0f32; self.x.len() * w];
        for (i, q) in self.pending.iter().enumerate() {
            for (k, &(a, v)) in q.iter().take(w).enumerate() {
                (at[i * w + k], value[i * w + k]) = (a, v);
            }
        }
        out.column("pending", Axis::Source, w, Values::U64(at));
        out.column("pending_value", Axis::Source, w, Values::F32(value));
        if let Some(opt) = &self.opt {
            out.f32("acc", Axis::Synapse, &self.acc);
            out.column("steps", Axis::Scalar, 1, Values::U64(vec![opt.steps]));
            if !opt.m.is_empty() {
                out.f32("adam_m", Axis::Synapse, &opt.m);
                out.f32("adam_v", Axis::Synapse, &opt.v);
            }
        }
        self.post.save(out);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.x.len();
        let w = self.delay.max(1) as usize;
        let x = input.values::<f32>("x", Some(n), 1)?.1.to_vec();
        let pos = input.values::<u64>("pos", Some(n), 1)?.1.to_vec();
        let at = input.values::<u64>("pending", Some(n), w)?.1.to_vec();
        let value = input.values::<f32>("pending_value", Some(n), w)?.1;
        let pending = (0..n).map(|i| (i * w..(i + 1) * w).filter(|&k| at[k] != NONE).map(|k| (at[k], value[k])).collect()).collect();
        if let Some(opt) = self.opt.as_mut() {
            let s = self.acc.len();
            let acc = input.values::<f32>("acc", Some(s), 1)?.1.to_vec();
            let steps = input.values::<u64>("steps", Some(1), 1)?.1[0];
            if !opt.m.is_empty() {
                opt.m = input.values::<f32>("adam_m", Some(s), 1)?.1.to_vec();
                opt.v = input.values::<f32>("adam_v", Some(s), 1)?.1.to_vec();
            }
            (self.acc, opt.steps) = (acc, steps);
        }
        self.post.restore(input)?;
        (self.x, self.pos, self.pending) = (x, pos, pending);
        self.log.clear();
        Ok(())
    }
}
