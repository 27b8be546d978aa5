//! Surrogate derivatives of the spike nonlinearity (specs 2).
//!
//! A surrogate gradient replaces `dS/dU = delta(U - theta)` in a backward pass or an
//! eligibility trace by a smooth `sigma'(x)`. Every shape here takes
//! `x = U - theta` (stork's form; for e-prop and NEST `x = v - A`, the distance to
//! the adaptive threshold) and leaves refractoriness to the caller (e-prop's
//! pseudo-derivative is 0 while the neuron is refractory).
//!
//! # Shapes
//!
//! | [`Surrogate`] | `sigma'(x)` | source |
//! |---|---|---|
//! | `SuperSpike { beta }` | `1 / (beta |x| + 1)^2` | stork, SpyTorch (standardised, peak 1) |
//! | `SuperSpikeAsymptote { beta, floor }` | `beta / (beta |x| + 1)^2`, 0 for `x < floor` | stork's "asymptote"; Auryn's SuperSpike (`floor`: its cut-off, `U < -80 mV`, as `x`) |
//! | `SuperSpikeRescaled { beta }` | `(beta + 1)^2 / (beta |x| + 1)^2` | 1 at rest (`x = -1`) |
//! | `SuperSpikeMemClamp { beta }` | `1 / (beta relu(-x) + 1)^2` | flat 1 above threshold |
//! | `Sigmoid { beta }` | `beta s (1 - s)`, `s = sigmoid(beta x)` | derivative of sigmoid escape noise |
//! | `ScaledSigmoid { beta }` | `s (1 - s)` | |
//! | `PiecewiseLinear { gamma, v_th, beta }` | `(gamma / v_th) max(0, 1 - beta |x / v_th|)` | e-prop (`beta = 1`), NEST `piecewise_linear` |
//! | `Exponential { beta, gamma }` | `gamma exp(-beta |x|)` | NEST `exponential` |
//! | `FastSigmoidDerivative { beta, gamma }` | `gamma / (1 + beta |x|)^2` | NEST `fast_sigmoid_derivative` |
//! | `Arctan { beta, gamma }` | `(gamma / pi) / (1 + (pi beta x)^2)` | NEST `arctan` |
//!
//! The NEST shapes were read from NEST's `eprop_archiving_node.cpp`
//! (`compute_*_surrogate_gradient`, 3.x): there `x = v_m - v_th_adapt` in mV, not
//! divided by `V_th` except in the piecewise-linear shape.
//!
//! # Matching escape noise (specs 2.3)
//!
//! For a single neuron with escape noise `f`, `f'` used as the surrogate gives the
//! derivative of the expected output; [`Surrogate::for_escape_noise`] returns it for
//! sigmoid noise (`Sigmoid` with the same `beta`). The authors' "stochastic
//! SuperSpike" pairs sigmoid noise with `SuperSpike` of the same `beta` instead, a
//! close but not identical shape: both pairings are available.
//!
//! As data, a surrogate is a [`RuleSpec`](synfire_graphs::RuleSpec)-like table
//! (shape name and plain-number parameters, see [`Surrogate::from_spec`]) or its
//! serde form (`{ "sigmoid": { "beta": 10.0 } }`).
//!
//! # References
//!
//! Zenke & Ganguli (2018) Neural Comput. 30:1514; Bellec et al. (2020) Nat. Commun.
//! 11:3625; Gygax & Zenke (2025) Neural Comput. 37:886; Zenke & Vogels (2021) Neural
//! Comput. 33:899.

mod spec;
#[cfg(test)]
mod tests;

pub use spec::SurrogateError;

use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use synfire_graphs::EscapeNoise;

/// A surrogate derivative `sigma'(x)`; see the module docs for the formulas.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Surrogate {
    /// Standardised SuperSpike fast sigmoid, peak 1.
    SuperSpike {
        /// Steepness, per unit of `x`.
        beta: f64,
    },
    /// SuperSpike times `beta` (peak `beta`), with Auryn's optional cut-off.
    SuperSpikeAsymptote {
        /// Steepness, per unit of `x`.
        beta: f64,
        /// Below this `x` the derivative is 0 (Auryn: `-80 mV - theta`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        floor: Option<f64>,
    },
    /// SuperSpike divided by its value at rest, `(beta + 1)^-2`.
    SuperSpikeRescaled {
        /// Steepness, per unit of `x`.
        beta: f64,
    },
    /// SuperSpike with `relu(-x)` for `|x|`: 1 everywhere above threshold.
    SuperSpikeMemClamp {
        /// Steepness, per unit of `x`.
        beta: f64,
    },
    /// Derivative of `sigmoid(beta x)`.
    Sigmoid {
        /// Steepness, per unit of `x`.
        beta: f64,
    },
    /// `s (1 - s)`: the sigmoid derivative divided by `beta`.
    ScaledSigmoid {
        /// Steepness, per unit of `x`.
        beta: f64,
    },
    /// e-prop's pseudo-derivative (NEST's `piecewise_linear`).
    PiecewiseLinear {
        /// Height factor (e-prop's dampening `gamma_pd`, default 0.3).
        gamma: f64,
        /// The base threshold `v_th` that normalises `x`.
        v_th: f64,
        /// Width factor; 1 in e-prop.
        beta: f64,
    },
    /// NEST's exponential shape.
    Exponential {
        /// Width factor, per unit of `x`.
        beta: f64,
        /// Height.
        gamma: f64,
    },
    /// NEST's fast-sigmoid derivative: SuperSpike with a height.
    FastSigmoidDerivative {
        /// Width factor, per unit of `x`.
        beta: f64,
        /// Height.
        gamma: f64,
    },
    /// NEST's inverse-tangent shape (Fang et al. 2021).
    Arctan {
        /// Width factor, per unit of `x`.
        beta: f64,
        /// Height factor.
        gamma: f64,
    },
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Surrogate {
    /// `sigma'(x)`.
    pub fn derivative(&self, x: f64) -> f64 {
        let fast = |beta: f64, d: f64| 1.0 / ((beta * d + 1.0) * (beta * d + 1.0));
        match *self {
            Surrogate::SuperSpike { beta } => fast(beta, x.abs()),
            Surrogate::SuperSpikeAsymptote { beta, floor } => match floor {
                Some(floor) if x < floor => 0.0,
                _ => beta * fast(beta, x.abs()),
            },
            Surrogate::SuperSpikeRescaled { beta } => (beta + 1.0) * (beta + 1.0) * fast(beta, x.abs()),
            Surrogate::SuperSpikeMemClamp { beta } => fast(beta, (-x).max(0.0)),
            Surrogate::Sigmoid { beta } => {
                let s = logistic(beta * x);
                beta * s * (1.0 - s)
            }
            Surrogate::ScaledSigmoid { beta } => {
                let s = logistic(beta * x);
                s * (1.0 - s)
            }
            Surrogate::PiecewiseLinear { gamma, v_th, beta } => gamma / v_th * (1.0 - beta * (x / v_th).abs()).max(0.0),
            Surrogate::Exponential { beta, gamma } => gamma * (-beta * x.abs()).exp(),
            Surrogate::FastSigmoidDerivative { beta, gamma } => gamma * fast(beta, x.abs()),
            Surrogate::Arctan { beta, gamma } => gamma / PI / (1.0 + (PI * beta * x) * (PI * beta * x)),
        }
    }

    /// A function whose derivative is `sigma'` (0 at `x = 0`), where one exists in
    /// closed form: every shape but the asymptote with a cut-off, whose primitive
    /// jumps at the floor. For tests and for forward passes that want the smooth
    /// spike function itself.
    pub fn primitive(&self, x: f64) -> Option<f64> {
        let fast = |beta: f64| x / (beta * x.abs() + 1.0);
        Some(match *self {
            Surrogate::SuperSpike { beta } => fast(beta),
            Surrogate::SuperSpikeAsymptote { beta, floor: None } => beta * fast(beta),
            Surrogate::SuperSpikeAsymptote { floor: Some(_), .. } => return None,
            Surrogate::SuperSpikeRescaled { beta } => (beta + 1.0) * (beta + 1.0) * fast(beta),
            Surrogate::SuperSpikeMemClamp { beta } => {
                if x >= 0.0 {
                    x
                } else {
                    fast(beta)
                }
            }
            Surrogate::Sigmoid { beta } => logistic(beta * x) - 0.5,
            Surrogate::ScaledSigmoid { beta } => (logistic(beta * x) - 0.5) / beta,
            Surrogate::PiecewiseLinear { gamma, v_th, beta } => {
                let y = (x / v_th).abs().min(1.0 / beta);
                x.signum() * gamma * (y - beta * y * y / 2.0)
            }
            Surrogate::Exponential { beta, gamma } => x.signum() * gamma * (1.0 - (-beta * x.abs()).exp()) / beta,
            Surrogate::FastSigmoidDerivative { beta, gamma } => gamma * fast(beta),
            Surrogate::Arctan { beta, gamma } => gamma / (PI * PI * beta) * (PI * beta * x).atan(),
        })
    }

    /// The surrogate equal to the derivative of escape noise `noise`: `Sigmoid` of
    /// the same `beta` for sigmoid noise. `None` for the deterministic step (a Dirac
    /// delta) and for the clipped exponential, whose derivative
    /// ([`EscapeNoise::derivative`]) is not one of these shapes.
    pub fn for_escape_noise(noise: &EscapeNoise) -> Option<Surrogate> {
        match *noise {
            EscapeNoise::Sigmoid { beta } => Some(Surrogate::Sigmoid { beta }),
            EscapeNoise::Step | EscapeNoise::Exponential { .. } => None,
        }
    }

    /// The "stochastic SuperSpike" pairing of the surrogate-gradient-theory code:
    /// SuperSpike with the `beta` of sigmoid escape noise.
    pub fn stochastic_superspike(noise: &EscapeNoise) -> Option<Surrogate> {
        match *noise {
            EscapeNoise::Sigmoid { beta } => Some(Surrogate::SuperSpike { beta }),
            EscapeNoise::Step | EscapeNoise::Exponential { .. } => None,
        }
    }

    /// e-prop's pseudo-derivative with the paper's dampening `gamma_pd = 0.3`.
    pub fn eprop(v_th: f64) -> Surrogate {
        Surrogate::PiecewiseLinear { gamma: 0.3, v_th, beta: 1.0 }
    }
}
