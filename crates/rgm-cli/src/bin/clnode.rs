//! `clnode`: see `rgm_cli::cl::clnode` and docs/commands.md.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(rgm_cli::cl::run::<rgm_cli::cl::clnode::Clnode, _, _>(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    ))
}
