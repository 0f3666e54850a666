//! rgmd's command line.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// `--journal`: whether cluster-log records also go to the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum JournalMode {
    /// When stderr is the journal (`JOURNAL_STREAM` names it: rgmd runs under systemd).
    #[default]
    Auto,
    /// Always (the journal's socket is `--journal-socket`).
    Always,
    /// Never: the files in the state directory only.
    Never,
}

/// rgmd — the resource group manager daemon. Runs in the foreground (systemd style).
#[derive(Debug, Clone, Parser)]
#[command(name = "rgmd", version, about, long_about = None)]
pub struct Options {
    /// This node's name (default: the host name up to its first dot).
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// Where the configuration, runtime state and cluster log live
    /// (default: /var/lib/rgm as root, else $XDG_STATE_HOME/rgm or ~/.local/state/rgm).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The socket the commands use (default: $RGM_SOCKET, else /run/rgm/rgmd.sock as root,
    /// else STATE_DIR/rgmd.sock).
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// The store: `local` (an embedded database in the state directory: a one-node cluster),
    /// or `etcd://HOST:PORT[,HOST:PORT...]` (a cluster of every rgmd that names the same etcd
    /// and --cluster).
    #[arg(long, default_value = "local", value_name = "STORE")]
    pub store: String,
    /// The cluster's name: for a new configuration on one node (default: the node name), or
    /// the cluster to join in etcd (default: rgm).
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// In a cluster, the lease of this node's membership, in seconds: a node that has not
    /// renewed it for half of it stops its resources, and another node starts them once it
    /// has expired (at least 2).
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub lease_ttl: u64,
    /// Members of this group may change the configuration (root and rgmd's own user always may).
    #[arg(long, value_name = "GROUP")]
    pub admin_group: Option<String>,
    /// The command that fences (reboots, powers off) a node when a STOP fails under
    /// Failover_mode=HARD: this node, or in a cluster, run by the president, the node named in
    /// its environment (RGM_FENCE_NODE; RGM_FENCE_REASON says why). Without it, such a node is
    /// not fenced: rgmd logs that it cannot fence and its groups stay where they are until an
    /// administrator confirms the node down (clnode confirm-down).
    #[arg(long, value_name = "COMMAND")]
    pub fence_command: Option<String>,
    /// Seconds between SIGTERM and SIGKILL for a method past its timeout.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub grace: u64,
    /// This node's event scripts (`NN.name`, CTDB's conventions; docs/events.md).
    #[arg(long, default_value = "/etc/rgm/events", value_name = "DIR")]
    pub events_dir: PathBuf,
    /// Seconds between two runs of the monitor event (MonitorInterval).
    #[arg(long, default_value_t = 15, value_name = "SECONDS")]
    pub monitor_interval: u64,
    /// Seconds an event may take, all its scripts together (EventScriptTimeout).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub event_timeout: u64,
    /// Rotate the cluster log when either of its files would grow past this many bytes.
    #[arg(long, default_value_t = 10 << 20, value_name = "BYTES")]
    pub log_max_bytes: u64,
    /// Also send every cluster-log record to the journal, with its id and objects as fields.
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub journal: JournalMode,
    /// journald's socket for native entries.
    #[arg(long, default_value = crate::journal::SOCKET, value_name = "PATH")]
    pub journal_socket: PathBuf,
    /// The most connections served at once; more are refused with a message. A user other
    /// than root and rgmd's own may hold a quarter of them.
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub max_clients: usize,
    /// Seconds a client has, once connected, to send its handshake.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub handshake_timeout: u64,
    /// Seconds a client has, after each answer, to send its next request; then it is
    /// disconnected.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub idle_timeout: u64,
    /// Serve /metrics (Prometheus) and a read-only status page over HTTP at ADDR:PORT, or at
    /// PORT on the loopback address (127.0.0.1); off unless given (docs/observing.md).
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = crate::http::parse_address)]
    pub http: Option<std::net::SocketAddr>,
    /// Start no daemon: make the rgmd serving the socket exit for a restart, leaving every
    /// resource group as it is and running (SIGUSR2), wait until it has; when systemd runs it,
    /// wait until the next rgmd serves (docs/operating.md, "Restarting rgmd").
    #[arg(long)]
    pub restart: bool,
    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Options {
    pub fn node_name(&self) -> anyhow::Result<String> {
        if let Some(n) = &self.node {
            return Ok(n.clone());
        }
        let host = nix::unistd::gethostname()?;
        let host = host.to_string_lossy();
        // A node name is a legal object name: the host name up to its first dot.
        Ok(host.split('.').next().unwrap_or("node").to_string())
    }

    pub fn state_dir(&self) -> PathBuf {
        if let Some(d) = &self.state_dir {
            return d.clone();
        }
        if nix::unistd::geteuid().is_root() {
            return PathBuf::from("/var/lib/rgm");
        }
        let base = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        base.join("rgm")
    }

    pub fn socket(&self, state_dir: &std::path::Path) -> PathBuf {
        if let Some(s) = &self.socket {
            return s.clone();
        }
        if let Some(s) = rgm_proto::socket_from_env() {
            return s;
        }
        if nix::unistd::geteuid().is_root() {
            return PathBuf::from(rgm_proto::DEFAULT_SOCKET);
        }
        state_dir.join("rgmd.sock")
    }
}
