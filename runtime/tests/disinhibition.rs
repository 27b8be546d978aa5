//! Dis-inhibitory learning (specs 5.2, rate form) in the engine: E-I pairs of soft
//! rectifiers, feed-forward weights learning from the unit's own rate and its
//! partner's inhibition (per-neuron signals) and the presynaptic graded value, a
//! control population dis-inhibiting the I cells. Bit-identical for any worker count
//! and window, equal to the serial reference, checkpointed.

mod support;

use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, ProjId};
use synfire_rules::Disinhibition;

/// Inputs X (held by their biases) onto E-I pairs through plastic weights; a control
/// population C (both signs of drive) onto the I cells through random weights; the
/// gate opens at `gate_at` ms. `linear` picks the linear-threshold rule.
fn circuit(seed: u64, linear: bool, delay: f64, gate_at: f64) -> (Graph, [ProjId; 2]) {
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let x = net.population("X", 5, RateUnit::softplus().tau(2.0.ms()).bias(uniform((-1.0).one(), 2.0.one())));
    let e = net.population("E", 7, RateUnit::softplus().tau(20.0.ms()).bias(uniform((-0.5).one(), 0.5.one())));
    let i = net.population("I", 7, RateUnit::softplus().tau(5.0.ms()));
    let c = net.population("C", 2, RateUnit::linear().tau(10.0.ms()).bias(uniform(0.2.one(), 1.0.one())));
    net.learning_signal("rE", e);
    net.learning_signal("rI", e);
    net.scheduled_modulator("gate", 0.0, [(gate_at.ms(), 1.0)]);
    let base = if linear { Disinhibition::linear_threshold() } else { Disinhibition::exact() };
    let rule = base.eta(2e-3).signals("rE", "rI").gate("gate").bounds(-3.0..=3.0);
    let ff = net.connect(x, e, Conn::all_to_all().weight(uniform((-0.5).one(), 1.0.one())).delay(delay.ms()).plastic(rule.clone()).named("X->E"));
    let rec = net.connect(
        e,
        e,
        Conn::prob(0.3).autapses(false).weight(uniform((-0.3).one(), 0.3.one())).delay(delay.ms()).plastic(rule.tau_pre(5.0.ms())).named("E->E"),
    );
    net.connect(e, i, Conn::one_to_one().weight(1.0.one()).delay(1.0.ms()));
    net.connect(i, e, Conn::one_to_one().weight((-1.0).one()).delay(1.0.ms()));
    net.connect(c, i, Conn::all_to_all().weight(uniform((-1.0).one(), 1.0.one())).delay(1.0.ms()));
    net.connect(e, e, Conn::one_to_one().weight(1.0.one()).delay(1.0.ms()).into_signal("rE"));
    net.connect(i, e, Conn::one_to_one().weight(1.0.one()).delay(1.0.ms()).into_signal("rI"));
    (net.freeze_with(&synfire_rules::Catalog).expect("valid"), [ff, rec])
}

fn run(g: &Graph, ps: [ProjId; 2], workers: usize, window: Option<u64>, ticks: u64) -> Vec<Vec<u32>> {
    let mut sim = support::runtime(g, workers, window);
    sim.run_ticks(ticks).expect("runs");
    ps.iter().map(|&p| support::weight_bits(&sim, p)).collect()
}

fn reference(g: &Graph, ps: [ProjId; 2], ticks: u64) -> Vec<Vec<u32>> {
    let (_, w) = support::reference::simulate_with_weights(g, ticks);
    ps.iter().map(|p| w[p.index()].iter().map(|x| x.to_bits()).collect()).collect()
}

#[test]
fn the_rule_equals_the_reference_for_any_workers_and_window() {
    for linear in [false, true] {
        let (g, ps) = circuit(7, linear, 2.0, 30.0);
        let want = reference(&g, ps, 400);
        let start = run(&g, ps, 1, None, 0);
        for k in 0..2 {
            let changed = want[k].iter().zip(&start[k]).filter(|(a, b)| a != b).count();
            assert!(changed > want[k].len() / 2, "linear {linear}, projection {k}: {changed} of {} synapses learned", want[k].len());
        }
        for (workers, window) in [(1, None), (2, None), (4, None), (3, Some(1)), (2, Some(1))] {
            assert!(run(&g, ps, workers, window, 400) == want, "linear {linear}: {workers} workers, window {window:?}");
        }
    }
}

/// Nothing learns while the gate is closed, whatever the activity.
#[test]
fn a_closed_gate_changes_nothing() {
    let (g, ps) = circuit(3, false, 1.0, 1e6);
    assert!(run(&g, ps, 2, None, 300) == run(&g, ps, 1, None, 0));
}

/// A checkpoint taken while graded values are in flight continues bit-identically,
/// on another worker count.
#[test]
fn learning_survives_a_checkpoint() {
    let (g, ps) = circuit(11, true, 3.0, 10.0);
    let want = run(&g, ps, 1, None, 500);
    let mut a = support::runtime(&g, 4, None);
    a.run_ticks(251).expect("runs");
    let mut b = support::round_trip(&g, &mut a, 2);
    drop(a);
    b.run_ticks(500 - 251).expect("runs");
    let got: Vec<Vec<u32>> = ps.iter().map(|&p| support::weight_bits(&b, p)).collect();
    assert!(got == want, "weights differ after the resume");
}

/// Spike-timing rules are still refused on rate populations.
#[test]
fn a_spike_timing_rule_on_a_rate_population_is_refused() {
    let mut net = Network::new().dt(1.0.ms());
    let x = net.population("X", 2, RateUnit::softplus());
    let e = net.population("E", 2, RateUnit::softplus());
    net.connect(x, e, Conn::all_to_all().weight(1.0.one()).plastic(synfire_rules::Stdp::pair()));
    let err = net.freeze_with(&synfire_rules::Catalog).expect_err("refused").to_string();
    assert!(err.contains("`X` is a rate population: `stdp_pair` is a spike-timing rule"), "{err}");
}

/// A rule that reads its targets' distance to threshold (the spiking dis-inhibitory
/// rule's surrogate) onto a model that reports none is refused when the runtime is
/// built, naming the rule, the projection and the model: before, the rule read an
/// empty slice and every synapse's update was silently 0. The same circuit onto
/// `lif_cuba` builds (the check is not a refusal of everything).
#[test]
fn a_surrogate_rule_onto_a_model_without_threshold_distance_is_refused() {
    let build = |model: NeuronSpec, ff: Conn| {
        let mut net = Network::new().dt(1.0.ms());
        let x = net.poisson("X", 3, 20.0.hz());
        let e = net.population("E", 2, model);
        net.learning_signal("sE", e);
        net.learning_signal("sI", e);
        let rule = synfire_rules::DisinhibitionSpiking::new().signals("sE", "sI");
        net.connect(x, e, ff.delay(1.0.ms()).plastic(rule).named("W"));
        net.connect(e, e, Conn::one_to_one().weight(1.0.one()).delay(1.0.ms()).into_signal("sE"));
        net.connect(e, e, Conn::one_to_one().weight(1.0.one()).delay(1.0.ms()).into_signal("sI"));
        let g = net.freeze_with(&synfire_rules::Catalog).expect("valid graph");
        synfire_runtime::Runtime::builder().workers(2).build(&g).map(|_| ())
    };
    let err = build(Lif::coba(), Conn::all_to_all().weight(1.0.nsiemens())).expect_err("refused").to_string();
    for part in ["projections[0].rule", "`disinhibition_spiking`", "projection `W`", "model `lif_coba`", "population `E`"] {
        assert!(err.contains(part), "{err} lacks {part}");
    }
    build(Lif::cuba(), Conn::all_to_all().weight(1.0.mv())).expect("lif_cuba reports its threshold distance");
}
