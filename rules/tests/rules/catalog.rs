//! The catalogue: specs round-trip, bad parameters are named, freezing checks rules.

use crate::harness::{Net, Syn, info};
use synfire_graphs::prelude::*;
use synfire_graphs::{DelayTicks, PlasticityRule, RuleCatalog, RuleSpec, Unit, Value};
use synfire_rules::{Catalog, Istdp, Orchestrated, RULES, RuleError, Scaling, Stdp, Stp, Triplet, instantiate};

pub fn all_rules() -> Vec<RuleSpec> {
    vec![
        Stdp::pair().to_spec(),
        Stdp::pair().multiplicative().nearest().bounds(0.0..=2.0).to_spec(),
        Stdp::triplet().to_spec(),
        Triplet::full().nearest().to_spec(),
        Istdp::vogels().w_max(3.0).to_spec(),
        Stp::tsodyks_markram().to_spec(),
        Scaling::homeostatic().rate_init(3.0.hz()).bounds(0.0..=10.0).to_spec(),
        Orchestrated::zenke2015().to_spec(),
        Orchestrated::zenke2015().stp(Stp::tsodyks_markram().u(0.3)).w_cons_init(0.1).to_spec(),
    ]
}

#[test]
fn every_rule_checks_clean_and_instantiates() {
    let net = Net::new(2, 2, vec![Syn { src: 0, tgt: 1, delay: 3, w0: 0.5 }]);
    for spec in all_rules() {
        assert!(RULES.contains(&spec.name.as_str()), "{}", spec.name);
        assert_eq!(Catalog.check(&spec), Some(vec![]), "{spec:?}");
        let rule = instantiate(&spec, &info(&net, 0.1.ms())).unwrap();
        assert_eq!(rule.name(), spec.name);
        // One delay: the eager engine's transposed index (8 bytes) for rules with
        // postsynaptic events, except scaling, whose clock reads somatic-time traces.
        let index = if matches!(spec.name.as_str(), "stp_tm" | "scaling") { 0 } else { 8 };
        let state = if spec.name == "orchestrated" { 4 } else { 0 };
        assert_eq!(rule.bytes_per_synapse(), state + index, "{}", spec.name);
    }
}

#[test]
fn specs_round_trip_through_json() {
    for spec in all_rules() {
        let text = serde_json::to_string(&spec).unwrap();
        let back: RuleSpec = serde_json::from_str(&text).unwrap();
        assert_eq!(back, spec);
    }
    assert_eq!(Stdp::pair().multiplicative(), synfire_rules::StdpPair::from_spec(&Stdp::pair().multiplicative().to_spec()).unwrap());
    let o = Orchestrated::zenke2015().stp(Stp::tsodyks_markram());
    assert_eq!(Orchestrated::from_spec(&o.to_spec()).unwrap().stp, o.stp);
}

#[test]
fn problems_name_the_parameter_and_value() {
    let problems = |spec: &RuleSpec| Catalog.check(spec).unwrap();
    let p = problems(&Stdp::pair().tau_plus((-5.0).ms()).to_spec());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].param, "tau_plus");
    assert!(p[0].message.contains("-5 ms"), "{}", p[0].message);

    let mut spec = Stdp::pair().to_spec();
    spec.params.insert("tau_pluss".into(), Value::constant(Unit::Ms, 3.0));
    spec.params.insert("a_plus".into(), Value::constant(Unit::Ms, 3.0));
    spec.params.insert("tau_minus".into(), uniform(1.0.ms(), 2.0.ms()).into());
    let p = problems(&spec);
    let params: Vec<&str> = p.iter().map(|p| p.param.as_str()).collect();
    assert!(params.contains(&"tau_pluss") && params.contains(&"a_plus") && params.contains(&"tau_minus"), "{p:?}");

    let p = problems(&Stdp::pair().multiplicative().bounds(1.0..=0.0).to_spec());
    assert!(p.iter().any(|p| p.param == "w_min"), "{p:?}");
    assert_eq!(Catalog.check(&RuleSpec { name: "hebb".into(), ..Default::default() }), None);
}

#[test]
fn instantiate_reports_errors() {
    let net = Net::new(1, 1, vec![Syn { src: 0, tgt: 0, delay: 1, w0: 0.5 }]);
    let mut i = info(&net, 0.1.ms());
    let unknown = instantiate(&RuleSpec { name: "hebb".into(), ..Default::default() }, &i).unwrap_err();
    assert_eq!(unknown, RuleError::Unknown { name: "hebb".into() });
    let bad = instantiate(&Stp::tsodyks_markram().u(1.5).to_spec(), &i).unwrap_err();
    assert!(bad.to_string().contains("u: 1.5"), "{bad}");
    i.delay = DelayTicks::Const(0);
    assert!(matches!(instantiate(&Stdp::pair().to_spec(), &i), Err(RuleError::Projection { .. })));
}

#[test]
fn freeze_with_the_catalogue_checks_rules() {
    let build = |rule: RuleSpec| {
        let mut net = Network::new().dt(0.1.ms()).seed(1);
        let e = net.population("E", 10, Lif::cuba());
        net.connect(e, e, Conn::prob(0.2).weight(1.0.mv()).delay(1.0.ms()).plastic(rule));
        net.freeze_with(&Catalog)
    };
    assert!(build(Stdp::pair().to_spec()).is_ok());
    let err = build(Stdp::pair().tau_minus(0.0.ms()).to_spec()).unwrap_err().to_string();
    assert!(err.contains("tau_minus"), "{err}");
    let err = build(RuleSpec { name: "hebb".into(), ..Default::default() }).unwrap_err().to_string();
    assert!(err.contains("hebb"), "{err}");
}

#[test]
fn an_input_binding_that_the_rule_does_not_read_is_a_problem() {
    let mut spec = Stdp::pair().to_spec();
    spec.inputs.insert("modulator".into(), "dopamine".into());
    let problems = Catalog.check(&spec).expect("known rule");
    assert!(problems.iter().any(|p| p.param == "inputs.modulator" && p.message.contains("known: none")), "{problems:?}");
}

/// Silent wrong result (trust issue, item 2): an open-ended bound left out of the
/// spec came back as the rule's default, so a triplet weight of 100 became 1.0.
#[test]
fn open_ended_bounds_survive_the_trip_through_data() {
    let open = Stdp::triplet().bounds(0.0..=f64::INFINITY);
    let spec = open.to_spec();
    let back = Triplet::from_spec(&spec).unwrap();
    assert_eq!(back.bounds.max, f64::INFINITY);
    let json: RuleSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
    assert_eq!(Triplet::from_spec(&json).unwrap(), back);
    // A weight far above the old default bound keeps its scale after an update.
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let e = net.population("E", 10, Lif::cuba());
    net.connect(e, e, Conn::prob(0.5).weight(100.0.mv()).delay(1.0.ms()).plastic(open));
    let graph = net.freeze_with(&Catalog).unwrap();
    let frozen = graph.projections[0].conn.rule.as_ref().unwrap();
    let b = Catalog.weight_bounds(frozen).unwrap();
    assert_eq!((b.min, b.max, b.default_max), (0.0, f64::INFINITY, 1.0));
}

/// The same bounds on both routes: pair STDP needs a finite range (its amplitudes are
/// fractions of it), and the network route used to accept `0..=inf` and run with 1.
#[test]
fn infinite_bounds_are_refused_by_pair_stdp_on_every_route() {
    let open = Stdp::pair().bounds(0.0..=f64::INFINITY);
    assert!(open.check().iter().any(|p| p.param == "w_max"), "{:?}", open.check());
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let e = net.population("E", 10, Lif::cuba());
    net.connect(e, e, Conn::prob(0.5).weight(0.5.mv()).delay(1.0.ms()).plastic(open));
    let err = net.freeze_with(&Catalog).unwrap_err().to_string();
    assert!(err.contains("rule.w_max") && err.contains("finite bounds"), "{err}");
}

/// Silent wrong result (trust issue, item 1): pair STDP's default bounds `[0, 1]` on
/// weights of 1.62 mV clipped every weight to 1 mV, and -9 mV inhibition to -1 mV.
#[test]
fn initial_weights_outside_the_rules_bounds_are_refused() {
    let build = |w: f64, rule: RuleSpec| {
        let mut net = Network::new().dt(0.1.ms()).seed(1);
        let e = net.population("E", 10, Lif::cuba());
        net.connect(e, e, Conn::prob(0.2).weight(w.mv()).delay(1.0.ms()).plastic(rule));
        net.freeze_with(&Catalog).map_err(|e| e.to_string())
    };
    let err = build(1.62, Stdp::pair().to_spec()).unwrap_err();
    assert!(err.contains("rule.w_max") && err.contains("1.62 mV") && err.contains("the rule's default"), "{err}");
    let err = build(-9.0, Stdp::pair().to_spec()).unwrap_err();
    assert!(err.contains("magnitudes reach 9 mV"), "{err}");
    let err = build(0.5, Stdp::pair().bounds(1.0..=2.0).to_spec()).unwrap_err();
    assert!(err.contains("rule.w_min") && !err.contains("default"), "{err}");
    assert!(build(1.62, Stdp::pair().bounds(0.0..=3.24).to_spec()).is_ok());
    assert!(build(-9.0, Stdp::pair().bounds(0.0..=18.0).to_spec()).is_ok());
}

/// The delta rule (signal-gated learning on an error) behind every wrapper: the
/// wrapper holds the base's input, the catalogue reads the base for what it learns
/// on, and the running rule reads `signal` then the wrapper's own input.
#[test]
fn a_wrapped_delta_rule_holds_its_bases_inputs_and_runs() {
    use synfire_rules::{BennaFusi, Delta, Metaplastic, SynapticIntelligence};
    let delta = || Delta::new().eta(0.02).error("E");
    let wrapped = [
        delta().metaplastic(1.0).to_spec(),
        delta().benna_fusi(BennaFusi::geometric(4)).to_spec(),
        delta().synaptic_intelligence(SynapticIntelligence::new(0.1).consolidate_on("switch")).to_spec(),
    ];
    let net = Net::new(2, 2, vec![Syn { src: 0, tgt: 1, delay: 3, w0: 0.5 }]);
    for spec in &wrapped {
        assert_eq!(spec.inputs.get("signal").map(String::as_str), Some("E"), "{spec:?}");
        assert!(spec.base.as_ref().is_some_and(|b| b.name == "signal_hebb" && b.inputs.is_empty()), "{spec:?}");
        assert_eq!(Catalog.check(spec), Some(vec![]), "{spec:?}");
        assert_eq!(Catalog.per_neuron_inputs(spec), vec!["signal"]);
        let ends = Catalog.graded_ends(spec);
        assert!(ends.source && ends.target, "{}: learns on graded values", spec.name);
        let rule = instantiate(spec, &info(&net, 1.0.ms())).unwrap();
        let want: &[&str] = if spec.name == "synaptic_intelligence" { &["signal", "consolidate"] } else { &["signal"] };
        assert_eq!(rule.inputs(), want, "{}", spec.name);
        assert_eq!(Catalog.resolved(spec).map(|r| r.inputs), Some(spec.inputs.clone()));
    }
    // An input written inside the base is refused by name, pointing at the wrapper.
    let mut inside = wrapped[0].clone();
    let base = inside.base.as_mut().unwrap();
    base.inputs.insert("signal".into(), "E".into());
    inside.inputs.clear();
    let p = Catalog.check(&inside).unwrap();
    assert!(p.iter().any(|q| q.param == "base.inputs.signal" && q.message.contains("wrapper")), "{p:?}");
    // A wrapper around a rule that proposes no update is still refused (e-prop,
    // once refused here, proposes its optimiser steps: see
    // `a_wrapped_eprop_rule_reads_its_signal_then_consolidate`).
    let mut stp = wrapped[0].clone();
    stp.base = Some(Box::new(RuleSpec { name: "stp".into(), ..RuleSpec::default() }));
    assert!(Catalog.check(&stp).unwrap().iter().any(|q| q.param == "base.name"));
}

/// Either e-prop rule and SuperSpike behind every wrapper: the catalogue checks the
/// spec clean, answers the wrapper's and the base's probe names, and the running rule
/// reads the base's `signal` (slot 0) then the wrapper's `consolidate`; the readout
/// rule, with no input of its own, reads `consolidate` in slot 0. A misfit field of
/// the base is named under `base.`.
#[test]
fn a_wrapped_eprop_rule_reads_its_signal_then_consolidate() {
    use synfire_graphs::PlasticityRule;
    use synfire_rules::plasticity::TargetConstants;
    use synfire_rules::{BennaFusi, Eprop, Metaplastic, SuperSpike, SynapticIntelligence};
    let hidden = || Eprop::hidden().update_every(10.0.ms()).tau_out(20.0.ms()).signal_delay(2.0.ms()).signal("L");
    let readout = || Eprop::readout().update_every(10.0.ms());
    let si = || SynapticIntelligence::new(0.1).eta(1e-4).consolidate_on("switch");
    let net = Net::new(2, 2, vec![Syn { src: 0, tgt: 1, delay: 1, w0: 0.5 }, Syn { src: 1, tgt: 0, delay: 1, w0: -0.2 }]);
    let alif = TargetConstants { model: Some("alif"), tau_m: Some(20.0.ms()), tau_a: Some(200.0.ms()), beta: Some(0.0), v_th: Some(0.6), gain: None };
    let leaky = TargetConstants { model: Some("leaky_readout"), tau_m: Some(20.0.ms()), gain: Some(1.0), ..TargetConstants::default() };
    let lif = TargetConstants { model: Some("lif_cuba"), v_th: Some(-50.0), ..TargetConstants::default() };
    let superspike = || SuperSpike::new().signal_delay(1.0.ms()).signal("E");
    let cases: Vec<(RuleSpec, TargetConstants, &[&str], &str)> = vec![
        (hidden().metaplastic(1.0).to_spec(), alif, &["signal"], "w_h"),
        (hidden().benna_fusi(BennaFusi::geometric(3)).to_spec(), alif, &["signal"], "u_3"),
        (hidden().synaptic_intelligence(si()).to_spec(), alif, &["signal", "consolidate"], "Omega"),
        (readout().metaplastic(1.0).to_spec(), leaky, &[], "w_h"),
        (readout().synaptic_intelligence(si()).to_spec(), leaky, &["consolidate"], "omega"),
        (superspike().metaplastic(0.5).to_spec(), lif, &["signal"], "w_h"),
        (superspike().synaptic_intelligence(si()).to_spec(), lif, &["signal", "consolidate"], "theta_star"),
    ];
    for (spec, target, inputs, state) in cases {
        assert_eq!(Catalog.check(&spec), Some(vec![]), "{spec:?}");
        let names = Catalog.synapse_state(&spec);
        assert!(names.contains(&state) && names.contains(&(if spec.base.as_ref().unwrap().name == "superspike" { "m" } else { "g" })), "{names:?}");
        let info = synfire_rules::plasticity::ProjectionInfo { target, ..info(&net, 1.0.ms()) };
        let rule = instantiate(&spec, &info).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        assert_eq!(rule.inputs(), inputs, "{spec:?}");
        assert!(rule.can_switch_learning(synfire_graphs::Tick(0), false).is_ok() || spec.base.as_ref().unwrap().name == "superspike");
    }
    let mut bad = hidden().metaplastic(1.0).to_spec();
    bad.base.as_mut().unwrap().params.insert("etaa".into(), Value::constant(Unit::One, 1.0));
    let p = Catalog.check(&bad).unwrap();
    assert!(p.iter().any(|q| q.param == "base.etaa" && q.message.contains("etaa")), "{p:?}");
}
