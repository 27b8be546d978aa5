//! Triplet STDP (Pfister & Gerstner 2006, spec 6.2), minimal and full parameter sets,
//! all-to-all or nearest-spike.
//!
//! # Dynamics
//!
//! Presynaptic traces `r1` (`tau_plus`), `r2` (`tau_x`); postsynaptic traces `o1`
//! (`tau_minus`), `o2` (`tau_y`); jump 1 (all-to-all) or reset to 1 (nearest-spike).
//!
//! ```text
//! presynaptic spike:   w <- w - o1 (A2_minus + A3_minus r2)    (r2 just before its own jump)
//! postsynaptic spike:  w <- w + r1 (A2_plus  + A3_plus  o2)    (o2 just before its own jump)
//! ```
//!
//! then clipped to `[w_min, w_max]`. Timing is synaptic (crate docs). For independent
//! Poisson trains the drift is `ρ_pre ρ_post (A3_plus τ_+ τ_y ρ_post − A2_minus τ_−)`
//! (minimal set): a BCM-like threshold at ≈ 17.5 Hz.
//!
//! # Parameters
//!
//! | name | unit | minimal | full (NESTML) |
//! |---|---|---|---|
//! | `tau_plus`, `tau_minus` | ms | 16.8, 33.7 | 16.8, 33.7 |
//! | `tau_x`, `tau_y` | ms | 101 (unused), 125 | 101, 125 |
//! | `a2_plus`, `a3_plus` | weight | 0, 6.5e-3 | 7.5e-10, 9.3e-3 |
//! | `a2_minus`, `a3_minus` | weight | 7.1e-3, 0 | 7e-3, 2.3e-4 |
//! | `w_min`, `w_max` | weight | 0, 1 | 0, 1 |
//! | `mu_plus`, `mu_minus` | 1 | 0, 0 | soft-bound exponents |
//! | `nearest` | 0/1 | 0 | nearest-spike traces |
//!
//! Amplitudes are absolute (in the projection's weight unit), as in the paper.
//!
//! # State
//!
//! Per source `r1, r2` and the last spike tick (24 bytes); per target the recent
//! spikes with `o1, o2` before/after each (40 bytes per held spike). Nothing per synapse.
//!
//! # Events
//!
//! Presynaptic spike: pending postsynaptic events of the row, then depression.
//! Postsynaptic spike: recorded, applied per synapse in synaptic-time order.
//!
//! # References
//!
//! Pfister & Gerstner 2006, J. Neurosci. 26:9673; Clopath & Gerstner 2010 (review of the
//! fits); NESTML `stdp_triplet_synapse` (full set).

use crate::bounds::Bounds;
use crate::driver::{Engine, Kernel, Parts};
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use crate::stdp_pair::Stdp;
use crate::trace::{Interaction, TraceSpec};
use std::ops::RangeInclusive;
use synfire_graphs::{PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Time, UnitExt};

/// Catalogue name.
pub const NAME: &str = "stdp_triplet";

/// Parameters of triplet STDP.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Triplet {
    /// Time constant of `r1`.
    pub tau_plus: Time,
    /// Time constant of `o1`.
    pub tau_minus: Time,
    /// Time constant of `r2`.
    pub tau_x: Time,
    /// Time constant of `o2`.
    pub tau_y: Time,
    /// Pair potentiation amplitude.
    pub a2_plus: f64,
    /// Triplet potentiation amplitude.
    pub a3_plus: f64,
    /// Pair depression amplitude.
    pub a2_minus: f64,
    /// Triplet depression amplitude.
    pub a3_minus: f64,
    /// Bounds.
    pub bounds: Bounds,
    /// All-to-all or nearest-spike traces.
    pub interaction: Interaction,
}

impl Stdp {
    /// Triplet STDP with the minimal all-to-all visual-cortex set.
    pub fn triplet() -> Triplet {
        Triplet::minimal()
    }
}

impl Triplet {
    /// The minimal all-to-all set (A2+ = 0, A3- = 0, tau_y = 125 ms).
    pub fn minimal() -> Triplet {
        Triplet {
            tau_plus: 16.8.ms(),
            tau_minus: 33.7.ms(),
            tau_x: 101.0.ms(),
            tau_y: 125.0.ms(),
            a2_plus: 0.0,
            a3_plus: 6.5e-3,
            a2_minus: 7.1e-3,
            a3_minus: 0.0,
            bounds: Bounds::hard(0.0..=1.0),
            interaction: Interaction::AllToAll,
        }
    }

    /// The full all-to-all set (NESTML defaults).
    pub fn full() -> Triplet {
        Triplet { a2_plus: 7.5e-10, a3_plus: 9.3e-3, a2_minus: 7e-3, a3_minus: 2.3e-4, ..Triplet::minimal() }
    }

    /// Sets `tau_plus`.
    pub fn tau_plus(mut self, t: Time) -> Self {
        self.tau_plus = t;
        self
    }
    /// Sets `tau_minus`.
    pub fn tau_minus(mut self, t: Time) -> Self {
        self.tau_minus = t;
        self
    }
    /// Sets `tau_x`.
    pub fn tau_x(mut self, t: Time) -> Self {
        self.tau_x = t;
        self
    }
    /// Sets `tau_y`.
    pub fn tau_y(mut self, t: Time) -> Self {
        self.tau_y = t;
        self
    }
    /// Sets the four amplitudes `(A2+, A3+, A2-, A3-)`.
    pub fn amplitudes(mut self, a2_plus: f64, a3_plus: f64, a2_minus: f64, a3_minus: f64) -> Self {
        (self.a2_plus, self.a3_plus, self.a2_minus, self.a3_minus) = (a2_plus, a3_plus, a2_minus, a3_minus);
        self
    }
    /// Hard bounds.
    pub fn bounds(mut self, range: RangeInclusive<f64>) -> Self {
        self.bounds.min = *range.start();
        self.bounds.max = *range.end();
        self
    }
    /// Nearest-spike traces.
    pub fn nearest(mut self) -> Self {
        self.interaction = Interaction::Nearest;
        self
    }

    /// Reads a spec of this rule; absent parameters take the minimal set's values.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = Triplet::minimal();
        let mut r = Reader::new(spec);
        let p = Triplet {
            tau_plus: r.time("tau_plus", d.tau_plus),
            tau_minus: r.time("tau_minus", d.tau_minus),
            tau_x: r.time("tau_x", d.tau_x),
            tau_y: r.time("tau_y", d.tau_y),
            a2_plus: r.number("a2_plus", d.a2_plus),
            a3_plus: r.number("a3_plus", d.a3_plus),
            a2_minus: r.number("a2_minus", d.a2_minus),
            a3_minus: r.number("a3_minus", d.a3_minus),
            bounds: Bounds::read(&mut r, d.bounds),
            interaction: r.interaction(),
        };
        r.result(p)
    }

    pub(crate) fn build(&self, info: &ProjectionInfo, engine: Engine, meta: Option<&crate::metaplastic::Meta>) -> Result<Box<dyn Plasticity>, RuleError> {
        let s = info.weight_scale;
        let kernel = TripletKernel { a2_plus: s * self.a2_plus, a3_plus: s * self.a3_plus, a2_minus: s * self.a2_minus, a3_minus: s * self.a3_minus };
        let (dt, i) = (info.dt, self.interaction);
        let pre = [TraceSpec::new(self.tau_plus, dt, i), TraceSpec::new(self.tau_x, dt, i)];
        let post = [TraceSpec::new(self.tau_minus, dt, i), TraceSpec::new(self.tau_y, dt, i)];
        let bounds = crate::catalog::scale_bounds(self.bounds, s);
        crate::driver::build_meta(Parts { name: NAME, kernel, pre, post, stp: None }, bounds, meta, info, engine)
    }
}

impl PlasticityRule for Triplet {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME)
            .quantity("tau_plus", self.tau_plus)
            .quantity("tau_minus", self.tau_minus)
            .quantity("tau_x", self.tau_x)
            .quantity("tau_y", self.tau_y)
            .number("a2_plus", self.a2_plus)
            .number("a3_plus", self.a3_plus)
            .number("a2_minus", self.a2_minus)
            .number("a3_minus", self.a3_minus)
            .flag("nearest", self.interaction == Interaction::Nearest);
        self.bounds.write(w).done()
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        for (n, t) in [("tau_plus", self.tau_plus), ("tau_minus", self.tau_minus), ("tau_x", self.tau_x), ("tau_y", self.tau_y)] {
            c.positive_time(n, t);
        }
        for (n, a) in [("a2_plus", self.a2_plus), ("a3_plus", self.a3_plus), ("a2_minus", self.a2_minus), ("a3_minus", self.a3_minus)] {
            c.finite(n, a);
        }
        self.bounds.check(&mut c, false);
        c.problems
    }
}

/// Amplitudes in the engine's weight unit.
#[derive(Debug, Clone, Copy)]
struct TripletKernel {
    a2_plus: f64,
    a3_plus: f64,
    a2_minus: f64,
    a3_minus: f64,
}

impl Kernel<2, 2> for TripletKernel {
    #[inline]
    fn pre(&self, _k: usize, _w: f32, r: &[f64; 2], o: &[f64; 2]) -> f64 {
        -o[0] * (self.a2_minus + self.a3_minus * r[1])
    }
    #[inline]
    fn post(&self, _k: usize, _w: f32, r: &[f64; 2], o: &[f64; 2]) -> f64 {
        r[0] * (self.a2_plus + self.a3_plus * o[1])
    }
}

/// Parameters only: no columns (the traces belong to the engine).
impl PlainState for TripletKernel {
    fn save(&self, _: &mut StateWriter) {}
    fn restore(&mut self, _: &mut StateReader<'_>) -> Result<(), StateError> {
        Ok(())
    }
}
