//! One test per bad input: `freeze()` names the kind of problem and the path to it.

use synfire_graphs::prelude::*;
use synfire_graphs::{Connector, ProblemKind as K};

/// Freezes and returns the problems as `(kind, path)`, or panics if it froze.
fn problems(net: &Network) -> Vec<(K, String)> {
    match net.freeze() {
        Ok(_) => panic!("froze a bad network"),
        Err(e) => e.problems().iter().map(|p| (p.kind, p.path.clone())).collect(),
    }
}

/// Checks that `net` fails with exactly one problem of `kind` at `path`.
fn check(net: &Network, kind: K, path: &str) {
    assert_eq!(problems(net), vec![(kind, path.to_string())]);
}

/// Two populations E (8) and I (2) and a projection E -> I built by `conn`.
fn with_conn(conn: Conn) -> Network {
    let mut net = Network::new().dt(0.1.ms());
    let e = net.population("E", 8, Lif::cuba());
    let i = net.population("I", 2, Lif::cuba());
    net.connect(e, i, conn);
    net
}

/// One population of `n` neurons of `model` projecting onto itself with `conn`.
fn self_conn(n: u64, conn: Conn) -> Network {
    let mut net = Network::new();
    let p = net.population("P", n, Lif::cuba());
    net.connect(p, p, conn);
    net
}

/// One population of `model`.
fn with_model(model: NeuronSpec) -> Network {
    let mut net = Network::new();
    net.population("P", 4, model);
    net
}

#[test]
fn empty_population() {
    let mut net = Network::new();
    net.population("E", 0, Lif::cuba());
    check(&net, K::EmptyPopulation, "populations[0].size");
}

#[test]
fn duplicate_names() {
    let mut net = Network::new();
    let e = net.population("E", 1, Lif::cuba());
    net.population("E", 1, Lif::cuba());
    check(&net, K::DuplicateName, "populations[1].name");
    let mut net = Network::new();
    let e2 = net.population("E", 1, Lif::cuba());
    net.connect(e2, e2, Conn::one_to_one().weight(1.0.mv()).named("x"));
    net.connect(e2, e2, Conn::all_to_all().weight(1.0.mv()).named("x"));
    check(&net, K::DuplicateName, "projections[1].name");
    let mut net = Network::new();
    let e3 = net.population("E", 1, Lif::cuba());
    let a = net.record_spikes([e3]);
    net.record_rate(e3, 1.0.ms());
    let b = net.record_rate(e3, 2.0.ms());
    net.probe_name(b, "spikes:E");
    let _ = (a, e);
    check(&net, K::DuplicateName, "probes[2].name");
}

#[test]
fn handle_from_another_network() {
    let mut other = Network::new();
    let foreign = other.population("X", 3, Lif::cuba());
    let mut net = Network::new();
    let e = net.population("E", 3, Lif::cuba());
    net.connect(foreign, e, Conn::all_to_all().weight(1.0.mv()));
    check(&net, K::ForeignHandle, "projections[0].source");
    let mut net = Network::new();
    net.population("E", 3, Lif::cuba());
    net.record_spikes([foreign]);
    check(&net, K::ForeignHandle, "probes[0].target");
    let mut net = Network::new();
    net.population("E", 3, Lif::cuba());
    net.inject(foreign, "dc", Stim::dc(100.0.pa()));
    check(&net, K::ForeignHandle, "currents[0].target");
}

#[test]
fn probability_outside_unit_interval() {
    for p in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        check(&with_conn(Conn::prob(p).weight(1.0.mv())), K::ProbabilityOutOfRange, "projections[0].connector.p");
    }
}

#[test]
fn degree_larger_than_the_population() {
    check(&with_conn(Conn::in_degree(9).weight(1.0.mv())), K::DegreeTooLarge, "projections[0].connector.in_degree");
    assert!(with_conn(Conn::in_degree(8).weight(1.0.mv())).freeze().is_ok(), "all 8 sources, once each");
    assert!(with_conn(Conn::in_degree(9).multapses(true).weight(1.0.mv())).freeze().is_ok());
    // Without autapses a neuron has n - 1 possible inputs.
    check(&self_conn(5, Conn::in_degree(5).autapses(false).weight(1.0.mv())), K::DegreeTooLarge, "projections[0].connector.in_degree");
    check(&with_conn(Conn::out_degree(3).weight(1.0.mv())), K::DegreeTooLarge, "projections[0].connector.out_degree");
    check(&with_conn(Conn::total(17).weight(1.0.mv())), K::DegreeTooLarge, "projections[0].connector.total");
    // A lone neuron that may not connect to itself has no partner, even with multapses.
    check(&self_conn(1, Conn::in_degree(1).autapses(false).multapses(true).weight(1.0.mv())), K::DegreeTooLarge, "projections[0].connector.in_degree");
    check(&self_conn(1, Conn::out_degree(1).autapses(false).multapses(true).weight(1.0.mv())), K::DegreeTooLarge, "projections[0].connector.out_degree");
    check(&self_conn(1, Conn::total(3).autapses(false).multapses(true).weight(1.0.mv())), K::DegreeTooLarge, "projections[0].connector.total");
}

#[test]
fn one_to_one_needs_equal_sizes() {
    check(&with_conn(Conn::one_to_one().weight(1.0.mv())), K::IndexOutOfRange, "projections[0].connector");
    check(&self_conn(3, Conn::one_to_one().autapses(false).weight(1.0.mv())), K::Malformed, "projections[0].connector");
}

#[test]
fn bad_time_constants() {
    for x in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        check(&with_model(Lif::cuba().tau_m(x.ms())), K::NotPositive, "populations[0].model.tau_m");
        check(&with_model(Lif::cuba().tau_syn_i(x.ms())), K::NotPositive, "populations[0].model.tau_syn_i");
        check(&with_model(Lif::cuba().c_m(x.pf())), K::NotPositive, "populations[0].model.c_m");
        check(&with_model(Alif::new().tau_a(x.ms())), K::NotPositive, "populations[0].model.tau_a");
    }
    check(&with_model(Lif::cuba().t_ref((-1.0).ms())), K::NotPositive, "populations[0].model.t_ref");
    assert!(with_model(Lif::cuba().t_ref(0.0.ms())).freeze().is_ok(), "no refractory period is fine");
    // A distribution that can draw a non-positive time constant is refused too.
    check(&with_model(Lif::cuba().tau_m(normal(20.0.ms(), 2.0.ms()))), K::NotPositive, "populations[0].model.tau_m");
    check(&with_model(Lif::cuba().tau_m(uniform((-1.0).ms(), 2.0.ms()))), K::NotPositive, "populations[0].model.tau_m");
    assert!(with_model(Lif::cuba().tau_m(normal(20.0.ms(), 2.0.ms()).clip(10.0.ms(), 30.0.ms()))).freeze().is_ok());
}

#[test]
fn bad_rates() {
    for r in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        let mut net = Network::new();
        net.poisson("X", 10, r.hz());
        check(&net, K::NotPositive, "populations[0].source.rate");
    }
}

/// Silent wrong result (trust issue, item 4): a Poisson rate of 1 GHz or 20 kHz ran
/// as 10 kHz at dt = 0.1 ms (one spike per tick at most) without a word.
#[test]
fn rates_above_one_spike_per_tick_are_refused() {
    for r in [20_000.0, 1e9] {
        let mut net = Network::new().dt(0.1.ms());
        net.poisson("X", 10, r.hz());
        check(&net, K::RateTooHigh, "populations[0].source.rate");
    }
    let mut net = Network::new().dt(0.1.ms());
    net.poisson("X", 10, 10_000.0.hz());
    assert!(net.freeze().is_ok(), "one spike every tick is the most a source can do, and allowed");
    let mut net = Network::new().dt(0.1.ms());
    let schedule = vec![(0.0.ms(), 5.0.hz()), (100.0.ms(), 50_000.0.hz())];
    net.source("X", 10, synfire_graphs::SourceSpec::Poisson { schedule });
    check(&net, K::RateTooHigh, "populations[0].source.schedule[1].rate");
    let mut net = Network::new().dt(1.0.ms());
    net.source("X", 2, synfire_graphs::SourceSpec::RateArray { bin: 10.0.ms(), rates: vec![5.0, 2000.0, 1.0], per_neuron: false });
    check(&net, K::RateTooHigh, "populations[0].source.rates[1]");
}

#[test]
fn bad_dt() {
    for dt in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let mut net = Network::new().dt(dt.ms());
        net.population("E", 1, Lif::cuba());
        check(&net, K::NotPositive, "dt");
    }
}

#[test]
fn delay_shorter_than_one_tick() {
    let mut net = Network::new().dt(0.1.ms());
    let e = net.population("E", 4, Lif::cuba());
    let i = net.population("I", 4, Lif::cuba());
    net.connect(e, i, Conn::all_to_all().weight(1.0.mv()));
    net.connect(i, e, Conn::all_to_all().weight((-1.0).mv()));
    net.connect(e, e, Conn::all_to_all().weight(1.0.mv()).delay(0.05.ms()));
    let err = net.freeze().unwrap_err();
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].kind, K::DelayTooShort);
    assert_eq!(err.problems()[0].to_string(), "projections[2].delay: 0.05 ms is shorter than dt 0.1 ms");
    assert!(err.to_string().contains("projections[2].delay: 0.05 ms is shorter than dt 0.1 ms"), "{err}");
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).delay(0.09.ms())), K::DelayTooShort, "projections[0].delay");
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).delay(uniform(0.05.ms(), 1.0.ms()))), K::DelayTooShort, "projections[0].delay");
    // An unclipped normal can draw any delay.
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).delay(normal(1.0.ms(), 0.1.ms()))), K::DelayTooShort, "projections[0].delay");
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).delay((-1.0).ms())), K::DelayTooShort, "projections[0].delay");
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).delay(f64::NAN.ms())), K::NotFinite, "projections[0].delay");
}

#[test]
fn delay_longer_than_the_tick_counter() {
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).delay(1e9.ms())), K::DelayTooLong, "projections[0].delay");
    check(&with_conn(Conn::in_degree(2).weight(1.0.mv()).delay(uniform(1.0.ms(), 1e12.ms()))), K::DelayTooLong, "projections[0].delay");
    // 2^32 - 1 ticks is the longest delay there is.
    assert!(with_conn(Conn::all_to_all().weight(1.0.mv()).delay((f64::from(u32::MAX) * 0.1).ms())).freeze().is_ok());
}

#[test]
fn delays_round_to_the_nearest_tick_with_a_warning() {
    for (d, ticks) in [(0.14, 1), (0.26, 3), (1.04, 10)] {
        let g = with_conn(Conn::all_to_all().weight(1.0.mv()).delay(d.ms())).freeze().unwrap();
        assert_eq!(g.projections[0].delay, synfire_graphs::DelayTicks::Const(ticks), "{d} ms");
        let w = g.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].path, "projections[0].delay");
        assert!(w[0].message.contains(&format!("rounded to {ticks} ticks")), "{}", w[0]);
    }
    let g = with_conn(Conn::all_to_all().weight(1.0.mv()).delay(0.3.ms())).freeze().unwrap();
    assert!(g.warnings().is_empty(), "0.3 ms is 3 whole ticks: {:?}", g.warnings());
}

#[test]
fn reset_at_or_above_threshold() {
    check(&with_model(Lif::cuba().v_th((-50.0).mv()).v_reset((-50.0).mv())), K::ResetAboveThreshold, "populations[0].model.v_reset");
    check(&with_model(Lif::coba().v_th((-50.0).mv()).v_reset((-40.0).mv())), K::ResetAboveThreshold, "populations[0].model.v_reset");
    // Heterogeneous values count by their extremes.
    check(&with_model(Lif::cuba().v_reset(uniform((-70.0).mv(), (-49.0).mv()))), K::ResetAboveThreshold, "populations[0].model.v_reset");
}

#[test]
fn negative_weight_on_a_conductance() {
    let coba = |conn: Conn| {
        let mut net = Network::new();
        let e = net.population("E", 3, Lif::coba());
        net.connect(e, e, conn);
        net
    };
    check(&coba(Conn::all_to_all().weight((-0.5).one())), K::WeightSign, "projections[0].weight");
    check(&coba(Conn::all_to_all().weight((-0.5).one()).receptor(Receptor::Inh)), K::WeightSign, "projections[0].weight");
    check(&coba(Conn::all_to_all().weight(uniform((-0.1).one(), 0.5.one())).receptor(Receptor::Exc)), K::WeightSign, "projections[0].weight");
    assert!(coba(Conn::all_to_all().weight(0.5.one()).receptor(Receptor::Inh)).freeze().is_ok(), "inhibition is a positive conductance");
}

#[test]
fn probe_of_a_missing_variable() {
    let mut net = Network::new();
    let e = net.population("E", 3, Lif::cuba());
    net.record_state(e, "w", [0, 1], 1.0.ms());
    check(&net, K::UnknownVariable, "probes[0].var");
    check(&with_model(Lif::cuba().init("g_e", 0.0.one())), K::UnknownVariable, "populations[0].model.init.g_e");
    check(&with_model(Lif::cuba().tau_a(100.0.ms())), K::UnknownParameter, "populations[0].model.tau_a");
}

#[test]
fn weight_arrays_need_an_ordered_connector() {
    let a = || array([1.0.mv(), 2.0.mv()]);
    check(&with_conn(Conn::prob(0.5).weight(a())), K::ArrayNotAllowed, "projections[0].weight");
    check(&with_conn(Conn::in_degree(2).weight(a())), K::ArrayNotAllowed, "projections[0].weight");
    check(&with_conn(Conn::out_degree(1).weight(a())), K::ArrayNotAllowed, "projections[0].weight");
    check(&with_conn(Conn::total(2).weight(a())), K::ArrayNotAllowed, "projections[0].weight");
    check(&with_conn(Conn::in_degree(2).weight(1.0.mv()).delay(array([1.0.ms(), 2.0.ms()]))), K::ArrayNotAllowed, "projections[0].delay");
    // All-to-all takes sources x targets numbers, one-to-one one per target, a list one per pair.
    check(&with_conn(Conn::all_to_all().weight(a())), K::IndexOutOfRange, "projections[0].weight");
    assert!(with_conn(Conn::all_to_all().weight(array((0..16).map(|i| f64::from(i).mv())))).freeze().is_ok());
    check(&self_conn(3, Conn::one_to_one().weight(a())), K::IndexOutOfRange, "projections[0].weight");
    assert!(self_conn(2, Conn::one_to_one().weight(a())).freeze().is_ok());
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).delay(array([1.0.ms()]))), K::IndexOutOfRange, "projections[0].delay");
    check(&with_conn(Conn::list([(0, 0)]).weight(a())), K::IndexOutOfRange, "projections[0].weight");
}

#[test]
fn malformed_lists() {
    check(&with_conn(Conn::list([(0, 0), (8, 1)]).weight(1.0.mv())), K::IndexOutOfRange, "projections[0].connector.pairs[1]");
    check(&with_conn(Conn::list([(0, 0), (1, 1), (0, 0)]).weight(1.0.mv())), K::Malformed, "projections[0].connector.pairs[2]");
    assert!(with_conn(Conn::list([(0, 0), (0, 0)]).multapses(true).weight(1.0.mv())).freeze().is_ok());
    check(&self_conn(3, Conn::list([(0, 1), (2, 2)]).autapses(false).weight(1.0.mv())), K::Malformed, "projections[0].connector.pairs[1]");
    let mut conn = Conn::list([(0, 0), (1, 1)]).weight(1.0.mv());
    conn.connector = Connector::List { pairs: vec![(0, 0), (1, 1)], weights: Some(vec![1.0]), delays: None };
    check(&with_conn(conn), K::IndexOutOfRange, "projections[0].weight");
    // A ragged sparse matrix (offsets past the indices) is reported, not truncated.
    let conn = Conn::sparse(&[0, 1, 3], &[0, 1], &[1.0.mv(), 2.0.mv()]);
    assert!(!problems(&with_conn(conn)).is_empty());
    let conn = Conn::sparse(&[0, 2], &[0, 1], &[1.0.mv()]);
    assert!(!problems(&with_conn(conn)).is_empty());
}

#[test]
fn too_many_synapses() {
    check(&with_conn(Conn::total(u64::MAX).multapses(true).weight(1.0.mv())), K::TooManySynapses, "projections[0].connector");
}

#[test]
fn weights_in_the_wrong_unit_or_sign() {
    check(&with_conn(Conn::all_to_all().weight(5.0.hz())), K::UnitMismatch, "projections[0].weight");
    check(&with_conn(Conn::all_to_all()), K::UnitMismatch, "projections[0].weight");
    check(&with_conn(Conn::all_to_all().weight(f64::NAN.mv())), K::NotFinite, "projections[0].weight");
    check(&with_conn(Conn::all_to_all().weight(uniform((-1.0).mv(), 1.0.mv()))), K::WeightSign, "projections[0].weight");
    assert!(with_conn(Conn::all_to_all().weight(uniform((-1.0).mv(), 1.0.mv())).receptor(Receptor::Exc)).freeze().is_ok());
    check(&with_conn(Conn::all_to_all().weight(1.0.mv()).receptor(Receptor::Named("nmda".into()))), K::UnknownReceptor, "projections[0].receptor");
}

#[test]
fn sources_receive_nothing() {
    let mut net = Network::new();
    let x = net.poisson("X", 3, 5.0.hz());
    net.connect(x, x, Conn::all_to_all().weight(1.0.mv()));
    check(&net, K::Malformed, "projections[0].target");
}

#[test]
fn every_problem_is_reported_together() {
    let mut net = Network::new().dt(0.1.ms());
    let e = net.population("E", 10, Lif::cuba().tau_m((-20.0).ms()));
    let i = net.population("I", 0, Lif::cuba());
    net.connect(e, e, Conn::prob(2.0).weight(1.0.mv()));
    net.connect(e, i, Conn::all_to_all().weight(1.0.mv()));
    assert_eq!(
        problems(&net),
        vec![
            (K::NotPositive, "populations[0].model.tau_m".to_string()),
            (K::EmptyPopulation, "populations[1].size".to_string()),
            (K::ProbabilityOutOfRange, "projections[0].connector.p".to_string()),
        ]
    );
    let text = net.freeze().unwrap_err().to_string();
    assert!(text.starts_with("3 problem(s) in the network:"), "{text}");
    assert!(text.contains("populations[0].model.tau_m: -20 ms is not positive"), "{text}");
}

#[test]
fn a_per_neuron_signal_freezes_and_a_rule_may_read_it_only_over_its_target() {
    let mut net = Network::new();
    let e = net.population("E", 10, Lif::cuba());
    let r = net.population("R", 2, synfire_graphs::RateUnit::linear());
    net.learning_signal("error", e);
    net.connect(r, e, Conn::all_to_all().weight(0.5.one()).into_signal("error"));
    let g = net.freeze().expect("a signal fed by feedback weights is wired");
    assert_eq!(g.projections[0].receptor, 2, "after E's two receptors");
    let mut spec = synfire_graphs::RuleSpec { name: "signal_hebb".into(), ..Default::default() };
    spec.inputs.insert("signal".into(), "error".into());
    net.connect(e, r, Conn::all_to_all().weight(0.5.one()).plastic(spec));
    let err = net.freeze().unwrap_err().to_string();
    assert!(err.contains("projections[1].rule.inputs.signal") && err.contains("another population than the target `R`"), "{err}");
}

#[test]
fn escape_noise_on_models_without_it_and_bad_noise_parameters() {
    check(&with_model(Lif::cuba().escape_noise(EscapeNoise::sigmoid(10.0))), K::Malformed, "populations[0].model.escape_noise");
    check(&with_model(RateUnit::linear().escape_noise(EscapeNoise::exponential(0.01, 0.1))), K::Malformed, "populations[0].model.escape_noise");
    for beta in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        check(&with_model(LifDiscrete::new().escape_noise(EscapeNoise::sigmoid(beta))), K::NotPositive, "populations[0].model.escape_noise.sigmoid.beta");
    }
    for p0 in [0.0, 1.5, f64::NAN] {
        check(
            &with_model(Alif::new().escape_noise(EscapeNoise::exponential(p0, 0.1))),
            K::ProbabilityOutOfRange,
            "populations[0].model.escape_noise.exponential.p0",
        );
    }
    check(&with_model(Alif::new().escape_noise(EscapeNoise::exponential(0.01, 0.0))), K::NotPositive, "populations[0].model.escape_noise.exponential.delta_u");
    assert!(with_model(Lif::cuba().escape_noise(EscapeNoise::Step)).freeze().is_ok(), "the step is every model's own threshold");
    assert!(with_model(Alif::new().escape_noise(EscapeNoise::exponential(1.0, 0.1))).freeze().is_ok());
}
