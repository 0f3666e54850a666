//! `cargo xtask demo --nodes N`: rgm as a cluster. It starts a real etcd on loopback and N rgmd
//! (each in a cgroup of its own, as on N machines), brings the echo example online, crashes the
//! node that hosts it — its rgmd and every process it started, at once — and shows the group
//! online on another node with the time it took; then removes everything it started.
//!
//! It needs Debian's etcd-server, and protoc (protobuf-compiler, libprotobuf-dev) to build
//! rgmd's etcd client: it installs them when run as root, and says how otherwise.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use rgm_e2e::cluster::TestCluster;

use crate::util::{cargo, run, target_dir, workspace_root};

/// The lease TTL of the demo's nodes, in seconds.
const TTL: u64 = 3;

pub fn main(nodes: usize) -> Result<()> {
    if !(2..=9).contains(&nodes) {
        bail!("--nodes {nodes}: a demo cluster has 2 to 9 nodes");
    }
    crate::ci::ensure_packages(crate::ci::CLUSTER_PACKAGES, "a cluster demo")?;
    run(cargo().args(["build", "--quiet", "--bins"]))?;
    let bin = target_dir()?.join("debug");
    let names: Vec<String> = (1..=nodes).map(|i| format!("node{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    say(&format!(
        "starting etcd on loopback and {nodes} rgmd (lease {TTL} s), each in a cgroup of its own"
    ));
    let mut c = TestCluster::start_in(bin, &refs, TTL);
    let result = script(&mut c, &refs);
    say("stopping everything the demo started");
    drop(c);
    result
}

fn script(c: &mut TestCluster, nodes: &[&str]) -> Result<()> {
    let first = nodes[0];
    let president = c.president(first).context("no president")?;
    say(&format!(
        "the nodes elected {president} president: it runs the engine for the whole cluster"
    ));
    let rtr = workspace_root().join("examples/echo/ACME.echo");
    let run_dir = c.dir.path().join("echo");
    std::fs::create_dir_all(&run_dir)?;
    let port = free_port()?;
    let nodelist = format!("Nodelist={}", nodes.join(","));
    step(
        c,
        nodes[1],
        "clresourcetype",
        &["register", "-f", &rtr.to_string_lossy()],
    )?;
    step(
        c,
        nodes[1],
        "clresourcegroup",
        &["create", "-p", &nodelist, "echo-rg"],
    )?;
    step(
        c,
        nodes[1],
        "clresource",
        &[
            "create",
            "-g",
            "echo-rg",
            "-t",
            "ACME.echo",
            "-x",
            &format!("Port={port}"),
            "-x",
            &format!("Run_dir={}", run_dir.display()),
            "echo",
        ],
    )?;
    step(
        c,
        nodes[2 % nodes.len()],
        "clresourcegroup",
        &["online", "-M", "echo-rg"],
    )?;
    step(c, first, "clresourcegroup", &["status"])?;
    let host = c
        .online_on(first, "echo-rg")
        .pop()
        .context("echo-rg is online nowhere")?;
    let witness = *nodes.iter().find(|n| **n != host).expect("two nodes");
    say(&format!(
        "crashing {host}: its rgmd, its watchdog and the echo service die at once (cgroup.kill)"
    ));
    let crashed = Instant::now();
    c.crash(&host);
    let deadline = crashed + Duration::from_secs(60);
    loop {
        let on = c.online_on(witness, "echo-rg");
        if on.len() == 1 && on[0] != host {
            say(&format!(
                "echo-rg is ONLINE on {} {:.2} s after {host} crashed (lease {TTL} s)",
                on[0],
                crashed.elapsed().as_secs_f64()
            ));
            break;
        }
        if Instant::now() > deadline {
            bail!("echo-rg did not come online on another node within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    step(c, witness, "clresourcegroup", &["status"])?;
    let president = c.president(witness).context("no president")?;
    show_log(
        &c.node(&president).state_dir.join("cluster.log"),
        &format!("what president {president} decided"),
        &host,
    )?;
    Ok(())
}

/// Runs a command against `node`'s rgmd, echoing it and its output; fails when it fails.
fn step(c: &TestCluster, node: &str, cmd: &str, args: &[&str]) -> Result<()> {
    println!("\n{node}$ {cmd} {}", args.join(" "));
    let r = c.run(node, cmd, args);
    print!("{}", r.stdout);
    eprint!("{}", r.stderr);
    if r.code != 0 {
        bail!("`{cmd} {}` on {node} failed ({})", args.join(" "), r.code);
    }
    Ok(())
}

/// The lines of a cluster log about the crashed node and what followed.
fn show_log(path: &Path, title: &str, crashed: &str) -> Result<()> {
    let log = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = log.lines().filter(|l| !l.contains("[ID 300200 ")).collect();
    let from = lines
        .iter()
        .position(|l| l.contains(&format!("node {crashed} left")))
        .unwrap_or(lines.len().saturating_sub(20));
    say(&format!("{title} ({}):", path.display()));
    for l in lines[from..].iter().take(30) {
        println!("  {l}");
    }
    Ok(())
}

fn say(text: &str) {
    println!("\n==> {text}");
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
