//! What rgmd keeps in the store between runs, and when it writes it: the configuration and
//! the runtime state, one key per object (rgm-store's layout), written as one transaction per
//! batch of events — group commit: the transaction holds every object the batch changed, and
//! the batch's replies, launches and cluster-log records wait for it.

use rgm_core::engine::{Engine, Snapshot};
use rgm_core::{ClusterConfig, ConfigChanges};

use rgm_store::layout::{BootRecord, RunIndex};
use rgm_store::{Compare, Layout, Op, Store, StoreError, Txn};

/// The store, and what is known of what was written to it.
pub struct Persistence {
    store: Box<dyn Store>,
    layout: Layout,
    node: String,
    boot_id: String,
    /// The engine's configuration changes taken but not yet written (a refused transaction
    /// keeps them for the next).
    config_pending: ConfigChanges,
    runs: RunIndex,
    boot_written: bool,
    /// The writes of commits that failed (the store could not write: a full disk, an I/O
    /// error), written before anything else by the next commit; and whether the
    /// configuration is among them.
    unsaved: Vec<Op>,
    config_unsaved: bool,
    /// How long the last transaction took (metrics: rgm_store_commit_duration_seconds).
    txn_time: Option<std::time::Duration>,
}

/// What the store held at start-up.
#[derive(Debug)]
pub struct Loaded {
    pub config: Option<ClusterConfig>,
    pub state: Option<Snapshot>,
    /// The boot id this node's previous rgmd recorded (`None`: none recorded).
    pub boot_id: Option<String>,
}

impl Persistence {
    /// How long the last transaction took, once.
    pub fn take_txn_time(&mut self) -> Option<std::time::Duration> {
        self.txn_time.take()
    }

    pub fn new(store: Box<dyn Store>, layout: Layout, node: &str, boot_id: &str) -> Persistence {
        Persistence {
            store,
            layout,
            node: node.to_string(),
            boot_id: boot_id.to_string(),
            config_pending: ConfigChanges::default(),
            runs: RunIndex::default(),
            boot_written: false,
            unsaved: Vec::new(),
            config_unsaved: false,
            txn_time: None,
        }
    }

    pub fn describe(&self) -> String {
        self.store.describe()
    }

    /// Reads the configuration, the runtime state and this node's boot record.
    pub async fn load(&mut self) -> Result<Loaded, StoreError> {
        let kvs = self.store.range(self.layout.root()).await?.kvs;
        let config = self.layout.load_config(&kvs).map_err(|e| self.named(e))?;
        let state = self.layout.load_state(&kvs).map_err(|e| self.named(e))?;
        let boot_key = self.layout.boot_key(&self.node);
        let boot_id = match kvs.iter().find(|kv| kv.key == boot_key) {
            Some(kv) => Some(
                serde_json::from_slice::<BootRecord>(&kv.value)
                    .map_err(|e| StoreError::Corrupt {
                        store: self.describe(),
                        key: boot_key.clone(),
                        message: e.to_string(),
                    })?
                    .boot_id,
            ),
            None => None,
        };
        self.runs = state
            .as_ref()
            .map(|snap| self.layout.run_index(&kvs, snap))
            .unwrap_or_default();
        self.unsaved.clear();
        self.config_unsaved = false;
        self.config_pending = ConfigChanges::default();
        Ok(Loaded {
            config,
            state,
            boot_id,
        })
    }

    fn named(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Corrupt { key, message, .. } => StoreError::Corrupt {
                store: self.describe(),
                key,
                message,
            },
            other => other,
        }
    }

    /// Writes a new configuration now (the first one, made at start-up).
    pub async fn save_config(&mut self, config: &ClusterConfig) -> Result<(), StoreError> {
        let ops = self.whole_config_ops(config).await?;
        self.commit_ops(ops).await
    }

    /// The writes that bring the stored configuration to `config`, compared with what the
    /// store holds (read now: only after a change of a node or a type, or at start-up).
    async fn whole_config_ops(&self, config: &ClusterConfig) -> Result<Vec<Op>, StoreError> {
        let stored = self.store.range(&self.layout.config_prefix()).await?.kvs;
        Ok(self.layout.config_ops_against(&stored, config))
    }

    /// Writes, in one transaction, what changed in the engine's configuration (when `config`:
    /// the objects the engine says it changed — after a change of a node or a type, every
    /// object compared with what was written last), every runtime record the engine
    /// changed since the last commit, and `extra` writes — applied only if every one of
    /// `compares` holds (a president's epoch). `Ok(false)`: they did not; nothing was written.
    /// When the store cannot write (`Err`), nothing was written and the writes are kept: the
    /// next commit writes them first (or [`Persistence::load`] forgets them).
    pub async fn commit_guarded(
        &mut self,
        engine: &mut Engine,
        config: bool,
        compares: Vec<Compare>,
        extra: Vec<Op>,
    ) -> Result<bool, StoreError> {
        let config = config || self.config_unsaved;
        let mut ops = std::mem::take(&mut self.unsaved);
        self.config_pending.merge(engine.take_config_changes());
        let written = config.then(|| std::mem::take(&mut self.config_pending));
        if let Some(changed) = &written {
            let cfg = engine.config();
            if changed.whole {
                match self.whole_config_ops(cfg).await {
                    Ok(writes) => ops.extend(writes),
                    Err(e) => {
                        self.config_pending.merge(changed.clone());
                        self.unsaved = ops;
                        self.config_unsaved = true;
                        return Err(e);
                    }
                }
            } else {
                ops.extend(
                    self.layout
                        .object_ops(&changed.groups, &changed.resources, cfg),
                );
            }
        }
        let changes = engine.take_changes();
        if !changes.is_empty() {
            ops.extend(self.layout.change_ops(&changes, engine, &mut self.runs));
            if !self.boot_written {
                ops.push(self.boot_op());
            }
        }
        ops.extend(extra);
        if ops.is_empty() {
            return Ok(true);
        }
        // A batch may write a key twice (a node that died and joined again); etcd refuses that.
        let ops = rgm_store::last_write_wins(ops);
        let started = std::time::Instant::now();
        let done = self
            .store
            .txn(Txn::new().when(compares).and_then(ops.clone()))
            .await;
        self.txn_time = Some(started.elapsed());
        let done = match done {
            Ok(done) => done,
            Err(e) => {
                self.unsaved = ops;
                self.config_unsaved = config;
                return Err(e);
            }
        };
        self.config_unsaved = false;
        if !done.succeeded {
            if let Some(changed) = written {
                self.config_pending.merge(changed);
            }
            return Ok(false);
        }
        if !changes.is_empty() {
            self.boot_written = true;
        }
        Ok(true)
    }

    fn boot_op(&self) -> Op {
        let record = BootRecord {
            boot_id: self.boot_id.clone(),
        };
        Op::put(
            self.layout.boot_key(&self.node),
            serde_json::to_vec(&record).expect("serialises"),
        )
    }

    async fn commit_ops(&mut self, ops: Vec<Op>) -> Result<(), StoreError> {
        if !ops.is_empty() {
            self.store.txn(Txn::ops(ops)).await?;
        }
        Ok(())
    }

    /// Forgets the runtime state (after a clean stop, the next start is a new cluster).
    pub async fn clear_state(&mut self) -> Result<(), StoreError> {
        self.commit_ops(self.layout.clear_state_ops()).await?;
        self.runs = RunIndex::default();
        Ok(())
    }
}

/// This boot's id, to tell a daemon restart from a node reboot.
pub fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}
