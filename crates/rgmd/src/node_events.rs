//! This node's event scripts in rgmd (rgm-events; docs/events.md).
//!
//! - Before rgmd serves commands: the directory is read (its warnings logged), then `init`
//!   and `setup` run once each; either failing stops rgmd (as ctdbd stops), naming the script.
//! - On one node, `startup` runs once before the node joins; until it succeeds the node is
//!   reported unhealthy to the engine (it hosts nothing) and `startup` runs again every 5 s.
//!   Then `monitor` runs every `--monitor-interval`, each change of health reaching the loop
//!   as [`LoopEvent::NodeHealth`]: fed to the engine on one node.
//! - `shutdown` runs when rgmd stops, after its groups have left the node.
//! - `clnode event …` and the built-in types' `takeip`/`releaseip` are answered here, by this
//!   node, in a task of their own: never by the engine, never forwarded.
//!
//! In a cluster, `startup` waits for the node to join, the health goes to the member record,
//! and the president's reconfigurations run `startrecovery`, `recovered` and `ipreallocated`
//! on every node: node_events_cluster.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rgm_core::ErrorCode;
use rgm_core::engine::{EventKind, LogRecord, Severity};
use rgm_events::{EventNote, EventsConfig, EventsError, Health, HealthPlan, NodeEvents};
use rgm_exec::{Launcher, MethodEnv};
use rgm_proto::Response;
use rgm_proto::events::{EventReport, EventResult, EventsRequest, EventsResponse};
use tokio::sync::{mpsc, oneshot};

use crate::clock;
use crate::cluster_log::ClusterLog;
use crate::event_loop::{Daemon, LoopEvent};
use crate::options::Options;

/// Cluster-log ids: an event's run (its result, the script that failed).
pub const EVENT_RUN: u32 = 300300;
/// A line an event script wrote.
pub const EVENT_OUTPUT: u32 = 300301;
/// The node's health as its event scripts say it.
pub const EVENT_HEALTH: u32 = 300302;
/// The events directory's warnings (a shared `NN`, an unreadable entry).
pub const EVENT_SCRIPTS: u32 = 300303;

/// This node's event scripts, as rgmd runs them.
#[derive(Debug, Clone)]
pub struct NodeEventsHost {
    events: NodeEvents,
    interval: Duration,
    /// rgmd's socket (the built-in types' records of the addresses held are beside it).
    socket: PathBuf,
    /// In a cluster: the health watch, the president's notices (node_events_cluster).
    pub(crate) cluster: crate::node_events_cluster::ClusterEvents,
}

impl NodeEventsHost {
    /// Reads the directory and runs `init`, then `setup`. An error (either failed) means
    /// rgmd must not start.
    pub async fn prepare(
        options: &Options,
        node: &str,
        launcher: &Launcher,
        log: &ClusterLog,
        socket: &Path,
    ) -> anyhow::Result<NodeEventsHost> {
        let mut config = EventsConfig::new(options.events_dir.clone(), node);
        config.timeout = Duration::from_secs(options.event_timeout.max(1));
        config.grace = Duration::from_secs(options.grace);
        config.env = MethodEnv {
            bin_dir: std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf)),
            rgm_socket: Some(socket.to_path_buf()),
            ..MethodEnv::default()
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let events = NodeEvents::new(config, launcher.clone(), Some(tx));
        tokio::spawn(write_notes(rx, log.clone(), node.to_string()));
        let scan = events.scan();
        for warning in &scan.warnings {
            write(log, node, EVENT_SCRIPTS, Severity::Warning, warning.clone());
        }
        let enabled = scan.scripts.iter().filter(|s| s.entry().enabled).count();
        if !scan.scripts.is_empty() {
            write(
                log,
                node,
                EVENT_SCRIPTS,
                Severity::Notice,
                format!(
                    "event scripts of node {node}: {} in {} ({enabled} enabled)",
                    scan.scripts.len(),
                    scan.dir.display()
                ),
            );
        }
        for event in ["init", "setup"] {
            let report = events.run(event, &[], None).await?;
            if report.result != EventResult::Ok {
                anyhow::bail!(
                    "the {event} event failed on node {node} ({}: {}); rgmd does not start without it (clnode event status {event} shows every script)",
                    report.result.as_str().to_lowercase(),
                    rgm_events::health::culprit(&report)
                );
            }
        }
        Ok(NodeEventsHost {
            events,
            interval: Duration::from_secs(options.monitor_interval.max(1)),
            socket: socket.to_path_buf(),
            cluster: Default::default(),
        })
    }

    /// rgmd's socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The scripts themselves, for the cluster's wiring and the built-in types.
    pub fn events(&self) -> &NodeEvents {
        &self.events
    }

    /// On one node, before the node joins: runs `startup` once; when it fails the node is
    /// reported unhealthy (it hosts nothing) and `startup` is retried every 5 s. Then watches
    /// the node's health (`monitor` every interval).
    pub async fn join_local(&self, daemon: &mut Daemon, tx: mpsc::UnboundedSender<LoopEvent>) {
        let report = self.events.run("startup", &[], None).await;
        let ok = report.as_ref().is_ok_and(|r| r.result == EventResult::Ok);
        if let (Ok(report), false, Some(host)) = (report, ok, daemon.host.as_mut()) {
            host.feed(EventKind::NodeHealth {
                node: daemon.node.clone(),
                healthy: false,
                reason: rgm_events::health::startup_failed(
                    &report,
                    rgm_events::health::STARTUP_RETRY,
                ),
            });
        }
        self.watch_health(!ok, tx);
    }

    /// Runs `startup` until it succeeds (when `startup`), then `monitor` every interval; each
    /// change of the node's health reaches the loop as [`LoopEvent::NodeHealth`].
    ///
    /// In a cluster: call it once the node's member key exists, with `startup` true, and
    /// publish each `NodeHealth` in the member record (its `healthy`).
    pub fn watch_health(&self, startup: bool, tx: mpsc::UnboundedSender<LoopEvent>) {
        let (htx, mut hrx) = mpsc::unbounded_channel::<Health>();
        rgm_events::spawn_health(
            self.events.clone(),
            HealthPlan::new(startup, self.interval),
            htx,
        );
        tokio::spawn(async move {
            while let Some(h) = hrx.recv().await {
                let ev = LoopEvent::NodeHealth {
                    healthy: h.healthy,
                    reason: h.reason,
                };
                if tx.send(ev).is_err() {
                    return;
                }
            }
        });
    }

    /// Runs an event now (a cluster's `startrecovery`, `recovered`, `ipreallocated`); the
    /// report is logged as every run is.
    pub async fn run(&self, event: &str, args: &[String]) -> Result<EventReport, EventsError> {
        self.events.run(event, args, None).await
    }

    /// `shutdown`, when rgmd stops after its groups have left the node.
    pub async fn shutdown(&self) {
        let _ = self.events.run("shutdown", &[], None).await;
    }

    /// Answers a command's request in a task of its own (an event may take its whole
    /// timeout; the loop goes on meanwhile).
    pub fn answer(&self, request: EventsRequest, reply: oneshot::Sender<Response>) {
        let events = self.events.clone();
        tokio::spawn(async move {
            let _ = reply.send(respond(&events, request).await);
        });
    }
}

async fn respond(events: &NodeEvents, request: EventsRequest) -> Response {
    let answer = match request {
        EventsRequest::Run {
            event,
            args,
            timeout,
        } => events
            .run(&event, &args, timeout.map(Duration::from_secs))
            .await
            .map(EventsResponse::Ran),
        EventsRequest::Status { event } => events.status(&event).map(EventsResponse::Status),
        EventsRequest::ListScripts => Ok(EventsResponse::Scripts(events.scripts())),
        EventsRequest::SetEnabled { script, enabled } => events
            .set_enabled(&script, enabled)
            .map(EventsResponse::Changed),
    };
    match answer {
        Ok(a) => Response::Events(a),
        Err(e) => Response::refused(ErrorCode::Inval, e.to_string()),
    }
}

/// A request for the event scripts, on a daemon that has none (not set up yet).
pub fn answer(
    host: Option<&NodeEventsHost>,
    request: EventsRequest,
    reply: oneshot::Sender<Response>,
) {
    match host {
        Some(h) => h.answer(request, reply),
        None => {
            let _ = reply.send(Response::refused(
                ErrorCode::Internal,
                "this rgmd runs no event scripts",
            ));
        }
    }
}

impl Daemon {
    /// The node's health changed, as its event scripts say: on one node it goes to the engine
    /// (an unhealthy node hosts nothing); in a cluster it is logged here and published in the
    /// node's member record, whence the president feeds it to the engine.
    pub(crate) fn on_node_health(&mut self, healthy: bool, reason: String) {
        let node = self.node.clone();
        match (&self.cluster, self.host.as_mut()) {
            (None, Some(host)) => host.feed(EventKind::NodeHealth {
                node,
                healthy,
                reason,
            }),
            _ => {
                let severity = if healthy {
                    Severity::Notice
                } else {
                    Severity::Warning
                };
                let state = if healthy { "healthy" } else { "unhealthy" };
                write(
                    &self.log,
                    &node,
                    EVENT_HEALTH,
                    severity,
                    format!("node {node} is {state} by its event scripts: {reason}"),
                );
                self.publish_health(healthy, reason);
            }
        }
    }
}

fn write(log: &ClusterLog, node: &str, id: u32, severity: Severity, text: String) {
    log.write(
        clock::now(),
        &LogRecord::decision(id, severity, text, &[("node", node)]),
    );
}

/// Writes what the scripts say to the cluster log: every run of an event other than
/// `monitor` with its result, and a monitor only when its result differs from the last
/// monitor's (a node checked every 15 s would otherwise fill the log); the lines scripts
/// write, except a monitor's (kept in its status, and the first line of a failure is in the
/// run's record).
async fn write_notes(mut rx: mpsc::UnboundedReceiver<EventNote>, log: ClusterLog, node: String) {
    let mut last_monitor: Option<EventResult> = None;
    while let Some(note) = rx.recv().await {
        match note {
            EventNote::Line {
                event,
                script,
                stream,
                text,
            } => {
                if event == rgm_events::event::MONITOR {
                    continue;
                }
                let record = LogRecord::decision(
                    EVENT_OUTPUT,
                    Severity::Notice,
                    format!(
                        "event <{event}> script <{script}> node <{node}> {}: {text}",
                        stream.as_str()
                    ),
                    &[("node", &node), ("event", &event), ("script", &script)],
                );
                log.write(clock::now(), &record);
            }
            EventNote::Finished(report) => {
                if report.event == rgm_events::event::MONITOR {
                    if report.result == EventResult::Cancelled
                        || last_monitor == Some(report.result)
                    {
                        continue;
                    }
                    last_monitor = Some(report.result);
                }
                log.write(clock::now(), &run_record(&report));
            }
        }
    }
}

fn run_record(r: &EventReport) -> LogRecord {
    let call = if r.args.is_empty() {
        r.event.clone()
    } else {
        format!("{} {}", r.event, r.args.join(" "))
    };
    let ran = r.scripts.iter().filter(|s| s.exit_status.is_some()).count();
    let (severity, text) = match r.result {
        EventResult::Ok => (
            Severity::Notice,
            format!(
                "event <{call}> on node <{}> completed successfully ({ran} scripts run, {} ms)",
                r.node, r.duration_ms
            ),
        ),
        EventResult::Cancelled => (
            Severity::Notice,
            format!(
                "event <{call}> on node <{}> cancelled by another event",
                r.node
            ),
        ),
        EventResult::Failed | EventResult::Timedout => (
            Severity::Error,
            format!(
                "event <{call}> on node <{}> {}: {}",
                r.node,
                if r.result == EventResult::Failed {
                    "failed".to_string()
                } else {
                    format!("timed out after {} s", r.timeout_secs)
                },
                rgm_events::health::culprit(r)
            ),
        ),
    };
    LogRecord::decision(
        EVENT_RUN,
        severity,
        text,
        &[("node", &r.node), ("event", &r.event)],
    )
}
