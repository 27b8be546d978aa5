//! Kill and resume: a run killed with SIGKILL after a checkpoint and continued with
//! `synfire resume` (on another number of workers) writes the outputs of the run
//! that never stopped; a damaged checkpoint changes nothing on disk.

use super::{scratch, stderr, synfire};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUN: [&str; 8] = ["run", "cuba-stdp", "--neurons", "1000", "--duration", "3s", "--checkpoint-every", "250ms"];

/// Every file of `dir` but the machine's timings and the checkpoint, with its bytes.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .filter(|(n, _)| n != "timing.json" && n != "checkpoint.synfire")
        .collect();
    files.sort();
    files
}

/// Runs `run` to the end into one folder; runs it again into another on
/// `kill_workers` workers, kills it with SIGKILL once its first checkpoint exists,
/// resumes it on `resume_workers` workers, and compares every output byte for byte.
fn kill_and_resume(name: &str, run: &[&str], kill_workers: &str, resume_workers: &str) {
    let (whole, killed) = (scratch(&format!("resume-{name}-whole")), scratch(&format!("resume-{name}-killed")));
    let out = synfire(&[run, &["--out", whole.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{name}: {}", stderr(&out));

    let mut child = Command::new(env!("CARGO_BIN_EXE_synfire"))
        .args([run, &["--out", killed.to_str().unwrap(), "--workers", kill_workers]].concat())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = killed.join("checkpoint.synfire");
    let started = Instant::now();
    while !checkpoint.exists() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(checkpoint.exists(), "{name}: no checkpoint was written");
    assert!(!status.success(), "{name}: the run ended before it was killed; the test needs a longer run");
    assert!(!killed.join("report.json").exists(), "{name}: a killed run wrote its outputs");

    let out = synfire(&["resume", checkpoint.to_str().unwrap(), "--workers", resume_workers]);
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    let (a, b) = (outputs(&whole), outputs(&killed));
    assert_eq!(a.iter().map(|f| &f.0).collect::<Vec<_>>(), b.iter().map(|f| &f.0).collect::<Vec<_>>(), "{name}");
    for ((file, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name}: {file} differs after kill and resume");
    }
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&killed);
}

fn scenario(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios").join(file).to_string_lossy().into_owned()
}

#[test]
fn a_killed_cuba_stdp_run_resumed_on_other_workers_writes_the_same_outputs() {
    kill_and_resume("cuba-stdp", &RUN, "3", "2");
}

#[test]
fn a_killed_coba_run_resumed_on_other_workers_writes_the_same_outputs() {
    kill_and_resume("coba", &["run", "coba", "--neurons", "1000", "--duration", "2s", "--checkpoint-every", "200ms"], "1", "3");
}

#[test]
fn a_killed_orchestrated_run_resumed_on_other_workers_writes_the_same_outputs() {
    let file = scenario("orchestrated.toml");
    kill_and_resume("orchestrated", &["run", &file, "--duration", "4s", "--checkpoint-every", "200ms"], "3", "1");
}

#[test]
fn a_killed_graded_run_resumed_on_other_workers_writes_the_same_outputs() {
    let file = scenario("graded.toml");
    kill_and_resume("graded", &["run", &file, "--duration", "10s", "--checkpoint-every", "500ms"], "1", "3");
}

#[test]
fn a_killed_reward_modulated_run_resumed_on_other_workers_writes_the_same_outputs() {
    let file = scenario("rstdp.toml");
    kill_and_resume("rstdp", &["run", &file, "--duration", "6s", "--checkpoint-every", "250ms"], "3", "2");
}

#[test]
fn a_damaged_checkpoint_is_refused_and_changes_nothing() {
    let dir = scratch("resume-damaged");
    let out = synfire(&["run", "cuba-stdp", "--neurons", "400", "--duration", "300ms", "--checkpoint-every", "100ms", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ck = dir.join("checkpoint.synfire");
    let good = std::fs::read(&ck).unwrap();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    let mut version = good.clone();
    version[8] = 7;
    for (bytes, says) in [(&good[..good.len() / 3], "truncated"), (&flipped[..], "checksum"), (&version[..], "format version 7")] {
        std::fs::write(&ck, bytes).unwrap();
        let before = outputs(&dir);
        let out = synfire(&["resume", ck.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(says), "{says}: {}", stderr(&out));
        assert!(outputs(&dir) == before, "{says}: a failed resume changed the outputs");
        assert_eq!(std::fs::read(&ck).unwrap(), bytes, "{says}: the checkpoint changed");
    }
    let out = synfire(&["resume", dir.join("report.json").to_str().unwrap()]);
    assert!(stderr(&out).contains("not a synfire checkpoint"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
