//! Graded populations in the engine: rate units beside spiking neurons in one graph,
//! their outputs crossing shards as graded events, bit-identical for any worker count
//! and window and equal to the serial reference; random mixed networks with
//! modulated rules (proptest).

mod support;

use proptest::prelude::*;
use synfire_graphs::Time;
use synfire_graphs::prelude::*;
use synfire_graphs::{Activity, Graph, ProjId};
use synfire_rules::RewardStdp;
use synfire_runtime::Runtime;

/// What a run produces: spikes, the rate units' outputs every tick (`[tick][unit]`
/// over the recorded populations in order) and the final weights of every projection.
#[derive(Debug, PartialEq)]
struct Run {
    spikes: Vec<(u64, u64)>,
    outputs: Vec<Vec<u32>>,
    weights: Vec<Vec<u32>>,
}

struct Probes {
    spikes: Probe<probe_kind::Spikes>,
    outputs: Vec<(Probe<probe_kind::State>, usize)>,
}

fn engine(graph: &Graph, probes: &Probes, workers: usize, window: Option<u64>, ticks: u64) -> Run {
    let mut sim = support::runtime(graph, workers, window);
    sim.run_ticks(ticks).expect("runs");
    let s = sim.spikes(probes.spikes).expect("spikes");
    let traces: Vec<_> = probes.outputs.iter().map(|(p, _)| sim.state(*p).expect("state")).collect();
    // Sample `t + 1` holds the state after tick `t` (samples read the state at their
    // label, the initial one first); the last tick's state has no sample yet.
    let outputs = (1..ticks as usize)
        .map(|t| traces.iter().flat_map(|tr| tr.values[t * tr.neurons.len()..(t + 1) * tr.neurons.len()].iter().map(|v| v.to_bits())).collect())
        .collect();
    let weights = (0..graph.projections.len()).map(|k| support::weight_bits(&sim, graph.proj(&graph.projections[k].name).expect("projection"))).collect();
    Run { spikes: support::pairs(&s), outputs, weights }
}

fn reference(graph: &Graph, probes: &Probes, ticks: u64) -> Run {
    let o = support::reference::simulate_all(graph, ticks);
    let outputs = o.outputs[..ticks as usize - 1]
        .iter()
        .map(|row| probes.outputs.iter().flat_map(|&(_, pop)| graph.gid_range(pop).map(|g| row[g as usize].to_bits()).collect::<Vec<_>>()).collect())
        .collect();
    Run { spikes: o.spikes, outputs, weights: o.weights.iter().map(|w| w.iter().map(|x| x.to_bits()).collect()).collect() }
}

/// Poisson inputs drive LIF neurons through reward-modulated STDP whose modulator
/// is computed from the rate units' activity; the LIF neurons drive linear-threshold
/// rate units, which feed sigmoid units and inhibit the LIF neurons back, through
/// constant and per-synapse delays.
fn mixed() -> (Graph, Probes, ProjId) {
    let mut net = Network::new().dt(0.1.ms()).seed(19);
    let x = net.poisson("X", 60, 30.0.hz());
    let e = net.population("E", 70, Lif::cuba().e_l((-52.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    let r = net.population("R", 30, RateUnit::linear().tau(uniform(3.0.ms(), 8.0.ms())).gain(0.5.one()).theta(0.02.one()));
    let s = net.population("S", 20, RateUnit::sigmoid().tau(10.0.ms()).gain(4.0.one()).theta(0.5.one()));
    // The rule's third factor is computed from the rate units' mean output.
    net.computed_modulator("dopamine", 0.5, r, Activity::average(20.0.ms()).gain(20.0).offset(-0.1).delay(0.2.ms()));
    let rule = RewardStdp::izhikevich2007().a_plus(0.05).a_minus(0.06).tau_c(100.0.ms()).bounds(0.0..=4.0).modulator("dopamine");
    let plastic = net.connect(x, e, Conn::prob(0.2).weight(2.0.mv()).delay(1.0.ms()).plastic(rule));
    net.connect(e, r, Conn::prob(0.3).weight(1.0.one()).delay(0.5.ms()));
    net.connect(r, e, Conn::prob(0.3).weight((-0.05).mv()).delay(uniform(0.3.ms(), 1.2.ms())));
    net.connect(r, s, Conn::all_to_all().weight(0.2.one()).delay(0.2.ms()));
    net.connect(s, r, Conn::prob(0.5).weight((-0.3).one()).delay(0.3.ms()));
    net.connect(s, e, Conn::prob(0.4).weight(0.05.mv()).delay(2.0.ms()));
    let spikes = net.record_spikes([x, e]);
    let outputs = vec![(net.record_state(r, "r", 0..30, 0.1.ms()), r.index()), (net.record_state(s, "r", 0..20, 0.1.ms()), s.index())];
    (net.freeze_with(&synfire_rules::Catalog).expect("valid"), Probes { spikes, outputs }, plastic)
}

#[test]
fn a_mixed_network_equals_the_reference_for_one_to_four_workers_and_any_window() {
    let (g, probes, _) = mixed();
    let want = reference(&g, &probes, 1500);
    assert!(want.spikes.len() > 300, "spiking part is active: {}", want.spikes.len());
    let nonzero = want.outputs.iter().flatten().filter(|&&b| b != 0).count();
    assert!(nonzero > want.outputs.len() * 10, "rate units are active: {nonzero} non-zero outputs");
    assert!(want.weights[0] != engine_weights_at_start(&g), "the modulated rule learned");
    for (workers, window) in [(1, None), (2, None), (3, Some(1)), (4, Some(2)), (2, Some(1))] {
        assert!(engine(&g, &probes, workers, window, 1500) == want, "{workers} workers, window {window:?}");
    }
}

fn engine_weights_at_start(g: &Graph) -> Vec<u32> {
    support::weight_bits(&support::runtime(g, 1, None), g.proj(&g.projections[0].name).expect("p"))
}

/// Graded events scale the weights they cross: a unit held at `r` delivers `w * r`
/// per tick, so the target's input (seen through a downstream linear unit's
/// steady state) is the sum of `w * r` over its sources.
#[test]
fn a_graded_event_delivers_its_value_times_the_weight() {
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let a = net.population("A", 4, RateUnit::linear().tau(0.1.ms()).bias(0.5.one()).gain(2.0.one()));
    let b = net.population("B", 1, RateUnit::linear().tau(1.0.ms()).theta(-100.0.one()));
    net.connect(a, b, Conn::all_to_all().weight(0.25.one()).delay(0.3.ms()));
    let probe = net.record_state(b, "u", [0], 0.1.ms());
    let g = net.freeze().expect("valid");
    let mut sim = Runtime::builder().workers(2).build(&g).expect("builds");
    sim.run_for(40.0.ms()).expect("runs");
    let u = sim.state(probe).expect("state");
    // A relaxes to u = 0.5 (r = 1) with tau = dt; B sees 4 * 0.25 * r = 1 - ...
    let last = f64::from(*u.values.last().expect("samples"));
    assert!((last - 1.0).abs() < 1e-4, "B's steady state is sum w r = 1, got {last}");
    // Nothing arrives before the delay: B is still at 0 initially and after the first
    // three ticks (samples read the state at their label: the initial state first).
    assert!(u.values[..4].iter().all(|&v| v == 0.0), "{:?}", &u.values[..5]);
    assert!(u.values[4] > 0.0);
}

/// A random small network mixing 1-2 LIF populations, 1-2 rate populations (linear
/// or sigmoid), a Poisson source and reward-modulated STDP from the source.
#[allow(clippy::type_complexity)]
fn random_mixed(seed: u64, lif: Vec<u64>, rate: Vec<(u64, bool)>, conns: Vec<(usize, usize, f64, u32, bool)>, dopamine: (f64, u8)) -> (Graph, Probes) {
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    let mut pops = Vec::new();
    let mut graded = Vec::new();
    for (k, &n) in lif.iter().enumerate() {
        pops.push(net.population(&format!("L{k}"), n, Lif::cuba().e_l((-53.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv()))));
    }
    let n_lif = pops.len();
    for (k, &(n, sig)) in rate.iter().enumerate() {
        let model = if sig { RateUnit::sigmoid().gain(3.0.one()).theta(0.4.one()) } else { RateUnit::linear().theta(0.01.one()) };
        let p = net.population(&format!("R{k}"), n, model.tau(uniform(1.0.ms(), 6.0.ms())));
        graded.push((p, n));
        pops.push(p);
    }
    let x = net.poisson("X", 15, 80.0.hz());
    // The third factor: constant, scheduled, or computed from a spiking or a rate population.
    let (level, kind) = dopamine;
    let last = *pops.last().expect("a rate population");
    let _ = match kind % 4 {
        0 => net.modulator("dopamine", level),
        1 => net.scheduled_modulator("dopamine", level, [(Time(12.3), -level), (Time(25.0), 2.0 * level)]),
        2 => net.computed_modulator("dopamine", level, pops[0], Activity::average(5.0.ms()).gain(0.02).offset(level).delay(0.3.ms())),
        _ => net.computed_modulator("dopamine", level, last, Activity::average(3.0.ms()).gain(2.0).offset(-0.5).delay(0.1.ms())),
    };
    let rule = RewardStdp::izhikevich2007().a_plus(0.05).a_minus(0.06).tau_c(50.0.ms()).bounds(0.0..=6.0).modulator("dopamine");
    net.connect(x, pops[0], Conn::prob(0.5).weight(4.0.mv()).delay(0.2.ms()).plastic(rule));
    for &(a, b, w, d, spread) in &conns {
        let (s, t) = (pops[a % pops.len()], pops[b % pops.len()]);
        let unit_w = if b % pops.len() < n_lif { Conn::prob(0.4).weight(w.mv()) } else { Conn::prob(0.4).weight((w * 0.2).one()) };
        let lo = f64::from(d) * 0.1;
        net.connect(s, t, if spread { unit_w.delay(uniform(lo.ms(), (lo + 0.4).ms())) } else { unit_w.delay(lo.ms()) });
    }
    let spikes = net.record_spikes(pops[..n_lif].iter().copied().chain([x]));
    let outputs = graded.iter().map(|&(p, n)| (net.record_state(p, "r", 0..n as u32, 0.1.ms()), p.index())).collect();
    (net.freeze_with(&synfire_rules::Catalog).expect("valid random network"), Probes { spikes, outputs })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn random_mixed_networks_match_the_reference_for_any_workers_and_window(
        seed in 0u64..1000,
        lif in prop::collection::vec(1u64..20, 1..3),
        rate in prop::collection::vec((1u64..12, any::<bool>()), 1..3),
        conns in prop::collection::vec((0usize..4, 0usize..4, -5.0f64..5.0, 1u32..6, any::<bool>()), 1..7),
        dopamine in (-1.0f64..1.0, 0u8..4),
        workers in 1usize..5,
        window_pick in 0u64..100,
    ) {
        let (graph, probes) = random_mixed(seed, lif, rate, conns, dopamine);
        let want = reference(&graph, &probes, 400);
        let min_delay = u64::from(graph.min_delay().unwrap_or(1));
        let window = 1 + window_pick % min_delay;
        prop_assert!(engine(&graph, &probes, workers, Some(window), 400) == want, "{} workers, window {}", workers, window);
    }
}

/// A checkpoint of the mixed network (graded events in flight, the computed
/// modulator's average and steps) taken at 61.3 ms on 3 workers and restored on 2
/// continues bit-identically.
#[test]
fn a_mixed_network_resumes_bit_identically_from_a_checkpoint() {
    let (g, probes, plastic) = mixed();
    let straight = engine(&g, &probes, 1, None, 1200);
    let mut a = Runtime::builder().workers(3).build(&g).expect("builds");
    a.run_ticks(613).expect("runs");
    let mut b = support::round_trip(&g, &mut a, 2);
    drop(a);
    b.run_ticks(1200 - 613).expect("runs");
    let s = b.spikes(probes.spikes).expect("spikes");
    assert_eq!(support::pairs(&s), straight.spikes);
    let w = support::weight_bits(&b, plastic);
    assert!(w == straight.weights[0], "plastic weights differ after the resume");
    let r = b.state(probes.outputs[0].0).expect("outputs");
    let tail: Vec<u32> = r.values[r.values.len() - 30..].iter().map(|v| v.to_bits()).collect();
    assert_eq!(tail, straight.outputs[1198][..30].to_vec(), "rate outputs of the last sample (tick 1199: the state after tick 1198)");
}
