//! The running e-prop rule: lazy replay of rows over the ticks whose learning signal
//! has arrived (the equations are in the parent module's docs).

use super::Role;
use super::optimizer::Optimizer;
use crate::plasticity::{Needs, Plasticity, ProjectionInfo, TrialEnds};
use crate::synapses::{Context, Synapses};
use std::collections::VecDeque;
use synfire_graphs::Tick;

/// The constants of the recurrence, derived from the parameters and the target model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coeffs {
    pub alpha: f32,
    pub rho: f32,
    pub beta: f32,
    pub kappa: f32,
    pub s_in: f32,
    pub s_out: f32,
    /// `gamma / v_th` (1 for the readout, whose `psi` is 1).
    pub psi_height: f32,
    /// `1 / v_th`.
    pub inv_v_th: f32,
    /// Ticks from a tick to the arrival of its learning signal.
    pub lag: u64,
}

/// e-prop on one projection in one shard.
#[derive(Debug, Clone)]
pub struct EpropRule {
    pub(crate) role: Role,
    pub(crate) c: Coeffs,
    pub(crate) opt: Optimizer,
    /// Optimiser interval in ticks.
    pub(crate) every: u64,
    pub(crate) delay: u64,
    /// `(c_reg, f_target in spikes per tick)`.
    pub(crate) reg: Option<(f32, f32)>,
    pub(crate) n_targets: usize,
    /// Every row is integrated through `pos - 1`; the histories start at `pos`.
    pub(crate) pos: u64,
    /// The tick of the next optimiser step (a multiple of `every`).
    pub(crate) next_step: u64,
    /// Per source: the presynaptic trace at `pos - 1`, and arrivals from `pos` on.
    pub(crate) zbar: Vec<f32>,
    pub(crate) pending: Vec<VecDeque<u64>>,
    /// Per synapse.
    pub(crate) eps: Vec<f32>,
    pub(crate) ebar: Vec<f32>,
    pub(crate) g: Vec<f32>,
    pub(crate) sum_e: Vec<f32>,
    /// Per tick from `pos` on, `n_targets` values each: `psi` (hidden role) and the
    /// spikes (with the regulariser) through the last `on_tick`, `L` through the
    /// last tick whose signal arrived.
    pub(crate) psi: Vec<f32>,
    pub(crate) z: Vec<f32>,
    pub(crate) l: Vec<f32>,
    /// Spikes of each target in the current interval before `pos` (regulariser).
    pub(crate) counts: Vec<f32>,
    /// Targets that spiked in the tick being integrated.
    pub(crate) spiked: Vec<f32>,
    /// Ticks at or after `pos` at which trial traces restart from zero.
    pub(crate) resets: VecDeque<u64>,
}

impl EpropRule {
    pub(crate) fn new(role: Role, c: Coeffs, opt: Optimizer, every: u64, delay: u64, reg: Option<(f32, f32)>, info: &ProjectionInfo) -> EpropRule {
        let n = info.n_synapses;
        let alif = c.beta != 0.0;
        EpropRule {
            role,
            c,
            opt: opt.sized(n),
            every,
            delay,
            reg,
            n_targets: info.n_targets,
            pos: 0,
            next_step: every,
            zbar: vec![0.0; info.n_sources],
            pending: vec![VecDeque::new(); info.n_sources],
            eps: if alif { vec![0.0; n] } else { Vec::new() },
            ebar: vec![0.0; n],
            g: vec![0.0; n],
            sum_e: if reg.is_some() { vec![0.0; n] } else { Vec::new() },
            psi: Vec::new(),
            z: Vec::new(),
            l: Vec::new(),
            counts: if reg.is_some() { vec![0.0; info.n_targets] } else { Vec::new() },
            spiked: vec![0.0; info.n_targets],
            resets: VecDeque::new(),
        }
    }

    /// The first tick whose learning signal has not arrived.
    fn known(&self) -> u64 {
        self.pos + (self.l.len() / self.n_targets.max(1)) as u64
    }

    /// Replays every row over the ticks `pos..until` (all of whose signals are known).
    fn integrate(&mut self, until: u64, syn: &mut Synapses<'_>) {
        let from = self.pos;
        if until <= from || self.n_targets == 0 {
            self.pos = self.pos.max(until);
            return;
        }
        let n = self.n_targets;
        let c = self.c;
        let hidden = self.role == Role::Hidden;
        let reset_at: Vec<u64> = self.resets.iter().copied().filter(|&r| r < until).collect();
        for i in 0..self.zbar.len() {
            let row = syn.row(i);
            let mut zbar = self.zbar[i];
            let q = &mut self.pending[i];
            let mut next_reset = reset_at.iter().peekable();
            for s in from..until {
                if next_reset.peek() == Some(&&s) {
                    next_reset.next();
                    zbar = 0.0;
                    for k in row.clone() {
                        self.ebar[k] = 0.0;
                        if let Some(e) = self.eps.get_mut(k) {
                            *e = 0.0;
                        }
                    }
                }
                zbar *= c.alpha;
                while q.front() == Some(&s) {
                    q.pop_front();
                    zbar += c.s_in;
                }
                let at = (s - from) as usize * n;
                let l = &self.l[at..at + n];
                for k in row.clone() {
                    let j = syn.targets[k] as usize;
                    let psi = if hidden { self.psi[at + j] } else { 1.0 };
                    let e = match self.eps.get_mut(k) {
                        Some(eps) => {
                            let e = psi * (zbar - c.beta * *eps);
                            *eps = psi * zbar + (c.rho - psi * c.beta) * *eps;
                            e
                        }
                        None => psi * zbar,
                    };
                    let ebar = c.kappa * self.ebar[k] + c.s_out * e;
                    self.ebar[k] = ebar;
                    self.g[k] += l[j] * ebar;
                    if let Some(se) = self.sum_e.get_mut(k) {
                        *se += e;
                    }
                }
            }
            self.zbar[i] = zbar;
        }
        let ticks = (until - from) as usize;
        if !self.counts.is_empty() {
            for t in 0..ticks {
                for j in 0..n {
                    self.counts[j] += self.z[t * n + j];
                }
            }
        }
        let drop = |v: &mut Vec<f32>| {
            let k = (ticks * n).min(v.len());
            v.drain(..k);
        };
        drop(&mut self.psi);
        drop(&mut self.z);
        drop(&mut self.l);
        while self.resets.front().is_some_and(|&r| r < until) {
            self.resets.pop_front();
        }
        self.pos = until;
    }

    /// Takes every optimiser step that acts on the weights at or before tick `limit`
    /// (every spike before `limit` processed, every `on_tick` before `limit` done).
    fn steps_through(&mut self, limit: u64, syn: &mut Synapses<'_>) {
        while self.next_step + self.c.lag <= limit {
            let t_u = self.next_step;
            self.integrate(t_u, syn);
            let step = self.opt.begin();
            let ticks = self.every as f32;
            for k in 0..self.g.len() {
                let mut g = self.g[k];
                if let Some((c_reg, f_target)) = self.reg {
                    let j = syn.targets[k] as usize;
                    g += c_reg * (self.counts[j] / ticks - f_target) / ticks * self.sum_e[k];
                    self.sum_e[k] = 0.0;
                }
                syn.weights[k] = self.opt.apply(&step, k, syn.weights[k], g);
                self.g[k] = 0.0;
            }
            self.counts.iter_mut().for_each(|x| *x = 0.0);
            self.next_step += self.every;
        }
    }

    /// `advance` and `settle`: steps due by `now`, then the rows through every tick
    /// whose signal is known (never past the next step).
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        self.steps_through(now, syn);
        let until = self.known().min(self.next_step);
        self.integrate(until, syn);
    }
}

impl Plasticity for EpropRule {
    fn name(&self) -> &str {
        match self.role {
            Role::Hidden => super::NAME,
            Role::Readout => super::READOUT,
        }
    }

    fn needs(&self) -> Needs {
        Needs { per_tick: true, post_state: true, post_spikes: self.reg.is_some(), efficacy: false, trials: true }
    }

    fn on_post(&mut self, target: u32, _t: Tick) {
        if let Some(z) = self.spiked.get_mut(target as usize) {
            *z = 1.0;
        }
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        self.steps_through(t.0, syn);
        if let Some(q) = self.pending.get_mut(source as usize) {
            q.push_back(t.0 + self.delay);
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
        let n = self.n_targets;
        let c = self.c;
        match self.role {
            Role::Hidden => {
                let d = ctx.post.threshold_distance;
                self.psi.extend((0..n).map(|j| {
                    let x = d.get(j).copied().unwrap_or(f32::INFINITY);
                    c.psi_height * (1.0 - x.abs() * c.inv_v_th).max(0.0)
                }));
                if self.reg.is_some() {
                    self.z.extend_from_slice(&self.spiked);
                }
                // The signal arriving now belongs to tick `t - lag`.
                if t.0 >= c.lag && t.0 - c.lag >= self.pos {
                    debug_assert_eq!(t.0 - c.lag, self.known(), "learning signals are recorded tick after tick");
                    self.l.extend((0..n).map(|j| ctx.third.per_neuron(0, j as u32, t).unwrap_or(0.0) as f32));
                }
            }
            Role::Readout => {
                let out = ctx.post.output;
                self.l.extend((0..n).map(|j| out.get(j).copied().unwrap_or(0.0)));
            }
        }
        self.spiked.iter_mut().for_each(|z| *z = 0.0);
    }

    fn begin_trial(&mut self, at: Tick, ends: TrialEnds) {
        if !ends.target {
            return;
        }
        if self.resets.back().is_none_or(|&r| r < at.0) {
            self.resets.push_back(at.0.max(self.pos));
        }
        // The engine dropped the input on its way into the reset targets.
        for q in &mut self.pending {
            q.retain(|&a| a < at.0);
        }
    }

    fn inputs(&self) -> &'static [&'static str] {
        match self.role {
            Role::Hidden => &[super::INPUT],
            Role::Readout => &[],
        }
    }

    fn bytes_per_synapse(&self) -> usize {
        let per = |v: &Vec<f32>| usize::from(!v.is_empty()) * 4;
        per(&self.eps) + per(&self.ebar) + per(&self.g) + per(&self.sum_e) + per(&self.opt.m) + per(&self.opt.v)
    }

    fn memory_bytes(&self) -> usize {
        let n_syn = self.g.len();
        n_syn * self.bytes_per_synapse()
            + self.zbar.len() * 4
            + self.pending.iter().map(|q| q.capacity() * 8 + 32).sum::<usize>()
            + (self.psi.capacity() + self.z.capacity() + self.l.capacity() + self.counts.len() + self.spiked.len()) * 4
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        match name {
            "g" => Some(&self.g),
            "ebar" => Some(&self.ebar),
            "eps" if !self.eps.is_empty() => Some(&self.eps),
            _ => None,
        }
    }
}
