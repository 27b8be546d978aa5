//! Training a dis-inhibitory microcircuit ([`crate::microcircuit`]) in the engine on a
//! labelled data set: each example is held at the inputs while the controller pulls
//! the outputs towards the one-hot target; learning is gated on for the settled end
//! of the presentation (the rule's updates at the closed-loop steady state, specs
//! 5.3). Accuracy is read with the loop open (no control, no learning), by the
//! largest output.

use super::{Progress, TaskError};
use crate::microcircuit::{Circuit, Microcircuit};
use synfire_graphs::Network;
use synfire_graphs::rng::{Domain, uniform_at};
use synfire_runtime::Runtime;

/// A labelled data set: inputs and class indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    /// One input vector per example.
    pub x: Vec<Vec<f64>>,
    /// The class of each example.
    pub label: Vec<usize>,
    /// Number of classes (outputs).
    pub classes: usize,
}

/// How long each phase lasts, in ticks, and how many epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Ticks with the loop closed before learning starts.
    pub settle: u64,
    /// Ticks of learning at the end of a presentation.
    pub learn: u64,
    /// Ticks of an open-loop presentation before the output is read.
    pub eval: u64,
    /// Passes over the training set.
    pub epochs: u64,
    /// Evaluate every this many epochs.
    pub eval_every: u64,
    /// Recompute the feedback `Q` from the learned weights every this many epochs
    /// (0: never), by rebuilding the circuit from them (the units start again from
    /// rest; the next presentation settles them).
    pub q_every: u64,
    /// Learning-rate decay: epoch `e` learns at `1 / (1 + (e - 1) / decay)` of the
    /// rule's rate (0: no decay).
    pub decay: f64,
    /// Examples per optimiser step (batch mode: the rule accumulates and
    /// [`Circuit::step`] applies the mean; 0: online, the rule applies every tick).
    pub batch: u64,
}

impl Schedule {
    /// The learning-rate factor of epoch `epoch` (from 1).
    pub fn rate(&self, epoch: u64) -> f64 {
        if self.decay > 0.0 { 1.0 / (1.0 + (epoch - 1) as f64 / self.decay) } else { 1.0 }
    }
}

/// Output targets: `HIGH` for the class, `LOW` for the others.
pub const HIGH: f64 = 1.0;
/// See [`HIGH`].
pub const LOW: f64 = 0.1;

/// Samples of the spiking circuit's output rates averaged for one reading.
const READ_SAMPLES: u64 = 5;

/// The learning curve `(epoch, train accuracy, test accuracy)`.
pub type Curve = Vec<(u64, f64, f64)>;

/// Trains `mc` on `train`, returning the curve and the final test accuracy.
#[allow(clippy::too_many_arguments)] // the task, the circuit, both data sets, the schedule and the run's settings
pub fn train(
    task: &'static str,
    mc: &Microcircuit,
    train: &Data,
    test: &Data,
    s: Schedule,
    workers: usize,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<Curve, TaskError> {
    let run = |source| TaskError::Run { task, source };
    let build = |mc: &Microcircuit| -> Result<(Circuit, Runtime), TaskError> {
        let mut net = Network::new().dt(mc.dt).seed(seed);
        let c = mc.build(&mut net).map_err(|e| TaskError::Setting { task, setting: "circuit", value: format!("{:?}", mc.sizes), why: e.to_string() })?;
        let graph = net.freeze_with(&synfire_rules::Catalog).map_err(|source| TaskError::Build { task, source })?;
        Ok((c, Runtime::builder().workers(workers).build(&graph).map_err(run)?))
    };
    let (mut c, mut sim) = build(mc)?;
    let accuracy = |c: &Circuit, sim: &mut Runtime, data: &Data| -> Result<f64, TaskError> {
        c.open_loop(sim).map_err(run)?;
        c.learn(sim, false).map_err(run)?;
        let mut right = 0;
        for (x, &label) in data.x.iter().zip(&data.label) {
            c.set_input(sim, x).map_err(run)?;
            let y = if c.readout.is_some() {
                // Spike rates: the mean of the smoothed rates over the last third of
                // the presentation (one sample is a few spikes' worth of ripple).
                let (samples, every) = (READ_SAMPLES, (s.eval / 3 / READ_SAMPLES).max(1));
                sim.run_ticks(s.eval.saturating_sub(samples * every)).map_err(run)?;
                let mut mean = vec![0.0; data.classes];
                for _ in 0..samples {
                    sim.run_ticks(every).map_err(run)?;
                    for (m, y) in mean.iter_mut().zip(c.output(sim).map_err(run)?) {
                        *m += y / samples as f64;
                    }
                }
                mean
            } else {
                sim.run_ticks(s.eval).map_err(run)?;
                c.output(sim).map_err(run)?
            };
            right += usize::from(argmax(&y) == label);
        }
        Ok(right as f64 / data.x.len() as f64)
    };
    let mut curve = vec![(0, accuracy(&c, &mut sim, train)?, accuracy(&c, &mut sim, test)?)];
    progress.stage(&format!("seed {seed}, training"), s.epochs);
    let mut order: Vec<usize> = (0..train.x.len()).collect();
    for epoch in 1..=s.epochs {
        if progress.stop_requested() {
            return Err(TaskError::Interrupted { task });
        }
        shuffle(&mut order, seed, epoch);
        let mut in_batch = 0;
        for (k, &n) in order.iter().enumerate() {
            let target: Vec<f64> = (0..train.classes).map(|k| if k == train.label[n] { HIGH } else { LOW }).collect();
            c.set_input(&mut sim, &train.x[n]).map_err(run)?;
            c.set_target(&mut sim, &target).map_err(run)?;
            c.learn(&mut sim, false).map_err(run)?;
            sim.run_ticks(s.settle).map_err(run)?;
            c.learn_at(&mut sim, s.rate(epoch)).map_err(run)?;
            sim.run_ticks(s.learn).map_err(run)?;
            in_batch += 1;
            if s.batch > 0 && (in_batch == s.batch || k + 1 == order.len()) {
                // The mean over the batch's examples and learning ticks.
                c.step(&mut sim, 1.0 / (in_batch * s.learn.max(1)) as f64).map_err(run)?;
                in_batch = 0;
            }
        }
        if epoch % s.eval_every == 0 || epoch == s.epochs {
            let point = (epoch, accuracy(&c, &mut sim, train)?, accuracy(&c, &mut sim, test)?);
            progress.advance(0, &format!("train {:.2} test {:.2}", point.1, point.2));
            curve.push(point);
        }
        progress.advance(1, "");
        if s.q_every > 0 && epoch % s.q_every == 0 && epoch < s.epochs {
            let learned = c.weights(&sim).map_err(run)?;
            drop(sim);
            (c, sim) = build(&mc.clone().start_from(learned))?;
        }
    }
    Ok(curve)
}

/// The index of the largest value (the first of equals).
pub fn argmax(y: &[f64]) -> usize {
    y.iter().enumerate().fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) }).0
}

/// Fisher-Yates from the counter-based stream of `(seed, epoch)`.
pub fn shuffle(order: &mut [usize], seed: u64, epoch: u64) {
    for i in (1..order.len()).rev() {
        let u = uniform_at(seed, Domain::Stimulus, epoch, i as u64);
        order.swap(i, ((u * (i + 1) as f64) as usize).min(i));
    }
}
