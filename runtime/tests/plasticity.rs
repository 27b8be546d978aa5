//! Plasticity in the engine: determinism across workers and windows, agreement with
//! the serial reference (which calls the rule the moment each event happens), and
//! snapshots of a plastic network's spikes and weight histogram.

mod support;

use synfire_graphs::{Graph, ProjId, Time};
use synfire_runtime::Runtime;

fn run(
    graph: &Graph,
    probe: synfire_graphs::Probe<synfire_graphs::probe_kind::Spikes>,
    proj: ProjId,
    workers: usize,
    window: Option<u64>,
    ms: f64,
) -> (Vec<(u64, u64)>, Vec<f32>) {
    let mut sim = support::runtime(graph, workers, window);
    sim.run_for(Time(ms)).expect("runs");
    let s = sim.spikes(probe).expect("spikes");
    let w = sim.projection_weights(proj).expect("weights");
    (support::pairs(&s), w.values)
}

/// Weights in canonical (source, target) order, as the reference returns them.
fn canonical(graph: &Graph, proj: usize, weights: &[f32]) -> Vec<f32> {
    let csr = synfire_graphs::connectivity::instantiate(graph, proj);
    let mut rows: Vec<((u32, u32), f32)> = Vec::new();
    for s in 0..graph.populations[graph.projections[proj].source].size as usize {
        for k in csr.row(s) {
            rows.push(((s as u32, csr.targets[k]), weights[k]));
        }
    }
    rows.sort_by_key(|r| r.0);
    rows.into_iter().map(|r| r.1).collect()
}

#[test]
fn plastic_cuba_is_bit_identical_across_workers_and_windows() {
    let (graph, probe, ee) = support::cuba_stdp(800, 0.5, 9);
    let base = run(&graph, probe, ee, 1, Some(1), 300.0);
    assert!(base.0.len() > 100);
    let initial = 1.62f32;
    assert!(base.1.iter().any(|&w| w != initial), "some weights changed");
    for (workers, window) in [(2, 5), (3, 2), (4, 5), (1, 5)] {
        let got = run(&graph, probe, ee, workers, Some(window), 300.0);
        assert_eq!(got.0, base.0, "spikes: workers {workers}, window {window}");
        assert_eq!(got.1.len(), base.1.len());
        assert!(got.1.iter().zip(&base.1).all(|(a, b)| a.to_bits() == b.to_bits()), "weights: workers {workers}, window {window}");
    }
}

#[test]
fn plastic_cuba_agrees_with_the_serial_reference() {
    let (graph, probe, ee) = support::cuba_stdp(400, 0.3, 4);
    let ticks = 2000;
    let (ref_spikes, ref_weights) = support::reference::simulate_with_weights(&graph, ticks);
    let (spikes, weights) = run(&graph, probe, ee, 3, None, 200.0);
    assert_eq!(spikes, ref_spikes);
    assert_eq!(weights, canonical(&graph, ee.index(), &ref_weights[ee.index()]));
}

#[test]
fn plastic_cuba_snapshots_hold_for_every_worker_count() {
    let (graph, probe, ee) = support::cuba_stdp(1000, 0.1, 42);
    for workers in 1..=4 {
        let mut sim = Runtime::builder().workers(workers).build(&graph).expect("builds");
        sim.run_for(Time(200.0)).expect("runs");
        let spikes = sim.spikes(probe).expect("spikes").window(100.0, 110.0);
        insta::assert_snapshot!("plastic_cuba_spikes_100_110ms", spikes.to_string());
        let w = sim.projection_weights(ee).expect("weights");
        insta::assert_snapshot!("plastic_cuba_weight_histogram_200ms", histogram(&w.values, 0.0, 3.24, 12));
    }
}

/// A text histogram: one line per bin with its range and count.
fn histogram(values: &[f32], lo: f32, hi: f32, bins: usize) -> String {
    let mut counts = vec![0usize; bins];
    for &v in values {
        let b = (((v - lo) / (hi - lo)) * bins as f32).floor().clamp(0.0, (bins - 1) as f32) as usize;
        counts[b] += 1;
    }
    let mut out = format!("# {} weights in [{lo}, {hi}] mV\n", values.len());
    for (b, c) in counts.iter().enumerate() {
        let a = lo + (hi - lo) * b as f32 / bins as f32;
        out.push_str(&format!("{a:6.3}\t{c}\n"));
    }
    out
}

/// Vogels et al. 2011 (specs 6.3) on one COBA neuron: `inputs` excitatory Poisson
/// sources (w 0.1) and `inputs / 4` inhibitory ones at twice the rate, plastic from
/// 0.05, eta 1e-3, tau 20 ms, dt 0.1 ms, run for `secs`. Returns the rate in the first
/// second and the mean rate over the second half.
fn vogels(rho_0: f64, inputs: u64, rate_e: f64, secs: f64) -> (f64, f64) {
    use synfire_graphs::prelude::*;
    use synfire_rules::Istdp;
    let mut net = Network::new().dt(0.1.ms()).seed(3);
    let post = net.population("post", 1, Lif::coba());
    let exc = net.poisson("exc", inputs, rate_e.hz());
    let inh = net.poisson("inh", inputs / 4, (2.0 * rate_e).hz());
    net.connect(exc, post, Conn::all_to_all().weight(0.1.one()).delay(0.1.ms()));
    let rule = Istdp::vogels().tau(20.0.ms()).eta(1e-3).rho_0(rho_0.hz()).w_max(10.0);
    net.connect(inh, post, Conn::all_to_all().weight(0.05.one()).receptor(Receptor::Inh).delay(0.1.ms()).plastic(rule));
    let spikes = net.record_spikes([post]);
    let graph = net.freeze_with(&synfire_rules::Catalog).expect("valid");
    let mut sim = Runtime::builder().build(&graph).expect("builds");
    sim.run_for(Time(1_000.0)).expect("runs");
    let early = sim.spikes(spikes).expect("spikes").len() as f64;
    sim.run_for(Time(secs * 1e3 - 1_000.0)).expect("runs");
    let late = sim.spikes(spikes).expect("spikes").window(secs * 500.0, secs * 1e3).len() as f64 / (secs / 2.0);
    eprintln!("iSTDP rho_0 {rho_0} Hz, {inputs} inputs: {early:.1} Hz in the first second, {late:.2} Hz over the second half of {secs} s");
    (early, late)
}

/// The specs' setup exactly (800 excitatory inputs at 5 Hz, 200 inhibitory at 10 Hz,
/// 120 s; acceptance: the mean rate over 60-120 s within 25% of `rho_0` for 5 and
/// 10 Hz). About 15 s in release, two minutes unoptimised: `.ci/run` runs it with
/// `cargo test --release -- --ignored`.
#[test]
#[ignore = "two minutes unoptimised; .ci/run runs it in release"]
fn vogels_istdp_brings_the_rate_to_the_target_in_the_specs_setup() {
    for rho_0 in [5.0, 10.0] {
        let (early, late) = vogels(rho_0, 800, 5.0, 120.0);
        assert!(early > 10.0 * rho_0, "the initial rate {early} Hz should be far above the target (the specs measured 122 Hz)");
        assert!((late - rho_0).abs() <= 0.25 * rho_0, "rho_0 {rho_0} Hz: rate {late} Hz over 60-120 s (first second: {early} Hz)");
    }
}

/// The same with a tenth of the inputs at ten times the rates: the summed excitatory and
/// inhibitory input are the same Poisson processes, each plastic synapse learns ten times
/// as fast from ten times fewer partners. 40 s, in the default test run.
#[test]
fn vogels_istdp_brings_the_rate_to_the_target() {
    for rho_0 in [5.0, 10.0] {
        let (early, late) = vogels(rho_0, 80, 50.0, 40.0);
        assert!(early > 2.0 * rho_0, "the initial rate {early} Hz should be above the target");
        assert!((late - rho_0).abs() <= 0.25 * rho_0, "rho_0 {rho_0} Hz: rate {late} Hz over 20-40 s (first second: {early} Hz)");
    }
}

/// Spikes injected from the API are spikes for plasticity too: a pre spike injected at
/// 10 ms and a post spike at 15 ms over a 1 ms delay potentiate by
/// `R A+ exp(-6/20)` (synaptic time: `Δt = t_post + d - t_pre = 6 ms`); the reverse
/// order depresses by `R A- exp(-4/20)`. Both spikes are in the spike log, and the
/// result is the same on 1 and 3 workers.
#[test]
fn injected_spikes_drive_pair_stdp_like_real_ones() {
    use synfire_graphs::prelude::*;
    let build = || {
        let mut net = Network::new().dt(0.1.ms()).seed(2);
        let quiet = Lif::cuba().e_l((-70.0).mv());
        let a = net.population("A", 1, quiet.clone());
        let b = net.population("B", 1, quiet);
        let rule = synfire_rules::Stdp::pair().a_plus(0.01).a_minus(0.0105).bounds(0.0..=2.0);
        let p = net.connect(a, b, Conn::one_to_one().weight(1.0.mv()).delay(1.0.ms()).plastic(rule));
        let spikes = net.record_spikes([a, b]);
        (net.freeze_with(&synfire_rules::Catalog).expect("valid"), a, b, p, spikes)
    };
    let (g, a, b, p, spikes) = build();
    for workers in [1, 3] {
        for (first, second, want) in [(a, b, 2.0 * 0.01 * (-6.0f64 / 20.0).exp()), (b, a, -2.0 * 0.0105 * (-4.0f64 / 20.0).exp())] {
            let mut sim = Runtime::builder().workers(workers).build(&g).expect("builds");
            sim.run_for(10.0.ms()).expect("runs");
            sim.inject_spikes(first, &[0], 10.0.ms()).expect("injects");
            sim.run_for(5.0.ms()).expect("runs");
            sim.inject_spikes(second, &[0], 15.0.ms()).expect("injects");
            sim.run_for(15.0.ms()).expect("runs");
            let w = f64::from(sim.projection_weights(p).expect("weights").values[0]);
            assert!((w - 1.0 - want).abs() < 1e-6, "{workers} workers: dw {} vs {want}", w - 1.0);
            let s = sim.spikes(spikes).expect("spikes");
            let first_gid = g.offsets[first.index()];
            let second_gid = g.offsets[second.index()];
            assert_eq!(s.ticks.iter().copied().zip(s.gids.iter().copied()).collect::<Vec<_>>(), vec![(100, first_gid), (150, second_gid)]);
        }
    }
}

/// A spike injected for the next window survives a checkpoint taken before that
/// window runs.
#[test]
fn a_pending_injected_spike_is_kept_by_a_checkpoint() {
    use synfire_graphs::prelude::*;
    let mut net = Network::new().dt(0.1.ms()).seed(2);
    let a = net.population("A", 3, Lif::cuba().e_l((-70.0).mv()));
    let b = net.population("B", 2, Lif::cuba().e_l((-70.0).mv()));
    let rule = synfire_rules::Stdp::pair().a_plus(0.01).a_minus(0.0105).bounds(0.0..=2.0);
    let p = net.connect(a, b, Conn::all_to_all().weight(1.0.mv()).delay(1.0.ms()).plastic(rule));
    let g = net.freeze_with(&synfire_rules::Catalog).expect("valid");
    let run = |checkpoint: bool| {
        let mut sim = Runtime::builder().workers(2).build(&g).expect("builds");
        sim.run_for(10.0.ms()).expect("runs");
        sim.inject_spikes(a, &[0, 2], 10.5.ms()).expect("injects");
        sim.inject_spikes(b, &[1], 10.9.ms()).expect("injects");
        if checkpoint {
            let ck = sim.checkpoint().expect("saves");
            sim = Runtime::builder().workers(3).restore(&g, &ck).expect("restores");
        }
        sim.run_for(20.0.ms()).expect("runs");
        sim.projection_weights(p).expect("weights").values
    };
    let straight = run(false);
    assert!(straight.iter().any(|&w| w != 1.0), "the injected pairs changed weights");
    assert_eq!(run(true), straight);
}
