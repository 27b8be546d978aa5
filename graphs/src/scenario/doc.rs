//! The document as `serde` reads it: one struct per table, unknown keys rejected.
//!
//! Values whose unit depends on where they are used stay [`toml::Value`]s here and
//! are read by [`super::values`] while the network is built, so that their errors
//! carry a path (`population[0].tau_m`) rather than a bare position.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::{Spanned, Value as Toml};

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Doc {
    pub run: RunDoc,
    /// Spans keep the file order of populations and sources, which share global ids.
    #[serde(default)]
    pub population: Vec<Spanned<PopDoc>>,
    #[serde(default)]
    pub source: Vec<Spanned<SourceDoc>>,
    #[serde(default)]
    pub projection: Vec<ProjDoc>,
    #[serde(default)]
    pub current: Vec<CurrentDoc>,
    #[serde(default)]
    pub probe: Vec<ProbeDoc>,
    #[serde(default)]
    pub modulator: Vec<ModDoc>,
    pub trials: Option<TrialsDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrialsDoc {
    pub length: String,
    pub gap: Option<String>,
    pub start: Option<String>,
    pub reset: Option<Vec<String>>,
    pub train: u64,
    pub evaluate: Option<u64>,
    pub evaluate_every: Option<u64>,
    pub loss_window: Option<(String, String)>,
    pub report: Option<Vec<String>>,
    pub input: Option<TrialInputDoc>,
    pub target: TrialTargetDoc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TrialInputKindDoc {
    Poisson,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrialInputDoc {
    pub source: String,
    pub kind: TrialInputKindDoc,
    pub rate: String,
    pub frozen: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TargetKindDoc {
    Sines,
    Steps,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrialTargetDoc {
    pub population: String,
    pub kind: TargetKindDoc,
    pub periods: Option<Vec<String>>,
    pub steps: Option<Vec<(String, f64)>>,
    pub frozen: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunDoc {
    pub duration: Option<String>,
    pub dt: Option<String>,
    /// An integer, or a string for seeds above 2^63 - 1 (TOML integers are signed).
    pub seed: Option<Toml>,
    pub workers: Option<u32>,
    pub window: Option<String>,
    pub output: Option<OutputDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutputDoc {
    pub directory: Option<String>,
    /// Names, checked by the reader so that an unknown one is reported with its path.
    pub files: Option<Vec<String>>,
}

/// A neuron population; every key but these four is a model parameter, checked
/// against the model's table when the network is frozen.
#[derive(Debug, Deserialize)]
pub(crate) struct PopDoc {
    pub name: String,
    pub size: u64,
    pub model: String,
    #[serde(default)]
    pub init: BTreeMap<String, Toml>,
    #[serde(flatten)]
    pub params: BTreeMap<String, Toml>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SourceKindDoc {
    Poisson,
    RateArray,
    SpikeTimes,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceDoc {
    pub name: String,
    pub size: u64,
    pub kind: SourceKindDoc,
    pub rate: Option<String>,
    pub schedule: Option<Vec<(String, String)>>,
    pub bin: Option<String>,
    pub rates: Option<Toml>,
    pub per_neuron: Option<bool>,
    pub times: Option<Vec<Toml>>,
}

/// One population name or several (a projection to each, source-major).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "a population name or a list of names")]
pub(crate) enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    pub fn list(&self) -> Vec<&str> {
        match self {
            Names::One(n) => vec![n.as_str()],
            Names::Many(ns) => ns.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjDoc {
    pub name: Option<String>,
    pub source: Names,
    pub target: Names,
    pub p: Option<f64>,
    pub in_degree: Option<u32>,
    pub out_degree: Option<u32>,
    pub total: Option<u64>,
    pub all_to_all: Option<bool>,
    pub one_to_one: Option<bool>,
    pub pairs: Option<Vec<(u32, u32)>>,
    pub weights: Option<Toml>,
    pub delays: Option<Toml>,
    pub weight: Option<Toml>,
    pub delay: Option<Toml>,
    pub receptor: Option<String>,
    pub autapses: Option<bool>,
    pub multapses: Option<bool>,
    pub rule: Option<RuleDoc>,
    /// Feedback weights into this per-neuron signal of the target.
    pub signal: Option<String>,
}

/// A plasticity rule: its name, and every other key a parameter. Written as a table
/// (`rule = { name = "stdp_pair", a_plus = 0.01 }`) or, with every default, as the
/// name alone (`rule = "stdp_pair"`).
#[derive(Debug)]
pub(crate) struct RuleDoc {
    pub name: String,
    pub params: BTreeMap<String, Toml>,
}

/// The table form of [`RuleDoc`].
#[derive(Debug, Deserialize)]
struct RuleTable {
    name: String,
    #[serde(flatten)]
    params: BTreeMap<String, Toml>,
}

impl<'de> Deserialize<'de> for RuleDoc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameOrTable;
        impl<'de> serde::de::Visitor<'de> for NameOrTable {
            type Value = RuleDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a rule: its name (\"stdp_pair\") or a table with `name` and the rule's parameters")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<RuleDoc, E> {
                Ok(RuleDoc { name: name.to_string(), params: BTreeMap::new() })
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<RuleDoc, M::Error> {
                let t = RuleTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RuleDoc { name: t.name, params: t.params })
            }
        }
        d.deserialize_any(NameOrTable)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RangeDoc {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CurrentDoc {
    pub name: String,
    pub target: String,
    pub amplitude: Option<Toml>,
    pub steps: Option<Vec<(String, Toml)>>,
    pub neurons: Option<RangeDoc>,
    pub start: Option<String>,
    pub stop: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ProbeKindDoc {
    Spikes,
    State,
    Weights,
    Rate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProbeDoc {
    pub name: Option<String>,
    pub kind: ProbeKindDoc,
    pub population: Option<String>,
    pub populations: Option<Vec<String>>,
    pub projection: Option<String>,
    pub var: Option<String>,
    pub neurons: Option<Vec<u32>>,
    pub interval: Option<String>,
    pub bin: Option<String>,
    pub max_synapses: Option<u32>,
    pub window: Option<(String, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModDoc {
    pub name: String,
    pub initial: Option<f64>,
    pub population: Option<String>,
    /// Steps `[time, value]`.
    pub schedule: Option<Vec<(String, f64)>>,
    pub activity: Option<ActivityDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActivityDoc {
    pub population: String,
    pub tau: String,
    pub gain: Option<f64>,
    pub offset: Option<f64>,
    pub delay: Option<String>,
}
