//! Plain state (`synfire_graphs::PlainState`) of every kernel: the columns each
//! model writes, save/restore/continue bit for bit (refractory neurons and ticks past
//! 2^32 included), tables that do not fit, and the non-finite scan of run guards.

use crate::common::{kernel_of, rng, step};
use crate::contract::{drive, graph};
use synfire_graphs::{Axis, ModelKind, StateError, StateReader, StateTable, StateWriter, Values};
use synfire_runtime::NeuronKernel;

/// The kernel's columns, written under `kernel.` as a shard writes them.
fn save(k: &dyn NeuronKernel) -> StateTable {
    let mut w = StateWriter::new();
    w.group("kernel", |g| k.save(g));
    w.finish()
}

/// Restores a table [`save`] wrote and checks that every column was read.
fn restore(k: &mut dyn NeuronKernel, table: &StateTable) -> Result<(), StateError> {
    let mut r = StateReader::new(table);
    r.group("kernel", |g| k.restore(g))?;
    r.finish()
}

/// Whether two tables have the same columns holding the same bits.
fn same_bits(a: &StateTable, b: &StateTable) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns.iter().zip(&b.columns).all(|(x, y)| x.name == y.name && x.axis == y.axis && x.width == y.width && x.values.same_bits(&y.values))
}

/// Every public state variable through `state`, as bits.
fn state_bits(kind: ModelKind, k: &dyn NeuronKernel) -> Vec<u32> {
    (0..kind.state().len()).flat_map(|v| (0..k.len()).map(move |i| k.state(v, i).to_bits())).collect()
}

/// The columns of each model, in order, with their axes (`n` neuron rows, `1` scalar).
#[test]
fn every_model_writes_its_state_as_named_columns() {
    let check = |kind: ModelKind, expect: &str| {
        let k = kernel_of(&graph(kind, 7), 1, 0..7);
        let got: Vec<String> = save(k.as_ref())
            .columns
            .iter()
            .map(|c| {
                let rows = match c.axis {
                    Axis::Neuron if c.rows() == 7 && c.width == 1 => "n",
                    Axis::Scalar if c.rows() == 1 && c.width == 1 => "1",
                    _ => "?",
                };
                format!("{}:{}:{rows}", c.name, c.values.type_name())
            })
            .collect();
        assert_eq!(got.join(" "), expect, "{kind:?}");
    };
    let refractory = "kernel.refractory_end:u64:n kernel.refractory_rebased_at:u64:1";
    check(ModelKind::LifCuba, &format!("kernel.v_rel:f32:n kernel.i_syn_e:f32:n kernel.i_syn_i:f32:n {refractory}"));
    check(ModelKind::LifCoba, &format!("kernel.v:f32:n kernel.g_e:f32:n kernel.g_i:f32:n {refractory}"));
    check(ModelKind::Alif, "kernel.v:f32:n kernel.a:f32:n kernel.z:f32:n kernel.refractory_left:u32:n");
    check(ModelKind::Izhikevich, "kernel.v:f32:n kernel.u:f32:n");
    check(ModelKind::LifDiscrete, "kernel.u:f32:n kernel.i:f32:n");
    check(ModelKind::RateLinear, "kernel.u:f32:n");
    check(ModelKind::RateSigmoid, "kernel.u:f32:n");
    check(ModelKind::RateSoftplus, "kernel.u:f32:n");
    check(ModelKind::RateAffine, "kernel.u:f32:n");
}

/// How many neurons are inside an event at the save point, tick `next` being the
/// next to run: refractory (LIF, ALIF), or spiked at the last tick (all models).
fn in_event(table: &StateTable, next: u64, spiked_last: usize) -> usize {
    if let Some(Values::U64(ends)) = table.get("kernel.refractory_end").map(|c| &c.values) {
        return ends.iter().filter(|&&e| e > next).count();
    }
    if let Some(Values::U32(left)) = table.get("kernel.refractory_left").map(|c| &c.values) {
        return left.iter().filter(|&&l| l > 0).count();
    }
    spiked_last
}

/// Runs a kernel from tick `start` with random input until at least 60 ticks are
/// done and some neurons are refractory (or just spiked); saves; restores into a
/// fresh kernel built from the same init; continues both with the same inputs and
/// compares spikes, `state` and the saved tables at every tick. A fresh kernel that
/// was not restored must diverge, so the comparison can fail.
fn save_restore_continue(kind: ModelKind, start: u64, with_ext: bool) {
    const N: u64 = 40;
    let g = graph(kind, N);
    let mut a = kernel_of(&g, 1, 0..N);
    let mut r = rng(50 + start % 1000);
    let mut next_input = || {
        let (input, ext) = drive(kind, N as usize, &mut r);
        (input, if with_ext { ext } else { Vec::new() })
    };
    let mut t = start;
    let mut refractory = 0;
    // Rate units have no events: any save point is as good as another.
    while t - start < 60 || (refractory == 0 && !kind.graded()) {
        assert!(t - start < 2000, "{kind:?}: no neuron refractory at any save point");
        let (mut input, ext) = next_input();
        let fired = step(a.as_mut(), t, &mut input, &ext);
        t += 1;
        refractory = in_event(&save(a.as_ref()), t, fired.len());
    }
    let table = save(a.as_ref());
    let mut b = kernel_of(&g, 1, 0..N);
    let mut control = kernel_of(&g, 1, 0..N);
    restore(b.as_mut(), &table).unwrap();
    assert!(same_bits(&save(b.as_ref()), &table), "{kind:?}: the restored kernel saves another table");
    let mut diverged = false;
    let mut spikes = 0;
    for t in t..t + 300 {
        let (input, ext) = next_input();
        let fired = step(a.as_mut(), t, &mut input.clone(), &ext);
        assert_eq!(step(b.as_mut(), t, &mut input.clone(), &ext), fired, "{kind:?} from {start}: spikes at tick {t}");
        assert_eq!(state_bits(kind, b.as_ref()), state_bits(kind, a.as_ref()), "{kind:?} from {start}: state at tick {t}");
        assert!(same_bits(&save(b.as_ref()), &save(a.as_ref())), "{kind:?} from {start}: saved tables at tick {t}");
        diverged |= step(control.as_mut(), t, &mut input.clone(), &ext) != fired || state_bits(kind, control.as_ref()) != state_bits(kind, a.as_ref());
        spikes += fired.len();
    }
    assert!(spikes > 0 || kind.graded(), "{kind:?}: no spikes after the restore");
    assert!(diverged, "{kind:?}: a kernel that was not restored gives the same run, so the test cannot fail");
}

#[test]
fn restore_of_save_continues_bit_identically() {
    for kind in ModelKind::ALL {
        for with_ext in [false, true] {
            save_restore_continue(kind, 0, with_ext);
        }
    }
}

/// Saved past 2^31 and 2^32 ticks, where the wrapped refractory ends of a fresh
/// kernel (last rebased at tick 0) would be misread without the saved rebase tick.
#[test]
fn restore_continues_bit_identically_at_late_ticks() {
    for kind in ModelKind::ALL {
        for start in [(1 << 31) - 30, (1 << 32) - 30, (5 << 30) + 3] {
            save_restore_continue(kind, start, true);
        }
    }
}

/// Each column in turn made one value short (a scalar empty) is a `StateError::Shape`
/// naming that column, and the kernel is left as it was.
#[test]
fn a_column_of_the_wrong_length_is_an_error_naming_it() {
    for kind in ModelKind::ALL {
        let g = graph(kind, 12);
        let mut k = kernel_of(&g, 1, 0..12);
        let mut r = rng(60);
        for t in 0..80 {
            let (mut input, ext) = drive(kind, 12, &mut r);
            step(k.as_mut(), t, &mut input, &ext);
        }
        let table = save(k.as_ref());
        let mut fresh = kernel_of(&g, 1, 0..12);
        let before = save(fresh.as_ref());
        for c in 0..table.columns.len() {
            let mut bad = table.clone();
            let column = &mut bad.columns[c];
            let mut values = column.values.empty_like();
            values.extend_from(&column.values, 0..column.values.len() - 1);
            column.values = values;
            match restore(fresh.as_mut(), &bad) {
                Err(StateError::Shape { name, .. }) => assert_eq!(name, table.columns[c].name, "{kind:?}"),
                other => panic!("{kind:?}: column {} one short gives {other:?}", table.columns[c].name),
            }
            assert!(same_bits(&save(fresh.as_ref()), &before), "{kind:?}: a failed restore changed the kernel");
        }
        // A table of 12 neurons does not fit 13; a missing or extra column is named.
        let err = restore(kernel_of(&g, 1, 0..13).as_mut(), &table).unwrap_err();
        assert!(matches!(&err, StateError::Shape { name, .. } if *name == table.columns[0].name), "{kind:?}: {err}");
        let mut short = table.clone();
        let last = short.columns.pop().unwrap();
        let err = restore(fresh.as_mut(), &short).unwrap_err();
        assert!(matches!(&err, StateError::Missing { expected, .. } if *expected == last.name), "{kind:?}: {err}");
        let mut long = table.clone();
        long.columns.push(last.clone());
        assert_eq!(restore(fresh.as_mut(), &long).unwrap_err(), StateError::Extra(last.name.clone()), "{kind:?}");
    }
}

/// A refractory end 2^31 ticks or more from the rebase tick cannot be unwrapped.
#[test]
fn a_refractory_end_out_of_reach_is_an_error() {
    for kind in [ModelKind::LifCuba, ModelKind::LifCoba] {
        let mut k = kernel_of(&graph(kind, 3), 1, 0..3);
        let mut table = save(k.as_ref());
        let column = table.columns.iter_mut().find(|c| c.name == "kernel.refractory_end").unwrap();
        column.values = Values::U64(vec![0, 1 << 31, 0]);
        let err = restore(k.as_mut(), &table).unwrap_err();
        assert!(matches!(&err, StateError::Shape { name, message } if name == "kernel.refractory_end" && message.contains("neuron 1")), "{err}");
    }
}

/// `first_non_finite` finds a NaN or infinity put in with `set_state`, names the
/// model's variable, and takes the lowest neuron (at one neuron, the first variable).
#[test]
fn first_non_finite_names_the_neuron_and_the_variable() {
    for kind in ModelKind::ALL {
        let g = graph(kind, 9);
        let mut k = kernel_of(&g, 1, 0..9);
        let mut r = rng(70);
        for t in 0..50 {
            let (mut input, ext) = drive(kind, 9, &mut r);
            step(k.as_mut(), t, &mut input, &ext);
        }
        assert_eq!(k.first_non_finite(), None, "{kind:?}");
        let vars = kind.state();
        for (var, def) in vars.iter().enumerate() {
            for (i, bad) in [(0, f32::NAN), (4, f32::INFINITY), (8, f32::NEG_INFINITY)] {
                let mut k = kernel_of(&g, 1, 0..9);
                k.set_state(var, i, bad);
                assert_eq!(k.first_non_finite(), Some((i, def.name)), "{kind:?} {} = {bad} at neuron {i}", def.name);
            }
        }
        let mut k = kernel_of(&g, 1, 0..9);
        let (first, last) = (0, vars.len() - 1);
        k.set_state(first, 6, f32::NAN);
        k.set_state(last, 3, f32::NAN);
        k.set_state(first, 3, f32::NAN);
        assert_eq!(k.first_non_finite(), Some((3, vars[first].name)), "{kind:?}");
    }
}
