//! The by-source synapse layout the engine delivers from, and how blocks of
//! incoming synapses are transposed into it.
//!
//! Building a [`Csr`] takes three steps so that a caller with threads can run the
//! expensive ones in parallel without this crate spawning any: count the synapses of
//! each source ([`InEdges::count_by_source`], one count per block), allocate the
//! rows ([`Csr::with_row_lengths`]), then fill disjoint row ranges
//! ([`Csr::rows_mut`], [`RowsMut::fill`]). [`Csr::from_in_edges`] does the three
//! serially.

use super::InEdges;
use std::ops::Range;

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
    /// Number of sources (rows).
    pub fn num_sources(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
    /// The synapse range of source `s`.
    pub fn row(&self, s: usize) -> Range<usize> {
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
        let mut lengths = vec![0u64; n_sources];
        for b in blocks {
            b.count_by_source(&mut lengths);
        }
        let mut csr = Csr::with_row_lengths(&lengths, blocks.iter().any(|b| b.delays.is_some()));
        drop(lengths);
        for rows in csr.rows_mut(1) {
            rows.fill(blocks, &local);
        }
        csr
    }

    /// A CSR whose row `s` has room for `lengths[s]` synapses, to be filled through
    /// [`Csr::rows_mut`]. The arrays are allocated at their exact size.
    pub fn with_row_lengths(lengths: &[u64], delays: bool) -> Csr {
        let mut offsets = Vec::with_capacity(lengths.len() + 1);
        let mut total = 0u64;
        offsets.push(0);
        for &n in lengths {
            total += n;
            offsets.push(total);
        }
        let total = total as usize;
        Csr { offsets, targets: vec![0; total], weights: vec![0.0; total], delays: delays.then(|| vec![0; total]) }
    }

    /// Splits the rows into at most `parts` contiguous ranges holding about the same
    /// number of synapses, each writable on its own (so by its own thread).
    pub fn rows_mut(&mut self, parts: usize) -> Vec<RowsMut<'_>> {
        let n = self.num_sources();
        let total = self.len() as u64;
        let parts = parts.max(1);
        // Row boundaries at equal shares of the synapses; empty ranges are dropped.
        let mut bounds: Vec<usize> =
            (0..=parts).map(|i| if i == parts { n } else { self.offsets.partition_point(|&o| o < total * i as u64 / parts as u64) }).collect();
        bounds[0] = 0;
        bounds.dedup();
        let mut out = Vec::with_capacity(bounds.len());
        let (mut targets, mut weights, mut delays) = (self.targets.as_mut_slice(), self.weights.as_mut_slice(), self.delays.as_deref_mut());
        for w in bounds.windows(2) {
            let (a, b) = (w[0].min(n), w[1].min(n));
            if a >= b {
                continue;
            }
            let len = (self.offsets[b] - self.offsets[a]) as usize;
            let (t, t_rest) = std::mem::take(&mut targets).split_at_mut(len);
            let (wt, w_rest) = std::mem::take(&mut weights).split_at_mut(len);
            let d = delays.take().map(|d| d.split_at_mut(len));
            targets = t_rest;
            weights = w_rest;
            let (d_here, d_rest) = d.map_or((None, None), |(x, y)| (Some(x), Some(y)));
            delays = d_rest;
            out.push(RowsMut { sources: a..b, offsets: &self.offsets[a..=b], targets: t, weights: wt, delays: d_here });
        }
        out
    }
}

/// The writable rows `sources` of a [`Csr`] under construction.
#[derive(Debug)]
pub struct RowsMut<'a> {
    sources: Range<usize>,
    /// `offsets[s - sources.start]` is where row `s` starts in the whole CSR.
    offsets: &'a [u64],
    targets: &'a mut [u32],
    weights: &'a mut [f32],
    delays: Option<&'a mut [u32]>,
}

impl RowsMut<'_> {
    /// The sources whose rows this part holds.
    pub fn sources(&self) -> Range<usize> {
        self.sources.clone()
    }

    /// Writes every synapse of `blocks` whose source lies in this part's rows, in
    /// block order, so that rows are in target order when the blocks are. The rows
    /// must have been sized by counting exactly these blocks.
    pub fn fill(self, blocks: &[InEdges], local: impl Fn(u32) -> u32) {
        let RowsMut { sources, offsets, targets, weights, mut delays } = self;
        let base = offsets[0];
        let mut cursor: Vec<usize> = offsets[..offsets.len() - 1].iter().map(|&o| (o - base) as usize).collect();
        let lo = sources.start;
        let n = sources.len();
        for b in blocks {
            for (k, &t) in b.targets.iter().enumerate() {
                let lt = local(t);
                for j in b.starts[k]..b.starts[k + 1] {
                    // Sources below `lo` wrap to large numbers and are skipped too.
                    let r = (b.sources[j] as usize).wrapping_sub(lo);
                    if r >= n {
                        continue;
                    }
                    let pos = cursor[r];
                    cursor[r] += 1;
                    targets[pos] = lt;
                    weights[pos] = b.weights[j];
                    if let (Some(d), Some(bd)) = (delays.as_deref_mut(), b.delays.as_ref()) {
                        d[pos] = bd[j];
                    }
                }
            }
        }
        debug_assert!(cursor.iter().zip(&offsets[1..]).all(|(&c, &o)| c as u64 == o - base), "rows were sized for other blocks");
    }
}
