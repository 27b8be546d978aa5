//! The `cortex-m4` CUBA-LIF kernel in integer arithmetic (specs/targets.md 14.4):
//! synfire's own event-driven kernel as it would run on one ARMv7E-M core.
//!
//! # Dynamics
//!
//! With `dz(x, a) = sign(x) ((|x| a) >> 15)` (toward zero, so small values reach 0):
//!
//! ```text
//! u_k <- sat32(dz(u_k, alpha_s,k) + acc_k)                      for each synapse type k
//! v   <- sat32(v_leak + dz(v - v_leak, alpha_m) + trunc0(g Σ_k u_k, 15))
//! spike if v > theta; then v <- v_reset (held for `refractory` steps, a [spec] choice)
//! ```
//!
//! `g = round_even(32768 (1 - alpha_m))`; the membrane resistance is folded into the
//! weight scale.
//!
//! # Parameters
//!
//! `alpha_s[k]`, `alpha_m`: Q1.15 in 0..=32767, `round_even(32768 exp(-dt/tau))`;
//! `g` (Q1.15); `v_leak`, `v_reset`, `theta`: i32 state units.
//!
//! # State
//!
//! `u[0..2]`, `v`: i32; refractory steps left.
//!
//! # Events
//!
//! `acc_k`: the step's summed `w << ws` per synapse type (QADD-saturated).
//!
//! # References
//!
//! ARM Cortex-M4 instruction timing (TI SWCU192); specs/targets.md 14.4.

use crate::numeric::trunc0;
use serde::Serialize;

/// Integer parameters of one neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Params {
    /// Synaptic decays, Q1.15.
    pub alpha_s: [u16; 2],
    /// Membrane decay, Q1.15.
    pub alpha_m: u16,
    /// Input gain `32768 (1 - alpha_m)`, Q1.15.
    pub g: u16,
    /// Leak target.
    pub v_leak: i32,
    /// Reset value.
    pub v_reset: i32,
    /// Threshold.
    pub theta: i32,
    /// Steps `v` is held at the reset after a spike.
    pub refractory: u16,
}

/// State of one neuron.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct State {
    /// Synaptic variables per type.
    pub u: [i32; 2],
    /// Membrane.
    pub v: i32,
    /// Refractory steps left.
    pub refractory: u16,
}

/// Saturating 32-bit value of `x`.
pub fn sat32(x: i64) -> i32 {
    x.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// `sign(x) ((|x| a) >> 15)`.
pub fn dz(x: i64, a: u16) -> i64 {
    trunc0(x * i64::from(a), 15)
}

/// One step with the step's accumulators; returns whether the neuron spiked.
pub fn step(p: &Params, s: &mut State, acc: [i32; 2]) -> bool {
    for ((u, &a), &x) in s.u.iter_mut().zip(&p.alpha_s).zip(&acc) {
        *u = sat32(dz((*u).into(), a) + i64::from(x));
    }
    if s.refractory > 0 {
        s.refractory -= 1;
        s.v = p.v_reset;
        return false;
    }
    let drive = trunc0(i64::from(p.g) * (i64::from(s.u[0]) + i64::from(s.u[1])), 15);
    let v = sat32(i64::from(p.v_leak) + dz(i64::from(s.v) - i64::from(p.v_leak), p.alpha_m) + drive);
    if v > p.theta {
        s.v = p.v_reset;
        s.refractory = p.refractory;
        true
    } else {
        s.v = v;
        false
    }
}
