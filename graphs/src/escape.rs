//! Escape noise: how a spiking model turns its distance to threshold into a spike
//! (specs 1.6).
//!
//! At each tick a neuron with escape noise `f` spikes with probability
//! `p = f(x)`, `x = U - theta`, instead of deterministically:
//!
//! | noise | `f(x)` | defaults |
//! |---|---|---|
//! | [`EscapeNoise::Step`] | `Heaviside(x)` (spike when `x >= 0`) | — |
//! | [`EscapeNoise::Sigmoid`] | `1 / (1 + exp(-beta x))` | `beta = 10` |
//! | [`EscapeNoise::Exponential`] | `min(1, p0 exp(x / delta_u))` | `p0 = 0.01`, `delta_u = 0.133` |
//!
//! The kernels draw the uniform `r` of neuron `gid` at tick `t` as
//! `rng::uniform_at(seed, Domain::Dynamics, gid, t)` and spike when `p > r`, so a
//! run does not depend on the worker count or the window length. This module only
//! holds the data and the pure functions: `f` for the kernels, `f'` for surrogate
//! derivatives that match the noise (specs 2.3, finding 2).
//!
//! **Invariant:** `Step` is the default and a model without escape noise behaves
//! exactly as before escape noise existed (its graph, JSON and hash are unchanged).

use serde::{Deserialize, Serialize};

/// The escape-noise function of a spiking model; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EscapeNoise {
    /// Deterministic threshold (the models' own comparison).
    #[default]
    Step,
    /// Logistic escape rate with slope `beta` (per unit of `x`).
    Sigmoid {
        /// Slope, > 0.
        beta: f64,
    },
    /// Exponential escape rate `p0 exp(x / delta_u)`, clipped to 1.
    Exponential {
        /// Spike probability at threshold, in (0, 1].
        p0: f64,
        /// Width, > 0, in units of `x`.
        delta_u: f64,
    },
}

/// A parameter an escape-noise value does not accept: its name and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadNoise {
    /// The parameter (`beta`, `p0`, `delta_u`).
    pub field: &'static str,
    /// What is wrong, naming the value.
    pub message: String,
}

impl EscapeNoise {
    /// Default slope of the sigmoid noise.
    pub const SIGMOID_BETA: f64 = 10.0;
    /// Default threshold probability of the exponential noise.
    pub const EXP_P0: f64 = 0.01;
    /// Default width of the exponential noise.
    pub const EXP_DELTA_U: f64 = 0.133;
    /// The scenario-file names, in the order of the variants.
    pub const NAMES: [&'static str; 3] = ["step", "sigmoid", "exponential"];

    /// Sigmoid escape noise of slope `beta`.
    pub fn sigmoid(beta: f64) -> Self {
        EscapeNoise::Sigmoid { beta }
    }

    /// Exponential escape noise with threshold probability `p0` and width `delta_u`.
    pub fn exponential(p0: f64, delta_u: f64) -> Self {
        EscapeNoise::Exponential { p0, delta_u }
    }

    /// A variant by its file name, with default parameters.
    pub fn default_of(name: &str) -> Option<Self> {
        match name {
            "step" => Some(EscapeNoise::Step),
            "sigmoid" => Some(EscapeNoise::sigmoid(Self::SIGMOID_BETA)),
            "exponential" => Some(EscapeNoise::exponential(Self::EXP_P0, Self::EXP_DELTA_U)),
            _ => None,
        }
    }

    /// The file name of the variant (`sigmoid`).
    pub fn name(&self) -> &'static str {
        match self {
            EscapeNoise::Step => "step",
            EscapeNoise::Sigmoid { .. } => "sigmoid",
            EscapeNoise::Exponential { .. } => "exponential",
        }
    }

    /// Whether this is the deterministic threshold (the default).
    pub fn is_step(&self) -> bool {
        matches!(self, EscapeNoise::Step)
    }

    /// The parameters as `(name, value)`, in file order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            EscapeNoise::Step => Vec::new(),
            EscapeNoise::Sigmoid { beta } => vec![("beta", beta)],
            EscapeNoise::Exponential { p0, delta_u } => vec![("p0", p0), ("delta_u", delta_u)],
        }
    }

    /// Every parameter outside its range, for `freeze()` and scenario files.
    pub fn check(&self) -> Vec<BadNoise> {
        let mut bad = Vec::new();
        let mut need = |field: &'static str, ok: bool, x: f64, range: &str| {
            if !ok {
                bad.push(BadNoise { field, message: format!("{x} is not {range}") });
            }
        };
        match *self {
            EscapeNoise::Step => {}
            EscapeNoise::Sigmoid { beta } => need("beta", beta.is_finite() && beta > 0.0, beta, "a finite slope > 0"),
            EscapeNoise::Exponential { p0, delta_u } => {
                need("p0", p0 > 0.0 && p0 <= 1.0, p0, "a probability in (0, 1]");
                need("delta_u", delta_u.is_finite() && delta_u > 0.0, delta_u, "a finite width > 0");
            }
        }
        bad
    }

    /// The spike probability `f(x)` in f32, as the kernels evaluate it. `Step` gives
    /// 1 for `x >= 0` and 0 below. NaN gives NaN, which never beats a uniform draw.
    #[inline]
    pub fn probability(&self, x: f32) -> f32 {
        match *self {
            EscapeNoise::Step => f32::from(u8::from(x >= 0.0)),
            // exp overflows to inf for very negative x, which gives exactly 0.
            EscapeNoise::Sigmoid { beta } => 1.0 / (1.0 + (-(beta as f32) * x).exp()),
            EscapeNoise::Exponential { p0, delta_u } => {
                // Not `min(1.0)`, which would turn NaN into a certain spike.
                let p = (p0 as f32) * (x / delta_u as f32).exp();
                if p > 1.0 { 1.0 } else { p }
            }
        }
    }

    /// `f(x)` in f64, for references and surrogate tests.
    pub fn probability_f64(&self, x: f64) -> f64 {
        match *self {
            EscapeNoise::Step => f64::from(u8::from(x >= 0.0)),
            EscapeNoise::Sigmoid { beta } => 1.0 / (1.0 + (-beta * x).exp()),
            EscapeNoise::Exponential { p0, delta_u } => {
                let p = p0 * (x / delta_u).exp();
                if p > 1.0 { 1.0 } else { p }
            }
        }
    }

    /// `f'(x)`: the surrogate derivative that matches this noise (specs 2.3). `Step`
    /// has none (its derivative is a Dirac delta): 0 everywhere. The clipped
    /// exponential has derivative 0 where it is clipped.
    pub fn derivative(&self, x: f64) -> f64 {
        match *self {
            EscapeNoise::Step => 0.0,
            EscapeNoise::Sigmoid { beta } => {
                let s = 1.0 / (1.0 + (-beta * x).exp());
                beta * s * (1.0 - s)
            }
            EscapeNoise::Exponential { p0, delta_u } => {
                let p = p0 * (x / delta_u).exp();
                if p < 1.0 { p / delta_u } else { 0.0 }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EscapeNoise;

    #[test]
    fn defaults_and_values() {
        let s = EscapeNoise::default_of("sigmoid");
        assert_eq!(s, Some(EscapeNoise::sigmoid(10.0)));
        let e = EscapeNoise::default_of("exponential").unwrap_or_default();
        assert!((e.probability_f64(0.0) - 0.01).abs() < 1e-15);
        assert_eq!(e.probability_f64(10.0), 1.0, "clipped to 1");
        assert_eq!(EscapeNoise::sigmoid(10.0).probability(0.0), 0.5);
        assert_eq!(EscapeNoise::sigmoid(10.0).probability(-1e6), 0.0);
        assert_eq!(EscapeNoise::Step.probability(0.0), 1.0);
        assert_eq!(EscapeNoise::Step.probability(-1e-7), 0.0);
        assert_eq!(EscapeNoise::default(), EscapeNoise::Step);
    }

    #[test]
    fn derivative_is_the_slope_of_the_probability() {
        for noise in [EscapeNoise::sigmoid(10.0), EscapeNoise::sigmoid(3.0), EscapeNoise::exponential(0.01, 0.133)] {
            for x in [-0.5, -0.1, 0.0, 0.07, 0.3] {
                let h = 1e-6;
                let fd = (noise.probability_f64(x + h) - noise.probability_f64(x - h)) / (2.0 * h);
                assert!((fd - noise.derivative(x)).abs() < 1e-6 * (1.0 + fd.abs()), "{noise:?} at {x}: {fd} vs {}", noise.derivative(x));
            }
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(EscapeNoise::sigmoid(0.0).check()[0].field, "beta");
        let bad = EscapeNoise::exponential(1.5, f64::NAN).check();
        assert_eq!(bad.iter().map(|b| b.field).collect::<Vec<_>>(), ["p0", "delta_u"]);
        assert!(bad[0].message.contains("1.5"), "{}", bad[0].message);
        assert!(EscapeNoise::exponential(1.0, 0.1).check().is_empty());
    }
}
