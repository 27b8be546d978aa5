//! Traces stored scaled to an epoch, so that reading one is a single multiplication.
//!
//! A trace with time constant `tau` that has value `v` at tick `t` is stored as
//! `v e^{(t - R)/tau}`, where `R` is the current epoch (a multiple of the period `P`).
//! Every stored trace then decays by the same factor: its value at tick `t` is the
//! stored number times `e^{-(t - R)/tau}`, one factor per event for all the synapses
//! it touches, instead of one decay per synapse from that trace's own last jump (a
//! table lookup that depends on a load, the critical path of the eager engine's loops).
//!
//! Before the first event at or after `R + P`, every stored number is multiplied by
//! `e^{-P/tau}` and the epoch moves on; events come in time order, so this happens
//! at the same point of the event sequence whatever the engine's schedule, and the
//! results do not depend on it. `P` keeps the scale factors below `e^512`, far from
//! overflow. A stored number that falls below `1e-250` at a rebase is set to zero: the
//! value it stands for is smaller still, and denormal arithmetic would slow every
//! later read.
//!
//! Values agree with the unscaled form (value after the last jump times the decay
//! since) to a few ulps, not bit for bit.

use crate::trace::{DecayTable, TraceSpec};

/// Below this a stored number becomes zero at a rebase.
const FLUSH_TO_ZERO: f64 = 1e-250;

/// The scale factors of one trace within an epoch.
#[derive(Debug, Clone)]
struct Scale {
    decay: DecayTable,
    /// `e^{+h/tau}` for `h` in `0..period`.
    grow: Vec<f64>,
    /// `e^{-period/tau}`.
    step: f64,
}

/// The epoch: stored numbers are scaled to its start `R`; it moves by `period`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Epoch {
    start: u64,
    period: u64,
}

impl Epoch {
    pub(crate) fn new(period: u64) -> Self {
        Epoch { start: 0, period }
    }

    /// Whether an event at tick `t` needs the epoch moved first.
    #[inline(always)]
    pub(crate) fn due(&self, t: u64) -> bool {
        t >= self.start + self.period
    }

    /// Ticks from the start to `t >= start`.
    #[inline(always)]
    pub(crate) fn since(&self, t: u64) -> u64 {
        debug_assert!(t >= self.start);
        t - self.start
    }

    /// Moves the epoch by one period (after every stored number was rescaled).
    pub(crate) fn next(&mut self) {
        self.start += self.period;
    }

    /// The tick the stored numbers are scaled to.
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// The epoch of the same period that starts at `start`, if an epoch starts there.
    pub(crate) fn starting_at(self, start: u64) -> Option<Epoch> {
        start.is_multiple_of(self.period).then_some(Epoch { start, ..self })
    }
}

/// The period for traces with these time constants: a power of two at most 2^13 ticks
/// and at most 512 time constants of the fastest trace (so `e^{P/tau} <= e^512`).
pub(crate) fn period(specs: &[TraceSpec]) -> u64 {
    let fastest = specs.iter().map(|s| s.tau_ticks).fold(f64::INFINITY, f64::min);
    let limit = (512.0 * fastest).floor().clamp(1.0, 8192.0) as u64;
    1u64 << (63 - limit.leading_zeros())
}

/// The scale factors of `N` traces for an epoch of length `period`.
#[derive(Debug, Clone)]
pub(crate) struct Scales<const N: usize> {
    scales: [Scale; N],
}

impl<const N: usize> Scales<N> {
    pub(crate) fn new(specs: &[TraceSpec; N], period: u64) -> Self {
        let scales = specs.each_ref().map(|s| Scale {
            decay: DecayTable::new(s),
            grow: (0..period).map(|h| (h as f64 / s.tau_ticks).exp()).collect(),
            step: s.decay(period),
        });
        Scales { scales }
    }

    /// Rescales stored numbers `x` to the next epoch.
    #[inline]
    pub(crate) fn rescale(&self, x: &mut [f64; N]) {
        for (v, s) in x.iter_mut().zip(&self.scales) {
            *v *= s.step;
            if v.abs() < FLUSH_TO_ZERO {
                *v = 0.0;
            }
        }
    }

    /// Factors that turn stored numbers into values `h` ticks after the epoch's start.
    #[inline(always)]
    pub(crate) fn down(&self, h: u64) -> [f64; N] {
        std::array::from_fn(|q| self.scales[q].decay.get(h))
    }

    /// Factors that turn values `h < period` ticks after the start into stored numbers.
    #[inline(always)]
    pub(crate) fn up(&self, h: u64) -> [f64; N] {
        std::array::from_fn(|q| self.scales[q].grow[h as usize])
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.scales.iter().map(|s| s.decay.memory_bytes() + s.grow.capacity() * 8).sum()
    }
}

/// Multiplies elementwise.
#[inline(always)]
pub(crate) fn times<const N: usize>(a: &[f64; N], b: &[f64; N]) -> [f64; N] {
    std::array::from_fn(|q| a[q] * b[q])
}
