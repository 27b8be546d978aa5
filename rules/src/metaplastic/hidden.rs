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

/// Hidden weights behind every synapse of a projection.
#[derive(Debug, Clone)]
pub(crate) struct HiddenUpdate {
    m: f64,
    /// `Some(scale)`: binary efficacy.
    binary: Option<f64>,
    min: f64,
    max: f64,
    n: usize,
    w_h: Vec<f32>,
    ready: bool,
}

impl HiddenUpdate {
    pub(crate) fn new(m: f64, binary: Option<f64>, bounds: (f64, f64), n: usize) -> Self {
        HiddenUpdate { m, binary, min: bounds.0, max: bounds.1, n, w_h: Vec::new(), ready: false }
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
    #[inline(always)]
    fn apply(&mut self, k: usize, _t: u64, _w: f32, delta: f64) -> f32 {
        let h = f64::from(self.w_h[k]);
        let mut d = delta;
        if d * h < 0.0 {
            // 1 - tanh²(x) = 4 e / (1 + e)² with e = exp(-2x): one f32 exponential,
            // the hot path's cost, and no overflow for large x (e -> 0).
            let e = (-2.0 * (self.m * h.abs()) as f32).exp();
            d *= f64::from(4.0 * e / ((1.0 + e) * (1.0 + e)));
        }
        let h = f64::from((h + d) as f32);
        self.w_h[k] = h as f32;
        self.efficacy(h)
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
