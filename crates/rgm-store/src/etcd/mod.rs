//! The etcd backend of the store (etcd v3 API, tested against Debian's etcd 3.4), for a
//! cluster of nodes. Every operation has a deadline; an etcd that cannot be reached gives
//! [`StoreError::Unavailable`] (transient: try again), never a hang. Watch and keep-alive
//! streams are not reconnected here: a [`Watch`] that ends is watched again by its user from
//! the last revision it saw + 1 (or read whole after [`StoreError::Compacted`]); a lease that
//! cannot be renewed reports why and is renewed again on the next call.
//!
//! etcd limits what one transaction may hold (`--max-txn-ops`, default 128, and
//! `--max-request-bytes`, default 1.5 MiB): rgm's etcd must be started with room for its
//! largest batch (docs/cluster.md).

mod convert;

use std::collections::HashMap;
use std::time::Duration;

use etcd_client::{
    Client, ConnectOptions, EventType, GetOptions, LeaseKeepAliveStream, LeaseKeeper, WatchOptions,
};
use tokio::sync::Mutex;

use crate::error::StoreError;
use crate::model::{LeaseId, Range, Revision, Txn, TxnResponse, WatchBatch, WatchEvent};
use crate::store::{Store, StoreFuture, Watch};
use convert::{kv_of, txn_of, unavailable};

/// How long one request may take before the store counts as unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// Batches a watcher may have unread before its watch is ended (it then reads again).
const WATCH_BACKLOG: usize = 4096;

/// A store in etcd.
pub struct EtcdStore {
    client: Client,
    endpoints: Vec<String>,
    keepers: Mutex<HashMap<LeaseId, (LeaseKeeper, LeaseKeepAliveStream)>>,
}

impl EtcdStore {
    /// Connects to etcd at `endpoints` (`host:port`, or `http://host:port`).
    pub async fn connect(endpoints: &[String]) -> Result<EtcdStore, StoreError> {
        let urls: Vec<String> = endpoints
            .iter()
            .map(|e| {
                if e.contains("://") {
                    e.clone()
                } else {
                    format!("http://{e}")
                }
            })
            .collect();
        let options = ConnectOptions::new()
            .with_connect_timeout(REQUEST_TIMEOUT)
            .with_timeout(REQUEST_TIMEOUT)
            .with_keep_alive(Duration::from_millis(500), Duration::from_secs(1))
            .with_keep_alive_while_idle(true)
            .with_require_leader(true);
        let client = tokio::time::timeout(REQUEST_TIMEOUT, Client::connect(&urls, Some(options)))
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!("etcd at {}: connect timed out", urls.join(",")))
            })?
            .map_err(|e| unavailable(&urls.join(","), e))?;
        Ok(EtcdStore {
            client,
            endpoints: urls,
            keepers: Mutex::new(HashMap::new()),
        })
    }

    /// Drops the history before `revision` (etcd's compaction); watches from before it then
    /// fail with [`StoreError::Compacted`].
    pub async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        let mut c = self.client.clone();
        self.timed("compact", c.compact(revision, None)).await?;
        Ok(())
    }

    fn name(&self) -> String {
        self.endpoints.join(",")
    }

    async fn timed<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, etcd_client::Error>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(REQUEST_TIMEOUT, f).await {
            Ok(r) => r.map_err(|e| convert::error(&self.name(), what, e)),
            Err(_) => Err(StoreError::Unavailable(format!(
                "etcd at {}: {what} timed out after {} s",
                self.name(),
                REQUEST_TIMEOUT.as_secs()
            ))),
        }
    }

    async fn renew(&self, lease: LeaseId) -> Result<i64, StoreError> {
        let mut keepers = self.keepers.lock().await;
        let (keeper, stream) = match keepers.entry(lease) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut c = self.client.clone();
                let pair = self
                    .timed("lease keep-alive", c.lease_keep_alive(lease))
                    .await?;
                v.insert(pair)
            }
        };
        let answer = async {
            keeper.keep_alive().await?;
            stream.message().await
        };
        let result = self.timed("lease keep-alive", answer).await;
        match result {
            Ok(Some(r)) if r.ttl() > 0 => Ok(r.ttl()),
            Ok(Some(_)) => {
                keepers.remove(&lease);
                Err(StoreError::LeaseNotFound(lease))
            }
            Ok(None) => {
                keepers.remove(&lease);
                Err(StoreError::Unavailable(format!(
                    "etcd at {}: the keep-alive stream of lease {lease} ended",
                    self.name()
                )))
            }
            Err(e) => {
                // The stream is broken: open a new one on the next call.
                keepers.remove(&lease);
                Err(e)
            }
        }
    }
}

impl Store for EtcdStore {
    fn describe(&self) -> String {
        format!("etcd://{}", self.name().replace("http://", ""))
    }

    fn get(&self, key: &str) -> StoreFuture<'_, Option<crate::model::KeyValue>> {
        let key = key.to_string();
        Box::pin(async move {
            let mut c = self.client.clone();
            let mut r = self.timed("get", c.get(key.as_bytes(), None)).await?;
            r.take_kvs()
                .into_iter()
                .next()
                .map(|kv| kv_of(&kv))
                .transpose()
        })
    }

    fn range(&self, prefix: &str) -> StoreFuture<'_, Range> {
        let prefix = prefix.to_string();
        Box::pin(async move {
            let mut c = self.client.clone();
            let options = if prefix.is_empty() {
                GetOptions::new().with_all_keys()
            } else {
                GetOptions::new().with_prefix()
            };
            let mut r = self
                .timed("range", c.get(prefix.as_bytes(), Some(options)))
                .await?;
            let revision = r.header().map_or(0, |h| h.revision());
            let kvs = r
                .take_kvs()
                .iter()
                .map(kv_of)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Range { kvs, revision })
        })
    }

    fn txn(&self, txn: Txn) -> StoreFuture<'_, TxnResponse> {
        Box::pin(async move {
            let mut c = self.client.clone();
            let r = self.timed("transaction", c.txn(txn_of(&txn))).await?;
            Ok(TxnResponse {
                succeeded: r.succeeded(),
                revision: r.header().map_or(0, |h| h.revision()),
            })
        })
    }

    fn watch(&self, prefix: &str, from: Revision) -> StoreFuture<'_, Watch> {
        let prefix = prefix.to_string();
        Box::pin(async move {
            let mut c = self.client.clone();
            let mut options = WatchOptions::new().with_start_revision(from);
            options = if prefix.is_empty() {
                options.with_all_keys()
            } else {
                options.with_prefix()
            };
            let stream = self
                .timed("watch", c.watch(prefix.as_bytes(), Some(options)))
                .await?;
            let (tx, rx) = tokio::sync::mpsc::channel(WATCH_BACKLOG);
            let name = self.name();
            tokio::spawn(forward_watch(stream, tx, name, from));
            Ok(Watch::new(rx))
        })
    }

    fn grant_lease(&self, ttl_secs: i64) -> StoreFuture<'_, LeaseId> {
        Box::pin(async move {
            let mut c = self.client.clone();
            let r = self
                .timed("lease grant", c.lease_grant(ttl_secs, None))
                .await?;
            Ok(r.id())
        })
    }

    fn keep_alive(&self, lease: LeaseId) -> StoreFuture<'_, i64> {
        Box::pin(async move {
            match self.renew(lease).await {
                Err(StoreError::LeaseNotFound(_)) => Err(StoreError::LeaseNotFound(lease)),
                other => other,
            }
        })
    }

    fn revoke(&self, lease: LeaseId) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.keepers.lock().await.remove(&lease);
            let mut c = self.client.clone();
            match self.timed("lease revoke", c.lease_revoke(lease)).await {
                Ok(_) | Err(StoreError::LeaseNotFound(_)) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }
}

/// Turns an etcd watch stream into batches until it ends, breaks or is cancelled.
async fn forward_watch(
    mut stream: etcd_client::WatchStream,
    tx: tokio::sync::mpsc::Sender<Result<WatchBatch, StoreError>>,
    name: String,
    from: Revision,
) {
    loop {
        let message = tokio::select! {
            m = stream.message() => m,
            _ = tx.closed() => return,
        };
        let response = match message {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) => {
                let _ = tx.try_send(Err(unavailable(&name, e)));
                return;
            }
        };
        if response.canceled() {
            let err = if response.compact_revision() > 0 {
                StoreError::Compacted {
                    requested: from,
                    compact_revision: response.compact_revision(),
                }
            } else {
                StoreError::Unavailable(format!(
                    "etcd at {name}: watch cancelled: {}",
                    response.cancel_reason()
                ))
            };
            let _ = tx.try_send(Err(err));
            return;
        }
        if response.events().is_empty() {
            continue;
        }
        let revision = response.header().map_or(0, |h| h.revision());
        let mut events = Vec::with_capacity(response.events().len());
        for e in response.events() {
            let Some(kv) = e.kv() else { continue };
            let event = match e.event_type() {
                EventType::Put => match kv_of(kv) {
                    Ok(kv) => WatchEvent::Put(kv),
                    Err(err) => {
                        let _ = tx.try_send(Err(err));
                        return;
                    }
                },
                EventType::Delete => WatchEvent::Delete {
                    key: String::from_utf8_lossy(kv.key()).into_owned(),
                    mod_revision: kv.mod_revision(),
                },
            };
            events.push(event);
        }
        if tx.try_send(Ok(WatchBatch { events, revision })).is_err() {
            // The reader fell too far behind, or is gone: end; it reads again.
            return;
        }
    }
}
