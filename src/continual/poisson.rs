//! The input of spec 10.1's spiking form: a binary pattern presented as Poisson
//! spike trains, 20 Hz on the active channels and 2 Hz on the others, for 100 ms,
//! drawn from the run seed's counter-based task stream.
//!
//! # Dynamics
//!
//! Channel `j` of a presentation is a Poisson process of rate `r_j`: successive
//! intervals `-ln(1 - u_k) / r_j` with `u_k` the `k`-th draw of the stream keyed by
//! `(seed, Task, ID + j, key * MAX_SPIKES + k)`, each spike on the tick its time
//! falls in (two in one tick count as one: at 20 Hz and dt = 1 ms about 1 % of
//! them). The `key` says which noise a presentation gets ([`Noise`]):
//!
//! - fresh: the tick the presentation starts on, so every presentation (every
//!   epoch, every evaluation) draws new trains, and a checkpointed run draws the
//!   same ones after a resume, since the tick is part of the engine's state;
//! - frozen: the pattern itself `(task, index)`, so a pattern is one fixed spike
//!   train (frozen noise), the same each time it is shown.
//!
//! # References
//!
//! Spec 10.1 (sequential pattern association); frozen Poisson patterns as in the
//! tempotron (Gütig & Sompolinsky 2006).

use synfire_graphs::rng::{Domain, uniform_at};

/// Rate of an active channel (Hz).
pub const RATE_ON_HZ: f64 = 20.0;
/// Rate of an inactive channel (Hz).
pub const RATE_OFF_HZ: f64 = 2.0;
/// Length of one presentation (ms).
pub const PRESENTATION_MS: f64 = 100.0;
/// Draws a channel may take per presentation (far more than 20 Hz gives in 100 ms:
/// the chance of reaching it is below 1e-100).
const MAX_SPIKES: u64 = 256;
/// Stream ids (the `id` of [`uniform_at`]), apart from those of `rate.rs`.
const ID_FRESH: u64 = 8 << 20;
const ID_FROZEN: u64 = 9 << 20;

/// Which noise a presentation's spike trains carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub enum Noise {
    /// New trains at every presentation (a pattern is its rates).
    #[default]
    Fresh,
    /// One fixed train per pattern (a pattern is its spike train).
    Frozen,
}

/// What a presentation's trains are drawn by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Fresh noise: the presentation's first tick.
    Fresh(u64),
    /// Frozen noise: the pattern `(task, index)`.
    Frozen(usize, usize),
}

impl Key {
    /// The key of pattern `(task, index)` presented from tick `start` under `noise`.
    pub fn of(noise: Noise, start: u64, task: usize, index: usize) -> Key {
        match noise {
            Noise::Fresh => Key::Fresh(start),
            Noise::Frozen => Key::Frozen(task, index),
        }
    }
}

/// The spikes `(tick within the presentation, channel)` of one presentation of
/// `bits` over `ticks` ticks of `dt_ms`, in channel then time order.
pub fn presentation(seed: u64, key: Key, bits: &[bool], ticks: u64, dt_ms: f64) -> Vec<(u64, u32)> {
    let (id, key) = match key {
        Key::Fresh(start) => (ID_FRESH, start),
        Key::Frozen(task, index) => (ID_FROZEN, ((task as u64) << 32) | index as u64),
    };
    let length = ticks as f64 * dt_ms;
    let mut out = Vec::new();
    for (j, &on) in bits.iter().enumerate() {
        let rate_per_ms = if on { RATE_ON_HZ } else { RATE_OFF_HZ } * 1e-3;
        let mut t = 0.0;
        let mut last = None;
        for k in 0..MAX_SPIKES {
            let u = uniform_at(seed, Domain::Task, id + j as u64, key.wrapping_mul(MAX_SPIKES).wrapping_add(k));
            t += -(1.0 - u).ln() / rate_per_ms;
            if t >= length {
                break;
            }
            let tick = ((t / dt_ms) as u64).min(ticks - 1);
            if last != Some(tick) {
                out.push((tick, j as u32));
                last = Some(tick);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits() -> Vec<bool> {
        (0..100).map(|j| j % 5 == 0).collect()
    }

    #[test]
    fn rates_are_those_of_the_spec() {
        let b = bits();
        let (mut on, mut off) = (0usize, 0usize);
        let n = 200;
        for p in 0..n {
            for (_, j) in presentation(1, Key::Fresh(p * 100), &b, 100, 1.0) {
                if b[j as usize] { on += 1 } else { off += 1 }
            }
        }
        // 20 channels x 200 presentations x 0.1 s x 20 Hz = 8000 (sd ~ 90); 80 x 200 x 0.1 x 2 = 3200.
        let on_hz = on as f64 / (20.0 * n as f64 * 0.1);
        let off_hz = off as f64 / (80.0 * n as f64 * 0.1);
        assert!((on_hz - 20.0).abs() < 0.8 && (off_hz - 2.0).abs() < 0.15, "{on_hz} Hz on, {off_hz} Hz off");
    }

    #[test]
    fn fresh_noise_is_keyed_by_the_start_frozen_noise_by_the_pattern() {
        let b = bits();
        let fresh = |start| presentation(3, Key::of(Noise::Fresh, start, 0, 0), &b, 100, 1.0);
        assert_eq!(fresh(100), fresh(100));
        assert_ne!(fresh(100), fresh(200));
        let frozen = |start, task, index| presentation(3, Key::of(Noise::Frozen, start, task, index), &b, 100, 1.0);
        assert_eq!(frozen(100, 1, 7), frozen(900, 1, 7));
        assert_ne!(frozen(100, 1, 7), frozen(100, 0, 7));
        assert_ne!(frozen(100, 1, 7), frozen(100, 1, 8));
        assert_ne!(frozen(100, 1, 7), presentation(4, Key::Frozen(1, 7), &b, 100, 1.0));
        assert!(fresh(5).iter().all(|&(t, j)| t < 100 && j < 100));
    }
}
