//! Lowering to the `cortex-m4` integers and the kernels in the engine.
//!
//! `v` counts `S_v` units per mV above `V_reset`, with `S_v = 2^24 / (V_th - V_reset)`
//! (headroom for about 128 summed maximum weights below 2^31); a synaptic variable
//! in mV counts `S_v` units too. A projection's weights are i8 with a left shift
//! `ws = clamp(ceil(log2(S_v max|W| / 127)), 0, 23)`, the smallest that keeps the
//! largest weight in range, and `w_q = round_even(w S_v / 2^ws)`, so that
//! `w_q << ws` is `S_v w` to half a step. (specs 14.4 writes `w_q = round_even(w 127 /
//! max|W|)` with `ws = round(log2(...))`, which leaves a gain error of up to a factor
//! sqrt(2) between `2^ws` and `S_v max|W| / 127`; the format is the same.)
//!
//! A plastic projection keeps f32 weights in state units (`S_v w`) and runs the
//! engine's own rule in those units (`learning.rs`); a neuron's input of a step is
//! its f32 ring sum rounded half-even to i32 (exact for the integer static weights).

use super::learning::M4Learning;
use super::neuron::{Params, State, sat32, step};
use crate::error::{LowerError, Scope};
use crate::numeric::round_even;
use crate::quant::WeightError;
use crate::wiring::Wiring;
use std::collections::BTreeMap;
use synfire_graphs::DelayTicks;
use synfire_graphs::{Axis, Graph, PlainState, StateError, StateReader, StateWriter};
use synfire_rules::{Plasticity, ProjectionInfo};
use synfire_runtime::error::RunError;
use synfire_runtime::models::sample_init;
use synfire_runtime::{KernelFactory, KernelInit, NeuronKernel, RuleInit};

/// A lowered population.
#[derive(Debug, Clone, PartialEq)]
pub struct PopLowering {
    /// Integer parameters.
    pub params: Params,
    /// State units per mV.
    pub scale: f64,
    /// `V_reset` (mV).
    pub v_reset: f64,
}

/// What lowering produces.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// Populations by name.
    pub pops: Vec<(String, PopLowering)>,
    /// Per projection `(S_v / 2^ws, ws)`: the factor to the i8 value and the shift.
    pub stored: Vec<(f64, u32)>,
    /// Quantisation error per projection.
    pub weights: Vec<WeightError>,
    /// Per projection, `S_v` of its target when the projection is plastic.
    pub plastic: Vec<Option<f64>>,
}

fn q15(x: f64) -> u16 {
    round_even(32_768.0 * x).clamp(0.0, 32_767.0) as u16
}

/// Lowers every `lif_cuba` population and every projection.
pub fn lower(graph: &Graph, wiring: &Wiring) -> Result<Lowered, LowerError> {
    let dt = graph.dt.0;
    let mut pops = Vec::new();
    let mut scale_of = BTreeMap::new();
    for pop in 0..graph.populations.len() {
        if graph.model_kind(pop).is_none() {
            continue;
        }
        let name = graph.populations[pop].name.clone();
        let get = |p: &str| {
            super::param(graph, pop, p).ok_or_else(|| LowerError::Unsupported {
                target: super::ID,
                item: Scope::Population(name.clone()),
                reason: format!("parameter '{p}' varies per neuron; cortex-m4 lowers homogeneous populations only"),
            })
        };
        let (tau_m, tau_e, tau_i, e_l, v_th, v_reset, t_ref, c_m, i_e) =
            (get("tau_m")?, get("tau_syn_e")?, get("tau_syn_i")?, get("e_l")?, get("v_th")?, get("v_reset")?, get("t_ref")?, get("c_m")?, get("i_e")?);
        let theta = v_th - v_reset;
        if theta <= 0.0 {
            return Err(LowerError::Quantization {
                target: super::ID,
                item: Scope::Population(name),
                detail: format!("v_th - v_reset = {theta} mV; the threshold must lie above the reset"),
            });
        }
        let scale = f64::from(1u32 << 24) / theta;
        let alpha_m = q15((-dt / tau_m).exp());
        let params = Params {
            alpha_s: [q15((-dt / tau_e).exp()), q15((-dt / tau_i).exp())],
            alpha_m,
            g: 32_768 - alpha_m,
            v_leak: sat32(round_even(scale * (e_l - v_reset + tau_m / c_m * i_e)) as i64),
            v_reset: 0,
            theta: round_even(scale * theta) as i32,
            refractory: round_even(t_ref / dt).min(f64::from(u16::MAX)) as u16,
        };
        scale_of.insert(pop, scale);
        pops.push((name, PopLowering { params, scale, v_reset }));
    }
    let mut stored = Vec::new();
    let mut weights = Vec::new();
    let mut plastic = Vec::new();
    for (q, p) in graph.projections.iter().enumerate() {
        let s_v = scale_of.get(&p.target).copied().unwrap_or(1.0);
        let w = &wiring.by_source[q].weights;
        if p.conn.rule.is_some() {
            // f32 state units: the only error is the f32 rounding of `S_v w`.
            stored.push((s_v, 0));
            plastic.push(Some(s_v));
            let pairs = w.iter().map(|&x| (f64::from(x), f64::from(plastic_weight(s_v, x)) / s_v, false));
            weights.push(WeightError::measure(&p.name, "f32 plastic (S_v units, sram)".into(), pairs));
            continue;
        }
        plastic.push(None);
        let max = w.iter().fold(0f64, |m, &x| m.max(f64::from(x).abs()));
        let ws = if max > 0.0 { (s_v * max / 127.0).log2().ceil().clamp(0.0, 23.0) as u32 } else { 0 };
        let k = s_v / f64::from(1u32 << ws);
        stored.push((k, ws));
        let unit = f64::from(1u32 << ws) / s_v; // mV per i8 step
        let pairs = w.iter().map(|&x| (f64::from(x), f64::from(int8(f64::from(x) * k)) * unit, (f64::from(x) * k).abs() > 127.5));
        weights.push(WeightError::measure(&p.name, format!("i8 << {ws}"), pairs));
    }
    Ok(Lowered { pops, stored, weights, plastic })
}

fn int8(x: f64) -> i8 {
    round_even(x).clamp(-128.0, 127.0) as i8
}

/// A plastic weight as stored: `S_v w` rounded to the nearest f32.
pub fn plastic_weight(s_v: f64, w: f32) -> f32 {
    (s_v * f64::from(w)) as f32
}

/// Builds `cortex-m4` kernels.
#[derive(Debug, Clone)]
pub struct M4Kernels {
    pub(crate) pops: BTreeMap<String, PopLowering>,
    pub(crate) weights: Vec<(f64, u32)>,
    /// Per projection: `S_v` of the target and the rule, when plastic.
    pub(crate) plastic: Vec<Option<(f64, synfire_graphs::RuleSpec)>>,
}

impl KernelFactory for M4Kernels {
    fn name(&self) -> &'static str {
        "cortex-m4-int32"
    }

    fn build(&self, init: &KernelInit<'_>) -> Result<Box<dyn NeuronKernel>, RunError> {
        let l = self
            .pops
            .get(init.pop_name)
            .ok_or_else(|| RunError::Unsupported { path: format!("populations[{}]", init.pop_name), message: "not lowered to cortex-m4".into() })?;
        let v0 = sample_init(init, "v").unwrap_or_else(|| vec![l.v_reset; init.len()]);
        let state = v0.iter().map(|&v| State { u: [0, 0], v: sat32(round_even((v - l.v_reset) * l.scale) as i64), refractory: 0 }).collect();
        Ok(Box::new(M4Kernel { params: l.params, scale: l.scale, v_reset: l.v_reset, state }))
    }

    fn transforms_weights(&self) -> bool {
        true
    }

    fn weight(&self, proj: usize, w: f32) -> f32 {
        if let Some(Some((s_v, _))) = self.plastic.get(proj) {
            return plastic_weight(*s_v, w);
        }
        let (k, ws) = self.weights.get(proj).copied().unwrap_or((1.0, 0));
        (f64::from(int8(f64::from(w) * k)) * f64::from(1u32 << ws)) as f32
    }

    /// The catalogue's rule in state units (`weight_scale` times `S_v`), counting its
    /// synapse updates (`learning::M4Learning`).
    fn rule(&self, init: &RuleInit<'_>) -> Option<Result<Box<dyn Plasticity>, RunError>> {
        let (s_v, spec) = self.plastic.get(init.proj)?.as_ref()?;
        let info = ProjectionInfo { weight_scale: init.info.weight_scale * s_v, ..*init.info };
        let delay = match info.delay {
            DelayTicks::Const(d) => d,
            DelayTicks::PerSynapse { .. } => {
                return Some(Err(RunError::Unsupported {
                    path: format!("projections[{}].rule", init.proj),
                    message: "cortex-m4 runs plastic projections with one delay only".into(),
                }));
            }
        };
        Some(
            synfire_rules::instantiate(spec, &info)
                .map(|inner| Box::new(M4Learning::new(inner, delay, info.n_targets)) as Box<dyn Plasticity>)
                .map_err(|e| RunError::Unsupported { path: format!("projections[{}].rule", init.proj), message: e.to_string() }),
        )
    }
}

/// A slice of `cortex-m4` neurons.
#[derive(Debug, Clone)]
pub struct M4Kernel {
    params: Params,
    scale: f64,
    v_reset: f64,
    state: Vec<State>,
}

impl NeuronKernel for M4Kernel {
    fn len(&self) -> usize {
        self.state.len()
    }

    fn step(&mut self, _tick: u64, input: &mut [&mut [f32]], _ext: &[f32], spiked: &mut Vec<u32>) {
        for (i, s) in self.state.iter_mut().enumerate() {
            let mut acc = [0i32; 2];
            for (r, ring) in input.iter_mut().enumerate() {
                // One synapse type when both receptors share a time constant.
                let k = if self.params.alpha_s[0] == self.params.alpha_s[1] { 0 } else { r.min(1) };
                // The step's f32 sum, rounded half-even (VCVTR) into the accumulator.
                acc[k] = sat32(i64::from(acc[k]) + f64::from(ring[i]).round_ties_even() as i64);
                ring[i] = 0.0;
            }
            if step(&self.params, s, acc) {
                spiked.push(i as u32);
            }
        }
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        let s = self.state[i];
        match var {
            0 => (f64::from(s.v) / self.scale + self.v_reset) as f32,
            1 => (f64::from(s.u[0]) / self.scale) as f32,
            2 => (f64::from(s.u[1]) / self.scale) as f32,
            _ => 0.0,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        let s = &mut self.state[i];
        let x = f64::from(value);
        match var {
            0 => s.v = sat32(round_even((x - self.v_reset) * self.scale) as i64),
            1 => s.u[0] = sat32(round_even(x * self.scale) as i64),
            2 => s.u[1] = sat32(round_even(x * self.scale) as i64),
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        None
    }
}

impl PlainState for M4Kernel {
    fn save(&self, out: &mut StateWriter) {
        let col = |f: fn(&State) -> u32| self.state.iter().map(f).collect::<Vec<_>>();
        out.u32("u_e", Axis::Neuron, &col(|s| s.u[0] as u32));
        out.u32("u_i", Axis::Neuron, &col(|s| s.u[1] as u32));
        out.u32("v", Axis::Neuron, &col(|s| s.v as u32));
        out.u32("refractory", Axis::Neuron, &col(|s| u32::from(s.refractory)));
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.state.len();
        let mut cols = [vec![0u32; n], vec![0u32; n], vec![0u32; n], vec![0u32; n]];
        for (name, c) in ["u_e", "u_i", "v", "refractory"].iter().zip(cols.iter_mut()) {
            input.u32_into(name, c)?;
        }
        for (k, s) in self.state.iter_mut().enumerate() {
            *s = State { u: [cols[0][k] as i32, cols[1][k] as i32], v: cols[2][k] as i32, refractory: cols[3][k].min(u32::from(u16::MAX)) as u16 };
        }
        Ok(())
    }
}
