//! The socket: one task per connection reads the handshake and requests, checks who is asking
//! (SO_PEERCRED), and hands each request to the event loop, whose answer it writes back.
//! A malformed, oversized or truncated frame gets an error and the connection is closed; it
//! never reaches the engine.
//!
//! What a client may cost is bounded (docs/commands.md, "Limits"): at most `--max-clients`
//! connections at once, a quarter of them for any one user other than root and rgmd's own; the
//! handshake must arrive within `--handshake-timeout` and each request within `--idle-timeout`
//! of the last answer; a request is at most [`MAX_REQUEST`] bytes, and those over
//! [`SMALL_REQUEST`] are read only while all of them together fit [`LARGE_REQUESTS_BUDGET`].
//! Every message line sent back has its control characters escaped and is cut to
//! [`MAX_MESSAGE_LINE`](rgm_proto::limits::MAX_MESSAGE_LINE); an answer too large for a frame is replaced by a refusal saying so.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc::UnboundedSender, oneshot};
use tokio::time::timeout;

use rgm_core::ErrorCode;
use rgm_proto::frame::body_len_within;
use rgm_proto::frame::nonblocking::{read_body, read_header, write_frame};
use rgm_proto::limits::{LARGE_REQUESTS_BUDGET, MAX_REQUEST, SMALL_REQUEST};
use rgm_proto::text::{escape_controls, tidy_lines};
use rgm_proto::{
    FrameError, Hello, HelloReply, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, Progress, Request,
    Response, decode,
};

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
        if self.privileged(uid) {
            return true;
        }
        let Some(admin) = self.admin_gid else {
            return false;
        };
        gid == admin || supplementary_groups(pid).contains(&admin)
    }

    /// Root and rgmd's own user: never held to the per-user connection limit.
    fn privileged(&self, uid: u32) -> bool {
        uid == 0 || uid == self.own_uid
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

/// What a client may cost.
#[derive(Debug, Clone)]
pub struct ClientLimits {
    /// Connections served at once; a user other than root and rgmd's own gets a quarter.
    pub max_clients: usize,
    /// From accepting a connection to having its whole handshake.
    pub handshake_timeout: Duration,
    /// From an answer (or the welcome) to having the whole next request.
    pub idle_timeout: Duration,
}

impl ClientLimits {
    fn per_user(&self) -> usize {
        (self.max_clients / 4).max(1)
    }
}

impl From<&crate::options::Options> for ClientLimits {
    fn from(o: &crate::options::Options) -> ClientLimits {
        ClientLimits {
            max_clients: o.max_clients.max(1),
            handshake_timeout: Duration::from_secs(o.handshake_timeout.max(1)),
            idle_timeout: Duration::from_secs(o.idle_timeout.max(1)),
        }
    }
}

/// What every connection task shares.
struct Shared {
    events: UnboundedSender<LoopEvent>,
    policy: Arc<AccessPolicy>,
    id: Arc<Identity>,
    limits: ClientLimits,
    /// Connections open: in all, and per uid.
    open: Mutex<(usize, HashMap<u32, usize>)>,
    /// Bytes of large requests being read.
    large: AtomicUsize,
}

/// A connection's place among the open ones; given back when dropped.
struct Slot {
    shared: Arc<Shared>,
    uid: u32,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.shared.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 -= 1;
        if let Some(n) = open.1.get_mut(&self.uid) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.uid);
            }
        }
    }
}

/// Room taken in the large-request budget; given back when dropped.
struct Room<'a> {
    large: &'a AtomicUsize,
    bytes: usize,
}

impl Drop for Room<'_> {
    fn drop(&mut self) {
        self.large.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

impl Shared {
    /// A slot for a new connection of `uid`, or why there is none.
    fn admit(self: &Arc<Self>, uid: u32) -> Result<Slot, String> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let max = self.limits.max_clients;
        if open.0 >= max {
            return Err(format!(
                "rgmd is serving its limit of {max} connections; try again"
            ));
        }
        let mine = open.1.get(&uid).copied().unwrap_or(0);
        let per_user = self.limits.per_user();
        if !self.policy.privileged(uid) && mine >= per_user {
            return Err(format!(
                "user {uid} has {mine} connections to rgmd open, the limit for one user; close some"
            ));
        }
        open.0 += 1;
        *open.1.entry(uid).or_default() += 1;
        Ok(Slot {
            shared: Arc::clone(self),
            uid,
        })
    }

    /// Room for a large request of `bytes`, if the budget has it now.
    fn room(&self, bytes: usize) -> Option<Room<'_>> {
        self.large
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                (used + bytes <= LARGE_REQUESTS_BUDGET).then_some(used + bytes)
            })
            .ok()
            .map(|_| Room {
                large: &self.large,
                bytes,
            })
    }
}

pub async fn serve(
    listener: UnixListener,
    events: UnboundedSender<LoopEvent>,
    policy: Arc<AccessPolicy>,
    id: Arc<Identity>,
    limits: ClientLimits,
) {
    let shared = Arc::new(Shared {
        events,
        policy,
        id,
        limits,
        open: Mutex::new((0, HashMap::new())),
        large: AtomicUsize::new(0),
    });
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let (uid, gid, pid) = match stream.peer_cred() {
                    Ok(c) => (c.uid(), c.gid(), c.pid().unwrap_or(0)),
                    Err(e) => {
                        tracing::warn!("cannot learn who is connecting: {e}");
                        continue;
                    }
                };
                match shared.admit(uid) {
                    Ok(slot) => {
                        tokio::spawn(connection(stream, (uid, gid, pid), slot));
                    }
                    Err(why) => {
                        tracing::warn!(uid, pid, "connection refused: {why}");
                        refuse_at_once(&stream, why);
                    }
                }
            }
            Err(e) => {
                tracing::error!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Tells a connection it will not be served, without waiting on it: the reply fits the
/// socket's empty buffer, and the client reads it after its handshake.
fn refuse_at_once(stream: &UnixStream, message: String) {
    let reply = HelloReply::Refused {
        code: ErrorCode::Internal,
        message,
    };
    if let Ok(frame) = rgm_proto::encode(&reply) {
        let _ = stream.try_write(&frame);
    }
}

async fn connection(mut stream: UnixStream, (uid, gid, pid): (u32, u32, i32), slot: Slot) {
    let shared = Arc::clone(&slot.shared);
    let limits = &shared.limits;
    let hello: Hello = match timeout(
        limits.handshake_timeout,
        read_request(&mut stream, &shared, SMALL_REQUEST),
    )
    .await
    {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return refuse_and_close(&mut stream, &e).await,
        Err(_) => {
            tracing::debug!(uid, pid, "no handshake in time; closing");
            return;
        }
    };
    if !(OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&hello.version) {
        let reply = HelloReply::Unsupported {
            supported: PROTOCOL_VERSION,
            message: format!(
                "{} speaks protocol version {}, this rgmd speaks version {PROTOCOL_VERSION}",
                escape_controls(&hello.client),
                hello.version
            ),
        };
        let _ = write_frame(&mut stream, &reply).await;
        return;
    }
    // A version-1 client never asked for progress; the answer speaks its version.
    let wants_progress = hello.progress && hello.version >= 2;
    let welcome = HelloReply::Welcome {
        version: hello.version,
        cluster: shared.id.cluster.clone(),
        node: shared.id.node.clone(),
    };
    if write_frame(&mut stream, &welcome).await.is_err() {
        return;
    }
    tracing::debug!(client = %escape_controls(&hello.client), uid, pid, "connected");
    loop {
        let request: Request = match timeout(
            limits.idle_timeout,
            read_request(&mut stream, &shared, MAX_REQUEST),
        )
        .await
        {
            Ok(Ok(r)) => r,
            Ok(Err(FrameError::Closed)) => return,
            Ok(Err(e)) => return refuse_and_close(&mut stream, &e).await,
            Err(_) => {
                tracing::debug!(uid, pid, "no request in time; closing");
                return;
            }
        };
        let response = if request.is_change() && !shared.policy.may_change(uid, gid, pid) {
            Response::refused(ErrorCode::Access, shared.policy.refusal(uid))
        } else {
            let (tx, rx) = oneshot::channel();
            let (progress, reports) = match wants_progress && request.is_change() {
                true => {
                    let (p, r) = tokio::sync::mpsc::channel(crate::watch::PROGRESS_QUEUE);
                    (Some(p), Some(r))
                }
                false => (None, None),
            };
            let event = LoopEvent::Client {
                request,
                reply: tx,
                progress,
            };
            if shared.events.send(event).is_err() {
                Response::refused(ErrorCode::Internal, "rgmd is shutting down")
            } else {
                match answer_with_progress(&mut stream, rx, reports).await {
                    Ok(response) => response,
                    Err(_) => return,
                }
            }
        };
        if send(&mut stream, response).await.is_err() {
            return;
        }
    }
}

/// Waits for a request's answer, writing its progress reports (if the client asked) as they
/// come; a report that is already queued when the answer comes is still written first. `Err`:
/// the client is gone.
async fn answer_with_progress(
    stream: &mut UnixStream,
    rx: oneshot::Receiver<Response>,
    reports: Option<tokio::sync::mpsc::Receiver<Progress>>,
) -> Result<Response, FrameError> {
    let gone = || Response::refused(ErrorCode::Internal, "rgmd is shutting down");
    let Some(mut reports) = reports else {
        return Ok(rx.await.unwrap_or_else(|_| gone()));
    };
    tokio::pin!(rx);
    loop {
        tokio::select! {
            biased;
            report = reports.recv() => match report {
                Some(report) => write_frame(stream, &Response::Progress(report.bounded())).await?,
                // The loop dropped the sender: only the answer is left.
                None => return Ok(rx.await.unwrap_or_else(|_| gone())),
            },
            answer = &mut rx => {
                while let Ok(report) = reports.try_recv() {
                    write_frame(stream, &Response::Progress(report.bounded())).await?;
                }
                return Ok(answer.unwrap_or_else(|_| gone()));
            }
        }
    }
}

/// One message of at most `limit` bytes; a large one only if the budget has room for it.
async fn read_request<T: serde::de::DeserializeOwned>(
    stream: &mut UnixStream,
    shared: &Shared,
    limit: usize,
) -> Result<T, FrameError> {
    let len = body_len_within(read_header(stream).await?, limit)?;
    let _room = match len > SMALL_REQUEST {
        true => Some(shared.room(len).ok_or(FrameError::NoRoom {
            size: len,
            budget: LARGE_REQUESTS_BUDGET,
        })?),
        false => None,
    };
    let body = read_body(stream, len).await?;
    decode(&body)
}

/// Writes an answer, its message lines made safe to show; an answer too large for a frame is
/// replaced by a refusal that says so.
async fn send(stream: &mut UnixStream, response: Response) -> Result<(), FrameError> {
    let response = tidy(response);
    match rgm_proto::encode(&response) {
        Ok(frame) => {
            use tokio::io::AsyncWriteExt;
            stream.write_all(&frame).await?;
            Ok(stream.flush().await?)
        }
        Err(FrameError::TooLarge { size, limit }) => {
            tracing::error!("an answer of {size} bytes is over the frame limit of {limit}");
            let refusal = Response::refused(
                ErrorCode::Internal,
                format!(
                    "the answer is {size} bytes, larger than the protocol's limit of {limit} \
                     bytes; the configuration is too large to send"
                ),
            );
            write_frame(stream, &refusal).await
        }
        Err(e) => Err(e),
    }
}

/// The answer with its message lines escaped, cut and bounded
/// ([`rgm_proto::text::tidy_lines`]).
pub fn tidy(response: Response) -> Response {
    match response {
        Response::Done { messages } => Response::Done {
            messages: tidy_lines(messages),
        },
        Response::Refused { code, messages } => Response::Refused {
            code,
            messages: tidy_lines(messages),
        },
        other => other,
    }
}

async fn refuse_and_close(stream: &mut UnixStream, e: &FrameError) {
    if matches!(e, FrameError::Closed) {
        return;
    }
    tracing::warn!("bad frame from a client: {e}");
    let refusal = match e {
        FrameError::NoRoom { .. } => Response::refused(ErrorCode::Internal, e.to_string()),
        _ => Response::refused(ErrorCode::Inval, format!("bad request: {e}")),
    };
    let _ = write_frame(stream, &refusal).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_proto::limits::{MAX_MESSAGE_LINE, MAX_MESSAGES};

    fn shared(max_clients: usize) -> Arc<Shared> {
        let (events, _) = tokio::sync::mpsc::unbounded_channel();
        Arc::new(Shared {
            events,
            policy: Arc::new(AccessPolicy {
                own_uid: 999,
                admin_gid: None,
                admin_group_name: None,
            }),
            id: Arc::new(Identity {
                cluster: "c".into(),
                node: "n1".into(),
            }),
            limits: ClientLimits {
                max_clients,
                handshake_timeout: Duration::from_secs(1),
                idle_timeout: Duration::from_secs(1),
            },
            open: Mutex::new((0, HashMap::new())),
            large: AtomicUsize::new(0),
        })
    }

    #[test]
    fn one_user_gets_a_quarter_of_the_connections_root_and_rgmd_all() {
        let s = shared(8);
        let mine: Vec<Slot> = (0..2).map(|_| s.admit(1000).unwrap()).collect();
        assert_eq!(
            s.admit(1000).err().unwrap(),
            "user 1000 has 2 connections to rgmd open, the limit for one user; close some"
        );
        let others: Vec<Slot> = (0..2).map(|_| s.admit(1001).unwrap()).collect();
        let privileged: Vec<Slot> = [0, 0, 999, 999].map(|uid| s.admit(uid).unwrap()).into();
        assert_eq!(
            s.admit(0).err().unwrap(),
            "rgmd is serving its limit of 8 connections; try again"
        );
        drop(mine);
        assert!(s.admit(1000).is_ok());
        drop((others, privileged));
        assert_eq!(s.open.lock().unwrap().0, 0, "every place given back");
    }

    #[test]
    fn the_budget_for_large_requests_is_shared_and_given_back() {
        let s = shared(8);
        let a = s.room(LARGE_REQUESTS_BUDGET - 10).expect("room");
        assert!(s.room(11).is_none());
        let b = s.room(10).expect("exactly full");
        drop(a);
        assert!(s.room(LARGE_REQUESTS_BUDGET - 10).is_some());
        drop(b);
        assert_eq!(s.large.load(Ordering::Acquire), 0);
    }

    #[test]
    fn answers_are_made_safe_and_bounded() {
        let r = tidy(Response::Refused {
            code: ErrorCode::Rg,
            messages: vec![
                "resource group \u{1b}[31mx: does not exist".into(),
                "v".repeat(MAX_MESSAGE_LINE + 10),
            ],
        });
        let Response::Refused { messages, .. } = r else {
            panic!("{r:?}")
        };
        assert_eq!(messages[0], "resource group \\u{1b}[31mx: does not exist");
        assert!(messages[1].ends_with("... (10 more bytes not shown)"));
        let many = vec!["m".repeat(1000); 5000];
        let Response::Done { messages } = tidy(Response::Done { messages: many }) else {
            panic!()
        };
        let shown = messages.len() - 1;
        assert_eq!(
            messages.last().unwrap(),
            &format!("... and {} more lines not shown", 5000 - shown)
        );
        assert!(messages.iter().map(String::len).sum::<usize>() <= MAX_MESSAGES + 100);
    }
}
