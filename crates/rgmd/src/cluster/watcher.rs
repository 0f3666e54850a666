//! A watch that never gives up: it reads its prefix whole, then watches from the next
//! revision; when the stream breaks it watches again from the last revision it delivered + 1,
//! with backoff; when that history has been compacted it reads the prefix whole again. What it
//! sees goes to the event loop as [`ClusterEvent::Watched`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use rgm_store::{KeyValue, Store, StoreError, WatchEvent};

use super::ClusterEvent;
use crate::event_loop::LoopEvent;

/// What a watch is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatchKind {
    President,
    Members,
    Results,
    Requests,
    Assignments,
    Kills,
    Replies,
    /// The president's node events (`events`: startrecovery, recovered, ipreallocated).
    NodeEvents,
}

/// What a watch saw.
#[derive(Debug, Clone)]
pub enum WatchChange {
    /// Changes in revision order.
    Events(Vec<WatchEvent>),
    /// Everything under the prefix now (first read, or after a compaction): what is not here
    /// is gone.
    Resync(Vec<KeyValue>),
}

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// Starts a watch of `prefix`; it runs until the handle is aborted or the loop is gone.
pub fn spawn(
    store: Arc<dyn Store>,
    prefix: String,
    kind: WatchKind,
    events: UnboundedSender<LoopEvent>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let send = |change: WatchChange| {
            events
                .send(LoopEvent::Cluster(ClusterEvent::Watched { kind, change }))
                .is_ok()
        };
        let mut backoff = BACKOFF_MIN;
        'read: loop {
            let range = match store.range(&prefix).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!(%prefix, error = %e, "cannot read; trying again");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            };
            if !send(WatchChange::Resync(range.kvs)) {
                return;
            }
            let mut next = range.revision + 1;
            loop {
                let mut watch = match store.watch(&prefix, next).await {
                    Ok(w) => w,
                    Err(StoreError::Compacted { .. }) => continue 'read,
                    Err(e) => {
                        tracing::debug!(%prefix, error = %e, "cannot watch; trying again");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                        continue;
                    }
                };
                backoff = BACKOFF_MIN;
                while let Some(batch) = watch.next().await {
                    match batch {
                        Ok(b) => {
                            // Resume after the last event delivered (a response's header
                            // revision can be ahead of events still to come).
                            if let Some(last) = b.events.iter().map(revision_of).max() {
                                next = next.max(last + 1);
                            }
                            if !send(WatchChange::Events(b.events)) {
                                return;
                            }
                        }
                        Err(StoreError::Compacted { .. }) => continue 'read,
                        Err(e) => {
                            tracing::debug!(%prefix, error = %e, "watch broke; watching again");
                            break;
                        }
                    }
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    })
}

fn revision_of(e: &WatchEvent) -> i64 {
    match e {
        WatchEvent::Put(kv) => kv.mod_revision,
        WatchEvent::Delete { mod_revision, .. } => *mod_revision,
    }
}
