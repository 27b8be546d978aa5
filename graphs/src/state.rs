//! Plain state: every kernel and every rule exposes its state as named columns and
//! can restore it exactly. Probes, checkpoints and target emulators use this one
//! contract.
//!
//! A column says along which [`Axis`] its rows run, so that the engine can merge the
//! columns of every shard into one global table (a checkpoint) and split a global
//! table again for another number of shards:
//!
//! | axis | rows | merged across shards | split for a new layout |
//! |---|---|---|---|
//! | `Scalar` | one | equal on every shard (checked) | copied |
//! | `Neuron` | one per local neuron (or target) | concatenated in shard order | by the new ranges |
//! | `Source` | one per source of a projection | from a shard whose row of that source is not empty | copied |
//! | `Synapse` | one per synapse, CSR order | merged into global by-source order | by target range |
//! | `Entries` | a list of events, each naming a local target in column `target` | concatenated, targets made global | filtered by target |
//!
//! Every column has `width` values per row (row-major), so a ring buffer of `d` slots
//! is one column of width `d`.
//!
//! Restoring reads the columns back in the order they were written, checking names,
//! axes and lengths: a table that does not fit is a [`StateError`], never a panic.

use serde::{Deserialize, Serialize};

/// The rows of a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Axis {
    /// One row, the same on every shard.
    Scalar,
    /// One row per local neuron of the slice (for rules: per local target).
    Neuron,
    /// One row per neuron of the source population.
    Source,
    /// One row per synapse, in the shard's CSR order.
    Synapse,
    /// A list of entries; the `u32` column of this name (in the same group, written
    /// before) holds each entry's local target.
    Entries(String),
}

/// The numbers of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Values {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// 32-bit unsigned integers.
    U32(Vec<u32>),
    /// 64-bit unsigned integers.
    U64(Vec<u64>),
}

impl Values {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::U64(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type's name, for errors.
    pub fn type_name(&self) -> &'static str {
        match self {
            Values::F32(_) => "f32",
            Values::F64(_) => "f64",
            Values::U32(_) => "u32",
            Values::U64(_) => "u64",
        }
    }

    /// An empty vector of the same type.
    pub fn empty_like(&self) -> Values {
        match self {
            Values::F32(_) => Values::F32(Vec::new()),
            Values::F64(_) => Values::F64(Vec::new()),
            Values::U32(_) => Values::U32(Vec::new()),
            Values::U64(_) => Values::U64(Vec::new()),
        }
    }

    /// Appends values `range` of `other` (same type; checked by the caller).
    pub fn extend_from(&mut self, other: &Values, range: std::ops::Range<usize>) {
        match (self, other) {
            (Values::F32(a), Values::F32(b)) => a.extend_from_slice(&b[range]),
            (Values::F64(a), Values::F64(b)) => a.extend_from_slice(&b[range]),
            (Values::U32(a), Values::U32(b)) => a.extend_from_slice(&b[range]),
            (Values::U64(a), Values::U64(b)) => a.extend_from_slice(&b[range]),
            _ => debug_assert!(false, "extend_from with values of another type"),
        }
    }

    /// Whether the two hold the same bits (NaN-safe equality).
    pub fn same_bits(&self, other: &Values) -> bool {
        match (self, other) {
            (Values::F32(a), Values::F32(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            (Values::F64(a), Values::F64(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            (Values::U32(a), Values::U32(b)) => a == b,
            (Values::U64(a), Values::U64(b)) => a == b,
            _ => false,
        }
    }
}

/// One named column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Name, unique within its table (`"v"`, `"pre.x0"`, `"hist.t"`).
    pub name: String,
    /// Along what the rows run.
    pub axis: Axis,
    /// Values per row.
    pub width: u32,
    /// Row-major values: `rows * width`.
    pub values: Values,
}

/// A number type a column can hold.
pub trait Element: Copy + 'static {
    /// The type's name, for errors.
    const NAME: &'static str;
    /// The values if `v` holds this type.
    fn of(v: &Values) -> Option<&[Self]>;
}

macro_rules! element {
    ($t:ty, $variant:ident, $name:literal) => {
        impl Element for $t {
            const NAME: &'static str = $name;
            fn of(v: &Values) -> Option<&[Self]> {
                match v {
                    Values::$variant(x) => Some(x),
                    _ => None,
                }
            }
        }
    };
}
element!(f32, F32, "f32");
element!(f64, F64, "f64");
element!(u32, U32, "u32");
element!(u64, U64, "u64");

impl Column {
    /// The error for a column that does not fit what restores it.
    pub fn misfit(&self, message: String) -> StateError {
        StateError::Shape { name: self.name.clone(), message }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len() / self.width.max(1) as usize
    }
}

/// The state of one kernel or rule instance: columns in the order written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateTable {
    /// The columns.
    pub columns: Vec<Column>,
}

impl StateTable {
    /// The column of this name.
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Why a state table cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// A column is missing or out of order.
    #[error("state column `{expected}` expected, found {found}")]
    Missing {
        /// The column the reader asked for.
        expected: String,
        /// What was there.
        found: String,
    },
    /// A column has another type, axis or length than the restoring object needs.
    #[error("state column `{name}`: {message}")]
    Shape {
        /// The column.
        name: String,
        /// What does not fit, naming the values.
        message: String,
    },
    /// Columns are left over after restoring.
    #[error("state column `{0}` is not read by this object")]
    Extra(String),
}

/// Writes columns in order; used by [`PlainState::save`].
#[derive(Debug, Default)]
pub struct StateWriter {
    prefix: String,
    table: StateTable,
}

impl StateWriter {
    /// An empty writer.
    pub fn new() -> Self {
        StateWriter::default()
    }

    /// The table written.
    pub fn finish(self) -> StateTable {
        self.table
    }

    /// Writes the columns of `f` with `name.` before their names.
    pub fn group(&mut self, name: &str, f: impl FnOnce(&mut StateWriter)) {
        let outer = self.prefix.clone();
        self.prefix = format!("{outer}{name}.");
        f(self);
        self.prefix = outer;
    }

    /// Writes a column.
    pub fn column(&mut self, name: &str, axis: Axis, width: usize, values: Values) {
        let axis = match axis {
            Axis::Entries(t) => Axis::Entries(format!("{}{t}", self.prefix)),
            a => a,
        };
        self.table.columns.push(Column { name: format!("{}{name}", self.prefix), axis, width: width as u32, values });
    }

    /// Writes an f32 column of width 1.
    pub fn f32(&mut self, name: &str, axis: Axis, v: &[f32]) {
        self.column(name, axis, 1, Values::F32(v.to_vec()));
    }

    /// Writes an f64 column of width 1.
    pub fn f64(&mut self, name: &str, axis: Axis, v: &[f64]) {
        self.column(name, axis, 1, Values::F64(v.to_vec()));
    }

    /// Writes a u32 column of width 1.
    pub fn u32(&mut self, name: &str, axis: Axis, v: &[u32]) {
        self.column(name, axis, 1, Values::U32(v.to_vec()));
    }

    /// Writes a u64 column of width 1.
    pub fn u64(&mut self, name: &str, axis: Axis, v: &[u64]) {
        self.column(name, axis, 1, Values::U64(v.to_vec()));
    }

    /// Writes one u64 scalar.
    pub fn scalar(&mut self, name: &str, v: u64) {
        self.u64(name, Axis::Scalar, &[v]);
    }
}

/// Reads columns back in the order they were written; used by [`PlainState::restore`].
#[derive(Debug)]
pub struct StateReader<'a> {
    prefix: String,
    columns: &'a [Column],
    next: usize,
}

impl<'a> StateReader<'a> {
    /// A reader over `table`.
    pub fn new(table: &'a StateTable) -> Self {
        StateReader { prefix: String::new(), columns: &table.columns, next: 0 }
    }

    /// Checks that every column was read.
    pub fn finish(self) -> Result<(), StateError> {
        match self.columns.get(self.next) {
            Some(c) => Err(StateError::Extra(c.name.clone())),
            None => Ok(()),
        }
    }

    /// Reads the columns of `f` under `name.`.
    pub fn group<T>(&mut self, name: &str, f: impl FnOnce(&mut StateReader<'a>) -> Result<T, StateError>) -> Result<T, StateError> {
        let outer = self.prefix.clone();
        self.prefix = format!("{outer}{name}.");
        let r = f(self);
        self.prefix = outer;
        r
    }

    /// The next column, which must be called `name`.
    pub fn column(&mut self, name: &str) -> Result<&'a Column, StateError> {
        let full = format!("{}{name}", self.prefix);
        match self.columns.get(self.next) {
            Some(c) if c.name == full => {
                self.next += 1;
                Ok(c)
            }
            Some(c) => Err(StateError::Missing { expected: full, found: format!("`{}`", c.name) }),
            None => Err(StateError::Missing { expected: full, found: "the end of the table".into() }),
        }
    }

    /// The next column, `name`, as `T` values in rows of `width`, and `rows` rows
    /// when given (the length of an entries column is free).
    pub fn values<T: Element>(&mut self, name: &str, rows: Option<usize>, width: usize) -> Result<(&'a Column, &'a [T]), StateError> {
        let c = self.column(name)?;
        match T::of(&c.values) {
            Some(v) if c.width as usize == width && rows.is_none_or(|n| v.len() == n * width) => Ok((c, v)),
            _ => {
                let want = rows.map_or(String::new(), |n| format!("{} ", n * width));
                Err(c.misfit(format!(
                    "{} values of {} in rows of {} where {want}{} in rows of {width} are needed",
                    c.values.len(),
                    c.values.type_name(),
                    c.width,
                    T::NAME
                )))
            }
        }
    }

    /// Reads a column of width 1 into `out`, whose length it must have.
    pub fn read_into<T: Element>(&mut self, name: &str, out: &mut [T]) -> Result<(), StateError> {
        let (_, v) = self.values::<T>(name, Some(out.len()), 1)?;
        out.copy_from_slice(v);
        Ok(())
    }

    /// [`StateReader::read_into`] for f32.
    pub fn f32_into(&mut self, name: &str, out: &mut [f32]) -> Result<(), StateError> {
        self.read_into(name, out)
    }

    /// [`StateReader::read_into`] for f64.
    pub fn f64_into(&mut self, name: &str, out: &mut [f64]) -> Result<(), StateError> {
        self.read_into(name, out)
    }

    /// [`StateReader::read_into`] for u32.
    pub fn u32_into(&mut self, name: &str, out: &mut [u32]) -> Result<(), StateError> {
        self.read_into(name, out)
    }

    /// [`StateReader::read_into`] for u64.
    pub fn u64_into(&mut self, name: &str, out: &mut [u64]) -> Result<(), StateError> {
        self.read_into(name, out)
    }

    /// Reads one u64 scalar.
    pub fn scalar(&mut self, name: &str) -> Result<u64, StateError> {
        let mut x = [0u64];
        self.u64_into(name, &mut x)?;
        Ok(x[0])
    }
}

/// Implemented by everything whose state a checkpoint holds.
///
/// **Contract:** `restore(save())` on an object built from the same graph, for the
/// same neurons and synapses, gives an object whose every later output is bit-for-bit
/// the same as the original's. Derived data (tables, indices built from parameters or
/// connectivity) is not saved; it is rebuilt from the graph.
pub trait PlainState {
    /// Writes every piece of state as named columns.
    fn save(&self, out: &mut StateWriter);
    /// Reads the columns `save` wrote, in the same order.
    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError>;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Toy {
        v: Vec<f32>,
        last: Vec<u64>,
        epoch: u64,
    }

    impl PlainState for Toy {
        fn save(&self, out: &mut StateWriter) {
            out.f32("v", Axis::Neuron, &self.v);
            out.group("pre", |w| w.u64("last", Axis::Source, &self.last));
            out.scalar("epoch", self.epoch);
        }
        fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
            r.f32_into("v", &mut self.v)?;
            r.group("pre", |r| r.u64_into("last", &mut self.last))?;
            self.epoch = r.scalar("epoch")?;
            Ok(())
        }
    }

    #[test]
    fn a_saved_table_restores_exactly() {
        let a = Toy { v: vec![1.5, f32::NAN, -0.0], last: vec![7, u64::MAX], epoch: 9 };
        let mut w = StateWriter::new();
        a.save(&mut w);
        let table = w.finish();
        assert_eq!(table.columns[1].name, "pre.last");
        let mut b = Toy { v: vec![0.0; 3], last: vec![0; 2], epoch: 0 };
        let mut r = StateReader::new(&table);
        b.restore(&mut r).unwrap();
        r.finish().unwrap();
        assert!(Values::F32(a.v.clone()).same_bits(&Values::F32(b.v.clone())));
        assert_eq!((a.last, a.epoch), (b.last, b.epoch));
    }

    #[test]
    fn a_table_that_does_not_fit_names_the_column() {
        let a = Toy { v: vec![1.0; 3], last: vec![0; 2], epoch: 1 };
        let mut w = StateWriter::new();
        a.save(&mut w);
        let table = w.finish();
        let mut b = Toy { v: vec![0.0; 4], last: vec![0; 2], epoch: 0 };
        let err = b.restore(&mut StateReader::new(&table)).unwrap_err();
        assert!(err.to_string().contains("`v`") && err.to_string().contains("4 f32"), "{err}");
        let mut c = StateTable { columns: table.columns[1..].to_vec() };
        c.columns.push(table.columns[0].clone());
        let err = Toy { v: vec![0.0; 3], last: vec![0; 2], epoch: 0 }.restore(&mut StateReader::new(&c)).unwrap_err();
        assert!(matches!(err, StateError::Missing { .. }), "{err}");
    }
}
