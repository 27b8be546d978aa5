//! The data of specs 10.2 and 10.3: randman classes (Zenke & Vogels 2021) coded as
//! spike latencies, cut into tasks.
//!
//! Every class is a smooth random 1-D manifold in the `D = 20`-dimensional unit cube
//! ([`Randman`]); a sample is a point on its class's manifold, and each of its
//! coordinates sets the single spike time of one input neuron inside a window of
//! `window` ticks ([`latency_code`]). Samples are counter-based draws keyed by
//! `(seed, part, class, index)`, so a seed determines every task.
//!
//! - Permuted manifolds (10.2, domain-incremental): task `k` holds every class and
//!   sends input channel `d` to input neuron `π_k(d)`, a fixed random permutation
//!   per task drawn from the seed; task 0 is the identity.
//! - Split classes (10.3): task `k` holds classes `2k` and `2k + 1`, unpermuted.
//!
//! Training samples are indices `0..train` of each class, test samples indices
//! `0..test` of the test part: the same points in every permuted task (only the
//! channels move), as in permuted MNIST.

use crate::tasks::disinhibition_data::{Randman, latency_code};
use synfire_graphs::rng::{Domain, uniform_at};

/// How the classes are cut into tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Spec 10.2: every task holds every class, task `k` behind its own
    /// permutation of the input channels (task 0 unpermuted).
    Permuted,
    /// Spec 10.3: task `k` holds classes `2k, 2k + 1`.
    Classes,
}

/// One trial's input and label.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Input spikes `(trial tick, input neuron)`: one per input neuron.
    pub input: Vec<(u64, u32)>,
    /// The class.
    pub label: usize,
}

/// One task of a randman scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassTask {
    /// Which task of the scenario (0-based).
    pub task: usize,
    /// The classes the task holds (its readouts, for task-incremental decisions).
    pub classes: Vec<usize>,
    /// Training samples, class by class interleaved (sample 0 of every class, then 1, ...).
    pub train: Vec<Sample>,
    /// Test samples, in the same order.
    pub test: Vec<Sample>,
}

/// What the tasks draw from the task stream.
const ID_PERMUTATION: u64 = 40 << 20;
const ID_ORDER: u64 = 41 << 20;

/// Fisher–Yates on the task stream: a permutation of `0..n` keyed by `id`.
fn shuffle(seed: u64, id: u64, n: usize) -> Vec<usize> {
    let mut o: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let r = ((uniform_at(seed, Domain::Task, id, i as u64) * (i + 1) as f64) as usize).min(i);
        o.swap(i, r);
    }
    o
}

/// The permutation of task `k`'s input channels (`π[d]` the neuron of channel
/// `d`): the identity for task 0.
pub fn permutation(seed: u64, k: usize, dims: usize) -> Vec<usize> {
    if k == 0 { (0..dims).collect() } else { shuffle(seed, ID_PERMUTATION + k as u64, dims) }
}

/// The presentation order of epoch `e` of task `k` over `n` training samples.
pub fn order(seed: u64, k: usize, e: usize, n: usize) -> Vec<usize> {
    shuffle(seed, ID_ORDER + ((k as u64) << 16) + e as u64, n)
}

/// The `tasks` tasks of `split` for `seed`: `train` and `test` samples per class
/// (the sizes of `data` are ignored), coded in windows of `window` ticks.
pub fn tasks(data: &Randman, split: Split, tasks: usize, train: usize, test: usize, window: u64, seed: u64) -> Vec<ClassTask> {
    let manifolds = data.manifolds(seed);
    (0..tasks)
        .map(|k| {
            let (classes, perm) = match split {
                Split::Permuted => ((0..data.classes).collect::<Vec<_>>(), permutation(seed, k, data.dims)),
                Split::Classes => ((2 * k..(2 * k + 2).min(data.classes)).collect(), (0..data.dims).collect()),
            };
            let set = |n: usize, part: u64| -> Vec<Sample> {
                (0..n as u64)
                    .flat_map(|i| classes.iter().map(move |&c| (i, c)))
                    .map(|(i, c)| {
                        let x = manifolds[c].sample(seed, part, c, i);
                        let mut input: Vec<(u64, u32)> = latency_code(&x, window).into_iter().map(|(t, d)| (t, perm[d as usize] as u32)).collect();
                        input.sort_unstable();
                        Sample { input, label: c }
                    })
                    .collect()
            };
            ClassTask { task: k, train: set(train, 0), test: set(test, 1), classes }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permuted_tasks_move_the_channels_of_the_same_points() {
        let t = tasks(&Randman::SPEC_10_2, Split::Permuted, 3, 2, 1, 50, 7);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].classes, (0..10).collect::<Vec<_>>());
        assert_eq!((t[1].train.len(), t[1].test.len()), (20, 10));
        let perm = permutation(7, 2, 20);
        assert_ne!(perm, (0..20).collect::<Vec<_>>(), "task 2 is permuted");
        for (a, b) in t[0].train.iter().zip(&t[2].train) {
            assert_eq!(a.label, b.label);
            let mut moved: Vec<(u64, u32)> = a.input.iter().map(|&(tick, d)| (tick, perm[d as usize] as u32)).collect();
            moved.sort_unstable();
            assert_eq!(moved, b.input, "the same spike times on permuted neurons");
        }
        assert_eq!(t, tasks(&Randman::SPEC_10_2, Split::Permuted, 3, 2, 1, 50, 7), "seeded");
    }

    #[test]
    fn split_tasks_hold_two_classes_each() {
        let t = tasks(&Randman::SPEC_10_2, Split::Classes, 5, 3, 2, 50, 1);
        for (k, task) in t.iter().enumerate() {
            assert_eq!(task.classes, [2 * k, 2 * k + 1]);
            assert!(task.train.iter().chain(&task.test).all(|s| task.classes.contains(&s.label) && s.input.len() == 20));
            assert_eq!((task.train.len(), task.test.len()), (6, 4));
        }
        let o = order(1, 2, 3, 10);
        let mut sorted = o.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_ne!(o, order(1, 2, 4, 10), "each epoch has its own order");
    }
}
