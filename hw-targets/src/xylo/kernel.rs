//! rockpool's global quantiser for a graph's layers, and the `xylo-like` kernels in
//! the engine.
//!
//! Units: `vmem` counts `scale` per mV above `V_reset`; a hidden neuron adds
//! `isyn` to `vmem` unscaled each step, so a weight `w` (mV) becomes
//! `round_even(scale 2^-dash_mem w)` and the resting drive a bias
//! `scale 2^-dash_mem (E_L - V_reset)`. `scale = 127 / max(|W_in|, |W_rec|, |bias|)`
//! over the hidden layer (rockpool's `global_quantize`), a separate one over the
//! output weights, both lowered together with the threshold when it exceeds int16.

use super::Layer;
use super::neuron::{Params, State, evolve, sat16};
use crate::error::{LowerError, Scope};
use crate::numeric::round_even;
use crate::quant::WeightError;
use crate::wiring::Wiring;
use std::collections::BTreeMap;
use synfire_graphs::{Axis, Graph, PlainState, StateError, StateReader, StateWriter};
use synfire_runtime::error::RunError;
use synfire_runtime::{KernelFactory, KernelInit, NeuronKernel};

/// A lowered population.
#[derive(Debug, Clone, PartialEq)]
pub struct PopLowering {
    /// Integer parameters.
    pub params: Params,
    /// Integer units per mV.
    pub scale: f64,
    /// Exact per-step factors `exp(-dt/tau)` of (syn e, syn i, mem), for the report.
    pub exact: [f64; 3],
    /// Whether both receptors feed synapse 0 (output neurons have one synapse).
    pub one_synapse: bool,
}

/// What lowering produces.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// Populations by name.
    pub pops: Vec<(String, PopLowering)>,
    /// Per projection, the factor from a model weight to its int8 value.
    pub stored: Vec<f64>,
    /// Quantisation error per projection.
    pub weights: Vec<WeightError>,
}

fn get(graph: &Graph, pop: usize, name: &str) -> Result<f64, LowerError> {
    super::param(graph, pop, name).ok_or_else(|| LowerError::Unsupported {
        target: super::ID,
        item: Scope::Population(graph.populations[pop].name.clone()),
        reason: format!("parameter '{name}' varies per neuron; xylo-like lowers homogeneous populations only"),
    })
}

/// Lowers every neuron population and projection.
pub fn lower(graph: &Graph, wiring: &Wiring, layers: &[Layer]) -> Result<Lowered, LowerError> {
    let dt = graph.dt.0;
    // Per neuron population: (dash_syn, dash_mem, g, bias in mV-per-step units, theta).
    let mut base = BTreeMap::new();
    for (pop, &layer) in layers.iter().enumerate() {
        if layer == Layer::Input {
            continue;
        }
        let (tau_e, tau_i, tau_m) = (get(graph, pop, "tau_syn_e")?, get(graph, pop, "tau_syn_i")?, get(graph, pop, "tau_m")?);
        let (e_l, v_th, v_reset, c_m, i_e) =
            (get(graph, pop, "e_l")?, get(graph, pop, "v_th")?, get(graph, pop, "v_reset")?, get(graph, pop, "c_m")?, get(graph, pop, "i_e")?);
        let dash_mem = super::dash(tau_m, dt);
        let g = 0.5f64.powi(dash_mem.into());
        base.insert(
            pop,
            (
                [super::dash(tau_e, dt), super::dash(tau_i, dt)],
                dash_mem,
                g,
                g * (e_l - v_reset + tau_m / c_m * i_e),
                v_th - v_reset,
                [tau_e, tau_i, tau_m].map(|t| (-dt / t).exp()),
            ),
        );
    }
    // One scale for the hidden layer, one for the outputs.
    let mut max = [0f64; 2];
    for (q, p) in graph.projections.iter().enumerate() {
        let Some(b) = base.get(&p.target) else { continue };
        let k = usize::from(layers[p.target] == Layer::Output);
        max[k] = wiring.by_source[q].weights.iter().fold(max[k], |m, &w| m.max((b.2 * f64::from(w)).abs()));
    }
    for (&pop, b) in &base {
        let k = usize::from(layers[pop] == Layer::Output);
        max[k] = max[k].max(b.3.abs());
    }
    let mut scale = max.map(|m| if m > 0.0 { 127.0 / m } else { 1.0 });
    for (&pop, b) in &base {
        let k = usize::from(layers[pop] == Layer::Output);
        if b.4 <= 0.0 {
            return Err(LowerError::Quantization {
                target: super::ID,
                item: Scope::Population(graph.populations[pop].name.clone()),
                detail: format!("v_th - v_reset = {} mV; the threshold must be positive", b.4),
            });
        }
        // A threshold beyond int16 lowers the weights and thresholds together.
        scale[k] = scale[k].min(32_767.0 / b.4);
    }
    let mut pops = Vec::new();
    for (&pop, b) in &base {
        let k = usize::from(layers[pop] == Layer::Output);
        let th = round_even(scale[k] * b.4);
        if th < 1.0 {
            return Err(LowerError::Quantization {
                target: super::ID,
                item: Scope::Population(graph.populations[pop].name.clone()),
                detail: format!("the threshold rounds to {th} at scale {:.4}", scale[k]),
            });
        }
        let output = layers[pop] == Layer::Output;
        let params = Params {
            dash_syn: if output { [b.0[0]; 2] } else { b.0 },
            dash_mem: b.1,
            th: th as i16,
            bias: sat16(round_even(scale[k] * b.3) as i32),
            max_spikes: if output { 1 } else { 31 },
        };
        pops.push((graph.populations[pop].name.clone(), PopLowering { params, scale: scale[k], exact: b.5, one_synapse: output }));
    }
    let mut stored = Vec::new();
    let mut weights = Vec::new();
    for (q, p) in graph.projections.iter().enumerate() {
        let b = &base[&p.target];
        let factor = scale[usize::from(layers[p.target] == Layer::Output)] * b.2;
        stored.push(factor);
        let pairs = wiring.by_source[q].weights.iter().map(|&w| {
            let (v, clip) = int8(f64::from(w) * factor);
            (f64::from(w), f64::from(v) / factor, clip)
        });
        weights.push(WeightError::measure(&p.name, "i8 << 0".into(), pairs));
    }
    Ok(Lowered { pops, stored, weights })
}

/// The int8 weight nearest `x` (ties to even), clipped; and whether it was clipped.
pub fn int8(x: f64) -> (i8, bool) {
    let r = round_even(x);
    (r.clamp(-128.0, 127.0) as i8, !(-128.0..=127.0).contains(&r))
}

/// Builds `xylo-like` kernels.
#[derive(Debug, Clone)]
pub struct XyloKernels {
    pub(crate) pops: BTreeMap<String, PopLowering>,
    pub(crate) weights: Vec<f64>,
}

impl KernelFactory for XyloKernels {
    fn name(&self) -> &'static str {
        "xylo-like-int16"
    }

    fn build(&self, init: &KernelInit<'_>) -> Result<Box<dyn NeuronKernel>, RunError> {
        let l = self
            .pops
            .get(init.pop_name)
            .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}]", init.pop_name), message: "not lowered to xylo-like".into() })?;
        Ok(Box::new(XyloKernel { params: l.params, one_synapse: l.one_synapse, scale: l.scale, state: vec![State::default(); init.len()] }))
    }

    fn transforms_weights(&self) -> bool {
        true
    }

    fn weight(&self, proj: usize, w: f32) -> f32 {
        f32::from(int8(f64::from(w) * self.weights.get(proj).copied().unwrap_or(1.0)).0)
    }
}

/// A slice of Xylo neurons (state starts at 0, as the chip resets it).
#[derive(Debug, Clone)]
pub struct XyloKernel {
    params: Params,
    one_synapse: bool,
    scale: f64,
    state: Vec<State>,
}

impl NeuronKernel for XyloKernel {
    fn len(&self) -> usize {
        self.state.len()
    }

    fn step(&mut self, _tick: u64, input: &mut [&mut [f32]], _ext: &[f32], spiked: &mut Vec<u32>) {
        for (i, s) in self.state.iter_mut().enumerate() {
            for (r, ring) in input.iter_mut().enumerate() {
                let k = if self.one_synapse { 0 } else { r.min(1) };
                s.isyn[k] = sat16(i32::from(s.isyn[k]) + ring[i] as i32);
                ring[i] = 0.0;
            }
            if evolve(&self.params, s) > 0 {
                spiked.push(i as u32);
            }
        }
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        let s = self.state[i];
        match var {
            0 => (f64::from(s.vmem) / self.scale) as f32,
            1 => f32::from(s.isyn[0]),
            2 => f32::from(s.isyn[1]),
            _ => 0.0,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        let s = &mut self.state[i];
        match var {
            0 => s.vmem = sat16(round_even(f64::from(value) * self.scale) as i32),
            1 => s.isyn[0] = sat16(value as i32),
            2 => s.isyn[1] = sat16(value as i32),
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        None
    }
}

impl PlainState for XyloKernel {
    fn save(&self, out: &mut StateWriter) {
        let col = |f: fn(&State) -> i16| self.state.iter().map(|s| f(s) as u16 as u32).collect::<Vec<_>>();
        out.u32("isyn", Axis::Neuron, &col(|s| s.isyn[0]));
        out.u32("isyn2", Axis::Neuron, &col(|s| s.isyn[1]));
        out.u32("vmem", Axis::Neuron, &col(|s| s.vmem));
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.state.len();
        let (mut a, mut b, mut v) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
        input.u32_into("isyn", &mut a)?;
        input.u32_into("isyn2", &mut b)?;
        input.u32_into("vmem", &mut v)?;
        for k in 0..n {
            self.state[k] = State { isyn: [a[k] as u16 as i16, b[k] as u16 as i16], vmem: v[k] as u16 as i16 };
        }
        Ok(())
    }
}
