//! What a metaplastic wrapper costs in the whole engine: network D (CUBA with pair
//! STDP on `E -> E`, `specs/benchmarks.md`) with its plastic projection plain and
//! wrapped by each wrapper of spec 7, on one worker.
//!
//! Every round builds and runs each variant once, in an order rotated by one each
//! round (plain and wrapped alternate on a shared machine); a run's cost is the CPU
//! time of all the process's threads during `run_for` (`/proc/self/task/*/schedstat`,
//! in ns). Per variant it prints the median over the rounds of synaptic events per CPU
//! second and of CPU seconds per model second, each with the lowest and highest, the
//! median ratio of CPU time per event to plain STDP in the same round, and the bytes
//! per plastic synapse (connectivity and rule state). The wrapped networks' dynamics
//! differ (their weights do): a chain on a 1 ms clock drains its weights within the
//! run and the network fires less, so its cost per event also carries the neuron
//! updates over fewer events; on a 1 s clock it fires about as the plain one does.
//!
//! `cargo run --release --example metaplastic_bench [neurons] [model seconds] [rounds]`
//! (defaults 4000, 2, 5). Results: `rules/benches/RESULTS.md`.

use synfire::graphs::RuleSpec;
use synfire::networks;
use synfire::prelude::*;
use synfire::rules::{BennaFusi, HiddenWeights, Metaplastic, SynapticIntelligence};

/// CPU time of every thread of the process so far, ns (0 where unavailable).
fn process_cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return 0 };
    dir.filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()))
        .sum()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

struct Run {
    cpu_s: f64,
    events: u64,
    spikes: u64,
    bytes_per_plastic: f64,
}

fn run(graph: &synfire::graphs::Graph, seconds: f64) -> anyhow::Result<Run> {
    let mut rt = Runtime::builder().workers(1).build(graph)?;
    let before = process_cpu_ns();
    rt.run_for(seconds.s())?;
    let cpu_s = (process_cpu_ns() - before) as f64 * 1e-9;
    let c = rt.counters()?;
    Ok(Run { cpu_s, events: c.syn_events, spikes: c.spikes, bytes_per_plastic: rt.memory()?.bytes_per_plastic_synapse() })
}

fn main() -> anyhow::Result<()> {
    let arg = |i: usize| std::env::args().nth(i);
    let neurons: u64 = arg(1).map_or(Ok(4000), |v| v.parse())?;
    let seconds: f64 = arg(2).map_or(Ok(2.0), |v| v.parse())?;
    let rounds: usize = arg(3).map_or(Ok(5), |v| v.parse())?.max(1);
    let stdp = networks::cuba_stdp_rule;
    let variants: Vec<(&str, RuleSpec)> = vec![
        ("stdp_pair", stdp().into()),
        ("benna_fusi m=6 (clock 1 ms)", stdp().benna_fusi(BennaFusi::geometric(6)).into()),
        // The same chain on a slow clock: its leak barely moves the weights within the
        // run, so the network fires about as the plain one does.
        ("benna_fusi m=6 (clock 1 s)", stdp().benna_fusi(BennaFusi::geometric(6).clock(1.0.s())).into()),
        ("meta_hidden m=1", stdp().hidden_weights(HiddenWeights::analog(1.0)).into()),
        ("synaptic_intelligence", stdp().synaptic_intelligence(SynapticIntelligence::new(0.1).every(1.0.s())).into()),
    ];
    let graphs = variants
        .iter()
        .map(|(_, rule)| Ok(networks::cuba_plastic(neurons, 0, 0.1.ms(), rule.clone())?.network.freeze_with(&synfire::rules::Catalog)?))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut runs: Vec<Vec<Run>> = variants.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for step in 0..variants.len() {
            let v = (round + step) % variants.len();
            runs[v].push(run(&graphs[v], seconds)?);
        }
    }
    // Runs were pushed in round order for every variant.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "network D, {neurons} neurons, {seconds} s model time, 1 worker, {rounds} rounds; load average at the end (1, 5, 15 min): {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "{:<28} {:>26} {:>24} {:>22} {:>10} {:>9}",
        "E->E rule", "events/CPU-s med [lo-hi]", "CPU-s/model-s [lo-hi]", "ns/event vs plain", "spikes", "B/plastic"
    );
    for (v, (name, _)) in variants.iter().enumerate() {
        let mut rate: Vec<f64> = runs[v].iter().map(|r| r.events as f64 / r.cpu_s).collect();
        let mut rt: Vec<f64> = runs[v].iter().map(|r| r.cpu_s / seconds).collect();
        let mut ratio: Vec<f64> = (0..rounds).map(|i| (runs[v][i].cpu_s / runs[v][i].events as f64) / (runs[0][i].cpu_s / runs[0][i].events as f64)).collect();
        let (m_rate, m_rt, m_ratio) = (median(&mut rate), median(&mut rt), median(&mut ratio));
        let last = &runs[v][rounds - 1];
        println!(
            "{name:<28} {:>26} {:>24} {:>22} {:>10} {:>9.1}",
            format!("{m_rate:.3e} [{:.2e}-{:.2e}]", rate[0], rate[rounds - 1]),
            format!("{m_rt:.4} [{:.4}-{:.4}]", rt[0], rt[rounds - 1]),
            format!("{m_ratio:.2}x [{:.2}-{:.2}]", ratio[0], ratio[rounds - 1]),
            last.spikes,
            last.bytes_per_plastic
        );
    }
    Ok(())
}
