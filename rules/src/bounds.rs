//! Weight bounds: hard clipping, and soft (weight-dependent) scaling of updates.
//!
//! Every rule proposes an update `δ` per event; [`Bounds::apply`] turns it into the
//! new weight. With `mu_plus = mu_minus = 0` the update is additive and the weight is
//! clipped to `[min, max]` (spec 0.5). With `mu > 0` the bound is soft (Gütig et al.
//! 2003): a positive step is scaled by `((max - w) / (max - min))^mu_plus` and a
//! negative step by `((w - min) / (max - min))^mu_minus`, then the weight is clipped
//! as well (a large step could otherwise overshoot). `mu = 1` is the multiplicative
//! rule; `mu_plus = 0, mu_minus = 1` is van Rossum et al. 2000.
//!
//! The update is computed in f64 from the stored f32 weight and rounded back to f32
//! after every single event, so the result does not depend on how events are
//! grouped into calls.

use crate::error::problem;
use crate::params::{Checks, Reader, Writer};
use std::ops::RangeInclusive;

/// Bounds of a plastic weight, in the projection's weight unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Lower bound (`-inf` for none).
    pub min: f64,
    /// Upper bound (`+inf` for none).
    pub max: f64,
    /// Exponent of the soft bound on positive steps (0: hard bound only).
    pub mu_plus: f64,
    /// Exponent of the soft bound on negative steps (0: hard bound only).
    pub mu_minus: f64,
}

impl Bounds {
    /// No bound at all.
    pub const NONE: Bounds = Bounds { min: f64::NEG_INFINITY, max: f64::INFINITY, mu_plus: 0.0, mu_minus: 0.0 };

    /// Hard bounds: clip to `range`.
    pub fn hard(range: RangeInclusive<f64>) -> Bounds {
        Bounds { min: *range.start(), max: *range.end(), mu_plus: 0.0, mu_minus: 0.0 }
    }

    /// Soft bounds with exponent `mu` on both sides (1: multiplicative).
    pub fn soft(range: RangeInclusive<f64>, mu: f64) -> Bounds {
        Bounds { mu_plus: mu, mu_minus: mu, ..Bounds::hard(range) }
    }

    /// `max - min`: the scale of rules whose amplitudes are fractions of the range.
    pub fn range(&self) -> f64 {
        self.max - self.min
    }

    /// The weight after a proposed update `delta` from weight `w`.
    #[inline]
    pub fn apply(&self, w: f32, delta: f64) -> f32 {
        let w = f64::from(w);
        let mut d = delta;
        if d > 0.0 && self.mu_plus != 0.0 {
            d *= ((self.max - w) / self.range()).max(0.0).powf(self.mu_plus);
        } else if d < 0.0 && self.mu_minus != 0.0 {
            d *= ((w - self.min) / self.range()).max(0.0).powf(self.mu_minus);
        }
        (w + d).clamp(self.min, self.max) as f32
    }

    /// Clips a weight without an update (used by multiplicative clocks).
    #[inline]
    pub fn clip(&self, w: f64) -> f32 {
        w.clamp(self.min, self.max) as f32
    }

    /// Reads `w_min`, `w_max`, `mu_plus`, `mu_minus`; absent ones take the rule's
    /// default. A bound may be infinite (`w_max = inf`: no upper bound).
    pub(crate) fn read(r: &mut Reader<'_>, default: Bounds) -> Bounds {
        let min = r.opt_bound("w_min").unwrap_or(default.min);
        let max = r.opt_bound("w_max").unwrap_or(default.max);
        let mu_plus = r.number("mu_plus", default.mu_plus);
        let mu_minus = r.number("mu_minus", default.mu_minus);
        Bounds { min, max, mu_plus, mu_minus }
    }

    /// Reads hard bounds only (`w_min`, `w_max`; absent ones take the rule's
    /// default), for rules that take no weight dependence (`mu_*` stay unknown keys).
    pub(crate) fn read_hard(r: &mut Reader<'_>, default: Bounds) -> Bounds {
        Bounds { min: r.opt_bound("w_min").unwrap_or(default.min), max: r.opt_bound("w_max").unwrap_or(default.max), ..Bounds::NONE }
    }

    /// Writes the bounds, infinite ones included (a bound left out would come back
    /// as the rule's default, which may be finite); zero exponents are left out.
    pub(crate) fn write(&self, w: Writer) -> Writer {
        let nz = |x: f64| (x != 0.0).then_some(x);
        w.number("w_min", self.min).number("w_max", self.max).opt_number("mu_plus", nz(self.mu_plus)).opt_number("mu_minus", nz(self.mu_minus))
    }

    /// Checks consistency; `need_range` when the rule scales by `max - min`.
    pub(crate) fn check(&self, c: &mut Checks, need_range: bool) {
        if self.min.is_nan() || self.max.is_nan() || self.min > self.max || self.min == f64::INFINITY || self.max == f64::NEG_INFINITY {
            c.push(problem("w_min", format!("the bounds [{}, {}] are empty", self.min, self.max)));
            return;
        }
        c.non_negative("mu_plus", self.mu_plus);
        c.non_negative("mu_minus", self.mu_minus);
        let soft = self.mu_plus != 0.0 || self.mu_minus != 0.0;
        if (soft || need_range) && !(self.min.is_finite() && self.max.is_finite() && self.max > self.min) {
            let why = if soft { "soft bounds" } else { "this rule's amplitudes, which are fractions of w_max - w_min," };
            c.push(problem("w_max", format!("{why} need finite bounds with w_max > w_min, got [{}, {}]", self.min, self.max)));
        }
    }
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds::NONE
    }
}
