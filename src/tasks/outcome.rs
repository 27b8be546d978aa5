//! What a task returns: report fields, figures, tables and a summary, as data.

use serde::Serialize;

/// The results of a task, written by `synfire run` into the output directory.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    /// The task's fields of `report.json` (beside `task`, `seeds` and `workers`, which
    /// the writer adds). Figures over seeds belong here as [`Stats`](super::Stats).
    pub report: serde_json::Map<String, serde_json::Value>,
    /// Plots, one SVG file each.
    pub figures: Vec<Figure>,
    /// Matrices drawn as coloured grids (accuracy matrices), one SVG file each.
    pub heatmaps: Vec<Heatmap>,
    /// CSV tables, one file each.
    pub tables: Vec<Table>,
    /// A plain-text summary with fixed columns, printed on stdout.
    pub summary: String,
}

impl Outcome {
    /// Sets the report field `key` (anything serialisable; a value that cannot be
    /// written as JSON becomes `null`).
    pub fn set(&mut self, key: &str, value: impl Serialize) {
        self.report.insert(key.to_string(), serde_json::to_value(value).unwrap_or(serde_json::Value::Null));
    }
}

/// A line plot: one or more series over a common x axis.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figure {
    /// File name in the output directory (`learning_curve.svg`).
    pub file: String,
    /// Title over the plot.
    pub title: String,
    /// What x is, with its unit (`iteration`).
    pub x_label: String,
    /// What y is, with its unit (`nMSE`).
    pub y_label: String,
    /// Logarithmic x axis (values must be positive).
    pub log_x: bool,
    /// Logarithmic y axis (values must be positive).
    pub log_y: bool,
    /// The lines.
    pub series: Vec<Series>,
}

/// One line of a figure, optionally with a band of ± `spread` around it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Half-width of the band at each point (a standard deviation over seeds); empty
    /// for no band.
    pub spread: Vec<f64>,
}

/// Matrices of numbers in a fixed range drawn as grids of coloured, labelled cells:
/// one panel per matrix, side by side, all on one colour scale.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Heatmap {
    /// File name in the output directory (`accuracy_matrix.svg`).
    pub file: String,
    /// Title over the panels.
    pub title: String,
    /// What the rows are (`after training task`), drawn top to bottom.
    pub row_label: String,
    /// What the columns are (`accuracy on task`).
    pub column_label: String,
    /// Row names, as many as every matrix has rows.
    pub rows: Vec<String>,
    /// Column names, as many as every matrix has columns.
    pub columns: Vec<String>,
    /// The values the colour scale spans (`(0.0, 1.0)` for accuracies); values
    /// outside are drawn in the end colours.
    pub range: (f64, f64),
    /// The panels: a name and a matrix (rows of columns).
    pub panels: Vec<(String, Vec<Vec<f64>>)>,
}

/// A CSV table: a header and rows of numbers or words.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    /// File name in the output directory (`accuracy_plain.csv`).
    pub file: String,
    /// What the table holds, one sentence (for `outputs.json`).
    pub what: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}
