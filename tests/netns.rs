//! A LAN of network namespaces the test makes (root): a bridge in a namespace of its own and
//! one namespace per host, each with an `eth0` on the bridge (a MAC, an IPv4 and an IPv6
//! address of the test's choosing). Everything goes when the [`Lan`] is dropped (deleting a
//! namespace deletes its links). Commands run in a host's namespace through `nsenter
//! --net=…` ([`Lan::nsenter`]), which changes the network namespace only — `ip netns exec`
//! also remounts `/sys`, hiding the cgroup file system rgmd runs its methods in — and code of
//! the test itself through [`in_netns`] (a thread of its own entered into the namespace).

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// `ip ARGS...`, which must succeed; its stdout.
pub fn ip(args: &[&str]) -> String {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("run ip (Debian's iproute2)");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One host of a [`Lan`]: its name (a few letters: the bridge's port is `p<name>`), MAC, and
/// addresses with their prefix (`192.0.2.1/24`, `2001:db8::1/64`).
#[derive(Debug, Clone)]
pub struct HostSpec {
    pub name: String,
    pub mac: String,
    pub v4: String,
    pub v6: String,
}

impl HostSpec {
    pub fn new(name: &str, mac: &str, v4: &str, v6: &str) -> HostSpec {
        HostSpec {
            name: name.into(),
            mac: mac.into(),
            v4: v4.into(),
            v6: v6.into(),
        }
    }

    /// Host number `n` (1-254) of the test LAN: MAC `02:00:00:00:01:NN`, `192.0.2.N/24`,
    /// `2001:db8::N/64` (N in hex).
    pub fn numbered(name: &str, n: u8) -> HostSpec {
        HostSpec::new(
            name,
            &format!("02:00:00:00:01:{n:02x}"),
            &format!("192.0.2.{n}/24"),
            &format!("2001:db8::{n:x}/64"),
        )
    }

    /// Its IPv4 address without the prefix.
    pub fn ipv4(&self) -> &str {
        self.v4.split('/').next().unwrap_or(&self.v4)
    }
}

/// Why network namespaces cannot be made here (not root, no `ip`, no namespaces), if so.
pub fn unavailable() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("making network namespaces needs root".into());
    }
    let probe = format!("rgmprobe{}", std::process::id());
    match Command::new("ip").args(["netns", "add", &probe]).output() {
        Err(e) => Some(format!("cannot run ip (Debian's iproute2): {e}")),
        Ok(o) if !o.status.success() => Some(format!(
            "cannot make a network namespace: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(_) => {
            let _ = Command::new("ip").args(["netns", "del", &probe]).status();
            None
        }
    }
}

/// The namespaces; see the module documentation.
pub struct Lan {
    prefix: String,
    made: Vec<String>,
}

impl Lan {
    /// A bridge and the hosts; namespaces are named `rgm<tag><pid><host>`.
    pub fn new(tag: &str, hosts: &[HostSpec]) -> Lan {
        let prefix = format!("rgm{tag}{}", std::process::id());
        let mut lan = Lan {
            prefix,
            made: Vec::new(),
        };
        let bridge_ns = lan.ns("lan");
        lan.add_ns(&bridge_ns);
        ip(&["-n", &bridge_ns, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &bridge_ns, "link", "set", "br0", "up"]);
        for h in hosts {
            let ns = lan.ns(&h.name);
            lan.add_ns(&ns);
            let port = format!("p{}", h.name);
            ip(&[
                "-n", &bridge_ns, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                "netns", &ns,
            ]);
            ip(&[
                "-n", &bridge_ns, "link", "set", &port, "master", "br0", "up",
            ]);
            ip(&["-n", &ns, "link", "set", "eth0", "address", &h.mac]);
            ip(&["-n", &ns, "link", "set", "lo", "up"]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
            ip(&["-n", &ns, "addr", "add", &h.v4, "dev", "eth0"]);
            ip(&["-n", &ns, "addr", "add", &h.v6, "dev", "eth0", "nodad"]);
        }
        lan
    }

    /// The namespace of `host`.
    pub fn ns(&self, host: &str) -> String {
        format!("{}{host}", self.prefix)
    }

    /// Its file, as `nsenter --net=` and `setns` take it.
    pub fn ns_path(&self, host: &str) -> PathBuf {
        PathBuf::from("/run/netns").join(self.ns(host))
    }

    /// The words that run a command in `host`'s namespace: `nsenter --net=/run/netns/NS`.
    pub fn nsenter(&self, host: &str) -> Vec<String> {
        vec![
            "nsenter".into(),
            format!("--net={}", self.ns_path(host).display()),
        ]
    }

    fn add_ns(&mut self, ns: &str) {
        ip(&["netns", "add", ns]);
        self.made.push(ns.to_string());
    }

    /// The MAC `host`'s neighbour table holds for `addr`, if any.
    pub fn neighbour(&self, host: &str, addr: &str) -> Option<String> {
        let out = ip(&["-n", &self.ns(host), "neigh", "show", addr, "dev", "eth0"]);
        let mut words = out.split_whitespace();
        words.find(|w| *w == "lladdr")?;
        words.next().map(str::to_string)
    }

    /// Sets `host`'s entry for `addr` to `mac`, STALE (as after earlier traffic).
    pub fn seed_neighbour(&self, host: &str, addr: &str, mac: &str) {
        ip(&[
            "-n",
            &self.ns(host),
            "neigh",
            "replace",
            addr,
            "lladdr",
            mac,
            "dev",
            "eth0",
            "nud",
            "stale",
        ]);
    }

    /// Whether `host` holds `addr` on eth0.
    pub fn holds(&self, host: &str, addr: &str) -> bool {
        ip(&["-n", &self.ns(host), "-o", "addr", "show", "dev", "eth0"])
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr))
    }

    /// The inode of `host`'s namespace (a process is in it when `/proc/PID/ns/net` names it).
    pub fn ns_inode(&self, host: &str) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(self.ns_path(host))
            .expect("the namespace's file")
            .ino()
    }

    /// Whether process `pid` runs in `host`'s namespace.
    pub fn runs_in(&self, pid: i32, host: &str) -> bool {
        std::fs::read_link(format!("/proc/{pid}/ns/net"))
            .is_ok_and(|l| l.to_string_lossy() == format!("net:[{}]", self.ns_inode(host)))
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in self.made.iter().rev() {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Runs `f` on a thread of its own entered into the network namespace whose file is `ns`
/// (sockets it opens are that namespace's).
pub fn in_netns<T: Send + 'static>(
    ns: impl Into<PathBuf>,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let ns = ns.into();
    std::thread::spawn(move || {
        let file = std::fs::File::open(&ns)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", ns.display()));
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
            .unwrap_or_else(|e| panic!("cannot enter {}: {e}", ns.display()));
        f()
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}
