//! Trials of an e-prop network on a [`Runtime`]: input, target, reset, output.
//!
//! Trial `k` occupies ticks `k P + LAG .. k P + LAG + T` (`P = T + GAP` the
//! period, `T` the trial's ticks): the optimiser steps of the rules come every
//! `batch` periods at multiples of `P` and act from `LAG` ticks later, exactly as
//! the next trial begins. An input spike at trial tick `t` reaches the hidden neurons
//! at `t + 1`; the target of trial tick `t` is compared with the readout at `t + 1`
//! (it sees the hidden spikes of tick `t`). The hidden neurons and the inputs are
//! reset when the trial ends, the readouts one tick later (their last error is of
//! that tick); learning signals still on their way arrive and count.

use super::{EpropHandles, EpropSpec};
use synfire_graphs::{Graph, PopId, Time, UnitExt};
use synfire_runtime::{RunError, Runtime};

/// What one trial produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialOutput {
    /// The readouts' `y` for every trial tick (the e-prop equations' `y^t`), `[t][k]`.
    pub y: Vec<Vec<f64>>,
    /// Spikes of the recurrent neurons during the trial.
    pub spikes: u64,
}

/// Runs trials of an e-prop network, one after another, on worker threads.
#[derive(Debug)]
pub struct Trainer {
    sim: Runtime,
    handles: EpropHandles,
    trial_ticks: u64,
    period: u64,
    trials: u64,
    /// Whether the next trials learn ([`Trainer::set_learning`]).
    learn: bool,
}

impl Trainer {
    /// A runtime of `graph` (built from `spec` with [`EpropSpec::build`], handles
    /// `h`) on `workers` workers.
    pub fn new(graph: &Graph, spec: &EpropSpec, h: &EpropHandles, workers: usize) -> Result<Trainer, RunError> {
        if graph.dt != 1.0.ms() {
            return Err(RunError::BadInput { field: "dt", message: format!("e-prop networks run at dt = 1 ms, not {}", graph.dt) });
        }
        let sim = Runtime::builder().workers(workers).build(graph)?;
        Ok(Trainer { sim, handles: h.clone(), trial_ticks: spec.trial_ticks, period: spec.period(), trials: 0, learn: true })
    }

    /// The runtime (weights, probes, checkpoints).
    pub fn runtime(&mut self) -> &mut Runtime {
        &mut self.sim
    }

    /// Whether the trials from the next one on learn: evaluation trials run with
    /// learning off ([`Runtime::set_learning`]), switched at the trial's first tick,
    /// where the optimiser step of the trials before has just acted (so their
    /// weights are final and no step is taken inside an evaluation). With batches,
    /// evaluate whole batches to keep the steps on their trials.
    pub fn set_learning(&mut self, on: bool) {
        self.learn = on;
    }

    /// Trials run so far.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Runs the next trial with input spikes `(trial tick, input index)` and the
    /// readouts' target `target[t][k]` for every trial tick.
    pub fn trial(&mut self, input: &[(u64, u32)], target: &[Vec<f64>]) -> Result<TrialOutput, RunError> {
        let t_len = self.trial_ticks;
        if target.len() as u64 != t_len {
            return Err(RunError::BadInput { field: "target", message: format!("{} ticks of target for a trial of {t_len}", target.len()) });
        }
        if let Some(&(t, _)) = input.iter().find(|(t, _)| *t >= t_len) {
            return Err(RunError::BadInput { field: "input", message: format!("an input spike at trial tick {t} is outside the trial of {t_len} ticks") });
        }
        let start = self.trials * self.period + EpropSpec::LAG;
        self.sim.run_ticks(start - self.sim.tick())?;
        self.sim.set_learning(self.learn)?;
        let ms = |tick: u64| Time(tick as f64);
        let train: Vec<(Time, u32)> = input.iter().map(|&(t, i)| (ms(start + t), i)).collect();
        self.sim.inject_spike_train(self.handles.input, &train)?;
        let n_out = target.first().map_or(0, Vec::len);
        for k in 0..n_out {
            let mut values: Vec<f64> = target.iter().map(|row| row.get(k).copied().unwrap_or(0.0)).collect();
            values.push(0.0);
            self.sim.schedule_current(self.handles.readout, k as u64, ms(start + 1), &values)?;
        }
        self.sim.run_ticks(t_len)?;
        let mut early: Vec<PopId> = self.handles.hidden.clone();
        early.push(self.handles.input);
        self.sim.begin_trial(&early)?;
        self.sim.run_ticks(1)?;
        let last: Vec<f64> = (0..n_out as u64).map(|k| self.sim.read_state(self.handles.readout, "y", k)).collect::<Result<_, _>>()?;
        self.sim.begin_trial(&[self.handles.readout])?;
        // Samples labelled `start + 2 + t` hold y after readout tick `start + 1 + t`.
        let trace = self.sim.take_state(self.handles.y)?;
        let cols = trace.neurons.len();
        let mut y = vec![vec![0.0; n_out]; t_len as usize];
        for (row, &tick) in trace.ticks.iter().enumerate() {
            if let Some(t) = tick.checked_sub(start + 2).filter(|&t| t < t_len)
                && let Some(out) = y.get_mut(t as usize)
            {
                for (k, v) in out.iter_mut().enumerate().take(cols) {
                    *v = f64::from(trace.values[row * cols + k]);
                }
            }
        }
        if let Some(out) = y.last_mut() {
            out.clone_from(&last);
        }
        let spikes = self.sim.take_spikes(self.handles.spikes)?;
        let count = spikes.ticks.iter().filter(|&&t| t >= start && t < start + t_len).count() as u64;
        self.trials += 1;
        Ok(TrialOutput { y, spikes: count })
    }
}
