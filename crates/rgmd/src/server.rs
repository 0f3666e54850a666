//! The socket: one task per connection reads the handshake and requests, checks who is asking
//! (SO_PEERCRED), and hands each request to the event loop, whose answer it writes back.
//! A malformed, oversized or truncated frame gets an error and the connection is closed; it
//! never reaches the engine.

use std::sync::Arc;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc::UnboundedSender, oneshot};

use rgm_core::ErrorCode;
use rgm_proto::frame::nonblocking::{read_frame, write_frame};
use rgm_proto::{FrameError, Hello, HelloReply, PROTOCOL_VERSION, Request, Response};

use crate::event_loop::LoopEvent;

/// Who may change things: root, rgmd's own user, members of the admin group.
#[derive(Debug, Clone)]
pub struct AccessPolicy {
    pub own_uid: u32,
    pub admin_gid: Option<u32>,
    pub admin_group_name: Option<String>,
}

impl AccessPolicy {
    fn may_change(&self, uid: u32, gid: u32, pid: i32) -> bool {
        if uid == 0 || uid == self.own_uid {
            return true;
        }
        let Some(admin) = self.admin_gid else {
            return false;
        };
        gid == admin || supplementary_groups(pid).contains(&admin)
    }

    fn refusal(&self, uid: u32) -> String {
        match &self.admin_group_name {
            Some(g) => format!(
                "permission denied: user {uid} may read but not change; root and members of group {g} may"
            ),
            None => format!("permission denied: user {uid} may read but not change; only root may"),
        }
    }
}

/// The supplementary groups of a process, from /proc.
fn supplementary_groups(pid: i32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Groups:")).map(|l| {
                l["Groups:".len()..]
                    .split_whitespace()
                    .filter_map(|g| g.parse().ok())
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// What the handshake tells clients.
#[derive(Debug, Clone)]
pub struct Identity {
    pub cluster: String,
    pub node: String,
}

pub async fn serve(
    listener: UnixListener,
    events: UnboundedSender<LoopEvent>,
    policy: Arc<AccessPolicy>,
    id: Arc<Identity>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let (events, policy, id) = (events.clone(), Arc::clone(&policy), Arc::clone(&id));
                tokio::spawn(async move { connection(stream, events, policy, id).await });
            }
            Err(e) => {
                tracing::error!("accepting a connection failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn connection(
    mut stream: UnixStream,
    events: UnboundedSender<LoopEvent>,
    policy: Arc<AccessPolicy>,
    id: Arc<Identity>,
) {
    let (uid, gid, pid) = match stream.peer_cred() {
        Ok(c) => (c.uid(), c.gid(), c.pid().unwrap_or(0)),
        Err(e) => {
            tracing::warn!("cannot learn who is connecting: {e}");
            return;
        }
    };
    let hello: Hello = match read_frame(&mut stream).await {
        Ok(h) => h,
        Err(e) => {
            refuse_and_close(&mut stream, &e).await;
            return;
        }
    };
    if hello.version != PROTOCOL_VERSION {
        let reply = HelloReply::Unsupported {
            supported: PROTOCOL_VERSION,
            message: format!(
                "{} speaks protocol version {}, this rgmd speaks version {PROTOCOL_VERSION}",
                hello.client, hello.version
            ),
        };
        let _ = write_frame(&mut stream, &reply).await;
        return;
    }
    let welcome = HelloReply::Welcome {
        version: PROTOCOL_VERSION,
        cluster: id.cluster.clone(),
        node: id.node.clone(),
    };
    if write_frame(&mut stream, &welcome).await.is_err() {
        return;
    }
    tracing::debug!(client = %hello.client, uid, pid, "connected");
    loop {
        let request: Request = match read_frame(&mut stream).await {
            Ok(r) => r,
            Err(FrameError::Closed) => return,
            Err(e) => {
                refuse_and_close(&mut stream, &e).await;
                return;
            }
        };
        let response = if request.is_change() && !policy.may_change(uid, gid, pid) {
            Response::refused(ErrorCode::Access, policy.refusal(uid))
        } else {
            let (tx, rx) = oneshot::channel();
            if events
                .send(LoopEvent::Client { request, reply: tx })
                .is_err()
            {
                Response::refused(ErrorCode::Internal, "rgmd is shutting down")
            } else {
                rx.await.unwrap_or_else(|_| {
                    Response::refused(ErrorCode::Internal, "rgmd is shutting down")
                })
            }
        };
        if write_frame(&mut stream, &response).await.is_err() {
            return;
        }
    }
}

async fn refuse_and_close(stream: &mut UnixStream, e: &FrameError) {
    if matches!(e, FrameError::Closed) {
        return;
    }
    tracing::warn!("bad frame from a client: {e}");
    let _ = write_frame(
        stream,
        &Response::refused(ErrorCode::Inval, format!("bad request: {e}")),
    )
    .await;
}
