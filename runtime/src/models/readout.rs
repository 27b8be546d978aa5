//! e-prop's leaky readout (specs 4.2): a graded unit whose output is its error.
//!
//! # Dynamics
//!
//! With `kappa = exp(-dt/tau)`, `x[t]` the summed `w * value` arriving at tick `t`
//! (hidden spikes carry 1) and `y*[t]` the injected current of tick `t` (the target):
//!
//! ```text
//! y[t]   = kappa y[t-1] + gain x[t]
//! out[t] = y[t] - y*[t]
//! ```
//!
//! `out[t]` leaves as a graded event of tick `t` (when not zero): the error that a
//! feedback projection `into_signal("L")` turns into hidden learning signals
//! `L_j = sum_k B_jk out_k`, and that an e-prop rule on the projection into the
//! readout reads (through `Context::post`) for the readout weights' gradient. A hidden
//! spike of tick `t` sent with one tick of delay enters `x[t+1]`: the engine's
//! `y[t+1]` is the e-prop equations' `y^t`, so a target for e-prop tick `t` is
//! injected at `t + 1`.
//!
//! `gain = 1` is the paper's sum, `gain = 1 - kappa` the normalised filter of the
//! tutorials and NEST.
//!
//! With `softmax = 1` (classification, specs 4.2) the output is
//! `out_k = (pi_k - y*_k) sum_j y*_j`, `pi = softmax(y)` over the population: the
//! cross-entropy's error where a one-hot target is given, 0 where none is (the loss
//! window is where the target current is on). The layout keeps such a population
//! whole on one shard, so that the softmax sees every readout.
//!
//! # Parameters
//!
//! `tau` (ms, 20), `gain` (1, 1), `softmax` (0 or 1, 0). Weights and the target are
//! dimensionless.
//!
//! # State
//!
//! `y` (1), saved per neuron; the output is recomputed from the next step's target.
//!
//! # Events
//!
//! Receptor 0 (`input`) adds to `x` in the tick it arrives. A readout never spikes.
//!
//! # References
//!
//! Bellec et al. (2020) Nat. Commun. 11:3625, Methods ("readout neurons").

use super::params::{PerNeuron, sample_init, sample_param};
use super::{first_non_finite, read_f32};
use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Constants of one unit (or of all, when homogeneous).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coeffs {
    kappa: f32,
    gain: f32,
}

/// State and parameters of a slice of readouts.
#[derive(Debug, Clone)]
pub struct ReadoutKernel {
    /// Classification: the output is `(pi - y*) sum(y*)`, `pi = softmax(y)` over the
    /// slice (the whole population: the layout keeps it on one shard).
    softmax: bool,
    y: Vec<f32>,
    /// `y - y*` after the last step.
    err: Vec<f32>,
    coeffs: PerNeuron<Coeffs>,
}

impl ReadoutKernel {
    /// Draws parameters and initial state for the slice.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        let get = |name: &str| {
            sample_param(init, name)
                .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}].model.{name}", init.pop_name), message: "missing parameter".into() })
        };
        let (tau, gain, softmax) = (get("tau")?, get("gain")?, get("softmax")?);
        let n = init.len();
        let softmax = match softmax.first().copied() {
            Some(s) if softmax.iter().any(|&x| x != s) => {
                return Err(RunError::Unsupported {
                    path: format!("populations[{}].model.softmax", init.pop_name),
                    message: "must be the same for every readout".into(),
                });
            }
            Some(s) if s == 0.0 || s == 1.0 => s == 1.0,
            None => false,
            Some(s) => {
                return Err(RunError::Unsupported {
                    path: format!("populations[{}].model.softmax", init.pop_name),
                    message: format!("{s} is not a switch (0 or 1)"),
                });
            }
        };
        let coeffs = PerNeuron::new((0..n).map(|k| Coeffs { kappa: (-init.dt.0 / tau[k]).exp() as f32, gain: gain[k] as f32 }).collect());
        let y: Vec<f32> = sample_init(init, "y").unwrap_or_else(|| vec![0.0; n]).into_iter().map(|x| x as f32).collect();
        Ok(ReadoutKernel { softmax, err: y.clone(), y, coeffs })
    }
}

impl PlainState for ReadoutKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("y", Axis::Neuron, &self.y);
        out.f32("err", Axis::Neuron, &self.err);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.y.len();
        let (y, err) = (read_f32(input, "y", n)?, read_f32(input, "err", n)?);
        (self.y, self.err) = (y, err);
        Ok(())
    }
}

impl NeuronKernel for ReadoutKernel {
    fn len(&self) -> usize {
        self.y.len()
    }

    fn step(&mut self, _tick: u64, input: &mut [&mut [f32]], ext: &[f32], _spiked: &mut Vec<u32>) {
        let [x] = input else {
            debug_assert!(false, "a readout takes one receptor");
            return;
        };
        for k in 0..self.y.len() {
            let c = self.coeffs.at(k);
            self.y[k] = c.kappa * self.y[k] + c.gain * x[k];
            self.err[k] = self.y[k] - ext.get(k).copied().unwrap_or(0.0);
            x[k] = 0.0;
        }
        if self.softmax {
            // The error of a cross-entropy loss, only where the target is given.
            let mask: f32 = ext.iter().sum();
            let top = self.y.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = self.y.iter().map(|&y| (y - top).exp()).sum();
            for k in 0..self.y.len() {
                let pi = (self.y[k] - top).exp() / sum;
                self.err[k] = (pi - ext.get(k).copied().unwrap_or(0.0)) * mask;
            }
        }
    }

    fn output(&self) -> Option<&[f32]> {
        Some(&self.err)
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        match var {
            0 => self.y[i],
            _ => f32::NAN,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        if var == 0 {
            self.y[i] = value;
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        first_non_finite(&[("y", &self.y), ("err", &self.err)])
    }
}
