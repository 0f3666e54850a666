//! `hatimerun`: run a program under a timeout, for probes and callbacks written as scripts.
//!
//! ```text
//! hatimerun -t SECONDS [-g GRACE] [-k SIGNAL] [-e EXITCODE] [-v] [--] PROGRAM [ARGS...]
//! hatimerun -t SECONDS -a [-e EXITCODE] [-v] [--] PROGRAM [ARGS...]
//! ```
//!
//! PROGRAM runs in a process group of its own with hatimerun's stdio and environment, on the
//! same supervisor as the methods rgmd runs. See [`HELP`] for the whole page. The binary in
//! `src/bin/hatimerun.rs` only calls [`main`].

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::os::{ChildOutput, ExitKind, OsChild, ProcessOs, SpawnSpec};
use crate::real_os::RealOs;
use crate::signals::{exit_status_for_signal, parse_signal};
use crate::supervisor::{Plan, Target, later, supervise};

/// Exit status on timeout (unless changed with `-e`).
pub const EXIT_TIMEOUT: i32 = 99;
/// Exit status when PROGRAM could not be run at all, or the command line was wrong.
pub const EXIT_CANNOT_RUN: i32 = 98;
/// Default grace period between the timeout signal and SIGKILL.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// The manual page printed by `--help`.
pub const HELP: &str = "\
NAME
     hatimerun - run a program under a timeout

SYNOPSIS
     hatimerun -t SECONDS [-g GRACE] [-k SIGNAL] [-e EXITCODE] [-v] [--] PROGRAM [ARGS...]
     hatimerun -t SECONDS -a [-e EXITCODE] [-v] [--] PROGRAM [ARGS...]
     hatimerun --help

DESCRIPTION
     hatimerun runs PROGRAM with ARGS as a child process in a process group of its own, with
     hatimerun's standard input, output, error and environment. A PROGRAM without a slash is
     looked up on PATH.

     If PROGRAM ends before the timeout, hatimerun exits with PROGRAM's exit status. If the
     timeout expires first, hatimerun sends SIGNAL (default TERM) to PROGRAM's process group;
     if anything of the group is still alive GRACE seconds later, it sends SIGKILL to the group.
     When the group is gone it exits with status 99.

     SIGTERM, SIGINT and SIGHUP sent to hatimerun are passed on to PROGRAM's process group, so
     stopping a probe stops what it runs; and if hatimerun itself is killed, PROGRAM gets
     SIGKILL.

     It is meant for scripts, such as the probes of resource type fault monitors, that must
     not hang on a command.

OPTIONS
     -t SECONDS
          The timeout, in seconds (a positive number; fractions such as 0.5 are allowed).
          Required.

     -g GRACE
          Seconds between SIGNAL and SIGKILL. Default 10. 0 sends SIGKILL at once if SIGNAL did
          not end the group.

     -k SIGNAL
          The signal sent at the timeout: a name as kill(1) knows it, with or without SIG, in
          any case (TERM, hup, SIGINT), or a number. Default TERM. Not allowed with -a.

     -a
          Asynchronous: at the timeout, exit with status 99 at once and leave PROGRAM running.

     -e EXITCODE
          Exit with EXITCODE (0-255) instead of 99 on timeout.

     -v
          Say on standard error when the timeout expires and what is sent.

     -d
          Accepted for compatibility. The timeout always starts once PROGRAM has been executed.

     --
          Ends the options; the next argument is PROGRAM even if it starts with -.

     -h, --help
          Print this page and exit 0.

EXIT STATUS
     N        PROGRAM exited with status N.
     128+N    PROGRAM was ended by signal N (before the timeout).
     99       The timeout expired (or EXITCODE, given -e).
     98       PROGRAM could not be run, or the command line is wrong; a message says why.

EXAMPLES
     hatimerun -t 30 /opt/myapp/bin/probe -p 8080
     hatimerun -t 5 -g 2 -k INT -- curl -sf http://localhost:8080/health
";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `-t`.
    pub timeout: Duration,
    /// `-g`.
    pub grace: Duration,
    /// `-k`.
    pub signal: Signal,
    /// `-e`.
    pub timeout_exit: i32,
    /// `-a`.
    pub detach: bool,
    /// `-v`.
    pub verbose: bool,
    /// PROGRAM.
    pub program: OsString,
    /// ARGS.
    pub args: Vec<OsString>,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run a program.
    Run(Options),
    /// Print the manual page.
    Help,
}

/// A wrong command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses hatimerun's arguments (without argv\[0\]).
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let mut timeout = None;
    let mut grace = DEFAULT_GRACE;
    let mut signal = None;
    let mut timeout_exit = EXIT_TIMEOUT;
    let mut detach = false;
    let mut verbose = false;
    let program = loop {
        let Some(arg) = args.next() else {
            return Err(UsageError("no PROGRAM given".to_owned()));
        };
        let text = arg.to_string_lossy().into_owned();
        match text.as_str() {
            "--" => match args.next() {
                Some(program) => break program,
                None => return Err(UsageError("no PROGRAM given after --".to_owned())),
            },
            "--help" | "-h" => return Ok(Command::Help),
            _ if text.starts_with("--") => {
                return Err(UsageError(format!("unknown option {text}")));
            }
            _ if text.starts_with('-') && text.len() > 1 => {
                let flags: Vec<char> = text[1..].chars().collect();
                let mut i = 0;
                while i < flags.len() {
                    let flag = flags[i];
                    i += 1;
                    match flag {
                        'a' => detach = true,
                        'v' => verbose = true,
                        'd' => {}
                        'h' => return Ok(Command::Help),
                        't' | 'g' | 'k' | 'e' => {
                            let value: String = if i < flags.len() {
                                let rest = flags[i..].iter().collect();
                                i = flags.len();
                                rest
                            } else {
                                match args.next() {
                                    Some(v) => v.to_string_lossy().into_owned(),
                                    None => {
                                        return Err(UsageError(format!(
                                            "option -{flag} needs a value"
                                        )));
                                    }
                                }
                            };
                            match flag {
                                't' => timeout = Some(seconds(&value, "-t", false)?),
                                'g' => grace = seconds(&value, "-g", true)?,
                                'k' => {
                                    signal = Some(parse_signal(&value).ok_or_else(|| {
                                        UsageError(format!("-k: unknown signal {value}"))
                                    })?)
                                }
                                _ => {
                                    timeout_exit = value
                                        .parse::<i32>()
                                        .ok()
                                        .filter(|c| (0..=255).contains(c))
                                        .ok_or_else(|| {
                                            UsageError(format!(
                                                "-e: exit code must be 0-255, not {value}"
                                            ))
                                        })?
                                }
                            }
                        }
                        other => return Err(UsageError(format!("unknown option -{other}"))),
                    }
                }
            }
            _ => break arg,
        }
    };
    let timeout = timeout.ok_or_else(|| UsageError("the timeout -t is required".to_owned()))?;
    if detach && signal.is_some() {
        return Err(UsageError("-a and -k cannot be used together".to_owned()));
    }
    Ok(Command::Run(Options {
        timeout,
        grace,
        signal: signal.unwrap_or(Signal::SIGTERM),
        timeout_exit,
        detach,
        verbose,
        program,
        args: args.collect(),
    }))
}

fn seconds(value: &str, option: &str, zero_ok: bool) -> Result<Duration, UsageError> {
    let bad = || UsageError(format!("{option}: not a number of seconds: {value}"));
    let secs: f64 = value.parse().map_err(|_| bad())?;
    if !secs.is_finite() || secs < 0.0 || (!zero_ok && secs == 0.0) {
        return Err(bad());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// Runs hatimerun with the process's arguments and returns its exit status.
pub fn main() -> i32 {
    let options = match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            let _ = std::io::stdout().write_all(HELP.as_bytes());
            return 0;
        }
        Ok(Command::Run(options)) => options,
        Err(e) => {
            eprintln!(
                "hatimerun: {e}\nusage: hatimerun -t SECONDS [-g GRACE] [-k SIGNAL] [-e EXITCODE] [-av] [--] PROGRAM [ARGS...]\n       hatimerun --help"
            );
            return EXIT_CANNOT_RUN;
        }
    };
    // One thread: PROGRAM's parent-death signal is tied to the thread that started it.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("hatimerun: cannot start: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    runtime.block_on(run(options))
}

/// Runs PROGRAM as `options` say and returns hatimerun's exit status.
pub async fn run(options: Options) -> i32 {
    let os = RealOs;
    let spec = SpawnSpec {
        program: PathBuf::from(&options.program),
        args: options.args.clone(),
        env: None,
        cwd: None,
        null_stdin: false,
        output: ChildOutput::Inherit,
        cgroup: None,
        parent_death_signal: (!options.detach).then_some(Signal::SIGKILL),
    };
    let mut forwarded = match Forwarded::new() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("hatimerun: cannot set up signal handling: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    let started = Instant::now();
    let mut child = match os.spawn(spec) {
        Ok(child) => child,
        Err(e) => {
            eprintln!(
                "hatimerun: cannot run {}: {}",
                options.program.to_string_lossy(),
                reason(&options.program, &e)
            );
            return EXIT_CANNOT_RUN;
        }
    };
    let pid = child.pid();
    if options.detach {
        return run_detached(&mut child, &options, started, &mut forwarded).await;
    }
    let plan = Plan {
        deadline: later(started, options.timeout),
        grace: options.grace,
        stop_signal: options.signal,
    };
    let target = Target::started(pid, None);
    let (_never, mut no_cancel) = watch::channel(false);
    let supervised = supervise(&os, &mut child, &target, plan, &mut no_cancel, None);
    tokio::pin!(supervised);
    let timer = tokio::time::sleep_until(plan.deadline);
    tokio::pin!(timer);
    let mut announced = false;
    let outcome = loop {
        tokio::select! {
            outcome = &mut supervised => break outcome,
            sig = forwarded.next() => {
                let _ = os.signal_group(pid, sig);
            }
            () = &mut timer, if options.verbose && !announced => {
                announced = true;
                eprintln!(
                    "hatimerun: timeout of {}s expired; sending {} to process group {pid}, SIGKILL after {}s",
                    options.timeout.as_secs_f64(),
                    options.signal.as_str(),
                    options.grace.as_secs_f64()
                );
            }
        }
    };
    if outcome.timed_out {
        return options.timeout_exit;
    }
    status_of(outcome.exit)
}

async fn run_detached(
    child: &mut crate::real_os::RealChild,
    options: &Options,
    started: Instant,
    forwarded: &mut Forwarded,
) -> i32 {
    let pid = child.pid();
    let deadline = tokio::time::sleep_until(later(started, options.timeout));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            exit = child.wait() => return status_of(exit.map_err(|e| e.to_string())),
            sig = forwarded.next() => {
                let _ = RealOs.signal_group(pid, sig);
            }
            () = &mut deadline => {
                if options.verbose {
                    eprintln!("hatimerun: timeout of {}s expired; leaving process group {pid} running", options.timeout.as_secs_f64());
                }
                return options.timeout_exit;
            }
        }
    }
}

fn status_of(exit: Result<ExitKind, String>) -> i32 {
    match exit {
        Ok(ExitKind::Code(code)) => code,
        Ok(ExitKind::Signal(signal)) => exit_status_for_signal(signal),
        Err(e) => {
            eprintln!("hatimerun: lost track of the program: {e}");
            EXIT_CANNOT_RUN
        }
    }
}

fn reason(program: &OsString, error: &std::io::Error) -> String {
    let path = PathBuf::from(program);
    if program.to_string_lossy().contains('/') {
        crate::failure::explain(&path, error).reason
    } else if error.raw_os_error() == Some(libc::ENOENT) {
        "no such command on PATH".to_owned()
    } else {
        error.to_string()
    }
}

/// Signals hatimerun passes on to PROGRAM's group.
struct Forwarded {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Forwarded {
    fn new() -> std::io::Result<Self> {
        Ok(Forwarded {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            Some(()) = self.term.recv() => Signal::SIGTERM,
            Some(()) = self.int.recv() => Signal::SIGINT,
            Some(()) = self.hup.recv() => Signal::SIGHUP,
            else => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, UsageError> {
        parse_args(args.iter().map(OsString::from))
    }

    fn options(args: &[&str]) -> Options {
        match parse(args) {
            Ok(Command::Run(o)) => o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn minimal() {
        let o = options(&["-t", "30", "probe", "-x", "y"]);
        assert_eq!(o.timeout, Duration::from_secs(30));
        assert_eq!(o.grace, DEFAULT_GRACE);
        assert_eq!(o.signal, Signal::SIGTERM);
        assert_eq!(o.timeout_exit, 99);
        assert_eq!(o.program, "probe");
        assert_eq!(o.args, ["-x", "y"]);
    }

    #[test]
    fn all_options() {
        let o = options(&[
            "-t0.5", "-g", "2", "-k", "hup", "-e", "7", "-vd", "--", "-prog",
        ]);
        assert_eq!(o.timeout, Duration::from_millis(500));
        assert_eq!(o.grace, Duration::from_secs(2));
        assert_eq!(o.signal, Signal::SIGHUP);
        assert_eq!(o.timeout_exit, 7);
        assert!(o.verbose);
        assert_eq!(o.program, "-prog");
    }

    #[test]
    fn errors() {
        for bad in [
            &["probe"][..],
            &["-t"],
            &["-t", "0", "p"],
            &["-t", "x", "p"],
            &["-t", "1"],
            &["-t", "1", "-k", "NOPE", "p"],
            &["-t", "1", "-a", "-k", "TERM", "p"],
            &["-t", "1", "-e", "300", "p"],
            &["-t", "1", "-q", "p"],
            &["-t", "1", "--frob", "p"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn help() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS"] {
            assert!(HELP.contains(&format!("\n{section}\n")) || HELP.starts_with(section));
        }
    }
}
