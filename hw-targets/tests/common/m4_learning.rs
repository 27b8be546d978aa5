//! An independent serial reference of `cortex-m4`'s software learning, written from
//! the module docs of `cortex_m4/learning.rs` and the rule's equations (rules'
//! `stdp_pair.rs` docs, all-to-all, additive), not with the crate's code:
//!
//! - weights: static `round_even(w k).clamp(-128, 127) << ws`; plastic the f32 of
//!   `S_v w`, bounds and amplitudes scaled by `S_v`;
//! - a step's arrivals summed in f32 in canonical order (tick, source gid,
//!   projection, synapse), rounded half-even into the accumulator;
//! - per synapse, in synaptic time (pre at `t_pre`, post at `t_post + d`, post first
//!   at equal times): post `w += R A+ Σ_{s < T} e^{-(T - s)/tau+}`, pre
//!   `w -= R A- Σ_{T' < t} e^{-(t - T')/tau-}`, clipped, stored as f32; a pre spike
//!   is transmitted after its own depression;
//! - counts: per target, the row at every pre spike, the in-degree at every post
//!   spike whose synaptic time is before the end of the run.
#![allow(dead_code, clippy::needless_range_loop)]

use synfire_graphs::Graph;
use synfire_graphs::connectivity::{Csr, instantiate};

/// Spikes of the chip's neurons and learning updates per target gid.
pub struct Outcome {
    /// `(tick, gid)` of the neurons, in order.
    pub spikes: Vec<(u64, u64)>,
    /// Synapse updates per gid (target), summed over plastic projections.
    pub learn: Vec<u64>,
}

struct Rule {
    a_plus: f64,
    a_minus: f64,
    tau_plus: f64,
    tau_minus: f64,
    w_min: f64,
    w_max: f64,
}

fn rule_of(graph: &Graph, q: usize, s_v: f64) -> Option<Rule> {
    let p = &graph.projections[q];
    let spec = p.conn.rule.as_ref()?;
    let r = synfire_rules::StdpPair::from_spec(spec).unwrap();
    assert!(r.bounds.mu_plus == 0.0 && r.bounds.mu_minus == 0.0 && r.interaction == synfire_rules::Interaction::AllToAll, "additive all-to-all only");
    let scale = p.weight_scale * s_v;
    let (w_min, w_max) = (r.bounds.min * scale, r.bounds.max * scale);
    let range = w_max - w_min;
    Some(Rule { a_plus: range * r.a_plus, a_minus: range * r.a_minus, tau_plus: r.tau_plus.0, tau_minus: r.tau_minus.0, w_min, w_max })
}

/// Runs `graph` serially for `ticks` with the source spikes `sources`; `learn`
/// false freezes the plastic weights (to show that learning changes the spikes).
pub fn run(graph: &Graph, ticks: u64, sources: &[(u64, u64)], learn: bool) -> Outcome {
    let (factors, pops) = synfire_targets::cortex_m4::lowering(graph).unwrap();
    let n = graph.num_neurons() as usize;
    let dt = graph.dt.0;
    let scale_of = |pop: usize| pops.iter().find(|x| x.0 == pop).map(|x| x.2);
    let csrs: Vec<Csr> = (0..graph.projections.len()).map(|q| instantiate(graph, q)).collect();
    let rules: Vec<Option<Rule>> = (0..graph.projections.len()).map(|q| rule_of(graph, q, scale_of(graph.projections[q].target).unwrap())).collect();
    let mut w: Vec<Vec<f32>> = csrs
        .iter()
        .enumerate()
        .map(|(q, c)| {
            let s_v = scale_of(graph.projections[q].target).unwrap();
            c.weights
                .iter()
                .map(|&x| match rules[q] {
                    Some(_) => (s_v * f64::from(x)) as f32,
                    None => ((f64::from(x) * factors[q].0).round_ties_even().clamp(-128.0, 127.0) * f64::from(1u32 << factors[q].1)) as f32,
                })
                .collect()
        })
        .collect();
    let delay = |q: usize| u64::from(graph.projections[q].delay.min());
    let mut ring = vec![vec![[0f32; 2]; n]; ticks as usize + 70];
    let mut state: Vec<(i128, i128, i128, u16)> = (0..n as u64)
        .map(|g| {
            let pop = graph.locate(g).unwrap().0;
            match pops.iter().find(|x| x.0 == pop) {
                Some(&(_, _, scale, v_reset)) => {
                    (0, 0, ((graph.model(pop).unwrap().param("e_l").unwrap().as_const().unwrap() - v_reset) * scale).round_ties_even() as i128, 0)
                }
                None => (0, 0, 0, 0),
            }
        })
        .collect();
    // Spike times of every gid so far, and the post events applied per projection.
    let mut times: Vec<Vec<u64>> = vec![Vec::new(); n];
    let mut posts: Vec<Vec<(u64, u64)>> = vec![Vec::new(); graph.projections.len()]; // (T, target gid)
    let mut counts = vec![0u64; n];
    let mut out = Vec::new();
    let mut src = sources.iter().peekable();
    for t in 0..ticks {
        // Post events reaching their synaptic time T <= t, before any pre at t.
        for (q, rule) in rules.iter().enumerate() {
            let Some(rule) = rule else { continue };
            let p = &graph.projections[q];
            let (s0, t0) = (graph.offsets[p.source], graph.offsets[p.target]);
            let due: Vec<(u64, u64)> = posts[q].iter().copied().filter(|&(tt, _)| tt == t).collect();
            for (tt, g) in due {
                for j in 0..csrs[q].num_sources() {
                    let x: f64 = times[(s0 + j as u64) as usize].iter().filter(|&&s| s < tt).map(|&s| (-((tt - s) as f64) * dt / rule.tau_plus).exp()).sum();
                    for k in csrs[q].row(j) {
                        if t0 + u64::from(csrs[q].targets[k]) == g {
                            counts[g as usize] += 1;
                            if learn {
                                w[q][k] = (f64::from(w[q][k]) + rule.a_plus * x).clamp(rule.w_min, rule.w_max) as f32;
                            }
                        }
                    }
                }
            }
        }
        let emit = |g: u64, ring: &mut Vec<Vec<[f32; 2]>>, w: &mut Vec<Vec<f32>>, times: &mut Vec<Vec<u64>>, counts: &mut Vec<u64>| {
            for (q, p) in graph.projections.iter().enumerate() {
                let r = graph.gid_range(p.source);
                if !r.contains(&g) {
                    continue;
                }
                let t0 = graph.offsets[p.target];
                for k in csrs[q].row((g - r.start) as usize) {
                    let target = t0 + u64::from(csrs[q].targets[k]);
                    if let Some(rule) = &rules[q] {
                        counts[target as usize] += 1;
                        if learn {
                            let y: f64 = times[target as usize]
                                .iter()
                                .map(|&s| s + delay(q))
                                .filter(|&tt| tt < t)
                                .map(|tt| (-((t - tt) as f64) * dt / rule.tau_minus).exp())
                                .sum();
                            w[q][k] = (f64::from(w[q][k]) - rule.a_minus * y).clamp(rule.w_min, rule.w_max) as f32;
                        }
                    }
                    ring[(t + delay(q)) as usize][target as usize][p.receptor] += w[q][k];
                }
            }
            times[g as usize].push(t);
        };
        while let Some(&&(ts, g)) = src.peek() {
            if ts > t {
                break;
            }
            emit(g, &mut ring, &mut w, &mut times, &mut counts);
            src.next();
        }
        let mut fired = Vec::new();
        for g in 0..n {
            let Some((pop, _)) = graph.locate(g as u64) else { continue };
            let Some(&(_, p, _, _)) = pops.iter().find(|x| x.0 == pop) else { continue };
            let input = ring[t as usize][g].map(|x| f64::from(x).round_ties_even() as i128);
            let sat = |x: i128| x.clamp(i128::from(i32::MIN), i128::from(i32::MAX));
            let acc = if p.alpha_s[0] == p.alpha_s[1] { [sat(sat(input[0]) + input[1]), 0] } else { [sat(input[0]), sat(input[1])] };
            if super::m4_step(&p, &mut state[g], acc) {
                fired.push(g as u64);
            }
        }
        for &g in &fired {
            emit(g, &mut ring, &mut w, &mut times, &mut counts);
            out.push((t, g));
            for (q, p) in graph.projections.iter().enumerate() {
                if rules[q].is_some() && graph.gid_range(p.target).contains(&g) && t + delay(q) < ticks {
                    posts[q].push((t + delay(q), g));
                }
            }
        }
    }
    Outcome { spikes: out, learn: counts }
}
