//! Golden tests (test_data/README.md): every `ok/NAME.rtr` parses to `ok/NAME.json` (its
//! warnings, if any, in `ok/NAME.stderr`); every `err/NAME.rtr` is invalid and renders exactly
//! `err/NAME.stderr`. With `UPDATE_EXPECT=1` the expected files are rewritten instead.

use std::fs;
use std::path::{Path, PathBuf};

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1")
}

/// The `.rtr` inputs of one kind, sorted by name.
fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = test_data().join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rtr"))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the expected file (absent = `None`), or rewrites it when updating.
/// Returns a description of the mismatch.
fn expect(path: &Path, actual: Option<&str>) -> Option<String> {
    let expected = fs::read_to_string(path).ok();
    if updating() {
        match actual {
            Some(text) => fs::write(path, text).expect("write expected file"),
            None if expected.is_some() => fs::remove_file(path).expect("remove stale file"),
            None => {}
        }
        return None;
    }
    if expected.as_deref() == actual {
        return None;
    }
    Some(format!(
        "{}:\n--- expected ---\n{}\n--- actual ---\n{}",
        path.display(),
        expected.as_deref().unwrap_or("(no file)"),
        actual.unwrap_or("(nothing)")
    ))
}

fn run(kind: &str) -> usize {
    let mut failures = Vec::new();
    let files = cases(kind);
    for input in &files {
        let bytes = fs::read(input).expect("read case");
        let stem = input.file_stem().unwrap().to_string_lossy().to_string();
        let shown = format!("{kind}/{stem}.rtr");
        let parsed = rtreg::parse(&bytes);
        let rendered = parsed.diagnostics.render(&shown, &bytes);
        let stderr_file = input.with_extension("stderr");
        if kind == "ok" {
            let Some(spec) = &parsed.spec else {
                failures.push(format!("{shown} should be valid:\n{rendered}"));
                continue;
            };
            let json = serde_json::to_string_pretty(spec).expect("serialise") + "\n";
            failures.extend(expect(&input.with_extension("json"), Some(&json)));
            let warnings = (!rendered.is_empty()).then_some(rendered.as_str());
            failures.extend(expect(&stderr_file, warnings));
        } else {
            if parsed.spec.is_some() || !parsed.diagnostics.has_errors() {
                failures.push(format!("{shown} should be invalid:\n{rendered}"));
                continue;
            }
            failures.extend(expect(&stderr_file, Some(&rendered)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches (rerun with UPDATE_EXPECT=1 after a deliberate change):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    files.len()
}

#[test]
fn valid_files_give_their_json() {
    assert!(run("ok") >= 15);
}

#[test]
fn invalid_files_give_their_diagnostics() {
    assert!(run("err") >= 15);
}

#[test]
fn there_are_at_least_thirty_cases() {
    assert!(cases("ok").len() + cases("err").len() >= 30);
}

/// The JSON a golden file holds is the documented interface: it reads back into the same type.
#[test]
fn golden_json_round_trips() {
    for input in cases("ok") {
        let Ok(text) = fs::read_to_string(input.with_extension("json")) else {
            continue; // reported by valid_files_give_their_json
        };
        let spec: rtreg::ResourceTypeSpec = serde_json::from_str(&text).expect("json reads back");
        let again = serde_json::to_string_pretty(&spec).expect("serialise") + "\n";
        assert_eq!(again, text, "{}", input.display());
    }
}
