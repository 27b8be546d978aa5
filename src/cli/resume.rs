//! `synfire resume CHECKPOINT`: continue a run of `synfire run --checkpoint-every`
//! from its checkpoint, into the folder that holds it. The outputs are those the run
//! would have written had it never stopped (timing.json aside).

use super::run::{self, Job};
use crate::output::{Plan, Staging};
use anyhow::Context;
use std::path::PathBuf;
use synfire_graphs::Time;
use synfire_runtime::Checkpoint;

/// Arguments of `synfire resume`.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The checkpoint file (`checkpoint.synfire` in a run's output directory).
    pub checkpoint: PathBuf,
    /// The run's whole model time, with a unit [default: the run's]; at least the
    /// time already simulated.
    #[arg(long, value_parser = super::parse_duration)]
    pub duration: Option<Time>,
    /// Worker threads [default: the run's]; any number continues the same run.
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Runs `synfire resume`. Nothing on disk changes before the checkpoint has been read,
/// checked and restored.
pub fn resume(args: &ResumeArgs) -> anyhow::Result<()> {
    let path = &args.checkpoint;
    let ck = Checkpoint::read(path)?;
    let mut job: Job = serde_json::from_slice(&ck.user)
        .with_context(|| format!("{}: a checkpoint, but not one that `synfire run` wrote (it has no run plan)", path.display()))?;
    let graph = ck.graph.clone();
    if let Some(d) = args.duration {
        let total = d.to_ticks(graph.dt);
        anyhow::ensure!(total >= ck.tick, "--duration {d} is shorter than the {} already simulated", Time(ck.tick as f64 * graph.dt.0));
        job.progress.total = total;
    }
    if let Some(w) = args.workers {
        job.workers = w;
    }
    let out_dir = path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from);
    let plan = Plan::new(&graph, &job.files).with_context(|| format!("cannot write the outputs of `{}`", job.name))?;
    let rt =
        run::runtime_builder(job.workers, job.window_ticks, job.max_rate).restore(&graph, &ck).with_context(|| format!("cannot restore {}", path.display()))?;
    anyhow::ensure!(job.progress.done == ck.tick, "{}: the run plan stopped at tick {} but the state at tick {}", path.display(), job.progress.done, ck.tick);
    let staging = Staging::new(&out_dir)?;
    run::execute(job, rt, &plan, staging, &out_dir)
}
