//! A continual-learning scenario file run as a task (`synfire run FILE`, see
//! [`crate::continual::file`]): the file's protocol, variants and form, its seeds
//! unless the command line names others, and the outputs of `continual-patterns`.

use super::continual_patterns::{outcome, run_all};
use super::{Outcome, Progress, Setup, Task, TaskError};
use crate::continual::file::ScenarioFile;

/// The task a scenario file describes.
#[derive(Debug, Clone)]
pub struct ContinualFile {
    /// The file's scenario.
    pub file: ScenarioFile,
}

impl Task for ContinualFile {
    fn name(&self) -> &'static str {
        "continual"
    }

    fn about(&self) -> &'static str {
        "a continual-learning scenario file: the protocol's tasks in sequence, each variant's accuracy matrix and forgetting, over seeds"
    }

    fn default_seeds(&self) -> u64 {
        self.file.seeds
    }

    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
        if setup.duration.is_some() {
            return Err(TaskError::Setting {
                task: "continual",
                setting: "duration",
                value: format!("{:?}", setup.duration),
                why: "the rate protocol has no model time: its length is the file's epochs (or --iterations)".into(),
            });
        }
        let mut scenario = self.file.scenario.clone();
        if let Some(e) = setup.iterations {
            scenario.protocol.epochs = e as usize;
        }
        scenario.workers = setup.workers;
        scenario.check().map_err(|e| TaskError::Setting {
            task: "continual",
            setting: "iterations",
            value: scenario.protocol.epochs.to_string(),
            why: e.to_string(),
        })?;
        progress.stage("continual scenario", (scenario.variants.len() * setup.seeds.len()) as u64);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let runs = run_all(&scenario, &setup.seeds, threads, progress)?;
        Ok(outcome(&scenario, &setup.seeds, &runs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::continual::{Form, Protocol, Scenario, Variant};

    /// The file's scenario runs exactly as the same scenario built in Rust.
    #[test]
    fn a_file_runs_as_the_scenario_it_describes() {
        let text = "[continual]\nprotocol = \"patterns\"\nseeds = 2\nseed = 3\n[protocol]\nepochs = 2\neval_every = 1\n\
                    [[variant]]\nkind = \"plain\"\n[[variant]]\nkind = \"si\"\nc = 0.5\n";
        let dir = std::env::temp_dir().join(format!("synfire-continual-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("s.toml");
        std::fs::write(&path, text).expect("writes");
        let file = ScenarioFile::load(&path).expect("valid");
        std::fs::remove_dir_all(&dir).ok();
        let task = ContinualFile { file };
        let setup = Setup::seeds(3, task.default_seeds(), 1);
        assert_eq!(setup.seeds, [3, 4]);
        let got = task.run(&setup, &mut super::super::Quiet).expect("runs");
        let rust = Scenario {
            protocol: Protocol { epochs: 2, eval_every: 1, ..Protocol::default() },
            variants: vec![Variant::Plain, Variant::Si { c: 0.5, xi: 0.1 }],
            form: Form::Rate,
            spiking: crate::continual::SpikingProtocol::default(),
            workers: 1,
        };
        let runs = run_all(&rust, &[3, 4], 2, &mut super::super::Quiet).expect("runs");
        assert_eq!(got, outcome(&rust, &[3, 4], &runs));
        assert_eq!(got.heatmaps[0].panels.len(), 2);
    }
}
