//! The running e-prop rule: lazy integration of rows over the ticks whose learning
//! signal has arrived (the equations are in the parent module's docs). The readout
//! rule replays its rows tick by tick (few synapses, and the feedback rule repeats
//! its arithmetic bit for bit); the hidden rule integrates segments event-driven
//! ([`super::segment`]).

use super::Role;
use super::optimizer::Optimizer;
use super::segment::{Adjoint, Outputs};
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

/// e-prop on one projection in one shard.
#[derive(Debug, Clone)]
pub struct EpropRule {
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
    /// Per tick from `pos` on, `n_targets` values each: `psi` (hidden role) and the
    /// spikes (with the regulariser) through the last `on_tick`, `L` through the
    /// last tick whose signal arrived.
    pub(crate) psi: Vec<f32>,
    pub(crate) z: Vec<f32>,
    pub(crate) l: Vec<f32>,
    /// Spikes of each target in the current interval before `pos` (trial-form
    /// regulariser).
    pub(crate) counts: Vec<f32>,
    /// Online regulariser: spikes of each target since tick 0 through the last
    /// `on_tick`, and per tick from `pos` on the weight of that tick's `e` in `g`.
    pub(crate) seen: Vec<f32>,
    pub(crate) creg: Vec<f32>,
    /// Targets that spiked in the tick being integrated.
    pub(crate) spiked: Vec<f32>,
    /// Ticks at or after `pos` at which trial traces restart from zero.
    pub(crate) resets: VecDeque<u64>,
    /// Scratch of the hidden rule's segments (not state).
    adj: Adjoint,
    /// `g`, `ebar`, `eps` brought to the last `settle` for probes, when the
    /// committed state (at a segment boundary) is behind it; cleared by any event.
    view: Option<View>,
}

/// Per-synapse values as of a `settle`, for probes (not state).
#[derive(Debug, Clone)]
struct View {
    g: Vec<f32>,
    ebar: Vec<f32>,
    eps: Vec<f32>,
}

/// The hidden rule's segments end at multiples of this many ticks (besides steps
/// and trial resets), which bounds the histories the rule keeps.
pub(crate) const SEGMENT: u64 = 128;

impl EpropRule {
    pub(crate) fn new(role: Role, c: Coeffs, opt: Optimizer, every: u64, delay: u64, reg: Option<Regulariser>, info: &ProjectionInfo) -> EpropRule {
        let n = info.n_synapses;
        let alif = c.beta != 0.0;
        let trial_reg = reg.is_some_and(|r| !r.online);
        let online_reg = reg.is_some_and(|r| r.online);
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
            sum_e: if trial_reg { vec![0.0; n] } else { Vec::new() },
            psi: Vec::new(),
            z: Vec::new(),
            l: Vec::new(),
            counts: if trial_reg { vec![0.0; info.n_targets] } else { Vec::new() },
            seen: if online_reg { vec![0.0; info.n_targets] } else { Vec::new() },
            creg: Vec::new(),
            spiked: vec![0.0; info.n_targets],
            resets: VecDeque::new(),
            adj: Adjoint::default(),
            view: None,
        }
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
        let mut adj = std::mem::take(&mut self.adj);
        let mut st = Owned::take(self);
        self.run_segments(&mut adj, until, syn, &mut st.borrow());
        st.put_back(self);
        self.adj = adj;
        self.forget(self.pos, until);
    }

    /// Integrates the hidden rule's segments `pos..until` into `st` (the committed
    /// state or a copy of it), reading the histories, arrivals and resets from `pos` on.
    fn run_segments(&self, adj: &mut Adjoint, until: u64, syn: &Synapses<'_>, st: &mut SynState<'_>) {
        let mut a = self.pos;
        while a < until {
            let b = self.segment_end(a, until);
            let off = ((a - self.pos) as usize) * self.n_targets;
            let h = Histories { psi: &self.psi[off..], l: &self.l[off..], creg: self.creg.get(off..).unwrap_or_default() };
            segment(&self.c, adj, h, &self.pending, self.n_targets, a, b, self.resets.contains(&a), syn, st);
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
            self.integrate(t_u, syn);
            let step = self.opt.begin();
            let ticks = self.every as f32;
            for k in 0..self.g.len() {
                let mut g = self.g[k];
                if let Some(r) = self.reg.filter(|r| !r.online) {
                    let j = syn.targets[k] as usize;
                    g += r.c_reg * (self.counts[j] / ticks - r.f_target) / ticks * self.sum_e[k];
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
        self.view = None;
        self.steps_through(now, syn);
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
        let mut adj = std::mem::take(&mut self.adj);
        self.run_segments(&mut adj, until, syn, &mut copy.borrow());
        self.adj = adj;
        let Owned { g, ebar, eps, .. } = copy;
        self.view = Some(View { g, ebar, eps });
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
        Needs { per_tick: true, post_state: true, threshold: matches!(self.role, Role::Hidden), post_spikes: self.reg.is_some(), efficacy: false, trials: true }
    }

    fn on_post(&mut self, target: u32, _t: Tick) {
        if let Some(z) = self.spiked.get_mut(target as usize) {
            *z = 1.0;
        }
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        self.view = None;
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
        self.fill_view(syn);
    }

    fn on_tick(&mut self, t: Tick, _syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.view = None;
        let n = self.n_targets;
        let c = self.c;
        match self.role {
            Role::Hidden => {
                let d = ctx.post.threshold_distance;
                self.psi.extend((0..n).map(|j| {
                    let x = d.get(j).copied().unwrap_or(f32::INFINITY);
                    c.psi_height * (1.0 - x.abs() * c.inv_v_th).max(0.0)
                }));
                match self.reg {
                    Some(r) if r.online => {
                        // fbar_j(t): spikes per tick over ticks 0..=t.
                        let (ticks, every) = ((t.0 + 1) as f32, self.every as f32);
                        for (seen, &z) in self.seen.iter_mut().zip(&self.spiked) {
                            *seen += z;
                            self.creg.push(r.c_reg * (*seen / ticks - r.f_target) / every);
                        }
                    }
                    Some(_) => self.z.extend_from_slice(&self.spiked),
                    None => {}
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
            + (self.psi.capacity() + self.z.capacity() + self.l.capacity() + self.creg.capacity() + self.counts.len() + self.seen.len() + self.spiked.len()) * 4
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        let v = self.view.as_ref();
        match name {
            "g" => Some(v.map_or(&self.g, |v| &v.g)),
            "ebar" => Some(v.map_or(&self.ebar, |v| &v.ebar)),
            "eps" if !self.eps.is_empty() => Some(v.map_or(&self.eps, |v| &v.eps)),
            _ => None,
        }
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
    fn take(r: &mut EpropRule) -> Owned {
        let t = std::mem::take;
        Owned { zbar: t(&mut r.zbar), eps: t(&mut r.eps), ebar: t(&mut r.ebar), g: t(&mut r.g), sum_e: t(&mut r.sum_e) }
    }
    fn put_back(self, r: &mut EpropRule) {
        (r.zbar, r.eps, r.ebar, r.g, r.sum_e) = (self.zbar, self.eps, self.ebar, self.g, self.sum_e);
    }
    fn borrow(&mut self) -> SynState<'_> {
        SynState { zbar: &mut self.zbar, eps: &mut self.eps, ebar: &mut self.ebar, g: &mut self.g, sum_e: &mut self.sum_e }
    }
}

/// The per-synapse state a segment updates.
struct SynState<'a> {
    zbar: &'a mut [f32],
    eps: &'a mut [f32],
    ebar: &'a mut [f32],
    g: &'a mut [f32],
    sum_e: &'a mut [f32],
}

/// The per-target histories of a segment, from its first tick on (`creg` empty
/// without the online regulariser).
#[derive(Clone, Copy)]
struct Histories<'a> {
    psi: &'a [f32],
    l: &'a [f32],
    creg: &'a [f32],
}

/// Integrates the hidden rule's rows over the segment `a..b` (`pending` holds each
/// source's arrivals from `a` on, sorted): the adjoints per target, then per synapse
/// one term per arrival.
#[allow(clippy::too_many_arguments)]
fn segment(
    c: &Coeffs,
    adj: &mut Adjoint,
    h: Histories<'_>,
    pending: &[VecDeque<u64>],
    n: usize,
    a: u64,
    b: u64,
    fresh: bool,
    syn: &Synapses<'_>,
    st: &mut SynState<'_>,
) {
    let ticks = (b - a) as usize;
    let out = Outputs { sum_e: !st.sum_e.is_empty(), eps: !st.eps.is_empty() };
    let creg = (!h.creg.is_empty()).then(|| &h.creg[..ticks * n]);
    adj.compute(c, out, n, ticks, &h.psi[..ticks * n], &h.l[..ticks * n], creg);
    let s_in = f64::from(c.s_in);
    let alpha = c.alpha;
    let mut arrivals = Vec::new();
    let mut r = [0.0f64; 4];
    for (i, q) in pending.iter().enumerate() {
        arrivals.clear();
        arrivals.extend(q.iter().take_while(|&&t| t < b).filter(|&&t| t >= a).map(|&t| (t - a) as usize));
        let zbar0 = if fresh { 0.0 } else { st.zbar[i] };
        for k in syn.row(i) {
            let j = syn.targets[k] as usize;
            let eps0 = if fresh { 0.0 } else { st.eps.get(k).copied().unwrap_or(0.0) };
            let ebar0 = if fresh { 0.0 } else { st.ebar[k] };
            adj.outputs(j, s_in, [f64::from(zbar0), f64::from(eps0), f64::from(ebar0)], &arrivals, &mut r);
            st.g[k] += r[0] as f32;
            st.ebar[k] = r[1] as f32;
            let mut q = 2;
            if let Some(se) = st.sum_e.get_mut(k) {
                *se += r[q] as f32;
                q += 1;
            }
            if let Some(e) = st.eps.get_mut(k) {
                *e = r[q] as f32;
            }
        }
        // The source's trace at `b - 1`, forward.
        let mut z = zbar0;
        let mut next = arrivals.iter().peekable();
        for s in 0..ticks {
            z *= alpha;
            while next.peek() == Some(&&s) {
                next.next();
                z += c.s_in;
            }
        }
        st.zbar[i] = z;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synapses::Delays;
    use synfire_graphs::rng::{Domain, stream};

    /// The forward recurrence of the parent module's docs in f64, tick by tick:
    /// `(zbar, eps, ebar, g, sum_e)` after the ticks `0..psi.len()`.
    #[allow(clippy::type_complexity)]
    fn forward(
        c: &Coeffs,
        psi: &[Vec<f64>],
        l: &[Vec<f64>],
        arrivals: &[Vec<usize>],
        resets: &[usize],
        rows: &[Vec<usize>],
    ) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let n_syn: usize = rows.iter().map(Vec::len).sum();
        let (mut zbar, mut eps, mut ebar, mut g, mut se) = (vec![0.0; rows.len()], vec![0.0; n_syn], vec![0.0; n_syn], vec![0.0; n_syn], vec![0.0; n_syn]);
        let f = |x: f32| f64::from(x);
        for s in 0..psi.len() {
            let mut k = 0;
            for (i, row) in rows.iter().enumerate() {
                if resets.contains(&s) {
                    zbar[i] = 0.0;
                }
                zbar[i] = f(c.alpha) * zbar[i] + f(c.s_in) * arrivals[i].iter().filter(|&&u| u == s).count() as f64;
                for &j in row {
                    if resets.contains(&s) {
                        (eps[k], ebar[k]) = (0.0, 0.0);
                    }
                    let p = psi[s][j];
                    let e = p * (zbar[i] - f(c.beta) * eps[k]);
                    eps[k] = p * zbar[i] + (f(c.rho) - p * f(c.beta)) * eps[k];
                    ebar[k] = f(c.kappa) * ebar[k] + f(c.s_out) * e;
                    g[k] += l[s][j] * ebar[k];
                    se[k] += e;
                    k += 1;
                }
            }
        }
        (zbar, eps, ebar, g, se)
    }

    /// Segments chained over boundaries and trial resets give what the forward
    /// recurrence gives, for LIF and ALIF, with several arrivals in one tick.
    #[test]
    fn segments_equal_the_forward_recurrence() {
        let (n_src, n, ticks) = (5usize, 4usize, 300usize);
        let rows: Vec<Vec<usize>> = (0..n_src).map(|i| (0..n).filter(|j| (i + j) % 3 != 0).collect()).collect();
        let offsets: Vec<u64> = std::iter::once(0)
            .chain(rows.iter().scan(0u64, |a, r| {
                *a += r.len() as u64;
                Some(*a)
            }))
            .collect();
        let targets: Vec<u32> = rows.iter().flatten().map(|&j| j as u32).collect();
        let mut weights = vec![0.0f32; targets.len()];
        let mut r = stream(7, Domain::Task, 0, 0);
        use rand::RngExt;
        let psi: Vec<Vec<f64>> =
            (0..ticks).map(|_| (0..n).map(|_| if r.random_bool(0.3) { 0.0 } else { f64::from(r.random_range(0.0f32..0.5)) }).collect()).collect();
        let l: Vec<Vec<f64>> = (0..ticks).map(|_| (0..n).map(|_| f64::from(r.random_range(-1.0f32..1.0))).collect()).collect();
        let arrivals: Vec<Vec<usize>> = (0..n_src)
            .map(|_| {
                let mut a: Vec<usize> = (0..ticks).filter(|_| r.random_bool(0.05)).collect();
                a.push(a[0]);
                a.sort();
                a
            })
            .collect();
        let resets = [97usize, 200];
        for beta in [0.0f32, 0.4] {
            let c = Coeffs { alpha: 0.95, rho: 0.99, beta, kappa: 0.9, s_in: 1.0, s_out: 0.1, psi_height: 1.0, inv_v_th: 1.0, lag: 0 };
            let want = forward(&c, &psi, &l, &arrivals, &resets, &rows);
            let syn = Synapses { offsets: &offsets, targets: &targets, delays: Delays::Const(1), weights: &mut weights };
            let (mut zbar, mut eps, mut ebar, mut g, mut se) = (
                vec![0.0f32; n_src],
                vec![0.0f32; if beta != 0.0 { targets.len() } else { 0 }],
                vec![0.0f32; targets.len()],
                vec![0.0f32; targets.len()],
                vec![0.0f32; targets.len()],
            );
            let pending: Vec<VecDeque<u64>> = arrivals.iter().map(|a| a.iter().map(|&u| u as u64).collect()).collect();
            let flat = |m: &[Vec<f64>], from: usize| m[from..].iter().flatten().map(|&x| x as f32).collect::<Vec<f32>>();
            let mut adj = Adjoint::default();
            let cuts = [0usize, 50, 97, 128, 200, 256, 300];
            for w in cuts.windows(2) {
                let mut st = SynState { zbar: &mut zbar, eps: &mut eps, ebar: &mut ebar, g: &mut g, sum_e: &mut se };
                let (p, lh) = (flat(&psi, w[0]), flat(&l, w[0]));
                let h = Histories { psi: &p, l: &lh, creg: &[] };
                segment(&c, &mut adj, h, &pending, n, w[0] as u64, w[1] as u64, resets.contains(&w[0]), &syn, &mut st);
            }
            let close = |what: &str, got: &[f32], want: &[f64]| {
                let scale = want.iter().fold(1e-3f64, |a, &b| a.max(b.abs()));
                for (k, (&x, &y)) in got.iter().zip(want).enumerate() {
                    assert!((f64::from(x) - y).abs() <= 1e-5 * scale, "beta {beta} {what}[{k}]: {x} vs {y}");
                }
            };
            close("zbar", &zbar, &want.0);
            if beta != 0.0 {
                close("eps", &eps, &want.1);
            }
            close("ebar", &ebar, &want.2);
            close("g", &g, &want.3);
            close("sum_e", &se, &want.4);
            assert!(want.3.iter().any(|x| x.abs() > 0.1), "the gradient is not trivially small");
        }
    }
}
