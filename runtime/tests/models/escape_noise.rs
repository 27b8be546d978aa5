//! Escape-noise spiking (specs 1.6) in the discrete LIF and ALIF kernels: the step
//! keeps the deterministic kernels bit for bit, the noisy spike probability is
//! `f(x)`, and the draws are keyed by (seed, gid, tick), not by the slice.

use crate::common::{kernel, kernel_of, rng, step};
use crate::contract::{drive, graph};
use synfire_graphs::{Alif, EscapeNoise, LifDiscrete, ModelKind, Network, NeuronSpec, UnitExt};
use synfire_runtime::NeuronKernel;

/// FNV-1a over 300 driven ticks of population 1 of `graph(kind, 70)`: every spike
/// and every state bit after every tick.
fn fingerprint(kind: ModelKind, spec: Option<NeuronSpec>) -> u64 {
    let g = graph(kind, 70);
    let mut k = match spec {
        None => kernel_of(&g, 1, 0..70),
        Some(spec) => kernel(&spec, 1.0, 70),
    };
    let mut r = rng(5);
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut spikes = 0;
    let mut eat = |x: u64| h = (h ^ x).wrapping_mul(0x0100_0000_01b3);
    for t in 0..300 {
        let (mut input, ext) = drive(kind, 70, &mut r);
        for i in step(k.as_mut(), t, &mut input, &ext) {
            eat(t << 32 | u64::from(i));
            spikes += 1;
        }
        for v in 0..kind.state().len() {
            for i in 0..70 {
                eat(u64::from(k.state(v, i).to_bits()));
            }
        }
    }
    assert!(spikes > 100, "{kind:?}: {spikes} spikes is too few to fingerprint the threshold");
    h
}

/// The fingerprints of the kernels as they were before escape noise existed
/// (commit 6b6a8c8), for a heterogeneous specimen and a homogeneous default model.
#[test]
fn step_noise_is_bit_identical_to_the_kernels_before_escape_noise() {
    let cases = [
        (ModelKind::LifDiscrete, None, 0x2558_8a2f_8cc0_f653u64),
        (ModelKind::LifDiscrete, Some(LifDiscrete::new()), 0xb069_f490_60cd_cedd),
        (ModelKind::Alif, None, 0x9c5e_c689_2db5_61f8),
        (ModelKind::Alif, Some(Alif::new()), 0x664e_5503_a08d_ca48),
    ];
    let got: Vec<u64> = cases.iter().map(|(kind, spec, _)| fingerprint(*kind, spec.clone())).collect();
    let want: Vec<u64> = cases.iter().map(|c| c.2).collect();
    assert_eq!(got.iter().map(|h| format!("{h:#x}")).collect::<Vec<_>>(), want.iter().map(|h| format!("{h:#x}")).collect::<Vec<_>>());
    for (kind, spec, want) in cases {
        let explicit = spec.clone().map(|s| s.escape_noise(EscapeNoise::Step));
        assert_eq!(fingerprint(kind, explicit), want, "{kind:?}, explicit step");
    }
}

/// The escape rate of the neurons of `k` held at one membrane value for `ticks`
/// ticks: `hold` puts the state back before each tick, `x` reads the distance to
/// threshold after the first tick (when no neuron has been reset yet). A tick right
/// after a spike is reset, so it is left out: the others are Bernoulli draws with
/// `p = f(x)`. Returns (spikes, trials, x).
fn held_rate(k: &mut dyn NeuronKernel, ext: &[f32], ticks: u64, hold: impl Fn(&mut dyn NeuronKernel), x: impl Fn(&dyn NeuronKernel) -> f32) -> (u64, u64, f32) {
    let n = k.len();
    let (mut spikes, mut trials, mut x0) = (0u64, 0u64, f32::NAN);
    let mut last = vec![false; n];
    for t in 0..ticks {
        hold(k);
        let fired = step(k, t, &mut [vec![0.0; n]], ext);
        if t == 0 {
            x0 = x(k);
        }
        let mut now = vec![false; n];
        for &i in &fired {
            now[i as usize] = true;
        }
        for i in (0..n).filter(|&i| !last[i]) {
            trials += 1;
            spikes += u64::from(now[i]);
        }
        last = now;
    }
    (spikes, trials, x0)
}

/// Asserts a measured rate is `f(x)` within four binomial standard deviations.
fn assert_rate(what: &str, noise: EscapeNoise, (spikes, trials, x): (u64, u64, f32)) {
    let p = f64::from(noise.probability(x));
    let rate = spikes as f64 / trials as f64;
    let sd = (p * (1.0 - p) / trials as f64).sqrt();
    println!("{what}: x = {x:.4}, f(x) = {p:.5}, measured {rate:.5} over {trials} trials ({:.2} sd)", (rate - p) / sd.max(1e-300));
    assert!((rate - p).abs() <= 4.0 * sd + 1e-12, "{what}: rate {rate} vs f(x) = {p} (sd {sd}, {trials} trials)");
}

#[test]
fn discrete_lif_escape_rate_is_f_of_u_minus_theta() {
    for noise in [EscapeNoise::sigmoid(10.0), EscapeNoise::exponential(0.01, 0.133)] {
        for u0 in [0.8f32, 0.95, 1.0, 1.1, 1.4] {
            let mut k = kernel(&LifDiscrete::new().escape_noise(noise), 1.0, 500);
            // U = lambda U + (1 - lambda) (I + e) stays at u0 with I = 0 and e = u0.
            let ext = vec![u0; 500];
            let hold = |k: &mut dyn NeuronKernel| {
                for i in 0..k.len() {
                    k.set_state(0, i, u0);
                    k.set_state(1, i, 0.0);
                }
            };
            let measured = held_rate(k.as_mut(), &ext, 200, hold, |k| k.state(0, 0) - 1.0);
            assert_rate(&format!("lif_discrete {} u = {u0}", noise.name()), noise, measured);
        }
    }
}

#[test]
fn alif_escape_rate_is_f_of_the_normalised_distance() {
    for noise in [EscapeNoise::sigmoid(10.0), EscapeNoise::exponential(0.01, 0.133)] {
        for v0 in [0.45f32, 0.6, 0.7] {
            // beta = 0 and no refractoriness: A = v_th, and v = 0 + e = v0 unless reset.
            let spec = Alif::new().beta(0.0.one()).t_ref(0.0.ms()).escape_noise(noise);
            let mut k = kernel(&spec, 1.0, 500);
            let ext = vec![v0; 500];
            let hold = |k: &mut dyn NeuronKernel| (0..k.len()).for_each(|i| k.set_state(0, i, 0.0));
            let measured = held_rate(k.as_mut(), &ext, 200, hold, |k| (k.state(0, 0) - 0.6) / 0.6);
            assert_rate(&format!("alif {} v = {v0}", noise.name()), noise, measured);
        }
    }
}

/// Spikes of a noisy population as one slice or as three: the draws are keyed by the
/// gid and the tick, not by the slice.
#[test]
fn noisy_spikes_do_not_depend_on_the_slices() {
    for spec in [LifDiscrete::new().escape_noise(EscapeNoise::sigmoid(10.0)), Alif::new().escape_noise(EscapeNoise::exponential(0.05, 0.133))] {
        let kind = spec.kind;
        let mut net = Network::new().dt(1.0.ms()).seed(9);
        net.population("pad", 3, spec.clone());
        net.population("x", 90, spec);
        let g = net.freeze().unwrap();
        let run = |cuts: &[u64]| {
            let mut r = rng(12);
            let mut ks: Vec<(u64, Box<dyn NeuronKernel>)> = cuts.windows(2).map(|w| (w[0], kernel_of(&g, 1, w[0]..w[1]))).collect();
            let mut out = Vec::new();
            for t in 0..200 {
                let (input, ext) = drive(kind, 90, &mut r);
                for (lo, k) in &mut ks {
                    let (a, b) = (*lo as usize, *lo as usize + k.len());
                    let mut inp: Vec<Vec<f32>> = input.iter().map(|row| row[a..b].to_vec()).collect();
                    out.extend(step(k.as_mut(), t, &mut inp, &ext[a..b]).into_iter().map(|i| (t, *lo + u64::from(i))));
                }
            }
            out
        };
        let whole = run(&[0, 90]);
        assert!(whole.len() > 200, "{kind:?}: {} spikes", whole.len());
        assert_eq!(run(&[0, 17, 64, 90]), whole, "{kind:?}");
    }
}
