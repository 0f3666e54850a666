//! The connection to rgmd: the socket path (`--socket`, else `RGM_SOCKET`, else
//! [`DEFAULT_SOCKET`]), the handshake, and one request with its response per call.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use rgm_core::engine::AdminRequest;
use rgm_proto::SOCKET_ENV;
use rgm_proto::text::escape_controls;
use rgm_proto::{
    ClusterView, DEFAULT_SOCKET, FrameError, Hello, HelloReply, Progress, Query, Request, Response,
    read_frame, socket_from_env, write_frame,
};

use crate::failure::Failure;

/// Where rgmd listens: the `--socket` option, else `$RGM_SOCKET`, else the default path.
pub fn socket_path(option: Option<&Path>) -> PathBuf {
    if let Some(p) = option {
        return p.to_path_buf();
    }
    socket_from_env().unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET))
}

/// An open, greeted connection to rgmd.
#[derive(Debug)]
pub struct Client {
    stream: UnixStream,
    path: PathBuf,
    /// The cluster and node of the daemon that answered.
    pub cluster: String,
    pub node: String,
}

impl Client {
    /// Connects and shakes hands; `client` names the command in the daemon's log.
    pub fn connect(path: &Path, client: &str) -> Result<Client, Failure> {
        Client::connect_with(path, Hello::new(client))
    }

    /// [`Client::connect`] with a handshake of the caller's (one that asks for progress).
    pub fn connect_with(path: &Path, hello: Hello) -> Result<Client, Failure> {
        let mut stream = UnixStream::connect(path).map_err(|e| unreachable(path, &e))?;
        let broken = |e: FrameError| {
            Failure::internal(format!("rgmd at {}: handshake failed: {e}", path.display()))
        };
        // A daemon that refuses the connection says why and closes without reading: its
        // answer is there to read even when the handshake cannot be written.
        let sent = write_frame(&mut stream, &hello);
        let reply = read_frame::<HelloReply>(&mut stream);
        let reply = match (sent, reply) {
            (Err(e), Err(_)) => return Err(broken(e)),
            (_, reply) => reply.map_err(broken)?,
        };
        match reply {
            HelloReply::Welcome { cluster, node, .. } => Ok(Client {
                stream,
                path: path.to_path_buf(),
                cluster,
                node,
            }),
            HelloReply::Unsupported { supported, message } => Err(Failure::internal(format!(
                "rgmd at {} speaks protocol version {supported}, not {}: {message}",
                path.display(),
                rgm_proto::PROTOCOL_VERSION
            ))),
            HelloReply::Refused { code, message } => Err(Failure::new(
                code,
                format!("rgmd at {}: {message}", path.display()),
            )),
        }
    }

    /// Sends one request and reads its response.
    pub fn call(&mut self, request: &Request) -> Result<Response, Failure> {
        self.call_with(request, &mut |_| {})
    }

    /// Sends one request and reads its response, handing each progress report that comes
    /// before it (when the handshake asked for them) to `progress`.
    pub fn call_with(
        &mut self,
        request: &Request,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Response, Failure> {
        let path = self.path.display().to_string();
        write_frame(&mut self.stream, request)
            .map_err(|e| Failure::internal(format!("rgmd at {path}: cannot send: {e}")))?;
        loop {
            match read_frame(&mut self.stream)
                .map_err(|e| Failure::internal(format!("rgmd at {path}: no answer: {e}")))?
            {
                Response::Progress(report) => progress(&report),
                answer => return Ok(answer),
            }
        }
    }

    /// The whole cluster view.
    pub fn view(&mut self) -> Result<ClusterView, Failure> {
        self.query(Query::View)
    }

    /// The view of only the objects `scope` names (and what answering about them needs).
    pub fn view_scoped(&mut self, scope: rgm_proto::ViewScope) -> Result<ClusterView, Failure> {
        self.query(Query::Scoped(scope))
    }

    /// What a change would do (`--dry-run`): nothing is run or changed.
    pub fn plan(&mut self, request: AdminRequest) -> Result<rgm_core::engine::Plan, Failure> {
        match self.call(&Request::DryRun(request))? {
            Response::Plan(plan) => Ok(*plan),
            Response::Refused { code, messages } => Err(Failure {
                code,
                lines: messages,
            }),
            other => Err(unexpected(&other)),
        }
    }

    /// Why the groups named (every group when empty) are not where they should be.
    pub fn why_not(
        &mut self,
        groups: Vec<String>,
    ) -> Result<Vec<rgm_core::engine::GroupWhyNot>, Failure> {
        match self.call(&Request::Query(Query::WhyNot(groups)))? {
            Response::WhyNot(list) => Ok(list),
            Response::Refused { code, messages } => Err(Failure {
                code,
                lines: messages,
            }),
            other => Err(unexpected(&other)),
        }
    }

    fn query(&mut self, query: Query) -> Result<ClusterView, Failure> {
        match self.call(&Request::Query(query))? {
            Response::View(view) => Ok(*view),
            Response::Refused { code, messages } => Err(Failure {
                code,
                lines: messages,
            }),
            other => Err(unexpected(&other)),
        }
    }

    /// Sends a change and waits for its outcome: the daemon's notes when it is done, or the
    /// refusal as a [`Failure`] with the daemon's code and lines.
    pub fn change(&mut self, request: &Request) -> Result<Vec<String>, Failure> {
        self.change_with(request, &mut |_| {})
    }

    /// [`Client::change`], handing progress reports to `progress` while it waits.
    pub fn change_with(
        &mut self,
        request: &Request,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Vec<String>, Failure> {
        match self.call_with(request, progress)? {
            Response::Done { messages } => Ok(messages
                .iter()
                .map(|m| escape_controls(m).into_owned())
                .collect()),
            Response::Refused { code, messages } => Err(Failure {
                code,
                lines: messages,
            }),
            other => Err(unexpected(&other)),
        }
    }

    /// [`Client::change`] for an administrator's request.
    pub fn admin(&mut self, request: AdminRequest) -> Result<Vec<String>, Failure> {
        self.change(&Request::Admin(request))
    }
}

/// Why rgmd cannot be reached at `path`: permission denied (`SCHA_ERR_ACCESS`) when the socket
/// or its directory keeps this user out, else that nothing answers there.
fn unreachable(path: &Path, e: &std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        return Failure::new(
            rgm_core::ErrorCode::Access,
            format!(
                "permission denied: cannot connect to rgmd at {}: the socket or its directory \
                 does not let this user in",
                path.display()
            ),
        );
    }
    Failure::internal(format!(
        "cannot reach rgmd at {}: {} (is rgmd running? --socket or {SOCKET_ENV} names another socket)",
        path.display(),
        io_reason(e)
    ))
}

fn unexpected(response: &Response) -> Failure {
    let kind = match response {
        Response::Done { .. } => "done",
        Response::Refused { .. } => "refused",
        Response::View(_) => "view",
        Response::LogLocation { .. } => "log location",
        Response::Events(_) => "events",
        Response::WhyNot(_) => "why not",
        Response::Plan(_) => "plan",
        Response::Progress(_) => "progress",
    };
    Failure::internal(format!(
        "rgmd answered with an unexpected `{kind}` response"
    ))
}

/// The system's words for an I/O error, without Rust's ` (os error N)` suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
