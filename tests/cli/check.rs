// `synfire check`: exit status and messages (a module of tests/cli.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn synfire_check(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synfire")).arg("check").arg(file).output().unwrap()
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios").join(name)
}

/// A scratch file holding `text`, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, text: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("synfire-cli-check-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn valid_examples_pass_with_a_summary() {
    for name in ["cuba.toml", "coba.toml"] {
        let out = synfire_check(&example(name));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("OK: 2 populations, 4 projections, 4000 neurons"), "{stdout}");
    }
}

#[test]
fn meaning_errors_exit_2_with_paths() {
    let text = std::fs::read_to_string(example("cuba.toml")).unwrap().replace("p = 0.02", "p = 1.5");
    let file = Scratch::new("p.toml", &text);
    let out = synfire_check(&file.0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains(&format!("{}: projection[0].p: probability 1.5 is outside [0, 1]", file.0.display())), "{stderr}");
}

#[test]
fn syntax_errors_exit_2_with_line_and_column() {
    let file = Scratch::new("syntax.toml", "[run]\nduration = = \"1 s\"\n");
    let out = synfire_check(&file.0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.starts_with(&format!("{}:2:12: ", file.0.display())), "{stderr}");
}

#[test]
fn unreadable_files_exit_2() {
    let out = synfire_check(Path::new("/nonexistent/scenario.toml"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/scenario.toml"));
}
