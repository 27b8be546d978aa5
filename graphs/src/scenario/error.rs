//! Why a scenario file could not be read.

use crate::error::Problem;
use std::path::PathBuf;

/// Why a scenario could not be read or frozen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The text is not TOML, or does not fit the schema (an unknown key, a missing
    /// key, a value of the wrong type). Line and column count from 1; columns in characters.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// Line of the offending text.
        line: usize,
        /// Column of the offending text.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file reads, but what it describes is wrong: every problem, with paths into
    /// the file (`projection[0].p`).
    #[error("{} problem(s) in the scenario:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl ScenarioError {
    /// The problems of an [`ScenarioError::Invalid`] error; empty otherwise.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Invalid(p) => p,
            _ => &[],
        }
    }

    /// A syntax error at byte `offset` of `text`.
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_col(text, offset);
        ScenarioError::Syntax { line, column, message: message.into() }
    }

    pub(crate) fn toml(text: &str, e: &toml::de::Error) -> Self {
        Self::at(text, e.span().map_or(0, |s| s.start), e.message())
    }
}

/// Line and column (from 1, columns in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a = 1\nbé = x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 11), (2, 5));
        assert_eq!(line_col(text, 8), (2, 2)); // inside `é`: the column of `é`
        assert_eq!(line_col(text, 999), (3, 1));
    }
}
