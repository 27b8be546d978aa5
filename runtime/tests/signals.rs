//! Per-neuron signals: feedback weights from one population deliver
//! `L_j(t) = sum_k B_jk a_k(t - d)` onto the neurons of another, where a per-tick rule
//! (signal-gated Hebbian learning) reads them through `Context`. Bit-identical for
//! any worker count and window, equal to the serial reference, checkpointed.

mod support;

use proptest::prelude::*;
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, ProjId};
use synfire_rules::SignalHebb;
use synfire_runtime::Runtime;

/// Poisson inputs X onto LIF neurons H through signal-gated synapses; H drives rate
/// units R (a readout), whose output minus a bias comes back to H as the signal `L`
/// through random feedback weights `B` (both signs), with a delay of `fb_delay`.
fn network(seed: u64, bias: f64, fb_delay: f64) -> (Graph, ProjId, Probe<probe_kind::Spikes>) {
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    let x = net.poisson("X", 40, 40.0.hz());
    let h = net.population("H", 30, Lif::cuba().e_l((-51.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    let r = net.population("R", 4, RateUnit::linear().tau(5.0.ms()).theta((-10.0).one()).bias(bias.one()).gain(0.1.one()));
    net.learning_signal("L", h);
    let rule = SignalHebb::new().eta(0.02).tau(10.0.ms()).bounds(0.0..=5.0).signal("L");
    let plastic = net.connect(x, h, Conn::prob(0.4).weight(2.0.mv()).delay(0.5.ms()).plastic(rule));
    net.connect(h, r, Conn::prob(0.5).weight(0.3.one()).delay(0.3.ms()));
    net.connect(r, h, Conn::all_to_all().weight(uniform((-1.0).one(), 1.0.one())).delay(fb_delay.ms()).into_signal("L"));
    let spikes = net.record_spikes([x, h]);
    (net.freeze_with(&synfire_rules::Catalog).expect("valid"), plastic, spikes)
}

fn run(g: &Graph, p: ProjId, spikes: Probe<probe_kind::Spikes>, workers: usize, window: Option<u64>, ticks: u64) -> (Vec<(u64, u64)>, Vec<u32>) {
    let mut sim = support::runtime(g, workers, window);
    sim.run_ticks(ticks).expect("runs");
    (support::pairs(&sim.spikes(spikes).expect("spikes")), support::weight_bits(&sim, p))
}

fn reference(g: &Graph, p: ProjId, ticks: u64) -> (Vec<(u64, u64)>, Vec<u32>) {
    let (spikes, weights) = support::reference::simulate_with_weights(g, ticks);
    (spikes, weights[p.index()].iter().map(|w| w.to_bits()).collect())
}

#[test]
fn signals_reach_the_rule_and_equal_the_reference_for_any_workers_and_window() {
    let (g, p, spikes) = network(5, 0.0, 0.2);
    let want = reference(&g, p, 2000);
    assert!(want.0.len() > 500, "the network is active: {} spikes", want.0.len());
    let start: Vec<u32> = run(&g, p, spikes, 1, None, 0).1;
    let changed = want.1.iter().zip(&start).filter(|(a, b)| a != b).count();
    assert!(changed > want.1.len() / 2, "the signal drove learning on {changed} of {} synapses", want.1.len());
    for (workers, window) in [(1, None), (2, None), (3, Some(1)), (4, Some(2)), (2, Some(1))] {
        assert!(run(&g, p, spikes, workers, window, 2000) == want, "{workers} workers, window {window:?}");
    }
}

/// The sign of the signal sets the sign of learning: a readout held positive by its
/// bias, fed back through positive weights, potentiates; through negative weights
/// it depresses.
#[test]
fn the_signal_sets_the_sign_of_learning() {
    let mean_change = |w_fb: f64| {
        let mut net = Network::new().dt(0.1.ms()).seed(9);
        let x = net.poisson("X", 20, 50.0.hz());
        let h = net.population("H", 10, Lif::cuba().e_l((-70.0).mv()));
        let r = net.population("R", 1, RateUnit::linear().tau(1.0.ms()).bias(1.0.one()));
        net.learning_signal("L", h);
        let p = net.connect(x, h, Conn::all_to_all().weight(1.0.mv()).delay(1.0.ms()).plastic(SignalHebb::new().eta(0.001).signal("L")));
        net.connect(r, h, Conn::all_to_all().weight(w_fb.one()).delay(0.1.ms()).into_signal("L"));
        let g = net.freeze_with(&synfire_rules::Catalog).expect("valid");
        let mut sim = Runtime::builder().workers(2).build(&g).expect("builds");
        sim.run_for(200.0.ms()).expect("runs");
        let w = sim.projection_weights(p).expect("weights").values;
        w.iter().map(|&x| f64::from(x) - 1.0).sum::<f64>() / w.len() as f64
    };
    let (up, down) = (mean_change(0.5), mean_change(-0.5));
    // The trace of a 50 Hz input with tau 20 ms averages 1; L = 0.5 after the
    // readout settles: about 0.001 * 0.5 * 1 per tick, 2000 ticks: +1.0 mV.
    assert!(up > 0.5 && up < 1.5, "positive signal: mean change {up}");
    assert!((down + up).abs() < 1e-3 * up.abs(), "negative signal mirrors it: {down} vs {up}");
}

/// A checkpoint taken while feedback values are in flight continues bit-identically.
#[test]
fn signals_in_flight_survive_a_checkpoint() {
    let (g, p, spikes) = network(3, 0.5, 0.6);
    let want = run(&g, p, spikes, 1, None, 900);
    let mut a = support::runtime(&g, 3, None);
    a.run_ticks(451).expect("runs");
    let mut b = support::round_trip(&g, &mut a, 2);
    drop(a);
    b.run_ticks(900 - 451).expect("runs");
    let w = support::weight_bits(&b, p);
    assert!(w == want.1, "weights differ after the resume");
}

#[test]
fn a_feedback_projection_must_name_a_signal_over_its_target() {
    let mut net = Network::new().dt(0.1.ms());
    let a = net.population("A", 2, RateUnit::linear());
    let b = net.population("B", 2, Lif::cuba());
    net.learning_signal("L", a);
    net.connect(a, b, Conn::all_to_all().weight(1.0.one()).into_signal("L"));
    net.connect(a, b, Conn::all_to_all().weight(1.0.one()).into_signal("nope"));
    net.connect(a, a, Conn::all_to_all().weight(1.0.mv()).into_signal("L"));
    let err = net.freeze().expect_err("invalid").to_string();
    assert!(err.contains("projections[0].signal: `L` is not a per-neuron signal over `B`"), "{err}");
    assert!(err.contains("projections[1].signal: no signal is called `nope`"), "{err}");
    assert!(err.contains("projections[2].weight: feedback weights are dimensionless"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    #[test]
    fn random_signal_networks_match_the_reference(seed in 0u64..1000, bias in -0.5f64..0.5, fb in 1u32..8, workers in 1usize..5, pick in 0u64..100) {
        let (g, p, spikes) = network(seed, bias, f64::from(fb) * 0.1);
        let want = reference(&g, p, 400);
        let window = 1 + pick % u64::from(g.min_delay().unwrap_or(1));
        prop_assert!(run(&g, p, spikes, workers, Some(window), 400) == want, "{} workers, window {}", workers, window);
    }
}

/// Bindings and keys that would do nothing are refused: a rule input bound to the
/// wrong kind of node (it would read nothing and never learn), an initial value or a
/// schedule on a per-neuron signal.
#[test]
fn third_factor_settings_that_would_do_nothing_are_typed_errors() {
    use synfire_rules::RewardStdp;
    let mut net = Network::new().dt(0.1.ms());
    let x = net.poisson("X", 4, 10.0.hz());
    let h = net.population("H", 3, Lif::cuba());
    net.learning_signal("L", h);
    net.modulator("da", 1.0);
    net.connect(x, h, Conn::all_to_all().weight(1.0.mv()).plastic(SignalHebb::new().signal("da")));
    net.connect(x, h, Conn::all_to_all().weight(1.0.mv()).plastic(RewardStdp::izhikevich2007().modulator("L")));
    let err = net.freeze_with(&synfire_rules::Catalog).expect_err("invalid").to_string();
    assert!(err.contains("projections[0].rule.inputs.signal: `da` is a scalar modulator"), "{err}");
    assert!(err.contains("projections[1].rule.inputs.modulator: `L` is a per-neuron signal"), "{err}");

    let text = "[run]\nduration = \"1 s\"\n[[population]]\nname = \"H\"\nsize = 2\nmodel = \"lif_cuba\"\n\
                [[modulator]]\nname = \"L\"\npopulation = \"H\"\ninitial = 5.0\nschedule = [[\"1 ms\", 1.0]]\n";
    let err = synfire_graphs::scenario::Scenario::parse(text).and_then(|s| s.freeze()).expect_err("invalid");
    let all: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert!(all.iter().any(|p| p.starts_with("modulator[0].initial:")), "{all:?}");
    assert!(all.iter().any(|p| p.starts_with("modulator[0]:") && p.contains("only scalar modulators take a schedule")), "{all:?}");
}
