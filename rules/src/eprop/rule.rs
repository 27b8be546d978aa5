//! The running e-prop rule: lazy integration of rows over the ticks whose learning
//! signal has arrived (the equations are in the parent module's docs). The readout
//! rule replays its rows tick by tick (few synapses, and the feedback rule repeats
//! its arithmetic bit for bit); the hidden rule integrates segments event-driven
//! ([`super::segment`]).

use super::Role;
use super::optimizer::Optimizer;
use super::segment::{Adjoint, Histories, SynState, segment};
use crate::driver::Update;
use crate::learning::LearningClock;
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

/// The firing-rate regulariser (rates in spikes per tick).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Regulariser {
    pub c_reg: f32,
    pub f_target: f32,
    /// The online form (the rate since the start of training at each tick).
    pub online: bool,
}

/// e-prop on one projection in one shard, generic over the [`Update`] that applies
/// each optimiser step's proposed change (`super::step::PlainStep`: the plain rule;
/// or a metaplastic wrapper, spec 7).
#[derive(Debug, Clone)]
pub(crate) struct EpropEngine<U> {
    pub(crate) role: Role,
    pub(crate) c: Coeffs,
    pub(crate) opt: Optimizer,
    /// Optimiser interval in ticks.
    pub(crate) every: u64,
    pub(crate) delay: u64,
    pub(crate) reg: Option<Regulariser>,
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
    /// Per tick from `pos` on, `n_targets` values each: `psi` (hidden role) through
    /// the last `on_tick`, `L` through the last tick whose signal arrived.
    pub(crate) psi: Vec<f32>,
    pub(crate) l: Vec<f32>,
    /// Trial-form regulariser: spikes of each target through the last `on_tick`, per
    /// optimiser interval from the current one (`[q * n_targets + j]`, interval `q`
    /// ending at `next_step + q * every`).
    pub(crate) counts: Vec<f32>,
    /// Online regulariser: spikes of each target since tick 0 through the last
    /// `on_tick`, and per tick from `pos` on the weight of that tick's `e` in `g`.
    pub(crate) seen: Vec<f32>,
    pub(crate) creg: Vec<f32>,
    /// Targets that spiked in the tick being integrated.
    pub(crate) spiked: Vec<f32>,
    /// Ticks at or after `pos` at which trial traces restart from zero.
    pub(crate) resets: VecDeque<u64>,
    /// A probe reads the per-synapse state ([`Plasticity::watch_state`]), so
    /// `settle` fills `view`.
    watched: bool,
    /// Which ticks learn: a tick with learning off records `psi = 0`, `L = 0` and no
    /// spikes for the regulariser, and a step tick with learning off takes no step.
    pub(crate) learning: LearningClock,
    /// `g`, `ebar`, `eps` brought to the last `settle` for probes, when the
    /// committed state (at a segment boundary) is behind it; cleared by any event.
    view: Option<View>,
    /// Applies each step's proposed change; its state is saved under `update.`.
    pub(crate) update: U,
    /// The inputs: the hidden rule's `signal` (slot 0), then the update's.
    pub(crate) inputs: &'static [&'static str],
}

/// Per-synapse values as of a `settle`, for probes (not state).
#[derive(Debug, Clone)]
struct View {
    g: Vec<f32>,
    ebar: Vec<f32>,
    eps: Vec<f32>,
}

/// The hidden rule's segments end at multiples of this many ticks (besides steps
/// and trial resets), which bounds the histories the rule keeps: `psi` and `L` of
/// up to `SEGMENT + lag + window` ticks per target, 8 bytes each. Shorter segments
/// pay each synapse's start term more often: at 32 ticks the pattern-generation
/// benchmark ran about 10% slower for 2.8 fewer bytes per synapse, so 64.
pub(crate) const SEGMENT: u64 = 64;

impl<U: Update> EpropEngine<U> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        role: Role,
        c: Coeffs,
        opt: Optimizer,
        every: u64,
        delay: u64,
        reg: Option<Regulariser>,
        info: &ProjectionInfo,
        update: U,
        inputs: &'static [&'static str],
    ) -> Self {
        let n = info.n_synapses;
        let alif = c.beta != 0.0;
        let trial_reg = reg.is_some_and(|r| !r.online);
        let online_reg = reg.is_some_and(|r| r.online);
        EpropEngine {
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
            sum_e: if trial_reg { vec![0.0; n] } else { Vec::new() },
            psi: Vec::new(),
            l: Vec::new(),
            counts: if trial_reg { vec![0.0; info.n_targets] } else { Vec::new() },
            seen: if online_reg { vec![0.0; info.n_targets] } else { Vec::new() },
            creg: Vec::new(),
            spiked: vec![0.0; info.n_targets],
            resets: VecDeque::new(),
            watched: false,
            learning: LearningClock::default(),
            view: None,
            update,
            inputs,
        }
    }

    /// What every call does first: the update's initial state (the engine's initial
    /// weights, once) and its third factors through tick `t`.
    #[inline]
    fn begin(&mut self, t: u64, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.update.prepare(syn.weights, 1.0);
        self.update.observe(t, ctx);
    }

    /// Runs the update's clocks at ticks below `until` (a Benna–Fusi epoch, a
    /// consolidation), each after every step acting before its tick and before every
    /// step acting at or after it. Nothing for the plain rule.
    #[inline]
    fn run_clocks(&mut self, until: u64, syn: &mut Synapses<'_>) {
        self.update.clocks_before(until, syn.weights, 1.0);
    }

    /// The first tick whose learning signal has not arrived.
    fn known(&self) -> u64 {
        self.pos + (self.l.len() / self.n_targets.max(1)) as u64
    }

    /// Brings every row through the ticks `pos..until` (all of whose signals are
    /// known; `until` a segment boundary for the hidden rule).
    fn integrate(&mut self, until: u64, syn: &mut Synapses<'_>) {
        if self.role == Role::Readout {
            return self.replay(until, syn);
        }
        if until <= self.pos {
            return;
        }
        let mut st = Owned::take(self);
        self.run_segments(until, syn, &mut st.borrow());
        st.put_back(self);
        self.forget(self.pos, until);
    }

    /// Integrates the hidden rule's segments `pos..until` into `st` (the committed
    /// state or a copy of it), reading the histories, arrivals and resets from `pos` on.
    fn run_segments(&self, until: u64, syn: &Synapses<'_>, st: &mut SynState<'_>) {
        let mut adj = Adjoint::default();
        let mut a = self.pos;
        while a < until {
            let b = self.segment_end(a, until);
            let off = ((a - self.pos) as usize) * self.n_targets;
            let h = Histories { psi: &self.psi[off..], l: &self.l[off..], creg: self.creg.get(off..).unwrap_or_default() };
            segment(&self.c, &mut adj, h, &self.pending, self.n_targets, a, b, self.resets.contains(&a), syn, st);
            a = b;
        }
    }

    /// The end of the segment that starts at `a`, at most `until`: the next trial
    /// reset, multiple of [`SEGMENT`] or `until` (a step tick or a boundary).
    fn segment_end(&self, a: u64, until: u64) -> u64 {
        let cap = (a / SEGMENT + 1) * SEGMENT;
        let reset = self.resets.iter().copied().find(|&r| r > a).unwrap_or(u64::MAX);
        until.min(cap).min(reset)
    }

    /// The last segment boundary in `pos..=until`, or `pos`: a multiple of
    /// [`SEGMENT`], a trial reset, or `until` itself when it is the next step.
    fn last_boundary(&self, until: u64) -> u64 {
        if until <= self.pos {
            return self.pos;
        }
        if until == self.next_step {
            return until;
        }
        let cap = until / SEGMENT * SEGMENT;
        let reset = self.resets.iter().copied().filter(|&r| r <= until).max().unwrap_or(0);
        cap.max(reset).max(self.pos)
    }

    /// Drops the histories of the integrated ticks `a..b` (`a == pos`).
    fn forget(&mut self, a: u64, b: u64) {
        let n = self.n_targets;
        let ticks = (b - a) as usize;
        let drop = |v: &mut Vec<f32>| {
            let k = (ticks * n).min(v.len());
            v.drain(..k);
        };
        drop(&mut self.psi);
        drop(&mut self.l);
        drop(&mut self.creg);
        for q in &mut self.pending {
            while q.front().is_some_and(|&t| t < b) {
                q.pop_front();
            }
        }
        while self.resets.front().is_some_and(|&r| r < b) {
            self.resets.pop_front();
        }
        self.pos = b;
    }

    /// The readout's tick-by-tick replay of every row over `pos..until`.
    fn replay(&mut self, until: u64, syn: &mut Synapses<'_>) {
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
        self.forget(from, until);
    }

    /// Takes every optimiser step that acts on the weights at or before tick `limit`
    /// (every spike before `limit` processed, every `on_tick` before `limit` done).
    fn steps_through(&mut self, limit: u64, syn: &mut Synapses<'_>) {
        while self.next_step + self.c.lag <= limit {
            let t_u = self.next_step;
            // The step acts on the weights from `t_a` on: the update applies its
            // changes at that tick, after its clocks of ticks up to `t_a`.
            let t_a = t_u + self.c.lag;
            self.integrate(t_u, syn);
            self.run_clocks(t_a + 1, syn);
            if !self.learning.on_at(t_u) {
                // No step while learning is off; what was accumulated before waits
                // for the next step taken, and so do the regulariser's spike counts
                // (this interval's join the next one's).
                if !self.counts.is_empty() {
                    let n = self.n_targets;
                    let current: Vec<f32> = self.counts.drain(..n.min(self.counts.len())).collect();
                    self.counts.resize(self.counts.len().max(n), 0.0);
                    self.counts.iter_mut().zip(current).for_each(|(c, z)| *c += z);
                }
                self.next_step += self.every;
                continue;
            }
            let step = self.opt.begin();
            let ticks = self.every as f32;
            for k in 0..self.g.len() {
                let mut g = self.g[k];
                if let Some(r) = self.reg.filter(|r| !r.online) {
                    let j = syn.targets[k] as usize;
                    g += r.c_reg * (self.counts[j] / ticks - r.f_target) / ticks * self.sum_e[k];
                    self.sum_e[k] = 0.0;
                }
                let delta = self.opt.delta(&step, k, g);
                syn.weights[k] = self.update.apply(k, t_a, syn.weights[k], f64::from(delta));
                self.g[k] = 0.0;
            }
            if !self.counts.is_empty() {
                // The next interval's counts become the current ones.
                let n = self.n_targets;
                self.counts.drain(..n.min(self.counts.len()));
                self.counts.resize(self.counts.len().max(n), 0.0);
            }
            self.next_step += self.every;
        }
        // Every step acting by `limit` is taken, and the next acts after it.
        self.run_clocks(limit + 1, syn);
    }

    /// `advance` and `settle`: steps due by `now`, then the rows through every tick
    /// whose signal is known (never past the next step).
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        self.view = None;
        self.steps_through(now, syn);
        // Later queries: on_tick from `now`, its signal from `now - lag`, steps after
        // `now - lag` (every earlier one is taken).
        self.learning.forget_before(now.saturating_sub(self.c.lag));
        let until = self.known().min(self.next_step);
        let until = if self.role == Role::Hidden { self.last_boundary(until) } else { until };
        self.integrate(until, syn);
    }

    /// The hidden rule's probe values through the known ticks, computed on copies
    /// (the committed state stays at its segment boundary).
    fn fill_view(&mut self, syn: &mut Synapses<'_>) {
        let until = self.known().min(self.next_step);
        if self.role == Role::Readout || until <= self.pos {
            return;
        }
        let mut copy = Owned { zbar: self.zbar.clone(), eps: self.eps.clone(), ebar: self.ebar.clone(), g: self.g.clone(), sum_e: self.sum_e.clone() };
        self.run_segments(until, syn, &mut copy.borrow());
        let Owned { g, ebar, eps, .. } = copy;
        self.view = Some(View { g, ebar, eps });
    }
}

impl<U: Update + 'static> Plasticity for EpropEngine<U> {
    fn name(&self) -> &str {
        match self.role {
            Role::Hidden => super::NAME,
            Role::Readout => super::READOUT,
        }
    }

    fn needs(&self) -> Needs {
        Needs { per_tick: true, post_state: true, threshold: matches!(self.role, Role::Hidden), post_spikes: self.reg.is_some(), efficacy: false, trials: true }
    }

    fn on_post(&mut self, target: u32, _t: Tick) {
        if let Some(z) = self.spiked.get_mut(target as usize) {
            *z = 1.0;
        }
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.view = None;
        self.begin(t.0, syn, ctx);
        self.steps_through(t.0, syn);
        if U::MOVES {
            // The spike transmits the efficacy of its own tick (a chain relaxes
            // between steps), whenever the row was last written or settled.
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
        if self.watched {
            self.fill_view(syn);
        }
    }

    fn on_tick(&mut self, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.view = None;
        self.begin(t.0, syn, ctx);
        let n = self.n_targets;
        let c = self.c;
        let learns = self.learning.on_at(t.0);
        if !learns {
            self.spiked.iter_mut().for_each(|z| *z = 0.0);
        }
        match self.role {
            Role::Hidden => {
                let d = ctx.post.threshold_distance;
                reserve_tick(&mut self.psi, n);
                self.psi.extend((0..n).map(|j| {
                    let x = d.get(j).copied().unwrap_or(f32::INFINITY);
                    if learns { c.psi_height * (1.0 - x.abs() * c.inv_v_th).max(0.0) } else { 0.0 }
                }));
                match self.reg {
                    Some(r) if r.online => {
                        // fbar_j(t): spikes per tick over ticks 0..=t.
                        let (ticks, every) = ((t.0 + 1) as f32, self.every as f32);
                        reserve_tick(&mut self.creg, n);
                        for (seen, &z) in self.seen.iter_mut().zip(&self.spiked) {
                            *seen += z;
                            self.creg.push(r.c_reg * (*seen / ticks - r.f_target) / every);
                        }
                    }
                    Some(_) => {
                        // Interval `q` from the current one holds tick `t`.
                        let q = if t.0 < self.next_step { 0 } else { ((t.0 - self.next_step) / self.every + 1) as usize };
                        if self.counts.len() < (q + 1) * n {
                            self.counts.resize((q + 1) * n, 0.0);
                        }
                        for (c, &z) in self.counts[q * n..].iter_mut().zip(&self.spiked) {
                            *c += z;
                        }
                    }
                    None => {}
                }
                // The signal arriving now belongs to tick `t - lag`.
                if t.0 >= c.lag && t.0 - c.lag >= self.pos {
                    debug_assert_eq!(t.0 - c.lag, self.known(), "learning signals are recorded tick after tick");
                    reserve_tick(&mut self.l, n);
                    if self.learning.on_at(t.0 - c.lag) {
                        self.l.extend((0..n).map(|j| ctx.third.per_neuron(0, j as u32, t).unwrap_or(0.0) as f32));
                    } else {
                        self.l.extend(std::iter::repeat_n(0.0, n));
                    }
                }
            }
            Role::Readout => {
                let out = ctx.post.output;
                reserve_tick(&mut self.l, n);
                self.l.extend((0..n).map(|j| if learns { out.get(j).copied().unwrap_or(0.0) } else { 0.0 }));
            }
        }
        self.spiked.iter_mut().for_each(|z| *z = 0.0);
    }

    fn begin_trial(&mut self, at: Tick, ends: TrialEnds) {
        self.view = None;
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

    fn can_switch_learning(&self, at: Tick, on: bool) -> Result<(), String> {
        if self.reg.is_some_and(|r| r.online) {
            return Err("the online firing-rate regulariser (`regularise_online`) averages over every tick since tick 0 and has no learning switch".into());
        }
        if !on && self.learning.now() {
            // A step of a tick before `at` acts `lag` ticks later: it would change the
            // weights while learning is off.
            let mut t_u = self.next_step;
            while t_u < at.0 {
                if t_u + self.c.lag > at.0 {
                    return Err(format!(
                        "its optimiser step of tick {t_u} acts on the weights from tick {}: stop learning at or before tick {t_u} or from tick {} on",
                        t_u + self.c.lag,
                        t_u + self.c.lag
                    ));
                }
                t_u += self.every.max(1);
            }
        }
        Ok(())
    }

    fn switch_learning(&mut self, at: Tick, on: bool) {
        self.view = None;
        self.learning.set(at.0, on);
    }

    fn inputs(&self) -> &'static [&'static str] {
        self.inputs
    }

    fn bytes_per_synapse(&self) -> usize {
        let per = |v: &Vec<f32>| usize::from(!v.is_empty()) * 4;
        per(&self.eps) + per(&self.ebar) + per(&self.g) + per(&self.sum_e) + per(&self.opt.m) + per(&self.opt.v) + self.update.bytes_per_synapse()
    }

    /// Every buffer's capacity, the probe view's included (the segments' scratch is
    /// dropped after each integration).
    fn memory_bytes(&self) -> usize {
        let f = |v: &Vec<f32>| v.capacity() * 4;
        let per_synapse = [&self.eps, &self.ebar, &self.g, &self.sum_e, &self.opt.m, &self.opt.v].into_iter().map(f).sum::<usize>();
        let view = self.view.as_ref().map_or(0, |v| f(&v.g) + f(&v.ebar) + f(&v.eps));
        let histories = [&self.psi, &self.l, &self.creg, &self.counts, &self.seen, &self.spiked, &self.zbar].into_iter().map(f).sum::<usize>();
        let queues = self.pending.capacity() * std::mem::size_of::<VecDeque<u64>>() + self.pending.iter().map(|q| q.capacity() * 8).sum::<usize>();
        per_synapse + view + histories + queues + self.resets.capacity() * 8 + self.update.memory_bytes()
    }

    fn watch_state(&mut self, name: &str) {
        self.watched |= matches!(name, "g" | "ebar" | "eps");
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        let v = self.view.as_ref();
        match name {
            "g" => Some(v.map_or(&self.g, |v| &v.g)),
            "ebar" => Some(v.map_or(&self.ebar, |v| &v.ebar)),
            "eps" if !self.eps.is_empty() => Some(v.map_or(&self.eps, |v| &v.eps)),
            other => self.update.synapse_state(other),
        }
    }
}

/// Makes room in a per-tick history for one more tick of `n` values, growing it by
/// a segment's worth at a time (not doubling: the histories stay near
/// `SEGMENT + lag + window` ticks, and their capacity is what the rule holds).
fn reserve_tick(v: &mut Vec<f32>, n: usize) {
    if v.len() + n > v.capacity() {
        v.reserve_exact(n * (SEGMENT as usize + 8));
    }
}

/// The per-synapse state of the hidden rule, taken out of the rule (or copied) while
/// segments are integrated into it.
struct Owned {
    zbar: Vec<f32>,
    eps: Vec<f32>,
    ebar: Vec<f32>,
    g: Vec<f32>,
    sum_e: Vec<f32>,
}

impl Owned {
    fn take<U>(r: &mut EpropEngine<U>) -> Owned {
        let t = std::mem::take;
        Owned { zbar: t(&mut r.zbar), eps: t(&mut r.eps), ebar: t(&mut r.ebar), g: t(&mut r.g), sum_e: t(&mut r.sum_e) }
    }
    fn put_back<U>(self, r: &mut EpropEngine<U>) {
        (r.zbar, r.eps, r.ebar, r.g, r.sum_e) = (self.zbar, self.eps, self.ebar, self.g, self.sum_e);
    }
    fn borrow(&mut self) -> SynState<'_> {
        SynState { zbar: &mut self.zbar, eps: &mut self.eps, ebar: &mut self.ebar, g: &mut self.g, sum_e: &mut self.sum_e }
    }
}
