use synfire::microcircuit::Microcircuit;
use synfire::tasks::Quiet;
use synfire::tasks::disinhibition_train::{Data, Schedule, train};
fn main() -> anyhow::Result<()> {
    let a: Vec<f64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let xor = Data { x: vec![vec![0.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.0], vec![1.0, 1.0]], label: vec![0, 1, 1, 0], classes: 2 };
    for seed in 1..=a[6] as u64 {
        let mc = Microcircuit::new(&[2, 16, 2]).seed(seed).k_p(a[1]).scales(a[3], a[4]).rule(synfire_rules::Disinhibition::exact().eta(a[0]).bounds(-a[5]..=a[5]));
        let s = Schedule { settle: 100, learn: 50, eval: 100, epochs: a[2] as u64, eval_every: (a[2] as u64 / 4).max(1) };
        let t = std::time::Instant::now();
        match train("x", &mc, &xor, &xor, s, 1, seed, &mut Quiet) {
            Ok(curve) => println!("seed {seed}: {:?} ({:.1}s)", curve.iter().map(|c| c.1).collect::<Vec<_>>(), t.elapsed().as_secs_f64()),
            Err(e) => println!("seed {seed}: {e}"),
        }
    }
    Ok(())
}
