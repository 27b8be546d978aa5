//! Izhikevich (2003) neuron (specs 1.5).
//!
//! # Dynamics
//!
//! ```text
//! dv/dt = 0.04 v^2 + 5 v + 140 - u + I          (v in mV, t in ms)
//! du/dt = a (b v - u)
//! if v >= 30 mV:  v <- c,  u <- u + d
//! ```
//!
//! `I = i_e + I_ext + x[t]` during tick `t`, where `x[t]` is the sum of the weights
//! arriving at tick `t`: a synaptic event is a current pulse lasting one tick, as in
//! the network code of the 2003 paper (so its effect scales with `dt`).
//!
//! Integration scheme of one tick of length `dt`: `v` takes `m = ceil(dt / 0.5 ms)`
//! forward-Euler substeps of `dt / m` (two half steps of 0.5 ms at `dt = 1 ms`,
//! as the published code does "for numerical stability"; one plain Euler step when
//! `dt <= 0.5 ms`), with `u` frozen; then `u` takes one forward-Euler step of `dt`
//! with the new `v`. If then `v >= 30` the neuron spikes at tick `t`, `v <- c`,
//! `u <- u + d`, so the state read after a tick is always below the peak.
//!
//! The 2003 code tests `v >= 30` at the start of the next tick instead; the
//! trajectories are the same, and a spike it reports at `t + 1` with zero synaptic
//! delay is reported here at `t` and delivered with the minimum delay of one tick.
//! At `dt = 1 ms` the scheme is coarse (the `u` step sees the overshoot of `v` past
//! 30 mV, and fast-spiking cells fire irregularly); use `dt <= 0.1 ms` for accurate
//! spike times.
//!
//! # Parameters
//!
//! `a` (1/ms), `b` (1), `c` (mV), `d` (mV/ms, the jump of `u`), `i_e` (the model's
//! current unit, mV/ms). Weights and the injected current are in the same unit as
//! `i_e`. The graph stores the dimensioned ones as dimensionless numbers.
//!
//! # State
//!
//! `v` (mV), `u` (mV/ms); saved as the columns `v` and `u`, the whole state.
//!
//! # Events
//!
//! Receptor 0 (`input`) adds to `I` for the tick it arrives.
//!
//! # References
//!
//! Izhikevich (2003) IEEE Trans. Neural Netw. 14:1569.

use super::params::{PerNeuron, sample_init, sample_param};
use super::{first_non_finite, read_f32};
use crate::error::RunError;
use crate::kernel::{KernelInit, NeuronKernel};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// The spike peak (mV).
const PEAK: f32 = 30.0;

/// Largest Euler substep of `v` (ms).
const MAX_SUBSTEP: f64 = 0.5;

/// Parameters of one neuron (or of all, when homogeneous).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coeffs {
    a: f32,
    b: f32,
    c: f32,
    d: f32,
    i_e: f32,
}

/// State and parameters of a slice of Izhikevich neurons.
#[derive(Debug, Clone)]
pub struct IzhikevichKernel {
    v: Vec<f32>,
    u: Vec<f32>,
    /// One entry when homogeneous, else one per neuron.
    coeffs: PerNeuron<Coeffs>,
    /// Substeps of `v` per tick.
    substeps: u32,
    /// Length of a substep (ms).
    h: f32,
    /// Length of a tick (ms).
    dt: f32,
}

impl IzhikevichKernel {
    /// Draws parameters and initial state for the slice.
    pub fn new(init: &KernelInit<'_>) -> Result<Self, RunError> {
        let dt = init.dt.0;
        let get = |name: &str| {
            sample_param(init, name)
                .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}].model.{name}", init.pop_name), message: "missing parameter".into() })
        };
        let (a, b, c, d, i_e) = (get("a")?, get("b")?, get("c")?, get("d")?, get("i_e")?);
        let n = init.len();
        let coeffs_of = |k: usize| Coeffs { a: a[k] as f32, b: b[k] as f32, c: c[k] as f32, d: d[k] as f32, i_e: i_e[k] as f32 };
        let coeffs = PerNeuron::new((0..n).map(coeffs_of).collect());
        // The tolerance keeps dt = 1 ms at two substeps despite rounding in dt.
        let substeps = (dt / MAX_SUBSTEP - 1e-9).ceil().max(1.0) as u32;
        let column =
            |name: &str, default: f64| -> Vec<f32> { sample_init(init, name).unwrap_or_else(|| vec![default; n]).into_iter().map(|x| x as f32).collect() };
        Ok(IzhikevichKernel { v: column("v", -65.0), u: column("u", -13.0), coeffs, substeps, h: (dt / substeps as f64) as f32, dt: dt as f32 })
    }
}

/// Neurons per block: each phase of the update runs branch-free over a block, then
/// a scalar pass resets the neurons that spiked, only in blocks where one did.
const BLOCK: usize = 64;

/// Stands in for an empty `ext`, so that one loop serves both cases.
const ZEROS: [f32; BLOCK] = [0.0; BLOCK];

/// The branch-free update of one block (all slices of the block's length), with
/// `coeff` as a closure so that the homogeneous case reads no coefficient arrays.
/// The substep loop is outside the neuron loops, so that they have no inner loop
/// and vectorise. Returns whether a neuron reached the peak.
// Not inlined: as a call its `&mut` slices are known not to alias, so the vectorised
// loop needs no run-time overlap checks (inlined, they all come from `self`).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn update_block(coeff: impl Fn(usize) -> Coeffs, h: f32, dt: f32, substeps: u32, v: &mut [f32], u: &mut [f32], x: &mut [f32], ext: &[f32]) -> bool {
    let len = v.len();
    let (u, x, ext) = (&mut u[..len], &mut x[..len], &ext[..len]);
    let mut current = [0.0f32; BLOCK];
    let current = &mut current[..len];
    for j in 0..len {
        current[j] = coeff(j).i_e + ext[j] + x[j];
        x[j] = 0.0;
    }
    for _ in 0..substeps {
        for j in 0..len {
            let vj = v[j];
            v[j] = vj + h * (0.04 * vj * vj + 5.0 * vj + 140.0 - u[j] + current[j]);
        }
    }
    let mut any = false;
    for j in 0..len {
        let c = coeff(j);
        u[j] += dt * c.a * (c.b * v[j] - u[j]);
        any |= v[j] >= PEAK;
    }
    any
}

impl PlainState for IzhikevichKernel {
    fn save(&self, out: &mut StateWriter) {
        out.f32("v", Axis::Neuron, &self.v);
        out.f32("u", Axis::Neuron, &self.u);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.v.len();
        let (v, u) = (read_f32(input, "v", n)?, read_f32(input, "u", n)?);
        (self.v, self.u) = (v, u);
        Ok(())
    }
}

impl NeuronKernel for IzhikevichKernel {
    fn len(&self) -> usize {
        self.v.len()
    }

    fn step(&mut self, _tick: u64, input: &mut [&mut [f32]], ext: &[f32], spiked: &mut Vec<u32>) {
        let n = self.v.len();
        let [x] = input else {
            debug_assert!(false, "Izhikevich takes one receptor");
            return;
        };
        debug_assert!(x.len() == n);
        debug_assert!(ext.is_empty() || ext.len() == n);
        let (h, dt, substeps) = (self.h, self.dt, self.substeps);
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let ext = if ext.is_empty() { &ZEROS[..end - start] } else { &ext[start..end] };
            let (v, u, x) = (&mut self.v[start..end], &mut self.u[start..end], &mut x[start..end]);
            let any = match self.coeffs.as_slice() {
                &[c] => update_block(move |_| c, h, dt, substeps, v, u, x, ext),
                all => {
                    let all = &all[start..end];
                    update_block(|j| all[j], h, dt, substeps, v, u, x, ext)
                }
            };
            if any {
                for i in start..end {
                    if self.v[i] >= PEAK {
                        let c = *self.coeffs.at(i);
                        self.v[i] = c.c;
                        self.u[i] += c.d;
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
            1 => self.u[i],
            _ => f32::NAN,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        match var {
            0 => self.v[i] = value,
            1 => self.u[i] = value,
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        first_non_finite(&[("v", &self.v), ("u", &self.u)])
    }
}
