//! Instantiating a projection's synapses from the graph and the seed.
//!
//! **Invariant:** the synapses of a projection depend only on the graph and its seed,
//! never on how targets are split among threads or shards. Every connector that is
//! naturally keyed by its target (all-to-all, one-to-one, probability, in-degree)
//! draws target `t`'s inputs from the stream `(seed, Connect, projection, t)`; the
//! connectors keyed by source (out-degree, from the stream `(seed, Connect,
//! projection, 2^32 + s)`) or by the whole projection (total count, sub-id `u64::MAX`)
//! generate everything and keep the requested targets; their weights and delays are
//! still drawn from the target's stream.
//!
//! [`generate`] returns the incoming synapses of a set of targets ([`InEdges`], one
//! run of sources per target, in target order); [`Csr::from_in_edges`] turns any
//! number of such blocks into the compact by-source layout the engine delivers from.
//! Neither spawns threads: callers (the runtime) build blocks in parallel.

use crate::connector::Connector;
use crate::graph::{DelayTicks, Graph, Projection};
use crate::rng::{Domain, stream};
use crate::units::Time;
use rand::RngExt;
use rand_pcg::Pcg32;

mod csr;

pub use csr::{BUCKET_BYTES, Csr, RowsMut};

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
    /// Adds the number of synapses from each source to `counts[source]`.
    pub fn count_by_source(&self, counts: &mut [u64]) {
        for &s in &self.sources {
            counts[s as usize] += 1;
        }
    }
    /// Bytes held by the arrays (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        self.targets.capacity() * 4
            + self.starts.capacity() * std::mem::size_of::<usize>()
            + self.sources.capacity() * 4
            + self.weights.capacity() * 4
            + self.delays.as_ref().map_or(0, |d| d.capacity() * 4)
    }
}

/// Draws weights and delays for synapses as they are generated.
struct Values<'a> {
    proj: &'a Projection,
    dt: Time,
    /// The weight as stored, when it is the same for every synapse.
    const_weight: Option<f32>,
    per_synapse_delay: bool,
}

impl<'a> Values<'a> {
    fn new(proj: &'a Projection, dt: Time) -> Self {
        let const_weight = proj.conn.weight.as_const().map(|w| (w * proj.weight_scale) as f32);
        Values { proj, dt, const_weight, per_synapse_delay: matches!(proj.delay, DelayTicks::PerSynapse { .. }) }
    }

    /// Appends a synapse from `source`; `index` picks the element of an array value.
    /// The weight is drawn before the delay, both from the target's stream.
    fn push(&self, out: &mut InEdges, rng: &mut Pcg32, source: u32, index: usize) {
        let w = match self.const_weight {
            Some(w) => w,
            None => (self.proj.conn.weight.sample(rng, index).unwrap_or(0.0) * self.proj.weight_scale) as f32,
        };
        self.push_with(out, rng, source, w, None, index);
    }

    /// Appends a synapse with a given weight (and possibly a given delay in ms).
    fn push_with(&self, out: &mut InEdges, rng: &mut Pcg32, source: u32, weight: f32, delay_ms: Option<f64>, index: usize) {
        out.sources.push(source);
        out.weights.push(weight);
        if let Some(delays) = out.delays.as_mut() {
            let d = delay_ms.unwrap_or_else(|| self.proj.conn.delay.sample(rng, index).unwrap_or(self.dt.0));
            delays.push(Time(d).to_ticks(self.dt).clamp(1, u64::from(u32::MAX)) as u32);
        }
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
    let vals = Values::new(p, graph.dt);
    let seed = graph.seed;
    let target_stream = |t: u32| stream(seed, Domain::Connect, proj as u64, u64::from(t));
    // Reserve what the targets will receive so that the arrays never double: the
    // expected count, plus six standard deviations for the random connectors.
    let expected = crate::validate::expected_synapses(conn, ns, nt, same) / nt.max(1) as f64 * targets.len() as f64;
    let reserve = match conn.connector {
        Connector::Prob(_) => expected + 6.0 * expected.sqrt() + 16.0,
        Connector::AllToAll | Connector::OneToOne | Connector::InDegree(_) => expected,
        _ => 0.0,
    } as usize;
    let mut out = InEdges {
        targets: targets.to_vec(),
        starts: Vec::with_capacity(targets.len() + 1),
        sources: Vec::with_capacity(reserve),
        weights: Vec::with_capacity(reserve),
        delays: vals.per_synapse_delay.then(|| Vec::with_capacity(reserve)),
    };
    out.starts.push(0);
    match &conn.connector {
        Connector::AllToAll => {
            for &t in targets {
                let mut rng = target_stream(t);
                for s in 0..ns as u32 {
                    if !(same && !conn.autapses && s == t) {
                        // Arrays are row-major source x target.
                        vals.push(&mut out, &mut rng, s, s as usize * nt as usize + t as usize);
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
            let mut sampler = Sampler::default();
            for &t in targets {
                let mut rng = target_stream(t);
                let exclude = (same && !conn.autapses).then_some(t);
                sampler.draw(&mut rng, ns as u32, *k, conn.multapses, exclude);
                match (vals.const_weight, &out.delays) {
                    // The common static case: no number to draw per synapse.
                    (Some(w), None) => {
                        out.sources.extend_from_slice(&sampler.chosen);
                        out.weights.extend(std::iter::repeat_n(w, sampler.chosen.len()));
                    }
                    _ => {
                        for &s in &sampler.chosen {
                            vals.push(&mut out, &mut rng, s, 0);
                        }
                    }
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
            let n: usize = by_target.iter().map(Vec::len).sum();
            out.sources.reserve_exact(n);
            out.weights.reserve_exact(n);
            if let Some(d) = out.delays.as_mut() {
                d.reserve_exact(n);
            }
            let (list_w, list_d) = match &conn.connector {
                Connector::List { weights, delays, .. } => (weights.as_deref(), delays.as_deref()),
                _ => (None, None),
            };
            for (k, &t) in targets.iter().enumerate() {
                let mut rng = target_stream(t);
                for &j in &by_target[k] {
                    let (s, _) = pairs[j];
                    match list_w {
                        Some(w) => {
                            let weight = (w.get(j).copied().unwrap_or(0.0) * p.weight_scale) as f32;
                            vals.push_with(&mut out, &mut rng, s, weight, list_d.and_then(|d| d.get(j).copied()), j)
                        }
                        None if list_d.is_some() => {
                            let weight = (conn.weight.sample(&mut rng, j).unwrap_or(0.0) * p.weight_scale) as f32;
                            vals.push_with(&mut out, &mut rng, s, weight, list_d.and_then(|d| d.get(j).copied()), j)
                        }
                        None => vals.push(&mut out, &mut rng, s, j),
                    }
                }
                out.starts.push(out.sources.len());
            }
        }
    }
    out
}

/// Marks a free slot of [`Sampler`]'s table (never drawn: draws are below `u32::MAX`).
const EMPTY: u32 = u32::MAX;

/// Draws `k` distinct (unless multapses) indices out of `n`, reusing its buffers
/// from one target to the next.
#[derive(Debug, Default)]
struct Sampler {
    /// The indices drawn, increasing.
    chosen: Vec<u32>,
    /// The candidates of a shuffle, or the table of indices already drawn.
    pool: Vec<u32>,
}

impl Sampler {
    /// Draws `k` indices out of `0..n` skipping `exclude`, into `self.chosen` in
    /// increasing order. Validation guarantees `k <= n - 1` without multapses and
    /// at least one candidate with them.
    fn draw(&mut self, rng: &mut Pcg32, n: u32, k: u32, multapses: bool, exclude: Option<u32>) {
        let out = &mut self.chosen;
        out.clear();
        let avail = n - u32::from(exclude.is_some_and(|e| e < n));
        if k == 0 || avail == 0 {
            return;
        }
        let k = k.min(if multapses { u32::MAX } else { avail });
        // Draw from 0..avail and shift past the excluded index, which keeps the draw uniform.
        let shift = |x: u32| match exclude {
            Some(e) if x >= e => x + 1,
            _ => x,
        };
        if multapses {
            out.extend((0..k).map(|_| shift(rng.random_range(0..avail))));
            out.sort_unstable();
        } else if u64::from(k) * 2 <= u64::from(avail) {
            // Few of many: draw, reject repeats, sort. The expected number of
            // rejections is below k (at most half the candidates are taken). Repeats
            // are found in a small open-addressing table at most half full, cleared
            // for every target; a sorted vector would cost an unpredictable binary
            // search and a shift per draw.
            let bits = (2 * u64::from(k)).next_power_of_two().max(16).trailing_zeros();
            let mask = (1usize << bits) - 1;
            let table = &mut self.pool;
            table.clear();
            table.resize(1 << bits, EMPTY);
            while out.len() < k as usize {
                // `x < avail <= u32::MAX`, so it is never the EMPTY marker.
                let x = rng.random_range(0..avail);
                let mut h = (x.wrapping_mul(0x9e37_79b9) >> (32 - bits)) as usize;
                loop {
                    if table[h] == EMPTY {
                        table[h] = x;
                        out.push(x);
                        break;
                    }
                    if table[h] == x {
                        break;
                    }
                    h = (h + 1) & mask;
                }
            }
            out.sort_unstable();
            out.iter_mut().for_each(|x| *x = shift(*x));
        } else {
            // Many of few: a partial Fisher-Yates shuffle.
            let pool = &mut self.pool;
            pool.clear();
            pool.extend(0..avail);
            for i in 0..k as usize {
                let j = rng.random_range(i as u32..avail) as usize;
                pool.swap(i, j);
            }
            out.extend(pool[..k as usize].iter().map(|&x| shift(x)));
            out.sort_unstable();
        }
    }
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
            let mut sampler = Sampler::default();
            for s in 0..ns {
                // Sub-ids above 2^32 keep the source streams apart from the target
                // streams that draw the weights.
                let mut rng = stream(graph.seed, Domain::Connect, proj as u64, (1u64 << 32) + u64::from(s));
                let exclude = (same && !conn.autapses).then_some(s);
                sampler.draw(&mut rng, nt, *k, conn.multapses, exclude);
                pairs.extend(sampler.chosen.iter().map(|&t| (s, t)));
            }
            pairs
        }
        Connector::Total(n) => {
            let mut rng = stream(graph.seed, Domain::Connect, proj as u64, u64::MAX);
            let mut set: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
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
