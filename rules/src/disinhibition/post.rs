//! The postsynaptic factor `F_j` of the dis-inhibitory rules, per tick: from the
//! graded rates of the rate form (signals `rate` and `inhibition`), or, in the
//! spiking port, from rate traces of the spike signals and a surrogate derivative of
//! the target's threshold distance.

use super::math;
use crate::synapses::Context;
use synfire_graphs::{Axis, StateError, StateReader, StateWriter, Tick};

/// Where a rule's postsynaptic factor comes from.
#[derive(Debug, Clone)]
pub(crate) enum Post {
    /// The rate form: `phi_E'(r^E) (r^E - g(r^I))` of the signals in slots 0 and 1.
    Rate {
        phi_e: [f32; 3],
        phi_i: [f32; 3],
        /// `(theta_0, delta)` of the linear-threshold rule, `None` for the exact one.
        linear: Option<(f32, f32)>,
    },
    /// The spiking port: `σ(v - A) (ρE - theta_0 - delta ρI)`.
    Spiking(Spiking),
}

/// The spiking port's constants and per-target rate traces.
#[derive(Debug, Clone)]
pub(crate) struct Spiking {
    /// `exp(-dt / tau_rate)`.
    decay: f32,
    theta0: f32,
    delta: f32,
    beta: f32,
    rho_e: Vec<f32>,
    rho_i: Vec<f32>,
}

impl Post {
    /// The spiking port for `n` targets.
    pub(crate) fn spiking(decay: f32, theta0: f32, delta: f32, beta: f32, n: usize) -> Post {
        Post::Spiking(Spiking { decay, theta0, delta, beta, rho_e: vec![0.0; n], rho_i: vec![0.0; n] })
    }

    /// Whether the factor reads the targets' state after the step.
    pub(crate) fn needs_post_state(&self) -> bool {
        matches!(self, Post::Spiking(_))
    }

    /// `F_j(t)` for every target.
    pub(crate) fn factors(&mut self, t: Tick, n: usize, ctx: &Context<'_>) -> Vec<f32> {
        match self {
            Post::Rate { phi_e, phi_i, linear } => (0..n as u32)
                .map(|j| {
                    let r_e = ctx.third.per_neuron(0, j, t).unwrap_or(0.0) as f32;
                    let r_i = ctx.third.per_neuron(1, j, t).unwrap_or(0.0) as f32;
                    let g = match *linear {
                        Some((theta0, delta)) => theta0 + delta * r_i,
                        None => math::inverse_f32(*phi_i, r_i),
                    };
                    math::derivative_f32(*phi_e, r_e) * (r_e - g)
                })
                .collect(),
            Post::Spiking(p) => (0..n)
                .map(|j| {
                    let s_e = ctx.third.per_neuron(0, j as u32, t).unwrap_or(0.0) as f32;
                    let s_i = ctx.third.per_neuron(1, j as u32, t).unwrap_or(0.0) as f32;
                    p.rho_e[j] = p.decay * p.rho_e[j] + (1.0 - p.decay) * s_e;
                    p.rho_i[j] = p.decay * p.rho_i[j] + (1.0 - p.decay) * s_i;
                    // No threshold distance (a model that reports none): no surrogate.
                    let d = ctx.post.threshold_distance.get(j).copied().unwrap_or(f32::INFINITY);
                    let a = p.beta * d.abs() + 1.0;
                    (1.0 / (a * a)) * (p.rho_e[j] - p.theta0 - p.delta * p.rho_i[j])
                })
                .collect(),
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        match self {
            Post::Rate { .. } => 0,
            Post::Spiking(p) => 8 * p.rho_e.len(),
        }
    }

    /// The spiking port's traces: columns `rho_e`, `rho_i` ([`Axis::Neuron`]).
    pub(crate) fn save(&self, out: &mut StateWriter) {
        if let Post::Spiking(p) = self {
            out.f32("rho_e", Axis::Neuron, &p.rho_e);
            out.f32("rho_i", Axis::Neuron, &p.rho_i);
        }
    }

    pub(crate) fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        if let Post::Spiking(p) = self {
            let n = p.rho_e.len();
            let rho_e = input.values::<f32>("rho_e", Some(n), 1)?.1.to_vec();
            let rho_i = input.values::<f32>("rho_i", Some(n), 1)?.1.to_vec();
            (p.rho_e, p.rho_i) = (rho_e, rho_i);
        }
        Ok(())
    }
}
