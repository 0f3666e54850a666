//! `scha_resource_setstatus`: see `rgm_cli::scha` and docs/commands.md.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(rgm_cli::scha::control::run_setstatus(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    ))
}
