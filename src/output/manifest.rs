//! `outputs.json`: the one place that names every file of a run's output directory,
//! with its probe, dtype, shape, variables and units.
//!
//! `synfire run` always writes it, beside the files chosen by `[run.output] files`
//! (or all of them). Like every output but `timing.json` it is a pure function of the
//! scenario and its seed: no paths, no dates, no worker count.
//!
//! ```json
//! {
//!   "format": "synfire-outputs",
//!   "version": 1,
//!   "scenario": "cuba_probes",
//!   "seed": 42,
//!   "dt_ms": 0.1,
//!   "ticks": 10000,
//!   "populations": [{ "name": "E", "size": 80, "first_id": 0, "model": "lif_cuba" }, ...],
//!   "files": [
//!     { "file": "v_E.npy", "format": "npy", "kind": "state", "what": "...",
//!       "probe": "v_E", "population": "E", "variable": "v", "unit": "mV",
//!       "dtype": "<f4", "shape": [1000, 4], "axes": ["sample", "neuron"],
//!       "neurons": [0, 1, 2, 3], "ticks_file": "v_E_ticks.npy" },
//!     ...
//!   ]
//! }
//! ```
//!
//! Top level: `dt_ms` is the time step (every time in the directory is an integer
//! tick; `t_ms = tick * dt_ms`), `ticks` the ticks simulated, `populations` the
//! graph's populations in order (`pop` in `spikes.npy` indexes it; global ids of a
//! population run from `first_id` to `first_id + size - 1`; `model` is absent for
//! spike sources).
//!
//! Each entry of `files` has `file`, `format` (`npy`, `csv`, `json`, `svg`), `kind`
//! and a sentence `what`; the other keys appear where they apply:
//!
//! | key | meaning |
//! | --- | --- |
//! | `probe`, `probes` | the probe (or, for spike files, probes) the data comes from |
//! | `population`, `projection`, `variable`, `unit` | what the values are; units are the symbols of scenario files (`mV`, `ms`, `Hz`), `1` for dimensionless |
//! | `dtype`, `shape`, `axes` | of an `.npy` file: numpy's type string (`<f4` float32, `<u4` uint32, `<u8` uint64, `<f8` float64; `structured` with `fields`), the shape, and what each axis counts |
//! | `fields` | the fields of a structured `.npy`, or the columns of a CSV file: `name`, `dtype`, `unit`, `what` |
//! | `rows` | data rows of a CSV file (after its header line) |
//! | `neurons` | neuron indices (within `population`) of the columns of a state probe |
//! | `ticks_file`, `synapses_file` | the files that hold the sample ticks (rows) and the synapses (columns) |
//! | `start_tick`, `bin_ticks` | of a rate probe: the first bin starts at `start_tick`, each bin is `bin_ticks` long |
//!
//! The kinds: `spikes` (`spikes.npy`, `spikes.csv`); `state` (`<probe>.npy`, float32
//! `[samples, neurons]`, `<probe>.csv` with header `t_ms,<var>[<index>]...`, and the
//! plot `<probe>.svg`);
//! `weights` (`<probe>.npy`, float32 `[samples, synapses]` in the target model's
//! weight unit, `<probe>_synapses.npy`, uint32 `[synapses, 2]` of (source, target)
//! neuron indices, and `<probe>.csv` with header `t_ms,<var>[<source>-><target>]...`,
//! `<var>` being `w` or the rule's per-synapse variable the probe names, `w_cons`);
//! `ticks` (`<probe>_ticks.npy`, uint64 `[samples]`, the tick of each sample);
//! `rate` (`<probe>.npy`, float64 `[bins]` in Hz; `<probe>_neurons.npy`, float64
//! `[neurons]`, each neuron's rate over the bins; and `<probe>.csv`, `t_ms,rate`
//! with the start of each bin); `report` (`report.json`), `timing` (`timing.json`,
//! the only listed file that depends on the machine and the worker count), `plot`
//! (`.svg`) and `manifest` (this file). `checkpoint.synfire`, written with
//! `--checkpoint-every`, is not listed: it is written in place (so that it survives a
//! crash), not staged, and holds the run plan with its worker count and wall time. `<probe>` is the probe's name with every character
//! other than letters, digits, `.`, `_` and `-` replaced by `_`.

use serde::Serialize;
use std::path::Path;
use synfire_graphs::{Graph, Unit};

/// The contents of `outputs.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// Always `synfire-outputs`.
    pub format: &'static str,
    /// Version of this format.
    pub version: u32,
    /// Built-in network name or scenario file stem.
    pub scenario: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Time step in ms.
    pub dt_ms: f64,
    /// Ticks simulated.
    pub ticks: u64,
    /// The graph's populations, in order.
    pub populations: Vec<Population>,
    /// Every file of the run, in the order written.
    pub files: Vec<Entry>,
}

/// A population in `outputs.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Population {
    /// Name.
    pub name: String,
    /// Neurons.
    pub size: u64,
    /// Global id of neuron 0.
    pub first_id: u64,
    /// Neuron model; `None` for a spike source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'static str>,
}

/// A column of a CSV file or a field of a structured `.npy` array.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Name (`v[<index>]` stands for one column per neuron).
    pub name: String,
    /// numpy type string of a `.npy` field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtype: Option<&'static str>,
    /// Unit symbol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// A sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
}

impl Column {
    /// A field of a structured array.
    pub fn new(name: &str, dtype: &'static str) -> Column {
        Column { name: name.to_string(), dtype: Some(dtype), unit: None, what: None }
    }

    /// A column of a CSV file.
    pub fn text(name: &str) -> Column {
        Column { name: name.to_string(), dtype: None, unit: None, what: None }
    }

    /// With a unit.
    pub fn unit(mut self, unit: &str) -> Column {
        self.unit = Some(unit.to_string());
        self
    }

    /// With a sentence.
    pub fn about(mut self, what: impl Into<String>) -> Column {
        self.what = Some(what.into());
        self
    }
}

/// One file in `outputs.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Entry {
    pub file: String,
    pub format: &'static str,
    pub kind: &'static str,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtype: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub axes: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<Column>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neurons: Option<Vec<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticks_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synapses_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_tick: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin_ticks: Option<u64>,
}

impl Entry {
    /// A file of `format` and `kind`, described by `what`.
    pub fn new(file: &str, format: &'static str, kind: &'static str, what: impl Into<String>) -> Entry {
        Entry { file: file.to_string(), format, kind, what: what.into(), ..Entry::default() }
    }

    /// An `.npy` array.
    pub fn npy(file: &str, kind: &'static str, what: impl Into<String>) -> Entry {
        Entry::new(file, "npy", kind, what)
    }

    /// A CSV table.
    pub fn csv(file: &str, kind: &'static str, what: impl Into<String>) -> Entry {
        Entry::new(file, "csv", kind, what)
    }

    /// From the probes named.
    pub fn probes(mut self, probes: &[String]) -> Entry {
        self.probes = Some(probes.to_vec());
        self
    }

    /// From one probe.
    pub fn probe(mut self, probe: &str) -> Entry {
        self.probe = Some(probe.to_string());
        self
    }

    /// Of numpy type `dtype`.
    pub fn dtype(mut self, dtype: &'static str) -> Entry {
        self.dtype = Some(dtype);
        self
    }

    /// Of shape `shape`.
    pub fn shape(mut self, shape: &[u64]) -> Entry {
        self.shape = Some(shape.to_vec());
        self
    }

    /// What each axis counts.
    pub fn axes(mut self, axes: &[&'static str]) -> Entry {
        self.axes = Some(axes.to_vec());
        self
    }

    /// Fields or columns.
    pub fn fields(mut self, fields: Vec<Column>) -> Entry {
        self.fields = Some(fields);
        self
    }

    /// Data rows of a CSV file.
    pub fn rows(mut self, rows: u64) -> Entry {
        self.rows = Some(rows);
        self
    }

    /// Values of a variable in a unit.
    pub fn values(mut self, variable: &str, unit: Unit) -> Entry {
        self.variable = Some(variable.to_string());
        self.unit = Some(unit_name(unit).to_string());
        self
    }
}

/// The symbol of `unit` in `outputs.json`: as in scenario files, `1` for a pure number.
pub fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::One => "1",
        u => u.symbol(),
    }
}

impl Manifest {
    /// An empty manifest of a run of `graph` that simulated `ticks`.
    pub fn new(scenario: &str, graph: &Graph, ticks: u64) -> Manifest {
        let populations = graph
            .populations
            .iter()
            .enumerate()
            .map(|(p, def)| Population {
                name: def.name.clone(),
                size: def.size,
                first_id: graph.gid_range(p).start,
                model: graph.model_kind(p).map(|m| m.name()),
            })
            .collect();
        Manifest {
            format: "synfire-outputs",
            version: 1,
            scenario: scenario.to_string(),
            seed: graph.seed,
            dt_ms: graph.dt.0,
            ticks,
            populations,
            files: Vec::new(),
        }
    }

    /// Writes the manifest as pretty-printed JSON.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        super::write_json(path, self)
    }
}
