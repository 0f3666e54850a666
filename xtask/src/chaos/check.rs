//! The checks of a chaos run: the configuration against what the commands established, and,
//! once nothing moves, the processes against the states rgmd reports, and the store.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;

use super::run::{Run, SETTLE_LIMIT};

impl Run {
    /// The configuration rgmd shows against what the commands established.
    pub(super) fn check_config(&mut self) -> Result<()> {
        let groups = self.json("clresourcegroup", &["show", "-o", "json"])?;
        let resources = self.json("clresource", &["show", "-o", "json"])?;
        let v = self.model.check(&groups, &resources);
        for line in &v {
            self.trace(format!("VIOLATION {line}"));
        }
        self.report.violations.extend(v);
        Ok(())
    }

    pub(super) fn json(&self, cmd: &str, args: &[&str]) -> Result<Value> {
        let out = self.node.ok(cmd, args)?;
        serde_json::from_str(&out).with_context(|| format!("{cmd} {}: not JSON", args.join(" ")))
    }

    /// Waits until nothing moves: every method call has ended, and every group and resource
    /// is in a state that is not a transition.
    pub(super) fn settle(&mut self) -> Result<()> {
        let deadline = Instant::now() + SETTLE_LIMIT;
        loop {
            let calls =
                std::fs::read_to_string(self.node.run_dir().join("calls")).unwrap_or_default();
            let begun = calls.lines().filter(|l| l.starts_with("begin ")).count();
            let ended = calls.lines().filter(|l| l.starts_with("end ")).count();
            let status = self.json("clresource", &["status", "-o", "json"])?;
            let groups = self.json("clresourcegroup", &["status", "-o", "json"])?;
            let moving = states(&status).iter().any(|(_, s)| {
                !matches!(
                    s.as_str(),
                    "ONLINE"
                        | "ONLINE_NOT_MONITORED"
                        | "OFFLINE"
                        | "START_FAILED"
                        | "STOP_FAILED"
                        | "MONITOR_FAILED"
                )
            }) || states(&groups)
                .iter()
                .any(|(_, s)| s.starts_with("PENDING"));
            if begun == ended && !moving {
                self.trace("settled".into());
                return Ok(());
            }
            if Instant::now() > deadline {
                self.report.violations.push(format!(
                    "did not settle within {SETTLE_LIMIT:?}: {begun} method calls began, {ended} ended; states {:?} {:?}",
                    states(&status),
                    states(&groups)
                ));
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every resource reported ONLINE has exactly one service running, every OFFLINE (or
    /// START_FAILED) one none; a monitored ONLINE resource has one monitor, others none; no
    /// second copy ever started; an acknowledged online or offline of a group holds.
    pub(super) fn check_running(&mut self) -> Result<()> {
        let status = self.json("clresource", &["status", "-o", "json"])?;
        let processes = self.node.processes();
        let count = |kind: &str, r: &str| {
            let name = format!("chaos-{kind}-{r} ");
            processes
                .iter()
                .filter(|(_, c)| c.starts_with(&name))
                .count()
        };
        let mut v = Vec::new();
        let mut known = Vec::new();
        for (r, state) in states(&status) {
            known.push(r.clone());
            let (services, monitors) = (count("service", &r), count("monitor", &r));
            let (want_services, want_monitors) = match state.as_str() {
                "ONLINE" => (Some(1), Some(1)),
                "ONLINE_NOT_MONITORED" | "MONITOR_FAILED" => (Some(1), None),
                "OFFLINE" | "START_FAILED" => (Some(0), Some(0)),
                _ => (None, None),
            };
            if want_services.is_some_and(|w| w != services) {
                v.push(format!(
                    "resource {r} is {state} with {services} services running"
                ));
            }
            if want_monitors.is_some_and(|w| w != monitors) {
                v.push(format!(
                    "resource {r} is {state} with {monitors} monitors running"
                ));
            }
            if state.ends_with("_FAILED") {
                v.push(format!(
                    "resource {r} is {state}: CHAOS.lock's methods never fail on their own, so one was lost or timed out"
                ));
            }
        }
        for (pid, cmdline) in &processes {
            let Some(rest) = cmdline
                .strip_prefix("chaos-service-")
                .or_else(|| cmdline.strip_prefix("chaos-monitor-"))
            else {
                continue;
            };
            let r = rest.split(' ').next().unwrap_or_default();
            if !known.iter().any(|k| k == r) {
                v.push(format!(
                    "process {pid} ({cmdline}) runs for {r}, which does not exist"
                ));
            }
        }
        // Every result is saved by now: no run file is left.
        if let Ok(entries) = std::fs::read_dir(self.node.state_dir().join("runs")) {
            for e in entries.flatten().filter(|e| e.file_name() != "left") {
                v.push(format!(
                    "run file {} is left although nothing runs",
                    e.path().display()
                ));
            }
        }
        let second =
            std::fs::read_to_string(self.node.run_dir().join("violations")).unwrap_or_default();
        v.extend(second.lines().map(str::to_string));
        let groups = self.json("clresourcegroup", &["status", "-o", "json"])?;
        for (g, state) in states(&groups) {
            match self.model.wanted(&g) {
                Some(true) if !matches!(state.as_str(), "ONLINE" | "ONLINE_FAULTED") => v.push(
                    format!("group {g} was brought online (acknowledged) and is {state}"),
                ),
                Some(false) if !matches!(state.as_str(), "OFFLINE" | "UNMANAGED") => v.push(
                    format!("group {g} was taken offline (acknowledged) and is {state}"),
                ),
                _ => {}
            }
        }
        for line in &v {
            self.trace(format!("VIOLATION {line}"));
        }
        self.report.violations.extend(v);
        Ok(())
    }

    /// The store loads, as another reader sees it: configuration and runtime state.
    pub(super) fn check_store(&mut self) -> Result<()> {
        let store = rgm_store::LocalStore::open_read_only(&self.node.state_dir())
            .context("the store does not open")?;
        let layout = rgm_store::Layout::local();
        let kvs = store
            .range(layout.root())
            .context("the store cannot be read")?
            .kvs;
        layout
            .load_config(&kvs)
            .context("the stored configuration does not load")?;
        layout
            .load_state(&kvs)
            .context("the stored runtime state does not load")?;
        Ok(())
    }
}

/// (name, state on node1) of each item of a `status -o json` document.
fn states(doc: &Value) -> Vec<(String, String)> {
    doc.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| {
            let name = x["name"].as_str()?.to_string();
            let state = x["nodes"]
                .as_array()?
                .iter()
                .find(|n| n["node"] == "node1")?["state"]
                .as_str()?
                .to_string();
            Some((name, state))
        })
        .collect()
}
