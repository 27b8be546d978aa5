//! How much memory a run of a graph needs, from the graph alone (no synapse is
//! built): what `check` prints and what `run` compares with the machine's memory
//! before it starts, so that a network that cannot fit is refused with the estimate
//! instead of dying in an allocation (10^9 neurons, dt = 1e-9 ms, 10^5 neurons all to
//! all).
//!
//! The parts are the engine's hot arrays (synapses, neuron state, input rings) and,
//! for a given duration, the probes' data. Counts are expected values for random
//! connectors. Spike probes cannot be known before the run: they are counted at the
//! Poisson rate of sources and at [`ASSUMED_RATE_HZ`] for neurons. The state of
//! plastic synapses (0 to 16 bytes each, by rule) is not counted.

use crate::graph::{DelayTicks, Graph};
use crate::network::PopKind;
use crate::probe::ProbeKind;
use crate::stimulus::SourceSpec;
use crate::units::Time;

/// Bytes of a static synapse in the hot arrays: a `u32` target and an `f32` weight.
pub(crate) const SYNAPSE_BYTES: f64 = 8.0;

/// The rate at which spike probes are assumed to record a neuron.
pub const ASSUMED_RATE_HZ: f64 = 10.0;

/// Bytes a recorded spike holds through a run: the shard's log (tick and id) and the
/// merged copy the outputs are written from.
const SPIKE_BYTES: f64 = 32.0;

/// The estimate, in bytes, by part.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MemoryEstimate {
    /// Synapses: 8 B each (+4 B with per-synapse delays) and 8 B per source row.
    pub synapses: f64,
    /// Neuron state: 4 B per state variable and per heterogeneous parameter.
    pub neurons: f64,
    /// Input rings: 4 B per receptor and slot (`max delay + window` slots) per neuron.
    pub rings: f64,
    /// Probe data over the duration (0 without one).
    pub probes: f64,
}

/// Bytes as the summary and the CLI print them: `256.28 KiB`, `5.82 TiB`.
pub fn format_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{v:.0} B") } else { format!("{v:.2} {}", UNITS[u]) }
}

impl MemoryEstimate {
    /// The parts, for messages: `synapses 2.50 MiB, neuron state 46.88 KiB, ...`.
    pub fn parts(&self) -> String {
        let b = format_bytes;
        format!("synapses {}, neuron state {}, input rings {}, probe data {}", b(self.synapses), b(self.neurons), b(self.rings), b(self.probes))
    }

    /// The sum of the parts.
    pub fn total(&self) -> f64 {
        self.synapses + self.neurons + self.rings + self.probes
    }
}

impl Graph {
    /// The memory a run of `duration` (the engine alone with `None`) needs.
    pub fn memory_estimate(&self, duration: Option<Time>) -> MemoryEstimate {
        let mut e = MemoryEstimate::default();
        for (i, p) in self.projections.iter().enumerate() {
            let per = SYNAPSE_BYTES + if matches!(p.delay, DelayTicks::PerSynapse { .. }) { 4.0 } else { 0.0 };
            e.synapses += self.expected_synapses(i).0 * per + 8.0 * (self.populations[p.source].size + 1) as f64;
        }
        let slots = f64::from(self.max_delay()) + f64::from(self.min_delay().unwrap_or(1));
        for p in &self.populations {
            if let PopKind::Neurons(m) = &p.kind {
                let heterogeneous = m.params.values().filter(|v| !v.is_const()).count();
                e.neurons += p.size as f64 * 4.0 * (m.kind.state().len() + heterogeneous) as f64;
                e.rings += p.size as f64 * 4.0 * m.kind.receptors().len() as f64 * slots;
            }
        }
        if let Some(d) = duration {
            e.probes = self.probe_bytes(d);
        }
        e
    }

    /// Bytes of every probe's data over a run of `duration`.
    fn probe_bytes(&self, duration: Time) -> f64 {
        let mut bytes = 0.0;
        for def in &self.probes {
            let span = match def.window {
                Some((a, b)) => (b.0.min(duration.0) - a.0).max(0.0),
                None => duration.0,
            };
            let samples = |interval: Time| (span / interval.0.max(self.dt.0)).floor() + 1.0;
            bytes += match &def.kind {
                ProbeKind::Spikes { pops } => pops.iter().map(|&p| self.assumed_spikes(p, span) * SPIKE_BYTES).sum(),
                ProbeKind::State { neurons, interval, .. } => samples(*interval) * (neurons.len() as f64 * 4.0 + 8.0),
                ProbeKind::Weights { proj, interval, max_synapses, .. } => {
                    let n = self.expected_synapses(*proj).0;
                    let n = max_synapses.map_or(n, |m| n.min(f64::from(m)));
                    samples(*interval) * (n * 4.0 + 8.0) + n * 8.0
                }
                ProbeKind::Rate { pop, bin } => samples(*bin) * 8.0 + self.populations[*pop].size as f64 * 8.0,
            };
        }
        bytes
    }

    /// The spikes a probe is assumed to record of population `p` over `span` ms: the
    /// given ones of a spike-time source, else its size times its rate.
    fn assumed_spikes(&self, p: usize, span: f64) -> f64 {
        let size = self.populations[p].size as f64;
        let rate = match &self.populations[p].kind {
            PopKind::Source(SourceSpec::Poisson { schedule }) => schedule.iter().map(|(_, r)| r.0).fold(0.0, f64::max),
            PopKind::Source(SourceSpec::RateArray { rates, .. }) => rates.iter().copied().fold(0.0, f64::max),
            PopKind::Source(SourceSpec::SpikeTimes { times }) => return times.iter().map(Vec::len).sum::<usize>() as f64,
            PopKind::Neurons(_) => ASSUMED_RATE_HZ,
        };
        size * rate * span * 1e-3
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::prelude::*;

    #[test]
    fn the_estimate_counts_each_part() {
        let mut net = Network::new().dt(0.1.ms());
        let e = net.population("E", 100, Lif::cuba());
        net.connect(e, e, Conn::all_to_all().weight(0.1.mv()).delay(1.0.ms()));
        net.record_state(e, "v", [0, 1, 2, 3], 1.0.ms());
        let g = net.freeze().unwrap();
        let m = g.memory_estimate(Some(1000.0.ms()));
        assert_eq!(m.synapses, g.expected_synapses(0).0 * 8.0 + 8.0 * 101.0);
        // 10 + 10 slots (max delay + window) for each of two receptors.
        assert_eq!(m.rings, 100.0 * 4.0 * 2.0 * 20.0);
        assert_eq!(m.probes, 1001.0 * (4.0 * 4.0 + 8.0));
        assert_eq!(g.memory_estimate(None).probes, 0.0);
        assert_eq!(m.total(), m.synapses + m.neurons + m.rings + m.probes);
    }
}
