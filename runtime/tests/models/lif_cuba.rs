//! CUBA LIF (specs 1.1) against the closed forms of the membrane equation.

use crate::common::{kernel, kernel_of, rng, spike_ticks, step, step_silent};
use rand::RngExt;
use synfire_graphs::{Lif, Network, UnitExt, array};

const E_L: f64 = -60.0;
const V_TH: f64 = -50.0;

/// `t* = -tau_m ln(1 - (V_th - E_L) / (R I_e))` against the kernel's first spike, and
/// the kernel against the exact discrete trajectory `v_k = R I (1 - exp(-k h / tau_m))`
/// computed in f64 (the spike is reported at the tick whose end state crosses).
#[test]
fn first_spike_under_constant_current_matches_the_closed_form() {
    for (i_e, dt) in [(120.0, 0.1), (150.0, 0.1), (300.0, 0.1), (150.0, 0.05), (1000.0, 1.0)] {
        let (tau_m, c_m) = (20.0, 200.0);
        let spec = Lif::cuba().i_e(i_e.pa());
        let mut k = kernel(&spec, dt, 1);
        let got = spike_ticks(k.as_mut(), 10_000, 2)[0];

        let ri = tau_m / c_m * i_e;
        let t_star = -tau_m * (1.0 - (V_TH - E_L) / ri).ln();
        let want = (0u64..).find(|&t| ri * (1.0 - (-((t + 1) as f64) * dt / tau_m).exp()) >= V_TH - E_L).unwrap();
        assert_eq!(got, want, "I_e {i_e} pA, dt {dt} ms");
        let grid = (t_star / dt).ceil();
        assert!((got as f64 - grid).abs() <= 1.0, "I_e {i_e}: tick {got}, t*/dt = {}", t_star / dt);
    }
}

/// `v(s) = w tau_s / (tau_m - tau_s) (exp(-s/tau_m) - exp(-s/tau_s))` after a jump
/// `w` of the synaptic variable (limit `w s/tau exp(-s/tau)` for equal constants).
fn psp(w: f64, tau_m: f64, tau_s: f64, s: f64) -> f64 {
    if tau_m == tau_s { w * s / tau_m * (-s / tau_m).exp() } else { w * tau_s / (tau_m - tau_s) * ((-s / tau_m).exp() - (-s / tau_s).exp()) }
}

#[test]
fn psp_shape_peak_time_and_amplitude_match_the_closed_form() {
    let dt = 0.1;
    // (receptor, weight, tau_syn); the last case is the limit tau_syn = tau_m.
    for (receptor, w, tau_s) in [(0usize, 2.0, 5.0), (1, -3.0, 10.0), (0, 1.5, 20.0)] {
        let tau_m = 20.0;
        let spec = Lif::cuba().tau_syn_e(tau_s.ms()).tau_syn_i(tau_s.ms());
        let mut k = kernel(&spec, dt, 1);
        let mut input = vec![vec![0.0f32], vec![0.0f32]];
        input[receptor][0] = w as f32;
        // The jump enters the synaptic variable at the end of tick 0; after tick t
        // it is t*dt old.
        assert!(step(k.as_mut(), 0, &mut input, &[]).is_empty());
        let mut trace = vec![0.0];
        for t in 1..1000 {
            step_silent(k.as_mut(), t, 2);
            trace.push(k.state(0, 0) as f64 - E_L);
        }
        let peak = trace.iter().fold(0.0f64, |m, v| if v.abs() > m.abs() { *v } else { m });
        for (t, v) in trace.iter().enumerate() {
            let want = psp(w, tau_m, tau_s, t as f64 * dt);
            assert!((v - want).abs() <= 1e-4 * peak.abs(), "tau_s {tau_s}: tick {t}: {v} vs {want}");
        }
        let t_peak = if tau_s == tau_m { tau_m } else { tau_m * tau_s / (tau_m - tau_s) * (tau_m / tau_s).ln() };
        let argmax = trace.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
        assert!((argmax as f64 * dt - t_peak).abs() <= dt, "tau_s {tau_s}: peak at {} ms, closed form {t_peak} ms", argmax as f64 * dt);
        assert!((peak - psp(w, tau_m, tau_s, t_peak)).abs() <= 1e-3 * peak.abs());
    }
}

/// After a spike `V` is exactly `V_reset` for the tick of the spike and `n_ref`
/// more ticks, while the synaptic variable goes on decaying; the whole train equals
/// an f64 recursion of the propagator scheme with the hold.
#[test]
fn refractory_period_holds_v_for_exactly_n_ref_ticks() {
    let (dt, t_ref, i_e) = (0.1, 2.0, 600.0);
    let n_ref = 20;
    let spec = Lif::cuba().i_e(i_e.pa()).t_ref(t_ref.ms());
    let mut k = kernel(&spec, dt, 1);
    let mut spikes = Vec::new();
    let mut v = Vec::new();
    let mut syn = Vec::new();
    for t in 0..400 {
        // A jump on `exc` at tick 100, to see it decay through a refractory period.
        let mut input = vec![vec![if t == 100 { 0.5 } else { 0.0 }], vec![0.0]];
        if !step(k.as_mut(), t, &mut input, &[]).is_empty() {
            spikes.push(t as usize);
        }
        v.push(k.state(0, 0));
        syn.push(k.state(1, 0));
    }
    assert!(spikes.len() >= 4);
    for &s in &spikes {
        for (held, &v) in v.iter().enumerate().skip(s).take(n_ref + 1) {
            assert_eq!(v, -60.0, "tick {held} after a spike at {s}");
        }
        if s + n_ref + 1 < v.len() {
            assert!(v[s + n_ref + 1] > -60.0);
        }
    }
    let p11 = (-dt / 5.0f64).exp();
    for (age, &s) in syn[100..].iter().enumerate() {
        assert!((s as f64 - 0.5 * p11.powi(age as i32)).abs() < 1e-6, "{age} ticks after the jump");
    }

    // f64 recursion of specs 1.1 with the hold, driven by the same jump.
    let (tau_m, tau_s, c_m) = (20.0f64, 5.0f64, 200.0f64);
    let p22 = (-dt / tau_m).exp();
    let p21 = tau_s / (tau_m - tau_s) * (p22 - p11);
    let p20 = tau_m / c_m * (1.0 - p22);
    let (mut x, mut i_syn, mut count, mut want) = (0.0f64, 0.0f64, 0, Vec::new());
    for t in 0..400 {
        if count > 0 {
            count -= 1;
        } else {
            x = p22 * x + p21 * i_syn + p20 * i_e;
        }
        i_syn = p11 * i_syn + if t == 100 { 0.5 } else { 0.0 };
        if x >= V_TH - E_L {
            want.push(t);
            x = 0.0;
            count = n_ref;
        }
    }
    assert_eq!(spikes, want);
}

/// A population with an array of `tau_m` (per-neuron coefficients) gives, neuron for
/// neuron, exactly what a homogeneous kernel built with that value gives.
#[test]
fn heterogeneous_tau_m_equals_homogeneous_kernels() {
    let taus = [8.0, 15.0, 20.0, 33.0];
    let mut net = Network::new().dt(0.1.ms()).seed(5);
    net.population("het", 4, Lif::cuba().tau_m(array(taus.map(|t| t.ms()))).i_e(300.0.pa()).t_ref(2.0.ms()));
    let graph = net.freeze().unwrap();
    let mut het = kernel_of(&graph, 0, 0..4);
    let mut homs: Vec<_> = taus.iter().map(|&t| kernel(&Lif::cuba().tau_m(t.ms()).i_e(300.0.pa()).t_ref(2.0.ms()), 0.1, 1)).collect();
    let mut r = rng(1);
    let mut spikes = [0usize; 4];
    for t in 0..2000 {
        let w: Vec<[f32; 2]> = (0..4).map(|_| [r.random_range(0.0..1.0f32), -r.random_range(0.0..0.3f32)]).collect();
        let ext: Vec<f32> = (0..4).map(|_| r.random_range(-50.0..50.0f32)).collect();
        let mut input = vec![w.iter().map(|x| x[0]).collect(), w.iter().map(|x| x[1]).collect()];
        let fired = step(het.as_mut(), t, &mut input, &ext);
        for (i, hom) in homs.iter_mut().enumerate() {
            let mut one = vec![vec![w[i][0]], vec![w[i][1]]];
            let fired_one = step(hom.as_mut(), t, &mut one, &ext[i..=i]);
            assert_eq!(fired.contains(&(i as u32)), !fired_one.is_empty(), "neuron {i} tick {t}");
            spikes[i] += fired_one.len();
            for var in 0..3 {
                assert_eq!(het.state(var, i).to_bits(), hom.state(var, 0).to_bits(), "neuron {i} var {var} tick {t}");
            }
        }
    }
    assert!(spikes.iter().all(|&s| s > 5), "every neuron fires: {spikes:?}");
}
