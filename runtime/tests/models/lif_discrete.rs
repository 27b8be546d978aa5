//! Discrete-time LIF (specs 1.2) against stork's recursion and its event-driven form.

use crate::common::{kernel, kernel_of, rng, step};
use rand::RngExt;
use synfire_graphs::{LifDiscrete, Network, UnitExt, array};

/// stork's `LIFGroup` in its own indexing: `S[k] = U[k] >= theta`,
/// `I[k+1] = l_s I[k] + X[k+1]`, `U[k+1] = (l_m U[k] + (1 - l_m) I[k]) (1 - S[k])`,
/// where `X[k+1]` is the weight of a presynaptic spike `S_j[k]`, which reaches the
/// runtime's tick `k` (index `k + 1` here) over a delay of one tick. Kernel tick `t`
/// is index `t + 1`; returns the ticks `t` with `S[t + 1] = 1` and `U[t + 1]`.
fn stork(tau_m: f64, tau_s: f64, x: &[f64]) -> (Vec<u64>, Vec<f64>) {
    let (l_m, l_s) = ((-1.0 / tau_m).exp(), (-1.0 / tau_s).exp());
    let n = x.len();
    let (mut u, mut i) = (vec![0.0; n + 1], vec![0.0; n + 1]);
    let s = |u: f64| if u >= 1.0 { 1.0 } else { 0.0 };
    for k in 0..n {
        i[k + 1] = l_s * i[k] + x[k];
        u[k + 1] = (l_m * u[k] + (1.0 - l_m) * i[k]) * (1.0 - s(u[k]));
    }
    let spikes = (0..n).filter(|&t| s(u[t + 1]) == 1.0).map(|t| t as u64).collect();
    (spikes, u[1..].to_vec())
}

#[test]
fn random_input_run_equals_storks_recursion() {
    let taus = [(20.0, 10.0), (10.0, 5.0), (50.0, 20.0), (15.0, 15.0)];
    let mut net = Network::new().dt(1.0.ms()).seed(4);
    net.population("pad", 3, LifDiscrete::new());
    net.population("lif", 4, LifDiscrete::new().tau_m(array(taus.map(|t| t.0.ms()))).tau_syn(array(taus.map(|t| t.1.ms()))));
    let graph = net.freeze().unwrap();
    let mut k = kernel_of(&graph, 1, 0..4);
    let mut r = rng(31);
    let x: Vec<Vec<f32>> = (0..300).map(|_| (0..4).map(|_| if r.random_bool(0.3) { r.random_range(0.0..3.0f32) } else { 0.0 }).collect()).collect();
    let mut got = vec![Vec::new(); 4];
    let mut us = vec![Vec::new(); 4];
    for (t, row) in x.iter().enumerate() {
        for i in step(k.as_mut(), t as u64, &mut [row.clone()], &[]) {
            got[i as usize].push(t as u64);
        }
        for (i, u) in us.iter_mut().enumerate() {
            u.push(k.state(0, i) as f64);
        }
    }
    for (i, &(tau_m, tau_s)) in taus.iter().enumerate() {
        let (want, want_u) = stork(tau_m, tau_s, &x.iter().map(|row| row[i] as f64).collect::<Vec<_>>());
        assert!(want.len() >= 5, "neuron {i}: {want:?}");
        assert_eq!(got[i], want, "neuron {i}");
        for t in 0..300 {
            assert!((us[i][t] - want_u[t]).abs() < 1e-5, "neuron {i} tick {t}");
        }
    }
}

/// Over `k` silent ticks `U` follows the closed form of specs 1.2, and its maximum
/// is at a grid neighbour of the continuous peak `n*`.
#[test]
fn silent_ticks_follow_the_event_driven_closed_form() {
    for (tau_m, tau_s, u0, i0) in [(20.0, 10.0, 0.3, 0.8), (10.0, 40.0, -0.2, 0.6), (20.0, 20.0, 0.1, 0.9), (20.0, 5.0, 0.5, -0.4)] {
        let spec = LifDiscrete::new().tau_m(tau_m.ms()).tau_syn(tau_s.ms()).theta(100.0.one());
        let mut k = kernel(&spec, 1.0, 1);
        k.set_state(0, 0, u0 as f32);
        k.set_state(1, 0, i0 as f32);
        let (l_m, l_s) = ((-1.0 / tau_m).exp(), (-1.0f64 / tau_s).exp());
        let closed = |n: f64| {
            let factor = if tau_m == tau_s { n * l_m.powf(n - 1.0) } else { (l_m.powf(n) - l_s.powf(n)) / (l_m - l_s) };
            l_m.powf(n) * u0 + (1.0 - l_m) * i0 * factor
        };
        let mut trace = Vec::new();
        for t in 1..=60 {
            step(k.as_mut(), t - 1, &mut [vec![0.0]], &[]);
            let want = closed(t as f64);
            assert!((k.state(0, 0) as f64 - want).abs() < 2e-6, "tau {tau_m}/{tau_s} k {t}: {} vs {want}", k.state(0, 0));
            assert!((k.state(1, 0) as f64 - i0 * l_s.powi(t as i32)).abs() < 1e-6);
            trace.push(k.state(0, 0) as f64);
        }
        if tau_m != tau_s && i0 > 0.0 {
            let c_s = (1.0 - l_m) * i0 / (l_m - l_s);
            let c_m = u0 + c_s;
            let n_star = ((l_s.ln() * c_s) / (l_m.ln() * c_m)).ln() / (l_m.ln() - l_s.ln());
            let argmax = 1 + trace.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
            assert!((argmax as f64 - n_star).abs() < 1.0, "peak at {argmax}, n* = {n_star}");
        }
    }
}

/// The spike is reported at the tick whose `U` reaches theta, the reset to 0 comes
/// one tick later, and the injected current drives `U` without the synaptic filter.
#[test]
fn multiplicative_reset_one_tick_after_the_spike() {
    let spec = LifDiscrete::new();
    let mut k = kernel(&spec, 1.0, 1);
    let gain = 1.0 - (-1.0f64 / 20.0).exp();
    k.set_state(1, 0, 0.5);
    assert!(step(k.as_mut(), 0, &mut [vec![0.0]], &[]).is_empty());
    let u1 = gain * 0.5;
    assert!((k.state(0, 0) as f64 - u1).abs() < 1e-7);
    assert_eq!(step(k.as_mut(), 1, &mut [vec![0.0]], &[30.0]), vec![0]);
    assert!(k.state(0, 0) >= 1.0);
    assert!(step(k.as_mut(), 2, &mut [vec![0.0]], &[30.0]).is_empty());
    assert_eq!(k.state(0, 0), 0.0);
    assert_eq!(step(k.as_mut(), 3, &mut [vec![0.0]], &[30.0]), vec![0]);
}
