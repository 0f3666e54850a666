//! Starting rgmd: the state directory and its lock, the stored configuration and state (and
//! whether to trust the state: the same boot, or a node that rebooted), the cluster log, the
//! launcher, the socket, the signals; then the event loop.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

use rgm_core::engine::{Engine, Severity};
use rgm_core::{Change, ClusterConfig, NothingRunning};
use rgm_exec::{Launcher, LauncherConfig};

use crate::cluster_log::ClusterLog;
use crate::event_loop::{Daemon, Exit, LoopEvent};
use crate::executor::LauncherExecutor;
use crate::fence::Fencer;
use crate::options::Options;
use crate::server::{AccessPolicy, ClientLimits, Identity, serve};
use crate::store::{LocalStore, Store, boot_id};

pub async fn run(options: Options) -> anyhow::Result<Exit> {
    if options.store != "local" {
        anyhow::bail!(
            "--store {}: this rgmd supports only the local store",
            options.store
        );
    }
    let node = options.node_name()?;
    if let Some(problem) = rgm_core::name::name_problem(&node) {
        anyhow::bail!("node name {node:?} is not legal: {problem}; give one with --node");
    }
    let state_dir = options.state_dir();
    let socket = options.socket(&state_dir);
    let mut store = LocalStore::open(&state_dir)?;
    let config = match store.load_config()? {
        Some(c) => {
            // A store edited by hand (or by an older rgm) must still obey every rule.
            if let Err(e) = c.check() {
                anyhow::bail!(
                    "{}: the stored configuration breaks rgm's rules; fix it or restore a backup:\n{e}",
                    store.config_path().display()
                );
            }
            c
        }
        None => {
            let mut c = ClusterConfig::new(options.cluster.clone().unwrap_or_else(|| node.clone()));
            c.apply(&Change::AddNode { name: node.clone() }, &NothingRunning)?;
            store.save_config(&c)?;
            c
        }
    };
    let this_boot = boot_id();
    let (stored, unreadable) = store.load_state();
    let (engine, how) = match stored {
        Some(s) if s.node == node && s.boot_id == this_boot => (
            Engine::restore(config, s.snapshot),
            "recovering from the saved runtime state (rgmd restarted; the node did not reboot)"
                .to_string(),
        ),
        Some(s) if s.node != node => (
            Engine::new(config),
            format!("saved state belongs to node {}; starting afresh", s.node),
        ),
        Some(_) => (
            Engine::new(config),
            "the node rebooted since the saved state: starting as a new cluster".to_string(),
        ),
        None => (
            Engine::new(config),
            "no saved runtime state: starting as a new cluster".to_string(),
        ),
    };
    let log = ClusterLog::open(&state_dir, options.log_max_bytes)
        .with_context(|| format!("cannot open the cluster log in {}", state_dir.display()))?;

    let launcher = Launcher::new(LauncherConfig::default());
    if launcher.uses_cgroups() {
        launcher.sweep_cgroups();
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (listener, _socket_lock) = crate::socket::bind(&socket)?;

    let executor = LauncherExecutor::new(
        launcher.clone(),
        tx.clone(),
        socket.clone(),
        Duration::from_secs(options.grace),
    );
    let fencer = Fencer::new(
        options.fence_command.as_deref(),
        launcher.clone(),
        tx.clone(),
        &node,
    );
    let mut daemon = Daemon::new(
        engine,
        node.clone(),
        Box::new(store),
        log,
        Box::new(executor),
        fencer,
        this_boot,
    );
    if let Some(why) = unreadable {
        daemon.note(
            Severity::Warning,
            format!("ignoring unreadable runtime state: {why}"),
        );
    }
    daemon.note(
        Severity::Notice,
        format!(
            "rgmd {} starting on node {node}, state in {}, socket {}: {how}",
            env!("CARGO_PKG_VERSION"),
            state_dir.display(),
            socket.display()
        ),
    );

    let policy = Arc::new(access_policy(&options)?);
    let identity = Arc::new(Identity {
        cluster: daemon.engine.config().cluster_name.clone(),
        node: node.clone(),
    });
    let limits = ClientLimits::from(&options);
    tokio::spawn(serve(listener, tx.clone(), policy, identity, limits));
    spawn_signals(tx.clone())?;
    if launcher.uses_cgroups() {
        tokio::spawn(sweep_cgroups(launcher.clone()));
    }

    let exit = daemon.run(rx).await?;
    match &exit {
        Exit::Clean => {
            // The next start is a new cluster: Auto_start_on_new_cluster decides.
            daemon.forget_state();
            daemon.note(Severity::Notice, format!("rgmd on node {node} stopped; its resource groups are offline"));
        }
        Exit::Unclean(why) => daemon.note(
            Severity::Error,
            format!("rgmd on node {node} stopped, but not cleanly: {why}; the runtime state is kept for the next start"),
        ),
    }
    let _ = std::fs::remove_file(&socket);
    Ok(exit)
}

fn access_policy(options: &Options) -> anyhow::Result<AccessPolicy> {
    let admin = match &options.admin_group {
        Some(name) => {
            let group = nix::unistd::Group::from_name(name)?
                .with_context(|| format!("--admin-group {name}: no such group"))?;
            Some((group.gid.as_raw(), name.clone()))
        }
        None => None,
    };
    Ok(AccessPolicy {
        own_uid: nix::unistd::geteuid().as_raw(),
        admin_gid: admin.as_ref().map(|a| a.0),
        admin_group_name: admin.map(|a| a.1),
    })
}

fn spawn_signals(tx: tokio::sync::mpsc::UnboundedSender<LoopEvent>) -> anyhow::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            if tx.send(LoopEvent::Shutdown).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// How often the cgroups that methods' leftover processes kept alive are looked at again.
const CGROUP_SWEEP: Duration = Duration::from_secs(30);

/// Removes, now and then, the cgroups of finished methods once their leftover processes (a
/// daemon a START left, say) have ended; the launcher sweeps on its own only when a run ends.
async fn sweep_cgroups(launcher: Launcher) {
    let mut every = tokio::time::interval(CGROUP_SWEEP);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let l = launcher.clone();
        let populated = tokio::task::spawn_blocking(move || l.sweep_cgroups()).await;
        if let Ok(n) = populated {
            tracing::debug!(populated = n, "swept method cgroups");
        }
    }
}
