//! "Nothing is lost": outputs are written into a temporary directory next to the
//! destination and moved into it only when every file is complete. A run that fails
//! earlier leaves the destination as it was. On commit, the files an earlier run
//! listed in its `outputs.json` that this run does not write are removed (a static
//! run into the folder of a plastic one would otherwise keep its `weights.svg`, as if
//! it were this run's); files no run listed (the user's, `checkpoint.synfire`) are
//! never touched.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// A temporary directory whose files move into `dest` on [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    tmp: PathBuf,
    dest: PathBuf,
    files: Vec<String>,
    committed: bool,
}

impl Staging {
    /// Creates the temporary directory beside `dest` (and `dest`'s parents).
    pub fn new(dest: &Path) -> anyhow::Result<Staging> {
        let (parent, name) = split(dest)?;
        // A file where a directory must go: name it, not the path that failed to be made.
        if let Some(file) = dest.ancestors().skip(1).find(|a| !a.as_os_str().is_empty() && a.exists() && !a.is_dir()) {
            anyhow::bail!("cannot create the output directory {}: {} is a file, not a directory", dest.display(), file.display());
        }
        if dest.exists() && !dest.is_dir() {
            anyhow::bail!("cannot write outputs into {}: it is a file, not a directory", dest.display());
        }
        std::fs::create_dir_all(&parent).with_context(|| format!("cannot create the output directory {} ({})", dest.display(), parent.display()))?;
        remove_stale(&parent, &name);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).with_context(|| format!("cannot clear {}", tmp.display()))?;
        }
        std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(Staging { tmp, dest: dest.to_path_buf(), files: Vec::new(), committed: false })
    }

    /// The path to write output `file` to; it is moved to `dest` on commit.
    pub fn file(&mut self, file: &str) -> PathBuf {
        if !self.files.iter().any(|f| f == file) {
            self.files.push(file.to_string());
        }
        self.tmp.join(file)
    }

    /// Moves every staged file into the destination (replacing older versions) and
    /// returns their final paths.
    pub fn commit(mut self) -> anyhow::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(&self.dest).with_context(|| format!("cannot create {}", self.dest.display()))?;
        let earlier = listed_outputs(&self.dest.join(MANIFEST));
        let mut out = Vec::with_capacity(self.files.len());
        for f in &self.files {
            let (from, to) = (self.tmp.join(f), self.dest.join(f));
            // Same parent directory, hence the same file system: a rename is atomic.
            std::fs::rename(&from, &to).with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
            out.push(to);
        }
        self.committed = true;
        for stale in earlier.iter().filter(|f| !self.files.contains(f)) {
            let path = self.dest.join(stale);
            std::fs::remove_file(&path)
                .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })
                .with_context(|| format!("cannot remove {}, an output of an earlier run that this run does not write", path.display()))?;
        }
        std::fs::remove_dir_all(&self.tmp).with_context(|| format!("cannot remove {}", self.tmp.display()))?;
        Ok(out)
    }
}

/// The manifest every run writes, which names its files.
const MANIFEST: &str = "outputs.json";

/// The plain file names an earlier run's manifest lists (nothing when there is none
/// or it cannot be read: then nothing is removed). Names with a path separator or
/// `..` are ignored, so a doctored manifest cannot reach outside the directory.
fn listed_outputs(manifest: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(manifest) else { return Vec::new() };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { return Vec::new() };
    if json["format"] != "synfire-outputs" {
        return Vec::new();
    }
    let files = json["files"].as_array().map(Vec::as_slice).unwrap_or_default();
    files
        .iter()
        .filter_map(|f| f["file"].as_str())
        .filter(|f| !f.is_empty() && !f.contains(['/', '\\']) && *f != "." && *f != "..")
        .map(str::to_string)
        .collect()
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // The run failed: its partial files go, the destination stays as it was.
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Removes the staging directories of earlier runs into `name` that were killed
/// before they could clean up (`.NAME.tmp-PID` whose process no longer exists). A
/// live process's directory is left alone; where processes cannot be listed
/// (no `/proc`), nothing is removed.
fn remove_stale(parent: &Path, name: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !proc.join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The parent directory and last component of `dest`, resolving `.` and `..`.
fn split(dest: &Path) -> anyhow::Result<(PathBuf, String)> {
    let dest = if dest.file_name().is_none() { dest.canonicalize().with_context(|| format!("cannot resolve {}", dest.display()))? } else { dest.to_path_buf() };
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).with_context(|| format!("{} has no directory name", dest.display()))?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("synfire-staging-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn commit_replaces_outputs_and_keeps_other_files() {
        let root = scratch("commit");
        let dest = root.join("out");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join("a.txt"), "old").unwrap();
        std::fs::write(dest.join("notes.txt"), "mine").unwrap();
        let mut s = Staging::new(&dest).unwrap();
        std::fs::write(s.file("a.txt"), "new").unwrap();
        let files = s.commit().unwrap();
        assert_eq!(files, vec![dest.join("a.txt")]);
        assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(dest.join("notes.txt")).unwrap(), "mine");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "the temporary directory is gone");
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// Silent wrong result (trust issue, item 8): a run into the folder of an earlier
    /// run kept that run's files it did not write itself (a static run beside the
    /// earlier plastic run's `weights.svg`). Files no manifest lists stay.
    #[test]
    fn outputs_of_an_earlier_run_that_this_run_does_not_write_go() {
        let root = scratch("stale-outputs");
        let dest = root.join("out");
        std::fs::create_dir_all(&dest).unwrap();
        let manifest =
            r#"{"format": "synfire-outputs", "files": [{"file": "a.txt"}, {"file": "weights.svg"}, {"file": "outputs.json"}, {"file": "../escape.txt"}]}"#;
        for (f, text) in [("a.txt", "old"), ("weights.svg", "old"), ("outputs.json", manifest), ("notes.txt", "mine")] {
            std::fs::write(dest.join(f), text).unwrap();
        }
        std::fs::write(root.join("escape.txt"), "outside").unwrap();
        let mut s = Staging::new(&dest).unwrap();
        std::fs::write(s.file("a.txt"), "new").unwrap();
        std::fs::write(s.file("outputs.json"), r#"{"format": "synfire-outputs", "files": [{"file": "a.txt"}]}"#).unwrap();
        s.commit().unwrap();
        assert!(!dest.join("weights.svg").exists(), "the earlier run's plot is gone");
        assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(dest.join("notes.txt")).unwrap(), "mine");
        assert!(root.join("escape.txt").exists(), "nothing outside the directory is touched");
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A run killed with SIGKILL leaves its staging directory; the next run into the
    /// same destination removes it, but not one of a process that is still alive.
    #[test]
    fn stale_staging_of_dead_processes_is_removed() {
        let root = scratch("stale");
        let dest = root.join("out");
        std::fs::create_dir_all(&root).unwrap();
        // PIDs above the kernel's maximum (2^22) cannot be alive.
        let dead = root.join(".out.tmp-4999999");
        let other = root.join(".other.tmp-4999999");
        for d in [&dead, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        let parent_pid = std::os::unix::process::parent_id();
        let live = root.join(format!(".out.tmp-{parent_pid}"));
        std::fs::create_dir_all(&live).unwrap();
        let s = Staging::new(&dest).unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!dead.exists(), "the dead run's directory is gone");
        }
        assert!(live.exists(), "a live process's directory stays");
        assert!(other.exists(), "another destination's directory stays");
        drop(s);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_dropped_staging_leaves_the_destination_intact() {
        let root = scratch("drop");
        let dest = root.join("out");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join("a.txt"), "old").unwrap();
        {
            let mut s = Staging::new(&dest).unwrap();
            std::fs::write(s.file("a.txt"), "half").unwrap();
        }
        assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "old");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
