//! A plain serial reference simulator: one kernel per population, a dense map of
//! pending inputs per arrival tick, no shards, no windows, no ring buffers. Rate
//! units' outputs are delivered like spikes with their value as the factor; rules
//! read the graph's modulators: initial values, schedules, and the ones computed from
//! activity by their defining equations, one value per tick.
//!
//! It shares only the neuron kernels (tested against closed forms on their own)
//! and the connectivity (tested on its own) with the engine, so agreement checks
//! everything the engine adds: partitioning, exchange, windows, delivery order.

use std::collections::BTreeMap;
use synfire_graphs::Tick;
use synfire_graphs::connectivity::instantiate;
use synfire_graphs::rng::{Domain, uniform_at};
use synfire_graphs::{DelayTicks, Graph, PopKind, SourceSpec};
use synfire_rules::{Context, Delays, Plasticity, ProjectionInfo, Synapses, ThirdFactors};
use synfire_runtime::models::ReferenceKernels;
use synfire_runtime::{KernelFactory, KernelInit, NeuronKernel};

/// Simulates `ticks` ticks and returns every spike as `(tick, gid)` in canonical order.
pub fn simulate(graph: &Graph, ticks: u64) -> Vec<(u64, u64)> {
    simulate_with_weights(graph, ticks).0
}

/// Like [`simulate`], also returning every projection's final weights (settled at
/// the end), synapses in canonical `(source, target)` order. Plastic projections run
/// one rule instance over all their synapses, called at the moment each event happens.
pub fn simulate_with_weights(graph: &Graph, ticks: u64) -> (Vec<(u64, u64)>, Vec<Vec<f32>>) {
    let o = simulate_all(graph, ticks);
    (o.spikes, o.weights)
}

/// Everything the reference computes.
pub struct Outcome {
    /// Every spike `(tick, gid)` in canonical order.
    pub spikes: Vec<(u64, u64)>,
    /// Every projection's final weights.
    pub weights: Vec<Vec<f32>>,
    /// Every rate unit's output of every tick, `[tick][gid]` (0 for spiking neurons).
    pub outputs: Vec<Vec<f32>>,
}

/// What a projection's rule reads: `vals[m][t]` for a scalar modulator `m`, and for
/// a per-neuron signal (slot `(m, Some(ring))`) the target population's input ring
/// of the current tick, during `on_tick` only.
struct Bound<'a> {
    vals: &'a [Vec<f64>],
    slots: &'a [(usize, Option<usize>)],
    signal: Option<(&'a [Vec<f32>], u64)>,
}

impl ThirdFactors for Bound<'_> {
    fn scalar(&self, slot: usize, t: Tick) -> Option<f64> {
        match *self.slots.get(slot)? {
            (m, None) => self.vals.get(m)?.get(t.0 as usize).copied(),
            (_, Some(_)) => None,
        }
    }
    fn per_neuron(&self, slot: usize, target: u32, t: Tick) -> Option<f64> {
        let (_, Some(ring)) = *self.slots.get(slot)? else { return None };
        let (rings, now) = self.signal?;
        (now == t.0).then(|| f64::from(rings[ring][target as usize]))
    }
}

/// Simulates `ticks` ticks and returns spikes, weights and rate outputs.
pub fn simulate_all(graph: &Graph, ticks: u64) -> Outcome {
    let npop = graph.populations.len();
    let mut kernels: Vec<Option<Box<dyn NeuronKernel>>> = Vec::new();
    let mut receptors = vec![0usize; npop];
    let mut rings = vec![0usize; npop];
    for (p, def) in graph.populations.iter().enumerate() {
        kernels.push(match &def.kind {
            PopKind::Neurons(model) => {
                receptors[p] = model.kind.receptors().len();
                // Then one input per per-neuron signal over the population.
                rings[p] = receptors[p] + graph.signals_over(p).count();
                let init = KernelInit { model, pop_name: &def.name, dt: graph.dt, seed: graph.seed, pop_offset: graph.offsets[p], neurons: 0..def.size };
                Some(ReferenceKernels.build(&init).expect("kernel builds"))
            }
            PopKind::Source(_) => None,
        });
    }
    let mut synapses: Vec<_> = (0..graph.projections.len()).map(|k| instantiate(graph, k)).collect();
    let mut rules: Vec<Option<Box<dyn Plasticity>>> = graph
        .projections
        .iter()
        .zip(&synapses)
        .map(|(p, csr)| {
            p.conn.rule.as_ref().map(|spec| {
                let info = ProjectionInfo {
                    dt: graph.dt,
                    n_synapses: csr.len(),
                    n_sources: graph.populations[p.source].size as usize,
                    n_targets: graph.populations[p.target].size as usize,
                    delay: p.delay,
                    weight_scale: p.weight_scale,
                    negative: p.conn.weight.mean() < 0.0,
                    target: Default::default(),
                };
                synfire_rules::instantiate(spec, &info).expect("rule builds")
            })
        })
        .collect();
    let slots: Vec<Vec<(usize, Option<usize>)>> = rules
        .iter()
        .zip(&graph.projections)
        .map(|(r, p)| {
            r.as_ref().map_or(Vec::new(), |r| {
                r.inputs()
                    .iter()
                    .map(|name| {
                        let node = &p.conn.rule.as_ref().expect("plastic").inputs[*name];
                        let m = graph.modulators.iter().position(|m| &m.name == node).expect("bound");
                        (m, graph.signal_ring(m))
                    })
                    .collect()
            })
        })
        .collect();
    // vals[m][t]: every modulator's value of every tick; avg[m][t]: the activity average.
    let nm = graph.modulators.len();
    let mut vals: Vec<Vec<f64>> = vec![Vec::new(); nm];
    let mut avg: Vec<Vec<f64>> = vec![Vec::new(); nm];
    let value_at = |m: usize, t: u64, avg: &[Vec<f64>]| -> f64 {
        let def = &graph.modulators[m];
        match &def.activity {
            Some(a) => {
                let d = a.delay.to_ticks(graph.dt);
                if t >= d { a.offset + a.gain * avg[m][(t - d) as usize] } else { def.initial }
            }
            None => def.schedule.iter().rfind(|(from, _)| from.to_ticks(graph.dt) <= t).map_or(def.initial, |s| s.1),
        }
    };
    macro_rules! ctx_of {
        ($k:expr) => {
            Context { third: &Bound { vals: &vals, slots: &slots[$k], signal: None }, post: Default::default() }
        };
        ($k:expr, $rings:expr, $t:expr) => {
            Context { third: &Bound { vals: &vals, slots: &slots[$k], signal: Some(($rings, $t)) }, post: Default::default() }
        };
    }
    let mut outputs = Vec::new();
    // pending[arrival tick][pop][receptor][neuron]
    let mut pending: BTreeMap<u64, Vec<Vec<Vec<f32>>>> = BTreeMap::new();
    let empty = |g: &Graph| -> Vec<Vec<Vec<f32>>> { (0..npop).map(|p| vec![vec![0.0; g.populations[p].size as usize]; rings[p]]).collect() };
    let mut out = Vec::new();
    for t in 0..ticks {
        let mut input = pending.remove(&t).unwrap_or_else(|| empty(graph));
        let now_vals: Vec<f64> = (0..nm).map(|m| value_at(m, t, &avg)).collect();
        vals.iter_mut().zip(now_vals).for_each(|(v, x)| v.push(x));
        // Events of this tick in gid order: (gid, factor), 1 for a spike.
        let mut now: Vec<(u64, f32)> = Vec::new();
        let mut out_t = vec![0.0f32; graph.num_neurons() as usize];
        for p in 0..npop {
            let mut spiked = Vec::new();
            match (&mut kernels[p], &graph.populations[p].kind) {
                (Some(k), _) => {
                    let mut slots: Vec<&mut [f32]> = input[p][..receptors[p]].iter_mut().map(|v| v.as_mut_slice()).collect();
                    k.step(t, &mut slots, &[], &mut spiked);
                    if let Some(r) = k.output() {
                        for (i, &v) in r.iter().enumerate() {
                            let gid = graph.offsets[p] + i as u64;
                            out_t[gid as usize] = v;
                            if v != 0.0 {
                                now.push((gid, v));
                            }
                        }
                    }
                }
                (None, PopKind::Source(spec)) => source_spikes(graph, p, spec, t, &mut spiked),
                _ => {}
            }
            for (k, proj) in graph.projections.iter().enumerate() {
                if let (Some(rule), true) = (rules[k].as_mut(), proj.target == p) {
                    spiked.iter().for_each(|&i| rule.on_post(i, Tick(t)));
                }
            }
            for &i in &spiked {
                out.push((t, graph.offsets[p] + u64::from(i)));
                now.push((graph.offsets[p] + u64::from(i), 1.0));
            }
        }
        // The activity averages of this tick, from its events.
        for (m, def) in graph.modulators.iter().enumerate() {
            if let Some(a) = &def.activity {
                let n = graph.populations[a.pop].size as f64;
                let graded = graph.model(a.pop).is_some_and(|s| s.kind.graded());
                let sum: f64 = now.iter().filter(|(g, _)| graph.gid_range(a.pop).contains(g)).map(|&(_, f)| f64::from(f)).sum();
                let x = if graded { sum / n } else { sum / (n * graph.dt.0 * 1e-3) };
                let p = (-graph.dt.0 / a.tau.0).exp();
                let prev = avg[m].last().copied().unwrap_or(0.0);
                avg[m].push(p * prev + (1.0 - p) * x);
            } else {
                avg[m].push(0.0);
            }
        }
        outputs.push(out_t);
        for (k, proj) in graph.projections.iter().enumerate() {
            if let Some(rule) = rules[k].as_mut().filter(|r| r.needs().per_tick) {
                let csr = &mut synapses[k];
                let delays = csr.delays.as_deref().map_or(Delays::Const(proj.delay.min()), Delays::PerSynapse);
                let mut syn = Synapses { offsets: &csr.offsets, targets: &csr.targets, delays, weights: &mut csr.weights };
                rule.on_tick(Tick(t), &mut syn, &ctx_of!(k, &input[proj.target], t));
            }
        }
        for &(gid, factor) in &now {
            let (pop, idx) = graph.locate(gid).expect("gid in graph");
            for (k, proj) in graph.projections.iter().enumerate().filter(|(_, pr)| pr.source == pop) {
                let csr = &mut synapses[k];
                let mut efficacy = factor;
                if let Some(rule) = rules[k].as_mut() {
                    if csr.row(idx as usize).is_empty() {
                        continue;
                    }
                    let delays = csr.delays.as_deref().map_or(Delays::Const(proj.delay.min()), Delays::PerSynapse);
                    let mut syn = Synapses { offsets: &csr.offsets, targets: &csr.targets, delays, weights: &mut csr.weights };
                    efficacy = factor * rule.on_pre_graded(idx as u32, Tick(t), factor, &mut syn, &ctx_of!(k));
                }
                for j in csr.row(idx as usize) {
                    let d = match (&csr.delays, proj.delay) {
                        (Some(ds), _) => u64::from(ds[j]),
                        (None, DelayTicks::Const(d)) | (None, DelayTicks::PerSynapse { min: d, .. }) => u64::from(d),
                    };
                    let slot = pending.entry(t + d).or_insert_with(|| empty(graph));
                    slot[proj.target][proj.receptor][csr.targets[j] as usize] += csr.weights[j] * efficacy;
                }
            }
        }
    }
    let end_vals: Vec<f64> = (0..nm).map(|m| value_at(m, ticks, &avg)).collect();
    vals.iter_mut().zip(end_vals).for_each(|(v, x)| v.push(x));
    let weights = synapses
        .iter_mut()
        .zip(rules.iter_mut())
        .zip(&graph.projections)
        .enumerate()
        .map(|(k, ((csr, rule), proj))| {
            if let Some(rule) = rule {
                let delays = csr.delays.as_deref().map_or(Delays::Const(proj.delay.min()), Delays::PerSynapse);
                let mut syn = Synapses { offsets: &csr.offsets, targets: &csr.targets, delays, weights: &mut csr.weights };
                rule.settle(Tick(ticks), &mut syn, &ctx_of!(k));
            }
            csr.weights.clone()
        })
        .collect();
    Outcome { spikes: out, weights, outputs }
}

/// The obvious definition of the sources: Poisson is Bernoulli(rate dt) per tick from
/// the counter-based stream; spike times are rounded to ticks.
fn source_spikes(graph: &Graph, pop: usize, spec: &SourceSpec, t: u64, out: &mut Vec<u32>) {
    let size = graph.populations[pop].size;
    match spec {
        SourceSpec::Poisson { schedule } => {
            let rate = schedule.iter().rfind(|(from, _)| from.to_ticks(graph.dt) <= t).map_or(0.0, |s| s.1.0);
            let p = (rate * graph.dt.0 * 1e-3).clamp(0.0, 1.0);
            for i in 0..size {
                if p > 0.0 && uniform_at(graph.seed, Domain::Stimulus, graph.offsets[pop] + i, t) < p {
                    out.push(i as u32);
                }
            }
        }
        SourceSpec::SpikeTimes { times } => {
            for (i, ts) in times.iter().enumerate() {
                for x in ts.iter().filter(|x| x.to_ticks(graph.dt) == t) {
                    let _ = x;
                    out.push(i as u32);
                }
            }
        }
        SourceSpec::RateArray { .. } => unimplemented!("not generated by these tests"),
    }
}
