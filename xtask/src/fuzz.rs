//! `cargo xtask fuzz [--seconds N] [--target T]...`: the cargo-fuzz targets of `fuzz/`, each
//! run for N seconds (300 by default; `cargo xtask ci` runs each for [`CI_SECONDS`]).
//!
//! The targets build with the nightly toolchain (`rustup run nightly`); without it this task
//! says so and fails rather than skip. cargo-fuzz is installed (`cargo install cargo-fuzz`)
//! when it is missing. Each target starts from its corpus in the repository,
//! `fuzz/corpus/<target>` (read only here), and keeps what it finds in
//! `fuzz/target/corpus/<target>`. A crash stops the task with the input saved under
//! `fuzz/artifacts/<target>/`: turn it into a regression test in the crate concerned. At the
//! end a table gives each target's run time and executions.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::util::workspace_root;

/// The targets, in the order they run.
pub const TARGETS: &[&str] = &["rtr_parse", "proto_request", "edit_syntax", "cllog_reader"];

/// Seconds per target in CI.
pub const CI_SECONDS: u64 = 20;

/// How the targets are built: optimised, with debug assertions and overflow checks (cargo
/// fuzz's default), without AddressSanitizer (rgm's crates forbid `unsafe`, so it would find
/// nothing there, and it makes every run several times slower), in 16 codegen units (a
/// build several times quicker, runs a little slower).
const BUILD_FLAGS: &[&str] = &["--sanitizer", "none", "--codegen-units", "16"];

/// Seconds per target by default.
const DEFAULT_SECONDS: u64 = 300;

const USAGE: &str = "usage: cargo xtask fuzz [--seconds N] [--target T]...";

pub fn main(args: &[String]) -> Result<()> {
    let mut seconds = DEFAULT_SECONDS;
    let mut targets: Vec<&str> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let n = args.next().context(USAGE)?;
                seconds = n
                    .parse()
                    .with_context(|| format!("--seconds {n}: not a number of seconds"))?;
            }
            "--target" => {
                let t = args.next().context(USAGE)?;
                let Some(known) = TARGETS.iter().find(|k| **k == t.as_str()) else {
                    bail!(
                        "no fuzz target `{t}`; the targets are {}",
                        TARGETS.join(", ")
                    );
                };
                targets.push(known);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    run(&targets, seconds)
}

/// What CI runs: every target, briefly.
pub fn ci() -> Result<()> {
    run(TARGETS, CI_SECONDS)
}

/// One target's run.
struct Figures {
    target: &'static str,
    seconds: f64,
    executions: u64,
    per_second: u64,
    corpus: usize,
}

fn run(targets: &[&'static str], seconds: u64) -> Result<()> {
    require_nightly()?;
    ensure_cargo_fuzz()?;
    let fuzz_dir = workspace_root().join("fuzz");
    crate::util::run(
        nightly_cargo()
            .args(["fuzz", "build"])
            .args(BUILD_FLAGS)
            .current_dir(&fuzz_dir),
    )?;
    let mut figures = Vec::new();
    for &target in targets {
        figures.push(run_one(&fuzz_dir, target, seconds)?);
    }
    eprintln!("xtask: fuzz targets, {seconds} s each:");
    eprintln!(
        "  {:<14} {:>8} {:>12} {:>10} {:>7}",
        "target", "seconds", "executions", "execs/s", "corpus"
    );
    for f in &figures {
        eprintln!(
            "  {:<14} {:>8.1} {:>12} {:>10} {:>7}",
            f.target, f.seconds, f.executions, f.per_second, f.corpus
        );
    }
    Ok(())
}

fn run_one(fuzz_dir: &Path, target: &'static str, seconds: u64) -> Result<Figures> {
    let found = fuzz_dir.join("target/corpus").join(target);
    let seeds = fuzz_dir.join("corpus").join(target);
    let artifacts = fuzz_dir.join("artifacts").join(target);
    for d in [&found, &artifacts] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    eprintln!("xtask: fuzzing {target} for {seconds} s");
    let start = Instant::now();
    let out = nightly_cargo()
        .current_dir(fuzz_dir)
        .args(["fuzz", "run"])
        .args(BUILD_FLAGS)
        .arg(target)
        .arg(&found)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-timeout=10")
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .stdin(Stdio::null())
        .output()
        .context("cannot run cargo fuzz")?;
    let took = start.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
        bail!(
            "fuzz target {target} failed ({}); the input is under {}: make it a regression \
             test in the crate concerned",
            out.status,
            artifacts.display()
        );
    }
    let stat = |name: &str| -> u64 {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let corpus = std::fs::read_dir(&found).map_or(0, |d| d.count())
        + std::fs::read_dir(&seeds).map_or(0, |d| d.count());
    Ok(Figures {
        target,
        seconds: took,
        executions: stat("number_of_executed_units"),
        per_second: stat("average_exec_per_sec"),
        corpus,
    })
}

/// `cargo` of the nightly toolchain, through rustup (the `cargo` running xtask is stable).
fn nightly_cargo() -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly", "cargo"]);
    cmd
}

fn require_nightly() -> Result<()> {
    let ok = nightly_cargo()
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!(
            "the fuzz targets need the nightly toolchain, which is not installed: \
             rustup toolchain install nightly, then run again (nothing was fuzzed)"
        );
    }
    Ok(())
}

fn ensure_cargo_fuzz() -> Result<()> {
    let present = nightly_cargo()
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask: cargo-fuzz is missing; installing it");
    crate::util::run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))
}
