//! The in-process exchange between shards: double-buffered outboxes and one barrier per
//! window.
//!
//! # Protocol
//!
//! The in-process [`Transport`]. Window `w` of every shard runs: (1) integrate; (2) write its own events into its
//! outbox of parity `w & 1` ([`Exchange::publish`]); (3) [`Exchange::barrier`]; (4)
//! read every shard's outbox of parity `w & 1` and deliver ([`Exchange::with_all`]).
//!
//! # Ownership table
//!
//! | field | written by | when | read by | when |
//! |---|---|---|---|---|
//! | `boxes[p][s]` | shard `s` only | step 2 of windows with `w & 1 == p` | every shard | step 4 of the same window |
//!
//! Why one barrier suffices: shard `s` rewrites `boxes[p][s]` in window `w + 2`,
//! after the barrier that ends window `w + 1`, and every reader finished reading it
//! (step 4 of window `w`) before reaching that barrier. Window `w + 1` writes the
//! other parity, so its writes never meet step-4 reads of window `w`. The barrier's
//! release/acquire pair makes step-2 writes visible to the step-4 reads. The loom
//! models below check exactly this.

use crate::sync::{AtomicBool, AtomicUsize, Ordering, UnsafeCell, spin_hint, yield_now};
use crate::transport::{Batch, Transport};

/// A sense-reversing barrier that spins briefly, then yields: windows are short
/// (often one tick), so parking a thread would cost more than the work.
#[derive(Debug)]
pub(crate) struct SpinBarrier {
    parties: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    poisoned: AtomicBool,
}

/// Returned by a barrier whose party died; the run cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Poisoned;

impl SpinBarrier {
    pub(crate) fn new(parties: usize) -> Self {
        SpinBarrier { parties, arrived: AtomicUsize::new(0), generation: AtomicUsize::new(0), poisoned: AtomicBool::new(false) }
    }

    /// Waits until all parties have arrived. Everything a party wrote before its
    /// call is visible to every party after the call returns.
    pub(crate) fn wait(&self) -> Result<(), Poisoned> {
        if self.parties <= 1 {
            return Ok(());
        }
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.parties {
            // Reset before releasing: nobody re-arrives until it sees the new generation.
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
            return Ok(());
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            if self.poisoned.load(Ordering::Relaxed) {
                return Err(Poisoned);
            }
            spins += 1;
            if spins < 64 {
                spin_hint();
            } else {
                yield_now();
            }
        }
        Ok(())
    }

    /// Marks the barrier dead so that waiting parties stop instead of hanging.
    pub(crate) fn poison(&self) {
        self.poisoned.store(true, Ordering::Relaxed);
    }
}

/// The exchange shared by all shards of a runtime.
#[derive(Debug)]
pub(crate) struct Exchange {
    boxes: [Vec<UnsafeCell<Batch>>; 2],
    barrier: SpinBarrier,
}

// SAFETY: access to each `UnsafeCell` follows the ownership table of the module docs:
// one writer per box, and reads and writes of a box are separated by the barrier.
unsafe impl Sync for Exchange {}
// SAFETY: the boxes hold plain owned data; moving the exchange moves them.
unsafe impl Send for Exchange {}

impl Exchange {
    pub(crate) fn new(shards: usize) -> Self {
        let make = || (0..shards).map(|_| UnsafeCell::new(Batch::default())).collect();
        Exchange { boxes: [make(), make()], barrier: SpinBarrier::new(shards) }
    }

    fn shards(&self) -> usize {
        self.boxes[0].len()
    }
}

impl Transport for Exchange {
    /// Step 2: swaps `batch` into shard `shard`'s outbox of `parity`; `batch` gets
    /// back the box's previous (stale) contents, cleared, to reuse its allocation.
    fn publish(&self, shard: usize, parity: usize, batch: &mut Batch) {
        self.boxes[parity & 1][shard].with_mut(|ptr| {
            // SAFETY: only shard `shard` writes this box, and no reader of this
            // parity is active between the barrier that ended the previous window
            // and the next barrier (see the module's ownership table).
            let slot = unsafe { &mut *ptr };
            std::mem::swap(slot, batch);
        });
        batch.clear();
    }

    /// Step 4: calls `f` with every shard's outbox of `parity`, in shard order.
    /// Called after the barrier that ends the window in which they were published.
    fn with_all<R>(&self, parity: usize, f: impl FnOnce(&[&Batch]) -> R) -> R {
        fn nest<'a, R>(cells: &'a [UnsafeCell<Batch>], acc: &mut Vec<&'a Batch>, f: impl FnOnce(&[&Batch]) -> R) -> R {
            match cells.split_first() {
                None => f(acc),
                Some((cell, rest)) => cell.with(|ptr| {
                    // SAFETY: the writer of this box published it before the barrier that
                    // precedes this call and writes it again only after the next barrier,
                    // which this reader reaches after `f` returns.
                    acc.push(unsafe { &*ptr });
                    nest(rest, acc, f)
                }),
            }
        }
        let mut acc = Vec::with_capacity(self.shards());
        nest(&self.boxes[parity & 1], &mut acc, f)
    }

    fn barrier(&self) -> Result<(), Poisoned> {
        self.barrier.wait()
    }

    fn poison(&self) {
        self.barrier.poison();
    }
}

#[cfg(all(test, loom))]
mod loom_models {
    use super::*;
    use crate::sync::{Arc, thread};
    use crate::transport::{Graded, Spike};

    /// Two shards exchange one spike and one graded event per window for three
    /// windows; each must read exactly the other's events of the same window, never
    /// a torn or future one, and the two streams of a batch together.
    #[test]
    fn double_buffered_exchange_delivers_each_window_once() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let ex = Arc::new(Exchange::new(2));
            let handles: Vec<_> = (0..2)
                .map(|me| {
                    let ex = ex.clone();
                    thread::spawn(move || {
                        let mut batch = Batch::default();
                        let mut seen = Vec::new();
                        for w in 0..3u64 {
                            batch.spikes.push(Spike { tick: w, gid: me as u64 });
                            batch.graded.push(Graded { tick: w, gid: me as u64, value: w as f32 + 0.5 });
                            ex.publish(me, (w & 1) as usize, &mut batch);
                            ex.barrier().expect("no party dies in this model");
                            ex.with_all((w & 1) as usize, |boxes| {
                                for (s, b) in boxes.iter().enumerate() {
                                    if s != me {
                                        seen.extend(b.spikes.iter().map(|x| x.tick));
                                        assert_eq!(b.graded.iter().map(|g| (g.tick, g.value)).collect::<Vec<_>>(), vec![(w, w as f32 + 0.5)]);
                                    }
                                }
                            });
                        }
                        seen
                    })
                })
                .collect();
            for h in handles {
                let seen = h.join().expect("thread ran");
                assert_eq!(seen, vec![0, 1, 2]);
            }
        });
    }

    /// The barrier publishes writes made before it to every party after it.
    #[test]
    fn barrier_orders_writes_before_reads() {
        loom::model(|| {
            let b = Arc::new(SpinBarrier::new(2));
            let flag = Arc::new(AtomicUsize::new(0));
            let t = {
                let (b, flag) = (b.clone(), flag.clone());
                thread::spawn(move || {
                    flag.store(1, Ordering::Relaxed);
                    b.wait().expect("alive");
                })
            };
            let t2 = {
                let (b, flag) = (b.clone(), flag.clone());
                thread::spawn(move || {
                    b.wait().expect("alive");
                    assert_eq!(flag.load(Ordering::Relaxed), 1);
                })
            };
            t.join().expect("joined");
            t2.join().expect("joined");
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn four_threads_cross_many_barriers_in_lockstep() {
        let b = Arc::new(SpinBarrier::new(4));
        let counter = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let (b, c) = (b.clone(), counter.clone());
                std::thread::spawn(move || {
                    for round in 0..500usize {
                        c.fetch_add(1, Ordering::Relaxed);
                        b.wait().expect("alive");
                        assert!(c.load(Ordering::Relaxed) >= 4 * (round + 1));
                        b.wait().expect("alive");
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().expect("joined");
        }
    }

    #[test]
    fn poisoned_barrier_releases_waiters() {
        let b = Arc::new(SpinBarrier::new(2));
        let b2 = b.clone();
        let h = std::thread::spawn(move || b2.wait());
        std::thread::sleep(std::time::Duration::from_millis(20));
        b.poison();
        assert_eq!(h.join().expect("joined"), Err(Poisoned));
    }
}
