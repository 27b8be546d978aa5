//! Number formats and the integer operations the chips' update rules are written in.
//!
//! Every rounding and overflow rule a target uses is one of these named values or
//! functions, so a plan can print exactly what it did (specs/targets.md, notation).

use serde::Serialize;

/// A scalar type of a target's state or parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scalar {
    /// IEEE single precision.
    F32,
    /// An integer of `bits` bits.
    Int {
        /// Width in bits.
        bits: u8,
        /// Whether it is two's-complement signed.
        signed: bool,
    },
}

/// How a real number becomes an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rounding {
    /// Round half to even (IEEE, NumPy's `np.round`).
    NearestEven,
    /// Round half up, `floor(x + 0.5)`.
    NearestTiesUp,
    /// Toward zero.
    TowardZero,
    /// Toward minus infinity (an arithmetic right shift).
    Floor,
}

/// What happens when a result leaves the format's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Overflow {
    /// Clamp to the nearest bound.
    Saturate,
    /// Wrap around (two's complement, or Lava's `wrap24`).
    Wrap,
}

/// A number format: type, rounding and overflow rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NumFormat {
    /// The scalar type.
    pub scalar: Scalar,
    /// Rounding when a value is quantised into it.
    pub rounding: Rounding,
    /// Overflow rule of arithmetic in it.
    pub overflow: Overflow,
}

impl std::fmt::Display for NumFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.scalar {
            Scalar::F32 => write!(f, "f32"),
            Scalar::Int { bits, signed } => write!(f, "{}{bits} ({:?}, {:?})", if signed { "i" } else { "u" }, self.rounding, self.overflow),
        }
    }
}

/// Round half to even.
pub fn round_even(x: f64) -> f64 {
    x.round_ties_even()
}

/// `x / 2^s` rounded toward zero: `sign(x) * (|x| >> s)`.
pub fn trunc0(x: i64, s: u32) -> i64 {
    if x >= 0 { x >> s } else { -((-x) >> s) }
}

/// Lava's 24-bit wrap of the synaptic current: subtract `2^24` once when `x > 2^23`,
/// add it once when `x <= -2^23` (so `+2^23` stays and `-2^23` becomes `+2^23`,
/// unlike a plain two's-complement wrap; specs "Checked against the simulators").
pub fn wrap24(x: i64) -> i64 {
    const M: i64 = 1 << 23;
    if x > M {
        x - 2 * M
    } else if x <= -M {
        x + 2 * M
    } else {
        x
    }
}

/// Clamps `x` to the signed `bits`-bit range `[-2^(bits-1), 2^(bits-1) - 1]`.
pub fn sat(x: i64, bits: u32) -> i64 {
    let hi = (1i64 << (bits - 1)) - 1;
    x.clamp(-hi - 1, hi)
}

/// A shift by `e` places: left for `e >= 0`, an arithmetic (floor) right shift else.
pub fn shift(x: i64, e: i32) -> i64 {
    if e >= 0 { x << e } else { x >> (-e) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notation_of_the_spec() {
        assert_eq!(trunc0(4095, 12), 0);
        assert_eq!(trunc0(-4095, 12), 0);
        assert_eq!(trunc0(4095 * 4095, 12), 4094);
        assert_eq!(trunc0(-4095 * 4095, 12), -4094);
        assert_eq!(wrap24(1 << 23), 1 << 23);
        assert_eq!(wrap24(-(1 << 23)), 1 << 23);
        assert_eq!(wrap24(-(1 << 23) - 1), (1 << 23) - 1);
        assert_eq!(wrap24((1 << 23) + 1), -(1 << 23) + 1);
        assert_eq!(sat(32768, 16), 32767);
        assert_eq!(sat(-40000, 16), -32768);
        assert_eq!(round_even(2.5), 2.0);
        assert_eq!(round_even(-230.5), -230.0);
        assert_eq!(shift(-3, -1), -2);
        assert_eq!(shift(3, 2), 12);
    }
}
