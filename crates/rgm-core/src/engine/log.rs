//! Cluster-log records: a stable message id, a severity, the objects concerned as fields, and
//! the human text in the rgmd style (reference §h.1). Every decision of the engine is logged
//! here (invariant 4); docs/cluster-log.md lists the ids.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::state::{RState, RgState, Status};

/// Severity, as syslog levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Notice,
    Warning,
    Error,
}

/// One record of the cluster log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRecord {
    pub id: u32,
    pub severity: Severity,
    pub text: String,
    pub fields: BTreeMap<&'static str, String>,
}

/// The stable message ids.
pub mod msg {
    pub const METHOD_LAUNCH: u32 = 224900;
    pub const METHOD_OK: u32 = 515159;
    pub const METHOD_FAILED: u32 = 938318;
    pub const METHOD_TIMEOUT: u32 = 764140;
    pub const METHOD_NOT_RUN: u32 = 764141;
    pub const METHOD_KILL: u32 = 764142;
    pub const METHOD_LOST: u32 = 764143;
    pub const METHOD_UNKNOWN: u32 = 764144;
    pub const RG_STATE: u32 = 529407;
    pub const R_STATE: u32 = 443746;
    pub const R_STATUS: u32 = 784560;
    pub const R_STATUS_MSG: u32 = 922363;
    pub const FAILOVER: u32 = 300100;
    pub const NO_FAILOVER: u32 = 300101;
    pub const STOP_FAILED: u32 = 300102;
    pub const FENCE: u32 = 300103;
    pub const FENCE_FAILED: u32 = 300104;
    pub const NODE_JOINED: u32 = 300110;
    pub const NODE_DIED: u32 = 300111;
    pub const NODE_FENCED: u32 = 300112;
    pub const PLACEMENT: u32 = 300120;
    pub const NOT_PLACED: u32 = 300121;
    pub const BLOCKED: u32 = 300122;
    pub const REQUEST: u32 = 300130;
    pub const REQUEST_REFUSED: u32 = 300131;
    pub const CONFIG_CHANGED: u32 = 300132;
    pub const CONTROL: u32 = 300140;
    pub const CONTROL_REFUSED: u32 = 300141;
    pub const RESTART: u32 = 300142;
    pub const CLEARED: u32 = 300150;
    pub const RECOVERY: u32 = 300160;
    pub const GONE: u32 = 300161;
    pub const HEALTH: u32 = 300113;
}

fn fields(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
    // Inserted one by one: collecting a handful of pairs sorts them through a vector first.
    // The records made on every method and state change list their keys in descending
    // order, so that each insert finds its place at the first key.
    let mut f = BTreeMap::new();
    for (k, v) in pairs {
        f.insert(*k, v.to_string());
    }
    f
}

/// Pieces joined into one string of their size: the texts of the records made on every
/// method and state change are built this way (`format!` costs several times more).
fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// The objects a method run is about.
#[derive(Debug, Clone, Copy)]
pub struct RunSubject<'a> {
    /// The method program's file name, as rgmd logs it (`<hafoip_start>`).
    pub program: &'a str,
    pub method: &'a str,
    pub resource: &'a str,
    pub group: &'a str,
    pub node: &'a str,
    pub timeout_secs: i64,
}

impl RunSubject<'_> {
    fn fields(&self) -> BTreeMap<&'static str, String> {
        let timeout = self.timeout_secs.to_string();
        fields(&[
            ("timeout_secs", &timeout),
            ("resource", self.resource),
            ("program", self.program),
            ("node", self.node),
            ("method", self.method),
            ("group", self.group),
        ])
    }

    fn percent(&self, duration_ms: u64) -> u64 {
        let timeout_ms = (self.timeout_secs.max(1) as u64) * 1000;
        duration_ms * 100 / timeout_ms
    }
}

impl LogRecord {
    pub fn new(
        id: u32,
        severity: Severity,
        text: String,
        fields: BTreeMap<&'static str, String>,
    ) -> LogRecord {
        LogRecord {
            id,
            severity,
            text,
            fields,
        }
    }

    pub fn launching(s: &RunSubject<'_>) -> LogRecord {
        LogRecord::new(
            msg::METHOD_LAUNCH,
            Severity::Notice,
            cat(&[
                "launching method <",
                s.program,
                "> for resource <",
                s.resource,
                ">, resource group <",
                s.group,
                ">, node <",
                s.node,
                ">, timeout <",
                &s.timeout_secs.to_string(),
                "> seconds",
            ]),
            s.fields(),
        )
    }

    pub fn completed(s: &RunSubject<'_>, duration_ms: u64) -> LogRecord {
        let mut f = s.fields();
        f.insert("duration_ms", duration_ms.to_string());
        LogRecord::new(
            msg::METHOD_OK,
            Severity::Notice,
            cat(&[
                "method <",
                s.program,
                "> completed successfully for resource <",
                s.resource,
                ">, resource group <",
                s.group,
                ">, node <",
                s.node,
                ">, time used: ",
                &s.percent(duration_ms).to_string(),
                "% of timeout <",
                &s.timeout_secs.to_string(),
                " seconds>",
            ]),
            f,
        )
    }

    /// A method that ended with a non-zero exit code or a signal.
    pub fn failed(s: &RunSubject<'_>, how: &str, duration_ms: u64) -> LogRecord {
        let mut f = s.fields();
        f.insert("duration_ms", duration_ms.to_string());
        f.insert("result", how.to_string());
        LogRecord::new(
            msg::METHOD_FAILED,
            Severity::Error,
            format!(
                "Method <{}> failed on resource <{}> in resource group <{}>, node <{}> [{how}, time used: {}% of timeout <{} seconds>]",
                s.program,
                s.resource,
                s.group,
                s.node,
                s.percent(duration_ms),
                s.timeout_secs
            ),
            f,
        )
    }

    pub fn timed_out(s: &RunSubject<'_>, killed: bool) -> LogRecord {
        let mut f = s.fields();
        f.insert("sigkill", killed.to_string());
        LogRecord::new(
            msg::METHOD_TIMEOUT,
            Severity::Error,
            format!(
                "Method <{}> on resource <{}>, resource group <{}>, node <{}>: Timeout.",
                s.program, s.resource, s.group, s.node
            ),
            f,
        )
    }

    pub fn not_run(s: &RunSubject<'_>, reason: &str) -> LogRecord {
        let mut f = s.fields();
        f.insert("reason", reason.to_string());
        LogRecord::new(
            msg::METHOD_NOT_RUN,
            Severity::Error,
            format!(
                "Method <{}> for resource <{}>, resource group <{}>, node <{}> could not be run: {reason}",
                s.program, s.resource, s.group, s.node
            ),
            f,
        )
    }

    /// A run of a previous rgmd that has ended without a result that can be known.
    pub fn unknown(s: &RunSubject<'_>) -> LogRecord {
        LogRecord::new(
            msg::METHOD_UNKNOWN,
            Severity::Warning,
            format!(
                "Method <{}> on resource <{}>, resource group <{}>, node <{}> was started by a previous rgmd and has ended; its result is unknown",
                s.program, s.resource, s.group, s.node
            ),
            s.fields(),
        )
    }

    pub fn resource_state(resource: &str, node: &str, state: RState) -> LogRecord {
        LogRecord::new(
            msg::R_STATE,
            Severity::Notice,
            cat(&[
                "resource ",
                resource,
                " state on node ",
                node,
                " change to ",
                state.internal_name(),
            ]),
            fields(&[
                ("state", state.internal_name()),
                ("resource", resource),
                ("node", node),
            ]),
        )
    }

    pub fn group_state(group: &str, node: &str, state: RgState) -> LogRecord {
        LogRecord::new(
            msg::RG_STATE,
            Severity::Notice,
            cat(&[
                "resource group ",
                group,
                " state on node ",
                node,
                " change to ",
                state.internal_name(),
            ]),
            fields(&[
                ("state", state.internal_name()),
                ("node", node),
                ("group", group),
            ]),
        )
    }

    pub fn status(resource: &str, node: &str, status: Status) -> LogRecord {
        LogRecord::new(
            msg::R_STATUS,
            Severity::Notice,
            cat(&[
                "resource ",
                resource,
                " status on node ",
                node,
                " change to ",
                status.internal_name(),
            ]),
            fields(&[
                ("status", status.internal_name()),
                ("resource", resource),
                ("node", node),
            ]),
        )
    }

    pub fn status_msg(resource: &str, node: &str, message: &str) -> LogRecord {
        LogRecord::new(
            msg::R_STATUS_MSG,
            Severity::Notice,
            format!("resource {resource} status msg on node {node} change to <{message}>"),
            fields(&[("resource", resource), ("node", node), ("message", message)]),
        )
    }

    /// A decision about a group or resource, with its reason, e.g. a failover.
    pub fn decision(
        id: u32,
        severity: Severity,
        text: String,
        pairs: &[(&'static str, &str)],
    ) -> LogRecord {
        LogRecord::new(id, severity, text, fields(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts built piece by piece read exactly as rgmd's messages.
    #[test]
    fn record_texts_are_spelled_out() {
        let s = RunSubject {
            program: "web_start",
            method: "START",
            resource: "web",
            group: "web-rg",
            node: "node1",
            timeout_secs: 300,
        };
        assert_eq!(
            LogRecord::launching(&s).text,
            "launching method <web_start> for resource <web>, resource group <web-rg>, node <node1>, timeout <300> seconds"
        );
        let done = LogRecord::completed(&s, 4500);
        assert_eq!(
            done.text,
            "method <web_start> completed successfully for resource <web>, resource group <web-rg>, node <node1>, time used: 1% of timeout <300 seconds>"
        );
        assert_eq!(done.fields["duration_ms"], "4500");
        assert_eq!(done.fields["timeout_secs"], "300");
        assert_eq!(
            LogRecord::resource_state("web", "node1", RState::OnlineUnmonitored).text,
            "resource web state on node node1 change to R_ONLINE_UNMON"
        );
        assert_eq!(
            LogRecord::group_state("web-rg", "node2", RgState::PendingOnline).text,
            "resource group web-rg state on node node2 change to RG_PENDING_ONLINE"
        );
        let status = LogRecord::status("web", "node1", Status::Ok);
        assert_eq!(
            status.text,
            "resource web status on node node1 change to R_FM_ONLINE"
        );
        assert_eq!(status.fields["status"], "R_FM_ONLINE");
    }
}
