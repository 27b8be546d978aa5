//! From the document to a [`Network`]: names resolved, units read, every problem
//! collected with its path in the file.
//!
//! Items that cannot be built (an unknown model, an unknown population name) are
//! left out and reported; items that refer to them are left out silently, so one
//! mistake is reported once.

mod items;
mod links;
mod projections;
mod trials;

use super::RunSettings;
use super::doc::Doc;
use super::paths::Origin;
use super::values::{self, Bad};
use crate::error::{Problem, ProblemKind as K};
use crate::ids::PopId;
use crate::network::Network;
use crate::units::{Time, Unit};
use std::collections::HashMap;

/// What reading a document gives: the network, where its items came from, and
/// every problem found on the way.
#[derive(Debug)]
pub(crate) struct Read {
    pub run: RunSettings,
    pub network: Network,
    pub origin: Origin,
    pub problems: Vec<Problem>,
}

struct Reader {
    net: Network,
    origin: Origin,
    problems: Vec<Problem>,
    /// Population names to network indices; `None` for a population that could not
    /// be built (its problem is already reported).
    names: HashMap<String, Option<usize>>,
}

/// Reads a document into a network.
pub(crate) fn read(doc: &Doc) -> Read {
    let mut r = Reader { net: Network::new(), origin: Origin::default(), problems: Vec::new(), names: HashMap::new() };
    let run = r.run(&doc.run);
    r.populations(&doc.population, &doc.source);
    for (j, d) in doc.projection.iter().enumerate() {
        r.projection(j, d);
    }
    for (j, d) in doc.current.iter().enumerate() {
        r.current(j, d);
    }
    let proj_names = projection_names(&r.net);
    for (j, d) in doc.probe.iter().enumerate() {
        r.probe(j, d, &proj_names);
    }
    for (j, d) in doc.modulator.iter().enumerate() {
        r.modulator(j, d);
    }
    let mut run = run;
    match (&doc.trials, &doc.run.duration) {
        (Some(t), given) => {
            if given.is_some() {
                r.err(K::Malformed, "run.duration", "a scenario with [trials] lasts as long as its trials: leave `duration` out");
            }
            if doc.run.output.as_ref().is_some_and(|o| o.files.is_some()) {
                r.err(K::Malformed, "run.output.files", "a scenario with [trials] writes its report, learning curve and trial table: leave `files` out");
            }
            run.trials = r.trials(t);
            run.duration = run.trials.as_ref().map_or(Time(0.0), |p| p.duration());
        }
        (None, None) => r.err(K::Malformed, "run.duration", "`duration` is required (or a [trials] section)"),
        (None, Some(_)) => {}
    }
    Read { run, network: r.net, origin: r.origin, problems: r.problems }
}

/// The names `freeze()` gives the projections: the given name, or `SRC->DST` with
/// `#2`, `#3`... for repeats. Probes refer to projections by these names.
pub(crate) fn projection_names(net: &Network) -> Vec<String> {
    let pop_name = |p: PopId| net.populations.get(p.index()).map_or("", |d| d.name.as_str());
    let mut names: Vec<String> = Vec::with_capacity(net.projections.len());
    for d in &net.projections {
        let base = d.conn.name.clone().unwrap_or_else(|| format!("{}->{}", pop_name(d.source), pop_name(d.target)));
        let name = if d.conn.name.is_none() && names.contains(&base) {
            (2..).map(|k| format!("{base}#{k}")).find(|n| !names.contains(n)).unwrap_or(base)
        } else {
            base
        };
        names.push(name);
    }
    names
}

/// The keys of an item that do not apply to its kind.
fn unused<'a>(given: &[(&'a str, bool)], allowed: &[&str]) -> Vec<&'a str> {
    given.iter().filter(|(k, present)| *present && !allowed.contains(k)).map(|(k, _)| *k).collect()
}

impl Reader {
    fn err(&mut self, kind: K, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { kind, path: path.into(), message: message.into() });
    }

    /// The value, or `None` with the problem recorded at `path`.
    fn ok<T>(&mut self, path: &str, r: Result<T, Bad>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(Bad(kind, message)) => {
                self.err(kind, path, message);
                None
            }
        }
    }

    fn time(&mut self, path: &str, s: &str) -> Option<Time> {
        self.ok(path, values::in_unit(s, Unit::Ms)).map(Time)
    }

    /// A time that must be positive and finite.
    fn duration(&mut self, path: &str, s: &str) -> Option<Time> {
        let t = self.time(path, s)?;
        if t.0 > 0.0 && t.0.is_finite() {
            Some(t)
        } else {
            self.err(K::NotPositive, path, format!("{t} is not a positive duration"));
            None
        }
    }

    fn required<'a, T>(&mut self, path: &str, key: &str, v: &'a Option<T>) -> Option<&'a T> {
        if v.is_none() {
            self.err(K::Malformed, format!("{path}.{key}"), format!("`{key}` is required here"));
        }
        v.as_ref()
    }

    fn report_unused(&mut self, path: &str, what: &str, keys: Vec<&str>) {
        for k in keys {
            self.err(K::Malformed, format!("{path}.{k}"), format!("`{k}` does not apply to {what}"));
        }
    }

    fn pop(&self, index: usize) -> PopId {
        PopId { net: self.net.net, index: index as u32 }
    }

    /// The network index of population `name`: `None` and a problem when no
    /// population has that name, `None` alone when it could not be built.
    fn resolve(&mut self, path: &str, name: &str) -> Option<usize> {
        match self.names.get(name) {
            Some(found) => *found,
            None => {
                self.err(K::Malformed, path, format!("no population or source is called `{name}`"));
                None
            }
        }
    }
}
