//! Dis-inhibitory learning (specs 5): a 2-16-2 microcircuit learns XOR in the engine,
//! with the exact rule, its weights changed by the partner's inhibition alone.
//!
//! `cargo run --release --example disinhibition [epochs]`

use synfire::microcircuit::Microcircuit;
use synfire::tasks::Quiet;
use synfire::tasks::disinhibition_train::{Data, Schedule, train};

fn main() -> anyhow::Result<()> {
    let epochs = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(60);
    let xor = Data { x: vec![vec![0.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.0], vec![1.0, 1.0]], label: vec![0, 1, 1, 0], classes: 2 };
    let mc = Microcircuit::new(&[2, 16, 2]).seed(1);
    let s = Schedule { settle: 100, learn: 50, eval: 100, epochs, eval_every: 10 };
    let curve = train("example", &mc, &xor, &xor, s, 1, 1, &mut Quiet)?;
    for (epoch, tr, te) in &curve {
        println!("epoch {epoch:4}  train {tr:.2}  test {te:.2}");
    }
    Ok(())
}
