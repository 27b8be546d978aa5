//! The learning engine's integer arithmetic (specs/targets.md 1.3): traces with
//! stochastic rounding, and the fixed-point application of a sum of products to a
//! weight. Pure functions of their inputs and the random numbers passed in.

use super::{Product, TraceSpec};
use synfire_graphs::rng::{Domain, mix64, uniform_at};

/// Trace width: values 0..=127.
pub const TRACE_MAX: i64 = 127;
/// Trace bits, the width a trace factor contributes to a product.
const W_TRACE: i32 = 7;
/// Scale mantissa bits.
const W_S_MANT: i32 = 4;
/// Unsigned accumulator width: sums saturate to ±(2^15 - 1).
const W_ACC: i32 = 15;
/// Signed weight width: a weight enters the accumulator shifted by `16 - 9 = 7`.
const W_SHIFT: i32 = 7;
/// The accumulator's bound.
const ACC_MAX: i64 = (1 << W_ACC) - 1;

/// `floor(y) + [u < frac(y)]`: stochastic rounding of `y >= 0` with a uniform `u`.
#[inline]
pub fn stochastic_round(y: f64, u: f64) -> i64 {
    let f = y.floor();
    f as i64 + i64::from(u < y - f)
}

/// A trace: value `z` (0..=127) holding at step `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trace {
    /// Value.
    pub z: u8,
    /// The step at which `z` holds.
    pub t: u64,
}

/// The random number of a trace's `slot` in `epoch` (see the module docs of
/// `learning`): keyed by the trace's id, never by a thread.
#[inline]
pub fn trace_uniform(seed: u64, id: u64, epoch: u64, slot: u64) -> f64 {
    uniform_at(seed, Domain::Chip, id, epoch * 256 + slot)
}

/// The id of a trace: `(projection, side 0 pre / 1 post, gid)`.
pub fn trace_id(proj: usize, side: u64, gid: u64) -> u64 {
    mix64(mix64(((proj as u64) << 1) | side) ^ gid)
}

/// The id of a synapse: `(projection, source gid, target gid, multiplicity)`.
pub fn synapse_id(proj: usize, src: u64, tgt: u64, dup: u64) -> u64 {
    mix64(mix64(mix64(proj as u64 ^ 0x5eed) ^ src) ^ tgt) ^ dup
}

/// The trace read at step `t >= tr.t` with the uniform `u`: exact at `tr.t`, else
/// `sr(z exp(-(t - t_z) / tau_steps))`.
#[inline]
pub fn read(tr: Trace, spec: &TraceSpec, t: u64, u: f64) -> i64 {
    if t <= tr.t || tr.z == 0 {
        return i64::from(tr.z);
    }
    let y = f64::from(tr.z) * (-((t - tr.t) as f64) / spec.tau_steps).exp();
    stochastic_round(y, u)
}

/// The trace after its neuron's spike at step `s`: `min(127, read(s) + I_int +
/// [u_frac < I_frac / 256])`.
#[inline]
pub fn spike(tr: Trace, spec: &TraceSpec, s: u64, u_read: f64, u_frac: f64) -> Trace {
    let whole = i64::from(spec.impulse >> 8);
    let frac = f64::from(spec.impulse & 255) / 256.0;
    let z = (read(tr, spec, s, u_read) + whole + i64::from(u_frac < frac)).min(TRACE_MAX);
    Trace { z: z as u8, t: s }
}

/// One product's contribution to the accumulator (steps 2 and 3): the trace factor
/// saturated to its width, times the dependency (1) and the scale mantissa, shifted
/// right by `max(0, 7 + 4 - 15)`, then by the scale exponent plus the weight's 7
/// (left when positive, an arithmetic right shift otherwise), saturated.
#[inline]
pub fn product(p: &Product, trace: i64) -> i64 {
    let factor = trace.clamp(-(1 << W_TRACE), (1 << W_TRACE) - 1);
    let mut v = factor * i64::from(p.mant);
    v >>= (W_TRACE + W_S_MANT - W_ACC).max(0);
    let shift = i32::from(p.exp) + W_SHIFT;
    v = if shift >= 0 { v << shift } else { v >> -shift };
    v.clamp(-ACC_MAX, ACC_MAX)
}

/// Steps 1, 4 and 5: the weight mantissa `w` shifted into the accumulator, the
/// products `terms` added with saturation, the sum stochastically rounded to a
/// multiple of 128 with `u`, shifted back and saturated to `0..=w_max`.
#[inline]
pub fn apply(w: i64, terms: impl IntoIterator<Item = i64>, u: f64, w_max: i64) -> i64 {
    let mut acc = (w << W_SHIFT).clamp(-ACC_MAX, ACC_MAX);
    for t in terms {
        acc = (acc + t).clamp(-ACC_MAX, ACC_MAX);
    }
    let q = acc.div_euclid(1 << W_SHIFT);
    let r = acc.rem_euclid(1 << W_SHIFT);
    (q + i64::from(u < r as f64 / f64::from(1 << W_SHIFT))).clamp(0, w_max)
}

#[cfg(test)]
mod tests {
    use super::super::{Dependency, TraceRef};
    use super::*;

    #[test]
    fn fixed_point_steps_follow_the_spec() {
        let p = Product { dep: Dependency::Y0, trace: TraceRef::X1, mant: 15, exp: -9 };
        // 100 * 15 = 1500, shifted by -9 + 7 = -2: 375 accumulator units (375/128 weights).
        assert_eq!(product(&p, 100), 375);
        assert_eq!(product(&p, 500), (127 * 15) >> 2);
        let d = Product { mant: -15, ..p };
        assert_eq!(product(&d, 1), -4, "an arithmetic shift floors");
        // 10 << 7 = 1280, + 375 = 1655 = 12 * 128 + 119: 12, or 13 with probability 119/128.
        assert_eq!(apply(10, [375], 0.95, 255), 12);
        assert_eq!(apply(10, [375], 0.9, 255), 13);
        assert_eq!(apply(250, [32767], 0.0, 255), 255, "saturates to the sign mode");
        assert_eq!(apply(1, [-1000], 0.0, 255), 0);
        assert_eq!(stochastic_round(2.25, 0.2), 3);
        assert_eq!(stochastic_round(2.25, 0.3), 2);
    }

    #[test]
    fn traces_decay_stochastically_and_clip_at_127() {
        let spec = TraceSpec { tau_steps: 10.0, impulse: (20 << 8) | 128 };
        let t = Trace { z: 100, t: 5 };
        assert_eq!(read(t, &spec, 5, 0.99), 100);
        let y = 100.0 * (-0.1f64).exp(); // 90.48
        assert_eq!(read(t, &spec, 6, 0.4), y.floor() as i64 + 1);
        assert_eq!(read(t, &spec, 6, 0.6), y.floor() as i64);
        assert_eq!(spike(t, &spec, 5, 0.0, 0.0), Trace { z: 121, t: 5 });
        assert_eq!(spike(t, &spec, 5, 0.0, 0.9), Trace { z: 120, t: 5 });
        assert_eq!(spike(Trace { z: 120, t: 5 }, &spec, 5, 0.0, 0.0).z, 127);
    }
}
