//! [`NodeEvents`]: a node's event scripts, one event at a time.
//!
//! Events queue in the order they are asked for (a fair lock) and each reads the directory
//! anew when its turn comes. A monitor gives way, as in ctdb-eventd: any other event asked for
//! while a monitor runs cancels that monitor (its script gets SIGTERM, then SIGKILL after the
//! grace period, and the new event does not wait for it); a monitor asked for while another
//! monitor runs cancels the older one; a monitor asked for while any other event runs or
//! waits is cancelled at once. A cancelled run is not kept as the event's status.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rgm_exec::{Launcher, MethodEnv};
use rgm_proto::events::{EventReport, EventResult, ScriptEntry, ScriptList};
use tokio::sync::{mpsc, watch};

use crate::event::{MONITOR, check};
use crate::run::{EventNote, RunContext, run_event, wall_ms};
use crate::scan::{Scan, scan, set_enabled};

/// EventScriptTimeout: the deadline of a whole event, unless the request names another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A node's event scripts and how they run.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// The events directory (`rgmd --events-dir`, `/etc/rgm/events` by default).
    pub dir: PathBuf,
    pub node: String,
    /// EventScriptTimeout.
    pub timeout: Duration,
    /// Between SIGTERM and SIGKILL for a script past its deadline (rgmd's `--grace`).
    pub grace: Duration,
    /// rgm-exec's environment for the scripts (`bin_dir`, `RGM_SOCKET`); `RGM_EVENTS_DIR` and
    /// `RGM_NODE` are added.
    pub env: MethodEnv,
}

impl EventsConfig {
    pub fn new(dir: PathBuf, node: &str) -> EventsConfig {
        EventsConfig {
            dir,
            node: node.to_string(),
            timeout: DEFAULT_TIMEOUT,
            grace: rgm_exec::DEFAULT_GRACE,
            env: MethodEnv::default(),
        }
    }
}

/// A request that cannot be run as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventsError {
    /// An unknown event, or the wrong arguments for it.
    #[error("{0}")]
    BadEvent(String),
    /// A script that cannot be enabled or disabled as asked.
    #[error("{0}")]
    Script(String),
}

/// The event scripts of one node. Cheap to clone; clones share the queue and the statuses.
#[derive(Debug, Clone)]
pub struct NodeEvents {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: EventsConfig,
    ctx: RunContext,
    /// Held by the event that runs; waiters are served in order.
    turn: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The event that runs now.
    current: Option<Current>,
    /// Events other than monitor waiting for their turn.
    waiting: usize,
    /// The last completed run of each event.
    status: BTreeMap<String, EventReport>,
}

#[derive(Debug)]
struct Current {
    monitor: bool,
    cancel: watch::Sender<bool>,
}

impl NodeEvents {
    /// The scripts of `config.dir`, run through `launcher`; lines and reports go to `notes`.
    pub fn new(
        config: EventsConfig,
        launcher: Launcher,
        notes: Option<mpsc::UnboundedSender<EventNote>>,
    ) -> NodeEvents {
        let mut env = config.env.clone();
        env.extra
            .push(("RGM_EVENTS_DIR".into(), config.dir.clone().into_os_string()));
        env.extra
            .push(("RGM_NODE".into(), config.node.clone().into()));
        let ctx = RunContext {
            launcher,
            env,
            grace: config.grace,
            node: config.node.clone(),
            notes,
        };
        NodeEvents {
            inner: Arc::new(Inner {
                config,
                ctx,
                turn: tokio::sync::Mutex::new(()),
                state: Mutex::new(State::default()),
            }),
        }
    }

    pub fn config(&self) -> &EventsConfig {
        &self.inner.config
    }

    /// Runs `event` with `args` once its turn comes, within `timeout` (EventScriptTimeout when
    /// `None`). A completed run becomes the event's status.
    pub async fn run(
        &self,
        event: &str,
        args: &[String],
        timeout: Option<Duration>,
    ) -> Result<EventReport, EventsError> {
        check(event, args).map_err(EventsError::BadEvent)?;
        let timeout = timeout.unwrap_or(self.inner.config.timeout);
        let monitor = event == MONITOR;
        {
            let mut state = self.lock();
            if let Some(current) = &state.current {
                if current.monitor {
                    current.cancel.send_replace(true);
                } else if monitor {
                    return Ok(self.cancelled(event, args, timeout));
                }
            }
            if monitor && state.waiting > 0 {
                return Ok(self.cancelled(event, args, timeout));
            }
            if !monitor {
                state.waiting += 1;
            }
        }
        let turn = self.inner.turn.lock().await;
        let (cancel_tx, mut cancel) = watch::channel(false);
        {
            let mut state = self.lock();
            if !monitor {
                state.waiting -= 1;
            } else if state.waiting > 0 {
                // Another event came while this monitor waited for its turn.
                drop(turn);
                return Ok(self.cancelled(event, args, timeout));
            }
            state.current = Some(Current {
                monitor,
                cancel: cancel_tx,
            });
        }
        let scan = scan(&self.inner.config.dir);
        let report = run_event(&self.inner.ctx, &scan, event, args, timeout, &mut cancel).await;
        {
            let mut state = self.lock();
            state.current = None;
            if report.result != EventResult::Cancelled {
                state.status.insert(event.to_string(), report.clone());
            }
        }
        drop(turn);
        Ok(report)
    }

    /// The last completed run of `event`, if it ever completed.
    pub fn status(&self, event: &str) -> Result<Option<EventReport>, EventsError> {
        if !crate::event::EVENTS.iter().any(|(e, _)| *e == event) {
            return Err(EventsError::BadEvent(
                check(event, &[]).err().unwrap_or_default(),
            ));
        }
        Ok(self.lock().status.get(event).cloned())
    }

    /// The directory as the next event will run it.
    pub fn scan(&self) -> Scan {
        scan(&self.inner.config.dir)
    }

    /// What `clnode event script list` shows.
    pub fn scripts(&self) -> ScriptList {
        self.scan().list(&self.inner.config.node)
    }

    /// Enables or disables a script by its execute bits ([`crate::scan::set_enabled`]).
    pub fn set_enabled(&self, name: &str, enabled: bool) -> Result<ScriptEntry, EventsError> {
        set_enabled(&self.scan(), name, enabled)
            .map(|s| s.entry())
            .map_err(EventsError::Script)
    }

    fn cancelled(&self, event: &str, args: &[String], timeout: Duration) -> EventReport {
        let report = EventReport {
            node: self.inner.config.node.clone(),
            event: event.to_string(),
            args: args.to_vec(),
            result: EventResult::Cancelled,
            started_ms: wall_ms(),
            duration_ms: 0,
            timeout_secs: timeout.as_secs(),
            scripts: Vec::new(),
        };
        if let Some(notes) = &self.inner.ctx.notes {
            let _ = notes.send(EventNote::Finished(report.clone()));
        }
        report
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
