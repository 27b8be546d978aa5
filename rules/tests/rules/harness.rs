//! A miniature engine that drives a rule the way the runtime does, with several
//! schedules, and the random spike trains the tests use.

use rand::RngExt;
use rand_pcg::Pcg32;
use synfire_graphs::{DelayTicks, RuleSpec, Tick, Time};
use synfire_rules::{Context, Delays, Engine, Plasticity, ProjectionInfo, Synapses, instantiate, instantiate_with};

/// One synapse as the tests describe it.
#[derive(Debug, Clone, Copy)]
pub struct Syn {
    pub src: usize,
    pub tgt: usize,
    pub delay: u32,
    pub w0: f32,
}

/// Synapses in CSR order (sorted by source, stable).
#[derive(Debug, Clone)]
pub struct Net {
    pub n_sources: usize,
    pub n_targets: usize,
    pub syns: Vec<Syn>,
    pub offsets: Vec<u64>,
}

impl Net {
    pub fn new(n_sources: usize, n_targets: usize, mut syns: Vec<Syn>) -> Net {
        syns.sort_by_key(|s| s.src);
        let mut offsets = vec![0u64; n_sources + 1];
        for s in &syns {
            offsets[s.src + 1] += 1;
        }
        for j in 0..n_sources {
            offsets[j + 1] += offsets[j];
        }
        Net { n_sources, n_targets, syns, offsets }
    }

    pub fn d_min(&self) -> u32 {
        self.syns.iter().map(|s| s.delay).min().unwrap_or(1)
    }

    fn delay_ticks(&self) -> DelayTicks {
        let min = self.d_min();
        let max = self.syns.iter().map(|s| s.delay).max().unwrap_or(1);
        if min == max { DelayTicks::Const(min) } else { DelayTicks::PerSynapse { min, max } }
    }
}

/// Spike ticks per source and per target.
#[derive(Debug, Clone)]
pub struct Trains {
    pub pre: Vec<Vec<u64>>,
    pub post: Vec<Vec<u64>>,
}

impl Trains {
    /// Bernoulli trains with a spike probability per tick, plus forced coincidences
    /// (a post spike at `t_pre + ... ` such that `t_post + d = t_pre` for some synapse).
    pub fn random(net: &Net, p_pre: f64, p_post: f64, ticks: u64, seed: u64) -> Trains {
        let mut rng = Pcg32::new(seed, 0xda3e_39cb_94b9_5bdb);
        let mut train = |p: f64| (0..ticks).filter(|_| rng.random::<f64>() < p).collect::<Vec<u64>>();
        let pre: Vec<Vec<u64>> = (0..net.n_sources).map(|_| train(p_pre)).collect();
        let mut post: Vec<Vec<u64>> = (0..net.n_targets).map(|_| train(p_post)).collect();
        // Coincident pairs in synaptic time: for the first synapse of each target, a post
        // spike exactly `d` ticks before some of its source's spikes.
        for s in &net.syns {
            for (n, &t) in pre[s.src].iter().enumerate() {
                if n % 4 == 1 && t >= u64::from(s.delay) {
                    post[s.tgt].push(t - u64::from(s.delay));
                }
            }
        }
        for p in &mut post {
            p.sort_unstable();
            p.dedup();
        }
        Trains { pre, post }
    }

    /// Poisson trains at rates in Hz on a clock of `dt` (exponential intervals, at most
    /// one spike per tick).
    pub fn poisson(n_pre: usize, rate_pre: f64, n_post: usize, rate_post: f64, dt: Time, ticks: u64, seed: u64) -> Trains {
        let mut rng = Pcg32::new(seed, 0x5851_f42d_4c95_7f2d);
        let mut train = |rate: f64| {
            let (mut t_ms, mut out) = (0.0f64, Vec::new());
            loop {
                t_ms -= (1.0 - rng.random::<f64>()).ln() / (rate * 1e-3);
                let tick = (t_ms / dt.0).floor() as u64;
                if tick >= ticks {
                    return out;
                }
                if out.last() != Some(&tick) {
                    out.push(tick);
                }
            }
        };
        Trains { pre: (0..n_pre).map(|_| train(rate_pre)).collect(), post: (0..n_post).map(|_| train(rate_post)).collect() }
    }
}

/// How the miniature engine calls the rule.
#[derive(Debug, Clone, Copy)]
pub enum Schedule {
    /// Windows of `len` ticks: at each window start, deliver the previous window's pre
    /// spikes, advance, then record this window's post spikes. With `settle_every`,
    /// also settle at every n-th window start.
    Windows { len: u64, settle_every: Option<u64> },
    /// Record every post spike first, then deliver every pre spike (advancing at each
    /// new tick): the earliest recording the contract allows.
    PostsFirst,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Final weights, in CSR order.
    pub weights: Vec<f32>,
    /// Efficacy returned for each pre spike, in delivery order `(t, source, efficacy)`.
    pub efficacy: Vec<(u64, usize, f32)>,
    /// Per-synapse state `name` after the final settle, if asked.
    pub state: Option<Vec<f32>>,
}

pub fn info(net: &Net, dt: Time) -> ProjectionInfo {
    ProjectionInfo {
        dt,
        n_synapses: net.syns.len(),
        n_sources: net.n_sources,
        n_targets: net.n_targets,
        delay: net.delay_ticks(),
        weight_scale: 1.0,
        negative: false,
        target: Default::default(),
    }
}

/// Runs `spec` over the trains and settles at `end` (a multiple of the window lengths used).
pub fn run(spec: &RuleSpec, dt: Time, net: &Net, trains: &Trains, end: u64, schedule: Schedule, state: Option<&str>) -> Outcome {
    run_on(Engine::Auto, spec, dt, net, trains, end, schedule, state)
}

/// [`run`] on a chosen engine.
#[allow(clippy::too_many_arguments)]
pub fn run_on(engine: Engine, spec: &RuleSpec, dt: Time, net: &Net, trains: &Trains, end: u64, schedule: Schedule, state: Option<&str>) -> Outcome {
    let mut rule = instantiate_with(spec, &info(net, dt), engine).unwrap();
    run_with(rule.as_mut(), net, trains, end, schedule, state)
}

pub fn run_with(rule: &mut dyn Plasticity, net: &Net, trains: &Trains, end: u64, schedule: Schedule, state: Option<&str>) -> Outcome {
    let targets: Vec<u32> = net.syns.iter().map(|s| s.tgt as u32).collect();
    let delays: Vec<u32> = net.syns.iter().map(|s| s.delay).collect();
    let mut weights: Vec<f32> = net.syns.iter().map(|s| s.w0).collect();
    let mut pre: Vec<(u64, usize)> = trains.pre.iter().enumerate().flat_map(|(j, ts)| ts.iter().map(move |&t| (t, j))).collect();
    pre.sort_unstable();
    let mut post: Vec<(u64, usize)> = trains.post.iter().enumerate().flat_map(|(i, ts)| ts.iter().map(move |&t| (t, i))).collect();
    post.sort_unstable();
    // The references apply every event; the rule applies those before `end`.
    let d_max = u64::from(net.syns.iter().map(|s| s.delay).max().unwrap_or(0));
    assert!(pre.iter().all(|&(t, _)| t < end) && post.iter().all(|&(t, _)| t + d_max < end), "every event must precede the end");
    let ctx = Context::none();
    let mut efficacy = Vec::new();
    {
        let mut syn = Synapses { offsets: &net.offsets, targets: &targets, delays: Delays::PerSynapse(&delays), weights: &mut weights };
        let mut deliver = |rule: &mut dyn Plasticity, syn: &mut Synapses<'_>, t: u64, j: usize| {
            if net.offsets[j] < net.offsets[j + 1] {
                efficacy.push((t, j, rule.on_pre(j as u32, Tick(t), syn, &ctx)));
            }
        };
        match schedule {
            Schedule::Windows { len, settle_every } => {
                assert!(len <= u64::from(net.d_min()) && end.is_multiple_of(len));
                let (mut ip, mut iq) = (0, 0);
                let mut w0 = 0;
                let mut n = 0u64;
                loop {
                    while ip < pre.len() && pre[ip].0 < w0 {
                        deliver(rule, &mut syn, pre[ip].0, pre[ip].1);
                        ip += 1;
                    }
                    if w0 == end {
                        break;
                    }
                    match settle_every {
                        Some(s) if n % s == s - 1 => rule.settle(Tick(w0), &mut syn, &ctx),
                        _ => rule.advance(Tick(w0), &mut syn, &ctx),
                    }
                    while iq < post.len() && post[iq].0 < w0 + len {
                        rule.on_post(post[iq].1 as u32, Tick(post[iq].0));
                        iq += 1;
                    }
                    w0 += len;
                    n += 1;
                }
            }
            Schedule::PostsFirst => {
                for &(t, i) in &post {
                    rule.on_post(i as u32, Tick(t));
                }
                let mut last = None;
                for &(t, j) in &pre {
                    if last != Some(t) {
                        rule.advance(Tick(t), &mut syn, &ctx);
                        last = Some(t);
                    }
                    deliver(rule, &mut syn, t, j);
                }
            }
        }
        rule.settle(Tick(end), &mut syn, &ctx);
    }
    Outcome { weights, efficacy, state: state.and_then(|n| rule.synapse_state(n)).map(<[f32]>::to_vec) }
}

/// Delay ranges of the random nets: per-synapse delays (the lazy engine) and one
/// delay for the projection (the eager engine).
pub const DELAYS: [(u32, u32); 2] = [(10, 25), (12, 12)];

/// The schedules every exactness test runs, for nets with a minimum delay of at least 10.
pub fn schedules() -> Vec<Schedule> {
    vec![
        Schedule::Windows { len: 1, settle_every: None },
        Schedule::Windows { len: 3, settle_every: None },
        Schedule::Windows { len: 10, settle_every: None },
        Schedule::Windows { len: 3, settle_every: Some(7) },
        Schedule::PostsFirst,
    ]
}

/// Runs every schedule, checks that they agree bit for bit, and returns the outcome.
pub fn run_all(spec: &RuleSpec, dt: Time, net: &Net, trains: &Trains, end: u64, state: Option<&str>) -> Outcome {
    let outs: Vec<Outcome> = schedules().into_iter().map(|s| run(spec, dt, net, trains, end, s, state)).collect();
    for (s, o) in schedules().iter().zip(&outs).skip(1) {
        assert_eq!(o.weights, outs[0].weights, "schedule {s:?} changed the weights");
        assert_eq!(o.state, outs[0].state, "schedule {s:?} changed the synapse state");
        assert_eq!(o.efficacy, outs[0].efficacy, "schedule {s:?} changed the efficacies");
    }
    outs.into_iter().next().unwrap()
}

/// A random net: `n_src` sources, `n_tgt` targets, each pair connected with
/// probability `p`, per-synapse delays in `d_lo..=d_hi`, weights uniform in `w`.
pub fn random_net(n_src: usize, n_tgt: usize, p: f64, d_lo: u32, d_hi: u32, w: (f32, f32), seed: u64) -> Net {
    let mut rng = Pcg32::new(seed, 0x1405_7b7e_f767_814f);
    let mut syns = Vec::new();
    for src in 0..n_src {
        for tgt in 0..n_tgt {
            if rng.random::<f64>() < p {
                syns.push(Syn { src, tgt, delay: rng.random_range(d_lo..=d_hi), w0: rng.random_range(w.0..w.1) });
            }
        }
    }
    Net::new(n_src, n_tgt, syns)
}

/// Asserts `|a - b| <= tol` elementwise.
pub fn assert_close(got: &[f32], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len());
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!((f64::from(g) - w).abs() <= tol, "{what}: synapse {k}: got {g}, reference {w}, difference {:e}", f64::from(g) - w);
    }
}

/// Runs `spec` on the same net with every weight negated and
/// `ProjectionInfo::negative` set, and returns the outcome with the weights negated back.
pub fn run_negated(spec: &RuleSpec, dt: Time, net: &Net, trains: &Trains, end: u64, schedule: Schedule, state: Option<&str>) -> Outcome {
    let mut neg = net.clone();
    for s in &mut neg.syns {
        s.w0 = -s.w0;
    }
    let mut rule = instantiate(spec, &ProjectionInfo { negative: true, ..info(net, dt) }).unwrap();
    let mut out = run_with(rule.as_mut(), &neg, trains, end, schedule, state);
    for w in &mut out.weights {
        *w = -*w;
    }
    out
}
