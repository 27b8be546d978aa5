//! Which shard owns which neurons.
//!
//! Every population is split into `shards` contiguous blocks of nearly equal size;
//! shard `s` owns block `s` of every population, except populations whose neurons are
//! coupled within a tick (a softmax readout), which shard 0 owns whole. Contiguous blocks keep a shard's
//! neurons of one population in one slice (one kernel, one ring buffer) and make
//! the target range of a projection on a shard a plain range.

use std::ops::Range;
use synfire_graphs::Graph;

/// The partition of every population over the shards.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    shards: usize,
    sizes: Vec<u64>,
    /// Populations kept whole on shard 0 (coupled within a tick: a softmax readout).
    whole: Vec<bool>,
}

impl Layout {
    /// Splits every population of `graph` over `shards` shards.
    pub fn new(graph: &Graph, shards: usize) -> Self {
        let whole = graph.populations.iter().map(|p| matches!(&p.kind, synfire_graphs::PopKind::Neurons(m) if m.whole_population())).collect();
        Layout { shards: shards.max(1), sizes: graph.populations.iter().map(|p| p.size).collect(), whole }
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.shards
    }

    /// The indices (within population `pop`) that shard `shard` owns.
    pub fn range(&self, pop: usize, shard: usize) -> Range<u64> {
        if self.whole.get(pop).copied().unwrap_or(false) {
            let n = self.sizes[pop];
            return if shard == 0 { 0..n } else { n..n };
        }
        let n = self.sizes[pop] as u128;
        let s = self.shards as u128;
        let at = |k: u128| (n * k / s) as u64;
        at(shard as u128)..at(shard as u128 + 1)
    }

    /// The shard owning neuron `index` of population `pop`.
    pub fn owner(&self, pop: usize, index: u64) -> usize {
        (0..self.shards).find(|&s| self.range(pop, s).contains(&index)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_each_population_exactly_once() {
        let layout = Layout { shards: 3, sizes: vec![10, 1, 0, 7], whole: vec![false, false, false, true] };
        for (pop, &n) in layout.sizes.iter().enumerate() {
            let mut next = 0;
            for s in 0..3 {
                let r = layout.range(pop, s);
                assert_eq!(r.start, next);
                next = r.end;
                for i in r {
                    assert_eq!(layout.owner(pop, i), s);
                }
            }
            assert_eq!(next, n);
        }
    }
}
