//! `cllog`: see `rgm_cli::cllog` and docs/commands.md.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(rgm_cli::cllog::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    ))
}
