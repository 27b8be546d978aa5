//! `eprop_feedback`: feedback weights that learn with the readout's own update
//! (adaptive e-prop; symmetric e-prop when they start as the readout weights'
//! transpose).
//!
//! # Dynamics
//!
//! On the feedback projection `readout k -> hidden j` (into the learning signal),
//! every error `err_k(t)` the readout emits at its tick `t` adds
//!
//! ```text
//! g_kj += err_k(t) zbar_j(t)      zbar_j(t) = kappa zbar_j(t-1) + gain z_j(t - d_out)
//! ```
//!
//! with `kappa = exp(-dt/tau_out)`, `gain` the readout's, and `d_out` the delay from
//! the hidden neurons to the readout: exactly the readout rule's gradient of
//! `W_out_kj`, computed from the same numbers in the same order. Every
//! `update_every` the same optimiser step follows. So a feedback matrix that starts
//! equal to `W_out^T` stays equal to it bit for bit: symmetric e-prop, with the
//! transpose kept where the learning signals are summed, without a copy crossing
//! shards. Started elsewhere, it is adaptive e-prop (Bellec et al. 2020).
//!
//! # Parameters
//!
//! `eta`, `update_every`, `adam`, `adam_beta1`, `adam_beta2`, `adam_eps` as for
//! `eprop_readout` (the same values); `tau_out` (ms) and `gain` (1) of the readout;
//! `readout_delay` (ms) of the hidden -> readout projection.
//!
//! # State
//!
//! Per target `zbar` and the arrival ticks of its spikes at the readout not yet
//! integrated; per synapse `g` (and Adam's `m`, `v`); the next step and the tick
//! the traces are at.
//!
//! # Events
//!
//! `on_post(j, t)`: queues the arrival `t + d_out`. `on_pre_graded(k, t, err)`: takes the
//! steps due by `t`, brings every `zbar` to tick `t`, accumulates the row of `k`.
//! `advance`/`settle(now)`: the steps due by `now`, the traces to `now - 1`.
//! `begin_trial` when the readout (the source) is reset at `at`: `zbar = 0` and
//! arrivals from `at` on dropped, as the readout rule does.

use super::optimizer::Optimizer;
use crate::error::{RuleError, problem};
use crate::learning::LearningClock;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity, ProjectionInfo, TrialEnds};
use crate::synapses::{Context, Synapses};
use std::collections::VecDeque;
use synfire_graphs::{Axis, PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Tick, Time, Values};

/// Catalogue name.
pub const FEEDBACK: &str = "eprop_feedback";

/// Marks empty places in saved queues.
const NONE: u64 = u64::MAX;

/// Parameters of learning feedback weights.
#[derive(Debug, Clone, PartialEq)]
pub struct EpropFeedback {
    /// Learning rate.
    pub eta: f64,
    /// Optimiser interval.
    pub update_every: Option<Time>,
    /// Adam instead of SGD, and its constants.
    pub adam: bool,
    /// Adam's `beta1`.
    pub adam_beta1: f64,
    /// Adam's `beta2`.
    pub adam_beta2: f64,
    /// Adam's `eps`.
    pub adam_eps: f64,
    /// The readout's time constant.
    pub tau_out: Option<Time>,
    /// The readout's input gain.
    pub gain: f64,
    /// Delay of the hidden -> readout projection.
    pub readout_delay: Option<Time>,
}

impl EpropFeedback {
    /// SGD with `eta = 1e-4`, gain 1; set `update_every`, `tau_out`, `readout_delay`
    /// as for the readout rule.
    pub fn new() -> EpropFeedback {
        EpropFeedback {
            eta: 1e-4,
            update_every: None,
            adam: false,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            adam_eps: 1e-8,
            tau_out: None,
            gain: 1.0,
            readout_delay: None,
        }
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the optimiser interval.
    pub fn update_every(mut self, t: Time) -> Self {
        self.update_every = Some(t);
        self
    }
    /// Uses Adam.
    pub fn adam(mut self) -> Self {
        self.adam = true;
        self
    }
    /// The readout's `tau`, `gain` and the delay into it.
    pub fn readout(mut self, tau: Time, gain: f64, delay: Time) -> Self {
        (self.tau_out, self.gain, self.readout_delay) = (Some(tau), gain, Some(delay));
        self
    }

    /// Reads a spec.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = EpropFeedback::new();
        let mut r = Reader::new(spec);
        let p = EpropFeedback {
            eta: r.number("eta", d.eta),
            update_every: r.opt_time("update_every"),
            adam: r.flag("adam", false),
            adam_beta1: r.number("adam_beta1", d.adam_beta1),
            adam_beta2: r.number("adam_beta2", d.adam_beta2),
            adam_eps: r.number("adam_eps", d.adam_eps),
            tau_out: r.opt_time("tau_out"),
            gain: r.number("gain", d.gain),
            readout_delay: r.opt_time("readout_delay"),
        };
        r.result(p)
    }

    /// The running rule.
    pub fn build(&self, info: &ProjectionInfo) -> Result<EpropFeedbackRule, RuleError> {
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: FEEDBACK.into(), problems });
        }
        let ticks = |t: Option<Time>| t.map_or(0, |t| t.to_ticks(info.dt));
        let every = ticks(self.update_every);
        if every == 0 {
            return Err(RuleError::Projection { rule: FEEDBACK.into(), message: "update_every is shorter than one tick".into() });
        }
        let n = info.n_synapses;
        Ok(EpropFeedbackRule {
            alpha: self.tau_out.map_or(0.0, |t| (-info.dt.0 / t.0).exp()) as f32,
            s_in: self.gain as f32,
            d_out: ticks(self.readout_delay),
            every,
            opt: Optimizer::new(self.adam, self.eta, self.adam_beta1, self.adam_beta2, self.adam_eps).sized(n),
            next_step: every,
            pos: 0,
            zbar: vec![0.0; info.n_targets],
            pending: vec![VecDeque::new(); info.n_targets],
            g: vec![0.0; n],
            learning: LearningClock::default(),
        })
    }
}

impl Default for EpropFeedback {
    fn default() -> Self {
        Self::new()
    }
}

impl PlasticityRule for EpropFeedback {
    fn to_spec(&self) -> RuleSpec {
        let mut w = Writer::new(FEEDBACK).number("eta", self.eta);
        if let Some(t) = self.update_every {
            w = w.quantity("update_every", t);
        }
        w = w.flag("adam", self.adam).number("adam_beta1", self.adam_beta1).number("adam_beta2", self.adam_beta2).number("adam_eps", self.adam_eps);
        if let Some(t) = self.tau_out {
            w = w.quantity("tau_out", t);
        }
        w = w.number("gain", self.gain);
        if let Some(t) = self.readout_delay {
            w = w.quantity("readout_delay", t);
        }
        w.done()
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.non_negative("eta", self.eta);
        c.finite("gain", self.gain);
        c.positive("adam_eps", self.adam_eps);
        for (name, t, why) in [
            ("update_every", self.update_every, "the readout rule's optimiser interval"),
            ("tau_out", self.tau_out, "the readout's time constant"),
            ("readout_delay", self.readout_delay, "the delay of the hidden -> readout projection"),
        ] {
            match t {
                Some(t) => c.positive_time(name, t),
                None => c.push(problem(name, format!("is required: {why}"))),
            }
        }
        for (name, b) in [("adam_beta1", self.adam_beta1), ("adam_beta2", self.adam_beta2)] {
            if !(0.0..1.0).contains(&b) {
                c.push(problem(name, format!("{b} must lie in [0, 1)")));
            }
        }
        c.problems
    }
}

/// The running feedback rule.
#[derive(Debug, Clone)]
pub struct EpropFeedbackRule {
    alpha: f32,
    s_in: f32,
    d_out: u64,
    every: u64,
    opt: Optimizer,
    next_step: u64,
    /// Every `zbar` holds the trace after tick `pos - 1`.
    pos: u64,
    zbar: Vec<f32>,
    pending: Vec<VecDeque<u64>>,
    g: Vec<f32>,
    /// Which ticks learn: the readout rule's switch, read at the same ticks (an
    /// error of a tick with learning off adds nothing; no step at such a tick).
    learning: LearningClock,
}

impl EpropFeedbackRule {
    /// Integrates every trace through tick `until - 1`.
    fn integrate(&mut self, until: u64) {
        if until <= self.pos {
            return;
        }
        for (z, q) in self.zbar.iter_mut().zip(&mut self.pending) {
            for s in self.pos..until {
                *z *= self.alpha;
                while q.front() == Some(&s) {
                    q.pop_front();
                    *z += self.s_in;
                }
            }
        }
        self.pos = until;
    }

    fn steps_through(&mut self, limit: u64, syn: &mut Synapses<'_>) {
        while self.next_step <= limit {
            if !self.learning.on_at(self.next_step) {
                self.next_step += self.every;
                continue;
            }
            let step = self.opt.begin();
            for k in 0..self.g.len() {
                syn.weights[k] = self.opt.apply(&step, k, syn.weights[k], self.g[k]);
                self.g[k] = 0.0;
            }
            self.next_step += self.every;
        }
    }
}

impl Plasticity for EpropFeedbackRule {
    fn name(&self) -> &str {
        FEEDBACK
    }

    fn needs(&self) -> Needs {
        Needs { post_spikes: true, trials: true, ..Needs::default() }
    }

    fn on_post(&mut self, target: u32, t: Tick) {
        if let Some(q) = self.pending.get_mut(target as usize) {
            q.push_back(t.0 + self.d_out);
        }
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        // A spike is an error of 1 (the sources of this rule are graded).
        self.on_pre_graded(source, t, 1.0, syn, ctx)
    }

    fn on_pre_graded(&mut self, source: u32, t: Tick, value: f32, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        self.steps_through(t.0, syn);
        self.integrate(t.0 + 1);
        if (source as usize) < syn.n_sources() && self.learning.on_at(t.0) {
            for k in syn.row(source as usize) {
                self.g[k] += value * self.zbar[syn.targets[k] as usize];
            }
        }
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.steps_through(now.0, syn);
        self.integrate(now.0);
        // Every later error is of a tick from `now` on, and so is every later step.
        self.learning.forget_before(now.0);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.advance(now, syn, ctx);
    }

    fn can_switch_learning(&self, _at: Tick, _on: bool) -> Result<(), String> {
        Ok(())
    }

    fn switch_learning(&mut self, at: Tick, on: bool) {
        self.learning.set(at.0, on);
    }

    fn begin_trial(&mut self, at: Tick, ends: TrialEnds) {
        if !ends.source {
            return;
        }
        self.integrate(at.0);
        self.zbar.iter_mut().for_each(|z| *z = 0.0);
        for q in &mut self.pending {
            q.retain(|&a| a < at.0);
        }
    }

    fn bytes_per_synapse(&self) -> usize {
        4 + if self.opt.m.is_empty() { 0 } else { 8 }
    }

    fn memory_bytes(&self) -> usize {
        self.g.len() * self.bytes_per_synapse() + self.zbar.len() * 4 + self.pending.iter().map(|q| q.capacity() * 8 + 32).sum::<usize>()
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        (name == "g").then_some(&self.g[..])
    }
}

/// Columns: `clock` (scalar u64: `pos`, `next_step`, optimiser steps, width of
/// `pending`), `learning` (the learning switch), per target `zbar` and `pending`, per synapse `g` and Adam's moments.
impl PlainState for EpropFeedbackRule {
    fn save(&self, out: &mut StateWriter) {
        let width = self.pending.iter().map(VecDeque::len).max().unwrap_or(0).max(1);
        out.column("clock", Axis::Scalar, 4, Values::U64(vec![self.pos, self.next_step, self.opt.steps, width as u64]));
        self.learning.save(out);
        out.f32("zbar", Axis::Neuron, &self.zbar);
        let mut pending = vec![NONE; self.pending.len() * width];
        for (j, q) in self.pending.iter().enumerate() {
            for (k, &a) in q.iter().enumerate() {
                pending[j * width + k] = a;
            }
        }
        out.column("pending", Axis::Neuron, width, Values::U64(pending));
        out.f32("g", Axis::Synapse, &self.g);
        if !self.opt.m.is_empty() {
            out.f32("adam_m", Axis::Synapse, &self.opt.m);
            out.f32("adam_v", Axis::Synapse, &self.opt.v);
        }
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let clock = input.values::<u64>("clock", Some(1), 4)?.1.to_vec();
        let n = self.zbar.len();
        let width = clock[3] as usize;
        let learning = LearningClock::restore(input)?;
        let zbar = input.values::<f32>("zbar", Some(n), 1)?.1.to_vec();
        let raw = input.values::<u64>("pending", Some(n), width.max(1))?.1;
        let pending = (0..n).map(|j| raw[j * width..(j + 1) * width].iter().copied().filter(|&a| a != NONE).collect()).collect();
        let g = input.values::<f32>("g", Some(self.g.len()), 1)?.1.to_vec();
        let (m, v) = if self.opt.m.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            (input.values::<f32>("adam_m", Some(self.g.len()), 1)?.1.to_vec(), input.values::<f32>("adam_v", Some(self.g.len()), 1)?.1.to_vec())
        };
        (self.pos, self.next_step, self.opt.steps) = (clock[0], clock[1], clock[2]);
        (self.zbar, self.pending, self.g, self.opt.m, self.opt.v, self.learning) = (zbar, pending, g, m, v, learning);
        Ok(())
    }
}
