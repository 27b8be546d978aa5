//! Every connector against what it promises, checked on the instantiated synapses.

use crate::{build, in_degrees, mean_var, one_pop, pairs, two_pops};
use std::collections::{BTreeMap, BTreeSet};
use synfire_graphs::Voltage;
use synfire_graphs::prelude::*;

fn distinct(p: &[(u32, u32)]) -> bool {
    p.iter().collect::<BTreeSet<_>>().len() == p.len()
}

#[test]
fn prob_gives_binomial_in_degrees() {
    let (n, p) = (500u64, 0.1);
    let csr = build(&two_pops(n, 400, Conn::prob(p)));
    let all = pairs(&csr);
    assert!(distinct(&all), "a Bernoulli draw makes each pair at most once");
    let degrees = in_degrees(&csr, 400);
    let (mean, var) = mean_var(degrees.iter().map(|&d| d as f64));
    // Each in-degree is Binomial(n, p): mean np, variance np(1-p).
    let (mu, sigma2) = (n as f64 * p, n as f64 * p * (1.0 - p));
    let sd_of_mean = (sigma2 / 400.0).sqrt();
    assert!((mean - mu).abs() < 3.0 * sd_of_mean, "mean in-degree {mean}, expected {mu} +- {}", 3.0 * sd_of_mean);
    // The sample variance of 400 normal-ish draws has sd about sigma2 sqrt(2 / 399).
    assert!((var - sigma2).abs() < 5.0 * sigma2 * (2.0f64 / 399.0).sqrt(), "in-degree variance {var}, expected {sigma2}");
    // Sources are used uniformly: the mean source index is (n - 1) / 2.
    let (ms, _) = mean_var(all.iter().map(|&(s, _)| f64::from(s)));
    let sd = (n as f64 * n as f64 / 12.0 / all.len() as f64).sqrt();
    assert!((ms - (n as f64 - 1.0) / 2.0).abs() < 4.0 * sd, "mean source {ms}");
}

#[test]
fn prob_respects_autapses() {
    let forbidden = pairs(&build(&one_pop(300, Conn::prob(0.5).autapses(false))));
    assert!(forbidden.iter().all(|&(s, t)| s != t));
    let allowed = pairs(&build(&one_pop(300, Conn::prob(0.5))));
    let selfs = allowed.iter().filter(|&&(s, t)| s == t).count();
    // Binomial(300, 0.5) autapses: 150 +- 8.7.
    assert!((120..=180).contains(&selfs), "{selfs} autapses with p = 0.5");
}

#[test]
fn prob_zero_and_one_are_exact() {
    assert!(build(&two_pops(40, 30, Conn::prob(0.0))).is_empty());
    let full = pairs(&build(&two_pops(40, 30, Conn::prob(1.0))));
    let expect: Vec<(u32, u32)> = (0..40).flat_map(|s| (0..30).map(move |t| (s, t))).collect();
    assert_eq!(full, expect);
    let no_self = pairs(&build(&one_pop(20, Conn::prob(1.0).autapses(false))));
    assert_eq!(no_self.len(), 20 * 19);
}

#[test]
fn in_degree_is_exact_and_distinct() {
    let k = 25;
    let csr = build(&two_pops(60, 500, Conn::in_degree(k)));
    assert!(in_degrees(&csr, 500).iter().all(|&d| d == k as usize));
    assert!(distinct(&pairs(&csr)), "no multapses by default");
    // Each source is drawn with probability k / 60 per target: 500 k / 60 = 208 +- 12.6.
    let mut per_source = vec![0usize; 60];
    for (s, _) in pairs(&csr) {
        per_source[s as usize] += 1;
    }
    let (expect, sd) = (500.0 * k as f64 / 60.0, (500.0 * (k as f64 / 60.0) * (1.0 - k as f64 / 60.0)).sqrt());
    assert!(per_source.iter().all(|&c| (c as f64 - expect).abs() < 5.0 * sd), "{per_source:?}");
}

#[test]
fn in_degree_excludes_self_without_autapses() {
    // k = n - 1 takes every other neuron exactly once (the shuffle branch); k = 5 the rejection branch.
    for k in [5u32, 39] {
        let csr = build(&one_pop(40, Conn::in_degree(k).autapses(false)));
        let all = pairs(&csr);
        assert!(all.iter().all(|&(s, t)| s != t), "k = {k}: an autapse");
        assert!(distinct(&all));
        assert!(in_degrees(&csr, 40).iter().all(|&d| d == k as usize));
    }
    // Excluding self keeps the draw uniform over the others: no source is favoured.
    let csr = build(&one_pop(2000, Conn::in_degree(1).autapses(false)));
    let (mean, _) = mean_var(pairs(&csr).iter().map(|&(s, _)| f64::from(s)));
    assert!((mean - 999.5).abs() < 4.0 * (2000.0f64 * 2000.0 / 12.0 / 2000.0).sqrt(), "mean source {mean}");
}

#[test]
fn in_degree_with_multapses_repeats_sources() {
    let csr = build(&two_pops(5, 50, Conn::in_degree(12).multapses(true)));
    assert!(in_degrees(&csr, 50).iter().all(|&d| d == 12));
    assert!(!distinct(&pairs(&csr)), "12 draws out of 5 must repeat");
}

#[test]
fn out_degree_is_exact() {
    let k = 7;
    let csr = build(&two_pops(300, 50, Conn::out_degree(k)));
    for s in 0..300 {
        let row = &csr.targets[csr.row(s)];
        assert_eq!(row.len(), k as usize, "source {s}");
        assert!(row.windows(2).all(|w| w[0] < w[1]), "source {s}: repeated targets {row:?}");
    }
    let csr = build(&one_pop(30, Conn::out_degree(29).autapses(false)));
    for s in 0..30 {
        let expect: Vec<u32> = (0..30).filter(|&t| t != s as u32).collect();
        assert_eq!(&csr.targets[csr.row(s)], expect.as_slice());
    }
}

#[test]
fn total_count_is_exact() {
    let csr = build(&two_pops(40, 60, Conn::total(1000)));
    assert_eq!(csr.len(), 1000);
    assert!(distinct(&pairs(&csr)));
    let csr = build(&one_pop(30, Conn::total(30 * 29).autapses(false)));
    let all = pairs(&csr);
    assert_eq!(all.len(), 870);
    assert!(distinct(&all) && all.iter().all(|&(s, t)| s != t), "every non-self pair once");
    let csr = build(&two_pops(3, 3, Conn::total(50).multapses(true)));
    assert_eq!(csr.len(), 50);
}

#[test]
fn all_to_all_connects_every_pair() {
    let all = pairs(&build(&two_pops(7, 9, Conn::all_to_all())));
    assert_eq!(all, (0..7).flat_map(|s| (0..9).map(move |t| (s, t))).collect::<Vec<_>>());
    let no_self = pairs(&build(&one_pop(6, Conn::all_to_all().autapses(false))));
    assert_eq!(no_self, (0..6).flat_map(|s| (0..6).filter(move |&t| t != s).map(move |t| (s, t))).collect::<Vec<_>>());
}

#[test]
fn one_to_one_pairs_equal_indices() {
    let all = pairs(&build(&two_pops(12, 12, Conn::one_to_one())));
    assert_eq!(all, (0..12).map(|i| (i, i)).collect::<Vec<_>>());
}

#[test]
fn explicit_list_is_kept_with_its_weights() {
    let triples = [(3u32, 1u32, 0.5), (0, 2, 1.5), (3, 0, 2.5), (1, 1, 3.5)];
    let g = two_pops(4, 3, Conn::weighted_list(triples.iter().map(|&(s, t, w)| (s, t, w.mv()))));
    let csr = build(&g);
    let mut got: Vec<(u32, u32, f32)> = Vec::new();
    for s in 0..4 {
        for k in csr.row(s) {
            got.push((s as u32, csr.targets[k], csr.weights[k]));
        }
    }
    let mut expect: Vec<(u32, u32, f32)> = triples.iter().map(|&(s, t, w)| (s, t, w as f32)).collect();
    expect.sort_by_key(|&(s, t, _)| (s, t));
    assert_eq!(got, expect);
    // Unweighted lists take the projection's weight.
    let csr = build(&two_pops(4, 3, Conn::list([(0, 0), (2, 1)]).weight(2.0.mv())));
    assert_eq!(pairs(&csr), vec![(0, 0), (2, 1)]);
    assert_eq!(csr.weights, vec![2.0, 2.0]);
}

#[test]
fn sparse_matrix_input_round_trips() {
    // A 4 x 5 matrix in CSR form, rows sorted by column: what comes out is what went in.
    let offsets = [0usize, 2, 2, 5, 6];
    let indices = [1u32, 4, 0, 2, 3, 4];
    let weights: Vec<Voltage> = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].iter().map(|&w| w.mv()).collect();
    let csr = build(&two_pops(4, 5, Conn::sparse(&offsets, &indices, &weights)));
    assert_eq!(csr.offsets, offsets.iter().map(|&o| o as u64).collect::<Vec<_>>());
    assert_eq!(csr.targets, indices);
    assert_eq!(csr.weights, vec![0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6]);
}

#[test]
fn multapses_in_lists_keep_their_order() {
    let g = two_pops(2, 2, Conn::weighted_list([(1, 1, 1.0.mv()), (1, 1, 2.0.mv()), (0, 1, 3.0.mv())]).multapses(true));
    let csr = build(&g);
    assert_eq!(pairs(&csr), vec![(0, 1), (1, 1), (1, 1)]);
    assert_eq!(csr.weights, vec![3.0, 1.0, 2.0]);
}

#[test]
fn expected_counts_match_instantiated_ones() {
    // Deterministic connectors: the summary's count is the exact count.
    let cases: BTreeMap<&str, Conn> = [
        ("all", Conn::all_to_all()),
        ("in", Conn::in_degree(4)),
        ("out", Conn::out_degree(3)),
        ("total", Conn::total(77)),
        ("list", Conn::list([(0, 0), (1, 2)])),
    ]
    .into_iter()
    .collect();
    for (name, conn) in cases {
        let g = two_pops(10, 20, conn);
        assert_eq!(g.expected_synapses(0), (build(&g).len() as f64, true), "{name}");
    }
    let g = one_pop(10, Conn::all_to_all().autapses(false));
    assert_eq!(g.expected_synapses(0), (90.0, true));
    let g = one_pop(100, Conn::prob(0.25).autapses(false));
    assert_eq!(g.expected_synapses(0), (0.25 * 9900.0, false));
}
