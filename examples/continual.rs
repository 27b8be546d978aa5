//! Sequential pattern association (spec 10.1): task A then task B on one delta-rule
//! unit in the engine (rate form: a graded sigmoid unit), plain synapses against metaplastic ones and synaptic intelligence, with the
//! accuracy matrix and the forgetting metrics of spec 10.6.
//!
//! `cargo run --release --example continual`

use synfire::continual::{Form, Protocol, Scenario, Variant};

fn main() -> anyhow::Result<()> {
    let scenario = Scenario {
        protocol: Protocol::default(),
        variants: vec![Variant::Plain, Variant::Metaplastic { m: 1.0 }, Variant::Si { c: 0.01, xi: 0.1 }, Variant::BennaFusi { m: 8 }],
        form: Form::Rate,
        spiking: Default::default(),
        workers: 1,
    };
    println!("{:<18} {:>10} {:>10} {:>12} {:>12}", "variant", "A after B", "B after B", "forgetting", "F (Avalanche)");
    for &v in &scenario.variants {
        let run = scenario.run_one(v, 1)?;
        let m = run.matrix.metrics();
        println!(
            "{:<18} {:>10.3} {:>10.3} {:>12.3} {:>12.3}",
            v.label(),
            run.matrix.r[1][0],
            run.matrix.r[1][1],
            m.forgetting_best_past,
            m.forgetting_after_training
        );
    }
    Ok(())
}
