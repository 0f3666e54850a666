//! A resource type for the tests: every method records its argv (one NUL-separated file per
//! call) and appends `method resource` to a calls file; files in the record directory make a
//! method fail (`fail.<resource>.<method>`) or hang ignoring SIGTERM with a background
//! grandchild that ignores it too (`hang.<resource>.<method>`), recording their pids.

use std::path::{Path, PathBuf};

use rgm_e2e::Cluster;

pub const METHODS: &[&str] = &[
    "start",
    "stop",
    "prenet_start",
    "postnet_stop",
    "monitor_start",
    "monitor_stop",
    "monitor_check",
    "validate",
    "update",
    "init",
    "fini",
    "boot",
];

/// Writes the TEST.rec type (RTR and methods) into the cluster's directory; returns the RTR.
pub fn rec_type(c: &Cluster) -> PathBuf {
    let base = c.dir.path().join("rec");
    let bin = base.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let rec = c.run_dir();
    let script = format!(
        r#"#!/bin/bash
REC={rec}
method=$(basename "$0"); method=${{method#rec_}}
resource=unknown
args=("$@")
for ((i = 0; i < ${{#args[@]}}; i++)); do
	[ "${{args[i]}}" = -R ] && resource=${{args[i + 1]}}
done
n=$(date +%s%N)
printf '%s\0' "$@" >"$REC/argv.$resource.$method.$n"
env >"$REC/env.$resource.$method"
echo "$method $resource" >>"$REC/calls"
if [ -e "$REC/fail.$resource.$method" ]; then
	echo "$method of $resource fails as asked"
	exit 1
fi
if [ "$method" = validate ]; then
	for a in "$@"; do
		case $a in
		Port=666) echo "Port 666 is cursed"; exit 1 ;;
		esac
	done
fi
if [ -e "$REC/hang.$resource.$method" ]; then
	trap '' TERM
	bash -c 'trap "" TERM; echo $$ >"'"$REC"'/grandchild.pid"; sleep 1000' </dev/null >/dev/null 2>&1 &
	echo $$ >"$REC/hung.pid"
	sleep 1000 &
	wait
fi
echo "$method of $resource done"
exit 0
"#,
        rec = rec.display()
    );
    for m in METHODS {
        let path = bin.join(format!("rec_{m}"));
        std::fs::write(&path, &script).unwrap();
        set_mode(&path, 0o755);
    }
    let methods: String = METHODS
        .iter()
        .map(|m| format!("{} = rec_{m};\n", m.to_uppercase()))
        .collect();
    let rtr = format!(
        r#"RESOURCE_TYPE = "rec";
VENDOR_ID = TEST;
RT_VERSION = "1";
RT_BASEDIR = {bin};
{methods}
{{ PROPERTY = Start_timeout; MIN = 1; DEFAULT = 30; }}
{{ PROPERTY = Stop_timeout; MIN = 1; DEFAULT = 30; }}
{{ PROPERTY = Failover_mode; DEFAULT = NONE; TUNABLE = ANYTIME; }}
{{ PROPERTY = Retry_count; MIN = 0; MAX = 10; DEFAULT = 2; TUNABLE = ANYTIME; }}
{{ PROPERTY = Retry_interval; MIN = 0; MAX = 3600; DEFAULT = 300; TUNABLE = ANYTIME; }}
{{ PROPERTY = Port; EXTENSION; INT; MIN = 1; MAX = 65535; DEFAULT = 80; TUNABLE = ANYTIME; }}
{{ PROPERTY = Label; EXTENSION; STRING; DEFAULT = "plain"; TUNABLE = ANYTIME; }}
{{ PROPERTY = Mode; EXTENSION; ENUM {{ fast, safe }}; DEFAULT = fast; TUNABLE = ANYTIME; }}
{{ PROPERTY = Fixed; EXTENSION; INT; DEFAULT = 1; TUNABLE = AT_CREATION; }}
"#,
        bin = bin.display()
    );
    let path = base.join("TEST.rec");
    std::fs::write(&path, rtr).unwrap();
    path
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `method resource` lines, in call order.
pub fn calls(c: &Cluster) -> Vec<String> {
    std::fs::read_to_string(c.run_dir().join("calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The argv of every call of a method for a resource, oldest first.
pub fn argvs(c: &Cluster, resource: &str, method: &str) -> Vec<Vec<String>> {
    let prefix = format!("argv.{resource}.{method}.");
    let mut files: Vec<PathBuf> = std::fs::read_dir(c.run_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).unwrap();
            bytes
                .split(|b| *b == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .collect()
}

/// A group `rg1` holding rec resources created with the given extra arguments.
pub fn group_with(c: &Cluster, resources: &[(&str, &[&str])]) {
    let rtr = rec_type(c);
    c.ok(
        "clresourcetype",
        &["register", "-f", &rtr.to_string_lossy()],
    );
    c.ok("clresourcegroup", &["create", "rg1"]);
    for (name, extra) in resources {
        let mut args = vec!["create", "-g", "rg1", "-t", "TEST.rec"];
        args.extend_from_slice(extra);
        args.push(name);
        c.ok("clresource", &args);
    }
}
