//! What the engine asks for: method runs (with their argv inputs), kills, replies, persistence,
//! fencing, timers and cluster-log records. The daemon carries them out in order.

use serde::{Deserialize, Serialize};

use rtreg::Method;

use crate::engine::event::{RequestId, RunId, Time, TimerId};
use crate::engine::log::LogRecord;
use crate::error::ErrorCode;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Run a callback method on a node.
    RunMethod(MethodRun),
    /// Kill a running method (SIGTERM, grace period, SIGKILL): `clrg quiesce -k`.
    KillMethod { run: RunId, node: String },
    /// Answer a request.
    Reply {
        id: RequestId,
        result: Result<Answer, RequestError>,
    },
    /// Make the configuration durable (before any Reply that follows it).
    PersistConfig,
    /// Make the runtime state durable (what is online where), for recovery after a crash.
    PersistState,
    /// Make sure nothing of `node` runs any more (reboot it, cut it off); report NodeFenced.
    FenceNode { node: String, reason: String },
    /// Fire `TimerFired { timer }` at `at`.
    ArmTimer { timer: TimerId, at: Time },
    /// A cluster-log record.
    Log(LogRecord),
}

/// One method run: `path -R resource -T type -G group` plus, for VALIDATE, its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodRun {
    pub run: RunId,
    pub node: String,
    pub resource: String,
    pub group: String,
    /// Full type name, `Vendor.type:version` (the `-T` argument).
    pub type_name: String,
    pub method: Method,
    /// The method program, resolved against RT_basedir.
    pub path: String,
    pub timeout_secs: i64,
    /// VALIDATE's options; `None` for every other method.
    pub validate: Option<ValidateArgs>,
}

/// VALIDATE's options (seed rt_callbacks): `-c` or `-u`, then `-r` system properties (the
/// dependency lists twice, plain for this node and `_Q`), `-x` extension properties, `-X`
/// per-node extension values `name{nodeid}=value`, `-g` group properties.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ValidateArgs {
    /// `-c` (true) or `-u` (false).
    pub create: bool,
    pub system: Vec<(String, String)>,
    pub extension: Vec<(String, String)>,
    /// (property, node id, value).
    pub per_node: Vec<(String, u32, String)>,
    pub group: Vec<(String, String)>,
}

impl ValidateArgs {
    /// The options as argv elements, in the synopsis' order (`-c|-u`, then `-r`, `-x`, `-g`,
    /// `-X`), without the `-R -T -G` the launcher puts after `-c|-u`.
    pub fn to_args(&self) -> Vec<String> {
        let mut out = vec![if self.create { "-c" } else { "-u" }.to_string()];
        for (flag, pairs) in [
            ("-r", &self.system),
            ("-x", &self.extension),
            ("-g", &self.group),
        ] {
            for (k, v) in pairs {
                out.push(flag.into());
                out.push(format!("{k}={v}"));
            }
        }
        for (k, id, v) in &self.per_node {
            out.push("-X".into());
            out.push(format!("{k}{{{id}}}={v}"));
        }
        out
    }
}

/// A request's successful answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Answer {
    /// Lines for the administrator (e.g. what VALIDATE wrote on success).
    pub messages: Vec<String>,
}

/// Why a request was refused or did not reach what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestError {
    pub code: ErrorCode,
    /// One line per problem.
    pub messages: Vec<String>,
}

impl RequestError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> RequestError {
        RequestError {
            code,
            messages: vec![message.into()],
        }
    }
}

impl From<crate::error::ConfigErrors> for RequestError {
    fn from(e: crate::error::ConfigErrors) -> Self {
        RequestError {
            code: e.code(),
            messages: e.0.iter().map(|e| e.to_string()).collect(),
        }
    }
}

impl From<crate::error::ConfigError> for RequestError {
    fn from(e: crate::error::ConfigError) -> Self {
        RequestError {
            code: e.code(),
            messages: vec![e.to_string()],
        }
    }
}
