//! The cluster-log reader (`cllog`) on any log: nothing panics, human lines hold no raw control
//! characters, and JSON output is one valid JSON record per line. The first line of the input
//! is a `--since` value, the rest the log.

#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (since, log) = match data.iter().position(|&b| b == b'\n') {
        Some(nl) => (&data[..nl], &data[nl + 1..]),
        None => (&data[..0], data),
    };
    let since = OsString::from_vec(since.to_vec());
    let runs: [(Vec<OsString>, bool); 4] = [
        (vec!["cllog".into()], false),
        (vec!["cllog".into(), "-o".into(), "json".into()], true),
        (
            vec![
                "cllog".into(),
                "-g".into(),
                "rg1".into(),
                "-s".into(),
                "warning".into(),
            ],
            false,
        ),
        (vec!["cllog".into(), "--since".into(), since], false),
    ];
    for (args, json) in runs {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = rgm_cli::cllog::run_on(args, log, &mut out, &mut err);
        assert!(code == 0 || code == 3, "exit {code}");
        let out = String::from_utf8(out).expect("cllog prints UTF-8");
        for line in out.lines() {
            if json {
                serde_json::from_str::<serde_json::Value>(line).expect("a JSON record");
            } else {
                assert!(!line.chars().any(rgm_proto::text::needs_escape), "{line:?}");
            }
        }
    }
});
