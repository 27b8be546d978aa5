//! Adaptive LIF of e-prop: dimensionless, discrete time, subtractive reset (specs 1.4).
//!
//! # Dynamics
//!
//! With `alpha = exp(-dt/tau_m)`, `rho = exp(-dt/tau_a)` and `x[t]` the summed
//! weights arriving at tick `t` plus the injected current of tick `t`, tick `t`
//! computes
//!
//! ```text
//! v[t] = alpha v[t-1] + x[t] - z[t-1] v_th        subtractive reset by v_th (not by A)
//! a[t] = rho a[t-1] + z[t-1]
//! A[t] = v_th + beta a[t]                          adaptive threshold
//! z[t] = 1 if v[t] >= A[t] and the neuron is not refractory, else 0
//! ```
//!
//! and the neuron spikes at tick `t` when `z[t] = 1`. So a spike is emitted in the
//! same tick as the input that drives `v` over the threshold, and its reset (and
//! threshold increment) act on the next tick: the state read after a spike at tick
//! `t` still shows `v[t] >= A[t]`. A recurrent spike sent with a delay of one tick
//! enters `x[t+1]`, which is e-prop's `W_rec z^t` term of `v^{t+1}`.
//!
//! Refractoriness: after a spike at tick `t`, `z` is forced to 0 at ticks
//! `t+1 ..= t+n_ref` with `n_ref = round(t_ref/dt)`, so the next spike comes at
//! `t+n_ref+1` at the earliest; `v` and `a` go on evolving meanwhile. (The TensorFlow
//! e-prop code and NEST's `eprop_iaf_adapt_bsshslm_2020` force `n_ref - 1` ticks to 0
//! for a counter of `n_ref`: their `n_ref = 5` is `t_ref = 4 dt` here.)
//!
//! Input scaling is 1 (the e-prop paper and `EligALIF`): the weight adds to `v` as
//! is. The `(1 - alpha)` scaling of the `LightALIF` cells is a later parameter. `a`
//! increments by `z` (unnormalised `beta`); the normalised form `(1 - rho) z` is the
//! same with `beta_norm = beta / (1 - rho)`. LIF is the special case `beta = 0`.
//! Spikes use `v >= A`; the e-prop code uses `v > A`, which differs only at equality.
//!
//! **Escape noise** (specs 1.6, the model's `escape_noise`): with a noise `f` other
//! than the step, a neuron that is not refractory spikes at tick `t` when
//! `f((v[t] - A[t]) / v_th) > r`, `r` the uniform `uniform_at(seed,
//! Domain::Dynamics, gid, t)`. The argument is divided by `v_th` as in e-prop's
//! `z = H((v - A) / v_th)` and its pseudo-derivative, so that `beta` and `delta_u`
//! are in units of the threshold and mean the same as for the `theta = 1` discrete
//! LIF. Reset, adaptation and refractoriness follow the drawn `z` as above.
//!
//! # Parameters
//!
//! `tau_m` (ms), `tau_a` (ms), `v_th` (1), `beta` (1), `t_ref` (ms); `escape_noise`
//! (step, the default; sigmoid or exponential, per unit of `(v - A) / v_th`). Weights
//! and the injected current are dimensionless.
//!
//! # State
//!
//! `v` (1), `a` (1); internally also `z` of the last tick and the refractory countdown.
//! Saved as the columns `v`, `a`, `z` (f32, 0 or 1) and `refractory_left` (u32: the
//! ticks during which `z` is still forced to 0), all per neuron.
//!
//! # Events
//!
//! Receptor 0 (`input`) adds to `v` in the tick it arrives.
//!
//! # References
//!
//! Bellec et al. (2020) Nat. Commun. 11:3625 (Methods); Bellec et al. (2018)
//! NeurIPS, "Long short-term memory and learning-to-learn in networks of spiking neurons".

use super::escape::Noise;
use super::params::{PerNeuron, sample_init, sample_param};
use super::{first_non_finite, read_f32};
use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Constants of one neuron (or of all, when homogeneous).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coeffs {
    alpha: f32,
    rho: f32,
    v_th: f32,
    beta: f32,
    /// Refractory period in ticks.
    n_ref: u32,
}

/// State and parameters of a slice of ALIF neurons.
#[derive(Debug, Clone)]
pub struct AlifKernel {
    v: Vec<f32>,
    a: Vec<f32>,
    /// `z` of the previous tick, 0 or 1 (a float so the update stays branch-free).
    z: Vec<f32>,
    refractory: Vec<u32>,
    /// One entry when homogeneous, else one per neuron.
    coeffs: PerNeuron<Coeffs>,
    /// Escape noise; `None` for the deterministic threshold.
    noise: Option<Noise>,
    /// `v - A` after the last step, `+inf` for neurons refractory in it; kept only
    /// once a per-tick rule asked for it (`track_threshold`), else empty.
    distance: Vec<f32>,
}

impl AlifKernel {
    /// Draws parameters and initial state for the slice.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        let h = init.dt.0;
        let get = |name: &str| {
            sample_param(init, name)
                .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}].model.{name}", init.pop_name), message: "missing parameter".into() })
        };
        let (tau_m, tau_a, v_th, beta, t_ref) = (get("tau_m")?, get("tau_a")?, get("v_th")?, get("beta")?, get("t_ref")?);
        let n = init.len();
        let coeffs_of = |k: usize| Coeffs {
            alpha: (-h / tau_m[k]).exp() as f32,
            rho: (-h / tau_a[k]).exp() as f32,
            v_th: v_th[k] as f32,
            beta: beta[k] as f32,
            n_ref: (t_ref[k] / h).round() as u32,
        };
        let coeffs = PerNeuron::new((0..n).map(coeffs_of).collect());
        let column = |name: &str| -> Vec<f32> { sample_init(init, name).unwrap_or_else(|| vec![0.0; n]).into_iter().map(|x| x as f32).collect() };
        Ok(AlifKernel { v: column("v"), a: column("a"), z: vec![0.0; n], refractory: vec![0; n], coeffs, noise: Noise::new(init), distance: Vec::new() })
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
fn update_block(coeff: impl Fn(usize) -> Coeffs, v: &mut [f32], a: &mut [f32], z: &mut [f32], refractory: &mut [u32], x: &mut [f32], ext: &[f32]) -> bool {
    let len = v.len();
    let (a, z, refractory, x, ext) = (&mut a[..len], &mut z[..len], &mut refractory[..len], &mut x[..len], &ext[..len]);
    let mut any = false;
    for j in 0..len {
        let c = coeff(j);
        let z_prev = z[j];
        let vj = c.alpha * v[j] + (x[j] + ext[j]) - z_prev * c.v_th;
        let aj = c.rho * a[j] + z_prev;
        let r = refractory[j];
        let fire = (r == 0) & (vj >= c.v_th + c.beta * aj);
        v[j] = vj;
        a[j] = aj;
        z[j] = fire as u32 as f32;
        refractory[j] = if fire { c.n_ref } else { r.saturating_sub(1) };
        x[j] = 0.0;
        any |= fire;
    }
    any
}

/// The update of one block with escape noise: as [`update_block`], with the spike
/// drawn instead of compared (local indices from `first`, for the draw's key).
#[allow(clippy::too_many_arguments)] // the block's slices, as in `update_block`
fn update_block_noisy(
    coeff: impl Fn(usize) -> Coeffs,
    v: &mut [f32],
    a: &mut [f32],
    z: &mut [f32],
    refractory: &mut [u32],
    x: &mut [f32],
    ext: &[f32],
    noise: &Noise,
    tick: u64,
    first: usize,
) -> bool {
    let len = v.len();
    let (a, z, refractory, x, ext) = (&mut a[..len], &mut z[..len], &mut refractory[..len], &mut x[..len], &ext[..len]);
    let mut any = false;
    for j in 0..len {
        let c = coeff(j);
        let z_prev = z[j];
        let vj = c.alpha * v[j] + (x[j] + ext[j]) - z_prev * c.v_th;
        let aj = c.rho * a[j] + z_prev;
        let r = refractory[j];
        // Refractory neurons draw nothing: their z is forced to 0.
        let fire = r == 0 && noise.fires((vj - (c.v_th + c.beta * aj)) / c.v_th, first + j, tick);
        v[j] = vj;
        a[j] = aj;
        z[j] = f32::from(u8::from(fire));
        refractory[j] = if fire { c.n_ref } else { r.saturating_sub(1) };
        x[j] = 0.0;
        any |= fire;
    }
    any
}

impl PlainState for AlifKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("v", Axis::Neuron, &self.v);
        out.f32("a", Axis::Neuron, &self.a);
        out.f32("z", Axis::Neuron, &self.z);
        out.u32("refractory_left", Axis::Neuron, &self.refractory);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.v.len();
        let (v, a, z) = (read_f32(input, "v", n)?, read_f32(input, "a", n)?, read_f32(input, "z", n)?);
        let mut refractory = vec![0; n];
        input.u32_into("refractory_left", &mut refractory)?;
        (self.v, self.a, self.z, self.refractory) = (v, a, z, refractory);
        Ok(())
    }
}

impl NeuronKernel for AlifKernel {
    fn len(&self) -> usize {
        self.v.len()
    }

    fn step(&mut self, tick: u64, input: &mut [&mut [f32]], ext: &[f32], spiked: &mut Vec<u32>) {
        let n = self.v.len();
        let [x] = input else {
            debug_assert!(false, "ALIF takes one receptor");
            return;
        };
        debug_assert!(x.len() == n);
        debug_assert!(ext.is_empty() || ext.len() == n);
        // Refractoriness during this tick is the countdown before the update; the
        // tracked distance marks it (a second pass, so the update keeps its loop).
        let tracked = !self.distance.is_empty();
        if tracked {
            for (d, &r) in self.distance.iter_mut().zip(&self.refractory) {
                *d = if r > 0 { f32::INFINITY } else { 0.0 };
            }
        }
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let ext = if ext.is_empty() { &ZEROS[..end - start] } else { &ext[start..end] };
            let (v, a, z, refr, x) =
                (&mut self.v[start..end], &mut self.a[start..end], &mut self.z[start..end], &mut self.refractory[start..end], &mut x[start..end]);
            // The noise kind is fixed per kernel, so this branch is predicted
            // perfectly and the deterministic block keeps its vectorised loop.
            let any = match (self.coeffs.as_slice(), &self.noise) {
                (&[c], None) => update_block(move |_| c, v, a, z, refr, x, ext),
                (all, None) => {
                    let all = &all[start..end];
                    update_block(|j| all[j], v, a, z, refr, x, ext)
                }
                (&[c], Some(noise)) => update_block_noisy(move |_| c, v, a, z, refr, x, ext, noise, tick, start),
                (all, Some(noise)) => {
                    let all = &all[start..end];
                    update_block_noisy(|j| all[j], v, a, z, refr, x, ext, noise, tick, start)
                }
            };
            if any {
                spiked.extend((start..end).filter(|&i| self.z[i] != 0.0).map(|i| i as u32));
            }
            start = end;
        }
        if tracked {
            for j in 0..n {
                if self.distance[j] == 0.0 {
                    let c = self.coeffs.at(j);
                    self.distance[j] = self.v[j] - (c.v_th + c.beta * self.a[j]);
                }
            }
        }
    }

    fn track_threshold(&mut self) -> bool {
        if self.distance.is_empty() {
            self.distance = vec![0.0; self.v.len()];
        }
        true
    }

    fn threshold_distance(&self) -> Option<&[f32]> {
        (!self.distance.is_empty()).then_some(&self.distance[..])
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        match var {
            0 => self.v[i],
            1 => self.a[i],
            _ => f32::NAN,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        match var {
            0 => self.v[i] = value,
            1 => self.a[i] = value,
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        first_non_finite(&[("v", &self.v), ("a", &self.a), ("z", &self.z)])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn coeff_lookup_collapses_when_homogeneous() {
        let spec = synfire_graphs::Alif::new();
        let init = crate::kernel::KernelInit { model: &spec, pop_name: "a", dt: synfire_graphs::Time(1.0), seed: 1, pop_offset: 0, neurons: 0..8 };
        let k = super::AlifKernel::new(&init).unwrap();
        assert_eq!(k.coeffs.as_slice().len(), 1);
        assert_eq!(k.coeffs.at(0).n_ref, 5);
    }
}
