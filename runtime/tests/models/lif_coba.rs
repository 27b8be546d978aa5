//! COBA LIF (specs 1.3): the exponential-Euler step against its closed form.

use crate::common::{kernel, rng, step};
use rand::RngExt;
use synfire_graphs::{Lif, UnitExt};

const DT: f64 = 0.1;
const TAU_M: f64 = 20.0;
const E_L: f64 = -60.0;
const E_E: f64 = 0.0;
const E_I: f64 = -80.0;

/// One step of specs 1.3 for frozen conductances: returns the new `V`.
fn exp_euler(v: f64, g_e: f64, g_i: f64, drive: f64) -> f64 {
    let g_tot = 1.0 + g_e + g_i;
    let v_inf = (E_L + g_e * E_E + g_i * E_I + drive) / g_tot;
    v_inf + (v - v_inf) * (-DT * g_tot / TAU_M).exp()
}

#[test]
fn one_step_matches_the_closed_form_for_frozen_conductances() {
    let spec = Lif::coba().v_bg(4.0.mv());
    let mut k = kernel(&spec, DT, 4);
    let v0 = [-55.0, -70.0, -52.0, -61.0];
    let ge = [0.3, 0.0, 1.2, 4.0];
    let gi = [0.0, 0.5, 2.0, 6.0];
    let ext = [0.0f32, 7.0, -3.0, 12.5];
    let w_e = [0.1f32, 0.2, 0.0, 0.4];
    let w_i = [0.0f32, 0.0, 0.7, 5.1];
    for i in 0..4 {
        k.set_state(0, i, v0[i] as f32);
        k.set_state(1, i, ge[i] as f32);
        k.set_state(2, i, gi[i] as f32);
    }
    let mut input = vec![w_e.to_vec(), w_i.to_vec()];
    assert!(step(k.as_mut(), 0, &mut input, &ext).is_empty());
    let (p_e, p_i) = ((-DT / 5.0f64).exp(), (-DT / 10.0f64).exp());
    for i in 0..4 {
        // The weights arriving this tick do not yet act on V.
        let want = exp_euler(v0[i], ge[i], gi[i], 4.0 + ext[i] as f64);
        assert!((k.state(0, i) as f64 - want).abs() < 2e-5, "neuron {i}: {} vs {want}", k.state(0, i));
        assert!((k.state(1, i) as f64 - (ge[i] * p_e + w_e[i] as f64)).abs() < 1e-6);
        assert!((k.state(2, i) as f64 - (gi[i] * p_i + w_i[i] as f64)).abs() < 1e-5);
    }
}

/// With the conductances held constant (each tick's input replaces what decayed),
/// `V` converges to `V_inf = (E_L + g_e E_e + g_i E_i + v_bg) / (1 + g_e + g_i)`.
#[test]
fn constant_conductances_give_the_steady_state_v_inf() {
    for (g_e, g_i, v_bg) in [(0.1, 0.5, 0.0), (0.4, 0.2, 5.0), (1.5, 3.0, 20.0), (0.0, 0.0, 8.0)] {
        // A threshold above every V_inf here, so that nothing spikes.
        let spec = Lif::coba().v_bg(v_bg.mv()).v_th(10.0.mv()).init("v", -75.0.mv());
        let mut k = kernel(&spec, DT, 1);
        k.set_state(1, 0, g_e as f32);
        k.set_state(2, 0, g_i as f32);
        let (p_e, p_i) = ((-DT / 5.0f64).exp(), (-DT / 10.0f64).exp());
        for t in 0..3000 {
            let mut input = vec![vec![(g_e * (1.0 - p_e)) as f32], vec![(g_i * (1.0 - p_i)) as f32]];
            step(k.as_mut(), t, &mut input, &[]);
        }
        let v_inf = (E_L + g_e * E_E + g_i * E_I + v_bg) / (1.0 + g_e + g_i);
        assert!((k.state(0, 0) as f64 - v_inf).abs() < 1e-3, "g_e {g_e} g_i {g_i}: {} vs {v_inf}", k.state(0, 0));
        assert!((k.state(1, 0) as f64 - g_e).abs() < 1e-4);
    }
}

/// A tonically firing neuron (Auryn's `R I_bg = 20 mV`) under random synaptic input:
/// spike train and voltage equal an f64 recursion of the scheme with threshold,
/// reset and refractory hold.
#[test]
fn spike_train_equals_an_f64_recursion_of_the_scheme() {
    let (v_bg, t_ref) = (20.0, 5.0);
    let n_ref = 50;
    let spec = Lif::coba().v_bg(v_bg.mv()).t_ref(t_ref.ms());
    let mut k = kernel(&spec, DT, 1);
    let (p_e, p_i) = ((-DT / 5.0f64).exp(), (-DT / 10.0f64).exp());
    let (mut v, mut g_e, mut g_i, mut count) = (E_L, 0.0f64, 0.0f64, 0u32);
    let mut r = rng(3);
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for t in 0..5000u64 {
        let w_e = if r.random_bool(0.05) { r.random_range(0.0..0.4f32) } else { 0.0 };
        let w_i = if r.random_bool(0.01) { r.random_range(0.0..0.5f32) } else { 0.0 };
        let mut input = vec![vec![w_e], vec![w_i]];
        if !step(k.as_mut(), t, &mut input, &[]).is_empty() {
            got.push(t);
        }
        if count > 0 {
            count -= 1;
        } else {
            v = exp_euler(v, g_e, g_i, v_bg);
        }
        g_e = g_e * p_e + w_e as f64;
        g_i = g_i * p_i + w_i as f64;
        if v >= -50.0 {
            want.push(t);
            v = -60.0;
            count = n_ref;
        }
        assert!((k.state(0, 0) as f64 - v).abs() < 1e-3, "tick {t}: {} vs {v}", k.state(0, 0));
    }
    assert!(want.len() > 10, "the neuron fires: {want:?}");
    assert_eq!(got, want);
    assert!(want.windows(2).all(|w| w[1] - w[0] > n_ref as u64));
}
