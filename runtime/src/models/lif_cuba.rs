//! Current-based LIF with exponential synapses, integrated exactly (specs 1.1).
//!
//! # Dynamics
//!
//! With `v = V - E_L` and voltage-unit synaptic variables `I_e`, `I_i` (Brian's form;
//! a current jump of `w` pA is `w / g_L` mV):
//!
//! ```text
//! tau_m dv/dt = -v + I_e + I_i + R I_ext        R = tau_m / C
//! dI_x/dt     = -I_x / tau_x
//! ```
//!
//! One tick of length `h` uses the exact propagators (Rotter & Diesmann 1999):
//! `v <- P22 v + P21e I_e + P21i I_i + P20 I_ext`, then `I_x <- P11x I_x + input_x`,
//! with `P22 = exp(-h/tau_m)`, `P11x = exp(-h/tau_x)`, `P20 = R (1 - P22)` and
//! `P21x = tau_x / (tau_m - tau_x) (P22 - P11x)` (limit `(h / tau_m) P22` when the
//! time constants are equal). Input arriving at tick `t` enters `I_x` at `t` and moves
//! `v` from tick `t + 1` on (as NEST's `iaf_psc_exp`).
//!
//! When `V >= V_th` the neuron spikes, `V <- V_reset`, and `V` is held for
//! `round(t_ref / dt)` ticks while the synaptic variables go on decaying.
//!
//! # Parameters
//!
//! `c_m` (pF), `tau_m` (ms), `e_l` (mV), `v_th` (mV), `v_reset` (mV), `t_ref` (ms),
//! `tau_syn_e` (ms), `tau_syn_i` (ms), `i_e` (pA). Weights in mV.
//!
//! # State
//!
//! `v` (mV), `i_syn_e` (mV), `i_syn_i` (mV); the tick at which refractoriness ends.
//!
//! Saved as the columns `v_rel` (`V - E_L`, mV: the kernel integrates relative to
//! `E_L`, and `(v + E_L) - E_L` would not restore the bits), `i_syn_e`, `i_syn_i`,
//! and the refractory ends of [`super::refractory`].
//!
//! # Events
//!
//! Receptor 0 (`exc`) adds to `I_e`, receptor 1 (`inh`) to `I_i`.
//!
//! # References
//!
//! Rotter & Diesmann (1999) Biol. Cybern. 81:381; Vogels & Abbott (2005) J. Neurosci. 25:10786.

use super::params::{PerNeuron, sample_init, sample_param};
use super::refractory::{RefractoryEnds, end_after, held};
use super::{first_non_finite, read_f32};
use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Propagators and thresholds of one neuron (or of all, when homogeneous).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coeffs {
    p22: f32,
    p21e: f32,
    p21i: f32,
    p11e: f32,
    p11i: f32,
    p20: f32,
    /// Constant current `i_e` (pA).
    i_e: f32,
    /// `V_th - E_L`.
    th: f32,
    /// `V_reset - E_L`.
    reset: f32,
    /// `E_L` (to report absolute potentials).
    e_l: f32,
    /// Refractory period in ticks.
    n_ref: u32,
}

fn p21(tau_m: f64, tau_s: f64, h: f64) -> f64 {
    let p22 = (-h / tau_m).exp();
    if ((tau_m - tau_s) / tau_m).abs() < 1e-6 { h / tau_m * p22 } else { tau_s / (tau_m - tau_s) * (p22 - (-h / tau_s).exp()) }
}

/// State and parameters of a slice of CUBA LIF neurons.
#[derive(Debug, Clone)]
pub struct LifCubaKernel {
    /// `V - E_L` (mV).
    v: Vec<f32>,
    i_e: Vec<f32>,
    i_i: Vec<f32>,
    refractory: RefractoryEnds,
    /// One entry when homogeneous, else one per neuron.
    coeffs: PerNeuron<Coeffs>,
    /// `V - V_th` after the last step (before a spike's reset), `+inf` for neurons
    /// refractory in it; kept only once a per-tick rule asked for it
    /// (`track_threshold`, SuperSpike's surrogate), else empty.
    distance: Vec<f32>,
}

impl LifCubaKernel {
    /// Draws parameters and initial state for the slice.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        let h = init.dt.0;
        let get = |name: &str| {
            sample_param(init, name)
                .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}].model.{name}", init.pop_name), message: "missing parameter".into() })
        };
        let (c_m, tau_m, e_l, v_th, v_reset, t_ref, tau_e, tau_i, i_e) =
            (get("c_m")?, get("tau_m")?, get("e_l")?, get("v_th")?, get("v_reset")?, get("t_ref")?, get("tau_syn_e")?, get("tau_syn_i")?, get("i_e")?);
        let n = init.len();
        let coeffs_of = |k: usize| {
            let p22 = (-h / tau_m[k]).exp();
            Coeffs {
                p22: p22 as f32,
                p21e: p21(tau_m[k], tau_e[k], h) as f32,
                p21i: p21(tau_m[k], tau_i[k], h) as f32,
                p11e: (-h / tau_e[k]).exp() as f32,
                p11i: (-h / tau_i[k]).exp() as f32,
                p20: (tau_m[k] / c_m[k] * (1.0 - p22)) as f32,
                i_e: i_e[k] as f32,
                th: (v_th[k] - e_l[k]) as f32,
                reset: (v_reset[k] - e_l[k]) as f32,
                e_l: e_l[k] as f32,
                n_ref: (t_ref[k] / h).round() as u32,
            }
        };
        let coeffs = PerNeuron::new((0..n).map(coeffs_of).collect());
        let v0 = sample_init(init, "v").unwrap_or_else(|| e_l.clone());
        let v = v0.iter().zip(&e_l).map(|(v, e)| (v - e) as f32).collect();
        let column = |name| sample_init(init, name).map_or_else(|| vec![0.0; n], |x| x.into_iter().map(|x| x as f32).collect());
        Ok(LifCubaKernel { v, i_e: column("i_syn_e"), i_i: column("i_syn_i"), refractory: RefractoryEnds::new(n), coeffs, distance: Vec::new() })
    }
}

/// Neurons per block: the update runs branch-free over a block (so it vectorises),
/// then a scalar pass handles spikes only in blocks where one happened.
const BLOCK: usize = 128;

impl LifCubaKernel {
    /// Homogeneous parameters `c` and no injected current: the benchmark case.
    fn step_uniform(&mut self, c: Coeffs, tick: u64, in_e: &mut [f32], in_i: &mut [f32], spiked: &mut Vec<u32>) {
        let current = c.p20 * c.i_e;
        let n = self.v.len();
        let now = self.refractory.begin(tick);
        // Slicing everything to `n` first lets the compiler drop every bounds check.
        let (v, ie, ii, free_at) = (&mut self.v[..n], &mut self.i_e[..n], &mut self.i_i[..n], &mut self.refractory.ends_mut()[..n]);
        let (ine, ini) = (&mut in_e[..n], &mut in_i[..n]);
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let mut crossed = 0u32;
            for i in start..end {
                let free = c.p22 * v[i] + c.p21e * ie[i] + c.p21i * ii[i] + current;
                // A refractory neuron sits at the reset value. Selecting that constant
                // (not "keep v") makes this a blend instead of a masked store, which
                // is microcoded on some cores and stalls the next load.
                let x = if held(free_at[i], now) { c.reset } else { free };
                v[i] = x;
                ie[i] = c.p11e * ie[i] + ine[i];
                ii[i] = c.p11i * ii[i] + ini[i];
                ine[i] = 0.0;
                ini[i] = 0.0;
                crossed += u32::from(x >= c.th);
            }
            if !self.distance.is_empty() {
                // Before the spike pass: a neuron that crosses reports its value
                // above the threshold, not the reset.
                for i in start..end {
                    self.distance[i] = if held(free_at[i], now) { f32::INFINITY } else { v[i] - c.th };
                }
            }
            if crossed > 0 {
                for i in start..end {
                    if v[i] >= c.th {
                        v[i] = c.reset;
                        free_at[i] = end_after(now, c.n_ref);
                        spiked.push(i as u32);
                    }
                }
            }
            start = end;
        }
    }

    /// Per-neuron parameters and/or injected currents.
    fn step_general(&mut self, tick: u64, in_e: &mut [f32], in_i: &mut [f32], ext: &[f32], spiked: &mut Vec<u32>) {
        let n = self.v.len();
        let now = self.refractory.begin(tick);
        for i in 0..n {
            let c = *self.coeffs.at(i);
            let current = c.i_e + ext.get(i).copied().unwrap_or(0.0);
            let free = c.p22 * self.v[i] + c.p21e * self.i_e[i] + c.p21i * self.i_i[i] + c.p20 * current;
            let mut v = if held(self.refractory.end(i), now) { self.v[i] } else { free };
            self.i_e[i] = c.p11e * self.i_e[i] + in_e[i];
            self.i_i[i] = c.p11i * self.i_i[i] + in_i[i];
            in_e[i] = 0.0;
            in_i[i] = 0.0;
            if let Some(d) = self.distance.get_mut(i) {
                *d = if held(self.refractory.end(i), now) { f32::INFINITY } else { v - c.th };
            }
            if v >= c.th {
                v = c.reset;
                self.refractory.ends_mut()[i] = end_after(now, c.n_ref);
                spiked.push(i as u32);
            }
            self.v[i] = v;
        }
    }
}

impl PlainState for LifCubaKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("v_rel", Axis::Neuron, &self.v);
        out.f32("i_syn_e", Axis::Neuron, &self.i_e);
        out.f32("i_syn_i", Axis::Neuron, &self.i_i);
        self.refractory.save(out);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.v.len();
        let (v, i_e, i_i) = (read_f32(input, "v_rel", n)?, read_f32(input, "i_syn_e", n)?, read_f32(input, "i_syn_i", n)?);
        let mut refractory = self.refractory.clone();
        refractory.restore(input)?;
        (self.v, self.i_e, self.i_i, self.refractory) = (v, i_e, i_i, refractory);
        Ok(())
    }
}

impl NeuronKernel for LifCubaKernel {
    fn len(&self) -> usize {
        self.v.len()
    }

    fn step(&mut self, tick: u64, input: &mut [&mut [f32]], ext: &[f32], spiked: &mut Vec<u32>) {
        let [in_e, in_i] = input else {
            debug_assert!(false, "LIF CUBA takes two receptors");
            return;
        };
        if let (Some(c), true) = (self.coeffs.uniform(), ext.is_empty()) {
            self.step_uniform(c, tick, in_e, in_i, spiked);
        } else {
            self.step_general(tick, in_e, in_i, ext, spiked);
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
            0 => self.v[i] + self.coeffs.at(i).e_l,
            1 => self.i_e[i],
            2 => self.i_i[i],
            _ => f32::NAN,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        match var {
            0 => self.v[i] = value - self.coeffs.at(i).e_l,
            1 => self.i_e[i] = value,
            2 => self.i_i[i] = value,
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        // `v_rel` is not finite exactly when `v` is (`E_L` is finite).
        first_non_finite(&[("v", &self.v), ("i_syn_e", &self.i_e), ("i_syn_i", &self.i_i)])
    }
}
