//! Run guards: stop a run that has gone wrong, at the same window on every shard.
//!
//! - **Non-finite values.** Every `every` ticks each shard scans its neurons' state
//!   and its plastic weights for NaN or infinity.
//! - **Rate bounds** (Auryn's rate checkers). Every shard sees every spike of a
//!   window when it delivers, so each counts the spikes of every neuron population in
//!   bins of `every` ticks and compares the population rate of each finished bin with
//!   the bound: every shard reaches the same verdict.
//!
//! A shard's alarm travels in its outbox with the window's spikes, so after the
//! barrier every shard knows every alarm and all stop after delivering the same
//! window: no extra synchronisation, and the state stays a consistent window
//! boundary (probes up to it can still be read). Of several alarms the one with the
//! lowest key (population or projection, then neuron or synapse) is reported, so the
//! message does not depend on the worker count.

use crate::shard::{Body, Shard};
use crate::transport::Alarm;
use synfire_graphs::{Graph, Rate, Time};

/// What the guards watch; set with the runtime builder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GuardSettings {
    /// Check period in ticks (also the bin of the rate bounds).
    pub every: u64,
    /// Upper bound on every neuron population's rate, if any.
    pub max_rate: Option<Rate>,
}

impl GuardSettings {
    /// The default: checks every 100 ms of model time, no rate bound.
    pub(crate) fn default_for(graph: &Graph) -> Self {
        GuardSettings { every: Time(100.0).to_ticks(graph.dt).max(1), max_rate: None }
    }
}

/// A shard's guard state: the period and the spike counts of the current bin.
#[derive(Debug, Clone)]
pub(crate) struct Guards {
    pub settings: GuardSettings,
    /// Spikes per population in the current bin (all shards' spikes), counted only
    /// when a rate bound is set.
    pub counts: Vec<u64>,
}

impl Guards {
    pub(crate) fn new(graph: &Graph, settings: GuardSettings) -> Self {
        Guards { settings, counts: vec![0; graph.populations.len()] }
    }

    /// Whether delivery counts spikes for the rate bound.
    pub(crate) fn counting(&self) -> bool {
        self.settings.max_rate.is_some()
    }

    /// Whether the window ending at `end` ends a check period.
    pub(crate) fn due(&self, end: u64) -> bool {
        end.is_multiple_of(self.settings.every)
    }

    /// The rate alarm of the bin that ends at `end`, then a new bin.
    pub(crate) fn rate_alarm(&mut self, graph: &Graph, end: u64) -> Option<Alarm> {
        let max = self.settings.max_rate?.0;
        let dt_ms = graph.dt.0;
        let mut alarm = None;
        for (p, c) in self.counts.iter_mut().enumerate() {
            let rate = crate::records::population_rate(*c, graph.populations[p].size, self.settings.every, dt_ms);
            let spiking = graph.model(p).is_some() && !graph.graded(p);
            if alarm.is_none() && spiking && rate > max {
                let from = (end - self.settings.every) as f64 * dt_ms;
                alarm = Some(Alarm {
                    tick: end,
                    key: (0, p as u64, 0),
                    message: format!(
                        "population `{}` fired at {rate:.1} Hz in [{from}, {}) ms, above the bound of {max} Hz",
                        graph.populations[p].name,
                        end as f64 * dt_ms
                    ),
                });
            }
            *c = 0;
        }
        alarm
    }
}

impl Shard {
    /// The first NaN or infinity in this shard's neuron state or plastic weights.
    pub(crate) fn non_finite_alarm(&self, graph: &Graph, end: u64) -> Option<Alarm> {
        for s in &self.slices {
            if let Body::Neurons(k) = &s.body
                && let Some((i, var)) = k.first_non_finite()
            {
                let index = s.start + i as u64;
                let name = &graph.populations[s.pop].name;
                return Some(Alarm { tick: end, key: (1, s.pop as u64, index), message: format!("population `{name}` neuron {index}: `{var}` is not finite") });
            }
        }
        for inc in self.incoming.iter().filter(|inc| inc.rule.is_some()) {
            if let Some(k) = inc.csr.weights.iter().position(|w| !w.is_finite()) {
                let src = inc.csr.offsets.partition_point(|&o| o <= k as u64) - 1;
                let target = self.slices[inc.slice].start + u64::from(inc.csr.targets[k]);
                let p = &graph.projections[inc.proj];
                return Some(Alarm {
                    tick: end,
                    key: (2, inc.proj as u64, src as u64),
                    message: format!("projection `{}`: the weight of synapse {src} -> {target} is {}", p.name, inc.csr.weights[k]),
                });
            }
        }
        None
    }
}
