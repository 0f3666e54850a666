//! `clresourcetype`: see `rgm_cli::cl::clrt` and docs/commands.md.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(rgm_cli::cl::run::<rgm_cli::cl::clrt::Clrt, _, _>(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    ))
}
