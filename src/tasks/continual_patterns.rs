//! `continual-patterns` (spec 10.1): sequential pattern association, task A then
//! task B, on one graded unit `p = sigmoid(w·x)` in the engine whose synapses learn
//! by the delta rule behind the metaplastic wrappers of spec 7, side by side
//! (plain, metaplastic `m ∈ {0.5, 1, 2}`, SI `c ∈ {0.01, 0.1, 1}`, Benna–Fusi
//! `m = 8`) over seeds. Runs (variant, seed) go to as many threads as the machine
//! has cores, each an engine run on `--workers` workers; results do not depend on
//! either.
//!
//! Reports per variant the accuracy matrix (mean over seeds) and every metric of
//! spec 10.6 (mean and spread), learning curves (anytime evaluations on A and B) and
//! a plain-text table: retention of A after B, accuracy on B; and spec 10.6's log
//! of every evaluation (`state_log.csv`, `state_after_each_task` in the report):
//! activity, fraction at bounds, distributions of `w` and the wrapper's state.
//!
//! This is the rate abstraction of the protocol (`crate::continual::engine_rate`);
//! `continual-patterns-spiking` runs the same protocol and report in the spiking
//! form (`crate::continual::engine_spiking`).

use super::{Figure, Heatmap, Outcome, Progress, Series, Setup, Stats, Table, Task, TaskError};
use crate::continual::{Form, Protocol, Run, Scenario, SpikingProtocol, Variant};

const NAME: &str = "continual-patterns";

/// The task.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContinualPatterns;

/// The scenario `synfire run continual-patterns` runs (`--iterations` sets the epochs
/// per task) in `form` on `workers` engine workers.
pub fn scenario(epochs: Option<u64>, form: Form, workers: usize) -> Scenario {
    let d = Protocol::default();
    let epochs = epochs.map_or(d.epochs, |e| e as usize);
    Scenario { protocol: Protocol { epochs, ..d }, variants: Variant::spec_10_1(), form, spiking: SpikingProtocol::default(), workers }
}

/// Every `(variant, seed)` run of `scenario`, on up to `threads` threads at once,
/// reported to `progress` as they finish; `runs[v][s]` in the order of the variants
/// and seeds.
pub fn run_all(scenario: &Scenario, seeds: &[u64], threads: usize, progress: &mut dyn Progress) -> Result<Vec<Vec<Run>>, TaskError> {
    let name = if scenario.form == Form::Spiking { NAME_SPIKING } else { NAME };
    let t = scenario.protocol.tasks.max(1) - 1;
    super::pool::variants_by_seeds(
        (scenario.variants.len(), seeds.len()),
        threads,
        name,
        progress,
        &|v, s| scenario.run_one(scenario.variants[v], seeds[s]),
        &|e| TaskError::Setting { task: name, setting: "iterations", value: scenario.protocol.epochs.to_string(), why: e.to_string() },
        &|v, s, run| format!("{} seed {}: A {:.2}, last {:.2}", scenario.variants[v].label(), seeds[s], run.matrix.r[t][0], run.matrix.r[t][t]),
    )
}

/// Every variant's runs, over the seeds, as `report.json` fields, tables, figures and
/// the summary.
pub fn outcome(scenario: &Scenario, seeds: &[u64], runs: &[Vec<Run>]) -> Outcome {
    let t = scenario.protocol.tasks;
    let mut out = Outcome::default();
    out.set("protocol", scenario.protocol);
    if scenario.form == Form::Spiking {
        out.set("form", "spiking");
        out.set("spiking", scenario.spiking);
    }
    let mut entries = Vec::new();
    let sp = &scenario.spiking;
    let (form, eta) = match scenario.form {
        Form::Spiking => (
            format!(
                "spiking form in the engine: {:?} Poisson trains, LIF scale {} mV, r_max {} Hz, trace {} ms",
                sp.noise, sp.threshold_mv, sp.rate_max_hz, sp.tau_trace_ms
            ),
            format!("{} mV", sp.eta),
        ),
        Form::Reference => ("rate form, serial reference".to_string(), scenario.protocol.eta.to_string()),
        _ => ("rate form in the engine".to_string(), scenario.protocol.eta.to_string()),
    };
    let mut summary = format!(
        "continual-patterns (spec 10.1, {form}): N = {}, P = {}, {} tasks, eta {}, {} epochs per task, {} seeds\n{:<18} {:>22} {:>22} {:>22} {:>22}\n",
        scenario.protocol.inputs,
        scenario.protocol.patterns,
        t,
        eta,
        scenario.protocol.epochs,
        seeds.len(),
        "variant",
        "A after A",
        "A after last",
        "last task",
        "forgetting",
    );
    let mut curves = Vec::new();
    let mut heat_panels = Vec::new();
    let mut state_log = Vec::new();
    for (v, rs) in scenario.variants.iter().zip(runs) {
        let stat = |f: &dyn Fn(&Run) -> f64| Stats::of(&rs.iter().map(f).collect::<Vec<_>>());
        let baseline: Vec<f64> = (0..t).map(|j| rs.iter().map(|r| r.matrix.baseline[j]).sum::<f64>() / rs.len() as f64).collect();
        let mean_matrix: Vec<Vec<f64>> = (0..t).map(|i| (0..t).map(|j| rs.iter().map(|r| r.matrix.r[i][j]).sum::<f64>() / rs.len() as f64).collect()).collect();
        let metrics = |f: fn(&crate::continual::Metrics) -> f64| stat(&|r: &Run| f(&r.matrix.metrics()));
        let (a_a, a_last, last) = (stat(&|r| r.matrix.r[0][0]), stat(&|r| r.matrix.r[t - 1][0]), stat(&|r| r.matrix.r[t - 1][t - 1]));
        let forgetting = metrics(|m| m.forgetting_best_past);
        summary += &format!("{:<18} {:>22} {:>22} {:>22} {:>22}\n", v.label(), a_a.show(3), a_last.show(3), last.show(3), forgetting.show(3));
        entries.push(serde_json::json!({
            "variant": v.label(),
            "parameters": v,
            "matrix_mean": mean_matrix,
            "matrices": rs.iter().map(|r| &r.matrix.r).collect::<Vec<_>>(),
            "retention_first_task": a_last,
            "accuracy_last_task": last,
            "average_accuracy": metrics(|m| m.average_accuracy),
            "learning_accuracy": metrics(|m| m.learning_accuracy),
            "backward_transfer": metrics(|m| m.backward_transfer),
            "forward_transfer": metrics(|m| m.forward_transfer),
            "forgetting_best_past": forgetting,
            "forgetting_after_training": metrics(|m| m.forgetting_after_training),
            "state_after_each_task": state_after_each_task(scenario, rs),
        }));
        state_rows(&mut state_log, &v.label(), seeds, rs);
        out.tables.push(Table {
            file: format!("matrix_{}.csv", file_label(&v.label())),
            what: format!("{}: accuracy on task j (columns) after training task i (rows), mean over seeds; row `init` is untrained", v.label()),
            header: std::iter::once("after".to_string()).chain((0..t).map(|j| format!("task_{j}"))).collect(),
            rows: std::iter::once(("init".to_string(), baseline.clone()))
                .chain(mean_matrix.iter().enumerate().map(|(i, row)| (format!("task_{i}"), row.clone())))
                .map(|(name, row)| std::iter::once(name).chain(row.iter().map(|x| format!("{x:.4}"))).collect())
                .collect(),
        });
        heat_panels.push((v.label(), std::iter::once(baseline).chain(mean_matrix.iter().cloned()).collect()));
        if matches!(v, Variant::Plain | Variant::Metaplastic { m: 1.0 } | Variant::Si { c: 0.01, .. }) {
            for j in 0..t {
                let points: Vec<(f64, f64)> =
                    (0..rs[0].curve.len()).map(|c| (rs[0].curve[c].0, rs.iter().map(|r| r.curve[c].1[j]).sum::<f64>() / rs.len() as f64)).collect();
                curves.push(Series { name: format!("{} task {j}", v.label()), points, spread: Vec::new() });
            }
        }
    }
    out.set("variants", entries);
    out.tables.push(state_table(state_log));
    out.heatmaps.push(Heatmap {
        file: "accuracy_matrix.svg".into(),
        title: "accuracy matrices, mean over seeds".into(),
        row_label: "after training task (init: untrained)".into(),
        column_label: "accuracy on task".into(),
        rows: std::iter::once("init".to_string()).chain((0..t).map(|i| format!("task {i}"))).collect(),
        columns: (0..t).map(|j| format!("task {j}")).collect(),
        range: (0.0, 1.0),
        panels: heat_panels,
    });
    out.figures.push(Figure {
        file: "learning_curves.svg".into(),
        title: "accuracy on each task while training tasks in sequence".into(),
        x_label: "epochs trained".into(),
        y_label: "accuracy".into(),
        log_x: false,
        log_y: false,
        series: curves,
    });
    out.figures.push(Figure {
        file: "retention.svg".into(),
        title: "accuracy on the first task after each task, by variant".into(),
        x_label: "tasks trained".into(),
        y_label: "accuracy on task 0".into(),
        log_x: false,
        log_y: false,
        series: scenario
            .variants
            .iter()
            .zip(runs)
            .map(|(v, rs)| Series {
                name: v.label(),
                points: (0..t).map(|i| ((i + 1) as f64, rs.iter().map(|r| r.matrix.r[i][0]).sum::<f64>() / rs.len() as f64)).collect(),
                spread: Vec::new(),
            })
            .collect(),
    });
    out.summary = summary;
    out
}

/// A variant's label as part of a file name: `meta(m=1)` -> `meta_m_1`.
pub(crate) fn file_label(label: &str) -> String {
    label.replace(['(', ')', '='], "_").replace("__", "_").trim_end_matches('_').to_string()
}

/// `state_log.csv` of `rows` ([`state_rows`]).
pub(crate) fn state_table(rows: Vec<Vec<String>>) -> Table {
    Table {
        file: "state_log.csv".into(),
        what: "spec 10.6's log at every evaluation: per variant, seed and epochs trained, the activity during the evaluation, the fraction of learning synapses at their bounds (empty: the rule has none) and the distribution over synapses of the efficacy w and of the wrapper's state (|w_h|, Omega, u_k)".into(),
        header: ["variant", "seed", "epochs", "quantity", "mean", "sd", "p05", "p50", "p95"].map(String::from).to_vec(),
        rows,
    }
}

/// The rows of `state_log.csv` for one variant's runs.
pub(crate) fn state_rows(rows: &mut Vec<Vec<String>>, variant: &str, seeds: &[u64], runs: &[Run]) {
    let num = |x: f64| if x.is_finite() { format!("{x:.6}") } else { String::new() };
    for (seed, run) in seeds.iter().zip(runs) {
        for ((epochs, _), snap) in run.curve.iter().zip(&run.snapshots) {
            let mut row = |quantity: &str, values: [f64; 5]| {
                rows.push([variant.to_string(), seed.to_string(), epochs.to_string(), quantity.to_string()].into_iter().chain(values.map(num)).collect());
            };
            for (name, value) in &snap.activity {
                row(name, [*value, f64::NAN, f64::NAN, f64::NAN, f64::NAN]);
            }
            row("fraction at bounds", [snap.at_bounds.unwrap_or(f64::NAN), f64::NAN, f64::NAN, f64::NAN, f64::NAN]);
            for (name, s) in &snap.state {
                row(name, [s.mean, s.sd, s.p05, s.p50, s.p95]);
            }
        }
    }
}

/// Per task, the state at the evaluation that ends it, each figure's mean and
/// spread over seeds: activity, fraction at bounds, and each state quantity's mean
/// and median.
fn state_after_each_task(scenario: &Scenario, runs: &[Run]) -> serde_json::Value {
    let e = scenario.protocol.epochs as f64;
    let ends: Vec<Vec<&crate::continual::Snapshot>> = (0..scenario.protocol.tasks)
        .map(|k| runs.iter().filter_map(|r| r.curve.iter().rposition(|c| c.0 == (k + 1) as f64 * e).map(|i| &r.snapshots[i])).collect())
        .collect();
    let stat = |snaps: &[&crate::continual::Snapshot], f: &dyn Fn(&crate::continual::Snapshot) -> Option<f64>| {
        let v: Vec<f64> = snaps.iter().filter_map(|s| f(s)).collect();
        (!v.is_empty()).then(|| Stats::of(&v))
    };
    let tasks: Vec<serde_json::Value> = ends
        .iter()
        .enumerate()
        .map(|(k, snaps)| {
            let Some(first) = snaps.first() else { return serde_json::json!({ "after_task": k }) };
            let activity: serde_json::Map<String, serde_json::Value> = first
                .activity
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (name.clone(), serde_json::json!(stat(snaps, &|s| s.activity.get(i).map(|a| a.1)))))
                .collect();
            let state: serde_json::Map<String, serde_json::Value> = first
                .state
                .iter()
                .enumerate()
                .map(|(i, (name, _))| {
                    let mean = stat(snaps, &|s| s.state.get(i).map(|q| q.1.mean));
                    let median = stat(snaps, &|s| s.state.get(i).map(|q| q.1.p50));
                    (name.clone(), serde_json::json!({ "mean": mean, "median": median }))
                })
                .collect();
            serde_json::json!({
                "after_task": k,
                "activity": activity,
                "fraction_at_bounds": stat(snaps, &|s| s.at_bounds),
                "state": state,
            })
        })
        .collect();
    serde_json::json!(tasks)
}

/// The task `name`: the scenario in `form` over the setup's seeds (`no_duration`:
/// why `--duration` is refused).
fn run_form(name: &'static str, form: Form, no_duration: &str, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
    if setup.duration.is_some() {
        return Err(TaskError::Setting { task: name, setting: "duration", value: format!("{:?}", setup.duration), why: no_duration.into() });
    }
    let scenario = scenario(setup.iterations, form, setup.workers);
    scenario.check().map_err(|e| TaskError::Setting { task: name, setting: "iterations", value: scenario.protocol.epochs.to_string(), why: e.to_string() })?;
    let what = if form == Form::Spiking { "spiking" } else { "rate" };
    progress.stage(&format!("continual patterns ({what}, in the engine)"), (scenario.variants.len() * setup.seeds.len()) as u64);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs = run_all(&scenario, &setup.seeds, threads, progress)?;
    Ok(outcome(&scenario, &setup.seeds, &runs))
}

impl Task for ContinualPatterns {
    fn name(&self) -> &'static str {
        NAME
    }

    fn about(&self) -> &'static str {
        "sequential pattern association (spec 10.1, rate form in the engine): tasks A then B on a delta-rule unit, plain vs metaplastic vs SI vs Benna-Fusi, accuracy matrices and forgetting"
    }

    fn default_seeds(&self) -> u64 {
        5
    }

    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
        run_form(NAME, Form::Rate, "the rate protocol has no model time: its length is --iterations epochs per task", setup, progress)
    }
}

/// `synfire run continual-patterns-spiking`: the same protocol and report in the
/// spiking form (`crate::continual::engine_spiking`): Poisson-coded patterns onto
/// one LIF neuron.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContinualPatternsSpiking;

const NAME_SPIKING: &str = "continual-patterns-spiking";

impl Task for ContinualPatternsSpiking {
    fn name(&self) -> &'static str {
        NAME_SPIKING
    }

    fn about(&self) -> &'static str {
        "continual-patterns in the spiking form (spec 10.1): Poisson-coded patterns onto one LIF neuron, the wrapped delta rule once per 100 ms presentation, same report"
    }

    fn default_seeds(&self) -> u64 {
        5
    }

    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
        run_form(NAME_SPIKING, Form::Spiking, "the protocol's length is --iterations epochs per task (100 ms per presentation)", setup, progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A short scenario in the engine: 3 variants, 2 epochs per task, seeds 1 and 2
    /// (or 2 and 3), on `workers` engine workers and `threads` threads.
    fn short(first: u64, workers: usize, threads: usize) -> Outcome {
        let mut s = scenario(Some(2), Form::Rate, workers);
        s.variants = vec![Variant::Plain, Variant::Metaplastic { m: 2.0 }, Variant::Si { c: 1.0, xi: 0.1 }];
        let seeds = [first, first + 1];
        let runs = run_all(&s, &seeds, threads, &mut super::super::Quiet).unwrap();
        outcome(&s, &seeds, &runs)
    }

    #[test]
    fn a_short_scenario_summary_is_stable() {
        insta::assert_snapshot!(short(1, 1, 2).summary);
    }

    #[test]
    fn a_scenario_is_determined_by_its_seeds_not_by_workers_or_threads() {
        let a = short(1, 1, 2);
        assert_eq!(a.report, short(1, 2, 1).report, "2 engine workers, 1 thread");
        assert_ne!(short(2, 1, 2).report.get("variants"), a.report.get("variants"));
    }

    #[test]
    fn the_matrix_heatmap_holds_each_variants_mean_matrix_under_its_untrained_row() {
        let out = short(1, 1, 2);
        let [map] = &out.heatmaps[..] else { panic!("one heatmap, got {}", out.heatmaps.len()) };
        assert_eq!(map.panels.len(), 3, "a panel per variant");
        let variants = out.report["variants"].as_array().expect("variants");
        for ((name, m), v) in map.panels.iter().zip(variants) {
            assert_eq!(name, v["variant"].as_str().expect("label"));
            let mean: Vec<Vec<f64>> = serde_json::from_value(v["matrix_mean"].clone()).expect("matrix");
            assert_eq!(&m[1..], &mean[..], "{name}: rows after the untrained row are the mean matrix");
            assert_eq!(m.len(), map.rows.len());
        }
    }

    #[test]
    fn a_duration_is_refused_by_name() {
        let setup = Setup { duration: Some(synfire_graphs::UnitExt::ms(1.0)), ..Setup::seeds(1, 1, 1) };
        let e = ContinualPatterns.run(&setup, &mut super::super::Quiet).unwrap_err();
        assert!(matches!(e, TaskError::Setting { setting: "duration", .. }), "{e}");
    }
}

/// Spec 7.2 and 7.3 acceptance on protocol 10.1 (rate form in the engine, 5 seeds,
/// full 60 epochs): release-only (`cargo test --release -- --ignored`).
#[cfg(test)]
mod acceptance {
    use crate::continual::{Form, Scenario, Variant};

    /// Mean over seeds 1..=5 of (A after B, B after B) for each of `vs`, two runs at
    /// a time.
    fn retention(vs: &[Variant]) -> Vec<(f64, f64)> {
        let mut s = Scenario { variants: vs.to_vec(), ..super::scenario(None, Form::Rate, 1) };
        // Only the task ends count here: no anytime evaluations (a tenth of the ticks).
        s.protocol.eval_every = 0;
        let runs = super::run_all(&s, &[1, 2, 3, 4, 5], 2, &mut super::super::Quiet).unwrap();
        let mean = |rs: &[crate::continual::Run], f: &dyn Fn(&crate::continual::Run) -> f64| rs.iter().map(f).sum::<f64>() / rs.len() as f64;
        runs.iter().map(|rs| (mean(rs, &|r| r.matrix.r[1][0]), mean(rs, &|r| r.matrix.r[1][1]))).collect()
    }

    /// 25 engine runs (5 variants, 5 seeds), about 18 s of CPU in release. That a
    /// large `c` freezes learning (B 0.535 at c = 1) is in the flagship's report.
    #[test]
    #[ignore = "25 engine runs of the full protocol: release only"]
    fn metaplasticity_and_synaptic_intelligence_meet_specs_7_2_and_7_3() {
        let m = |m| Variant::Metaplastic { m };
        let si = |c| Variant::Si { c, xi: 0.1 };
        let r = retention(&[Variant::Plain, m(0.5), m(1.0), m(2.0), si(0.01)]);
        eprintln!("plain, meta 0.5/1/2, si 0.01: {r:?}");
        let (plain, meta) = (r[0], &r[..4]);
        assert!(r[2].0 >= plain.0 + 0.10, "m = 1 retains A {} vs plain {}", r[2].0, plain.0);
        assert!(r[2].1 >= 0.95, "m = 1 learns B: {}", r[2].1);
        assert!(meta.windows(2).all(|w| w[1].0 >= w[0].0), "retention grows with m: {meta:?}");
        assert!(meta.windows(2).all(|w| w[1].1 <= w[0].1), "B accuracy falls with m: {meta:?}");
        assert!(r[4].0 >= 0.85 && r[4].1 >= 0.95, "c = 0.01 retains A >= 0.85 with B >= 0.95: {:?}", r[4]);
    }

    /// Spec 7.2's orderings in the spiking form (`continual-patterns-spiking`'s
    /// defaults: frozen Poisson trains onto one LIF neuron), 30 engine runs, about
    /// a minute on 2 cores in release. What holds is asserted: m = 1 retains A at
    /// least 0.10 better than plain, retention rises and B falls with m, SI retains
    /// more than plain. What does NOT hold (issue 10 stays open on it): B after B at
    /// m = 1 is 0.84 against the specs' 0.95, and no c in spec 10.1's set gives
    /// A >= 0.85 with B >= 0.95 (c = 0.01: 0.93 / 0.845; 0.1: 0.99 / 0.585).
    #[test]
    #[ignore = "long: run in release with --ignored"]
    fn the_spiking_form_shows_the_orderings_of_spec_7_2() {
        let m = |m| Variant::Metaplastic { m };
        let si = |c| Variant::Si { c, xi: 0.1 };
        let mut s = Scenario { variants: vec![Variant::Plain, m(0.5), m(1.0), m(2.0), si(0.01), si(0.1)], ..super::scenario(None, Form::Spiking, 1) };
        s.protocol.eval_every = 0;
        let runs = super::run_all(&s, &[1, 2, 3, 4, 5], 2, &mut super::super::Quiet).unwrap();
        let mean = |rs: &[crate::continual::Run], f: &dyn Fn(&crate::continual::Run) -> f64| rs.iter().map(f).sum::<f64>() / rs.len() as f64;
        let r: Vec<(f64, f64)> = runs.iter().map(|rs| (mean(rs, &|r| r.matrix.r[1][0]), mean(rs, &|r| r.matrix.r[1][1]))).collect();
        eprintln!("spiking: plain, meta 0.5/1/2, si 0.01/0.1: {r:?}");
        let (plain, meta) = (r[0], &r[..4]);
        assert!(r[2].0 >= plain.0 + 0.10, "m = 1 retains A {} vs plain {}", r[2].0, plain.0);
        assert!(r[2].1 >= 0.75, "m = 1 still learns B: {}", r[2].1);
        assert!(meta.windows(2).all(|w| w[1].0 >= w[0].0), "retention grows with m: {meta:?}");
        assert!(meta.windows(2).all(|w| w[1].1 <= w[0].1), "B accuracy falls with m: {meta:?}");
        assert!(r[4..].iter().all(|&(a, _)| a >= plain.0 + 0.10), "SI retains more than plain: {:?} vs {plain:?}", &r[4..]);
    }
}
