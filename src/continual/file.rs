//! Continual-learning scenarios as files: the protocol, the variants compared, the
//! seeds and the form, in TOML, so a file plus a seed fully determines data and
//! result. `synfire run FILE` runs a file whose top level has a `[continual]` table;
//! `synfire check FILE` validates it.
//!
//! ```toml
//! [continual]
//! protocol = "patterns"     # spec 10.1, sequential pattern association
//! form = "rate"             # the rate form in the engine; "spiking": Poisson trains onto a
//!                           # LIF neuron in the engine; "reference": the serial reference
//! seeds = 5                 # seeds `seed`, `seed + 1`, ...
//! seed = 0
//!
//! [protocol]                # every field optional: spec 10.1's defaults
//! inputs = 100
//! patterns = 40
//! tasks = 2
//! eta = 0.02
//! epochs = 60
//! eval_every = 5
//! w_init = 0.01
//!
//! [spiking]                 # the spiking form's settings, every field optional
//! eta = 0.009               # mV per presentation and unit of trace
//! rate_max_hz = 100.0       # the output rate that means p = 1
//! tau_trace_ms = 100.0
//! tau_syn_ms = 5.0
//! threshold_mv = 0.45       # the voltage scale, hence the weights' unit
//! t_ref_ms = 2.0
//! noise = "frozen"          # or "fresh": new trains at every presentation
//!
//! [[variant]]
//! kind = "plain"
//! [[variant]]
//! kind = "metaplastic"      # hidden weights, spec 7.2
//! m = 1.0
//! [[variant]]
//! kind = "si"               # synaptic intelligence, spec 7.3, consolidated at each switch
//! c = 0.01
//! xi = 0.1
//! [[variant]]
//! kind = "benna_fusi"       # spec 7.1, one chain step per update
//! m = 8
//!
//! [output]
//! directory = "out/my-scenario"
//! ```
//!
//! Unknown keys are refused by name (with their line), and every value is checked
//! by [`Scenario::check`], which names the field and the value.

use super::{Form, Noise, Protocol, Scenario, SpikingProtocol, Variant};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Why a scenario file is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML does not parse or names an unknown key or a wrong type.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (key and line).
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: {what}")]
    Value {
        /// The file.
        path: PathBuf,
        /// The field and its value.
        what: String,
    },
}

/// A continual-learning scenario read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    /// The scenario (its `workers` is 1 unless the file sets it).
    pub scenario: Scenario,
    /// The first seed.
    pub seed: u64,
    /// How many seeds.
    pub seeds: u64,
    /// Where the outputs go, if the file says.
    pub directory: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Top {
    continual: Head,
    #[serde(default)]
    protocol: ProtocolFields,
    #[serde(default)]
    spiking: SpikingFields,
    #[serde(default)]
    variant: Vec<VariantFields>,
    output: Option<OutputFields>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    protocol: String,
    #[serde(default)]
    form: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    seeds: Option<u64>,
    #[serde(default)]
    workers: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProtocolFields {
    inputs: Option<usize>,
    patterns: Option<usize>,
    tasks: Option<usize>,
    eta: Option<f64>,
    epochs: Option<usize>,
    eval_every: Option<usize>,
    w_init: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SpikingFields {
    eta: Option<f64>,
    rate_max_hz: Option<f64>,
    tau_trace_ms: Option<f64>,
    tau_syn_ms: Option<f64>,
    threshold_mv: Option<f64>,
    t_ref_ms: Option<f64>,
    noise: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum VariantFields {
    Plain,
    Metaplastic { m: f64 },
    Si { c: f64, xi: Option<f64> },
    BennaFusi { m: usize },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputFields {
    directory: PathBuf,
}

/// Whether the TOML text is a continual-learning scenario (its top level has a
/// `[continual]` table), as opposed to a network scenario.
pub fn is_continual(text: &str) -> bool {
    text.parse::<toml::Table>().is_ok_and(|t| t.contains_key("continual"))
}

impl ScenarioFile {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<ScenarioFile, FileError> {
        let text = std::fs::read_to_string(path).map_err(|source| FileError::Read { path: path.into(), source })?;
        ScenarioFile::parse(&text).map_err(|e| match e {
            Parse::Syntax(message) => FileError::Syntax { path: path.into(), message },
            Parse::Value(what) => FileError::Value { path: path.into(), what },
        })
    }

    /// Parses and checks TOML text.
    fn parse(text: &str) -> Result<ScenarioFile, Parse> {
        let top: Top = toml::from_str(text).map_err(|e| Parse::Syntax(e.to_string().trim_end().to_string()))?;
        if top.continual.protocol != "patterns" {
            return Err(Parse::Value(format!("continual.protocol = {:?}: the protocols are \"patterns\" (spec 10.1)", top.continual.protocol)));
        }
        let form = match top.continual.form.as_deref() {
            None | Some("rate") => Form::Rate,
            Some("reference") => Form::Reference,
            Some("spiking") => Form::Spiking,
            Some(other) => return Err(Parse::Value(format!("continual.form = {other:?}: the forms are \"rate\", \"spiking\" and \"reference\""))),
        };
        let ds = SpikingProtocol::default();
        let sp = top.spiking;
        let noise = match sp.noise.as_deref() {
            None => ds.noise,
            Some("frozen") => Noise::Frozen,
            Some("fresh") => Noise::Fresh,
            Some(other) => return Err(Parse::Value(format!("spiking.noise = {other:?}: \"frozen\" or \"fresh\""))),
        };
        let spiking = SpikingProtocol {
            eta: sp.eta.unwrap_or(ds.eta),
            rate_max_hz: sp.rate_max_hz.unwrap_or(ds.rate_max_hz),
            tau_trace_ms: sp.tau_trace_ms.unwrap_or(ds.tau_trace_ms),
            tau_syn_ms: sp.tau_syn_ms.unwrap_or(ds.tau_syn_ms),
            threshold_mv: sp.threshold_mv.unwrap_or(ds.threshold_mv),
            t_ref_ms: sp.t_ref_ms.unwrap_or(ds.t_ref_ms),
            noise,
        };
        let d = Protocol::default();
        let p = top.protocol;
        let protocol = Protocol {
            inputs: p.inputs.unwrap_or(d.inputs),
            patterns: p.patterns.unwrap_or(d.patterns),
            tasks: p.tasks.unwrap_or(d.tasks),
            eta: p.eta.unwrap_or(d.eta),
            epochs: p.epochs.unwrap_or(d.epochs),
            eval_every: p.eval_every.unwrap_or(d.eval_every),
            w_init: p.w_init.unwrap_or(d.w_init),
        };
        let variants: Vec<Variant> = if top.variant.is_empty() {
            Variant::spec_10_1()
        } else {
            top.variant
                .into_iter()
                .map(|v| match v {
                    VariantFields::Plain => Variant::Plain,
                    VariantFields::Metaplastic { m } => Variant::Metaplastic { m },
                    VariantFields::Si { c, xi } => Variant::Si { c, xi: xi.unwrap_or(0.1) },
                    VariantFields::BennaFusi { m } => Variant::BennaFusi { m },
                })
                .collect()
        };
        let workers = top.continual.workers.unwrap_or(1);
        if workers == 0 {
            return Err(Parse::Value("continual.workers = 0: at least one worker".into()));
        }
        let seeds = top.continual.seeds.unwrap_or(5);
        if seeds == 0 {
            return Err(Parse::Value("continual.seeds = 0: at least one seed".into()));
        }
        let scenario = Scenario { protocol, variants, form, spiking, workers };
        scenario.check().map_err(|e| Parse::Value(e.to_string()))?;
        Ok(ScenarioFile { scenario, seed: top.continual.seed.unwrap_or(0), seeds, directory: top.output.map(|o| o.directory) })
    }
}

/// What went wrong, before the path is attached.
enum Parse {
    Syntax(String),
    Value(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ScenarioFile, String> {
        ScenarioFile::parse(text).map_err(|e| match e {
            Parse::Syntax(m) | Parse::Value(m) => m,
        })
    }

    #[test]
    fn the_example_file_reads_as_the_scenario_it_describes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios/continual_patterns.toml");
        let f = ScenarioFile::load(&path).expect("the example file is valid");
        assert!(is_continual(&std::fs::read_to_string(&path).expect("reads")));
        assert_eq!(f.scenario.form, Form::Rate);
        assert_eq!(f.scenario.variants, vec![Variant::Plain, Variant::Metaplastic { m: 1.0 }, Variant::Si { c: 0.01, xi: 0.1 }, Variant::BennaFusi { m: 8 }]);
        assert_eq!((f.seed, f.seeds), (0, 5));
        assert_eq!(f.scenario.protocol, Protocol { epochs: 30, ..Protocol::default() });
    }

    #[test]
    fn defaults_are_spec_10_1() {
        let f = parse("[continual]\nprotocol = \"patterns\"\n").expect("valid");
        assert_eq!(f.scenario.protocol, Protocol::default());
        assert_eq!(f.scenario.variants, Variant::spec_10_1());
        assert_eq!((f.seed, f.seeds, f.scenario.workers), (0, 5, 1));
    }

    #[test]
    fn bad_files_name_the_key_or_the_value() {
        let head = "[continual]\nprotocol = \"patterns\"\n";
        let cases = [
            (format!("{head}[protocol]\nepoch = 3\n"), "epoch"),
            (format!("{head}[[variant]]\nkind = \"meta\"\n"), "meta"),
            (format!("{head}[[variant]]\nkind = \"metaplastic\"\nm = -1.0\n"), "meta(m=-1)"),
            (format!("{head}[[variant]]\nkind = \"si\"\nc = 0.1\nz = 1\n"), "z"),
            (format!("{head}[protocol]\neta = -0.5\n"), "eta = -0.5"),
            (format!("{head}[protocol]\npatterns = 0\n"), "patterns = 0"),
            ("[continual]\nprotocol = \"permuted\"\n".to_string(), "permuted"),
            (format!("{head}form = \"spikes\"\n"), "spikes"),
            (format!("{head}form = \"spiking\"\n[spiking]\nnoise = \"warm\"\n"), "warm"),
            (format!("{head}form = \"spiking\"\n[spiking]\neta = -1.0\n"), "spiking.eta"),
            (format!("{head}[spiking]\ntau = 3.0\n"), "tau"),
            (format!("{head}seeds = 0\n"), "seeds = 0"),
            (format!("{head}[run]\nduration = \"1 s\"\n"), "run"),
        ];
        for (text, named) in cases {
            let e = parse(&text).expect_err(&text);
            assert!(e.contains(named), "{text:?}: the error {e:?} does not name {named:?}");
        }
        assert!(!is_continual("[run]\nduration = \"1 s\"\n"));
    }
}
