//! Rate units: the graded populations (the rate form of specs 5.1).
//!
//! # Dynamics
//!
//! ```text
//! tau du/dt = -u + I(t) + bias        r = phi(u)
//! linear-threshold:  phi(u) = gain * max(0, u - theta)
//! affine:            phi(u) = gain * (u - theta)
//! sigmoid:           phi(u) = r_max / (1 + exp(-gain (u - theta)))
//! soft rectifier:    phi(u) = scale * ln(1 + exp(gain (u - theta)))
//! ```
//!
//! `I(t)` is the input of tick `t`: the summed `w * value` of the graded events
//! (and `w` of the spikes) arriving at `t`, plus the injected current. It is held
//! constant over the tick, so the step is the exact solution, not an Euler step:
//! with `P = exp(-dt/tau)` and `x = I(t) + bias`,
//!
//! ```text
//! u[t] = x + (u[t-1] - x) P          r[t] = phi(u[t])
//! ```
//!
//! `r[t]` leaves the shard as a graded event of tick `t` when it is not zero and
//! arrives at `t + d` like a spike (weights multiplied by the value). With `tau = dt`
//! nothing is instantaneous: `u` still relaxes by `1 - 1/e` per tick.
//!
//! # Parameters
//!
//! `tau` (ms), `gain` (1), `theta` (1), `bias` (1); the sigmoid also `r_max` (1), the
//! soft rectifier `scale` (1).
//! Weights and the injected current are dimensionless.
//!
//! # State
//!
//! `u` (1) is the whole state; `r` (1) is `phi(u)`, readable by probes and recomputed
//! on restore. The initial `r` is `phi(u0)`; it cannot be set on its own.
//!
//! # Events
//!
//! Receptor 0 (`input`) adds to `I` in the tick it arrives. A rate unit never spikes.

use super::params::{PerNeuron, sample_init, sample_param};
use super::{first_non_finite, read_f32};
use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};
use synfire_graphs::{Axis, ModelKind, PlainState, StateError, StateReader, StateWriter};

/// Which activation a unit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activation {
    LinearThreshold,
    Affine,
    Sigmoid,
    Softplus,
}

/// Constants of one unit (or of all, when homogeneous).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coeffs {
    /// `exp(-dt/tau)`.
    decay: f32,
    gain: f32,
    theta: f32,
    bias: f32,
    /// The sigmoid's saturation, or the soft rectifier's scale.
    r_max: f32,
}

impl Coeffs {
    #[inline(always)]
    fn phi(&self, act: Activation, u: f32) -> f32 {
        match act {
            Activation::LinearThreshold => self.gain * (u - self.theta).max(0.0),
            Activation::Affine => self.gain * (u - self.theta),
            Activation::Sigmoid => self.r_max / (1.0 + (-self.gain * (u - self.theta)).exp()),
            // `max(z, 0) + ln(1 + exp(-|z|))`: no overflow for large `z`, and the
            // `ln_1p` keeps the tail exact for very negative `z`.
            Activation::Softplus => {
                let z = self.gain * (u - self.theta);
                self.r_max * (z.max(0.0) + (-z.abs()).exp().ln_1p())
            }
        }
    }
}

/// State and parameters of a slice of rate units.
#[derive(Debug, Clone)]
pub struct RateKernel {
    act: Activation,
    u: Vec<f32>,
    r: Vec<f32>,
    coeffs: PerNeuron<Coeffs>,
}

impl RateKernel {
    /// Draws parameters and initial state for the slice.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        let act = match init.model.kind {
            ModelKind::RateLinear => Activation::LinearThreshold,
            ModelKind::RateAffine => Activation::Affine,
            ModelKind::RateSigmoid => Activation::Sigmoid,
            ModelKind::RateSoftplus => Activation::Softplus,
            other => {
                return Err(RunError::Unsupported {
                    path: format!("populations[{}].model", init.pop_name),
                    message: format!("`{}` is not a rate unit", other.name()),
                });
            }
        };
        let get = |name: &str| {
            sample_param(init, name)
                .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}].model.{name}", init.pop_name), message: "missing parameter".into() })
        };
        let (tau, gain, theta, bias) = (get("tau")?, get("gain")?, get("theta")?, get("bias")?);
        // Only the sigmoid saturates and only the soft rectifier scales (`r_max` holds
        // either); the linear and affine units have neither.
        let r_max = match act {
            Activation::Sigmoid => get("r_max")?,
            Activation::Softplus => get("scale")?,
            Activation::LinearThreshold | Activation::Affine => vec![1.0; init.len()],
        };
        let h = init.dt.0;
        let n = init.len();
        let coeffs = PerNeuron::new(
            (0..n)
                .map(|k| Coeffs {
                    decay: (-h / tau[k]).exp() as f32,
                    gain: gain[k] as f32,
                    theta: theta[k] as f32,
                    bias: bias[k] as f32,
                    r_max: r_max[k] as f32,
                })
                .collect(),
        );
        let u: Vec<f32> = sample_init(init, "u").unwrap_or_else(|| vec![0.0; n]).into_iter().map(|x| x as f32).collect();
        let mut kernel = RateKernel { act, r: vec![0.0; n], u, coeffs };
        kernel.refresh_output();
        Ok(kernel)
    }

    /// `r = phi(u)` for every unit.
    fn refresh_output(&mut self) {
        for k in 0..self.u.len() {
            self.r[k] = self.coeffs.at(k).phi(self.act, self.u[k]);
        }
    }
}

/// The update of a run of units, with the coefficients and the injected current as
/// closures chosen once per step (the homogeneous case reads no coefficient array,
/// the case without current no current array, and the loop has no branch on either).
#[inline(always)]
fn update(act: Activation, coeff: impl Fn(usize) -> Coeffs, ext: impl Fn(usize) -> f32, u: &mut [f32], r: &mut [f32], x: &mut [f32]) {
    let n = u.len();
    let (r, x) = (&mut r[..n], &mut x[..n]);
    for k in 0..n {
        let c = coeff(k);
        let drive = x[k] + ext(k) + c.bias;
        let v = drive + (u[k] - drive) * c.decay;
        u[k] = v;
        r[k] = c.phi(act, v);
        x[k] = 0.0;
    }
}

impl PlainState for RateKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("u", Axis::Neuron, &self.u);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        self.u = read_f32(input, "u", self.u.len())?;
        self.refresh_output();
        Ok(())
    }
}

impl NeuronKernel for RateKernel {
    fn len(&self) -> usize {
        self.u.len()
    }

    fn step(&mut self, _tick: u64, input: &mut [&mut [f32]], ext: &[f32], _spiked: &mut Vec<u32>) {
        let [x] = input else {
            debug_assert!(false, "a rate unit takes one receptor");
            return;
        };
        debug_assert!(x.len() == self.u.len());
        let n = self.u.len();
        let ext = if ext.is_empty() { None } else { Some(&ext[..n]) };
        let (act, u, r) = (self.act, &mut self.u, &mut self.r);
        match (self.coeffs.as_slice(), ext) {
            (&[c], None) => update(act, move |_| c, |_| 0.0, u, r, x),
            (&[c], Some(e)) => update(act, move |_| c, |k| e[k], u, r, x),
            (all, None) => update(act, |k| all[k], |_| 0.0, u, r, x),
            (all, Some(e)) => update(act, |k| all[k], |k| e[k], u, r, x),
        }
    }

    fn output(&self) -> Option<&[f32]> {
        Some(&self.r)
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        match var {
            0 => self.u[i],
            1 => self.r[i],
            _ => f32::NAN,
        }
    }

    /// Setting `u` sets `r = phi(u)`; setting `r` alone holds until the next step.
    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        match var {
            0 => {
                self.u[i] = value;
                self.r[i] = self.coeffs.at(i).phi(self.act, value);
            }
            1 => self.r[i] = value,
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        first_non_finite(&[("u", &self.u), ("r", &self.r)])
    }
}
