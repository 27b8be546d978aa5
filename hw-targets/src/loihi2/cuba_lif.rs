//! Loihi's CUBA-LIF compartment in fixed point, bit-accurate to Lava's
//! `PyLifModelBitAcc` (specs/targets.md 1.2, as corrected against Lava 0.10.0).
//!
//! # Dynamics
//!
//! One step with summed synaptic input `a` (an integer, not saturated):
//!
//! ```text
//! u <- wrap24(trunc0(u * (4096 - Du), 12) + (a << 6))
//! v <- clamp(trunc0(v * (4096 - Dv), 12) + u + (bias_mant << bias_exp), ±(2^23 - 1))
//! spike if v > vth_mant << 6; then v <- 0 (u untouched)
//! ```
//!
//! `u` includes this step's input before `v` reads it. With a refractory period of
//! `r` steps (a [spec] choice following Brian2Loihi; Lava's bit-accurate model has
//! none), `v` is held at 0 for `r` steps after a spike while `u` keeps integrating.
//!
//! # Parameters
//!
//! `du`, `dv`: effective decays 0..=4096 (Lava's `du` register is `Du - 1`);
//! `vth_mant` 0..=131071; `bias_mant` -4096..=4095; `bias_exp` 0..=7; `refractory`
//! 0..=64 steps. All in integer state units.
//!
//! # State
//!
//! `u` (24-bit, in `[-2^23 + 1, 2^23]`), `v` (24-bit, saturating), the remaining
//! refractory steps.
//!
//! # Events
//!
//! Input: the integer `a` of the step (already shifted by the projection's weight
//! exponent). Output: a binary spike.
//!
//! # References
//!
//! Lava, `src/lava/proc/lif/models.py` (`PyLifModelBitAcc`,
//! `AbstractPyLifModelFixed`); Davies et al. (2018) IEEE Micro 38(1):82.

use crate::numeric::{trunc0, wrap24};
use serde::Serialize;

/// The largest magnitude of `v`.
pub const V_MAX: i64 = (1 << 23) - 1;

/// Integer parameters of one compartment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Params {
    /// Effective current decay `Du`, 0..=4096.
    pub du: u16,
    /// Effective voltage decay `Dv`, 0..=4096.
    pub dv: u16,
    /// Threshold mantissa; fires above `vth_mant << 6`.
    pub vth_mant: u32,
    /// Bias mantissa.
    pub bias_mant: i32,
    /// Bias exponent.
    pub bias_exp: u8,
    /// Refractory steps after a spike (0: none).
    pub refractory: u8,
}

/// State of one compartment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct State {
    /// Synaptic current.
    pub u: i32,
    /// Membrane voltage.
    pub v: i32,
    /// Refractory steps left.
    pub refractory: u8,
}

/// Advances one compartment by one step with input `a`; returns whether it spiked.
#[inline]
pub fn step(p: &Params, s: &mut State, a: i64) -> bool {
    let u = wrap24(trunc0(i64::from(s.u) * (4096 - i64::from(p.du)), 12) + (a << 6));
    s.u = u as i32;
    if s.refractory > 0 {
        s.refractory -= 1;
        s.v = 0;
        return false;
    }
    let bias = i64::from(p.bias_mant) << p.bias_exp;
    let v = (trunc0(i64::from(s.v) * (4096 - i64::from(p.dv)), 12) + u + bias).clamp(-V_MAX, V_MAX);
    if v > i64::from(p.vth_mant) << 6 {
        s.v = 0;
        s.refractory = p.refractory;
        true
    } else {
        s.v = v as i32;
        false
    }
}
