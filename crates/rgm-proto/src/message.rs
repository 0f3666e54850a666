//! The messages: the handshake, requests and responses.

use serde::{Deserialize, Serialize};

use rgm_core::ErrorCode;
use rgm_core::engine::{AdminRequest, ControlTag, Status};

/// The protocol version this build speaks. Version 2 added progress reports
/// ([`Hello::progress`], [`Response::Progress`]) and [`Request::AdminAsync`].
pub const PROTOCOL_VERSION: u32 = 2;

/// The oldest version rgmd still serves: a version-1 client is answered as before (it never
/// asks for progress).
pub const OLDEST_PROTOCOL_VERSION: u32 = 1;

/// The client's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub version: u32,
    /// The command, for the daemon's log (`clresourcegroup`, `scha_control`, ...).
    pub client: String,
    /// Send [`Response::Progress`] reports while a change is under way, before its answer
    /// (version 2; a command asks when it writes to a terminal).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub progress: bool,
}

impl Hello {
    pub fn new(client: &str) -> Hello {
        Hello {
            version: PROTOCOL_VERSION,
            client: client.to_string(),
            progress: false,
        }
    }

    /// The same, asking for progress reports.
    pub fn with_progress(client: &str) -> Hello {
        Hello {
            progress: true,
            ..Hello::new(client)
        }
    }
}

/// The daemon's answer to [`Hello`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "hello", rename_all = "snake_case")]
pub enum HelloReply {
    Welcome {
        version: u32,
        cluster: String,
        node: String,
    },
    /// The daemon does not speak the client's version; it closes the connection.
    Unsupported { supported: u32, message: String },
    /// The daemon will not serve the connection (it serves too many); it closes it.
    Refused { code: ErrorCode, message: String },
}

/// What a command asks of rgmd.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", content = "body", rename_all = "snake_case")]
pub enum Request {
    /// A change (cl* commands). Needs administrator privilege. The response comes once the
    /// groups concerned have settled.
    Admin(AdminRequest),
    /// The same change, answered as soon as it is accepted (`--async`): checked, saved and
    /// under way, or refused at once. What becomes of it is in the status and the cluster log.
    AdminAsync(AdminRequest),
    /// `scha_control`, on the daemon's node. Needs administrator privilege.
    Control {
        tag: ControlTag,
        group: String,
        resource: String,
    },
    /// `scha_resource_setstatus`, on the daemon's node. Needs administrator privilege.
    SetStatus {
        resource: String,
        group: String,
        status: Status,
        message: Option<String>,
    },
    /// Read-only; anyone who may open the socket.
    Query(Query),
    /// `--dry-run` of a change: planned on a copy of the engine, nothing run or changed
    /// ([`Response::Plan`]). Needs the privilege the change needs.
    DryRun(AdminRequest),
    /// This node's event scripts (docs/events.md): answered by the rgmd the command talks
    /// to, never forwarded. Running an event or enabling a script needs administrator
    /// privilege.
    Events(crate::events::EventsRequest),
}

impl Request {
    /// Whether the request changes anything (and so needs administrator privilege).
    pub fn is_change(&self) -> bool {
        match self {
            Request::Query(_) => false,
            Request::Events(e) => e.is_change(),
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// The whole configuration and every state ([`crate::ClusterView`]).
    View,
    /// The same, for only the objects a command asks about ([`crate::ViewScope`]).
    Scoped(crate::view::ViewScope),
    /// Where this rgmd writes its cluster log ([`Response::LogLocation`]).
    LogLocation,
    /// Why the groups named (every group when empty) are not where they should be
    /// ([`Response::WhyNot`]; docs/observing.md).
    WhyNot(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "response", content = "body", rename_all = "snake_case")]
pub enum Response {
    /// Done; lines for the user (VALIDATE's output, notes).
    Done {
        messages: Vec<String>,
    },
    /// Refused, or did not reach the requested state; `code` is the SCHA_ERR number.
    Refused {
        code: ErrorCode,
        messages: Vec<String>,
    },
    View(Box<crate::view::ClusterView>),
    /// The cluster log's files: the human lines and the JSON lines `cllog` reads.
    LogLocation {
        human: String,
        json: String,
    },
    /// The answer to [`Request::Events`].
    Events(crate::events::EventsResponse),
    /// The answer to [`Query::WhyNot`]: each group that is not where it should be, with the
    /// engine's reasons per node.
    WhyNot(Vec<rgm_core::engine::GroupWhyNot>),
    /// The answer to [`Request::DryRun`]: what the change would do.
    Plan(Box<rgm_core::engine::Plan>),
    /// Not an answer: what the change is doing, sent before its answer to a client that asked
    /// in its [`Hello`]; any number of them may come.
    Progress(crate::progress::Progress),
}

impl Response {
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Response {
        Response::Refused {
            code,
            messages: vec![message.into()],
        }
    }
}
