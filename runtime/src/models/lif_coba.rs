//! Conductance-based LIF, conductances in units of the leak (specs 1.3).
//!
//! # Dynamics
//!
//! ```text
//! tau_m dV/dt = (E_L - V) + g_e (E_e - V) + g_i (E_i - V) + v_bg + v_ext
//! dg_x/dt     = -g_x / tau_x            g_x <- g_x + w at each arriving spike
//! ```
//!
//! `g_e`, `g_i` are dimensionless (Auryn's `TIFGroup` convention): a weight of 0.4 is
//! a conductance jump of 0.4 g_L. `v_bg` is a constant drive `R I_bg` in mV and
//! `v_ext` the injected current of the tick, also as `R I` in mV.
//!
//! One tick of length `h` is an exponential-Euler step, exact while the conductances
//! are frozen over the step:
//!
//! ```text
//! g_tot = 1 + g_e + g_i
//! V_inf = (E_L + g_e E_e + g_i E_i + v_bg + v_ext) / g_tot
//! V    <- V_inf + (V - V_inf) exp(-h g_tot / tau_m)
//! g_x  <- g_x exp(-h / tau_x) + input_x
//! ```
//!
//! It is unconditionally stable and agrees with the exact solution to O(h) (Auryn
//! uses forward Euler at `h = 0.1 ms`). Input arriving at tick `t` enters `g_x` at
//! `t` and moves `V` from tick `t + 1` on, the same order as the CUBA kernel.
//!
//! When `V >= V_th` at the end of tick `t` the neuron spikes at tick `t`,
//! `V <- V_reset`, and `V` is held for `round(t_ref / dt)` ticks while the
//! conductances go on decaying and integrating input.
//!
//! # Parameters
//!
//! `tau_m` (ms), `e_l` (mV), `v_th` (mV), `v_reset` (mV), `t_ref` (ms), `e_e` (mV),
//! `e_i` (mV), `tau_syn_e` (ms), `tau_syn_i` (ms), `v_bg` (mV). `g_l` (nS) is not
//! used by the dynamics: the graph uses it to turn weights given in nS into leak
//! units. Weights are dimensionless; the injected current is in mV (`R I`).
//!
//! # State
//!
//! `v` (mV), `g_e` (1), `g_i` (1); the tick at which refractoriness ends. Saved as
//! the columns `v`, `g_e`, `g_i` and the refractory ends of [`super::refractory`].
//!
//! # Events
//!
//! Receptor 0 (`exc`) adds to `g_e`, receptor 1 (`inh`) to `g_i`.
//!
//! # References
//!
//! Vogels & Abbott (2005) J. Neurosci. 25:10786; Brette et al. (2007) J. Comput.
//! Neurosci. 23:349; Zenke & Gerstner (2014) Front. Neuroinform. 8:76 (Auryn).

use super::params::{PerNeuron, sample_init, sample_param};
use super::refractory::{self, RefractoryEnds};
use super::{first_non_finite, read_f32};
use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Constants of one neuron (or of all, when homogeneous).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coeffs {
    /// `h / tau_m`: the membrane decay over a tick is `exp(-h_tau * g_tot)`.
    h_tau: f32,
    p_e: f32,
    p_i: f32,
    e_l: f32,
    e_e: f32,
    e_i: f32,
    v_bg: f32,
    v_th: f32,
    v_reset: f32,
    /// Refractory period in ticks.
    n_ref: u32,
}

/// State and parameters of a slice of COBA LIF neurons.
#[derive(Debug, Clone)]
pub struct LifCobaKernel {
    /// Membrane potential (mV, absolute).
    v: Vec<f32>,
    g_e: Vec<f32>,
    g_i: Vec<f32>,
    refractory: RefractoryEnds,
    /// One entry when homogeneous, else one per neuron.
    coeffs: PerNeuron<Coeffs>,
}

impl LifCobaKernel {
    /// Draws parameters and initial state for the slice.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        let h = init.dt.0;
        let get = |name: &str| {
            sample_param(init, name)
                .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}].model.{name}", init.pop_name), message: "missing parameter".into() })
        };
        let (tau_m, e_l, v_th, v_reset, t_ref) = (get("tau_m")?, get("e_l")?, get("v_th")?, get("v_reset")?, get("t_ref")?);
        let (e_e, e_i, tau_e, tau_i, v_bg) = (get("e_e")?, get("e_i")?, get("tau_syn_e")?, get("tau_syn_i")?, get("v_bg")?);
        let n = init.len();
        let coeffs_of = |k: usize| Coeffs {
            h_tau: (h / tau_m[k]) as f32,
            p_e: (-h / tau_e[k]).exp() as f32,
            p_i: (-h / tau_i[k]).exp() as f32,
            e_l: e_l[k] as f32,
            e_e: e_e[k] as f32,
            e_i: e_i[k] as f32,
            v_bg: v_bg[k] as f32,
            v_th: v_th[k] as f32,
            v_reset: v_reset[k] as f32,
            n_ref: (t_ref[k] / h).round() as u32,
        };
        let coeffs = PerNeuron::new((0..n).map(coeffs_of).collect());
        let column =
            |name: &str, default: &[f64]| -> Vec<f32> { sample_init(init, name).unwrap_or_else(|| default.to_vec()).into_iter().map(|x| x as f32).collect() };
        let zeros = vec![0.0; n];
        Ok(LifCobaKernel { v: column("v", &e_l), g_e: column("g_e", &zeros), g_i: column("g_i", &zeros), refractory: RefractoryEnds::new(n), coeffs })
    }
}

/// Neurons per block: the update runs branch-free over a block, then a scalar pass
/// handles spikes only in blocks where one happened.
const BLOCK: usize = 64;

/// Stands in for an empty `ext`, so that one loop serves both cases.
const ZEROS: [f32; BLOCK] = [0.0; BLOCK];

/// The branch-free update of one block (all slices of the block's length): written
/// with `coeff` as a closure and a bitwise select for the refractory hold so that it
/// vectorises on baseline x86-64. Returns whether a neuron reached threshold.
// Not inlined: as a call its `&mut` slices are known not to alias, so the vectorised
// loop needs no run-time overlap checks (inlined, they all come from `self`).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn update_block(
    coeff: impl Fn(usize) -> Coeffs,
    v: &mut [f32],
    g_e: &mut [f32],
    g_i: &mut [f32],
    free_at: &[u32],
    now: u32,
    in_e: &mut [f32],
    in_i: &mut [f32],
    ext: &[f32],
) -> bool {
    let len = v.len();
    let (g_e, g_i, free_at, in_e, in_i, ext) = (&mut g_e[..len], &mut g_i[..len], &free_at[..len], &mut in_e[..len], &mut in_i[..len], &ext[..len]);
    let mut any = false;
    for j in 0..len {
        let c = coeff(j);
        let (ge, gi) = (g_e[j], g_i[j]);
        let g_tot = 1.0 + ge + gi;
        let v_inf = (c.e_l + ge * c.e_e + gi * c.e_i + (c.v_bg + ext[j])) / g_tot;
        let held = v[j];
        let free = v_inf + (held - v_inf) * exp_f32(-c.h_tau * g_tot);
        let new = select(refractory::held(free_at[j], now), held, free);
        v[j] = new;
        g_e[j] = c.p_e * ge + in_e[j];
        g_i[j] = c.p_i * gi + in_i[j];
        in_e[j] = 0.0;
        in_i[j] = 0.0;
        any |= new >= c.v_th;
    }
    any
}

/// `if cond { a } else { b }` through the bits: exact, and without the blend
/// instruction that baseline x86-64 lacks (its absence stops the vectoriser).
#[inline(always)]
fn select(cond: bool, a: f32, b: f32) -> f32 {
    let mask = 0u32.wrapping_sub(cond as u32);
    f32::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// `exp(x)` in f32 for `x` in `[-87, 88]` (clamped to it), without branches or
/// calls so that the neuron loop vectorises.
///
/// `x = n ln2 + r` with `n = round(x / ln2)` and `|r| <= ln2 / 2`; `exp(r)` by its
/// Taylor polynomial of degree 7, evaluated by Estrin's scheme (truncation below 6e-9
/// relative), `2^n` built in the exponent bits. `ln2` is split in two parts (Cody & Waite) so that `n ln2` is exact.
/// Relative error within a few f32 ulps.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4; // 355/512: 9 significant bits
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5 * 2^23 rounds to the nearest integer, which lands in the low bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Estrin's scheme: the same polynomial in a dependency chain of depth 3 instead of
    // Horner's 7 (the neuron loop is bound by this chain's latency).
    let r2 = r * r;
    let r4 = r2 * r2;
    let (a, b) = (1.0 + r, 1.0 / 2.0 + r * (1.0 / 6.0));
    let (c, d) = (1.0 / 24.0 + r * (1.0 / 120.0), 1.0 / 720.0 + r * (1.0 / 5040.0));
    let p = (a + r2 * b) + r4 * (c + r2 * d);
    // Low bits of `shifted` hold n + 2^22 (offset by ROUND's mantissa); n + 127 is the biased exponent.
    let biased = shifted.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127);
    p * f32::from_bits(biased << 23)
}

impl PlainState for LifCobaKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("v", Axis::Neuron, &self.v);
        out.f32("g_e", Axis::Neuron, &self.g_e);
        out.f32("g_i", Axis::Neuron, &self.g_i);
        self.refractory.save(out);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.v.len();
        let (v, g_e, g_i) = (read_f32(input, "v", n)?, read_f32(input, "g_e", n)?, read_f32(input, "g_i", n)?);
        let mut refractory = self.refractory.clone();
        refractory.restore(input)?;
        (self.v, self.g_e, self.g_i, self.refractory) = (v, g_e, g_i, refractory);
        Ok(())
    }
}

impl NeuronKernel for LifCobaKernel {
    fn len(&self) -> usize {
        self.v.len()
    }

    fn step(&mut self, tick: u64, input: &mut [&mut [f32]], ext: &[f32], spiked: &mut Vec<u32>) {
        let n = self.v.len();
        let now = self.refractory.begin(tick);
        let [in_e, in_i] = input else {
            debug_assert!(false, "LIF COBA takes two receptors");
            return;
        };
        debug_assert!(in_e.len() == n && in_i.len() == n);
        debug_assert!(ext.is_empty() || ext.len() == n);
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let ext = if ext.is_empty() { &ZEROS[..end - start] } else { &ext[start..end] };
            let (v, g_e, g_i, refr) = (&mut self.v[start..end], &mut self.g_e[start..end], &mut self.g_i[start..end], &self.refractory.ends_mut()[start..end]);
            let (in_e, in_i) = (&mut in_e[start..end], &mut in_i[start..end]);
            let any = match self.coeffs.as_slice() {
                &[c] => update_block(move |_| c, v, g_e, g_i, refr, now, in_e, in_i, ext),
                all => {
                    let all = &all[start..end];
                    update_block(|j| all[j], v, g_e, g_i, refr, now, in_e, in_i, ext)
                }
            };
            if any {
                for i in start..end {
                    let c = *self.coeffs.at(i);
                    if self.v[i] >= c.v_th {
                        self.v[i] = c.v_reset;
                        self.refractory.ends_mut()[i] = refractory::end_after(now, c.n_ref);
                        spiked.push(i as u32);
                    }
                }
            }
            start = end;
        }
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        match var {
            0 => self.v[i],
            1 => self.g_e[i],
            2 => self.g_i[i],
            _ => f32::NAN,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        match var {
            0 => self.v[i] = value,
            1 => self.g_e[i] = value,
            2 => self.g_i[i] = value,
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        first_non_finite(&[("v", &self.v), ("g_e", &self.g_e), ("g_i", &self.g_i)])
    }
}

#[cfg(test)]
mod tests {
    use super::exp_f32;

    #[test]
    fn exp_f32_is_within_a_few_ulps_of_f64_exp() {
        let mut worst = 0.0f64;
        for k in 0..=200_000 {
            let x = -87.0 + 175.0 * k as f64 / 200_000.0;
            let got = exp_f32(x as f32) as f64;
            let want = (x as f32 as f64).exp();
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 4.0 * f32::EPSILON as f64, "worst relative error {worst:e}");
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(exp_f32(-1000.0) > 0.0 && exp_f32(-1000.0) < 1e-37);
    }
}
