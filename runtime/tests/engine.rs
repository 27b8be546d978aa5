//! Engine invariants: determinism across workers and windows, conservation.

mod support;

use synfire_runtime::Runtime;

#[test]
fn cuba_is_bit_identical_for_one_to_four_workers() {
    let (graph, probe) = support::cuba(1000, 0.1, 7);
    let mut reference = None;
    for workers in 1..=4 {
        let mut sim = Runtime::builder().workers(workers).build(&graph).expect("builds");
        sim.run_for(synfire_graphs::Time(200.0)).expect("runs");
        let spikes = sim.spikes(probe).expect("probe");
        assert!(spikes.len() > 100, "network is active: {} spikes", spikes.len());
        let counters = sim.counters().expect("counters");
        match &reference {
            None => reference = Some((spikes, counters)),
            Some((s, c)) => {
                assert_eq!(&spikes, s, "spikes differ with {workers} workers");
                assert_eq!(&counters, c, "counters differ with {workers} workers");
            }
        }
    }
}
