//! `[trials]` into a [`TrialPlan`]: times read with their units, names resolved
//! against the file's populations, every problem with its path (`trials.gap`).

use super::Reader;
use crate::error::ProblemKind as K;
use crate::model::ModelKind;
use crate::network::PopKind;
use crate::scenario::doc::{TargetKindDoc, TrialInputKindDoc, TrialsDoc};
use crate::scenario::trials::{TargetSignal, TrialInput, TrialMetric, TrialPlan, TrialTarget};
use crate::stimulus::SourceSpec;
use crate::units::{Rate, Time, Unit};

/// The default gap between trials: the reset, the readout's reset, and the learning
/// signals still on their way (e-prop's two ticks of 1 ms).
pub(crate) const DEFAULT_GAP_MS: f64 = 4.0;
/// The default start of the first trial: two ticks of 1 ms, so that an optimiser
/// step at a multiple of the period acts (with e-prop's two ticks of signal delay)
/// as a trial begins.
pub(crate) const DEFAULT_START_MS: f64 = 2.0;

impl Reader {
    /// Reads `[trials]`; `None` when a part could not be read (its problems recorded).
    pub(super) fn trials(&mut self, d: &TrialsDoc) -> Option<TrialPlan> {
        let dt = self.net.dt.0;
        let length = self.duration("trials.length", &d.length);
        let gap = d.gap.as_deref().map_or(Some(Time(DEFAULT_GAP_MS)), |s| self.time("trials.gap", s));
        if let Some(g) = gap
            && !(g.0 >= 2.0 * dt - 1e-12 && g.0.is_finite())
        {
            self.err(K::Malformed, "trials.gap", format!("{g} is shorter than two ticks of {}: the reset and the readout's reset need one each", self.net.dt));
        }
        let start = d.start.as_deref().map_or(Some(Time(DEFAULT_START_MS)), |s| self.time("trials.start", s));
        if let Some(s) = start
            && !(s.0 >= 0.0 && s.0.is_finite())
        {
            self.err(K::Malformed, "trials.start", format!("{s} lies before 0 ms"));
        }
        let mut reset = Vec::new();
        for (k, name) in d.reset.iter().flatten().enumerate() {
            if self.resolve(&format!("trials.reset[{k}]"), name).is_some() {
                reset.push(name.clone());
            }
        }
        if d.train == 0 && d.evaluate.unwrap_or(0) == 0 {
            self.err(K::NotPositive, "trials.train", "no trial to run: `train` and `evaluate` are both 0");
        }
        let loss_window = d.loss_window.as_ref().and_then(|(a, b)| Some((self.time("trials.loss_window", a)?, self.time("trials.loss_window", b)?)));
        if let (Some((a, b)), Some(len)) = (loss_window, length) {
            if !(a.0 >= 0.0 && a.0 < b.0 && b.0 <= len.0 + 1e-9) {
                self.err(K::Malformed, "trials.loss_window", format!("[{a}, {b}] is not a span within the trial of {len}"));
            } else if a.0 > 1e-9 || b.0 < len.0 - 1e-9 {
                // The readout's error drives learning on every tick of the trial; a
                // window that counts only part of it needs a masked error.
                self.err(
                    K::Malformed,
                    "trials.loss_window",
                    format!("[{a}, {b}] is shorter than the trial of {len}: a regression readout learns from its error on every tick, so the loss window is the whole trial"),
                );
            }
        }
        let report = match &d.report {
            None => TrialMetric::ALL.to_vec(),
            Some(names) => names
                .iter()
                .enumerate()
                .filter_map(|(k, n)| {
                    let m = TrialMetric::ALL.into_iter().find(|m| m.name() == n);
                    if m.is_none() {
                        self.err(K::Malformed, format!("trials.report[{k}]"), format!("no metric is called `{n}` (metrics: loss, nmse)"));
                    }
                    m
                })
                .collect(),
        };
        let input = d.input.as_ref().and_then(|i| {
            let TrialInputKindDoc::Poisson = i.kind;
            let idx = self.resolve("trials.input.source", &i.source);
            if let Some(ix) = idx
                && !matches!(self.net.populations[ix].kind, PopKind::Source(SourceSpec::SpikeTimes { .. }))
            {
                self.err(
                    K::Malformed,
                    "trials.input.source",
                    format!("`{}` is not a source of kind `spike_times`, into which trials inject their input", i.source),
                );
            }
            let rate = self.ok("trials.input.rate", crate::scenario::values::in_unit(&i.rate, Unit::Hz)).map(Rate);
            if let Some(r) = rate
                && !(r.0 >= 0.0 && r.0 * dt * 1e-3 <= 1.0)
            {
                self.err(K::Malformed, "trials.input.rate", format!("{r} is not a rate from 0 to one spike per tick"));
            }
            Some(TrialInput { source: i.source.clone(), rate: rate?, frozen: i.frozen.unwrap_or(true) })
        });
        let t = &d.target;
        let pop = self.resolve("trials.target.population", &t.population);
        if let Some(ix) = pop
            && !matches!(&self.net.populations[ix].kind, PopKind::Neurons(m) if m.kind == ModelKind::LeakyReadout)
        {
            self.err(
                K::Malformed,
                "trials.target.population",
                format!("`{}` is not a `leaky_readout` population, whose injected current is its target", t.population),
            );
        }
        // The metrics are regression losses; a softmax readout's target is a one-hot
        // label and its loss a cross-entropy, which trials do not compute yet.
        if let Some(ix) = pop
            && let PopKind::Neurons(m) = &self.net.populations[ix].kind
            && m.params.get("softmax").is_some_and(|v| v.as_const() != Some(0.0))
        {
            self.err(
                K::Malformed,
                "trials.target.population",
                format!("`{}` is a softmax readout: [trials] report regression losses only (classification is not supported yet)", t.population),
            );
        }
        let signal = match t.kind {
            TargetKindDoc::Sines => {
                if t.steps.is_some() {
                    self.err(K::Malformed, "trials.target.steps", "`steps` does not apply to a target of kind `sines`");
                }
                let periods: Vec<Option<Time>> =
                    t.periods.iter().flatten().enumerate().map(|(k, p)| self.duration(&format!("trials.target.periods[{k}]"), p)).collect();
                if t.periods.as_ref().is_none_or(Vec::is_empty) {
                    self.err(K::Malformed, "trials.target.periods", "a target of kind `sines` needs at least one period");
                }
                periods.into_iter().collect::<Option<Vec<Time>>>().map(|periods| TargetSignal::Sines { periods })
            }
            TargetKindDoc::Steps => {
                if t.periods.is_some() {
                    self.err(K::Malformed, "trials.target.periods", "`periods` does not apply to a target of kind `steps`");
                }
                let steps: Vec<Option<(Time, f64)>> = t
                    .steps
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(k, (at, v))| {
                        let path = format!("trials.target.steps[{k}]");
                        if !v.is_finite() {
                            self.err(K::Malformed, path.clone(), format!("{v} is not a finite value"));
                        }
                        Some((self.time(&path, at)?, *v))
                    })
                    .collect();
                if t.steps.as_ref().is_none_or(Vec::is_empty) {
                    self.err(K::Malformed, "trials.target.steps", "a target of kind `steps` needs at least one step");
                }
                let steps = steps.into_iter().collect::<Option<Vec<_>>>();
                if let Some(s) = &steps
                    && s.windows(2).any(|w| w[1].0.0 <= w[0].0.0)
                {
                    self.err(K::Malformed, "trials.target.steps", "step times must increase");
                }
                steps.map(TargetSignal::Steps)
            }
        };
        let target = TrialTarget { population: t.population.clone(), signal: signal?, frozen: t.frozen.unwrap_or(true) };
        if pop.is_none() || (d.input.is_some() && input.is_none()) {
            return None;
        }
        Some(TrialPlan {
            length: length?,
            gap: gap?,
            start: start?,
            reset,
            train: d.train,
            evaluate: d.evaluate.unwrap_or(0),
            evaluate_every: d.evaluate_every,
            input,
            target,
            loss_window,
            report,
        })
    }
}
