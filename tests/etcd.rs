//! An etcd server for a test: Debian's `etcd` on free loopback ports with its data in a
//! temporary directory, killed on Drop. Tests can stop it (SIGSTOP), resume it, kill it and
//! start it again on the same data and ports. Or in a network namespace the test made, on an
//! address of that namespace ([`Etcd::start_in_netns`]), for nodes in namespaces of their own.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running etcd.
pub struct Etcd {
    dir: tempfile::TempDir,
    pub client_port: u16,
    peer_port: u16,
    /// The address it listens on.
    host: String,
    /// The network namespace it runs in (its file), if not the test's.
    netns: Option<PathBuf>,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Etcd {
    /// Starts etcd and waits until it answers. Fails (never skips) when etcd is missing.
    pub fn start() -> Etcd {
        Etcd::start_on("127.0.0.1", free_port(), free_port(), None)
    }

    /// Starts etcd in the network namespace whose file is `netns` (`/run/netns/NAME`),
    /// listening on `host` (an address of that namespace), ports 2379 and 2380.
    pub fn start_in_netns(netns: PathBuf, host: &str) -> Etcd {
        Etcd::start_on(host, 2379, 2380, Some(netns))
    }

    fn start_on(host: &str, client_port: u16, peer_port: u16, netns: Option<PathBuf>) -> Etcd {
        let program = Command::new("etcd").arg("--version").output();
        assert!(
            program.is_ok_and(|o| o.status.success()),
            "etcd is not installed: `cargo xtask ci` installs Debian's etcd-server (as root: apt-get install etcd-server)"
        );
        let mut e = Etcd {
            dir: tempfile::tempdir().expect("temp dir"),
            client_port,
            peer_port,
            host: host.to_string(),
            netns,
            child: None,
        };
        e.boot();
        e
    }

    /// `HOST:PORT` (`127.0.0.1:PORT` unless in a namespace), as rgmd's `--store etcd://…`
    /// takes it.
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.host, self.client_port)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn boot(&mut self) {
        let client = format!("http://{}:{}", self.host, self.client_port);
        let peer = format!("http://{}:{}", self.host, self.peer_port);
        let log = std::fs::File::create(self.dir.path().join("etcd.log")).expect("etcd log");
        // nsenter enters the namespace and executes etcd in its own process.
        let mut command = match &self.netns {
            Some(ns) => {
                let mut c = Command::new("nsenter");
                c.arg(format!("--net={}", ns.display())).arg("etcd");
                c
            }
            None => Command::new("etcd"),
        };
        let child = command
            .arg("--name=rgm-test")
            .arg(format!("--data-dir={}", self.data_dir().display()))
            .arg(format!("--listen-client-urls={client}"))
            .arg(format!("--advertise-client-urls={client}"))
            .arg(format!("--listen-peer-urls={peer}"))
            .arg(format!("--initial-advertise-peer-urls={peer}"))
            .arg(format!("--initial-cluster=rgm-test={peer}"))
            // Room for rgm's largest batches (docs/cluster.md).
            .arg("--max-txn-ops=100000")
            .arg("--max-request-bytes=33554432")
            .env("ETCD_UNSUPPORTED_ARCH", std::env::consts::ARCH)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start etcd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.healthy() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "etcd did not become healthy; its log: {}",
                std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether etcd answers its health endpoint.
    pub fn healthy(&self) -> bool {
        let (host, port) = (self.host.clone(), self.client_port);
        match &self.netns {
            Some(ns) => crate::netns::in_netns(ns.clone(), move || health(&host, port)),
            None => health(&host, port),
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().expect("etcd runs").id() as i32
    }

    /// SIGSTOP: etcd stops answering, keeps its state.
    pub fn pause(&self) {
        crate::kill(self.pid(), "STOP");
    }

    pub fn resume(&self) {
        crate::kill(self.pid(), "CONT");
    }

    /// Kills etcd (its data stays).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts etcd again on the same data and ports.
    pub fn restart(&mut self) {
        self.kill();
        self.boot();
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        if let Some(c) = &self.child {
            crate::kill(c.id() as i32, "CONT");
        }
        self.kill();
    }
}

fn health(host: &str, port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect((host, port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let req = "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body.contains("\"health\":\"true\"")
}
