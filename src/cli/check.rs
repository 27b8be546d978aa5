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
    let result = Scenario::load(path).and_then(|s| match rules {
        Some(rules) => s.freeze_with(rules),
        None => s.freeze(),
    });
    match result {
        Ok(graph) => {
            for w in graph.warnings() {
                eprintln!("{shown}: warning: {w}");
            }
            let sources = (0..graph.populations.len()).filter(|&p| graph.model(p).is_none()).count();
            let pops = graph.populations.len();
            let sources = if sources > 0 { format!(" ({sources} of them spike sources)") } else { String::new() };
            println!("{shown}: OK: {pops} populations{sources}, {} projections, {} neurons", graph.projections.len(), graph.num_neurons());
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&shown.to_string(), &e);
            ExitCode::from(INVALID)
        }
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
