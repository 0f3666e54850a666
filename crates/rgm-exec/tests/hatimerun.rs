//! `hatimerun`, the built binary: exit statuses, timeouts, signal forwarding and its page.
//! Programs are `sh -c` one-liners; they record pids in a scratch directory.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Scratch, alive, assert_all_gone, wait_until};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const HATIMERUN: &str = env!("CARGO_BIN_EXE_hatimerun");

fn hatimerun(args: &[&str]) -> Output {
    Command::new(HATIMERUN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run hatimerun")
}

fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("hatimerun exits, it is not killed")
}

#[test]
fn passes_the_exit_status_through() {
    let out = hatimerun(&["-t", "10", "sh", "-c", "exit 7"]);
    assert_eq!(code(&out), 7);
    let out = hatimerun(&["-t", "10", "--", "true"]);
    assert_eq!(code(&out), 0);
}

#[test]
fn a_signal_becomes_128_plus_its_number() {
    let out = hatimerun(&["-t", "10", "sh", "-c", "kill -USR1 $$"]);
    assert_eq!(code(&out), 128 + libc::SIGUSR1);
}

#[test]
fn stdio_is_inherited() {
    let out = hatimerun(&["-t", "10", "sh", "-c", "echo out; echo err >&2"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
}

#[test]
fn timeout_terminates_the_group_and_exits_99() {
    let s = Scratch::new();
    let script = "echo $$ > @D@/main.pid; sleep 1000 & echo $! > @D@/child.pid; wait"
        .replace("@D@", &s.path().display().to_string());
    let started = Instant::now();
    let out = hatimerun(&["-t", "0.5", "-g", "5", "sh", "-c", &script]);
    assert_eq!(code(&out), 99);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "SIGTERM was enough"
    );
    let main = s.pid("main.pid");
    assert_all_gone(&[main, s.pid("child.pid")], main);
}

#[test]
fn sigkill_after_the_grace_period() {
    let s = Scratch::new();
    let script = "trap '' TERM; echo $$ > @D@/main.pid; sleep 1000 & echo $! > @D@/child.pid; \
                  while :; do wait; done"
        .replace("@D@", &s.path().display().to_string());
    let started = Instant::now();
    let out = hatimerun(&["-t", "0.5", "-g", "1", "-v", "sh", "-c", &script]);
    assert_eq!(code(&out), 99);
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIGTERM"));
    let main = s.pid("main.pid");
    assert_all_gone(&[main, s.pid("child.pid")], main);
}

#[test]
fn chosen_signal_and_exit_code() {
    let s = Scratch::new();
    let script = "trap 'echo got-hup > @D@/hup; exit 0' HUP; echo $$ > @D@/main.pid; \
                  while :; do sleep 0.05; done"
        .replace("@D@", &s.path().display().to_string());
    let out = hatimerun(&["-t", "0.5", "-k", "hup", "-e", "42", "sh", "-c", &script]);
    assert_eq!(code(&out), 42);
    assert_eq!(s.read("hup"), "got-hup\n");
    let main = s.pid("main.pid");
    assert_all_gone(&[main], main);
}

#[test]
fn detached_timeout_leaves_the_program_running() {
    let s = Scratch::new();
    // The program lets go of hatimerun's stdout and stderr, or capturing them would wait for it.
    let script = "echo $$ > @D@/main.pid; exec sleep 1000 >/dev/null 2>&1"
        .replace("@D@", &s.path().display().to_string());
    let out = hatimerun(&["-t", "0.3", "-a", "sh", "-c", &script]);
    assert_eq!(code(&out), 99);
    let main = s.pid("main.pid");
    assert!(alive(main));
    common::kill_now(main);
}

#[test]
fn a_program_that_cannot_start_exits_98_with_a_message() {
    let out = hatimerun(&["-t", "1", "/no/such/program", "x"]);
    assert_eq!(code(&out), 98);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("hatimerun: cannot run /no/such/program: "),
        "{err}"
    );

    let out = hatimerun(&["-t", "1", "no-such-command-anywhere"]);
    assert_eq!(code(&out), 98);
    assert!(String::from_utf8_lossy(&out.stderr).contains("PATH"));
}

#[test]
fn usage_errors_exit_98() {
    for args in [
        &["sh"][..],
        &["-t", "x", "sh"],
        &["-t", "1"],
        &["-t", "1", "-k", "NOPE", "sh"],
    ] {
        let out = hatimerun(args);
        assert_eq!(code(&out), 98, "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
    }
}

#[test]
fn help_is_a_manual_page() {
    let out = hatimerun(&["--help"]);
    assert_eq!(code(&out), 0);
    let page = String::from_utf8_lossy(&out.stdout);
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS"] {
        assert!(page.lines().any(|l| l == section), "{section} missing");
    }
}

#[test]
fn sigterm_to_hatimerun_reaches_the_program() {
    let s = Scratch::new();
    let script = "echo $$ > @D@/main.pid; sleep 1000 & echo $! > @D@/child.pid; wait"
        .replace("@D@", &s.path().display().to_string());
    let mut child = Command::new(HATIMERUN)
        .args(["-t", "100", "sh", "-c", &script])
        .spawn()
        .unwrap();
    let main = s.pid("main.pid");
    let grandchild = s.pid("child.pid");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let status = wait_until(Duration::from_secs(10), || child.try_wait().unwrap())
        .expect("hatimerun ends when its program does");
    assert_eq!(status.code(), Some(128 + libc::SIGTERM));
    assert_all_gone(&[main, grandchild], main);
}

#[test]
fn killing_hatimerun_kills_its_program() {
    let s = Scratch::new();
    let script =
        "echo $$ > @D@/main.pid; exec sleep 1000".replace("@D@", &s.path().display().to_string());
    let mut child = Command::new(HATIMERUN)
        .args(["-t", "100", "sh", "-c", &script])
        .spawn()
        .unwrap();
    let main = s.pid("main.pid");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_all_gone(&[main], main);
}
