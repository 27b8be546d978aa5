//! A scenario's `[trials]` run on the engine: per trial its input and target, the
//! resets between trials, learning on for training and off for evaluation, and the
//! loss of every trial, as an [`Outcome`] (report fields, the learning curve, a CSV
//! table) that `synfire run FILE` writes like a task's.
//!
//! The timing is the plan's ([`TrialPlan`]): trial `k` starts at tick
//! `s_k = start + k (length + gap)`; the target of trial tick `t` is the readout's
//! injected current at `s_k + 1 + t` (it sees the hidden spikes of tick `t` one tick
//! later), so its output `y` for trial tick `t` is the readout's `y` after tick
//! `s_k + 1 + t`, read from a state probe of `y` every tick. The non-readout
//! populations of `reset` are reset at `s_k + length`, readouts one tick later.

use super::{Figure, Outcome, Progress, Series, Table, TaskError};
use rand::RngExt;
use synfire_graphs::rng::{Domain, stream};
use synfire_graphs::scenario::trials::{TargetSignal, TrialMetric, TrialPlan};
use synfire_graphs::{Graph, ModelKind, PopId, Probe, ProbeKind, Time, probe_kind};
use synfire_runtime::{RunError, Runtime};

/// The name errors carry.
const TASK: &str = "trials";
/// What trials draw from the task stream.
const INPUT: u64 = 21;
const TARGET: u64 = 22;

/// One trial's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrialRecord {
    /// Trial index in the plan.
    pub trial: u64,
    /// Whether it learned.
    pub training: bool,
    /// Training trials before it.
    pub after_training: u64,
    /// `1/2 sum (y - y*)^2` over the loss window.
    pub loss: f64,
    /// `mean (y - y*)^2 / var(y*)` over the loss window.
    pub nmse: f64,
}

/// The handles a plan needs in the graph.
struct Wiring {
    input: Option<(PopId, u64)>,
    readout: (PopId, u64),
    y: Probe<probe_kind::State>,
    reset_early: Vec<PopId>,
    reset_readout: bool,
}

fn bad(field: &'static str, message: String) -> TaskError {
    TaskError::Run { task: TASK, source: RunError::BadInput { field, message } }
}

fn wiring(graph: &Graph, plan: &TrialPlan) -> Result<Wiring, TaskError> {
    let pop = |name: &str| graph.pop(name).ok_or_else(|| bad("trials", format!("no population is called `{name}`")));
    let size = |p: PopId| graph.populations[p.index()].size;
    let readout = pop(&plan.target.population)?;
    let n_out = size(readout);
    let y = graph
        .probes
        .iter()
        .position(|p| matches!(&p.kind, ProbeKind::State { pop, var, neurons, interval } if *pop == readout.index() && var == "y" && neurons.len() as u64 == n_out && interval.to_ticks(graph.dt) == 1))
        .ok_or_else(|| {
            bad(
                "trials.target.population",
                format!(
                    "the loss reads `y` of `{}` every tick: add [[probe]] kind = \"state\", population = \"{}\", var = \"y\", neurons = [0, .., {}], interval = one tick",
                    plan.target.population,
                    plan.target.population,
                    n_out.saturating_sub(1)
                ),
            )
        })?;
    let input = match &plan.input {
        Some(i) => {
            let p = pop(&i.source)?;
            Some((p, size(p)))
        }
        None => None,
    };
    let mut reset_early = Vec::new();
    let mut reset_readout = false;
    for name in &plan.reset {
        let p = pop(name)?;
        if graph.model_kind(p.index()) == Some(ModelKind::LeakyReadout) {
            if p != readout {
                return Err(bad("trials.reset", format!("`{name}` is a readout other than the target's: trials reset only the target readout")));
            }
            reset_readout = true;
        } else {
            reset_early.push(p);
        }
    }
    let y = graph.probe(&graph.probes[y].name).ok_or_else(|| bad("trials", "the probe of `y` has no handle".into()))?;
    Ok(Wiring { input, readout: (readout, n_out), y, reset_early, reset_readout })
}

/// The target of readout neuron `k` in trial `trial`, tick by tick.
fn target(plan: &TrialPlan, seed: u64, trial: u64, k: u64, ticks: u64, dt: f64) -> Vec<f64> {
    let draw = if plan.target.frozen { 0 } else { trial + 1 };
    match &plan.target.signal {
        TargetSignal::Sines { periods } => {
            let mut r = stream(seed, Domain::Task, TARGET, draw * 1_000_003 + k);
            let waves: Vec<(f64, f64, f64)> = periods.iter().map(|p| (r.random_range(0.5..2.0), r.random_range(0.0..std::f64::consts::TAU), p.0)).collect();
            let raw: Vec<f64> =
                (0..ticks).map(|t| waves.iter().map(|&(a, phi, p)| a * (std::f64::consts::TAU * t as f64 * dt / p + phi).sin()).sum()).collect();
            let y0 = raw.first().copied().unwrap_or(0.0);
            let top = raw.iter().fold(0.0f64, |m, y| m.max((y - y0).abs())).max(f64::MIN_POSITIVE);
            raw.iter().map(|y| (y - y0) / top).collect()
        }
        TargetSignal::Steps(steps) => {
            (0..ticks).map(|t| steps.iter().take_while(|(at, _)| at.to_ticks(synfire_graphs::Time(dt)) <= t).last().map_or(0.0, |s| s.1)).collect()
        }
    }
}

/// Runs `plan` on `graph` on a runtime from `builder` (workers, window, guards).
pub fn run(
    graph: &Graph,
    plan: &TrialPlan,
    builder: synfire_runtime::RuntimeBuilder,
    progress: &mut dyn Progress,
) -> Result<(Outcome, Vec<TrialRecord>), TaskError> {
    let err = |source: RunError| TaskError::Run { task: TASK, source };
    let w = wiring(graph, plan)?;
    let dt = graph.dt;
    let (len, gap, start) = (plan.length.to_ticks(dt), plan.gap.to_ticks(dt), plan.start.to_ticks(dt));
    let period = len + gap;
    let at = |tick: u64| Time(tick as f64 * dt.0);
    let schedule = plan.schedule();
    let mut sim: Runtime = builder.build(graph).map_err(err)?;
    let (win0, win1) = plan.loss_window.map_or((0, len), |(a, b)| (a.to_ticks(dt), b.to_ticks(dt).min(len)));
    progress.stage("trials", schedule.len() as u64);
    let mut records = Vec::with_capacity(schedule.len());
    let mut trained = 0;
    for (j, &training) in schedule.iter().enumerate() {
        if progress.stop_requested() {
            return Err(TaskError::Interrupted { task: TASK });
        }
        let j = j as u64;
        let s = start + j * period;
        sim.run_ticks(s - sim.tick()).map_err(err)?;
        sim.set_learning(training).map_err(err)?;
        if let (Some((pop, n)), Some(input)) = (w.input, &plan.input) {
            let p = input.rate.0 * dt.0 * 1e-3;
            let draw = if input.frozen { 0 } else { j + 1 };
            let mut train = Vec::new();
            for i in 0..n {
                let mut r = stream(graph.seed, Domain::Task, INPUT, draw * 1_000_003 + i);
                train.extend((0..len).filter(|_| r.random_bool(p.clamp(0.0, 1.0))).map(|t| (at(s + t), i as u32)));
            }
            sim.inject_spike_train(pop, &train).map_err(err)?;
        }
        let (readout, n_out) = w.readout;
        let targets: Vec<Vec<f64>> = (0..n_out).map(|k| target(plan, graph.seed, j, k, len, dt.0)).collect();
        for (k, values) in targets.iter().enumerate() {
            let mut values = values.clone();
            values.push(0.0);
            sim.schedule_current(readout, k as u64, at(s + 1), &values).map_err(err)?;
        }
        sim.run_ticks(len).map_err(err)?;
        sim.begin_trial(&w.reset_early).map_err(err)?;
        sim.run_ticks(1).map_err(err)?;
        let last: Vec<f64> = (0..n_out).map(|k| sim.read_state(readout, "y", k)).collect::<Result<_, _>>().map_err(err)?;
        if w.reset_readout {
            sim.begin_trial(&[readout]).map_err(err)?;
        }
        // Samples labelled `s + 2 + t` hold y after readout tick `s + 1 + t`; the last
        // one is read above (its sample lies after the tick run).
        let trace = sim.take_state(w.y).map_err(err)?;
        let cols = trace.neurons.len();
        let mut y = vec![vec![0.0; n_out as usize]; len as usize];
        for (row, &tick) in trace.ticks.iter().enumerate() {
            if let Some(t) = tick.checked_sub(s + 2).filter(|&t| t < len) {
                for (k, v) in y[t as usize].iter_mut().enumerate().take(cols) {
                    *v = f64::from(trace.values[row * cols + k]);
                }
            }
        }
        if let Some(out) = y.last_mut() {
            out.clone_from(&last);
        }
        let (mut sq, mut n, mut sum, mut sum2) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for t in win0..win1 {
            for k in 0..n_out as usize {
                let (a, b) = (y[t as usize][k], targets[k][t as usize]);
                sq += (a - b).powi(2);
                (n, sum, sum2) = (n + 1.0, sum + b, sum2 + b * b);
            }
        }
        let var = (sum2 / n.max(1.0) - (sum / n.max(1.0)).powi(2)).max(f64::MIN_POSITIVE);
        let rec = TrialRecord { trial: j, training, after_training: trained, loss: 0.5 * sq, nmse: sq / n.max(1.0) / var };
        progress.advance(1, &format!("trial {j} ({}): loss {:.4}, nMSE {:.3}", if training { "train" } else { "evaluate" }, rec.loss, rec.nmse));
        trained += u64::from(training);
        records.push(rec);
    }
    Ok((outcome(plan, &records), records))
}

/// Report fields, figures and the table of a plan's records.
fn outcome(plan: &TrialPlan, records: &[TrialRecord]) -> Outcome {
    let mut out = Outcome::default();
    let metric = |r: &TrialRecord, m: TrialMetric| if m == TrialMetric::Loss { r.loss } else { r.nmse };
    let mut blocks: Vec<(u64, Vec<&TrialRecord>)> = Vec::new();
    for r in records.iter().filter(|r| !r.training) {
        match blocks.last_mut() {
            Some((after, rs)) if *after == r.after_training => rs.push(r),
            _ => blocks.push((r.after_training, vec![r])),
        }
    }
    let mean = |rs: &[&TrialRecord], m: TrialMetric| rs.iter().map(|r| metric(r, m)).sum::<f64>() / rs.len().max(1) as f64;
    let evaluations: Vec<serde_json::Value> = blocks
        .iter()
        .map(|(after, rs)| {
            let mut e = serde_json::Map::new();
            e.insert("after_training_trials".into(), (*after).into());
            e.insert("trials".into(), rs.len().into());
            for &m in &plan.report {
                e.insert(m.name().into(), mean(rs, m).into());
            }
            e.into()
        })
        .collect();
    let per_trial: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let mut e = serde_json::Map::new();
            e.insert("trial".into(), r.trial.into());
            e.insert("phase".into(), if r.training { "train" } else { "evaluate" }.into());
            e.insert("after_training_trials".into(), r.after_training.into());
            for &m in &plan.report {
                e.insert(m.name().into(), metric(r, m).into());
            }
            e.into()
        })
        .collect();
    out.set("training_trials", plan.train);
    out.set("evaluation_trials_per_block", plan.evaluate);
    out.set("per_trial", per_trial);
    out.set("evaluation", evaluations);
    let first_metric = plan.report.first().copied().unwrap_or(TrialMetric::Loss);
    let mut fig = Figure {
        file: "learning_curve.svg".into(),
        title: format!("{} per trial: training (learning on) and evaluation (learning off)", first_metric.name()),
        x_label: "training trials".into(),
        y_label: first_metric.name().into(),
        log_y: true,
        ..Figure::default()
    };
    let train: Vec<(f64, f64)> = records.iter().filter(|r| r.training).map(|r| (r.after_training as f64, metric(r, first_metric))).collect();
    if !train.is_empty() {
        fig.series.push(Series { name: "training trials".into(), points: train, spread: Vec::new() });
    }
    if !blocks.is_empty() {
        let points = blocks.iter().map(|(after, rs)| (*after as f64, mean(rs, first_metric))).collect();
        fig.series.push(Series { name: "evaluation, learning off".into(), points, spread: Vec::new() });
    }
    out.figures.push(fig);
    let mut header = vec!["trial".to_string(), "phase".into(), "after_training_trials".into()];
    header.extend(plan.report.iter().map(|m| m.name().to_string()));
    let rows = records
        .iter()
        .map(|r| {
            let mut row = vec![r.trial.to_string(), if r.training { "train" } else { "evaluate" }.to_string(), r.after_training.to_string()];
            row.extend(plan.report.iter().map(|&m| format!("{:.6}", metric(r, m))));
            row
        })
        .collect();
    out.tables.push(Table { file: "trials.csv".into(), what: "every trial's metrics, phase and training trials before it".into(), header, rows });
    let mut summary = format!("{:<28} {:>8}", "evaluation (learning off)", "trials");
    for m in &plan.report {
        summary += &format!(" {:>12}", m.name());
    }
    summary.push('\n');
    for (after, rs) in &blocks {
        summary += &format!("{:<28} {:>8}", format!("after {after} training trials"), rs.len());
        for &m in &plan.report {
            summary += &format!(" {:>12.5}", mean(rs, m));
        }
        summary.push('\n');
    }
    out.summary = summary;
    out
}
