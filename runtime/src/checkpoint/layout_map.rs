//! Merging the state tables of one population or projection from every shard into
//! one global table, and splitting a global table for another layout, by the axis
//! rules of [`synfire_graphs::state`].
//!
//! A global table does not depend on the number of shards that wrote it, so a
//! checkpoint written by 3 workers restores into 1 or 2.

use super::CheckpointError;
use synfire_graphs::{Axis, Column, StateTable, Values};

/// What a shard's part of a population or projection looks like: its first local
/// neuron (or target) within the population, how many it owns, and, for
/// projections, its CSR row starts (one per source, plus the end).
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    pub first: u64,
    pub len: u64,
    pub offsets: Vec<u64>,
}

impl Shape {
    fn row(&self, j: usize) -> std::ops::Range<usize> {
        self.offsets[j] as usize..self.offsets[j + 1] as usize
    }

    fn sources(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

fn bad(what: &str, name: &str, message: String) -> CheckpointError {
    CheckpointError::State { what: what.to_string(), message: format!("column `{name}`: {message}") }
}

/// The global table of `what` from the parts of every shard that owns some of it, in
/// shard order (their neuron ranges increasing and covering the population).
pub(crate) fn merge(what: &str, parts: &[(&Shape, &StateTable)]) -> Result<StateTable, CheckpointError> {
    let Some((_, first)) = parts.first() else { return Ok(StateTable::default()) };
    for (_, t) in parts {
        let names = |t: &StateTable| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(t) != names(first) {
            return Err(CheckpointError::State { what: what.into(), message: "shards wrote different columns".into() });
        }
    }
    let mut out = StateTable::default();
    for (ci, col) in first.columns.iter().enumerate() {
        let w = col.width.max(1) as usize;
        let mut values = col.values.empty_like();
        match &col.axis {
            Axis::Scalar => {
                if parts.iter().any(|(_, t)| !t.columns[ci].values.same_bits(&col.values)) {
                    return Err(bad(what, &col.name, "a scalar differs between shards".into()));
                }
                values = col.values.clone();
            }
            Axis::Neuron => {
                for (shape, t) in parts {
                    let c = &t.columns[ci];
                    if c.values.len() != shape.len as usize * w {
                        return Err(bad(what, &c.name, format!("{} values for {} neurons of width {w}", c.values.len(), shape.len)));
                    }
                    values.extend_from(&c.values, 0..c.values.len());
                }
            }
            Axis::Source => {
                let n = parts[0].0.sources();
                for j in 0..n {
                    // Per-source state is a function of the source's spikes, kept up to
                    // date by every shard where the source has synapses.
                    let (_, t) = parts.iter().find(|(s, _)| !s.row(j).is_empty()).unwrap_or(&parts[0]);
                    let c = &t.columns[ci];
                    if c.values.len() != n * w {
                        return Err(bad(what, &c.name, format!("{} values for {n} sources of width {w}", c.values.len())));
                    }
                    values.extend_from(&c.values, j * w..(j + 1) * w);
                }
            }
            Axis::Synapse => {
                let n = parts[0].0.sources();
                for (shape, t) in parts {
                    let c = &t.columns[ci];
                    let syn = shape.offsets.last().copied().unwrap_or(0) as usize;
                    if c.values.len() != syn * w || shape.sources() != n {
                        return Err(bad(what, &c.name, format!("{} values for {syn} synapses of width {w}", c.values.len())));
                    }
                }
                for j in 0..n {
                    for (shape, t) in parts {
                        let r = shape.row(j);
                        values.extend_from(&t.columns[ci].values, r.start * w..r.end * w);
                    }
                }
            }
            Axis::Entries(target) => {
                if &col.name == target {
                    // Targets become population indices.
                    let mut global = Vec::new();
                    for (shape, t) in parts {
                        let Values::U32(local) = &t.columns[ci].values else {
                            return Err(bad(what, &col.name, "an entry target column must be u32".into()));
                        };
                        global.extend(local.iter().map(|&i| i + shape.first as u32));
                    }
                    values = Values::U32(global);
                } else {
                    for (_, t) in parts {
                        let c = &t.columns[ci];
                        values.extend_from(&c.values, 0..c.values.len());
                    }
                }
            }
        }
        out.columns.push(Column { name: col.name.clone(), axis: col.axis.clone(), width: col.width, values });
    }
    Ok(out)
}

/// The tables for the new `parts` (every shard's part, in shard order) from the
/// global table of `what`.
pub(crate) fn split(what: &str, global: &StateTable, parts: &[&Shape]) -> Result<Vec<StateTable>, CheckpointError> {
    let mut out: Vec<StateTable> = vec![StateTable::default(); parts.len()];
    // Where each part's piece of each global row starts: global rows are the
    // concatenation of every part's row, in part order.
    let n = parts.first().map_or(0, |s| s.sources());
    let mut row_starts: Vec<Vec<usize>> = vec![Vec::with_capacity(n); parts.len()];
    let mut total = 0usize;
    for j in 0..n {
        for (pi, p) in parts.iter().enumerate() {
            row_starts[pi].push(total);
            total += p.row(j).len();
        }
    }
    for col in &global.columns {
        let w = col.width.max(1) as usize;
        // For entries: which global entries each part gets.
        let entry_rows: Option<Vec<Vec<usize>>> = match &col.axis {
            Axis::Entries(target) => {
                let t = global.get(target).ok_or_else(|| bad(what, &col.name, format!("its target column `{target}` is missing")))?;
                let Values::U32(ts) = &t.values else { return Err(bad(what, target, "an entry target column must be u32".into())) };
                if col.values.len() != ts.len() * w {
                    return Err(bad(what, &col.name, format!("{} values for {} entries of width {w}", col.values.len(), ts.len())));
                }
                Some(parts.iter().map(|p| (0..ts.len()).filter(|&e| u64::from(ts[e]) >= p.first && u64::from(ts[e]) < p.first + p.len).collect()).collect())
            }
            _ => None,
        };
        for (pi, p) in parts.iter().enumerate() {
            let mut values = col.values.empty_like();
            match &col.axis {
                Axis::Scalar | Axis::Source => values = col.values.clone(),
                Axis::Neuron => {
                    let (a, b) = (p.first as usize * w, (p.first + p.len) as usize * w);
                    if b > col.values.len() {
                        return Err(bad(
                            what,
                            &col.name,
                            format!("{} values, but neurons up to {} of width {w} are needed", col.values.len(), p.first + p.len),
                        ));
                    }
                    values.extend_from(&col.values, a..b);
                }
                Axis::Synapse => {
                    if col.values.len() != total * w || p.sources() != n {
                        return Err(bad(what, &col.name, format!("{} values for {total} synapses of width {w}", col.values.len())));
                    }
                    for (j, &start) in row_starts[pi].iter().enumerate() {
                        values.extend_from(&col.values, start * w..(start + p.row(j).len()) * w);
                    }
                }
                Axis::Entries(target) => {
                    let rows = entry_rows.as_ref().map_or(&[][..], |r| &r[pi]);
                    match (&col.values, &col.name == target) {
                        // Targets become local again.
                        (Values::U32(src), true) => values = Values::U32(rows.iter().map(|&e| src[e] - p.first as u32).collect()),
                        _ => rows.iter().for_each(|&e| values.extend_from(&col.values, e * w..(e + 1) * w)),
                    }
                }
            }
            out[pi].columns.push(Column { name: col.name.clone(), axis: col.axis.clone(), width: col.width, values });
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use synfire_graphs::StateWriter;

    /// Two sources onto four targets; synapse (j, i) exists where (j + i) % 3 != 0.
    fn shapes(cuts: &[u64]) -> (Vec<Shape>, Vec<StateTable>) {
        let mut shapes = Vec::new();
        let mut tables = Vec::new();
        for w in cuts.windows(2) {
            let (lo, hi) = (w[0], w[1]);
            let mut offsets = vec![0u64];
            let mut weights = Vec::new();
            let mut last = Vec::new();
            for j in 0..2u64 {
                for i in lo..hi {
                    if (j + i) % 3 != 0 {
                        weights.push((10 * j + i) as f32);
                    }
                }
                offsets.push(weights.len() as u64);
                last.push(100 + j);
            }
            let v: Vec<f32> = (lo..hi).map(|i| i as f32 / 2.0).collect();
            let tgt: Vec<u32> = (lo..hi).filter(|i| i % 2 == 0).map(|i| (i - lo) as u32).collect();
            let t: Vec<u64> = (lo..hi).filter(|i| i % 2 == 0).map(|i| 7 * i).collect();
            let mut wr = StateWriter::new();
            wr.f32("w", Axis::Synapse, &weights);
            wr.u64("last", Axis::Source, &last);
            wr.f32("v", Axis::Neuron, &v);
            wr.group("hist", |g| {
                g.u32("target", Axis::Entries("target".into()), &tgt);
                g.u64("t", Axis::Entries("target".into()), &t);
            });
            wr.scalar("epoch", 3);
            shapes.push(Shape { first: lo, len: hi - lo, offsets });
            tables.push(wr.finish());
        }
        (shapes, tables)
    }

    fn global(cuts: &[u64]) -> StateTable {
        let (s, t) = shapes(cuts);
        let parts: Vec<(&Shape, &StateTable)> = s.iter().zip(&t).collect();
        merge("p", &parts).unwrap()
    }

    #[test]
    fn merged_tables_do_not_depend_on_the_layout() {
        let one = global(&[0, 4]);
        assert_eq!(one, global(&[0, 1, 4]));
        assert_eq!(one, global(&[0, 2, 3, 4]));
        assert_eq!(one, global(&[0, 0, 4]));
    }

    #[test]
    fn split_inverts_merge_for_any_layout() {
        let g = global(&[0, 4]);
        for cuts in [&[0u64, 4][..], &[0, 1, 4], &[0, 2, 3, 4], &[0, 3, 4]] {
            let (s, want) = shapes(cuts);
            let got = split("p", &g, &s.iter().collect::<Vec<_>>()).unwrap();
            assert_eq!(got, want, "{cuts:?}");
        }
    }

    #[test]
    fn a_scalar_that_differs_between_shards_is_an_error() {
        let (s, mut t) = shapes(&[0, 2, 4]);
        let k = t[1].columns.iter().position(|c| c.name == "epoch").unwrap();
        t[1].columns[k].values = Values::U64(vec![4]);
        let parts: Vec<(&Shape, &StateTable)> = s.iter().zip(&t).collect();
        let err = merge("p", &parts).unwrap_err();
        assert!(err.to_string().contains("epoch"), "{err}");
    }
}
