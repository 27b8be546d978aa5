//! The quantisation error of a projection's weights (specs/targets.md 10).

use serde::Serialize;

/// How far a projection's stored weights are from the graph's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightError {
    /// Projection name.
    pub projection: String,
    /// Synapses.
    pub synapses: u64,
    /// `max|w_q - w| / max|w|`.
    pub max_abs_err: f64,
    /// `RMS(w_q - w) / RMS(w)`.
    pub rms_err: f64,
    /// Weights outside the representable range (clipped).
    pub clipped: u64,
    /// Non-zero weights that became 0.
    pub zeroed: u64,
    /// The format, for the report (`i8 x 2^-1, MIXED`).
    pub format: String,
}

impl WeightError {
    /// Compares weights `w` with their quantised values `q` (both in model units);
    /// `clipped[k]` says whether weight `k` was out of range.
    pub fn measure(projection: &str, format: String, pairs: impl Iterator<Item = (f64, f64, bool)>) -> WeightError {
        let (mut n, mut max_w, mut max_e, mut sw, mut se, mut clipped, mut zeroed) = (0u64, 0f64, 0f64, 0f64, 0f64, 0u64, 0u64);
        for (w, q, clip) in pairs {
            n += 1;
            let e = q - w;
            max_w = max_w.max(w.abs());
            max_e = max_e.max(e.abs());
            sw += w * w;
            se += e * e;
            clipped += u64::from(clip);
            zeroed += u64::from(w != 0.0 && q == 0.0);
        }
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        WeightError {
            projection: projection.to_string(),
            synapses: n,
            max_abs_err: ratio(max_e, max_w),
            rms_err: ratio(se.sqrt(), sw.sqrt()),
            clipped,
            zeroed,
            format,
        }
    }
}
