//! The Benna–Fusi chain as a linear system (spec 7.1): its constants, its modes, and
//! exact propagation over any interval.
//!
//! # Dynamics
//!
//! ```text
//! C_1 du_1/dt = I_ext + g_1 (u_2 - u_1)
//! C_k du_k/dt = g_{k-1} (u_{k-1} - u_k) + g_k (u_{k+1} - u_k)      k = 2..m,  u_{m+1} = 0
//! ```
//!
//! `du/dt = M u` with `M = C^-1 L`, `L` symmetric tridiagonal. `S = C^-1/2 L C^-1/2`
//! is symmetric, so `M = V diag(λ) V^-1` with `V = C^-1/2 Q`, `V^-1 = Q^T C^1/2` (`Q`
//! the orthonormal eigenvectors of `S`, found by cyclic Jacobi rotations). Between
//! injections every mode evolves on its own: over `n` steps of the discrete Jacobi
//! update (step `Δ = 1` clock unit) by `(1 + λ_k)^n`, over a time `τ` of the ODE by
//! `e^(λ_k τ)`. That is what makes the chain lazy: no loop over ticks.
//!
//! # Parameters
//!
//! - geometric (Kaplanis et al. 2018): `C_k = 2^(k-1)`, `g_k = 2^(-k-2)`;
//! - by end-point timescales `a`, `b` (clock units): `x = (b/a)^(1/(2m-2))`,
//!   `C_k = x^(k-1)`, `g_k = x^(1-k) / a`.
//!
//! # References
//!
//! Benna & Fusi 2016, Nat. Neurosci. 19:1697; Kaplanis, Shanahan & Clopath 2018.

/// The largest chain the catalogue accepts (probe names `u_1 ..= u_16`).
pub const MAX_BEAKERS: usize = 16;

/// Probe names of the beakers, `u_1` the efficacy.
pub const BEAKER_NAMES: [&str; MAX_BEAKERS] =
    ["u_1", "u_2", "u_3", "u_4", "u_5", "u_6", "u_7", "u_8", "u_9", "u_10", "u_11", "u_12", "u_13", "u_14", "u_15", "u_16"];

/// Capacities `C_k` and couplings `g_k` (between beaker `k` and `k + 1`; the last one
/// is the leak to the reservoir), in clock units.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainConstants {
    /// Capacities, one per beaker.
    pub c: Vec<f64>,
    /// Couplings, one per beaker (to the next one, or to the reservoir).
    pub g: Vec<f64>,
}

impl ChainConstants {
    /// `C_k = 2^(k-1)`, `g_k = 2^(-k-2)`: times `C_k / g_k = 8, 32, 128, ...`.
    pub fn geometric(m: usize) -> Self {
        let c = (0..m).map(|k| 2f64.powi(k as i32)).collect();
        let g = (0..m).map(|k| 2f64.powi(-(k as i32) - 3)).collect();
        ChainConstants { c, g }
    }

    /// Shortest timescale `a`, longest `b`: `x = (b/a)^(1/(2m-2))`, `C_k = x^(k-1)`,
    /// `g_k = x^(1-k) / a` (`m = 1`: one beaker leaking with time `a`).
    pub fn endpoints(m: usize, a: f64, b: f64) -> Self {
        let x = if m > 1 { (b / a).powf(1.0 / (2.0 * m as f64 - 2.0)) } else { 1.0 };
        let c = (0..m).map(|k| x.powi(k as i32)).collect();
        let g = (0..m).map(|k| x.powi(-(k as i32)) / a).collect();
        ChainConstants { c, g }
    }

    /// Number of beakers.
    pub fn len(&self) -> usize {
        self.c.len()
    }

    /// Whether the chain has no beaker.
    pub fn is_empty(&self) -> bool {
        self.c.is_empty()
    }

    /// `du/dt = M u` (no injection), into `out`.
    pub fn rhs(&self, u: &[f64], out: &mut [f64]) {
        let m = self.len();
        for k in 0..m {
            let left = if k > 0 { self.g[k - 1] * (u[k - 1] - u[k]) } else { 0.0 };
            let right = self.g[k] * (if k + 1 < m { u[k + 1] } else { 0.0 } - u[k]);
            out[k] = (left + right) / self.c[k];
        }
    }

    /// One step of the spec's discrete update with `Δ = 1` (Jacobi order: every
    /// right-hand side from the old values).
    pub fn step(&self, u: &mut [f64]) {
        let mut du = vec![0.0; u.len()];
        self.rhs(u, &mut du);
        for (x, d) in u.iter_mut().zip(&du) {
            *x += d;
        }
    }
}

/// The chain's modes: `M = V diag(lambda) V^-1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Modes {
    /// Eigenvalues of `M` (negative, per clock unit).
    pub lambda: Vec<f64>,
    /// `V`, row-major: `u_i = Σ_k v[i m + k] z_k`.
    pub v: Vec<f64>,
    /// `V^-1`, row-major: `z_k = Σ_i vinv[k m + i] u_i`.
    pub vinv: Vec<f64>,
}

impl Modes {
    /// The modes of the chain (cyclic Jacobi on the symmetrised matrix).
    pub fn new(k: &ChainConstants) -> Self {
        let m = k.len();
        // S = C^-1/2 L C^-1/2 (symmetric tridiagonal).
        let mut s = vec![0.0; m * m];
        for i in 0..m {
            let left = if i > 0 { k.g[i - 1] } else { 0.0 };
            s[i * m + i] = -(left + k.g[i]) / k.c[i];
            if i + 1 < m {
                let off = k.g[i] / (k.c[i] * k.c[i + 1]).sqrt();
                s[i * m + i + 1] = off;
                s[(i + 1) * m + i] = off;
            }
        }
        let (lambda, q) = jacobi(s, m);
        let mut v = vec![0.0; m * m];
        let mut vinv = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..m {
                v[i * m + j] = q[i * m + j] / k.c[i].sqrt();
                vinv[j * m + i] = q[i * m + j] * k.c[i].sqrt();
            }
        }
        Modes { lambda, v, vinv }
    }

    /// Number of modes.
    pub fn len(&self) -> usize {
        self.lambda.len()
    }

    /// Whether there is no mode.
    pub fn is_empty(&self) -> bool {
        self.lambda.is_empty()
    }

    /// Modal coordinates of `u`.
    pub fn to_modes(&self, u: &[f64]) -> Vec<f64> {
        let m = self.len();
        (0..m).map(|k| (0..m).map(|i| self.vinv[k * m + i] * u[i]).sum()).collect()
    }

    /// Beaker levels from modal coordinates.
    pub fn from_modes(&self, z: &[f64]) -> Vec<f64> {
        let m = self.len();
        (0..m).map(|i| (0..m).map(|k| self.v[i * m + k] * z[k]).sum()).collect()
    }

    /// The factor of mode `k` per clock unit: `1 + λ_k` for the discrete update,
    /// `e^λ_k` for the ODE.
    pub fn unit_factor(&self, k: usize, continuous: bool) -> f64 {
        if continuous { self.lambda[k].exp() } else { 1.0 + self.lambda[k] }
    }

    /// `u` propagated over `span` clock units (whole steps unless `continuous`).
    pub fn propagate(&self, u: &[f64], span: f64, continuous: bool) -> Vec<f64> {
        let mut z = self.to_modes(u);
        for (k, z) in z.iter_mut().enumerate() {
            *z *= if continuous { (self.lambda[k] * span).exp() } else { (1.0 + self.lambda[k]).powi(span as i32) };
        }
        self.from_modes(&z)
    }
}

/// Eigenvalues and orthonormal eigenvectors (columns of row-major `q`) of the
/// symmetric `m x m` matrix `a`, by cyclic Jacobi rotations (exact to rounding for
/// the small matrices of a chain).
fn jacobi(mut a: Vec<f64>, m: usize) -> (Vec<f64>, Vec<f64>) {
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        q[i * m + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..m).flat_map(|i| (0..m).filter(move |&j| j != i).map(move |j| (i, j))).map(|(i, j)| a[i * m + j].powi(2)).sum();
        let diag: f64 = (0..m).map(|i| a[i * m + i].powi(2)).sum();
        if off <= 1e-32 * diag {
            break;
        }
        for p in 0..m {
            for r in p + 1..m {
                let apr = a[p * m + r];
                if apr == 0.0 {
                    continue;
                }
                let theta = (a[r * m + r] - a[p * m + p]) / (2.0 * apr);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..m {
                    let (akp, akr) = (a[k * m + p], a[k * m + r]);
                    a[k * m + p] = c * akp - s * akr;
                    a[k * m + r] = s * akp + c * akr;
                }
                for k in 0..m {
                    let (apk, ark) = (a[p * m + k], a[r * m + k]);
                    a[p * m + k] = c * apk - s * ark;
                    a[r * m + k] = s * apk + c * ark;
                }
                for k in 0..m {
                    let (qkp, qkr) = (q[k * m + p], q[k * m + r]);
                    q[k * m + p] = c * qkp - s * qkr;
                    q[k * m + r] = s * qkp + c * qkr;
                }
            }
        }
    }
    ((0..m).map(|i| a[i * m + i]).collect(), q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_reproduce_the_matrix() {
        for k in [ChainConstants::geometric(6), ChainConstants::endpoints(6, 1.0, 1024.0)] {
            let modes = Modes::new(&k);
            // V diag(λ) V^-1 e_j == M e_j for every j.
            for j in 0..k.len() {
                let mut e = vec![0.0; k.len()];
                e[j] = 1.0;
                let mut want = vec![0.0; k.len()];
                k.rhs(&e, &mut want);
                let mut z = modes.to_modes(&e);
                for (n, z) in z.iter_mut().enumerate() {
                    *z *= modes.lambda[n];
                }
                let got = modes.from_modes(&z);
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-12, "column {j}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn one_beaker_leaks_with_time_8() {
        let modes = Modes::new(&ChainConstants::geometric(1));
        assert!((modes.lambda[0] + 0.125).abs() < 1e-15);
    }
}
