//! A shard's duty cycle: one window, in one place.
//!
//! # The phases of a window `[start, end)`
//!
//! | # | phase | what | reads | writes |
//! |---|---|---|---|---|
//! | 1 | sample | for each tick `t`, first: state probes due at `t` read the state at time `t dt`, before tick `t` is integrated (the initial state at `t = 0`, then the state after `t` steps; the convention of Brian2's `StateMonitor`) | slice state | recorders |
//! | 1b | integrate | each slice in population order: injected currents; the kernel's step (or the source's spikes) consuming ring slot `t`, plus spikes injected from the API for `t`; post-triggered plasticity for the slice's spikes; spikes and graded outputs appended to the outbox and the spike log | ring slot `t`, currents | slice state, ring slot `t` (zeroed), rules' post state, outbox, spike log |
//! | 1c | per-tick rules | after every slice of tick `t`: `on_tick` of rules that asked for it (`Needs::per_tick`), reading modulators and signals of tick `t` | modulators, signal slot `t` | plastic weights, rule state |
//! | 2 | check | if the window ends a guard period or the run: scan state and plastic weights for non-finite values | slice state, weights | outbox alarm |
//! | 3 | publish | hand the outbox to the transport | outbox | transport box of this shard |
//! | 4 | barrier | wait for every shard | - | - |
//! | 5 | deliver | merge every shard's spikes and graded events in `(tick, gid)` order; count them (rate guards, computed modulators); for each event, each projection from its population in projection order: the rule's pre event, then `ring[t + d] += w * value`; signals: `signal[t + d] += B * value` | every batch | ring slots after `end`, signal slots after `end`, rules' pre state, counts |
//! | 5b | modulators | computed modulators average the window's activity and add their values at `tick + delay >= end` | every batch | modulator steps and averages |
//! | 6 | settle | rules advance to `end`; weight probes due at `end`; modulator steps before `end` forgotten; rate-guard verdict | weights | recorders, modulator steps, alarm |
//!
//! Why the window can be as long as the minimum delay: every event of tick `t`
//! arrives at `t + d >= t + window`, in a later window, so phase 1 never needs an
//! event of its own window. The canonical order of phase 5 makes every float sum
//! into a neuron identical whatever the number of shards and the window length.
//! Modulators and signals obey the same rule: a value read at tick `t` was fixed
//! before the window holding `t` began.

use crate::error::RunError;
use crate::modulators::{Bound, Signals};
use crate::shard::{Body, Shard};
use crate::transport::{Graded, Spike, Transport};
use smallvec::SmallVec;
use synfire_graphs::{Graph, Tick};

impl Shard {
    /// Runs windows of at most `window` ticks from `from` until tick `until`
    /// (exclusive). Returns the result and the tick reached.
    pub(crate) fn run_windows<T: Transport>(&mut self, graph: &Graph, tr: &T, from: u64, until: u64, window: u64) -> (Result<(), RunError>, u64) {
        let mut t = from;
        while t < until {
            let len = window.min(until - t).min(self.window_cap(t) - t);
            let r = self.run_window(graph, tr, t, len, t + len == until);
            t += len;
            if let Err(e) = r {
                // A guard stops every shard at the same window; anything else
                // leaves the others waiting at the barrier.
                if !matches!(e, RunError::Guard { .. }) {
                    tr.poison();
                }
                return (Err(e), t);
            }
        }
        (Ok(()), t)
    }

    /// Runs one window of `len` ticks from `start`: phases 1 to 6 of the module docs.
    /// `last`: the window ends the run, so state is scanned for non-finite values
    /// whatever the guard period (a run shorter than the period, or its tail after the
    /// last period, would otherwise end with a NaN and a success).
    fn run_window<T: Transport>(&mut self, graph: &Graph, tr: &T, start: u64, len: u64, last: bool) -> Result<(), RunError> {
        let end = start + len;
        for t in start..end {
            self.sample_state(t);
            self.integrate(t);
            self.per_tick_rules(t);
        }
        let due = self.guards.due(end);
        if due || last {
            self.outbox.alarm = self.non_finite_alarm(graph, end);
        }
        let parity = (self.windows & 1) as usize;
        self.windows += 1;
        tr.publish(self.index, parity, &mut self.outbox);
        tr.barrier().map_err(|_| RunError::WorkerLost { shard: self.index, message: "another worker stopped during the run".into() })?;
        let mut alarm = self.deliver_exchanged(tr, parity, start, end);
        self.advance_rules(end);
        self.sample_weights(end);
        self.modulators.prune(end);
        if due && let Some(rate) = self.guards.rate_alarm(graph, end) {
            alarm = match alarm {
                Some(a) if a.key < rate.key => Some(a),
                _ => Some(rate),
            };
        }
        match alarm {
            // Every shard saw the same alarms, so all stop after this same window.
            Some(a) => Err(RunError::Guard { time_ms: a.tick as f64 * graph.dt.0, message: a.message }),
            None => Ok(()),
        }
    }

    /// Where the window that starts at `t` must end at the latest: windows end at
    /// every weight-sampling tick and guard period, so that plastic weights are read
    /// at a tick all shards and window lengths agree on.
    pub(crate) fn window_cap(&self, t: u64) -> u64 {
        let next = |i: u64| (t / i + 1) * i;
        self.weight_intervals.iter().fold(next(self.guards.settings.every), |m, &i| m.min(next(i)))
    }

    /// Phase 1b for tick `t`.
    fn integrate(&mut self, t: u64) {
        let slot = (t & self.mask) as usize;
        for si in 0..self.slices.len() {
            let slice = &mut self.slices[si];
            self.spiked.clear();
            slice.currents.update(t, &mut slice.ext, slice.len);
            match &mut slice.body {
                Body::Neurons(kernel) => {
                    let len = slice.len;
                    let mut input: SmallVec<[&mut [f32]; 4]> = slice.ring[..slice.receptors].iter_mut().map(|r| &mut r[slot * len..(slot + 1) * len]).collect();
                    kernel.step(t, &mut input, &slice.ext, &mut self.spiked);
                    self.counters.neuron_updates += len as u64;
                    if let Some(out) = kernel.output() {
                        let gid0 = slice.gid0;
                        self.outbox.graded.extend(out.iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(i, &value)| Graded {
                            tick: t,
                            gid: gid0 + i as u64,
                            value,
                        }));
                    }
                }
                Body::Source(source) => source.emit(t, &mut self.spiked),
            }
            if self.injected.first().is_some_and(|s| s.tick == t) {
                merge_injected(&self.injected, t, slice.gid0..slice.gid0 + slice.len as u64, &mut self.spiked);
            }
            for &k in &self.post_hooks[si] {
                if let Some(rule) = self.incoming[k].rule.as_mut() {
                    for &i in &self.spiked {
                        rule.on_post(i, Tick(t));
                    }
                }
            }
            let slice = &self.slices[si];
            let log = self.recorders.log_pop[slice.pop];
            for &i in &self.spiked {
                let spike = Spike { tick: t, gid: slice.gid0 + u64::from(i) };
                self.outbox.spikes.push(spike);
                if log {
                    self.recorders.spikes.push(spike);
                }
            }
            self.counters.spikes += self.spiked.len() as u64;
        }
        let used = self.injected.partition_point(|s| s.tick <= t);
        self.injected.drain(..used);
        self.counters.ticks = t + 1;
    }

    /// Queues spikes injected from the API (sorted, at this tick or later) for
    /// the neurons this shard owns: each is emitted at its tick as if the neuron had
    /// fired (outbox, spike log, post-triggered plasticity, and on delivery
    /// pre-triggered plasticity), without touching the neuron's own state.
    pub(crate) fn inject(&mut self, spikes: &[Spike]) {
        let owned = |g: u64| self.slices.iter().any(|s| g >= s.gid0 && g < s.gid0 + s.len as u64);
        let mut all: Vec<Spike> = self.injected.iter().copied().chain(spikes.iter().copied().filter(|s| owned(s.gid))).collect();
        all.sort_unstable();
        all.dedup();
        self.injected = all;
    }

    /// Phase 1c: rules that work every tick, once every post spike of tick `t` is
    /// known, reading the per-neuron signals that arrive at `t`; then those signals
    /// are consumed (their ring slot zeroed, as a kernel consumes its input).
    fn per_tick_rules(&mut self, t: u64) {
        let slot = (t & self.mask) as usize;
        let Shard { tick_hooks, incoming, slices, modulators, slots, .. } = self;
        for &k in tick_hooks.iter() {
            let inc = &mut incoming[k];
            let s = &slices[inc.slice];
            let signals = Signals { rings: &s.ring, len: s.len, slot, tick: t };
            let third = Bound { mods: modulators, slots: &slots[k], signals: Some(signals) };
            let post = match &s.body {
                Body::Neurons(kernel) => {
                    synfire_rules::Post { threshold_distance: kernel.threshold_distance().unwrap_or_default(), output: kernel.output().unwrap_or_default() }
                }
                Body::Source(_) => synfire_rules::Post::default(),
            };
            if let Some((rule, mut syn)) = inc.plastic() {
                rule.on_tick(Tick(t), &mut syn, &third.ctx_with(post));
            }
        }
        for s in slices.iter_mut().filter(|s| s.ring.len() > s.receptors) {
            let len = s.len;
            for r in &mut s.ring[s.receptors..] {
                r[slot * len..(slot + 1) * len].fill(0.0);
            }
        }
    }

    /// Phase 1: state probes due at tick `t`, reading the state at time `t dt` (before
    /// tick `t` is integrated). A sample labelled `t dt` once held the state after
    /// tick `t`, one step late against NEST and Brian2, and the initial state was
    /// never recorded.
    fn sample_state(&mut self, t: u64) {
        for rec in &mut self.recorders.states {
            if rec.due(t)
                && let Body::Neurons(k) = &self.slices[rec.slice].body
            {
                rec.ticks.push(t);
                for &(_, local) in &rec.cols {
                    rec.values.push(k.state(rec.var, local));
                }
            }
        }
    }

    /// Phase 6: every rule learns that no event with synaptic time before `end` is
    /// still to come.
    fn advance_rules(&mut self, end: u64) {
        (0..self.incoming.len()).for_each(|k| self.bring_up(k, end, false));
    }

    /// `advance` (or, with `settle`, `settle`) of incoming projection `k`'s rule at
    /// window boundary `now`; nothing for static synapses.
    fn bring_up(&mut self, k: usize, now: u64, settle: bool) {
        let third = Bound::scalars(&self.modulators, &self.slots[k]);
        if let Some((rule, mut syn)) = self.incoming[k].plastic() {
            if settle {
                rule.settle(Tick(now), &mut syn, &third.ctx());
            } else {
                rule.advance(Tick(now), &mut syn, &third.ctx());
            }
        }
    }

    /// Phase 6: weight probes due at window boundary `now` (weights holding every
    /// event with synaptic time before `now`).
    fn sample_weights(&mut self, now: u64) {
        for r in 0..self.recorders.weights.len() {
            let k = self.recorders.weights[r].incoming;
            if self.recorders.weights[r].due(now) {
                self.bring_up(k, now, true);
                let (rec, inc) = (&mut self.recorders.weights[r], &self.incoming[k]);
                rec.ticks.push(now);
                match (&rec.var, inc.rule.as_ref()) {
                    (Some(var), Some(rule)) => rec.values.extend_from_slice(rule.synapse_state(var).unwrap_or_default()),
                    _ => rec.values.extend_from_slice(&inc.csr.weights),
                }
            }
        }
    }

    /// Brings every plastic weight up to date at the current window boundary (before
    /// the weights are read or saved).
    pub(crate) fn settle(&mut self, now: u64) {
        (0..self.incoming.len()).for_each(|k| self.bring_up(k, now, true));
    }
}

/// Adds the injected spikes of tick `t` within `gids` to a slice's sorted local
/// spike indices (a neuron that fired anyway spikes once).
fn merge_injected(injected: &[Spike], t: u64, gids: std::ops::Range<u64>, spiked: &mut Vec<u32>) {
    let before = spiked.len();
    spiked.extend(injected.iter().take_while(|s| s.tick == t).filter(|s| gids.contains(&s.gid)).map(|s| (s.gid - gids.start) as u32));
    if spiked.len() > before {
        spiked.sort_unstable();
        spiked.dedup();
    }
}
