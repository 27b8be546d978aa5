//! SuperSpike in the engine against a plain serial f64 reference of the specs' 4.3
//! equations (which also integrates the `lif_cuba` neurons exactly): the gradient
//! accumulators `m` of both layers tick by tick and the weights after RMS-normalised
//! updates; and the same training bit for bit on any worker count and window, and
//! across a checkpoint. Behind each metaplastic wrapper (specs 7), the same
//! reference applies the wrapper's equations to each update's proposed change.

// The reference indexes its matrices like the equations do.
#![allow(clippy::needless_range_loop)]

mod support;

use synfire_graphs::PlasticityRule;
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, PopId, ProjId, SourceSpec, Time};
use synfire_rules::{BennaFusi, Metaplastic, SuperSpike, SuperSpikeFeedback, SynapticIntelligence};
use synfire_runtime::Runtime;

const N_IN: usize = 8;
const N_H: usize = 4;
const N_O: usize = 2;
/// Ticks of 0.1 ms.
const DT: f64 = 0.1;
const TAU_M: f64 = 10.0;
const TAU_S: f64 = 5.0;
const N_REF: u64 = 10;
/// `T_u` in ticks (2 ms).
const EVERY: u64 = 20;

struct Net {
    graph: Graph,
    /// The wrapper around both SuperSpike rules, if any.
    meta: Option<MetaRef>,
    /// Per layer, probes of the wrapper's state (names of [`MetaRef::columns`]).
    state: [Vec<Probe<probe_kind::Weights>>; 2],
    /// The hidden layer's feedback is `+-w_out^T` (`superspike_feedback`), else fixed random.
    symmetric: bool,
    hid: ProjId,
    out: ProjId,
    fb: [ProjId; 2],
    spikes: Probe<probe_kind::Spikes>,
    m: [Probe<probe_kind::Weights>; 2],
}

/// Input `i` fires every `3 + i` ms from `0.3 i` ms; the target raster of output `k`
/// has a spike every 4 ms from `1 + k` ms. Every delay (and the error's lag) is
/// `delay` ticks. The hidden error is fed back through fixed random weights, or with
/// `symmetric` through the output weights' transpose.
fn network(delay: u64, symmetric: bool) -> Net {
    network_with(delay, symmetric, None)
}

/// A metaplastic wrapper of both layers' rules in the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
enum MetaRef {
    /// Hidden weights, `m = 0.3` (per mV).
    Hidden,
    /// Benna–Fusi, 3 beakers, geometric, one step per `T_u`.
    Chain,
    /// Synaptic intelligence consolidating every 10 ms (`c = 0.5`, `xi = 1`, its
    /// `eta` SuperSpike's 0.5).
    Si,
}

impl MetaRef {
    fn wrap(self, rule: SuperSpike) -> synfire_graphs::RuleSpec {
        match self {
            MetaRef::Hidden => rule.metaplastic(0.3).to_spec(),
            MetaRef::Chain => rule.benna_fusi(BennaFusi::geometric(3).clock((EVERY as f64 * DT).ms())).to_spec(),
            MetaRef::Si => rule.synaptic_intelligence(SynapticIntelligence::new(0.5).xi(1.0).eta(0.5).every(10.0.ms())).to_spec(),
        }
    }
    fn columns(self) -> &'static [&'static str] {
        match self {
            MetaRef::Hidden => &["w_h"],
            MetaRef::Chain => &["u_1", "u_2", "u_3"],
            MetaRef::Si => &["omega", "Omega", "theta_star"],
        }
    }
}

fn network_with(delay: u64, symmetric: bool, meta: Option<MetaRef>) -> Net {
    let d = (delay as f64 * DT).ms();
    let mut net = Network::new().dt(DT.ms()).seed(5);
    let times = |n: usize, f: &dyn Fn(usize) -> (f64, f64)| -> Vec<Vec<Time>> {
        (0..n)
            .map(|i| {
                let (start, every) = f(i);
                (0..40).map(|k| Time(start + every * k as f64)).filter(|t| t.0 < 60.0).collect()
            })
            .collect()
    };
    let x = net.source("X", N_IN as u64, SourceSpec::SpikeTimes { times: times(N_IN, &|i| (0.3 * i as f64, 3.0 + i as f64)) });
    let tg = net.source("T", N_O as u64, SourceSpec::SpikeTimes { times: times(N_O, &|k| (1.0 + k as f64, 4.0)) });
    let lif = Lif::cuba()
        .tau_m(TAU_M.ms())
        .v_th((-50.0).mv())
        .v_reset((-60.0).mv())
        .e_l((-60.0).mv())
        .t_ref((N_REF as f64 * DT).ms())
        .tau_syn_e(TAU_S.ms())
        .tau_syn_i(TAU_S.ms());
    let h = net.population("H", N_H as u64, lif.clone());
    let o = net.population("O", N_O as u64, lif);
    net.learning_signal("EH", h);
    net.learning_signal("EO", o);
    let rule = |sig: &str| SuperSpike::new().eta(0.5).update_every(((EVERY as f64) * DT).ms()).clip(-20.0, 20.0).signal_delay(d).signal(sig);
    let spec = |r: SuperSpike| match meta {
        Some(m) => m.wrap(r),
        None => r.to_spec(),
    };
    let hid = net.connect(x, h, Conn::all_to_all().weight(uniform(2.0.mv(), 9.0.mv())).delay(d).plastic(spec(rule("EH"))));
    let out = net.connect(h, o, Conn::all_to_all().weight(uniform(4.0.mv(), 12.0.mv())).delay(d).named("out").plastic(spec(rule("EO"))));
    // The output error S* - S, and its random feedback onto the hidden layer.
    net.connect(tg, o, Conn::one_to_one().weight(1.0.one()).delay(d).into_signal("EO"));
    net.connect(o, o, Conn::one_to_one().weight((-1.0).one()).delay(d).into_signal("EO"));
    let feedback = |scale: f64| {
        let c = Conn::all_to_all().weight(uniform((-1.0).one(), 1.0.one())).delay(d).into_signal("EH");
        // The declared weights are replaced by the transpose when the runtime is built.
        if symmetric { c.plastic(SuperSpikeFeedback::of("out").scale(scale)) } else { c }
    };
    let fb_t = net.connect(tg, h, feedback(1.0));
    let fb_o = net.connect(o, h, feedback(-1.0));
    let spikes = net.record_spikes([x, tg, h, o]);
    let m = [hid, out].map(|p| net.record_synapse_state(p, "m", DT.ms(), None));
    let columns = meta.map_or(&[][..], MetaRef::columns);
    let state = [hid, out].map(|p| columns.iter().map(|c| net.record_synapse_state(p, c, DT.ms(), None)).collect());
    let graph = net.freeze_with(&synfire_rules::Catalog).expect("valid");
    Net { graph, meta, state, symmetric, hid, out, fb: [fb_t, fb_o], spikes, m }
}

type Matrix = Vec<Vec<f64>>;

/// The engine's weights of `p` as `[target][source]`.
fn dense(sim: &Runtime, p: ProjId, rows: usize, cols: usize) -> Matrix {
    let w = sim.projection_weights(p).expect("weights");
    let mut m = vec![vec![0.0; cols]; rows];
    for (&(s, t), &v) in w.synapses.iter().zip(w.last()) {
        m[t as usize][s as usize] = f64::from(v);
    }
    m
}

/// One plastic layer of the reference: weights, rule state and its targets' neurons.
struct Layer {
    w: Matrix,
    syn: Vec<f64>,
    psp: Vec<f64>,
    el: Matrix,
    el_flt: Matrix,
    m: Matrix,
    v: Matrix,
    err: Vec<f64>,
    err_flt: Vec<f64>,
    /// Neurons: `V - E_L`, `I_e`, the first tick each integrates again.
    u: Vec<f64>,
    ie: Vec<f64>,
    free_at: Vec<u64>,
    /// The weights of an update, until the tick it acts on.
    w_next: Option<Matrix>,
    /// With a wrapper: its state per synapse (`[W_h]`, `[u_1, u_2, u_3]`, or
    /// `[theta, omega, Omega, theta_star, theta_start]`) and an update's proposed
    /// changes until the tick it acts on.
    meta: Option<MetaRef>,
    ms: Vec<Vec<Vec<f64>>>,
    d_next: Option<Matrix>,
}

impl Layer {
    fn new(w: Matrix) -> Layer {
        let (n, k) = (w.len(), w[0].len());
        let z = || vec![vec![0.0; k]; n];
        Layer {
            syn: vec![0.0; k],
            psp: vec![0.0; k],
            el: z(),
            el_flt: z(),
            m: z(),
            v: z(),
            err: vec![0.0; n],
            err_flt: vec![0.0; n],
            u: vec![0.0; n],
            ie: vec![0.0; n],
            free_at: vec![0; n],
            w_next: None,
            meta: None,
            ms: Vec::new(),
            d_next: None,
            w,
        }
    }

    /// The layer behind wrapper `meta`, its state from the initial weights.
    fn wrapped(w: Matrix, meta: Option<MetaRef>) -> Layer {
        let mut l = Layer::new(w);
        l.ms =
            l.w.iter()
                .map(|r| {
                    r.iter()
                        .map(|&w| match meta {
                            Some(MetaRef::Hidden) => vec![w],
                            Some(MetaRef::Chain) => vec![w, 0.0, 0.0],
                            _ => vec![w, 0.0, 0.0, w, w],
                        })
                        .collect()
                })
                .collect();
        l.meta = meta;
        l
    }

    /// One tick of the neurons with the arrivals `x`: spikes, and `U - theta` (inf while refractory).
    fn neurons(&mut self, t: u64, x: &[f64]) -> (Vec<bool>, Vec<f64>) {
        let (h, th) = (DT, 10.0);
        let p22 = (-h / TAU_M).exp();
        let p21 = TAU_S / (TAU_M - TAU_S) * (p22 - (-h / TAU_S).exp());
        let p11 = (-h / TAU_S).exp();
        let mut spiked = vec![false; self.u.len()];
        let mut dist = vec![f64::INFINITY; self.u.len()];
        for i in 0..self.u.len() {
            let held = t < self.free_at[i];
            let input: f64 = (0..x.len()).map(|j| self.w[i][j] * x[j]).sum();
            let free = p22 * self.u[i] + p21 * self.ie[i];
            self.ie[i] = p11 * self.ie[i] + input;
            if held {
                self.u[i] = 0.0;
                continue;
            }
            self.u[i] = free;
            dist[i] = free - th;
            if free >= th {
                spiked[i] = true;
                self.u[i] = 0.0;
                self.free_at[i] = t + N_REF + 1;
            }
        }
        (spiked, dist)
    }

    /// The rule's tick `t` with arrivals `x`, `U - theta` and the error `e_raw` of `t`.
    fn rule(&mut self, x: &[f64], dist: &[f64], e_raw: &[f64]) {
        let (a_syn, k_mem, a_rise, k_dec) = ((-DT / 5.0).exp(), DT / 10.0, (-DT / 5.0).exp(), DT / 10.0);
        for j in 0..x.len() {
            self.syn[j] = a_syn * self.syn[j] + x[j];
            self.psp[j] += k_mem * (self.syn[j] - self.psp[j]);
        }
        for i in 0..self.u.len() {
            self.err[i] += e_raw[i];
            self.err_flt[i] += k_dec * (self.err[i] - self.err_flt[i]);
            self.err[i] *= a_rise;
            // sigma'(U) with beta = 1 / mV, 0 below -80 mV (theta = -50 mV).
            let sigma = if dist[i] < -30.0 { 0.0 } else { 1.0 / (1.0 + dist[i].abs()).powi(2) };
            for j in 0..x.len() {
                self.el[i][j] += sigma * self.psp[j];
                self.el_flt[i][j] += k_dec * (self.el[i][j] - self.el_flt[i][j]);
                self.el[i][j] *= a_rise;
                self.m[i][j] += self.err_flt[i] * self.el_flt[i][j];
            }
        }
    }

    /// The RMS-normalised update (eta 0.5, tau_rms 30 s, epsilon 1e-12, clip +-20);
    /// the weights change when [`Layer::act`] is called.
    fn update(&mut self) {
        let gamma = (-(EVERY as f64 * DT) / 30_000.0).exp();
        let mut w = self.w.clone();
        let mut delta = self.w.clone();
        for i in 0..self.w.len() {
            for j in 0..self.w[i].len() {
                let g = self.m[i][j] / EVERY as f64;
                self.m[i][j] = 0.0;
                self.v[i][j] = (gamma * self.v[i][j]).max(g * g);
                w[i][j] = (w[i][j] + 0.5 * g / (self.v[i][j].sqrt() + 1e-12)).clamp(-20.0, 20.0);
                delta[i][j] = 0.5 * g / (self.v[i][j].sqrt() + 1e-12);
            }
        }
        if self.meta.is_some() {
            self.d_next = Some(delta);
        } else {
            self.w_next = Some(w);
        }
    }

    /// Tick `t` after the neurons: the weights that spikes sent at `t` transmit. A
    /// wrapper's clock of the tick runs first, then an update acting at `t`.
    fn act(&mut self, t: u64) {
        if let Some(meta) = self.meta {
            return self.act_wrapped(meta, t);
        }
        if let Some(w) = self.w_next.take() {
            self.w = w;
        }
    }

    /// Spec 7.2 / 7.1 / 7.3 on each proposed change; the efficacy clipped to +-20.
    fn act_wrapped(&mut self, meta: MetaRef, t: u64) {
        let d = self.d_next.take();
        for i in 0..self.w.len() {
            for j in 0..self.w[i].len() {
                let s = &mut self.ms[i][j];
                let delta = d.as_ref().map(|d| d[i][j]);
                match meta {
                    MetaRef::Hidden => {
                        if let Some(mut delta) = delta {
                            if delta * s[0] < 0.0 {
                                delta *= 1.0 - (0.3 * s[0].abs()).tanh().powi(2);
                            }
                            s[0] += delta;
                        }
                        self.w[i][j] = s[0].clamp(-20.0, 20.0);
                    }
                    MetaRef::Chain => {
                        if t > 0 && t.is_multiple_of(EVERY) {
                            let (c, g) = ([1.0, 2.0, 4.0], [1.0 / 8.0, 1.0 / 16.0, 1.0 / 32.0]);
                            let u = s.clone();
                            for k in 0..3 {
                                let above = if k > 0 { g[k - 1] * (u[k - 1] - u[k]) } else { 0.0 };
                                let below = g[k] * (if k < 2 { u[k + 1] } else { 0.0 } - u[k]);
                                s[k] = u[k] + (above + below) / c[k];
                            }
                        }
                        if let Some(delta) = delta {
                            s[0] += delta;
                        }
                        self.w[i][j] = s[0].clamp(-20.0, 20.0);
                    }
                    MetaRef::Si => {
                        // Consolidation every 10 ms (100 ticks), before an update of the tick.
                        if t > 0 && t.is_multiple_of(100) {
                            let moved = s[0] - s[4];
                            s[2] += (s[1] / (moved * moved + 1.0)).max(0.0);
                            (s[3], s[4], s[1]) = (s[0], s[0], 0.0);
                        }
                        if let Some(delta) = delta {
                            let g = -delta / 0.5;
                            let gain = (2.0 * 0.5 * 0.5 * s[2]).min(0.5);
                            let total = delta - gain * (s[0] - s[3]);
                            // theta is the engine's f32 weight, clipped to the bounds.
                            let next = f64::from((s[0] + total).clamp(-20.0, 20.0) as f32);
                            s[1] += -g * (next - s[0]);
                            s[0] = next;
                        }
                        self.w[i][j] = s[0];
                    }
                }
            }
        }
    }

    /// The wrapper's probed columns, in [`MetaRef::columns`] order.
    fn columns(&self, meta: MetaRef) -> Vec<Matrix> {
        let pick = |c: usize| self.ms.iter().map(|r| r.iter().map(|s| s[c]).collect()).collect();
        match meta {
            MetaRef::Hidden => vec![pick(0)],
            MetaRef::Chain => vec![pick(0), pick(1), pick(2)],
            MetaRef::Si => vec![pick(1), pick(2), pick(3)],
        }
    }
}

/// The reference run: per tick the `m` of both layers (after the tick), and the spikes of H and O.
struct Run {
    m: Vec<[Matrix; 2]>,
    spikes: Vec<(u64, usize, usize)>,
    w: [Matrix; 2],
    /// With a wrapper, each layer's probed columns at the end.
    state: [Vec<Matrix>; 2],
}

/// The reference from the initial weights `w0`, with the engine's recorded source
/// spikes and feedback weights.
/// A tick's hidden arrivals and `U - theta`, output arrivals and `U - theta`.
type Pending = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn reference(sim: &Runtime, net: &Net, ticks: u64, w0: &[Matrix; 2]) -> Run {
    let mut hid = Layer::wrapped(w0[0].clone(), net.meta);
    let mut out = Layer::wrapped(w0[1].clone(), net.meta);
    let [mut b_t, mut b_o] = net.fb.map(|p| dense(sim, p, N_H, N_O));
    let rec = sim.spikes(net.spikes).expect("spikes");
    let emitted = |pop: u32, t: u64, n: usize| {
        let mut v = vec![0.0; n];
        for ((&s, &i), &p) in rec.ticks.iter().zip(&rec.index).zip(&rec.pops) {
            if p == pop && s == t {
                v[i as usize] = 1.0;
            }
        }
        v
    };
    let (mut h_prev, mut o_prev) = (vec![0.0; N_H], vec![0.0; N_O]);
    let mut run = Run { m: Vec::new(), spikes: Vec::new(), w: [Vec::new(), Vec::new()], state: [Vec::new(), Vec::new()] };
    // The rule ticks wait for their error (one tick of lag).
    let mut pending: Option<Pending> = None;
    for t in 0..ticks {
        // The update of tick n T_u (taken once that tick's last error arrived, at
        // n T_u + 1) acts on spikes sent from n T_u + 1 on, which arrive at n T_u + 2.
        let x = if t == 0 { vec![0.0; N_IN] } else { emitted(0, t - 1, N_IN) };
        let (h_sp, h_d) = hid.neurons(t, &x);
        let h_now: Vec<f64> = h_sp.iter().map(|&s| f64::from(u8::from(s))).collect();
        let (o_sp, o_d) = out.neurons(t, &h_prev);
        let o_now: Vec<f64> = o_sp.iter().map(|&s| f64::from(u8::from(s))).collect();
        if net.symmetric {
            // The feedback of events emitted at t - 1: the output weights that sent
            // spikes at t - 1 (before this tick's `act`), transposed.
            b_t = (0..N_H).map(|i| (0..N_O).map(|k| out.w[k][i]).collect()).collect();
            b_o = (0..N_H).map(|i| (0..N_O).map(|k| -out.w[k][i]).collect()).collect();
        }
        hid.act(t);
        out.act(t);
        for (i, _) in h_sp.iter().enumerate().filter(|p| *p.1) {
            run.spikes.push((t, 2, i));
        }
        for (i, _) in o_sp.iter().enumerate().filter(|p| *p.1) {
            run.spikes.push((t, 3, i));
        }
        // The error of tick t - 1 arrives now: finish that tick's rule step.
        if let Some((xh, dh, xo, d_o)) = pending.take() {
            let tg = emitted(1, t - 1, N_O);
            let e_o: Vec<f64> = (0..N_O).map(|k| tg[k] - o_prev[k]).collect();
            let e_h: Vec<f64> = (0..N_H).map(|i| (0..N_O).map(|k| b_t[i][k] * tg[k] + b_o[i][k] * o_prev[k]).sum()).collect();
            hid.rule(&xh, &dh, &e_h);
            out.rule(&xo, &d_o, &e_o);
            if t % EVERY == 0 {
                hid.update();
                out.update();
            }
        }
        run.m.push([hid.m.clone(), out.m.clone()]);
        pending = Some((x, h_d, h_prev.clone(), o_d));
        (h_prev, o_prev) = (h_now, o_now);
    }
    if let Some(meta) = net.meta {
        run.state = [hid.columns(meta), out.columns(meta)];
    }
    run.w = [hid.w, out.w];
    run
}

/// The engine's spikes of H and O as `(tick, pop, index)`.
fn engine_spikes(sim: &Runtime, net: &Net) -> Vec<(u64, usize, usize)> {
    let rec = sim.spikes(net.spikes).expect("spikes");
    let mut v: Vec<(u64, usize, usize)> =
        rec.ticks.iter().zip(&rec.pops).zip(&rec.index).filter(|((_, p), _)| **p >= 2).map(|((&t, &p), &i)| (t, p as usize, i as usize)).collect();
    v.sort_unstable();
    v
}

/// Probe sample `k` of `trace` as `[target][source]`.
fn sample(trace: &synfire_runtime::WeightTrace, k: usize, rows: usize, cols: usize) -> Matrix {
    let n = trace.synapses.len();
    let mut m = vec![vec![0.0; cols]; rows];
    for (c, &(s, t)) in trace.synapses.iter().enumerate() {
        m[t as usize][s as usize] = f64::from(trace.values[k * n + c]);
    }
    m
}

fn max_abs(m: &Matrix) -> f64 {
    m.iter().flatten().fold(0.0f64, |a, &b| a.max(b.abs()))
}

fn assert_close(what: &str, got: &Matrix, want: &Matrix, scale: f64) {
    for (r, (a, b)) in got.iter().zip(want).enumerate() {
        for (c, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-4 * scale, "{what}[{r}][{c}]: engine {x}, reference {y} (scale {scale})");
        }
    }
}

const TICKS: u64 = 300;

/// With random and with symmetric feedback (whose reference feeds the error back
/// through the output weights of the tick each event was emitted at).
#[test]
fn gradients_and_updates_equal_the_serial_reference_tick_by_tick() {
    for symmetric in [false, true] {
        check_against_reference(&network(1, symmetric));
    }
}

fn check_against_reference(net: &Net) {
    let mut sim = Runtime::builder().workers(2).build(&net.graph).expect("builds");
    sim.run_ticks(0).expect("runs");
    let w0 = [dense(&sim, net.hid, N_H, N_IN), dense(&sim, net.out, N_O, N_H)];
    sim.run_ticks(TICKS).expect("runs");
    let run = reference(&sim, net, TICKS, &w0);
    let got = engine_spikes(&sim, net);
    let mut want = run.spikes.clone();
    want.sort_unstable();
    let n_h = want.iter().filter(|s| s.1 == 2).count();
    let n_o = want.iter().filter(|s| s.1 == 3).count();
    assert!(n_h >= 10 && n_o >= 3, "both layers fire ({n_h} hidden, {n_o} output spikes)");
    assert_eq!(got, want, "the reference neurons fire like the engine's");
    let dims = [(N_H, N_IN), (N_O, N_H)];
    for (layer, probe) in net.m.iter().enumerate() {
        let trace = sim.weights(*probe).expect("m");
        let (rows, cols) = dims[layer];
        let scale = run.m.iter().map(|m| max_abs(&m[layer])).fold(1e-6, f64::max);
        assert!(scale > 1e-3, "layer {layer}: the gradient is not trivially zero ({scale})");
        for (k, &tick) in trace.ticks.iter().enumerate().filter(|(_, t)| **t >= 1) {
            // The sample at tick s holds the ticks whose error arrived by s - 1.
            let want = &run.m[tick as usize - 1][layer];
            assert_close(&format!("symmetric {} layer {layer} m at tick {tick}", net.symmetric), &sample(&trace, k, rows, cols), want, max_abs(want).max(1e-3));
        }
    }
    for (layer, p) in [net.hid, net.out].into_iter().enumerate() {
        let (rows, cols) = dims[layer];
        let got = dense(&sim, p, rows, cols);
        let moved = got.iter().flatten().zip(w0[layer].iter().flatten()).filter(|(a, b)| a != b).count();
        assert!(moved > rows * cols / 2, "layer {layer}: the updates moved {moved} weights");
        assert_close(&format!("symmetric {} layer {layer} weights", net.symmetric), &got, &run.w[layer], max_abs(&run.w[layer]));
    }
}

/// SuperSpike behind each wrapper (random feedback): the same spikes as the
/// reference, and after 14 updates the weights and the wrapper's state of both
/// layers equal the reference's, whose updates go through the wrapper's equations
/// (hidden weights, the chain stepping every `T_u`, consolidations every 10 ms).
/// Bit-identical on 1 and 3 workers and across a checkpoint between an update's tick
/// and the tick it acts on.
#[test]
fn wrapped_superspike_equals_the_reference_with_the_wrappers_equations() {
    for meta in [MetaRef::Hidden, MetaRef::Chain, MetaRef::Si] {
        let net = network_with(1, false, Some(meta));
        let mut sim = Runtime::builder().workers(2).build(&net.graph).expect("builds");
        sim.run_ticks(0).expect("runs");
        let w0 = [dense(&sim, net.hid, N_H, N_IN), dense(&sim, net.out, N_O, N_H)];
        // One tick short of a multiple of T_u: the weights read at the end (as of
        // tick 299) are those the reference's last tick sets, with no chain step or
        // consolidation at the reading tick itself.
        sim.run_ticks(TICKS - 1).expect("runs");
        let run = reference(&sim, &net, TICKS - 1, &w0);
        let mut want = run.spikes.clone();
        want.sort_unstable();
        assert_eq!(engine_spikes(&sim, &net), want, "{meta:?}: the reference neurons fire like the engine's");
        let dims = [(N_H, N_IN), (N_O, N_H)];
        for (layer, p) in [net.hid, net.out].into_iter().enumerate() {
            let (rows, cols) = dims[layer];
            let got = dense(&sim, p, rows, cols);
            let moved = got.iter().flatten().zip(w0[layer].iter().flatten()).filter(|(a, b)| (*a - *b).abs() > 1e-3).count();
            assert!(moved > rows * cols / 2, "{meta:?} layer {layer}: the updates moved {moved} weights");
            let close = |what: &str, got: &Matrix, want: &Matrix, tol: f64| {
                for (r, (a, b)) in got.iter().zip(want).enumerate() {
                    for (c, (x, y)) in a.iter().zip(b).enumerate() {
                        assert!((x - y).abs() <= tol * y.abs().max(1.0), "{meta:?} layer {layer} {what}[{r}][{c}]: engine {x}, reference {y}");
                    }
                }
            };
            close("weights", &got, &run.w[layer], 1e-5);
            for (c, probe) in net.state[layer].iter().enumerate() {
                let trace = sim.weights(*probe).expect("state");
                let k = trace.ticks.len() - 1;
                let got = sample(&trace, k, rows, cols);
                let name = meta.columns()[c];
                // SI's path integral weighs steps between f32 weights (see
                // tests/eprop_metaplastic.rs): 1e-4.
                close(name, &got, &run.state[layer][c], if name.eq_ignore_ascii_case("omega") { 1e-4 } else { 1e-5 });
            }
        }
        if meta == MetaRef::Si {
            assert!(run.state[0][1].iter().flatten().any(|&o| o > 1e-3), "consolidations gave importances");
        }
        let want = trained(&net, 1, None, TICKS);
        assert!(trained(&net, 3, Some(1), TICKS) == want, "{meta:?}: 1 and 3 workers");
        let mut a = support::runtime(&net.graph, 3, None);
        a.run_ticks(81).expect("runs");
        let mut b = support::round_trip(&net.graph, &mut a, 2);
        b.run_ticks(TICKS - 81).expect("runs");
        assert!(all_bits(&b, &net) == want, "{meta:?}: weights differ after a resume at tick 81");
    }
}

/// The weights of both layers and of both feedback projections after `ticks`, as bits.
fn trained(net: &Net, workers: usize, window: Option<u64>, ticks: u64) -> Vec<Vec<u32>> {
    let mut sim = support::runtime(&net.graph, workers, window);
    sim.run_ticks(ticks).expect("runs");
    all_bits(&sim, net)
}

fn all_bits(sim: &Runtime, net: &Net) -> Vec<Vec<u32>> {
    [net.hid, net.out, net.fb[0], net.fb[1]].iter().map(|&p| support::weight_bits(sim, p)).collect()
}

/// Training with updates every 2 ms and delays of 3 ticks, with random and with
/// symmetric feedback: bit-identical for 1 to 4 workers and windows of 1 to 3 ticks,
/// and across a checkpoint taken between an update's tick and the tick it acts on,
/// and one mid-interval.
#[test]
fn training_is_bit_identical_for_any_workers_window_and_checkpoint() {
    for symmetric in [false, true] {
        let net = network(3, symmetric);
        let want = trained(&net, 1, None, TICKS);
        let mut start = support::runtime(&net.graph, 1, None);
        start.run_ticks(0).expect("runs");
        let w0 = support::weight_bits(&start, net.hid);
        let moved = want[0].iter().zip(&w0).filter(|(a, b)| a != b).count();
        assert!(moved >= 8, "training moved {moved} of {} hidden weights", w0.len());
        for (workers, window) in [(2, None), (3, Some(1)), (4, Some(2)), (2, Some(1)), (1, Some(1))] {
            assert!(trained(&net, workers, window, TICKS) == want, "symmetric {symmetric}: {workers} workers, window {window:?}");
        }
        // Tick 80 is an update's tick; it acts from 83 on.
        for at in [81, 93] {
            let mut a = support::runtime(&net.graph, 3, None);
            a.run_ticks(at).expect("runs");
            let mut b = support::round_trip(&net.graph, &mut a, 2);
            drop(a);
            b.run_ticks(TICKS - at).expect("runs");
            assert!(all_bits(&b, &net) == want, "symmetric {symmetric}: weights differ after a resume at tick {at}");
        }
    }
}

/// Whether feedback projection `fb` holds `scale` times the transpose of the output
/// weights, bit for bit (both all to all: `fb` in `(k, i)` order, `out` in `(i, k)`).
fn is_transpose(sim: &Runtime, net: &Net, fb: usize, scale: f32) -> bool {
    let (b, w) = (support::weight_bits(sim, net.fb[fb]), support::weight_bits(sim, net.out));
    assert_eq!((b.len(), w.len()), (N_O * N_H, N_H * N_O));
    (0..N_O).all(|k| (0..N_H).all(|i| b[k * N_H + i] == (scale * f32::from_bits(w[i * N_O + k])).to_bits()))
}

/// `superspike_feedback`: both feedback projections equal `+-w_out^T` bit for bit from
/// the build on, right after an update acts (tick 83) and after training, on 1 and 3
/// workers, and after a resume on another worker count from a checkpoint taken
/// between an update's tick and the tick it acts on.
#[test]
fn symmetric_feedback_equals_the_output_weights_transpose_bit_for_bit() {
    let net = network(3, true);
    let mut finals = Vec::new();
    for workers in [1, 3] {
        let mut sim = support::runtime(&net.graph, workers, None);
        let w_start = support::weight_bits(&sim, net.out);
        for until in [0, 83, 84, 150, TICKS] {
            sim.run_ticks(until - sim.tick()).expect("runs");
            assert!(is_transpose(&sim, &net, 0, 1.0) && is_transpose(&sim, &net, 1, -1.0), "{workers} workers, tick {until}: B is not +-W^T");
        }
        let moved = support::weight_bits(&sim, net.out).iter().zip(&w_start).filter(|(a, b)| a != b).count();
        assert!(moved >= N_O * N_H / 2, "training moved {moved} output weights, so the copies were tested");
        finals.push(all_bits(&sim, &net));
    }
    assert!(finals[0] == finals[1], "1 and 3 workers agree");
    let mut a = support::runtime(&net.graph, 3, None);
    a.run_ticks(81).expect("runs");
    let mut b = support::round_trip(&net.graph, &mut a, 2);
    drop(a);
    b.run_ticks(TICKS - 81).expect("runs");
    assert!(is_transpose(&b, &net, 0, 1.0) && is_transpose(&b, &net, 1, -1.0), "after a resume: B is not +-W^T");
    assert!(all_bits(&b, &net) == finals[0], "the resumed run is the run that never stopped");
}

/// A reproducible uniform number in `[0, 1)` (splitmix64 of `k`).
fn unit(k: u64) -> f64 {
    let mut z = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// How the hidden layer receives the output error in the behaviour task.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Feedback {
    /// `b = w_out^T` (`superspike_feedback`: `+w^T` from the targets, `-w^T` from the outputs).
    Symmetric,
    /// Fixed random `b ~ U(-1, 1)`.
    Random,
}

/// The 4.3 behaviour task: `n_in` frozen Poisson inputs at `rate_hz` looped every
/// `loop_ms`, `n_h` hidden and `n_out` output `lif_cuba` neurons (the paper's: 10 ms,
/// 5 ms, -60/-50 mV, 5 ms refractory), a target raster of `spikes` precisely timed
/// spikes per output and loop; output error `S* - S`, the hidden error fed back.
/// Weights in mV start `N(w_mean, (w0 / sqrt(n_pre))^2)`; the rule's `eta`, `T_u` and clip
/// are in mV (the paper's 5e-4 V, 0.5 s, +-0.1 V are 0.5 mV, 500 ms, +-100 mV).
#[derive(Debug, Clone, Copy)]
struct Task {
    n_in: usize,
    n_h: usize,
    n_out: usize,
    loop_ms: f64,
    rate_hz: f64,
    spikes: usize,
    loops: usize,
    eta: f64,
    update_ms: f64,
    clip: f64,
    w0: f64,
    /// The initial weights' mean (mV).
    w_mean: f64,
    feedback: Feedback,
    hidden_learns: bool,
    seed: u64,
}

impl Task {
    /// The specs' task at the paper's defaults (200 s of training), with 64 hidden
    /// neurons instead of the paper's 256 (a quarter of the cost; `SS_NH=256`).
    fn spec(seed: u64) -> Task {
        Task {
            n_in: 200,
            n_h: 64,
            n_out: 2,
            loop_ms: 1000.0,
            rate_hz: 5.0,
            spikes: 3,
            loops: 200,
            eta: 0.5,
            update_ms: 500.0,
            clip: 100.0,
            w0: 50.0,
            w_mean: 0.0,
            feedback: Feedback::Symmetric,
            hidden_learns: true,
            seed,
        }
    }

    /// `Task::spec` overridden by `SS_*` environment variables (for experiments).
    fn from_env(seed: u64) -> Task {
        let num = |k: &str, d: f64| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok()).unwrap_or(d);
        let t = Task::spec(seed);
        Task {
            n_in: num("SS_NIN", t.n_in as f64) as usize,
            n_h: num("SS_NH", t.n_h as f64) as usize,
            n_out: num("SS_NOUT", t.n_out as f64) as usize,
            loop_ms: num("SS_LOOP", t.loop_ms),
            rate_hz: num("SS_RATE", t.rate_hz),
            spikes: num("SS_SPIKES", t.spikes as f64) as usize,
            loops: num("SS_LOOPS", t.loops as f64) as usize,
            eta: num("SS_ETA", t.eta),
            update_ms: num("SS_UPDATE", t.update_ms),
            clip: num("SS_CLIP", t.clip),
            w0: num("SS_W0", t.w0),
            w_mean: num("SS_WMEAN", t.w_mean),
            feedback: if std::env::var("SS_RANDOM").is_ok() { Feedback::Random } else { Feedback::Symmetric },
            ..t
        }
    }
}

/// Trains `task` and returns the squared alpha-filtered output error summed over each loop.
fn behaviour(task: &Task) -> Vec<f64> {
    let Task { n_in, n_h, n_out, loop_ms, loops, .. } = *task;
    let mut net = Network::new().dt(DT.ms()).seed(task.seed);
    let key = task.seed << 40;
    let pattern: Vec<Vec<f64>> = (0..n_in)
        .map(|i| {
            let mut t = 0.0;
            let mut v = Vec::new();
            for k in 0.. {
                // Exponential intervals of mean 1 / rate, on the tick grid.
                t += -1000.0 / task.rate_hz * (1.0 - unit(key + (i * 100_000 + k) as u64)).ln();
                if t >= loop_ms {
                    break;
                }
                v.push((t / DT).floor() * DT);
            }
            v
        })
        .collect();
    let looped = |p: &[f64]| -> Vec<Time> { (0..loops).flat_map(|l| p.iter().map(move |&t| Time(t + l as f64 * loop_ms))).collect() };
    let x = net.source("X", n_in as u64, SourceSpec::SpikeTimes { times: pattern.iter().map(|p| looped(p)).collect() });
    // Target spikes spread over the loop, at least 10 ms from its ends and each other.
    let raster: Vec<Vec<f64>> = (0..n_out)
        .map(|k| {
            let slot = (loop_ms - 20.0) / task.spikes as f64;
            (0..task.spikes).map(|s| ((10.0 + slot * (s as f64 + 0.2 + 0.6 * unit(key + 9_000_000 + (k * 100 + s) as u64))) / DT).floor() * DT).collect()
        })
        .collect();
    let tg = net.source("T", n_out as u64, SourceSpec::SpikeTimes { times: raster.iter().map(|p| looped(p)).collect() });
    let lif = Lif::cuba().tau_m(10.0.ms()).v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l((-60.0).mv()).t_ref(5.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(5.0.ms());
    let h = net.population("H", n_h as u64, lif.clone());
    let o = net.population("O", n_out as u64, lif);
    net.learning_signal("EH", h);
    net.learning_signal("EO", o);
    let d = 0.8.ms();
    let rule = |sig: &str, eta: f64| SuperSpike::new().eta(eta).update_every(task.update_ms.ms()).clip(-task.clip, task.clip).signal_delay(d).signal(sig);
    let sd = |n: usize| (task.w0 / (n as f64).sqrt()).mv();
    // A frozen hidden layer is a static projection with the same weights (the
    // `--fixedhidden` of the paper's code: no plasticity work at all).
    let input = Conn::all_to_all().weight(normal(task.w_mean.mv(), sd(n_in))).receptor(Receptor::Exc).delay(d);
    net.connect(x, h, if task.hidden_learns { input.plastic(rule("EH", task.eta)) } else { input });
    net.connect(h, o, Conn::all_to_all().weight(normal(task.w_mean.mv(), sd(n_h))).receptor(Receptor::Exc).delay(d).named("out").plastic(rule("EO", task.eta)));
    net.connect(tg, o, Conn::one_to_one().weight(1.0.one()).delay(d).into_signal("EO"));
    net.connect(o, o, Conn::one_to_one().weight((-1.0).one()).delay(d).into_signal("EO"));
    match task.feedback {
        Feedback::Symmetric => {
            let fb = |scale: f64| Conn::all_to_all().weight(0.0.one()).delay(d).into_signal("EH").plastic(SuperSpikeFeedback::of("out").scale(scale));
            net.connect(tg, h, fb(1.0));
            net.connect(o, h, fb(-1.0));
        }
        Feedback::Random => {
            let b: Vec<(u32, u32, f64)> =
                (0..n_out).flat_map(|k| (0..n_h).map(move |i| (k as u32, i as u32, 2.0 * unit(key + 7_000_000 + (k * n_h + i) as u64) - 1.0))).collect();
            net.connect(tg, h, Conn::weighted_list(b.iter().map(|&(k, i, w)| (k, i, w.one()))).delay(d).into_signal("EH"));
            net.connect(o, h, Conn::weighted_list(b.iter().map(|&(k, i, w)| (k, i, (-w).one()))).delay(d).into_signal("EH"));
        }
    }
    let spikes = net.record_spikes([tg, o]);
    let graph = net.freeze_with(&synfire_rules::Catalog).expect("valid");
    let mut sim = Runtime::builder().workers(2).build(&graph).expect("builds");
    let loop_ticks = (loop_ms / DT).round() as u64;
    sim.run_ticks(loop_ticks * loops as u64).expect("runs");
    let rec = sim.spikes(spikes).expect("spikes");
    if std::env::var("SS_VERBOSE").is_ok() {
        let last = (loop_ticks * (loops as u64 - 1), loop_ticks * loops as u64);
        let count = |pop: PopId| rec.ticks.iter().zip(&rec.pops).filter(|(t, p)| **p == pop.index() as u32 && (last.0..last.1).contains(*t)).count();
        eprintln!("last loop: {} target, {} output spikes", count(tg), count(o));
    }
    let ticks = loop_ticks as usize * loops;
    let mut err = vec![vec![0.0f64; ticks]; n_out];
    // `pops` index the graph's populations (X, T, H, O): +1 for a target spike, -1 for an output spike.
    let target = tg.index() as u32;
    for ((&t, &p), &i) in rec.ticks.iter().zip(&rec.pops).zip(&rec.index) {
        err[i as usize][t as usize] += if p == target { 1.0 } else { -1.0 };
    }
    let (a_rise, k_dec) = ((-DT / 5.0).exp(), DT / 10.0);
    let mut loss = vec![0.0; loops];
    for e in &err {
        let (mut s1, mut s2) = (0.0, 0.0);
        for (t, &x) in e.iter().enumerate() {
            s1 += x;
            s2 += k_dec * (s1 - s2);
            s1 *= a_rise;
            loss[t / loop_ticks as usize] += s2 * s2;
        }
    }
    loss
}

/// Mean of the first and the last `k` loops.
fn ends(loss: &[f64], k: usize) -> (f64, f64) {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    (mean(&loss[..k]), mean(&loss[loss.len() - k..]))
}

/// A few seconds in debug: 100 inputs at 10 Hz, 16 hidden, 2 outputs, 200 ms loops,
/// updates every 20 ms, symmetric feedback.
fn short_task() -> Task {
    Task {
        n_in: 100,
        n_h: 16,
        n_out: 2,
        loop_ms: 200.0,
        rate_hz: 10.0,
        spikes: 2,
        loops: 30,
        eta: 0.05,
        update_ms: 20.0,
        clip: 20.0,
        w0: 12.0,
        w_mean: 2.0,
        feedback: Feedback::Symmetric,
        hidden_learns: true,
        seed: 3,
    }
}

#[test]
fn behaviour_short() {
    let loss = behaviour(&short_task());
    let (first, last) = ends(&loss, 5);
    assert!(last < 0.8 * first, "the filtered error falls ({first} -> {last})");
}

/// The 4.3 claim on the specs' task (200 inputs at 5 Hz, 1 s loop, 200 s of training
/// at the paper's defaults, symmetric feedback), over two seeds: the error falls and
/// hidden learning beats a frozen hidden layer. Measured (64 hidden, 2 outputs of 3
/// target spikes; mean of the first and last 10 loops): seed 1 57.7 -> 0.22, seed 2
/// 44.6 -> 0.00 (every target spike matched); frozen hidden 51.2 -> 52.2 and 46.1
/// (the hidden layer barely fires at `N(0, (50 mV / sqrt 200)^2)`, so the output
/// cannot learn on its own). The assertions ask a factor 10 where the specs ask 2,
/// and a frozen layer left at least twice as far. `SS_*` variables change the task
/// (`SS_SEEDS=1,2,3`, `SS_NH`, `SS_ETA`, `SS_RANDOM`, `SS_VERBOSE`, ...).
#[test]
#[ignore = "long: run in release with --ignored"]
fn behaviour_error_falls_and_hidden_learning_helps() {
    let seeds: Vec<u64> = std::env::var("SS_SEEDS").ok().map(|v| v.split(',').filter_map(|s| s.parse().ok()).collect()).unwrap_or(vec![1, 2]);
    for seed in seeds {
        let task = Task::from_env(seed);
        let learn = behaviour(&task);
        let frozen = behaviour(&Task { hidden_learns: false, ..task });
        let k = (task.loops / 20).max(1);
        let (first, last) = ends(&learn, k);
        let (first_frozen, last_frozen) = ends(&frozen, k);
        let curve: Vec<String> = learn.iter().step_by((task.loops / 10).max(1)).map(|v| format!("{v:.1}")).collect();
        eprintln!(
            "seed {seed} {task:?}: hidden learning {first:.2} -> {last:.2} ({:.2}x); frozen hidden {first_frozen:.2} -> {last_frozen:.2} ({:.2}x); curve {}",
            first / last,
            first_frozen / last_frozen,
            curve.join(" ")
        );
        assert!(last < 0.1 * first, "seed {seed}: the filtered error falls tenfold ({first} -> {last})");
        assert!(last < 0.5 * last_frozen, "seed {seed}: hidden learning ({last}) beats a frozen hidden layer ({last_frozen})");
    }
}

/// A scenario file with symmetric feedback: the hidden X -> H and output H -> O
/// layers learn with SuperSpike, the error comes back to H through
/// `superspike_feedback` of `out` (`+w^T` from the targets, `-w^T` from the outputs).
/// `fb_rule` is the rule of the feedback projection from the outputs.
fn scenario(fb_rule: &str) -> String {
    format!(
        r#"
[run]
duration = "10 ms"
dt = "0.1 ms"
seed = 1

[[source]]
name = "X"
size = 4
kind = "poisson"
rate = "300 Hz"

[[source]]
name = "T"
size = 2
kind = "poisson"
rate = "20 Hz"

[[population]]
name = "H"
size = 3
model = "lif_cuba"

[[population]]
name = "O"
size = 2
model = "lif_cuba"

[[modulator]]
name = "EH"
population = "H"

[[modulator]]
name = "EO"
population = "O"

[[projection]]
name = "hid"
source = "X"
target = "H"
all_to_all = true
weight = "15 mV"
delay = "0.3 ms"
rule = {{ name = "superspike", eta = 0.5, update_every = "1 ms", w_min = -20.0, w_max = 20.0, signal_delay = "0.3 ms", inputs = {{ signal = "EH" }} }}

[[projection]]
name = "out"
source = "H"
target = "O"
all_to_all = true
weight = {{ uniform = ["5 mV", "15 mV"] }}
delay = "0.3 ms"
rule = {{ name = "superspike", eta = 0.5, update_every = "1 ms", w_min = -20.0, w_max = 20.0, signal_delay = "0.3 ms", inputs = {{ signal = "EO" }} }}

[[projection]]
source = "T"
target = "O"
one_to_one = true
weight = 1.0
delay = "0.3 ms"
signal = "EO"

[[projection]]
source = "O"
target = "O"
one_to_one = true
weight = -1.0
delay = "0.3 ms"
signal = "EO"

[[projection]]
name = "fb_t"
source = "T"
target = "H"
all_to_all = true
weight = 0.0
delay = "0.3 ms"
signal = "EH"
rule = {{ name = "superspike_feedback", inputs = {{ forward = "out" }} }}

[[projection]]
name = "fb_o"
source = "O"
target = "H"
all_to_all = true
weight = 0.0
delay = "0.3 ms"
signal = "EH"
rule = {fb_rule}
"#
    )
}

/// Freezes `text` and returns the problems as `path: message` lines (empty if valid).
fn scenario_problems(text: &str) -> Vec<String> {
    let parsed = synfire_graphs::scenario::Scenario::parse(text);
    match parsed.and_then(|s| s.freeze_with(&synfire_rules::Catalog)) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems().iter().map(|p| format!("{}: {}", p.path, p.message)).collect(),
    }
}

/// The scenario file expresses symmetric feedback: it freezes, is written back and
/// read again as the same graph, and runs with `B = -W^T`; the DSL's
/// `SuperSpikeFeedback` writes the same rule spec the file holds (`to_spec` /
/// `from_spec` round trip).
#[test]
fn symmetric_feedback_in_a_scenario_file_and_the_dsl() {
    let text = scenario(r#"{ name = "superspike_feedback", scale = -1.0, inputs = { forward = "out" } }"#);
    let s = synfire_graphs::scenario::Scenario::parse(&text).expect("reads");
    let graph = s.freeze_with(&synfire_rules::Catalog).expect("freezes");
    let again = synfire_graphs::scenario::to_toml(&graph, &s.run);
    let back = synfire_graphs::scenario::Scenario::parse(&again).expect("reads back").freeze_with(&synfire_rules::Catalog).expect("freezes back");
    assert!(back == graph, "written and read back, the graph is the same");
    let fb_o = graph.projections.iter().find(|p| p.name == "fb_o").expect("fb_o");
    let spec = fb_o.conn.rule.clone().expect("a rule");
    let dsl = SuperSpikeFeedback::of("out").scale(-1.0);
    assert_eq!(synfire_graphs::RuleSpec::from(dsl.clone()), spec, "the DSL writes what the file holds");
    assert_eq!(SuperSpikeFeedback::from_spec(&spec).expect("reads"), dsl);
    let mut sim = Runtime::builder().workers(2).build(&graph).expect("builds");
    let w_start = sim.projection_weights(graph.proj("out").expect("out")).expect("weights").last().to_vec();
    sim.run_ticks(300).expect("runs");
    let weights = |name: &str| {
        let w = sim.projection_weights(graph.proj(name).expect("projection")).expect("weights");
        w.synapses.iter().copied().zip(w.last().iter().copied()).collect::<std::collections::BTreeMap<_, _>>()
    };
    let (w, b) = (weights("out"), weights("fb_o"));
    assert!(w.values().zip(&w_start).any(|(a, b)| a != b), "the output weights learned: {w:?}");
    for (&(i, k), &x) in &w {
        assert_eq!(b[&(k, i)].to_bits(), (-x).to_bits(), "b[{k}][{i}] is -w[{i}][{k}]");
    }
}

/// Misuse of `superspike_feedback` in a file (and so in the DSL, which freezes the
/// same way) is a typed problem that names the field and the value.
#[test]
fn misused_symmetric_feedback_is_refused_at_freeze() {
    let fb = |rule: &str| scenario(rule);
    for (rule, path, says) in [
        (r#"{ name = "superspike_feedback", inputs = { forward = "nope" } }"#, "inputs.forward", "no projection is called `nope`"),
        (r#"{ name = "superspike_feedback", inputs = { forward = "hid" } }"#, "inputs.forward", "is not the transpose of `hid`"),
        (r#"{ name = "superspike_feedback", inputs = { forward = "fb_t" } }"#, "inputs.forward", "is itself a mirror"),
        (r#"{ name = "superspike_feedback" }"#, "inputs.forward", "needs its input `forward`"),
        (r#"{ name = "superspike_feedback", scale = "1 mV", inputs = { forward = "out" } }"#, "scale", "1 mV"),
        (r#"{ name = "superspike_feedback", scale = inf, inputs = { forward = "out" } }"#, "scale", "inf"),
        (r#"{ name = "superspike_feedback", inputs = { forward = "out", signal = "EH" } }"#, "inputs.signal", "no input `signal`"),
    ] {
        let problems = fb(rule);
        let found = scenario_problems(&problems);
        assert!(found.iter().any(|p| p.contains(path) && p.contains(says)), "{rule}: expected a problem at `{path}` saying `{says}`, got {found:?}");
    }
    // A mirror of a projection that is not all to all, or does not learn on a schedule.
    let sparse = scenario(r#"{ name = "superspike_feedback", scale = -1.0, inputs = { forward = "out" } }"#).replacen(
        "name = \"out\"\nsource = \"H\"\ntarget = \"O\"\nall_to_all = true",
        "name = \"out\"\nsource = \"H\"\ntarget = \"O\"\np = 0.5",
        1,
    );
    assert!(scenario_problems(&sparse).iter().any(|p| p.contains("must connect all to all")), "{:?}", scenario_problems(&sparse));
    let static_out = scenario(r#"{ name = "superspike_feedback", inputs = { forward = "T->O" } }"#);
    assert!(scenario_problems(&static_out).iter().any(|p| p.contains("`T->O` has no plasticity rule")), "{:?}", scenario_problems(&static_out));
    // The DSL: a mirror outside a signal.
    let mut net = Network::new().dt(DT.ms());
    let a = net.population("A", 2, Lif::cuba());
    let b = net.population("B", 3, Lif::cuba());
    net.learning_signal("E", b);
    let rule = SuperSpike::new().eta(0.5).clip(-20.0, 20.0).signal_delay(0.2.ms()).signal("E");
    net.connect(a, b, Conn::all_to_all().weight(1.0.mv()).receptor(Receptor::Exc).delay(0.2.ms()).named("ab").plastic(rule));
    net.connect(b, a, Conn::all_to_all().weight(1.0.mv()).delay(0.2.ms()).plastic(SuperSpikeFeedback::of("ab")));
    let e = net.freeze_with(&synfire_rules::Catalog).expect_err("refused");
    assert!(e.problems().iter().any(|p| p.path == "projections[1].rule" && p.message.contains("into_signal")), "{e:?}");
}
