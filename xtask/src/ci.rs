//! `cargo xtask ci`: what CI runs, in the order a developer wants the answers.
//!
//! 1. install what the tests need and a fresh machine lacks (Debian packages through apt-get
//!    when we are root; otherwise say what is missing),
//! 2. `cargo fmt --all --check`,
//! 3. `cargo clippy --workspace --all-targets -- -D warnings`,
//! 4. every test: `cargo nextest run --workspace` (or `cargo test` where nextest is absent),
//!    then the doc tests, which nextest does not run,
//! 5. `cargo doc --workspace --no-deps` with rustdoc warnings as errors (broken intra-doc
//!    links are how a code map goes stale),
//! 6. the engine simulator over a few thousand seeds,
//! 7. the chaos harness: a short series of runs of a real rgmd killed at random instants,
//! 8. each fuzz target for a few seconds (the nightly toolchain is required: without it CI
//!    fails saying so).

use std::process::Command;

use anyhow::{Result, bail};

use crate::util::{cargo, on_path, run};

/// Debian packages the tests need, as (package, a program it provides: a name on PATH or an
/// absolute path).
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    // The package tests build a .deb (dpkg-deb, strip and objdump, gzip), render its man
    // pages (man, groff), check its unit (systemd-analyze) and load its completions in each
    // shell.
    ("dpkg", "dpkg-deb"),
    ("binutils", "objdump"),
    ("gzip", "gzip"),
    ("man-db", "man"),
    ("groff-base", "groff"),
    ("systemd", "systemd-analyze"),
    ("bash", "bash"),
    ("zsh", "zsh"),
    ("fish", "fish"),
    // OCF resource agents run unmodified (tests/e2e/ocf_agents.rs, crates/rgm-agents).
    ("resource-agents", "/usr/lib/ocf/resource.d/heartbeat/Dummy"),
    (
        "pacemaker-resource-agents",
        "/usr/lib/ocf/resource.d/pacemaker/Dummy",
    ),
    // The cluster's store (tests start their own etcd on loopback).
    ("etcd-server", "etcd"),
    // The etcd client crate generates its gRPC code with protoc at build time; protoc needs
    // the well-known .proto files of libprotobuf-dev (only a Recommends of protobuf-compiler).
    ("protobuf-compiler", "protoc"),
    (
        "libprotobuf-dev",
        "/usr/include/google/protobuf/descriptor.proto",
    ),
    // The node event scripts' conformance test runs CTDB's own event daemon
    // (tests/e2e/event_conformance.rs); the LogicalHostname tests make network namespaces.
    ("ctdb", "/usr/libexec/ctdb/ctdb-eventd"),
    ("iproute2", "ip"),
    // The status page's test drives headless Chromium (tests/e2e/observe_page.rs).
    ("chromium", "chromium"),
];

pub fn main(_args: &[String]) -> Result<()> {
    install_prerequisites()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    if nextest_available() {
        run(cargo().args(["nextest", "run", "--workspace", "--no-fail-fast"]))?;
    } else {
        eprintln!("xtask: cargo-nextest not found; running the tests with cargo test");
        run(cargo().args([
            "test",
            "--workspace",
            "--no-fail-fast",
            "--lib",
            "--bins",
            "--tests",
        ]))?;
    }
    run(cargo().args(["test", "--workspace", "--doc"]))?;
    run(cargo()
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    crate::sim::main(&["--seeds".to_string(), crate::sim::CI_SEEDS.to_string()])?;
    crate::chaos::main(&["--runs".to_string(), crate::chaos::CI_RUNS.to_string()])?;
    crate::fuzz::ci()?;
    eprintln!("xtask: ci passed");
    Ok(())
}

fn nextest_available() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn install_prerequisites() -> Result<()> {
    ensure_packages(DEBIAN_PACKAGES, "the tests")
}

/// The Debian packages that `cargo xtask demo --nodes N` needs: etcd, and protoc for rgmd's
/// etcd client.
pub const CLUSTER_PACKAGES: &[(&str, &str)] = &[
    ("etcd-server", "etcd"),
    ("protobuf-compiler", "protoc"),
    (
        "libprotobuf-dev",
        "/usr/include/google/protobuf/descriptor.proto",
    ),
];

/// Installs those of `packages` (package, a program or file it provides) that are missing,
/// through apt-get when root; otherwise says what `who` needs and how to install it.
pub fn ensure_packages(packages: &[(&str, &str)], who: &str) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(_, program)| {
            if program.starts_with('/') {
                !std::path::Path::new(program).is_file()
            } else {
                !on_path(program)
            }
        })
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !nix_is_root() {
        bail!(
            "{who} need these Debian packages, which are not installed: {}\n\
             install them (as root: apt-get install {}) and run again",
            missing.join(" "),
            missing.join(" ")
        );
    }
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing))?;
    Ok(())
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
