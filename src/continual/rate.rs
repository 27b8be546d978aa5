//! The data of spec 10.1 and a plain serial reference of its rate form: one
//! logistic unit `p = sigmoid(w·x)` trained by the delta rule, behind one of the
//! synapse variants, as a dense loop in f64. The feature runs in the engine
//! (`engine_rate`); this loop is what the engine is tested against.
//!
//! # Dynamics
//!
//! Per presentation of pattern `x` (centred, `x_j - 0.2`) with label `y* ∈ {0, 1}`:
//!
//! ```text
//! p    = sigmoid(Σ_j w_j x_j)
//! δ_j  = eta (y* - p) x_j                        (the delta rule)
//! ```
//!
//! and the variant applies `δ_j`:
//!
//! - plain: `w_j += δ_j`;
//! - metaplastic (spec 7.2, analog): `δ_j *= 1 - tanh²(m |w_j|)` when `sign(δ_j) != sign(w_j)`;
//! - synaptic intelligence (spec 7.3): `δ_tot = δ_j - min(2 eta c Ω_j, 0.5)(w_j - w*_j)`,
//!   `ω_j += -g_j Δw_j` with `g_j = -δ_j / eta`; consolidation at each task switch;
//! - Benna–Fusi (spec 7.1): `δ_j` poured into the first beaker of the engine's own
//!   chain ([`ChainSynapses`], geometric constants), one chain step per update.
//!
//! The metaplastic and SI steps are the equations of `synfire_rules::metaplastic`
//! written out again, independently of the engine's wrappers; the Benna–Fusi chain
//! is the wrapper's own code driven directly ([`ChainSynapses`]), one step per
//! update ([`Learner::idle`] lets steps pass without one).
//!
//! # Parameters
//!
//! See [`Protocol`]: `N` inputs, `P` patterns per task, `eta`, epochs per task.
//!
//! # References
//!
//! Laborieux et al. 2021; Zenke, Poole & Ganguli 2017; Benna & Fusi 2016.

use super::Variant;
use synfire_graphs::rng::{Domain, uniform_at};
use synfire_graphs::{Tick, UnitExt};
use synfire_rules::BennaFusi;
use synfire_rules::metaplastic::benna_fusi::ChainSynapses;

/// Coding level of a pattern (spec 10.1).
pub const CODING: f64 = 0.2;

/// The protocol's sizes and rates.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Protocol {
    /// Input channels `N`.
    pub inputs: usize,
    /// Patterns per task `P`.
    pub patterns: usize,
    /// Tasks trained in sequence (2: A then B).
    pub tasks: usize,
    /// Learning rate of the delta rule.
    pub eta: f64,
    /// Epochs per task (one update per presentation, shuffled order).
    pub epochs: usize,
    /// Anytime evaluation every this many epochs (0: only at task ends).
    pub eval_every: usize,
    /// Standard deviation of the initial weights.
    pub w_init: f64,
}

impl Default for Protocol {
    /// Spec 10.1: N = 100, P = 40, 2 tasks, eta = 0.02, 60 epochs, w ~ N(0, 0.01²).
    fn default() -> Self {
        Protocol { inputs: 100, patterns: 40, tasks: 2, eta: 0.02, epochs: 60, eval_every: 5, w_init: 0.01 }
    }
}

/// One task's data.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskData {
    /// Centred patterns, `P x N`.
    pub x: Vec<Vec<f64>>,
    /// Labels, 0 or 1.
    pub y: Vec<f64>,
    /// Which task of the scenario this is (keys the spiking form's frozen noise).
    pub task: usize,
}

/// What the task's draws are keyed by (the `id` of [`uniform_at`]).
const ID_INIT: u64 = 1;
const ID_PATTERN: u64 = 1 << 20;
const ID_LABEL: u64 = 2 << 20;
const ID_ORDER: u64 = 3 << 20;

/// Task `k`'s patterns and labels for `seed`.
pub fn task_data(p: &Protocol, seed: u64, k: usize) -> TaskData {
    let n = p.inputs as u64;
    let x = (0..p.patterns as u64)
        .map(|mu| (0..n).map(|j| f64::from(u8::from(uniform_at(seed, Domain::Task, ID_PATTERN + k as u64, mu * n + j) < CODING)) - CODING).collect())
        .collect();
    let y = (0..p.patterns as u64).map(|mu| f64::from(u8::from(uniform_at(seed, Domain::Task, ID_LABEL + k as u64, mu) < 0.5))).collect();
    TaskData { x, y, task: k }
}

/// The presentation order of epoch `e` of task `k` (Fisher–Yates on the task stream).
pub fn order(p: &Protocol, seed: u64, k: usize, e: usize) -> Vec<usize> {
    let mut o: Vec<usize> = (0..p.patterns).collect();
    let id = ID_ORDER + (k * p.epochs.max(1) + e) as u64;
    for i in (1..o.len()).rev() {
        let r = ((uniform_at(seed, Domain::Task, id, i as u64) * (i + 1) as f64) as usize).min(i);
        o.swap(i, r);
    }
    o
}

/// Initial weights `N(0, w_init²)` (Box–Muller on the task stream).
pub fn initial_weights(p: &Protocol, seed: u64) -> Vec<f64> {
    (0..p.inputs as u64)
        .map(|j| {
            let u1 = 1.0 - uniform_at(seed, Domain::Task, ID_INIT, 2 * j); // in (0, 1]
            let u2 = uniform_at(seed, Domain::Task, ID_INIT, 2 * j + 1);
            p.w_init * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        })
        .collect()
}

/// The logistic unit's synapses behind one variant.
pub struct Learner {
    eta: f64,
    variant: Variant,
    /// Efficacies (plain, metaplastic: the hidden weight itself; SI: θ).
    w: Vec<f64>,
    /// SI per synapse `[omega, Omega, theta_star, theta_start]`.
    si: Vec<[f64; 4]>,
    chain: Option<ChainSynapses>,
    /// Updates so far (the Benna–Fusi clock).
    t: u64,
}

impl std::fmt::Debug for Learner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Learner").field("variant", &self.variant).field("w", &self.w).field("t", &self.t).finish()
    }
}

/// `1 / (1 + e^-a)`.
pub fn sigmoid(a: f64) -> f64 {
    1.0 / (1.0 + (-a).exp())
}

/// The delta rule's proposal for one synapse: `eta (y* - p) x`.
pub fn delta(eta: f64, target: f64, p: f64, x: f64) -> f64 {
    eta * (target - p) * x
}

impl Learner {
    /// A learner with weights `w0`.
    pub fn new(variant: Variant, eta: f64, w0: Vec<f64>) -> Result<Learner, super::ContinualError> {
        let chain = match variant {
            Variant::BennaFusi { m } => {
                let init: Vec<f32> = w0.iter().map(|&w| w as f32).collect();
                Some(
                    ChainSynapses::new(&BennaFusi::geometric(m), 1.0.ms(), &init)
                        .map_err(|e| super::ContinualError::Variant { variant: variant.label(), why: e.to_string() })?,
                )
            }
            _ => None,
        };
        let si = w0.iter().map(|&w| [0.0, 0.0, w, w]).collect();
        Ok(Learner { eta, variant, w: w0, si, chain, t: 0 })
    }

    /// The unit's output for `x`.
    pub fn output(&self, x: &[f64]) -> f64 {
        sigmoid(self.w.iter().zip(x).map(|(w, x)| w * x).sum())
    }

    /// The efficacies.
    pub fn weights(&self) -> &[f64] {
        &self.w
    }

    /// One presentation: the delta rule's update applied through the variant.
    pub fn train(&mut self, x: &[f64], target: f64) {
        let p = self.output(x);
        let eta = self.eta;
        for (j, &xj) in x.iter().enumerate() {
            let d = delta(eta, target, p, xj);
            match self.variant {
                Variant::Plain => self.w[j] += d,
                Variant::Metaplastic { m } => {
                    let w = self.w[j];
                    // Towards a sign flip (shrinking |w|): attenuated; growth never is.
                    let d = if d * w < 0.0 { (1.0 - (m * w.abs()).tanh().powi(2)) * d } else { d };
                    self.w[j] = w + d;
                }
                Variant::Si { c, .. } => {
                    let s = &mut self.si[j];
                    let theta = self.w[j];
                    let gain = (2.0 * eta * c * s[1]).min(0.5);
                    let next = theta + d - gain * (theta - s[2]);
                    s[0] += -(-d / eta) * (next - theta);
                    self.w[j] = next;
                }
                Variant::BennaFusi { .. } => {
                    if let Some(chain) = &mut self.chain {
                        chain.add(j, Tick(self.t), d);
                    }
                }
            }
        }
        self.t += 1;
        if let Some(chain) = &mut self.chain {
            // The efficacies the next presentation sees: one chain step later.
            let mut out = vec![0.0f32; self.w.len()];
            chain.efficacies(Tick(self.t), &mut out);
            for (w, o) in self.w.iter_mut().zip(out) {
                *w = f64::from(o);
            }
        }
    }

    /// `steps` updates' worth of time pass without an update (the Benna–Fusi chain
    /// relaxes; nothing else changes): what an engine's evaluation phases cost a
    /// chain on a clock of one step per presentation.
    pub fn idle(&mut self, steps: u64) {
        self.t += steps;
        if let Some(chain) = &mut self.chain {
            let mut out = vec![0.0f32; self.w.len()];
            chain.efficacies(Tick(self.t), &mut out);
            for (w, o) in self.w.iter_mut().zip(out) {
                *w = f64::from(o);
            }
        }
    }

    /// A task boundary: SI consolidates (`Ω += max(0, ω / ((θ - θ_start)² + xi))`,
    /// anchors move to `θ`); the other variants have no boundary.
    pub fn consolidate(&mut self) {
        if let Variant::Si { xi, .. } = self.variant {
            for (s, &theta) in self.si.iter_mut().zip(&self.w) {
                let moved = theta - s[3];
                *s = [0.0, s[1] + (s[0] / (moved * moved + xi)).max(0.0), theta, theta];
            }
        }
    }

    /// Spec 10.6's state: the efficacies, `|w_h|` (the metaplastic variant's
    /// efficacy is its hidden weight) or SI's `Omega`. No bounds; the chain's
    /// beakers are not logged by the reference (the engine's learners log them), and
    /// no activity (an evaluation here is a pure function of the weights).
    pub fn snapshot(&self) -> super::Snapshot {
        use super::snapshot::Spread;
        let mut state = vec![("w".to_string(), Spread::of(&self.w))];
        match self.variant {
            Variant::Metaplastic { .. } => state.push(("|w_h|".into(), Spread::of(&self.w.iter().map(|w| w.abs()).collect::<Vec<_>>()))),
            Variant::Si { .. } => state.push(("Omega".into(), Spread::of(&self.si.iter().map(|s| s[1]).collect::<Vec<_>>()))),
            _ => {}
        }
        super::Snapshot { activity: Vec::new(), at_bounds: None, state }
    }

    /// Fraction of `data`'s patterns classified right (`p > 0.5` means 1).
    pub fn accuracy(&self, data: &TaskData) -> f64 {
        let right = data.x.iter().zip(&data.y).filter(|(x, y)| (self.output(x) > 0.5) == (**y > 0.5)).count();
        right as f64 / data.y.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_learner_equals_a_serial_reference_of_the_delta_rule() {
        let p = Protocol::default();
        let data = task_data(&p, 3, 0);
        let w0 = initial_weights(&p, 3);
        let mut learner = Learner::new(Variant::Plain, p.eta, w0.clone()).unwrap();
        let mut w = w0;
        for e in 0..3 {
            for mu in order(&p, 3, 0, e) {
                let a: f64 = w.iter().zip(&data.x[mu]).map(|(w, x)| w * x).sum();
                let out = 1.0 / (1.0 + (-a).exp());
                for (wj, xj) in w.iter_mut().zip(&data.x[mu]) {
                    *wj += 0.02 * (data.y[mu] - out) * xj;
                }
                learner.train(&data.x[mu], data.y[mu]);
            }
        }
        assert_eq!(learner.weights(), &w[..]);
    }

    #[test]
    fn metaplasticity_zero_is_the_plain_rule_and_large_m_protects_large_weights() {
        let x = [1.0, -1.0];
        let mut plain = Learner::new(Variant::Plain, 0.1, vec![2.0, 0.0]).unwrap();
        let mut m0 = Learner::new(Variant::Metaplastic { m: 0.0 }, 0.1, vec![2.0, 0.0]).unwrap();
        let mut m5 = Learner::new(Variant::Metaplastic { m: 5.0 }, 0.1, vec![2.0, 0.0]).unwrap();
        for l in [&mut plain, &mut m0, &mut m5] {
            l.train(&x, 0.0); // pushes w_0 down, towards a sign flip
        }
        assert_eq!(plain.weights(), m0.weights());
        let p = sigmoid(2.0);
        let attenuated = 2.0 - (1.0 - (10.0f64).tanh().powi(2)) * 0.1 * p;
        assert!((m5.weights()[0] - attenuated).abs() < 1e-15);
        assert_eq!(m5.weights()[1], plain.weights()[1], "w = 0 grows unattenuated");
    }

    #[test]
    fn data_are_determined_by_the_seed_and_differ_between_tasks() {
        let p = Protocol::default();
        assert_eq!(task_data(&p, 1, 0), task_data(&p, 1, 0));
        assert_ne!(task_data(&p, 1, 0), task_data(&p, 1, 1));
        assert_ne!(task_data(&p, 1, 0), task_data(&p, 2, 0));
        let d = task_data(&p, 1, 0);
        let active = d.x.iter().flatten().filter(|&&v| v > 0.0).count() as f64 / (p.inputs * p.patterns) as f64;
        assert!((active - CODING).abs() < 0.03, "coding level {active}");
        let mut o = order(&p, 1, 0, 0);
        o.sort_unstable();
        assert_eq!(o, (0..p.patterns).collect::<Vec<_>>());
    }
}
