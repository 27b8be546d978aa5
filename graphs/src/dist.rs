//! Values that may differ per neuron or per synapse: constants, distributions, arrays.
//!
//! A [`Value`] is untyped (a [`Dist`] plus the [`Unit`] its numbers are in) so that
//! graphs, scenario files and summaries treat every parameter the same way. Users
//! build them through typed helpers: `uniform(-60.0.mv(), -50.0.mv())`,
//! `normal(1.0.ms(), 0.2.ms()).clip(0.1.ms(), 5.0.ms())`, or a plain quantity.

use crate::units::{Quantity, Unit};
use rand::RngExt;
use rand_distr::{Distribution, LogNormal, Normal};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// How the numbers of a [`Value`] are drawn. All numbers are in the value's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    /// The same number everywhere (infinite for a bound that never acts).
    Const(#[serde(with = "crate::any_float")] f64),
    /// Uniform on `[lo, hi)`.
    Uniform { lo: f64, hi: f64 },
    /// Normal with mean and standard deviation, optionally clipped to `[lo, hi]`.
    Normal { mean: f64, sd: f64, clip: Option<[f64; 2]> },
    /// Log-normal given by the mean and standard deviation of the numbers themselves
    /// (not of their logarithm); a negative mean draws magnitudes and negates them.
    LogNormal { mean: f64, sd: f64, clip: Option<[f64; 2]> },
    /// One number per element, in element order.
    Array(Vec<f64>),
}

/// A parameter: numbers in a unit, possibly different per element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// The unit of every number in `dist`.
    pub unit: Unit,
    /// How the numbers are drawn.
    pub dist: Dist,
}

impl Value {
    /// A constant in a unit.
    pub fn constant(unit: Unit, v: f64) -> Self {
        Value { unit, dist: Dist::Const(v) }
    }

    /// The constant, if this value is one.
    pub fn as_const(&self) -> Option<f64> {
        match self.dist {
            Dist::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Whether every element gets the same number.
    pub fn is_const(&self) -> bool {
        matches!(self.dist, Dist::Const(_))
    }

    /// The expected value of the numbers (the array mean for arrays).
    pub fn mean(&self) -> f64 {
        match &self.dist {
            Dist::Const(v) => *v,
            Dist::Uniform { lo, hi } => 0.5 * (lo + hi),
            Dist::Normal { mean, .. } | Dist::LogNormal { mean, .. } => *mean,
            Dist::Array(a) if a.is_empty() => 0.0,
            Dist::Array(a) => a.iter().sum::<f64>() / a.len() as f64,
        }
    }

    /// The smallest and largest number this value can produce.
    pub fn range(&self) -> (f64, f64) {
        let clip_or = |clip: &Option<[f64; 2]>, lo: f64, hi: f64| clip.map_or((lo, hi), |[a, b]| (a, b));
        match &self.dist {
            Dist::Const(v) => (*v, *v),
            Dist::Uniform { lo, hi } => (*lo, *hi),
            Dist::Normal { clip, .. } => clip_or(clip, f64::NEG_INFINITY, f64::INFINITY),
            Dist::LogNormal { mean, clip, .. } if *mean < 0.0 => clip_or(clip, f64::NEG_INFINITY, 0.0),
            Dist::LogNormal { clip, .. } => clip_or(clip, 0.0, f64::INFINITY),
            Dist::Array(a) => a.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x))),
        }
    }

    /// Every number the definition itself holds (bounds, means, array elements), for
    /// finiteness checks.
    pub fn defining_numbers(&self) -> Vec<f64> {
        let clip = |c: &Option<[f64; 2]>| c.map(|c| c.to_vec()).unwrap_or_default();
        match &self.dist {
            Dist::Const(v) => vec![*v],
            Dist::Uniform { lo, hi } => vec![*lo, *hi],
            Dist::Normal { mean, sd, clip: c } | Dist::LogNormal { mean, sd, clip: c } => [vec![*mean, *sd], clip(c)].concat(),
            Dist::Array(a) => a.clone(),
        }
    }

    /// Draws the number of element `index` from `rng` (arrays ignore the generator).
    /// Returns `None` for an array shorter than `index + 1` (validation prevents this).
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R, index: usize) -> Option<f64> {
        let clamp = |x: f64, c: &Option<[f64; 2]>| c.map_or(x, |[lo, hi]| x.clamp(lo, hi));
        Some(match &self.dist {
            Dist::Const(v) => *v,
            Dist::Uniform { lo, hi } => {
                if lo == hi {
                    *lo
                } else {
                    lo + (hi - lo) * rng.random::<f64>()
                }
            }
            Dist::Normal { mean, sd, clip } => {
                let x = Normal::new(*mean, *sd).map_or(*mean, |n| n.sample(rng));
                clamp(x, clip)
            }
            Dist::LogNormal { mean, sd, clip } => {
                let m = mean.abs();
                // mean = exp(mu + s^2/2), var = (exp(s^2) - 1) exp(2 mu + s^2)
                let s2 = (1.0 + (sd / m).powi(2)).ln();
                let mu = m.ln() - 0.5 * s2;
                let x = LogNormal::new(mu, s2.sqrt()).map_or(m, |d| d.sample(rng));
                clamp(if *mean < 0.0 { -x } else { x }, clip)
            }
            Dist::Array(a) => *a.get(index)?,
        })
    }
}

/// A typed [`Value`]: what the builder methods take, so that `tau_m(-50.0.mv())`
/// does not compile.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec<Q> {
    dist: Dist,
    _unit: PhantomData<Q>,
}

impl<Q: Quantity> Spec<Q> {
    fn new(dist: Dist) -> Self {
        Spec { dist, _unit: PhantomData }
    }

    /// Clips a normal or log-normal distribution to `[lo, hi]`.
    pub fn clip(mut self, lo: Q, hi: Q) -> Self {
        match &mut self.dist {
            Dist::Normal { clip, .. } | Dist::LogNormal { clip, .. } => *clip = Some([lo.value(), hi.value()]),
            _ => {}
        }
        self
    }

    /// The untyped value.
    pub fn into_value(self) -> Value {
        Value { unit: Q::UNIT, dist: self.dist }
    }
}

impl<Q: Quantity> From<Q> for Spec<Q> {
    fn from(q: Q) -> Self {
        Spec::new(Dist::Const(q.value()))
    }
}

impl<Q: Quantity> From<Spec<Q>> for Value {
    fn from(s: Spec<Q>) -> Value {
        s.into_value()
    }
}

/// Uniform on `[lo, hi)`.
pub fn uniform<Q: Quantity>(lo: Q, hi: Q) -> Spec<Q> {
    Spec::new(Dist::Uniform { lo: lo.value(), hi: hi.value() })
}

/// Normal with a mean and a standard deviation.
pub fn normal<Q: Quantity>(mean: Q, sd: Q) -> Spec<Q> {
    Spec::new(Dist::Normal { mean: mean.value(), sd: sd.value(), clip: None })
}

/// Log-normal with the given mean and standard deviation of the numbers drawn.
pub fn lognormal<Q: Quantity>(mean: Q, sd: Q) -> Spec<Q> {
    Spec::new(Dist::LogNormal { mean: mean.value(), sd: sd.value(), clip: None })
}

/// One number per element.
pub fn array<Q: Quantity>(values: impl IntoIterator<Item = Q>) -> Spec<Q> {
    Spec::new(Dist::Array(values.into_iter().map(Quantity::value).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::UnitExt;

    fn rng() -> rand_pcg::Pcg32 {
        crate::rng::stream(1, crate::rng::Domain::NeuronInit, 0, 0)
    }

    #[test]
    fn lognormal_has_the_requested_mean_and_sign() {
        let v: Value = lognormal((-9.0).mv(), 2.0.mv()).into();
        let mut r = rng();
        let xs: Vec<f64> = (0..50_000).filter_map(|i| v.sample(&mut r, i)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!(xs.iter().all(|&x| x < 0.0));
        assert!((mean + 9.0).abs() < 0.1, "mean {mean}");
    }

    #[test]
    fn clipped_normal_stays_in_bounds() {
        let v: Value = normal(1.0.ms(), 5.0.ms()).clip(0.1.ms(), 2.0.ms()).into();
        let mut r = rng();
        for i in 0..10_000 {
            let x = v.sample(&mut r, i).unwrap_or(f64::NAN);
            assert!((0.1..=2.0).contains(&x), "{x}");
        }
    }

    #[test]
    fn arrays_index_and_stop() {
        let v: Value = array([1.0.mv(), 2.0.mv()]).into();
        let mut r = rng();
        assert_eq!(v.sample(&mut r, 1), Some(2.0));
        assert_eq!(v.sample(&mut r, 2), None);
        assert_eq!(v.range(), (1.0, 2.0));
    }
}
