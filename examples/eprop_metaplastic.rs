//! e-prop behind the metaplastic wrappers of specs 7: a small recurrent network (20
//! inputs, 20 LIF, one leaky readout) learns a sum of sines, once with the plain
//! rules and once behind each wrapper (hidden weights, a Benna–Fusi chain, synaptic
//! intelligence), and prints the normalised MSE after 30 trials. Each optimiser
//! step's change goes through the wrapper at the tick the step acts.
//!
//! The wrappers compose with the DSL (`Eprop::hidden()...metaplastic(1.0)`, as on
//! any rule that proposes updates); `EpropSpec::meta` wraps every e-prop rule of the
//! network in one field.
//!
//! `cargo run --release --example eprop_metaplastic`

use synfire::eprop::{EpropSpec, MetaChoice, Optimiser, Trainer};
use synfire::prelude::*;
use synfire::rules::{BennaFusi, Eprop, HiddenWeights, Metaplastic, SynapticIntelligence};
use synfire::tasks::eprop_pattern::{frozen_input, nmse, target};

fn main() -> anyhow::Result<()> {
    // The DSL: a wrapper around a rule is a rule of its own, its base inside.
    let rule = Eprop::hidden().eta(1e-3).update_every(204.0.ms()).tau_out(30.0.ms()).signal_delay(2.0.ms()).signal("L").metaplastic(1.0);
    let spec = synfire::graphs::PlasticityRule::to_spec(&rule);
    println!("{} around {}", spec.name, spec.base.as_ref().map_or("-", |b| b.name.as_str()));

    let base = EpropSpec { n_in: 20, n_lif: 20, trial_ticks: 200, optimiser: Optimiser::Sgd { eta: 1e-2 }, c_reg: 30.0, ..EpropSpec::pattern_generation() };
    let variants: [(&str, Option<MetaChoice>); 4] = [
        ("plain", None),
        ("hidden weights m = 1", Some(MetaChoice::Hidden(HiddenWeights::analog(1.0)))),
        ("Benna-Fusi m = 4, one step per trial", Some(MetaChoice::BennaFusi(BennaFusi::geometric(4).clock((base.period() as f64).ms())))),
        ("synaptic intelligence c = 0.1", Some(MetaChoice::Si(SynapticIntelligence::new(0.1).xi(1e-3).every(2040.0.ms())))),
    ];
    let input = frozen_input(3, base.n_in, base.trial_ticks);
    let y_star = target(3, base.trial_ticks);
    let rows: Vec<Vec<f64>> = y_star.iter().map(|&v| vec![v]).collect();
    for (name, meta) in variants {
        let spec = EpropSpec { meta, ..base.clone() };
        let mut net = Network::new().dt(1.0.ms()).seed(3);
        let handles = spec.build(&mut net);
        let graph = net.freeze_with(&RuleCatalog)?;
        let mut trainer = Trainer::new(&graph, &spec, &handles, 2)?;
        let mut first = None;
        let mut last = 0.0;
        for _ in 0..=30 {
            let out = trainer.trial(&input, &rows)?;
            let y: Vec<f64> = out.y.iter().map(|r| r[0]).collect();
            last = nmse(&y, &y_star);
            first.get_or_insert(last);
        }
        println!("{name:<40} nMSE {:.3} -> {last:.3}", first.unwrap_or(last));
    }
    Ok(())
}
