//! Built-in training tasks: `synfire run NAME` for a task's name trains, evaluates and
//! reports instead of simulating one network once.
//!
//! A task is a loop of engine runs (trials, iterations, phases) over one or more
//! seeds. It returns its results as data, an [`Outcome`]: the task-specific fields of
//! `report.json`, figures (learning curves and the like, as [`Figure`]s of [`Series`]),
//! CSV tables and a plain-text summary. The `synfire` binary writes them (staged, so
//! that a failed or interrupted task keeps earlier outputs) and shows progress; a
//! Rust program can call [`find`] and [`Task::run`] itself.
//!
//! ```
//! let names: Vec<&str> = synfire::tasks::ALL.iter().map(|t| t.name()).collect();
//! assert!(names.iter().all(|n| synfire::tasks::find(n).is_some()));
//! ```
//!
//! Every figure a task reports over seeds is a [`Stats`]: mean and spread, with the
//! seeds that produced it.

pub mod continual_file;
pub mod continual_patterns;
pub mod continual_randman;
pub mod disinhibition_bp;
pub mod disinhibition_data;
pub mod disinhibition_sign;
mod disinhibition_task;
pub mod disinhibition_train;
pub mod eprop_evidence;
pub mod eprop_pattern;
pub mod memory_stream;
mod outcome;
mod pool;
mod stats;
pub mod trials;

pub use disinhibition_task::{DisinhibitionRandman, DisinhibitionRandmanSpiking, DisinhibitionXor, DisinhibitionXorSpiking, backprop};
pub use outcome::{Figure, Heatmap, Outcome, Series, Table};
pub use stats::Stats;

use synfire_graphs::{BuildError, Time};
use synfire_runtime::RunError;

/// How a task is run: the command line's choices (each task has its defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// The seeds to run (results are reported as mean and spread over them).
    pub seeds: Vec<u64>,
    /// Worker threads of every engine run.
    pub workers: usize,
    /// Iterations (or trials, or tasks' epochs: the task says which) instead of the
    /// task's default.
    pub iterations: Option<u64>,
    /// Model time instead of the task's default, where the task has one.
    pub duration: Option<Time>,
}

impl Setup {
    /// `n` seeds from `first` on, on `workers` workers.
    pub fn seeds(first: u64, n: u64, workers: usize) -> Setup {
        Setup { seeds: (first..first + n.max(1)).collect(), workers: workers.max(1), iterations: None, duration: None }
    }

    /// The iterations to run: the setup's, else `default`.
    pub fn iterations_or(&self, default: u64) -> u64 {
        self.iterations.unwrap_or(default)
    }
}

/// Where a task reports how far it got, and learns whether to stop.
pub trait Progress {
    /// A stage of `total` steps begins (`what`: "seed 3, training").
    fn stage(&mut self, what: &str, total: u64);
    /// `n` more steps of the stage are done; `status` is a short line ("nMSE 0.12").
    fn advance(&mut self, n: u64, status: &str);
    /// The user asked to stop (Ctrl-C): the task should return [`TaskError::Interrupted`].
    fn stop_requested(&self) -> bool {
        false
    }
}

/// A progress sink that shows nothing (tests, library callers).
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&mut self, _what: &str, _total: u64) {}
    fn advance(&mut self, _n: u64, _status: &str) {}
}

/// A built-in task.
pub trait Task: Sync {
    /// The name `synfire run` knows it by (`eprop-pattern`).
    fn name(&self) -> &'static str;
    /// One sentence: what it trains and what it reports.
    fn about(&self) -> &'static str;
    /// Seeds run when the command line names none.
    fn default_seeds(&self) -> u64 {
        1
    }
    /// Runs the task.
    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError>;
}

/// Why a task did not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// A setting does not suit the task.
    #[error("{task}: {setting} = {value}: {why}")]
    Setting {
        /// The task.
        task: &'static str,
        /// The setting (`iterations`, `duration`).
        setting: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// The task's network did not freeze.
    #[error("the network of {task} does not freeze: {source}")]
    Build {
        /// The task.
        task: &'static str,
        /// The problems.
        source: BuildError,
    },
    /// An engine run failed (a guard stopped it, a checkpoint did not fit, ...).
    #[error("{task}: {source}")]
    Run {
        /// The task.
        task: &'static str,
        /// What failed.
        source: RunError,
    },
    /// The user stopped the task.
    #[error("{task} was stopped by the user")]
    Interrupted {
        /// The task.
        task: &'static str,
    },
}

/// Every built-in task, in the order `synfire run --help` lists them.
pub static ALL: &[&dyn Task] = &[
    &continual_patterns::ContinualPatterns,
    &continual_patterns::ContinualPatternsSpiking,
    &continual_randman::ContinualPermuted,
    &continual_randman::ContinualSplit,
    &eprop_pattern::EpropPattern,
    &eprop_evidence::EpropEvidence,
    &memory_stream::MemoryStream,
    &disinhibition_task::DisinhibitionXor,
    &disinhibition_task::DisinhibitionRandman,
    &disinhibition_task::DisinhibitionXorSpiking,
    &disinhibition_task::DisinhibitionRandmanSpiking,
];

/// The task called `name`.
pub fn find(name: &str) -> Option<&'static dyn Task> {
    ALL.iter().copied().find(|t| t.name() == name)
}
