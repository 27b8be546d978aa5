//! Spike sources: Poisson processes, rate arrays and given spike times.
//!
//! **Invariant:** whether source `gid` spikes at tick `t` depends only on the seed,
//! `gid` and `t` (a counter-based draw), never on the shard that asks.

use synfire_graphs::rng::{Domain, uniform_at};
use synfire_graphs::{SourceSpec, Time};

/// The spike generator of one slice of a source population.
#[derive(Debug, Clone)]
pub(crate) enum SourceGen {
    /// Bernoulli per tick with probability `rate dt`, the rate stepping at given ticks.
    Poisson { gid0: u64, len: usize, seed: u64, steps: Vec<(u64, f64)> },
    /// Rates per bin (shared, or per neuron when `per_neuron`).
    RateArray { gid0: u64, first: u64, len: usize, seed: u64, dt_ms: f64, bin_ms: f64, rates: Vec<f64>, per_neuron: bool, bins: usize },
    /// Given `(tick, local index)` events, sorted, with a cursor.
    Times { events: Vec<(u64, u32)>, next: usize },
}

impl SourceGen {
    /// The generator for neurons `range` of a source population whose first gid is `pop_gid0`.
    pub(crate) fn new(spec: &SourceSpec, pop_gid0: u64, pop_size: u64, range: std::ops::Range<u64>, dt: Time, seed: u64) -> SourceGen {
        let len = (range.end - range.start) as usize;
        let gid0 = pop_gid0 + range.start;
        let per_tick = |rate_hz: f64| (rate_hz * dt.0 * 1e-3).clamp(0.0, 1.0);
        match spec {
            SourceSpec::Poisson { schedule } => {
                SourceGen::Poisson { gid0, len, seed, steps: schedule.iter().map(|(t, r)| (t.to_ticks(dt), per_tick(r.0))).collect() }
            }
            SourceSpec::RateArray { bin, rates, per_neuron } => {
                let bins = if *per_neuron { rates.len() / pop_size.max(1) as usize } else { rates.len() };
                SourceGen::RateArray { gid0, first: range.start, len, seed, dt_ms: dt.0, bin_ms: bin.0, rates: rates.clone(), per_neuron: *per_neuron, bins }
            }
            SourceSpec::SpikeTimes { times } => {
                let mut events: Vec<(u64, u32)> = Vec::new();
                for i in range.clone() {
                    if let Some(ts) = times.get(i as usize) {
                        events.extend(ts.iter().map(|t| (t.to_ticks(dt), (i - range.start) as u32)));
                    }
                }
                events.sort_unstable();
                SourceGen::Times { events, next: 0 }
            }
        }
    }

    /// Pushes the local indices of the sources that spike at tick `t` (increasing).
    /// Ticks must be asked for in increasing order.
    pub(crate) fn emit(&mut self, t: u64, out: &mut Vec<u32>) {
        match self {
            SourceGen::Poisson { gid0, len, seed, steps } => {
                let p = steps.iter().take_while(|(from, _)| *from <= t).last().map_or(0.0, |s| s.1);
                if p <= 0.0 {
                    return;
                }
                for i in 0..*len {
                    if uniform_at(*seed, Domain::Stimulus, *gid0 + i as u64, t) < p {
                        out.push(i as u32);
                    }
                }
            }
            SourceGen::RateArray { gid0, first, len, seed, dt_ms, bin_ms, rates, per_neuron, bins } => {
                // Past the end of the array the sources fall silent.
                let bin = (t as f64 * *dt_ms / *bin_ms).floor() as usize;
                if bin >= *bins {
                    return;
                }
                for i in 0..*len {
                    let rate = if *per_neuron { rates.get((*first as usize + i) * *bins + bin).copied().unwrap_or(0.0) } else { rates[bin] };
                    let p = (rate * *dt_ms * 1e-3).clamp(0.0, 1.0);
                    if p > 0.0 && uniform_at(*seed, Domain::Stimulus, *gid0 + i as u64, t) < p {
                        out.push(i as u32);
                    }
                }
            }
            SourceGen::Times { events, next } => {
                while *next < events.len() && events[*next].0 < t {
                    *next += 1;
                }
                while *next < events.len() && events[*next].0 == t {
                    out.push(events[*next].1);
                    *next += 1;
                }
            }
        }
    }
}
