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
    let diag = std::env::var_os("SYNFIRE_DIAG").is_some();
    for epoch in 1..=s.epochs {
        if progress.stop_requested() {
            return Err(TaskError::Interrupted { task });
        }
        shuffle(&mut order, seed, epoch);
        let mut in_batch = 0;
        let mut cl = [[0.0f64; 3]; 2];
        let mut clr = vec![[0.0f64; 3]; c.rates.len()];
        for (k, &n) in order.iter().enumerate() {
            let target: Vec<f64> = (0..train.classes).map(|k| if k == train.label[n] { HIGH } else { LOW }).collect();
            c.set_input(&mut sim, &train.x[n]).map_err(run)?;
            c.set_target(&mut sim, &target).map_err(run)?;
            c.learn(&mut sim, false).map_err(run)?;
            sim.run_ticks(s.settle).map_err(run)?;
            c.learn_at(&mut sim, s.rate(epoch)).map_err(run)?;
            sim.run_ticks(s.learn).map_err(run)?;
            if diag && c.readout.is_some() {
                let y = c.output(&sim).map_err(run)?;
                for k in 0..train.classes {
                    let cc = sim.read_state(c.control[0], "r", k as u64).map_err(run)? - sim.read_state(c.control[1], "r", k as u64).map_err(run)?;
                    let h = usize::from(k == train.label[n]);
                    cl[h][0] += cc; cl[h][1] += y[k]; cl[h][2] += 1.0;
                }
                for (l, r) in c.rates.iter().enumerate() {
                    let n_l = sim.graph().populations[r[0].index()].size;
                    for u in 0..n_l {
                        let re = sim.read_state(r[0], "r", u).map_err(run)?;
                        let ri = sim.read_state(r[1], "r", u).map_err(run)?;
                        clr[l][0] += re; clr[l][1] += ri; clr[l][2] += 1.0;
                    }
                }
            }
            in_batch += 1;
            if s.batch > 0 && (in_batch == s.batch || k + 1 == order.len()) {
                // The mean over the batch's examples and learning ticks.
                c.step(&mut sim, 1.0 / (in_batch * s.learn.max(1)) as f64).map_err(run)?;
                in_batch = 0;
            }
        }
        if diag && c.readout.is_some() {
            let mut line = format!("DIAG e{epoch} closed: low c {:.3} y {:.4} | high c {:.3} y {:.4} |", cl[0][0] / cl[0][2], cl[0][1] / cl[0][2], cl[1][0] / cl[1][2], cl[1][1] / cl[1][2]);
            for (l, r) in clr.iter().enumerate() {
                line += &format!(" L{} E {:.4} I {:.4}", l + 1, r[0] / r[2], r[1] / r[2]);
            }
            let w = c.weights(&sim).map_err(run)?;
            for (l, (wl, bl)) in w.iter().enumerate() {
                let fl: Vec<f64> = wl.iter().flatten().copied().collect();
                let norm = fl.iter().map(|x| x * x).sum::<f64>().sqrt();
                let atb = fl.iter().filter(|x| x.abs() > 19.9).count();
                let mx = fl.iter().fold(0.0f64, |a, x| a.max(x.abs()));
                let bmin = bl.iter().copied().fold(f64::INFINITY, f64::min);
                let bmax = bl.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                line += &format!(" | W{} norm {norm:.2} max {mx:.2} atbound {atb} b [{bmin:.2},{bmax:.2}]", l + 1);
            }
            eprintln!("{line}");
            // Open loop on 30 examples.
            c.open_loop(&mut sim).map_err(run)?;
            c.learn(&mut sim, false).map_err(run)?;
            let mut ycls = vec![vec![0.0; train.classes]; train.classes];
            let mut cnt = vec![0.0; train.classes];
            let mut hid: Vec<Vec<[f64; 2]>> = c.rates.iter().map(|r| vec![[0.0; 2]; sim.graph().populations[r[0].index()].size as usize]).collect();
            let m = 30.min(train.x.len());
            for n in 0..m {
                c.set_input(&mut sim, &train.x[n]).map_err(run)?;
                sim.run_ticks(s.eval).map_err(run)?;
                let y = c.output(&sim).map_err(run)?;
                for k in 0..train.classes { ycls[train.label[n]][k] += y[k]; }
                cnt[train.label[n]] += 1.0;
                for (l, r) in c.rates.iter().enumerate() {
                    for (u, h) in hid[l].iter_mut().enumerate() {
                        h[0] += sim.read_state(r[0], "r", u as u64).map_err(run)? / m as f64;
                        h[1] += sim.read_state(r[1], "r", u as u64).map_err(run)? / m as f64;
                    }
                }
            }
            let mut line = format!("DIAG e{epoch} open:");
            for (cls, row) in ycls.iter().enumerate() {
                line += &format!(" c{cls}[{}]", row.iter().map(|v| format!("{:.3}", v / cnt[cls])).collect::<Vec<_>>().join(","));
            }
            for (l, h) in hid.iter().enumerate() {
                let silent = h.iter().filter(|x| x[0] < 0.002).count();
                let me = h.iter().map(|x| x[0]).sum::<f64>() / h.len() as f64;
                let mi = h.iter().map(|x| x[1]).sum::<f64>() / h.len() as f64;
                line += &format!(" | L{} E {me:.4} I {mi:.4} silent {silent}/{}", l + 1, h.len());
            }
            eprintln!("{line}");
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
