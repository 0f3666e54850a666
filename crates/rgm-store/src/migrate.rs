//! Moving a state directory of an older rgm (whole-file `config.json` and `state.json`) into
//! the store, once, on the first start: one transaction writes every object, then the files
//! are renamed `*.migrated` (kept for reference, never read again). A crash before the rename
//! leaves the files in place and the store's writes either all done or none; done, the
//! configuration key exists and the files are only renamed.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use rgm_core::engine::Snapshot;

use crate::error::StoreError;
use crate::layout::{BootRecord, Layout};
use crate::local::LocalStore;
use crate::model::{Compare, Op, Txn};

/// The whole-file runtime state of rgm before the store (format `rgm-state-1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyState {
    pub format: String,
    pub boot_id: String,
    pub node: String,
    pub snapshot: Snapshot,
}

pub const LEGACY_STATE_FORMAT: &str = "rgm-state-1";
pub const LEGACY_CONFIG: &str = "config.json";
pub const LEGACY_STATE: &str = "state.json";

/// What a migration did, for the cluster log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migration {
    /// No older files.
    Nothing,
    /// The files were moved into the store.
    Done {
        config: bool,
        state: bool,
        /// Why the state file was not taken, when it was not.
        state_skipped: Option<String>,
    },
}

/// Migrates `dir`'s older files into `store` when the store has no configuration yet.
pub fn migrate(store: &LocalStore, layout: &Layout) -> Result<Migration, StoreError> {
    let dir = store.dir().to_path_buf();
    let config_path = dir.join(LEGACY_CONFIG);
    let state_path = dir.join(LEGACY_STATE);
    if !config_path.exists() && !state_path.exists() {
        return Ok(Migration::Nothing);
    }
    let cluster_key = layout.key("config/cluster");
    let mut ops = Vec::new();
    let mut config = false;
    if config_path.exists() {
        let text = fs::read_to_string(&config_path).map_err(|source| StoreError::Io {
            path: config_path.clone(),
            source,
        })?;
        let cfg = rgm_core::serial::from_json(&text).map_err(|e| StoreError::Database {
            path: config_path.clone(),
            message: format!("cannot migrate: {e}"),
        })?;
        // A file edited by hand (or by an older rgm) must still obey every rule; refused, it
        // stays where it is for the administrator to fix.
        cfg.check().map_err(|e| StoreError::Database {
            path: config_path.clone(),
            message: format!(
                "cannot migrate: the stored configuration breaks rgm's rules; fix it or restore a backup:\n{e}"
            ),
        })?;
        ops.extend(layout.config_ops(None, &cfg));
        config = true;
    }
    let mut state = false;
    let mut state_skipped = None;
    if state_path.exists() {
        match read_legacy_state(&state_path) {
            Ok(s) => {
                ops.extend(layout.snapshot_ops(&s.snapshot));
                ops.push(Op::put(
                    layout.boot_key(&s.node),
                    serde_json::to_vec(&BootRecord { boot_id: s.boot_id }).expect("serialises"),
                ));
                state = true;
            }
            Err(why) => state_skipped = Some(why),
        }
    }
    // Only into an empty store: a store that has a configuration is the newer truth.
    let done = store.txn_now(
        Txn::new()
            .when([Compare::missing(cluster_key)])
            .and_then(ops),
    )?;
    if !done.succeeded {
        return Err(StoreError::Database {
            path: config_path,
            message: format!(
                "both {} and a configuration in {} exist; move the old file away",
                LEGACY_CONFIG,
                store.db_path().display()
            ),
        });
    }
    for path in [config_path, state_path] {
        if path.exists() {
            let aside = aside(&path);
            fs::rename(&path, &aside).map_err(|source| StoreError::Io { path, source })?;
        }
    }
    Ok(Migration::Done {
        config,
        state,
        state_skipped,
    })
}

fn aside(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".migrated");
    path.with_file_name(name)
}

fn read_legacy_state(path: &Path) -> Result<LegacyState, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let s: LegacyState =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if s.format != LEGACY_STATE_FORMAT {
        return Err(format!("{}: unknown format {}", path.display(), s.format));
    }
    Ok(s)
}
