//! Quantities, distributions and lists as scenario files write them.
//!
//! A quantity is a string with a unit (`"20 ms"`, `"-50 mV"`) or, when dimensionless,
//! a plain number. A distribution is an inline table (`{ uniform = ["-60 mV",
//! "-50 mV"] }`). A list is an array of quantities or `{ array = [...], unit = "ms" }`.
//!
//! Writing uses the canonical unit of each quantity and the shortest decimal that
//! reads back to the same `f64`, so a graph written and read again is bit-identical.

use crate::dist::{Dist, Value};
use crate::error::ProblemKind;
use crate::units::Unit;
use toml::Value as Toml;

/// Why a value could not be read: the kind of problem and a sentence naming the value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bad(pub ProblemKind, pub String);

fn malformed(message: impl Into<String>) -> Bad {
    Bad(ProblemKind::Malformed, message.into())
}

fn unit_error(message: impl Into<String>) -> Bad {
    Bad(ProblemKind::UnitMismatch, message.into())
}

/// Units tried, in this order, when a value's place does not fix its unit (weights,
/// rule parameters, currents). Their suffixes are disjoint, so at most one matches.
const UNITS: [Unit; 7] = [Unit::Ms, Unit::Mv, Unit::Pa, Unit::Ns, Unit::Pf, Unit::Hz, Unit::One];

/// Reads `"20 ms"` in whichever unit its suffix names.
pub(crate) fn infer(text: &str) -> Result<(Unit, f64), Bad> {
    UNITS
        .into_iter()
        .find_map(|u| u.parse(text).ok().map(|x| (u, x)))
        .ok_or_else(|| unit_error(format!("`{text}` is not a number with a known unit (ms, s, us, mV, V, pA, nA, nS, uS, pF, nF, Hz, kHz or none)")))
}

/// Reads a quantity given as text in `unit` (or in the unit its suffix names).
fn text(s: &str, unit: Option<Unit>) -> Result<(Unit, f64), Bad> {
    match unit {
        None => infer(s),
        Some(Unit::One) => Unit::One.parse(s).map(|x| (Unit::One, x)).map_err(|_| unit_error(format!("`{s}`: a plain number is expected here"))),
        Some(u) => u.parse(s).map(|x| (u, x)).map_err(unit_error),
    }
}

fn number(x: f64, unit: Option<Unit>, shown: &str) -> Result<(Unit, f64), Bad> {
    match unit {
        None | Some(Unit::One) => Ok((Unit::One, x)),
        Some(u) => Err(unit_error(format!("{shown} needs a unit (write \"{shown} {}\")", u.symbol()))),
    }
}

/// Reads one quantity: a string with a unit or a plain number.
pub(crate) fn scalar(v: &Toml, unit: Option<Unit>) -> Result<(Unit, f64), Bad> {
    match v {
        Toml::String(s) => text(s, unit),
        Toml::Integer(i) => number(*i as f64, unit, &i.to_string()),
        Toml::Float(f) => number(*f, unit, &f.to_string()),
        other => Err(malformed(format!("expected a number or a string with a unit, found a {}", other.type_str()))),
    }
}

/// Reads a quantity such as `"20 ms"` or `"1 s"` in `unit`.
pub(crate) fn in_unit(s: &str, unit: Unit) -> Result<f64, Bad> {
    text(s, Some(unit)).map(|(_, x)| x)
}

/// Reads the elements of an array, all in one unit (the first element's if `unit` is
/// `None`).
fn items(items: &[Toml], unit: Option<Unit>) -> Result<(Unit, Vec<f64>), Bad> {
    let mut unit = unit;
    let mut xs = Vec::with_capacity(items.len());
    for (k, item) in items.iter().enumerate() {
        let (u, x) = scalar(item, unit).map_err(|Bad(kind, m)| Bad(kind, format!("element {k}: {m}")))?;
        unit = Some(u);
        xs.push(x);
    }
    Ok((unit.unwrap_or(Unit::One), xs))
}

/// Reads `{ array = [1.0, 2.0], unit = "ms" }`.
fn array_table(t: &toml::Table, unit: Option<Unit>) -> Result<Value, Bad> {
    let (u, scale) = match t.get("unit") {
        None => (Unit::One, 1.0),
        Some(Toml::String(s)) if s.trim().is_empty() => (Unit::One, 1.0),
        Some(Toml::String(s)) => infer(&format!("1 {s}")).map_err(|_| unit_error(format!("`{s}` is not a unit")))?,
        Some(other) => return Err(malformed(format!("`unit` must be a string like \"ms\", found a {}", other.type_str()))),
    };
    if let Some(want) = unit
        && want != u
    {
        return Err(unit_error(format!("an array in {} where {} is expected", show_unit(u), show_unit(want))));
    }
    let Some(Toml::Array(elements)) = t.get("array") else {
        return Err(malformed("`array` must be an array of numbers"));
    };
    let xs = elements
        .iter()
        .enumerate()
        .map(|(k, x)| match x {
            Toml::Integer(i) => Ok(*i as f64 * scale),
            Toml::Float(f) => Ok(f * scale),
            other => Err(malformed(format!("element {k}: expected a number (the unit is given by `unit`), found a {}", other.type_str()))),
        })
        .collect::<Result<Vec<f64>, Bad>>()?;
    Ok(Value { unit: u, dist: Dist::Array(xs) })
}

fn show_unit(u: Unit) -> &'static str {
    match u {
        Unit::One => "plain numbers",
        u => u.symbol(),
    }
}

/// Reads two quantities in one unit: `["-60 mV", "-50 mV"]`.
fn pair(v: &Toml, unit: Option<Unit>, what: &str) -> Result<(Unit, [f64; 2]), Bad> {
    match v {
        Toml::Array(a) if a.len() == 2 => items(a, unit).map(|(u, xs)| (u, [xs[0], xs[1]])),
        _ => Err(malformed(format!("`{what}` takes two values, like [\"1 ms\", \"2 ms\"]"))),
    }
}

const DIST_KEYS: [&str; 4] = ["uniform", "normal", "lognormal", "array"];

/// Reads a distribution table.
fn dist_table(t: &toml::Table, unit: Option<Unit>) -> Result<Value, Bad> {
    if let Some(k) = t.keys().find(|k| !DIST_KEYS.contains(&k.as_str()) && *k != "clip" && *k != "unit") {
        return Err(malformed(format!("unknown key `{k}` in a distribution (expected uniform, normal, lognormal or array)")));
    }
    let given: Vec<&str> = DIST_KEYS.into_iter().filter(|k| t.contains_key(*k)).collect();
    let [kind] = given.as_slice() else {
        return Err(malformed("a distribution takes exactly one of uniform, normal, lognormal or array"));
    };
    if *kind != "array" && t.contains_key("unit") {
        return Err(malformed(format!("`unit` applies to arrays only; write the units inside `{kind}`")));
    }
    if !matches!(*kind, "normal" | "lognormal") && t.contains_key("clip") {
        return Err(malformed(format!("`clip` applies to normal and lognormal only, not to {kind}")));
    }
    if *kind == "array" {
        return array_table(t, unit);
    }
    let (u, [a, b]) = pair(&t[*kind], unit, kind)?;
    let clip = t.get("clip").map(|c| pair(c, Some(u), "clip")).transpose()?.map(|(_, c)| c);
    let dist = match *kind {
        "uniform" => Dist::Uniform { lo: a, hi: b },
        "normal" => Dist::Normal { mean: a, sd: b, clip },
        _ => Dist::LogNormal { mean: a, sd: b, clip },
    };
    Ok(Value { unit: u, dist })
}

/// Reads a value: a quantity, a distribution table, or an array (one number per element).
pub(crate) fn value(v: &Toml, unit: Option<Unit>) -> Result<Value, Bad> {
    match v {
        Toml::Array(a) => items(a, unit).map(|(u, xs)| Value { unit: u, dist: Dist::Array(xs) }),
        Toml::Table(t) => dist_table(t, unit),
        _ => scalar(v, unit).map(|(u, x)| Value::constant(u, x)),
    }
}

/// Reads a list of quantities: `["1 ms", "2 ms"]` or `{ array = [1.0, 2.0], unit = "ms" }`.
pub(crate) fn list(v: &Toml, unit: Option<Unit>) -> Result<(Unit, Vec<f64>), Bad> {
    match value(v, unit)? {
        Value { unit, dist: Dist::Array(xs) } => Ok((unit, xs)),
        _ => Err(malformed("expected a list, like [\"1 ms\", \"2 ms\"] or { array = [1.0, 2.0], unit = \"ms\" }")),
    }
}

/// The shortest decimal that reads back to exactly `x`; exponent form for very large
/// or small magnitudes so that no number is written with hundreds of digits.
pub(crate) fn num(x: f64) -> String {
    crate::units::number_text(x)
}

/// A TOML float literal for `x` (TOML needs a fraction or exponent to read a float).
pub(crate) fn float(x: f64) -> String {
    let s = num(x);
    if s.contains(['.', 'e', 'n', 'i']) { s } else { s + ".0" }
}

/// A quantity as written: `"20 ms"`, or a plain number when dimensionless.
pub(crate) fn quantity(unit: Unit, x: f64) -> String {
    match unit {
        Unit::One => float(x),
        u => format!("\"{} {}\"", num(x), u.symbol()),
    }
}

fn pair_text(unit: Unit, a: f64, b: f64) -> String {
    format!("[{}, {}]", quantity(unit, a), quantity(unit, b))
}

/// A list of numbers in `unit`, in the compact form.
pub(crate) fn list_text(unit: Unit, xs: &[f64]) -> String {
    let body = xs.iter().map(|&x| float(x)).collect::<Vec<_>>().join(", ");
    match unit {
        Unit::One => format!("{{ array = [{body}] }}"),
        u => format!("{{ array = [{body}], unit = \"{}\" }}", u.symbol()),
    }
}

/// A value as written.
pub(crate) fn value_text(v: &Value) -> String {
    let clip_text = |clip: &Option<[f64; 2]>| clip.map_or(String::new(), |[a, b]| format!(", clip = {}", pair_text(v.unit, a, b)));
    match &v.dist {
        Dist::Const(x) => quantity(v.unit, *x),
        Dist::Uniform { lo, hi } => format!("{{ uniform = {} }}", pair_text(v.unit, *lo, *hi)),
        Dist::Normal { mean, sd, clip } => format!("{{ normal = {}{} }}", pair_text(v.unit, *mean, *sd), clip_text(clip)),
        Dist::LogNormal { mean, sd, clip } => format!("{{ lognormal = {}{} }}", pair_text(v.unit, *mean, *sd), clip_text(clip)),
        Dist::Array(xs) => list_text(v.unit, xs),
    }
}

/// A TOML basic string.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it may be, quoted otherwise.
pub(crate) fn key(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') { s.to_string() } else { quote(s) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read(text: &str, unit: Option<Unit>) -> Result<Value, Bad> {
        let doc: toml::Table = toml::from_str(&format!("x = {text}")).map_err(|e| malformed(e.to_string()))?;
        value(&doc["x"], unit)
    }

    #[test]
    fn numbers_read_back_exactly() {
        for x in [0.1, -0.0, 1.0 / 3.0, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.125, -2.5e-7, 1e16, 9.999e15] {
            let v = Value::constant(Unit::Mv, x);
            assert_eq!(read(&value_text(&v), Some(Unit::Mv)), Ok(v.clone()), "{x}");
            let one = Value::constant(Unit::One, x);
            assert_eq!(read(&value_text(&one), None), Ok(one.clone()), "{x}");
        }
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!([num(20.0), num(-0.0), num(0.1), num(1e20), num(2.5e-7)], ["20", "-0", "0.1", "1e20", "2.5e-7"]);
        assert_eq!([float(20.0), float(-0.0), float(f64::NEG_INFINITY)], ["20.0", "-0.0", "-inf"]);
    }

    #[test]
    fn distributions_read_back() {
        for v in [
            Value { unit: Unit::Mv, dist: Dist::Uniform { lo: -60.0, hi: -50.0 } },
            Value { unit: Unit::Ms, dist: Dist::Normal { mean: 1.0, sd: 0.2, clip: Some([0.1, 5.0]) } },
            Value { unit: Unit::One, dist: Dist::LogNormal { mean: -2.0, sd: 0.5, clip: None } },
            Value { unit: Unit::Hz, dist: Dist::Array(vec![1.0, 2.5, 1e20]) },
            Value { unit: Unit::One, dist: Dist::Array(vec![]) },
        ] {
            assert_eq!(read(&value_text(&v), None), Ok(v.clone()), "{}", value_text(&v));
        }
    }

    #[test]
    fn units_convert_and_mismatches_are_named() {
        assert_eq!(read("\"1 s\"", Some(Unit::Ms)), Ok(Value::constant(Unit::Ms, 1000.0)));
        assert_eq!(read("{ array = [1, 2], unit = \"s\" }", None), Ok(Value { unit: Unit::Ms, dist: Dist::Array(vec![1000.0, 2000.0]) }));
        let Err(Bad(kind, m)) = read("\"20 mV\"", Some(Unit::Ms)) else { panic!("accepted mV for ms") };
        assert_eq!((kind, m.as_str()), (ProblemKind::UnitMismatch, "`20 mV`: unit `mV` is not a unit of ms"));
        let Err(Bad(_, m)) = read("20", Some(Unit::Ms)) else { panic!("accepted a bare number for ms") };
        assert!(m.contains("needs a unit"), "{m}");
        let Err(Bad(_, m)) = read("[\"1 mV\", \"2 ms\"]", None) else { panic!("accepted mixed units") };
        assert!(m.starts_with("element 1:"), "{m}");
        let Err(Bad(_, m)) = read("{ uniform = [1, 2], clip = [0, 3] }", None) else { panic!("accepted clip on uniform") };
        assert!(m.contains("clip"), "{m}");
        let Err(Bad(_, m)) = read("{ gauss = [1, 2] }", None) else { panic!("accepted an unknown distribution") };
        assert!(m.contains("`gauss`"), "{m}");
    }

    #[test]
    fn strings_and_keys_are_quoted() {
        let doc: toml::Table = toml::from_str(&format!("{} = {}", key("a b\"\n"), quote("x\"\\\u{1}\ty"))).unwrap();
        assert_eq!(doc["a b\"\n"].as_str(), Some("x\"\\\u{1}\ty"));
        assert_eq!(key("tau_m"), "tau_m");
    }
}
