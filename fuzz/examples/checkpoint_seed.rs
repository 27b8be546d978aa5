//! Writes the checkpoint fuzz target's seeds: a real checkpoint of a small plastic
//! network (CUBA + STDP, 100 neurons, with a spike probe), as a whole file and as its
//! bare payload. `cargo +nightly run --release --example checkpoint_seed -- DIR`
use std::path::PathBuf;
use synfire_graphs::Time;
use synfire_runtime::{Runtime, networks};

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "seeds/checkpoint".into()));
    std::fs::create_dir_all(&dir).expect("seed dir");
    let mut b = networks::cuba_stdp(100, 1).expect("CUBA+STDP size");
    b.network.record_spikes([b.e, b.i]);
    let graph = b.network.freeze_with(&synfire_rules::Catalog).expect("valid network");
    let mut sim = Runtime::builder().workers(1).build(&graph).expect("builds");
    sim.run_for(Time(20.0)).expect("runs");
    let bytes = sim.checkpoint().expect("checkpoint").to_bytes().expect("encodes");
    std::fs::write(dir.join("small.ckpt"), &bytes).expect("writes");
    std::fs::write(dir.join("small.payload"), &bytes[32..]).expect("writes");
    println!("{}: {} bytes", dir.display(), bytes.len());
}
