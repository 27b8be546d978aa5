//! Instantiating a projection's synapses from the graph and the seed.
//!
//! **Invariant:** the synapses of a projection depend only on the graph and its seed,
//! never on how targets are split among threads or shards. Every connector that is
//! naturally keyed by its target (all-to-all, one-to-one, probability, in-degree)
//! draws target `t`'s inputs from the stream `(seed, Connect, projection, t)`; the
//! connectors keyed by source (out-degree) or by the whole projection (total count)
//! generate everything and keep the requested targets.
//!
//! [`generate`] returns the incoming synapses of a set of targets ([`InEdges`], one
//! run of sources per target, in target order); [`Csr::from_in_edges`] turns any
//! number of such blocks into the compact by-source layout the engine delivers from.
//! Neither spawns threads: callers (the runtime) build blocks in parallel.

use crate::connector::Connector;
use crate::dist::{Dist, Value};
use crate::graph::{DelayTicks, Graph, Projection};
use crate::rng::{Domain, stream};
use crate::units::Time;
use rand::RngExt;
use rand_pcg::Pcg32;

/// Incoming synapses of an increasing list of targets of one projection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InEdges {
    /// The target indices (within the target population), increasing.
    pub targets: Vec<u32>,
    /// `starts[k]..starts[k + 1]` are the synapses of `targets[k]`.
    pub starts: Vec<usize>,
    /// Source index (within the source population) of each synapse.
    pub sources: Vec<u32>,
    /// Weight of each synapse in the target model's unit.
    pub weights: Vec<f32>,
    /// Delay of each synapse in ticks, when delays vary.
    pub delays: Option<Vec<u32>>,
}

impl InEdges {
    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.sources.len()
    }
    /// Whether there are no synapses.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

/// Synapses of one projection (or of the part of it a shard owns), by source:
/// row `s` is `offsets[s]..offsets[s + 1]` into the parallel arrays. Within a row,
/// synapses are in increasing target order (canonical synapse order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    /// Row starts, one per source plus the end.
    pub offsets: Vec<u64>,
    /// Target of each synapse, as an index the caller chose (a local neuron index).
    pub targets: Vec<u32>,
    /// Weight of each synapse.
    pub weights: Vec<f32>,
    /// Per-synapse delays in ticks, present only when they vary.
    pub delays: Option<Vec<u32>>,
}

impl Csr {
    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.targets.len()
    }
    /// Whether there are no synapses.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
    /// The synapse range of source `s`.
    pub fn row(&self, s: usize) -> std::ops::Range<usize> {
        self.offsets[s] as usize..self.offsets[s + 1] as usize
    }
    /// Bytes held by the arrays (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 8 + self.targets.capacity() * 4 + self.weights.capacity() * 4 + self.delays.as_ref().map_or(0, |d| d.capacity() * 4)
    }

    /// Transposes blocks of incoming synapses into rows by source. `local(t)` maps a
    /// target index to the index stored in `targets`. Blocks must cover increasing,
    /// disjoint target ranges so that rows come out in target order.
    pub fn from_in_edges(n_sources: usize, blocks: &[InEdges], local: impl Fn(u32) -> u32) -> Csr {
        let mut counts = vec![0u64; n_sources + 1];
        for b in blocks {
            for &s in &b.sources {
                counts[s as usize + 1] += 1;
            }
        }
        for i in 0..n_sources {
            counts[i + 1] += counts[i];
        }
        let total = counts[n_sources] as usize;
        let offsets = counts.clone();
        let mut fill = counts;
        let mut targets = vec![0u32; total];
        let mut weights = vec![0f32; total];
        let has_delays = blocks.iter().any(|b| b.delays.is_some());
        let mut delays = has_delays.then(|| vec![0u32; total]);
        for b in blocks {
            for (k, &t) in b.targets.iter().enumerate() {
                let lt = local(t);
                for j in b.starts[k]..b.starts[k + 1] {
                    let s = b.sources[j] as usize;
                    let pos = fill[s] as usize;
                    fill[s] += 1;
                    targets[pos] = lt;
                    weights[pos] = b.weights[j];
                    if let (Some(d), Some(bd)) = (delays.as_mut(), b.delays.as_ref()) {
                        d[pos] = bd[j];
                    }
                }
            }
        }
        Csr { offsets, targets, weights, delays }
    }
}

/// Draws weights and delays for synapses as they are generated.
struct Values<'a> {
    proj: &'a Projection,
    dt: Time,
    per_synapse_delay: bool,
}

impl Values<'_> {
    fn push(&self, out: &mut InEdges, rng: &mut Pcg32, source: u32, dense_index: usize) {
        let raw = self.proj.conn.weight.sample(rng, dense_index).unwrap_or(0.0);
        out.sources.push(source);
        out.weights.push((raw * self.proj.weight_scale) as f32);
        if self.per_synapse_delay {
            let d = self.proj.conn.delay.sample(rng, dense_index).unwrap_or(self.dt.0);
            let ticks = Time(d).to_ticks(self.dt).max(1) as u32;
            out.delays.get_or_insert_with(Vec::new).push(ticks);
        }
    }
}

fn value_at(v: &Value, i: usize) -> f64 {
    match &v.dist {
        Dist::Array(a) => a.get(i).copied().unwrap_or(0.0),
        Dist::Const(c) => *c,
        _ => 0.0,
    }
}

/// The incoming synapses of `targets` (indices within the target population,
/// increasing) of projection `proj` of `graph`.
pub fn generate(graph: &Graph, proj: usize, targets: &[u32]) -> InEdges {
    let p = &graph.projections[proj];
    let ns = graph.populations[p.source].size;
    let nt = graph.populations[p.target].size;
    let same = p.source == p.target;
    let conn = &p.conn;
    let vals = Values { proj: p, dt: graph.dt, per_synapse_delay: matches!(p.delay, DelayTicks::PerSynapse { .. }) };
    let seed = graph.seed;
    let mut out = InEdges { targets: targets.to_vec(), starts: Vec::with_capacity(targets.len() + 1), ..InEdges::default() };
    out.starts.push(0);
    let target_stream = |t: u32| stream(seed, Domain::Connect, proj as u64, u64::from(t));
    match &conn.connector {
        Connector::AllToAll => {
            for &t in targets {
                let mut rng = target_stream(t);
                for s in 0..ns as u32 {
                    if same && !conn.autapses && s == t {
                        continue;
                    }
                    let idx = s as usize * nt as usize + t as usize;
                    match &conn.weight.dist {
                        Dist::Array(_) => {
                            out.sources.push(s);
                            out.weights.push((value_at(&conn.weight, idx) * p.weight_scale) as f32);
                            if vals.per_synapse_delay {
                                let d = conn.delay.sample(&mut rng, idx).unwrap_or(graph.dt.0);
                                out.delays.get_or_insert_with(Vec::new).push(Time(d).to_ticks(graph.dt).max(1) as u32);
                            }
                        }
                        _ => vals.push(&mut out, &mut rng, s, idx),
                    }
                }
                out.starts.push(out.sources.len());
            }
        }
        Connector::OneToOne => {
            for &t in targets {
                let mut rng = target_stream(t);
                vals.push(&mut out, &mut rng, t, t as usize);
                out.starts.push(out.sources.len());
            }
        }
        Connector::Prob(prob) => {
            let prob = *prob;
            // Geometric skipping: the gap to the next connected source is
            // floor(ln U / ln(1 - p)), so the cost is proportional to the synapses made.
            let log_q = (1.0 - prob).ln();
            for &t in targets {
                let mut rng = target_stream(t);
                if prob > 0.0 {
                    let mut s: u64 = 0;
                    loop {
                        if prob < 1.0 {
                            let u: f64 = 1.0 - rng.random::<f64>();
                            let gap = (u.ln() / log_q).floor();
                            if !gap.is_finite() || gap >= (ns - s) as f64 {
                                break;
                            }
                            s += gap as u64;
                        }
                        if s >= ns {
                            break;
                        }
                        if !(same && !conn.autapses && s == u64::from(t)) {
                            vals.push(&mut out, &mut rng, s as u32, 0);
                        }
                        s += 1;
                    }
                }
                out.starts.push(out.sources.len());
            }
        }
        Connector::InDegree(k) => {
            let mut chosen: Vec<u32> = Vec::new();
            for &t in targets {
                let mut rng = target_stream(t);
                let exclude = (same && !conn.autapses).then_some(t);
                sample_sources(&mut rng, ns as u32, *k, conn.multapses, exclude, &mut chosen);
                for &s in &chosen {
                    vals.push(&mut out, &mut rng, s, 0);
                }
                out.starts.push(out.sources.len());
            }
        }
        Connector::OutDegree(_) | Connector::Total(_) | Connector::List { .. } => {
            // Keyed by source or by the whole projection: generate all pairs in
            // canonical order and keep the requested targets.
            let pairs = all_pairs(graph, proj);
            let mut by_target: Vec<Vec<usize>> = vec![Vec::new(); targets.len()];
            for (j, &(_, t)) in pairs.iter().enumerate() {
                if let Ok(k) = targets.binary_search(&t) {
                    by_target[k].push(j);
                }
            }
            for (k, &t) in targets.iter().enumerate() {
                let mut rng = target_stream(t);
                for &j in &by_target[k] {
                    let (s, _) = pairs[j];
                    if let Connector::List { weights, delays, .. } = &conn.connector {
                        let w = weights.as_ref().map_or_else(|| conn.weight.sample(&mut rng, j).unwrap_or(0.0), |w| w[j]);
                        out.sources.push(s);
                        out.weights.push((w * p.weight_scale) as f32);
                        if vals.per_synapse_delay {
                            let d = delays.as_ref().map_or_else(|| conn.delay.sample(&mut rng, j).unwrap_or(graph.dt.0), |d| d[j]);
                            out.delays.get_or_insert_with(Vec::new).push(Time(d).to_ticks(graph.dt).max(1) as u32);
                        }
                    } else {
                        vals.push(&mut out, &mut rng, s, j);
                    }
                }
                out.starts.push(out.sources.len());
            }
        }
    }
    out
}

/// Draws `k` sources out of `n` (distinct unless `multapses`), skipping `exclude`,
/// into `out` in increasing order.
fn sample_sources(rng: &mut Pcg32, n: u32, k: u32, multapses: bool, exclude: Option<u32>, out: &mut Vec<u32>) {
    out.clear();
    let avail = n - u32::from(exclude.is_some_and(|e| e < n));
    // Draw from 0..avail and shift past the excluded index, which keeps the draw uniform.
    let shift = |x: u32| match exclude {
        Some(e) if x >= e => x + 1,
        _ => x,
    };
    if multapses {
        out.extend((0..k).map(|_| shift(rng.random_range(0..avail))));
    } else if u64::from(k) * 2 <= u64::from(avail) {
        // Few of many: rejection against a sorted set.
        while out.len() < k as usize {
            let x = rng.random_range(0..avail);
            if let Err(pos) = out.binary_search(&x) {
                out.insert(pos, x);
            }
        }
        out.iter_mut().for_each(|x| *x = shift(*x));
    } else {
        // Many of few: a partial Fisher-Yates shuffle.
        let mut pool: Vec<u32> = (0..avail).collect();
        for i in 0..k as usize {
            let j = rng.random_range(i as u32..avail) as usize;
            pool.swap(i, j);
        }
        out.extend(pool[..k as usize].iter().map(|&x| shift(x)));
    }
    out.sort_unstable();
}

/// Every (source, target) pair of a source-keyed or list projection, in canonical order.
fn all_pairs(graph: &Graph, proj: usize) -> Vec<(u32, u32)> {
    let p = &graph.projections[proj];
    let ns = graph.populations[p.source].size as u32;
    let nt = graph.populations[p.target].size as u32;
    let same = p.source == p.target;
    let conn = &p.conn;
    match &conn.connector {
        Connector::OutDegree(k) => {
            let mut pairs = Vec::with_capacity(ns as usize * *k as usize);
            let mut chosen = Vec::new();
            for s in 0..ns {
                let mut rng = stream(graph.seed, Domain::Connect, proj as u64, u64::from(s));
                let exclude = (same && !conn.autapses).then_some(s);
                sample_sources(&mut rng, nt, *k, conn.multapses, exclude, &mut chosen);
                pairs.extend(chosen.iter().map(|&t| (s, t)));
            }
            pairs
        }
        Connector::Total(n) => {
            let mut rng = stream(graph.seed, Domain::Connect, proj as u64, u64::MAX);
            let mut set: std::collections::BTreeSet<(u32, u32)> = std::collections::BTreeSet::new();
            let mut pairs = Vec::with_capacity(*n as usize);
            while (pairs.len() as u64) < *n {
                let (s, t) = (rng.random_range(0..ns), rng.random_range(0..nt));
                if same && !conn.autapses && s == t {
                    continue;
                }
                if conn.multapses || set.insert((s, t)) {
                    pairs.push((s, t));
                }
            }
            pairs.sort_unstable();
            pairs
        }
        Connector::List { pairs, .. } => pairs.clone(),
        _ => Vec::new(),
    }
}

/// All synapses of projection `proj`, by source, with target indices within the
/// target population. Serial; the runtime builds the same thing in parallel.
pub fn instantiate(graph: &Graph, proj: usize) -> Csr {
    let p = &graph.projections[proj];
    let nt = graph.populations[p.target].size as u32;
    let ns = graph.populations[p.source].size as usize;
    let targets: Vec<u32> = (0..nt).collect();
    let edges = generate(graph, proj, &targets);
    Csr::from_in_edges(ns, &[edges], |t| t)
}
