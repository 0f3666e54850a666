//! Watches of the embedded store: every committed transaction's events, filtered by prefix,
//! handed to each watcher's channel. A watcher that falls too far behind is closed (its
//! stream ends), and must read again and watch from there, as after an etcd compaction.

use tokio::sync::mpsc;

use crate::error::StoreError;
use crate::model::{Revision, WatchBatch, WatchEvent};
use crate::store::Watch;

/// Batches a watcher may have unread before it is closed.
const BACKLOG: usize = 4096;

#[derive(Default)]
pub(super) struct Watchers {
    list: Vec<(String, mpsc::Sender<Result<WatchBatch, StoreError>>)>,
}

impl Watchers {
    pub(super) fn add(&mut self, prefix: &str) -> Watch {
        let (tx, rx) = mpsc::channel(BACKLOG);
        self.list.push((prefix.to_string(), tx));
        Watch::new(rx)
    }

    /// Whether anyone watches (a watcher whose stream was dropped is forgotten here).
    pub(super) fn any(&mut self) -> bool {
        self.list.retain(|(_, tx)| !tx.is_closed());
        !self.list.is_empty()
    }

    pub(super) fn send(&mut self, events: &[WatchEvent], revision: Revision) {
        self.list.retain(|(prefix, tx)| {
            let mine: Vec<WatchEvent> = events
                .iter()
                .filter(|e| e.key().starts_with(prefix.as_str()))
                .cloned()
                .collect();
            if mine.is_empty() {
                return !tx.is_closed();
            }
            tx.try_send(Ok(WatchBatch {
                events: mine,
                revision,
            }))
            .is_ok()
        });
    }
}
