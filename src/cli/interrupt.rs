//! Ctrl-C, SIGTERM and SIGHUP stop a run at the next guard period (100 ms of model
//! time by default), and the run
//! writes what it has and says so, instead of dying with its work and leaving its
//! staging directory behind.
//!
//! The handler only sets a flag; the run loop (`simulate::run_with_progress`) reads
//! it between slices that end on the run guards' grid (`Runtime::guard_period_ticks`,
//! where the engine scans anyway; runs in pieces are bit-identical to runs in one
//! call, so slicing changes no result). A second signal while the
//! first is being honoured ends the process at once (exit status 130), for a user who
//! does not want to wait for the outputs.

use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status of an interrupted run (128 + SIGINT, as shells report it).
pub const EXIT_STATUS: u8 = 130;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once per process; a second call changes nothing).
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            if REQUESTED.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted again: stopping now, without outputs");
                std::process::exit(i32::from(EXIT_STATUS));
            }
            eprintln!("\ninterrupted: stopping at the next 100 ms of model time and writing the outputs so far (again to stop now)");
        });
        // Without a handler the signals keep their default action; the run still works.
        if let Err(e) = installed {
            eprintln!("warning: cannot catch Ctrl-C ({e}); an interrupted run will write nothing");
        }
    });
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// The error of a run stopped by a signal (its outputs up to then written).
#[derive(Debug, thiserror::Error)]
#[error("interrupted at {at}: the outputs up to then are written")]
pub struct Interrupted {
    /// Model time reached.
    pub at: synfire_graphs::Time,
}

/// The error of a training task stopped by a signal: a task's results are whole or
/// not at all, so nothing is written and earlier outputs stay.
#[derive(Debug, thiserror::Error)]
#[error("{task} was stopped by the user: nothing was written, earlier outputs are kept")]
pub struct TaskStopped {
    /// The task.
    pub task: &'static str,
}
