//! Dis-inhibitory learning (specs 5): a 2-16-2 microcircuit learns XOR in the engine
//! with the exact rule, the sign of every weight change set by the inhibition each
//! unit receives from its partner, the error arriving only as dis-inhibition of the
//! I cells; beside it the same architecture trained by exact backpropagation.
//!
//! `cargo run --release --example disinhibition [epochs] [workers]`

use synfire::microcircuit::Microcircuit;
use synfire::rules::Disinhibition;
use synfire::tasks::backprop;
use synfire::tasks::disinhibition_data::xor;
use synfire::tasks::disinhibition_train::{Schedule, train};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let epochs = args.next().transpose()?.unwrap_or(400);
    let workers = args.next().transpose()?.unwrap_or(1) as usize;
    let data = xor();
    let mc = Microcircuit::new(&[2, 16, 2]).seed(1).k_p(2.0).scales(2.0, 1.0).rule(Disinhibition::exact().eta(1e-3).bounds(-20.0..=20.0));
    let s = Schedule { settle: 100, learn: 50, eval: 100, epochs, eval_every: (epochs / 8).max(1), q_every: 0, decay: 0.0, batch: 0 };
    let curve = train("example", &mc, &data, &data, s, workers, 1, &mut synfire::tasks::Quiet)?;
    let bp = backprop(&mc, &data, &data, s, 0.1, 1);
    println!("epoch  rule   backprop");
    for ((epoch, _, acc), (_, _, bp_acc)) in curve.iter().zip(&bp) {
        println!("{epoch:5}  {acc:.2}   {bp_acc:.2}");
    }
    Ok(())
}
