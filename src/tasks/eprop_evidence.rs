//! `eprop-evidence`: evidence accumulation with e-prop (specs 4.2): seven cues on the
//! left or the right, a delay, a recall cue; the network must answer which side got
//! the majority, which needs the seconds-long memory of ALIF adaptation. Trains the
//! LIF+ALIF network and an LIF-only network of the same size with Adam over batches
//! of trials (their gradients summed into one step) and reports the classification
//! error per iteration, mean and spread over seeds.
//!
//! At the specs' settings (batch 64, 1000 iterations) a run is 64 000 trials of
//! 2.25 s per network: about 1 s of CPU per iteration, half an hour per network and
//! seed on a free core; `--iterations` shortens it.

use super::{Figure, Outcome, Progress, Series, Setup, Stats, Table, Task, TaskError};
use crate::eprop::{EpropSpec, Trainer};
use rand::RngExt;
use synfire_graphs::rng::{Domain, stream};
use synfire_graphs::{Network, UnitExt};

/// The task.
#[derive(Debug, Clone, Copy)]
pub struct EpropEvidence;

/// What the task draws from its stream.
const TRIAL: u64 = 3;
/// Iterations the specs' acceptance reads.
const DEFAULT_ITERATIONS: u64 = 1000;
/// The loss window and the recall cue: the last 150 ms.
const RECALL_MS: u64 = 150;

/// One trial: the input spikes `(tick, input)`, the label (0 left, 1 right).
#[derive(Debug, Clone, PartialEq)]
pub struct CueTrial {
    /// Input spikes.
    pub input: Vec<(u64, u32)>,
    /// The side that received more than 3 of the 7 cues.
    pub label: usize,
}

/// Trial `index` of seed `seed` (specs 4.2): a likely side (probability 0.7 for its
/// cues), 7 cues of 100 ms from `50 + 150 k` ms on the left (inputs 0-9) or right
/// (10-19) group at 40 Hz, the recall cue (20-29) at 40 Hz in the last 150 ms, noise
/// (30-39) at 10 Hz throughout, over `ticks` ticks of 1 ms.
pub fn cue_trial(seed: u64, index: u64, ticks: u64) -> CueTrial {
    let mut r = stream(seed, Domain::Task, TRIAL, index);
    let left_likely = r.random_bool(0.5);
    let cues: Vec<bool> = (0..7).map(|_| r.random_bool(if left_likely { 0.7 } else { 0.3 })).collect();
    let left = cues.iter().filter(|&&c| c).count();
    let mut input = Vec::new();
    for t in 0..ticks {
        let cue = (0..7usize).find(|&k| t >= 50 + 150 * k as u64 && t < 150 + 150 * k as u64);
        for i in 0..40u32 {
            let rate_hz = match i / 10 {
                0 => cue.filter(|&k| cues[k]).map_or(0.0, |_| 40.0),
                1 => cue.filter(|&k| !cues[k]).map_or(0.0, |_| 40.0),
                2 if t + RECALL_MS >= ticks => 40.0,
                3 => 10.0,
                _ => 0.0,
            };
            if rate_hz > 0.0 && r.random_bool(rate_hz * 1e-3) {
                input.push((t, i));
            }
        }
    }
    CueTrial { input, label: usize::from(left <= 3) }
}

/// The target of a trial: one-hot `label` during the recall window, nothing before.
fn target(label: usize, ticks: u64) -> Vec<Vec<f64>> {
    (0..ticks).map(|t| if t + RECALL_MS >= ticks { (0..2).map(|k| if k == label { 1.0 } else { 0.0 }).collect() } else { vec![0.0, 0.0] }).collect()
}

/// The decision: the readout with the larger mean output over the recall window.
fn decision(y: &[Vec<f64>]) -> usize {
    let window = &y[y.len().saturating_sub(RECALL_MS as usize)..];
    let mean = |k: usize| window.iter().map(|r| r[k]).sum::<f64>();
    usize::from(mean(1) > mean(0))
}

/// Trains one network: the error per iteration (fraction of the batch decided wrong).
/// Iterations between evaluation blocks (a batch of held-out trials, learning off);
/// also at iteration 0 and after the last.
const EVAL_EVERY: u64 = 50;
/// The held-out batch: trial indices from here on (training uses `0..`), the same
/// batch at every evaluation.
const HELD_OUT: u64 = 1 << 40;

/// One training run: the error of each iteration's batch, and `(iteration, error)`
/// of each evaluation block (a batch of held-out trials with learning off, run
/// before that iteration's training batch; the last after the last iteration).
#[derive(Debug, Clone, PartialEq, Default)]
struct Run {
    errors: Vec<f64>,
    eval: Vec<(u64, f64)>,
}

fn train(spec: &EpropSpec, seed: u64, iterations: u64, workers: usize, progress: &mut dyn Progress, label: &str) -> Result<Run, TaskError> {
    let task = "eprop-evidence";
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let h = spec.build(&mut net);
    let graph = net.freeze_with(&synfire_rules::Catalog).map_err(|source| TaskError::Build { task, source })?;
    let mut trainer = Trainer::new(&graph, spec, &h, workers).map_err(|source| TaskError::Run { task, source })?;
    let mut run = Run::default();
    progress.stage(label, iterations);
    // A whole batch per evaluation, so that the optimiser's steps stay on their
    // training batches.
    let evaluate = |trainer: &mut Trainer, it: u64, run: &mut Run| -> Result<(), TaskError> {
        trainer.set_learning(false);
        let mut wrong = 0;
        for b in 0..spec.batch {
            let trial = cue_trial(seed, HELD_OUT + b, spec.trial_ticks);
            let out = trainer.trial(&trial.input, &target(trial.label, spec.trial_ticks)).map_err(|source| TaskError::Run { task, source })?;
            wrong += usize::from(decision(&out.y) != trial.label);
        }
        trainer.set_learning(true);
        run.eval.push((it, wrong as f64 / spec.batch.max(1) as f64));
        Ok(())
    };
    for it in 0..iterations {
        if it % EVAL_EVERY == 0 {
            evaluate(&mut trainer, it, &mut run)?;
        }
        let mut wrong = 0;
        for b in 0..spec.batch {
            if progress.stop_requested() {
                return Err(TaskError::Interrupted { task });
            }
            let trial = cue_trial(seed, it * spec.batch + b, spec.trial_ticks);
            let out = trainer.trial(&trial.input, &target(trial.label, spec.trial_ticks)).map_err(|source| TaskError::Run { task, source })?;
            wrong += usize::from(decision(&out.y) != trial.label);
        }
        let e = wrong as f64 / spec.batch as f64;
        run.errors.push(e);
        progress.advance(1, &format!("iteration {it}: error {e:.3}"));
    }
    evaluate(&mut trainer, iterations, &mut run)?;
    Ok(run)
}

impl Task for EpropEvidence {
    fn name(&self) -> &'static str {
        "eprop-evidence"
    }

    fn about(&self) -> &'static str {
        "e-prop evidence accumulation (specs 4.2): LIF+ALIF against LIF only, classification error per iteration (batches of 64 trials: about 1 s of CPU per iteration and network)"
    }

    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
        let iterations = setup.iterations_or(DEFAULT_ITERATIONS);
        if setup.duration.is_some() {
            return Err(TaskError::Setting {
                task: self.name(),
                setting: "duration",
                value: format!("{:?}", setup.duration),
                why: "the task's time is its iterations of 2.25 s trials".into(),
            });
        }
        let base = EpropSpec::evidence_accumulation();
        let variants = [("lif+alif", base.clone()), ("lif only", EpropSpec { n_lif: 100, n_alif: 0, ..base.clone() })];
        let mut out = Outcome::default();
        let mut fig = Figure {
            file: "learning_curve.svg".into(),
            title: format!("evidence accumulation: error per iteration (batch {})", base.batch),
            x_label: "iteration".into(),
            y_label: "error".into(),
            ..Figure::default()
        };
        let mut table = Table {
            file: "errors.csv".into(),
            what: "classification error of each iteration's training batch (trials = train) and of each evaluation batch before that iteration (held_out: learning off), per network and seed".into(),
            header: ["network", "seed", "iteration", "error", "trials"].map(String::from).to_vec(),
            rows: Vec::new(),
        };
        let mut summary = format!("{:<10} {:>6} {:>26} {:>26}\n", "network", "seeds", "error, last 10 iterations", "held-out error, no learning");
        let mut report = serde_json::Map::new();
        for (name, spec) in variants {
            let (mut runs, mut evals) = (Vec::new(), Vec::new());
            for &seed in &setup.seeds {
                let r = train(&spec, seed, iterations, setup.workers, progress, &format!("{name}, seed {seed}"))?;
                table.rows.extend(
                    r.errors.iter().enumerate().map(|(it, v)| vec![name.to_string(), seed.to_string(), it.to_string(), format!("{v:.4}"), "train".into()]),
                );
                table.rows.extend(r.eval.iter().map(|(it, v)| vec![name.to_string(), seed.to_string(), it.to_string(), format!("{v:.4}"), "held_out".into()]));
                evals.push(r.eval);
                runs.push(r.errors);
            }
            let eval_its: Vec<u64> = evals.first().map(|e| e.iter().map(|x| x.0).collect()).unwrap_or_default();
            let eval_at = |k: usize| Stats::of(&evals.iter().filter_map(|e| e.get(k).map(|x| x.1)).collect::<Vec<_>>());
            fig.series.push(Series {
                name: format!("{name}, held-out, learning off"),
                points: eval_its.iter().enumerate().map(|(k, &it)| (it as f64, eval_at(k).mean)).collect(),
                spread: (0..eval_its.len()).map(|k| eval_at(k).std).collect(),
            });
            let final_eval = eval_at(eval_its.len().saturating_sub(1));
            let at = |it: usize| Stats::of(&runs.iter().filter_map(|r| r.get(it).copied()).collect::<Vec<_>>());
            let n = iterations as usize;
            fig.series.push(Series {
                name: name.into(),
                points: (0..n).map(|i| (i as f64, at(i).mean)).collect(),
                spread: (0..n).map(|i| at(i).std).collect(),
            });
            let tail: Vec<f64> = runs.iter().map(|r| r.iter().rev().take(10).sum::<f64>() / r.len().clamp(1, 10) as f64).collect();
            let last = Stats::of(&tail);
            summary += &format!("{:<10} {:>6} {:>26} {:>26}\n", name, setup.seeds.len(), last.show(3), final_eval.show(3));
            let evals: serde_json::Map<String, serde_json::Value> =
                eval_its.iter().enumerate().map(|(k, it)| (it.to_string(), serde_json::to_value(eval_at(k)).unwrap_or_default())).collect();
            report.insert(
                name.into(),
                serde_json::json!({ "final_error": last, "final_eval_error": final_eval, "eval_error_at_iteration": evals, "iterations": iterations }),
            );
        }
        summary += "specs 4.2: < 10% error within 1000 iterations at batch 64 (LIF+ALIF), LIF only clearly worse\n";
        out.set("networks", serde_json::Value::Object(report));
        out.set("batch", base.batch);
        out.figures = vec![fig];
        out.tables = vec![table];
        out.summary = summary;
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tasks::Quiet;

    #[test]
    fn trials_follow_the_specs_protocol() {
        let mut labels = [0; 2];
        for i in 0..200 {
            let t = cue_trial(1, i, 2250);
            labels[t.label] += 1;
            // Cue groups fire only during cues, the recall group only at the end.
            assert!(t.input.iter().all(|&(tick, inp)| match inp / 10 {
                0 | 1 => (0..7).any(|k| tick >= 50 + 150 * k && tick < 150 + 150 * k),
                2 => tick >= 2100,
                _ => true,
            }));
        }
        assert!(labels[0] > 60 && labels[1] > 60, "both sides win: {labels:?}");
        assert_eq!(cue_trial(1, 7, 2250), cue_trial(1, 7, 2250), "seeded");
        assert_eq!(decision(&[vec![0.1, 0.5], vec![0.2, 0.1]]), 1);
    }

    /// A short training (batches of 2 trials of 400 ms) gives the same errors on 1
    /// and 2 workers, and the task's plumbing from trial to error works.
    #[test]
    fn training_is_the_same_on_any_worker_count() {
        let spec = EpropSpec { n_lif: 10, n_alif: 10, trial_ticks: 1200, batch: 2, ..EpropSpec::evidence_accumulation() };
        let one = train(&spec, 2, 3, 1, &mut Quiet, "1").unwrap();
        let two = train(&spec, 2, 3, 2, &mut Quiet, "2").unwrap();
        assert_eq!(one, two);
        assert_eq!(one.errors.len(), 3);
        assert_eq!(one.eval.iter().map(|e| e.0).collect::<Vec<_>>(), [0, 3], "held-out batches before training and after it");
    }
}
