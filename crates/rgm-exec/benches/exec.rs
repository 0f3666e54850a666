//! Launcher overhead and throughput.
//!
//! `cargo bench -p rgm-exec --bench exec [-- --json]` measures, in one run:
//!
//! - the median launch-to-exit time of `/bin/true` through [`Launcher`] and through a plain
//!   `tokio::process::Command`, interleaved, and the difference of the medians (the launcher's
//!   overhead: file checks, pipes, cgroup creation and removal, the supervisor task);
//! - the same for a launcher with cgroups disabled, for comparison, and for a resource's run
//!   (a placement: the resource's run cgroup, kept for the next run, and the run file written
//!   at the start and at the end);
//! - throughput: methods per second with 64 running at once;
//! - the same launch-to-exit median and throughput from a process holding
//!   [`BIG_PARENT_MB`] MiB of touched heap (rgmd at 10,000 resources holds 100–170 MB): a
//!   launch whose cost grows with the launching process's memory shows here.
//!
//! With `--json` it prints one JSON object; otherwise a short summary.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rgm_exec::{CgroupMode, Launcher, LauncherConfig, MethodRequest, MethodTags, Placement};
use tokio::sync::Semaphore;

const SAMPLES: usize = 500;
const CONCURRENCY: usize = 64;
const LAUNCHES: usize = 2000;
const TRUE: &str = "/bin/true";
/// The heap the big-parent case holds, touched page by page.
const BIG_PARENT_MB: usize = 200;

fn request() -> MethodRequest {
    MethodRequest::new(
        TRUE,
        rgm_exec::standard_args("bench-rs", "RGM.bench:1", "bench-rg", None),
        Duration::from_secs(30),
        MethodTags {
            method: "START".into(),
            resource: "bench-rs".into(),
            group: "bench-rg".into(),
            node: "bench".into(),
        },
    )
}

async fn plain_once() -> Duration {
    let t = Instant::now();
    let status = tokio::process::Command::new(TRUE)
        .status()
        .await
        .expect("spawn /bin/true");
    assert!(status.success());
    t.elapsed()
}

async fn launcher_once(launcher: &Launcher) -> Duration {
    placed_once(launcher, None).await
}

/// One run, with a placement when `runs` (a directory for its run file) is given; the run
/// file is removed afterwards, as rgmd does once the result is saved.
async fn placed_once(launcher: &Launcher, runs: Option<&std::path::Path>) -> Duration {
    static KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut req = request();
    req.placement = runs.map(|dir| Placement {
        resource: "bench-rs".into(),
        leftovers: "start".into(),
        run_file: dir.join(
            KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .to_string(),
        ),
    });
    let run_file = req.placement.as_ref().map(|p| p.run_file.clone());
    let t = Instant::now();
    let done = launcher.run(req, None).await;
    let took = t.elapsed();
    if let Some(f) = run_file {
        rgm_exec::runfile::remove(&f).expect("remove the run file");
    }
    assert!(done.succeeded(), "{done:?}");
    took
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort_unstable();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

async fn plain_throughput() -> f64 {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    let t = Instant::now();
    for _ in 0..LAUNCHES {
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .expect("semaphore");
        tasks.spawn(async move {
            plain_once().await;
            drop(permit);
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task");
    }
    LAUNCHES as f64 / t.elapsed().as_secs_f64()
}

async fn throughput(launcher: &Launcher) -> f64 {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    let t = Instant::now();
    for _ in 0..LAUNCHES {
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .expect("semaphore");
        let running = launcher.start(request(), None);
        tasks.spawn(async move {
            let done = running.wait().await;
            drop(permit);
            assert!(done.succeeded(), "{done:?}");
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task");
    }
    LAUNCHES as f64 / t.elapsed().as_secs_f64()
}

/// Throughput in methods per second: (with cgroups as detected, cgroups off, plain spawns).
async fn throughputs() -> (f64, f64, f64) {
    let launcher = Launcher::new(LauncherConfig::default());
    let no_cgroup = Launcher::new(LauncherConfig {
        cgroups: CgroupMode::Disabled,
        ..LauncherConfig::default()
    });
    (
        throughput(&launcher).await,
        throughput(&no_cgroup).await,
        plain_throughput().await,
    )
}

/// Launch-to-exit medians (launcher, plain spawn) and the launcher's throughput (multi-thread
/// runtime), measured while this process holds [`BIG_PARENT_MB`] MiB of touched heap.
fn big_parent() -> (f64, f64, f64) {
    let mut heap = vec![0u8; BIG_PARENT_MB << 20];
    for page in heap.chunks_mut(4096) {
        page[0] = 1;
    }
    let heap = std::hint::black_box(heap);
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let figures = multi.block_on(async {
        let launcher = Launcher::new(LauncherConfig::default());
        for _ in 0..20 {
            plain_once().await;
            launcher_once(&launcher).await;
        }
        let mut plain = Vec::with_capacity(SAMPLES);
        let mut through = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            plain.push(plain_once().await);
            through.push(launcher_once(&launcher).await);
        }
        (
            median_ms(through),
            median_ms(plain),
            throughput(&launcher).await,
        )
    });
    drop(heap);
    figures
}

fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let load = load_average();
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let state = tempfile::tempdir().expect("a directory for run files");
    let (plain_ms, launcher_ms, no_cgroup_ms, placed_ms, cgroups, mt) = multi.block_on(async {
        let launcher = Launcher::new(LauncherConfig::default());
        let no_cgroup = Launcher::new(LauncherConfig {
            cgroups: CgroupMode::Disabled,
            ..LauncherConfig::default()
        });
        let placed = Launcher::new(LauncherConfig {
            owner: Some(state.path().to_owned()),
            ..LauncherConfig::default()
        });
        let runs = Some(state.path());
        // Warm up: page cache, allocator, runtime threads.
        for _ in 0..50 {
            plain_once().await;
            launcher_once(&launcher).await;
            launcher_once(&no_cgroup).await;
            placed_once(&placed, runs).await;
        }
        let mut plain = Vec::with_capacity(SAMPLES);
        let mut through = Vec::with_capacity(SAMPLES);
        let mut through_no_cgroup = Vec::with_capacity(SAMPLES);
        let mut through_placed = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            plain.push(plain_once().await);
            through.push(launcher_once(&launcher).await);
            through_no_cgroup.push(launcher_once(&no_cgroup).await);
            through_placed.push(placed_once(&placed, runs).await);
        }
        (
            median_ms(plain),
            median_ms(through),
            median_ms(through_no_cgroup),
            median_ms(through_placed),
            launcher.uses_cgroups(),
            throughputs().await,
        )
    });
    drop(multi);
    // A process with one thread forks far more cheaply (no other CPU to shoot TLB entries
    // down on), and the cgroup join needs a fork; so throughput is also measured there.
    let single = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let st = single.block_on(throughputs());
    drop(single);
    let (big_ms, big_plain_ms, big_mps) = big_parent();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    if json {
        println!(
            "{{\"plain_median_ms\":{plain_ms:.4},\"launcher_median_ms\":{launcher_ms:.4},\
             \"overhead_median_ms\":{:.4},\"launcher_no_cgroup_median_ms\":{no_cgroup_ms:.4},\
             \"overhead_no_cgroup_median_ms\":{:.4},\"launcher_placed_median_ms\":{placed_ms:.4},\
             \"overhead_placed_median_ms\":{:.4},\"samples\":{SAMPLES},\"cgroups\":{cgroups},\
             \"concurrency\":{CONCURRENCY},\"launches\":{LAUNCHES},\
             \"methods_per_second\":{:.1},\"methods_per_second_no_cgroup\":{:.1},\
             \"plain_spawns_per_second\":{:.1},\
             \"current_thread_methods_per_second\":{:.1},\
             \"current_thread_methods_per_second_no_cgroup\":{:.1},\
             \"current_thread_plain_spawns_per_second\":{:.1},\
             \"big_parent_mb\":{BIG_PARENT_MB},\"big_parent_launcher_median_ms\":{big_ms:.4},\
             \"big_parent_plain_median_ms\":{big_plain_ms:.4},\
             \"big_parent_methods_per_second\":{big_mps:.1},\
             \"cpus\":{cpus},\"loadavg_1m_before\":{load:.2}}}",
            launcher_ms - plain_ms,
            no_cgroup_ms - plain_ms,
            placed_ms - plain_ms,
            mt.0,
            mt.1,
            mt.2,
            st.0,
            st.1,
            st.2,
        );
    } else {
        println!(
            "launch-to-exit of {TRUE}, median of {SAMPLES} (interleaved, multi-thread runtime):"
        );
        println!("  plain tokio::process::Command   {plain_ms:8.3} ms");
        println!(
            "  Launcher (cgroups: {cgroups:5})      {launcher_ms:8.3} ms  overhead {:+.3} ms",
            launcher_ms - plain_ms
        );
        println!(
            "  Launcher (cgroups: false)      {no_cgroup_ms:8.3} ms  overhead {:+.3} ms",
            no_cgroup_ms - plain_ms
        );
        println!(
            "  Launcher, a resource's run     {placed_ms:8.3} ms  overhead {:+.3} ms",
            placed_ms - plain_ms
        );
        println!(
            "throughput, {CONCURRENCY} at once, {LAUNCHES} launches, {cpus} CPUs, load {load:.2} before:"
        );
        println!("                          Launcher   no cgroups   plain spawns");
        println!(
            "  multi-thread runtime    {:8.0}   {:10.0}   {:12.0}  per second",
            mt.0, mt.1, mt.2
        );
        println!(
            "  current-thread runtime  {:8.0}   {:10.0}   {:12.0}  per second",
            st.0, st.1, st.2
        );
        println!("holding {BIG_PARENT_MB} MiB of touched heap (multi-thread runtime):");
        println!(
            "  launch-to-exit median: Launcher {big_ms:.3} ms, plain {big_plain_ms:.3} ms; Launcher throughput {big_mps:.0} per second"
        );
    }
}
