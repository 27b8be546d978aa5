//! Integration tests of synfire-graphs: connectors, values, validation, fuzzing.
//! One binary (modules below) keeps link time down.

// A test that unwraps fails loudly, which is what it should do.
#![allow(clippy::unwrap_used)]

mod connectors;
mod determinism;
mod fluctuation;
mod fuzz;
mod validation;
mod values;

use synfire_graphs::connectivity::{Csr, instantiate};
use synfire_graphs::prelude::*;

/// Gives a connection that names no weight unit a weight of 1 mV (CUBA LIF takes mV).
fn in_mv(conn: Conn) -> Conn {
    if conn.weight.unit == synfire_graphs::Unit::One { conn.weight(1.0.mv()) } else { conn }
}

/// A network of two LIF CUBA populations `S` (`ns`) and `T` (`nt`) joined by `conn`
/// (1 mV weights unless it says otherwise).
pub fn two_pops(ns: u64, nt: u64, conn: Conn) -> Graph {
    let conn = in_mv(conn);
    let mut net = Network::new().dt(0.1.ms()).seed(7);
    let s = net.population("S", ns, Lif::cuba());
    let t = net.population("T", nt, Lif::cuba());
    net.connect(s, t, conn);
    net.freeze().unwrap()
}

/// A network of one LIF CUBA population of `n` connected to itself by `conn`.
pub fn one_pop(n: u64, conn: Conn) -> Graph {
    let conn = in_mv(conn);
    let mut net = Network::new().dt(0.1.ms()).seed(11);
    let p = net.population("P", n, Lif::cuba());
    net.connect(p, p, conn);
    net.freeze().unwrap()
}

/// The synapses of a CSR as `(source, target)` pairs in CSR order, after checking
/// its invariants: offsets start at 0, never decrease, end at the synapse count,
/// and each row is in non-decreasing target order.
pub fn pairs(csr: &Csr) -> Vec<(u32, u32)> {
    assert_eq!(csr.offsets.first(), Some(&0));
    assert_eq!(csr.offsets.last().copied(), Some(csr.len() as u64));
    assert!(csr.offsets.windows(2).all(|w| w[0] <= w[1]), "offsets decrease");
    assert_eq!(csr.weights.len(), csr.len());
    if let Some(d) = &csr.delays {
        assert_eq!(d.len(), csr.len());
    }
    let mut out = Vec::with_capacity(csr.len());
    for s in 0..csr.num_sources() {
        let row = &csr.targets[csr.row(s)];
        assert!(row.windows(2).all(|w| w[0] <= w[1]), "row {s} is not in target order: {row:?}");
        out.extend(row.iter().map(|&t| (s as u32, t)));
    }
    out
}

/// The only projection of `g`, instantiated.
pub fn build(g: &Graph) -> Csr {
    instantiate(g, 0)
}

/// Number of synapses onto each target.
pub fn in_degrees(csr: &Csr, nt: usize) -> Vec<usize> {
    let mut d = vec![0; nt];
    for &t in &csr.targets {
        d[t as usize] += 1;
    }
    d
}

/// Mean and (unbiased) variance.
pub fn mean_var(xs: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let xs: Vec<f64> = xs.into_iter().collect();
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (m, xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0))
}
