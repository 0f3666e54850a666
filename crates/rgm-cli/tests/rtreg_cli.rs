//! The `rtreg` binary as a user runs it: exit statuses, the diagnostics on stderr (the same
//! text as the rtreg crate's golden files), several files in one `check`, and `show --json`
//! read back as JSON with the documented keys.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// rtreg's golden test data: the binary runs there, so paths and golden text match.
fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rtreg/test_data")
}

fn rtreg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtreg"))
        .args(args)
        .current_dir(test_data())
        .output()
        .expect("run rtreg")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn status(o: &Output) -> i32 {
    o.status.code().expect("exit status")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rtreg_cli");
    fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

#[test]
fn a_valid_file_exits_0_quietly() {
    let o = rtreg(&["check", "ok/all_methods.rtr"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "");
}

#[test]
fn warnings_are_printed_but_the_file_is_valid() {
    let o = rtreg(&["check", "ok/relative_basedir.rtr"]);
    assert_eq!(status(&o), 0);
    let expected = fs::read_to_string(test_data().join("ok/relative_basedir.stderr")).unwrap();
    assert_eq!(stderr(&o), expected);
}

#[test]
fn an_invalid_file_exits_1_with_its_diagnostics() {
    for case in [
        "unknown_attribute",
        "syntax_errors",
        "many_errors",
        "invalid_utf8",
    ] {
        let o = rtreg(&["check", &format!("err/{case}.rtr")]);
        assert_eq!(status(&o), 1, "{case}");
        let expected = fs::read_to_string(test_data().join(format!("err/{case}.stderr"))).unwrap();
        assert_eq!(stderr(&o), expected, "{case}");
        assert_eq!(stdout(&o), "");
    }
}

#[test]
fn diagnostics_start_with_file_line_col_and_show_a_caret() {
    let o = rtreg(&["check", "err/unknown_rt_property.rtr"]);
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "err/unknown_rt_property.rtr:3:1: error: unknown RT property `FAILOVR`; did you mean `Failover`?"
    );
    assert_eq!(lines[1], "   3 | FAILOVR = TRUE;");
    assert_eq!(lines[2], "     | ^");
}

#[test]
fn several_files_in_one_check() {
    let o = rtreg(&[
        "check",
        "ok/minimal.rtr",
        "err/empty.rtr",
        "ok/bounds.rtr",
        "err/names.rtr",
    ]);
    assert_eq!(status(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains("err/empty.rtr:1:1: error: missing Resource_type"),
        "{err}"
    );
    assert!(
        err.contains("err/names.rtr:1:17: error: invalid Resource_type"),
        "{err}"
    );
    assert!(!err.contains("ok/"), "{err}");
    assert!(err.find("err/empty.rtr").unwrap() < err.find("err/names.rtr").unwrap());

    let o = rtreg(&["check", "ok/minimal.rtr", "ok/bounds.rtr", "ok/crlf.rtr"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
}

#[test]
fn an_unreadable_file_exits_2_and_the_others_are_still_checked() {
    let o = rtreg(&["check", "no/such.rtr"]);
    assert_eq!(status(&o), 2);
    assert_eq!(
        stderr(&o),
        "rtreg: no/such.rtr: No such file or directory\n"
    );

    let o = rtreg(&["check", "err/empty.rtr", "no/such.rtr", "ok/minimal.rtr"]);
    assert_eq!(status(&o), 2, "an I/O error wins over an invalid file");
    let err = stderr(&o);
    assert!(err.contains("err/empty.rtr:1:1: error:"), "{err}");
    assert!(
        err.contains("rtreg: no/such.rtr: No such file or directory"),
        "{err}"
    );

    let o = rtreg(&["check", "ok"]);
    assert_eq!(status(&o), 2);
    assert_eq!(stderr(&o), "rtreg: ok: Is a directory\n");
}

#[test]
fn an_oversized_file_is_refused_as_invalid() {
    let big = scratch("big.rtr");
    let f = fs::File::create(&big).expect("create");
    f.set_len(50_000_000).expect("grow");
    let o = rtreg(&["check", big.to_str().unwrap()]);
    assert_eq!(status(&o), 1);
    assert_eq!(
        stderr(&o),
        format!(
            "rtreg: {}: the file is 50000000 bytes; an RTR file may be at most 1048576 bytes; not read\n",
            big.display()
        )
    );
    fs::remove_file(&big).ok();
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["check"][..],
        &["frobnicate"][..],
        &["show"][..],
        &["show", "--yaml", "x"][..],
    ] {
        let o = rtreg(args);
        assert_eq!(status(&o), 2, "{args:?}");
        assert!(stderr(&o).contains("Usage:"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn help_for_the_tool_and_each_subcommand() {
    let o = rtreg(&["--help"]);
    assert_eq!(status(&o), 0);
    assert!(stdout(&o).contains("check") && stdout(&o).contains("show"));
    let o = rtreg(&["check", "--help"]);
    assert_eq!(status(&o), 0);
    assert!(stdout(&o).contains("Exit status"));
    let o = rtreg(&["show", "--help"]);
    assert_eq!(status(&o), 0);
    assert!(stdout(&o).contains("--json"));
}

#[test]
fn show_json_has_the_documented_keys() {
    let o = rtreg(&["show", "--json", "ok/upgrade_tunabilities.rtr"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("stdout is JSON");
    for key in [
        "name",
        "resource_type",
        "vendor_id",
        "rt_version",
        "rt_description",
        "api_version",
        "failover",
        "single_instance",
        "init_nodes",
        "global_zone",
        "proxy",
        "rt_system",
        "sysdefined_type",
        "rt_basedir",
        "pkglist",
        "methods",
        "upgrade",
        "upgrade_from",
        "properties",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["name"], "ACME.upgradable:3.0");
    assert_eq!(json["api_version"], 2);
    assert_eq!(json["failover"], false);
    assert_eq!(json["init_nodes"], "RG_PRIMARIES");
    assert_eq!(json["methods"]["START"], "/opt/ACME/upgradable/bin/start");
    assert_eq!(json["upgrade_from"][1]["version"], "1.2");
    assert_eq!(json["upgrade_from"][1]["tunability"], "WHEN_UNMONITORED");
    let start = &json["properties"]["Start_timeout"];
    for key in ["extension", "type", "per_node", "tunable"] {
        assert!(start.get(key).is_some(), "Start_timeout lacks {key}");
    }
    assert_eq!(start["default"], 120);
    assert_eq!(start["type"], "INT");
    assert!(
        start.get("description").is_none(),
        "absent attributes are left out"
    );
}

#[test]
fn show_json_defaults_are_typed() {
    let o = rtreg(&["show", "--json", "ok/type_keywords.rtr"]);
    let json: Value = serde_json::from_str(&stdout(&o)).expect("stdout is JSON");
    let p = &json["properties"];
    assert_eq!(p["AnInt"]["default"], 1);
    assert_eq!(p["ABoolean"]["default"], true);
    assert_eq!(p["AString"]["default"], "s");
    assert_eq!(p["AStringarray"]["default"], serde_json::json!(["x"]));
    assert_eq!(p["AnEnum"]["enum"], serde_json::json!(["x", "y"]));
}

#[test]
fn show_lists_the_type_for_people() {
    let o = rtreg(&["show", "ok/rt_properties.rtr"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Resource Type:"), "{out}");
    assert!(out.contains("ACME.LogicalHost:4"));
    assert!(out.contains("  Init_nodes:"));
    assert!(out.contains("PRENET_START:"));
    assert!(out.contains("Property Name:") && out.contains("Global_zone_override"));
    assert!(out.contains("<NULL>"));
}

#[test]
fn show_of_an_invalid_file_prints_only_diagnostics() {
    let o = rtreg(&["show", "--json", "err/min_above_max.rtr"]);
    assert_eq!(status(&o), 1);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).starts_with("err/min_above_max.rtr:6:38: error:"));
    let o = rtreg(&["show", "missing.rtr"]);
    assert_eq!(status(&o), 2);
}
