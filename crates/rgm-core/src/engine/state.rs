//! Resource and resource group states (reference §c.2, §c.4): the engine's fine-grained
//! internal states, their `R_*` / `RG_*` names in the cluster log, and the public names that
//! `scha_resource_get -O RESOURCE_STATE`, `clrs status` and `clrg status` show.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of a resource on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RState {
    /// Stopped, or never started on this node.
    #[default]
    Offline,
    /// PRENET_START is running.
    PrenetStarting,
    /// PRENET_START succeeded; START has not run yet.
    PrenetStarted,
    /// START is running.
    Starting,
    /// Started; the monitor is not running (no MONITOR_START, unmonitored, or not yet).
    OnlineUnmonitored,
    /// MONITOR_START is running.
    MonitorStarting,
    /// Started and monitored.
    Online,
    /// Started, but MONITOR_START failed.
    MonitorFailed,
    /// PRENET_START or START failed or timed out.
    StartFailed,
    /// MONITOR_STOP is running.
    MonitorStopping,
    /// STOP is running.
    Stopping,
    /// STOP succeeded; POSTNET_STOP has not run yet.
    Stopped,
    /// POSTNET_STOP is running.
    PostnetStopping,
    /// MONITOR_STOP, STOP or POSTNET_STOP failed or timed out; cleared only by the
    /// administrator.
    StopFailed,
}

impl RState {
    /// The internal name the cluster log uses (`R_ONLINE`).
    pub fn internal_name(self) -> &'static str {
        match self {
            RState::Offline => "R_OFFLINE",
            RState::PrenetStarting => "R_PRENET_STARTING",
            RState::PrenetStarted => "R_PRENET_STARTED",
            RState::Starting => "R_STARTING",
            RState::OnlineUnmonitored => "R_ONLINE_UNMON",
            RState::MonitorStarting => "R_MON_STARTING",
            RState::Online => "R_ONLINE",
            RState::MonitorFailed => "R_MON_FAILED",
            RState::StartFailed => "R_START_FAILED",
            RState::MonitorStopping => "R_MON_STOPPING",
            RState::Stopping => "R_STOPPING",
            RState::Stopped => "R_STOPPED",
            RState::PostnetStopping => "R_POSTNET_STOPPING",
            RState::StopFailed => "R_STOP_FAILED",
        }
    }

    /// The public `Resource_state` value (reference §c.2).
    pub fn public_name(self) -> &'static str {
        match self {
            RState::Offline => "OFFLINE",
            RState::PrenetStarting | RState::PrenetStarted | RState::Starting => "STARTING",
            RState::OnlineUnmonitored | RState::MonitorStarting => "ONLINE_NOT_MONITORED",
            RState::Online | RState::MonitorStopping => "ONLINE",
            RState::MonitorFailed => "MONITOR_FAILED",
            RState::StartFailed => "START_FAILED",
            RState::Stopping | RState::Stopped | RState::PostnetStopping => "STOPPING",
            RState::StopFailed => "STOP_FAILED",
        }
    }

    /// The `clrs status` spelling: the public name, capitalised (`Online_not_monitored`).
    pub fn display_name(self) -> String {
        capitalise(self.public_name())
    }

    /// START has succeeded and the resource has not begun stopping: what a dependent needs.
    pub fn is_started(self) -> bool {
        matches!(
            self,
            RState::OnlineUnmonitored
                | RState::MonitorStarting
                | RState::Online
                | RState::MonitorFailed
                | RState::MonitorStopping
        )
    }

    /// Nothing of the resource runs on the node and no start is half done.
    pub fn is_down(self) -> bool {
        matches!(self, RState::Offline | RState::StartFailed)
    }
}

impl fmt::Display for RState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.internal_name())
    }
}

/// The state of a resource group on one node (reference §c.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RgState {
    Unmanaged,
    #[default]
    Offline,
    PendingOnline,
    Online,
    OnlineFaulted,
    PendingOnlineBlocked,
    PendingOffline,
    ErrorStopFailed,
}

impl RgState {
    pub fn internal_name(self) -> &'static str {
        match self {
            RgState::Unmanaged => "RG_UNMANAGED",
            RgState::Offline => "RG_OFFLINE",
            RgState::PendingOnline => "RG_PENDING_ONLINE",
            RgState::Online => "RG_ONLINE",
            RgState::OnlineFaulted => "RG_ONLINE_FAULTED",
            RgState::PendingOnlineBlocked => "RG_PENDING_ONLINE_BLOCKED",
            RgState::PendingOffline => "RG_PENDING_OFFLINE",
            RgState::ErrorStopFailed => "RG_ERROR_STOP_FAILED",
        }
    }

    /// The public `RG_state` value.
    pub fn public_name(self) -> &'static str {
        &self.internal_name()[3..]
    }

    /// The `clrg status` spelling (`Online`, `Pending_online_blocked`, `Error--stop_failed`).
    pub fn display_name(self) -> String {
        match self {
            RgState::ErrorStopFailed => "Error--stop_failed".to_string(),
            other => capitalise(other.public_name()),
        }
    }

    /// Online in the sense RG_dependencies and affinities ask: its start methods are done.
    pub fn is_online(self) -> bool {
        matches!(self, RgState::Online | RgState::OnlineFaulted)
    }
}

impl fmt::Display for RgState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.internal_name())
    }
}

/// A resource's fault monitor status (`scha_resource_setstatus`, reference §c.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Ok,
    Degraded,
    Faulted,
    Unknown,
    /// What a resource that has not started (or has stopped) shows.
    #[default]
    Offline,
}

impl Status {
    pub fn from_name(s: &str) -> Option<Status> {
        match s.to_ascii_uppercase().as_str() {
            "OK" => Some(Status::Ok),
            "DEGRADED" => Some(Status::Degraded),
            "FAULTED" => Some(Status::Faulted),
            "UNKNOWN" => Some(Status::Unknown),
            "OFFLINE" => Some(Status::Offline),
            _ => None,
        }
    }

    pub fn public_name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Degraded => "DEGRADED",
            Status::Faulted => "FAULTED",
            Status::Unknown => "UNKNOWN",
            Status::Offline => "OFFLINE",
        }
    }

    /// The cluster log's name (`R_FM_ONLINE` for OK).
    pub fn internal_name(self) -> &'static str {
        match self {
            Status::Ok => "R_FM_ONLINE",
            Status::Degraded => "R_FM_DEGRADED",
            Status::Faulted => "R_FM_FAULTED",
            Status::Unknown => "R_FM_UNKNOWN",
            Status::Offline => "R_FM_OFFLINE",
        }
    }

    /// The `clrs status` spelling: OK shows as `Online`.
    pub fn display_name(self) -> &'static str {
        match self {
            Status::Ok => "Online",
            Status::Degraded => "Degraded",
            Status::Faulted => "Faulted",
            Status::Unknown => "Unknown",
            Status::Offline => "Offline",
        }
    }
}

fn capitalise(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            RState::OnlineUnmonitored.display_name(),
            "Online_not_monitored"
        );
        assert_eq!(RState::PrenetStarted.public_name(), "STARTING");
        assert_eq!(
            RgState::PendingOnlineBlocked.public_name(),
            "PENDING_ONLINE_BLOCKED"
        );
        assert_eq!(RgState::Online.display_name(), "Online");
        assert_eq!(
            RgState::ErrorStopFailed.display_name(),
            "Error--stop_failed"
        );
        assert_eq!(Status::Ok.display_name(), "Online");
    }
}
