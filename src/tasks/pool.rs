//! The grid of a comparison task: every `(variant, seed)` run on a pool of threads,
//! reported as it finishes, stopped at the first error or a stop request.

use super::{Progress, TaskError};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs `run(v, s)` for every variant `v < variants` and seed index `s < seeds` on up
/// to `threads` threads; each result is reported to `progress` with
/// `describe(v, s, &result)` as it arrives, an error becomes `fail(e)` and stops the
/// rest, a stop request ends the task as [`TaskError::Interrupted`]. Returns
/// `out[v][s]`, whatever order the runs finished in.
pub(crate) fn variants_by_seeds<R: Send, E: Send>(
    (variants, seeds): (usize, usize),
    threads: usize,
    task: &'static str,
    progress: &mut dyn Progress,
    run: &(dyn Fn(usize, usize) -> Result<R, E> + Sync),
    fail: &dyn Fn(E) -> TaskError,
    describe: &dyn Fn(usize, usize, &R) -> String,
) -> Result<Vec<Vec<R>>, TaskError> {
    let jobs: Vec<(usize, usize)> = (0..variants).flat_map(|v| (0..seeds).map(move |s| (v, s))).collect();
    let (next, stop) = (AtomicUsize::new(0), AtomicBool::new(false));
    let mut slots: Vec<Vec<Option<R>>> = (0..variants).map(|_| (0..seeds).map(|_| None).collect()).collect();
    std::thread::scope(|scope| -> Result<(), TaskError> {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            let (tx, jobs, next, stop) = (tx.clone(), &jobs, &next, &stop);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= jobs.len() || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let (v, s) = jobs[i];
                    if tx.send((v, s, run(v, s))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for (v, s, result) in rx {
            let result = result.map_err(|e| {
                stop.store(true, Ordering::Relaxed);
                fail(e)
            })?;
            progress.advance(1, &describe(v, s, &result));
            slots[v][s] = Some(result);
            if progress.stop_requested() {
                stop.store(true, Ordering::Relaxed);
                return Err(TaskError::Interrupted { task });
            }
        }
        Ok(())
    })?;
    Ok(slots.into_iter().map(|rs| rs.into_iter().flatten().collect()).collect())
}
