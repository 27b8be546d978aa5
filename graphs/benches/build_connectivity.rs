//! Serial connectivity generation and transposition, per connector.
//!
//! `cargo bench -p synfire-graphs --bench build_connectivity`

use synfire_graphs::Graph;
use synfire_graphs::connectivity::{Csr, generate};
use synfire_graphs::prelude::*;

fn main() {
    divan::main();
}

fn graph(n: u64, conn: Conn) -> Graph {
    let mut net = Network::new().seed(1);
    let p = net.population("P", n, Lif::cuba());
    net.connect(p, p, conn.weight(0.1.mv()));
    net.freeze().unwrap_or_else(|e| panic!("{e}"))
}

/// 10,000 targets x 100 distinct sources out of 100,000: 10^6 synapses.
#[divan::bench]
fn in_degree_100(b: divan::Bencher) {
    let g = graph(100_000, Conn::in_degree(100));
    let targets: Vec<u32> = (0..10_000).collect();
    b.bench(|| generate(&g, 0, &targets));
}

/// The CUBA benchmark's E->E: 3200 x 3200 at p = 0.02 (about 2 x 10^5 synapses).
#[divan::bench]
fn prob_002(b: divan::Bencher) {
    let g = graph(3200, Conn::prob(0.02));
    let targets: Vec<u32> = (0..3200).collect();
    b.bench(|| generate(&g, 0, &targets));
}

/// Transposing 10^6 synapses of 100,000 sources into rows.
#[divan::bench]
fn from_in_edges(b: divan::Bencher) {
    let g = graph(100_000, Conn::in_degree(100));
    let blocks = [generate(&g, 0, &(0..5_000).collect::<Vec<_>>()), generate(&g, 0, &(5_000..10_000).collect::<Vec<_>>())];
    b.bench(|| Csr::from_in_edges(100_000, &blocks, |t| t));
}
