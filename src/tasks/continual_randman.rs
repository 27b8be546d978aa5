//! `continual-permuted` (spec 10.2) and `continual-split` (spec 10.3): randman
//! classes coded as spike latencies, learned task after task by a recurrent LIF
//! network trained by e-prop in the engine (`crate::continual::engine_eprop`: 20
//! inputs, 128 LIF, 10 softmax readouts, symmetric feedback, Adam once per trial),
//! per variant and seed; seeds run side by side on as many threads as the machine
//! has cores, each an engine run on `--workers` workers (results depend on neither).
//!
//! - `continual-permuted`: 5 tasks of all 10 classes, task `k` behind its own fixed
//!   permutation of the 20 input channels (task 1 unpermuted). One accuracy matrix
//!   (argmax over the 10 readouts).
//! - `continual-split`: 5 tasks of 2 classes (`{0, 1}`, `{2, 3}`, ...). Two accuracy
//!   matrices from the same runs: class-incremental (argmax over all 10 readouts) and
//!   task-incremental (argmax over the task's 2 readouts).
//!
//! The loss is the cross-entropy at every tick of a loss window (ticks 10..60 of a
//! 60 ms trial whose input comes in the first 50 ms); the decision is the readout
//! with the largest maximum over that window (see `engine_eprop`). `--iterations N`
//! sets the training samples per class and task (default 250, two epochs per task;
//! the test set is `min(N, 20)` samples per class).
//!
//! Reports per variant and view the accuracy matrices (mean over seeds and every
//! seed's), every metric of spec 10.6 with mean and spread, the accuracy on the
//! first task just after training it (single-task accuracy), the hidden rate at
//! each evaluation, CSV matrices, a heatmap, learning curves and a table.

use super::{Figure, Heatmap, Outcome, Progress, Series, Setup, Stats, Table, Task, TaskError};
use crate::continual::engine_eprop::{EpropLearner, EpropProtocol, EpropVariant};
use crate::continual::manifolds::{self, Split};
use crate::continual::{ContinualError, Metrics, Run, phases};
use crate::tasks::disinhibition_data::Randman;

/// Training samples per class and task of the default run.
pub const DEFAULT_TRAIN: usize = 250;
/// Test samples per class of the default run.
pub const DEFAULT_TEST: usize = 20;

/// The variants a default run compares: plain e-prop, metaplastic hidden weights
/// (m = 1) and synaptic intelligence (c = 1). Sweep on task sequences of permuted
/// randman (seed 0, 100 training samples per class): task 1 after task 5 / average
/// accuracy: plain 0.12 / 0.24; m = 0.5, 1, 2, 4: 0.145 / 0.23 at m = 1, 0.06 at 2,
/// 0.12 at 4 (no plasticity left for tasks 2-5 at m >= 2); SI c = 0.01, 0.1, 1, 10:
/// 0.09, 0.225, 0.30, 0.445 on task 1 while later tasks fall to 0.10-0.13 from c = 1
/// (the specs' retention at a cost in plasticity).
pub fn default_variants() -> Vec<EpropVariant> {
    vec![EpropVariant::Plain, EpropVariant::Metaplastic { m: 1.0 }, EpropVariant::Si { c: 1.0 }]
}

/// A randman scenario: the split, the protocol, the variants.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RandmanScenario {
    /// Permuted (10.2) or split classes (10.3).
    pub split: Split,
    /// Network, trial and training settings.
    pub protocol: EpropProtocol,
    /// The data's shape (its sample counts are the protocol's).
    #[serde(skip)]
    pub data: Randman,
    /// Variants side by side.
    pub variants: Vec<EpropVariant>,
    /// Engine workers per run.
    pub workers: usize,
}

impl RandmanScenario {
    /// The default scenario of `split` (`train` samples per class and task instead
    /// of the default's).
    pub fn new(split: Split, train: Option<usize>, workers: usize) -> RandmanScenario {
        let train = train.unwrap_or(DEFAULT_TRAIN);
        let protocol = EpropProtocol { train, test: train.min(DEFAULT_TEST), ..EpropProtocol::default() };
        RandmanScenario { split, protocol, data: Randman::SPEC_10_2, variants: default_variants(), workers: workers.max(1) }
    }

    /// The evaluation views reported: one for permuted tasks (every task holds every
    /// class), class- then task-incremental for split classes.
    pub fn views(&self) -> &'static [&'static str] {
        match self.split {
            Split::Permuted => &["accuracy"],
            Split::Classes => &["class_incremental", "task_incremental"],
        }
    }

    /// `variant` on `seed`: a run per view, and the hidden rate (Hz) at each evaluation.
    pub fn run_one(&self, variant: EpropVariant, seed: u64) -> Result<(Vec<Run>, Vec<f64>), ContinualError> {
        let p = &self.protocol;
        if self.split == Split::Classes && 2 * p.tasks > self.data.classes {
            return Err(ContinualError::Protocol {
                field: "tasks",
                value: p.tasks.to_string(),
                why: "split classes has 2 classes per task, 10 classes in all",
            });
        }
        let data = manifolds::tasks(&self.data, self.split, p.tasks, p.train, p.test, p.window, seed);
        let mut learner = EpropLearner::new(p, variant, self.data.dims as u64, self.data.classes, seed, self.workers)?;
        let mut runs = phases(&mut learner, &data, p.epochs, p.eval_every, 2, &|k, e| manifolds::order(seed, k, e, data[k].train.len()))?;
        runs.truncate(self.views().len());
        Ok((runs, learner.rates().to_vec()))
    }
}

/// One variant on one seed.
type SeedRun = (Vec<Run>, Vec<f64>);

/// Every `(variant, seed)` run of `s`, on up to `threads` threads at once, reported
/// to `progress` as they finish; `runs[v][s]` in the order of variants and seeds.
pub fn run_all(s: &RandmanScenario, name: &'static str, seeds: &[u64], threads: usize, progress: &mut dyn Progress) -> Result<Vec<Vec<SeedRun>>, TaskError> {
    let t = s.protocol.tasks.max(1) - 1;
    super::pool::variants_by_seeds(
        (s.variants.len(), seeds.len()),
        threads,
        name,
        progress,
        &|v, k| s.run_one(s.variants[v], seeds[k]),
        &|e| TaskError::Setting { task: name, setting: "iterations", value: s.protocol.train.to_string(), why: e.to_string() },
        &|v, k, run: &SeedRun| {
            let m = &run.0[0].matrix.r;
            format!("{} seed {}: task 1 {:.2} -> {:.2}, last {:.2}", s.variants[v].label(), seeds[k], m[0][0], m[t][0], m[t][t])
        },
    )
}

/// The report fields of one view's runs over seeds.
fn view_entry(rs: &[&Run], t: usize) -> (serde_json::Value, Vec<Vec<f64>>, Vec<f64>) {
    let stat = |f: &dyn Fn(&Run) -> f64| Stats::of(&rs.iter().map(|r| f(r)).collect::<Vec<_>>());
    let metric = |f: fn(&Metrics) -> f64| stat(&|r: &Run| f(&r.matrix.metrics()));
    let n = rs.len().max(1) as f64;
    let mean_matrix: Vec<Vec<f64>> = (0..t).map(|i| (0..t).map(|j| rs.iter().map(|r| r.matrix.r[i][j]).sum::<f64>() / n).collect()).collect();
    let baseline: Vec<f64> = (0..t).map(|j| rs.iter().map(|r| r.matrix.baseline[j]).sum::<f64>() / n).collect();
    let entry = serde_json::json!({
        "matrix_mean": mean_matrix,
        "baseline_mean": baseline,
        "matrices": rs.iter().map(|r| &r.matrix.r).collect::<Vec<_>>(),
        "baselines": rs.iter().map(|r| &r.matrix.baseline).collect::<Vec<_>>(),
        "first_task_after_training": stat(&|r| r.matrix.r[0][0]),
        "first_task_after_last": stat(&|r| r.matrix.r[t - 1][0]),
        "last_task": stat(&|r| r.matrix.r[t - 1][t - 1]),
        "average_accuracy": metric(|m| m.average_accuracy),
        "learning_accuracy": metric(|m| m.learning_accuracy),
        "backward_transfer": metric(|m| m.backward_transfer),
        "forward_transfer": metric(|m| m.forward_transfer),
        "forgetting_best_past": metric(|m| m.forgetting_best_past),
        "forgetting_after_training": metric(|m| m.forgetting_after_training),
    });
    (entry, mean_matrix, baseline)
}

/// Every variant's runs as `report.json` fields, tables, figures and the summary.
pub fn outcome(s: &RandmanScenario, name: &str, seeds: &[u64], runs: &[Vec<SeedRun>]) -> Outcome {
    let t = s.protocol.tasks;
    let p = &s.protocol;
    let mut out = Outcome::default();
    out.set("split", s.split);
    out.set("protocol", p);
    out.set(
        "decision",
        format!(
            "loss: softmax cross-entropy at every tick of the loss window (ticks {}..{} of a {} ms trial, input latencies in the first {} ms); decision: argmax over the compared readouts of the maximum over the loss window",
            p.loss_from, p.trial, p.trial, p.window
        ),
    );
    out.set(
        "forgetting_conventions",
        "forgetting_best_past: max over earlier evaluations minus final (Chaudhry 2018, spec 10.6); forgetting_after_training: just after training minus final",
    );
    let mut summary = format!(
        "{name} (spec {}, e-prop in the engine): {} tasks, {} LIF, {} train / {} test samples per class, {} epochs per task, eta {}, {} seeds\n{:<10} {:<18} {:>22} {:>22} {:>22} {:>22} {:>22}\n",
        if s.split == Split::Permuted { "10.2" } else { "10.3" },
        t,
        p.hidden,
        p.train,
        p.test,
        p.epochs,
        p.eta,
        seeds.len(),
        "variant",
        "view",
        "task 1 after task 1",
        "task 1 after last",
        "last task",
        "average accuracy",
        "forgetting",
    );
    let (mut entries, mut panels, mut curves, mut state_log) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (v, rs) in s.variants.iter().zip(runs) {
        // Every view of a run shares its evaluations' snapshots.
        let first_view: Vec<Run> = rs.iter().filter_map(|r| r.0.first().cloned()).collect();
        super::continual_patterns::state_rows(&mut state_log, &v.label(), seeds, &first_view);
        let mut entry = serde_json::Map::new();
        entry.insert("variant".into(), v.label().into());
        entry.insert("parameters".into(), serde_json::to_value(v).unwrap_or_default());
        let evals = rs.first().map_or(0, |r| r.1.len());
        let rate = |e: usize| Stats::of(&rs.iter().filter_map(|r| r.1.get(e).copied()).collect::<Vec<_>>());
        entry.insert("hidden_rate_hz".into(), serde_json::to_value((0..evals).map(rate).collect::<Vec<_>>()).unwrap_or_default());
        for (w, view) in s.views().iter().enumerate() {
            let view_runs: Vec<&Run> = rs.iter().filter_map(|r| r.0.get(w)).collect();
            let (fields, mean_matrix, baseline) = view_entry(&view_runs, t);
            let show = |k: &str| fields[k]["mean"].as_f64().map_or("-".into(), |m| format!("{m:.3} ± {:.3}", fields[k]["std"].as_f64().unwrap_or(0.0)));
            summary += &format!(
                "{:<10} {:<18} {:>22} {:>22} {:>22} {:>22} {:>22}\n",
                v.label(),
                view,
                show("first_task_after_training"),
                show("first_task_after_last"),
                show("last_task"),
                show("average_accuracy"),
                show("forgetting_best_past")
            );
            let suffix = if s.views().len() > 1 { format!("_{view}") } else { String::new() };
            out.tables.push(Table {
                file: format!("matrix_{}{suffix}.csv", super::continual_patterns::file_label(&v.label())),
                what: format!("{} ({view}): accuracy on task j (columns) after training task i (rows), mean over seeds; row `init` is untrained", v.label()),
                header: std::iter::once("after".to_string()).chain((0..t).map(|j| format!("task_{j}"))).collect(),
                rows: std::iter::once(("init".to_string(), baseline.clone()))
                    .chain(mean_matrix.iter().enumerate().map(|(i, row)| (format!("task_{i}"), row.clone())))
                    .map(|(name, row)| std::iter::once(name).chain(row.iter().map(|x| format!("{x:.4}"))).collect())
                    .collect(),
            });
            let label = if s.views().len() > 1 { format!("{} {}", v.label(), view.replace("_incremental", "-incr.")) } else { v.label() };
            panels.push((label.clone(), std::iter::once(baseline).chain(mean_matrix).collect()));
            // Task 1's accuracy through the sequence, per variant and view (every
            // task's curve for every variant made 30 lines nobody could read; the
            // matrices hold the rest).
            if let Some(first) = view_runs.first() {
                let at = |c: usize| Stats::of(&view_runs.iter().filter_map(|r| r.curve.get(c).map(|p| p.1[0])).collect::<Vec<_>>());
                curves.push(Series {
                    name: label.clone(),
                    points: (0..first.curve.len()).map(|c| (first.curve[c].0, at(c).mean)).collect(),
                    spread: (0..first.curve.len()).map(|c| at(c).std).collect(),
                });
            }
            if s.views().len() > 1 {
                entry.insert((*view).into(), fields);
            } else if let serde_json::Value::Object(m) = fields {
                entry.extend(m);
            }
        }
        entries.push(serde_json::Value::Object(entry));
    }
    out.set("variants", entries);
    out.tables.push(super::continual_patterns::state_table(state_log));
    out.heatmaps.push(Heatmap {
        file: "accuracy_matrix.svg".into(),
        title: format!("{name}: accuracy matrices, mean over seeds"),
        row_label: "after training task (init: untrained)".into(),
        column_label: "accuracy on task".into(),
        rows: std::iter::once("init".to_string()).chain((0..t).map(|i| format!("task {}", i + 1))).collect(),
        columns: (0..t).map(|j| format!("task {}", j + 1)).collect(),
        range: (0.0, 1.0),
        panels,
    });
    out.figures.push(Figure {
        file: "learning_curves.svg".into(),
        title: format!("{name}: accuracy on task 1 while training tasks 1-{t} in sequence (mean ± sd over seeds)"),
        x_label: "epochs trained".into(),
        y_label: "accuracy on task 1".into(),
        log_x: false,
        log_y: false,
        series: curves,
    });
    out.summary = summary;
    out
}

/// Runs `split`'s task for `setup`.
fn run_task(name: &'static str, split: Split, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
    if setup.duration.is_some() {
        return Err(TaskError::Setting {
            task: name,
            setting: "duration",
            value: format!("{:?}", setup.duration),
            why: "the scenario's length is --iterations training samples per class and task (60 ms trials)".into(),
        });
    }
    let train = match setup.iterations {
        Some(0) => {
            return Err(TaskError::Setting {
                task: name,
                setting: "iterations",
                value: "0".into(),
                why: "needs at least one training sample per class".into(),
            });
        }
        Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        None => None,
    };
    let s = RandmanScenario::new(split, train, setup.workers);
    s.protocol.check().map_err(|e| TaskError::Setting { task: name, setting: "iterations", value: s.protocol.train.to_string(), why: e.to_string() })?;
    progress.stage(&format!("{name} (e-prop in the engine)"), (s.variants.len() * setup.seeds.len()) as u64);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs = run_all(&s, name, &setup.seeds, threads, progress)?;
    Ok(outcome(&s, name, &setup.seeds, &runs))
}

/// `synfire run continual-permuted` (spec 10.2).
#[derive(Debug, Clone, Copy, Default)]
pub struct ContinualPermuted;

impl Task for ContinualPermuted {
    fn name(&self) -> &'static str {
        "continual-permuted"
    }

    fn about(&self) -> &'static str {
        "permuted randman manifolds (spec 10.2): 5 tasks of 10 latency-coded classes, each behind its own input permutation, on a 128-LIF e-prop network in the engine; accuracy matrices and forgetting"
    }

    fn default_seeds(&self) -> u64 {
        3
    }

    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
        run_task(self.name(), Split::Permuted, setup, progress)
    }
}

/// `synfire run continual-split` (spec 10.3).
#[derive(Debug, Clone, Copy, Default)]
pub struct ContinualSplit;

impl Task for ContinualSplit {
    fn name(&self) -> &'static str {
        "continual-split"
    }

    fn about(&self) -> &'static str {
        "split randman classes (spec 10.3): 5 tasks of 2 latency-coded classes on a 128-LIF e-prop network in the engine; class- and task-incremental accuracy matrices and forgetting"
    }

    fn default_seeds(&self) -> u64 {
        3
    }

    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
        run_task(self.name(), Split::Classes, setup, progress)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::continual::AccuracyMatrix;

    /// A tiny scenario: 2 tasks, 16 LIF, 2 training and 1 test sample per class, 30 ms
    /// trials, on `workers` engine workers and `threads` threads, seeds 4 and 5.
    fn tiny(split: Split, workers: usize, threads: usize) -> Outcome {
        let mut s = RandmanScenario::new(split, Some(2), workers);
        s.protocol = EpropProtocol { tasks: 2, test: 1, hidden: 16, window: 20, trial: 30, loss_from: 5, ..s.protocol };
        s.variants = vec![EpropVariant::Plain, EpropVariant::Si { c: 1.0 }];
        let seeds = [4, 5];
        let runs = run_all(&s, "tiny", &seeds, threads, &mut super::super::Quiet).unwrap();
        outcome(&s, "tiny", &seeds, &runs)
    }

    /// Synaptic intelligence consolidates at the task switch: `Omega` is zero over
    /// the first task and positive after the second began; hidden weights log
    /// `|w_h|`; every evaluation has its snapshot.
    #[test]
    fn si_consolidates_at_the_task_switch_and_the_log_shows_it() {
        let mut s = RandmanScenario::new(Split::Permuted, Some(2), 1);
        s.protocol = EpropProtocol { tasks: 2, test: 1, hidden: 16, window: 20, trial: 30, loss_from: 5, ..s.protocol };
        let (runs, _) = s.run_one(EpropVariant::Si { c: 1.0 }, 4).unwrap();
        let snaps = &runs[0].snapshots;
        assert_eq!(snaps.len(), runs[0].curve.len());
        let omega = |i: usize| snaps[i].state.iter().find(|q| q.0 == "Omega").map(|q| q.1.mean).expect("Omega logged");
        assert_eq!((omega(0), omega(1)), (0.0, 0.0), "no consolidation before the first switch");
        assert!(omega(2) > 0.0, "consolidated at the switch: {}", omega(2));
        let (runs, _) = s.run_one(EpropVariant::Metaplastic { m: 1.0 }, 4).unwrap();
        assert!(runs[0].snapshots[2].state.iter().any(|q| q.0 == "|w_h|" && q.1.mean > 0.0));
        assert!(s.run_one(EpropVariant::Si { c: -1.0 }, 4).is_err(), "a negative strength is refused");
    }

    #[test]
    fn a_tiny_split_scenario_summary_is_stable() {
        insta::assert_snapshot!(tiny(Split::Classes, 1, 2).summary);
    }

    #[test]
    fn a_tiny_scenario_is_determined_by_its_seeds_not_by_workers_or_threads() {
        for split in [Split::Classes, Split::Permuted] {
            let a = tiny(split, 1, 2);
            assert_eq!(a.report, tiny(split, 2, 1).report, "{split:?}: 2 engine workers, 1 thread");
            assert_eq!(a.tables, tiny(split, 2, 1).tables);
        }
    }

    /// Every metric in the report is the one computed from that seed's matrix and
    /// baseline; the mean matrix is the mean of the seeds'; split classes report both views.
    #[test]
    fn the_reported_metrics_are_those_of_the_matrices() {
        let out = tiny(Split::Classes, 1, 2);
        let v = &out.report["variants"][0];
        assert_eq!(out.heatmaps[0].panels.len(), 4, "class- and task-incremental panels of each variant");
        for view in ["class_incremental", "task_incremental"] {
            let e = &v[view];
            let matrices: Vec<Vec<Vec<f64>>> = serde_json::from_value(e["matrices"].clone()).unwrap();
            let baselines: Vec<Vec<f64>> = serde_json::from_value(e["baselines"].clone()).unwrap();
            assert_eq!(matrices.len(), 2, "one matrix per seed");
            for (s, (r, b)) in matrices.iter().zip(&baselines).enumerate() {
                let m = AccuracyMatrix::new(r.clone(), b.clone()).unwrap().metrics();
                let got = |k: &str| e[k]["values"][s].as_f64().unwrap();
                assert_eq!(got("average_accuracy"), m.average_accuracy, "{view}");
                assert_eq!(got("learning_accuracy"), m.learning_accuracy);
                assert_eq!(got("backward_transfer"), m.backward_transfer);
                assert_eq!(got("forward_transfer"), m.forward_transfer);
                assert_eq!(got("forgetting_best_past"), m.forgetting_best_past);
                assert_eq!(got("forgetting_after_training"), m.forgetting_after_training);
                assert_eq!(got("first_task_after_training"), r[0][0]);
                assert_eq!(got("first_task_after_last"), r[1][0]);
            }
            let mean: Vec<Vec<f64>> = serde_json::from_value(e["matrix_mean"].clone()).unwrap();
            assert_eq!(mean[1][0], (matrices[0][1][0] + matrices[1][1][0]) / 2.0);
        }
        // With 2 test samples per task, task-incremental decisions (2 readouts) are
        // never worse in count than class-incremental ones (10 readouts) on a task.
        let ci: Vec<Vec<Vec<f64>>> = serde_json::from_value(v["class_incremental"]["matrices"].clone()).unwrap();
        let ti: Vec<Vec<Vec<f64>>> = serde_json::from_value(v["task_incremental"]["matrices"].clone()).unwrap();
        assert!(ci.iter().flatten().flatten().zip(ti.iter().flatten().flatten()).all(|(c, t)| c <= t));
    }

    #[test]
    fn bad_settings_are_refused_by_name() {
        let setup = Setup { duration: Some(synfire_graphs::UnitExt::ms(1.0)), ..Setup::seeds(1, 1, 1) };
        let e = ContinualSplit.run(&setup, &mut super::super::Quiet).unwrap_err();
        assert!(matches!(e, TaskError::Setting { setting: "duration", .. }), "{e}");
        let setup = Setup { iterations: Some(0), ..Setup::seeds(1, 1, 1) };
        let e = ContinualPermuted.run(&setup, &mut super::super::Quiet).unwrap_err();
        assert!(matches!(e, TaskError::Setting { setting: "iterations", .. }), "{e}");
    }
}

/// The specs' expectations for plain e-prop at more samples than the default run
/// (400 training and 50 test samples per class and task, seeds 0-2), release only.
/// Measured: permuted, task 1 0.894 just after training it, 0.157 after task 5;
/// split, class-incremental average accuracy 0.199, last task 0.980. Both tests
/// together took 817 s wall in release on 2 cores shared with other jobs (load
/// 11-15); the permuted one is most of it. Too long for CI's 30 minutes: CI skips
/// them (`.ci/run`); run them with `cargo test --release -p synfire --lib
/// continual_randman::acceptance -- --ignored`.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod acceptance {
    use super::*;

    fn runs(split: Split) -> Vec<SeedRun> {
        let mut s = RandmanScenario::new(split, Some(400), 1);
        s.protocol.test = 50;
        s.variants = vec![EpropVariant::Plain];
        run_all(&s, "acceptance", &[0, 1, 2], 2, &mut super::super::Quiet).unwrap().remove(0)
    }

    fn mean(v: impl Iterator<Item = f64>) -> f64 {
        let v: Vec<f64> = v.collect();
        v.iter().sum::<f64>() / v.len() as f64
    }

    /// Spec 10.2: plain e-prop learns task 1 and forgets it after tasks 2-5.
    #[test]
    #[ignore = "15 e-prop runs of 5 tasks: release only"]
    fn plain_eprop_forgets_the_first_permuted_task() {
        let rs = runs(Split::Permuted);
        let first = mean(rs.iter().map(|r| r.0[0].matrix.r[0][0]));
        let after = mean(rs.iter().map(|r| r.0[0].matrix.r[4][0]));
        eprintln!("permuted: task 1 after task 1 {first:.3}, after task 5 {after:.3}");
        assert!(first >= 0.6, "task 1 is learned: {first}");
        assert!(after <= first - 0.3, "task 1 is forgotten: {first} -> {after}");
    }

    /// Spec 10.3: class-incremental accuracy of plain training collapses to about the
    /// last task's share (20%) after 5 tasks.
    #[test]
    #[ignore = "15 e-prop runs of 5 tasks: release only"]
    fn plain_eprop_class_incremental_accuracy_collapses_to_the_last_tasks_share() {
        let rs = runs(Split::Classes);
        let a = mean(rs.iter().map(|r| r.0[0].matrix.average_accuracy()));
        let last = mean(rs.iter().map(|r| r.0[0].matrix.r[4][4]));
        eprintln!("split, class-incremental: average accuracy {a:.3}, last task {last:.3}");
        assert!(last >= 0.8, "the last task is learned: {last}");
        assert!((a - 0.2).abs() <= 0.05, "average accuracy near 1/5: {a}");
    }
}
