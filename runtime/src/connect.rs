//! Building a projection's synapses on several threads.
//!
//! The targets are split into contiguous blocks, one per thread. Each thread draws
//! its block's incoming synapses with [`generate`] (whose random streams are keyed
//! by target, never by thread) and counts them by source. The rows are then
//! allocated once, at their exact size, split into ranges of about equal synapse
//! counts, and each thread transposes every block into its own range. The result is
//! the CSR that [`synfire_graphs::connectivity::instantiate`] builds serially,
//! whatever the number of threads.
//!
//! **Memory:** the CSR holds 8 bytes per synapse plus 8 per source row (12 with
//! per-synapse delays); while it is being filled the blocks hold about as much
//! again, and they are dropped before [`build_csr`] returns.

use std::ops::Range;
use std::thread;
use synfire_graphs::Graph;
use synfire_graphs::connectivity::{Csr, InEdges, generate};

/// The incoming synapses of a range of targets, generated in blocks, with their
/// count per source.
#[derive(Debug)]
pub struct Blocks {
    /// First target of the range: stored targets are `t - start`.
    start: u32,
    /// One block per thread, in target order.
    blocks: Vec<InEdges>,
    /// Number of synapses of each source over all blocks.
    lengths: Vec<u64>,
}

impl Blocks {
    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.blocks.iter().map(InEdges::len).sum()
    }
    /// Whether there are no synapses.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bytes held by the blocks and the counts.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.iter().map(InEdges::heap_bytes).sum::<usize>() + self.lengths.capacity() * 8
    }
}

/// The synapses of projection `proj` onto the targets in `targets` (indices within
/// the target population), by source, with target `t` stored as `t - targets.start`.
/// Uses `threads` threads (at least one, at most one per target).
pub fn build_csr(graph: &Graph, proj: usize, targets: Range<u32>, threads: usize) -> Csr {
    merge_blocks(generate_blocks(graph, proj, targets, threads), threads)
}

/// Runs `jobs` on scoped threads, the last one on the calling thread, and returns
/// their results in order. A panic in a job is re-raised here.
fn run_all<T: Send>(jobs: Vec<impl FnOnce() -> T + Send>) -> Vec<T> {
    thread::scope(|s| {
        let mut jobs = jobs;
        let last = jobs.pop();
        let handles: Vec<_> = jobs.into_iter().map(|job| s.spawn(job)).collect();
        let mine = last.map(|job| job());
        let mut out: Vec<T> = handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect();
        out.extend(mine);
        out
    })
}

/// First phase of [`build_csr`]: each thread generates a contiguous block of
/// targets and counts its synapses by source.
pub fn generate_blocks(graph: &Graph, proj: usize, targets: Range<u32>, threads: usize) -> Blocks {
    let p = &graph.projections[proj];
    let ns = graph.populations[p.source].size as usize;
    let n = u64::from(targets.end.saturating_sub(targets.start));
    let threads = (threads.max(1) as u64).min(n.max(1));
    let bound = |i: u64| targets.start + (n * i / threads) as u32;
    let jobs: Vec<_> = (0..threads)
        .map(|i| {
            let block = bound(i)..bound(i + 1);
            move || {
                let edges = generate(graph, proj, &block.collect::<Vec<u32>>());
                let mut counts = vec![0u64; ns];
                edges.count_by_source(&mut counts);
                (edges, counts)
            }
        })
        .collect();
    let mut blocks = Vec::with_capacity(jobs.len());
    let mut lengths: Option<Vec<u64>> = None;
    for (edges, counts) in run_all(jobs) {
        blocks.push(edges);
        match lengths.as_mut() {
            None => lengths = Some(counts),
            Some(l) => l.iter_mut().zip(&counts).for_each(|(a, b)| *a += b),
        }
    }
    Blocks { start: targets.start, blocks, lengths: lengths.unwrap_or_else(|| vec![0; ns]) }
}

/// Second phase of [`build_csr`]: allocates the rows and fills ranges of them on
/// `threads` threads, then drops the blocks.
pub fn merge_blocks(blocks: Blocks, threads: usize) -> Csr {
    let Blocks { start, blocks, lengths } = blocks;
    let mut csr = Csr::with_row_lengths(&lengths, blocks.iter().any(|b| b.delays.is_some()));
    drop(lengths);
    let blocks = &blocks;
    let jobs: Vec<_> = csr.rows_mut(threads).into_iter().map(|rows| move || rows.fill(blocks, |t| t - start)).collect();
    run_all(jobs);
    csr
}

#[cfg(test)]
mod tests {
    use super::*;
    use synfire_graphs::BuildError;
    use synfire_graphs::connectivity::instantiate;
    use synfire_graphs::prelude::*;

    /// One network with a projection per connector, random weights and delays.
    fn network() -> Result<Graph, BuildError> {
        let mut net = Network::new().dt(0.1.ms()).seed(5);
        let a = net.population("A", 90, Lif::cuba());
        let b = net.population("B", 70, Lif::cuba());
        let w = || normal(1.0.mv(), 0.2.mv()).clip(0.0.mv(), 2.0.mv());
        let d = || uniform(0.1.ms(), 1.5.ms());
        net.connect(a, b, Conn::prob(0.1).weight(w()).delay(d()));
        net.connect(b, b, Conn::prob(0.3).autapses(false).weight(w()));
        net.connect(a, b, Conn::in_degree(12).weight(w()).delay(d()));
        net.connect(b, a, Conn::in_degree(69).autapses(false).weight(1.0.mv()));
        net.connect(a, b, Conn::out_degree(5).weight(w()));
        net.connect(a, a, Conn::total(700).weight(w()).delay(d()));
        net.connect(a, b, Conn::all_to_all().weight(w()).delay(d()));
        net.connect(b, b, Conn::one_to_one().weight(w()));
        net.connect(a, b, Conn::list([(3, 4), (0, 69), (89, 0), (3, 4)]).multapses(true).weight(w()).delay(d()));
        net.freeze()
    }

    #[test]
    fn any_number_of_threads_gives_the_serial_csr() -> Result<(), BuildError> {
        let g = network()?;
        for proj in 0..g.projections.len() {
            let nt = g.populations[g.projections[proj].target].size as u32;
            let serial = instantiate(&g, proj);
            assert!(!serial.is_empty(), "projection {proj} has no synapses");
            for threads in [1, 2, 3, 8] {
                assert_eq!(build_csr(&g, proj, 0..nt, threads), serial, "projection {proj} on {threads} threads");
            }
        }
        Ok(())
    }

    #[test]
    fn a_range_of_targets_is_stored_from_zero() -> Result<(), BuildError> {
        let g = network()?;
        for proj in 0..g.projections.len() {
            let ns = g.populations[g.projections[proj].source].size as usize;
            let expect = Csr::from_in_edges(ns, &[generate(&g, proj, &(13..41).collect::<Vec<_>>())], |t| t - 13);
            for threads in [1, 2, 3] {
                let csr = build_csr(&g, proj, 13..41, threads);
                assert!(csr.targets.iter().all(|&t| t < 28));
                assert_eq!(csr, expect, "projection {proj} on {threads} threads");
            }
        }
        Ok(())
    }

    #[test]
    fn degenerate_ranges() -> Result<(), BuildError> {
        let g = network()?;
        let empty = build_csr(&g, 0, 5..5, 3);
        assert!(empty.is_empty());
        assert_eq!(empty.offsets, vec![0; 91]);
        // More threads than targets: one target each.
        assert_eq!(build_csr(&g, 2, 0..2, 16), build_csr(&g, 2, 0..2, 1));
        Ok(())
    }

    #[test]
    fn the_csr_holds_no_slack() -> Result<(), BuildError> {
        let g = network()?;
        // Constant delays: 8 bytes per synapse plus the row offsets, nothing more.
        let csr = build_csr(&g, 3, 0..90, 2);
        assert_eq!(csr.heap_bytes(), csr.len() * 8 + (70 + 1) * 8);
        let csr = build_csr(&g, 2, 0..70, 2);
        assert_eq!(csr.heap_bytes(), csr.len() * 12 + (90 + 1) * 8);
        Ok(())
    }
}
