//! `cargo xtask demo --nodes N`: rgm as a cluster. It starts a real etcd on loopback and N rgmd
//! (each in a cgroup of its own, as on N machines), brings the echo example online, crashes the
//! node that hosts it — its rgmd and every process it started, at once — and shows the group
//! online on another node with the time it took; then removes everything it started.
//!
//! Then, when it runs as root and can make network namespaces, an address moving: a LAN of
//! namespaces (etcd on it, one per node with its rgmd, a client), a group holding an
//! RGM.LogicalHostname and a TCP service, switched to another node and failed over when that
//! node's rgmd is killed — where the address is, who answers the client, and the event scripts
//! each node ran (takeip, releaseip, startrecovery, recovered, ipreallocated). Otherwise it
//! says why it skips that part.
//!
//! It needs Debian's etcd-server, and protoc (protobuf-compiler, libprotobuf-dev) to build
//! rgmd's etcd client: it installs them when run as root, and says how otherwise.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use rgm_e2e::cluster::TestCluster;
use rgm_e2e::netns_cluster::{ETCD_ADDRESS, NsCluster};

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
    let mut c = TestCluster::start_in(bin.clone(), &refs, TTL);
    let result = script(&mut c, &refs);
    say("stopping everything the demo started");
    drop(c);
    result?;
    match rgm_e2e::netns::unavailable() {
        Some(why) => {
            say(&format!(
                "skipping the moving address: {why} (as root, the demo moves an RGM.LogicalHostname between nodes in network namespaces)"
            ));
            Ok(())
        }
        None => {
            say(&format!(
                "an address moving: a LAN of network namespaces, etcd on it at {ETCD_ADDRESS}, {nodes} nodes with an rgmd each, a client at 192.0.2.100"
            ));
            let c = NsCluster::start(bin, "demo", &refs, TTL);
            let result = addresses(&c, &refs);
            say("stopping everything the demo started, and removing the namespaces");
            drop(c);
            result
        }
    }
}

const V4: &str = "192.0.2.80";
const V6: &str = "2001:db8::80";
const WEB_PORT: u16 = 7080;

fn addresses(c: &NsCluster, nodes: &[&str]) -> Result<()> {
    let cl = &c.cluster;
    let (first, second) = (nodes[0], nodes[1]);
    println!("\n(each node's events directory holds one script that records its calls)");
    c.lh_group(first, "web-rg", nodes, &[V4, V6], WEB_PORT);
    println!(
        "\n{first}$ clrs create -g web-rg -t RGM.LogicalHostname -x HostnameList={V4},{V6} lh"
    );
    println!(
        "{first}$ clrs create -g web-rg -t RGM.generic -x Start_command=rgm-echo-server,--address,::,--port,{WEB_PORT} svc"
    );
    step(cl, first, "clresourcegroup", &["online", "-M", "web-rg"])?;
    wait_online(c, first, nodes)?;
    where_is(c, nodes)?;
    let marks: Vec<usize> = nodes.iter().map(|n| c.calls(n).len()).collect();
    step(
        cl,
        first,
        "clresourcegroup",
        &["switch", "-n", second, "web-rg"],
    )?;
    wait_online(c, first, nodes)?;
    where_is(c, nodes)?;
    show_calls(
        c,
        nodes,
        &marks,
        None,
        &format!("the event scripts of the switch to {second}"),
    );

    let marks: Vec<usize> = nodes.iter().map(|n| c.calls(n).len()).collect();
    say(&format!(
        "killing {second}'s rgmd: its watchdog removes the addresses and stops the service at half the lease; another node takes them once the lease has expired"
    ));
    let killed = Instant::now();
    cl.signal_rgmd(second, "KILL");
    let mut gone = None;
    let deadline = killed + Duration::from_secs(60);
    let taker = loop {
        if gone.is_none() && !c.lan.holds(second, V4) {
            gone = Some(killed.elapsed());
        }
        if let Some(n) = nodes.iter().find(|n| **n != second && c.lan.holds(n, V4)) {
            break *n;
        }
        if Instant::now() > deadline {
            bail!("no node took {V4} within 60 s of {second}'s rgmd dying");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let taken = killed.elapsed();
    match gone {
        Some(g) => say(&format!(
            "{V4} left {second} {:.2} s after its rgmd died; {taker} took it {:.2} s after",
            g.as_secs_f64(),
            taken.as_secs_f64()
        )),
        None => say(&format!(
            "{taker} took {V4} {:.2} s after {second}'s rgmd died",
            taken.as_secs_f64()
        )),
    }
    let survivors: Vec<&str> = nodes.iter().copied().filter(|n| *n != second).collect();
    wait_online(c, taker, &survivors)?;
    where_is(c, &survivors)?;
    show_calls(
        c,
        nodes,
        &marks,
        Some(second),
        &format!("the event scripts after {second}'s rgmd died"),
    );
    Ok(())
}

/// Waits until web-rg is online somewhere, as `via` sees it.
fn wait_online(c: &NsCluster, via: &str, nodes: &[&str]) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.cluster.online_on(via, "web-rg").is_empty()
        || !nodes
            .iter()
            .any(|n| c.lan.holds(n, V4) && c.lan.holds(n, V6))
    {
        if Instant::now() > deadline {
            bail!("web-rg did not come online within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Which node holds the addresses, and which answers the client there.
fn where_is(c: &NsCluster, nodes: &[&str]) -> Result<()> {
    for n in nodes {
        let held: Vec<&str> = [V4, V6].into_iter().filter(|a| c.lan.holds(n, a)).collect();
        if !held.is_empty() {
            println!("  {n} ({}) holds {}", c.mac(n), held.join(" and "));
        }
    }
    for addr in [V4, V6] {
        let pid = c.served_by(addr, WEB_PORT).map_err(anyhow::Error::msg)?;
        let server = nodes
            .iter()
            .find(|n| c.lan.runs_in(pid, n))
            .copied()
            .unwrap_or("an unknown node");
        let entry = c.lan.neighbour("c", addr).unwrap_or_else(|| "none".into());
        println!(
            "  the client reaches {addr} port {WEB_PORT}: answered by {server} (pid {pid}); its neighbour entry: {entry}"
        );
    }
    Ok(())
}

/// The event scripts' calls since `marks` (one per node), in time order, once every node
/// that runs has run `ipreallocated` (or 10 s have passed).
fn show_calls(c: &NsCluster, nodes: &[&str], marks: &[usize], dead: Option<&str>, title: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let live: Vec<(&str, usize)> = nodes
        .iter()
        .zip(marks)
        .filter(|(n, _)| Some(**n) != dead)
        .map(|(n, m)| (*n, *m))
        .collect();
    while Instant::now() < deadline
        && !live
            .iter()
            .all(|(n, m)| c.lines(n, *m, &["ipreallocated"]).len() == 1)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut calls: Vec<_> = nodes
        .iter()
        .zip(marks)
        .flat_map(|(n, m)| c.calls(n).into_iter().skip(*m))
        .collect();
    calls.sort_by(|a, b| a.at.total_cmp(&b.at));
    say(&format!("{title}:"));
    let t0 = calls.first().map_or(0.0, |c| c.at);
    for call in calls {
        println!("  +{:6.3} s  {}", call.at - t0, call.line);
    }
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
