//! Checkpoint a plastic network mid-run, resume it on another number of workers,
//! and check that the resumed run is the one that never stopped. Prints the file's
//! size per plastic synapse and its write and read speeds.
//!
//! `cargo run --release --example checkpoint -- [NEURONS]` (default 4000).

use std::time::Instant;
use synfire::networks::BuiltIn;
use synfire::prelude::*;
use synfire::runtime::Checkpoint;

fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(4000);
    let net = BuiltIn::CubaStdp.build(n, 1)?.with_probes(10.0.ms());
    let graph = net.network.freeze_with(&RuleCatalog)?;
    let ee = graph.proj("E->E").ok_or_else(|| anyhow::anyhow!("no E->E projection"))?;

    // The run that never stops: 200 ms on 2 workers.
    let mut straight = Runtime::builder().workers(2).build(&graph)?;
    straight.run_for(0.2.s())?;
    let want = straight.projection_weights(ee)?.values;
    drop(straight);

    // The same run, stopped at 100 ms and checkpointed to a file.
    let path = std::env::temp_dir().join(format!("synfire-example-{}.ckpt", std::process::id()));
    let mut sim = Runtime::builder().workers(2).build(&graph)?;
    sim.run_for(0.1.s())?;
    let plastic = sim.memory()?.plastic_synapses;
    let t = Instant::now();
    let bytes = sim.save_checkpoint(&path)?;
    let write_s = t.elapsed().as_secs_f64();
    drop(sim);

    // Another process would start here: read, restore on 1 worker, continue.
    let t = Instant::now();
    let ck = Checkpoint::read(&path)?;
    let read_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut resumed = Runtime::builder().workers(1).restore(&graph, &ck)?;
    let restore_s = t.elapsed().as_secs_f64();
    resumed.run_for(0.1.s())?;
    let got = resumed.projection_weights(ee)?.values;
    let _ = std::fs::remove_file(&path);

    let same = got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits());
    let mb = bytes as f64 / 1e6;
    println!("CUBA+STDP, {n} neurons, {plastic} plastic synapses, checkpoint at 100 ms");
    println!("file: {mb:.1} MB, {:.2} bytes per plastic synapse", bytes as f64 / plastic.max(1) as f64);
    println!("write {:.0} MB/s ({write_s:.3} s), read and check {:.0} MB/s ({read_s:.3} s), restore {restore_s:.3} s", mb / write_s, mb / read_s);
    println!("resumed on 1 worker after 2: weights at 200 ms {}", if same { "bit-identical" } else { "DIFFER" });
    anyhow::ensure!(same, "the resumed run differs from the run that never stopped");
    Ok(())
}
