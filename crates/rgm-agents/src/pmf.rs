//! `rgm-pmf`, the process monitor (Solaris's PMF): runs one program as a service, keeps it
//! running, and stops it on request.
//!
//! ```text
//! rgm-pmf --dir DIR --tag TAG [--retries N] [--period SECONDS] [--level L]
//!         [--stop-signal SIGNAL] [--resource R --group G] -- PROGRAM [ARGS...]
//! ```
//!
//! - The monitor is a child subreaper: processes of the service that daemonise (fork and let
//!   their parent exit, even after `setsid`) are adopted by it, so the service is *the monitor's
//!   whole process tree*. `--level L` (Child_mon_level) limits which of them count: the program
//!   is level 0, its children level 1 and so on; `-1` (the default) counts all. The service is
//!   dead when no counted process is left; what is left of it then is killed before a restart.
//! - A dead service is restarted, at most `--retries` times within `--period` seconds (`-1`:
//!   without limit). With `--resource` and `--group`, the count is rgmd's instead: the service
//!   is restarted while the resource's Num_resource_restarts is below its Retry_count, and each
//!   restart is reported (`scha_control RESOURCE_IS_RESTARTED`); when rgmd refuses that report
//!   (Failover_mode RESTART_ONLY or LOG_ONLY) the monitor gives up. It uses its own count only
//!   when rgmd cannot be asked or the resource is not online yet (during START).
//! - When it gives up it says so in `TAG.state` and exits; the fault monitor notices.
//! - Signals: `SIGUSR1` stands down (no more restarts; exits once the service is gone);
//!   `SIGTERM` also sends `--stop-signal` (default TERM) to every process of the service;
//!   `SIGUSR2` sends SIGKILL to every process of the service.
//! - Files in DIR: `TAG.pid` (the monitor, while it runs), `TAG.lock` (one monitor per tag),
//!   `TAG.state` (`up N`, `restarting`, `stopping`, `gave up: REASON`), `TAG.log` (the
//!   service's output and the monitor's messages, kept to 1 MiB plus one older file).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use rgm_core::engine::ControlTag;
use rgm_exec::{MethodFinished, MethodTags, OutputLine, RunningMethod};
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use crate::client::{Rgm, RgmError};
use crate::props::ResourceProps;
use crate::statedir::Recorded;

/// How often the monitor looks at its process tree.
const SCAN: Duration = Duration::from_millis(100);
/// A log file is rotated when it passes this size.
const LOG_LIMIT: u64 = 1024 * 1024;
/// A service run is given this long as its "timeout": it has none.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The end of a started program.
type Ending = std::pin::Pin<Box<dyn std::future::Future<Output = MethodFinished>>>;

/// The command line of `rgm-pmf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub dir: PathBuf,
    pub tag: String,
    pub retries: i64,
    pub period: Duration,
    pub level: i64,
    pub stop_signal: Signal,
    pub resource: Option<(String, String)>,
    pub argv: Vec<String>,
}

impl Options {
    /// Parses argv\[1..\].
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Options, String> {
        let mut o = Options {
            dir: PathBuf::new(),
            tag: String::new(),
            retries: -1,
            period: Duration::from_secs(300),
            level: -1,
            stop_signal: Signal::SIGTERM,
            resource: None,
            argv: Vec::new(),
        };
        let (mut resource, mut group) = (None, None);
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            if a == "--" {
                o.argv = args.collect();
                break;
            }
            let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
            let int = |v: String| {
                v.parse::<i64>()
                    .map_err(|_| format!("{a}: not a number: {v}"))
            };
            match a.as_str() {
                "--dir" => o.dir = PathBuf::from(value()?),
                "--tag" => o.tag = value()?,
                "--retries" => o.retries = int(value()?)?,
                "--period" => o.period = Duration::from_secs(int(value()?)?.max(0) as u64),
                "--level" => o.level = int(value()?)?,
                "--stop-signal" => {
                    let v = value()?;
                    o.stop_signal =
                        parse_signal(&v).ok_or_else(|| format!("unknown signal {v}"))?;
                }
                "--resource" => resource = Some(value()?),
                "--group" => group = Some(value()?),
                other => return Err(format!("unknown option {other}")),
            }
        }
        if o.dir.as_os_str().is_empty() || o.tag.is_empty() || o.argv.is_empty() {
            return Err("usage: rgm-pmf --dir DIR --tag TAG [options] -- PROGRAM [ARGS...]".into());
        }
        o.resource = resource.zip(group);
        Ok(o)
    }

    /// The arguments that make these options again (for the method starting the monitor).
    pub fn to_args(&self) -> Vec<String> {
        let mut a = vec![
            "--dir".into(),
            self.dir.display().to_string(),
            "--tag".into(),
            self.tag.clone(),
            "--retries".into(),
            self.retries.to_string(),
            "--period".into(),
            self.period.as_secs().to_string(),
            "--level".into(),
            self.level.to_string(),
            "--stop-signal".into(),
            self.stop_signal.as_str().to_string(),
        ];
        if let Some((r, g)) = &self.resource {
            a.extend(["--resource".into(), r.clone(), "--group".into(), g.clone()]);
        }
        a.push("--".into());
        a.extend(self.argv.iter().cloned());
        a
    }
}

pub use rgm_exec::signals::parse_signal;

/// The files of one monitor.
#[derive(Debug, Clone)]
pub struct Files {
    pub pid: PathBuf,
    pub lock: PathBuf,
    pub state: PathBuf,
    pub log: PathBuf,
}

impl Files {
    pub fn new(dir: &Path, tag: &str) -> Files {
        Files {
            pid: dir.join(format!("{tag}.pid")),
            lock: dir.join(format!("{tag}.lock")),
            state: dir.join(format!("{tag}.state")),
            log: dir.join(format!("{tag}.log")),
        }
    }

    /// The monitor, if it runs.
    pub fn running(&self) -> Option<Recorded> {
        Recorded::running(&self.pid)
    }

    /// What `TAG.state` says.
    pub fn state(&self) -> String {
        std::fs::read_to_string(&self.state)
            .unwrap_or_default()
            .trim()
            .to_string()
    }
}

/// Appends lines to a log file, rotating it at [`LOG_LIMIT`].
struct Log {
    path: PathBuf,
    file: Option<File>,
}

impl Log {
    fn new(path: PathBuf) -> Log {
        Log { path, file: None }
    }

    fn line(&mut self, text: &str) {
        let too_big = std::fs::metadata(&self.path).is_ok_and(|m| m.len() > LOG_LIMIT);
        if too_big {
            self.file = None;
            let _ = std::fs::rename(&self.path, self.path.with_extension("log.1"));
        }
        if self.file.is_none() {
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .ok();
        }
        if let Some(f) = &mut self.file {
            let _ = writeln!(f, "{text}");
        }
    }

    fn note(&mut self, text: &str) {
        self.line(&format!("rgm-pmf: {text}"));
    }
}

/// Runs the monitor; returns its exit status.
pub fn main() -> i32 {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("rgm-pmf: {e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rgm-pmf: cannot start: {e}");
            return 1;
        }
    };
    runtime.block_on(Monitor::run(options))
}

/// What the monitor was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Keep,
    StandDown,
}

struct Monitor {
    o: Options,
    files: Files,
    log: Log,
    me: u32,
    mode: Mode,
    deaths: VecDeque<Instant>,
}

impl Monitor {
    async fn run(o: Options) -> i32 {
        let files = Files::new(&o.dir, &o.tag);
        let lock = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&files.lock)
        {
            Ok(f) => f,
            Err(e) => {
                eprintln!("rgm-pmf: {}: {e}", files.lock.display());
                return 1;
            }
        };
        let _lock = match nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusiveNonblock)
        {
            Ok(l) => l,
            Err(_) => {
                eprintln!("rgm-pmf: another monitor runs for {}", o.tag);
                return 0;
            }
        };
        if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
            eprintln!("rgm-pmf: cannot become a child subreaper: {e}");
            return 1;
        }
        let me = std::process::id();
        if let Some(r) = Recorded::me() {
            let _ = r.write(&files.pid);
        }
        let mut m = Monitor {
            log: Log::new(files.log.clone()),
            files,
            o,
            me,
            mode: Mode::Keep,
            deaths: VecDeque::new(),
        };
        let code = m.supervise().await;
        let _ = std::fs::remove_file(&m.files.pid);
        code
    }

    fn set_state(&self, state: &str) {
        let tmp = self.files.state.with_extension("state.tmp");
        if std::fs::write(&tmp, format!("{state}\n")).is_ok() {
            let _ = std::fs::rename(&tmp, &self.files.state);
        }
    }

    /// The processes of the service that are alive, and those of them that count.
    fn tree(&self) -> (Vec<u32>, usize) {
        let members = rgm_exec::tree::descendants(self.me);
        let live: Vec<_> = members.iter().filter(|m| m.alive).collect();
        let counted = live
            .iter()
            .filter(|m| self.o.level < 0 || i64::from(m.depth) <= self.o.level)
            .count();
        (live.iter().map(|m| m.pid).collect(), counted)
    }

    /// Reaps the adopted zombies (not `main`, which rgm-exec reaps).
    fn reap(&self, main: Option<u32>) {
        for m in rgm_exec::tree::descendants(self.me) {
            if !m.alive && m.depth == 0 && Some(m.pid) != main {
                let _ = waitpid(Pid::from_raw(m.pid as i32), Some(WaitPidFlag::WNOHANG));
            }
        }
    }

    fn signal_all(&self, pids: &[u32], sig: Signal) {
        for pid in pids {
            let _ = nix::sys::signal::kill(Pid::from_raw(*pid as i32), sig);
        }
    }

    /// Starts the program; returns its pid and its end, or `None` when it cannot run.
    async fn start(
        &mut self,
        lines: tokio::sync::mpsc::UnboundedSender<OutputLine>,
    ) -> Option<(u32, Ending)> {
        let cmd = crate::run::Command::new(&self.o.tag, self.o.argv.clone(), FOREVER);
        let tags = MethodTags {
            method: self.o.tag.clone(),
            ..MethodTags::default()
        };
        let req = match crate::run::request(&cmd, tags) {
            Ok(req) => req,
            Err(e) => {
                self.log.note(&format!("cannot start: {e}"));
                return None;
            }
        };
        self.log
            .note(&format!("starting {}", self.o.argv.join(" ")));
        let running: RunningMethod = crate::run::launcher().start(req, Some(lines));
        // The launcher's task forks on its first run; wait for it to have done so.
        let deadline = Instant::now() + Duration::from_secs(10);
        let pid = loop {
            if let Some(pid) = running.pid() {
                break Some(pid);
            }
            if Instant::now() > deadline {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        let ending: Ending = Box::pin(running.wait());
        match pid {
            Some(pid) => Some((pid, ending)),
            None => {
                let f = ending.await;
                self.log.note(&format!("cannot start: {:?}", f.status));
                None
            }
        }
    }

    async fn supervise(&mut self) -> i32 {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<OutputLine>();
        let (Ok(mut term), Ok(mut usr1), Ok(mut usr2)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::user_defined1()),
            signal(SignalKind::user_defined2()),
        ) else {
            self.log.note("cannot handle signals");
            return 1;
        };
        let Some((mut main, mut ending)) = self.start(tx.clone()).await else {
            self.set_state("gave up: the program cannot be started");
            return 1;
        };
        self.set_state("up");
        let mut main_done = false;
        let mut tick = tokio::time::interval(SCAN);
        loop {
            tokio::select! {
                Some(line) = rx.recv() => self.log.line(&line.text),
                finished = &mut ending, if !main_done => {
                    main_done = true;
                    self.log.note(&format!("main process {main} ended: {:?}", finished.status));
                }
                _ = term.recv() => {
                    self.mode = Mode::StandDown;
                    self.set_state("stopping");
                    let (live, _) = self.tree();
                    self.log.note(&format!("stopping: {} to {} process(es)", self.o.stop_signal.as_str(), live.len()));
                    self.signal_all(&live, self.o.stop_signal);
                }
                _ = usr1.recv() => {
                    self.mode = Mode::StandDown;
                    self.set_state("stopping");
                    self.log.note("standing down: no more restarts");
                }
                _ = usr2.recv() => {
                    self.mode = Mode::StandDown;
                    let (live, _) = self.tree();
                    self.log.note(&format!("SIGKILL to {} process(es)", live.len()));
                    self.signal_all(&live, Signal::SIGKILL);
                }
                _ = tick.tick() => {
                    self.reap((!main_done).then_some(main));
                    let (live, counted) = self.tree();
                    if !main_done || counted > 0 {
                        continue;
                    }
                    if self.mode == Mode::StandDown {
                        if live.is_empty() {
                            self.log.note("the service is stopped");
                            self.set_state("stopped");
                            return 0;
                        }
                        continue;
                    }
                    // Dead: nothing that counts is left; what is left goes too.
                    self.signal_all(&live, Signal::SIGKILL);
                    match self.may_restart() {
                        Ok(why) => {
                            self.set_state("restarting");
                            self.log.note(&format!("the service died; restarting it ({why})"));
                            let Some((pid, e)) = self.start(tx.clone()).await else {
                                self.set_state("gave up: the program cannot be started");
                                return 1;
                            };
                            (main, ending, main_done) = (pid, e, false);
                            self.set_state("up");
                        }
                        Err(why) => {
                            self.log.note(&format!("the service died; giving up: {why}"));
                            self.set_state(&format!("gave up: {why}"));
                            return 0;
                        }
                    }
                }
            }
        }
    }

    /// Whether a dead service may be restarted: `Ok(count)` or `Err(reason)`.
    fn may_restart(&mut self) -> Result<String, String> {
        let now = Instant::now();
        self.deaths.push_back(now);
        while self
            .deaths
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.o.period)
        {
            self.deaths.pop_front();
        }
        if let Some((resource, group)) = self.o.resource.clone() {
            match rgm_decision(&resource, &group) {
                Decision::Restart(why) => return Ok(why),
                Decision::GiveUp(why) => return Err(why),
                Decision::OwnCount => {}
            }
        }
        let n = self.deaths.len() as i64;
        if self.o.retries < 0 || n <= self.o.retries {
            Ok(format!(
                "restart {n} of {} within {} s",
                self.o.retries,
                self.o.period.as_secs()
            ))
        } else {
            Err(format!(
                "it died {n} times within {} s; the limit is {} restarts",
                self.o.period.as_secs(),
                self.o.retries
            ))
        }
    }
}

enum Decision {
    Restart(String),
    GiveUp(String),
    OwnCount,
}

/// Asks rgmd whether the resource may be restarted once more, and reports the restart.
fn rgm_decision(resource: &str, group: &str) -> Decision {
    let Ok(mut rgm) = Rgm::connect("rgm-pmf") else {
        return Decision::OwnCount;
    };
    let Ok(props) = rgm
        .resource_view(resource)
        .map_err(|e| e.to_string())
        .and_then(|v| ResourceProps::new(v, resource))
    else {
        return Decision::OwnCount;
    };
    if !props.state().is_started() {
        return Decision::OwnCount;
    }
    let limit = props.int("Retry_count").unwrap_or(0);
    let done = props.restarts();
    if limit >= 0 && done >= limit {
        return Decision::GiveUp(format!(
            "it was restarted {done} time(s) within Retry_interval and Retry_count is {limit}"
        ));
    }
    match rgm.control(ControlTag::ResourceIsRestarted, group, resource) {
        Ok(()) => Decision::Restart(format!(
            "restart {} of {limit} within Retry_interval",
            done + 1
        )),
        Err(RgmError::Refused {
            code: rgm_core::ErrorCode::Checks,
            messages,
        }) => Decision::GiveUp(messages.join("; ")),
        Err(_) => Decision::OwnCount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip() {
        let o = Options::parse(
            [
                "--dir",
                "/d",
                "--tag",
                "svc",
                "--retries",
                "2",
                "--period",
                "60",
                "--level",
                "0",
                "--stop-signal",
                "hup",
                "--resource",
                "r",
                "--group",
                "g",
                "--",
                "sh",
                "-c",
                "x",
            ]
            .map(String::from),
        )
        .unwrap();
        assert_eq!(o.stop_signal, Signal::SIGHUP);
        assert_eq!(o.resource, Some(("r".into(), "g".into())));
        assert_eq!(o.argv, ["sh", "-c", "x"]);
        assert_eq!(Options::parse(o.to_args()).unwrap(), o);
        assert!(Options::parse(["--tag".to_string()]).is_err());
    }

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(parse_signal("TERM"), Some(Signal::SIGTERM));
        assert_eq!(parse_signal("sigkill"), Some(Signal::SIGKILL));
        assert_eq!(parse_signal("15"), Some(Signal::SIGTERM));
        assert_eq!(parse_signal("NOPE"), None);
    }
}
