//! The running SuperSpike rule: lazy replay of rows over the ticks whose error has
//! arrived (the equations are in the parent module's docs).

use crate::driver::Update;
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::synapses::{Context, Synapses};
use std::collections::VecDeque;
use synfire_graphs::Tick;

/// The constants of the recurrence, derived from the parameters and the target model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coeffs {
    /// `exp(-dt/tau_syn)`: the first presynaptic stage.
    pub a_syn: f32,
    /// `dt/tau_mem`: the second presynaptic stage follows the first at this rate.
    pub k_mem: f32,
    /// `exp(-dt/tau_rise)`: first stage of the alpha kernel.
    pub a_rise: f32,
    /// `dt/tau_decay`: its second stage.
    pub k_decay: f32,
    /// Surrogate steepness (per mV).
    pub beta: f32,
    /// `u_min - theta` (mV): below it the surrogate is 0.
    pub cut: f32,
    /// `exp(-T_u/tau_rms)`.
    pub gamma: f32,
    pub eta: f32,
    pub epsilon: f32,
    /// Weight bounds in engine units.
    pub w_min: f32,
    pub w_max: f32,
    /// Ticks from a tick to the arrival of its error.
    pub lag: u64,
}

impl Coeffs {
    /// `sigma'(U)` from `U - theta` (`+inf` while refractory gives 0).
    pub(crate) fn surrogate(&self, d: f32) -> f32 {
        if d < self.cut {
            return 0.0;
        }
        let x = 1.0 + (self.beta * d).abs();
        self.beta / (x * x)
    }
}

/// SuperSpike on one projection in one shard, generic over the [`Update`] that
/// applies each update's proposed change `eta g / (sqrt(v) + epsilon)` (the plain
/// rule's clip, or a metaplastic wrapper, spec 7).
#[derive(Debug, Clone)]
pub(crate) struct SuperSpikeEngine<U> {
    pub(crate) c: Coeffs,
    /// Update interval `T_u` in ticks.
    pub(crate) every: u64,
    pub(crate) delay: u64,
    pub(crate) n_targets: usize,
    /// Every row is integrated through `pos - 1`; the histories start at `pos`.
    pub(crate) pos: u64,
    /// The tick of the next update (a multiple of `every`).
    pub(crate) next_step: u64,
    /// Per source: the two PSP stages at `pos - 1`, and arrivals from `pos` on.
    pub(crate) syn: Vec<f32>,
    pub(crate) psp: Vec<f32>,
    pub(crate) pending: Vec<VecDeque<u64>>,
    /// Per synapse: `el`, `el_flt`, `m`, `v`.
    pub(crate) el: Vec<f32>,
    pub(crate) el_flt: Vec<f32>,
    pub(crate) m: Vec<f32>,
    pub(crate) v: Vec<f32>,
    /// Per target: the error's two alpha-kernel stages (through the last arrived tick).
    pub(crate) err: Vec<f32>,
    pub(crate) err_flt: Vec<f32>,
    /// Per tick from `pos` on, `n_targets` values each: `sigma'` through the last
    /// `on_tick`, the filtered error through the last tick whose signal arrived.
    pub(crate) sigma: Vec<f32>,
    pub(crate) e: Vec<f32>,
    /// Applies each update's change; its state is saved under `update.`.
    pub(crate) update: U,
    /// `signal` (slot 0), then the update's inputs.
    pub(crate) inputs: &'static [&'static str],
}

impl<U: Update> SuperSpikeEngine<U> {
    pub(crate) fn new(c: Coeffs, every: u64, delay: u64, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Self {
        let n = info.n_synapses;
        SuperSpikeEngine {
            c,
            every,
            delay,
            n_targets: info.n_targets,
            pos: 0,
            next_step: every,
            syn: vec![0.0; info.n_sources],
            psp: vec![0.0; info.n_sources],
            pending: vec![VecDeque::new(); info.n_sources],
            el: vec![0.0; n],
            el_flt: vec![0.0; n],
            m: vec![0.0; n],
            v: vec![0.0; n],
            err: vec![0.0; info.n_targets],
            err_flt: vec![0.0; info.n_targets],
            sigma: Vec::new(),
            e: Vec::new(),
            update,
            inputs,
        }
    }

    /// The update's initial state (once) and its third factors through tick `t`.
    #[inline]
    fn begin(&mut self, t: u64, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.update.prepare(syn.weights, 1.0);
        self.update.observe(t, ctx);
    }

    /// The update's clocks at ticks below `until`, each after every update acting
    /// before its tick and before every one acting at or after it.
    #[inline]
    fn run_clocks(&mut self, until: u64, syn: &mut Synapses<'_>) {
        self.update.clocks_before(until, syn.weights, 1.0);
    }

    /// The first tick whose error has not arrived.
    pub(crate) fn known(&self) -> u64 {
        self.pos + (self.e.len() / self.n_targets.max(1)) as u64
    }

    /// Replays every row over the ticks `pos..until` (all of whose errors are known).
    fn integrate(&mut self, until: u64, syn: &mut Synapses<'_>) {
        let from = self.pos;
        if until <= from || self.n_targets == 0 {
            self.pos = self.pos.max(until);
            return;
        }
        let n = self.n_targets;
        let c = self.c;
        for i in 0..self.syn.len() {
            let row = syn.row(i);
            let (mut s1, mut s2) = (self.syn[i], self.psp[i]);
            let q = &mut self.pending[i];
            for s in from..until {
                s1 *= c.a_syn;
                while q.front() == Some(&s) {
                    q.pop_front();
                    s1 += 1.0;
                }
                s2 += c.k_mem * (s1 - s2);
                let at = (s - from) as usize * n;
                for k in row.clone() {
                    let j = syn.targets[k] as usize;
                    let el = self.el[k] + self.sigma[at + j] * s2;
                    let flt = self.el_flt[k] + c.k_decay * (el - self.el_flt[k]);
                    self.el[k] = el * c.a_rise;
                    self.el_flt[k] = flt;
                    self.m[k] += self.e[at + j] * flt;
                }
            }
            (self.syn[i], self.psp[i]) = (s1, s2);
        }
        let k = (until - from) as usize * n;
        self.sigma.drain(..k.min(self.sigma.len()));
        self.e.drain(..k.min(self.e.len()));
        self.pos = until;
    }

    /// Takes every update that acts on the weights at or before tick `limit`.
    fn steps_through(&mut self, limit: u64, syn: &mut Synapses<'_>) {
        while self.next_step + self.c.lag <= limit {
            // Acts on the weights from `t_a` on: the update applies it there.
            let t_a = self.next_step + self.c.lag;
            self.integrate(self.next_step, syn);
            self.run_clocks(t_a + 1, syn);
            let c = self.c;
            let ticks = self.every as f32;
            for k in 0..self.m.len() {
                let g = self.m[k] / ticks;
                self.m[k] = 0.0;
                let v = (c.gamma * self.v[k]).max(g * g);
                self.v[k] = v;
                let delta = c.eta * g / (v.sqrt() + c.epsilon);
                syn.weights[k] = self.update.apply(k, t_a, syn.weights[k], f64::from(delta));
            }
            self.next_step += self.every;
        }
        self.run_clocks(limit + 1, syn);
    }

    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        self.steps_through(now, syn);
        let until = self.known().min(self.next_step);
        self.integrate(until, syn);
    }
}

impl<U: Update + 'static> Plasticity for SuperSpikeEngine<U> {
    fn name(&self) -> &str {
        super::NAME
    }

    fn needs(&self) -> Needs {
        Needs { per_tick: true, post_state: true, threshold: true, post_spikes: false, efficacy: false, trials: false }
    }

    fn on_post(&mut self, _target: u32, _t: Tick) {}

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.begin(t.0, syn, ctx);
        self.steps_through(t.0, syn);
        if U::MOVES {
            // The efficacy of the spike's own tick (a chain relaxes between updates).
            for k in syn.row(source as usize) {
                syn.weights[k] = self.update.efficacy_at(k, t.0, syn.weights[k]);
            }
        }
        if let Some(q) = self.pending.get_mut(source as usize) {
            q.push_back(t.0 + self.delay);
        }
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(now.0, syn, ctx);
        self.catch_up(now.0, syn);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(now.0, syn, ctx);
        self.catch_up(now.0, syn);
        self.update.settle(now.0, syn.weights, 1.0);
    }

    fn on_tick(&mut self, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.begin(t.0, syn, ctx);
        let n = self.n_targets;
        let c = self.c;
        let d = ctx.post.threshold_distance;
        self.sigma.extend((0..n).map(|j| c.surrogate(d.get(j).copied().unwrap_or(f32::INFINITY))));
        // The error arriving now belongs to tick `t - lag`; it is filtered here, once
        // per target, since the alpha kernel is linear and per neuron.
        if t.0 >= c.lag && t.0 - c.lag >= self.pos {
            debug_assert_eq!(t.0 - c.lag, self.known(), "errors are recorded tick after tick");
            for j in 0..n {
                let x = ctx.third.per_neuron(0, j as u32, t).unwrap_or(0.0) as f32;
                let er = self.err[j] + x;
                let flt = self.err_flt[j] + c.k_decay * (er - self.err_flt[j]);
                self.err[j] = er * c.a_rise;
                self.err_flt[j] = flt;
                self.e.push(flt);
            }
        }
    }

    fn inputs(&self) -> &'static [&'static str] {
        self.inputs
    }

    fn bytes_per_synapse(&self) -> usize {
        16 + self.update.bytes_per_synapse()
    }

    fn memory_bytes(&self) -> usize {
        self.m.len() * 16
            + self.syn.len() * 8
            + self.pending.iter().map(|q| q.capacity() * 8 + 32).sum::<usize>()
            + (self.sigma.capacity() + self.e.capacity() + 2 * self.err.len()) * 4
            + self.update.memory_bytes()
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        match name {
            "el" => Some(&self.el),
            "el_flt" => Some(&self.el_flt),
            "m" => Some(&self.m),
            "v" => Some(&self.v),
            other => self.update.synapse_state(other),
        }
    }
}
