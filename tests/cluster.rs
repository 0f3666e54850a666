//! A cluster for a test: a real etcd on loopback and several rgmd, each with its own state
//! directory, socket and cgroup — so a test can crash a whole node at once (`cgroup.kill`: its
//! rgmd, its watchdog and every service it started) — and a resource type (CLUSTER.lock,
//! tests/cluster/) whose service holds an exclusive lock on a file every node shares, so a
//! resource online on two nodes at once is recorded as a violation. Everything is killed and
//! removed when the cluster is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rgm_exec::scratch::ScratchCgroup;

use crate::etcd::Etcd;
use crate::{Run, bin_dir, kill, wait_for};

/// One node: its rgmd and what it keeps.
pub struct TestNode {
    pub name: String,
    /// Its socket's directory (the test type's per-node files are here).
    pub run_dir: PathBuf,
    pub state_dir: PathBuf,
    pub cgroup: ScratchCgroup,
    /// Words before rgmd's (`nsenter --net=…` for a node in a network namespace).
    pub wrap: Vec<String>,
    /// More arguments of its rgmd.
    pub args: Vec<String>,
    child: Option<Child>,
}

impl TestNode {
    pub fn socket(&self) -> PathBuf {
        self.run_dir.join("rgmd.sock")
    }

    /// The pid of its rgmd, while it runs.
    pub fn rgmd_pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    /// The cluster log (human lines).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state_dir.join("cluster.log")).unwrap_or_default()
    }
}

/// etcd and several rgmd; see the module documentation.
pub struct TestCluster {
    pub etcd: Etcd,
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub name: String,
    pub ttl: u64,
    pub nodes: Vec<TestNode>,
}

impl TestCluster {
    /// etcd and an rgmd for each of `names` with lease TTL `ttl` seconds; returns once every
    /// node is a member and one is president.
    pub fn start(names: &[&str], ttl: u64) -> TestCluster {
        TestCluster::start_in(bin_dir(), names, ttl)
    }

    /// [`TestCluster::start`] with the commands of `bin` (the demo and the benches run the
    /// build's binaries from `target/<profile>`).
    pub fn start_in(bin: PathBuf, names: &[&str], ttl: u64) -> TestCluster {
        TestCluster::start_with(bin, names, ttl, Etcd::start(), |_| (Vec::new(), Vec::new()))
    }

    /// [`TestCluster::start_in`] on `etcd`, each node's rgmd started after the words and with
    /// the more arguments `setup` gives for it (its run directory exists by then).
    pub fn start_with(
        bin: PathBuf,
        names: &[&str],
        ttl: u64,
        etcd: Etcd,
        setup: impl Fn(&TestNode) -> (Vec<String>, Vec<String>),
    ) -> TestCluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let tag = format!(
            "rgm-cl-{}-{}",
            std::process::id(),
            dir.path().file_name().unwrap().to_string_lossy()
        );
        let mut nodes = Vec::new();
        for n in names {
            let run_dir = dir.path().join("nodes").join(n);
            std::fs::create_dir_all(&run_dir).unwrap();
            let cgroup = ScratchCgroup::new(&format!("{tag}-{n}")).unwrap_or_else(|e| {
                panic!("cluster tests run each rgmd in a cgroup of its own: {e}")
            });
            let mut node = TestNode {
                name: n.to_string(),
                state_dir: run_dir.join("state"),
                run_dir,
                cgroup,
                wrap: Vec::new(),
                args: Vec::new(),
                child: None,
            };
            (node.wrap, node.args) = setup(&node);
            nodes.push(node);
        }
        let mut c = TestCluster {
            etcd,
            bin,
            name: "test".into(),
            ttl,
            nodes,
            dir,
        };
        c.install_type();
        for i in 0..c.nodes.len() {
            c.boot(i);
        }
        c.wait_formed();
        c
    }

    /// The test type's files, with the shared directory filled in.
    fn install_type(&self) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("cluster");
        let dst = self.type_dir();
        std::fs::create_dir_all(dst.join("bin")).unwrap();
        std::fs::copy(src.join("CLUSTER.lock"), dst.join("CLUSTER.lock")).unwrap();
        for f in std::fs::read_dir(src.join("bin")).unwrap().flatten() {
            std::fs::copy(f.path(), dst.join("bin").join(f.file_name())).unwrap();
        }
        std::fs::create_dir_all(self.shared()).unwrap();
        std::fs::write(
            dst.join("shared.conf"),
            format!("SHARED='{}'\n", self.shared().display()),
        )
        .unwrap();
    }

    pub fn type_dir(&self) -> PathBuf {
        self.dir.path().join("type")
    }

    /// The directory every node's services share (locks, `calls`, `violations`).
    pub fn shared(&self) -> PathBuf {
        self.dir.path().join("shared")
    }

    pub fn index(&self, node: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == node)
            .unwrap_or_else(|| panic!("no node {node}"))
    }

    pub fn node(&self, node: &str) -> &TestNode {
        &self.nodes[self.index(node)]
    }

    /// Starts node `i`'s rgmd, in its cgroup.
    pub fn boot(&mut self, i: usize) {
        let endpoint = self.etcd.endpoint();
        let n = &mut self.nodes[i];
        let rgmd = self.bin.join("rgmd");
        let script = format!(
            "echo $$ > '{}/cgroup.procs' || exit 97; exec \"$0\" \"$@\"",
            n.cgroup.dir().display()
        );
        let log = std::fs::File::create(n.run_dir.join("rgmd.stderr")).unwrap();
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .args(&n.wrap)
            .arg(&rgmd)
            .args(["--node", &n.name, "--cluster", &self.name])
            .arg("--store")
            .arg(format!("etcd://{endpoint}"))
            .arg("--lease-ttl")
            .arg(self.ttl.to_string())
            .arg("--state-dir")
            .arg(&n.state_dir)
            .arg("--socket")
            .arg(n.socket())
            .args(&n.args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start rgmd");
        n.child = Some(child);
        let socket = n.socket();
        wait_for("rgmd's socket", Duration::from_secs(30), || {
            std::os::unix::net::UnixStream::connect(&socket).is_ok()
        });
    }

    /// Waits until every running node is a member, healthy (its startup event has
    /// succeeded), and some node is president.
    pub fn wait_formed(&self) {
        let names: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| n.child.is_some())
            .map(|n| n.name.clone())
            .collect();
        wait_for("the cluster to form", Duration::from_secs(30), || {
            let Some(v) = self.view_from(&names[0]) else {
                return false;
            };
            v["president"].is_string()
                && names.iter().all(|n| {
                    v["nodes"].as_array().is_some_and(|ns| {
                        ns.iter()
                            .any(|x| x["name"] == *n && x["up"] == true && x["healthy"] != false)
                    })
                })
        });
    }

    /// A command against `node`'s rgmd.
    pub fn run(&self, node: &str, bin: &str, args: &[&str]) -> Run {
        let out = Command::new(self.bin.join(bin))
            .args(args)
            .env("RGM_SOCKET", self.node(node).socket())
            .output()
            .expect("run a command");
        out.into()
    }

    /// A command that must succeed.
    pub fn ok(&self, node: &str, bin: &str, args: &[&str]) -> Run {
        let r = self.run(node, bin, args);
        assert_eq!(
            r.code,
            0,
            "{bin} {} on {node}: {}{}",
            args.join(" "),
            r.stdout,
            r.stderr
        );
        r
    }

    /// The whole view as `node`'s rgmd answers it (through the protocol), as JSON, or `None`
    /// when it does not answer within 10 s.
    pub fn view_from(&self, node: &str) -> Option<serde_json::Value> {
        use rgm_proto::{Hello, HelloReply, Query, Request, Response, read_frame, write_frame};
        let mut s = std::os::unix::net::UnixStream::connect(self.node(node).socket()).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        write_frame(&mut s, &Hello::new("test")).ok()?;
        let _: HelloReply = read_frame(&mut s).ok()?;
        write_frame(&mut s, &Request::Query(Query::View)).ok()?;
        match read_frame(&mut s).ok()? {
            Response::View(v) => serde_json::to_value(*v).ok(),
            _ => None,
        }
    }

    /// Registers the test type and makes `group` (Nodelist `nodes`, more `-p` settings) with
    /// one resource of it, `resource`; through `via`.
    pub fn lock_group(
        &self,
        via: &str,
        group: &str,
        nodes: &[&str],
        props: &[&str],
        resource: &str,
    ) {
        let rtr = self.type_dir().join("CLUSTER.lock");
        if !self
            .run(via, "clrt", &["list"])
            .stdout
            .contains("CLUSTER.lock")
        {
            self.ok(via, "clrt", &["register", "-f", &rtr.to_string_lossy()]);
        }
        let nodelist = format!("Nodelist={}", nodes.join(","));
        let mut args = vec!["create", "-p", &nodelist];
        for p in props {
            args.extend(["-p", p]);
        }
        args.push(group);
        self.ok(via, "clrg", &args);
        self.ok(
            via,
            "clrs",
            &["create", "-g", group, "-t", "CLUSTER.lock", resource],
        );
    }

    /// The nodes where `group` is ONLINE, as `via` sees it.
    pub fn online_on(&self, via: &str, group: &str) -> Vec<String> {
        let Some(v) = self.view_from(via) else {
            return Vec::new();
        };
        v["groups"][group]["states"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(_, s)| s.as_str() == Some("online"))
                    .map(|(n, _)| n.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The president, as `via` sees it.
    pub fn president(&self, via: &str) -> Option<String> {
        self.view_from(via)?["president"]
            .as_str()
            .map(str::to_string)
    }

    /// Violations the test type recorded (a resource started where another node runs it).
    pub fn violations(&self) -> String {
        std::fs::read_to_string(self.shared().join("violations")).unwrap_or_default()
    }

    /// The test type's method calls: `<node> <method> <resource> begin|end` lines.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.shared().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Whether node `node` runs `resource`'s service now (its pid file names a live service).
    pub fn service_runs(&self, node: &str, resource: &str) -> bool {
        let pid = std::fs::read_to_string(self.node(node).run_dir.join(format!("{resource}.pid")))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok());
        pid.is_some_and(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| c.starts_with(format!("cluster-service-{resource}").as_bytes()))
        })
    }

    /// A whole node crashes: its rgmd, its watchdog and every process it started die at once.
    pub fn crash(&mut self, node: &str) {
        let i = self.index(node);
        let n = &mut self.nodes[i];
        n.cgroup.kill().expect("cgroup.kill");
        if let Some(mut c) = n.child.take() {
            let _ = c.wait();
        }
    }

    /// SIGSTOP or SIGCONT to a node's rgmd alone.
    pub fn signal_rgmd(&self, node: &str, signal: &str) {
        if let Some(pid) = self.node(node).rgmd_pid() {
            kill(pid, signal);
        }
    }

    /// SIGTERM to a node's rgmd; returns its exit status once it has exited.
    pub fn stop(&mut self, node: &str) -> Option<i32> {
        let i = self.index(node);
        let mut child = self.nodes[i].child.take()?;
        kill(child.id() as i32, "TERM");
        child.wait().ok()?.code()
    }

    /// Starts a node's rgmd again (after a crash).
    pub fn restart(&mut self, node: &str) {
        let i = self.index(node);
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.boot(i);
    }

    /// Waits until `cond` holds, failing after `limit`; returns how long it took.
    pub fn wait(&self, what: &str, limit: Duration, mut cond: impl FnMut() -> bool) -> Duration {
        let t = Instant::now();
        wait_for(what, limit, &mut cond);
        t.elapsed()
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            // Stopped processes take no SIGKILL until continued.
            if let Some(pid) = n.rgmd_pid() {
                kill(pid, "CONT");
            }
            let _ = n.cgroup.kill();
            if let Some(mut c) = n.child.take() {
                let _ = c.wait();
            }
        }
    }
}
