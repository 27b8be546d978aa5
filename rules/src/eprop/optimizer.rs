//! The optimiser of e-prop's accumulated gradients: SGD or Adam, with Adam's
//! per-synapse moments kept in the rule (and checkpointed with it).

/// SGD or Adam, and Adam's state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Optimizer {
    pub eta: f32,
    /// `(beta1, beta2, eps)` for Adam, `None` for SGD.
    pub adam: Option<(f64, f64, f32)>,
    /// First and second moments per synapse (empty for SGD).
    pub m: Vec<f32>,
    pub v: Vec<f32>,
    /// Steps taken (Adam's bias correction).
    pub steps: u64,
}

impl Optimizer {
    pub fn new(adam: bool, eta: f64, beta1: f64, beta2: f64, eps: f64) -> Optimizer {
        Optimizer { eta: eta as f32, adam: adam.then_some((beta1, beta2, eps as f32)), m: Vec::new(), v: Vec::new(), steps: 0 }
    }

    /// Sizes the moments for `n` synapses.
    pub fn sized(mut self, n: usize) -> Optimizer {
        if self.adam.is_some() {
            (self.m, self.v) = (vec![0.0; n], vec![0.0; n]);
        }
        self
    }

    /// Starts a step: counts it and returns the factors synapses need.
    pub fn begin(&mut self) -> Step {
        self.steps += 1;
        match self.adam {
            None => Step { eta: self.eta, b1: 0.0, b2: 0.0, c1: 1.0, c2: 1.0, eps: 0.0, adam: false },
            Some((b1, b2, eps)) => {
                let t = self.steps.min(i32::MAX as u64) as i32;
                Step { eta: self.eta, b1: b1 as f32, b2: b2 as f32, c1: (1.0 - b1.powi(t)) as f32, c2: (1.0 - b2.powi(t)) as f32, eps, adam: true }
            }
        }
    }

    /// The new weight of synapse `k` after gradient `g`: `w + delta(g)` in f32, the
    /// bits of `w - eta g` (SGD) and `w - eta m_hat / (sqrt(v_hat) + eps)` (Adam).
    #[inline]
    pub fn apply(&mut self, step: &Step, k: usize, w: f32, g: f32) -> f32 {
        w + self.delta(step, k, g)
    }

    /// The change a step proposes for synapse `k` after gradient `g` (Adam's moments
    /// advanced): `-eta g` or `-eta m_hat / (sqrt(v_hat) + eps)`, independent of the
    /// weight. The e-prop rules hand it to their `Update` (`crate::driver`)
    /// (the plain one adds it in f32, a metaplastic wrapper applies it its way).
    #[inline]
    pub fn delta(&mut self, step: &Step, k: usize, g: f32) -> f32 {
        if !step.adam {
            return -(step.eta * g);
        }
        let m = step.b1 * self.m[k] + (1.0 - step.b1) * g;
        let v = step.b2 * self.v[k] + (1.0 - step.b2) * g * g;
        (self.m[k], self.v[k]) = (m, v);
        -(step.eta * (m / step.c1) / ((v / step.c2).sqrt() + step.eps))
    }
}

/// The factors of one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    eta: f32,
    b1: f32,
    b2: f32,
    /// Bias corrections `1 - beta^t`.
    c1: f32,
    c2: f32,
    eps: f32,
    adam: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_matches_its_equations_in_f64() {
        let mut o = Optimizer::new(true, 0.01, 0.9, 0.999, 1e-8).sized(1);
        let (mut w, mut m, mut v) = (0.5f64, 0.0f64, 0.0f64);
        let mut wf = 0.5f32;
        for (t, g) in [0.3f64, -0.1, 0.7, 0.0, 2.0].into_iter().enumerate() {
            let s = o.begin();
            wf = o.apply(&s, 0, wf, g as f32);
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            let k = (t + 1) as i32;
            w -= 0.01 * (m / (1.0 - 0.9f64.powi(k))) / ((v / (1.0 - 0.999f64.powi(k))).sqrt() + 1e-8);
            assert!((f64::from(wf) - w).abs() < 1e-6, "step {t}: {wf} vs {w}");
        }
        let mut sgd = Optimizer::new(false, 0.1, 0.9, 0.999, 1e-8).sized(1);
        let s = sgd.begin();
        assert_eq!(sgd.apply(&s, 0, 1.0, 2.0), 0.8);
    }
}
