//! Weight initialisers as scenario files write them:
//!
//! ```toml
//! weight = { fluctuation_driven = { mu_u = 0.0, sigma_u = 1.0, nu = "20 Hz" } }
//! # or xi = 1.0 instead of sigma_u; alpha = 0.9 and epsilons = "numerical" (or
//! # "analytic") are the defaults; nu_from_data = "2 s" instead of nu measures the
//! # sources' rate from their data over the first 2 s
//! ```

use super::values::{Bad, float, in_unit, quote};
use crate::connector::WeightInit;
use crate::error::ProblemKind;
use crate::fluctuation::{DEFAULT_ALPHA, Epsilons, FluctuationDriven, Spread};
use crate::units::{Rate, Time, Unit};
use toml::Value as Toml;

const KEYS: [&str; 7] = ["mu_u", "sigma_u", "xi", "nu", "nu_from_data", "alpha", "epsilons"];

fn malformed(m: impl Into<String>) -> Bad {
    Bad(ProblemKind::Malformed, m.into())
}

/// The initialiser of a `weight` table, or `None` when the table is a distribution.
pub(crate) fn read(weight: &Toml) -> Option<Result<WeightInit, Bad>> {
    let Toml::Table(t) = weight else { return None };
    let body = t.get("fluctuation_driven")?;
    if let Some(k) = t.keys().find(|k| *k != "fluctuation_driven") {
        return Some(Err(malformed(format!("unknown key `{k}` beside `fluctuation_driven`"))));
    }
    Some(fluctuation_driven(body).map(WeightInit::FluctuationDriven))
}

fn fluctuation_driven(v: &Toml) -> Result<FluctuationDriven, Bad> {
    let Toml::Table(t) = v else {
        return Err(malformed("`fluctuation_driven` is a table like { sigma_u = 1.0, nu = \"20 Hz\" }"));
    };
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(malformed(format!("unknown key `{k}` in fluctuation_driven (expected one of {})", KEYS.join(", "))));
    }
    let number = |k: &str| -> Result<Option<f64>, Bad> {
        match t.get(k) {
            None => Ok(None),
            Some(Toml::Float(x)) => Ok(Some(*x)),
            Some(Toml::Integer(i)) => Ok(Some(*i as f64)),
            Some(other) => Err(malformed(format!("`{k}` is a plain number, found a {}", other.type_str()))),
        }
    };
    let spread = match (number("sigma_u")?, number("xi")?) {
        (Some(s), None) => Spread::SigmaU(s),
        (None, Some(x)) => Spread::Xi(x),
        _ => return Err(malformed("give exactly one of `sigma_u` and `xi`")),
    };
    let (nu, nu_from_data) = match (t.get("nu"), t.get("nu_from_data")) {
        (Some(Toml::String(s)), None) => (Rate(in_unit(s, Unit::Hz).map_err(|Bad(k, m)| Bad(k, format!("`nu`: {m}")))?), None),
        (Some(other), None) => return Err(malformed(format!("`nu` is a rate like \"20 Hz\", found a {}", other.type_str()))),
        (None, Some(Toml::String(s))) => (Rate(0.0), Some(Time(in_unit(s, Unit::Ms).map_err(|Bad(k, m)| Bad(k, format!("`nu_from_data`: {m}")))?))),
        (None, Some(other)) => return Err(malformed(format!("`nu_from_data` is a time window like \"2 s\", found a {}", other.type_str()))),
        (Some(_), Some(_)) => return Err(malformed("give `nu` or `nu_from_data`, not both")),
        (None, None) => return Err(malformed("no `nu`: the sources' firing rate, like nu = \"20 Hz\" (or nu_from_data = \"2 s\" to measure it)")),
    };
    let epsilons = match t.get("epsilons").map(|e| e.as_str()) {
        None | Some(Some("numerical")) => Epsilons::Numerical,
        Some(Some("analytic")) => Epsilons::Analytic,
        Some(_) => return Err(malformed("`epsilons` is \"numerical\" or \"analytic\"")),
    };
    Ok(FluctuationDriven { mu_u: number("mu_u")?.unwrap_or(0.0), spread, nu, nu_from_data, alpha: number("alpha")?.unwrap_or(DEFAULT_ALPHA), epsilons })
}

/// The `weight` value of an initialiser; defaults (alpha, epsilons) are left out.
pub(crate) fn text(init: &WeightInit) -> String {
    let WeightInit::FluctuationDriven(f) = init;
    let mut parts = vec![format!("mu_u = {}", float(f.mu_u))];
    parts.push(match f.spread {
        Spread::SigmaU(s) => format!("sigma_u = {}", float(s)),
        Spread::Xi(x) => format!("xi = {}", float(x)),
    });
    parts.push(match f.nu_from_data {
        Some(w) => format!("nu_from_data = {}", quote(&format!("{} ms", super::values::num(w.0)))),
        None => format!("nu = {}", quote(&format!("{} Hz", super::values::num(f.nu.0)))),
    });
    if f.alpha != DEFAULT_ALPHA {
        parts.push(format!("alpha = {}", float(f.alpha)));
    }
    if f.epsilons == Epsilons::Analytic {
        parts.push("epsilons = \"analytic\"".into());
    }
    format!("{{ fluctuation_driven = {{ {} }} }}", parts.join(", "))
}
