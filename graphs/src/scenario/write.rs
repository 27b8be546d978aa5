//! From a [`Graph`] to scenario text, using names for references and units as strings.
//!
//! The text reads back to an equal graph, and writing that graph again gives the same
//! text: quantities are written in their canonical unit with the shortest decimal that
//! reads back to the same number, and keys that equal their defaults are left out.

use super::RunSettings;
use super::values::{float, key, list_text, quantity, quote, value_text};
use crate::connector::{Conn, Connector, Receptor};
use crate::dist::Dist;
use crate::graph::Graph;
use crate::model::NeuronSpec;
use crate::network::{ModulatorKind, PopKind};
use crate::probe::{ProbeDef, ProbeKind};
use crate::stimulus::{CurrentDef, CurrentShape, SourceSpec};
use crate::units::{Time, Unit};

struct Out(String);

impl Out {
    fn header(&mut self, h: &str) {
        self.0.push_str(&format!("\n{h}\n"));
    }
    fn set(&mut self, k: &str, v: impl std::fmt::Display) {
        self.0.push_str(&format!("{} = {v}\n", key(k)));
    }
}

fn time(t: Time) -> String {
    quantity(Unit::Ms, t.0)
}

/// The scenario text of `graph` with the run settings `run`.
pub fn to_toml(graph: &Graph, run: &RunSettings) -> String {
    let mut o = Out(String::from("# A synfire scenario. Times, voltages, currents... are strings with units.\n"));
    o.header("[run]");
    // A trial plan sets the duration itself.
    if run.trials.is_none() {
        o.set("duration", time(run.duration));
    }
    o.set("dt", time(graph.dt));
    // TOML integers are signed 64-bit: larger seeds are written as strings.
    o.set("seed", if i64::try_from(graph.seed).is_ok() { graph.seed.to_string() } else { quote(&graph.seed.to_string()) });
    if let Some(w) = run.workers {
        o.set("workers", w);
    }
    if let Some(w) = run.window {
        o.set("window", time(w));
    }
    if let Some(out) = &run.output {
        o.header("[run.output]");
        if let Some(d) = &out.directory {
            o.set("directory", quote(&d.to_string_lossy()));
        }
        // A trial plan writes its own files.
        if run.trials.is_none() {
            o.set("files", format!("[{}]", out.files.iter().map(|f| quote(f.name())).collect::<Vec<_>>().join(", ")));
        }
    }
    for p in &graph.populations {
        match &p.kind {
            PopKind::Neurons(m) => {
                o.header("[[population]]");
                o.set("name", quote(&p.name));
                o.set("size", p.size);
                neurons(&mut o, m);
            }
            PopKind::Source(s) => {
                o.header("[[source]]");
                o.set("name", quote(&p.name));
                o.set("size", p.size);
                source(&mut o, s);
            }
        }
    }
    let pop_name = |i: usize| graph.populations.get(i).map_or("", |p| p.name.as_str());
    for p in &graph.projections {
        o.header("[[projection]]");
        projection(&mut o, &p.conn, pop_name(p.source), pop_name(p.target));
    }
    for c in &graph.currents {
        o.header("[[current]]");
        current(&mut o, c, pop_name(c.target));
    }
    for p in &graph.probes {
        o.header("[[probe]]");
        probe(&mut o, p, graph);
    }
    for m in &graph.modulators {
        o.header("[[modulator]]");
        o.set("name", quote(&m.name));
        if let ModulatorKind::PerNeuron { pop } = m.kind {
            o.set("population", quote(pop_name(pop)));
        }
        if m.initial != 0.0 {
            o.set("initial", float(m.initial));
        }
        if !m.schedule.is_empty() {
            let steps: Vec<String> = m.schedule.iter().map(|(t, v)| format!("[{}, {}]", time(*t), float(*v))).collect();
            o.set("schedule", format!("[{}]", steps.join(", ")));
        }
        if let Some(a) = &m.activity {
            o.set(
                "activity",
                format!(
                    "{{ population = {}, tau = {}, gain = {}, offset = {}, delay = {} }}",
                    quote(pop_name(a.pop)),
                    time(a.tau),
                    float(a.gain),
                    float(a.offset),
                    time(a.delay)
                ),
            );
        }
    }
    if let Some(t) = &run.trials {
        trials(&mut o, t);
    }
    o.0
}

fn trials(o: &mut Out, t: &super::trials::TrialPlan) {
    use super::trials::{TargetSignal, TrialMetric};
    let list = |xs: Vec<String>| format!("[{}]", xs.join(", "));
    o.header("[trials]");
    o.set("length", time(t.length));
    o.set("gap", time(t.gap));
    o.set("start", time(t.start));
    o.set("reset", list(t.reset.iter().map(|n| quote(n)).collect()));
    o.set("train", t.train);
    o.set("evaluate", t.evaluate);
    if let Some(k) = t.evaluate_every {
        o.set("evaluate_every", k);
    }
    if let Some((a, b)) = t.loss_window {
        o.set("loss_window", list(vec![time(a), time(b)]));
    }
    if t.report != TrialMetric::ALL {
        o.set("report", list(t.report.iter().map(|m| quote(m.name())).collect()));
    }
    if let Some(i) = &t.input {
        o.header("[trials.input]");
        o.set("source", quote(&i.source));
        o.set("kind", quote("poisson"));
        o.set("rate", quantity(Unit::Hz, i.rate.0));
        o.set("frozen", i.frozen);
    }
    o.header("[trials.target]");
    o.set("population", quote(&t.target.population));
    match &t.target.signal {
        TargetSignal::Sines { periods } => {
            o.set("kind", quote("sines"));
            o.set("periods", list(periods.iter().map(|&p| time(p)).collect()));
        }
        TargetSignal::Steps(steps) => {
            o.set("kind", quote("steps"));
            o.set("steps", list(steps.iter().map(|&(at, v)| format!("[{}, {}]", time(at), float(v))).collect()));
        }
    }
    o.set("frozen", t.target.frozen);
}

fn neurons(o: &mut Out, m: &NeuronSpec) {
    o.set("model", quote(m.kind.name()));
    // Parameters in the model's own order, then any the model does not know.
    let known = m.kind.params().iter().filter_map(|d| m.params.get_key_value(d.name));
    let unknown = m.params.iter().filter(|(k, _)| m.kind.param(k).is_none());
    for (k, v) in known.chain(unknown) {
        o.set(k, value_text(v));
    }
    if let Some(noise) = super::escape::write(&m.escape_noise) {
        o.set("escape_noise", noise);
    }
    if !m.init.is_empty() {
        o.header("[population.init]");
        let known = m.kind.state().iter().filter_map(|d| m.init.get_key_value(d.name));
        let unknown = m.init.iter().filter(|(k, _)| m.kind.state_var(k).is_none());
        for (k, v) in known.chain(unknown) {
            o.set(k, value_text(v));
        }
    }
}

fn source(o: &mut Out, s: &SourceSpec) {
    o.set("kind", quote(s.kind_name()));
    match s {
        SourceSpec::Poisson { schedule } => match schedule.as_slice() {
            [(t, r)] if t.0 == 0.0 => o.set("rate", quantity(Unit::Hz, r.0)),
            steps => {
                let steps: Vec<String> = steps.iter().map(|(t, r)| format!("[{}, {}]", time(*t), quantity(Unit::Hz, r.0))).collect();
                o.set("schedule", format!("[{}]", steps.join(", ")));
            }
        },
        SourceSpec::RateArray { bin, rates, per_neuron } => {
            o.set("bin", time(*bin));
            o.set("rates", list_text(Unit::Hz, rates));
            if *per_neuron {
                o.set("per_neuron", true);
            }
        }
        SourceSpec::SpikeTimes { times } => {
            let lists: Vec<String> = times.iter().map(|ts| format!("[{}]", ts.iter().map(|t| time(*t)).collect::<Vec<_>>().join(", "))).collect();
            o.set("times", format!("[{}]", lists.join(", ")));
        }
    }
}

fn projection(o: &mut Out, c: &Conn, source: &str, target: &str) {
    if let Some(n) = &c.name {
        o.set("name", quote(n));
    }
    o.set("source", quote(source));
    o.set("target", quote(target));
    let mut per_pair_weights = false;
    match &c.connector {
        Connector::AllToAll => o.set("all_to_all", true),
        Connector::OneToOne => o.set("one_to_one", true),
        Connector::Prob(p) => o.set("p", float(*p)),
        Connector::InDegree(k) => o.set("in_degree", k),
        Connector::OutDegree(k) => o.set("out_degree", k),
        Connector::Total(n) => o.set("total", n),
        Connector::List { pairs, weights, delays } => {
            o.set("pairs", format!("[{}]", pairs.iter().map(|(s, t)| format!("[{s}, {t}]")).collect::<Vec<_>>().join(", ")));
            if let Some(w) = weights {
                o.set("weights", list_text(c.weight.unit, w));
                per_pair_weights = !w.is_empty();
            }
            if let Some(d) = delays {
                o.set("delays", list_text(Unit::Ms, d));
            }
        }
    }
    // With per-pair weights the projection's weight is a placeholder of 0 that the
    // reader restores; an empty list cannot carry the unit, so then it is written.
    if let Some(init) = &c.weight_init {
        o.set("weight", super::init::text(init));
    } else if !(per_pair_weights && c.weight.dist == Dist::Const(0.0)) {
        o.set("weight", value_text(&c.weight));
    }
    o.set("delay", value_text(&c.delay));
    if let Some(sig) = &c.signal {
        o.set("signal", quote(sig));
    }
    match &c.receptor {
        Receptor::Auto => {}
        Receptor::Exc => o.set("receptor", quote("exc")),
        Receptor::Inh => o.set("receptor", quote("inh")),
        Receptor::Named(n) => o.set("receptor", quote(n)),
    }
    if !c.autapses {
        o.set("autapses", false);
    }
    if c.multapses {
        o.set("multapses", true);
    }
    if let Some(rule) = &c.rule {
        rule_table(o, rule, "projection.rule");
    }
}

/// A rule as the table `[header]`, its inputs and its base (a wrapper's) as sub-tables.
fn rule_table(o: &mut Out, rule: &crate::rule::RuleSpec, header: &str) {
    o.header(&format!("[{header}]"));
    o.set("name", quote(&rule.name));
    for (k, v) in &rule.params {
        o.set(k, value_text(v));
    }
    if !rule.inputs.is_empty() {
        o.header(&format!("[{header}.inputs]"));
        for (k, v) in &rule.inputs {
            o.set(k, quote(v));
        }
    }
    if let Some(base) = &rule.base {
        rule_table(o, base, &format!("{header}.base"));
    }
}

fn current(o: &mut Out, c: &CurrentDef, target: &str) {
    o.set("name", quote(&c.name));
    o.set("target", quote(target));
    match &c.shape {
        CurrentShape::Dc { amplitude } => o.set("amplitude", value_text(amplitude)),
        CurrentShape::Steps { times, amplitudes } => {
            let steps: Vec<String> = times.iter().zip(amplitudes).map(|(t, a)| format!("[{}, {}]", time(*t), quantity(c.unit, *a))).collect();
            o.set("steps", format!("[{}]", steps.join(", ")));
        }
    }
    if let Some(r) = &c.neurons {
        o.set("neurons", format!("{{ start = {}, end = {} }}", r.start, r.end));
    }
    if c.start.0 != 0.0 {
        o.set("start", time(c.start));
    }
    if let Some(stop) = c.stop {
        o.set("stop", time(stop));
    }
}

/// The name the builder gives a probe that is not renamed.
fn default_probe_name(kind: &ProbeKind, graph: &Graph) -> String {
    let pop_name = |i: usize| graph.populations.get(i).map_or_else(|| format!("pop{i}"), |p| p.name.clone());
    match kind {
        ProbeKind::Spikes { pops } => format!("spikes:{}", pops.iter().map(|&p| pop_name(p)).collect::<Vec<_>>().join("+")),
        ProbeKind::State { pop, var, .. } => format!("state:{}.{var}", pop_name(*pop)),
        ProbeKind::Weights { proj, .. } => format!("weights:{proj}"),
        ProbeKind::Rate { pop, .. } => format!("rate:{}", pop_name(*pop)),
    }
}

fn probe(o: &mut Out, p: &ProbeDef, graph: &Graph) {
    if p.name != default_probe_name(&p.kind, graph) {
        o.set("name", quote(&p.name));
    }
    let pop_name = |i: usize| quote(graph.populations.get(i).map_or("", |p| p.name.as_str()));
    match &p.kind {
        ProbeKind::Spikes { pops } => {
            o.set("kind", quote("spikes"));
            o.set("populations", format!("[{}]", pops.iter().map(|&i| pop_name(i)).collect::<Vec<_>>().join(", ")));
        }
        ProbeKind::State { pop, var, neurons, interval } => {
            o.set("kind", quote("state"));
            o.set("population", pop_name(*pop));
            o.set("var", quote(var));
            o.set("neurons", format!("[{}]", neurons.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")));
            o.set("interval", time(*interval));
        }
        ProbeKind::Weights { proj, interval, max_synapses, var } => {
            o.set("kind", quote("weights"));
            o.set("projection", quote(graph.projections.get(*proj).map_or("", |p| p.name.as_str())));
            if let Some(v) = var {
                o.set("var", quote(v));
            }
            o.set("interval", time(*interval));
            if let Some(m) = max_synapses {
                o.set("max_synapses", m);
            }
        }
        ProbeKind::Rate { pop, bin } => {
            o.set("kind", quote("rate"));
            o.set("population", pop_name(*pop));
            o.set("bin", time(*bin));
        }
    }
    if let Some((a, b)) = p.window {
        o.set("window", format!("[{}, {}]", time(a), time(b)));
    }
}
