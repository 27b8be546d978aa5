//! Run settings, neuron populations and spike sources.

use super::{Reader, unused};
use crate::error::ProblemKind as K;
use crate::model::{ModelKind, NeuronSpec};
use crate::network::{PopKind, PopulationDef};
use crate::scenario::doc::{OutputDoc, PopDoc, RunDoc, SourceDoc, SourceKindDoc};
use crate::scenario::values;
use crate::scenario::{OutputFile, OutputSettings, RunSettings};
use crate::stimulus::SourceSpec;
use crate::units::{Rate, Time, Unit};
use toml::Value as Toml;

impl Reader {
    pub(super) fn run(&mut self, d: &RunDoc) -> RunSettings {
        let duration = d.duration.as_deref().and_then(|s| self.duration("run.duration", s)).unwrap_or(Time(0.0));
        if let Some(dt) = d.dt.as_deref().and_then(|s| self.time("run.dt", s)) {
            self.net.set_dt(dt);
        }
        match &d.seed {
            None => {}
            Some(Toml::Integer(i)) if *i >= 0 => self.net.set_seed(*i as u64),
            Some(Toml::String(s)) if s.trim().parse::<u64>().is_ok() => self.net.set_seed(s.trim().parse::<u64>().unwrap_or(0)),
            Some(other) => self.err(K::Malformed, "run.seed", format!("{other} is not a seed (an integer from 0 to 2^64 - 1)")),
        }
        if d.workers == Some(0) {
            self.err(K::NotPositive, "run.workers", "0 workers cannot run a network");
        }
        let window = d.window.as_deref().and_then(|s| self.duration("run.window", s));
        let output = d.output.as_ref().map(|o| self.output(o));
        RunSettings { duration, workers: d.workers, window, output, trials: None }
    }

    /// `[run.output]`: every name in `files` must be an output (`run.output.files[2]`).
    fn output(&mut self, d: &OutputDoc) -> OutputSettings {
        if d.directory.as_deref().is_some_and(|s| s.trim().is_empty()) {
            self.err(K::Malformed, "run.output.directory", "an empty directory name");
        }
        let files = match &d.files {
            None => OutputFile::ALL.to_vec(),
            Some(names) => names
                .iter()
                .enumerate()
                .filter_map(|(k, name)| {
                    let found = OutputFile::from_name(name);
                    if found.is_none() {
                        let known: Vec<&str> = OutputFile::ALL.iter().map(|f| f.name()).collect();
                        self.err(K::Malformed, format!("run.output.files[{k}]"), format!("no output is called `{name}` (outputs: {})", known.join(", ")));
                    }
                    found
                })
                .collect(),
        };
        OutputSettings { directory: d.directory.as_ref().map(Into::into), files }
    }

    /// Populations and sources in file order: that order gives the global ids.
    pub(super) fn populations(&mut self, pops: &[toml::Spanned<PopDoc>], sources: &[toml::Spanned<SourceDoc>]) {
        enum Item<'a> {
            Pop(&'a PopDoc),
            Src(&'a SourceDoc),
        }
        let mut items: Vec<(usize, &'static str, usize, Item)> =
            pops.iter().enumerate().map(|(j, s)| (s.span().start, "population", j, Item::Pop(s.get_ref()))).collect();
        items.extend(sources.iter().enumerate().map(|(j, s)| (s.span().start, "source", j, Item::Src(s.get_ref()))));
        items.sort_by_key(|item| item.0);
        for (_, section, j, item) in items {
            let path = format!("{section}[{j}]");
            let (name, size, kind) = match item {
                Item::Pop(d) => (&d.name, d.size, self.neurons(&path, d).map(PopKind::Neurons)),
                Item::Src(d) => (&d.name, d.size, self.source(&path, d).map(PopKind::Source)),
            };
            // Checked here as well as in freeze(), which multiplies sizes.
            let kind = if size > u64::from(u32::MAX) {
                self.err(K::IndexOutOfRange, format!("{path}.size"), format!("{size} neurons exceed the 2^32 - 1 a population may hold"));
                None
            } else {
                kind
            };
            let index = kind.map(|kind| {
                self.net.populations.push(PopulationDef { name: name.clone(), size, kind });
                self.origin.pops.push((section, j));
                self.net.populations.len() - 1
            });
            self.names.entry(name.clone()).or_insert(index);
        }
    }

    fn neurons(&mut self, path: &str, d: &PopDoc) -> Option<NeuronSpec> {
        let Some(kind) = ModelKind::from_name(&d.model) else {
            let models: Vec<&str> = ModelKind::ALL.iter().map(|m| m.name()).collect();
            self.err(K::Malformed, format!("{path}.model"), format!("no model is called `{}` (models: {})", d.model, models.join(", ")));
            return None;
        };
        let mut spec = NeuronSpec::new(kind);
        for (name, v) in &d.params {
            if name == "escape_noise" {
                match crate::scenario::escape::read(v) {
                    Ok(noise) => spec.escape_noise = noise,
                    Err((below, values::Bad(kind, message))) => self.err(kind, format!("{path}.escape_noise{below}"), message),
                }
                continue;
            }
            // Unknown parameters are read in the unit they name; freeze() reports them.
            let unit = kind.param(name).map(|p| p.unit);
            if let Some(value) = self.ok(&format!("{path}.{name}"), values::value(v, unit)) {
                spec.params.insert(name.clone(), value);
            }
        }
        for (name, v) in &d.init {
            let unit = kind.state_var(name).map(|s| s.unit);
            if let Some(value) = self.ok(&format!("{path}.init.{name}"), values::value(v, unit)) {
                spec.init.insert(name.clone(), value);
            }
        }
        Some(spec)
    }

    fn source(&mut self, path: &str, d: &SourceDoc) -> Option<SourceSpec> {
        let before = self.problems.len();
        let given = [
            ("rate", d.rate.is_some()),
            ("schedule", d.schedule.is_some()),
            ("bin", d.bin.is_some()),
            ("rates", d.rates.is_some()),
            ("per_neuron", d.per_neuron.is_some()),
            ("times", d.times.is_some()),
        ];
        let (allowed, what): (&[&str], &str) = match d.kind {
            SourceKindDoc::Poisson => (&["rate", "schedule"], "a poisson source"),
            SourceKindDoc::RateArray => (&["bin", "rates", "per_neuron"], "a rate_array source"),
            SourceKindDoc::SpikeTimes => (&["times"], "a spike_times source"),
        };
        self.report_unused(path, what, unused(&given, allowed));
        let spec = match d.kind {
            SourceKindDoc::Poisson => match (&d.rate, &d.schedule) {
                (Some(rate), None) => self.ok(&format!("{path}.rate"), values::in_unit(rate, Unit::Hz)).map(|r| SourceSpec::poisson(Rate(r))),
                (None, Some(steps)) => {
                    let mut schedule = Vec::with_capacity(steps.len());
                    for (k, (t, r)) in steps.iter().enumerate() {
                        let t = self.time(&format!("{path}.schedule[{k}].time"), t);
                        let r = self.ok(&format!("{path}.schedule[{k}].rate"), values::in_unit(r, Unit::Hz));
                        schedule.extend(t.zip(r).map(|(t, r)| (t, Rate(r))));
                    }
                    Some(SourceSpec::Poisson { schedule })
                }
                _ => {
                    self.err(K::Malformed, path.to_string(), "a poisson source takes either `rate` or `schedule`");
                    None
                }
            },
            SourceKindDoc::RateArray => {
                let bin = self.required(path, "bin", &d.bin).and_then(|s| self.time(&format!("{path}.bin"), s));
                let rates = self.required(path, "rates", &d.rates).and_then(|v| self.ok(&format!("{path}.rates"), values::list(v, Some(Unit::Hz))));
                bin.zip(rates).map(|(bin, (_, rates))| SourceSpec::RateArray { bin, rates, per_neuron: d.per_neuron.unwrap_or(false) })
            }
            SourceKindDoc::SpikeTimes => self.required(path, "times", &d.times).map(|lists| {
                let times = lists.iter().enumerate().filter_map(|(i, v)| self.ok(&format!("{path}.times[{i}]"), values::list(v, Some(Unit::Ms))));
                SourceSpec::SpikeTimes { times: times.map(|(_, ts)| ts.into_iter().map(Time).collect()).collect() }
            }),
        };
        spec.filter(|_| self.problems.len() == before)
    }
}
