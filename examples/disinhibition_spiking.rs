//! The spiking port of dis-inhibitory learning (specs 5.2): a 2-16-2 circuit of
//! `lif_cuba` E-I pairs learns XOR in the engine by `disinhibition_spiking` (the
//! unit's own spike rate against its partner's, a surrogate derivative of its
//! membrane, the error arriving only as a current that dis-inhibits the I cells),
//! updates averaged over the four examples and applied by Adam.
//!
//! `cargo run --release --example disinhibition_spiking [epochs] [workers]`

use synfire::microcircuit::Microcircuit;
use synfire::rules::DisinhibitionSpiking;
use synfire::tasks::disinhibition_data::xor;
use synfire::tasks::disinhibition_train::{Schedule, train};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let epochs = args.next().transpose()?.unwrap_or(300);
    let workers = args.next().transpose()?.unwrap_or(1) as usize;
    let data = xor();
    let rule = DisinhibitionSpiking::new().eta(0.03).bounds(-20.0..=20.0).batch("step", true);
    let mc = Microcircuit::new(&[2, 16, 2]).seed(1).k_p(10.0).scales(4.0, 4.0).spiking(rule);
    let s = Schedule { settle: 100, learn: 100, eval: 150, epochs, eval_every: (epochs / 8).max(1), q_every: 0, decay: 0.0, batch: 4 };
    let curve = train("example", &mc, &data, &data, s, workers, 1, &mut synfire::tasks::Quiet)?;
    println!("epoch  accuracy");
    for (epoch, _, acc) in &curve {
        println!("{epoch:5}  {acc:.2}");
    }
    Ok(())
}
