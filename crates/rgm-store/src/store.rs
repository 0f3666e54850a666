//! The `Store` trait: what rgmd needs of a store, in etcd's terms, so that the embedded store
//! and etcd are interchangeable. Methods return boxed futures so the trait can be used as a
//! trait object (`Box<dyn Store>`); the embedded store does its work before returning.

use std::future::Future;
use std::pin::Pin;

use crate::error::StoreError;
use crate::model::{KeyValue, LeaseId, Range, Revision, Txn, TxnResponse, WatchBatch};

/// A store operation in progress.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where rgm keeps its configuration and runtime state: one key per object.
pub trait Store: Send + Sync {
    /// Which store this is, for messages (`sqlite:/var/lib/rgm/rgm.db`, `etcd://…`).
    fn describe(&self) -> String;

    /// One key.
    fn get(&self, key: &str) -> StoreFuture<'_, Option<KeyValue>>;

    /// Every key that starts with `prefix`, in key order, and the revision they were read at.
    fn range(&self, prefix: &str) -> StoreFuture<'_, Range>;

    /// Applies a transaction atomically and durably: when this returns Ok, the transaction's
    /// writes survive a crash of the process or the machine.
    fn txn(&self, txn: Txn) -> StoreFuture<'_, TxnResponse>;

    /// Changes to keys under `prefix` from revision `from` on (use the revision of a
    /// [`Range`] + 1). Fails with [`StoreError::Compacted`] when that history is gone.
    fn watch(&self, prefix: &str, from: Revision) -> StoreFuture<'_, Watch>;

    /// A lease that ends `ttl_secs` after its last renewal; keys attached to it are deleted
    /// when it ends.
    fn grant_lease(&self, ttl_secs: i64) -> StoreFuture<'_, LeaseId>;

    /// Renews a lease; returns its new time to live in seconds.
    fn keep_alive(&self, lease: LeaseId) -> StoreFuture<'_, i64>;

    /// Ends a lease now, deleting its keys.
    fn revoke(&self, lease: LeaseId) -> StoreFuture<'_, ()>;
}

/// A stream of changes; ends (returns `None`) when the store closes it: watch again from the
/// last revision seen + 1.
pub struct Watch {
    rx: tokio::sync::mpsc::Receiver<Result<WatchBatch, StoreError>>,
}

impl Watch {
    pub fn new(rx: tokio::sync::mpsc::Receiver<Result<WatchBatch, StoreError>>) -> Watch {
        Watch { rx }
    }

    /// The next batch of changes; `None` when the watch has ended.
    pub async fn next(&mut self) -> Option<Result<WatchBatch, StoreError>> {
        self.rx.recv().await
    }
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watch")
    }
}
