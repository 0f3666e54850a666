//! The protocol between rgm's commands and rgmd, over a Unix socket.
//!
//! Every message is a frame: a 4-byte big-endian length, then that many bytes of JSON. A frame
//! larger than [`MAX_FRAME`] is refused before it is read; [`limits`] has every size limit. A connection begins with the client's
//! [`Hello`] and the daemon's [`HelloReply`]; a daemon that does not speak the client's version
//! says so and closes. Then the client sends [`Request`]s and reads one [`Response`] each.
//! While a change is under way, a client that asked for it in its `Hello` (version 2) gets
//! [`Response::Progress`] frames before the answer ([`progress`]).
//! The command side and the daemon side mirror each other: one `Request` variant, one handler.

pub mod events;
pub mod frame;
pub mod limits;
pub mod message;
pub mod progress;
pub mod text;
pub mod view;

pub use events::{EventsRequest, EventsResponse};
pub use frame::{FrameError, MAX_FRAME, decode, encode, read_frame, write_frame};
pub use message::{
    Hello, HelloReply, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, Query, Request, Response,
};
pub use progress::{MethodStep, Progress};
pub use view::{ClusterView, GroupView, NodeView, ResourceNodeView, ResourceView, ViewScope};

/// The socket path when neither `--socket` nor `RGM_SOCKET` says otherwise.
pub const DEFAULT_SOCKET: &str = "/run/rgm/rgmd.sock";

/// The environment variable naming the socket when `--socket` is not given; rgmd sets it for
/// the methods it runs, so their `scha_*` commands reach it.
pub const SOCKET_ENV: &str = "RGM_SOCKET";

/// The socket `RGM_SOCKET` names, if it is set and not empty.
pub fn socket_from_env() -> Option<std::path::PathBuf> {
    std::env::var_os(SOCKET_ENV)
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
}
