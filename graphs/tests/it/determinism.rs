//! The same synapses whatever the split: generating targets in blocks and merging
//! them gives exactly the CSR of one block (what makes a parallel build equal to a
//! serial one), and filling row ranges in any order changes nothing.

use crate::{one_pop, two_pops};
use synfire_graphs::Voltage;
use synfire_graphs::connectivity::{Csr, InEdges, generate, instantiate};
use synfire_graphs::prelude::*;

/// Every connector with random weights, and random delays where they can vary.
fn cases() -> Vec<(&'static str, Graph)> {
    let w = || normal(1.0.mv(), 0.3.mv()).clip(0.0.mv(), 3.0.mv());
    let d = || uniform(0.1.ms(), 2.0.ms());
    let a: Vec<Voltage> = (0..80 * 100).map(|i| (f64::from(i) * 1e-3).mv()).collect();
    let pairs: Vec<(u32, u32)> = (0..400).map(|i| ((i * 37) % 80, (i * 53) % 100)).collect();
    vec![
        ("prob", two_pops(80, 100, Conn::prob(0.1).weight(w()).delay(d()))),
        ("prob self", one_pop(100, Conn::prob(0.2).autapses(false).weight(lognormal(1.0.mv(), 0.5.mv())))),
        ("in_degree", two_pops(80, 100, Conn::in_degree(10).weight(w()).delay(d()))),
        ("in_degree dense", one_pop(100, Conn::in_degree(90).autapses(false).weight(w()))),
        ("in_degree multapses", two_pops(80, 100, Conn::in_degree(30).multapses(true).weight(w()))),
        ("out_degree", two_pops(80, 100, Conn::out_degree(7).weight(w()).delay(d()))),
        ("total", two_pops(80, 100, Conn::total(900).weight(uniform(0.0.mv(), 1.0.mv())).delay(d()))),
        ("all_to_all array", two_pops(80, 100, Conn::all_to_all().weight(array(a)).delay(d()))),
        ("one_to_one", one_pop(100, Conn::one_to_one().weight(w()).delay(d()))),
        ("list", two_pops(80, 100, Conn::list(pairs).multapses(true).weight(w()).delay(d()))),
    ]
}

/// The projection's synapses generated in blocks cut at `cuts` and merged.
fn in_blocks(g: &Graph, cuts: &[u32]) -> Csr {
    let p = &g.projections[0];
    let (ns, nt) = (g.populations[p.source].size as usize, g.populations[p.target].size as u32);
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(nt);
    let blocks: Vec<InEdges> = bounds.windows(2).map(|w| generate(g, 0, &(w[0]..w[1]).collect::<Vec<_>>())).collect();
    Csr::from_in_edges(ns, &blocks, |t| t)
}

#[test]
fn blocks_merge_to_the_serial_csr() {
    for (name, g) in cases() {
        let whole = instantiate(&g, 0);
        assert!(!whole.is_empty(), "{name}: no synapses");
        for cuts in [&[37][..], &[1, 2, 99], &[10, 20, 30, 40, 50, 60, 70, 80, 90], &[0, 0, 50, 100]] {
            assert_eq!(in_blocks(&g, cuts), whole, "{name}, blocks cut at {cuts:?}");
        }
    }
}

#[test]
fn row_ranges_filled_in_any_order_give_the_same_csr() {
    for (name, g) in cases() {
        let whole = instantiate(&g, 0);
        let ns = g.populations[g.projections[0].source].size as usize;
        let blocks = [generate(&g, 0, &(0..50).collect::<Vec<_>>()), generate(&g, 0, &(50..100).collect::<Vec<_>>())];
        let mut lengths = vec![0; ns];
        for b in &blocks {
            b.count_by_source(&mut lengths);
        }
        for parts in [1, 2, 3, 7] {
            let mut csr = Csr::with_row_lengths(&lengths, whole.delays.is_some());
            let mut rows = csr.rows_mut(parts);
            assert!(rows.len() <= parts);
            let covered: usize = rows.iter().map(|r| r.sources().len()).sum();
            assert_eq!(covered, ns, "{name}: the parts must cover every row");
            rows.reverse();
            for r in rows {
                r.fill(&blocks, |t| t);
            }
            assert_eq!(csr, whole, "{name}, {parts} parts");
        }
    }
}

#[test]
fn a_sub_range_of_targets_keeps_its_synapses() {
    for (name, g) in cases() {
        let whole = instantiate(&g, 0);
        let ns = g.populations[g.projections[0].source].size as usize;
        let part = Csr::from_in_edges(ns, &[generate(&g, 0, &(20..45).collect::<Vec<_>>())], |t| t - 20);
        // The same synapses as the whole CSR restricted to targets 20..45, shifted.
        for s in 0..ns {
            let keep: Vec<u32> = whole.row(s).filter(|&k| (20..45).contains(&whole.targets[k])).map(|k| whole.targets[k] - 20).collect();
            assert_eq!(&part.targets[part.row(s)], keep.as_slice(), "{name}, source {s}");
        }
    }
}

#[test]
fn the_seed_changes_random_synapses_only() {
    let build = |seed: u64| {
        let mut net = Network::new().seed(seed);
        let p = net.population("P", 50, Lif::cuba());
        net.connect(p, p, Conn::prob(0.2).weight(1.0.mv()));
        net.connect(p, p, Conn::all_to_all().weight(1.0.mv()));
        let g = net.freeze().unwrap();
        (instantiate(&g, 0), instantiate(&g, 1))
    };
    let (a, b) = (build(1), build(2));
    assert_eq!(build(1), a, "same seed, same synapses");
    assert_ne!(a.0, b.0);
    assert_eq!(a.1, b.1);
}
