//! Continual-learning metrics (spec 10.6) as pure functions of an accuracy matrix.
//!
//! `R[i][j]` is the performance on task `j` after finishing training on task `i`
//! (`T` tasks, 0-based here), `b[j]` the untrained network's performance on task `j`
//! (Lopez-Paz & Ranzato 2017; Chaudhry et al. 2018):
//!
//! ```text
//! average accuracy   A   = (1/T) Σ_j R[T-1][j]
//! learning accuracy  LA  = (1/T) Σ_j R[j][j]
//! backward transfer  BWT = (1/(T-1)) Σ_{j<T-1} (R[T-1][j] - R[j][j])
//! forward transfer   FWT = (1/(T-1)) Σ_{j>0} (R[j-1][j] - b[j])
//! forgetting (best past, Chaudhry)  F  = (1/(T-1)) Σ_{j<T-1} (max_{l<T-1} R[l][j] - R[T-1][j])
//! forgetting (just after, Avalanche) F' = (1/(T-1)) Σ_{j<T-1} (R[j][j] - R[T-1][j])
//! ```
//!
//! The best-past maximum runs over every evaluation before the last, as spec 10.6
//! writes it (`l in 1..T-1`), so it also counts a task's accuracy before it was
//! trained; `F >= F'` always.

use serde::Serialize;

/// Why an accuracy matrix is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// No tasks.
    #[error("an accuracy matrix needs at least one task")]
    Empty,
    /// Row `row` has `len` entries instead of `tasks`.
    #[error("accuracy matrix row {row} has {len} entries, expected {tasks} (one per task)")]
    NotSquare {
        /// The row.
        row: usize,
        /// Its length.
        len: usize,
        /// The number of tasks.
        tasks: usize,
    },
    /// The baseline has `len` entries instead of `tasks`.
    #[error("baseline has {len} entries, expected {tasks}")]
    Baseline {
        /// Its length.
        len: usize,
        /// The number of tasks.
        tasks: usize,
    },
    /// A value is not finite.
    #[error("accuracy matrix entry [{row}][{col}] = {value} is not finite")]
    NotFinite {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
        /// The value.
        value: f64,
    },
}

/// A checked `T x T` accuracy matrix with the untrained baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyMatrix {
    /// `r[i][j]`: performance on task `j` after training task `i`.
    pub r: Vec<Vec<f64>>,
    /// `b[j]`: performance on task `j` before any training.
    pub baseline: Vec<f64>,
}

/// Every metric of spec 10.6 for one matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    /// `A`: mean final performance.
    pub average_accuracy: f64,
    /// `LA`: mean performance just after training each task (plasticity).
    pub learning_accuracy: f64,
    /// `BWT` (negative: forgetting); 0 for one task.
    pub backward_transfer: f64,
    /// `FWT`; 0 for one task.
    pub forward_transfer: f64,
    /// `F`, best past minus final; 0 for one task.
    pub forgetting_best_past: f64,
    /// `F'`, just after training minus final (Avalanche); 0 for one task.
    pub forgetting_after_training: f64,
}

impl AccuracyMatrix {
    /// Checks shape and values.
    pub fn new(r: Vec<Vec<f64>>, baseline: Vec<f64>) -> Result<Self, MetricsError> {
        let t = r.len();
        if t == 0 {
            return Err(MetricsError::Empty);
        }
        if baseline.len() != t {
            return Err(MetricsError::Baseline { len: baseline.len(), tasks: t });
        }
        for (i, row) in r.iter().enumerate() {
            if row.len() != t {
                return Err(MetricsError::NotSquare { row: i, len: row.len(), tasks: t });
            }
            if let Some((j, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(MetricsError::NotFinite { row: i, col: j, value: v });
            }
        }
        Ok(AccuracyMatrix { r, baseline })
    }

    /// The number of tasks.
    pub fn tasks(&self) -> usize {
        self.r.len()
    }

    /// `A`.
    pub fn average_accuracy(&self) -> f64 {
        mean(self.r[self.tasks() - 1].iter().copied())
    }

    /// `LA`.
    pub fn learning_accuracy(&self) -> f64 {
        mean((0..self.tasks()).map(|j| self.r[j][j]))
    }

    /// `BWT`.
    pub fn backward_transfer(&self) -> f64 {
        let last = self.tasks() - 1;
        mean((0..last).map(|j| self.r[last][j] - self.r[j][j]))
    }

    /// `FWT`.
    pub fn forward_transfer(&self) -> f64 {
        mean((1..self.tasks()).map(|j| self.r[j - 1][j] - self.baseline[j]))
    }

    /// `F`, best past minus final.
    pub fn forgetting_best_past(&self) -> f64 {
        let last = self.tasks() - 1;
        mean((0..last).map(|j| (0..last).map(|l| self.r[l][j]).fold(f64::NEG_INFINITY, f64::max) - self.r[last][j]))
    }

    /// `F'`, just after training minus final.
    pub fn forgetting_after_training(&self) -> f64 {
        let last = self.tasks() - 1;
        mean((0..last).map(|j| self.r[j][j] - self.r[last][j]))
    }

    /// All of them.
    pub fn metrics(&self) -> Metrics {
        Metrics {
            average_accuracy: self.average_accuracy(),
            learning_accuracy: self.learning_accuracy(),
            backward_transfer: self.backward_transfer(),
            forward_transfer: self.forward_transfer(),
            forgetting_best_past: self.forgetting_best_past(),
            forgetting_after_training: self.forgetting_after_training(),
        }
    }
}

/// Mean of the values, 0 for none (a one-task matrix has no transfer or forgetting).
fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { s / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tasks; values chosen so every metric differs (hand-computed below).
    fn fixed() -> AccuracyMatrix {
        AccuracyMatrix::new(vec![vec![0.9, 0.3, 0.5], vec![0.6, 0.8, 0.4], vec![0.7, 0.5, 1.0]], vec![0.5, 0.4, 0.5]).unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn metrics_equal_hand_computed_values() {
        let m = fixed().metrics();
        close(m.average_accuracy, (0.7 + 0.5 + 1.0) / 3.0);
        close(m.learning_accuracy, (0.9 + 0.8 + 1.0) / 3.0);
        close(m.backward_transfer, ((0.7 - 0.9) + (0.5 - 0.8)) / 2.0);
        close(m.forward_transfer, ((0.3 - 0.4) + (0.4 - 0.5)) / 2.0);
        // Task 0: best past max(0.9, 0.6) = 0.9; task 1: max(0.3, 0.8) = 0.8.
        close(m.forgetting_best_past, ((0.9 - 0.7) + (0.8 - 0.5)) / 2.0);
        close(m.forgetting_after_training, ((0.9 - 0.7) + (0.8 - 0.5)) / 2.0);
    }

    #[test]
    fn the_two_forgetting_conventions_differ_when_a_task_peaks_later() {
        // Task 0 improves while task 1 trains (0.6 -> 0.8), then drops to 0.5.
        let m = AccuracyMatrix::new(vec![vec![0.6, 0.5, 0.5], vec![0.8, 0.9, 0.5], vec![0.5, 0.9, 0.9]], vec![0.5; 3]).unwrap();
        close(m.forgetting_best_past(), ((0.8 - 0.5) + (0.9 - 0.9)) / 2.0);
        close(m.forgetting_after_training(), ((0.6 - 0.5) + (0.9 - 0.9)) / 2.0);
    }

    #[test]
    fn one_task_has_no_transfer_or_forgetting() {
        let m = AccuracyMatrix::new(vec![vec![0.8]], vec![0.5]).unwrap().metrics();
        close(m.average_accuracy, 0.8);
        close(m.learning_accuracy, 0.8);
        assert_eq!((m.backward_transfer, m.forward_transfer, m.forgetting_best_past, m.forgetting_after_training), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn bad_matrices_are_refused_with_the_offending_entry() {
        assert_eq!(AccuracyMatrix::new(vec![], vec![]), Err(MetricsError::Empty));
        assert_eq!(AccuracyMatrix::new(vec![vec![1.0, 0.5], vec![1.0]], vec![0.5; 2]), Err(MetricsError::NotSquare { row: 1, len: 1, tasks: 2 }));
        assert_eq!(AccuracyMatrix::new(vec![vec![1.0]], vec![]), Err(MetricsError::Baseline { len: 0, tasks: 1 }));
        assert!(matches!(AccuracyMatrix::new(vec![vec![f64::NAN]], vec![0.5]), Err(MetricsError::NotFinite { row: 0, col: 0, .. })));
    }
}
