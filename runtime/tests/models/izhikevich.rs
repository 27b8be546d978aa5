//! Izhikevich 2003 (specs 1.5): firing patterns and the integration scheme.

use crate::common::{kernel, rng, spike_ticks, step};
use rand::RngExt;
use synfire_graphs::{Izhikevich, NeuronSpec, UnitExt};

/// The scheme of the kernel's docs written out in f64: `ceil(dt / 0.5)` Euler
/// substeps of `v`, one Euler step of `u`, then the spike test.
fn reference(abcd: [f64; 4], dt: f64, current: &[f64]) -> (Vec<u64>, Vec<f64>) {
    let [a, b, c, d] = abcd;
    let m = (dt / 0.5 - 1e-9).ceil().max(1.0);
    let h = dt / m;
    let (mut v, mut u) = (-65.0, b * -65.0);
    let (mut spikes, mut vs) = (Vec::new(), Vec::new());
    for (t, &i) in current.iter().enumerate() {
        for _ in 0..m as usize {
            v += h * (0.04 * v * v + 5.0 * v + 140.0 - u + i);
        }
        u += dt * a * (b * v - u);
        if v >= 30.0 {
            spikes.push(t as u64);
            v = c;
            u += d;
        }
        vs.push(v);
    }
    (spikes, vs)
}

/// The same scheme in f32 with the kernel's order of operations, which the kernel
/// must match bit for bit (`current` already summed as `i_e + ext + weight`).
fn reference_f32(abcd: [f32; 4], dt: f64, current: &[f32]) -> Vec<(f32, f32)> {
    let [a, b, c, d] = abcd;
    let m = (dt / 0.5 - 1e-9).ceil().max(1.0) as usize;
    let (h, dt) = ((dt / m as f64) as f32, dt as f32);
    let (mut v, mut u) = (-65.0f32, -13.0f32);
    let mut out = Vec::new();
    for &i in current {
        for _ in 0..m {
            v += h * (0.04 * v * v + 5.0 * v + 140.0 - u + i);
        }
        u += dt * a * (b * v - u);
        if v >= 30.0 {
            v = c;
            u += d;
        }
        out.push((v, u));
    }
    out
}

fn isis(spikes: &[u64], dt: f64) -> Vec<f64> {
    spikes.windows(2).map(|w| (w[1] - w[0]) as f64 * dt).collect()
}

fn tonic(spec: NeuronSpec, dt: f64, ms: f64) -> Vec<f64> {
    let mut k = kernel(&spec.set("i_e", 10.0.one()), dt, 1);
    isis(&spike_ticks(k.as_mut(), (ms / dt) as u64, 1), dt)
}

#[test]
fn regular_spiking_adapts_under_constant_current() {
    for dt in [0.1, 1.0] {
        let isi = tonic(Izhikevich::regular_spiking(), dt, 1000.0);
        assert!(isi.len() >= 10, "dt {dt}: tonic firing, ISIs {isi:?}");
        assert!(isi[1..].iter().all(|&later| isi[0] < 0.75 * later), "dt {dt}: first ISI not the shortest: {isi:?}");
    }
}

#[test]
fn fast_spiking_does_not_adapt() {
    let dt = 0.1;
    let fs = tonic(Izhikevich::fast_spiking(), dt, 1000.0);
    let rs = tonic(Izhikevich::regular_spiking(), dt, 1000.0);
    // After a short onset transient the intervals stay constant.
    let late = &fs[3..];
    let mean = late.iter().sum::<f64>() / late.len() as f64;
    assert!(late.iter().all(|x| (x - mean).abs() <= 0.05 * mean), "FS ISIs {fs:?}");
    // And far shorter than the adapted RS interval.
    assert!(mean * 3.0 < *rs.last().unwrap());
}

#[test]
fn trajectory_equals_the_scheme_in_f32_exactly_and_in_f64_closely() {
    // dt = 1 ms is the two-half-step scheme of the 2003 code, 0.1 ms plain Euler.
    for (dt, ticks) in [(1.0, 300usize), (0.5, 600), (0.1, 3000)] {
        let spec = Izhikevich::regular_spiking().set("i_e", 4.0.one());
        let mut k = kernel(&spec, dt, 1);
        let mut r = rng(21);
        let pulses: Vec<f32> = (0..ticks).map(|_| if r.random_bool(0.05) { r.random_range(0.0..20.0f32) } else { 0.0 }).collect();
        let mut got = Vec::new();
        let mut states = Vec::new();
        for (t, &w) in pulses.iter().enumerate() {
            if !step(k.as_mut(), t as u64, &mut [vec![w]], &[1.0]).is_empty() {
                got.push(t as u64);
            }
            states.push((k.state(0, 0), k.state(1, 0)));
        }
        let exact = reference_f32([0.02, 0.2, -65.0, 8.0], dt, &pulses.iter().map(|&w| 4.0 + 1.0 + w).collect::<Vec<_>>());
        assert_eq!(states, exact, "dt {dt}");

        let (want, want_v) = reference([0.02, 0.2, -65.0, 8.0], dt, &pulses.iter().map(|&w| 4.0 + 1.0 + w as f64).collect::<Vec<_>>());
        assert!(want.len() >= 3, "dt {dt}: spikes {want:?}");
        assert_eq!(got, want, "dt {dt}");
        // f32 rounding is amplified on the upswing before a spike (dv'/dv > 0 there),
        // most at dt = 1 ms: 0.1 mV bounds it here, far below the scale of the dynamics.
        let worst = (0..ticks).map(|t| (states[t].0 as f64 - want_v[t]).abs()).fold(0.0, f64::max);
        assert!(worst < 0.1, "dt {dt}: v differs from the f64 scheme by {worst} mV");
    }
}
