//! The protocol's size limits, and the bound that keeps every view under them.
//!
//! Every frame, either way, is at most [`MAX_FRAME`]. rgmd reads a request of at most
//! [`MAX_REQUEST`]; requests up to [`SMALL_REQUEST`] are always read (the number of connections
//! bounds them), larger ones only while all the large requests being read at once stay within
//! [`LARGE_REQUESTS_BUDGET`]. A change that would make the view — the whole configuration with
//! every state, the largest reply — larger than [`MAX_FRAME`] is refused: [`view_bound`] is an
//! upper bound of the view's size that changes of state alone (a group going online, a
//! resource disabled on a node, a counter growing) can never exceed, so only changes of
//! configuration and status messages need checking.

use serde::Serialize;

use rgm_core::ClusterConfig;
use rgm_core::engine::Engine;

/// The largest frame either side accepts: 64 MiB (a full view of 10,000 resources is a few MiB).
pub const MAX_FRAME: usize = 64 << 20;

/// The largest request rgmd reads: 16 MiB.
pub const MAX_REQUEST: usize = 16 << 20;

/// Requests up to this size are read without drawing on [`LARGE_REQUESTS_BUDGET`].
pub const SMALL_REQUEST: usize = 64 << 10;

/// How many bytes of requests larger than [`SMALL_REQUEST`] rgmd reads at once, over all its
/// connections; a large request that does not fit is refused at once, not queued.
pub const LARGE_REQUESTS_BUDGET: usize = 64 << 20;

/// The longest status message (`scha_resource_setstatus -m`), in bytes, as any string value;
/// a longer one is cut to it.
pub const MAX_STATUS_MSG: usize = 64 << 10;

/// The longest line of a reply's messages rgmd sends; longer ones are cut, saying so.
pub const MAX_MESSAGE_LINE: usize = 8 << 10;

/// The most bytes of message lines in one reply; the lines past it are counted, not sent.
pub const MAX_MESSAGES: usize = 1 << 20;

// The limits fit inside one another (checked when compiling).
const _: () = assert!(SMALL_REQUEST < MAX_REQUEST && MAX_REQUEST <= MAX_FRAME);
const _: () = assert!(MAX_MESSAGES + MAX_MESSAGE_LINE < MAX_FRAME);

/// The length of a value's compact JSON form, as it travels in a frame.
pub fn json_len<T: Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        // Only maps with non-string keys fail, and the protocol has none.
        Err(_) => usize::MAX,
    }
}

/// The longest JSON form of any resource state, group state or status (all are short words;
/// `"pending_online_blocked"` is the longest today). A test checks every variant fits.
pub const MAX_STATE_JSON: usize = 32;

/// The longest JSON form of an `i64` (`-9223372036854775808`).
const MAX_INT_JSON: usize = 20;

/// An upper bound of the size of the body of the frame that carries the view
/// (`Response::View`) of `config`, answered by the daemon of `daemon_node`, with `status_msgs`
/// the bytes the status messages add ([`status_msg_bytes`]). It holds whatever the states,
/// restart counters, `On_off_switch` and `Monitored_switch` per node, managed and suspended
/// flags are: those change without a check.
pub fn view_bound(config: &ClusterConfig, daemon_node: &str, status_msgs: usize) -> usize {
    let states = StateBound::of(config);
    // {"response":"view","body":{"cluster":C,"node":N,"config":...,"nodes":[...],
    //  "groups":{...},"resources":{...}}}
    let mut total = 100 + 2 * json_len(&config.cluster_name) + json_len(daemon_node);
    total += json_len(config);
    // Each node: {"name":N,"id":ID,"up":false},
    total += config
        .nodes
        .keys()
        .map(|name| json_len(name) + 30 + MAX_INT_JSON)
        .sum::<usize>();
    total += config.groups.keys().map(|g| states.group(g)).sum::<usize>();
    total += config
        .resources
        .keys()
        .map(|r| states.resource(r))
        .sum::<usize>();
    total + status_msgs
}

/// What each group and resource adds to the view beyond its configuration: its states on
/// every node, and the room the unchecked changes of its flags and switches may take.
#[derive(Debug, Clone, Copy)]
pub struct StateBound {
    /// `"n":` and a comma, for every node.
    node_keys: usize,
    nodes: usize,
}

impl StateBound {
    pub fn of(config: &ClusterConfig) -> StateBound {
        StateBound {
            node_keys: config.nodes.keys().map(|n| json_len(n) + 2).sum(),
            nodes: config.nodes.len(),
        }
    }

    /// A group named `name`: `"g":{"states":{"n":STATE,...},"primaries":["n",...],
    /// "wanted":false},`, and its managed flag and Suspend_automatic_recovery set.
    pub fn group(&self, name: &str) -> usize {
        json_len(name) + 50 + 2 * self.node_keys + self.nodes * MAX_STATE_JSON + 60
    }

    /// A resource named `name`: `"r":{"nodes":{"n":{"state":S,"status":S,"status_msg":"",
    /// "restarts":I,"rg_restarts":I},...}},`, and its two switches at their largest
    /// (`{"all":false,"nodes":{"n":false,...}}`).
    pub fn resource(&self, name: &str) -> usize {
        let switches = 2 * (30 + self.node_keys + 6 * self.nodes);
        json_len(name) + 20 + self.node_keys + self.nodes * RESOURCE_ENTRY + switches
    }
}

/// A resource's state on one node: `{"state":S,"status":S,"status_msg":"","restarts":I,
/// "rg_restarts":I}`.
const RESOURCE_ENTRY: usize = 70 + 2 * MAX_STATE_JSON + 2 * MAX_INT_JSON;

/// What a new node named `name` adds to the view of `config`: its entries in the node list and
/// the configuration, and its key in every group's and resource's states and switches.
pub fn node_growth(config: &ClusterConfig, name: &str) -> usize {
    let key = json_len(name) + 2;
    let node = 2 * (json_len(name) + 40 + MAX_INT_JSON);
    let per_group = 2 * key + MAX_STATE_JSON;
    let per_resource = key + RESOURCE_ENTRY + 2 * (key + 6);
    node + config.groups.len() * per_group + config.resources.len() * per_resource
}

/// The bytes the status messages of an engine's resources add to its view: the JSON form of
/// each message beyond an empty one.
pub fn status_msg_bytes(engine: &Engine) -> usize {
    let cfg = engine.config();
    let names = cfg.node_names();
    cfg.resources
        .keys()
        .flat_map(|r| names.iter().map(move |n| (r, n)))
        .map(|(r, n)| {
            let (_, msg) = engine.resource_status(r, n);
            if msg.is_empty() {
                0
            } else {
                json_len(&msg) - 2
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::engine::{RState, RgState, Status};

    /// Every state and status, listed by an exhaustive match so a new variant is not missed.
    fn every_state() -> Vec<String> {
        let r = |s: RState| match s {
            RState::Offline
            | RState::PrenetStarting
            | RState::PrenetStarted
            | RState::Starting
            | RState::OnlineUnmonitored
            | RState::MonitorStarting
            | RState::Online
            | RState::MonitorFailed
            | RState::StartFailed
            | RState::MonitorStopping
            | RState::Stopping
            | RState::Stopped
            | RState::PostnetStopping
            | RState::StopFailed => serde_json::to_string(&s).unwrap(),
        };
        let g = |s: RgState| match s {
            RgState::Unmanaged
            | RgState::Offline
            | RgState::PendingOnline
            | RgState::Online
            | RgState::OnlineFaulted
            | RgState::PendingOnlineBlocked
            | RgState::PendingOffline
            | RgState::ErrorStopFailed => serde_json::to_string(&s).unwrap(),
        };
        let st = |s: Status| match s {
            Status::Ok | Status::Degraded | Status::Faulted | Status::Unknown | Status::Offline => {
                serde_json::to_string(&s).unwrap()
            }
        };
        let mut out: Vec<String> = [
            RState::Offline,
            RState::PrenetStarting,
            RState::PrenetStarted,
            RState::Starting,
            RState::OnlineUnmonitored,
            RState::MonitorStarting,
            RState::Online,
            RState::MonitorFailed,
            RState::StartFailed,
            RState::MonitorStopping,
            RState::Stopping,
            RState::Stopped,
            RState::PostnetStopping,
            RState::StopFailed,
        ]
        .into_iter()
        .map(r)
        .collect();
        out.extend(
            [
                RgState::Unmanaged,
                RgState::Offline,
                RgState::PendingOnline,
                RgState::Online,
                RgState::OnlineFaulted,
                RgState::PendingOnlineBlocked,
                RgState::PendingOffline,
                RgState::ErrorStopFailed,
            ]
            .into_iter()
            .map(g),
        );
        out.extend(
            [
                Status::Ok,
                Status::Degraded,
                Status::Faulted,
                Status::Unknown,
                Status::Offline,
            ]
            .into_iter()
            .map(st),
        );
        out
    }

    #[test]
    fn every_state_fits_the_bound_of_a_state() {
        for s in every_state() {
            assert!(s.len() <= MAX_STATE_JSON, "{s}");
        }
        assert_eq!(json_len(&i64::MIN), MAX_INT_JSON);
    }

    #[test]
    fn json_len_is_the_encoded_length() {
        let v = vec!["a\u{1}b".to_string(), "é\"".to_string()];
        assert_eq!(json_len(&v), serde_json::to_vec(&v).unwrap().len());
    }
}
