//! The spiking port of dis-inhibitory learning (specs 5.2) against a dense
//! tick-by-tick reference of its equations: random presynaptic spikes, random own
//! and partner spike trains, threshold distances (some refractory) and gates, under
//! several call schedules; save, restore and continue (online and batch Adam); the
//! sign of the factor set by the partner's spikes.

use crate::harness::{Net, Syn, info};
use rand::RngExt;
use rand_pcg::Pcg32;
use synfire_graphs::{PlainState, StateReader, StateWriter, Tick, UnitExt};
use synfire_rules::{Context, Delays, DisinhibitionRule, DisinhibitionSpiking, Plasticity, Post, Synapses, ThirdFactors};

const D: u32 = 3;
const TICKS: u64 = 400;

/// What `on_tick(t)` may read: the spike signals, the gate and the step of tick `t`.
struct AtTick<'a> {
    t: u64,
    s_e: &'a [f32],
    s_i: &'a [f32],
    gate: f32,
    step: f32,
}

impl ThirdFactors for AtTick<'_> {
    fn scalar(&self, slot: usize, t: Tick) -> Option<f64> {
        assert_eq!(t.0, self.t, "a scalar read at another tick");
        Some(f64::from([self.gate, self.step][slot - 2]))
    }
    fn per_neuron(&self, slot: usize, target: u32, t: Tick) -> Option<f64> {
        assert_eq!(t.0, self.t, "a signal read at another tick");
        Some(f64::from([self.s_e, self.s_i][slot][target as usize]))
    }
}

struct Nowhere;

impl ThirdFactors for Nowhere {
    fn scalar(&self, _: usize, t: Tick) -> Option<f64> {
        panic!("scalar read at tick {} outside on_tick", t.0)
    }
    fn per_neuron(&self, _: usize, _: u32, t: Tick) -> Option<f64> {
        panic!("signal read at tick {} outside on_tick", t.0)
    }
}

struct World {
    net: Net,
    /// `spikes[t]`: sources spiking at tick `t`.
    spikes: Vec<Vec<usize>>,
    s_e: Vec<Vec<f32>>,
    s_i: Vec<Vec<f32>>,
    /// Threshold distances after the step of each tick (`inf`: refractory).
    dist: Vec<Vec<f32>>,
    gate: Vec<f32>,
    step: Vec<f32>,
}

fn world(seed: u64) -> World {
    let mut rng = Pcg32::new(seed, 0xa076_1d64_78bd_642f);
    let (n_src, n_tgt) = (7, 5);
    let mut syns = Vec::new();
    for src in 0..n_src {
        for tgt in 0..n_tgt {
            if rng.random::<f64>() < 0.7 {
                syns.push(Syn { src, tgt, delay: D, w0: rng.random_range(-1.0..1.0) });
            }
        }
    }
    let spikes = (0..TICKS).map(|t| (0..n_src).filter(|_| t + u64::from(D) < TICKS && rng.random::<f64>() < 0.15).collect()).collect();
    let mut train = |p: f64| (0..TICKS).map(|_| (0..n_tgt).map(|_| f32::from(u8::from(rng.random::<f64>() < p))).collect()).collect::<Vec<Vec<f32>>>();
    let (s_e, s_i) = (train(0.2), train(0.1));
    let dist = (0..TICKS).map(|_| (0..n_tgt).map(|_| if rng.random::<f64>() < 0.1 { f32::INFINITY } else { rng.random_range(-3.0..1.0) }).collect()).collect();
    let gate = (0..TICKS).map(|t| if (t / 50) % 3 == 2 { 0.0 } else { 1.0 }).collect();
    let step = (0..TICKS).map(|t| if t % 31 == 30 { 1.0 / 31.0 } else { 0.0 }).collect();
    World { net: Net::new(n_src, n_tgt, syns), spikes, s_e, s_i, dist, gate, step }
}

fn params() -> DisinhibitionSpiking {
    DisinhibitionSpiking::new().eta(0.05).taus(4.0.ms(), 7.0.ms()).threshold(0.02, 1.3).beta(2.0).bounds(-1.5..=1.5).signals("sE", "sI").gate("g")
}

fn rule(w: &World, p: &DisinhibitionSpiking) -> DisinhibitionRule {
    p.build(&info(&w.net, synfire_graphs::Time(1.0))).unwrap()
}

/// The module docs' equations, one tick at a time (online): `(weights transmitted
/// per spike, final weights)`.
fn reference(w: &World) -> (Vec<Vec<f32>>, Vec<f32>) {
    let (lx, lr) = ((-1.0f64 / 4.0).exp() as f32, (-1.0f64 / 7.0).exp() as f32);
    let n_tgt = w.net.n_targets;
    let (mut x, mut rho_e, mut rho_i) = (vec![0.0f32; w.net.n_sources], vec![0.0f32; n_tgt], vec![0.0f32; n_tgt]);
    let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
    let mut sent = Vec::new();
    for t in 0..TICKS as usize {
        let mut f = vec![0.0f32; n_tgt];
        for j in 0..n_tgt {
            rho_e[j] = lr * rho_e[j] + (1.0 - lr) * w.s_e[t][j];
            rho_i[j] = lr * rho_i[j] + (1.0 - lr) * w.s_i[t][j];
            let a = 2.0 * w.dist[t][j].abs() + 1.0;
            f[j] = 0.05 * w.gate[t] * ((1.0 / (a * a)) * (rho_e[j] - 0.02 - 1.3 * rho_i[j]));
        }
        for (i, xi) in x.iter_mut().enumerate() {
            let arrived = t >= D as usize && w.spikes[t - D as usize].contains(&i);
            *xi = lx * *xi + (1.0 - lx) * f32::from(u8::from(arrived));
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            for (wk, s) in weights[row.clone()].iter_mut().zip(&w.net.syns[row]) {
                if f[s.tgt] != 0.0 && *xi != 0.0 {
                    *wk = (*wk + f[s.tgt] * *xi).clamp(-1.5, 1.5);
                }
            }
        }
        for &i in &w.spikes[t] {
            let row = w.net.offsets[i] as usize..w.net.offsets[i + 1] as usize;
            if !row.is_empty() {
                sent.push(weights[row].to_vec());
            }
        }
    }
    (sent, weights)
}

/// Windows of `len` ticks: ticks, then the window's spikes, then advance (or settle
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
            let k = t as usize;
            let at = AtTick { t, s_e: &w.s_e[k], s_i: &w.s_i[k], gate: w.gate[k], step: w.step[k] };
            let post = Post { threshold_distance: &w.dist[k], output: &[] };
            r.on_tick(Tick(t), &mut syn, &Context { third: &at, post });
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
fn every_schedule_equals_the_equations() {
    assert!(rule(&world(0), &params()).needs().post_state, "the surrogate reads the targets' threshold distance");
    for seed in 0..4 {
        let w = world(seed);
        let (want_sent, want) = reference(&w);
        let learned = want.iter().zip(&w.net.syns).filter(|(a, s)| **a != s.w0).count();
        assert!(learned > w.net.syns.len() / 2, "seed {seed}: {learned} synapses learned");
        for (len, settle) in [(1, None), (2, None), (u64::from(D), None), (2, Some(3)), (1, Some(1))] {
            let mut r = rule(&w, &params());
            let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
            let mut sent = Vec::new();
            drive(&mut r, &w, &mut weights, &mut sent, 0, TICKS, len, settle);
            let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-5 * y.abs().max(1.0));
            assert!(close(&weights, &want), "seed {seed}, windows of {len}, settle {settle:?}: final weights");
            assert!(sent.len() == want_sent.len() && sent.iter().zip(&want_sent).all(|(a, b)| close(a, b)), "seed {seed}, windows {len}: transmitted weights");
        }
    }
}

#[test]
fn save_restore_continue_is_bit_identical_online_and_in_batch_mode() {
    let w = world(7);
    for p in [params(), params().batch("s", true)] {
        let mut whole = rule(&w, &p);
        let mut want: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
        drive(&mut whole, &w, &mut want, &mut Vec::new(), 0, TICKS, 2, None);
        assert!(want.iter().zip(&w.net.syns).any(|(a, s)| *a != s.w0), "batch {:?}: the weights learned", p.step);
        for cut in [1, 97, 200] {
            let mut a = rule(&w, &p);
            let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0).collect();
            drive(&mut a, &w, &mut weights, &mut Vec::new(), 0, cut, 2, None);
            let mut out = StateWriter::new();
            a.save(&mut out);
            let table = out.finish();
            let mut b = rule(&w, &p);
            b.restore(&mut StateReader::new(&table)).unwrap();
            drive(&mut b, &w, &mut weights, &mut Vec::new(), cut, TICKS, 2, None);
            assert!(weights == want, "batch {:?}, cut at {cut}", p.step);
        }
    }
}

/// With `theta_0 = 0`, `delta = 1`, a partner that copies the unit's spikes leaves
/// every weight where it was (the open loop); a silent (dis-inhibited) partner
/// potentiates, a partner firing twice as often depresses.
#[test]
fn the_partners_spikes_set_the_sign() {
    let base = world(3);
    let p = DisinhibitionSpiking::new().eta(0.05).taus(4.0.ms(), 7.0.ms()).signals("sE", "sI").gate("g");
    let change = |s_i: Vec<Vec<f32>>| -> f32 {
        let w = World { s_i, gate: vec![1.0; TICKS as usize], dist: vec![vec![-0.5; 5]; TICKS as usize], ..world(3) };
        let mut weights: Vec<f32> = w.net.syns.iter().map(|s| s.w0.abs()).collect();
        let start = weights.clone();
        let mut net = w.net.clone();
        net.syns.iter_mut().for_each(|s| s.w0 = s.w0.abs());
        let w = World { net, ..w };
        drive(&mut rule(&w, &p), &w, &mut weights, &mut Vec::new(), 0, TICKS, 2, None);
        weights.iter().zip(&start).map(|(a, b)| a - b).sum()
    };
    assert_eq!(change(base.s_e.clone()), 0.0, "a copying partner: no change");
    assert!(change(vec![vec![0.0; 5]; TICKS as usize]) > 0.0, "a silent partner: potentiation");
    let doubled: Vec<Vec<f32>> = base.s_e.iter().map(|r| r.iter().map(|s| 2.0 * s).collect()).collect();
    assert!(change(doubled) < 0.0, "twice the unit's rate: depression");
}
