//! The lazy row-by-row engine of signal-gated learning, generic over how a proposed
//! change becomes a weight (an [`Update`]): hard bounds for the plain rule, a
//! metaplastic wrapper's own state for the wrapped one (spec 7). The plain rule and
//! every wrapped form share this one loop, so a wrapper around the delta rule is the
//! same mechanism as a wrapper around pair STDP: the base proposes `δ`, the update
//! applies it.
//!
//! # Order of operations
//!
//! Per source `i` a trace of arrivals, each arrival adding its value (1 for a spike,
//! the unit's output for a graded event); per synapse `i -> j`, every tick `s` with a
//! logged signal:
//!
//! ```text
//! x_i(s) = λ x_i(s-1) + Σ values arriving at s
//! w_ij  <- update.apply(k, s, w_ij, eta L_j(s) x_i(s))     (only where L_j(s) x_i(s) != 0)
//! ```
//!
//! The update's clocks (a Benna–Fusi epoch, an SI consolidation) run at their tick
//! `c` after every row has been integrated through `c - 1` and before any row goes
//! past it, which is the [`Update`] contract of the shared engines. Its third
//! factors are read from the slots after the rule's own (`signal` is slot 0).

use crate::driver::Update;
use crate::plasticity::{Needs, Plasticity};
use crate::synapses::{Context, Synapses};
use std::collections::VecDeque;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Tick, Values};

/// Marks an empty place in the saved pending arrivals.
const NONE: u64 = u64::MAX;

/// The running rule for one projection in one shard.
#[derive(Debug, Clone)]
pub(crate) struct SignalEngine<U> {
    pub(super) name: &'static str,
    pub(super) decay: f32,
    pub(super) eta: f32,
    pub(super) sign: f32,
    pub(super) delay: u64,
    pub(super) n_targets: usize,
    pub(super) update: U,
    /// The inputs: `signal`, then the update's.
    pub(super) inputs: &'static [&'static str],
    /// Per source: the trace after the last tick its row is integrated through.
    pub(super) x: Vec<f32>,
    /// Per source: the first tick its row has not integrated.
    pub(super) pos: Vec<u64>,
    /// Per source: `(arrival tick, value)` not integrated yet, increasing in tick.
    pub(super) pending: Vec<VecDeque<(u64, f32)>>,
    /// `(tick, L per target)` for the ticks with a non-zero signal, increasing.
    pub(super) log: VecDeque<(u64, Vec<f32>)>,
}

impl<U: Update> SignalEngine<U> {
    /// Integrates row `i` through tick `until - 1` (no clock may lie in between).
    fn integrate(&mut self, i: usize, until: u64, syn: &mut Synapses<'_>) {
        let from = self.pos[i];
        if until <= from {
            return;
        }
        let (mut x, q) = (self.x[i], &mut self.pending[i]);
        let row = syn.row(i);
        // The first logged tick at or after `from`.
        let mut li = self.log.partition_point(|(s, _)| *s < from);
        for s in from..until {
            x *= self.decay;
            while let Some(&(a, v)) = q.front()
                && a == s
            {
                q.pop_front();
                x += v;
            }
            if let Some((ls, l)) = self.log.get(li)
                && *ls == s
            {
                li += 1;
                if x != 0.0 {
                    for k in row.clone() {
                        let lj = l[syn.targets[k] as usize];
                        if lj != 0.0 {
                            let delta = f64::from(self.eta * lj * x);
                            syn.weights[k] = self.sign * self.update.apply(k, s, self.sign * syn.weights[k], delta);
                        }
                    }
                }
            }
        }
        (self.x[i], self.pos[i]) = (x, until);
    }

    /// Runs the update's clocks at ticks below `until`, each after every row has
    /// been brought to it.
    fn run_clocks(&mut self, until: u64, syn: &mut Synapses<'_>) {
        loop {
            let c = self.update.next_clock();
            if c >= until {
                return;
            }
            for i in 0..self.x.len() {
                self.integrate(i, c, syn);
            }
            self.update.clock(c, syn.weights, self.sign);
        }
    }

    /// What every call does first: the update's initial state and third factors
    /// through tick `t`.
    fn begin(&mut self, t: u64, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.update.prepare(syn.weights, self.sign);
        self.update.observe(t, ctx);
    }

    /// Integrates every row through `now - 1` and drops the signals before `now`.
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(now, syn, ctx);
        // Clocks at `now` too: every event before it is known.
        self.run_clocks(now + 1, syn);
        for i in 0..self.x.len() {
            self.integrate(i, now, syn);
        }
        while self.log.front().is_some_and(|(s, _)| *s < now) {
            self.log.pop_front();
        }
    }

    fn pre(&mut self, source: u32, t: Tick, value: f32, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        let i = source as usize;
        if i < self.x.len() {
            self.begin(t.0, syn, ctx);
            self.run_clocks(t.0 + 1, syn);
            self.integrate(i, t.0 + 1, syn);
            if U::MOVES {
                // The spike transmits the efficacy of its own tick (a chain relaxes
                // between updates), whenever the row was last written or settled.
                for k in syn.row(i) {
                    syn.weights[k] = self.sign * self.update.efficacy_at(k, t.0, self.sign * syn.weights[k]);
                }
            }
            self.pending[i].push_back((t.0 + self.delay, value));
        }
        1.0
    }
}

impl<U: Update> Plasticity for SignalEngine<U> {
    fn name(&self) -> &str {
        self.name
    }

    fn needs(&self) -> Needs {
        Needs { per_tick: true, ..Needs::default() }
    }

    fn on_post(&mut self, _target: u32, _t: Tick) {}

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.pre(source, t, 1.0, syn, ctx)
    }

    /// A graded event adds its value to the trace (the rate form: with a short
    /// `tau` the trace is the presynaptic value itself).
    fn on_pre_graded(&mut self, source: u32, t: Tick, value: f32, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.pre(source, t, value, syn, ctx)
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.catch_up(now.0, syn, ctx);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.catch_up(now.0, syn, ctx);
        self.update.settle(now.0, syn.weights, self.sign);
    }

    fn on_tick(&mut self, t: Tick, _syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        let l: Vec<f32> = (0..self.n_targets).map(|j| ctx.third.per_neuron(0, j as u32, t).unwrap_or(0.0) as f32).collect();
        if l.iter().any(|&v| v != 0.0) {
            self.log.push_back((t.0, l));
        }
    }

    fn inputs(&self) -> &'static [&'static str] {
        self.inputs
    }

    fn bytes_per_synapse(&self) -> usize {
        self.update.bytes_per_synapse()
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        self.update.synapse_state(name)
    }

    fn memory_bytes(&self) -> usize {
        self.x.len() * 12
            + self.pending.iter().map(|q| q.capacity() * 12 + 32).sum::<usize>()
            + self.log.iter().map(|(_, l)| 8 + l.len() * 4).sum::<usize>()
            + self.update.memory_bytes()
    }
}

/// Columns `x` and `pos` ([`Axis::Source`], f32 and u64), `pending` and
/// `pending_value` ([`Axis::Source`], u64 and f32, width the delay: the arrival ticks
/// still to come and their values, then `u64::MAX`), and the update's own under
/// `update.` (none for the plain rule). Saved after `settle(now)`, when every row is
/// at `now` and no signal is logged.
impl<U: Update> PlainState for SignalEngine<U> {
    fn save(&self, out: &mut StateWriter) {
        out.f32("x", Axis::Source, &self.x);
        out.u64("pos", Axis::Source, &self.pos);
        let w = self.delay.max(1) as usize;
        let mut pending = vec![NONE; self.x.len() * w];
        let mut values = vec![0.0f32; self.x.len() * w];
        for (i, q) in self.pending.iter().enumerate() {
            for (k, &(a, v)) in q.iter().take(w).enumerate() {
                pending[i * w + k] = a;
                values[i * w + k] = v;
            }
        }
        out.column("pending", Axis::Source, w, Values::U64(pending));
        out.column("pending_value", Axis::Source, w, Values::F32(values));
        out.group("update", |w| self.update.save(w));
    }

    /// Restores into copies: on an error the rule is unchanged.
    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.x.len();
        let w = self.delay.max(1) as usize;
        let x = input.values::<f32>("x", Some(n), 1)?.1.to_vec();
        let pos = input.values::<u64>("pos", Some(n), 1)?.1.to_vec();
        let pending = input.values::<u64>("pending", Some(n), w)?.1;
        let values = input.values::<f32>("pending_value", Some(n), w)?.1;
        let mut update = self.update.clone();
        input.group("update", |r| update.restore(r))?;
        self.pending = (0..n).map(|i| (i * w..(i + 1) * w).filter(|&c| pending[c] != NONE).map(|c| (pending[c], values[c])).collect()).collect();
        (self.x, self.pos, self.update) = (x, pos, update);
        self.log.clear();
        Ok(())
    }
}
