//! Dis-inhibitory learning (specs 5.2) against a dense tick-by-tick reference of its
//! equations, on random graded trains, random own rates, partner rates and gates,
//! under several call schedules; save, restore and continue; and the
//! single-microcircuit tests of specs 5.5 on a plain Euler integration of one E-I
//! pair (Figure-3 configuration).

use crate::harness::{Net, Syn, info};
use rand::RngExt;
use rand_pcg::Pcg32;
use synfire_graphs::{PlainState, StateReader, StateWriter, Tick, UnitExt};
use synfire_rules::{Context, Delays, Disinhibition, DisinhibitionRule, Plasticity, Softplus, Synapses, ThirdFactors};

const D: u32 = 4;
const TICKS: u64 = 300;

/// What `on_tick(t)` may read: the signals, the gate and the step of tick `t`.
struct AtTick<'a> {
    t: u64,
    r_e: &'a [f32],
    r_i: &'a [f32],
    gate: f32,
    step: f32,
}

impl ThirdFactors for AtTick<'_> {
    fn scalar(&self, slot: usize, t: Tick) -> Option<f64> {
        assert_eq!(t.0, self.t, "a scalar read at another tick");
        match slot {
            2 => Some(f64::from(self.gate)),
            3 => Some(f64::from(self.step)),
            _ => panic!("slot {slot} is no scalar"),
        }
    }
    fn per_neuron(&self, slot: usize, target: u32, t: Tick) -> Option<f64> {
        assert_eq!(t.0, self.t, "a signal read at another tick");
        Some(f64::from([self.r_e, self.r_i][slot][target as usize]))
    }
}

struct Nowhere;

impl ThirdFactors for Nowhere {
    fn scalar(&self, _: usize, t: Tick) -> Option<f64> {
        panic!("gate read at tick {} outside on_tick", t.0)
    }
    fn per_neuron(&self, _: usize, _: u32, t: Tick) -> Option<f64> {
        panic!("signal read at tick {} outside on_tick", t.0)
    }
}

struct World {
    net: Net,
    /// `events[t]`: `(source, value)` emitted at tick `t`.
    events: Vec<Vec<(usize, f32)>>,
    r_e: Vec<Vec<f32>>,
    r_i: Vec<Vec<f32>>,
    gate: Vec<f32>,
    /// The `step` modulator: a few ticks with a scale, else 0.
    step: Vec<f32>,
}

fn world(seed: u64) -> World {
    let mut rng = Pcg32::new(seed, 0xa076_1d64_78bd_642f);
    let (n_src, n_tgt) = (6, 5);
    let mut syns = Vec::new();
    for src in 0..n_src {
        for tgt in 0..n_tgt {
            if rng.random::<f64>() < 0.7 {
                syns.push(Syn { src, tgt, delay: D, w0: rng.random_range(-1.0..1.0) });
            }
        }
    }
    let mut events: Vec<Vec<(usize, f32)>> = vec![Vec::new(); TICKS as usize];
    for (t, ev) in events.iter_mut().enumerate() {
        for i in 0..n_src {
            if t as u64 + u64::from(D) < TICKS && rng.random::<f64>() < 0.6 {
                ev.push((i, rng.random_range(0.05..2.0)));
            }
        }
    }
    let mut rates = || {
        (0..TICKS).map(|_| (0..n_tgt).map(|_| if rng.random::<f64>() < 0.1 { 0.0 } else { rng.random_range(0.01..2.0) }).collect()).collect::<Vec<Vec<f32>>>()
    };
    let (r_e, r_i) = (rates(), rates());
    let gate = (0..TICKS).map(|t| if (t / 40) % 2 == 1 { 0.0 } else { 1.0 }).collect();
    let step = (0..TICKS)
        .map(|t| {
            if t % 23 == 22 {
                1.0 / 23.0
            } else if t == 100 {
                0.5
            } else {
                0.0
            }
        })
        .collect();
    World { net: Net::new(n_src, n_tgt, syns), events, r_e, r_i, gate, step }
}

fn params(linear: bool) -> Disinhibition {
    let phi_i = Softplus { scale: 1.2, gain: 1.5, theta: 0.3 };
    let base = if linear { Disinhibition::linear_threshold().r_bar(0.6) } else { Disinhibition::exact() };
    base.eta(0.02).tau_pre(3.0.ms()).activations(Softplus { scale: 0.8, gain: 2.0, theta: 0.0 }, phi_i).bounds(-1.5..=1.5).signals("rE", "rI").gate("g")
}

fn rule(w: &World, linear: bool) -> DisinhibitionRule {
    params(linear).build(&info(&w.net, synfire_graphs::Time(1.0))).unwrap()
}

/// Batch mode: SGD or Adam at the ticks of `step`.
fn batch_rule(w: &World, adam: bool) -> DisinhibitionRule {
    params(false).eta(0.05).batch("s", adam).build(&info(&w.net, synfire_graphs::Time(1.0))).unwrap()
}

/// Batch mode's equations, one tick at a time: the exact rule's products accumulate
/// per synapse, and at a step tick (after that tick's product) SGD or Adam descends
/// `-s acc` (f32, Adam's bias corrections in f64 then f32, as the module docs say).
fn reference_batch(w: &World, adam: bool) -> (Vec<Vec<f32>>, Vec<f32>) {
    let p = params(false);
    let decay = (-1.0f64 / 3.0).exp() as f32;
    let (se, ke) = (0.8f32, 2.0f32);
    let (si, ki, ui) = (1.2f32, 1.5f32, 0.3f32);
    let g = |r: f32| ui + (r.max(1e-6 * si) / si).exp_m1().ln() / ki;
    let n = w.net.syns.len();
    let (mut x, mut acc, mut m, mut v) = (vec![0.0f32; w.net.n_sources], vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
    let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
    let (mut sent, mut steps) = (Vec::new(), 0i32);
    let (b1, b2, eps) = p.adam_betas;
    for t in 0..TICKS as usize {
        for (i, xi) in x.iter_mut().enumerate() {
            let a: f32 = if t >= D as usize { w.events[t - D as usize].iter().filter(|e| e.0 == i).map(|e| e.1).sum() } else { 0.0 };
            *xi = decay * *xi + (1.0 - decay) * a;
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            for (k, s) in row.clone().zip(&w.net.syns[row]) {
                let (re, ri) = (w.r_e[t][s.tgt], w.r_i[t][s.tgt]);
                let f = w.gate[t] * (se * ke * -(-re.max(0.0) / se).exp_m1() * (re - g(ri)));
                if f != 0.0 && *xi != 0.0 {
                    acc[k] += f * *xi;
                }
            }
        }
        if w.step[t] != 0.0 {
            steps += 1;
            let (c1, c2) = ((1.0 - b1.powi(steps)) as f32, (1.0 - b2.powi(steps)) as f32);
            for k in 0..n {
                let grad = -(w.step[t] * acc[k]);
                acc[k] = 0.0;
                let next = if adam {
                    m[k] = b1 as f32 * m[k] + (1.0 - b1 as f32) * grad;
                    v[k] = b2 as f32 * v[k] + (1.0 - b2 as f32) * grad * grad;
                    weights[k] - 0.05 * (m[k] / c1) / ((v[k] / c2).sqrt() + eps as f32)
                } else {
                    weights[k] - 0.05 * grad
                };
                weights[k] = next.clamp(-1.5, 1.5);
            }
        }
        for &(i, _) in &w.events[t] {
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            if !row.is_empty() {
                sent.push(weights[row].to_vec());
            }
        }
    }
    (sent, weights)
}

/// The equations of the module docs, one tick at a time, written out from scratch:
/// `(weights transmitted per event, final weights)`.
fn reference(w: &World, linear: bool) -> (Vec<Vec<f32>>, Vec<f32>) {
    let p = params(linear);
    let decay = (-1.0f64 / 3.0).exp() as f32;
    let (se, ke) = (0.8f32, 2.0f32);
    let (si, ki, ui) = (1.2f32, 1.5f32, 0.3f32);
    let (theta0, delta) = p.threshold();
    let g = |r: f32| {
        if linear {
            theta0 as f32 + delta as f32 * r
        } else {
            let r = r.max(1e-6 * si);
            ui + (r / si).exp_m1().ln() / ki
        }
    };
    let mut x = vec![0.0f32; w.net.n_sources];
    let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
    let mut sent = Vec::new();
    for t in 0..TICKS as usize {
        for (i, xi) in x.iter_mut().enumerate() {
            let a: f32 = if t >= D as usize { w.events[t - D as usize].iter().filter(|e| e.0 == i).map(|e| e.1).sum() } else { 0.0 };
            *xi = decay * *xi + (1.0 - decay) * a;
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            for (wk, s) in weights[row.clone()].iter_mut().zip(&w.net.syns[row]) {
                let (re, ri) = (w.r_e[t][s.tgt], w.r_i[t][s.tgt]);
                let f = 0.02 * w.gate[t] * (se * ke * -(-re.max(0.0) / se).exp_m1() * (re - g(ri)));
                if f != 0.0 && *xi != 0.0 {
                    *wk = (*wk + f * *xi).clamp(-1.5, 1.5);
                }
            }
        }
        for &(i, _) in &w.events[t] {
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            if !row.is_empty() {
                sent.push(weights[row].to_vec());
            }
        }
    }
    (sent, weights)
}

/// Windows of `len` ticks: ticks, then the window's events, then advance (or settle
/// every `settle`-th window).
#[allow(clippy::too_many_arguments)] // the schedule's knobs, spelled out at each call
fn drive(r: &mut DisinhibitionRule, w: &World, weights: &mut [f32], sent: &mut Vec<Vec<f32>>, from: u64, to: u64, len: u64, settle: Option<u64>) {
    let targets: Vec<u32> = w.net.syns.iter().map(|s| s.tgt as u32).collect();
    let mut syn = Synapses { offsets: &w.net.offsets, targets: &targets, delays: Delays::Const(D), weights };
    let none = Context { third: &Nowhere, post: Default::default() };
    let (mut w0, mut n) = (from, 0);
    while w0 < to {
        let end = (w0 + len).min(to);
        for t in w0..end {
            let at = AtTick { t, r_e: &w.r_e[t as usize], r_i: &w.r_i[t as usize], gate: w.gate[t as usize], step: w.step[t as usize] };
            r.on_tick(Tick(t), &mut syn, &Context { third: &at, post: Default::default() });
        }
        for t in w0..end {
            for &(i, v) in &w.events[t as usize] {
                let row = syn.row(i);
                if !row.is_empty() {
                    assert_eq!(r.on_pre_graded(i as u32, Tick(t), v, &mut syn, &none), 1.0);
                    sent.push(syn.weights[row].to_vec());
                }
            }
        }
        n += 1;
        match settle {
            Some(e) if n % e == 0 => r.settle(Tick(end), &mut syn, &none),
            _ => r.advance(Tick(end), &mut syn, &none),
        }
        w0 = end;
    }
    r.settle(Tick(to), &mut syn, &none);
}

#[test]
fn every_schedule_equals_the_equations() {
    for linear in [false, true] {
        for seed in 0..4 {
            let w = world(seed);
            let (want_sent, want) = reference(&w, linear);
            let learned = want.iter().zip(&w.net.syns).filter(|(a, s)| **a != s.w0).count();
            assert!(learned > w.net.syns.len() / 2, "seed {seed}: {learned} synapses learned");
            for (len, settle) in [(1, None), (3, None), (u64::from(D), None), (3, Some(4)), (2, Some(1))] {
                let mut r = rule(&w, linear);
                let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
                let mut sent = Vec::new();
                drive(&mut r, &w, &mut weights, &mut sent, 0, TICKS, len, settle);
                let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-5 * y.abs().max(1.0));
                assert!(close(&weights, &want), "linear {linear}, seed {seed}, windows of {len}, settle {settle:?}: final weights");
                assert!(
                    sent.len() == want_sent.len() && sent.iter().zip(&want_sent).all(|(a, b)| close(a, b)),
                    "linear {linear}, seed {seed}, windows {len}: transmitted weights"
                );
            }
        }
    }
}

/// Batch mode (SGD and Adam) under every call schedule equals its equations, and a
/// step moves weights even of rows whose source is silent at the step.
#[test]
fn batch_mode_equals_its_equations() {
    for adam in [false, true] {
        for seed in 0..3 {
            let w = world(seed);
            let (want_sent, want) = reference_batch(&w, adam);
            let moved = want.iter().zip(&w.net.syns).filter(|(a, s)| **a != s.w0).count();
            assert!(moved > w.net.syns.len() / 2, "seed {seed}: {moved} synapses learned");
            for (len, settle) in [(1, None), (3, None), (u64::from(D), None), (3, Some(4)), (2, Some(1))] {
                let mut r = batch_rule(&w, adam);
                let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
                let mut sent = Vec::new();
                drive(&mut r, &w, &mut weights, &mut sent, 0, TICKS, len, settle);
                let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-5 * y.abs().max(1.0));
                assert!(close(&weights, &want), "adam {adam}, seed {seed}, windows of {len}, settle {settle:?}: final weights");
                assert!(
                    sent.len() == want_sent.len() && sent.iter().zip(&want_sent).all(|(a, b)| close(a, b)),
                    "adam {adam}, seed {seed}: transmitted weights"
                );
            }
        }
    }
}

#[test]
fn batch_mode_save_restore_continue_is_bit_identical() {
    let w = world(5);
    let mut whole = batch_rule(&w, true);
    let mut want: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
    drive(&mut whole, &w, &mut want, &mut Vec::new(), 0, TICKS, 3, None);
    for cut in [1, 97, 150] {
        let mut a = batch_rule(&w, true);
        let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
        drive(&mut a, &w, &mut weights, &mut Vec::new(), 0, cut, 3, None);
        let mut out = StateWriter::new();
        a.save(&mut out);
        let table = out.finish();
        let mut b = batch_rule(&w, true);
        b.restore(&mut StateReader::new(&table)).unwrap();
        drive(&mut b, &w, &mut weights, &mut Vec::new(), cut, TICKS, 3, None);
        assert!(weights == want, "cut at {cut}");
    }
}

#[test]
fn adam_without_a_step_input_is_a_problem() {
    let mut p = params(false).batch("s", true);
    p.step = None;
    let problems = synfire_graphs::PlasticityRule::check(&p);
    assert!(problems.iter().any(|q| q.param == "adam"), "{problems:?}");
}

#[test]
fn save_restore_continue_is_bit_identical() {
    let w = world(9);
    let mut whole = rule(&w, true);
    let mut want: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
    drive(&mut whole, &w, &mut want, &mut Vec::new(), 0, TICKS, 3, None);
    for cut in [1, 97, 150] {
        let mut a = rule(&w, true);
        let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
        drive(&mut a, &w, &mut weights, &mut Vec::new(), 0, cut, 3, None);
        let mut out = StateWriter::new();
        a.save(&mut out);
        let table = out.finish();
        let mut b = rule(&w, true);
        b.restore(&mut StateReader::new(&table)).unwrap();
        drive(&mut b, &w, &mut weights, &mut Vec::new(), cut, TICKS, 3, None);
        assert!(weights == want, "cut at {cut}");
    }
}

/// One E-I pair of specs 5.5 (Figure 3): `w_XE = 1`, `w_XI = 0`, `w_IE = w_EI = 1`,
/// soft rectifiers with `u_0 = 3`, Euler steps of `tau / 50` for 600 steps, control
/// `du^I -= alpha (y* - r^E)` with `alpha = 5`. Returns `(x phi'(u) r^E, dW)` at the
/// end, `dW` from the rule's postsynaptic factor.
fn microcircuit(x: f64, target: Option<f64>, clamp_inhibition: bool, rule: &Disinhibition) -> (f64, f64) {
    let phi = Softplus { scale: 1.0, gain: 1.0, theta: 3.0 };
    let (h, alpha) = (1.0 / 50.0, 5.0);
    let (mut u_e, mut u_i) = (0.0f64, 0.0f64);
    for _ in 0..600 {
        let r_e = phi.phi(u_e);
        let r_i = if clamp_inhibition { 0.0 } else { phi.phi(u_i) };
        let control = target.map_or(0.0, |y| alpha * (y - r_e));
        let du_e = -u_e + x - r_i;
        let du_i = -u_i + r_e - control;
        u_e += h * du_e;
        u_i += h * du_i;
    }
    let (r_e, r_i) = (phi.phi(u_e), if clamp_inhibition { 0.0 } else { phi.phi(u_i) });
    (x * phi.derivative(r_e) * r_e, x * rule.factor(r_e, r_i))
}

fn figure3(linear: bool) -> Disinhibition {
    let phi = Softplus { scale: 1.0, gain: 1.0, theta: 3.0 };
    let base = if linear { Disinhibition::linear_threshold() } else { Disinhibition::exact() };
    base.activations(phi, phi)
}

#[test]
fn without_a_target_nothing_changes() {
    for x in [2.0, 4.0, 6.0] {
        let (scale, dw) = microcircuit(x, None, false, &figure3(false));
        assert!(dw.abs() < 1e-3 * scale.abs(), "x {x}: dW {dw} vs x phi' r {scale}");
    }
}

#[test]
fn the_sign_of_the_update_follows_the_target() {
    for x in [2.0, 4.0, 6.0] {
        let r_open = Softplus { scale: 1.0, gain: 1.0, theta: 3.0 }.phi(microcircuit_u(x));
        let (_, up) = microcircuit(x, Some(r_open + 0.5), false, &figure3(false));
        let (_, down) = microcircuit(x, Some((r_open - 0.5).max(0.0)), false, &figure3(false));
        assert!(up > 0.0, "x {x}: y* above r^E gives dW {up}");
        assert!(down < 0.0, "x {x}: y* below r^E gives dW {down}");
    }
}

/// The open-loop steady state `u^E` of the pair (the same Euler run, no target).
fn microcircuit_u(x: f64) -> f64 {
    let phi = Softplus { scale: 1.0, gain: 1.0, theta: 3.0 };
    let (mut u_e, mut u_i) = (0.0f64, 0.0f64);
    for _ in 0..600 {
        let (r_e, r_i) = (phi.phi(u_e), phi.phi(u_i));
        u_e += (-u_e + x - r_i) / 50.0;
        u_i += (-u_i + r_e) / 50.0;
    }
    u_e
}

/// With `r^I` clamped to 0 the linear-threshold rule is Hebbian with a threshold:
/// depression below `theta_0`, potentiation above.
#[test]
fn without_inhibition_the_linear_rule_is_hebbian_with_a_threshold() {
    let rule = figure3(true);
    let (theta0, _) = rule.threshold();
    let (mut below, mut above) = (0, 0);
    for k in 0..60 {
        let x = 0.5 + 0.15 * f64::from(k);
        let (_, dw) = microcircuit(x, None, true, &rule);
        let r_e = Softplus { scale: 1.0, gain: 1.0, theta: 3.0 }.phi(solve_clamped(x));
        if (r_e - theta0).abs() < 1e-3 {
            continue;
        }
        if r_e < theta0 {
            assert!(dw < 0.0, "x {x}: r^E {r_e} below theta_0 {theta0} gives dW {dw}");
            below += 1;
        } else {
            assert!(dw > 0.0, "x {x}: r^E {r_e} above theta_0 {theta0} gives dW {dw}");
            above += 1;
        }
    }
    assert!(below > 5 && above > 5, "both sides of the threshold are probed: {below} below, {above} above");
}

/// `u^E` after the clamped Euler run (no inhibition: `u^E -> x`).
fn solve_clamped(x: f64) -> f64 {
    let mut u = 0.0f64;
    for _ in 0..600 {
        u += (-u + x) / 50.0;
    }
    u
}
