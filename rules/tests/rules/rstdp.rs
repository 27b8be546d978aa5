//! Reward-modulated STDP: a tick-by-tick reference of the rule's equations on random
//! trains and modulators, under every call schedule the engine contract allows; the
//! sign of the modulator; distal reward; save, restore and continue.
//!
//! The harness of the other rules never calls `on_tick`, so this file drives the rule
//! itself: [`drive`] is the same miniature engine with a modulator.

use crate::harness::{Net, Syn, Trains, assert_close, info, random_net};
use crate::reference::trace;
use crate::shards::{Part, assert_same_table, merge, parts, split};
use rand::RngExt;
use rand_pcg::Pcg32;
use synfire_graphs::{Column, PlainState, PlasticityRule, RuleCatalog, StateReader, StateTable, StateWriter, Tick, Unit, UnitExt, Value};
use synfire_rules::{Catalog, Context, Delays, Plasticity, ProjectionInfo, RULES, RewardStdp, RstdpRule, Synapses, ThirdFactors, instantiate};

pub(super) const DT: f64 = 1.0;

/// The modulator during one tick: the only value an `on_tick(t)` may read.
struct AtTick {
    t: u64,
    m: f64,
}

impl ThirdFactors for AtTick {
    fn scalar(&self, slot: usize, t: Tick) -> Option<f64> {
        assert_eq!((slot, t.0), (0, self.t), "the rule read another slot or tick than the current one");
        Some(self.m)
    }
    fn per_neuron(&self, _: usize, _: u32, _: Tick) -> Option<f64> {
        panic!("rstdp reads no per-neuron signal")
    }
}

/// The context of every other call: the rule must not read third factors there.
struct Nowhere;

impl ThirdFactors for Nowhere {
    fn scalar(&self, _: usize, t: Tick) -> Option<f64> {
        panic!("modulator read at tick {} outside on_tick", t.0)
    }
    fn per_neuron(&self, _: usize, _: u32, _: Tick) -> Option<f64> {
        panic!("rstdp reads no per-neuron signal")
    }
}

/// How the miniature engine calls the rule within a segment `[from, to)`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sched {
    /// Windows of `len` ticks: at each window start deliver the previous window's pre
    /// spikes, then advance (settle every `settle_every`-th window; no call at all
    /// without `advance`), then record the window's post spikes and tick through it.
    Windows { len: u64, settle_every: Option<u64>, advance: bool },
    /// Every post spike first; then per tick: advance, deliver its pre spikes, tick.
    PostsFirst,
    /// Every post spike and every tick first; then per tick: advance, deliver.
    TicksFirst,
}

pub(super) fn schedules(d_min: u64) -> Vec<Sched> {
    let mut s = vec![
        Sched::Windows { len: 1, settle_every: None, advance: true },
        Sched::Windows { len: 1, settle_every: Some(3), advance: true },
        Sched::Windows { len: d_min, settle_every: None, advance: false },
        Sched::PostsFirst,
        Sched::TicksFirst,
    ];
    if d_min > 1 {
        s.push(Sched::Windows { len: d_min, settle_every: None, advance: true });
        s.push(Sched::Windows { len: 2, settle_every: Some(2), advance: true });
    }
    s
}

/// A network, its trains and its modulator, with the engine's arrays.
pub(super) struct World {
    pub(super) net: Net,
    pre: Vec<(u64, usize)>,
    post: Vec<(u64, usize)>,
    pub(super) m: Vec<f64>,
    targets: Vec<u32>,
    delays: Vec<u32>,
}

/// What the rule transmitted: per pre spike `(t, source, row weights)`; final weights;
/// the rule's per-synapse state in f64 at the end (`syn.*` columns), where a
/// schedule-dependent rounding would show long before it reaches an f32 weight.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Run {
    pub(super) events: Vec<(u64, usize, Vec<f32>)>,
    pub(super) weights: Vec<f32>,
    state: Vec<Column>,
}

/// The per-synapse columns of the rule's state (eligibility, and the weights the
/// update keeps).
fn synapse_state(rule: &RstdpRule) -> Vec<Column> {
    save(rule).columns.into_iter().filter(|c| c.name.starts_with("syn.") || c.name == "update.w").collect()
}

impl World {
    fn new(net: Net, trains: &Trains, m: Vec<f64>) -> World {
        let mut pre: Vec<(u64, usize)> = trains.pre.iter().enumerate().flat_map(|(j, ts)| ts.iter().map(move |&t| (t, j))).collect();
        pre.sort_unstable();
        let mut post: Vec<(u64, usize)> = trains.post.iter().enumerate().flat_map(|(i, ts)| ts.iter().map(move |&t| (t, i))).collect();
        post.sort_unstable();
        let targets = net.syns.iter().map(|s| s.tgt as u32).collect();
        let delays = net.syns.iter().map(|s| s.delay).collect();
        World { net, pre, post, m, targets, delays }
    }

    /// A run before its first tick: the initial weights.
    pub(super) fn start(&self) -> Run {
        Run { weights: self.net.syns.iter().map(|s| s.w0).collect(), ..Run::default() }
    }
}

/// Drives `rule` through `[from, to)` (pre spikes before `from` already delivered and
/// `advance(from)` done when `from > 0`), ending with `settle(to)` when `settle_at_end`,
/// else `advance(to)`. `out.weights` are the engine's weights.
pub(super) fn drive(rule: &mut dyn Plasticity, world: &World, out: &mut Run, from: u64, to: u64, sched: Sched, settle_at_end: bool) {
    let none = Context { third: &Nowhere, post: Default::default() };
    let Run { events, weights, .. } = out;
    let mut syn = Synapses { offsets: &world.net.offsets, targets: &world.targets, delays: Delays::PerSynapse(&world.delays), weights };
    let pres = |a: u64, b: u64| world.pre.iter().filter(move |&&(t, _)| t >= a && t < b).copied();
    let posts = |a: u64, b: u64| world.post.iter().filter(move |&&(t, _)| t >= a && t < b).copied();
    let deliver = |rule: &mut dyn Plasticity, syn: &mut Synapses<'_>, events: &mut Vec<_>, t: u64, j: usize| {
        let row = syn.row(j);
        if !row.is_empty() {
            assert_eq!(rule.on_pre(j as u32, Tick(t), syn, &none), 1.0);
            events.push((t, j, syn.weights[row].to_vec()));
        }
    };
    let tick = |rule: &mut dyn Plasticity, syn: &mut Synapses<'_>, t: u64| {
        let m = AtTick { t, m: world.m[t as usize] };
        rule.on_tick(Tick(t), syn, &Context { third: &m, post: Default::default() });
    };
    match sched {
        Sched::Windows { len, settle_every, advance } => {
            assert!((to - from).is_multiple_of(len) && len <= u64::from(world.net.d_min()));
            let mut w0 = from;
            let mut n = 0u64;
            while w0 < to {
                if w0 > from {
                    for (t, j) in pres(w0 - len, w0) {
                        deliver(rule, &mut syn, events, t, j);
                    }
                    match settle_every {
                        Some(e) if n.is_multiple_of(e) => rule.settle(Tick(w0), &mut syn, &none),
                        _ if advance => rule.advance(Tick(w0), &mut syn, &none),
                        _ => {}
                    }
                } else if from == 0 && advance {
                    rule.advance(Tick(0), &mut syn, &none);
                }
                for t in w0..w0 + len {
                    for (_, i) in posts(t, t + 1) {
                        rule.on_post(i as u32, Tick(t));
                    }
                    tick(rule, &mut syn, t);
                }
                w0 += len;
                n += 1;
            }
            for (t, j) in pres(to - len.min(to - from), to) {
                deliver(rule, &mut syn, events, t, j);
            }
        }
        Sched::PostsFirst | Sched::TicksFirst => {
            for (t, i) in posts(from, to) {
                rule.on_post(i as u32, Tick(t));
            }
            if matches!(sched, Sched::TicksFirst) {
                for t in from..to {
                    tick(rule, &mut syn, t);
                }
            }
            for t in from..to {
                rule.advance(Tick(t), &mut syn, &none);
                for (t, j) in pres(t, t + 1) {
                    deliver(rule, &mut syn, events, t, j);
                }
                if matches!(sched, Sched::PostsFirst) {
                    tick(rule, &mut syn, t);
                }
            }
        }
    }
    if settle_at_end {
        rule.settle(Tick(to), &mut syn, &none);
    } else {
        rule.advance(Tick(to), &mut syn, &none);
    }
}

fn build(p: &RewardStdp, world: &World) -> RstdpRule {
    p.build(&info(&world.net, DT.ms())).unwrap()
}

/// A whole run `[0, end)` under one schedule.
fn run(p: &RewardStdp, world: &World, end: u64, sched: Sched) -> Run {
    let mut rule = build(p, world);
    let mut out = world.start();
    drive(&mut rule, world, &mut out, 0, end, sched, true);
    out.state = synapse_state(&rule);
    out
}

/// Every schedule, bit for bit the same; returns the result.
fn run_all(p: &RewardStdp, world: &World, end: u64) -> Run {
    let scheds = schedules(u64::from(world.net.d_min()));
    let first = run(p, world, end, scheds[0]);
    for s in &scheds[1..] {
        assert_eq!(run(p, world, end, *s), first, "schedule {s:?} changed the result");
    }
    first
}

/// What the reference computes: per pre spike `(t, source, row weights)`; final weights.
pub(super) struct RefRun {
    pub(super) events: Vec<(u64, usize, Vec<f64>)>,
    pub(super) weights: Vec<f64>,
}

/// How the reference turns a tick's change into a weight: the plain rule clips; a
/// metaplastic wrapper keeps its own state.
pub(super) trait RefWeight {
    /// The weight a spike at tick `t` transmits (before that tick's change).
    fn at(&mut self, t: u64) -> f64;
    /// Applies the change `dw` of tick `t`.
    fn change(&mut self, t: u64, dw: f64);
}

/// The plain rule's weight: clipped to the bounds at every change.
struct Clipped {
    w: f64,
    min: f64,
    max: f64,
}

impl RefWeight for Clipped {
    fn at(&mut self, _t: u64) -> f64 {
        self.w
    }
    fn change(&mut self, _t: u64, dw: f64) {
        self.w = (self.w + dw).clamp(self.min, self.max);
    }
}

/// The rule's equations as written in its docs, in f64, tick by tick, synapse by
/// synapse, `c` decayed by multiplication: per pre spike the row's weights before the
/// tick's weight step, and the weights at `end`.
fn reference(p: &RewardStdp, world: &World, trains: &Trains, end: u64) -> RefRun {
    reference_with(p, world, trains, end, |w| Clipped { w, min: p.bounds.min, max: p.bounds.max })
}

/// [`reference`] with each synapse's weight kept by `make(w0)`.
pub(super) fn reference_with<W: RefWeight>(p: &RewardStdp, world: &World, trains: &Trains, end: u64, mut make: impl FnMut(f64) -> W) -> RefRun {
    let (tp, tm) = (p.tau_plus.0 / DT, p.tau_minus.0 / DT);
    let nearest = p.interaction == synfire_rules::Interaction::Nearest;
    let lambda = (-DT / p.tau_c.0).exp();
    let h = DT * 1e-3;
    let mut at_pre: Vec<Vec<f64>> = vec![Vec::new(); world.net.syns.len()];
    let mut weights = Vec::new();
    for (k, s) in world.net.syns.iter().enumerate() {
        let d = u64::from(s.delay);
        let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
        let (mut w, mut c) = (make(f64::from(s.w0)), 0.0f64);
        for t in 0..end {
            if t >= d && post.contains(&(t - d)) {
                c += p.a_plus * trace(pre, 0, t, tp, nearest);
            }
            if pre.contains(&t) {
                at_pre[k].push(w.at(t));
                c -= p.a_minus * trace(post, d, t, tm, nearest);
            }
            let dw = h * world.m[t as usize] * c;
            if dw != 0.0 {
                w.change(t, dw);
            }
            c *= lambda;
        }
        weights.push(w.at(end));
    }
    // Per pre spike, in delivery order, the row's weights.
    let mut n_seen = vec![0usize; world.net.syns.len()];
    let events = world
        .pre
        .iter()
        .filter(|&&(_, j)| world.net.offsets[j] < world.net.offsets[j + 1])
        .map(|&(t, j)| {
            let row = world.net.offsets[j] as usize..world.net.offsets[j + 1] as usize;
            let ws = row
                .map(|k| {
                    n_seen[k] += 1;
                    at_pre[k][n_seen[k] - 1]
                })
                .collect();
            (t, j, ws)
        })
        .collect();
    RefRun { events, weights }
}

/// A modulator of random blocks (10-200 ticks): zero, or constant in `[-4, 4]` per s.
fn random_modulator(ticks: u64, seed: u64) -> Vec<f64> {
    let mut rng = Pcg32::new(seed, 0x9e37_79b9_7f4a_7c15);
    let mut m = Vec::new();
    while (m.len() as u64) < ticks {
        let len = rng.random_range(10..200);
        let v = if rng.random::<f64>() < 0.3 { 0.0 } else { rng.random_range(-4.0..4.0) };
        m.extend(std::iter::repeat_n(v, len));
    }
    m.truncate(ticks as usize);
    m
}

pub(super) fn random_world(d_lo: u32, d_hi: u32, end: u64, seed: u64) -> (World, Trains) {
    let net = random_net(5, 4, 0.8, d_lo, d_hi, (0.2, 0.8), seed);
    let trains = Trains::random(&net, 0.02, 0.025, end - u64::from(d_hi) - 1, seed + 100);
    let m = random_modulator(end, seed + 200);
    (World::new(net, &trains, m), trains)
}

/// The paper's rule, reading the modulator node `reward`.
pub(super) fn izhikevich() -> RewardStdp {
    RewardStdp::izhikevich2007().modulator("reward")
}

pub(super) fn random_rule() -> RewardStdp {
    izhikevich().a_plus(0.5).a_minus(0.6).tau_c(200.0.ms()).bounds(0.0..=1.0)
}

fn check_against_reference(p: &RewardStdp, seed: u64) {
    const END: u64 = 3000;
    for (d_lo, d_hi) in [(1, 1), (5, 5), (1, 5)] {
        let (world, trains) = random_world(d_lo, d_hi, END, seed);
        let got = run_all(p, &world, END);
        let want = reference(p, &world, &trains, END);
        assert_eq!(got.events.len(), want.events.len());
        for ((t, j, g), (tw, jw, w)) in got.events.iter().zip(&want.events) {
            assert_eq!((t, j), (tw, jw));
            assert_close(g, w, 1e-7, &format!("delays {d_lo}..={d_hi}, pre spike of {j} at {t}"));
        }
        assert_close(&got.weights, &want.weights, 1e-7, &format!("delays {d_lo}..={d_hi}, final weights"));
        assert!(got.weights.iter().zip(&world.net.syns).any(|(w, s)| *w != s.w0), "nothing learned");
        let bounds = got.events.iter().flat_map(|e| &e.2).chain(&got.weights).filter(|&&w| w == 0.0 || w == 1.0).count();
        assert!(bounds > 0, "delays {d_lo}..={d_hi}: the test should reach a bound");
    }
}

#[test]
fn random_trains_and_modulator_match_the_reference_under_every_schedule() {
    check_against_reference(&random_rule(), 1);
    check_against_reference(&random_rule().tau_c(1.0.s()).a_plus(0.1).a_minus(0.12), 2);
}

#[test]
fn nearest_spike_random_trains_match_the_reference() {
    check_against_reference(&random_rule().nearest(), 3);
}

/// One synapse (delay 1): `pairs` pairs of a pre spike at `100 + 200 n` and a post
/// spike `lag` ticks later (negative: before), under a constant modulator `m`.
fn pairing(p: &RewardStdp, pairs: u64, lag: i64, m: f64, w0: f32) -> f32 {
    let net = Net::new(1, 1, vec![Syn { src: 0, tgt: 0, delay: 1, w0 }]);
    let pre: Vec<u64> = (0..pairs).map(|n| 100 + 200 * n).collect();
    let post = pre.iter().map(|&t| (t as i64 + lag) as u64).collect();
    let world = World::new(net, &Trains { pre: vec![pre], post: vec![post] }, vec![m; 2400]);
    run(p, &world, 2400, Sched::Windows { len: 1, settle_every: None, advance: true }).weights[0]
}

#[test]
fn the_sign_of_the_modulator_sets_the_sign_of_learning() {
    let p = izhikevich();
    let w0 = 1.0f32;
    // (lag, m, expected sign of the change)
    let cases = [(10, 1.0, 1.0), (10, -1.0, -1.0), (10, 0.0, 0.0), (-10, 1.0, -1.0), (-10, -1.0, 1.0), (-10, 0.0, 0.0)];
    for (lag, m, sign) in cases {
        let dw = f64::from(pairing(&p, 10, lag, m, w0)) - f64::from(w0);
        let got = if dw > 0.0 {
            1.0
        } else if dw < 0.0 {
            -1.0
        } else {
            0.0
        };
        assert_eq!(got, sign, "lag {lag}, m = {m}: Δw = {dw:e}");
    }
    assert_eq!(pairing(&p, 10, 10, 0.0, w0).to_bits(), w0.to_bits(), "m = 0 leaves the weight exactly alone");
    assert_eq!(pairing(&p, 1, -1, 1.0, w0).to_bits(), w0.to_bits(), "a coincident pair (post + d = pre) makes no eligibility");
}

/// One pairing (pre at 100, post at 110, delay 1: Δt = 11 ms, eligibility from tick
/// 111 on) and a modulator pulse of `m` per s over ticks `[on, on + 10)`.
fn distal(p: &RewardStdp, on: u64, m: f64) -> f64 {
    let net = Net::new(1, 1, vec![Syn { src: 0, tgt: 0, delay: 1, w0: 1.0 }]);
    let mut modulator = vec![0.0; 2000];
    modulator[on as usize..on as usize + 10].fill(m);
    let world = World::new(net, &Trains { pre: vec![vec![100]], post: vec![vec![110]] }, modulator);
    f64::from(run(p, &world, 2000, Sched::Windows { len: 1, settle_every: Some(7), advance: true }).weights[0]) - 1.0
}

#[test]
fn a_reward_one_second_after_the_pairing_still_changes_the_weight() {
    let p = izhikevich();
    let c0 = p.a_plus * (-11.0f64 / 20.0).exp();
    let lambda = (-DT / p.tau_c.0).exp();
    let h = DT * 1e-3;
    let closed = |on: u64, m: f64| (on..on + 10).map(|s| h * m * c0 * lambda.powi((s - 111) as i32)).sum::<f64>();
    for (on, m) in [(1111, 5.0), (1111, -5.0), (611, 5.0), (111, 5.0)] {
        let dw = distal(&p, on, m);
        assert!((dw - closed(on, m)).abs() < 1e-7, "pulse at {on}: Δw = {dw:e}, closed form {:e}", closed(on, m));
    }
    // One second later the change is e^{-1 s / tau_c} of an immediate reward's.
    let ratio = distal(&p, 1111, 5.0) / distal(&p, 111, 5.0);
    assert!((ratio - (-1.0f64).exp()).abs() < 1e-4, "ratio {ratio}");
    // A reward before the pairing, or after the trace is gone, does nothing.
    assert_eq!(distal(&p, 50, 5.0), 0.0);
    assert!(distal(&p.tau_c(50.0.ms()), 1111, 5.0).abs() < 1e-9);
}

fn save(rule: &RstdpRule) -> StateTable {
    let mut w = StateWriter::new();
    rule.save(&mut w);
    w.finish()
}

#[test]
fn save_restore_and_continue_is_bit_identical() {
    const END: u64 = 3000;
    let p = random_rule();
    for (d_lo, d_hi, half) in [(5, 5, 1500), (1, 5, 1235), (1, 1, 1001)] {
        let (world, _) = random_world(d_lo, d_hi, END, 11);
        let whole = run(&p, &world, END, Sched::Windows { len: 1, settle_every: None, advance: true });
        for (settled, first, second) in [
            (true, Sched::Windows { len: 1, settle_every: None, advance: true }, Sched::TicksFirst),
            (false, Sched::PostsFirst, Sched::Windows { len: 1, settle_every: Some(4), advance: true }),
        ] {
            let mut rule = build(&p, &world);
            let mut out = world.start();
            drive(&mut rule, &world, &mut out, 0, half, first, settled);
            // Through JSON, as a checkpoint file would carry it.
            let table: StateTable = serde_json::from_str(&serde_json::to_string(&save(&rule)).unwrap()).unwrap();
            let mut restored = build(&p, &world);
            let mut r = StateReader::new(&table);
            restored.restore(&mut r).unwrap();
            r.finish().unwrap();
            assert!(save(&restored) == table, "restore(save()) saves the same table");
            let (mut o1, mut o2) = (out.clone(), out);
            drive(&mut rule, &world, &mut o1, half, END, second, true);
            drive(&mut restored, &world, &mut o2, half, END, second, true);
            (o1.state, o2.state) = (synapse_state(&rule), synapse_state(&restored));
            assert_eq!(o1.state, whole.state, "an interrupted run ends in the state of the whole one");
            assert_eq!(o1, o2, "delays {d_lo}..={d_hi}, settled {settled}: the restored rule transmitted other weights");
            let bits = |w: &[f32]| w.iter().map(|w| w.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&o1.weights), bits(&o2.weights));
            assert_eq!(o1, whole, "an interrupted run ends where the whole one does");
            assert!(save(&rule) == save(&restored), "the whole state agrees, memory bookkeeping included");
        }
    }
}

#[test]
fn a_table_of_another_projection_does_not_restore() {
    let (world, _) = random_world(1, 5, 600, 12);
    let p = random_rule();
    let rule = run_to_table(&p, &world);
    let other = random_net(5, 4, 0.5, 1, 5, (0.2, 0.8), 13);
    assert_ne!(other.syns.len(), world.net.syns.len());
    let mut wrong = p.build(&info(&other, DT.ms())).unwrap();
    let fresh = save(&wrong);
    let err = wrong.restore(&mut StateReader::new(&rule)).unwrap_err().to_string();
    assert!(err.contains("syn.c"), "{err}");
    assert_same_table(&save(&wrong), &fresh, "a failed restore leaves the rule unchanged");
    let mut bad = rule.clone();
    let ready = bad.columns.iter_mut().find(|c| c.name == "update.ready").unwrap();
    ready.values = synfire_graphs::Values::U64(vec![2]);
    let err = build(&p, &world).restore(&mut StateReader::new(&bad)).unwrap_err().to_string();
    assert!(err.contains("`update.ready`") && err.contains("2 is not 0 or 1"), "{err}");
}

fn run_to_table(p: &RewardStdp, world: &World) -> StateTable {
    let mut rule = build(p, world);
    drive(&mut rule, world, &mut world.start(), 0, 600, Sched::PostsFirst, true);
    save(&rule)
}

/// Per-synapse values of parts in the global CSR order (a global row is the parts'
/// rows one after the other).
fn merge_rows(ps: &[Part], values: &[Vec<f32>]) -> Vec<f32> {
    let n = ps[0].net.n_sources;
    (0..n).flat_map(|j| ps.iter().zip(values).flat_map(move |(p, v)| v[p.net.offsets[j] as usize..p.net.offsets[j + 1] as usize].iter().copied())).collect()
}

#[test]
fn two_shards_merge_into_the_one_shard_table_and_split_back() {
    const END: u64 = 2400;
    const HALF: u64 = 1200;
    let sched = Sched::Windows { len: 1, settle_every: None, advance: true };
    let (world, trains) = random_world(1, 5, END, 31);
    let p = random_rule();
    let mut one = build(&p, &world);
    let mut whole = world.start();
    drive(&mut one, &world, &mut whole, 0, HALF, sched, true);
    let ps = parts(&world.net, &trains, &[0, 1, 4]);
    let worlds: Vec<World> = ps.iter().map(|q| World::new(q.net.clone(), &q.trains, world.m.clone())).collect();
    let mut rules: Vec<RstdpRule> = worlds.iter().map(|w| build(&p, w)).collect();
    let mut outs: Vec<Run> = worlds.iter().map(World::start).collect();
    for ((rule, w), out) in rules.iter_mut().zip(&worlds).zip(&mut outs) {
        drive(rule, w, out, 0, HALF, sched, true);
    }
    let tables: Vec<StateTable> = rules.iter().map(save).collect();
    let at_half = save(&one);
    assert_same_table(&merge(&ps.iter().zip(&tables).collect::<Vec<_>>()), &at_half, "two shards merged");
    let weights: Vec<Vec<f32>> = outs.iter().map(|o| o.weights.clone()).collect();
    assert_eq!(merge_rows(&ps, &weights), whole.weights);

    // The one-shard table split for two shards continues like the one shard.
    drive(&mut one, &world, &mut whole, HALF, END, sched, true);
    let mut finals = Vec::new();
    for ((table, (q, w)), out) in split(&at_half, &ps).iter().zip(ps.iter().zip(&worlds)).zip(&mut outs) {
        let mut restored = p.build(&info(&q.net, DT.ms())).unwrap();
        restored.restore(&mut StateReader::new(table)).unwrap();
        drive(&mut restored, w, out, HALF, END, sched, true);
        finals.push((save(&restored), out.weights.clone()));
    }
    let tables: Vec<StateTable> = finals.iter().map(|f| f.0.clone()).collect();
    assert_same_table(&merge(&ps.iter().zip(&tables).collect::<Vec<_>>()), &save(&one), "two restored shards at the end");
    assert_eq!(merge_rows(&ps, &finals.iter().map(|f| f.1.clone()).collect::<Vec<_>>()), whole.weights);
}

#[test]
fn negated_weights_learn_the_same_magnitudes() {
    let (world, _) = random_world(1, 5, 1200, 21);
    let p = random_rule();
    let pos = run(&p, &world, 1200, Sched::PostsFirst);
    let mut rule = p.build(&ProjectionInfo { negative: true, ..info(&world.net, DT.ms()) }).unwrap();
    let mut neg = world.start();
    neg.weights.iter_mut().for_each(|w| *w = -*w);
    drive(&mut rule, &world, &mut neg, 0, 1200, Sched::PostsFirst, true);
    assert_eq!(neg.weights.iter().map(|w| -w).collect::<Vec<_>>(), pos.weights);
    assert!(neg.events.iter().zip(&pos.events).all(|(n, p)| n.2.iter().map(|w| -w).eq(p.2.iter().copied())));
}

#[test]
fn the_catalogue_knows_checks_and_builds_the_rule() {
    let p = izhikevich().nearest().tau_c(500.0.ms());
    let spec = p.to_spec();
    assert!(RULES.contains(&"rstdp"));
    assert_eq!(Catalog.check(&spec), Some(vec![]));
    let back: synfire_graphs::RuleSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
    assert_eq!(RewardStdp::from_spec(&back).unwrap(), p);
    assert_eq!(spec.inputs.get("modulator").map(String::as_str), Some("reward"), "the binding is part of the spec");
    let net = Net::new(2, 2, vec![Syn { src: 0, tgt: 1, delay: 3, w0: 0.5 }]);
    let rule = instantiate(&spec, &info(&net, 0.1.ms())).unwrap();
    assert_eq!(rule.name(), "rstdp");
    assert_eq!(rule.inputs(), &["modulator"]);
    assert!(rule.needs().per_tick && rule.needs().post_spikes);
    assert_eq!(rule.bytes_per_synapse(), 24);

    // (spec, parameter named, part of the message)
    let mut unknown = spec.clone();
    unknown.params.insert("mu_plus".into(), Value::constant(Unit::One, 1.0));
    let mut unit = spec.clone();
    unit.params.insert("a_plus".into(), Value::constant(Unit::Ms, 1.0));
    let mut input = spec.clone();
    input.inputs.insert("dopamine".into(), "reward".into());
    let cases = [
        (izhikevich().tau_c((-1.0).s()).to_spec(), "tau_c", "-1000 ms"),
        (izhikevich().tau_plus(0.0.ms()).to_spec(), "tau_plus", "positive"),
        (izhikevich().a_minus(f64::NAN).to_spec(), "a_minus", "NaN"),
        (izhikevich().bounds(1.0..=0.0).to_spec(), "w_min", "empty"),
        (unknown, "mu_plus", "no parameter"),
        (unit, "a_plus", "plain number"),
        (RewardStdp::izhikevich2007().to_spec(), "inputs.modulator", "never learn"),
        (input, "inputs.dopamine", "no input `dopamine`"),
    ];
    for (spec, param, message) in cases {
        let problems = Catalog.check(&spec).unwrap();
        assert!(problems.iter().any(|p| p.param == param && p.message.contains(message)), "{param}: {problems:?}");
        let err = instantiate(&spec, &info(&net, 0.1.ms())).unwrap_err().to_string();
        assert!(err.contains(param), "{err}");
    }
}
