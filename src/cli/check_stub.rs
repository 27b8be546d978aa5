//! Placeholder for `synfire check FILE` until the scenario checker is merged; the
//! lead replaces this file with `check.rs`.

use std::path::Path;
use std::process::ExitCode;

/// Checks a scenario file; not available in this build yet.
pub fn run(path: &Path) -> ExitCode {
    eprintln!("error: `synfire check {}` is not available yet", path.display());
    ExitCode::from(2)
}
