//! Orchestrated plasticity: the consolidation ODE values of spec 6.4, and random trains
//! (triplet, heterosynaptic, transmitter-induced and clocked consolidation together)
//! against the reference.

use crate::harness::{Net, Schedule, Syn, Trains, assert_close, random_net, run, run_all};
use crate::reference::{self, B};
use synfire_graphs::{PlasticityRule, UnitExt};
use synfire_rules::Orchestrated;

#[test]
fn consolidation_ode_matches_spec_values() {
    // No spikes, so w stays clamped; P = 20, w_P = 0.5, tau_cons = 1200 s, w~(0) = 0.
    let dt = 1.0;
    let rule = Orchestrated::zenke2015();
    let ws = [0.4f32, 0.3, 0.2];
    let net = Net::new(3, 1, ws.iter().enumerate().map(|(src, &w0)| Syn { src, tgt: 0, delay: 1, w0 }).collect());
    let trains = Trains { pre: vec![vec![]; 3], post: vec![vec![]] };
    let end = 3 * 1_200_000;
    let out = run(&rule.to_spec(), dt.ms(), &net, &trains, end, Schedule::PostsFirst, Some("w_cons"));
    let w_cons = out.state.unwrap();
    for (got, want) in w_cons.iter().zip([0.448, 0.209, 0.083]) {
        assert!((f64::from(*got) - want).abs() < 1e-3, "w~ = {got}, spec {want}");
    }
    assert_eq!(out.weights, ws.to_vec(), "no spike, no change of w");
}

#[test]
fn consolidation_settles_on_the_stable_points() {
    // w = 0.25: stable 0.138 and 0.362, unstable 0.25.
    let dt = 1.0;
    let net = Net::new(1, 1, vec![Syn { src: 0, tgt: 0, delay: 1, w0: 0.25 }]);
    let trains = Trains { pre: vec![vec![]], post: vec![vec![]] };
    for (start, want) in [(0.2, 0.138), (0.3, 0.362), (0.0, 0.138), (0.5, 0.362)] {
        let rule = Orchestrated::zenke2015().w_cons_init(start);
        let out = run(&rule.to_spec(), dt.ms(), &net, &trains, 36_000_000, Schedule::PostsFirst, Some("w_cons"));
        let got = f64::from(out.state.unwrap()[0]);
        assert!((got - want).abs() < 1e-3, "from {start}: {got}, spec {want}");
    }
}

#[test]
fn random_trains_match_the_reference() {
    let dt = 0.1;
    for (beta, w_max, seed) in [(0.05, 5.0, 71), (2.0, 0.6, 72)] {
        let rule = Orchestrated::zenke2015()
            .a(0.01)
            .beta(beta)
            .delta(0.002)
            .tau_cons(2.0.s())
            .period(20.0.ms())
            .cubic(20.0, 0.0, 0.5)
            .w_cons_init(0.3)
            .bounds(0.0..=w_max);
        let net = random_net(4, 3, 0.8, 10, 25, (0.2, 0.6), seed);
        let trains = Trains::random(&net, 0.01, 0.015, 2970, seed + 100);
        let out = run_all(&rule.to_spec(), dt.ms(), &net, &trains, 3000, Some("w_cons"));
        let p = reference::Orch {
            a: 0.01,
            tau_plus: 200.0,
            tau_minus: 200.0,
            tau_slow: 1000.0,
            beta,
            delta: 0.002,
            period: 200,
            gain: 20.0 / 2000.0,
            p: 20.0,
            w_a: 0.0,
            w_p: 0.5,
            w_cons0: 0.3,
            bounds: B::hard(0.0, w_max),
        };
        let (w, wc) = reference::orchestrated(&net, &trains, &p, 3000);
        assert_close(&out.weights, &w, 1e-6, "orchestrated w");
        assert_close(out.state.as_ref().unwrap(), &wc, 1e-6, "orchestrated w~");
        if w_max < 1.0 {
            assert!(out.weights.iter().any(|&x| x == 0.0 || x == 0.6), "the test should reach a bound: {:?}", out.weights);
        }
    }
}
