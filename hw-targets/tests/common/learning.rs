//! An independent serial reference of the `loihi2-like` learning engine, written
//! from the spec's text (specs/targets.md 1.3, and the timing and random-stream
//! choices stated in the crate's `loihi2::learning` docs): epochs of `T` steps, 7-bit
//! traces with stochastic rounding, products with the fixed-point steps 1-5, the
//! EXCITATORY weight range. Plain loops over every synapse, i128 arithmetic.

use synfire_graphs::Graph;
use synfire_graphs::connectivity::Csr;
use synfire_graphs::rng::{Domain, mix64, uniform_at};
use synfire_targets::loihi2::learning::{Dependency, LearningRule};

/// One plastic projection's learning state, over global gids.
pub struct Learner {
    pub proj: usize,
    pub rule: LearningRule,
    seed: u64,
    src0: u64,
    tgt0: u64,
    /// Traces `(z, t)` per source and per target.
    x: Vec<(i128, u64)>,
    y: Vec<(i128, u64)>,
    /// Spike steps per source and target not yet used by an epoch.
    pre: Vec<Vec<u64>>,
    post: Vec<Vec<u64>>,
    /// Synapse updates per target.
    pub updates: Vec<u64>,
    next_epoch: u64,
}

fn u(seed: u64, id: u64, counter: u64) -> f64 {
    uniform_at(seed, Domain::Chip, id, counter)
}

fn sround(y: f64, r: f64) -> i128 {
    let f = y.floor();
    f as i128 + if r < y - f { 1 } else { 0 }
}

impl Learner {
    pub fn new(graph: &Graph, proj: usize, rule: LearningRule) -> Learner {
        let p = &graph.projections[proj];
        let (ns, nt) = (graph.populations[p.source].size as usize, graph.populations[p.target].size as usize);
        Learner {
            proj,
            rule,
            seed: graph.seed,
            src0: graph.offsets[p.source],
            tgt0: graph.offsets[p.target],
            x: vec![(0, 0); ns],
            y: vec![(0, 0); nt],
            pre: vec![Vec::new(); ns],
            post: vec![Vec::new(); nt],
            updates: vec![0; nt],
            next_epoch: 0,
        }
    }

    /// Records a spike of gid `g` at step `t` (as a source, a target, or both).
    pub fn spike(&mut self, g: u64, t: u64) {
        if (self.src0..self.src0 + self.x.len() as u64).contains(&g) {
            self.pre[(g - self.src0) as usize].push(t);
        }
        if (self.tgt0..self.tgt0 + self.y.len() as u64).contains(&g) {
            self.post[(g - self.tgt0) as usize].push(t);
        }
    }

    fn id(&self, side: u64, gid: u64) -> u64 {
        mix64(mix64(((self.proj as u64) << 1) | side) ^ gid)
    }

    fn read(&self, tr: (i128, u64), tau: f64, t: u64, id: u64, counter: u64) -> i128 {
        if t <= tr.1 || tr.0 == 0 {
            return tr.0;
        }
        sround(tr.0 as f64 * (-((t - tr.1) as f64) / tau).exp(), u(self.seed, id, counter))
    }

    /// Applies every epoch ending at or before `now` to the stored weights `w` of the
    /// projection's synapses (global CSR by source, weights `w_int 2^e`).
    pub fn catch_up(&mut self, now: u64, csr: &Csr, w: &mut [f64]) {
        let big_t = u64::from(self.rule.epoch);
        while (self.next_epoch + 1) * big_t <= now {
            self.epoch(self.next_epoch, csr, w);
            self.next_epoch += 1;
        }
    }

    fn epoch(&mut self, k: u64, csr: &Csr, w: &mut [f64]) {
        let t_len = u64::from(self.rule.epoch);
        let (e0, e1) = (k * t_len, (k + 1) * t_len);
        let last = |v: &mut Vec<u64>| {
            let l = v.iter().copied().filter(|&s| s < e1).max();
            v.retain(|&s| s >= e1);
            l
        };
        let sx: Vec<Option<u64>> = (0..self.x.len()).map(|j| last(&mut self.pre[j])).collect();
        let sy: Vec<Option<u64>> = (0..self.y.len()).map(|i| last(&mut self.post[i])).collect();
        let (xs, ys) = (self.rule.x1, self.rule.y1);
        let bump = |me: &Learner, tr: (i128, u64), tau: f64, impulse: u16, s: u64, id: u64| {
            let z = me.read(tr, tau, s, id, k * 256) + i128::from(impulse >> 8) + i128::from(u(me.seed, id, k * 256 + 1) < f64::from(impulse & 255) / 256.0);
            (z.min(127), s)
        };
        let nx: Vec<Option<(i128, u64)>> =
            (0..self.x.len()).map(|j| sx[j].map(|s| bump(self, self.x[j], xs.tau_steps, xs.impulse, s, self.id(0, self.src0 + j as u64)))).collect();
        let ny: Vec<Option<(i128, u64)>> =
            (0..self.y.len()).map(|i| sy[i].map(|s| bump(self, self.y[i], ys.tau_steps, ys.impulse, s, self.id(1, self.tgt0 + i as u64)))).collect();
        let step = 2f64.powi(self.rule.weight_exp);
        for j in 0..self.x.len() {
            let row = csr.row(j);
            for k2 in row.clone() {
                let i = csr.targets[k2] as usize;
                if sx[j].is_none() && sy[i].is_none() {
                    continue;
                }
                let mut acc: i128 = ((w[k2] / step).round() as i128 * 128).clamp(-32767, 32767);
                for p in &self.rule.products {
                    let value = match p.dep {
                        Dependency::Y0 => match sy[i] {
                            // x1 at the post spike, with the pre impulse if it is not later.
                            Some(s) => {
                                let tr = match (sx[j], nx[j]) {
                                    (Some(a), Some(n)) if a <= s => n,
                                    _ => self.x[j],
                                };
                                Some(self.read(tr, xs.tau_steps, s, self.id(0, self.src0 + j as u64), k * 256 + 3 + (s - e0)))
                            }
                            None => None,
                        },
                        Dependency::X0 => match sx[j] {
                            Some(s) => {
                                let tr = match (sy[i], ny[i]) {
                                    (Some(a), Some(n)) if a <= s => n,
                                    _ => self.y[i],
                                };
                                Some(self.read(tr, ys.tau_steps, s, self.id(1, self.tgt0 + i as u64), k * 256 + 3 + (s - e0)))
                            }
                            None => None,
                        },
                    };
                    let Some(f) = value else { continue };
                    // Step 2-3: factor x mantissa, >> max(0, 7 + 4 - 15) = 0, then 2^(E + 7).
                    let mut prod = f.clamp(-128, 127) * i128::from(p.mant);
                    let sh = i32::from(p.exp) + 7;
                    prod = if sh >= 0 { prod * (1i128 << sh) } else { prod.div_euclid(1i128 << -sh) };
                    acc = (acc + prod.clamp(-32767, 32767)).clamp(-32767, 32767);
                }
                // Step 5: stochastic rounding to a multiple of 128, back to weight steps.
                let dup = csr.targets[row.start..k2].iter().filter(|&&t| t as usize == i).count() as u64;
                let key = mix64(mix64(mix64(self.proj as u64 ^ 0x5eed) ^ (self.src0 + j as u64)) ^ (self.tgt0 + i as u64)) ^ dup;
                let (q, r) = (acc.div_euclid(128), acc.rem_euclid(128));
                let wq = (q + i128::from(u(self.seed, key, k * 256) < r as f64 / 128.0)).clamp(0, self.rule.w_max.into());
                w[k2] = wq as f64 * step;
                self.updates[i] += 1;
            }
        }
        for j in 0..self.x.len() {
            if let Some(n) = nx[j] {
                self.x[j] = n;
            }
        }
        for i in 0..self.y.len() {
            if let Some(n) = ny[i] {
                self.y[i] = n;
            }
        }
    }
}
