//! The instantiated synapses of a graph, as the mapper and the pricers see them.
//!
//! These are the synapses the runtime builds from the same seed
//! (`connectivity::instantiate`), so a fit check counts the real connectivity, not
//! an expected value.

use synfire_graphs::connectivity::{Csr, instantiate};
use synfire_graphs::{Graph, PopKind};

/// Every projection's synapses by source, and the sources of every neuron by target.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// Per projection, by source (targets are indices within the target population).
    pub by_source: Vec<Csr>,
    /// `in_start[gid]..in_start[gid + 1]` index `in_src`: the source gids of every
    /// synapse onto neuron `gid` (one entry per synapse).
    pub in_start: Vec<usize>,
    /// Source gid of each incoming synapse, grouped by target gid.
    pub in_src: Vec<u64>,
    /// Out-degree of every gid over all projections.
    pub out_degree: Vec<u64>,
}

impl Wiring {
    /// Instantiates every projection of `graph` (serially).
    pub fn new(graph: &Graph) -> Wiring {
        let n = graph.num_neurons() as usize;
        let by_source: Vec<Csr> = (0..graph.projections.len()).map(|q| instantiate(graph, q)).collect();
        let mut in_deg = vec![0usize; n + 1];
        let mut out_degree = vec![0u64; n];
        for (q, csr) in by_source.iter().enumerate() {
            let p = &graph.projections[q];
            let (s0, t0) = (graph.offsets[p.source], graph.offsets[p.target] as usize);
            for s in 0..csr.num_sources() {
                let row = csr.row(s);
                out_degree[(s0 + s as u64) as usize] += row.len() as u64;
                for &t in &csr.targets[row] {
                    in_deg[t0 + t as usize] += 1;
                }
            }
        }
        let mut in_start = vec![0usize; n + 1];
        for g in 0..n {
            in_start[g + 1] = in_start[g] + in_deg[g];
        }
        let mut cursor = in_start.clone();
        let mut in_src = vec![0u64; in_start[n]];
        for (q, csr) in by_source.iter().enumerate() {
            let p = &graph.projections[q];
            let (s0, t0) = (graph.offsets[p.source], graph.offsets[p.target] as usize);
            for s in 0..csr.num_sources() {
                for &t in &csr.targets[csr.row(s)] {
                    let g = t0 + t as usize;
                    in_src[cursor[g]] = s0 + s as u64;
                    cursor[g] += 1;
                }
            }
        }
        Wiring { by_source, in_start, in_src, out_degree }
    }

    /// Whether population `pop` is a source of external events (not a neuron population).
    pub fn is_source(graph: &Graph, pop: usize) -> bool {
        matches!(graph.populations[pop].kind, PopKind::Source(_))
    }

    /// Number of synapses onto neuron `gid`.
    pub fn in_degree(&self, gid: u64) -> u64 {
        (self.in_start[gid as usize + 1] - self.in_start[gid as usize]) as u64
    }

    /// Synapses of projection `proj`.
    pub fn synapses(&self, proj: usize) -> usize {
        self.by_source[proj].len()
    }
}
