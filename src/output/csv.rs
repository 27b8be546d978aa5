//! What every CSV file shares: times printed from integer ticks, and quoted fields.

use std::fmt;

/// Prints tick counts as milliseconds with the fixed number of decimals that `dt`
/// needs, by integer arithmetic: tick 12 of dt 0.1 ms is `1.2`, never
/// `1.2000000000000002`, and large ticks stay exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    dt_ms: f64,
    decimals: usize,
    /// `dt` in units of `10^-decimals` ms when it is a whole number of them.
    units: Option<u64>,
}

impl Clock {
    /// The clock of time step `dt_ms`.
    pub fn new(dt_ms: f64) -> Clock {
        let exact = |d: usize| {
            let scaled = dt_ms * 10f64.powi(d as i32);
            ((scaled - scaled.round()).abs() < 1e-9 && scaled.round() >= 1.0).then_some(scaled.round() as u64)
        };
        match (0..=6).find_map(|d| exact(d).map(|u| (d, u))) {
            Some((decimals, units)) => Clock { dt_ms, decimals, units: Some(units) },
            None => Clock { dt_ms, decimals: 6, units: None },
        }
    }

    /// Decimals printed after the point.
    pub fn decimals(&self) -> usize {
        self.decimals
    }

    /// Tick `tick` in milliseconds, for printing.
    pub fn ms(&self, tick: u64) -> Ms {
        Ms { clock: *self, tick }
    }
}

/// A tick printed in milliseconds (see [`Clock`]).
#[derive(Debug, Clone, Copy)]
pub struct Ms {
    clock: Clock,
    tick: u64,
}

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.clock.decimals;
        match self.clock.units {
            Some(units) => {
                let total = u128::from(self.tick) * u128::from(units);
                let scale = 10u128.pow(d as u32);
                if d == 0 { write!(f, "{total}") } else { write!(f, "{}.{:0d$}", total / scale, total % scale) }
            }
            // A dt that no decimal fraction of at most 6 digits holds exactly.
            None => write!(f, "{:.*}", d, self.tick as f64 * self.clock.dt_ms),
        }
    }
}

/// Quotes a field that holds a comma, quote or line break (RFC 4180).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_exact_decimals_of_ticks() {
        let cases = [(0.1, 12, "1.2"), (0.1, 0, "0.0"), (1.0, 7, "7"), (0.025, 3, "0.075"), (0.1, 123_456_789_012, "12345678901.2"), (0.5, 3, "1.5")];
        for (dt, tick, want) in cases {
            assert_eq!(Clock::new(dt).ms(tick).to_string(), want, "dt {dt}, tick {tick}");
        }
        assert_eq!(Clock::new(0.1).decimals(), 1);
        // No exact decimal: six digits from the float product.
        assert_eq!(Clock::new(1.0 / 3.0).ms(3).to_string(), "1.000000");
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(field("E"), "E");
        assert_eq!(field("I,x"), "\"I,x\"");
        assert_eq!(field("a\"b"), "\"a\"\"b\"");
    }
}
