//! `synfire run TASK`: a built-in training task ([`synfire::tasks`]), with a progress
//! bar, its report, figures and tables staged into the output directory and its
//! summary on stdout.

use super::run::RunArgs;
use crate::output::{self, Staging};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;
use synfire::tasks::{Outcome, Progress, Setup, Task, TaskError};

/// Runs `task` with the command line's settings.
pub fn run(task: &dyn Task, args: &RunArgs) -> anyhow::Result<()> {
    refuse_network_flags(task, args)?;
    let first = args.seed.unwrap_or(0);
    let n = args.seeds.unwrap_or_else(|| task.default_seeds());
    let mut setup = Setup::seeds(first, n, args.workers.unwrap_or(1));
    setup.iterations = args.iterations;
    setup.duration = args.duration;
    let out_dir = args.out.clone().unwrap_or_else(|| Path::new("out").join(task.name()));
    // Staged first: an unwritable output directory fails before the training.
    let staging = Staging::new(&out_dir)?;
    out!("{}: {}", task.name(), task.about());
    let started = Instant::now();
    let mut bar = Bar::new();
    let outcome = match task.run(&setup, &mut bar) {
        Err(TaskError::Interrupted { .. }) => {
            bar.bar.finish_and_clear();
            return Err(super::interrupt::TaskStopped { task: task.name() }.into());
        }
        other => other?,
    };
    bar.bar.finish_and_clear();
    let wall_s = started.elapsed().as_secs_f64();
    write(Named { name: task.name(), about: task.about() }, &setup, &outcome, wall_s, staging, &out_dir)?;
    out!("{}", outcome.summary.trim_end());
    out!("wrote {} ({wall_s:.1} s)", out_dir.display());
    Ok(())
}

/// A scenario file's `[trials]` (`synfire run FILE`): trained and evaluated with a
/// progress bar, written like a task's outputs (report.json with every trial's
/// loss and the evaluations without learning, learning_curve.svg, trials.csv).
pub fn run_trials(
    name: &str,
    graph: &synfire_graphs::Graph,
    plan: &synfire_graphs::scenario::trials::TrialPlan,
    builder: synfire_runtime::RuntimeBuilder,
    workers: usize,
    out_dir: &Path,
) -> anyhow::Result<()> {
    let staging = Staging::new(out_dir)?;
    let about = "a scenario's [trials]: training with learning on, evaluation blocks with learning off";
    out!("{name}: {} trials ({} training, {} evaluation)", plan.trials(), plan.train, plan.trials() - plan.train);
    let started = Instant::now();
    let mut bar = Bar::new();
    let outcome = match synfire::tasks::trials::run(graph, plan, builder, &mut bar) {
        Err(TaskError::Interrupted { .. }) => {
            bar.bar.finish_and_clear();
            return Err(super::interrupt::TaskStopped { task: "trials" }.into());
        }
        other => other?.0,
    };
    bar.bar.finish_and_clear();
    let wall_s = started.elapsed().as_secs_f64();
    let mut setup = Setup::seeds(graph.seed, 1, workers);
    setup.iterations = Some(plan.train);
    write(Named { name, about }, &setup, &outcome, wall_s, staging, out_dir)?;
    out!("{}", outcome.summary.trim_end());
    out!("wrote {} ({wall_s:.1} s)", out_dir.display());
    Ok(())
}

/// What a report names as its run.
#[derive(Debug, Clone, Copy)]
struct Named<'a> {
    name: &'a str,
    about: &'a str,
}

/// Flags that set a network run and mean nothing to a task are an error, not ignored.
fn refuse_network_flags(task: &dyn Task, args: &RunArgs) -> anyhow::Result<()> {
    let set = [
        ("--neurons", args.neurons.is_some()),
        ("--window-ticks", args.window_ticks.is_some()),
        ("--checkpoint-every", args.checkpoint_every.is_some()),
        ("--max-rate", args.max_rate.is_some()),
        ("--raster-window", args.raster_window.is_some()),
        ("--force", args.force),
    ];
    if let Some((flag, _)) = set.iter().find(|(_, on)| *on) {
        anyhow::bail!(
            "{flag} applies to network runs; `{}` is a training task (it takes --seed, --seeds, --iterations, --workers, --duration, --out)",
            task.name()
        );
    }
    Ok(())
}

/// `report.json` of a task: what ran, then the task's fields.
#[derive(Debug, Serialize)]
struct TaskReport<'a> {
    task: &'a str,
    about: &'a str,
    seeds: &'a [u64],
    #[serde(skip_serializing_if = "Option::is_none")]
    iterations: Option<u64>,
    #[serde(flatten)]
    fields: &'a serde_json::Map<String, serde_json::Value>,
}

/// One file of `outputs.json`.
#[derive(Debug, Serialize)]
struct Listed {
    file: String,
    format: &'static str,
    kind: &'static str,
    what: String,
}

/// Writes every output of `outcome` into `staging` and moves them into `out_dir`.
fn write(task: Named<'_>, setup: &Setup, outcome: &Outcome, wall_s: f64, mut staging: Staging, out_dir: &Path) -> anyhow::Result<()> {
    let mut listed = Vec::new();
    let report = TaskReport { task: task.name, about: task.about, seeds: &setup.seeds, iterations: setup.iterations, fields: &outcome.report };
    output::write_json(&staging.file("report.json"), &report)?;
    listed.push(Listed {
        file: "report.json".into(),
        format: "json",
        kind: "report",
        what: "the task's results, figures over seeds as mean, std, min, max and values".into(),
    });
    for f in &outcome.figures {
        output::write_figure(&staging.file(&f.file), f)?;
        listed.push(Listed { file: f.file.clone(), format: "svg", kind: "plot", what: f.title.clone() });
    }
    for h in &outcome.heatmaps {
        output::write_heatmap(&staging.file(&h.file), h)?;
        listed.push(Listed { file: h.file.clone(), format: "svg", kind: "plot", what: h.title.clone() });
    }
    for t in &outcome.tables {
        let mut text = t.header.join(",") + "\n";
        for row in &t.rows {
            text += &(row.join(",") + "\n");
        }
        let path = staging.file(&t.file);
        std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        listed.push(Listed { file: t.file.clone(), format: "csv", kind: "table", what: t.what.clone() });
    }
    let summary = staging.file("summary.txt");
    std::fs::write(&summary, &outcome.summary).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", summary.display()))?;
    listed.push(Listed { file: "summary.txt".into(), format: "txt", kind: "summary", what: "the summary printed on stdout".into() });
    let timing = serde_json::json!({ "wall_s": wall_s, "workers": setup.workers });
    output::write_json(&staging.file("timing.json"), &timing)?;
    listed.push(Listed { file: "timing.json".into(), format: "json", kind: "timing", what: "wall time and workers (machine-dependent)".into() });
    listed.push(Listed { file: "outputs.json".into(), format: "json", kind: "manifest", what: "this list".into() });
    let manifest = serde_json::json!({ "format": "synfire-outputs", "version": 1, "scenario": task.name, "seed": setup.seeds.first(), "files": listed });
    output::write_json(&staging.file("outputs.json"), &manifest)?;
    staging.commit().map(|_| ()).map_err(|e| e.context(format!("cannot move the outputs into {}", out_dir.display())))
}

/// The progress bar of a task (a plain line every few seconds when stderr is not a
/// terminal), which also passes on Ctrl-C.
struct Bar {
    bar: ProgressBar,
    plain: bool,
    stage: String,
    last_line: Instant,
}

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template("{prefix} {bar:25.cyan/blue} {pos}/{len} {msg}, ETA {eta}") {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar { bar, plain: !std::io::IsTerminal::is_terminal(&std::io::stderr()), stage: String::new(), last_line: Instant::now() }
    }
}

impl Progress for Bar {
    fn stage(&mut self, what: &str, total: u64) {
        self.stage = what.to_string();
        self.bar.set_prefix(what.to_string());
        self.bar.set_length(total);
        self.bar.set_position(0);
        if self.plain {
            eprintln!("synfire: {what}: {total} steps");
        }
    }

    fn advance(&mut self, n: u64, status: &str) {
        self.bar.inc(n);
        self.bar.set_message(status.to_string());
        if self.plain && self.last_line.elapsed().as_secs_f64() >= super::simulate::LINE_EVERY_S {
            eprintln!("synfire: {}: {}/{} {status}", self.stage, self.bar.position(), self.bar.length().unwrap_or(0));
            self.last_line = Instant::now();
        }
    }

    fn stop_requested(&self) -> bool {
        super::interrupt::requested()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use synfire::tasks::{Figure, Series, Stats, Table};

    /// A task that reports what it was given.
    struct Echo;

    impl Task for Echo {
        fn name(&self) -> &'static str {
            "echo"
        }
        fn about(&self) -> &'static str {
            "reports its setup"
        }
        fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
            progress.stage("echo", setup.seeds.len() as u64);
            let mut out = Outcome::default();
            let values: Vec<f64> = setup.seeds.iter().map(|&s| s as f64).collect();
            out.set("seed_mean", Stats::of(&values));
            out.figures.push(Figure {
                file: "curve.svg".into(),
                title: "seeds".into(),
                series: vec![Series { name: "s".into(), points: vec![(0.0, 1.0), (1.0, 2.0)], spread: vec![] }],
                ..Figure::default()
            });
            out.tables.push(Table {
                file: "t.csv".into(),
                what: "seeds".into(),
                header: vec!["seed".into()],
                rows: setup.seeds.iter().map(|s| vec![s.to_string()]).collect(),
            });
            out.summary = format!("{} seeds\n", setup.seeds.len());
            Ok(out)
        }
    }

    #[test]
    fn a_task_writes_its_report_figures_tables_and_manifest() {
        let dir = std::env::temp_dir().join(format!("synfire-task-{}", std::process::id()));
        let setup = Setup::seeds(3, 2, 1);
        let outcome = Echo.run(&setup, &mut synfire::tasks::Quiet).unwrap();
        write(Named { name: Echo.name(), about: Echo.about() }, &setup, &outcome, 0.5, Staging::new(&dir).unwrap(), &dir).unwrap();
        let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["task"], "echo");
        assert_eq!(report["seeds"], serde_json::json!([3, 4]));
        assert_eq!(report["seed_mean"]["mean"], 3.5);
        assert_eq!(std::fs::read_to_string(dir.join("t.csv")).unwrap(), "seed\n3\n4\n");
        let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("outputs.json")).unwrap()).unwrap();
        let files: Vec<&str> = manifest["files"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
        assert_eq!(files, ["report.json", "curve.svg", "t.csv", "summary.txt", "timing.json", "outputs.json"]);
        for f in files {
            assert!(dir.join(f).exists(), "{f}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
