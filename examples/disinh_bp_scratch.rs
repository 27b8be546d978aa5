use synfire::microcircuit::Microcircuit;
use synfire::tasks::disinhibition_bp::Dense;
use synfire::tasks::disinhibition_train::{argmax, shuffle};
fn main() {
    let a: Vec<f64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let lab = [0usize, 1, 1, 0];
    for seed in 1..=5 {
        let mc = Microcircuit::new(&[2, 16, 2]).seed(seed).scales(a[2], 1.0);
        let mut net = Dense::of(&mc);
        let mut order: Vec<usize> = (0..4).collect();
        let mut curve = Vec::new();
        for ep in 1..=a[1] as u64 {
            shuffle(&mut order, seed, ep);
            for &n in &order {
                let t: Vec<f64> = (0..2).map(|k| if k == lab[n] { 1.0 } else { 0.1 }).collect();
                net.step(&xs[n], &t, a[0]);
            }
            if ep % (a[1] as u64 / 5) == 0 {
                let acc = (0..4).filter(|&n| argmax(&net.output(&xs[n])) == lab[n]).count() as f64 / 4.0;
                curve.push(acc);
            }
        }
        println!("seed {seed}: {curve:?}");
    }
}
