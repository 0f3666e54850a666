//! Node event scripts (docs/events.md): the requests `clnode event …` and the built-in types
//! make of the rgmd of their own node, and the reports it answers with. Never forwarded to the
//! president: the scripts, their results and their status are the node's own.

use serde::{Deserialize, Serialize};

/// A request about this node's event scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventsRequest {
    /// Runs an event now (`clnode event run`, a LogicalHostname's `takeip`): the answer is
    /// [`EventsResponse::Ran`] once it is over.
    Run {
        event: String,
        args: Vec<String>,
        /// Seconds for the whole event; `None`: the node's EventScriptTimeout.
        timeout: Option<u64>,
    },
    /// The last completed run of an event ([`EventsResponse::Status`]).
    Status { event: String },
    /// The scripts of the events directory ([`EventsResponse::Scripts`]).
    ListScripts,
    /// Enables or disables one script by its name (`NN.name`).
    SetEnabled { script: String, enabled: bool },
}

impl EventsRequest {
    /// Whether it changes anything (runs scripts as root, changes a file).
    pub fn is_change(&self) -> bool {
        matches!(
            self,
            EventsRequest::Run { .. } | EventsRequest::SetEnabled { .. }
        )
    }
}

/// rgmd's answer to an [`EventsRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum EventsResponse {
    Ran(EventReport),
    /// `None`: the event has never completed on this node.
    Status(Option<EventReport>),
    Scripts(ScriptList),
    /// A script enabled or disabled: its entry now.
    Changed(ScriptEntry),
}

/// How a script's run ended, as `ctdb event status` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScriptResult {
    /// Exit status 0.
    Ok,
    /// A non-zero exit status (or killed by a signal): the event stops here.
    Error,
    /// Still running at the event's deadline: killed, and the event stops here.
    Timedout,
    /// Not executable: skipped.
    Disabled,
    /// Could not be started (a dangling link, a file rgm refuses to run): the event stops
    /// here.
    CannotRun,
}

impl ScriptResult {
    /// `OK`, `ERROR`, `TIMEDOUT`, `DISABLED`, `CANNOT RUN`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptResult::Ok => "OK",
            ScriptResult::Error => "ERROR",
            ScriptResult::Timedout => "TIMEDOUT",
            ScriptResult::Disabled => "DISABLED",
            ScriptResult::CannotRun => "CANNOT RUN",
        }
    }
}

/// One script's part in a run of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptReport {
    /// `NN.name` (without `.script`).
    pub name: String,
    pub result: ScriptResult,
    /// Its exit status; a signal that ended it as 128 + the signal; `None` when it did not
    /// exit (disabled, timed out, not started).
    pub exit_status: Option<i32>,
    /// Milliseconds it ran (to the deadline, for one that timed out); 0 when not run.
    pub duration_ms: u64,
    /// What it wrote on stdout and stderr, interleaved (the last 64 KiB).
    pub output: String,
    /// Why it could not run, or how it ended when that is not an exit status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How an event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventResult {
    /// Every script that ran exited 0.
    Ok,
    /// A script failed or could not run (the last one in the report).
    Failed,
    /// The deadline passed during the last script in the report.
    Timedout,
    /// Stopped for another event (a monitor cancelled by a new event); never kept as status.
    Cancelled,
}

impl EventResult {
    pub fn as_str(self) -> &'static str {
        match self {
            EventResult::Ok => "OK",
            EventResult::Failed => "FAILED",
            EventResult::Timedout => "TIMEDOUT",
            EventResult::Cancelled => "CANCELLED",
        }
    }
}

/// One run of an event on a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventReport {
    pub node: String,
    pub event: String,
    pub args: Vec<String>,
    pub result: EventResult,
    /// When it began, in milliseconds since the Unix epoch.
    pub started_ms: u64,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The deadline it had, in seconds.
    pub timeout_secs: u64,
    /// Every script considered, in order, up to the one that ended the event.
    pub scripts: Vec<ScriptReport>,
}

impl EventReport {
    /// The script that ended the event (failed, timed out, could not run), if any.
    pub fn culprit(&self) -> Option<&ScriptReport> {
        match self.result {
            EventResult::Ok | EventResult::Cancelled => None,
            EventResult::Failed | EventResult::Timedout => self.scripts.last(),
        }
    }
}

/// A script of the events directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptEntry {
    /// `NN.name`: the file name without a `.script` suffix.
    pub name: String,
    /// The file in the events directory.
    pub file: String,
    /// Whether it runs (it is executable).
    pub enabled: bool,
    /// Where a symbolic link points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Why it cannot run although enabled (a dangling link, not a regular file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The events directory as the next event will see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptList {
    pub node: String,
    pub dir: String,
    /// In the order events run them.
    pub scripts: Vec<ScriptEntry>,
    /// Duplicate `NN`, unreadable entries, an unreadable directory.
    pub warnings: Vec<String>,
}
