//! Signal-gated Hebbian learning against a dense tick-by-tick reference of its
//! equations, on random trains and random per-neuron signals, under several call
//! schedules (windows of 1, 3 and `d` ticks, settling or not); the transmitted
//! weights are those of the spike's own tick; save, restore and continue.

use crate::harness::{Net, Syn, info};
use rand::RngExt;
use rand_pcg::Pcg32;
use synfire_graphs::{PlainState, StateReader, StateWriter, Tick, UnitExt};
use synfire_rules::{Context, Delays, Plasticity, SignalHebb, SignalHebbRule, Synapses, ThirdFactors};

const D: u32 = 5;
const TICKS: u64 = 300;

/// The signal during one tick: the only values an `on_tick(t)` may read.
struct AtTick<'a> {
    t: u64,
    l: &'a [f32],
}

impl ThirdFactors for AtTick<'_> {
    fn scalar(&self, _: usize, _: Tick) -> Option<f64> {
        panic!("the rule reads no scalar modulator")
    }
    fn per_neuron(&self, slot: usize, target: u32, t: Tick) -> Option<f64> {
        assert_eq!((slot, t.0), (0, self.t), "read another slot or tick than the current one");
        Some(f64::from(self.l[target as usize]))
    }
}

struct Nowhere;

impl ThirdFactors for Nowhere {
    fn scalar(&self, _: usize, _: Tick) -> Option<f64> {
        panic!("the rule reads no scalar modulator")
    }
    fn per_neuron(&self, _: usize, _: u32, t: Tick) -> Option<f64> {
        panic!("signal read at tick {} outside on_tick", t.0)
    }
}

struct World {
    net: Net,
    /// `spikes[t]`: the sources that spike at tick `t`.
    spikes: Vec<Vec<usize>>,
    /// `signal[t][j]`, zero at about half the ticks.
    signal: Vec<Vec<f32>>,
}

fn world(seed: u64) -> World {
    let mut rng = Pcg32::new(seed, 0xa076_1d64_78bd_642f);
    let (n_src, n_tgt) = (7, 5);
    let mut syns = Vec::new();
    for src in 0..n_src {
        for tgt in 0..n_tgt {
            if rng.random::<f64>() < 0.6 {
                syns.push(Syn { src, tgt, delay: D, w0: rng.random_range(0.5..1.5) });
            }
        }
    }
    let spikes = (0..TICKS).map(|t| (0..n_src).filter(|_| t + u64::from(D) < TICKS && rng.random::<f64>() < 0.1).collect()).collect();
    let signal = (0..TICKS).map(|_| if rng.random::<bool>() { (0..n_tgt).map(|_| rng.random_range(-1.0..1.0)).collect() } else { vec![0.0; n_tgt] }).collect();
    World { net: Net::new(n_src, n_tgt, syns), spikes, signal }
}

fn rule(w: &World) -> SignalHebbRule {
    SignalHebb::new().eta(0.01).tau(7.0.ms()).bounds(0.0..=2.0).signal("L").build(&info(&w.net, synfire_graphs::Time(1.0))).unwrap()
}

/// The equations, one tick at a time: `(weights transmitted per pre spike, final weights)`.
fn reference(w: &World) -> (Vec<Vec<f32>>, Vec<f32>) {
    let decay = (-1.0f64 / 7.0).exp() as f32;
    let mut x = vec![0.0f32; w.net.n_sources];
    let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
    let mut sent = Vec::new();
    for t in 0..TICKS {
        for (i, xi) in x.iter_mut().enumerate() {
            *xi *= decay;
            if t >= u64::from(D) && w.spikes[(t - u64::from(D)) as usize].contains(&i) {
                *xi += 1.0;
            }
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            for (wk, s) in weights[row.clone()].iter_mut().zip(&w.net.syns[row]) {
                let l = w.signal[t as usize][s.tgt];
                if l != 0.0 && *xi != 0.0 {
                    *wk = (*wk + 0.01 * l * *xi).clamp(0.0, 2.0);
                }
            }
        }
        for &i in &w.spikes[t as usize] {
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            if !row.is_empty() {
                sent.push(weights[row].to_vec());
            }
        }
    }
    (sent, weights)
}

/// Drives the rule in windows of `len` ticks from `from` to `to`: ticks, then the
/// window's pre spikes, then advance (or settle every `settle`-th window).
#[allow(clippy::too_many_arguments)] // the schedule's knobs, spelled out at each call
fn drive(r: &mut SignalHebbRule, w: &World, weights: &mut [f32], sent: &mut Vec<Vec<f32>>, from: u64, to: u64, len: u64, settle: Option<u64>) {
    let targets: Vec<u32> = w.net.syns.iter().map(|s| s.tgt as u32).collect();
    let mut syn = Synapses { offsets: &w.net.offsets, targets: &targets, delays: Delays::Const(D), weights };
    let none = Context { third: &Nowhere, post: Default::default() };
    let mut w0 = from;
    let mut n = 0;
    while w0 < to {
        let end = (w0 + len).min(to);
        for t in w0..end {
            let at = AtTick { t, l: &w.signal[t as usize] };
            r.on_tick(Tick(t), &mut syn, &Context { third: &at, post: Default::default() });
        }
        for t in w0..end {
            for &i in &w.spikes[t as usize] {
                let row = syn.row(i);
                if !row.is_empty() {
                    assert_eq!(r.on_pre(i as u32, Tick(t), &mut syn, &none), 1.0);
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
fn every_schedule_equals_the_equations_bit_for_bit() {
    for seed in 0..6 {
        let w = world(seed);
        let (want_sent, want) = reference(&w);
        assert!(want.iter().zip(&w.net.syns).filter(|(a, s)| **a != s.w0).count() > w.net.syns.len() / 2, "seed {seed}: the rule learned");
        for (len, settle) in [(1, None), (3, None), (u64::from(D), None), (3, Some(4)), (2, Some(1))] {
            let mut r = rule(&w);
            let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
            let mut sent = Vec::new();
            drive(&mut r, &w, &mut weights, &mut sent, 0, TICKS, len, settle);
            assert!(weights == want, "seed {seed}, windows of {len}, settle {settle:?}: final weights");
            assert!(sent == want_sent, "seed {seed}, windows of {len}: transmitted weights");
        }
    }
}

#[test]
fn save_restore_continue_is_bit_identical() {
    let w = world(11);
    let (_, want) = reference(&w);
    for cut in [1, 97, 150] {
        let mut a = rule(&w);
        let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
        let mut sent = Vec::new();
        drive(&mut a, &w, &mut weights, &mut sent, 0, cut, 3, None);
        let mut out = StateWriter::new();
        a.save(&mut out);
        let table = out.finish();
        let mut b = rule(&w);
        b.restore(&mut StateReader::new(&table)).unwrap();
        drive(&mut b, &w, &mut weights, &mut sent, cut, TICKS, 3, None);
        assert!(weights == want, "cut at {cut}");
    }
}
