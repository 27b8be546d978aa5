//! `synfire check FILE`: validates a scenario file without running it.
//!
//! Prints every problem, one a line: syntax errors as `FILE:LINE:COL: message`,
//! meaning errors as `FILE: path: message` (both on stderr); a valid file prints a
//! one-line summary on stdout. Exit status 0 when valid, 2 when the file is invalid or
//! cannot be read.

use std::path::Path;
use std::process::ExitCode;
use synfire_graphs::RuleCatalog;
use synfire_graphs::scenario::{Scenario, ScenarioError};

/// The exit status of an invalid or unreadable file.
pub const INVALID: u8 = 2;

/// Checks the scenario file at `path`; with a catalogue, plasticity rules are
/// checked by name and parameters.
pub fn check_with(path: &Path, rules: Option<&dyn RuleCatalog>) -> ExitCode {
    let shown = path.display();
    if let Ok(text) = std::fs::read_to_string(path)
        && synfire::continual::file::is_continual(&text)
    {
        return check_continual(path);
    }
    let result = Scenario::load(path).and_then(|s| {
        let graph = match rules {
            Some(rules) => s.freeze_with(rules),
            None => s.freeze(),
        }?;
        Ok((graph, s.run.duration, s.run.output.map(|o| o.files), s.run.trials))
    });
    match result {
        Ok((graph, duration, files, trials)) => {
            let e = graph.memory_estimate(Some(duration));
            if let Some(why) = super::process::memory_refusal(&e, duration) {
                eprintln!("{shown}: {why} (`synfire run --force` runs it anyway)");
                return ExitCode::from(INVALID);
            }
            for w in graph.warnings() {
                eprintln!("{shown}: warning: {w}");
            }
            let sources = (0..graph.populations.len()).filter(|&p| graph.model(p).is_none()).count();
            let pops = graph.populations.len();
            let sources = if sources > 0 { format!(" ({sources} of them spike sources)") } else { String::new() };
            out!("{shown}: OK: {pops} populations{sources}, {} projections, {} neurons", graph.projections.len(), graph.num_neurons());
            out!("  memory for {duration}: about {} ({})", synfire_graphs::estimate::format_bytes(e.total()), e.parts());
            // Work, for a feel of the time: every neuron is updated every tick; synaptic
            // events counted with every neuron at the estimate's assumed rate.
            let ticks = duration.to_ticks(graph.dt) as f64;
            let synapses: f64 = (0..graph.projections.len()).map(|i| graph.expected_synapses(i).0).sum();
            let events = synapses * synfire_graphs::estimate::ASSUMED_RATE_HZ * duration.as_secs();
            let updates = graph.num_neurons() as f64 * ticks;
            // Rough speeds of one worker on the machines we measured (CUBA: ~1.6e9 neuron
            // updates and ~7e7 synaptic events per second of wall time): an order of
            // magnitude, not a promise.
            let wall_s = updates / 1.6e9 + events / 7e7;
            out!(
                "  work: {updates:.3e} neuron updates, ~{events:.3e} synaptic events at {} Hz; on one worker roughly {}",
                synfire_graphs::estimate::ASSUMED_RATE_HZ,
                wall_text(wall_s)
            );
            if let Some(rules) = rules {
                print_rules(&graph, rules);
            }
            // The files a run would write: clashing names are refused here, not at
            // the end of a run.
            if let Some(t) = trials {
                out!(
                    "  trials: {} of {} ({} training, {} evaluation blocks of {} with learning off)",
                    t.trials(),
                    t.length,
                    t.train,
                    t.evaluations(),
                    t.evaluate
                );
                out!("  files: report.json learning_curve.svg trials.csv summary.txt timing.json outputs.json");
                out!("{}", graph.summary().trim_end());
                return ExitCode::SUCCESS;
            }
            let groups = files.unwrap_or_else(|| synfire_graphs::scenario::OutputFile::ALL.to_vec());
            match crate::output::Plan::new(&graph, &groups) {
                Ok(plan) => out!("  files: {}", plan.files().join(" ")),
                Err(e) => {
                    eprintln!("{shown}: {e}");
                    return ExitCode::from(INVALID);
                }
            }
            // The resolved network: every parameter with its default, synapse counts,
            // probes, the memory table.
            out!("{}", graph.summary().trim_end());
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&shown.to_string(), &e);
            ExitCode::from(INVALID)
        }
    }
}

/// Every plastic projection's rule with each parameter as it will run, defaults
/// included: a default nobody wrote (a weight bound, a learning rate) is visible
/// before the run. Bounds are numbers in the projection's weight unit.
fn print_rules(graph: &synfire_graphs::Graph, rules: &dyn RuleCatalog) {
    for p in &graph.projections {
        let Some(full) = p.conn.rule.as_ref().and_then(|r| rules.resolved(r)) else { continue };
        out!("  {}: {}; bounds in {})", p.name, rule_text(&full), p.conn.weight.unit.symbol());
    }
}

/// `name (p = v, ..; inputs ..)`, a wrapper's base inside as `base = name (..)`.
fn rule_text(full: &synfire_graphs::RuleSpec) -> String {
    let mut params: Vec<String> = full
        .params
        .iter()
        .map(|(k, v)| match v.as_const() {
            Some(x) => format!("{k} = {}", v.unit.format(x)),
            None => format!("{k} = (varies)"),
        })
        .collect();
    if let Some(base) = &full.base {
        params.push(format!("base = {})", rule_text(base)));
    }
    let inputs: Vec<String> = full.inputs.iter().map(|(k, node)| format!("{k} <- {node}")).collect();
    let inputs = if inputs.is_empty() { String::new() } else { format!("; inputs {}", inputs.join(", ")) };
    format!("{} ({}{inputs}", full.name, params.join(", "))
}

/// A wall time as people say it: seconds, minutes, hours, days or years.
fn wall_text(s: f64) -> String {
    match s {
        s if s < 120.0 => format!("{s:.1} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s if s < 63_072_000.0 => format!("{:.0} days", s / 86400.0),
        s => format!("{:.1e} years", s / 31_557_600.0),
    }
}

fn report(file: &str, e: &ScenarioError) {
    match e {
        ScenarioError::Syntax { line, column, message } => eprintln!("{file}:{line}:{column}: {message}"),
        ScenarioError::Invalid(problems) => {
            for p in problems {
                eprintln!("{file}: {}: {}", p.path, p.message);
            }
        }
        other => eprintln!("{file}: {other}"),
    }
}

/// Checks a continual-learning scenario file ([`synfire::continual::file`]).
fn check_continual(path: &Path) -> ExitCode {
    match synfire::continual::file::ScenarioFile::load(path) {
        Ok(f) => {
            let p = &f.scenario.protocol;
            let variants: Vec<String> = f.scenario.variants.iter().map(|v| v.label()).collect();
            out!(
                "{}: OK: continual scenario, {} tasks of {} patterns over {} inputs, {} epochs each, {:?} form; variants {}; seeds {}..{}",
                path.display(),
                p.tasks,
                p.patterns,
                p.inputs,
                p.epochs,
                f.scenario.form,
                variants.join(", "),
                f.seed,
                f.seed + f.seeds
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(INVALID)
        }
    }
}
