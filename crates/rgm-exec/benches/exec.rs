//! Launcher overhead and throughput.
//!
//! `cargo bench -p rgm-exec --bench exec [-- --json]` measures, in one run:
//!
//! - the median launch-to-exit time of `/bin/true` through [`Launcher`] and through a plain
//!   `tokio::process::Command`, interleaved, and the difference of the medians (the launcher's
//!   overhead: file checks, pipes, cgroup creation and removal, the supervisor task);
//! - the same for a launcher with cgroups disabled, for comparison;
//! - throughput: methods per second with 64 running at once.
//!
//! With `--json` it prints one JSON object; otherwise a short summary.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rgm_exec::{CgroupMode, Launcher, LauncherConfig, MethodRequest, MethodTags};
use tokio::sync::Semaphore;

const SAMPLES: usize = 500;
const CONCURRENCY: usize = 64;
const LAUNCHES: usize = 2000;
const TRUE: &str = "/bin/true";

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
    let t = Instant::now();
    let done = launcher.run(request(), None).await;
    assert!(done.succeeded(), "{done:?}");
    t.elapsed()
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

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let launcher = Launcher::new(LauncherConfig::default());
        let plain_launcher = Launcher::new(LauncherConfig {
            cgroups: CgroupMode::Disabled,
            ..LauncherConfig::default()
        });
        // Warm up: page cache, allocator, runtime threads.
        for _ in 0..50 {
            plain_once().await;
            launcher_once(&launcher).await;
            launcher_once(&plain_launcher).await;
        }
        let mut plain = Vec::with_capacity(SAMPLES);
        let mut through = Vec::with_capacity(SAMPLES);
        let mut through_no_cgroup = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            plain.push(plain_once().await);
            through.push(launcher_once(&launcher).await);
            through_no_cgroup.push(launcher_once(&plain_launcher).await);
        }
        let plain_ms = median_ms(plain);
        let launcher_ms = median_ms(through);
        let no_cgroup_ms = median_ms(through_no_cgroup);
        let per_second = throughput(&launcher).await;
        let per_second_no_cgroup = throughput(&plain_launcher).await;
        let per_second_plain = plain_throughput().await;
        let cgroups = launcher.uses_cgroups();
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        if json {
            println!(
                "{{\"plain_median_ms\":{plain_ms:.4},\"launcher_median_ms\":{launcher_ms:.4},\
                 \"overhead_median_ms\":{:.4},\"launcher_no_cgroup_median_ms\":{no_cgroup_ms:.4},\
                 \"overhead_no_cgroup_median_ms\":{:.4},\"samples\":{SAMPLES},\
                 \"cgroups\":{cgroups},\"concurrency\":{CONCURRENCY},\"launches\":{LAUNCHES},\
                 \"methods_per_second\":{per_second:.1},\"methods_per_second_no_cgroup\":{per_second_no_cgroup:.1},\"plain_spawns_per_second\":{per_second_plain:.1},\"cpus\":{cpus}}}",
                launcher_ms - plain_ms,
                no_cgroup_ms - plain_ms,
            );
        } else {
            println!("launch-to-exit of {TRUE}, median of {SAMPLES} (interleaved):");
            println!("  plain tokio::process::Command  {plain_ms:8.3} ms");
            println!(
                "  Launcher (cgroups: {cgroups:5})       {launcher_ms:8.3} ms  overhead {:+.3} ms",
                launcher_ms - plain_ms
            );
            println!(
                "  Launcher (cgroups: false)       {no_cgroup_ms:8.3} ms  overhead {:+.3} ms",
                no_cgroup_ms - plain_ms
            );
            println!(
                "throughput, {CONCURRENCY} at once, {LAUNCHES} launches on {cpus} CPUs: {per_second:.0} methods/s"
            );
            println!(
                "  (cgroups off: {per_second_no_cgroup:.0} methods/s; plain spawns: {per_second_plain:.0}/s)"
            );
        }
    });
}
