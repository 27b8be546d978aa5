//! Errors of building and running a simulation.

/// Why a runtime could not be built or a run could not go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A setting of the runtime builder is out of range.
    #[error("{field}: {message}")]
    Setting {
        /// The setting (`workers`, `window`).
        field: &'static str,
        /// What is wrong, naming the value.
        message: String,
    },
    /// The graph uses something this backend cannot run.
    #[error("{path}: {message}")]
    Unsupported {
        /// Path to the item (`populations[2].model`).
        path: String,
        /// What is not supported.
        message: String,
    },
    /// A handle or name that does not belong to the running graph.
    #[error("{what}: {message}")]
    BadHandle {
        /// The kind of handle.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An injected spike or current that cannot be applied.
    #[error("{field}: {message}")]
    BadInput {
        /// The argument.
        field: &'static str,
        /// What is wrong, naming the value.
        message: String,
    },
    /// A worker thread stopped unexpectedly (a bug; the run cannot go on).
    #[error("worker {shard} stopped: {message}")]
    WorkerLost {
        /// The shard of the worker.
        shard: usize,
        /// What is known.
        message: String,
    },
    /// A run guard stopped the run (for example a rate beyond its bound).
    #[error("run stopped at {time_ms} ms: {message}")]
    Guard {
        /// Model time when the guard fired.
        time_ms: f64,
        /// Which guard and why.
        message: String,
    },
    /// A checkpoint could not be written, read or restored.
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
}
