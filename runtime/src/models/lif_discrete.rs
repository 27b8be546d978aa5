//! Dimensionless discrete-time LIF of surrogate-gradient training (specs 1.2).
//!
//! # Dynamics
//!
//! With `lambda_m = exp(-dt/tau_m)`, `lambda_s = exp(-dt/tau_syn)` and `x[t]` the
//! summed weights arriving at tick `t`, tick `t` computes
//!
//! ```text
//! S[t-1] = U[t-1] >= theta                                   spike of the last tick
//! U[t]   = (lambda_m U[t-1] + (1 - lambda_m) (I[t-1] + e[t])) (1 - S[t-1])
//! I[t]   = lambda_s I[t-1] + x[t]
//! S[t]   = U[t] >= theta                                     reported at tick t
//! ```
//!
//! This is stork's `LIFGroup` map with the presynaptic spike `S_j[t]` arriving over
//! a delay of one tick as `x[t+1]`: `U` uses the old current `I[t-1]`, so input
//! arriving at tick `t` moves `U` from tick `t + 1` on, and the reset is
//! multiplicative, to 0, one tick after the spike (the state read after a spike at
//! tick `t` still shows `U[t] >= theta`). The spike flag is a function of `U`, so
//! `(U, I)` is the whole state: setting them restores a neuron exactly. An initial
//! `U >= theta` counts as a spike of tick -1: it is reset at tick 0 without being
//! reported.
//!
//! `e[t]` is the injected current of tick `t`; it drives `U` directly (like the
//! constant current of the CUBA model), not through the synaptic filter.
//!
//! **Escape noise** (specs 1.6, the model's `escape_noise`): with a noise `f` other
//! than the step, `S[t] = 1` when `f(U[t] - theta) > r`, `r` the uniform
//! `uniform_at(seed, Domain::Dynamics, gid, t)`, and the reset uses that flag. The
//! flag is then state of its own (a neuron above threshold may stay silent), saved
//! as the column `s`; no spike precedes tick 0 (an initial `U >= theta` is not
//! reset). The draw depends only on (seed, gid, tick), so runs agree for any worker
//! count and window length.
//!
//! Over `k` silent ticks (no input, no spike) the map has the closed form
//! `I[t+k] = lambda_s^k I[t]`,
//! `U[t+k] = lambda_m^k U[t] + (1 - lambda_m) I[t] (lambda_m^k - lambda_s^k) / (lambda_m - lambda_s)`
//! (limit `k lambda_m^(k-1)` for the last factor when the decays are equal).
//!
//! # Parameters
//!
//! `tau_m` (ms), `tau_syn` (ms), `theta` (1); `escape_noise` (step, the default;
//! sigmoid `beta`; exponential `p0`, `delta_u`, all per unit of `U - theta`).
//! Weights and the injected current are dimensionless.
//!
//! # State
//!
//! `u` (1), `i` (1); saved as the columns `u` and `i`, the whole state (the spike
//! flag of the last tick is `u >= theta`). With escape noise the flag is saved too,
//! as the column `s` (f32, 0 or 1).
//!
//! # Events
//!
//! Receptor 0 (`input`) adds to `I` in the tick it arrives.
//!
//! # References
//!
//! Neftci, Mostafa & Zenke (2019) IEEE Signal Process. Mag. 36:51; Zenke & Vogels
//! (2021) Neural Comput. 33:899 (stork).

use super::escape::Noise;
use super::params::{PerNeuron, sample_init, sample_param};
use super::{first_non_finite, read_f32};
use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Constants of one neuron (or of all, when homogeneous).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coeffs {
    lambda_m: f32,
    /// `1 - lambda_m`, computed in f64 so that short steps keep their precision.
    gain: f32,
    lambda_s: f32,
    theta: f32,
}

/// State and parameters of a slice of discrete-time LIF neurons.
#[derive(Debug, Clone)]
pub struct LifDiscreteKernel {
    u: Vec<f32>,
    i: Vec<f32>,
    /// One entry when homogeneous, else one per neuron.
    coeffs: PerNeuron<Coeffs>,
    /// Escape noise and the spike flags it needs; `None` for the step.
    noise: Option<Noisy>,
}

/// The stochastic spiking of a slice: the noise and `S` of the last tick (0 or 1).
#[derive(Debug, Clone)]
struct Noisy {
    noise: Noise,
    spiked: Vec<f32>,
}

impl LifDiscreteKernel {
    /// Draws parameters and initial state for the slice.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        let h = init.dt.0;
        let get = |name: &str| {
            sample_param(init, name)
                .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}].model.{name}", init.pop_name), message: "missing parameter".into() })
        };
        let (tau_m, tau_syn, theta) = (get("tau_m")?, get("tau_syn")?, get("theta")?);
        let n = init.len();
        let coeffs_of = |k: usize| Coeffs {
            lambda_m: (-h / tau_m[k]).exp() as f32,
            gain: -(-h / tau_m[k]).exp_m1() as f32,
            lambda_s: (-h / tau_syn[k]).exp() as f32,
            theta: theta[k] as f32,
        };
        let coeffs = PerNeuron::new((0..n).map(coeffs_of).collect());
        let column = |name: &str| -> Vec<f32> { sample_init(init, name).unwrap_or_else(|| vec![0.0; n]).into_iter().map(|x| x as f32).collect() };
        let noise = Noise::new(init).map(|noise| Noisy { noise, spiked: vec![0.0; n] });
        Ok(LifDiscreteKernel { u: column("u"), i: column("i"), coeffs, noise })
    }
}

/// Neurons per block: the update runs branch-free over a block, then a scalar pass
/// collects the spikes only in blocks where one happened.
const BLOCK: usize = 64;

/// Stands in for an empty `ext`, so that one loop serves both cases.
const ZEROS: [f32; BLOCK] = [0.0; BLOCK];

/// The branch-free update of one block (all slices of the block's length), with
/// `coeff` as a closure so that the homogeneous case reads no coefficient arrays.
/// Returns whether a neuron spiked.
// Not inlined: as a call its `&mut` slices are known not to alias, so the vectorised
// loop needs no run-time overlap checks (inlined, they all come from `self`).
#[inline(never)]
fn update_block(coeff: impl Fn(usize) -> Coeffs, u: &mut [f32], i: &mut [f32], x: &mut [f32], ext: &[f32]) -> bool {
    let len = u.len();
    let (i, x, ext) = (&mut i[..len], &mut x[..len], &ext[..len]);
    let mut any = false;
    for k in 0..len {
        let c = coeff(k);
        let (u_old, i_old) = (u[k], i[k]);
        let leaky = c.lambda_m * u_old + c.gain * (i_old + ext[k]);
        // Multiplicative reset by the spike of the last tick, written as a select.
        let u_new = if u_old >= c.theta { 0.0 } else { leaky };
        u[k] = u_new;
        i[k] = c.lambda_s * i_old + x[k];
        x[k] = 0.0;
        any |= u_new >= c.theta;
    }
    any
}

/// The update of one block with escape noise: as [`update_block`], but the spike
/// is drawn, and the spikes (local indices from `first`) are pushed here.
#[allow(clippy::too_many_arguments)] // the block's slices, as in `update_block`
fn update_block_noisy(
    coeff: impl Fn(usize) -> Coeffs,
    u: &mut [f32],
    i: &mut [f32],
    x: &mut [f32],
    ext: &[f32],
    s: &mut [f32],
    noise: &Noise,
    tick: u64,
    first: usize,
    spiked: &mut Vec<u32>,
) {
    let len = u.len();
    let (i, x, ext, s) = (&mut i[..len], &mut x[..len], &ext[..len], &mut s[..len]);
    for k in 0..len {
        let c = coeff(k);
        let (u_old, i_old) = (u[k], i[k]);
        let leaky = c.lambda_m * u_old + c.gain * (i_old + ext[k]);
        let u_new = if s[k] != 0.0 { 0.0 } else { leaky };
        u[k] = u_new;
        i[k] = c.lambda_s * i_old + x[k];
        x[k] = 0.0;
        let fire = noise.fires(u_new - c.theta, first + k, tick);
        s[k] = f32::from(u8::from(fire));
        if fire {
            spiked.push((first + k) as u32);
        }
    }
}

impl PlainState for LifDiscreteKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("u", Axis::Neuron, &self.u);
        out.f32("i", Axis::Neuron, &self.i);
        if let Some(noisy) = &self.noise {
            out.f32("s", Axis::Neuron, &noisy.spiked);
        }
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.u.len();
        let (u, i) = (read_f32(input, "u", n)?, read_f32(input, "i", n)?);
        let spiked = match self.noise {
            Some(_) => Some(read_f32(input, "s", n)?),
            None => None,
        };
        (self.u, self.i) = (u, i);
        if let (Some(noisy), Some(spiked)) = (&mut self.noise, spiked) {
            noisy.spiked = spiked;
        }
        Ok(())
    }
}

impl NeuronKernel for LifDiscreteKernel {
    fn len(&self) -> usize {
        self.u.len()
    }

    fn step(&mut self, tick: u64, input: &mut [&mut [f32]], ext: &[f32], spiked: &mut Vec<u32>) {
        let n = self.u.len();
        let [x] = input else {
            debug_assert!(false, "discrete LIF takes one receptor");
            return;
        };
        debug_assert!(x.len() == n);
        debug_assert!(ext.is_empty() || ext.len() == n);
        // One branch per step: the deterministic loop below stays as it was.
        if let Some(noisy) = &mut self.noise {
            let mut start = 0;
            while start < n {
                let end = (start + BLOCK).min(n);
                let ext = if ext.is_empty() { &ZEROS[..end - start] } else { &ext[start..end] };
                let (u, i, x, s) = (&mut self.u[start..end], &mut self.i[start..end], &mut x[start..end], &mut noisy.spiked[start..end]);
                match self.coeffs.as_slice() {
                    &[c] => update_block_noisy(move |_| c, u, i, x, ext, s, &noisy.noise, tick, start, spiked),
                    all => {
                        let all = &all[start..end];
                        update_block_noisy(|k| all[k], u, i, x, ext, s, &noisy.noise, tick, start, spiked);
                    }
                }
                start = end;
            }
            return;
        }
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let ext = if ext.is_empty() { &ZEROS[..end - start] } else { &ext[start..end] };
            let (u, i, x) = (&mut self.u[start..end], &mut self.i[start..end], &mut x[start..end]);
            let any = match self.coeffs.as_slice() {
                &[c] => update_block(move |_| c, u, i, x, ext),
                all => {
                    let all = &all[start..end];
                    update_block(|k| all[k], u, i, x, ext)
                }
            };
            if any {
                let theta = |k: usize| self.coeffs.at(k).theta;
                spiked.extend((start..end).filter(|&k| self.u[k] >= theta(k)).map(|k| k as u32));
            }
            start = end;
        }
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        match var {
            0 => self.u[i],
            1 => self.i[i],
            _ => f32::NAN,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        match var {
            0 => self.u[i] = value,
            1 => self.i[i] = value,
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        first_non_finite(&[("u", &self.u), ("i", &self.i)])
    }
}
