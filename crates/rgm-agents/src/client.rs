//! The agents' connection to rgmd, through `RGM_SOCKET` (which rgmd sets for every method): read
//! the cluster view, ask for a `scha_control`, set a status. The same requests as the `scha_*`
//! commands make, without starting a process for each.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use rgm_core::ErrorCode;
use rgm_core::engine::{ControlTag, Status};
use rgm_proto::{ClusterView, Hello, HelloReply, Query, Request, Response, ViewScope};

/// What rgmd answered to a request it did not carry out, or why it could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RgmError {
    /// rgmd refused, with this SCHA_ERR code and these reasons.
    #[error("{}", messages.join("; "))]
    Refused {
        code: ErrorCode,
        messages: Vec<String>,
    },
    /// rgmd could not be reached or broke the protocol.
    #[error("rgmd at {path}: {reason}")]
    Unreachable { path: String, reason: String },
}

impl RgmError {
    /// The SCHA_ERR code of a refusal.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            RgmError::Refused { code, .. } => Some(*code),
            RgmError::Unreachable { .. } => None,
        }
    }
}

/// The socket methods are given: `$RGM_SOCKET`, else rgm's default.
pub fn socket_path() -> PathBuf {
    rgm_proto::socket_from_env().unwrap_or_else(|| PathBuf::from(rgm_proto::DEFAULT_SOCKET))
}

/// One connection to rgmd.
#[derive(Debug)]
pub struct Rgm {
    stream: UnixStream,
    path: PathBuf,
}

impl Rgm {
    /// Connects to the socket of `$RGM_SOCKET`; `who` names the program in rgmd's log.
    pub fn connect(who: &str) -> Result<Rgm, RgmError> {
        Rgm::connect_to(&socket_path(), who)
    }

    pub fn connect_to(path: &Path, who: &str) -> Result<Rgm, RgmError> {
        let unreachable = |reason: String| RgmError::Unreachable {
            path: path.display().to_string(),
            reason,
        };
        let mut stream = UnixStream::connect(path).map_err(|e| unreachable(e.to_string()))?;
        rgm_proto::write_frame(&mut stream, &Hello::new(who))
            .map_err(|e| unreachable(e.to_string()))?;
        match rgm_proto::read_frame::<HelloReply>(&mut stream)
            .map_err(|e| unreachable(e.to_string()))?
        {
            HelloReply::Welcome { .. } => Ok(Rgm {
                stream,
                path: path.to_path_buf(),
            }),
            HelloReply::Unsupported { message, .. } | HelloReply::Refused { message, .. } => {
                Err(unreachable(message))
            }
        }
    }

    fn call(&mut self, request: &Request) -> Result<Response, RgmError> {
        let unreachable = |reason: String| RgmError::Unreachable {
            path: self.path.display().to_string(),
            reason,
        };
        rgm_proto::write_frame(&mut self.stream, request)
            .map_err(|e| unreachable(e.to_string()))?;
        let response: Response =
            rgm_proto::read_frame(&mut self.stream).map_err(|e| unreachable(e.to_string()))?;
        match response {
            Response::Refused { code, messages } => Err(RgmError::Refused { code, messages }),
            other => Ok(other),
        }
    }

    /// The whole configuration and every state.
    pub fn view(&mut self) -> Result<ClusterView, RgmError> {
        self.query(Query::View)
    }

    /// The part of the view a resource's methods need: the resource, its group, the types.
    pub fn resource_view(&mut self, resource: &str) -> Result<ClusterView, RgmError> {
        self.query(Query::Scoped(ViewScope::resource(resource)))
    }

    /// The types and the resources of one type (VALIDATE, before its resource may exist).
    pub fn type_view(&mut self, rtype: &str) -> Result<ClusterView, RgmError> {
        self.query(Query::Scoped(ViewScope::rtype(rtype)))
    }

    fn query(&mut self, query: Query) -> Result<ClusterView, RgmError> {
        match self.call(&Request::Query(query))? {
            Response::View(view) => Ok(*view),
            _ => Err(RgmError::Unreachable {
                path: self.path.display().to_string(),
                reason: "answered a query with something else than a view".into(),
            }),
        }
    }

    /// `scha_control -O tag -G group -R resource` on this node. Returns once rgmd has carried
    /// it out (a monitor asking for its own restart may be stopped before that).
    pub fn control(
        &mut self,
        tag: ControlTag,
        group: &str,
        resource: &str,
    ) -> Result<(), RgmError> {
        self.call(&Request::Control {
            tag,
            group: group.to_string(),
            resource: resource.to_string(),
        })
        .map(|_| ())
    }

    /// Runs one of this node's event scripts' events (`takeip IFACE IP MASKBITS`, ...) and
    /// waits for its report (docs/events.md).
    pub fn event(
        &mut self,
        event: &str,
        args: &[String],
    ) -> Result<rgm_proto::events::EventReport, RgmError> {
        let request = Request::Events(rgm_proto::EventsRequest::Run {
            event: event.to_string(),
            args: args.to_vec(),
            timeout: None,
        });
        match self.call(&request)? {
            Response::Events(rgm_proto::EventsResponse::Ran(report)) => Ok(report),
            _ => Err(RgmError::Unreachable {
                path: self.path.display().to_string(),
                reason: "answered an event request with something else than its report".into(),
            }),
        }
    }

    /// `scha_resource_setstatus -s status [-m message]` on this node.
    pub fn set_status(
        &mut self,
        group: &str,
        resource: &str,
        status: Status,
        message: &str,
    ) -> Result<(), RgmError> {
        self.call(&Request::SetStatus {
            resource: resource.to_string(),
            group: group.to_string(),
            status,
            message: (!message.is_empty()).then(|| message.to_string()),
        })
        .map(|_| ())
    }
}
