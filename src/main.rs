//! The `synfire` command-line tool: run scenarios, benchmark the built-in networks,
//! check scenario files.

mod cli;
mod output;

fn main() -> std::process::ExitCode {
    cli::main()
}
