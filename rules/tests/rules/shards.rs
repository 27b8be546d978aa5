//! The engine's sharding in miniature: a projection split by target ranges (each part
//! holds the CSR rows restricted to its targets, local target indices), and state
//! tables merged into one global table and split again, following the axis table of
//! `synfire_graphs::state`.

use crate::harness::{Net, Syn, Trains};
use synfire_graphs::{Axis, Column, StateTable, Values};

/// One shard's part of a projection: targets `first..first + net.n_targets`.
#[derive(Debug, Clone)]
pub struct Part {
    pub first: usize,
    pub net: Net,
    pub trains: Trains,
}

impl Part {
    fn row(&self, j: usize) -> std::ops::Range<usize> {
        self.net.offsets[j] as usize..self.net.offsets[j + 1] as usize
    }

    fn holds(&self, target: u32) -> bool {
        (self.first..self.first + self.net.n_targets).contains(&(target as usize))
    }
}

/// `net` and `trains` split at `cuts` (increasing target indices from 0 to the number
/// of targets). Rows keep the global order (by source, then as generated).
pub fn parts(net: &Net, trains: &Trains, cuts: &[usize]) -> Vec<Part> {
    cuts.windows(2)
        .map(|c| {
            let syns = net.syns.iter().filter(|s| (c[0]..c[1]).contains(&s.tgt)).map(|s| Syn { tgt: s.tgt - c[0], ..*s }).collect();
            let trains = Trains { pre: trains.pre.clone(), post: trains.post[c[0]..c[1]].to_vec() };
            Part { first: c[0], net: Net::new(net.n_sources, c[1] - c[0], syns), trains }
        })
        .collect()
}

fn u32s(v: &Values) -> &[u32] {
    match v {
        Values::U32(v) => v,
        _ => panic!("an entry target column must be u32"),
    }
}

/// The global table from every part's table, in part order.
pub fn merge(parts: &[(&Part, &StateTable)]) -> StateTable {
    let first = parts[0].1;
    let mut out = StateTable::default();
    for (ci, col) in first.columns.iter().enumerate() {
        let cols: Vec<&Column> = parts.iter().map(|(_, t)| &t.columns[ci]).collect();
        for c in &cols {
            assert_eq!((&c.name, &c.axis, c.width), (&col.name, &col.axis, col.width), "the parts wrote different columns");
        }
        let w = col.width.max(1) as usize;
        let mut values = col.values.empty_like();
        match &col.axis {
            Axis::Scalar => {
                assert!(cols.iter().all(|c| c.values.same_bits(&col.values)), "scalar `{}` differs between parts", col.name);
                values = col.values.clone();
            }
            Axis::Neuron => cols.iter().for_each(|c| values.extend_from(&c.values, 0..c.values.len())),
            Axis::Source => {
                for j in 0..parts[0].0.net.n_sources {
                    // From a part where the source has synapses (any part if none has).
                    let p = parts.iter().position(|(p, _)| !p.row(j).is_empty()).unwrap_or(0);
                    values.extend_from(&cols[p].values, j * w..(j + 1) * w);
                }
            }
            Axis::Synapse => {
                for j in 0..parts[0].0.net.n_sources {
                    for ((p, _), c) in parts.iter().zip(&cols) {
                        values.extend_from(&c.values, p.row(j).start * w..p.row(j).end * w);
                    }
                }
            }
            Axis::Entries(target) if &col.name == target => {
                let global: Vec<u32> = parts.iter().zip(&cols).flat_map(|((p, _), c)| u32s(&c.values).iter().map(|&i| i + p.first as u32)).collect();
                values = Values::U32(global);
            }
            Axis::Entries(_) => cols.iter().for_each(|c| values.extend_from(&c.values, 0..c.values.len())),
        }
        out.columns.push(Column { values, ..col.clone() });
    }
    out
}

/// Every part's table from the global table.
pub fn split(global: &StateTable, parts: &[Part]) -> Vec<StateTable> {
    let mut out = vec![StateTable::default(); parts.len()];
    for col in &global.columns {
        let w = col.width.max(1) as usize;
        for (pi, p) in parts.iter().enumerate() {
            let mut values = col.values.empty_like();
            match &col.axis {
                Axis::Scalar | Axis::Source => values = col.values.clone(),
                Axis::Neuron => values.extend_from(&col.values, p.first * w..(p.first + p.net.n_targets) * w),
                Axis::Synapse => {
                    // A global row is the parts' rows one after the other.
                    let mut start = 0;
                    for j in 0..p.net.n_sources {
                        let before: usize = parts[..pi].iter().map(|q| q.row(j).len()).sum();
                        let a = start + before;
                        values.extend_from(&col.values, a * w..(a + p.row(j).len()) * w);
                        start += parts.iter().map(|q| q.row(j).len()).sum::<usize>();
                    }
                }
                Axis::Entries(target) => {
                    let targets = u32s(&global.get(target).expect("the entries' target column").values);
                    let mine = (0..targets.len()).filter(|&e| p.holds(targets[e]));
                    if &col.name == target {
                        values = Values::U32(mine.map(|e| targets[e] - p.first as u32).collect());
                    } else {
                        mine.for_each(|e| values.extend_from(&col.values, e * w..(e + 1) * w));
                    }
                }
            }
            out[pi].columns.push(Column { values, ..col.clone() });
        }
    }
    out
}

/// Asserts that two tables have the same columns holding the same bits.
pub fn assert_same_table(a: &StateTable, b: &StateTable, what: &str) {
    let names = |t: &StateTable| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "{what}: columns");
    for (x, y) in a.columns.iter().zip(&b.columns) {
        assert_eq!((&x.axis, x.width), (&y.axis, y.width), "{what}: column `{}`", x.name);
        assert!(x.values.same_bits(&y.values), "{what}: column `{}` differs:\n{:?}\n{:?}", x.name, x.values, y.values);
    }
}
