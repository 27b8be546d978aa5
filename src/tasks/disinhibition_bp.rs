//! The exact-backpropagation baseline of the dis-inhibitory tasks: the same E-I
//! architecture as [`crate::microcircuit`], at its open-loop steady state, trained by
//! gradient descent on the squared error to the same targets (a small dense
//! implementation, f64, no engine).
//!
//! # Dynamics
//!
//! At the steady state of one layer, `u^I = r^E` and `r^I = phi(u^I)`, so with the
//! drive `a = W r_{l-1} + b` the E unit solves `u + phi(phi(u)) = a` (the left side
//! increases, so the root is unique; Newton's method finds it) and `r = phi(u)`.
//! Its derivative is `dr/da = phi'(u) / (1 + phi'(r) phi'(u))`. Backpropagation:
//! `delta_L = (y - y*) dr/da_L`, `delta_l = (W_{l+1}^T delta_{l+1}) dr/da_l`,
//! `dW_l = -lr delta_l r_{l-1}^T`, `db_l = -lr delta_l`, one example at a time.

use crate::microcircuit::Microcircuit;
use synfire_rules::Softplus;

/// A dense copy of the circuit's feed-forward weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// `w[l][i][j]`: from unit `j` of layer `l` to unit `i` of layer `l + 1`.
    pub w: Vec<Vec<Vec<f64>>>,
    /// `b[l][i]`.
    pub b: Vec<Vec<f64>>,
    /// The activation of every unit.
    pub phi: Softplus,
}

/// One layer's steady state: `(r, dr/da)`.
type Layer = (Vec<f64>, Vec<f64>);

/// `(dL/dW[l][i][j], dL/db[l][i])`.
type Gradient = (Vec<Vec<Vec<f64>>>, Vec<Vec<f64>>);

impl Dense {
    /// The circuit's initial weights and biases.
    pub fn of(mc: &Microcircuit) -> Dense {
        let n = mc.sizes.len() - 1;
        let w: Vec<_> = (0..n).map(|l| mc.initial_weights(l)).collect();
        let b = (0..n).map(|l| mc.start.as_ref().and_then(|s| s.get(l)).map_or_else(|| vec![0.0; mc.sizes[l + 1] as usize], |s| s.1.clone())).collect();
        Dense { w, b, phi: Softplus::UNIT }
    }

    /// `u` with `u + phi(phi(u)) = a`.
    pub fn solve(&self, a: f64) -> f64 {
        let p = self.phi;
        let mut u = a.min(0.0);
        for _ in 0..60 {
            let r = p.phi(u);
            let f = u + p.phi(r) - a;
            let df = 1.0 + p.derivative_at(r) * p.derivative_at(u);
            let step = f / df;
            u -= step;
            if step.abs() < 1e-13 * u.abs().max(1.0) {
                break;
            }
        }
        u
    }

    /// Every layer's steady state for input `x` (the input layer first, with `dr/da` empty).
    pub fn forward(&self, x: &[f64]) -> Vec<Layer> {
        let p = self.phi;
        let mut out = vec![(x.to_vec(), Vec::new())];
        for (w, b) in self.w.iter().zip(&self.b) {
            let below = &out[out.len() - 1].0;
            let (mut r, mut g) = (Vec::new(), Vec::new());
            for (row, bi) in w.iter().zip(b) {
                let a = bi + row.iter().zip(below).map(|(wij, xj)| wij * xj).sum::<f64>();
                let u = self.solve(a);
                let ri = p.phi(u);
                r.push(ri);
                g.push(p.derivative_at(u) / (1.0 + p.derivative_at(ri) * p.derivative_at(u)));
            }
            out.push((r, g));
        }
        out
    }

    /// The outputs for `x`.
    pub fn output(&self, x: &[f64]) -> Vec<f64> {
        self.forward(x).pop().map(|l| l.0).unwrap_or_default()
    }

    /// `(dL/dW, dL/db)` of `L = 1/2 |y - y*|^2` for one example.
    pub fn gradient(&self, x: &[f64], target: &[f64]) -> Gradient {
        let layers = self.forward(x);
        let n = self.w.len();
        let mut dw = vec![Vec::new(); n];
        let mut db = vec![Vec::new(); n];
        let (y, g) = &layers[n];
        let mut delta: Vec<f64> = y.iter().zip(target).zip(g).map(|((yi, ti), gi)| (yi - ti) * gi).collect();
        for l in (0..n).rev() {
            let below = &layers[l].0;
            dw[l] = delta.iter().map(|d| below.iter().map(|xj| d * xj).collect()).collect();
            db[l] = delta.clone();
            if l > 0 {
                let g = &layers[l].1;
                delta = (0..below.len()).map(|j| g[j] * self.w[l].iter().zip(&delta).map(|(row, d)| row[j] * d).sum::<f64>()).collect();
            }
        }
        (dw, db)
    }

    /// One Adam step on the mean gradient of a batch (the rule's batch mode's
    /// optimiser, in f64).
    pub fn adam_step(&mut self, xs: &[&[f64]], ts: &[Vec<f64>], adam: &mut Adam) {
        let n = xs.len().max(1) as f64;
        let mut sum: Option<Gradient> = None;
        for (x, t) in xs.iter().zip(ts) {
            let (dw, db) = self.gradient(x, t);
            sum = Some(match sum {
                None => (dw, db),
                Some((mut sw, mut sb)) => {
                    sw.iter_mut().flatten().flatten().zip(dw.iter().flatten().flatten()).for_each(|(a, b)| *a += b);
                    sb.iter_mut().flatten().zip(db.iter().flatten()).for_each(|(a, b)| *a += b);
                    (sw, sb)
                }
            });
        }
        let Some((dw, db)) = sum else { return };
        let grads: Vec<f64> = dw.iter().flatten().flatten().chain(db.iter().flatten()).map(|g| g / n).collect();
        let params = self.w.iter_mut().flatten().flatten().chain(self.b.iter_mut().flatten());
        adam.step(params, &grads);
    }

    /// One gradient step of size `lr` on one example.
    pub fn step(&mut self, x: &[f64], target: &[f64], lr: f64) {
        let (dw, db) = self.gradient(x, target);
        for (l, (dwl, dbl)) in dw.iter().zip(&db).enumerate() {
            for (i, (row, dbi)) in dwl.iter().zip(dbl).enumerate() {
                for (j, d) in row.iter().enumerate() {
                    self.w[l][i][j] -= lr * d;
                }
                self.b[l][i] -= lr * dbi;
            }
        }
    }
}

/// Adam's state over a flat parameter list (f64; the defaults of specs 5.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    /// Learning rate.
    pub lr: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Adam at `lr` with `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-8`.
    pub fn new(lr: f64) -> Adam {
        Adam { lr, m: Vec::new(), v: Vec::new(), t: 0 }
    }

    /// Descends `grads` on `params` (in the same order every call).
    pub fn step<'a>(&mut self, params: impl Iterator<Item = &'a mut f64>, grads: &[f64]) {
        if self.m.len() != grads.len() {
            (self.m, self.v) = (vec![0.0; grads.len()], vec![0.0; grads.len()]);
        }
        self.t += 1;
        let (c1, c2) = (1.0 - 0.9f64.powi(self.t), 1.0 - 0.999f64.powi(self.t));
        for (k, (p, g)) in params.zip(grads).enumerate() {
            self.m[k] = 0.9 * self.m[k] + 0.1 * g;
            self.v[k] = 0.999 * self.v[k] + 0.001 * g * g;
            *p -= self.lr * (self.m[k] / c1) / ((self.v[k] / c2).sqrt() + 1e-8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The steady state solves the layer's equations, and the gradient equals finite
    /// differences of the loss.
    #[test]
    #[allow(clippy::needless_range_loop)] // (l, i, j) index the weights, the copies and the gradient alike
    fn the_gradient_matches_finite_differences() {
        let mc = Microcircuit::new(&[3, 4, 2]).seed(5).scales(2.0, 1.0);
        let mut net = Dense::of(&mc);
        net.b[0] = vec![0.3, -0.2, 0.1, 0.5];
        let (x, t) = ([0.2, 1.0, 0.7], [1.0, 0.1]);
        for a in [-5.0, 0.0, 2.0, 8.0] {
            let u = net.solve(a);
            assert!((u + net.phi.phi(net.phi.phi(u)) - a).abs() < 1e-10, "a {a}");
        }
        let loss = |n: &Dense| n.output(&x).iter().zip(&t).map(|(y, t)| 0.5 * (y - t).powi(2)).sum::<f64>();
        let (dw, db) = net.gradient(&x, &t);
        let h = 1e-6;
        for l in 0..2 {
            for i in 0..net.w[l].len() {
                for j in 0..net.w[l][i].len() {
                    let (mut p, mut m) = (net.clone(), net.clone());
                    p.w[l][i][j] += h;
                    m.w[l][i][j] -= h;
                    let fd = (loss(&p) - loss(&m)) / (2.0 * h);
                    assert!((fd - dw[l][i][j]).abs() < 1e-7, "w[{l}][{i}][{j}]: {fd} vs {}", dw[l][i][j]);
                }
                let (mut p, mut m) = (net.clone(), net.clone());
                p.b[l][i] += h;
                m.b[l][i] -= h;
                let fd = (loss(&p) - loss(&m)) / (2.0 * h);
                assert!((fd - db[l][i]).abs() < 1e-7, "b[{l}][{i}]");
            }
        }
    }
}
