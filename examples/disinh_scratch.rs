use synfire::microcircuit::Microcircuit;
use synfire::tasks::Quiet;
use synfire::tasks::disinhibition_data::{Randman, xor};
use synfire::tasks::disinhibition_train::{Schedule, train};
fn main() -> anyhow::Result<()> {
    let a: Vec<f64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    for seed in 0..a[6] as u64 {
        let (tr, te, sizes) = if a[7] > 0.0 { let (tr, te) = Randman::THREE.generate(seed); (tr, te, vec![10, a[7] as u32, 3]) } else { (xor(), xor(), vec![2, 16, 2]) };
        let mut mc = Microcircuit::new(&sizes).seed(seed).k_p(a[1]).scales(a[3], a[4]).rule(synfire_rules::Disinhibition::exact().eta(a[0]).bounds(-a[5]..=a[5]));
        mc.tau_c = synfire_graphs::Time(a[10]);
        let s = Schedule { settle: a[8] as u64, learn: a[9] as u64, eval: 100, epochs: a[2] as u64, eval_every: (a[2] as u64 / 3).max(1) };
        match train("x", &mc, &tr, &te, s, 1, seed, &mut Quiet) {
            Ok(curve) => println!("seed {seed}: {:?}", curve.iter().map(|c| c.2).collect::<Vec<_>>()),
            Err(e) => println!("seed {seed}: {e}"),
        }
    }
    Ok(())
}
