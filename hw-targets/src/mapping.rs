//! The partitioner of populations onto cores and its fit check (specs/targets.md 11).
//!
//! Deterministic: populations in declaration order are cut into contiguous slices,
//! each the largest that fits one core's neuron, memory and input-axon limits; one
//! population per core (no packing, a [spec] choice: simple and predictable). Then
//! every source's destination cores are routed; if a core's fan-out entries exceed
//! the limit, the slice cap shrinks and placement repeats (at most 16 times). A graph
//! that does not fit gets every violation, not the first.

use crate::error::{Resource, Scope, Violation};
use crate::wiring::Wiring;
use serde::Serialize;
use std::ops::Range;
use synfire_graphs::{Graph, ModelKind};

/// A multi-core chip's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CoreLimits {
    /// Cores available.
    pub cores: u32,
    /// Neurons per core.
    pub neurons_per_core: u64,
    /// Bytes of memory per core.
    pub core_memory_bytes: u64,
    /// Distinct presynaptic sources per core.
    pub axons_in: u64,
    /// Core-to-core fan-out entries per core.
    pub axons_out: u64,
}

/// How much core memory neurons and synapses take.
pub trait MemoryModel {
    /// Bytes of state per neuron of a model.
    fn neuron_state_bytes(&self, kind: ModelKind) -> u64;
    /// Bits per synapse on a core of `n` neurons, with or without delays.
    fn synapse_bits(&self, n: u64, delays: bool) -> u64;
    /// Bytes per distinct input axon (list header).
    fn per_axon_in_bytes(&self) -> u64;
}

/// One used core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoreUse {
    /// Population index.
    pub pop: usize,
    /// Neuron indices within the population.
    pub neurons: Range<u64>,
    /// Synapses onto the core.
    pub synapses: u64,
    /// Bytes of core memory.
    pub memory_bytes: u64,
    /// Distinct presynaptic sources.
    pub axons_in: u64,
    /// Fan-out entries (sum over the core's neurons of their destination cores).
    pub axons_out: u64,
}

/// One round of placement: the slice cap, the slice sizes and their fan-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Iteration {
    /// The cap on neurons per slice.
    pub cap: u64,
    /// Neurons per core.
    pub sizes: Vec<u64>,
    /// Fan-out entries per core.
    pub axons_out: Vec<u64>,
}

/// The result of placement.
#[derive(Clone, PartialEq, Serialize)]
pub struct Mapping {
    /// The used cores, in order.
    pub cores: Vec<CoreUse>,
    /// Every placement round, the last one kept.
    pub iterations: Vec<Iteration>,
    /// The core of every gid (`u32::MAX` for external sources).
    #[serde(skip)]
    pub core_of: Vec<u32>,
    /// The destination cores of every gid, increasing.
    #[serde(skip)]
    pub dest: Vec<Vec<u32>>,
    /// Synapses of every gid onto each of its destination cores (parallel to `dest`).
    #[serde(skip)]
    pub dest_synapses: Vec<Vec<u64>>,
}

impl std::fmt::Debug for Mapping {
    // The per-gid tables are left out: they are as long as the network.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping").field("cores", &self.cores).field("iterations", &self.iterations).finish_non_exhaustive()
    }
}

/// The tile of a core and its grid position: 4 cores a tile, 8 tiles a row [spec].
pub fn tile_xy(core: u32) -> (u32, u32) {
    let t = core / 4;
    (t % 8, t / 8)
}

impl Mapping {
    /// Tiles holding at least one used core.
    pub fn tiles(&self) -> u32 {
        let mut t: Vec<u32> = (0..self.cores.len() as u32).map(|c| c / 4).collect();
        t.dedup();
        t.len() as u32
    }

    /// The largest (east-west, north-south) hop counts of any route in use.
    pub fn max_hops(&self) -> (u32, u32) {
        let mut best = (0, 0);
        for (g, d) in self.dest.iter().enumerate() {
            let Some(&c) = self.core_of.get(g).filter(|&&c| c != u32::MAX) else { continue };
            let (x1, y1) = tile_xy(c);
            for &c2 in d {
                let (x2, y2) = tile_xy(c2);
                let h = (x1.abs_diff(x2), y1.abs_diff(y2));
                best = (best.0.max(h.0), best.1.max(h.1));
            }
        }
        best
    }
}

/// The prefix sums of a slice starting at `start` of population `pop`: synapses and
/// distinct sources of the first `k` neurons, for `k` in `0..=len`.
fn prefixes(graph: &Graph, wiring: &Wiring, pop: usize, start: u64, len: u64, seen: &mut [u32], stamp: u32) -> (Vec<u64>, Vec<u64>) {
    let g0 = graph.offsets[pop] + start;
    let (mut syn, mut ain) = (vec![0u64; len as usize + 1], vec![0u64; len as usize + 1]);
    for k in 0..len as usize {
        let g = (g0 + k as u64) as usize;
        let mut fresh = 0;
        for &s in &wiring.in_src[wiring.in_start[g]..wiring.in_start[g + 1]] {
            if seen[s as usize] != stamp {
                seen[s as usize] = stamp;
                fresh += 1;
            }
        }
        syn[k + 1] = syn[k] + (wiring.in_start[g + 1] - wiring.in_start[g]) as u64;
        ain[k + 1] = ain[k] + fresh;
    }
    (syn, ain)
}

/// Places the graph's neuron populations onto cores, or returns every violation.
pub fn place(graph: &Graph, wiring: &Wiring, limits: &CoreLimits, mem: &dyn MemoryModel) -> Result<Mapping, Vec<Violation>> {
    let n = graph.num_neurons() as usize;
    let mut cap = limits.neurons_per_core;
    let mut iterations = Vec::new();
    let mut seen = vec![0u32; n];
    let mut stamp = 0u32;
    let mut round = 0;
    loop {
        round += 1;
        let mut violations = Vec::new();
        let mut cores = Vec::new();
        let mut core_of = vec![u32::MAX; n];
        for (pop, def) in graph.populations.iter().enumerate() {
            // Sources and rate units (graded inputs computed by the host) take no core.
            let Some(kind) = graph.model_kind(pop).filter(|_| !graph.graded(pop)) else { continue };
            let delays = graph.projections.iter().any(|p| p.target == pop && p.delay.max() > 1);
            let state = mem.neuron_state_bytes(kind);
            let mut start = 0;
            while start < def.size {
                let len = cap.min(def.size - start);
                stamp += 1;
                let (syn, ain) = prefixes(graph, wiring, pop, start, len, &mut seen, stamp);
                let bytes = |k: u64| state * k + (syn[k as usize] * mem.synapse_bits(k, delays)).div_ceil(8) + mem.per_axon_in_bytes() * ain[k as usize];
                let fits = |k: u64| bytes(k) <= limits.core_memory_bytes && ain[k as usize] <= limits.axons_in;
                let k = largest_fit(len, fits);
                if k == 0 {
                    let (resource, required, available) = if ain[1] > limits.axons_in {
                        (Resource::AxonsIn, ain[1], limits.axons_in)
                    } else {
                        (Resource::CoreMemoryBytes, bytes(1), limits.core_memory_bytes)
                    };
                    violations.push(Violation {
                        resource,
                        scope: Scope::Population(def.name.clone()),
                        required,
                        available,
                        hint: "a single neuron does not fit one core: reduce its fan-in",
                    });
                    break;
                }
                let c = cores.len() as u32;
                let g0 = graph.offsets[pop] + start;
                core_of[g0 as usize..(g0 + k) as usize].fill(c);
                cores.push(CoreUse {
                    pop,
                    neurons: start..start + k,
                    synapses: syn[k as usize],
                    memory_bytes: bytes(k),
                    axons_in: ain[k as usize],
                    axons_out: 0,
                });
                start += k;
            }
        }
        // Route: the destination cores of every source, and the fan-out entries.
        let mut dest = vec![Vec::new(); n];
        let mut dest_synapses = vec![Vec::new(); n];
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(wiring.in_src.len());
        for (t, &c) in core_of.iter().enumerate() {
            if c == u32::MAX {
                continue;
            }
            pairs.extend(wiring.in_src[wiring.in_start[t]..wiring.in_start[t + 1]].iter().map(|&s| (s, c)));
        }
        pairs.sort_unstable();
        for chunk in pairs.chunk_by(|a, b| a == b) {
            let (s, c) = chunk[0];
            dest[s as usize].push(c);
            dest_synapses[s as usize].push(chunk.len() as u64);
        }
        for (g, d) in dest.iter().enumerate() {
            if let Some(core) = cores.get_mut(core_of[g] as usize) {
                core.axons_out += d.len() as u64;
            }
        }
        iterations.push(Iteration {
            cap,
            sizes: cores.iter().map(|c| c.neurons.end - c.neurons.start).collect(),
            axons_out: cores.iter().map(|c| c.axons_out).collect(),
        });
        let over: Vec<u32> = (0..cores.len() as u32).filter(|&c| cores[c as usize].axons_out > limits.axons_out).collect();
        let widest = (0..n).filter(|&g| over.contains(&core_of[g])).map(|g| dest[g].len() as u64).max().unwrap_or(1).max(1);
        let next_cap = (cap.saturating_sub(1)).min(limits.axons_out / widest);
        let last = over.is_empty() || next_cap == 0 || round == 16;
        if !last {
            cap = next_cap;
            continue;
        }
        for &c in &over {
            violations.push(Violation {
                resource: Resource::AxonsOut,
                scope: Scope::Core(c),
                required: cores[c as usize].axons_out,
                available: limits.axons_out,
                hint: "reduce fan-out or allow more cores",
            });
        }
        if cores.len() as u64 > u64::from(limits.cores) {
            violations.push(Violation {
                resource: Resource::Cores,
                scope: Scope::Chip,
                required: cores.len() as u64,
                available: u64::from(limits.cores),
                hint: "network too large for the chip: allow more chips",
            });
        }
        if !violations.is_empty() {
            return Err(violations);
        }
        return Ok(Mapping { cores, iterations, core_of, dest, dest_synapses });
    }
}

/// The largest `k` in `1..=len` with `fits(k)`, or 0. `fits` is monotone inside
/// each band `(2^(b-1), 2^b]` (the index bits change only at powers of two), so each
/// band is searched by bisection, from the highest band down.
fn largest_fit(len: u64, fits: impl Fn(u64) -> bool) -> u64 {
    if len == 0 {
        return 0;
    }
    let mut hi_band = 64 - (len - 1).leading_zeros(); // ceil(log2 len)
    loop {
        let lo = if hi_band <= 1 { 1 } else { (1u64 << (hi_band - 1)) + 1 };
        let hi = if hi_band >= 63 { len } else { (1u64 << hi_band).min(len) };
        if lo <= hi && fits(lo) {
            let (mut a, mut b) = (lo, hi); // fits(a) holds
            while a < b {
                let m = a + (b - a).div_ceil(2);
                if fits(m) { a = m } else { b = m - 1 }
            }
            return a;
        }
        if hi_band <= 1 {
            return 0;
        }
        hi_band -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::largest_fit;

    #[test]
    fn the_band_search_finds_the_largest_fitting_size() {
        // Memory that jumps at powers of two: 192 n within 513..=1024, more above.
        let mem = |k: u64| {
            let bits = 8 + (64 - (k.max(2) - 1).leading_zeros()) as u64;
            12 * k + (80 * k * bits).div_ceil(8) + 16_000
        };
        assert_eq!(largest_fit(8192, |k| mem(k) <= 196_608), 940);
        assert_eq!(largest_fit(819, |k| mem(k) <= 196_608), 819);
        assert_eq!(largest_fit(5, |_| false), 0);
        assert_eq!(largest_fit(1, |_| true), 1);
    }
}
