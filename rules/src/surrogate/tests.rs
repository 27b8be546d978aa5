#![allow(clippy::unwrap_used)]

use super::{Surrogate, SurrogateError};
use synfire_graphs::{EscapeNoise, RuleSpec, Unit, Value};

/// `(x, expected)` pairs against one surrogate, to a relative tolerance.
fn check(s: Surrogate, cases: &[(f64, f64)]) {
    for &(x, want) in cases {
        let got = s.derivative(x);
        assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "{s:?} at {x}: {got}, expected {want}");
    }
}

#[test]
fn superspike_spec_vectors() {
    // specs 2.1, stork form, beta = 20.
    check(Surrogate::SuperSpike { beta: 20.0 }, &[(0.0, 1.0), (0.05, 0.25), (-0.1, 1.0 / 9.0), (1.0, 1.0 / 441.0)]);
    // Auryn: peak beta, and 0 below its floor.
    let auryn = Surrogate::SuperSpikeAsymptote { beta: 20.0, floor: Some(-0.5) };
    check(auryn, &[(0.0, 20.0), (0.05, 5.0), (-0.49, 20.0 / (9.8 + 1.0) / (9.8 + 1.0)), (-0.51, 0.0)]);
    check(Surrogate::SuperSpikeAsymptote { beta: 20.0, floor: None }, &[(-0.51, 20.0 / (10.2 + 1.0) / (10.2 + 1.0))]);
    // Rescaled: 1 at rest (x = -1).
    check(Surrogate::SuperSpikeRescaled { beta: 20.0 }, &[(-1.0, 1.0), (1.0, 1.0), (0.0, 441.0)]);
    // MemClamp: flat above threshold, SuperSpike below.
    check(Surrogate::SuperSpikeMemClamp { beta: 20.0 }, &[(0.0, 1.0), (0.3, 1.0), (5.0, 1.0), (-0.1, 1.0 / 9.0)]);
}

#[test]
fn sigmoid_shapes() {
    check(Surrogate::Sigmoid { beta: 10.0 }, &[(0.0, 2.5)]);
    check(Surrogate::ScaledSigmoid { beta: 10.0 }, &[(0.0, 0.25)]);
    let s = 1.0 / (1.0 + (-2.0f64).exp());
    check(Surrogate::Sigmoid { beta: 10.0 }, &[(0.2, 10.0 * s * (1.0 - s))]);
    check(Surrogate::ScaledSigmoid { beta: 10.0 }, &[(0.2, s * (1.0 - s))]);
}

#[test]
fn eprop_spec_vectors() {
    // specs 2.2: v = A gives gamma/v_th, v = A +- v_th gives 0.
    for v_th in [0.6, 1.0, 0.03] {
        check(Surrogate::eprop(v_th), &[(0.0, 0.3 / v_th), (v_th, 0.0), (-v_th, 0.0), (2.0 * v_th, 0.0)]);
    }
    check(Surrogate::eprop(0.03), &[(-0.015, 5.0)]);
}

#[test]
fn nest_shapes() {
    check(Surrogate::Exponential { beta: 2.0, gamma: 0.3 }, &[(0.0, 0.3), (0.5, 0.3 * (-1.0f64).exp()), (-0.5, 0.3 * (-1.0f64).exp())]);
    check(Surrogate::FastSigmoidDerivative { beta: 2.0, gamma: 0.3 }, &[(0.0, 0.3), (-0.5, 0.3 / 4.0)]);
    let pi = std::f64::consts::PI;
    check(Surrogate::Arctan { beta: 1.0 / pi, gamma: 0.3 }, &[(0.0, 0.3 / pi), (1.0, 0.3 / pi / 2.0)]);
    check(Surrogate::PiecewiseLinear { gamma: 0.3, v_th: 1.0, beta: 2.0 }, &[(0.25, 0.15), (0.5, 0.0)]);
}

/// Every shape with a closed-form primitive, at every point of a grid: the
/// derivative equals the central difference of the primitive.
#[test]
fn derivatives_are_the_slopes_of_their_primitives() {
    let all = [
        Surrogate::SuperSpike { beta: 20.0 },
        Surrogate::SuperSpikeAsymptote { beta: 20.0, floor: None },
        Surrogate::SuperSpikeRescaled { beta: 5.0 },
        Surrogate::SuperSpikeMemClamp { beta: 20.0 },
        Surrogate::Sigmoid { beta: 10.0 },
        Surrogate::ScaledSigmoid { beta: 10.0 },
        Surrogate::PiecewiseLinear { gamma: 0.3, v_th: 0.6, beta: 1.0 },
        Surrogate::PiecewiseLinear { gamma: 0.5, v_th: 1.0, beta: 2.0 },
        Surrogate::Exponential { beta: 3.0, gamma: 0.3 },
        Surrogate::FastSigmoidDerivative { beta: 3.0, gamma: 0.3 },
        Surrogate::Arctan { beta: 2.0, gamma: 0.3 },
    ];
    let h = 1e-6;
    for s in all {
        // Grid points avoid the kinks (x = 0, the piecewise-linear corners).
        for k in -40..=40 {
            let x = f64::from(k) * 0.0237 + 0.00113;
            let fd = (s.primitive(x + h).unwrap() - s.primitive(x - h).unwrap()) / (2.0 * h);
            let d = s.derivative(x);
            assert!((fd - d).abs() <= 1e-5 * d.abs().max(1.0), "{s:?} at {x}: primitive slope {fd}, derivative {d}");
        }
    }
    assert_eq!(Surrogate::SuperSpikeAsymptote { beta: 1.0, floor: Some(-1.0) }.primitive(0.0), None);
}

#[test]
fn sigmoid_noise_pairs_with_the_sigmoid_derivative() {
    let noise = EscapeNoise::sigmoid(10.0);
    let s = Surrogate::for_escape_noise(&noise).unwrap();
    for x in [-0.3, -0.05, 0.0, 0.1, 0.4] {
        assert!((s.derivative(x) - noise.derivative(x)).abs() < 1e-12);
    }
    assert_eq!(Surrogate::stochastic_superspike(&noise), Some(Surrogate::SuperSpike { beta: 10.0 }));
    assert_eq!(Surrogate::for_escape_noise(&EscapeNoise::Step), None);
}

fn spec(name: &str, params: &[(&str, Value)]) -> RuleSpec {
    RuleSpec { name: name.into(), params: params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(), ..RuleSpec::default() }
}

#[test]
fn tables_read_write_and_name_their_problems() {
    let one = |x| Value::constant(Unit::One, x);
    assert_eq!(Surrogate::from_spec(&spec("super_spike", &[])), Ok(Surrogate::SuperSpike { beta: 20.0 }));
    assert_eq!(Surrogate::from_spec(&spec("piecewise_linear", &[("v_th", one(0.6))])), Ok(Surrogate::eprop(0.6)));
    for name in Surrogate::NAMES {
        let s = Surrogate::from_spec(&spec(name, &[])).unwrap();
        assert_eq!(s.name(), name);
        assert_eq!(Surrogate::from_spec(&s.to_spec()), Ok(s), "{name}");
    }
    let auryn = Surrogate::SuperSpikeAsymptote { beta: 1.0, floor: Some(-30.0) };
    assert_eq!(Surrogate::from_spec(&auryn.to_spec()), Ok(auryn));

    let err = Surrogate::from_spec(&spec("gaussian", &[])).unwrap_err();
    assert!(matches!(&err, SurrogateError::Unknown { name } if name == "gaussian"));
    assert!(err.to_string().contains("super_spike"), "{err}");
    let err = Surrogate::from_spec(&spec("sigmoid", &[("beta", one(-1.0)), ("gama", one(1.0))])).unwrap_err();
    let SurrogateError::Invalid { shape, problems } = &err else { panic!("{err:?}") };
    assert_eq!(shape, "sigmoid");
    assert_eq!(problems.iter().map(|p| p.param.as_str()).collect::<Vec<_>>(), ["gama"], "unknown names first, ranges once the names are right");
    let err = Surrogate::from_spec(&spec("sigmoid", &[("beta", one(-1.0))])).unwrap_err();
    assert!(err.to_string().contains("beta: -1"), "{err}");
    let err = Surrogate::from_spec(&spec("sigmoid", &[("beta", Value::constant(Unit::Ms, 1.0))])).unwrap_err();
    assert!(err.to_string().contains("beta"), "{err}");
}

#[test]
fn serde_form() {
    let s: Surrogate = serde_json::from_str(r#"{ "sigmoid": { "beta": 10.0 } }"#).unwrap();
    assert_eq!(s, Surrogate::Sigmoid { beta: 10.0 });
    assert!(serde_json::from_str::<Surrogate>(r#"{ "sigmoid": { "beta": 10.0, "gamma": 1 } }"#).is_err());
    let json = serde_json::to_string(&Surrogate::eprop(0.6)).unwrap();
    assert_eq!(serde_json::from_str::<Surrogate>(&json).unwrap(), Surrogate::eprop(0.6));
}
