//! Weights and delays of instantiated synapses: constants, distributions, arrays,
//! unit conversion and per-synapse delays.

use crate::{build, mean_var, pairs, two_pops};
use synfire_graphs::prelude::*;
use synfire_graphs::{Connector, DelayTicks};
use synfire_graphs::{Time, Voltage};

/// 200 targets x 50 inputs = 10,000 synapses with weights `w`.
fn weights_of(w: impl Into<synfire_graphs::Spec<Voltage>>) -> Vec<f64> {
    build(&two_pops(100, 200, Conn::in_degree(50).weight(w))).weights.iter().map(|&w| f64::from(w)).collect()
}

#[test]
fn constant_weights_and_delays() {
    let g = two_pops(10, 10, Conn::prob(0.5).weight((-9.0).mv()).delay(1.5.ms()));
    assert_eq!(g.projections[0].delay, DelayTicks::Const(15));
    let csr = build(&g);
    assert!(csr.weights.iter().all(|&w| w == -9.0));
    assert!(csr.delays.is_none(), "a constant delay is stored once per projection");
}

#[test]
fn uniform_weights() {
    let w = weights_of(uniform(1.0.mv(), 3.0.mv()));
    assert!(w.iter().all(|&x| (1.0..3.0).contains(&x)));
    let (m, v) = mean_var(w.iter().copied());
    // Uniform on [1, 3): mean 2, variance 4 / 12.
    assert!((m - 2.0).abs() < 3.0 * (4.0f64 / 12.0 / 1e4).sqrt(), "mean {m}");
    assert!((v - 4.0 / 12.0).abs() < 0.02, "variance {v}");
}

#[test]
fn clipped_normal_weights() {
    // N(1, 0.5) clipped to [0.5, 2]: P(x < 0.5) = Phi(-1) = 0.158655, P(x > 2) = 1 - Phi(2) = 0.022750.
    let w = weights_of(normal(1.0.mv(), 0.5.mv()).clip(0.5.mv(), 2.0.mv()));
    assert!(w.iter().all(|&x| (0.5..=2.0).contains(&x)));
    let n = w.len() as f64;
    for (p, at) in [(0.158_655, 0.5), (0.022_750, 2.0)] {
        let got = w.iter().filter(|&&x| x == at).count() as f64 / n;
        assert!((got - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(), "fraction at {at}: {got}, expected {p}");
    }
    let inside: Vec<f64> = w.iter().copied().filter(|&x| x > 0.5 && x < 2.0).collect();
    assert!(inside.len() as f64 > 0.7 * n);
}

#[test]
fn lognormal_weights() {
    let w = weights_of(lognormal(2.0.mv(), 0.5.mv()));
    assert!(w.iter().all(|&x| x > 0.0));
    let (m, v) = mean_var(w.iter().copied());
    assert!((m - 2.0).abs() < 4.0 * 0.5 / 100.0, "mean {m}");
    assert!((v.sqrt() - 0.5).abs() < 0.03, "sd {}", v.sqrt());
    // The median of a log-normal is mean / sqrt(1 + cv^2).
    let mut sorted = w.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let expect = 2.0 / (1.0f64 + 0.0625).sqrt();
    assert!((median - expect).abs() < 0.03, "median {median}, expected {expect}");
}

#[test]
fn array_weights_on_all_to_all_are_row_major() {
    let (ns, nt) = (3u32, 4u32);
    let a: Vec<Voltage> = (0..ns * nt).map(|i| f64::from(i).mv()).collect();
    let csr = build(&two_pops(3, 4, Conn::all_to_all().weight(array(a))));
    for s in 0..ns as usize {
        for k in csr.row(s) {
            assert_eq!(csr.weights[k], (s as u32 * nt + csr.targets[k]) as f32);
        }
    }
}

#[test]
fn array_weights_on_one_to_one_are_per_target() {
    let a: Vec<Voltage> = (0..5).map(|i| (10.0 + f64::from(i)).mv()).collect();
    let csr = build(&two_pops(5, 5, Conn::one_to_one().weight(array(a))));
    assert_eq!(pairs(&csr), (0..5).map(|i| (i, i)).collect::<Vec<_>>());
    assert_eq!(csr.weights, vec![10.0, 11.0, 12.0, 13.0, 14.0]);
}

#[test]
fn weights_in_other_units_are_converted() {
    // CUBA LIF integrates w / g_L with g_L = c_m / tau_m = 200 pF / 20 ms = 10 nS: 100 pA -> 10 mV.
    let csr = build(&two_pops(2, 2, Conn::all_to_all().weight(100.0.pa())));
    assert!(csr.weights.iter().all(|&w| (w - 10.0).abs() < 1e-6), "{:?}", csr.weights);
    // COBA takes conductances in units of g_L = 10 nS: 5 nS -> 0.5.
    let mut net = Network::new();
    let s = net.population("S", 2, Lif::coba());
    let t = net.population("T", 2, Lif::coba());
    net.connect(s, t, Conn::all_to_all().weight(5.0.nsiemens()));
    let csr = synfire_graphs::connectivity::instantiate(&net.freeze().unwrap(), 0);
    assert!(csr.weights.iter().all(|&w| (w - 0.5).abs() < 1e-6), "{:?}", csr.weights);
}

#[test]
fn per_synapse_delays_are_rounded_to_ticks() {
    let g = two_pops(100, 100, Conn::in_degree(20).delay(uniform(0.1.ms(), 0.5.ms())));
    assert_eq!(g.projections[0].delay, DelayTicks::PerSynapse { min: 1, max: 5 });
    assert!(!g.warnings().is_empty(), "drawn delays are rounded and say so");
    let csr = build(&g);
    let d = csr.delays.as_ref().unwrap();
    assert_eq!(d.len(), csr.len());
    assert!(d.iter().all(|&t| (1..=5).contains(&t)));
    // Uniform on [1, 5) ticks rounded to the nearest: 1 and 5 get half the share of 2, 3, 4.
    let count = |k: u32| d.iter().filter(|&&t| t == k).count() as f64 / d.len() as f64;
    for (k, p) in [(1, 0.125), (2, 0.25), (3, 0.25), (4, 0.25), (5, 0.125)] {
        assert!((count(k) - p).abs() < 4.0 * (p * (1.0 - p) / 2000.0).sqrt(), "P(delay = {k}) = {}", count(k));
    }
}

#[test]
fn per_synapse_delays_from_arrays_and_lists() {
    let delays: Vec<Time> = (0..6).map(|i| (0.1 * f64::from(i + 1)).ms()).collect();
    let csr = build(&two_pops(2, 3, Conn::all_to_all().delay(array(delays))));
    // Row-major: synapse (s, t) has delay (s * 3 + t + 1) ticks.
    let d = csr.delays.as_ref().unwrap();
    for s in 0..2 {
        for k in csr.row(s) {
            assert_eq!(d[k], s as u32 * 3 + csr.targets[k] + 1);
        }
    }
    // An explicit list may carry a weight and a delay per pair.
    let mut conn = Conn::list([]).weight(1.0.mv());
    conn.connector = Connector::List { pairs: vec![(1, 0), (0, 2)], weights: Some(vec![0.5, 0.7]), delays: Some(vec![0.3, 1.2]) };
    let g = two_pops(2, 3, conn);
    assert_eq!(g.projections[0].delay, DelayTicks::PerSynapse { min: 3, max: 12 });
    let csr = build(&g);
    assert_eq!(pairs(&csr), vec![(0, 2), (1, 0)]);
    assert_eq!(csr.weights, vec![0.7, 0.5]);
    assert_eq!(csr.delays, Some(vec![12, 3]));
}
