//! The cost of running on a target's numerics: CUBA (4000 neurons, network A of the
//! benchmarks, with 1 ms delays) for 1 s of model time on the reference f32 kernels and on each integer
//! target that takes it, on 1 and 2 workers.
//!
//! `cargo bench -p synfire-targets --bench kernels` prints, per target and worker
//! count, the best of three wall times and the process CPU time per run, and the
//! nanoseconds per neuron update. A measurement, not a test: it asserts nothing.

use std::time::Instant;
use synfire_graphs::prelude::*;
use synfire_runtime::Runtime;
use synfire_targets::{CompileOptions, CortexM4, Loihi2, Reference, Target};

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    // utime and stime are fields 14 and 15 of the line; after ')' (fields 1 and 2)
    // they are the 12th and 13th.
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |k: usize| f.get(k).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (field(11) + field(12)) / 100.0
}

fn main() -> anyhow::Result<()> {
    // Delays of 1 ms (windows of 10 ticks), so that the barrier does not dominate.
    let graph = synfire_runtime::networks::cuba_with_delay(4000, 1, 1.0.ms())?.network.freeze()?;
    let ticks = graph.ticks(1.0.s()).0;
    let opts = CompileOptions { weights_in_flash: true, ..CompileOptions::default() };
    println!("{:<12} {:>7} {:>10} {:>10} {:>14}", "target", "workers", "wall s", "cpu s", "ns/update");
    let targets: [&dyn Target; 3] = [&Reference, &Loihi2, &CortexM4];
    for target in targets {
        let plan = match target.compile(&graph, &opts) {
            Ok(p) => p,
            Err(e) => {
                println!("{:<12} does not take CUBA: {}", target.id(), e.to_string().lines().next().unwrap_or(""));
                continue;
            }
        };
        for workers in [1, 2] {
            let (mut best, mut cpu) = (f64::INFINITY, 0.0);
            for _ in 0..3 {
                let mut sim = Runtime::builder().workers(workers).kernels(plan.kernels()).build(&graph)?;
                let (t0, c0) = (Instant::now(), cpu_seconds());
                sim.run_ticks(ticks)?;
                let wall = t0.elapsed().as_secs_f64();
                if wall < best {
                    best = wall;
                    cpu = cpu_seconds() - c0;
                }
            }
            let updates = (ticks * graph.num_neurons()) as f64;
            println!("{:<12} {:>7} {:>10.3} {:>10.2} {:>14.2}", target.id(), workers, best, cpu, best * workers as f64 * 1e9 / updates);
        }
    }
    Ok(())
}
