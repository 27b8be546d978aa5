//! SuperSpike in the engine (specs 4.3): 100 frozen Poisson inputs looped every
//! 200 ms drive 16 hidden and 2 output LIF neurons that learn a target raster of two
//! precisely timed spikes per output. The output error `S* - S` is a per-neuron
//! signal (the target source with weight +1, the output itself with -1); the hidden
//! layer gets it through symmetric feedback: `superspike_feedback` keeps the feedback
//! weights at `+w^T` (from the targets) and `-w^T` (from the outputs) of the output
//! projection `out`, copied by the engine at every update. Prints the squared
//! alpha-filtered error of every 10th loop.
//!
//! `cargo run --release --example superspike`

use synfire::graphs::{SourceSpec, Time};
use synfire::prelude::*;

/// A reproducible uniform number in `[0, 1)` (splitmix64 of `k`).
fn unit(k: u64) -> f64 {
    let mut z = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

const DT: f64 = 0.1;
const LOOP_MS: f64 = 200.0;
const LOOPS: usize = 50;

fn main() -> anyhow::Result<()> {
    let (n_in, n_h) = (100usize, 16usize);
    let mut net = Network::new().dt(DT.ms()).seed(3);
    let looped = |p: &[f64]| -> Vec<Time> { (0..LOOPS).flat_map(|l| p.iter().map(move |&t| Time(t + l as f64 * LOOP_MS))).collect() };
    let inputs: Vec<Vec<Time>> = (0..n_in)
        .map(|i| {
            let (mut t, mut v) = (0.0, Vec::new());
            for k in 0.. {
                t += -100.0 * (1.0 - unit((i * 1000 + k) as u64)).ln();
                if t >= LOOP_MS {
                    break;
                }
                v.push((t / DT).floor() * DT);
            }
            looped(&v)
        })
        .collect();
    let x = net.source("X", n_in as u64, SourceSpec::SpikeTimes { times: inputs });
    let tg = net.source("T", 2, SourceSpec::SpikeTimes { times: vec![looped(&[50.0, 130.0]), looped(&[90.0, 160.0])] });
    let lif = Lif::cuba().tau_m(10.0.ms()).v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l((-60.0).mv()).t_ref(5.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(5.0.ms());
    let h = net.population("H", n_h as u64, lif.clone());
    let o = net.population("O", 2, lif);
    net.learning_signal("EH", h);
    net.learning_signal("EO", o);
    let d = 0.8.ms();
    let rule = |sig: &str| SuperSpike::new().eta(0.05).update_every(20.0.ms()).clip(-20.0, 20.0).signal_delay(d).signal(sig);
    net.connect(x, h, Conn::all_to_all().weight(uniform(0.0.mv(), 4.0.mv())).delay(d).plastic(rule("EH")));
    net.connect(h, o, Conn::all_to_all().weight(uniform(0.0.mv(), 4.0.mv())).delay(d).named("out").plastic(rule("EO")));
    net.connect(tg, o, Conn::one_to_one().weight(1.0.one()).delay(d).into_signal("EO"));
    net.connect(o, o, Conn::one_to_one().weight((-1.0).one()).delay(d).into_signal("EO"));
    // Symmetric feedback: the declared weights (0) are replaced by +-w_out^T.
    let feedback = |scale: f64| Conn::all_to_all().weight(0.0.one()).delay(d).into_signal("EH").plastic(SuperSpikeFeedback::of("out").scale(scale));
    net.connect(tg, h, feedback(1.0));
    net.connect(o, h, feedback(-1.0));
    let spikes = net.record_spikes([tg, o]);
    let graph = net.freeze_with(&RuleCatalog)?;
    let mut sim = Runtime::builder().workers(2).build(&graph)?;
    let loop_ticks = (LOOP_MS / DT).round() as u64;
    sim.run_ticks(loop_ticks * LOOPS as u64)?;
    let rec = sim.spikes(spikes)?;
    let mut err = vec![vec![0.0f64; loop_ticks as usize * LOOPS]; 2];
    // `pops` index the graph's populations: +1 for a target spike, -1 for an output spike.
    for ((&t, &p), &i) in rec.ticks.iter().zip(&rec.pops).zip(&rec.index) {
        err[i as usize][t as usize] += if p == tg.index() as u32 { 1.0 } else { -1.0 };
    }
    // The van Rossum-like error: the rule's alpha kernel (5 ms rise, 10 ms decay).
    let (a_rise, k_dec) = ((-DT / 5.0).exp(), DT / 10.0);
    let mut loss = vec![0.0; LOOPS];
    for e in &err {
        let (mut s1, mut s2) = (0.0, 0.0);
        for (t, &x) in e.iter().enumerate() {
            s1 += x;
            s2 += k_dec * (s1 - s2);
            s1 *= a_rise;
            loss[t / loop_ticks as usize] += s2 * s2;
        }
    }
    for (l, v) in loss.iter().enumerate().step_by(10) {
        println!("loop {l:>3}: squared filtered error {v:.1}");
    }
    Ok(())
}
