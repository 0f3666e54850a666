//! rgm-watchdog: rgmd's fail-fast when rgmd cannot act (see `rgmd::cluster::watchdog`).
//! Started by rgmd in a cluster; not run by hand.
//!
//! Usage: `rgm-watchdog STATE_DIR METHOD_CGROUP [ADDRESSES_DIR]` (`--help` prints its manual
//! page). Exit status 0 when told to exit, 2 on bad
//! arguments or when another watchdog watches the same state directory.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", rgmd::cluster::watchdog::HELP);
        return ExitCode::SUCCESS;
    }
    let (state_dir, cgroup, addresses) = match args.as_slice() {
        [s, c] => (s, c, None),
        [s, c, a] => (s, c, Some(PathBuf::from(a))),
        _ => {
            eprintln!(
                "usage: rgm-watchdog STATE_DIR METHOD_CGROUP [ADDRESSES_DIR] (started by rgmd)"
            );
            return ExitCode::from(2);
        }
    };
    match rgmd::cluster::watchdog::watch(
        &PathBuf::from(state_dir),
        &PathBuf::from(cgroup),
        addresses.as_deref(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rgm-watchdog: {e}");
            ExitCode::from(2)
        }
    }
}
