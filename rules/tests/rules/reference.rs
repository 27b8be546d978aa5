//! Plain reference implementations, written from the equations of spec 6 as directly
//! as possible: every trace is a sum over all earlier spikes (or the latest one for
//! nearest-spike), in f64, and every synapse is simulated on its own list of events in
//! synaptic time (clock, then post, then pre at equal ticks).

use crate::harness::{Net, Syn, Trains};

/// An event of one synapse, in synaptic time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ev {
    /// Slow clock at this tick.
    Clock(u64),
    /// A postsynaptic spike at somatic tick `t`, seen at `t + d`.
    Post(u64),
    /// A presynaptic spike at its emission tick.
    Pre(u64),
}

/// The events of synapse `s`, sorted; clocks every `period` up to `end` inclusive.
pub fn events(s: &Syn, trains: &Trains, clock: Option<(u64, u64)>) -> Vec<Ev> {
    let d = u64::from(s.delay);
    let mut ev: Vec<(u64, u8, Ev)> = Vec::new();
    ev.extend(trains.pre[s.src].iter().map(|&t| (t, 2, Ev::Pre(t))));
    ev.extend(trains.post[s.tgt].iter().map(|&t| (t + d, 1, Ev::Post(t))));
    if let Some((period, end)) = clock {
        ev.extend((1..).map(|n| n * period).take_while(|&t| t <= end).map(|t| (t, 0, Ev::Clock(t))));
    }
    ev.sort_by_key(|&(t, o, _)| (t, o));
    ev.into_iter().map(|(_, _, e)| e).collect()
}

/// A trace at tick `t` from spikes at `times + shift` strictly before `t`.
pub fn trace(times: &[u64], shift: u64, t: u64, tau: f64, nearest: bool) -> f64 {
    let contrib = times.iter().map(|&s| s + shift).filter(|&s| s < t).map(|s| (-((t - s) as f64) / tau).exp());
    if nearest { contrib.fold(0.0, f64::max) } else { contrib.sum() }
}

/// Bounds as the spec writes them.
#[derive(Debug, Clone, Copy)]
pub struct B {
    pub min: f64,
    pub max: f64,
    pub mu_plus: f64,
    pub mu_minus: f64,
}

impl B {
    pub fn hard(min: f64, max: f64) -> B {
        B { min, max, mu_plus: 0.0, mu_minus: 0.0 }
    }

    pub fn step(&self, w: f64, dw: f64) -> f64 {
        let r = self.max - self.min;
        let dw = if dw > 0.0 { dw * ((self.max - w) / r).max(0.0).powf(self.mu_plus) } else { dw * ((w - self.min) / r).max(0.0).powf(self.mu_minus) };
        (w + dw).clamp(self.min, self.max)
    }
}

/// Pair STDP; amplitudes absolute; taus in ticks.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    pub tau_plus: f64,
    pub tau_minus: f64,
    pub a_plus: f64,
    pub a_minus: f64,
    pub bounds: B,
    pub nearest: bool,
}

pub fn pair(net: &Net, trains: &Trains, p: &Pair) -> Vec<f64> {
    net.syns
        .iter()
        .map(|s| {
            let d = u64::from(s.delay);
            let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
            let mut w = f64::from(s.w0);
            for e in events(s, trains, None) {
                match e {
                    Ev::Post(t) => w = p.bounds.step(w, p.a_plus * trace(pre, 0, t + d, p.tau_plus, p.nearest)),
                    Ev::Pre(t) => w = p.bounds.step(w, -p.a_minus * trace(post, d, t, p.tau_minus, p.nearest)),
                    Ev::Clock(_) => {}
                }
            }
            w
        })
        .collect()
}

/// Triplet STDP; taus in ticks.
#[derive(Debug, Clone, Copy)]
pub struct Trip {
    pub tau_plus: f64,
    pub tau_minus: f64,
    pub tau_x: f64,
    pub tau_y: f64,
    pub a2_plus: f64,
    pub a3_plus: f64,
    pub a2_minus: f64,
    pub a3_minus: f64,
    pub bounds: B,
    pub nearest: bool,
}

pub fn triplet(net: &Net, trains: &Trains, p: &Trip) -> Vec<f64> {
    net.syns
        .iter()
        .map(|s| {
            let d = u64::from(s.delay);
            let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
            let mut w = f64::from(s.w0);
            for e in events(s, trains, None) {
                match e {
                    Ev::Post(t) => {
                        let r1 = trace(pre, 0, t + d, p.tau_plus, p.nearest);
                        let o2 = trace(post, 0, t, p.tau_y, p.nearest);
                        w = p.bounds.step(w, r1 * (p.a2_plus + p.a3_plus * o2));
                    }
                    Ev::Pre(t) => {
                        let o1 = trace(post, d, t, p.tau_minus, p.nearest);
                        let r2 = trace(pre, 0, t, p.tau_x, p.nearest);
                        w = p.bounds.step(w, -o1 * (p.a2_minus + p.a3_minus * r2));
                    }
                    Ev::Clock(_) => {}
                }
            }
            w
        })
        .collect()
}

/// Vogels iSTDP; tau in ticks; alpha = 2 rho_0 tau.
pub fn vogels(net: &Net, trains: &Trains, tau: f64, eta: f64, alpha: f64, bounds: B) -> Vec<f64> {
    net.syns
        .iter()
        .map(|s| {
            let d = u64::from(s.delay);
            let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
            let mut w = f64::from(s.w0);
            for e in events(s, trains, None) {
                match e {
                    Ev::Post(t) => w = bounds.step(w, eta * trace(pre, 0, t + d, tau, false)),
                    Ev::Pre(t) => w = bounds.step(w, eta * (trace(post, d, t, tau, false) - alpha)),
                    Ev::Clock(_) => {}
                }
            }
            w
        })
        .collect()
}

/// Orchestrated plasticity; taus in ticks; clock period in ticks; `gain = h / tau_cons`.
#[derive(Debug, Clone, Copy)]
pub struct Orch {
    pub a: f64,
    pub tau_plus: f64,
    pub tau_minus: f64,
    pub tau_slow: f64,
    pub beta: f64,
    pub delta: f64,
    pub period: u64,
    pub gain: f64,
    pub p: f64,
    pub w_a: f64,
    pub w_p: f64,
    pub w_cons0: f64,
    pub bounds: B,
}

/// Returns `(w, w~)` per synapse after every event up to `end` (clocks at `end` included).
pub fn orchestrated(net: &Net, trains: &Trains, p: &Orch, end: u64) -> (Vec<f64>, Vec<f64>) {
    let w_b = 0.5 * (p.w_a + p.w_p);
    net.syns
        .iter()
        .map(|s| {
            let d = u64::from(s.delay);
            let (pre, post) = (&trains.pre[s.src], &trains.post[s.tgt]);
            let (mut w, mut wc) = (f64::from(s.w0), p.w_cons0);
            for e in events(s, trains, Some((p.period, end))) {
                match e {
                    Ev::Post(t) => {
                        let zp = trace(pre, 0, t + d, p.tau_plus, false);
                        let zm = trace(post, 0, t, p.tau_minus, false);
                        let zs = trace(post, 0, t, p.tau_slow, false);
                        w = p.bounds.step(w, p.a * zp * zs - p.beta * (w - wc) * zm.powi(3));
                    }
                    Ev::Pre(t) => w = p.bounds.step(w, -p.a * trace(post, d, t, p.tau_minus, false) + p.delta),
                    Ev::Clock(_) => wc += p.gain * ((w - wc) + p.p * (p.w_a - wc) * (w_b - wc) * (p.w_p - wc)),
                }
            }
            (w, wc)
        })
        .unzip()
}

/// Synaptic scaling: `nubar` from all spikes strictly before each clock.
#[allow(clippy::too_many_arguments)]
pub fn scaling(net: &Net, trains: &Trains, tau_avg: f64, jump: f64, nu0: f64, target: f64, period: u64, gain: f64, end: u64) -> Vec<f64> {
    net.syns
        .iter()
        .map(|s| {
            let mut w = f64::from(s.w0);
            for e in events(s, trains, Some((period, end))) {
                if let Ev::Clock(t) = e {
                    let nubar = nu0 * (-(t as f64) / tau_avg).exp() + jump * trace(&trains.post[s.tgt], 0, t, tau_avg, false);
                    w *= (gain * (target - nubar) / target).exp();
                }
            }
            w
        })
        .collect()
}
