//! The hidden rule's eligibilities over a segment of ticks, event-driven: per
//! synapse the work is one term per presynaptic arrival, per target neuron one pass
//! backwards over the segment's ticks.
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
//! Nothing is per synapse and tick: the per-tick loop over every synapse of a
//! forward replay becomes a per-tick loop over the targets plus one term per
//! arrival and synapse. The sums run in f64 and the results are stored in f32, so
//! they agree with the forward recurrence to rounding (tested against the dense
//! reference); they depend only on the segment, never on when it is computed.

use super::rule::Coeffs;

/// The outputs of a segment, in the order of their columns in [`Adjoint::h`].
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
}

/// Per target: the adjoints of one segment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Adjoint {
    /// `H_F(s)` at `[(s * n + j) * outputs + f]`.
    pub h: Vec<f64>,
    /// Per target and output: the coefficients of `zbar0`, `eps0`, `ebar0`.
    pub z0: Vec<f64>,
    pub eps0: Vec<f64>,
    pub ebar0: Vec<f64>,
    /// Targets and outputs of the last computation.
    pub n: usize,
    pub f: usize,
}

impl Adjoint {
    /// The adjoints of a segment of `ticks` ticks for `n` targets, from its per-tick
    /// `psi` and `l` (`[s * n + j]`) and, with the online regulariser, the weight
    /// `creg` of each tick's `e` in the gradient.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(&mut self, c: &Coeffs, out: Outputs, n: usize, ticks: usize, psi: &[f32], l: &[f32], creg: Option<&[f32]>) {
        let f = out.count();
        (self.n, self.f) = (n, f);
        self.h.clear();
        self.h.resize(ticks * n * f, 0.0);
        let (alpha, rho, beta, kappa, s_out) = (f64::from(c.alpha), f64::from(c.rho), f64::from(c.beta), f64::from(c.kappa), f64::from(c.s_out));
        // Running lambda, m, H per (target, output).
        let mut lam = vec![0.0f64; n * f];
        let mut m = vec![0.0f64; n * f];
        let mut big_h = vec![0.0f64; n * f];
        let se = out.sum_e.then_some(2);
        let ep = out.eps.then_some(2 + usize::from(out.sum_e));
        if let Some(ep) = ep {
            // EP = eps(b): m(b) = 1.
            (0..n).for_each(|j| m[j * f + ep] = 1.0);
        }
        for s in (0..ticks).rev() {
            let last = if s + 1 == ticks { 1.0 } else { 0.0 };
            let row = &mut self.h[s * n * f..(s + 1) * n * f];
            for j in 0..n {
                let p = f64::from(psi[s * n + j]);
                let decay = rho - p * beta;
                let base = j * f;
                // One output: its weight `c_l` on ebar(s) and `c_e` on e(s).
                let mut step = |q: usize, c_l: f64, c_e: f64| {
                    let k = base + q;
                    lam[k] = c_l + kappa * lam[k];
                    let a = c_e + s_out * lam[k];
                    let m_next = m[k];
                    m[k] = decay * m_next - beta * p * a;
                    big_h[k] = p * (a + m_next) + alpha * big_h[k];
                    row[k] = big_h[k];
                };
                step(0, f64::from(l[s * n + j]), creg.map_or(0.0, |r| f64::from(r[s * n + j])));
                step(1, last, 0.0);
                if let Some(q) = se {
                    step(q, 0.0, 1.0);
                }
                if let Some(q) = ep {
                    step(q, 0.0, 0.0);
                }
            }
        }
        self.z0 = big_h.iter().map(|&x| alpha * x).collect();
        self.eps0 = m;
        self.ebar0 = lam.iter().map(|&x| kappa * x).collect();
        if ticks == 0 {
            // An empty segment keeps the state: EB = ebar0, EP = eps0.
            self.z0.iter_mut().for_each(|x| *x = 0.0);
            self.eps0.iter_mut().for_each(|x| *x = 0.0);
            self.ebar0.iter_mut().for_each(|x| *x = 0.0);
            for j in 0..n {
                self.ebar0[j * f + 1] = 1.0;
                if let Some(ep) = ep {
                    self.eps0[j * f + ep] = 1.0;
                }
            }
        }
    }

    /// The outputs of a synapse onto target `j` whose segment starts from `start`
    /// (`zbar0` of its source, its `eps0`, `ebar0`) and whose source received
    /// arrivals at the segment's ticks `arrivals`.
    #[inline]
    pub fn outputs(&self, j: usize, s_in: f64, start: [f64; 3], arrivals: &[usize], out: &mut [f64; 4]) {
        let (n, f) = (self.n, self.f);
        let base = j * f;
        let [zbar0, eps0, ebar0] = start;
        for (q, o) in out.iter_mut().enumerate().take(f) {
            *o = self.z0[base + q] * zbar0 + self.eps0[base + q] * eps0 + self.ebar0[base + q] * ebar0;
        }
        for &u in arrivals {
            let at = (u * n + j) * f;
            for (o, h) in out.iter_mut().zip(&self.h[at..at + f]) {
                *o += s_in * h;
            }
        }
    }
}
