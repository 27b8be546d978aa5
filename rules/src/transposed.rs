//! The transposed index of a projection (target -> its incoming synapses), built by
//! the eager engine for post-triggered updates.

use crate::synapses::Synapses;

/// Target -> its incoming synapses `(k, source)`, in CSR order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transposed {
    pub(crate) starts: Vec<u32>,
    pub(crate) entries: Vec<(u32, u32)>,
}

impl Transposed {
    pub(crate) fn build(syn: &Synapses<'_>, n_targets: usize) -> Self {
        let mut starts = vec![0u32; n_targets + 1];
        for &i in syn.targets {
            starts[i as usize + 1] += 1;
        }
        for i in 0..n_targets {
            starts[i + 1] += starts[i];
        }
        let mut cursor = starts.clone();
        let mut entries = vec![(0u32, 0u32); syn.targets.len()];
        for j in 0..syn.n_sources() {
            for k in syn.row(j) {
                let i = syn.targets[k] as usize;
                entries[cursor[i] as usize] = (k as u32, j as u32);
                cursor[i] += 1;
            }
        }
        Transposed { starts, entries }
    }

    #[inline(always)]
    pub(crate) fn prefetch_entries(&self, i: usize) {
        if let Some(&s) = self.starts.get(i) {
            crate::prefetch(self.entries.get(s as usize));
        }
    }

    #[inline]
    pub(crate) fn of(&self, i: usize) -> &[(u32, u32)] {
        &self.entries[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.starts.capacity() * 4 + self.entries.capacity() * 8
    }
}
