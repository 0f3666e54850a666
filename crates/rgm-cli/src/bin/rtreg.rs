//! `rtreg`: checks resource type registration (RTR) files and shows the types they register.
//! Everything but the process plumbing is in `rgm_cli::rtreg_cmd` (docs/rtreg.md).

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = rgm_cli::rtreg_cmd::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(code)
}
