//! The hidden rule's eligibilities over a segment of ticks, event-driven: per
//! synapse the work is one term per presynaptic arrival and one per segment, per
//! target neuron two passes backwards over the segment's ticks.
//!
//! # Why this is exact
//!
//! Over a segment `a..b` without a trial reset inside, every quantity a synapse
//! `i -> j` carries (the parent module's recurrence) is linear in the segment's
//! initial state `(zbar_i, eps_ji, ebar_ji)` and in the arrivals `x_i(s)`, with
//! coefficients that depend only on the target `j` (its `psi_j(s)`, `L_j(s)`) and the
//! constants. So each output the rule needs at the segment's end,
//!
//! ```text
//! G  = sum_s L_j(s) ebar(s) [+ r_j(s) e(s)]   (the gradient's increment; r the
//!                                            online regulariser's weights)
//! SE = sum_s e(s)                (the regulariser's sum of e)
//! EB = ebar(b-1),  EP = eps(b)   (the state the next segment starts from)
//! ```
//!
//! is `F = alpha H_F(0) zbar0 + s_in sum_{arrivals u} H_F(u) + m_F(0) eps0 +
//! kappa lambda_F(0) ebar0`, where per target and tick, backwards from `b` (the
//! adjoint of the recurrence; `c_L`, `c_E` the output's weights on `ebar(s)`, `e(s)`,
//! and its end conditions):
//!
//! ```text
//! lambda(s) = c_L(s) + kappa lambda(s+1)                 (dF/d ebar(s))
//! a(s)      = c_E(s) + s_out lambda(s)                   (dF/d e(s))
//! h(s)      = psi(s) (a(s) + m(s+1))                     (dF/d zbar(s), direct)
//! m(s)      = (rho - psi(s) beta) m(s+1) - beta psi(s) a(s)   (dF/d eps(s))
//! H(s)      = h(s) + alpha H(s+1)                        (dF/d zbar(s))
//! ```
//!
//! # Why two passes and no table of `H`
//!
//! The first pass runs the adjoint back to the segment's start for the coefficients
//! of the initial state; every synapse then takes its start term (it needs the old
//! `ebar`, `eps` once, before anything overwrites them). The second pass runs the
//! same recurrence again, bit for bit, and at each tick `s` adds `s_in H_F(s)` to the
//! outputs of every synapse whose source has an arrival at `s`. So the rule keeps no
//! `H` per target and tick (it would cost `8 f` bytes per target and tick, more than
//! the synapses' own state at a fan-in of 100): per target it keeps only the
//! segment's `psi` and `L`, and the segment is short ([`super::rule::SEGMENT`]).
//! The adjoints run in f64; each term is added to its f32 output, so results agree
//! with the forward recurrence to rounding (tested against it below and against the
//! dense reference in the runtime's tests), and depend only on the segment, never on
//! when it is computed or which shard holds the synapse.

use super::rule::Coeffs;
use crate::synapses::Synapses;
use std::collections::VecDeque;

/// The outputs of a segment, in the order of their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outputs {
    /// The regulariser's `sum e` is wanted.
    pub sum_e: bool,
    /// The ALIF trace `eps` exists.
    pub eps: bool,
}

impl Outputs {
    /// Columns: `G`, `EB`, then `SE` and `EP` where wanted.
    pub fn count(self) -> usize {
        2 + usize::from(self.sum_e) + usize::from(self.eps)
    }
    fn sum_e_col(self) -> Option<usize> {
        self.sum_e.then_some(2)
    }
    fn eps_col(self) -> Option<usize> {
        self.eps.then_some(2 + usize::from(self.sum_e))
    }
}

/// The per-target histories of a segment, from its first tick on (`creg` empty
/// without the online regulariser).
#[derive(Clone, Copy)]
pub(crate) struct Histories<'a> {
    pub psi: &'a [f32],
    pub l: &'a [f32],
    pub creg: &'a [f32],
}

/// The per-synapse state a segment updates (per source `zbar`; `eps`, `sum_e` empty
/// when the rule has none).
pub(crate) struct SynState<'a> {
    pub zbar: &'a mut [f32],
    pub eps: &'a mut [f32],
    pub ebar: &'a mut [f32],
    pub g: &'a mut [f32],
    pub sum_e: &'a mut [f32],
}

/// Scratch of one segment's adjoints (per target and output) and arrivals; not state,
/// and dropped between integrations.
#[derive(Debug, Clone, Default)]
pub(crate) struct Adjoint {
    /// Running `lambda`, `m`, `H` of target `j` and output `q` at `[q * n + j]`.
    lam: Vec<f64>,
    m: Vec<f64>,
    big_h: Vec<f64>,
    /// The coefficients of `zbar0`, `eps0`, `ebar0` per target and output.
    z0: Vec<f64>,
    eps0: Vec<f64>,
    ebar0: Vec<f64>,
    /// The segment's arrivals as sources, grouped by tick: those of tick `s` are
    /// `by_tick[starts[s]..starts[s + 1]]`.
    starts: Vec<u32>,
    by_tick: Vec<u32>,
}

impl Adjoint {
    /// Restarts the backward recurrence at the segment's end `b` for `n` targets.
    fn restart(&mut self, n: usize, out: Outputs) {
        let f = out.count();
        for v in [&mut self.lam, &mut self.m, &mut self.big_h] {
            v.clear();
            v.resize(n * f, 0.0);
        }
        if let Some(ep) = out.eps_col() {
            // EP = eps(b): m(b) = 1.
            self.m[ep * n..(ep + 1) * n].iter_mut().for_each(|x| *x = 1.0);
        }
    }

    /// One tick `s` backwards for every target: afterwards `big_h` holds `H(s)`.
    fn back(&mut self, c: &Coeffs, out: Outputs, n: usize, s: usize, last: bool, h: &Histories<'_>) {
        if out.eps { self.back_as::<true>(c, out, n, s, last, h) } else { self.back_as::<false>(c, out, n, s, last, h) }
    }

    /// [`Adjoint::back`] for ALIF or LIF.
    fn back_as<const ALIF: bool>(&mut self, c: &Coeffs, out: Outputs, n: usize, s: usize, last: bool, h: &Histories<'_>) {
        let k = Consts::of(c);
        let psi = &h.psi[s * n..(s + 1) * n];
        let l = &h.l[s * n..(s + 1) * n];
        let end = if last { 1.0 } else { 0.0 };
        let (lam, m, big_h) = (&mut self.lam[..], &mut self.m[..], &mut self.big_h[..]);
        let r = |q: usize| q * n..(q + 1) * n;
        match h.creg.get(s * n..(s + 1) * n) {
            Some(w) => column::<ALIF>(&k, &mut lam[r(0)], &mut m[r(0)], &mut big_h[r(0)], psi, |j| f64::from(l[j]), |j| f64::from(w[j])),
            None => column::<ALIF>(&k, &mut lam[r(0)], &mut m[r(0)], &mut big_h[r(0)], psi, |j| f64::from(l[j]), |_| 0.0),
        }
        column::<ALIF>(&k, &mut lam[r(1)], &mut m[r(1)], &mut big_h[r(1)], psi, |_| end, |_| 0.0);
        if let Some(q) = out.sum_e_col() {
            column::<ALIF>(&k, &mut lam[r(q)], &mut m[r(q)], &mut big_h[r(q)], psi, |_| 0.0, |_| 1.0);
        }
        if let Some(q) = out.eps_col() {
            column::<ALIF>(&k, &mut lam[r(q)], &mut m[r(q)], &mut big_h[r(q)], psi, |_| 0.0, |_| 0.0);
        }
    }

    /// The first pass: the coefficients of the initial state, from the segment's
    /// `ticks` ticks of histories.
    fn coefficients(&mut self, c: &Coeffs, out: Outputs, n: usize, ticks: usize, h: &Histories<'_>) {
        self.restart(n, out);
        for s in (0..ticks).rev() {
            self.back(c, out, n, s, s + 1 == ticks, h);
        }
        let (alpha, kappa) = (f64::from(c.alpha), f64::from(c.kappa));
        self.z0 = self.big_h.iter().map(|&x| alpha * x).collect();
        self.eps0.clone_from(&self.m);
        self.ebar0 = self.lam.iter().map(|&x| kappa * x).collect();
        if ticks == 0 {
            // An empty segment keeps the state: EB = ebar0, EP = eps0.
            self.z0.iter_mut().chain(&mut self.eps0).chain(&mut self.ebar0).for_each(|x| *x = 0.0);
            self.ebar0[n..2 * n].iter_mut().for_each(|x| *x = 1.0);
            if let Some(ep) = out.eps_col() {
                self.eps0[ep * n..(ep + 1) * n].iter_mut().for_each(|x| *x = 1.0);
            }
        }
    }

    /// The ticks (from `a`) of the arrivals in `q` at `a..b`.
    fn inside(q: &VecDeque<u64>, a: u64, b: u64) -> impl Iterator<Item = usize> + '_ {
        q.iter().copied().take_while(move |&t| t < b).filter(move |&t| t >= a).map(move |t| (t - a) as usize)
    }

    /// Groups the arrivals at ticks `a..b` of every source by tick (sources
    /// ascending within a tick).
    fn group_arrivals(&mut self, pending: &[VecDeque<u64>], a: u64, b: u64) {
        let ticks = (b - a) as usize;
        self.starts.clear();
        self.starts.resize(ticks + 1, 0);
        for q in pending {
            Self::inside(q, a, b).for_each(|s| self.starts[s + 1] += 1);
        }
        for s in 0..ticks {
            self.starts[s + 1] += self.starts[s];
        }
        self.by_tick.clear();
        self.by_tick.resize(self.starts[ticks] as usize, 0);
        let mut fill: Vec<u32> = self.starts[..ticks].to_vec();
        for (i, q) in pending.iter().enumerate() {
            for s in Self::inside(q, a, b) {
                self.by_tick[fill[s] as usize] = i as u32;
                fill[s] += 1;
            }
        }
    }
}

/// The recurrence's constants in f64.
struct Consts {
    alpha: f64,
    rho: f64,
    beta: f64,
    kappa: f64,
    s_out: f64,
}

impl Consts {
    fn of(c: &Coeffs) -> Consts {
        Consts { alpha: f64::from(c.alpha), rho: f64::from(c.rho), beta: f64::from(c.beta), kappa: f64::from(c.kappa), s_out: f64::from(c.s_out) }
    }
}

/// One output's adjoints one tick back for every target `j` (its weights `c_l(j)`
/// on `ebar(s)` and `c_e(j)` on `e(s)`), as a loop over targets that vectorises.
/// Without adaptation (`ALIF = false`, `beta = 0`) `m` stays 0 and is skipped:
/// `p (a + 0) = p a` exactly, so both forms give the same bits for LIF.
#[inline(always)]
fn column<const ALIF: bool>(
    k: &Consts,
    lam: &mut [f64],
    m: &mut [f64],
    big_h: &mut [f64],
    psi: &[f32],
    c_l: impl Fn(usize) -> f64,
    c_e: impl Fn(usize) -> f64,
) {
    let n = psi.len();
    let (lam, m, big_h) = (&mut lam[..n], &mut m[..n], &mut big_h[..n]);
    for j in 0..n {
        let p = f64::from(psi[j]);
        lam[j] = c_l(j) + k.kappa * lam[j];
        let a = c_e(j) + k.s_out * lam[j];
        if ALIF {
            let m_next = m[j];
            m[j] = (k.rho - p * k.beta) * m_next - k.beta * p * a;
            big_h[j] = p * (a + m_next) + k.alpha * big_h[j];
        } else {
            big_h[j] = p * a + k.alpha * big_h[j];
        }
    }
}

/// Integrates the hidden rule's rows over the segment `a..b` (`pending` holds each
/// source's arrivals from `a` on, sorted; `fresh`: a trial reset at `a`): the start
/// term of every synapse, then the arrivals' terms tick by tick backwards, then each
/// source's trace forward to `b - 1`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn segment(
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
    let (se, ep) = (out.sum_e_col(), out.eps_col());
    adj.coefficients(c, out, n, ticks, &h);
    for i in 0..st.zbar.len() {
        let zbar0 = if fresh { 0.0 } else { f64::from(st.zbar[i]) };
        for k in syn.row(i) {
            let j = syn.targets[k] as usize;
            let eps0 = if fresh { 0.0 } else { st.eps.get(k).map_or(0.0, |&e| f64::from(e)) };
            let ebar0 = if fresh { 0.0 } else { f64::from(st.ebar[k]) };
            let term = |q: usize| adj.z0[q * n + j] * zbar0 + adj.eps0[q * n + j] * eps0 + adj.ebar0[q * n + j] * ebar0;
            st.g[k] += term(0) as f32;
            st.ebar[k] = term(1) as f32;
            if let Some(q) = se {
                st.sum_e[k] += term(q) as f32;
            }
            if let Some(q) = ep {
                st.eps[k] = term(q) as f32;
            }
        }
    }
    adj.group_arrivals(pending, a, b);
    let s_in = f64::from(c.s_in);
    adj.restart(n, out);
    for s in (0..ticks).rev() {
        adj.back(c, out, n, s, s + 1 == ticks, &h);
        for e in adj.starts[s]..adj.starts[s + 1] {
            let i = adj.by_tick[e as usize] as usize;
            for k in syn.row(i) {
                let j = syn.targets[k] as usize;
                let hq = |q: usize| (s_in * adj.big_h[q * n + j]) as f32;
                st.g[k] += hq(0);
                st.ebar[k] += hq(1);
                if let Some(q) = se {
                    st.sum_e[k] += hq(q);
                }
                if let Some(q) = ep {
                    st.eps[k] += hq(q);
                }
            }
        }
    }
    // Each source's trace at `b - 1`, forward.
    for (i, q) in pending.iter().enumerate() {
        let mut z = if fresh { 0.0 } else { st.zbar[i] };
        let mut next = q.iter().copied().take_while(|&t| t < b).filter(|&t| t >= a).peekable();
        for s in a..b {
            z *= c.alpha;
            while next.next_if_eq(&s).is_some() {
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
    use std::collections::VecDeque;
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
