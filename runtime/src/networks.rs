//! The built-in benchmark networks of `specs/benchmarks.md`, at any size.
//!
//! Every network has 80% excitatory (`E`) and 20% inhibitory (`I`) neurons; every
//! neuron receives 80 inputs on average (Bernoulli connectivity with
//! `p = 0.02 * 4000 / N` between every pair of populations, autapses allowed); the
//! synaptic delay is one tick (0.1 ms) unless a `_with_delay` builder says otherwise,
//! and there is no external input. The CLI, the benchmarks and the engine's tests all
//! build them from here.
//!
//! ```
//! use synfire_graphs::prelude::*;
//! use synfire_runtime::networks;
//!
//! let net = networks::cuba(400, 7)?.with_probes(10.0.ms());
//! let graph = net.network.freeze()?;
//! assert_eq!(graph.num_neurons(), 400);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use synfire_graphs::prelude::*;
use synfire_graphs::{Number, PopId, Time};

/// Size of the published networks.
pub const DEFAULT_NEURONS: u64 = 4000;

/// Mean number of inputs per neuron, kept fixed when a network is scaled.
pub const IN_DEGREE: f64 = 80.0;

/// Why a built-in network cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// Too few neurons for an in-degree of 80 (the connection probability would exceed 1).
    #[error("neurons: {n} is too small; the built-in networks need at least 80 neurons for an in-degree of 80")]
    TooSmall {
        /// The size asked for.
        n: u64,
    },
}

/// The built-in networks by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltIn {
    /// Network A: Vogels-Abbott CUBA.
    Cuba,
    /// Network B: Brette et al. COBA.
    Coba,
    /// Network D: CUBA with STDP on E->E.
    CubaStdp,
}

impl BuiltIn {
    /// Every built-in network.
    pub const ALL: [BuiltIn; 3] = [BuiltIn::Cuba, BuiltIn::Coba, BuiltIn::CubaStdp];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BuiltIn::Cuba => "cuba",
            BuiltIn::Coba => "coba",
            BuiltIn::CubaStdp => "cuba-stdp",
        }
    }

    /// The network called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<BuiltIn> {
        BuiltIn::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Builds the network with `n` neurons, without probes.
    pub fn build(self, n: u64, seed: u64) -> Result<EiNetwork, NetworkError> {
        match self {
            BuiltIn::Cuba => cuba(n, seed),
            BuiltIn::Coba => coba(n, seed),
            BuiltIn::CubaStdp => cuba_stdp(n, seed),
        }
    }
}

/// A built-in network: the builder plus its two populations.
#[derive(Debug, Clone)]
pub struct EiNetwork {
    /// The description, ready to freeze.
    pub network: Network,
    /// The excitatory population `E`.
    pub e: PopId,
    /// The inhibitory population `I`.
    pub i: PopId,
}

impl EiNetwork {
    /// Adds a spike probe on both populations (named `spikes`) and a rate probe on
    /// each (`rate:E`, `rate:I`) with bins of `rate_bin`.
    pub fn with_probes(mut self, rate_bin: Time) -> Self {
        let spikes = self.network.record_spikes([self.e, self.i]);
        self.network.probe_name(spikes, "spikes");
        self.network.record_rate(self.e, rate_bin);
        self.network.record_rate(self.i, rate_bin);
        self
    }
}

/// The connection probability that gives an in-degree of 80 at `n` neurons.
pub fn connection_probability(n: u64) -> f64 {
    IN_DEGREE / n as f64
}

/// Sizes of `E` and `I` and the connection probability, or why `n` does not work.
fn split(n: u64) -> Result<(u64, u64, f64), NetworkError> {
    if (n as f64) < IN_DEGREE {
        return Err(NetworkError::TooSmall { n });
    }
    let ne = n * 4 / 5;
    Ok((ne, n - ne, connection_probability(n)))
}

/// The LIF of networks A and D: `E_L = -49 mV` above threshold, `V0` uniform in
/// [-60, -50) mV.
fn cuba_lif() -> NeuronSpec {
    Lif::cuba()
        .tau_m(20.0.ms())
        .v_th((-50.0).mv())
        .v_reset((-60.0).mv())
        .e_l((-49.0).mv())
        .t_ref(5.0.ms())
        .tau_syn_e(5.0.ms())
        .tau_syn_i(10.0.ms())
        .init("v", uniform((-60.0).mv(), (-50.0).mv()))
}

/// Network A, Vogels-Abbott CUBA (specs/rules.md 1.1 and 1.7): current-based LIF with
/// `E_L = -49 mV` above threshold, so neurons fire without input.
///
/// # Parameters
/// - neuron: `tau_m` 20 ms, `V_t` -50 mV, `V_r` -60 mV, `E_L` -49 mV, `t_ref` 5 ms,
///   `tau_e` 5 ms, `tau_i` 10 ms; `V0` uniform in [-60, -50) mV.
/// - synapses: jumps of 1.62 mV (from `E`) and -9 mV (from `I`), delay 0.1 ms.
pub fn cuba(n: u64, seed: u64) -> Result<EiNetwork, NetworkError> {
    cuba_with_delay(n, seed, Time(0.1))
}

/// [`cuba`] with every synaptic delay set to `delay` (a longer window).
pub fn cuba_with_delay(n: u64, seed: u64, delay: Time) -> Result<EiNetwork, NetworkError> {
    let (ne, ni, p) = split(n)?;
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    let model = cuba_lif();
    let e = net.population("E", ne, model.clone());
    let i = net.population("I", ni, model);
    net.connect_all([e], [e, i], Conn::prob(p).weight(1.62.mv()).delay(delay));
    net.connect_all([i], [e, i], Conn::prob(p).weight((-9.0).mv()).delay(delay));
    Ok(EiNetwork { network: net, e, i })
}

/// Network B, the COBA benchmark of Brette et al. 2007 (specs/rules.md 1.3 and 1.7):
/// conductance-based LIF with conductances in units of the leak.
///
/// # Parameters
/// - neuron: `E_L = V_r` -60 mV, `V_t` -50 mV, `tau_m` 20 ms, `t_ref` 5 ms, `E_e` 0 mV,
///   `E_i` -80 mV, `tau_e` 5 ms, `tau_i` 10 ms.
/// - initial state: `V0 ~ N(-65, 5)` mV, `g_e0 ~ N(4, 1.5)` and `g_i0 ~ N(20, 12)`
///   (leak units), conductances clipped at 0. They are the only drive.
/// - synapses: `w_e` 0.6 and `w_i` 6.7 (leak units, on receptor `inh`), delay 0.1 ms.
pub fn coba(n: u64, seed: u64) -> Result<EiNetwork, NetworkError> {
    let (ne, ni, p) = split(n)?;
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    // The upper clip only exists because a clip needs two finite bounds.
    let max_g = Number(1e6);
    let model = Lif::coba()
        .tau_m(20.0.ms())
        .e_l((-60.0).mv())
        .v_reset((-60.0).mv())
        .v_th((-50.0).mv())
        .t_ref(5.0.ms())
        .e_e(0.0.mv())
        .e_i((-80.0).mv())
        .tau_syn_e(5.0.ms())
        .tau_syn_i(10.0.ms())
        .init("v", normal((-65.0).mv(), 5.0.mv()))
        .init("g_e", normal(4.0.one(), 1.5.one()).clip(0.0.one(), max_g))
        .init("g_i", normal(20.0.one(), 12.0.one()).clip(0.0.one(), max_g));
    let e = net.population("E", ne, model.clone());
    let i = net.population("I", ni, model);
    net.connect_all([e], [e, i], Conn::prob(p).weight(0.6.one()).delay(0.1.ms()));
    net.connect_all([i], [e, i], Conn::prob(p).weight(6.7.one()).receptor(Receptor::Inh).delay(0.1.ms()));
    Ok(EiNetwork { network: net, e, i })
}

/// Network D's initial excitatory weight, mV (network A's `w_e`).
const W_E: f64 = 1.62;

/// Network D: network A plus additive all-to-all pair STDP on `E -> E`
/// (tau+ = tau- = 20 ms, `w_max = 2 w_e`, `A+ = 0.01 w_max`, `A- = -1.05 A+`,
/// weights clipped to `[0, w_max]`, initial `w = w_e`).
pub fn cuba_stdp(n: u64, seed: u64) -> Result<EiNetwork, NetworkError> {
    cuba_stdp_with_delay(n, seed, Time(0.1))
}

/// [`cuba_stdp`] with every synaptic delay set to `delay`.
pub fn cuba_stdp_with_delay(n: u64, seed: u64, delay: Time) -> Result<EiNetwork, NetworkError> {
    cuba_plastic(n, seed, delay, cuba_stdp_rule())
}

/// Network D's rule on `E -> E`: pair STDP with `A+` and `A-` as fractions of the
/// weight range `[0, 2 w_e]`.
pub fn cuba_stdp_rule() -> synfire_rules::StdpPair {
    synfire_rules::Stdp::pair().tau_plus(20.0.ms()).tau_minus(20.0.ms()).a_plus(0.01).a_minus(0.0105).bounds(0.0..=2.0 * W_E)
}

/// Network D with another rule on `E -> E` (e.g. [`cuba_stdp_rule`] in a metaplastic
/// wrapper, as `examples/metaplastic_bench.rs` compares them).
pub fn cuba_plastic(n: u64, seed: u64, delay: Time, rule: impl Into<synfire_graphs::RuleSpec>) -> Result<EiNetwork, NetworkError> {
    let (ne, ni, p) = split(n)?;
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    let model = cuba_lif();
    let e = net.population("E", ne, model.clone());
    let i = net.population("I", ni, model);
    let w_e = W_E;
    net.connect(e, e, Conn::prob(p).weight(w_e.mv()).delay(delay).plastic(rule).named("E->E"));
    net.connect(e, i, Conn::prob(p).weight(w_e.mv()).delay(delay));
    net.connect_all([i], [e, i], Conn::prob(p).weight((-9.0).mv()).delay(delay));
    Ok(EiNetwork { network: net, e, i })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use synfire_graphs::ProbeKind;
    use synfire_graphs::connectivity::instantiate;

    #[test]
    fn names_round_trip() {
        for b in BuiltIn::ALL {
            assert_eq!(BuiltIn::from_name(b.name()), Some(b));
        }
        assert_eq!(BuiltIn::from_name("cubaa"), None);
    }

    #[test]
    fn cuba_has_the_published_split_and_in_degree() {
        let graph = cuba(1000, 3).unwrap().network.freeze().unwrap();
        assert_eq!(graph.populations.iter().map(|p| p.size).collect::<Vec<_>>(), vec![800, 200]);
        assert_eq!(graph.projections.len(), 4);
        let synapses: usize = (0..graph.projections.len()).map(|k| instantiate(&graph, k).len()).sum();
        // 1000 neurons x 80 inputs on average; the Bernoulli count has sd sqrt(80000 (1-p)) ~ 270.
        let mean_in = synapses as f64 / 1000.0;
        assert!((mean_in - 80.0).abs() < 2.0, "mean in-degree {mean_in}");
        assert_eq!(graph.min_delay(), Some(1));
    }

    #[test]
    fn coba_freezes_with_inhibition_on_the_inh_receptor() {
        let graph = coba(500, 1).unwrap().network.freeze().unwrap();
        let receptors: Vec<usize> = graph.projections.iter().map(|p| p.receptor).collect();
        assert_eq!(receptors, vec![0, 0, 1, 1]);
    }

    #[test]
    fn probes_are_named_for_the_cli() {
        let graph = cuba(100, 0).unwrap().with_probes(10.0.ms()).network.freeze().unwrap();
        let names: Vec<&str> = graph.probes.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["spikes", "rate:E", "rate:I"]);
        assert!(matches!(graph.probes[1].kind, ProbeKind::Rate { pop: 0, .. }));
    }

    #[test]
    fn too_small_and_missing_networks_are_errors() {
        assert_eq!(cuba(79, 0).unwrap_err(), NetworkError::TooSmall { n: 79 });
        let stdp = BuiltIn::CubaStdp.build(4000, 0).unwrap().network.freeze_with(&synfire_rules::Catalog).unwrap();
        assert_eq!(stdp.projections.iter().filter(|p| p.conn.rule.is_some()).count(), 1);
    }
}
