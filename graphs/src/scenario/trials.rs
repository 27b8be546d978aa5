//! `[trials]`: a scenario run as trials instead of one stretch of time.
//!
//! Trial `k` of `length` starts at `start + k (length + gap)`. Before it the runner
//! draws its input (a Poisson pattern into a spike source, frozen or fresh per
//! trial) and plans its target (`y*` of a readout, as the readout's injected current
//! one tick later: the readout sees the hidden spikes of tick `t` at `t + 1`). After
//! it the `reset` populations return to rest (a leaky readout one tick later, after
//! its last error counted). Training trials learn; evaluation blocks of `evaluate`
//! trials run with learning off (`Runtime::set_learning(false)`) before training,
//! after every `evaluate_every` training trials, and after the last. The loss of
//! every trial is reported. The format is in the module docs of `scenario` and in
//! `docs/scenario-format.md`.

use crate::units::Time;

/// What `[trials]` says.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialPlan {
    /// Length of one trial.
    pub length: Time,
    /// Time between the end of one trial and the start of the next (at least two ticks:
    /// the reset, and the readout's reset one tick later).
    pub gap: Time,
    /// Start of the first trial.
    pub start: Time,
    /// Populations (by name) returned to rest after each trial.
    pub reset: Vec<String>,
    /// Training trials.
    pub train: u64,
    /// Trials of one evaluation block (0: none).
    pub evaluate: u64,
    /// Training trials between evaluation blocks (`None`: only before and after training).
    pub evaluate_every: Option<u64>,
    /// The input of each trial, if the runner draws one.
    pub input: Option<TrialInput>,
    /// The target of each trial.
    pub target: TrialTarget,
    /// Within each trial, the span over which the loss counts (the whole trial when
    /// `None`).
    pub loss_window: Option<(Time, Time)>,
    /// What each trial's report holds, in the order written.
    pub report: Vec<TrialMetric>,
}

impl TrialPlan {
    /// Trials of the whole plan: training and every evaluation block.
    pub fn trials(&self) -> u64 {
        self.train + self.evaluate * self.evaluations()
    }

    /// Evaluation blocks: before training, after each `evaluate_every` training trials
    /// and after the last (once, when that coincides).
    pub fn evaluations(&self) -> u64 {
        if self.evaluate == 0 {
            return 0;
        }
        match self.evaluate_every {
            Some(k) if k > 0 && self.train > 0 => 1 + self.train.div_ceil(k),
            _ => 1 + u64::from(self.train > 0),
        }
    }

    /// The plan trial by trial: `true` for a training trial, `false` for evaluation.
    pub fn schedule(&self) -> Vec<bool> {
        let eval = |out: &mut Vec<bool>| out.extend(std::iter::repeat_n(false, self.evaluate as usize));
        let mut out = Vec::new();
        eval(&mut out);
        for k in 1..=self.train {
            out.push(true);
            let due = self.evaluate_every.is_some_and(|e| e > 0 && k % e == 0);
            if due || k == self.train {
                eval(&mut out);
            }
        }
        out
    }

    /// Time from one trial's start to the next.
    pub fn period(&self) -> Time {
        Time(self.length.0 + self.gap.0)
    }

    /// Model time of the whole plan: every trial and its gap, after `start`.
    pub fn duration(&self) -> Time {
        Time(self.start.0 + self.trials() as f64 * self.period().0)
    }
}

/// A trial's input: Poisson spikes into a spike source.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialInput {
    /// The source (a `[[source]]` of kind `spike_times`).
    pub source: String,
    /// Rate of every input neuron.
    pub rate: crate::units::Rate,
    /// The same pattern every trial (else a fresh draw per trial).
    pub frozen: bool,
}

/// A trial's target: `y*` of every neuron of a readout population.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialTarget {
    /// The readout population (model `leaky_readout`).
    pub population: String,
    /// Its signal.
    pub signal: TargetSignal,
    /// The same target every trial (else fresh draws per trial).
    pub frozen: bool,
}

/// The shape of a target.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetSignal {
    /// Specs 4.2's pattern: `sum_m A_m sin(2 pi t / P_m + phi_m)`, `A ~ U(0.5, 2)`,
    /// `phi ~ U(0, 2 pi)` drawn from the seed, shifted to `y*(0) = 0` and divided by
    /// its largest magnitude.
    Sines {
        /// The periods `P_m`.
        periods: Vec<Time>,
    },
    /// Steps: the value from each time on (0 before the first), the same for every
    /// readout neuron.
    Steps(Vec<(Time, f64)>),
}

/// A figure reported per trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialMetric {
    /// `1/2 sum_t sum_k (y - y*)^2` over the loss window (specs 4.2's loss).
    Loss,
    /// `mean (y - y*)^2 / var(y*)` over the loss window.
    Nmse,
}

impl TrialMetric {
    /// Every metric.
    pub const ALL: [TrialMetric; 2] = [TrialMetric::Loss, TrialMetric::Nmse];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            TrialMetric::Loss => "loss",
            TrialMetric::Nmse => "nmse",
        }
    }
}
