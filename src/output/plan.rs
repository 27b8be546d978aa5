//! Which files a run writes, decided before it simulates: the groups chosen by
//! `[run.output] files` (all by default), a file stem for every probe, and no two
//! outputs that would write the same file.

use synfire_graphs::scenario::OutputFile;
use synfire_graphs::{Graph, ProbeKind};

/// Why the outputs of a run cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// Two outputs would write one file (probe names that differ only in characters
    /// a file name cannot hold, or a probe named like a fixed output).
    #[error("{first} and {second} would both write `{file}`; rename a probe")]
    Clash {
        /// The file.
        file: String,
        /// The first output that writes it.
        first: String,
        /// The second.
        second: String,
    },
}

/// The files of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    groups: Vec<OutputFile>,
    /// Per graph probe: the stem of its files, `None` for a spike probe (its spikes
    /// go to `spikes.npy`) or a probe whose group is not written.
    stems: Vec<Option<String>>,
    /// Every file, in the order written.
    files: Vec<String>,
}

impl Plan {
    /// The files of a run of `graph` that writes the groups `groups`.
    pub fn new(graph: &Graph, groups: &[OutputFile]) -> Result<Plan, OutputError> {
        let wants = |g: OutputFile| groups.contains(&g);
        let mut files: Vec<(String, String)> = Vec::new();
        let mut fixed = |names: &[&str], by: &str| files.extend(names.iter().map(|n| (n.to_string(), by.to_string())));
        if wants(OutputFile::Spikes) {
            fixed(&["spikes.npy", "spikes.csv"], "the spike files");
        }
        if wants(OutputFile::Raster) {
            fixed(&["raster.svg"], "the raster plot");
        }
        if wants(OutputFile::Rates) {
            fixed(&["rates.svg"], "the rate plot");
        }
        if wants(OutputFile::Weights) && graph.projections.iter().any(|p| p.conn.rule.is_some()) {
            fixed(&["weights.svg", "weight_evolution.svg"], "the weight plots");
        }
        let mut stems = Vec::with_capacity(graph.probes.len());
        for def in &graph.probes {
            let (group, suffixes): (OutputFile, &[&str]) = match def.kind {
                ProbeKind::Spikes { .. } => (OutputFile::Spikes, &[]),
                ProbeKind::State { .. } => (OutputFile::Probes, &[".npy", "_ticks.npy", ".csv", ".svg"]),
                ProbeKind::Weights { .. } => (OutputFile::Weights, &[".npy", "_synapses.npy", "_ticks.npy", ".csv"]),
                ProbeKind::Rate { .. } => (OutputFile::Rates, &[".npy", "_neurons.npy", ".csv"]),
            };
            let stem = (!suffixes.is_empty() && wants(group)).then(|| stem(&def.name));
            if let Some(s) = &stem {
                files.extend(suffixes.iter().map(|x| (format!("{s}{x}"), format!("probe `{}`", def.name))));
            }
            stems.push(stem);
        }
        if wants(OutputFile::Report) {
            files.push(("report.json".into(), "the report".into()));
            files.push(("timing.json".into(), "the timing".into()));
        }
        files.push(("outputs.json".into(), "the list of outputs".into()));
        for (k, (file, by)) in files.iter().enumerate() {
            if let Some((_, first)) = files[..k].iter().find(|(f, _)| f == file) {
                return Err(OutputError::Clash { file: file.clone(), first: first.clone(), second: by.clone() });
            }
        }
        let mut groups = groups.to_vec();
        groups.sort();
        groups.dedup();
        Ok(Plan { groups, stems, files: files.into_iter().map(|f| f.0).collect() })
    }

    /// Whether group `g` is written.
    pub fn wants(&self, g: OutputFile) -> bool {
        self.groups.contains(&g)
    }

    /// The stem of probe `index`'s files, when they are written.
    pub fn stem(&self, index: usize) -> Option<&str> {
        self.stems.get(index).and_then(|s| s.as_deref())
    }

    /// Every file the run writes, in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }
}

/// A probe name as a file stem: letters, digits, `.`, `_` and `-` kept, every other
/// character (and a leading `.`) replaced by `_`.
pub fn stem(name: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    if s.is_empty() || s.starts_with('.') {
        s.replace_range(..s.chars().next().map_or(0, char::len_utf8), "_");
        if s.is_empty() {
            s.push('_');
        }
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use synfire_graphs::prelude::*;

    fn graph(names: &[&str]) -> Graph {
        let mut net = Network::new();
        let e = net.population("E", 4, Lif::cuba());
        let s = net.record_spikes([e]);
        net.probe_name(s, "all");
        for n in names {
            let r = net.record_rate(e, 1.0.ms());
            net.probe_name(r, n);
        }
        net.freeze().unwrap()
    }

    #[test]
    fn stems_keep_safe_characters() {
        assert_eq!(stem("rate:E"), "rate_E");
        assert_eq!(stem("state:E.v"), "state_E.v");
        assert_eq!(stem("../x"), "_._x");
        assert_eq!(stem("E->E é"), "E-_E__");
    }

    #[test]
    fn plans_list_every_file_and_refuse_clashes() {
        let plan = Plan::new(&graph(&["rate:E"]), &OutputFile::ALL).unwrap();
        let want = [
            "spikes.npy",
            "spikes.csv",
            "raster.svg",
            "rates.svg",
            "rate_E.npy",
            "rate_E_neurons.npy",
            "rate_E.csv",
            "report.json",
            "timing.json",
            "outputs.json",
        ];
        assert_eq!(plan.files(), want);
        assert_eq!((plan.stem(0), plan.stem(1)), (None, Some("rate_E")));
        let only = Plan::new(&graph(&["rate:E"]), &[OutputFile::Report]).unwrap();
        assert_eq!(only.files(), ["report.json", "timing.json", "outputs.json"]);
        assert_eq!(only.stem(1), None);

        let err = Plan::new(&graph(&["a:b", "a/b"]), &OutputFile::ALL).unwrap_err();
        assert_eq!(err.to_string(), "probe `a:b` and probe `a/b` would both write `a_b.npy`; rename a probe");
        let err = Plan::new(&graph(&["spikes"]), &OutputFile::ALL).unwrap_err();
        assert_eq!(err.to_string(), "the spike files and probe `spikes` would both write `spikes.npy`; rename a probe");
        // Without the spike files, a rate probe may be called `spikes`.
        assert!(Plan::new(&graph(&["spikes"]), &[OutputFile::Rates]).is_ok());
    }
}
