//! Starting rgmd: the state directory and its store (migrating an older rgm's files into it),
//! the stored configuration and state (and whether to trust the state: the same boot, or a
//! node that rebooted), the cluster log, the launcher, the socket, the signals; then the event
//! loop.

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
use crate::persist::{Persistence, boot_id};
use crate::server::{AccessPolicy, ClientLimits, Identity, serve};
use rgm_store::migrate::{Migration, migrate};
use rgm_store::{Layout, LocalStore};

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
    let store = LocalStore::open(&state_dir)?;
    let layout = Layout::local();
    let migration = migrate(&store, &layout)?;
    let this_boot = boot_id();
    let mut persist = Persistence::new(Box::new(store), layout, &node, &this_boot);
    let loaded = persist.load().await?;
    let config = match loaded.config {
        Some(c) => {
            // A store edited by hand (or by an older rgm) must still obey every rule.
            if let Err(e) = c.check() {
                anyhow::bail!(
                    "{}: the stored configuration breaks rgm's rules; fix it or restore a backup:\n{e}",
                    persist.describe()
                );
            }
            c
        }
        None => {
            let mut c = ClusterConfig::new(options.cluster.clone().unwrap_or_else(|| node.clone()));
            c.apply(&Change::AddNode { name: node.clone() }, &NothingRunning)?;
            persist.save_config(&c).await?;
            c
        }
    };
    let (engine, how) = match (loaded.state, loaded.boot_id) {
        (Some(s), Some(b)) if b == this_boot => (
            Engine::restore(config, s),
            "recovering from the saved runtime state (rgmd restarted; the node did not reboot)"
                .to_string(),
        ),
        (Some(_), Some(_)) => (
            Engine::new(config),
            "the node rebooted since the saved state: starting as a new cluster".to_string(),
        ),
        (Some(_), None) => (
            Engine::new(config),
            "the saved state records no boot of this node: starting as a new cluster".to_string(),
        ),
        (None, _) => (
            Engine::new(config),
            "no saved runtime state: starting as a new cluster".to_string(),
        ),
    };
    let log = ClusterLog::for_daemon(&options, &state_dir)?;

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
    let store_name = persist.describe();
    let host = crate::host::Host::new(engine, persist);
    let mut daemon = Daemon::new(host, node.clone(), log, Box::new(executor), fencer);
    if let Migration::Done {
        config,
        state,
        state_skipped,
    } = &migration
    {
        daemon.note(
            Severity::Notice,
            format!(
                "moved the older state files into the store {store_name} (configuration: {}, runtime state: {})",
                if *config { "yes" } else { "none" },
                if *state { "yes" } else { "no" }
            ),
        );
        if let Some(why) = state_skipped {
            daemon.note(
                Severity::Warning,
                format!("the older runtime state could not be read and was not moved: {why}"),
            );
        }
    }
    daemon.note(
        Severity::Notice,
        format!(
            "rgmd {} starting on node {node}, store {store_name}, socket {}: {how}",
            env!("CARGO_PKG_VERSION"),
            socket.display()
        ),
    );

    let policy = Arc::new(access_policy(&options)?);
    let identity = Arc::new(Identity {
        cluster: daemon.host.engine.config().cluster_name.clone(),
        node: node.clone(),
    });
    let limits = ClientLimits::from(&options);
    tokio::spawn(serve(listener, tx.clone(), policy, identity, limits));
    spawn_signals(tx.clone())?;
    crate::cluster_log::reopen_on_sighup(daemon.log.clone(), &node)?;
    crate::notify::ready(&socket, &node)?;
    if launcher.uses_cgroups() {
        tokio::spawn(sweep_cgroups(launcher.clone()));
    }

    let exit = daemon.run(rx).await?;
    match &exit {
        Exit::Clean => {
            // The next start is a new cluster: Auto_start_on_new_cluster decides.
            daemon.forget_state().await;
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
