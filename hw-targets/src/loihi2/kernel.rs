//! The `loihi2-like` kernels inside the engine: Loihi's integer CUBA-LIF on the
//! runtime's shards, fed by quantised weights.
//!
//! A synapse stores its weight as `mantissa * 2^weight_exp` (an f32 holding an exact
//! multiple of `2^-8`), so a ring-buffer slot holds the projection's sum `acc << e`
//! exactly as long as its magnitude stays below `2^16`; the kernel floors each
//! receptor's sum, which is Lava's one floor over a Dense process's sum when each
//! receptor is fed by one projection (a negative exponent on two projections onto
//! one receptor floors their total once instead of each).

use super::cuba_lif::{Params, State, step};
use super::graded::GradedInput;
use super::learning::{LearningRule, LoihiLearning};
use super::lower::{PopLowering, SignMode};
use crate::compare::IDLE_UPDATES;
use crate::error::Scope;
use std::collections::BTreeMap;
use std::sync::Arc;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};
use synfire_rules::Plasticity;
use synfire_runtime::error::RunError;
use synfire_runtime::models::ReferenceKernels;
use synfire_runtime::models::sample_init;
use synfire_runtime::{KernelFactory, KernelInit, NeuronKernel, RuleInit};

/// Builds `loihi2-like` kernels for the populations a plan lowered.
#[derive(Debug, Clone)]
pub struct Loihi2Kernels {
    /// Lowered populations by name.
    pub(crate) pops: BTreeMap<String, PopLowering>,
    /// (per-unit mantissa factor, weight exponent) per projection onto the chip;
    /// `None` for a host projection (into a graded input), whose weights stay f32.
    pub(crate) projs: Vec<Option<(f64, i32, SignMode)>>,
    /// The learning engine's rule of every plastic projection.
    pub(crate) learning: Vec<Option<Arc<LearningRule>>>,
}

impl KernelFactory for Loihi2Kernels {
    fn name(&self) -> &'static str {
        "loihi2-like-int24"
    }

    fn build(&self, init: &KernelInit<'_>) -> Result<Box<dyn NeuronKernel>, RunError> {
        if init.model.kind.graded() {
            // A graded input: computed by the host, sent as payloads (`graded.rs`).
            return Ok(Box::new(GradedInput::new(ReferenceKernels.build(init)?)));
        }
        let lowered = self.pops.get(init.pop_name).ok_or_else(|| RunError::Unsupported {
            path: format!("populations[{}]", init.pop_name),
            message: format!("{} was not lowered to loihi2-like", Scope::Population(init.pop_name.to_string())),
        })?;
        let n = init.len();
        let v0 = sample_init(init, "v").unwrap_or_else(|| vec![lowered.v_reset; n]);
        let u0 = sample_init(init, "i_syn_e").unwrap_or_else(|| vec![0.0; n]);
        let state = v0
            .iter()
            .zip(&u0)
            .map(|(&v, &u)| State { u: to_int(u * lowered.scale * lowered.g), v: to_int((v - lowered.v_reset) * lowered.scale), refractory: 0 })
            .collect();
        Ok(Box::new(Loihi2Kernel { params: lowered.params, scale: lowered.scale, g: lowered.g, v_reset: lowered.v_reset, idle: vec![0; n], state }))
    }

    fn transforms_weights(&self) -> bool {
        true
    }

    fn weight(&self, proj: usize, w: f32) -> f32 {
        match self.projs.get(proj).copied().flatten() {
            Some((per_unit, e, sign)) => (f64::from(sign.mantissa(f64::from(w) * per_unit).0) * 2f64.powi(e)) as f32,
            None => w,
        }
    }

    fn rule(&self, init: &RuleInit<'_>) -> Option<Result<Box<dyn Plasticity>, RunError>> {
        let rule = self.learning.get(init.proj)?.clone()?;
        let engine = LoihiLearning::new(rule, init.proj, init.seed, init.source_gid0, init.target_gid0, init.info.n_sources, init.info.n_targets);
        Some(Ok(Box::new(engine)))
    }
}

fn to_int(x: f64) -> i32 {
    crate::numeric::round_even(x).clamp(-super::cuba_lif::V_MAX as f64, super::cuba_lif::V_MAX as f64) as i32
}

/// A slice of integer CUBA-LIF compartments.
#[derive(Debug, Clone)]
pub struct Loihi2Kernel {
    params: Params,
    scale: f64,
    g: f64,
    v_reset: f64,
    /// Idle updates per neuron: `u = v = a = 0` before the step, and it left the
    /// state at zero without a spike (a non-zero bias or refractory count is active).
    idle: Vec<u64>,
    state: Vec<State>,
}

/// Steps one compartment and counts an idle update (as `Loihi2Kernel::idle` says).
#[inline(always)]
fn counted_step(p: &Params, s: &mut State, a: i64, idle: &mut u64) -> bool {
    let quiet = a == 0 && *s == State::default();
    let fired = step(p, s, a);
    *idle += u64::from(quiet && !fired && *s == State::default());
    fired
}

impl NeuronKernel for Loihi2Kernel {
    fn len(&self) -> usize {
        self.state.len()
    }

    fn step(&mut self, _tick: u64, input: &mut [&mut [f32]], _ext: &[f32], spiked: &mut Vec<u32>) {
        let n = self.state.len();
        let p = self.params;
        match input {
            // The CUBA case, two receptors: sliced to `n` once so the loop has no
            // bounds checks and no inner loop over receptors.
            [exc, inh] => {
                let (exc, inh) = (&mut exc[..n], &mut inh[..n]);
                let idle = &mut self.idle[..n];
                for (i, s) in self.state.iter_mut().enumerate() {
                    let a = f64::from(exc[i]).floor() as i64 + f64::from(inh[i]).floor() as i64;
                    exc[i] = 0.0;
                    inh[i] = 0.0;
                    if counted_step(&p, s, a, &mut idle[i]) {
                        spiked.push(i as u32);
                    }
                }
            }
            _ => {
                for (i, s) in self.state.iter_mut().enumerate() {
                    let mut a = 0i64;
                    for r in input.iter_mut() {
                        a += f64::from(r[i]).floor() as i64;
                        r[i] = 0.0;
                    }
                    if counted_step(&p, s, a, &mut self.idle[i]) {
                        spiked.push(i as u32);
                    }
                }
            }
        }
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        let s = self.state[i];
        match var {
            0 => (f64::from(s.v) / self.scale + self.v_reset) as f32,
            1 => (f64::from(s.u) / (self.scale * self.g)) as f32,
            _ => 0.0,
        }
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        let s = &mut self.state[i];
        match var {
            0 => s.v = to_int((f64::from(value) - self.v_reset) * self.scale),
            1 => s.u = to_int(f64::from(value) * self.scale * self.g),
            _ => {}
        }
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        None
    }
}

impl PlainState for Loihi2Kernel {
    fn save(&self, out: &mut StateWriter) {
        // Integers travel as their two's-complement bits in u32 columns.
        out.u32("u", Axis::Neuron, &self.state.iter().map(|s| s.u as u32).collect::<Vec<_>>());
        out.u32("v", Axis::Neuron, &self.state.iter().map(|s| s.v as u32).collect::<Vec<_>>());
        out.u32("refractory", Axis::Neuron, &self.state.iter().map(|s| u32::from(s.refractory)).collect::<Vec<_>>());
        // A work counter, not dynamics: kept so that a resumed run's ledger counts on.
        out.u64(IDLE_UPDATES, Axis::Neuron, &self.idle);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.state.len();
        let (mut u, mut v, mut r) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
        input.u32_into("u", &mut u)?;
        input.u32_into("v", &mut v)?;
        input.u32_into("refractory", &mut r)?;
        let mut idle = vec![0u64; n];
        input.u64_into(IDLE_UPDATES, &mut idle)?;
        self.idle = idle;
        for (k, s) in self.state.iter_mut().enumerate() {
            *s = State { u: u[k] as i32, v: v[k] as i32, refractory: r[k].min(255) as u8 };
        }
        Ok(())
    }
}
