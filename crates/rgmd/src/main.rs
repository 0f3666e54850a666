//! rgmd: see the library's documentation. Exit status: 0 after a clean stop (every resource
//! group of this node offline), 1 after a stop that could not take everything offline, 2 when
//! it cannot start or must stop on an error (cannot save the configuration), 75 after SIGUSR2
//! (exited for a restart, leaving every group running; `rgmd::restart`).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let options = rgmd::options::Options::parse();
    init_tracing(options.verbose);
    if options.restart {
        return match rgmd::restart::ask(&options) {
            Ok(said) => {
                println!("{said}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rgmd: {e:#}");
                ExitCode::from(2)
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rgmd: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(rgmd::daemon::run(options)) {
        Ok(rgmd::event_loop::Exit::Clean) => ExitCode::SUCCESS,
        Ok(rgmd::event_loop::Exit::Restart) => ExitCode::from(rgmd::restart::RESTART_EXIT_STATUS),
        Ok(rgmd::event_loop::Exit::Unclean(why)) => {
            eprintln!("rgmd: stopped, but not cleanly: {why}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("rgmd: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Diagnostics on stderr: coloured only on a terminal; under systemd (stderr is the journal)
/// plain and without a timestamp of their own, since the journal stamps every line.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let journal = rgmd::journal::stderr_is_journal();
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(!journal && std::io::stderr().is_terminal());
    if journal {
        fmt.without_time().init();
    } else {
        fmt.init();
    }
}
