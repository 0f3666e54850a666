//! The SQLite side of the embedded store: the schema, reads, and transactions with etcd's
//! semantics (compare, then apply one branch; one revision per transaction that writes).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::error::StoreError;
use crate::model::{KeyValue, LeaseId, Op, Range, Revision, Txn, TxnResponse, WatchEvent};

/// The schema version this build reads and writes.
const SCHEMA_VERSION: i64 = 1;

/// The database's page size. A method completion changes a few small records (a resource's
/// runtime, a run begun and one ended, the revision), each on a page of its own; every page a
/// transaction changes is appended whole to the WAL and later copied into the database, so
/// small pages keep what a completion writes to about a kilobyte per record. Every record rgm
/// writes often (runtime records, runs in flight) fits in a 1 KiB page without overflow.
///
/// The WAL is copied into the database every 16,384 pages (16 MiB; SQLite's default is 1,000):
/// a checkpoint writes each changed page once however often it changed since the last one,
/// and the 4 KiB block holding a 1 KiB page is written whole, so rarer checkpoints write less
/// per completion when the runtime records are spread over many pages (10,000 resources). The
/// WAL file is cut back to 32 MiB after a checkpoint.
pub(super) const PAGE_SIZE: i64 = 1024;

pub(super) struct Db {
    conn: Connection,
    path: PathBuf,
}

const KV_COLUMNS: &str = "key, value, create_rev, mod_rev, version, lease";

fn row_kv(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyValue> {
    Ok(KeyValue {
        key: row.get(0)?,
        value: row.get(1)?,
        create_revision: row.get(2)?,
        mod_revision: row.get(3)?,
        version: row.get(4)?,
        lease: row.get(5)?,
    })
}

/// The smallest string greater than every string that starts with `prefix` (`None`: no bound).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < 0xff {
            bytes.push(last + 1);
            return String::from_utf8(bytes).ok();
        }
    }
    None
}

impl Db {
    pub(super) fn open(path: &Path) -> Result<Db, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(db_err(path))?;
        let db = Db {
            conn,
            path: path.to_path_buf(),
        };
        db.use_page_size().map_err(db_err(path))?;
        db.conn
            .execute_batch(
                "PRAGMA journal_mode=WAL;
                 PRAGMA synchronous=FULL;
                 PRAGMA wal_autocheckpoint=16384;
                 PRAGMA journal_size_limit=33554432;
                 PRAGMA foreign_keys=OFF;
                 CREATE TABLE IF NOT EXISTS kv (
                     key TEXT PRIMARY KEY NOT NULL,
                     value BLOB NOT NULL,
                     create_rev INTEGER NOT NULL,
                     mod_rev INTEGER NOT NULL,
                     version INTEGER NOT NULL,
                     lease INTEGER NOT NULL
                 ) WITHOUT ROWID;
                 CREATE TABLE IF NOT EXISTS meta (
                     name TEXT PRIMARY KEY NOT NULL,
                     value INTEGER NOT NULL
                 ) WITHOUT ROWID;
                 INSERT OR IGNORE INTO meta VALUES ('revision', 0);",
            )
            .map_err(db_err(path))?;
        let schema: Option<i64> = db
            .conn
            .query_row("SELECT value FROM meta WHERE name='schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err(path))?;
        match schema {
            None => {
                db.conn
                    .execute(
                        "INSERT INTO meta VALUES ('schema', ?1)",
                        params![SCHEMA_VERSION],
                    )
                    .map_err(db_err(path))?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(other) => {
                return Err(StoreError::Database {
                    path: path.to_path_buf(),
                    message: format!(
                        "database schema version {other} is not one this rgm reads (it reads {SCHEMA_VERSION})"
                    ),
                });
            }
        }
        Ok(db)
    }

    /// Sets [`PAGE_SIZE`] on a new database; a database made with another page size (by an
    /// older rgm) is rewritten with it once (`VACUUM`, which is atomic). A rewrite that cannot
    /// be done — `VACUUM` needs room for a copy, and the disk may be full — leaves the database
    /// as it was, with its page size: it works the same, writes more per transaction, and the
    /// next start tries again.
    fn use_page_size(&self) -> rusqlite::Result<()> {
        let size: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        if size == PAGE_SIZE {
            return Ok(());
        }
        // The page size of a database in WAL mode cannot change: leave WAL mode for the rewrite
        // (the caller enters it again).
        let _ = self.conn.execute_batch(&format!(
            "PRAGMA journal_mode=DELETE; PRAGMA page_size={PAGE_SIZE}; VACUUM;"
        ));
        Ok(())
    }

    /// The database's page size.
    pub(super) fn page_size(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(self.err())
    }

    pub(super) fn open_read_only(path: &Path) -> Result<Db, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(db_err(path))?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        db_err(&self.path)
    }

    pub(super) fn revision(&self) -> Result<Revision, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE name='revision'", [], |r| {
                r.get(0)
            })
            .map_err(self.err())
    }

    pub(super) fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        get(&self.conn, key).map_err(self.err())
    }

    pub(super) fn range(&self, prefix: &str) -> Result<Range, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(self.err())?;
        let kvs = range(&tx, prefix).map_err(self.err())?;
        let revision = tx
            .query_row("SELECT value FROM meta WHERE name='revision'", [], |r| {
                r.get(0)
            })
            .map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(Range { kvs, revision })
    }

    /// Runs a transaction; returns what it did and, when `watched`, the events it caused (for
    /// watches: nobody watches the store of a one-node rgmd, and a batch that launches 10,000
    /// runs would otherwise copy every key and value it wrote).
    pub(super) fn txn(
        &mut self,
        txn: &Txn,
        watched: bool,
    ) -> Result<(TxnResponse, Vec<WatchEvent>), StoreError> {
        check_distinct_keys(txn).map_err(|message| StoreError::Database {
            path: self.path.clone(),
            message,
        })?;
        let path = self.path.clone();
        let err = db_err(&path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let mut revision: Revision = tx
            .query_row("SELECT value FROM meta WHERE name='revision'", [], |r| {
                r.get(0)
            })
            .map_err(&err)?;
        let mut succeeded = true;
        for c in &txn.compares {
            let kv = get(&tx, c.key()).map_err(&err)?;
            if !c.holds(kv.as_ref()) {
                succeeded = false;
                break;
            }
        }
        let ops = if succeeded {
            &txn.success
        } else {
            &txn.failure
        };
        let mut events = Vec::new();
        if !ops.is_empty() {
            revision += 1;
            let mut changed = false;
            for op in ops {
                changed |=
                    apply(&tx, op, revision, watched.then_some(&mut events)).map_err(&err)?;
            }
            if !changed {
                // Deletes of keys that did not exist change nothing: etcd does not advance
                // its revision for them either.
                revision -= 1;
            } else {
                tx.execute(
                    "UPDATE meta SET value=?1 WHERE name='revision'",
                    params![revision],
                )
                .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        Ok((
            TxnResponse {
                succeeded,
                revision,
            },
            events,
        ))
    }

    /// Deletes the keys attached to `lease` (all leased keys when `None`), as one transaction.
    pub(super) fn delete_leased(
        &mut self,
        lease: Option<LeaseId>,
    ) -> Result<(Revision, Vec<WatchEvent>), StoreError> {
        // Lease ids are positive: -1 selects every leased key.
        let keys: Vec<String> = self
            .conn
            .prepare("SELECT key FROM kv WHERE lease<>0 AND (lease=?1 OR ?1=-1)")
            .and_then(|mut st| {
                st.query_map(params![lease.unwrap_or(-1)], |r| r.get(0))?
                    .collect()
            })
            .map_err(self.err())?;
        let (response, events) =
            self.txn(&Txn::ops(keys.into_iter().map(Op::delete).collect()), true)?;
        Ok((response.revision, events))
    }

    pub(super) fn drop_leased_keys(&mut self) -> Result<(), StoreError> {
        self.delete_leased(None).map(|_| ())
    }
}

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Database {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<KeyValue>> {
    conn.prepare_cached(&format!("SELECT {KV_COLUMNS} FROM kv WHERE key=?1"))?
        .query_row(params![key], row_kv)
        .optional()
}

fn range(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<KeyValue>> {
    match prefix_end(prefix) {
        Some(end) => conn
            .prepare_cached(&format!(
                "SELECT {KV_COLUMNS} FROM kv WHERE key>=?1 AND key<?2 ORDER BY key"
            ))?
            .query_map(params![prefix, end], row_kv)?
            .collect(),
        None => conn
            .prepare_cached(&format!(
                "SELECT {KV_COLUMNS} FROM kv WHERE key>=?1 ORDER BY key"
            ))?
            .query_map(params![prefix], row_kv)?
            .collect(),
    }
}

/// Applies one operation; records its events in `events` when given. Returns whether it
/// changed anything.
fn apply(
    conn: &Connection,
    op: &Op,
    revision: Revision,
    mut events: Option<&mut Vec<WatchEvent>>,
) -> rusqlite::Result<bool> {
    match op {
        Op::Put { key, value, lease } => {
            let old: Option<(Revision, i64)> = conn
                .prepare_cached("SELECT create_rev, version FROM kv WHERE key=?1")?
                .query_row(params![key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (create_revision, version) = old.map_or((revision, 1), |(c, v)| (c, v + 1));
            conn.prepare_cached("INSERT OR REPLACE INTO kv VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![
                    key,
                    value,
                    create_revision,
                    revision,
                    version,
                    lease
                ])?;
            if let Some(events) = events {
                events.push(WatchEvent::Put(KeyValue {
                    key: key.clone(),
                    value: value.clone(),
                    create_revision,
                    mod_revision: revision,
                    version,
                    lease: *lease,
                }));
            }
            Ok(true)
        }
        Op::Delete { key } => {
            let n = conn
                .prepare_cached("DELETE FROM kv WHERE key=?1")?
                .execute(params![key])?;
            if n > 0
                && let Some(events) = events
            {
                events.push(WatchEvent::Delete {
                    key: key.clone(),
                    mod_revision: revision,
                });
            }
            Ok(n > 0)
        }
        Op::DeletePrefix { prefix } => {
            let keys: Vec<String> = range(conn, prefix)?.into_iter().map(|kv| kv.key).collect();
            for key in &keys {
                conn.prepare_cached("DELETE FROM kv WHERE key=?1")?
                    .execute(params![key])?;
                if let Some(events) = events.as_deref_mut() {
                    events.push(WatchEvent::Delete {
                        key: key.clone(),
                        mod_revision: revision,
                    });
                }
            }
            Ok(!keys.is_empty())
        }
    }
}

/// etcd refuses a transaction that writes one key twice; so does this store, so that code
/// written against it also works against etcd.
fn check_distinct_keys(txn: &Txn) -> Result<(), String> {
    for ops in [&txn.success, &txn.failure] {
        let mut seen = std::collections::HashSet::new();
        for op in ops {
            let key = match op {
                Op::Put { key, .. } | Op::Delete { key } => key,
                Op::DeletePrefix { .. } => continue,
            };
            if !seen.insert(key.as_str()) {
                return Err(format!("a transaction writes key {key} twice"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_first_string_past_the_prefix() {
        assert_eq!(prefix_end("a/b/").as_deref(), Some("a/b0"));
        assert_eq!(prefix_end("").as_deref(), None);
    }
}
