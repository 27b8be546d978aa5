//! e-prop (specs 4.2) as a dense matrix reference, and a hand-written reverse-mode
//! BPTT of the same computational graph, in f64: the first half of the e-prop issue's
//! "Done when". The engine's e-prop rule (not built yet) is to be compared with the
//! forward pass here tick by tick; this file checks that the forward pass's
//! accumulated gradient is the exact gradient when the feedback is symmetric and the
//! inter-neuron paths are cut (stop-gradient on `z` in the recurrence and the reset,
//! the tutorials' `stop_z_gradients`), for LIF and ALIF and every filter
//! normalisation.
//!
//! Per tick `t`, neuron `j` (specs 1.4 and 4.2; `s_in`, `s_out` the input and readout
//! scalings, 1 or `1 - alpha`, `1 - kappa`):
//!
//! ```text
//! v_j = alpha v_j + s_in (sum_i W_in_ji x_i[t] + sum_i W_rec_ji z_i[t-1]) - z_j[t-1] v_th
//! a_j = rho a_j + z_j[t-1]                A_j = v_th + beta a_j
//! z_j = H(v_j - A_j) (0 while refractory) psi_j = gamma/v_th max(0, 1 - |v_j - A_j|/v_th)
//! zbar_i = alpha zbar_i + s_in x_i[t]     (recurrent: s_in z_i[t-1])
//! e_ji = psi_j (zbar_i - beta eps_ji);    eps_ji <- psi_j zbar_i + (rho - psi_j beta) eps_ji
//! y_k = kappa y_k + s_out sum_j W_out_kj z_j
//! L_j = sum_k B_jk (y_k - y*_k)
//! ebar_ji = kappa ebar_ji + s_out e_ji;   g_ji += L_j ebar_ji
//! zbar_out_j = kappa zbar_out_j + s_out z_j;  g_out_kj += (y_k - y*_k) zbar_out_j
//! ```
//!
//! with the loss `1/2 sum_t sum_k (y_k - y*_k)^2`.

// Indices are the equations' own (`W_ji`, `y_k`): loops over them read like the specs.
#![allow(clippy::needless_range_loop)]

/// A dense matrix, by rows.
pub type Matrix = Vec<Vec<f64>>;

/// A small recurrent network and its e-prop settings.
#[derive(Debug, Clone)]
pub struct EpropNet {
    pub n_in: usize,
    pub n_rec: usize,
    pub n_out: usize,
    /// `[n_rec][n_in]`, `[n_rec][n_rec]` (zero diagonal), `[n_out][n_rec]`.
    pub w_in: Vec<Vec<f64>>,
    pub w_rec: Vec<Vec<f64>>,
    pub w_out: Vec<Vec<f64>>,
    /// Feedback `[n_rec][n_out]`.
    pub b: Vec<Vec<f64>>,
    pub alpha: f64,
    pub rho: f64,
    pub kappa: f64,
    pub v_th: f64,
    /// 0 for LIF.
    pub beta: f64,
    pub n_ref: u32,
    pub gamma: f64,
    /// Input scaling `1` or `1 - alpha` (and the presynaptic trace's).
    pub s_in: f64,
    /// Readout scaling `1` or `1 - kappa` (and the filtered eligibility's).
    pub s_out: f64,
}

/// What the forward pass produces: per-tick quantities and the accumulated gradients.
#[derive(Debug, Clone, Default)]
pub struct EpropRun {
    pub z: Vec<Vec<f64>>,
    pub psi: Vec<Vec<f64>>,
    pub y: Vec<Vec<f64>>,
    /// Learning signal per tick and hidden neuron.
    pub l: Vec<Vec<f64>>,
    /// Accumulated gradients `[n_rec][n_in]`, `[n_rec][n_rec]`, `[n_out][n_rec]`.
    pub g_in: Vec<Vec<f64>>,
    pub g_rec: Vec<Vec<f64>>,
    pub g_out: Vec<Vec<f64>>,
    pub loss: f64,
    /// The accumulated `(g_in, g_rec, g_out)` after each tick.
    pub g_trace: Vec<(Matrix, Matrix, Matrix)>,
    /// The unfiltered eligibilities summed over the ticks, `[n_rec][n_in]` and
    /// `[n_rec][n_rec]` (the firing-rate regulariser's factor).
    pub sum_e_in: Vec<Vec<f64>>,
    pub sum_e_rec: Vec<Vec<f64>>,
    /// The same sums with each tick's `e` weighted by `fbar_j(t)`, the spikes of `j`
    /// per tick over ticks `0..=t` (the online regulariser's factor is
    /// `sum_fe - f_target sum_e`).
    pub sum_fe_in: Vec<Vec<f64>>,
    pub sum_fe_rec: Vec<Vec<f64>>,
}

fn zeros(r: usize, c: usize) -> Vec<Vec<f64>> {
    vec![vec![0.0; c]; r]
}

impl EpropNet {
    /// The forward pass with e-prop accumulation over inputs `x[t][i]` and targets `y*[t][k]`.
    pub fn eprop(&self, x: &[Vec<f64>], target: &[Vec<f64>]) -> EpropRun {
        let (ni, nr, no) = (self.n_in, self.n_rec, self.n_out);
        let (mut v, mut a, mut z_prev, mut refr) = (vec![0.0; nr], vec![0.0; nr], vec![0.0; nr], vec![0u32; nr]);
        let (mut zbar_in, mut zbar_rec, mut zbar_out, mut y) = (vec![0.0; ni], vec![0.0; nr], vec![0.0; nr], vec![0.0; no]);
        let (mut eps_in, mut eps_rec, mut ebar_in, mut ebar_rec) = (zeros(nr, ni), zeros(nr, nr), zeros(nr, ni), zeros(nr, nr));
        let mut run = EpropRun {
            g_in: zeros(nr, ni),
            g_rec: zeros(nr, nr),
            g_out: zeros(no, nr),
            sum_e_in: zeros(nr, ni),
            sum_e_rec: zeros(nr, nr),
            sum_fe_in: zeros(nr, ni),
            sum_fe_rec: zeros(nr, nr),
            ..EpropRun::default()
        };
        let mut seen = vec![0.0; nr];
        for (t, (xt, yt)) in x.iter().zip(target).enumerate() {
            // 1. neurons
            let mut z = vec![0.0; nr];
            let mut psi = vec![0.0; nr];
            for j in 0..nr {
                let input: f64 = (0..ni).map(|i| self.w_in[j][i] * xt[i]).sum::<f64>() + (0..nr).map(|i| self.w_rec[j][i] * z_prev[i]).sum::<f64>();
                v[j] = self.alpha * v[j] + self.s_in * input - z_prev[j] * self.v_th;
                a[j] = self.rho * a[j] + z_prev[j];
                let over = v[j] - (self.v_th + self.beta * a[j]);
                let refractory = refr[j] > 0;
                if !refractory && over >= 0.0 {
                    z[j] = 1.0;
                    refr[j] = self.n_ref;
                } else {
                    refr[j] = refr[j].saturating_sub(1);
                }
                psi[j] = if refractory { 0.0 } else { self.gamma / self.v_th * (1.0 - (over / self.v_th).abs()).max(0.0) };
            }
            // 2. presynaptic traces, aligned with v
            for i in 0..ni {
                zbar_in[i] = self.alpha * zbar_in[i] + self.s_in * xt[i];
            }
            for i in 0..nr {
                zbar_rec[i] = self.alpha * zbar_rec[i] + self.s_in * z_prev[i];
            }
            // 4. readout, 5. learning signal
            let mut err = vec![0.0; no];
            for k in 0..no {
                y[k] = self.kappa * y[k] + self.s_out * (0..nr).map(|j| self.w_out[k][j] * z[j]).sum::<f64>();
                err[k] = y[k] - yt[k];
                run.loss += 0.5 * err[k] * err[k];
            }
            let l: Vec<f64> = (0..nr).map(|j| (0..no).map(|k| self.b[j][k] * err[k]).sum()).collect();
            // 3. eligibility and 6. filtered eligibility and accumulation
            for j in 0..nr {
                seen[j] += z[j];
                let fbar = seen[j] / (t + 1) as f64;
                let step = |eps: &mut f64, ebar: &mut f64, g: &mut f64, sums: (&mut f64, &mut f64), zbar: f64| {
                    let e = psi[j] * (zbar - self.beta * *eps);
                    *eps = psi[j] * zbar + (self.rho - psi[j] * self.beta) * *eps;
                    *ebar = self.kappa * *ebar + self.s_out * e;
                    *g += l[j] * *ebar;
                    *sums.0 += e;
                    *sums.1 += fbar * e;
                };
                for i in 0..ni {
                    step(&mut eps_in[j][i], &mut ebar_in[j][i], &mut run.g_in[j][i], (&mut run.sum_e_in[j][i], &mut run.sum_fe_in[j][i]), zbar_in[i]);
                }
                for i in (0..nr).filter(|&i| i != j) {
                    step(&mut eps_rec[j][i], &mut ebar_rec[j][i], &mut run.g_rec[j][i], (&mut run.sum_e_rec[j][i], &mut run.sum_fe_rec[j][i]), zbar_rec[i]);
                }
                zbar_out[j] = self.kappa * zbar_out[j] + self.s_out * z[j];
            }
            for k in 0..no {
                for j in 0..nr {
                    run.g_out[k][j] += err[k] * zbar_out[j];
                }
            }
            run.z.push(z.clone());
            run.psi.push(psi);
            run.y.push(y.clone());
            run.l.push(l);
            run.g_trace.push((run.g_in.clone(), run.g_rec.clone(), run.g_out.clone()));
            z_prev = z;
        }
        run
    }

    /// Reverse-mode BPTT of the loss through the graph of [`EpropNet::eprop`]'s forward
    /// pass, with `z[t-1]` stopped in the recurrent input and the reset (the
    /// adaptation path `z[t-1] -> a[t]` stays) and `psi` as `dz/dv` (`-beta psi` as
    /// `dz/da`): `(g_in, g_rec, g_out)`.
    pub fn bptt(&self, run: &EpropRun, x: &[Vec<f64>], target: &[Vec<f64>]) -> (Matrix, Matrix, Matrix) {
        let (ni, nr, no, n) = (self.n_in, self.n_rec, self.n_out, x.len());
        let (mut g_in, mut g_rec, mut g_out) = (zeros(nr, ni), zeros(nr, nr), zeros(no, nr));
        // Adjoints of the state at t + 1 as the loop walks back.
        let (mut dy_next, mut dv_next, mut da_next) = (vec![0.0; no], vec![0.0; nr], vec![0.0; nr]);
        for t in (0..n).rev() {
            let dy: Vec<f64> = (0..no).map(|k| (run.y[t][k] - target[t][k]) + self.kappa * dy_next[k]).collect();
            for k in 0..no {
                for j in 0..nr {
                    g_out[k][j] += dy[k] * self.s_out * run.z[t][j];
                }
            }
            let mut dv = vec![0.0; nr];
            let mut da = vec![0.0; nr];
            for j in 0..nr {
                // z[t] feeds the readout and a[t + 1] (the reset and the recurrence are cut).
                let dz = (0..no).map(|k| dy[k] * self.s_out * self.w_out[k][j]).sum::<f64>() + da_next[j];
                dv[j] = run.psi[t][j] * dz + self.alpha * dv_next[j];
                da[j] = -self.beta * run.psi[t][j] * dz + self.rho * da_next[j];
                for i in 0..ni {
                    g_in[j][i] += dv[j] * self.s_in * x[t][i];
                }
                if t > 0 {
                    for i in (0..nr).filter(|&i| i != j) {
                        g_rec[j][i] += dv[j] * self.s_in * run.z[t - 1][i];
                    }
                }
            }
            (dy_next, dv_next, da_next) = (dy, dv, da);
        }
        (g_in, g_rec, g_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// A random network with activity: inputs fire often and the weights are large
    /// enough to cross threshold.
    fn random(seed: u64, beta: f64, s_in_normalised: bool, s_out_normalised: bool) -> (EpropNet, Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let (ni, nr, no, steps) = (5, 6, 2, 20);
        let mut m = |r: usize, c: usize, s: f64| -> Vec<Vec<f64>> { (0..r).map(|_| (0..c).map(|_| rng.random_range(-s..s)).collect()).collect() };
        let (alpha, kappa, v_th) = ((-1.0f64 / 20.0).exp(), (-1.0f64 / 15.0).exp(), 0.6);
        let s_in = if s_in_normalised { 1.0 - alpha } else { 1.0 };
        let s_out = if s_out_normalised { 1.0 - kappa } else { 1.0 };
        let w_in = m(nr, ni, 1.2 / s_in);
        let mut w_rec = m(nr, nr, 0.6 / s_in);
        for (j, row) in w_rec.iter_mut().enumerate() {
            row[j] = 0.0;
        }
        let w_out = m(no, nr, 1.0);
        let b = (0..nr).map(|j| (0..no).map(|k| w_out[k][j]).collect()).collect();
        let net = EpropNet {
            n_in: ni,
            n_rec: nr,
            n_out: no,
            w_in,
            w_rec,
            w_out,
            b,
            alpha,
            rho: (-1.0f64 / 200.0).exp(),
            kappa,
            v_th,
            beta,
            n_ref: 1,
            gamma: 0.3,
            s_in,
            s_out,
        };
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed ^ 0x5eed);
        let x = (0..steps).map(|_| (0..ni).map(|_| f64::from(u8::from(rng.random_bool(0.4)))).collect()).collect();
        let target = (0..steps).map(|t| (0..no).map(|k| (t as f64 * 0.3 + k as f64).sin()).collect()).collect();
        (net, x, target)
    }

    fn max_relative(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
        let scale = a.iter().flatten().map(|x| x.abs()).fold(0.0, f64::max).max(1e-12);
        a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs() / scale).fold(0.0, f64::max)
    }

    /// Specs 4.2's gradient-equivalence test: with symmetric feedback and the
    /// inter-neuron paths cut, e-prop's accumulated gradient is the BPTT gradient of
    /// the same graph (1e-4 relative; here it agrees to rounding), LIF and ALIF, every
    /// normalisation, sequences of 20 steps.
    #[test]
    fn symmetric_eprop_equals_bptt_with_stopped_inter_neuron_paths() {
        let mut active = 0;
        for seed in 0..12 {
            for beta in [0.0, 0.07] {
                for (ns_in, ns_out) in [(false, false), (true, false), (false, true), (true, true)] {
                    let (net, x, target) = random(seed, beta, ns_in, ns_out);
                    let run = net.eprop(&x, &target);
                    let (g_in, g_rec, g_out) = net.bptt(&run, &x, &target);
                    let spikes: f64 = run.z.iter().flatten().sum();
                    let gradient: f64 = run.g_in.iter().flatten().map(|g| g.abs()).sum();
                    if spikes > 0.0 && gradient > 0.0 {
                        active += 1;
                    }
                    let what = format!("seed {seed}, beta {beta}, normalised ({ns_in}, {ns_out})");
                    assert!(max_relative(&g_in, &run.g_in) < 1e-10, "input weights, {what}");
                    assert!(max_relative(&g_rec, &run.g_rec) < 1e-10, "recurrent weights, {what}");
                    assert!(max_relative(&g_out, &run.g_out) < 1e-10, "readout weights, {what}");
                }
            }
        }
        assert!(active > 70, "the networks spike and learn: {active} of 96 cases had a gradient");
    }

    /// The adaptation component matters: for ALIF, e-prop without `eps_a` (the LIF
    /// eligibility) is not the BPTT gradient, so the test above can tell them apart.
    #[test]
    fn the_adaptation_component_is_needed_for_alif() {
        let (net, x, target) = random(3, 0.3, false, false);
        let run = net.eprop(&x, &target);
        let (g_in, _, _) = net.bptt(&run, &x, &target);
        // Same spikes and psi (beta only enters through eps here), LIF eligibility.
        let mut wrong = run.clone();
        wrong.g_in = zeros(net.n_rec, net.n_in);
        let mut ebar = zeros(net.n_rec, net.n_in);
        let mut zbar = vec![0.0; net.n_in];
        for t in 0..x.len() {
            for i in 0..net.n_in {
                zbar[i] = net.alpha * zbar[i] + net.s_in * x[t][i];
            }
            for j in 0..net.n_rec {
                for i in 0..net.n_in {
                    ebar[j][i] = net.kappa * ebar[j][i] + net.s_out * run.psi[t][j] * zbar[i];
                    wrong.g_in[j][i] += run.l[t][j] * ebar[j][i];
                }
            }
        }
        assert!(max_relative(&g_in, &wrong.g_in) > 1e-3, "without eps_a the ALIF gradient differs");
        assert!(max_relative(&g_in, &run.g_in) < 1e-10);
    }

    /// Random feedback gives a learning signal that is not the symmetric one (so it
    /// is not the gradient), while the eligibilities are the same.
    #[test]
    fn random_feedback_changes_only_the_learning_signal() {
        let (net, x, target) = random(5, 0.07, false, false);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(99);
        let b = (0..net.n_rec).map(|_| (0..net.n_out).map(|_| rng.random_range(-1.0..1.0)).collect()).collect();
        let random_fb = EpropNet { b, ..net.clone() };
        let (sym, rnd) = (net.eprop(&x, &target), random_fb.eprop(&x, &target));
        assert_eq!(sym.z, rnd.z, "feedback does not change the dynamics");
        assert_eq!(sym.g_out, rnd.g_out, "nor the readout gradient");
        assert!(max_relative(&sym.g_in, &rnd.g_in) > 1e-3);
    }
}
