//! Starting rgmd: the state directory and its store (migrating an older rgm's files into it),
//! the stored configuration and state (and whether to trust the state: the same boot, or a
//! node that rebooted), the cluster log, the launcher, the socket, the signals; then the event
//! loop.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::UnixListener;
use tokio::signal::unix::{SignalKind, signal};

use rgm_core::engine::{Engine, Severity};
use rgm_core::{Change, ClusterConfig, NothingRunning};
use rgm_exec::Launcher;

use crate::cluster::{ClusterLink, ClusterSpec};
use crate::cluster_log::ClusterLog;
use crate::event_loop::{Daemon, Exit, LoopEvent};
use crate::executor::LauncherExecutor;
use crate::fence::Fencer;
use crate::node_events::NodeEventsHost;
use crate::options::Options;
use crate::persist::{Persistence, boot_id};
use crate::recovery;
use crate::server::{AccessPolicy, ClientLimits, Identity, serve};
use rgm_store::migrate::{Migration, migrate};
use rgm_store::{Layout, LocalStore};

pub async fn run(options: Options) -> anyhow::Result<Exit> {
    let spec = ClusterSpec::parse(
        &options.store,
        options.cluster.as_deref(),
        options.lease_ttl,
    )
    .map_err(anyhow::Error::msg)?;
    let node = options.node_name()?;
    if let Some(problem) = rgm_core::name::name_problem(&node) {
        anyhow::bail!("node name {node:?} is not legal: {problem}; give one with --node");
    }
    let state_dir = options.state_dir();
    let socket = options.socket(&state_dir);
    match spec {
        None => run_local(options, node, state_dir, socket).await,
        Some(spec) => run_cluster(options, spec, node, state_dir, socket).await,
    }
}

/// What every rgmd starts with, whatever its store.
struct Start {
    log: ClusterLog,
    executor: LauncherExecutor,
    fencer: Fencer,
    serving: Serving,
}

/// What the loop and the socket run with.
struct Serving {
    launcher: Launcher,
    tx: tokio::sync::mpsc::UnboundedSender<LoopEvent>,
    rx: tokio::sync::mpsc::UnboundedReceiver<LoopEvent>,
    listener: UnixListener,
}

/// `same_boot`: whether the previous rgmd of this state directory ran in this boot (its runs
/// may still be running; see [`recovery`]).
fn start(
    options: &Options,
    node: &str,
    state_dir: &Path,
    socket: &Path,
    same_boot: bool,
) -> anyhow::Result<Start> {
    let log = ClusterLog::for_daemon(options, state_dir)?;
    let (launcher, runs) = recovery::launcher(state_dir, same_boot)?;
    if launcher.uses_cgroups() {
        launcher.sweep_cgroups();
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    // Before the socket serves: a stop (or restart) asked as soon as commands can see rgmd
    // waits in the queue for the loop instead of killing rgmd outright.
    spawn_signals(tx.clone())?;
    let listener = crate::socket::bind(socket)?;
    let executor = LauncherExecutor::new(
        launcher.clone(),
        runs,
        tx.clone(),
        socket.to_path_buf(),
        Duration::from_secs(options.grace),
    );
    let fencer = Fencer::new(
        options.fence_command.as_deref(),
        launcher.clone(),
        tx.clone(),
        node,
    );
    Ok(Start {
        log,
        executor,
        fencer,
        serving: Serving {
            launcher,
            tx,
            rx,
            listener,
        },
    })
}

/// Serves the socket, handles signals, tells systemd it is ready, and runs the loop.
async fn serve_and_run(
    options: &Options,
    daemon: &mut Daemon,
    cluster_name: String,
    socket: &Path,
    serving: Serving,
) -> anyhow::Result<Exit> {
    let Serving {
        launcher,
        tx,
        rx,
        listener,
    } = serving;
    let node = daemon.node.clone();
    let policy = Arc::new(access_policy(options)?);
    let identity = Arc::new(Identity {
        cluster: cluster_name,
        node: node.clone(),
    });
    let limits = ClientLimits::from(options);
    tokio::spawn(serve(listener, tx.clone(), policy, identity, limits));
    if let Some(addr) = options.http {
        let listener = crate::http::bind(addr).await?;
        let at = listener.local_addr()?;
        crate::http::spawn(listener, tx.clone());
        daemon.note(
            Severity::Notice,
            format!("serving /metrics and the status page at http://{at}/"),
        );
    }
    crate::cluster_log::reopen_on_sighup(daemon.log.clone(), &node)?;
    crate::notify::ready(socket, &node)?;
    if launcher.uses_cgroups() {
        tokio::spawn(sweep_cgroups(launcher.clone()));
    }
    daemon.run(rx).await
}

async fn run_local(
    options: Options,
    node: String,
    state_dir: PathBuf,
    socket: PathBuf,
) -> anyhow::Result<Exit> {
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
    let same_boot = loaded.state.is_some() && loaded.boot_id.as_deref() == Some(this_boot.as_str());
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
    let Start {
        log,
        executor,
        fencer,
        serving,
    } = start(&options, &node, &state_dir, &socket, same_boot)?;
    let store_name = persist.describe();
    let cluster_name = engine.config().cluster_name.clone();
    let host = crate::host::Host::new(engine, persist, &node);
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
    let events =
        NodeEventsHost::prepare(&options, &node, &serving.launcher, &daemon.log, &socket).await?;
    events.join_local(&mut daemon, serving.tx.clone()).await;
    daemon.events = Some(events.clone());
    let launcher = serving.launcher.clone();
    let exit = serve_and_run(&options, &mut daemon, cluster_name, &socket, serving).await?;
    if exit != Exit::Restart {
        events.shutdown().await;
    }
    match &exit {
        Exit::Clean => {
            // The next start is a new cluster: Auto_start_on_new_cluster decides.
            daemon.forget_state().await;
            crate::restart::kill_strays(&launcher, &mut daemon);
            daemon.note(Severity::Notice, format!("rgmd on node {node} stopped; its resource groups are offline"));
        }
        Exit::Restart => crate::restart::note_exit(&mut daemon),
        Exit::Unclean(why) => daemon.note(
            Severity::Error,
            format!("rgmd on node {node} stopped, but not cleanly: {why}; the runtime state is kept for the next start"),
        ),
    }
    let _ = std::fs::remove_file(&socket);
    Ok(exit)
}

async fn run_cluster(
    options: Options,
    spec: ClusterSpec,
    node: String,
    state_dir: PathBuf,
    socket: PathBuf,
) -> anyhow::Result<Exit> {
    let (state_dir, _lock) = rgm_store::local::lock_state_dir(&state_dir)?;
    let store = connect(&spec, &options.store).await?;
    let this_boot = boot_id();
    // The watchdog fired since the last rgmd: this node's processes are dead, so the
    // previous membership must not be carried on. Otherwise the previous rgmd's run files are
    // kept: if this one carries on its membership, it takes over the runs it was given.
    let may_resume = !crate::cluster::watchdog::take_fired(&state_dir);
    let Start {
        log,
        executor,
        fencer,
        serving,
    } = start(&options, &node, &state_dir, &socket, may_resume)?;
    let tx = serving.tx.clone();
    let events = NodeEventsHost::prepare(&options, &node, &serving.launcher, &log, &socket).await?;
    let Some(methods) = serving.launcher.cgroup_parent().map(Path::to_path_buf) else {
        anyhow::bail!(
            "a cluster node needs a writable cgroup v2 (none was found): it is how rgmd stops every process of its resources when it loses its lease"
        );
    };
    let addresses = rgm_agents::logical_hostname::held::dir_for_socket(&socket);
    start_watchdog(&state_dir, &methods, &addresses)?;
    let (member_tx, member_rx) = tokio::sync::mpsc::unbounded_channel();
    let link = ClusterLink::new(
        spec.clone(),
        Arc::clone(&store),
        &this_boot,
        state_dir.clone(),
        tx.clone(),
        member_tx,
        Some(methods),
    );
    crate::cluster::member::spawn(
        Arc::clone(&store),
        link.keys.clone(),
        crate::cluster::member::Identity {
            node: node.clone(),
            boot_id: this_boot.clone(),
            ttl: spec.ttl,
            may_resume,
        },
        tx.clone(),
        member_rx,
    );
    let mut daemon = Daemon::clustered(
        link,
        node.clone(),
        log,
        Box::new(executor),
        fencer.clustered(),
    );
    daemon.events = Some(events.clone());
    daemon.note(
        Severity::Notice,
        format!(
            "rgmd {} starting on node {node} of cluster {} (store {}, lease {} s), socket {}",
            env!("CARGO_PKG_VERSION"),
            spec.name,
            store.describe(),
            spec.ttl.as_secs(),
            socket.display()
        ),
    );
    let launcher = serving.launcher.clone();
    let exit = serve_and_run(&options, &mut daemon, spec.name.clone(), &socket, serving).await;
    // Whatever way a cluster node's rgmd ends but a restart in place, what its resources
    // left running here goes with it: their groups are (or will be) started elsewhere. After
    // a restart in place the next rgmd carries the membership on, and the watchdog kills
    // them if it does not in time.
    if !matches!(exit, Ok(Exit::Restart)) {
        crate::restart::kill_strays(&launcher, &mut daemon);
    }
    let exit = exit?;
    if exit != Exit::Restart {
        events.shutdown().await;
    }
    match &exit {
        Exit::Clean => daemon.note(
            Severity::Notice,
            format!(
                "rgmd on node {node} left cluster {}; its resource groups moved to other nodes",
                spec.name
            ),
        ),
        Exit::Restart => crate::restart::note_exit(&mut daemon),
        Exit::Unclean(why) => daemon.note(
            Severity::Error,
            format!(
                "rgmd on node {node} left cluster {}, but not cleanly: {why}",
                spec.name
            ),
        ),
    }
    let _ = std::fs::remove_file(&socket);
    Ok(exit)
}

#[cfg(feature = "etcd")]
async fn connect(spec: &ClusterSpec, option: &str) -> anyhow::Result<Arc<dyn rgm_store::Store>> {
    let store = rgm_store::etcd::EtcdStore::connect(&spec.endpoints)
        .await
        .with_context(|| format!("--store {option}"))?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "etcd"))]
async fn connect(_: &ClusterSpec, option: &str) -> anyhow::Result<Arc<dyn rgm_store::Store>> {
    anyhow::bail!("--store {option}: this rgmd was built without etcd support (feature `etcd`)")
}

/// Starts this state directory's watchdog unless one runs (left by a previous rgmd); it
/// removes the addresses recorded in `addresses` when it fires.
fn start_watchdog(state_dir: &Path, methods: &Path, addresses: &Path) -> anyhow::Result<()> {
    if crate::cluster::watchdog::running(state_dir) {
        return Ok(());
    }
    let program = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("rgm-watchdog")))
        .filter(|p| p.is_file())
        .context("rgm-watchdog is not installed beside rgmd")?;
    let cgroup = crate::cluster::watchdog::watchdog_cgroup(methods);
    let child = rgm_exec::helper::spawn_helper(
        &program,
        &[
            state_dir.display().to_string(),
            methods.display().to_string(),
            addresses.display().to_string(),
        ],
        &state_dir.join("watchdog.log"),
        cgroup.as_deref(),
    )
    .with_context(|| format!("cannot start {}", program.display()))?;
    // Reaped when it ends (it outlives rgmd otherwise, on purpose).
    std::thread::spawn(move || {
        let mut child = child;
        let _ = child.wait();
    });
    // It takes its lock at once; wait for that, so that a second start never doubles it.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !crate::cluster::watchdog::running(state_dir) {
        if std::time::Instant::now() > deadline {
            anyhow::bail!("{} did not start", program.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
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

/// SIGTERM and SIGINT stop the node's groups, then rgmd; SIGUSR2 makes rgmd exit leaving them
/// running, for the next rgmd ([`crate::restart`]).
fn spawn_signals(tx: tokio::sync::mpsc::UnboundedSender<LoopEvent>) -> anyhow::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = term.recv() => LoopEvent::Shutdown,
                _ = int.recv() => LoopEvent::Shutdown,
                _ = usr2.recv() => LoopEvent::Restart,
            };
            if tx.send(event).is_err() {
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
