//! The cost of a metaplastic wrapper per synaptic event: the same pair-STDP projection
//! with and without each wrapper of spec 7, driven as the runtime drives it.
//!
//! What is measured: 1000 sources onto 1000 targets with probability 0.1 (about 10^5
//! synapses, one delay of 1 ms: the eager engine), independent Poisson spikes at
//! 10 Hz before and after, 0.1 ms steps, windows of 1 ms (pre spikes delivered a
//! window late, post spikes recorded as they happen), 20 s of model time
//! (`SYNFIRE_BENCH_SECONDS`); `SYNFIRE_BENCH_NEURONS` and `SYNFIRE_BENCH_P` change the
//! size, `SYNFIRE_BENCH_DELAYS=10-20` draws a delay per synapse in that range of ticks
//! (the lazy engine). A synaptic event is one synapse's visit by a pre spike
//! (its row, in order) or by a post spike (its column through the transposed index,
//! out of order): half of the events are each kind, so the figure is their mean, and
//! every branch of the wrappers is taken (pre events depress, post events potentiate).
//!
//! How: every round runs every rule once, in an order rotated by one each round, so
//! that plain and wrapped runs alternate on the same shared machine; the time of a run
//! is the thread's CPU time (`/proc/thread-self/schedstat`, in ns; wall time where it is
//! absent). Per rule it prints the median ns per event over the rounds with the lowest
//! and highest, and the median over the rounds of the ratio to plain STDP in the same
//! round with its lowest and highest. `SYNFIRE_BENCH_ROUNDS` (default 7) sets the
//! rounds, `SYNFIRE_BENCH_RULE` runs only the rules whose name contains it or one of its
//! `|`-separated parts (for a profiler). A measurement, not a test: it asserts nothing. Results: `RESULTS.md`.

use rand::RngExt;
use rand_pcg::Pcg32;
use std::time::Instant;
use synfire_graphs::{DelayTicks, PlasticityRule, RuleSpec, Tick, UnitExt};
use synfire_rules::{BennaFusi, Context, Delays, HiddenWeights, Metaplastic, ProjectionInfo, Stdp, Synapses, SynapticIntelligence, instantiate};

const RATE_PER_TICK: f64 = 10.0 * 1e-4;
const WINDOW: u64 = 10;

struct Net {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    in_degree: Vec<u64>,
    /// Per synapse, when the projection's delays differ (`SYNFIRE_BENCH_DELAYS`).
    delays: Option<Vec<u32>>,
    pre: Vec<Vec<u32>>,
    post: Vec<Vec<u32>>,
}

fn net(ticks: u64, n: usize, p: f64, spread: Option<(u32, u32)>) -> Net {
    let mut rng = Pcg32::new(1, 2);
    let mut offsets = vec![0u64];
    let mut targets = Vec::new();
    let mut in_degree = vec![0u64; n];
    for _ in 0..n {
        for (i, d) in in_degree.iter_mut().enumerate() {
            if rng.random::<f64>() < p {
                targets.push(i as u32);
                *d += 1;
            }
        }
        offsets.push(targets.len() as u64);
    }
    let spikes = |rng: &mut Pcg32| (0..ticks).map(|_| (0..n as u32).filter(|_| rng.random::<f64>() < RATE_PER_TICK).collect()).collect();
    let pre = spikes(&mut rng);
    let post = spikes(&mut rng);
    let delays = spread.map(|(lo, hi)| targets.iter().map(|_| rng.random_range(lo..=hi)).collect());
    Net { offsets, targets, in_degree, delays, pre, post }
}

/// CPU time of this thread in ns (scheduler accounting), or wall time without it.
fn thread_ns(origin: Instant) -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or_else(|| origin.elapsed().as_nanos() as u64)
}

/// One run of `spec` over the net.
struct Run {
    ns: u64,
    events: u64,
    bytes: usize,
    /// Sum of the final weights (that the wrapped and plain runs did different work).
    checksum: f64,
}

fn run(spec: &RuleSpec, net: &Net, origin: Instant) -> Run {
    let n = net.in_degree.len();
    let info = ProjectionInfo {
        dt: 0.1.ms(),
        n_synapses: net.targets.len(),
        n_sources: n,
        n_targets: n,
        delay: match (&net.delays, lazy_bounds(net)) {
            (Some(_), Some((min, max))) => DelayTicks::PerSynapse { min, max },
            _ => DelayTicks::Const(10),
        },
        weight_scale: 1.0,
        negative: false,
        target: Default::default(),
    };
    let mut rule = instantiate(spec, &info).expect("a valid rule");
    let mut weights = vec![0.5f32; net.targets.len()];
    let mut syn = Synapses {
        offsets: &net.offsets,
        targets: &net.targets,
        delays: net.delays.as_deref().map_or(Delays::Const(10), Delays::PerSynapse),
        weights: &mut weights,
    };
    let ctx = Context::none();
    let mut events = 0u64;
    let t0 = thread_ns(origin);
    let ticks = net.pre.len() as u64;
    for w0 in (0..ticks).step_by(WINDOW as usize) {
        // Deliver the previous window's pre spikes, advance, record this window's posts.
        for t in w0.saturating_sub(WINDOW)..w0 {
            for &j in &net.pre[t as usize] {
                rule.on_pre(j, Tick(t), &mut syn, &ctx);
                events += net.offsets[j as usize + 1] - net.offsets[j as usize];
            }
        }
        rule.advance(Tick(w0), &mut syn, &ctx);
        for t in w0..(w0 + WINDOW).min(ticks) {
            for &i in &net.post[t as usize] {
                rule.on_post(i, Tick(t));
                events += net.in_degree[i as usize];
            }
        }
    }
    rule.settle(Tick(ticks + 20), &mut syn, &ctx);
    let ns = thread_ns(origin) - t0;
    let checksum = std::hint::black_box(&weights).iter().map(|&w| f64::from(w)).sum();
    Run { ns, events, bytes: rule.bytes_per_synapse(), checksum }
}

/// The bounds of the per-synapse delays, if they differ.
fn lazy_bounds(net: &Net) -> Option<(u32, u32)> {
    let d = net.delays.as_ref()?;
    Some((*d.iter().min()?, *d.iter().max()?))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn main() {
    let env = |k: &str| std::env::var(k).ok();
    let seconds: f64 = env("SYNFIRE_BENCH_SECONDS").and_then(|v| v.parse().ok()).unwrap_or(20.0);
    let rounds: usize = env("SYNFIRE_BENCH_ROUNDS").and_then(|v| v.parse().ok()).unwrap_or(7).max(1);
    let only = env("SYNFIRE_BENCH_RULE");
    // Sources = targets, and the connection probability (in-degree `n p`).
    let n: usize = env("SYNFIRE_BENCH_NEURONS").and_then(|v| v.parse().ok()).unwrap_or(1000);
    let p: f64 = env("SYNFIRE_BENCH_P").and_then(|v| v.parse().ok()).unwrap_or(0.1);
    // `lo-hi` in ticks: per-synapse delays, so the lazy engine runs instead of the eager one.
    let spread = env("SYNFIRE_BENCH_DELAYS").and_then(|v| v.split_once('-').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))));
    let ticks = (seconds * 1e4) as u64;
    let net = net(ticks, n, p, spread);
    let base = || Stdp::pair().bounds(0.0..=1.0);
    let rules: Vec<(&str, RuleSpec)> = vec![
        ("stdp_pair", base().to_spec()),
        ("benna_fusi m=6 (clock 1 ms)", base().benna_fusi(BennaFusi::geometric(6)).to_spec()),
        ("benna_fusi m=6 continuous", base().benna_fusi(BennaFusi::geometric(6).continuous()).to_spec()),
        ("meta_hidden m=1", base().hidden_weights(HiddenWeights::analog(1.0)).to_spec()),
        ("synaptic_intelligence", base().synaptic_intelligence(SynapticIntelligence::new(0.1).every(1.0.s())).to_spec()),
    ];
    let rules: Vec<_> = rules.into_iter().filter(|(name, _)| only.as_deref().is_none_or(|o| o.split('|').any(|o| name.contains(o)))).collect();
    let origin = Instant::now();
    // ns per event, per rule and round (pushed in round order).
    let mut per_event = vec![Vec::with_capacity(rounds); rules.len()];
    let mut meta = vec![(0u64, 0usize, 0.0f64); rules.len()];
    for round in 0..rounds {
        for step in 0..rules.len() {
            let n = (round + step) % rules.len();
            let r = run(&rules[n].1, &net, origin);
            per_event[n].push(r.ns as f64 / r.events as f64);
            meta[n] = (r.events, r.bytes, r.checksum);
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "metaplastic wrappers: {} synapses, {seconds} s at 10 Hz pre and post, 0.1 ms steps; {rounds} rounds, rotated order; thread CPU time; load average at the end (1, 5, 15 min): {}",
        net.targets.len(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!("{:<28} {:>10} {:>22} {:>22} {:>7} {:>12}", "rule", "events", "ns/event med [lo-hi]", "vs plain med [lo-hi]", "B/syn", "sum of w");
    let plain = rules.iter().position(|(name, _)| *name == "stdp_pair");
    for (n, (name, _)) in rules.iter().enumerate() {
        let (events, bytes, checksum) = meta[n];
        let v = &mut per_event[n].clone();
        let ns = median(v);
        let ratio = match plain {
            Some(p) => {
                let mut r: Vec<f64> = (0..rounds).map(|i| per_event[n][i] / per_event[p][i]).collect();
                let m = median(&mut r);
                format!("{m:.2}x [{:.2}-{:.2}]", r[0], r[rounds - 1])
            }
            None => "-".to_string(),
        };
        println!("{name:<28} {events:>10} {:>22} {ratio:>22} {bytes:>7} {checksum:>12.3}", format!("{ns:.2} [{:.2}-{:.2}]", v[0], v[rounds - 1]));
    }
}
