//! Command-line parsing and dispatch of the `synfire` tool.
//!
//! Each subcommand lives in its own module and returns an [`ExitCode`]: 0 on success,
//! 1 when the work failed, 2 for bad usage (clap's convention).

/// `println!` that does not panic when stdout is closed (`synfire check f | head`):
/// there is no one left to tell, so the line is dropped.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod bench;
mod check;
mod interrupt;
mod process;
mod resume;
mod run;
mod simulate;
mod task;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use synfire_graphs::{Time, Unit};

/// A parallel, event-driven runtime for plastic spiking neural networks.
#[derive(Debug, Parser)]
#[command(name = "synfire", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario (a built-in network or a scenario file) and write its outputs.
    Run(run::RunArgs),
    /// Continue a run from the checkpoint `synfire run --checkpoint-every` wrote.
    Resume(resume::ResumeArgs),
    /// Time a built-in network and print one line of figures.
    Bench(bench::BenchArgs),
    /// Check a scenario file and print what it describes.
    Check {
        /// The scenario file (TOML).
        file: PathBuf,
    },
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => {
            interrupt::install();
            report(run::run(&args))
        }
        Command::Resume(args) => {
            interrupt::install();
            report(resume::resume(&args))
        }
        Command::Bench(args) => report(bench::run(&args)),
        Command::Check { file } => check::check_with(&file, Some(&synfire_rules::Catalog)),
    }
}

/// Prints an error with its chain of causes and turns it into exit code 1 (130 for a
/// run stopped by a signal).
fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.is::<interrupt::Interrupted>() || e.is::<interrupt::TaskStopped>() { ExitCode::from(interrupt::EXIT_STATUS) } else { ExitCode::FAILURE }
        }
    }
}

/// Parses a duration such as `10s`, `500ms` or `1.5 s` (clap value parser).
pub(crate) fn parse_duration(text: &str) -> Result<Time, String> {
    let ms = Unit::Ms.parse(text)?;
    if !(ms.is_finite() && ms > 0.0) {
        return Err(format!("`{text}` is not a positive duration"));
    }
    Ok(Time(ms))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("10s"), Ok(Time(10_000.0)));
        assert_eq!(parse_duration("500ms"), Ok(Time(500.0)));
        assert_eq!(parse_duration(" 1.5 s"), Ok(Time(1500.0)));
    }

    #[test]
    fn bad_durations_name_the_value() {
        for bad in ["10 parsecs", "10", "-5 ms", "0s", "fast"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(bad.trim()), "{bad}: {err}");
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
