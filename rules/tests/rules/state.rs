//! Plain state: every rule on both engines saves mid-run and restores into a fresh
//! instance that then runs bit for bit like the original; tables of a projection split
//! over two shards merge into the table of one instance and split back; a table that
//! does not fit is an error naming the column and leaves the rule unchanged.

use crate::catalog::all_rules;
use crate::checkpointed::{CALLS, Sim};
use crate::harness::{Net, Trains, info, random_net};
use crate::shards::{Part, assert_same_table, merge, parts, split};
use synfire_graphs::{Axis, PlasticityRule, RuleSpec, StateError, StateReader, StateTable, UnitExt, Values};
use synfire_rules::{Engine, Orchestrated, Plasticity, ProjectionInfo, Stdp, Stp, instantiate_with};

const DT: f64 = 1.0;
const MID: u64 = 1500;
const END: u64 = 3000;

/// Every rule of the catalogue, plus short traces (epochs of 1024 ticks for the eager
/// engine, so that the scaled traces are rebased before and after the middle).
fn specs() -> Vec<RuleSpec> {
    let mut specs = all_rules();
    specs.push(Stdp::pair().tau_plus(2.0.ms()).tau_minus(3.0.ms()).to_spec());
    let fast = Orchestrated::zenke2015().a(0.01).taus(2.0.ms(), 3.0.ms(), 6.0.ms()).period(100.0.ms()).tau_cons(10.0.s());
    specs.push(fast.stp(Stp::tsodyks_markram()).to_spec());
    specs
}

/// The engines and delay ranges: per-synapse delays (always lazy), one delay (eager
/// with `Engine::Auto` where the rule allows it).
const SETUPS: [(Engine, u32, u32); 3] = [(Engine::Lazy, 10, 25), (Engine::Lazy, 12, 12), (Engine::Auto, 12, 12)];

fn build(spec: &RuleSpec, info: &ProjectionInfo, engine: Engine) -> Box<dyn Plasticity> {
    instantiate_with(spec, info, engine).unwrap()
}

/// Whether `rule` runs on the eager engine (it counts the transposed index).
fn eager(spec: &RuleSpec, info: &ProjectionInfo) -> bool {
    build(spec, info, Engine::Auto).bytes_per_synapse() == build(spec, info, Engine::Lazy).bytes_per_synapse() + 8
}

fn assert_same_run(a: &Sim, b: &Sim, what: &str) {
    assert!(Values::F32(a.weights.clone()).same_bits(&Values::F32(b.weights.clone())), "{what}: weights");
    assert_eq!(a.efficacy, b.efficacy, "{what}: efficacies");
    assert_same_table(&a.table(), &b.table(), what);
}

#[test]
fn a_rule_restored_mid_run_continues_bit_for_bit() {
    let mut eager_runs = 0;
    for (n, spec) in specs().into_iter().enumerate() {
        for (s, &(engine, d_lo, d_hi)) in SETUPS.iter().enumerate() {
            let seed = 300 + 10 * n as u64 + s as u64;
            let net = random_net(6, 5, 0.6, d_lo, d_hi, (0.2, 0.8), seed);
            let trains = Trains::random(&net, 0.03, 0.04, END - 30, seed + 1);
            let info = info(&net, DT.ms());
            eager_runs += usize::from(engine == Engine::Auto && eager(&spec, &info));
            for calls in CALLS {
                let what = format!("{} on {engine:?} with delays {d_lo}..={d_hi}, {calls:?}", spec.name);
                let mut a = Sim::new(build(&spec, &info, engine), &net, &trains, calls);
                a.windows(0, MID);
                a.settle(MID);
                let table = a.table();
                let mut b = a.resume(build(&spec, &info, engine), &table).unwrap();
                assert_same_table(&b.table(), &table, &format!("{what}: restored"));
                // Without the restore the run would differ: the test can fail.
                let mut fresh = a.fork(build(&spec, &info, engine));
                for sim in [&mut a, &mut b, &mut fresh] {
                    sim.windows(MID, END);
                    sim.settle(END);
                }
                assert_same_run(&a, &b, &what);
                let (ta, tf) = (a.table(), fresh.table());
                let same_table = ta.columns.len() == tf.columns.len() && ta.columns.iter().zip(&tf.columns).all(|(x, y)| x.values.same_bits(&y.values));
                assert!(!(same_table && fresh.efficacy == a.efficacy), "{what}: a fresh rule runs like the restored one; the state saved nothing");
            }
        }
    }
    assert_eq!(eager_runs, specs().len() - 2, "every rule but STP and scaling runs eagerly with one delay");
}

/// A net of 7 sources onto 6 targets, to split at target 3: source 5 has no synapse,
/// source 6 only onto targets 3..6. Sources 0..6 and targets 0..3 are silent in
/// `900..1600`, so the first part sees no event for a while before the middle.
fn split_net(d_lo: u32, d_hi: u32, seed: u64) -> (Net, Trains) {
    let base = random_net(5, 6, 0.6, d_lo, d_hi, (0.2, 0.8), seed);
    let mut syns = base.syns.clone();
    syns.extend((3..6).map(|tgt| crate::harness::Syn { src: 6, tgt, delay: d_hi, w0: 0.5 }));
    let net = Net::new(7, 6, syns);
    let mut trains = Trains::random(&net, 0.03, 0.04, END - 30, seed + 1);
    let quiet = |ts: &mut Vec<u64>| ts.retain(|t| !(900..1600).contains(t));
    trains.pre[..6].iter_mut().for_each(quiet);
    trains.post[..3].iter_mut().for_each(quiet);
    (net, trains)
}

#[test]
fn tables_of_two_shards_merge_into_one_and_split_back() {
    for (n, spec) in specs().into_iter().enumerate() {
        for (s, &(engine, d_lo, d_hi)) in SETUPS.iter().enumerate() {
            let (net, trains) = split_net(d_lo, d_hi, 500 + 10 * n as u64 + s as u64);
            let global = info(&net, DT.ms());
            let two = parts(&net, &trains, &[0, 3, 6]);
            let part_info = |p: &Part| ProjectionInfo { n_synapses: p.net.syns.len(), n_targets: p.net.n_targets, ..global };
            for calls in CALLS {
                let what = format!("{} on {engine:?} with delays {d_lo}..={d_hi}, {calls:?}", spec.name);
                let mut one = Sim::new(build(&spec, &global, engine), &net, &trains, calls);
                let mut shards: Vec<Sim> = two.iter().map(|p| Sim::new(build(&spec, &part_info(p), engine), &p.net, &p.trains, calls)).collect();
                for sim in std::iter::once(&mut one).chain(&mut shards) {
                    sim.windows(0, MID);
                    sim.settle(MID);
                }
                let tables: Vec<StateTable> = shards.iter().map(Sim::table).collect();
                let merged = merge(&two.iter().zip(&tables).collect::<Vec<_>>());
                assert_same_table(&merged, &one.table(), &format!("{what}: two shards merged"));
                // 1 -> 2 workers and 2 -> 1.
                let split_tables = split(&one.table(), &two);
                for (t, want) in split_tables.iter().zip(&tables) {
                    // Per-source rows differ where a shard has no synapse of the source.
                    let local = |t: &StateTable| StateTable { columns: t.columns.iter().filter(|c| c.axis != Axis::Source).cloned().collect() };
                    assert_same_table(&local(t), &local(want), &format!("{what}: split"));
                }
                let mut resplit: Vec<Sim> =
                    shards.iter().zip(&two).zip(&split_tables).map(|((sim, p), t)| sim.resume(build(&spec, &part_info(p), engine), t).unwrap()).collect();
                let mut joined = one.resume(build(&spec, &global, engine), &merged).unwrap();
                for sim in [&mut one, &mut joined].into_iter().chain(&mut shards).chain(&mut resplit) {
                    sim.windows(MID, END);
                    sim.settle(END);
                }
                assert_same_run(&joined, &one, &format!("{what}: restored from two shards into one"));
                for runs in [&shards, &resplit] {
                    let tables: Vec<StateTable> = runs.iter().map(Sim::table).collect();
                    assert_same_table(&merge(&two.iter().zip(&tables).collect::<Vec<_>>()), &one.table(), &format!("{what}: shards at the end"));
                }
            }
        }
    }
}

/// Restores `table` into a fresh copy of `sim`'s rule and expects an error.
fn restore_err(spec: &RuleSpec, info: &ProjectionInfo, engine: Engine, sim: &Sim, table: &StateTable) -> StateError {
    match sim.resume(build(spec, info, engine), table) {
        Ok(_) => panic!("{}: a table that does not fit was restored", spec.name),
        Err(e) => e,
    }
}

fn names(e: &StateError, column: &str) -> bool {
    matches!(e, StateError::Shape { name, .. } if name == column) && e.to_string().contains(&format!("`{column}`"))
}

#[test]
fn a_column_of_the_wrong_length_is_an_error_naming_it() {
    for spec in specs() {
        for &(engine, d_lo, d_hi) in &SETUPS {
            let net = random_net(6, 5, 0.6, d_lo, d_hi, (0.2, 0.8), 77);
            let trains = Trains::random(&net, 0.03, 0.04, END - 30, 78);
            let info = info(&net, DT.ms());
            let mut sim = Sim::new(build(&spec, &info, engine), &net, &trains, CALLS[1]);
            sim.windows(0, MID);
            sim.settle(MID);
            let table = sim.table();
            for (ci, col) in table.columns.iter().enumerate() {
                let what = format!("{} on {engine:?} with delays {d_lo}..={d_hi}, column `{}`", spec.name, col.name);
                let is_target = matches!(&col.axis, Axis::Entries(t) if t == &col.name);
                for longer in [true, false] {
                    let mut bad = table.clone();
                    let v = &mut bad.columns[ci].values;
                    let w = col.width as usize;
                    if longer {
                        let one_more = v.clone();
                        v.extend_from(&one_more, 0..w.min(one_more.len()));
                    } else if v.len() >= w {
                        let mut fewer = v.empty_like();
                        fewer.extend_from(v, 0..v.len() - w);
                        *v = fewer;
                    }
                    if bad.columns[ci].values.len() == col.values.len() {
                        continue;
                    }
                    let err = restore_err(&spec, &info, engine, &sim, &bad);
                    // The entries' targets set their number: the next column is wrong then.
                    assert!(is_target || names(&err, &col.name), "{what}: {err}");
                }
            }
            // Columns out of order, and a type that does not fit.
            let mut extra = table.clone();
            extra.columns.push(table.columns[0].clone());
            assert!(matches!(restore_err(&spec, &info, engine, &sim, &extra), StateError::Extra(c) if c == "weights"), "{}", spec.name);
            let mut swapped = table.clone();
            swapped.columns.swap(1, 2);
            assert!(matches!(restore_err(&spec, &info, engine, &sim, &swapped), StateError::Missing { .. }));
            let mut typed = table.clone();
            let last = typed.columns.len() - 1;
            typed.columns[last].values = Values::F64(vec![1.0]);
            assert!(names(&restore_err(&spec, &info, engine, &sim, &typed), &typed.columns[last].name.clone()), "{}", spec.name);
        }
    }
}

#[test]
fn a_failed_restore_leaves_the_rule_unchanged_and_usable() {
    let spec = Orchestrated::zenke2015().stp(Stp::tsodyks_markram()).to_spec();
    for &(engine, d_lo, d_hi) in &SETUPS {
        let net = random_net(6, 5, 0.6, d_lo, d_hi, (0.2, 0.8), 91);
        let trains = Trains::random(&net, 0.03, 0.04, END - 30, 92);
        let info = info(&net, DT.ms());
        let mut a = Sim::new(build(&spec, &info, engine), &net, &trains, CALLS[0]);
        a.windows(0, MID);
        a.settle(MID);
        let good = a.table();
        // The state of another time, whose last column does not fit.
        let mut other = Sim::new(build(&spec, &info, engine), &net, &trains, CALLS[0]);
        other.windows(0, 600);
        other.settle(600);
        let mut bad = other.table();
        let last = bad.columns.len() - 1;
        bad.columns[last].values = Values::U64(vec![]);
        let mut b = a.resume(build(&spec, &info, engine), &good).unwrap();
        let mut r = StateReader::new(&bad);
        r.column("weights").unwrap();
        let err = r.group("rule", |g| b.rule.restore(g)).unwrap_err();
        assert!(names(&err, &bad.columns[last].name), "{err}");
        assert_same_table(&b.table(), &good, &format!("{engine:?}: after a failed restore"));
        for sim in [&mut a, &mut b] {
            sim.windows(MID, END);
            sim.settle(END);
        }
        assert_same_run(&a, &b, &format!("{engine:?}: continued after a failed restore"));
    }
}

#[test]
fn entries_and_epochs_that_cannot_be_are_errors() {
    let spec = Stdp::pair().tau_plus(2.0.ms()).tau_minus(3.0.ms()).to_spec();
    for &(engine, d_lo, d_hi) in &SETUPS {
        let net = random_net(6, 5, 0.6, d_lo, d_hi, (0.2, 0.8), 93);
        let trains = Trains::random(&net, 0.03, 0.04, END - 30, 94);
        let info = info(&net, DT.ms());
        let mut sim = Sim::new(build(&spec, &info, engine), &net, &trains, CALLS[2]);
        sim.windows(0, MID);
        sim.settle(MID);
        let table = sim.table();
        let entries = table.columns.iter().position(|c| matches!(&c.axis, Axis::Entries(t) if t == &c.name)).unwrap();
        let target = table.columns[entries].name.clone();
        assert!(!table.columns[entries].values.is_empty(), "{engine:?}: no entries to test with");
        let mut far = table.clone();
        far.columns[entries].values = Values::U32(vec![5; table.columns[entries].values.len()]);
        assert!(names(&restore_err(&spec, &info, engine, &sim, &far), &target), "{engine:?}");
        let mut unordered = table.clone();
        let Values::U32(ts) = &mut unordered.columns[entries].values else { panic!("targets are u32") };
        ts.reverse();
        assert_ne!(ts.first(), ts.last(), "{engine:?}: entries of one target only");
        let err = restore_err(&spec, &info, engine, &sim, &unordered);
        assert!(names(&err, &table.columns[entries + 1].name), "{engine:?}: {err}");
        if let Some(e) = table.columns.iter().position(|c| c.name == "rule.epoch") {
            let mut odd = table.clone();
            odd.columns[e].values = Values::U64(vec![1000]);
            assert!(names(&restore_err(&spec, &info, engine, &sim, &odd), "rule.epoch"), "{engine:?}");
        }
    }
}
