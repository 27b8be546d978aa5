//! Scenario files: a whole network plus its run settings, as TOML.
//!
//! A scenario file reads into a [`Network`] (then `freeze()` checks it), and a frozen
//! [`Graph`] writes back to a file ([`to_toml`]) that reads to an equal graph.
//! Quantities are strings with units (`"20 ms"`, `"-50 mV"`, `"5 Hz"`), plain numbers
//! when dimensionless; populations, sources and projections are referred to by name.
//!
//! ```toml
//! [run]
//! duration = "1 s"          # required
//! dt = "0.1 ms"             # default 0.1 ms
//! seed = 42                 # default 0
//! workers = 2               # optional
//! window = "0.1 ms"         # optional; at most the minimum delay
//! [run.output]              # optional; `synfire run --out DIR` overrides `directory`
//! directory = "out/cuba"    # default out/<file name>, relative to the working directory
//! files = ["spikes", "report"]   # default all: spikes, report, raster, rates, weights, probes
//!
//! [[population]]            # populations and sources take global ids in file order
//! name = "E"
//! size = 3
//! model = "lif_cuba"        # lif_cuba, lif_coba, alif, izhikevich, lif_discrete,
//!                           # rate_linear, rate_sigmoid, rate_softplus, rate_affine (rate units: graded output)
//! tau_m = "20 ms"           # any parameter of the model; the others keep their defaults
//! v_th = { uniform = ["-51 mV", "-49 mV"] }   # a value may differ per neuron: uniform,
//! t_ref = { normal = ["5 ms", "1 ms"], clip = ["1 ms", "9 ms"] }  # normal, lognormal,
//! c_m = { array = [200.0, 210.0, 190.0], unit = "pF" }  # or one value each (also ["200 pF", ...])
//! [population.init]         # initial state; unset variables take the model's defaults
//! v = { uniform = ["-60 mV", "-50 mV"] }
//!
//! [[population]]
//! name = "I"
//! size = 1
//! model = "lif_cuba"
//!
//! [[population]]
//! name = "burst"
//! size = 1
//! model = "izhikevich"
//! a = 0.1                   # dimensionless parameters are plain numbers
//!
//! [[source]]
//! name = "noise"
//! size = 100
//! kind = "poisson"          # rate = "5 Hz", or schedule = [["0 ms", "5 Hz"], ["500 ms", "20 Hz"]]
//! rate = "5 Hz"             # rate_array: bin, rates, per_neuron; spike_times: times = [["1 ms"], []]
//!
//! [[projection]]
//! source = "E"
//! target = ["E", "I"]       # one projection per (source, target), source-major
//! p = 0.02                  # or in_degree, out_degree, total, all_to_all = true,
//!                           # one_to_one = true, pairs = [[0, 1]] (+ weights, delays per pair)
//! weight = "1.62 mV"        # a quantity or distribution; dimensionless in leak units;
//!                           # onto lif_discrete also { fluctuation_driven = { mu_u = 0.0,
//!                           # sigma_u = 1.0, nu = "20 Hz" } } (xi, alpha, epsilons: specs 3)
//! delay = "0.1 ms"          # default one time step
//! receptor = "exc"          # default "auto": from the weight's sign
//! autapses = true           # default true
//! multapses = false         # default false
//! # name = "EE"             # default "E->E" (a name must be unique: not with lists)
//! rule = { name = "stdp_pair", tau_plus = "20 ms", a_plus = 0.01 }
//!
//! [[current]]
//! name = "drive"
//! target = "E"
//! amplitude = "200 pA"      # or steps = [["0 ms", "100 pA"], ["50 ms", "0 pA"]]
//! neurons = { start = 0, end = 2 }
//! start = "100 ms"
//! stop = "200 ms"
//!
//! [[probe]]
//! kind = "spikes"           # spikes (populations), state (population, var, neurons,
//! populations = ["E"]       # interval), weights (projection, interval, max_synapses),
//! window = ["0 ms", "100 ms"]  # rate (population, bin); optional name and window
//!
//! [[modulator]]
//! name = "reward"           # a population = "E" makes it a per-neuron learning signal
//! initial = 0.0
//! schedule = [["200 ms", 1.0], ["400 ms", -1.0]]   # optional steps of a scalar modulator
//!
//! [[modulator]]
//! name = "activity"         # computed: offset + gain * (leaky average of E's rate in Hz,
//!                           # or of a rate population's mean output), `delay` later
//! activity = { population = "E", tau = "50 ms", gain = 0.1, offset = -1.0, delay = "1 ms" }
//! ```
//!
//! A scenario may run as trials instead ([`trials`]): `[trials]` replaces
//! `duration`, and the run writes its own files (no `[run.output] files`).
//!
//! ```toml
//! [run]
//! dt = "1 ms"
//!
//! [trials]
//! length = "50 ms"          # gap = "4 ms", start = "2 ms" by default
//! reset = ["in", "out"]     # returned to rest after each trial
//! train = 3                 # training trials; evaluation blocks of `evaluate` trials,
//! evaluate = 1              # learning off, before training, every `evaluate_every`
//! evaluate_every = 2        # training trials and after the last
//! [trials.input]            # optional: Poisson spikes into a spike_times source
//! source = "in"
//! kind = "poisson"
//! rate = "50 Hz"            # frozen = true (default): the same draw every trial
//! [trials.target]           # y* of a leaky_readout: kind = "sines" (periods = [...])
//! population = "out"        # or "steps"; frozen = true (default)
//! kind = "steps"
//! steps = [["0 ms", 0.0], ["20 ms", 1.0]]
//!
//! [[source]]
//! name = "in"
//! size = 2
//! kind = "spike_times"
//! times = [[], []]
//!
//! [[population]]
//! name = "out"
//! size = 1
//! model = "leaky_readout"
//!
//! [[projection]]
//! source = "in"
//! target = "out"
//! all_to_all = true
//! weight = 0.5
//!
//! [[probe]]                 # the loss reads y of the readout every tick
//! kind = "state"
//! population = "out"
//! var = "y"
//! neurons = [0]
//! interval = "1 ms"
//! ```
//!
//! Errors: text that is not TOML, or keys the schema does not have (except in a
//! population, whose other keys are model parameters checked by `freeze()`), give a
//! [`ScenarioError::Syntax`] with line and column; everything else gives
//! [`ScenarioError::Invalid`] with every problem and its path in the file
//! (`projection[0].p: probability 1.5 is outside [0, 1]`). Nothing here panics on input.

mod doc;
mod error;
mod escape;
mod init;
mod paths;
mod read;
pub mod trials;
mod values;
mod write;

pub use error::ScenarioError;
pub use write::to_toml;

use crate::error::{BuildError, Problem};
use crate::graph::Graph;
use crate::network::Network;
use crate::rule::RuleCatalog;
use crate::units::Time;
use paths::Origin;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How a scenario runs: what the network itself does not say.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    /// Model time to simulate.
    pub duration: Time,
    /// Worker threads; `None` leaves the choice to the runner.
    pub workers: Option<u32>,
    /// Synchronisation window; `None` for the minimum delay.
    pub window: Option<Time>,
    /// Files to write after the run.
    pub output: Option<OutputSettings>,
    /// The trial structure (`[trials]`), which then sets `duration`.
    pub trials: Option<trials::TrialPlan>,
}

impl RunSettings {
    /// Runs for `duration` with every other setting left to the runner.
    pub fn new(duration: Time) -> Self {
        RunSettings { duration, workers: None, window: None, output: None, trials: None }
    }
}

/// Where the results go and which files.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSettings {
    /// Directory, as written in the file; `None` leaves the choice to the runner.
    pub directory: Option<PathBuf>,
    /// Which outputs, in the order written in the file (every output when the file
    /// gives no list).
    pub files: Vec<OutputFile>,
}

/// A group of result files that `[run.output] files` selects (`synfire run` writes
/// them; `outputs.json` in the output directory describes each file it wrote).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFile {
    /// The spikes of every spike probe: `spikes.npy` and `spikes.csv`.
    Spikes,
    /// The run report `report.json`, and `timing.json` beside it.
    Report,
    /// A raster plot of the recorded spikes, `raster.svg`.
    Raster,
    /// Every rate probe as `.npy` and CSV, and the plot `rates.svg`.
    Rates,
    /// Every weight probe as `.npy` and CSV, and the weight plots of the plastic
    /// projections.
    Weights,
    /// Every state probe as `.npy` and CSV.
    Probes,
}

impl OutputFile {
    /// Every output, in the order of the documentation.
    pub const ALL: [OutputFile; 6] = [OutputFile::Spikes, OutputFile::Report, OutputFile::Raster, OutputFile::Rates, OutputFile::Weights, OutputFile::Probes];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            OutputFile::Spikes => "spikes",
            OutputFile::Report => "report",
            OutputFile::Raster => "raster",
            OutputFile::Rates => "rates",
            OutputFile::Weights => "weights",
            OutputFile::Probes => "probes",
        }
    }

    /// Parses a name used in files.
    pub fn from_name(name: &str) -> Option<OutputFile> {
        OutputFile::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A scenario read from a file: run settings and the network it describes.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// How to run.
    pub run: RunSettings,
    /// The network, not yet frozen; code may add to it before freezing.
    pub network: Network,
    origin: Origin,
}

impl Scenario {
    /// Reads scenario text. Every problem the text shows, including what `freeze()`
    /// finds in the parts that could be read, is reported at once.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let doc: doc::Doc = toml::from_str(text).map_err(|e| ScenarioError::toml(text, &e))?;
        let read = read::read(&doc);
        if read.problems.is_empty() {
            return Ok(Scenario { run: read.run, network: read.network, origin: read.origin });
        }
        let mut problems = read.problems;
        if let Err(e) = read.network.freeze() {
            problems.extend(e.problems().iter().map(|p| read.origin.problem(p.clone())));
        }
        Err(ScenarioError::Invalid(dedup(problems)))
    }

    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            ScenarioError::at(&text, valid, "the file is not UTF-8 text")
        })?;
        Self::parse(&text)
    }

    /// Freezes the network; problems name their place in the file.
    pub fn freeze(&self) -> Result<Graph, ScenarioError> {
        self.network.freeze().map_err(|e| self.invalid(&e)).and_then(|g| self.check_run(g))
    }

    /// Like [`Scenario::freeze`], checking plasticity rules against a catalogue.
    pub fn freeze_with(&self, rules: &dyn RuleCatalog) -> Result<Graph, ScenarioError> {
        self.network.freeze_with(rules).map_err(|e| self.invalid(&e)).and_then(|g| self.check_run(g))
    }

    /// `[run]` settings that only the frozen graph can judge: a window must be at least
    /// one tick and at most the minimum delay (the engine refuses it otherwise, and
    /// `check` should say so before a run does).
    fn check_run(&self, graph: Graph) -> Result<Graph, ScenarioError> {
        let Some(w) = self.run.window else { return Ok(graph) };
        let ticks = w.to_ticks(graph.dt);
        let problem =
            |message: String| ScenarioError::Invalid(vec![Problem { kind: crate::error::ProblemKind::Malformed, path: "run.window".into(), message }]);
        match graph.min_delay() {
            _ if ticks == 0 => Err(problem(format!("{w} is shorter than one tick of {}", graph.dt))),
            Some(d) if ticks > u64::from(d) => Err(problem(format!(
                "{w} ({ticks} ticks) exceeds the minimum delay of {d} tick{} ({}): a window may be at most that long",
                if d == 1 { "" } else { "s" },
                Time(f64::from(d) * graph.dt.0)
            ))),
            _ => Ok(graph),
        }
    }

    /// `freeze()`'s problems in the file's terms: `projections[2].connector.p`
    /// becomes `projection[1].p`.
    pub fn in_file(&self, problem: &Problem) -> Problem {
        self.origin.problem(problem.clone())
    }

    fn invalid(&self, e: &BuildError) -> ScenarioError {
        ScenarioError::Invalid(dedup(e.problems().iter().map(|p| self.in_file(p)).collect()))
    }
}

/// Drops repeats: one `[[projection]]` expanded into several reports the same
/// problem once.
fn dedup(mut problems: Vec<Problem>) -> Vec<Problem> {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.path.clone(), p.message.clone())));
    problems
}
