//! What crosses between shards, and the seam a transport plugs into.
//!
//! # Streams
//!
//! | stream | item | produced by | consumed by |
//! |---|---|---|---|
//! | binary spikes | [`Spike`]: a tick and a global id, nothing more | spiking populations and sources | projections (ring input, pre-triggered plasticity), rate guards, computed modulators |
//! | graded events | [`Graded`]: a tick, a global id and a value | rate populations (their output, when not zero) | projections (ring input, scaled by the value), signals, computed modulators |
//! | signals | per-neuron values `L_j = sum_k B_jk a_k` and per-population values | computed on the receiving shard from the two streams above | rules, through `Context::third` |
//!
//! A binary spike pays nothing for the other streams: spikes and graded events are
//! separate arrays, and a network without rate units leaves the graded array empty
//! (delivery takes the spikes-only path when it is).
//!
//! Signals have no wire format of their own, and that is a choice: every shard
//! receives every spike and graded event of a window anyway (it must, to deliver
//! them onto its neurons), so a signal's sum over source values is computed where its
//! target neurons live, in canonical order, exactly as a projection's synaptic sum
//! is. Sending the sums instead would add a second synchronisation for values each
//! shard can already compute. A transport that stops broadcasting (ranks on many
//! machines) routes a signal's source values like a projection's.
//!
//! Every stream travels with a delay of at least one tick, so a window never needs a
//! value produced inside itself.

/// One spike: the tick it was emitted at and the global id of its neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Spike {
    /// Emission tick.
    pub tick: u64,
    /// Global id of the source neuron.
    pub gid: u64,
}

/// One graded event: the output of a rate unit during one tick.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Graded {
    /// The tick whose output this is.
    pub tick: u64,
    /// Global id of the unit.
    pub gid: u64,
    /// The output (the model's rate, dimensionless).
    pub value: f32,
}

impl Graded {
    /// The canonical order key: `(tick, gid)`, shared with spikes.
    pub fn key(&self) -> (u64, u64) {
        (self.tick, self.gid)
    }
}

/// A run guard's verdict, carried with a window's events so that every shard learns
/// of it after the barrier (see `guards`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Alarm {
    /// The window boundary at which it was raised.
    pub tick: u64,
    /// Orders alarms so that the reported one does not depend on the sharding.
    pub key: (u8, u64, u64),
    pub message: String,
}

/// What one shard emitted in one window, each stream in canonical `(tick, gid)` order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// Spikes sorted by `(tick, gid)`.
    pub spikes: Vec<Spike>,
    /// Graded events sorted by `(tick, gid)`.
    pub graded: Vec<Graded>,
    /// A run guard's alarm raised in this window, if any.
    pub(crate) alarm: Option<Alarm>,
}

impl Batch {
    /// Empties the batch, keeping its allocations.
    pub fn clear(&mut self) {
        self.spikes.clear();
        self.graded.clear();
        self.alarm = None;
    }
}

/// The transport between the shards of one run: one outbox per shard and window,
/// read by every shard after the window's barrier.
///
/// Contract (the loom models of `exchange` check the in-process one): after
/// `barrier` returns in window `w`, `with_all(w & 1)` shows every shard's batch
/// published with parity `w & 1` in window `w`, in shard order, and nothing of any
/// other window.
pub(crate) trait Transport: Sync {
    /// Hands `batch` over as shard `shard`'s outbox of `parity`; `batch` comes back
    /// empty (with reusable allocations).
    fn publish(&self, shard: usize, parity: usize, batch: &mut Batch);
    /// Waits for every shard; an error means a shard stopped and the run cannot go on.
    fn barrier(&self) -> Result<(), crate::exchange::Poisoned>;
    /// Calls `f` with every shard's batch of `parity`, in shard order.
    fn with_all<R>(&self, parity: usize, f: impl FnOnce(&[&Batch]) -> R) -> R;
    /// Releases every shard waiting at the barrier (a shard failed).
    fn poison(&self);
}
