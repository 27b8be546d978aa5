//! Building 10^8 synapses: 10^6 CUBA LIF neurons, each with 100 distinct inputs
//! drawn from the same population, on 2 threads.
//!
//! `cargo bench -p synfire-runtime --bench build` prints the build time (and its two
//! phases), the bytes per synapse the CSR holds and the peak resident memory of
//! the process. `SYNFIRE_BUILD_NEURONS` and `SYNFIRE_BUILD_THREADS` change the size
//! and the thread count. This is a measurement, not a test: it asserts nothing.

use std::time::Instant;
use synfire_graphs::prelude::*;
use synfire_runtime::connect::{generate_blocks, merge_blocks};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A line of `/proc/self/status` (`VmHWM`, `VmRSS`) in bytes, where Linux has it.
fn proc_status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User + system CPU time of the process in seconds (Linux; clock ticks of 1/100 s).
/// On a shared machine the wall-clock time of a phase says little; this says what
/// the phase itself cost.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of the file (utime, stime) are 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn mib(b: f64) -> String {
    format!("{:.1} MiB", b / (1024.0 * 1024.0))
}

fn main() -> Result<(), synfire_graphs::BuildError> {
    let n = env_or("SYNFIRE_BUILD_NEURONS", 1_000_000);
    let threads = env_or("SYNFIRE_BUILD_THREADS", 2) as usize;
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let p = net.population("P", n, Lif::cuba());
    net.connect(p, p, Conn::in_degree(100).weight(0.1.mv()).delay(0.1.ms()));
    let graph = net.freeze()?;
    let before = proc_status_bytes("VmRSS:").unwrap_or(0);

    let (t0, c0) = (Instant::now(), cpu_seconds());
    let blocks = generate_blocks(&graph, 0, 0..n as u32, threads);
    let (t_generate, c_generate) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    let blocks_bytes = blocks.heap_bytes();
    let (t1, c1) = (Instant::now(), cpu_seconds());
    let csr = merge_blocks(blocks, threads);
    let (t_merge, c_merge) = (t1.elapsed().as_secs_f64(), cpu_seconds() - c1);
    let total = t0.elapsed().as_secs_f64();

    let synapses = csr.len();
    println!("build: {n} neurons, in-degree 100, {synapses} synapses, {threads} threads");
    println!("  generate   {t_generate:.3} s wall, {c_generate:.2} s CPU (blocks held {})", mib(blocks_bytes as f64));
    println!("  merge      {t_merge:.3} s wall, {c_merge:.2} s CPU");
    println!("  total      {total:.3} s wall ({:.1} ns per synapse), {:.2} s CPU", total * 1e9 / synapses.max(1) as f64, c_generate + c_merge);
    println!("  held       {} = {:.3} bytes per synapse", mib(csr.heap_bytes() as f64), csr.heap_bytes() as f64 / synapses.max(1) as f64);
    match proc_status_bytes("VmHWM:") {
        Some(peak) => println!(
            "  peak RSS   {} ({:.2} bytes per synapse; {} before the build)",
            mib(peak as f64),
            peak as f64 / synapses.max(1) as f64,
            mib(before as f64)
        ),
        None => println!("  peak RSS   n/a (no /proc/self/status)"),
    }
    Ok(())
}
