//! The plain rule's weights: a magnitude in f64 per synapse, clipped to hard bounds
//! at every change. A tick's change `h m c` is often far below an f32 ulp of the
//! weight, so the rule keeps its own f64 copy and the engine's f32 weight is its
//! rounding; a metaplastic wrapper replaces this with its own state (spec 7).

use crate::driver::Update;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter};

/// Per synapse the weight magnitude in f64, read from the engine's initial weights
/// at the first call.
#[derive(Debug, Clone)]
pub(crate) struct F64Weight {
    w: Vec<f64>,
    min: f64,
    max: f64,
    /// The initial weights have been read.
    ready: bool,
}

impl F64Weight {
    /// Hard bounds `min..=max` (magnitudes, in the engine's weight unit) for `n`
    /// synapses.
    pub(crate) fn new(min: f64, max: f64, n: usize) -> Self {
        F64Weight { w: vec![0.0; n], min, max, ready: false }
    }
}

impl Update for F64Weight {
    #[inline]
    fn apply(&mut self, k: usize, _t: u64, _w: f32, delta: f64) -> f32 {
        let w = (self.w[k] + delta).clamp(self.min, self.max);
        self.w[k] = w;
        w as f32
    }

    #[inline(always)]
    fn prefetch(&self, k: usize) {
        crate::prefetch_ptr(self.w.as_ptr().wrapping_add(k));
    }

    fn prepare(&mut self, weights: &mut [f32], sign: f32) {
        if !self.ready {
            debug_assert_eq!(weights.len(), self.w.len(), "another number of synapses than the rule was built for");
            for (w, &e) in self.w.iter_mut().zip(weights.iter()) {
                *w = f64::from(sign * e);
            }
            self.ready = true;
        }
    }

    fn bytes_per_synapse(&self) -> usize {
        8
    }

    fn memory_bytes(&self) -> usize {
        self.w.capacity() * 8
    }
}

/// Columns `w` ([`Axis::Synapse`], f64: the magnitudes) and `ready` (0 or 1).
impl PlainState for F64Weight {
    fn save(&self, out: &mut StateWriter) {
        out.f64("w", Axis::Synapse, &self.w);
        out.scalar("ready", u64::from(self.ready));
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let mut w = vec![0.0; self.w.len()];
        r.f64_into("w", &mut w)?;
        let (rc, ready) = r.values::<u64>("ready", Some(1), 1)?;
        if ready[0] > 1 {
            return Err(rc.misfit(format!("{} is not 0 or 1", ready[0])));
        }
        (self.w, self.ready) = (w, ready[0] == 1);
        Ok(())
    }
}
