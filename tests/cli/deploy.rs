//! `synfire deploy`: the fit, mapping, quantisation and cost of a network on a
//! hardware target, `deploy.json`, and exit status 3 when it does not fit.

use super::{scratch, stderr, synfire};

fn json(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("deploy.json")).unwrap()).unwrap()
}

#[test]
fn deploy_cuba_on_loihi2_fits_and_reports_its_cost() {
    let dir = scratch("deploy-loihi2");
    let out = synfire(&["deploy", "cuba", "--target", "loihi2", "--run", "20ms", "--workers", "2", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for expect in [
        "deploy: cuba on loihi2-like",
        "fit: fits: 5 cores",
        "placement round 1: cap 819",
        "E->E",
        "even i9 x 2^",
        "ref Hz",
        "cost report: loihi2-like (200 steps",
        "Davies et al. 2018",
    ] {
        assert!(text.contains(expect), "no `{expect}` in\n{text}");
    }
    let j = json(&dir);
    assert_eq!(j["fits"], true);
    assert_eq!(j["mapping"]["cores"].as_array().unwrap().len(), 5);
    assert_eq!(j["comparison"]["populations"].as_array().unwrap().len(), 2);
    assert_eq!(j["ledger"]["steps"], 200);
    assert!(j["cost"]["dynamic"].as_array().unwrap().iter().any(|t| t["name"] == "synaptic events"));
    // The same deploy on one worker writes the same file: both runs are deterministic.
    let one = scratch("deploy-loihi2-one");
    let out = synfire(&["deploy", "cuba", "--target", "loihi2", "--run", "20ms", "--workers", "1", "--out", one.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.join("deploy.json")).unwrap(), std::fs::read_to_string(one.join("deploy.json")).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&one);
}

#[test]
fn deploy_cuba_on_xylo_does_not_fit_with_every_reason() {
    let dir = scratch("deploy-xylo");
    let out = synfire(&["deploy", "cuba", "--target", "xylo", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("hw-targets: xylo-like: does not fit: chip: hidden_neurons 4000 > 1000 (hint: network too large for one Xylo core)"), "{text}");
    assert!(text.contains("hw-targets: xylo-like: does not fit: chip: recurrent_synapses "), "{text}");
    assert!(text.contains("unsupported: population 'E': refractory period t_ref = 5 ms"), "{text}");
    let j = json(&dir);
    assert_eq!(j["fits"], false);
    let v = j["violations"].as_array().unwrap();
    assert_eq!(v[0]["resource"], "HiddenNeurons");
    assert_eq!((v[0]["required"].as_u64(), v[0]["available"].as_u64()), (Some(4000), Some(1000)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deploy_tiny_rsnn_on_cortex_m4_prices_a_4ms_step() {
    let dir = scratch("deploy-m4");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/tiny_rsnn.toml");
    let out = synfire(&["deploy", file, "--target", "cortex-m4", "--run", "200ms", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("11308 B sram"), "{text}");
    assert!(text.contains("cost report: cortex-m4 (50 steps of 4.000 ms"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deploy_cuba_on_cortex_m4_overflows_sram() {
    let dir = scratch("deploy-m4-cuba");
    let out = synfire(&["deploy", "cuba", "--target", "cortex-m4", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("hw-targets: cortex-m4: does not fit: chip: sram_bytes "), "{text}");
    assert!(text.contains("(hint: place constant weights in flash)"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_target_is_named_with_the_known_ones() {
    let out = synfire(&["deploy", "cuba", "--target", "truenorth"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no target is called `truenorth` (targets: reference, loihi2, xylo, cortex-m4)"), "{}", stderr(&out));
}

#[test]
fn deploy_stdp_on_loihi2_learns_on_the_chip_and_counts_it() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/stdp_loihi2.toml");
    let (a, b) = (scratch("deploy-stdp-2"), scratch("deploy-stdp-1"));
    for (dir, workers) in [(&a, "2"), (&b, "1")] {
        let out = synfire(&["deploy", file, "--target", "loihi2", "--run", "200ms", "--workers", workers, "--out", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        for expect in ["projection 'XE': learns on the chip: dw = 15*2^", "u8 x 2^0 (EXCITATORY)", "learning updates", "neuron updates, idle"] {
            assert!(text.contains(expect), "no `{expect}` in\n{text}");
        }
    }
    let j = json(&a);
    assert!(j["ledger"]["learn_syn_updates"].as_u64().unwrap() > 0);
    assert_eq!(j["ledger"]["neuron_updates_active"].as_u64().unwrap() + j["ledger"]["neuron_updates_idle"].as_u64().unwrap(), 100 * 200);
    // Learning, idle counts and all: the same file on 1 and 2 workers.
    assert_eq!(std::fs::read_to_string(a.join("deploy.json")).unwrap(), std::fs::read_to_string(b.join("deploy.json")).unwrap());
    let out = synfire(&["deploy", file, "--target", "loihi2", "--run", "20ms", "--epoch-steps", "4", "--out", a.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("epoch 4 steps"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = synfire(&["deploy", file, "--target", "xylo", "--out", a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("projection 'XE': rule 'stdp_pair': xylo-like has no on-chip learning")
            || stderr(&out).contains("projection 'XE': rule 'stdp_pair': xylo-like has no on-chip learning")
    );
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn deploy_stdp_on_cortex_m4_learns_in_software_and_counts_it() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/stdp_loihi2.toml");
    let (a, b) = (scratch("deploy-stdp-m4-2"), scratch("deploy-stdp-m4-1"));
    for (dir, workers) in [(&a, "2"), (&b, "1")] {
        let out =
            synfire(&["deploy", file, "--target", "cortex-m4", "--run", "200ms", "--workers", workers, "--weights-in-flash", "--out", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        for expect in [
            "projection 'XE': learns in software [spec choice]: the engine's own rule 'stdp_pair'",
            "projection 'XE': plastic, so its weights stay in SRAM despite weights_in_flash",
            "in sram (plastic)",
            "learning cycles",
            "synapse updates x 12",
        ] {
            assert!(text.contains(expect), "no `{expect}` in\n{text}");
        }
    }
    let j = json(&a);
    let l = &j["ledger"];
    assert!(l["learn_syn_updates"].as_u64().unwrap() > 0 && l["trace_updates"].as_u64().unwrap() > 0, "{l}");
    // Learning counts and all: the same file on 1 and 2 workers.
    assert_eq!(std::fs::read_to_string(a.join("deploy.json")).unwrap(), std::fs::read_to_string(b.join("deploy.json")).unwrap());
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}
