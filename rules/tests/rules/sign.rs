//! Projections whose weights the engine stores negated learn magnitudes.

use crate::harness::{Schedule, Trains, random_net, run, run_negated};
use synfire_graphs::{PlasticityRule, UnitExt};
use synfire_rules::{Istdp, Orchestrated, Scaling, Stdp};

#[test]
fn negated_weights_learn_the_same_magnitudes() {
    let dt = 0.1;
    let net = random_net(4, 3, 0.8, 10, 25, (0.2, 0.8), 81);
    let trains = Trains::random(&net, 0.01, 0.012, 2970, 82);
    let specs = [
        Stdp::pair().a_plus(0.05).a_minus(0.06).multiplicative().to_spec(),
        Istdp::vogels().eta(0.05).w_max(1.0).to_spec(),
        Orchestrated::zenke2015().a(0.01).beta(1.0).tau_cons(2.0.s()).period(20.0.ms()).w_cons_init(0.3).bounds(0.0..=0.6).to_spec(),
        Scaling::homeostatic().tau_avg(50.0.ms()).tau_scale(100.0.ms()).period(10.0.ms()).bounds(0.0..=0.7).to_spec(),
    ];
    for spec in specs {
        let state = (spec.name == "orchestrated").then_some("w_cons");
        let pos = run(&spec, dt.ms(), &net, &trains, 3000, Schedule::Windows { len: 3, settle_every: None }, state);
        let neg = run_negated(&spec, dt.ms(), &net, &trains, 3000, Schedule::Windows { len: 3, settle_every: None }, state);
        assert_eq!(pos, neg, "{}", spec.name);
        assert!(pos.weights.iter().zip(&net.syns).any(|(w, s)| *w != s.w0), "{}: nothing learned", spec.name);
    }
}
