//! Typed handles returned by the [`Network`](crate::Network) builder.
//!
//! A handle carries the id of the network that issued it, so that using a handle
//! with another network is caught at `freeze()` instead of silently naming the
//! wrong population.

use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU32, Ordering};

/// Identifies one `Network` builder within a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NetId(pub u32);

impl NetId {
    /// A fresh id. A process-wide counter is the only shared state in this crate; it
    /// exists solely so handles from two networks can be told apart.
    pub(crate) fn fresh() -> NetId {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        NetId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            pub(crate) net: NetId,
            pub(crate) index: u32,
        }

        impl $name {
            /// The position of the item in its network (and in the frozen graph).
            pub fn index(self) -> usize {
                self.index as usize
            }
        }
    };
}

handle!(
    /// A population (neurons or a spike source).
    PopId
);
handle!(
    /// A projection between two populations.
    ProjId
);
handle!(
    /// A current stimulus injected into a population.
    StimId
);
handle!(
    /// A third-factor signal node (learning signal or modulator).
    ModId
);

/// What a probe records; the type parameter of [`Probe`].
pub mod probe_kind {
    /// Spike times and ids of one or more populations.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Spikes;
    /// A sampled state variable of some neurons.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct State;
    /// Sampled weights of a projection.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Weights;
    /// The population rate in time bins.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Rate;
}

/// A handle to a probe; `T` says what it records, so reading it returns the right type.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Probe<T> {
    pub(crate) net: NetId,
    pub(crate) index: u32,
    _kind: PhantomData<T>,
}

impl<T> Clone for Probe<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Probe<T> {}

impl<T> Probe<T> {
    pub(crate) fn new(net: NetId, index: u32) -> Self {
        Probe { net, index, _kind: PhantomData }
    }

    /// The position of the probe in its network (and in the frozen graph).
    pub fn index(self) -> usize {
        self.index as usize
    }

    /// The network that issued this handle.
    pub fn net(self) -> NetId {
        self.net
    }
}

impl PopId {
    /// The network that issued this handle.
    pub fn net(self) -> NetId {
        self.net
    }
}

impl ModId {
    /// The network that issued this handle.
    pub fn net(self) -> NetId {
        self.net
    }
}

impl ProjId {
    /// The network that issued this handle.
    pub fn net(self) -> NetId {
        self.net
    }
}
