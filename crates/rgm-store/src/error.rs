//! Why a store operation failed, with the path or key at fault.

use std::path::PathBuf;

use crate::model::Revision;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Database { path: PathBuf, message: String },
    /// The state directory (or a parent) could be changed by someone else than rgmd's user.
    #[error("{path}: {reason}; rgmd refuses a state directory others could tamper with")]
    Unsafe { path: PathBuf, reason: String },
    #[error("another rgmd is using {0} (it holds {0}/rgmd.lock)")]
    Locked(PathBuf),
    /// A stored value that cannot be read as what its key says it is.
    #[error("{store}: key {key}: {message}")]
    Corrupt {
        store: String,
        key: String,
        message: String,
    },
    /// A watch asked for history the store no longer has: read everything again.
    #[error("revision {requested} is compacted (the oldest kept is {compact_revision})")]
    Compacted {
        requested: Revision,
        compact_revision: Revision,
    },
    #[error("lease {0} not found (expired or revoked)")]
    LeaseNotFound(i64),
    /// The store cannot be reached (etcd down, connection lost).
    #[error("{0}")]
    Unavailable(String),
    #[error("a transaction of {size} bytes is larger than the store accepts ({limit} bytes)")]
    TooLarge { size: usize, limit: usize },
}

impl StoreError {
    /// Whether trying again later may succeed (the store was unreachable), as opposed to a
    /// refusal that will not change.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}
