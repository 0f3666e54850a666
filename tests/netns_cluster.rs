//! A cluster whose nodes are network namespaces the test makes (root; see [`crate::netns`]):
//! a LAN, etcd in a namespace of its own on it (`e`, 192.0.2.200), one namespace per node with
//! its rgmd (its cgroup and state as [`TestCluster`] gives them), and a client namespace `c`
//! (192.0.2.100). Each node's events directory holds one script that records every call
//! (`<time> <node> <event> <args>`), so a test or the demo can tell which node ran what, and
//! when. Dropped, it stops every process and removes every cgroup, then every namespace.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cluster::{TestCluster, TestNode};
use crate::etcd::Etcd;
use crate::netns::{HostSpec, Lan, in_netns};
use crate::wait_for;

/// etcd's address on the LAN.
pub const ETCD_ADDRESS: &str = "192.0.2.200";

/// The cluster, then the LAN: dropped in that order.
pub struct NsCluster {
    pub cluster: TestCluster,
    pub lan: Lan,
    pub hosts: Vec<HostSpec>,
}

/// One call of a node's event script: when (seconds since the epoch) and the line (`<node>
/// <event> <args>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub at: f64,
    pub line: String,
}

impl NsCluster {
    /// The LAN (node `i` of `nodes` is host number 11 + i), etcd, and an rgmd in each node's
    /// namespace with lease `ttl`; returns once the cluster is formed and every node healthy.
    /// `tag` names the namespaces (`rgm<tag><pid><host>`).
    pub fn start(bin: PathBuf, tag: &str, nodes: &[&str], ttl: u64) -> NsCluster {
        let mut hosts: Vec<HostSpec> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| HostSpec::numbered(n, 11 + i as u8))
            .collect();
        hosts.push(HostSpec::numbered("e", 200));
        hosts.push(HostSpec::numbered("c", 100));
        let lan = Lan::new(tag, &hosts);
        let etcd = Etcd::start_in_netns(lan.ns_path("e"), ETCD_ADDRESS);
        let cluster = TestCluster::start_with(bin, nodes, ttl, etcd, |n| {
            let events = n.run_dir.join("events");
            std::fs::create_dir_all(&events).unwrap();
            let script = events.join("10.record.script");
            std::fs::write(
                &script,
                format!(
                    "#!/bin/sh\necho \"$(date +%s.%N) $RGM_NODE $*\" >>{}\n",
                    calls_file(n).display()
                ),
            )
            .unwrap();
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
            let args = vec![
                "--events-dir".to_string(),
                events.display().to_string(),
                "--monitor-interval".to_string(),
                "3600".to_string(),
            ];
            (lan.nsenter(&n.name), args)
        });
        NsCluster {
            cluster,
            lan,
            hosts,
        }
    }

    /// Registers RGM.LogicalHostname and RGM.generic and makes `group` (Nodelist `nodes`)
    /// with a LogicalHostname `lh` holding `addrs` and a TCP service `svc`: rgm-echo-server
    /// on every address, port `port`. Through `via`.
    pub fn lh_group(&self, via: &str, group: &str, nodes: &[&str], addrs: &[&str], port: u16) {
        let c = &self.cluster;
        let echo = c.bin.join("rgm-echo-server");
        c.ok(via, "clresourcetype", &["register", "RGM.LogicalHostname"]);
        c.ok(via, "clresourcetype", &["register", "RGM.generic"]);
        let nodelist = format!("Nodelist={}", nodes.join(","));
        c.ok(via, "clresourcegroup", &["create", "-p", &nodelist, group]);
        let hostnames = format!("HostnameList={}", addrs.join(","));
        let start = format!(
            "Start_command={},--address,::,--port,{port}",
            echo.display()
        );
        let ports = format!("Port_list={port}/tcp");
        for (name, type_name, props) in [
            ("lh", "RGM.LogicalHostname", ["-x", &hostnames].to_vec()),
            ("svc", "RGM.generic", ["-x", &start, "-p", &ports].to_vec()),
        ] {
            let mut args = vec!["create", "-g", group, "-t", type_name];
            args.extend(props);
            args.push(name);
            c.ok(via, "clresource", &args);
        }
    }

    /// The MAC of `host`'s eth0.
    pub fn mac(&self, host: &str) -> &str {
        &self.host(host).mac
    }

    pub fn host(&self, host: &str) -> &HostSpec {
        self.hosts
            .iter()
            .find(|h| h.name == host)
            .unwrap_or_else(|| panic!("no host {host}"))
    }

    /// The calls `node`'s event script recorded, but `monitor`'s.
    pub fn calls(&self, node: &str) -> Vec<Call> {
        std::fs::read_to_string(calls_file(self.cluster.node(node)))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let (at, line) = l.split_once(' ')?;
                Some(Call {
                    at: at.parse().ok()?,
                    line: line.to_string(),
                })
            })
            .filter(|c| !c.line.ends_with(" monitor"))
            .collect()
    }

    /// The lines of `node`'s calls from the `skip`th on whose event is one of `events`.
    pub fn lines(&self, node: &str, skip: usize, events: &[&str]) -> Vec<String> {
        self.calls(node)
            .into_iter()
            .skip(skip)
            .map(|c| c.line)
            .filter(|l| events.iter().any(|e| l.split(' ').nth(1) == Some(*e)))
            .collect()
    }

    /// Waits until `node`'s script has recorded `line` among its calls from the `skip`th on;
    /// returns when it ran.
    pub fn wait_call(&self, node: &str, skip: usize, line: &str) -> f64 {
        let mut at = 0.0;
        wait_for(
            &format!("{node}'s event script to run `{line}`"),
            Duration::from_secs(30),
            || match self
                .calls(node)
                .into_iter()
                .skip(skip)
                .find(|c| c.line == line)
            {
                Some(c) => {
                    at = c.at;
                    true
                }
                None => false,
            },
        );
        at
    }

    /// From the client's namespace: connects to the TCP service at `addr`:`port`, sends a
    /// line and returns the pid of the server that echoed it (rgm-echo-server's answer),
    /// trying for up to 20 s.
    pub fn served_by(&self, addr: &str, port: u16) -> Result<i32, String> {
        let target: std::net::SocketAddr = match addr.parse::<std::net::IpAddr>() {
            Ok(ip) => (ip, port).into(),
            Err(e) => return Err(format!("{addr}: {e}")),
        };
        in_netns(self.lan.ns_path("c"), move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match ask(target) {
                    Ok(pid) => return Ok(pid),
                    Err(e) if Instant::now() > deadline => {
                        return Err(format!("the client cannot reach {target}: {e}"));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        })
    }

    /// When both of the client's neighbour entries for `addrs` first pointed at `mac`
    /// (seconds since the epoch), sampling every 5 ms while `during` runs and up to 10 s
    /// after; `None` if they never did.
    pub fn entries_follow(
        &self,
        addrs: [&str; 2],
        mac: &str,
        during: impl FnOnce(),
    ) -> Option<f64> {
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let watcher = s.spawn(|| {
                let mut quiet_since: Option<Instant> = None;
                loop {
                    if addrs
                        .iter()
                        .all(|a| self.lan.neighbour("c", a).as_deref() == Some(mac))
                    {
                        return Some(now());
                    }
                    if done.load(std::sync::atomic::Ordering::SeqCst) {
                        let t = *quiet_since.get_or_insert_with(Instant::now);
                        if t.elapsed() > Duration::from_secs(10) {
                            return None;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
            during();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            watcher.join().unwrap()
        })
    }
}

fn ask(target: std::net::SocketAddr) -> std::io::Result<i32> {
    let s = TcpStream::connect_timeout(&target, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut out = s.try_clone()?;
    writeln!(out, "who")?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line)?;
    line.split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("odd answer {line:?}")))
}

fn calls_file(n: &TestNode) -> PathBuf {
    n.run_dir.join("event-calls")
}

/// Now, in seconds since the epoch (as the event script's `date +%s.%N`).
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}
