//! The soft rectifier of specs 5.1 and what the rule needs of it, in f64 (for
//! builders, tests and trainers) and in f32 (for the running rule).
//!
//! `phi(u) = s ln(1 + exp(k (u - u_0)))`, so `exp(r / s) = 1 + exp(z)` with
//! `z = k (u - u_0)`, which gives the derivative and the inverse as functions of the
//! output `r`: `phi' = s k sigmoid(z) = s k (1 - exp(-r / s))` and
//! `phi^{-1}(r) = u_0 + ln(exp(r / s) - 1) / k`.

/// Smallest output the inverse reads, relative to the scale: below it `phi^{-1}`
/// would run to minus infinity for a silent unit.
const FLOOR: f64 = 1e-6;

/// A soft rectifier `phi(u) = scale * ln(1 + exp(gain (u - theta)))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Softplus {
    /// `s`, the output scale.
    pub scale: f64,
    /// `k`, the sharpness.
    pub gain: f64,
    /// `u_0`, the offset.
    pub theta: f64,
}

impl Softplus {
    /// `s = k = 1`, `u_0 = 0`: the benchmarks' activation.
    pub const UNIT: Softplus = Softplus { scale: 1.0, gain: 1.0, theta: 0.0 };

    /// `phi(u)`, stable for large `|z|`.
    pub fn phi(&self, u: f64) -> f64 {
        let z = self.gain * (u - self.theta);
        self.scale * (z.max(0.0) + (-z.abs()).exp().ln_1p())
    }
    /// `phi'(u)`.
    pub fn derivative_at(&self, u: f64) -> f64 {
        let z = self.gain * (u - self.theta);
        self.scale * self.gain / (1.0 + (-z).exp())
    }
    /// `phi'` as a function of the output `r = phi(u)`.
    pub fn derivative(&self, r: f64) -> f64 {
        self.scale * self.gain * -(-r.max(0.0) / self.scale).exp_m1()
    }
    /// `phi^{-1}(r)`, with `r` floored at `1e-6 s`.
    pub fn inverse(&self, r: f64) -> f64 {
        let r = r.max(FLOOR * self.scale);
        self.theta + (r / self.scale).exp_m1().ln() / self.gain
    }
    /// `[s, k, u_0]` in f32, the running rule's form.
    pub(crate) fn f32(&self) -> [f32; 3] {
        [self.scale as f32, self.gain as f32, self.theta as f32]
    }
}

/// [`Softplus::derivative`] in f32.
#[inline]
pub(crate) fn derivative_f32([s, k, _]: [f32; 3], r: f32) -> f32 {
    s * k * -(-r.max(0.0) / s).exp_m1()
}

/// [`Softplus::inverse`] in f32.
#[inline]
pub(crate) fn inverse_f32([s, k, u0]: [f32; 3], r: f32) -> f32 {
    let r = r.max(FLOOR as f32 * s);
    u0 + (r / s).exp_m1().ln() / k
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derivative and inverse read from the output agree with the definitions.
    #[test]
    fn derivative_and_inverse_from_the_output_match_the_definitions() {
        let p = Softplus { scale: 1.5, gain: 2.0, theta: 3.0 };
        for u in [-3.0, 0.0, 2.5, 3.0, 4.0, 10.0] {
            let r = p.phi(u);
            assert!((p.inverse(r) - u).abs() < 1e-9 * u.abs().max(1.0), "u {u}: inverse {}", p.inverse(r));
            let h = 1e-6;
            let numeric = (p.phi(u + h) - p.phi(u - h)) / (2.0 * h);
            assert!((p.derivative(r) - numeric).abs() < 1e-6, "u {u}: {} vs {numeric}", p.derivative(r));
            assert!((p.derivative_at(u) - numeric).abs() < 1e-6);
            let f = p.f32();
            assert!((f64::from(derivative_f32(f, r as f32)) - numeric).abs() < 1e-5);
            assert!((f64::from(inverse_f32(f, r as f32)) - u).abs() < 1e-3 * u.abs().max(1.0), "u {u}");
        }
        assert!(p.inverse(0.0).is_finite(), "a silent unit gives a finite inverse");
    }
}
