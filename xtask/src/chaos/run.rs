//! One chaos run, from its seed: a node with CHAOS.lock resources in a few groups, random
//! administrator commands (some waited for, some left running), `kill -9` of rgmd at random
//! instants and a restart each time, then the checks (see [`super`]).

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::model::{Answer, Model, Op};
use super::node::Node;

/// The longest sleep of a method of CHAOS.lock, in milliseconds.
const NAP_MS: u64 = 300;
/// How long a run may take to settle after its last command.
pub(super) const SETTLE_LIMIT: Duration = Duration::from_secs(90);

/// What a run found.
#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub violations: Vec<String>,
    pub trace: Vec<String>,
    pub kills: u32,
    pub commands: u32,
    /// Where the run's directory was kept (failed runs).
    pub kept: Option<String>,
    /// The end of the cluster log and of rgmd's stderr, for a failed run.
    pub log: String,
}

impl Report {
    /// The report of a run whose harness code panicked.
    pub fn panicked(seed: u64, panic: Box<dyn std::any::Any + Send>) -> Report {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".into());
        Report {
            seed,
            violations: vec![format!("the harness panicked: {what}")],
            ..Report::default()
        }
    }
}

/// A small, seeded generator (splitmix64): the same seed, the same run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len() as u64) as usize)
        }
    }
}

/// A command left running.
struct Pending {
    op: Op,
    child: Child,
    /// Another command on the same object ran at the same time: which of them rgmd applied
    /// last cannot be known, so an acknowledgement establishes nothing.
    overlapped: bool,
}

pub(super) struct Run {
    pub(super) node: Node,
    rng: Rng,
    pub(super) model: Model,
    started: Instant,
    pub(super) report: Report,
    pending: Vec<Pending>,
    next_group: u32,
    next_resource: u32,
}

/// Runs seed `seed` with the binaries in `bin` and the type in `chaos_type` (tests/chaos).
pub fn run(seed: u64, bin: &Path, chaos_type: &Path, keep: bool) -> Report {
    let node = match Node::new(bin, &seed.to_string()) {
        Ok(n) => n,
        Err(e) => {
            return Report {
                seed,
                violations: vec![format!("cannot set the run up: {e:#}")],
                ..Report::default()
            };
        }
    };
    let mut run = Run {
        node,
        rng: Rng::new(seed),
        model: Model::default(),
        started: Instant::now(),
        report: Report {
            seed,
            ..Report::default()
        },
        pending: Vec::new(),
        next_group: 1,
        next_resource: 1,
    };
    if let Err(e) = run.play(chaos_type) {
        run.report.violations.push(format!("{e:#}"));
    }
    if keep || !run.report.violations.is_empty() {
        run.node.keep = true;
        run.report.kept = Some(run.node.dir.display().to_string());
        run.report.log = format!(
            "cluster log (end):\n{}\nrgmd stderr (end):\n{}",
            run.node.log_tail(60),
            super::node::tail(&run.node.dir.join("rgmd.stderr"), 20)
        );
    }
    for mut p in std::mem::take(&mut run.pending) {
        let _ = p.child.kill();
        let _ = p.child.wait();
    }
    run.report
}

impl Run {
    pub(super) fn trace(&mut self, line: String) {
        let ms = self.started.elapsed().as_millis();
        self.report.trace.push(format!("{ms:>6} ms  {line}"));
    }

    fn play(&mut self, chaos_type: &Path) -> Result<()> {
        self.install_type(chaos_type)?;
        self.node.start()?;
        self.trace("rgmd started".into());
        let rtr = self.node.dir.join("type/CHAOS.lock");
        self.node.ok(
            "clresourcetype",
            &["register", "-f", &rtr.to_string_lossy()],
        )?;
        for _ in 0..1 + self.rng.below(2) {
            let g = self.new_group();
            self.command(Op::CreateGroup(g.clone()), true)?;
            for _ in 0..1 + self.rng.below(3) {
                let r = self.new_resource();
                let op = Op::CreateResource {
                    name: r,
                    group: g.clone(),
                };
                self.command(op, true)?;
            }
            if self.rng.chance(75) {
                self.command(Op::Online(g), true)?;
            }
        }
        let steps = 4 + self.rng.below(6);
        let kill_at = self.rng.below(steps);
        let mut killed = false;
        for step in 0..steps {
            let roll = self.rng.below(100);
            if roll < 15 || (step == kill_at && !killed) {
                killed = true;
                self.crash()?;
            } else if roll < 25 {
                let ms = self.rng.below(2 * NAP_MS);
                self.trace(format!("pause {ms} ms"));
                std::thread::sleep(Duration::from_millis(ms));
            } else {
                let op = self.random_op();
                let wait = self.rng.chance(50);
                self.command(op, wait)?;
            }
        }
        self.finish_pending(None)?;
        self.settle()?;
        self.check_config()?;
        self.check_running()?;
        self.check_store()?;
        Ok(())
    }

    /// Copies tests/chaos into the run's directory (mode 0700: rgmd refuses methods others
    /// could change), one method file per method, and its chaos.conf.
    fn install_type(&self, chaos_type: &Path) -> Result<()> {
        let dir = self.node.dir.join("type");
        std::fs::create_dir_all(dir.join("bin"))?;
        std::fs::copy(chaos_type.join("CHAOS.lock"), dir.join("CHAOS.lock"))?;
        for m in ["start", "stop", "monitor_start", "monitor_stop", "update"] {
            std::fs::copy(
                chaos_type.join("bin/chaos_method"),
                dir.join(format!("bin/chaos_{m}")),
            )?;
        }
        std::fs::copy(
            chaos_type.join("bin/chaos_service"),
            dir.join("bin/chaos_service"),
        )?;
        std::fs::write(
            dir.join("chaos.conf"),
            format!(
                "RUN={}\nSEED={}\nNAP_MS={NAP_MS}\n",
                self.node.run_dir().display(),
                self.report.seed
            ),
        )?;
        Ok(())
    }

    fn new_group(&mut self) -> String {
        self.next_group += 1;
        format!("g{}", self.next_group - 1)
    }

    fn new_resource(&mut self) -> String {
        self.next_resource += 1;
        format!("r{}", self.next_resource - 1)
    }

    fn random_op(&mut self) -> Op {
        let groups = self.model.groups();
        let resources = self.model.resources();
        let g = self
            .rng
            .pick(&groups)
            .cloned()
            .unwrap_or_else(|| "g1".into());
        let r = self
            .rng
            .pick(&resources)
            .cloned()
            .unwrap_or_else(|| "r1".into());
        match self.rng.below(100) {
            0..15 => Op::Online(g),
            15..27 => Op::Offline(g),
            27..35 => Op::Switch(g),
            35..45 => Op::Restart(g),
            45..55 => Op::CreateResource {
                name: self.new_resource(),
                group: g,
            },
            55..60 => Op::CreateGroup(self.new_group()),
            60..68 => Op::DeleteResource(r),
            68..71 => Op::DeleteGroup(g),
            71..82 => Op::SetLabel {
                resource: r,
                label: format!("l{}", self.rng.below(1000)),
            },
            82..91 => Op::Disable(r),
            _ => Op::Enable(r),
        }
    }

    /// Runs `op`: to its end when `wait`, else in the background.
    fn command(&mut self, op: Op, wait: bool) -> Result<()> {
        self.reap_finished()?;
        self.report.commands += 1;
        let (cmd, args) = op.argv();
        let child = self
            .node
            .command(cmd, &args)
            .spawn()
            .with_context(|| format!("cannot run {cmd}"))?;
        self.trace(format!("{op}{}", if wait { "" } else { " &" }));
        let mut overlapped = false;
        for p in self
            .pending
            .iter_mut()
            .filter(|p| p.op.object() == op.object())
        {
            p.overlapped = true;
            overlapped = true;
        }
        let pending = Pending {
            op,
            child,
            overlapped,
        };
        if wait {
            self.end_of(pending)
        } else {
            self.pending.push(pending);
            Ok(())
        }
    }

    /// Takes the answers of the background commands that have ended.
    fn reap_finished(&mut self) -> Result<()> {
        let mut still = Vec::new();
        for mut p in std::mem::take(&mut self.pending) {
            if p.child.try_wait()?.is_some() {
                self.end_of(p)?;
            } else {
                still.push(p);
            }
        }
        self.pending.extend(still);
        Ok(())
    }

    fn end_of(&mut self, p: Pending) -> Result<()> {
        let out = p.child.wait_with_output()?;
        let code = out.status.code().unwrap_or(-1);
        let mut answer = Answer::of(code);
        if p.overlapped && answer == Answer::Done {
            answer = Answer::Lost;
        }
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why.lines().next().unwrap_or_default();
        self.trace(format!("  {} -> {code} {answer:?} {why}", p.op));
        self.model.apply(&p.op, answer);
        Ok(())
    }

    /// Waits for the commands left running (all of them, or none beyond `limit`).
    fn finish_pending(&mut self, limit: Option<Instant>) -> Result<()> {
        for p in std::mem::take(&mut self.pending) {
            if limit.is_some_and(|l| Instant::now() > l) {
                self.pending.push(p);
                continue;
            }
            self.end_of(p)?;
        }
        Ok(())
    }

    /// kill -9 rgmd at a random instant — mostly while a command it was given runs — then
    /// start it again and check the configuration.
    fn crash(&mut self) -> Result<()> {
        if self.rng.chance(70) {
            let op = self.random_op();
            self.command(op, false)?;
        }
        let ms = self.rng.below(2 * NAP_MS);
        std::thread::sleep(Duration::from_millis(ms));
        self.node.kill9();
        self.report.kills += 1;
        self.trace(format!("kill -9 rgmd (after {ms} ms)"));
        // Commands in flight lost their rgmd: their answers come now.
        self.finish_pending(None)?;
        self.node
            .start()
            .context("rgmd cannot start again after kill -9 (the store does not load?)")?;
        self.trace("rgmd started again".into());
        self.check_config()
    }
}
