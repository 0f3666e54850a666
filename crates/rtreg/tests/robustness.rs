//! No input, however broken, makes the parser panic or hang: property tests on arbitrary bytes,
//! on soups of RTR tokens, and on truncated and mutated real files; and large inputs (a line of
//! nearly the 1 MiB a file may have, a thousand blocks) that must be read in time linear in their
//! size, while a file past the limits is one error.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// Parses and renders `bytes`, and checks what must hold of any result.
fn check(bytes: &[u8]) {
    let parsed = rtreg::parse(bytes);
    let rendered = parsed.diagnostics.render("fuzz.rtr", bytes);
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    for d in &parsed.diagnostics {
        assert!(d.line >= 1 && d.line <= lines && d.col >= 1, "{d:?}");
        assert!(!d.message.is_empty() && !d.message.contains('\n'), "{d:?}");
    }
    assert_eq!(parsed.spec.is_some(), !parsed.diagnostics.has_errors());
    let errors = parsed.diagnostics.error_count();
    assert!(
        errors <= 101,
        "{errors} errors: the parser gives up after 100"
    );
    let header_lines = rendered
        .lines()
        .filter(|l| l.starts_with("fuzz.rtr:"))
        .count();
    assert_eq!(header_lines, parsed.diagnostics.len());
    if let Some(spec) = &parsed.spec {
        let json = serde_json::to_string(spec).expect("a valid type serialises");
        let back: rtreg::ResourceTypeSpec = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(&back, spec);
    }
}

/// The real files to mutate: the shared corpus when it is there, and the valid golden cases.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = std::env::var_os("RGM_SHARED_DIR")
            .map(|s| PathBuf::from(s).join("rtr-corpus"))
            .unwrap_or_else(|| here.join("../../../shared/rtr-corpus"));
        let mut files = Vec::new();
        for dir in [
            corpus.clone(),
            corpus.join("doc_excerpts"),
            here.join("test_data/ok"),
        ] {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "rtr" || x == "excerpt") {
                    files.push(fs::read(&p).expect("read seed"));
                }
            }
        }
        assert!(!files.is_empty(), "no seed files");
        files
    })
}

const TOKENS: &[&str] = &[
    "Resource_type",
    "RT_version",
    "Vendor_id",
    "RT_basedir",
    "START",
    "STOP",
    "Pkglist",
    "Failover",
    "API_version",
    "Init_nodes",
    "PROPERTY",
    "EXTENSION",
    "PER_NODE",
    "INT",
    "STRING",
    "STRINGARRAY",
    "BOOLEAN",
    "ENUM",
    "DEFAULT",
    "MIN",
    "MAX",
    "MINLENGTH",
    "ARRAY_MAXSIZE",
    "TUNABLE",
    "DESCRIPTION",
    "Start_timeout",
    "Retry_count",
    "Port_list",
    "Status",
    "ANYTIME",
    "TRUE",
    "WHEN_DISABLED",
    "=",
    ";",
    ",",
    "{",
    "}",
    "\"",
    "\"x\"",
    "\"\"",
    "#",
    "# c\n",
    "#$upgrade",
    "#$upgrade_from",
    "\n#$upgrade\n",
    "\n#$upgrade_from \"1\" anytime\n",
    "\n",
    "\r\n",
    " ",
    "\t",
    "-1",
    "3600",
    "/opt/x",
    "bin/y",
    "x",
    "é",
    "\u{0}",
    "@",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..300).prop_map(|t| t.concat())
}

/// A seed file with bytes replaced, inserted and deleted at random places, then cut short.
fn mutated_seed() -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..20);
    (
        any::<prop::sample::Index>(),
        edits,
        any::<prop::sample::Index>(),
    )
        .prop_map(|(which, edits, cut)| {
            let mut bytes = which.get(seeds()).clone();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    bytes.push(byte);
                    continue;
                }
                let i = at.index(bytes.len());
                match kind {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => {
                        bytes.remove(i);
                    }
                }
            }
            let keep = cut.index(bytes.len() + 1);
            bytes.truncate(keep.max(bytes.len() / 2));
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,512}") {
        check(text.as_bytes());
    }

    #[test]
    fn token_soups(text in token_soup()) {
        check(text.as_bytes());
    }

    #[test]
    fn mutated_real_files(bytes in mutated_seed()) {
        check(&bytes);
    }

    #[test]
    fn truncated_real_files(which in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let bytes = which.get(seeds());
        check(&bytes[..cut.index(bytes.len() + 1)]);
    }
}

/// Generous bound for a debug build on a loaded CI machine; the parser does these in well under
/// a second in release.
const LIMIT: Duration = Duration::from_secs(20);

fn timed(what: &str, bytes: &[u8]) -> rtreg::Parsed {
    let start = Instant::now();
    let parsed = rtreg::parse(bytes);
    let rendered = parsed.diagnostics.render("huge.rtr", bytes);
    let took = start.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took < LIMIT, "{what}: {took:?}");
    assert!(
        rendered.len() < 100_000,
        "{what}: rendered diagnostics stay short"
    );
    parsed
}

const HEADER: &str = "Resource_type = huge;\nRT_version = 1;\nSTART = /s;\nSTOP = /t;\n";

/// The diagnostics' messages.
fn messages(parsed: &rtreg::Parsed) -> Vec<String> {
    parsed
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect()
}

/// Just under the largest file rtreg reads.
const NEARLY_MAX: usize = rtreg::limits::MAX_RTR_BYTES - 1024;

#[test]
fn a_file_over_the_limit_is_one_error_naming_its_size() {
    let fifty_mb = HEADER.as_bytes().repeat(50_000_000 / HEADER.len());
    let parsed = timed("50 MB", &fifty_mb);
    assert!(parsed.spec.is_none());
    let all: Vec<String> = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        all,
        [format!(
            "1:1: error: the file is {} bytes; an RTR file may be at most 1048576 bytes",
            fifty_mb.len()
        )]
    );
    let just = HEADER
        .as_bytes()
        .repeat(rtreg::limits::MAX_RTR_BYTES / HEADER.len() + 1);
    assert_eq!(rtreg::parse(&just).diagnostics.len(), 1);
}

#[test]
fn a_line_of_nearly_a_megabyte() {
    let n = NEARLY_MAX - HEADER.len();
    let long = "a".repeat(n);
    let max = rtreg::limits::MAX_VALUE_BYTES;
    let at_limit = format!("{HEADER}RT_description = \"{}\";\n", "d".repeat(max));
    let parsed = timed("description at the limit", at_limit.as_bytes());
    assert_eq!(parsed.spec.expect("valid").rt_description.len(), max);
    let over = format!("{HEADER}RT_description = \"{long}\";\n");
    let parsed = timed("long description", over.as_bytes());
    let errors: Vec<String> = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        errors,
        [format!(
            "5:18: error: this value is {n} bytes long; the limit is 65536 bytes"
        )]
    );
    for (what, text, valid) in [
        ("one long word", long.clone(), false),
        (
            "unterminated string",
            format!("{HEADER}RT_description = \"{long}"),
            false,
        ),
        ("long comment", format!("{HEADER}#{long}"), true),
        ("blanks", format!("{HEADER}{}x", " ".repeat(n)), false),
        (
            "commas",
            format!("{HEADER}Pkglist = {};", ",a".repeat(max / 2 - 1)),
            true,
        ),
        (
            "commas past the limit",
            format!("{HEADER}Pkglist = {};", ",a".repeat(n / 2)),
            false,
        ),
        ("semicolons", ";".repeat(n), false),
        ("equals", "=".repeat(n), false),
        ("open braces", "{".repeat(n), false),
        ("close braces", "}".repeat(n), false),
        ("quotes", "\"".repeat(n), false),
        (
            "enum members",
            format!(
                "{{ PROPERTY = e; EXTENSION; ENUM {{ {} }}; }}",
                "m,".repeat(n / 2 - 20)
            ),
            false,
        ),
    ] {
        let parsed = timed(what, text.as_bytes());
        assert_eq!(parsed.spec.is_some(), valid, "{what}");
    }
}

#[test]
fn blocks_up_to_the_limit_and_past_it() {
    let limit = rtreg::limits::MAX_PROPERTIES;
    let block = |i: usize| {
        format!(
            "{{\n\tPROPERTY = P{i};\n\tEXTENSION;\n\tINT;\n\tMIN = 0;\n\tDEFAULT = {i};\n\t\
             # comment\n\tDESCRIPTION = \"property {i}\";\n}}\n"
        )
    };
    let mut text = String::from(HEADER);
    for i in 0..limit {
        text.push_str(&block(i));
    }
    let parsed = timed("as many blocks as allowed", text.as_bytes());
    let spec = parsed.spec.expect("valid");
    assert_eq!(spec.properties.len(), limit + 2);
    assert_eq!(rtreg::limits::spec_problems(&spec), vec![]);
    text.push_str(&block(limit));
    let parsed = timed("one block too many", text.as_bytes());
    let errors = messages(&parsed);
    assert_eq!(
        errors,
        ["`P1000` is one property too many: a type may have at most 1000"]
    );

    let same = format!(
        "{HEADER}{}",
        "{ PROPERTY = Same; EXTENSION; INT; }\n".repeat(NEARLY_MAX / 40)
    );
    let parsed = timed("one block repeated", same.as_bytes());
    assert_eq!(
        parsed.diagnostics.error_count(),
        101,
        "capped, then 'giving up'"
    );
    assert!(
        parsed
            .diagnostics
            .iter()
            .last()
            .unwrap()
            .message
            .starts_with("too many errors")
    );
}

/// Checks that compare each item with the ones before must not be quadratic.
#[test]
fn many_distinct_items() {
    let n = 100_000;
    let members: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    let text = format!(
        "{HEADER}{{ PROPERTY = e; EXTENSION; ENUM {{ {} }}; DEFAULT = m7; }}\n",
        members.join(", ")
    );
    let parsed = timed("distinct enum members", text.as_bytes());
    let errors = messages(&parsed);
    assert_eq!(
        errors,
        ["ENUM of `e` has 100000 members; the limit is 1000"]
    );

    let n = 30_000;
    let mut text = format!("{HEADER}#$upgrade\n");
    for i in 0..n {
        text.push_str(&format!("#$upgrade_from \"{i}\" ANYTIME\n"));
    }
    let spec = timed("distinct upgrade_from versions", text.as_bytes())
        .spec
        .expect("valid");
    assert_eq!(spec.upgrade_from.len(), n);

    let blocks = "{ PROPERTY = p; EXTENSION; INT; PER_NODE; }\n";
    let mut text = String::from(HEADER);
    for i in 0..rtreg::limits::MAX_PROPERTIES {
        text.push_str(&blocks.replace("= p;", &format!("= p{i};")));
    }
    let parsed = timed("many warnings", text.as_bytes());
    assert!(parsed.spec.is_some());
    assert_eq!(parsed.diagnostics.warning_count(), 101, "capped");
}

#[test]
fn a_megabyte_of_lines() {
    for (what, line) in [
        ("directives", "#$upgrade_from \"1\" ANYTIME\n"),
        ("statements", "START = /x;\n"),
        ("garbage", "@@ = ;;\n"),
        ("newlines", "\n"),
        ("control characters", "\u{1}\u{2}\u{7f}\n"),
    ] {
        let text = format!("{HEADER}{}", line.repeat(NEARLY_MAX / line.len()));
        timed(what, text.as_bytes());
    }
    // Binary data is one error, however much of it there is.
    for (what, bytes) in [
        ("invalid UTF-8 on one line", b"\xffa".repeat(NEARLY_MAX / 2)),
        (
            "random bytes",
            (0..NEARLY_MAX as u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect(),
        ),
        (
            "NULs",
            format!("{HEADER}{}", "\u{0}\n".repeat(NEARLY_MAX / 2)).into_bytes(),
        ),
    ] {
        let parsed = timed(what, &bytes);
        assert_eq!(parsed.diagnostics.len(), 1, "{what}");
        let d = parsed.diagnostics.iter().next().unwrap();
        assert!(
            d.message
                .starts_with("not an RTR file: it holds binary data"),
            "{what}: {d}"
        );
    }
}
