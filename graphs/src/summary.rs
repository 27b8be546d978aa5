//! `graph.summary()`: a readable table of the network.
//!
//! Everything here is computed from the graph alone, without instantiating a
//! synapse: counts are exact for deterministic connectors and expected values
//! (marked `~`) for probabilistic ones, and the memory figure is an estimate of the
//! engine's hot arrays.

use crate::connector::Connector;
use crate::dist::{Dist, Value};
use crate::estimate::format_bytes;
use crate::graph::{DelayTicks, Graph};
use crate::network::{ModulatorKind, PopKind};
use crate::probe::ProbeKind;
use crate::stimulus::{CurrentShape, SourceSpec};
use crate::units::Unit;
use crate::validate::{connector_name, expected_synapses};
use std::fmt::Write;

impl Graph {
    /// A text table of the populations, projections, stimuli, probes and modulators,
    /// with expected synapse counts and an estimate of the memory a run holds.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let synapses: f64 = (0..self.projections.len()).map(|i| self.expected_synapses(i).0).sum();
        let exact = (0..self.projections.len()).all(|i| self.expected_synapses(i).1);
        let _ = writeln!(
            out,
            "network: {} neurons in {} populations, {} projections with {}{} synapses, dt {}, seed {}",
            self.num_neurons(),
            self.populations.len(),
            self.projections.len(),
            if exact { "" } else { "~" },
            count(synapses),
            self.dt,
            self.seed
        );
        self.populations_table(&mut out);
        self.projections_table(&mut out);
        self.stimuli_table(&mut out);
        self.probes_table(&mut out);
        self.modulators_table(&mut out);
        self.memory_table(&mut out);
        if self.warnings.is_empty() {
            out.push_str("\nwarnings: none\n");
        } else {
            out.push_str("\nwarnings\n");
            for w in &self.warnings {
                let _ = writeln!(out, "  {w}");
            }
        }
        out
    }

    /// The number of synapses of projection `i` (expected for random counts) and
    /// whether it is exact.
    pub fn expected_synapses(&self, i: usize) -> (f64, bool) {
        let p = &self.projections[i];
        let (ns, nt) = (self.populations[p.source].size, self.populations[p.target].size);
        (expected_synapses(&p.conn, ns, nt, p.source == p.target), !matches!(p.conn.connector, Connector::Prob(_)))
    }

    fn populations_table(&self, out: &mut String) {
        let mut t = Table::new(&["#", "name", "size", "model", "parameters"], &[2]);
        for (i, p) in self.populations.iter().enumerate() {
            let (model, params) = match &p.kind {
                PopKind::Neurons(m) => {
                    let mut params: Vec<String> = m.kind.params().iter().filter_map(|d| Some(format!("{} {}", d.name, describe(&m.param(d.name)?)))).collect();
                    let init: Vec<String> = m.init.iter().map(|(k, v)| format!("{k} {}", describe(v))).collect();
                    if !init.is_empty() {
                        params.push(format!("init {}", init.join(", ")));
                    }
                    if !m.escape_noise.is_step() {
                        let noise: Vec<String> = m.escape_noise.params().iter().map(|(k, x)| format!("{k} {x}")).collect();
                        params.push(format!("escape noise {} ({})", m.escape_noise.name(), noise.join(", ")));
                    }
                    (m.kind.name().to_string(), params.join(", "))
                }
                PopKind::Source(s) => (s.kind_name().to_string(), source_params(s)),
            };
            t.row(vec![i.to_string(), p.name.clone(), p.size.to_string(), model, params]);
        }
        out.push_str("\npopulations\n");
        t.render(out);
    }

    fn projections_table(&self, out: &mut String) {
        if self.projections.is_empty() {
            out.push_str("\nprojections: none\n");
            return;
        }
        let header = ["#", "name", "source", "target", "connector", "synapses", "in/target", "out/source", "weight", "delay", "receptor", "rule"];
        let mut t = Table::new(&header, &[5, 6, 7]);
        for (i, p) in self.projections.iter().enumerate() {
            let (n, exact) = self.expected_synapses(i);
            let approx = if exact { "" } else { "~" };
            let (ns, nt) = (self.populations[p.source].size as f64, self.populations[p.target].size as f64);
            let weight = match &p.conn.connector {
                Connector::List { weights: Some(w), .. } => describe(&Value { unit: p.conn.weight.unit, dist: Dist::Array(w.clone()) }),
                _ => describe(&p.conn.weight),
            };
            let delay = match p.delay {
                DelayTicks::Const(d) => format!("{} ms", num(f64::from(d) * self.dt.0)),
                DelayTicks::PerSynapse { min, max } => {
                    let drawn = match (&p.conn.connector, &p.conn.delay.dist) {
                        (Connector::List { delays: Some(_), .. }, _) | (_, Dist::Array(_)) => "given",
                        (_, Dist::Uniform { .. }) => "uniform",
                        (_, Dist::Normal { .. }) => "normal",
                        (_, Dist::LogNormal { .. }) => "lognormal",
                        (_, Dist::Const(_)) => "constant",
                    };
                    format!("{}..{} ms {drawn}", num(f64::from(min) * self.dt.0), num(f64::from(max) * self.dt.0))
                }
            };
            let receptor = match &p.conn.signal {
                Some(sig) => sig.as_str(),
                None => self.model_kind(p.target).and_then(|m| m.receptors().get(p.receptor)).copied().unwrap_or("?"),
            };
            t.row(vec![
                i.to_string(),
                p.name.clone(),
                self.populations[p.source].name.clone(),
                self.populations[p.target].name.clone(),
                connector_name(&p.conn.connector),
                format!("{approx}{}", count(n)),
                format!("{approx}{}", num(n / nt)),
                format!("{approx}{}", num(n / ns)),
                weight,
                delay,
                receptor.to_string(),
                p.conn.rule.as_ref().map_or_else(|| "-".to_string(), |r| r.name.clone()),
            ]);
        }
        out.push_str("\nprojections\n");
        t.render(out);
    }

    fn stimuli_table(&self, out: &mut String) {
        if self.currents.is_empty() {
            out.push_str("\nstimuli: none\n");
            return;
        }
        let mut t = Table::new(&["#", "name", "target", "neurons", "current", "active"], &[]);
        for (i, c) in self.currents.iter().enumerate() {
            let current = match &c.shape {
                CurrentShape::Dc { amplitude } => format!("dc {}", describe(amplitude)),
                CurrentShape::Steps { times, .. } => format!("{} steps ({})", times.len(), c.unit.symbol()),
            };
            let neurons = c.neurons.as_ref().map_or_else(|| "all".to_string(), |r| format!("{}..{}", r.start, r.end));
            let stop = c.stop.map_or_else(|| "end".to_string(), |s| s.to_string());
            t.row(vec![i.to_string(), c.name.clone(), self.pop_name(c.target), neurons, current, format!("{} .. {stop}", c.start)]);
        }
        out.push_str("\nstimuli\n");
        t.render(out);
    }

    fn probes_table(&self, out: &mut String) {
        if self.probes.is_empty() {
            out.push_str("\nprobes: none\n");
            return;
        }
        let mut t = Table::new(&["#", "name", "records", "window"], &[]);
        for (i, p) in self.probes.iter().enumerate() {
            let records = match &p.kind {
                ProbeKind::Spikes { pops } => format!("spikes of {}", pops.iter().map(|&q| self.pop_name(q)).collect::<Vec<_>>().join(", ")),
                ProbeKind::State { pop, var, neurons, interval } => format!("{var} of {} neurons of {} every {interval}", neurons.len(), self.pop_name(*pop)),
                ProbeKind::Weights { proj, interval, max_synapses, var } => {
                    let name = self.projections.get(*proj).map_or("?", |p| p.name.as_str());
                    let cap = max_synapses.map_or_else(String::new, |m| format!(" (at most {m})"));
                    let what = var.as_deref().unwrap_or("weights");
                    format!("{what} of {name} every {interval}{cap}")
                }
                ProbeKind::Rate { pop, bin } => format!("rate of {} in bins of {bin}", self.pop_name(*pop)),
            };
            let window = p.window.map_or_else(|| "whole run".to_string(), |(a, b)| format!("{a} .. {b}"));
            t.row(vec![i.to_string(), p.name.clone(), records, window]);
        }
        out.push_str("\nprobes\n");
        t.render(out);
    }

    fn modulators_table(&self, out: &mut String) {
        if self.modulators.is_empty() {
            out.push_str("\nmodulators: none\n");
            return;
        }
        let mut t = Table::new(&["#", "name", "kind", "initial"], &[]);
        for (i, m) in self.modulators.iter().enumerate() {
            let kind = match m.kind {
                ModulatorKind::Scalar => "scalar".to_string(),
                ModulatorKind::PerNeuron { pop } => format!("per neuron of {}", self.pop_name(pop)),
            };
            t.row(vec![i.to_string(), m.name.clone(), kind, num(m.initial)]);
        }
        out.push_str("\nmodulators\n");
        t.render(out);
    }

    /// The hot arrays of a run: synapse rows, neuron state and input ring buffers.
    fn memory_table(&self, out: &mut String) {
        let e = self.memory_estimate(None);
        let (syn, state, rings) = (e.synapses, e.neurons, e.rings);
        let slots = f64::from(self.max_delay()) + f64::from(self.min_delay().unwrap_or(1));
        let plastic = self.projections.iter().any(|p| p.conn.rule.is_some());
        let mut t = Table::new(&["part", "bytes", "counted as"], &[1]);
        t.row(vec!["synapses".into(), format_bytes(syn), "8 B per synapse (+4 B per-synapse delay) + 8 B per source row".into()]);
        t.row(vec!["neurons".into(), format_bytes(state), "4 B per state variable and per heterogeneous parameter".into()]);
        t.row(vec!["input rings".into(), format_bytes(rings), format!("4 B x receptors x {slots} slots per neuron")]);
        t.row(vec!["total".into(), format_bytes(syn + state + rings), if plastic { "plus the state of plastic synapses".into() } else { String::new() }]);
        out.push_str("\nmemory (estimate)\n");
        t.render(out);
    }

    fn pop_name(&self, pop: usize) -> String {
        self.populations.get(pop).map_or_else(|| format!("pop{pop}"), |p| p.name.clone())
    }
}

/// The settings of a spike source.
fn source_params(s: &SourceSpec) -> String {
    match s {
        SourceSpec::Poisson { schedule } => match schedule.as_slice() {
            [(_, r)] => format!("rate {} Hz", num(r.0)),
            steps => format!("rate in {} steps", steps.len()),
        },
        SourceSpec::RateArray { bin, rates, per_neuron } => {
            format!("{} rates in bins of {bin}{}", rates.len(), if *per_neuron { ", per neuron" } else { "" })
        }
        SourceSpec::SpikeTimes { times } => format!("{} given spikes", times.iter().map(Vec::len).sum::<usize>()),
    }
}

/// A value as a user would write it: `1.62 mV`, `uniform(-60 mV, -50 mV)`.
fn describe(v: &Value) -> String {
    let q = |x: f64| with_unit(x, v.unit);
    match &v.dist {
        Dist::Const(x) => q(*x),
        Dist::Uniform { lo, hi } => format!("uniform({}, {})", q(*lo), q(*hi)),
        Dist::Normal { mean, sd, clip } | Dist::LogNormal { mean, sd, clip } => {
            let name = if matches!(v.dist, Dist::Normal { .. }) { "normal" } else { "lognormal" };
            let clip = clip.map_or_else(String::new, |[a, b]| format!(" in [{}, {}]", q(a), q(b)));
            format!("{name}({}, {}){clip}", q(*mean), q(*sd))
        }
        Dist::Array(a) => format!("array of {}, mean {}", a.len(), q(v.mean())),
    }
}

fn with_unit(x: f64, unit: Unit) -> String {
    match unit {
        Unit::One => num(x),
        u => format!("{} {}", num(x), u.symbol()),
    }
}

/// A number with at most six significant digits, trailing zeros removed, so that
/// `3 x 0.1` prints as `0.3`.
fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{}", if x == 0.0 { 0.0 } else { x });
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-4..15).contains(&mag) {
        return format!("{x:.5e}");
    }
    let s = format!("{:.*}", (5 - mag).max(0) as usize, x);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// A synapse count, rounded to a whole number.
fn count(n: f64) -> String {
    format!("{:.0}", n.round())
}

/// Columns aligned to their widest cell; `right` lists right-aligned columns.
struct Table {
    rows: Vec<Vec<String>>,
    right: Vec<usize>,
}

impl Table {
    fn new(header: &[&str], right: &[usize]) -> Table {
        Table { rows: vec![header.iter().map(|h| h.to_string()).collect()], right: right.to_vec() }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String) {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let width: Vec<usize> = (0..cols).map(|c| self.rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
        for r in &self.rows {
            let mut line = String::from(" ");
            for (c, cell) in r.iter().enumerate() {
                let pad = width[c] - cell.chars().count();
                line.push(' ');
                if self.right.contains(&c) {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
                line.push(' ');
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_short() {
        assert_eq!(num(3.0 * 0.1), "0.3");
        assert_eq!(num(1.62), "1.62");
        assert_eq!(num(-9.0), "-9");
        assert_eq!(num(64.000_000_000_000_01), "64");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(123_456.7), "123457");
        assert_eq!(num(2.5e-7), "2.50000e-7");
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(3.0 * 1024.0 * 1024.0), "3.00 MiB");
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&["a", "bb"], &[1]);
        t.row(vec!["long".into(), "1".into()]);
        let mut s = String::new();
        t.render(&mut s);
        assert_eq!(s, "  a     bb\n  long   1\n");
    }
}
