//! The embedded store: one SQLite database in the state directory (`rgm.db`), in WAL mode with
//! `synchronous=FULL`, so a transaction is durable when its commit returns and costs one WAL
//! append and one fsync. Keys carry etcd's counters (create and mod revision, version, lease),
//! so the daemon's code is the same over this store and over etcd.
//!
//! Leases belong to the process that holds the store: keys attached to one are deleted when the
//! store is opened again (their holder is gone), as etcd deletes them when a lease expires.
//! Watches see the transactions of this process (nothing else writes the database: the state
//! directory is locked); a watch from an older revision than the current one is compacted.

mod dir;
mod sql;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nix::fcntl::Flock;

use crate::error::StoreError;
use crate::model::{KeyValue, LeaseId, Range, Revision, Txn, TxnResponse};
use crate::store::{Store, StoreFuture, Watch};

pub use dir::{LOCK_FILE, check_safe};

/// Prepares a state directory that holds no database (a cluster node's: its store is etcd):
/// creates it if missing, checks it is safe, and takes its lock (held as long as the value
/// lives). Returns the directory's canonical path.
pub fn lock_state_dir(dir: &Path) -> Result<(PathBuf, Flock<std::fs::File>), StoreError> {
    let dir = dir::prepare(dir)?;
    let lock = dir::lock(&dir)?;
    Ok((dir, lock))
}

/// The database's file name in the state directory.
pub const DB_FILE: &str = "rgm.db";

/// The embedded store of a one-node cluster.
pub struct LocalStore {
    dir: PathBuf,
    inner: Mutex<Inner>,
    _lock: Flock<std::fs::File>,
}

struct Inner {
    db: sql::Db,
    watchers: watch::Watchers,
    next_lease: LeaseId,
    /// Leases granted and not revoked.
    leases: std::collections::BTreeSet<LeaseId>,
}

impl LocalStore {
    /// Opens (creating if need be) the store in `dir`: checks the directory is safe, takes its
    /// lock, opens the database and drops the keys of leases whose holder is gone.
    pub fn open(dir: &Path) -> Result<LocalStore, StoreError> {
        let dir = dir::prepare(dir)?;
        let lock = dir::lock(&dir)?;
        let mut db = sql::Db::open(&dir.join(DB_FILE))?;
        db.drop_leased_keys()?;
        Ok(LocalStore {
            dir,
            inner: Mutex::new(Inner {
                db,
                watchers: watch::Watchers::default(),
                next_lease: 1,
                leases: Default::default(),
            }),
            _lock: lock,
        })
    }

    /// Opens the database of `dir` for reading only, without taking the directory's lock (a
    /// running rgmd holds it): for tools and tests that look at what rgmd stored.
    pub fn open_read_only(dir: &Path) -> Result<ReadOnlyStore, StoreError> {
        Ok(ReadOnlyStore {
            db: sql::Db::open_read_only(&dir.join(DB_FILE))?,
        })
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves no half-done transaction (SQLite rolls it
        // back), so the store stays usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The same operations without futures, for start-up code and tools.
    pub fn get_now(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        self.inner().db.get(key)
    }

    pub fn range_now(&self, prefix: &str) -> Result<Range, StoreError> {
        self.inner().db.range(prefix)
    }

    pub fn txn_now(&self, txn: Txn) -> Result<TxnResponse, StoreError> {
        let mut inner = self.inner();
        let (response, events) = inner.db.txn(&txn)?;
        if !events.is_empty() {
            inner.watchers.send(&events, response.revision);
        }
        Ok(response)
    }

    pub fn revision(&self) -> Result<Revision, StoreError> {
        self.inner().db.revision()
    }

    /// The database's page size in bytes (what one changed page costs a transaction).
    pub fn page_size(&self) -> Result<i64, StoreError> {
        self.inner().db.page_size()
    }
}

/// A read-only view of an embedded store's database.
pub struct ReadOnlyStore {
    db: sql::Db,
}

impl ReadOnlyStore {
    pub fn range(&self, prefix: &str) -> Result<Range, StoreError> {
        self.db.range(prefix)
    }

    pub fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        self.db.get(key)
    }
}

impl Store for LocalStore {
    fn describe(&self) -> String {
        format!("sqlite:{}", self.db_path().display())
    }

    fn get(&self, key: &str) -> StoreFuture<'_, Option<KeyValue>> {
        let r = self.get_now(key);
        Box::pin(async move { r })
    }

    fn range(&self, prefix: &str) -> StoreFuture<'_, Range> {
        let r = self.range_now(prefix);
        Box::pin(async move { r })
    }

    fn txn(&self, txn: Txn) -> StoreFuture<'_, TxnResponse> {
        let r = self.txn_now(txn);
        Box::pin(async move { r })
    }

    fn watch(&self, prefix: &str, from: Revision) -> StoreFuture<'_, Watch> {
        let r = (|| {
            let mut inner = self.inner();
            let current = inner.db.revision()?;
            if from <= current {
                return Err(StoreError::Compacted {
                    requested: from,
                    compact_revision: current,
                });
            }
            Ok(inner.watchers.add(prefix))
        })();
        Box::pin(async move { r })
    }

    fn grant_lease(&self, _ttl_secs: i64) -> StoreFuture<'_, LeaseId> {
        let mut inner = self.inner();
        let id = inner.next_lease;
        inner.next_lease += 1;
        inner.leases.insert(id);
        Box::pin(async move { Ok(id) })
    }

    fn keep_alive(&self, lease: LeaseId) -> StoreFuture<'_, i64> {
        // Leases of the embedded store last as long as the process: nothing to renew.
        let known = self.inner().leases.contains(&lease);
        Box::pin(async move {
            if known {
                Ok(i64::MAX)
            } else {
                Err(StoreError::LeaseNotFound(lease))
            }
        })
    }

    fn revoke(&self, lease: LeaseId) -> StoreFuture<'_, ()> {
        let r = (|| {
            let mut inner = self.inner();
            inner.leases.remove(&lease);
            let (revision, events) = inner.db.delete_leased(Some(lease))?;
            if !events.is_empty() {
                inner.watchers.send(&events, revision);
            }
            Ok(())
        })();
        Box::pin(async move { r })
    }
}
