//! Mean and spread over seeds, the form every scientific figure of a task takes.

use serde::Serialize;

/// A figure over seeds: mean, sample standard deviation, range, and the values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Mean over the values.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator; 0 for one value).
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// The values, one per seed, in seed order.
    pub values: Vec<f64>,
}

impl Stats {
    /// The statistics of `values` (NaN mean and spread when there are none).
    pub fn of(values: &[f64]) -> Stats {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = if values.len() > 1 { (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { 0.0 };
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Stats { mean, std, min, max, values: values.to_vec() }
    }

    /// `mean ± std (n = k)`, with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!("{:.digits$} ± {:.digits$} (n = {})", self.mean, self.std, self.values.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_known_values() {
        let s = Stats::of(&[1.0, 2.0, 3.0, 6.0]);
        assert_eq!(s.mean, 3.0);
        // Sample variance: (4 + 1 + 0 + 9) / 3.
        assert!((s.std - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (1.0, 6.0));
        assert_eq!(s.show(2), "3.00 ± 2.16 (n = 4)");
        assert_eq!(Stats::of(&[5.0]).std, 0.0);
    }
}
