//! Metaplastic hidden weights (spec 7.2, Laborieux et al. 2021): updates that would
//! shrink a hidden weight's magnitude are attenuated by how large it already is.
//!
//! # Dynamics
//!
//! ```text
//! if sign(δ) != sign(W_h):  δ <- (1 - tanh²(m |W_h|)) δ     (towards a sign flip)
//! W_h <- W_h + δ                                            (growth never attenuated)
//! ```
//!
//! The efficacy is `W_h` clipped to the base rule's bounds (analog) or
//! `sign(W_h) * w_scale` (`binary`). `m = 0` is the plain rule.
//!
//! # Parameters
//!
//! `m` (1, default 1): metaplasticity; `binary` (flag); `w_scale` (the projection's
//! weight unit, default 1): the binary efficacy's magnitude.
//!
//! # State
//!
//! `w_h` per synapse (f32, 4 bytes; spec 11 counts 0 because the paper's effective
//! weight is computed on use, but the engine transmits a stored weight). Starts at the
//! initial weight. `|W_h|` is the per-synapse importance.
//!
//! # References
//!
//! Laborieux, Ernoult, Hirtzlin & Querlioz 2021, Nat. Commun. 12:2549.

use crate::driver::Update;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Largest argument of [`exp_neg`]: `e^-87` is still a normal f32.
const EXP_MAX: f32 = 87.0;

/// `e^-x` for `0 <= x <= EXP_MAX`, within a few f32 ulp: `n` the nearest whole number to
/// `x log2 e`, `2^-n` from the exponent bits and `e^r`, `r = n ln 2 - x` in
/// `[-ln2/2, ln2/2]`, from its Taylor series to degree 7 (remainder below `1e-8`
/// relative). Branch-free and inline: no libm call in the pre-event loop.
#[inline(always)]
fn exp_neg(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let n = (x * std::f32::consts::LOG2_E).round_ties_even();
    // r = n ln 2 - x, in [-ln2 / 2, ln2 / 2], in two parts to keep its low bits.
    let r = (n * LN2_HI - x) + n * LN2_LO;
    // Estrin's scheme with fused multiply-adds: a short dependency chain, since the
    // loop that calls this is bound by its latency.
    let r2 = r * r;
    let a = r.mul_add(1.0, 1.0);
    let b = r.mul_add(1.0 / 6.0, 0.5);
    let c = r.mul_add(1.0 / 120.0, 1.0 / 24.0);
    let d = r.mul_add(1.0 / 5040.0, 1.0 / 720.0);
    let p = (r2 * r2).mul_add(r2.mul_add(d, c), r2.mul_add(b, a));
    // 2^-n for n in 0..=126: a normal f32.
    let scale = f32::from_bits(((127 - n as i32) as u32) << 23);
    p * scale
}

/// Hidden weights behind every synapse of a projection.
#[derive(Debug, Clone)]
pub(crate) struct HiddenUpdate {
    /// `2 m` in f32, the attenuation's argument per unit of `|W_h|`.
    two_m: f32,
    /// `Some(scale)`: binary efficacy.
    binary: Option<f64>,
    min: f64,
    max: f64,
    /// The bounds rounded to f32.
    min32: f32,
    max32: f32,
    n: usize,
    w_h: Vec<f32>,
    ready: bool,
}

impl HiddenUpdate {
    pub(crate) fn new(m: f64, binary: Option<f64>, bounds: (f64, f64), n: usize) -> Self {
        let (min32, max32) = (bounds.0 as f32, bounds.1 as f32);
        HiddenUpdate { two_m: (2.0 * m) as f32, binary, min: bounds.0, max: bounds.1, min32, max32, n, w_h: Vec::new(), ready: false }
    }

    #[inline]
    fn efficacy(&self, h: f64) -> f32 {
        match self.binary {
            Some(s) => (if h < 0.0 { -s } else { s }) as f32,
            None => h.clamp(self.min, self.max) as f32,
        }
    }
}

impl Update for HiddenUpdate {
    /// The efficacy is a function of `W_h`, which the update owns: a post event
    /// changes `W_h` alone, and the next presynaptic event (the only transmission) or
    /// settle stores the efficacy (one random access per post event, not two).
    const POST_STORES: bool = false;

    #[inline(always)]
    fn apply(&mut self, k: usize, _t: u64, _w: f32, delta: f64) -> f32 {
        let h32 = self.w_h[k];
        let h = f64::from(h32);
        let mut d = delta;
        if d * h < 0.0 {
            // 1 - tanh²(x) = 4 e / (1 + e)² with e = exp(-2x): one f32 exponential,
            // and no overflow for large x (e -> 0). In f32 from the stored level on:
            // the loops that call this are bound by the length of its dependency chain.
            let e = exp_neg((self.two_m * h32.abs()).min(EXP_MAX));
            d *= f64::from(4.0 * e / ((1.0 + e) * (1.0 + e)));
        }
        let h = (h + d) as f32;
        self.w_h[k] = h;
        // Clamping in f32 to the bounds rounded to f32 gives the f64 clamp's bits.
        match self.binary {
            Some(_) => self.efficacy(f64::from(h)),
            None => h.clamp(self.min32, self.max32),
        }
    }

    #[inline(always)]
    fn prefetch(&self, k: usize) {
        crate::prefetch_ptr(self.w_h.as_ptr().wrapping_add(k));
    }

    fn prepare(&mut self, weights: &mut [f32], sign: f32) {
        if !self.ready {
            self.w_h = weights.iter().map(|&w| sign * w).collect();
            // The efficacy from the first spike on (binary: `±w_scale`).
            for (w, &h) in weights.iter_mut().zip(&self.w_h) {
                *w = sign * self.efficacy(f64::from(h));
            }
            self.ready = true;
        }
    }

    fn settle(&mut self, _now: u64, weights: &mut [f32], sign: f32) {
        for (w, &h) in weights.iter_mut().zip(&self.w_h) {
            *w = sign * self.efficacy(f64::from(h));
        }
    }

    fn bytes_per_synapse(&self) -> usize {
        4
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        (name == "w_h").then_some(self.w_h.as_slice())
    }

    fn memory_bytes(&self) -> usize {
        4 * self.w_h.capacity()
    }
}

/// Columns: `w_h` ([`Axis::Synapse`]).
impl PlainState for HiddenUpdate {
    fn save(&self, out: &mut StateWriter) {
        out.f32("w_h", Axis::Synapse, &self.w_h);
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let mut w_h = vec![0.0; self.n];
        r.f32_into("w_h", &mut w_h)?;
        (self.w_h, self.ready) = (w_h, true);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_is_within_a_few_ulp_of_the_exponential() {
        let mut worst = 0.0f64;
        for i in 0..=870_000 {
            let x = i as f32 * 1e-4;
            let want = (-f64::from(x)).exp();
            let rel = (f64::from(exp_neg(x)) - want).abs() / want;
            worst = worst.max(rel);
        }
        // 4 ulp of f32 (2^-23 relative each).
        assert!(worst < 4.0 * f64::from(f32::EPSILON), "worst relative error {worst:e}");
        assert_eq!(exp_neg(0.0), 1.0);
    }
}
