//! The summary of the Vogels-Abbott CUBA network (benchmark A), as a snapshot.

// A test that unwraps fails loudly, which is what it should do.
#![allow(clippy::unwrap_used)]

use synfire_graphs::prelude::*;

fn cuba() -> Graph {
    let mut net = Network::new().dt(0.1.ms()).seed(42);
    let lif = || {
        Lif::cuba()
            .e_l((-49.0).mv())
            .v_th((-50.0).mv())
            .v_reset((-60.0).mv())
            .t_ref(5.0.ms())
            .tau_syn_e(5.0.ms())
            .tau_syn_i(10.0.ms())
            .init("v", uniform((-60.0).mv(), (-50.0).mv()))
    };
    let e = net.population("E", 3200, lif());
    let i = net.population("I", 800, lif());
    net.connect_all([e], [e, i], Conn::prob(0.02).weight(1.62.mv()).delay(0.1.ms()));
    net.connect_all([i], [e, i], Conn::prob(0.02).weight((-9.0).mv()).delay(0.1.ms()));
    net.record_spikes([e, i]);
    net.freeze().unwrap()
}

#[test]
fn cuba_summary() {
    insta::assert_snapshot!(cuba().summary());
}

#[test]
fn summary_lists_every_kind_of_item() {
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let x = net.poisson("X", 100, 5.0.hz());
    let e = net.population("E", 10, Lif::coba());
    let p = net.connect(x, e, Conn::in_degree(10).weight(0.5.one()).delay(uniform(1.0.ms(), 2.0.ms())).named("drive"));
    net.connect(e, e, Conn::one_to_one().weight(0.1.one()).receptor(Receptor::Inh));
    net.inject(e, "kick", Stim::dc(2.0.mv()).neurons(0..5).between(10.0.ms(), 20.0.ms()));
    net.record_state(e, "v", [0, 1, 2], 1.0.ms());
    net.record_weights(p, 10.0.ms(), Some(50));
    net.record_rate(e, 5.0.ms());
    net.modulator("dopamine", 0.25);
    let s = net.freeze().unwrap().summary();
    for needle in [
        "110 neurons in 2 populations, 2 projections with 110 synapses",
        "poisson",
        "rate 5 Hz",
        "drive",
        "in_degree(10)",
        "1..2 ms uniform",
        "inh",
        "kick",
        "dc 2 mV",
        "0..5",
        "v of 3 neurons of E every 1 ms",
        "weights of drive every 10 ms (at most 50)",
        "rate of E in bins of 5 ms",
        "dopamine",
        "warnings\n  projections[0].delay: delays drawn from a distribution are rounded",
    ] {
        assert!(s.contains(needle), "`{needle}` missing from\n{s}");
    }
}
