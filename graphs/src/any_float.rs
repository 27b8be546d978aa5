//! Serde for an `f64` that may be infinite, in every format.
//!
//! JSON has no infinity: `serde_json` writes `f64::INFINITY` as `null` and cannot
//! read it back, so a graph with an open-ended weight bound (`w_max = inf`) could be
//! written into a checkpoint and never restored. Human-readable formats get a
//! non-finite number as the string `"inf"`, `"-inf"` or `"nan"` (a finite one stays a
//! number); binary formats get the plain `f64`.

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Writes `x` (see the module docs).
pub(crate) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    match *x {
        x if x.is_finite() || !s.is_human_readable() => s.serialize_f64(x),
        x if x.is_nan() => s.serialize_str("nan"),
        x if x > 0.0 => s.serialize_str("inf"),
        _ => s.serialize_str("-inf"),
    }
}

/// Reads what [`serialize`] wrote (and any plain number).
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    if d.is_human_readable() { d.deserialize_any(AnyFloat) } else { d.deserialize_f64(AnyFloat) }
}

struct AnyFloat;

impl Visitor<'_> for AnyFloat {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number, \"inf\", \"-inf\" or \"nan\"")
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<f64, E> {
        Ok(x)
    }
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<f64, E> {
        Ok(x as f64)
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<f64, E> {
        Ok(x as f64)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
        match s {
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            "nan" => Ok(f64::NAN),
            _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::{Dist, Unit, Value};

    #[test]
    fn infinite_constants_round_trip_through_json() {
        for x in [f64::INFINITY, f64::NEG_INFINITY, 1.5, 0.0, -3.0] {
            let v = Value { unit: Unit::One, dist: Dist::Const(x) };
            let text = serde_json::to_string(&v).unwrap();
            let back: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, v, "{text}");
        }
        let text = serde_json::to_string(&Value { unit: Unit::One, dist: Dist::Const(f64::INFINITY) }).unwrap();
        assert!(text.contains("\"inf\""), "{text}");
        assert!(serde_json::from_str::<Value>(&text.replace("\"inf\"", "\"infinity\"")).is_err());
    }
}
