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
    let result = Scenario::load(path).and_then(|s| {
        let graph = match rules {
            Some(rules) => s.freeze_with(rules),
            None => s.freeze(),
        }?;
        Ok((graph, s.run.duration, s.run.output.map(|o| o.files)))
    });
    match result {
        Ok((graph, duration, files)) => {
            if let Some(why) = super::process::memory_refusal(&graph, duration) {
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
            let e = graph.memory_estimate(Some(duration));
            out!("  memory for {duration}: about {} ({})", super::process::mib(e.total()), super::process::memory_parts(&e));
            // Work, for a feel of the time: every neuron is updated every tick; synaptic
            // events counted with every neuron at the estimate's assumed rate.
            let ticks = duration.to_ticks(graph.dt) as f64;
            let synapses: f64 = (0..graph.projections.len()).map(|i| graph.expected_synapses(i).0).sum();
            let events = synapses * synfire_graphs::estimate::ASSUMED_RATE_HZ * duration.as_secs();
            out!(
                "  work: {:.3e} neuron updates, ~{events:.3e} synaptic events at {} Hz",
                graph.num_neurons() as f64 * ticks,
                synfire_graphs::estimate::ASSUMED_RATE_HZ
            );
            if let Some(rules) = rules {
                print_rules(&graph, rules);
            }
            // The files a run would write: clashing names are refused here, not at
            // the end of a run.
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
        let params: Vec<String> = full
            .params
            .iter()
            .map(|(k, v)| match v.as_const() {
                Some(x) => format!("{k} = {}", v.unit.format(x)),
                None => format!("{k} = (varies)"),
            })
            .collect();
        let inputs: Vec<String> = full.inputs.iter().map(|(k, node)| format!("{k} <- {node}")).collect();
        let inputs = if inputs.is_empty() { String::new() } else { format!("; inputs {}", inputs.join(", ")) };
        out!("  {}: {} ({}{inputs}; bounds in {})", p.name, full.name, params.join(", "), p.conn.weight.unit.symbol());
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
