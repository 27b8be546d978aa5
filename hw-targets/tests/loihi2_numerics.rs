//! `loihi2-like` numerics: test vector T1 and the edge cases of specs/targets.md 16,
//! and the crate's step against an independent integer reference.
#![allow(clippy::unwrap_used)]

mod common;

use proptest::prelude::*;
use synfire_targets::Discretisation;
use synfire_targets::loihi2::cuba_lif::{Params, State, step};
use synfire_targets::loihi2::lower::{decay, mantissa};

fn params(du: u16, dv: u16, vth_mant: u32) -> Params {
    Params { du, dv, vth_mant, bias_mant: 0, bias_exp: 0, refractory: 0 }
}

#[test]
fn t1_cuba_lif_trace() {
    let p = params(1350, 742, 200);
    let mut s = State::default();
    let table = [
        (100, 6400, 6400, false),
        (100, 10690, 0, true),
        (100, 13566, 0, true),
        (0, 9094, 9094, false),
        (0, 6096, 0, true),
        (0, 4086, 4086, false),
        (0, 2739, 6084, false),
        (0, 1836, 6817, false),
        (0, 1230, 6812, false),
        (0, 824, 6401, false),
    ];
    for (t, &(a, u, v, spike)) in table.iter().enumerate() {
        let fired = step(&p, &mut s, a);
        assert_eq!((s.u, s.v, fired), (u, v, spike), "step {t}");
    }
}

#[test]
fn decays_round_toward_zero_and_4096_clears() {
    for x in [1, -1] {
        let mut s = State { u: x, v: x, refractory: 0 };
        step(&Params { vth_mant: 131_071, ..params(1, 1, 0) }, &mut s, 0);
        assert_eq!((s.u, s.v), (0, 0), "±1 decays to 0 for D >= 1");
    }
    let mut s = State { u: 4095, v: -4095, refractory: 0 };
    // trunc0(4095 * 4095, 12) = 4094; v then also receives u.
    step(&Params { vth_mant: 131_071, ..params(1, 1, 0) }, &mut s, 0);
    assert_eq!(s.u, 4094);
    assert_eq!(s.v, -4094 + 4094);
    let mut s = State { u: 123_456, v: -654_321, refractory: 0 };
    step(&Params { vth_mant: 131_071, ..params(4096, 4096, 0) }, &mut s, 0);
    assert_eq!((s.u, s.v), (0, 0), "D = 4096 sends any state to 0");
}

#[test]
fn the_current_wraps_as_lava_and_the_voltage_clamps() {
    // Checked against Lava: u0 = 6293057, Du = 1, a = 32767 gives u = 2^23, v clamps
    // to 2^23 - 1 and the neuron fires.
    let p = params(1, 0, 131_071);
    let mut s = State { u: 6_293_057, v: 0, refractory: 0 };
    let fired = step(&p, &mut s, 32_767);
    assert_eq!(s.u, 1 << 23);
    assert!(fired, "v = 2^23 - 1 > 131071 << 6");
    // -2^23 wraps to +2^23, -2^23 - 1 to 2^23 - 1.
    let mut s = State { u: 0, v: 0, refractory: 0 };
    step(&params(4096, 0, 131_071), &mut s, -(1 << 17));
    assert_eq!(s.u, 1 << 23);
    // An unsaturated input: 8 x 255 << 7 = 261120 wraps u (specs 1.2).
    let mut s = State::default();
    step(&params(0, 0, 131_071), &mut s, 261_120);
    assert_eq!(i64::from(s.u), 261_120 * 64 - (1 << 24));
}

#[test]
fn refractory_holds_v_at_zero_while_u_integrates() {
    let p = Params { refractory: 2, ..params(0, 0, 1) };
    let mut s = State::default();
    assert!(step(&p, &mut s, 2)); // u = 128 > 64
    assert!(!step(&p, &mut s, 0));
    assert!(!step(&p, &mut s, 0));
    assert_eq!((s.u, s.v), (128, 0));
    assert!(step(&p, &mut s, 0), "free again: v = 128 > 64");
}

#[test]
fn the_quantiser_rules_of_14_2() {
    // L1 (corrected): Dv = 205, Du = 819 with Euler at dt = 1 ms.
    assert_eq!(decay(20.0, 1.0, Discretisation::Euler), 205);
    assert_eq!(decay(5.0, 1.0, Discretisation::Euler), 819);
    // L2: exact decays at dt = 4 ms.
    assert_eq!(decay(10.0, 4.0, Discretisation::Exact), 1350);
    assert_eq!(decay(20.0, 4.0, Discretisation::Exact), 742);
    assert_eq!(decay(50.0, 4.0, Discretisation::Exact), 315);
    // Even mantissas, ties to even, clipped to [-256, 254].
    assert_eq!(mantissa(165.88), (166, false));
    assert_eq!(mantissa(-230.4), (-230, false));
    assert_eq!(mantissa(3.0), (4, false)); // 1.5 rounds to 2
    assert_eq!(mantissa(5.0), (4, false)); // 2.5 rounds to 2
    assert_eq!(mantissa(300.0), (254, true));
    assert_eq!(mantissa(-300.0), (-256, true));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn the_step_equals_the_independent_reference(
        du in 0u16..=4096, dv in 0u16..=4096, vth in 0u32..=131_071,
        bias_mant in -4096i32..=4095, bias_exp in 0u8..=7, refractory in 0u8..=4,
        u0 in -(1i32 << 23) + 1..=(1i32 << 23), v0 in -(1i32 << 23) + 1..(1i32 << 23),
        inputs in proptest::collection::vec(-300_000i64..300_000, 1..30),
    ) {
        let p = Params { du, dv, vth_mant: vth, bias_mant, bias_exp, refractory };
        let mut s = State { u: u0, v: v0, refractory: 0 };
        let mut r = (i128::from(u0), i128::from(v0), 0u8);
        for &a in &inputs {
            let fired = step(&p, &mut s, a);
            let expect = common::reference_step(du.into(), dv.into(), vth.into(), i128::from(bias_mant) << bias_exp, refractory, &mut r, a.into());
            prop_assert_eq!(fired, expect);
            prop_assert_eq!((i128::from(s.u), i128::from(s.v), s.refractory), r);
        }
    }
}
