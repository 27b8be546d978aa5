//! The cost of a metaplastic wrapper per synaptic event: the same pair-STDP projection
//! with and without each wrapper of spec 7, driven as the runtime drives it.
//!
//! `cargo bench -p synfire-rules --bench metaplastic` prints, per rule, the CPU time per
//! synaptic event (a pre or post spike's visit of one synapse; wall time, one thread), its ratio to plain
//! STDP and the rule's bytes per synapse. 1000 sources onto 1000 targets with
//! probability 0.1 (about 10^5 synapses, one delay: the eager engine), Poisson spikes
//! at 10 Hz before and after, 0.1 ms steps, windows of 1 ms, 20 s of model time;
//! `SYNFIRE_BENCH_SECONDS` changes the duration. Each rule runs three times in turn
//! and the fastest run counts (a shared machine adds noise, never removes it). This
//! is a measurement, not a test: it asserts nothing.

use rand::RngExt;
use rand_pcg::Pcg32;
use std::time::Instant;
use synfire_graphs::{DelayTicks, PlasticityRule, RuleSpec, Tick, UnitExt};
use synfire_rules::{BennaFusi, Context, Delays, HiddenWeights, Metaplastic, ProjectionInfo, Stdp, Synapses, SynapticIntelligence, instantiate};

const N: usize = 1000;
const P: f64 = 0.1;
const RATE_PER_TICK: f64 = 10.0 * 1e-4;
const WINDOW: u64 = 10;

struct Net {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    in_degree: Vec<u64>,
    pre: Vec<Vec<u32>>,
    post: Vec<Vec<u32>>,
}

fn net(ticks: u64) -> Net {
    let mut rng = Pcg32::new(1, 2);
    let mut offsets = vec![0u64];
    let mut targets = Vec::new();
    let mut in_degree = vec![0u64; N];
    for _ in 0..N {
        for (i, d) in in_degree.iter_mut().enumerate() {
            if rng.random::<f64>() < P {
                targets.push(i as u32);
                *d += 1;
            }
        }
        offsets.push(targets.len() as u64);
    }
    let spikes = |rng: &mut Pcg32| (0..ticks).map(|_| (0..N as u32).filter(|_| rng.random::<f64>() < RATE_PER_TICK).collect()).collect();
    let pre = spikes(&mut rng);
    let post = spikes(&mut rng);
    Net { offsets, targets, in_degree, pre, post }
}

/// Runs `spec` over the net; returns (wall seconds, synaptic events, bytes per synapse).
fn run(spec: &RuleSpec, net: &Net) -> (f64, u64, usize) {
    let info = ProjectionInfo {
        dt: 0.1.ms(),
        n_synapses: net.targets.len(),
        n_sources: N,
        n_targets: N,
        delay: DelayTicks::Const(10),
        weight_scale: 1.0,
        negative: false,
        target: Default::default(),
    };
    let mut rule = instantiate(spec, &info).expect("a valid rule");
    let mut weights = vec![0.5f32; net.targets.len()];
    let mut syn = Synapses { offsets: &net.offsets, targets: &net.targets, delays: Delays::Const(10), weights: &mut weights };
    let ctx = Context::none();
    let mut events = 0u64;
    let t0 = Instant::now();
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
    let dt = t0.elapsed().as_secs_f64();
    std::hint::black_box(&weights);
    (dt, events, rule.bytes_per_synapse())
}

fn main() {
    let seconds: f64 = std::env::var("SYNFIRE_BENCH_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20.0);
    let ticks = (seconds * 1e4) as u64;
    let net = net(ticks);
    let base = || Stdp::pair().bounds(0.0..=1.0);
    let rules: Vec<(&str, RuleSpec)> = vec![
        ("stdp_pair", base().to_spec()),
        ("benna_fusi m=6 (clock 1 ms)", base().benna_fusi(BennaFusi::geometric(6)).to_spec()),
        ("benna_fusi m=6 continuous", base().benna_fusi(BennaFusi::geometric(6).continuous()).to_spec()),
        ("meta_hidden m=1", base().hidden_weights(HiddenWeights::analog(1.0)).to_spec()),
        ("synaptic_intelligence", base().synaptic_intelligence(SynapticIntelligence::new(0.1).every(1.0.s())).to_spec()),
    ];
    let mut best = vec![f64::INFINITY; rules.len()];
    let mut meta = vec![(0u64, 0usize); rules.len()];
    for _round in 0..3 {
        for (n, (_, spec)) in rules.iter().enumerate() {
            let (dt, events, bytes) = run(spec, &net);
            best[n] = best[n].min(dt);
            meta[n] = (events, bytes);
        }
    }
    println!("metaplastic wrappers: {} synapses, {seconds} s at 10 Hz pre and post, 0.1 ms steps; fastest of 3 runs", net.targets.len());
    println!("{:<30} {:>12} {:>14} {:>10} {:>16}", "rule", "events", "ns per event", "vs plain", "bytes/synapse");
    for (n, (name, _)) in rules.iter().enumerate() {
        let (events, bytes) = meta[n];
        let ns = best[n] / events as f64 * 1e9;
        let plain = best[0] / meta[0].0 as f64 * 1e9;
        println!("{name:<30} {events:>12} {ns:>14.2} {:>9.2}x {bytes:>16}", ns / plain);
    }
}
