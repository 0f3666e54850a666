//! `scha_resourcegroup_get`: see `rgm_cli::scha` and docs/commands.md.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(rgm_cli::scha::group::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    ))
}
