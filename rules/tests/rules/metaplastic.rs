//! The metaplastic wrappers of spec 7: the Benna–Fusi chain against a fine-step
//! integration of its ODE and the spec's pulse table; every wrapper around pair STDP
//! against a plain serial reference (per synapse, in f64); schedules, shards and
//! checkpoints bit for bit.

use crate::checkpointed::{CALLS, Sim};
use crate::harness::{DELAYS, Net, Trains, info, random_net, run_all};
use crate::reference::{self, Ev, trace};
use crate::shards::{Part, assert_same_table, merge, parts};
use rand::RngExt;
use rand_pcg::Pcg32;
use synfire_graphs::{PlasticityRule, RuleCatalog, RuleSpec, Tick, UnitExt};
use synfire_rules::metaplastic::chain::{ChainConstants, Modes};
use synfire_rules::{
    BennaFusi, Catalog, Context, Delays, Engine, HiddenWeights, Metaplastic, ProjectionInfo, Stdp, Synapses, SynapticIntelligence, ThirdFactors, instantiate,
    instantiate_with,
};

const DT: f64 = 1.0;
const END: u64 = 3000;

/// RK4 with `h` clock units of the chain's ODE, injections at their times.
fn fine_step(k: &ChainConstants, events: &[(f64, f64)], end: f64, h: f64) -> f64 {
    let m = k.len();
    let mut u = vec![0.0; m];
    let mut t = 0.0;
    let go = |u: &mut Vec<f64>, t: &mut f64, to: f64| {
        while *t < to - 1e-12 {
            let s = h.min(to - *t);
            let f = |x: &[f64]| {
                let mut o = vec![0.0; m];
                k.rhs(x, &mut o);
                o
            };
            let add = |x: &[f64], d: &[f64], c: f64| x.iter().zip(d).map(|(a, b)| a + c * b).collect::<Vec<_>>();
            let k1 = f(u);
            let k2 = f(&add(u, &k1, s / 2.0));
            let k3 = f(&add(u, &k2, s / 2.0));
            let k4 = f(&add(u, &k3, s));
            for i in 0..m {
                u[i] += s / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
            *t += s;
        }
    };
    for &(te, dw) in events {
        go(&mut u, &mut t, te);
        u[0] += dw;
    }
    go(&mut u, &mut t, end);
    u[0]
}

/// The modal propagation between events, as the wrapper does it (in f64).
fn lazy(k: &ChainConstants, events: &[(f64, f64)], end: f64) -> f64 {
    let modes = Modes::new(k);
    let mut u = vec![0.0; k.len()];
    let mut t = 0.0;
    for &(te, dw) in events {
        u = modes.propagate(&u, te - t, true);
        u[0] += dw;
        t = te;
    }
    modes.propagate(&u, end - t, true)[0]
}

#[test]
fn lazy_chain_equals_a_fine_step_integration() {
    let mut rng = Pcg32::new(7, 11);
    for (n, k) in [ChainConstants::geometric(6), ChainConstants::endpoints(6, 1.0, 1024.0), ChainConstants::geometric(3)].iter().enumerate() {
        for trial in 0..3 {
            let mut t = 0.0;
            let events: Vec<(f64, f64)> = (0..20)
                .map(|_| {
                    t += rng.random_range(0.5..40.0);
                    (t, rng.random_range(-1.0..1.0))
                })
                .collect();
            let end = t + 50.0;
            let (a, b) = (lazy(k, &events, end), fine_step(k, &events, end, 0.01));
            assert!((a - b).abs() <= 1e-6 * b.abs(), "chain {n}, trial {trial}: lazy {a} vs fine step {b}");
        }
    }
}

#[test]
fn discrete_modes_equal_the_step_by_step_update() {
    let k = ChainConstants::geometric(8);
    let modes = Modes::new(&k);
    let mut u = vec![0.0; 8];
    u[0] = 1.0;
    let mut stepped = u.clone();
    for _ in 0..500 {
        k.step(&mut stepped);
    }
    let lazy = modes.propagate(&u, 500.0, false);
    for (a, b) in lazy.iter().zip(&stepped) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

/// Spec 7.1's table: geometric constants, `Δ = 1`, `u_1(0) = 1`.
#[test]
fn pulse_reproduces_the_spec_table() {
    let ts = [10.0, 30.0, 100.0, 300.0, 1e3, 3e3, 1e4, 3e4, 1e5];
    let rows: [(usize, &[&str]); 3] = [
        (10, &["0.4029", "0.2419", "0.1329", "0.0772", "0.0425", "0.0246", "0.0134", "0.00773", "0.00423"]),
        (6, &["0.4029", "0.2419", "0.1329", "0.0772", "0.0425", "0.0245", "0.0130", "0.00438", "1.0e-4"]),
        (1, &["0.263", "0.0182", "2e-6", "0"]),
    ];
    for (m, want) in rows {
        let modes = Modes::new(&ChainConstants::geometric(m));
        let mut u = vec![0.0; m];
        u[0] = 1.0;
        for (t, w) in ts.iter().zip(want) {
            let got = modes.propagate(&u, *t, false)[0];
            // Half a unit of the table's last digit.
            let x: f64 = w.parse().unwrap();
            let tol = 0.5 * last_digit(w);
            assert!((got - x).abs() <= tol, "m = {m}, t = {t}: {got:.6e} vs table {w}");
        }
    }
}

/// The value of one unit in the last digit written (`"0.0245"`: 1e-4, `"1.0e-4"`: 1e-5).
fn last_digit(s: &str) -> f64 {
    let (mantissa, exp) = s.split_once('e').map_or((s, 0), |(m, e)| (m, e.parse::<i32>().unwrap()));
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len() as i32);
    10f64.powi(exp - decimals)
}

/// The defining property: `u_1 ~ t^(-1/2)` between 30 and the cut-off `~4^m`.
#[test]
fn pulse_decays_as_t_to_the_minus_one_half() {
    for (m, hi) in [(10usize, 1e5), (8, 1e4)] {
        let modes = Modes::new(&ChainConstants::geometric(m));
        let mut u = vec![0.0; m];
        u[0] = 1.0;
        let pts: Vec<(f64, f64)> = (0..=40)
            .map(|i| 30.0 * (hi / 30.0f64).powf(f64::from(i) / 40.0))
            .map(|t: f64| (t.round().ln(), modes.propagate(&u, t.round(), false)[0].ln()))
            .collect();
        let slope = fit_slope(&pts);
        assert!((slope + 0.5).abs() <= 0.03, "m = {m}: slope {slope}");
    }
    // m = 1 decays exponentially: its log-log slope steepens far beyond -1/2.
    let modes = Modes::new(&ChainConstants::geometric(1));
    let pts: Vec<(f64, f64)> = [30.0f64, 60.0, 90.0].iter().map(|&t| (t.ln(), modes.propagate(&[1.0], t, false)[0].ln())).collect();
    assert!(fit_slope(&pts) < -3.0);
}

/// Least-squares slope.
pub fn fit_slope(pts: &[(f64, f64)]) -> f64 {
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>()
}

fn pair_ref() -> reference::Pair {
    reference::Pair { tau_plus: 20.0, tau_minus: 20.0, a_plus: 0.005, a_minus: 0.00525, bounds: reference::B::hard(0.0, 1.0), nearest: false }
}

/// How a reference wrapper applies proposals.
trait RefWrap {
    fn event(&mut self, t: u64, delta: f64, w: f64) -> f64;
    fn clock(&mut self, _t: u64, _w: f64) {}
    fn end(&mut self, _t: u64, w: f64) -> f64 {
        w
    }
}

/// Every synapse on its own, pair STDP's proposals through `wrap`.
fn wrapped_reference<W: RefWrap>(net: &Net, trains: &Trains, clock: Option<u64>, end: u64, mut make: impl FnMut(f64) -> W) -> Vec<f64> {
    let p = pair_ref();
    net.syns
        .iter()
        .map(|s| {
            let d = u64::from(s.delay);
            let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
            let mut w = f64::from(s.w0);
            let mut wrap = make(w);
            for e in reference::events(s, trains, clock.map(|c| (c, end))) {
                match e {
                    Ev::Post(t) => w = wrap.event(t + d, p.a_plus * trace(pre, 0, t + d, p.tau_plus, false), w),
                    Ev::Pre(t) => w = wrap.event(t, -p.a_minus * trace(post, d, t, p.tau_minus, false), w),
                    Ev::Clock(t) => wrap.clock(t, w),
                }
            }
            wrap.end(end, w)
        })
        .collect()
}

/// The chain stepped one clock step at a time (the plain serial form of spec 7.1).
pub(super) struct ChainRef {
    pub(super) k: ChainConstants,
    pub(super) u: Vec<f64>,
    pub(super) last: u64,
    pub(super) period: u64,
}

impl ChainRef {
    pub(super) fn to(&mut self, t: u64) {
        for _ in 0..(t / self.period - self.last / self.period) {
            self.k.step(&mut self.u);
        }
        self.last = t;
    }
}

impl RefWrap for ChainRef {
    fn event(&mut self, t: u64, delta: f64, _w: f64) -> f64 {
        self.to(t);
        self.u[0] += delta;
        self.u[0].clamp(0.0, 1.0)
    }
    fn end(&mut self, t: u64, _w: f64) -> f64 {
        self.to(t);
        self.u[0].clamp(0.0, 1.0)
    }
}

fn close(got: &[f32], want: &[f64], tol: f64, what: &str) {
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((f64::from(*g) - w).abs() <= tol, "{what}: synapse {k}: {g} vs reference {w}");
    }
}

#[test]
fn benna_fusi_around_pair_stdp_matches_the_serial_reference() {
    for (n, &(d_lo, d_hi)) in DELAYS.iter().enumerate() {
        let net = random_net(8, 6, 0.5, d_lo, d_hi, (0.3, 0.7), 40 + n as u64);
        let trains = Trains::random(&net, 0.02, 0.03, END - 30, 41 + n as u64);
        for (m, period) in [(4usize, 2u64), (1, 1), (6, 1)] {
            let spec = Stdp::pair().benna_fusi(BennaFusi::geometric(m).clock((period as f64 * DT).ms())).to_spec();
            let out = run_all(&spec, DT.ms(), &net, &trains, END, Some("u_1"));
            let want = wrapped_reference(&net, &trains, None, END, |w0| {
                let mut u = vec![0.0; m];
                u[0] = w0;
                ChainRef { k: ChainConstants::geometric(m), u, last: 0, period }
            });
            close(&out.weights, &want, 2e-6, &format!("m = {m}, delays {d_lo}..={d_hi}"));
            // The probe `u_1` is the unclipped level; inside the bounds it is the weight.
            let u1 = out.state.unwrap();
            for (w, u) in out.weights.iter().zip(&u1) {
                assert!(*w == u.clamp(0.0, 1.0) || (w - u.clamp(0.0, 1.0)).abs() < 1e-7, "{w} vs u_1 {u}");
            }
            // The chain changes the outcome: without it the weights differ.
            let plain = run_all(&Stdp::pair().to_spec(), DT.ms(), &net, &trains, END, None);
            assert!(plain.weights.iter().zip(&out.weights).any(|(a, b)| (a - b).abs() > 1e-3));
        }
    }
}

#[test]
fn continuous_benna_fusi_matches_the_exact_propagation() {
    let net = random_net(6, 5, 0.6, 12, 12, (0.3, 0.7), 77);
    let trains = Trains::random(&net, 0.02, 0.03, END - 30, 78);
    let k = ChainConstants::endpoints(5, 4.0, 2000.0);
    let spec = Stdp::pair().benna_fusi(BennaFusi::endpoints(5, 4.0, 2000.0).clock(1.5.ms()).continuous()).to_spec();
    let out = run_all(&spec, DT.ms(), &net, &trains, END, None);
    struct Exact {
        modes: Modes,
        u: Vec<f64>,
        last: u64,
    }
    impl RefWrap for Exact {
        fn event(&mut self, t: u64, delta: f64, _w: f64) -> f64 {
            self.u = self.modes.propagate(&self.u, (t - self.last) as f64 / 1.5, true);
            self.last = t;
            self.u[0] += delta;
            self.u[0].clamp(0.0, 1.0)
        }
        fn end(&mut self, t: u64, w: f64) -> f64 {
            self.event(t, 0.0, w)
        }
    }
    let want = wrapped_reference(&net, &trains, None, END, |w0| {
        let mut u = vec![0.0; 5];
        u[0] = w0;
        Exact { modes: Modes::new(&k), u, last: 0 }
    });
    close(&out.weights, &want, 2e-6, "continuous chain");
}

struct HiddenRef {
    m: f64,
    h: f64,
    binary: bool,
}

impl RefWrap for HiddenRef {
    fn event(&mut self, _t: u64, delta: f64, _w: f64) -> f64 {
        let d = if delta.signum() != self.h.signum() && self.h != 0.0 { delta * (1.0 - (self.m * self.h.abs()).tanh().powi(2)) } else { delta };
        self.h += d;
        if self.binary { 0.5 * self.h.signum() } else { self.h.clamp(0.0, 1.0) }
    }
}

#[test]
fn hidden_weights_around_pair_stdp_match_the_serial_reference() {
    for (n, &(d_lo, d_hi)) in DELAYS.iter().enumerate() {
        // Weights near the bounds and around zero, so that attenuation and clipping act.
        let net = random_net(8, 6, 0.5, d_lo, d_hi, (-0.05, 0.05), 50 + n as u64);
        let trains = Trains::random(&net, 0.03, 0.03, END - 30, 51 + n as u64);
        for (m, binary) in [(0.0, false), (1.5, false), (20.0, false), (3.0, true)] {
            let hw = if binary { HiddenWeights::binary(m, 0.5) } else { HiddenWeights::analog(m) };
            let base = Stdp::pair().bounds(-1.0..=1.0);
            let spec = base.hidden_weights(hw).to_spec();
            let out = run_all(&spec, DT.ms(), &net, &trains, END, Some("w_h"));
            let p = pair_ref();
            // The base's amplitudes are fractions of its range (2 here).
            let want: Vec<f64> = net
                .syns
                .iter()
                .map(|s| {
                    let mut r = HiddenRef { m, h: f64::from(s.w0), binary };
                    let d = u64::from(s.delay);
                    let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
                    for e in reference::events(s, &trains, None) {
                        match e {
                            Ev::Post(t) => r.event(t + d, 2.0 * p.a_plus * trace(pre, 0, t + d, p.tau_plus, false), 0.0),
                            Ev::Pre(t) => r.event(t, -2.0 * p.a_minus * trace(post, d, t, p.tau_minus, false), 0.0),
                            Ev::Clock(_) => 0.0,
                        };
                    }
                    if binary { if r.h < 0.0 { -0.5 } else { 0.5 } } else { r.h.clamp(-1.0, 1.0) }
                })
                .collect();
            let _ = out.state;
            close(&out.weights, &want, 1e-6, &format!("m = {m}, binary {binary}, delays {d_lo}..={d_hi}"));
        }
    }
}

/// Online SI, task-free (`every`), as the spec writes it, per synapse.
struct SiRef {
    c: f64,
    xi: f64,
    omega: f64,
    big: f64,
    star: f64,
    start: f64,
}

impl RefWrap for SiRef {
    fn event(&mut self, _t: u64, delta: f64, w: f64) -> f64 {
        let gain = (2.0 * self.c * self.big).min(0.5);
        let next = (w + delta - gain * (w - self.star)).clamp(0.0, 1.0);
        self.omega += delta * (next - w);
        next
    }
    fn clock(&mut self, _t: u64, w: f64) {
        self.big += (self.omega / ((w - self.start).powi(2) + self.xi)).max(0.0);
        (self.star, self.start, self.omega) = (w, w, 0.0);
    }
}

#[test]
fn task_free_si_around_pair_stdp_matches_the_serial_reference() {
    for (n, &(d_lo, d_hi)) in DELAYS.iter().enumerate() {
        let net = random_net(8, 6, 0.5, d_lo, d_hi, (0.3, 0.7), 60 + n as u64);
        // Correlated trains (post after pre) so that weights move and omega grows.
        let trains = Trains::random(&net, 0.04, 0.04, END - 30, 61 + n as u64);
        for c in [0.0, 50.0, 5000.0] {
            let si = SynapticIntelligence::new(c).xi(1e-4).every(500.0.ms());
            let spec = Stdp::pair().synaptic_intelligence(si).to_spec();
            let out = run_all(&spec, DT.ms(), &net, &trains, END, Some("Omega"));
            let want = wrapped_reference(&net, &trains, Some(500), END, |w0| SiRef { c, xi: 1e-4, omega: 0.0, big: 0.0, star: w0, start: w0 });
            close(&out.weights, &want, 1e-6, &format!("c = {c}, delays {d_lo}..={d_hi}"));
            assert!(out.state.unwrap().iter().any(|&o| o > 0.0), "some importance accumulated");
        }
    }
}

/// SI's importance is the path integral of `-g dθ` over a known trajectory: gradient
/// descent on `L = (θ - 1)² / 2` from 0 with steps `δ = -eta g`, one synapse, one
/// post spike per step (pair STDP with only potentiation proposes `a_plus x_pre`).
#[test]
fn si_importance_is_the_path_integral() {
    // Direct check through the public rule: one synapse, pre then post spikes so that
    // each post event proposes a known `δ_n`; with `c = 0` the trajectory is the base's
    // and `omega = Σ (δ_n / eta) Δθ_n` over it, Omega = omega / (Δθ² + xi) at consolidate.
    let net = Net::new(1, 1, vec![crate::harness::Syn { src: 0, tgt: 0, delay: 10, w0: 0.2 }]);
    let trains = Trains { pre: vec![(0..10).map(|i| 100 + 200 * i).collect()], post: vec![(0..10).map(|i| 100 + 200 * i).collect()] };
    let eta = 0.004;
    let spec = Stdp::pair().a_minus(0.0).synaptic_intelligence(SynapticIntelligence::new(0.0).eta(eta).xi(0.01).every(2500.0.ms())).to_spec();
    let out = run_all(&spec, DT.ms(), &net, &trains, END, Some("Omega"));
    // Each post event: δ = a_plus x_pre with the pre spike 10 ms before (others far).
    let mut theta = 0.2f64;
    let mut omega = 0.0;
    for i in 0..10u64 {
        let t = 110 + 200 * i;
        let x: f64 = (0..=i).map(|j| 100 + 200 * j).map(|s| (-((t - s) as f64) / 20.0).exp()).sum();
        let delta = 0.005 * x;
        omega += (delta / eta) * delta;
        theta += delta;
    }
    let want_big = omega / ((theta - 0.2).powi(2) + 0.01);
    assert!((f64::from(out.weights[0]) - theta).abs() < 1e-6);
    let big = f64::from(out.state.unwrap()[0]);
    assert!((big - want_big).abs() < 1e-5 * want_big, "Omega {big} vs path integral {want_big}");
}

/// A scalar modulator `consolidate`: 1 during `[on, on + 5)`, else 0.
struct Pulse(u64);

impl ThirdFactors for Pulse {
    fn scalar(&self, m: usize, t: Tick) -> Option<f64> {
        (m == 0).then_some(if (self.0..self.0 + 5).contains(&t.0) { 1.0 } else { 0.0 })
    }
    fn per_neuron(&self, _: usize, _: u32, _: Tick) -> Option<f64> {
        None
    }
}

#[test]
fn si_consolidates_at_the_modulators_rising_edge_whatever_the_windows() {
    let net = random_net(6, 5, 0.6, 12, 12, (0.3, 0.7), 90);
    let trains = Trains::random(&net, 0.04, 0.04, END - 30, 91);
    let spec = Stdp::pair().synaptic_intelligence(SynapticIntelligence::new(50.0).xi(1e-4).consolidate_on("switch")).to_spec();
    assert_eq!(Catalog.check(&spec).as_deref(), Some(&[][..]));
    let third = Pulse(1333);
    let ctx = Context { third: &third, post: Default::default() };
    let mut results = Vec::new();
    for len in [1u64, 5, 12] {
        let mut rule = instantiate(&spec, &info(&net, DT.ms())).unwrap();
        assert_eq!(rule.inputs(), ["consolidate"]);
        let targets: Vec<u32> = net.syns.iter().map(|s| s.tgt as u32).collect();
        let delays: Vec<u32> = net.syns.iter().map(|s| s.delay).collect();
        let mut weights: Vec<f32> = net.syns.iter().map(|s| s.w0).collect();
        let mut syn = Synapses { offsets: &net.offsets, targets: &targets, delays: Delays::PerSynapse(&delays), weights: &mut weights };
        let mut pre: Vec<(u64, usize)> = trains.pre.iter().enumerate().flat_map(|(j, ts)| ts.iter().map(move |&t| (t, j))).collect();
        pre.sort_unstable();
        let mut post: Vec<(u64, usize)> = trains.post.iter().enumerate().flat_map(|(i, ts)| ts.iter().map(move |&t| (t, i))).collect();
        post.sort_unstable();
        let (mut ip, mut iq) = (0, 0);
        let mut w0 = 0;
        while w0 < END {
            while ip < pre.len() && pre[ip].0 < w0 {
                if net.offsets[pre[ip].1] < net.offsets[pre[ip].1 + 1] {
                    rule.on_pre(pre[ip].1 as u32, Tick(pre[ip].0), &mut syn, &ctx);
                }
                ip += 1;
            }
            rule.advance(Tick(w0), &mut syn, &ctx);
            while iq < post.len() && post[iq].0 < w0 + len {
                rule.on_post(post[iq].1 as u32, Tick(post[iq].0));
                iq += 1;
            }
            w0 += len;
        }
        rule.settle(Tick(END), &mut syn, &ctx);
        results.push((weights.clone(), rule.synapse_state("Omega").unwrap().to_vec()));
    }
    assert!(results.iter().all(|r| r == &results[0]), "window lengths change the result");
    // Omega after the one consolidation: from the reference run up to just after it.
    let big: Vec<f64> = {
        let p = pair_ref();
        net.syns
            .iter()
            .map(|s| {
                let d = u64::from(s.delay);
                let mut r = SiRef { c: 50.0, xi: 1e-4, omega: 0.0, big: 0.0, star: f64::from(s.w0), start: f64::from(s.w0) };
                let mut w = f64::from(s.w0);
                for e in reference::events(s, &trains, Some((1333, 1333))) {
                    match e {
                        Ev::Post(t) if t + d < 1333 => w = r.event(t, p.a_plus * trace(&trains.pre[s.src], 0, t + d, 20.0, false), w),
                        Ev::Pre(t) if t < 1333 => w = r.event(t, -p.a_minus * trace(&trains.post[s.tgt], d, t, 20.0, false), w),
                        Ev::Clock(t) => r.clock(t, w),
                        _ => {}
                    }
                }
                r.big
            })
            .collect()
    };
    for (k, (g, w)) in results[0].1.iter().zip(&big).enumerate() {
        assert!((f64::from(*g) - w).abs() <= 1e-4 * w.abs().max(1.0), "Omega after the consolidation, synapse {k}: {g} vs {w}");
    }
}

fn wrapped_specs() -> Vec<RuleSpec> {
    vec![
        Stdp::pair().benna_fusi(BennaFusi::geometric(6).clock(2.0.ms())).to_spec(),
        Stdp::pair().benna_fusi(BennaFusi::endpoints(4, 3.0, 500.0).continuous()).to_spec(),
        Stdp::triplet().benna_fusi(BennaFusi::geometric(3)).to_spec(),
        Stdp::pair().bounds(-1.0..=1.0).hidden_weights(HiddenWeights::binary(2.0, 0.5)).to_spec(),
        Stdp::pair().metaplastic(1.0).to_spec(),
        Stdp::pair().synaptic_intelligence(SynapticIntelligence::new(5.0).xi(1e-3).every(700.0.ms()).tau_omega(2.0.s())).to_spec(),
    ]
}

const SETUPS: [(Engine, u32, u32); 2] = [(Engine::Lazy, 10, 25), (Engine::Auto, 12, 12)];

#[test]
fn wrapped_rules_resume_and_shard_bit_for_bit() {
    const MID: u64 = 1500;
    for (n, spec) in wrapped_specs().into_iter().enumerate() {
        assert_eq!(Catalog.check(&spec).as_deref(), Some(&[][..]), "{spec:?}");
        for (s, &(engine, d_lo, d_hi)) in SETUPS.iter().enumerate() {
            let seed = 700 + 10 * n as u64 + s as u64;
            let net = random_net(7, 6, 0.6, d_lo, d_hi, (0.2, 0.8), seed);
            let trains = Trains::random(&net, 0.03, 0.04, END - 30, seed + 1);
            let global = info(&net, DT.ms());
            let build = |i: &ProjectionInfo| instantiate_with(&spec, i, engine).unwrap();
            let two = parts(&net, &trains, &[0, 3, 6]);
            let part_info = |p: &Part| ProjectionInfo { n_synapses: p.net.syns.len(), n_targets: p.net.n_targets, ..global };
            for calls in CALLS {
                let what = format!("{} around {:?} on {engine:?}, {calls:?}", spec.name, spec.base.as_ref().map(|b| &b.name));
                let mut a = Sim::new(build(&global), &net, &trains, calls);
                a.windows(0, MID);
                a.settle(MID);
                let table = a.table();
                let mut b = a.resume(build(&global), &table).unwrap();
                let mut fresh = a.fork(build(&global));
                let mut shards: Vec<Sim> = two.iter().map(|p| Sim::new(build(&part_info(p)), &p.net, &p.trains, calls)).collect();
                for sim in shards.iter_mut() {
                    sim.windows(0, MID);
                    sim.settle(MID);
                }
                let tables: Vec<_> = shards.iter().map(Sim::table).collect();
                assert_same_table(&merge(&two.iter().zip(&tables).collect::<Vec<_>>()), &table, &format!("{what}: two shards at the middle"));
                for sim in [&mut a, &mut b, &mut fresh].into_iter().chain(shards.iter_mut()) {
                    sim.windows(MID, END);
                    sim.settle(END);
                }
                assert_same_table(&a.table(), &b.table(), &format!("{what}: resumed"));
                assert_ne!(a.table().columns, fresh.table().columns, "{what}: a fresh rule runs like the restored one");
                let tables: Vec<_> = shards.iter().map(Sim::table).collect();
                assert_same_table(&merge(&two.iter().zip(&tables).collect::<Vec<_>>()), &a.table(), &format!("{what}: two shards at the end"));
            }
        }
    }
}

#[test]
fn wrappers_name_their_problems() {
    let bad = |spec: RuleSpec| Catalog.check(&spec).unwrap().into_iter().map(|p| p.param).collect::<Vec<_>>();
    assert_eq!(bad(Stdp::pair().benna_fusi(BennaFusi::geometric(0)).to_spec()), ["m"]);
    assert_eq!(bad(Stdp::pair().a_plus(f64::NAN).metaplastic(1.0).to_spec()), ["base.a_plus"]);
    assert_eq!(bad(Stdp::pair().multiplicative().benna_fusi(BennaFusi::geometric(3)).to_spec()), ["base.mu_plus"]);
    let mut no_base = Stdp::pair().metaplastic(1.0).to_spec();
    no_base.base = None;
    assert_eq!(bad(no_base), ["base"]);
    let mut stp_base = Stdp::pair().metaplastic(1.0).to_spec();
    stp_base.base = Some(Box::new(synfire_rules::Stp::tsodyks_markram().to_spec()));
    assert_eq!(bad(stp_base), ["base.name"]);
    // A chain too fast for its clock is a typed error at instantiation.
    let net = random_net(2, 2, 1.0, 3, 3, (0.2, 0.8), 1);
    let spec = Stdp::pair().benna_fusi(BennaFusi::endpoints(4, 0.4, 100.0)).to_spec();
    assert!(instantiate(&spec, &info(&net, DT.ms())).is_err());
}

#[test]
fn bytes_per_synapse_follow_spec_11() {
    let net = random_net(4, 4, 1.0, 3, 3, (0.2, 0.8), 2);
    let i = info(&net, DT.ms());
    let bytes = |s: RuleSpec| instantiate_with(&s, &i, Engine::Lazy).unwrap().bytes_per_synapse();
    assert_eq!(bytes(Stdp::pair().to_spec()), 0);
    assert_eq!(bytes(Stdp::pair().benna_fusi(BennaFusi::geometric(6)).to_spec()), 24);
    assert_eq!(bytes(Stdp::pair().metaplastic(1.0).to_spec()), 4);
    assert_eq!(bytes(Stdp::pair().synaptic_intelligence(SynapticIntelligence::new(0.1)).to_spec()), 16);
}

/// Post events of the chain and of hidden weights change only the wrapper's state
/// (`Update::POST_STORES`): what is transmitted, the row's weights right after the
/// source's `on_pre`, must still be the efficacy at that pre event, every post event
/// before it included. Checked against the serial references at every pre event, on
/// both engines.
#[test]
fn the_weights_transmitted_at_a_pre_event_are_the_wrappers_efficacy_then() {
    let p = pair_ref();
    for (n, &(engine, d_lo, d_hi)) in SETUPS.iter().enumerate() {
        let net = random_net(6, 5, 0.6, d_lo, d_hi, (0.3, 0.7), 910 + n as u64);
        let trains = Trains::random(&net, 0.03, 0.04, END - 30, 911 + n as u64);
        let chain = Stdp::pair().benna_fusi(BennaFusi::geometric(3)).to_spec();
        let hidden = Stdp::pair().hidden_weights(HiddenWeights::analog(1.5)).to_spec();
        for (spec, is_chain) in [(chain, true), (hidden, false)] {
            // Per synapse, the reference efficacy after each of its pre events, in order.
            let want: Vec<Vec<f64>> = net
                .syns
                .iter()
                .map(|s| {
                    let d = u64::from(s.delay);
                    let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
                    let mut chain = ChainRef { k: ChainConstants::geometric(3), u: vec![f64::from(s.w0), 0.0, 0.0], last: 0, period: 1 };
                    let mut hidden = HiddenRef { m: 1.5, h: f64::from(s.w0), binary: false };
                    let mut out = Vec::new();
                    for e in reference::events(s, &trains, None) {
                        let (t, delta, is_pre) = match e {
                            Ev::Post(t) => (t + d, p.a_plus * trace(pre, 0, t + d, p.tau_plus, false), false),
                            Ev::Pre(t) => (t, -p.a_minus * trace(post, d, t, p.tau_minus, false), true),
                            Ev::Clock(_) => continue,
                        };
                        let w = if is_chain { chain.event(t, delta, 0.0) } else { hidden.event(t, delta, 0.0) };
                        if is_pre {
                            out.push(w);
                        }
                    }
                    out
                })
                .collect();
            let mut rule = instantiate_with(&spec, &info(&net, DT.ms()), engine).unwrap();
            let targets: Vec<u32> = net.syns.iter().map(|s| s.tgt as u32).collect();
            let delays: Vec<u32> = net.syns.iter().map(|s| s.delay).collect();
            let mut weights: Vec<f32> = net.syns.iter().map(|s| s.w0).collect();
            let delays = if d_lo == d_hi { Delays::Const(d_lo) } else { Delays::PerSynapse(&delays) };
            let mut syn = Synapses { offsets: &net.offsets, targets: &targets, delays, weights: &mut weights };
            let ctx = Context::none();
            let mut pre: Vec<(u64, usize)> = trains.pre.iter().enumerate().flat_map(|(j, ts)| ts.iter().map(move |&t| (t, j))).collect();
            pre.sort_unstable();
            let mut post: Vec<(u64, usize)> = trains.post.iter().enumerate().flat_map(|(i, ts)| ts.iter().map(move |&t| (t, i))).collect();
            post.sort_unstable();
            let (mut ip, mut iq, mut w0) = (0, 0, 0);
            let mut seen = vec![0usize; net.syns.len()];
            let len = u64::from(d_lo);
            while w0 < END {
                while ip < pre.len() && pre[ip].0 < w0 {
                    let (t, j) = pre[ip];
                    ip += 1;
                    if net.offsets[j] == net.offsets[j + 1] {
                        continue;
                    }
                    rule.on_pre(j as u32, Tick(t), &mut syn, &ctx);
                    for k in net.offsets[j] as usize..net.offsets[j + 1] as usize {
                        let (got, w) = (f64::from(syn.weights[k]), want[k][seen[k]]);
                        assert!((got - w).abs() <= 2e-6, "{} on {engine:?}: synapse {k} at its pre spike at {t}: {got} vs reference {w}", spec.name);
                        seen[k] += 1;
                    }
                }
                rule.advance(Tick(w0), &mut syn, &ctx);
                while iq < post.len() && post[iq].0 < w0 + len {
                    rule.on_post(post[iq].1 as u32, Tick(post[iq].0));
                    iq += 1;
                }
                w0 += len;
            }
            assert!(seen.iter().sum::<usize>() > 50, "{}: enough pre events checked", spec.name);
        }
    }
}
