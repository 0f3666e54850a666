//! Support for the tests of the built-in types (RGM.generic, OCF agents): a cluster whose
//! process monitors are killed with it, and short ways to read a resource's state and status.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::time::Duration;

use rgm_e2e::{Cluster, kill, wait_for};

/// Long enough for any condition of these tests on a loaded 2-CPU machine.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A one-node cluster; dropping it kills rgmd, then every process monitor of a built-in type
/// and everything it runs (they outlive rgmd by design, as services do).
pub struct Node(pub Cluster);

impl Node {
    pub fn start() -> Node {
        Node(Cluster::start())
    }

    /// Where the built-in types keep a resource's pid files and logs.
    pub fn agent_dir(&self, resource: &str) -> PathBuf {
        self.dir.path().join("rgm-agents").join(resource)
    }

    /// A file in the test's directory.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `scha_resource_get -O RESOURCE_STATE`.
    pub fn state(&self, r: &str) -> String {
        self.run("scha_resource_get", &["-O", "RESOURCE_STATE", "-R", r])
            .stdout
            .trim()
            .to_string()
    }

    /// `scha_resource_get -O STATUS`: (status, message).
    pub fn status(&self, r: &str) -> (String, String) {
        let out = self
            .run("scha_resource_get", &["-O", "STATUS", "-R", r])
            .stdout;
        let mut lines = out.lines();
        let s = lines.next().unwrap_or("").to_string();
        (s, lines.next().unwrap_or("").to_string())
    }

    pub fn restarts(&self, r: &str) -> i64 {
        self.run(
            "scha_resource_get",
            &["-O", "NUM_RESOURCE_RESTARTS", "-R", r],
        )
        .stdout
        .trim()
        .parse()
        .unwrap_or(-1)
    }

    pub fn group_state(&self, g: &str) -> String {
        self.run("scha_resourcegroup_get", &["-O", "RG_STATE", "-G", g])
            .stdout
            .trim()
            .to_string()
    }

    /// Waits until the resource's Status is `status` with a message containing `text`.
    pub fn wait_status(&self, r: &str, status: &str, text: &str) -> String {
        let mut last = (String::new(), String::new());
        wait_for(
            &format!("{r}: Status {status} with `{text}`"),
            PATIENCE,
            || {
                last = self.status(r);
                last.0 == status && last.1.contains(text)
            },
        );
        last.1
    }

    /// Cluster-log lines containing `text`.
    pub fn log_lines(&self, text: &str) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains(text))
            .map(str::to_string)
            .collect()
    }

    /// The pid of a resource's process monitor (`svc` or `probe`), if it runs.
    pub fn monitor_pid(&self, resource: &str, tag: &str) -> Option<i32> {
        let text =
            std::fs::read_to_string(self.agent_dir(resource).join(format!("{tag}.pid"))).ok()?;
        let pid: i32 = text.split_whitespace().next()?.parse().ok()?;
        rgm_e2e::alive(pid).then_some(pid)
    }
}

impl Deref for Node {
    type Target = Cluster;
    fn deref(&self) -> &Cluster {
        &self.0
    }
}

impl DerefMut for Node {
    fn deref_mut(&mut self) -> &mut Cluster {
        &mut self.0
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.0.kill9();
        let Ok(dirs) = std::fs::read_dir(self.dir.path().join("rgm-agents")) else {
            return;
        };
        for dir in dirs.flatten() {
            for tag in ["svc", "probe"] {
                let Some(pid) = std::fs::read_to_string(dir.path().join(format!("{tag}.pid")))
                    .ok()
                    .and_then(|t| t.split_whitespace().next()?.parse::<i32>().ok())
                else {
                    continue;
                };
                let below = descendants(pid);
                kill(pid, "KILL");
                for p in below {
                    kill(p, "KILL");
                }
            }
        }
    }
}

/// Every live process below `root`, from /proc.
pub fn descendants(root: i32) -> Vec<i32> {
    let parents: Vec<(i32, i32)> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .filter_map(|pid| {
                    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                    let rest = &stat[stat.rfind(')')? + 1..];
                    let mut f = rest.split_whitespace();
                    let state = f.next()?;
                    let ppid = f.next()?.parse().ok()?;
                    (state != "Z").then_some((pid, ppid))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (pid, ppid) in &parents {
            if *ppid == p {
                out.push(*pid);
                frontier.push(*pid);
            }
        }
    }
    out
}
