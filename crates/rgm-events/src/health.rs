//! The node's health from its event scripts: `startup` until it succeeds, then `monitor`
//! every MonitorInterval.
//!
//! A monitor that fails makes the node unhealthy at once; one that succeeds makes it healthy
//! again. A monitor that times out counts: after [`MONITOR_TIMEOUT_COUNT`] timeouts in a row
//! the node is unhealthy (ctdbd's MonitorTimeoutCount is 20; rgm kills a timed-out script, so
//! a monitor that keeps timing out is a hung check, not a slow one, and 3 in a row — about
//! 2 minutes at the defaults — is enough). A cancelled monitor (another event came) changes
//! nothing. Before its `startup` has succeeded a node is unhealthy; a failed `startup` is run
//! again every [`STARTUP_RETRY`], without limit, as ctdbd does.

use std::time::Duration;

use rgm_proto::events::{EventReport, EventResult, ScriptResult};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::node::NodeEvents;

/// Monitor timeouts in a row that make a node unhealthy.
pub const MONITOR_TIMEOUT_COUNT: u32 = 3;
/// MonitorInterval's default.
pub const DEFAULT_MONITOR_INTERVAL: Duration = Duration::from_secs(15);
/// How soon a failed `startup` is run again.
pub const STARTUP_RETRY: Duration = Duration::from_secs(5);

/// What the event scripts say of the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub healthy: bool,
    /// Why, in words for the cluster log (`its monitor event failed: ...`).
    pub reason: String,
}

/// Turns monitor reports into changes of health.
#[derive(Debug, Clone)]
pub struct HealthTracker {
    limit: u32,
    timeouts: u32,
    healthy: Option<bool>,
}

impl HealthTracker {
    /// `known`: the health the node is already known to have (healthy after a `startup` that
    /// succeeded), or `None`.
    pub fn new(limit: u32, known: Option<bool>) -> HealthTracker {
        HealthTracker {
            limit: limit.max(1),
            timeouts: 0,
            healthy: known,
        }
    }

    /// The node's health after this monitor run, if it changed.
    pub fn monitor(&mut self, report: &EventReport) -> Option<Health> {
        let next = match report.result {
            EventResult::Cancelled => return None,
            EventResult::Ok => {
                self.timeouts = 0;
                Health {
                    healthy: true,
                    reason: "its monitor event succeeded".into(),
                }
            }
            EventResult::Failed => {
                self.timeouts = 0;
                Health {
                    healthy: false,
                    reason: format!("its monitor event failed: {}", culprit(report)),
                }
            }
            EventResult::Timedout => {
                self.timeouts += 1;
                if self.timeouts < self.limit {
                    return None;
                }
                Health {
                    healthy: false,
                    reason: format!(
                        "its monitor event timed out {} times in a row: {}",
                        self.timeouts,
                        culprit(report)
                    ),
                }
            }
        };
        if self.healthy == Some(next.healthy) {
            return None;
        }
        self.healthy = Some(next.healthy);
        Some(next)
    }
}

/// `script 40.check exited 3 (its first line of output)`, for a report that failed.
pub fn culprit(report: &EventReport) -> String {
    let Some(s) = report.culprit() else {
        return "no script failed".into();
    };
    let what = match (s.result, s.exit_status, &s.reason) {
        (ScriptResult::Timedout, _, _) => "ran past the deadline".to_string(),
        (ScriptResult::CannotRun, _, Some(why)) => format!("cannot run ({why})"),
        (_, Some(code), Some(why)) => format!("exited {code}, {why}"),
        (_, Some(code), None) => format!("exited {code}"),
        (_, None, Some(why)) => why.clone(),
        (_, None, None) => s.result.as_str().to_lowercase(),
    };
    match s.output.lines().find(|l| !l.trim().is_empty()) {
        Some(line) => format!("script {} {what}: {}", s.name, line.trim()),
        None => format!("script {} {what}", s.name),
    }
}

/// Why a node whose `startup` failed is unhealthy.
pub fn startup_failed(report: &EventReport, retry: Duration) -> String {
    format!(
        "its startup event has not succeeded ({}: {}); it is run again every {} s",
        report.result.as_str().to_lowercase(),
        culprit(report),
        retry.as_secs()
    )
}

/// How [`spawn_health`] watches the node.
#[derive(Debug, Clone)]
pub struct HealthPlan {
    /// Run `startup` first, until it succeeds (false: it already has).
    pub startup: bool,
    /// MonitorInterval.
    pub interval: Duration,
    /// Monitor timeouts in a row that make the node unhealthy.
    pub timeout_count: u32,
    /// How soon a failed `startup` is run again.
    pub startup_retry: Duration,
}

impl HealthPlan {
    pub fn new(startup: bool, interval: Duration) -> HealthPlan {
        HealthPlan {
            startup,
            interval,
            timeout_count: MONITOR_TIMEOUT_COUNT,
            startup_retry: STARTUP_RETRY,
        }
    }
}

/// Runs `startup` until it succeeds (when the plan says so), then `monitor` every interval;
/// every change of the node's health goes to `health`. Ends when `health` is closed.
pub fn spawn_health(
    events: NodeEvents,
    plan: HealthPlan,
    health: mpsc::UnboundedSender<Health>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        if plan.startup && !startup_until_ok(&events, plan.startup_retry, &health).await {
            return;
        }
        let mut tracker = HealthTracker::new(plan.timeout_count, Some(true));
        let mut every = tokio::time::interval(plan.interval.max(Duration::from_millis(100)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if health.is_closed() {
                return;
            }
            let Ok(report) = events.run(crate::event::MONITOR, &[], None).await else {
                return;
            };
            if let Some(change) = tracker.monitor(&report)
                && health.send(change).is_err()
            {
                return;
            }
        }
    })
}

/// Runs `startup` every `retry` until it succeeds; says the node is unhealthy after a failure
/// (once per reason) and healthy after the success. False when `health` closed meanwhile.
pub async fn startup_until_ok(
    events: &NodeEvents,
    retry: Duration,
    health: &mpsc::UnboundedSender<Health>,
) -> bool {
    let mut told: Option<String> = None;
    loop {
        let Ok(report) = events.run("startup", &[], None).await else {
            return false;
        };
        if report.result == EventResult::Ok {
            return health
                .send(Health {
                    healthy: true,
                    reason: "its startup event succeeded".into(),
                })
                .is_ok();
        }
        if report.result != EventResult::Cancelled {
            let reason = startup_failed(&report, retry);
            if told.as_ref() != Some(&reason) {
                if health
                    .send(Health {
                        healthy: false,
                        reason: reason.clone(),
                    })
                    .is_err()
                {
                    return false;
                }
                told = Some(reason);
            }
        }
        if health.is_closed() {
            return false;
        }
        tokio::time::sleep(retry).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_proto::events::ScriptReport;

    fn report(
        result: EventResult,
        script: Option<(ScriptResult, Option<i32>, &str)>,
    ) -> EventReport {
        EventReport {
            node: "n1".into(),
            event: "monitor".into(),
            args: vec![],
            result,
            started_ms: 0,
            duration_ms: 0,
            timeout_secs: 30,
            scripts: script
                .map(|(r, code, out)| ScriptReport {
                    name: "40.check".into(),
                    result: r,
                    exit_status: code,
                    duration_ms: 1,
                    output: out.into(),
                    reason: None,
                })
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn a_failure_is_unhealthy_at_once_and_a_success_healthy_again() {
        let mut t = HealthTracker::new(3, Some(true));
        assert_eq!(t.monitor(&report(EventResult::Ok, None)), None);
        let h = t
            .monitor(&report(
                EventResult::Failed,
                Some((ScriptResult::Error, Some(3), "disk full\n")),
            ))
            .unwrap();
        assert!(!h.healthy);
        assert_eq!(
            h.reason,
            "its monitor event failed: script 40.check exited 3: disk full"
        );
        assert_eq!(t.monitor(&report(EventResult::Cancelled, None)), None);
        let h = t.monitor(&report(EventResult::Ok, None)).unwrap();
        assert!(h.healthy);
    }

    #[test]
    fn timeouts_count_only_in_a_row() {
        let mut t = HealthTracker::new(3, Some(true));
        let timedout = report(
            EventResult::Timedout,
            Some((ScriptResult::Timedout, None, "")),
        );
        assert_eq!(t.monitor(&timedout), None);
        assert_eq!(t.monitor(&timedout), None);
        assert_eq!(t.monitor(&report(EventResult::Ok, None)), None);
        assert_eq!(t.monitor(&timedout), None);
        assert_eq!(t.monitor(&timedout), None);
        let h = t.monitor(&timedout).unwrap();
        assert!(!h.healthy);
        assert_eq!(
            h.reason,
            "its monitor event timed out 3 times in a row: script 40.check ran past the deadline"
        );
        assert_eq!(t.monitor(&timedout), None, "no news while it stays so");
    }
}
