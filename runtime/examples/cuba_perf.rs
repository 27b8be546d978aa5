//! Times the engine on the CUBA benchmark network: `cargo run --release -p
//! synfire-runtime --example cuba_perf -- N SECONDS WORKERS`.

use synfire_graphs::prelude::*;
use synfire_runtime::Runtime;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).map_or(Ok(4000), |s| s.parse())?;
    let secs: f64 = args.get(2).map_or(Ok(1.0), |s| s.parse())?;
    let workers: usize = args.get(3).map_or(Ok(1), |s| s.parse())?;
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let model = Lif::cuba().e_l((-49.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv()));
    let ne = n * 4 / 5;
    let e = net.population("E", ne, model.clone());
    let i = net.population("I", n - ne, model);
    let p = 0.02 * 4000.0 / n as f64;
    for t in [e, i] {
        net.connect(e, t, Conn::prob(p).weight(1.62.mv()).delay(0.1.ms()));
        net.connect(i, t, Conn::prob(p).weight((-9.0).mv()).delay(0.1.ms()));
    }
    let graph = net.freeze()?;
    let t0 = std::time::Instant::now();
    let mut sim = Runtime::builder().workers(workers).build(&graph)?;
    let build = t0.elapsed().as_secs_f64();
    let t1 = std::time::Instant::now();
    sim.run_for(secs.s())?;
    let wall = t1.elapsed().as_secs_f64();
    let c = sim.counters()?;
    println!(
        "n={n} workers={workers} build={build:.2}s wall={wall:.3}s per-sim-s={:.4} rate={:.2}Hz events={} ev/s={:.3e}",
        wall / secs,
        c.spikes as f64 / n as f64 / secs,
        c.syn_events,
        c.syn_events as f64 / wall
    );
    Ok(())
}
