//! A serial network stepper for the conformance list: ring buffers per gid and
//! receptor, delivery in canonical order, a caller's integer neuron update, graded
//! events and learning engines; and the host's graded payloads of a graph.
#![allow(dead_code)]

use synfire_graphs::Graph;
use synfire_graphs::connectivity::{Csr, instantiate};
use synfire_graphs::prelude::*;
use synfire_graphs::probe::{ProbeDef, ProbeKind};

/// Spikes `(tick, gid)` of the sources in a record, and the stored integer weight of
/// every synapse (by projection, in CSR order) under `weight`.
pub fn wiring(graph: &Graph, weight: impl Fn(usize, f32) -> f64) -> Vec<(Csr, Vec<f64>)> {
    (0..graph.projections.len())
        .map(|q| {
            let csr = instantiate(graph, q);
            let w = csr.weights.iter().map(|&x| weight(q, x)).collect();
            (csr, w)
        })
        .collect()
}

/// A serial network stepper: delivery into `ring[t + delay][gid][receptor]` in
/// canonical order, then `update(gid, inputs) -> spiked` for every neuron in gid order.
pub fn serial(graph: &Graph, ticks: u64, sources: &[(u64, u64)], syn: &[(Csr, Vec<f64>)], update: impl FnMut(usize, [f64; 2]) -> bool) -> Vec<(u64, u64)> {
    serial_graded(graph, ticks, sources, &[], &mut syn.to_vec(), &mut [], update)
}

/// [`serial`] with graded events `(tick, gid, payload)` besides the spikes (each
/// adds `payload` times the stored weight of every synapse of its row), and learning
/// engines that change their projection's stored weights: before step `t` they
/// apply every epoch that ended by `t`, after it they record its spikes.
pub fn serial_graded(
    graph: &Graph,
    ticks: u64,
    sources: &[(u64, u64)],
    graded: &[(u64, u64, i64)],
    syn: &mut [(Csr, Vec<f64>)],
    learners: &mut [super::learning::Learner],
    mut update: impl FnMut(usize, [f64; 2]) -> bool,
) -> Vec<(u64, u64)> {
    let n = graph.num_neurons() as usize;
    let mut ring = vec![vec![[0f64; 2]; n]; ticks as usize + 70];
    let deliver = |ring: &mut Vec<Vec<[f64; 2]>>, syn: &[(Csr, Vec<f64>)], t: u64, g: u64, payload: f64| {
        for (q, p) in graph.projections.iter().enumerate() {
            let r = graph.gid_range(p.source);
            if !r.contains(&g) {
                continue;
            }
            let t0 = graph.offsets[p.target] as usize;
            let at = (t + u64::from(p.delay.min())) as usize;
            for k in syn[q].0.row((g - r.start) as usize) {
                ring[at][t0 + syn[q].0.targets[k] as usize][p.receptor] += syn[q].1[k] * payload;
            }
        }
    };
    // Rate units are the host's graded inputs: no update of their own here.
    let neuron = |g: usize| graph.locate(g as u64).is_some_and(|(p, _)| graph.model_kind(p).is_some() && !graph.graded(p));
    let mut out = Vec::new();
    let mut src = sources.iter().peekable();
    let mut grd = graded.iter().peekable();
    for t in 0..ticks {
        for l in learners.iter_mut() {
            let (csr, w) = &mut syn[l.proj];
            l.catch_up(t, csr, w);
        }
        let mut emitted = Vec::new();
        while let Some(&&(ts, g)) = src.peek() {
            if ts > t {
                break;
            }
            deliver(&mut ring, syn, ts, g, 1.0);
            emitted.push(g);
            src.next();
        }
        while let Some(&&(ts, g, q)) = grd.peek() {
            if ts > t {
                break;
            }
            deliver(&mut ring, syn, ts, g, q as f64);
            grd.next();
        }
        let fired: Vec<(u64, u64)> = (0..n).filter(|&g| neuron(g)).filter(|&g| update(g, ring[t as usize][g])).map(|g| (t, g as u64)).collect();
        for &(ts, g) in &fired {
            deliver(&mut ring, syn, ts, g, 1.0);
            emitted.push(g);
        }
        for l in learners.iter_mut() {
            emitted.iter().for_each(|&g| l.spike(g, t));
        }
        out.extend(fired);
    }
    out
}

/// The graded events of the host's rate units, `(tick, gid, payload)`: their output
/// `r` in the plain run, as payloads `clamp(round_half_even(r 256), -2^23, 2^23 - 1)`
/// (written here from the spec, not with the crate's function).
pub fn host_payloads(graph: &Graph, ticks: u64) -> Vec<(u64, u64, i64)> {
    let mut g = graph.clone();
    let pops: Vec<usize> = (0..g.populations.len()).filter(|&p| g.graded(p)).collect();
    for &p in &pops {
        let all = (0..g.populations[p].size as u32).collect();
        g.probes.push(ProbeDef { name: format!("r{p}"), kind: ProbeKind::State { pop: p, var: "r".into(), neurons: all, interval: g.dt }, window: None });
    }
    let mut sim = synfire_runtime::Runtime::builder().workers(1).build(&g).unwrap();
    // One tick more: the sample after the last step holds the last tick's output.
    sim.run_ticks(ticks + 1).unwrap();
    let mut out = Vec::new();
    for &p in &pops {
        let trace = sim.state(g.probe::<probe_kind::State>(&format!("r{p}")).unwrap()).unwrap();
        let k = trace.neurons.len();
        // Sample `row` is the state after `row` steps: the output of tick `row - 1`.
        for (row, &tick) in trace.ticks.iter().enumerate().filter(|&(_, &t)| (1..=ticks).contains(&t)) {
            for (col, &r) in trace.values[row * k..(row + 1) * k].iter().enumerate() {
                let q = (f64::from(r) * 256.0).round_ties_even().clamp(-8_388_608.0, 8_388_607.0) as i64;
                if q != 0 {
                    out.push((tick - 1, g.offsets[p] + u64::from(trace.neurons[col]), q));
                }
            }
        }
    }
    out.sort_unstable();
    out
}
