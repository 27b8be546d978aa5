//! ALIF of e-prop (specs 1.4) against a plain f64 reimplementation.

use crate::common::{kernel, kernel_of, rng, step};
use rand::RngExt;
use synfire_graphs::{Alif, Network, UnitExt, array};

/// Parameters of one neuron for the reference.
#[derive(Clone, Copy)]
struct P {
    tau_m: f64,
    tau_a: f64,
    v_th: f64,
    beta: f64,
    n_ref: u64,
}

/// Bellec et al. 2020 written out: `v^t = alpha v^{t-1} + x^t - z^{t-1} v_th`,
/// `a^t = rho a^{t-1} + z^{t-1}`, `z^t = [v^t >= v_th + beta a^t]` unless the last
/// spike is at most `n_ref` ticks old. Returns spike ticks and the `v`, `a` traces.
fn reference(p: P, x: &[f64]) -> (Vec<u64>, Vec<f64>, Vec<f64>) {
    let (alpha, rho) = ((-1.0 / p.tau_m).exp(), (-1.0 / p.tau_a).exp());
    let (mut v, mut a, mut z) = (0.0, 0.0, 0.0);
    let mut last: Option<u64> = None;
    let (mut spikes, mut vs, mut as_) = (Vec::new(), Vec::new(), Vec::new());
    for (t, &xt) in x.iter().enumerate() {
        let t = t as u64;
        v = alpha * v + xt - z * p.v_th;
        a = rho * a + z;
        let refractory = last.is_some_and(|s| t - s <= p.n_ref);
        z = if !refractory && v >= p.v_th + p.beta * a { 1.0 } else { 0.0 };
        if z == 1.0 {
            spikes.push(t);
            last = Some(t);
        }
        vs.push(v);
        as_.push(a);
    }
    (spikes, vs, as_)
}

#[test]
fn random_input_run_equals_the_f64_reimplementation() {
    let ps = [
        P { tau_m: 20.0, tau_a: 200.0, v_th: 0.6, beta: 0.07, n_ref: 0 },
        P { tau_m: 10.0, tau_a: 500.0, v_th: 0.6, beta: 0.2, n_ref: 1 },
        P { tau_m: 30.0, tau_a: 100.0, v_th: 0.4, beta: 0.05, n_ref: 3 },
        P { tau_m: 20.0, tau_a: 2000.0, v_th: 0.6, beta: 0.0174, n_ref: 5 },
    ];
    let mut net = Network::new().dt(1.0.ms()).seed(9);
    net.population(
        "alif",
        4,
        Alif::new()
            .tau_m(array(ps.map(|p| p.tau_m.ms())))
            .tau_a(array(ps.map(|p| p.tau_a.ms())))
            .set("v_th", array(ps.map(|p| p.v_th.one())))
            .beta(array(ps.map(|p| p.beta.one())))
            .t_ref(array(ps.map(|p| (p.n_ref as f64).ms()))),
    );
    let graph = net.freeze().unwrap();
    let mut k = kernel_of(&graph, 0, 0..4);
    let mut r = rng(11);
    let x: Vec<Vec<f32>> = (0..200).map(|_| (0..4).map(|_| if r.random_bool(0.6) { r.random_range(0.0..0.4f32) } else { 0.0 }).collect()).collect();
    let ext: Vec<Vec<f32>> = (0..200).map(|_| (0..4).map(|_| r.random_range(-0.02..0.05f32)).collect()).collect();
    let mut got = vec![Vec::new(); 4];
    let mut trace = vec![Vec::new(); 4];
    for t in 0..200 {
        let mut input = vec![x[t].clone()];
        for i in step(k.as_mut(), t as u64, &mut input, &ext[t]) {
            got[i as usize].push(t as u64);
        }
        for (i, tr) in trace.iter_mut().enumerate() {
            tr.push((k.state(0, i) as f64, k.state(1, i) as f64));
        }
    }
    for (i, p) in ps.iter().enumerate() {
        let drive: Vec<f64> = (0..200).map(|t| x[t][i] as f64 + ext[t][i] as f64).collect();
        let (spikes, vs, as_) = reference(*p, &drive);
        assert!(spikes.len() >= 5, "neuron {i} fires: {spikes:?}");
        assert_eq!(got[i], spikes, "neuron {i}");
        for t in 0..200 {
            assert!((trace[i][t].0 - vs[t]).abs() < 1e-4, "neuron {i} tick {t}: v {} vs {}", trace[i][t].0, vs[t]);
            assert!((trace[i][t].1 - as_[t]).abs() < 1e-4, "neuron {i} tick {t}: a {} vs {}", trace[i][t].1, as_[t]);
        }
    }
}

/// `beta = 0` is the plain LIF with subtractive reset: threshold fixed at `v_th`.
#[test]
fn beta_zero_is_the_lif_with_subtractive_reset() {
    let spec = Alif::new().beta(0.0.one()).t_ref(2.0.ms());
    let mut k = kernel(&spec, 1.0, 1);
    let alpha = (-1.0f64 / 20.0).exp();
    let (mut v, mut z, mut last) = (0.0f64, 0.0f64, None::<u64>);
    let mut r = rng(12);
    let mut n = 0;
    for t in 0..500u64 {
        let x = r.random_range(0.0..0.12f32);
        let fired = !step(k.as_mut(), t, &mut [vec![x]], &[]).is_empty();
        v = alpha * v + x as f64 - 0.6 * z;
        z = if v >= 0.6 && last.is_none_or(|s| t - s > 2) { 1.0 } else { 0.0 };
        if z == 1.0 {
            last = Some(t);
            n += 1;
        }
        assert_eq!(fired, z == 1.0, "tick {t}");
        assert!((k.state(0, 0) as f64 - v).abs() < 1e-4);
    }
    assert!(n > 10);
}

/// The documented timing: input at tick `t` that reaches the threshold spikes at
/// `t`; the reset by `v_th` and the increment of `a` act at `t + 1`; under constant
/// suprathreshold drive the spikes are `n_ref + 1` ticks apart.
#[test]
fn spike_tick_reset_and_refractory_timing() {
    let spec = Alif::new().beta(0.0.one()).t_ref(3.0.ms());
    let mut k = kernel(&spec, 1.0, 1);
    let alpha = (-1.0f32 / 20.0).exp();
    assert!(step(k.as_mut(), 0, &mut [vec![0.0]], &[]).is_empty());
    assert_eq!(step(k.as_mut(), 1, &mut [vec![1.0]], &[]), vec![0]);
    assert_eq!(k.state(0, 0), 1.0);
    assert!(step(k.as_mut(), 2, &mut [vec![0.0]], &[]).is_empty());
    assert!((k.state(0, 0) - (alpha - 0.6)).abs() < 1e-6);
    assert_eq!(k.state(1, 0), 1.0);

    let mut k = kernel(&spec, 1.0, 1);
    let fired: Vec<u64> = (0..40u64).filter(|&t| !step(k.as_mut(), t, &mut [vec![0.0]], &[2.0]).is_empty()).collect();
    assert_eq!(fired, (0..40).step_by(4).collect::<Vec<u64>>());
}
