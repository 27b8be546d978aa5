//! A population's `escape_noise` key (specs 1.6) as scenario files write it.
//!
//! ```toml
//! escape_noise = "sigmoid"                                  # default parameters
//! escape_noise = { sigmoid = { beta = 10 } }
//! escape_noise = { exponential = { p0 = 0.01, delta_u = 0.133 } }
//! ```
//!
//! Parameters left out take their defaults; an unknown variant, an unknown
//! parameter or a value that is not a plain number is a problem at its own path
//! (`population[0].escape_noise.sigmoid.gamma`). Ranges are checked by `freeze()`.

use super::values::{Bad, float};
use crate::error::ProblemKind;
use crate::escape::EscapeNoise;
use toml::Value as Toml;

/// Reads the value of `escape_noise`; problems come with the path below it
/// (`""`, `".sigmoid"`, `".sigmoid.beta"`).
pub(crate) fn read(v: &Toml) -> Result<EscapeNoise, (String, Bad)> {
    let malformed = |at: String, message: String| (at, Bad(ProblemKind::Malformed, message));
    let names = EscapeNoise::NAMES.join(", ");
    let variant = |name: &str, at: String| {
        EscapeNoise::default_of(name).ok_or_else(|| malformed(at, format!("no escape noise is called `{name}` (escape noises: {names})")))
    };
    if let Toml::String(name) = v {
        return variant(name, String::new());
    }
    let entry = match v {
        Toml::Table(t) if t.len() == 1 => t.iter().next(),
        _ => None,
    };
    let Some((name, params)) = entry else {
        return Err(malformed(
            String::new(),
            format!(
                "{v} is not an escape noise (write a name, `\"sigmoid\"`, or a table with one entry, `{{ sigmoid = {{ beta = 10 }} }}`; escape noises: {names})"
            ),
        ));
    };
    let mut noise = variant(name, format!(".{name}"))?;
    let Toml::Table(params) = params else {
        return Err(malformed(format!(".{name}"), format!("{params} is not a table of parameters (write `{{ {name} = {{ ... }} }}`)")));
    };
    let known: Vec<&str> = noise.params().iter().map(|(k, _)| *k).collect();
    for (k, x) in params {
        let at = format!(".{name}.{k}");
        let x = match x {
            Toml::Integer(i) => *i as f64,
            Toml::Float(f) => *f,
            other => return Err(malformed(at, format!("{other} is not a plain number"))),
        };
        noise = match (noise, k.as_str()) {
            (EscapeNoise::Sigmoid { .. }, "beta") => EscapeNoise::Sigmoid { beta: x },
            (EscapeNoise::Exponential { delta_u, .. }, "p0") => EscapeNoise::Exponential { p0: x, delta_u },
            (EscapeNoise::Exponential { p0, .. }, "delta_u") => EscapeNoise::Exponential { p0, delta_u: x },
            _ => {
                let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                return Err((at, Bad(ProblemKind::UnknownParameter, format!("{name} escape noise has no parameter `{k}` (parameters: {known})"))));
            }
        };
    }
    Ok(noise)
}

/// The value written for `noise` (`{ sigmoid = { beta = 10.0 } }`), or `None` for
/// the deterministic default, which files leave out.
pub(crate) fn write(noise: &EscapeNoise) -> Option<String> {
    if noise.is_step() {
        return None;
    }
    let params: Vec<String> = noise.params().iter().map(|(k, x)| format!("{k} = {}", float(*x))).collect();
    Some(format!("{{ {} = {{ {} }} }}", noise.name(), params.join(", ")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EscapeNoise, (String, Bad)> {
        let doc: toml::Table = toml::from_str(&format!("e = {text}")).map_err(|e| (String::new(), Bad(ProblemKind::Malformed, e.to_string())))?;
        read(&doc["e"])
    }

    #[test]
    fn forms_that_read() {
        assert_eq!(parse("\"step\""), Ok(EscapeNoise::Step));
        assert_eq!(parse("\"sigmoid\""), Ok(EscapeNoise::sigmoid(10.0)));
        assert_eq!(parse("{ sigmoid = { beta = 4 } }"), Ok(EscapeNoise::sigmoid(4.0)));
        assert_eq!(parse("{ sigmoid = {} }"), Ok(EscapeNoise::sigmoid(10.0)));
        assert_eq!(parse("{ exponential = { delta_u = 0.2 } }"), Ok(EscapeNoise::exponential(0.01, 0.2)));
    }

    #[test]
    fn problems_name_the_field() {
        let at = |text: &str| parse(text).err().map(|(at, Bad(kind, msg))| (at, kind, msg));
        let (path, kind, msg) = at("{ sigmoid = { gamma = 1 } }").unwrap();
        assert_eq!((path.as_str(), kind), (".sigmoid.gamma", ProblemKind::UnknownParameter));
        assert!(msg.contains("parameters: beta"), "{msg}");
        let (path, _, msg) = at("{ sigmoid = { beta = \"ten\" } }").unwrap();
        assert_eq!(path, ".sigmoid.beta");
        assert!(msg.contains("\"ten\""), "{msg}");
        let (path, _, msg) = at("\"gaussian\"").unwrap();
        assert_eq!(path, "");
        assert!(msg.contains("`gaussian`") && msg.contains("sigmoid"), "{msg}");
        assert_eq!(at("{ sigmoid = 3 }").unwrap().0, ".sigmoid");
        assert_eq!(at("{ sigmoid = {}, exponential = {} }").unwrap().0, "");
        assert_eq!(at("{ step = { beta = 1 } }").unwrap().0, ".step.beta");
    }

    #[test]
    fn written_forms_read_back() {
        for noise in [EscapeNoise::sigmoid(10.0), EscapeNoise::sigmoid(0.1 + 0.2), EscapeNoise::exponential(0.01, 0.133)] {
            let text = write(&noise).unwrap_or_default();
            assert_eq!(parse(&text), Ok(noise), "{text}");
        }
        assert_eq!(write(&EscapeNoise::Step), None);
    }
}
