//! `cargo xtask bench failover [--json] [--trials N] [--ttl SECONDS]`: a three-node cluster on
//! a real etcd (release build), measured over N trials (default 20) each of:
//!
//! - a node crash (its rgmd and every process it started killed at once) → the group ONLINE
//!   on another node (polled through another node every 10 ms);
//! - `clrg switch` to another node: the command's wall time (the test type's START and STOP
//!   take a few milliseconds);
//! - a president crash → another node president.
//!
//! Medians and maxima in seconds, the TTL used, and the number of times a resource started on
//! a node while another ran it (the test type's shared lock records it): it must be 0.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use rgm_e2e::cluster::TestCluster;

use crate::util::{cargo, run, target_dir};

const NODES: &[&str] = &["n1", "n2", "n3"];

pub fn main(args: &[String]) -> Result<()> {
    let json = args.iter().any(|a| a == "--json");
    let value = |name: &str, default: u64| -> Result<u64> {
        match args.iter().position(|a| a == name) {
            Some(i) => args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("{name} takes a number")),
            None => Ok(default),
        }
    };
    let trials = value("--trials", 20)? as usize;
    let ttl = value("--ttl", 3)?;
    crate::ci::ensure_packages(crate::ci::CLUSTER_PACKAGES, "the failover bench")?;
    run(cargo().args(["build", "--quiet", "--release", "--bins"]))?;
    let mut c = TestCluster::start_in(target_dir()?.join("release"), NODES, ttl);
    c.lock_group("n1", "rg", NODES, &[], "r");
    c.ok("n1", "clrg", &["online", "-M", "rg"]);

    let mut crash = Vec::new();
    for _ in 0..trials {
        let host = single(&c, "n1")?;
        let witness = *NODES.iter().find(|n| **n != host).expect("three nodes");
        let t = Instant::now();
        c.crash(&host);
        until(Duration::from_secs(60), || {
            let on = c.online_on(witness, "rg");
            on.len() == 1 && on[0] != host
        })?;
        crash.push(t.elapsed());
        c.restart(&host);
        c.wait_formed();
    }

    let mut switch = Vec::new();
    for _ in 0..trials {
        let host = single(&c, "n1")?;
        let target = *NODES.iter().find(|n| **n != host).expect("three nodes");
        let t = Instant::now();
        c.ok(target, "clrg", &["switch", "-n", target, "rg"]);
        switch.push(t.elapsed());
    }

    let mut president = Vec::new();
    for _ in 0..trials {
        let p = c.president("n1").context("no president")?;
        let witness = *NODES.iter().find(|n| **n != p).expect("three nodes");
        let t = Instant::now();
        c.crash(&p);
        until(Duration::from_secs(60), || {
            c.president(witness).is_some_and(|q| q != p)
        })?;
        president.push(t.elapsed());
        c.restart(&p);
        c.wait_formed();
    }

    let double = c.violations().lines().count();
    let figures = serde_json::json!({
        "ttl_s": ttl,
        "trials": trials,
        "node_crash_to_online_s": stats(&mut crash),
        "switch_s": stats(&mut switch),
        "president_crash_to_new_president_s": stats(&mut president),
        "double_online": double,
    });
    if json {
        println!("{figures}");
    } else {
        println!("{figures:#}");
    }
    if double > 0 {
        bail!("a resource ran on two nodes at once:\n{}", c.violations());
    }
    Ok(())
}

/// The one node `rg` is online on.
fn single(c: &TestCluster, via: &str) -> Result<String> {
    let mut on = Vec::new();
    until(Duration::from_secs(60), || {
        on = c.online_on(via, "rg");
        on.len() == 1
    })?;
    Ok(on.remove(0))
}

fn until(limit: Duration, mut cond: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + limit;
    while !cond() {
        if Instant::now() > deadline {
            bail!("a trial did not finish within {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn stats(samples: &mut [Duration]) -> serde_json::Value {
    samples.sort();
    let s = |d: Duration| (d.as_secs_f64() * 1000.0).round() / 1000.0;
    serde_json::json!({
        "median": s(samples[samples.len() / 2]),
        "max": s(*samples.last().expect("trials")),
        "min": s(samples[0]),
    })
}
