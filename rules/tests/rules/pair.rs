//! Pair STDP: the window values of spec 6.1 and 0.1, NEST's multiplicative values, and
//! random trains against the all-pairs reference.

use crate::harness::{DELAYS, Net, Schedule, Syn, Trains, assert_close, random_net, run, run_all};
use crate::reference::{self, B};
use synfire_graphs::{PlasticityRule, UnitExt};
use synfire_rules::{Stdp, StdpPair};

const DT: f64 = 0.1;

/// The weight change of one isolated pair: pre at 100 ms, post `dt_soma_ms` later
/// (somatic), delay `d` ticks, starting from `w0`.
fn single_pair(rule: &StdpPair, dt_soma_ms: f64, d: u32, w0: f32) -> f64 {
    let net = Net::new(1, 1, vec![Syn { src: 0, tgt: 0, delay: d, w0 }]);
    let t_pre = 1000u64;
    let t_post = (t_pre as f64 + dt_soma_ms / DT).round() as u64;
    let trains = Trains { pre: vec![vec![t_pre]], post: vec![vec![t_post]] };
    let out = run(&rule.to_spec(), DT.ms(), &net, &trains, 3000, Schedule::Windows { len: 1, settle_every: None }, None);
    f64::from(out.weights[0]) - f64::from(w0)
}

#[test]
fn additive_window_matches_spec_values() {
    let rule = Stdp::pair();
    // Delay one tick: a synaptic interval of ±10 ms is a somatic one of ±10 ms - 0.1 ms.
    for (dt_syn, want, closed) in [
        (10.0, 3.0327e-3, 0.005 * (-0.5f64).exp()),
        (-10.0, -3.1843e-3, -0.00525 * (-0.5f64).exp()),
        (20.0, 1.8394e-3, 0.005 * (-1.0f64).exp()),
        (-20.0, -1.9314e-3, -0.00525 * (-1.0f64).exp()),
    ] {
        let dw = single_pair(&rule, dt_syn - DT, 1, 0.5);
        assert!((dw - closed).abs() < 1e-7, "Δt = {dt_syn} ms: {dw:e} vs closed form {closed:e}");
        assert!((dw - want).abs() < 1.1e-7, "Δt = {dt_syn} ms: {dw:e} vs spec {want:e}");
    }
}

#[test]
fn dendritic_delay_shifts_the_window() {
    // d = 1 ms: somatic +10 ms is the +11 ms value, somatic -10 ms the -9 ms value.
    let rule = Stdp::pair();
    let plus = single_pair(&rule, 10.0, 10, 0.5);
    let minus = single_pair(&rule, -10.0, 10, 0.5);
    assert!((plus - 2.8847e-3).abs() < 1.1e-7, "{plus:e}");
    assert!((minus + 3.3475e-3).abs() < 1.1e-7, "{minus:e}");
}

#[test]
fn multiplicative_matches_nest() {
    // NEST 3.10 stdp_synapse: Wmax 2, mu 1, w 1.2, lambda 0.005, alpha 1.05.
    let rule = Stdp::pair().bounds(0.0..=2.0).multiplicative();
    let plus = single_pair(&rule, 10.0 - DT, 1, 1.2);
    let minus = single_pair(&rule, -10.0 - DT, 1, 1.2);
    assert!((plus - 2.4261e-3).abs() < 2e-7, "{plus:e}");
    assert!((minus + 3.8211e-3).abs() < 2e-7, "{minus:e}");
}

#[test]
fn coincident_pair_changes_nothing_and_far_pairs_almost_nothing() {
    let rule = Stdp::pair();
    assert_eq!(single_pair(&rule, -DT, 1, 0.5), 0.0, "post + d == pre: neither sees the other");
    assert_eq!(single_pair(&rule, -1.0, 10, 0.5), 0.0, "the same with a 1 ms delay");
    for dt in [101.0, -101.0] {
        assert!(single_pair(&rule, dt - DT, 1, 0.5).abs() < 1e-4 * 0.5, "{dt}");
    }
}

fn reference_params(rule: &StdpPair) -> reference::Pair {
    let r = rule.bounds.max - rule.bounds.min;
    reference::Pair {
        tau_plus: rule.tau_plus.0 / DT,
        tau_minus: rule.tau_minus.0 / DT,
        a_plus: r * rule.a_plus,
        a_minus: r * rule.a_minus,
        bounds: B { min: rule.bounds.min, max: rule.bounds.max, mu_plus: rule.bounds.mu_plus, mu_minus: rule.bounds.mu_minus },
        nearest: rule.interaction == synfire_rules::Interaction::Nearest,
    }
}

/// Per-synapse delays (the lazy engine) and one delay (the eager one).
fn check_random(rule: StdpPair, seed: u64) {
    for (d_lo, d_hi) in DELAYS {
        let net = random_net(4, 3, 0.8, d_lo, d_hi, (0.2, 0.8), seed);
        let trains = Trains::random(&net, 0.01, 0.012, 2970, seed + 100);
        let out = run_all(&rule.to_spec(), DT.ms(), &net, &trains, 3000, None);
        let want = reference::pair(&net, &trains, &reference_params(&rule));
        assert_close(&out.weights, &want, 1e-6 * (rule.bounds.max - rule.bounds.min), "pair STDP");
        assert!(out.weights.iter().zip(&net.syns).any(|(w, s)| *w != s.w0), "nothing learned");
    }
}

#[test]
fn additive_random_trains_hit_the_bounds_and_match_the_reference() {
    let rule = Stdp::pair().a_plus(0.08).a_minus(0.09);
    check_random(rule, 1);
    let net = random_net(4, 3, 0.8, 10, 25, (0.2, 0.8), 1);
    let trains = Trains::random(&net, 0.01, 0.012, 2970, 101);
    let out = run(&rule.to_spec(), DT.ms(), &net, &trains, 3000, Schedule::PostsFirst, None);
    assert!(out.weights.iter().any(|&w| w == 0.0 || w == 1.0), "the test should reach a bound: {:?}", out.weights);
}

#[test]
fn multiplicative_and_mixed_random_trains_match_the_reference() {
    check_random(Stdp::pair().a_plus(0.05).a_minus(0.05).bounds(-0.5..=1.5).multiplicative(), 2);
    check_random(Stdp::pair().a_plus(0.05).a_minus(0.05).mu_split(0.0, 1.0), 3);
    check_random(Stdp::pair().a_plus(0.05).a_minus(0.05).mu(0.4), 4);
}

#[test]
fn nearest_spike_random_trains_match_the_reference() {
    check_random(Stdp::pair().a_plus(0.05).a_minus(0.06).nearest(), 5);
    check_random(Stdp::pair().a_plus(0.02).a_minus(0.02).nearest().multiplicative(), 6);
}

#[test]
fn silent_sources_are_caught_up_by_maintenance() {
    // Source 0 is silent for most of the run while its targets keep firing: its
    // post-triggered updates must come from maintenance and settle, with the same
    // result as the reference.
    for (d_lo, d_hi) in [(10, 20), (15, 15)] {
        let net = random_net(3, 2, 1.0, d_lo, d_hi, (0.3, 0.7), 7);
        let mut trains = Trains::random(&net, 0.004, 0.01, 29_970, 8);
        trains.pre[0] = vec![50, 15_000, 29_000];
        trains.pre[1] = vec![];
        let rule = Stdp::pair().a_plus(0.01).a_minus(0.0105);
        let out = run_all(&rule.to_spec(), DT.ms(), &net, &trains, 30_000, None);
        let want = reference::pair(&net, &trains, &reference_params(&rule));
        assert_close(&out.weights, &want, 1e-6, "pair STDP with silent sources");
    }
}

#[test]
fn memory_stays_bounded_with_silent_sources() {
    // A 20 s run in 1 s windows of calls: one source never spikes, targets fire at
    // ~50 Hz. The postsynaptic history must not grow with the run.
    use synfire_graphs::Tick;
    use synfire_rules::{Context, Delays, Synapses, instantiate};
    let dt = 0.1;
    let net = random_net(3, 4, 1.0, 10, 20, (0.3, 0.7), 9);
    let ticks = 200_000;
    let mut trains = Trains::poisson(3, 5.0, 4, 50.0, dt.ms(), ticks, 10);
    trains.pre[2].clear();
    let mut rule = instantiate(&Stdp::pair().to_spec(), &crate::harness::info(&net, dt.ms())).unwrap();
    let targets: Vec<u32> = net.syns.iter().map(|s| s.tgt as u32).collect();
    let delays: Vec<u32> = net.syns.iter().map(|s| s.delay).collect();
    let mut weights: Vec<f32> = net.syns.iter().map(|s| s.w0).collect();
    let mut syn = Synapses { offsets: &net.offsets, targets: &targets, delays: Delays::PerSynapse(&delays), weights: &mut weights };
    let ctx = Context::none();
    let mut pre: Vec<(u64, usize)> = trains.pre.iter().enumerate().flat_map(|(j, ts)| ts.iter().map(move |&t| (t, j))).collect();
    let mut post: Vec<(u64, usize)> = trains.post.iter().enumerate().flat_map(|(i, ts)| ts.iter().map(move |&t| (t, i))).collect();
    pre.sort_unstable();
    post.sort_unstable();
    let (mut ip, mut iq, mut sizes) = (0, 0, Vec::new());
    for w0 in (0..ticks).step_by(10) {
        while ip < pre.len() && pre[ip].0 < w0 {
            rule.on_pre(pre[ip].1 as u32, Tick(pre[ip].0), &mut syn, &ctx);
            ip += 1;
        }
        rule.advance(Tick(w0), &mut syn, &ctx);
        while iq < post.len() && post[iq].0 < w0 + 10 {
            rule.on_post(post[iq].1 as u32, Tick(post[iq].0));
            iq += 1;
        }
        if w0 % 10_000 == 0 {
            sizes.push(rule.memory_bytes());
        }
    }
    let (early, late) = (sizes[2], *sizes.iter().max().unwrap());
    assert!(late < 2 * early, "memory grew from {early} to {late} bytes: {sizes:?}");
}
