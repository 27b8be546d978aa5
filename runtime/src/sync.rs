//! The one place that chooses between `std` and loom primitives.
//!
//! **Invariant:** no other module of the runtime imports `std::sync` atomics,
//! `std::cell::UnsafeCell` or `std::thread` directly; under `--cfg loom` every
//! primitive here is loom's, so the loom models in [`crate::exchange`] explore the
//! real code.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Spin-wait hint; loom turns it into a yield so models terminate.
    #[inline]
    pub(crate) fn spin_hint() {
        std::hint::spin_loop();
    }

    /// Gives the core away (a waiting worker on an oversubscribed machine).
    #[inline]
    pub(crate) fn yield_now() {
        std::thread::yield_now();
    }

    /// `std`'s `UnsafeCell` behind loom's closure-based API.
    #[derive(Debug, Default)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) fn new(v: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(v))
        }
        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }
        #[inline]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    #[cfg(test)]
    pub(crate) use loom::sync::Arc;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    #[cfg(test)]
    pub(crate) use loom::thread;

    #[inline]
    pub(crate) fn spin_hint() {
        loom::thread::yield_now();
    }

    #[inline]
    pub(crate) fn yield_now() {
        loom::thread::yield_now();
    }
}

pub(crate) use imp::*;
