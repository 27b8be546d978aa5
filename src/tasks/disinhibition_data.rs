//! The data sets of the dis-inhibitory tasks, generated from the seed: XOR and a
//! synthetic-manifold (randman) classification task (specs 10.2, rate form).
//!
//! # randman
//!
//! Each class `c` is a smooth random closed curve in the `D`-dimensional unit cube:
//! coordinate `d` is `f_cd(t) = sum_{k=1..F} a_k / k sin(2 pi k t + p_k)` (amplitudes
//! falling as `1/k`: a power spectrum `f^-2`), `a_k ~ U(0, 1)`, `p_k ~ U(0, 2 pi)`,
//! rescaled to `[0, 1]` over `t`. A sample of class `c` is `f_c(t)` at `t ~ U(0, 1)`;
//! the rate form presents the coordinates as input values, the spiking form of
//! Zenke & Vogels 2021 ([`latency_code`], specs 10.2 and 10.3) turns each into one
//! spike time. A sample is a counter-based draw ([`Manifold::sample`]), so any one
//! can be drawn alone.

use super::disinhibition_train::Data;
use synfire_graphs::rng::{Domain, uniform_at};

/// XOR on `{0, 1}^2`: class 1 when exactly one input is 1.
pub fn xor() -> Data {
    Data { x: vec![vec![0.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.0], vec![1.0, 1.0]], label: vec![0, 1, 1, 0], classes: 2 }
}

/// The shape of a randman task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Randman {
    /// Classes (manifolds).
    pub classes: usize,
    /// Input dimensions `D`.
    pub dims: usize,
    /// Sinusoids per coordinate `F`.
    pub freqs: usize,
    /// Samples per class in the training set.
    pub train: usize,
    /// Samples per class in the test set.
    pub test: usize,
}

impl Randman {
    /// The task of the specs' benchmark: 3 classes in 10 dimensions, 4 frequencies,
    /// 100 training and 50 test samples per class.
    pub const THREE: Randman = Randman { classes: 3, dims: 10, freqs: 4, train: 100, test: 50 };

    /// The continual-learning data of specs 10.2 and 10.3: 10 classes in `D = 20`
    /// dimensions, 4 frequencies, 1000 training samples per class (the test set's
    /// 100 per class is our choice; the specs name none).
    pub const SPEC_10_2: Randman = Randman { classes: 10, dims: 20, freqs: 4, train: 1000, test: 100 };

    /// `(train, test)`, drawn from `seed`.
    pub fn generate(&self, seed: u64) -> (Data, Data) {
        let manifolds = self.manifolds(seed);
        let set = |n: usize, part: u64| {
            let mut d = Data { x: Vec::new(), label: Vec::new(), classes: self.classes };
            for k in 0..n {
                for (c, m) in manifolds.iter().enumerate() {
                    d.x.push(m.sample(seed, part, c, k as u64));
                    d.label.push(c);
                }
            }
            d
        };
        (set(self.train, 0), set(self.test, 1))
    }

    /// Every class's manifold for `seed` (class `c` at index `c`).
    pub fn manifolds(&self, seed: u64) -> Vec<Manifold> {
        (0..self.classes).map(|c| Manifold::new(seed, c as u64, self.dims, self.freqs)).collect()
    }
}

/// Spike-latency coding (Zenke & Vogels 2021): coordinate `d` of `x` (in `[0, 1]`)
/// becomes the single spike of input neuron `d` at tick `floor(x_d window)` of a
/// window of `window` ticks (the last tick for `x_d = 1`). The spikes come as
/// `(tick, input)`, sorted by tick then input.
pub fn latency_code(x: &[f64], window: u64) -> Vec<(u64, u32)> {
    let last = window.saturating_sub(1);
    let mut spikes: Vec<(u64, u32)> = x.iter().enumerate().map(|(d, &v)| (((v.clamp(0.0, 1.0) * window as f64) as u64).min(last), d as u32)).collect();
    spikes.sort_unstable();
    spikes
}

/// One class's curve: per coordinate, amplitudes and phases, and the rescaling.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifold {
    /// `[d][k] = (a_k / k, p_k)`.
    terms: Vec<Vec<(f64, f64)>>,
    /// `[d] = (min, max)` of the raw coordinate over `t`.
    range: Vec<(f64, f64)>,
}

impl Manifold {
    fn new(seed: u64, class: u64, dims: usize, freqs: usize) -> Manifold {
        let u = |d: usize, k: usize, which: u64| uniform_at(seed, Domain::Stimulus, 10_000 * (class + 1) + (d * 100 + k) as u64, which);
        let terms: Vec<Vec<(f64, f64)>> =
            (0..dims).map(|d| (1..=freqs).map(|k| (u(d, k, 0) / k as f64, std::f64::consts::TAU * u(d, k, 1))).collect()).collect();
        let raw =
            |terms: &[(f64, f64)], t: f64| terms.iter().enumerate().map(|(k, (a, p))| a * (std::f64::consts::TAU * (k + 1) as f64 * t + p).sin()).sum::<f64>();
        let range = terms
            .iter()
            .map(|tm| (0..=1000).map(|i| raw(tm, f64::from(i) / 1000.0)).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v))))
            .collect();
        Manifold { terms, range }
    }

    /// Sample `k` of this manifold (class `class`) in part `part` of the data (0:
    /// training, 1: test): the point at `t ~ U(0, 1)`, a counter-based draw keyed by
    /// `(seed, part, class, k)`, so any sample can be drawn alone.
    pub fn sample(&self, seed: u64, part: u64, class: usize, k: u64) -> Vec<f64> {
        self.at(uniform_at(seed, Domain::Stimulus, 1_000_000 + part * 1000 + class as u64, k))
    }

    /// The point at `t` (in `[0, 1]`): one coordinate per dimension, in `[0, 1]`.
    pub fn at(&self, t: f64) -> Vec<f64> {
        self.terms
            .iter()
            .zip(&self.range)
            .map(|(tm, &(lo, hi))| {
                let v: f64 = tm.iter().enumerate().map(|(k, (a, p))| a * (std::f64::consts::TAU * (k + 1) as f64 * t + p).sin()).sum();
                ((v - lo) / (hi - lo).max(1e-12)).clamp(0.0, 1.0)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same seed gives the same data, another seed other data; every coordinate
    /// lies in the unit cube and spans it.
    #[test]
    fn randman_is_seeded_and_fills_the_cube() {
        let r = Randman::THREE;
        let (a, test) = r.generate(3);
        assert_eq!(a, r.generate(3).0);
        assert_ne!(a, r.generate(4).0);
        assert_eq!((a.x.len(), test.x.len()), (300, 150));
        assert!(a.x.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
        for d in 0..r.dims {
            let (lo, hi) = a.x.iter().map(|x| x[d]).fold((1.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
            assert!(lo < 0.15 && hi > 0.85, "dimension {d} spans [{lo}, {hi}]");
        }
    }

    /// A sample drawn alone is the one `generate` draws; latency coding gives one
    /// spike per input inside the window, earlier for smaller coordinates.
    #[test]
    fn samples_are_drawn_alone_and_coded_as_one_spike_per_input() {
        let r = Randman { train: 3, test: 2, ..Randman::SPEC_10_2 };
        let (train, test) = r.generate(5);
        let m = r.manifolds(5);
        assert_eq!(train.x[2 * 10 + 7], m[7].sample(5, 0, 7, 2));
        assert_eq!(test.x[10 + 3], m[3].sample(5, 1, 3, 1));
        let spikes = latency_code(&[0.0, 1.0, 0.5, 0.999], 50);
        assert_eq!(spikes, [(0, 0), (25, 2), (49, 1), (49, 3)]);
        let coded = latency_code(&train.x[0], 50);
        assert_eq!(coded.len(), 20);
        let mut inputs: Vec<u32> = coded.iter().map(|s| s.1).collect();
        inputs.sort_unstable();
        assert_eq!(inputs, (0..20).collect::<Vec<_>>());
    }
}
