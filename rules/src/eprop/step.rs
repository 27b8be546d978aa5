//! The plain gradient rules' weights (e-prop, SuperSpike): a step's proposed change
//! added to the stored f32 weight and clipped, the same bits as writing
//! `clip(w + delta)` in place. A metaplastic wrapper (spec 7) takes its place and
//! applies the same proposed changes with its own per-synapse state.

use crate::driver::Update;
use synfire_graphs::{PlainState, StateError, StateReader, StateWriter};

/// `clip(w + delta, min, max)` in f32 (`-inf..inf` for e-prop, which keeps no bounds).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlainStep {
    min: f32,
    max: f32,
}

impl PlainStep {
    /// No bounds.
    pub(crate) fn unbounded() -> Self {
        PlainStep { min: f32::NEG_INFINITY, max: f32::INFINITY }
    }
    /// Clipped to `min..=max` (engine units).
    pub(crate) fn clipped(min: f32, max: f32) -> Self {
        PlainStep { min, max }
    }
}

impl Update for PlainStep {
    /// `delta` is an f32 change widened to f64 (the rules compute it in f32), so
    /// narrowing it back is exact.
    #[inline(always)]
    fn apply(&mut self, _k: usize, _t: u64, w: f32, delta: f64) -> f32 {
        (w + delta as f32).clamp(self.min, self.max)
    }
}

/// No columns: the weight is the engine's.
impl PlainState for PlainStep {
    fn save(&self, _out: &mut StateWriter) {}
    fn restore(&mut self, _r: &mut StateReader<'_>) -> Result<(), StateError> {
        Ok(())
    }
}
