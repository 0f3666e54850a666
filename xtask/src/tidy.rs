//! Tidy checks, run as tests under `cargo test -p xtask`: rules about the code base itself that
//! no compiler checks (rust-analyzer's approach).

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use crate::util::workspace_root;

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "target" || n == ".git") {
                    continue;
                }
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    fn crate_dirs() -> Vec<PathBuf> {
        let root = workspace_root();
        let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("Cargo.toml").is_file())
            .collect();
        dirs.push(root.join("xtask"));
        dirs.push(root.join("tests"));
        dirs.sort();
        dirs
    }

    /// The pure crates (invariant 1) may not depend on anything that does I/O, nor use the
    /// standard library's I/O, processes, networking or clocks outside their tests.
    #[test]
    fn pure_crates_do_no_io() {
        let root = workspace_root();
        let forbidden_deps = [
            "tokio",
            "nix",
            "libc",
            "mio",
            "async-std",
            "rustix",
            "socket2",
            "etcd-client",
        ];
        let forbidden_code = [
            "std::fs",
            "std::process",
            "std::net",
            "std::os::unix::net",
            "std::time::Instant",
            "std::time::SystemTime",
            "std::thread::sleep",
            "std::io::stdin",
            "std::env::var",
        ];
        for krate in ["rtreg", "rgm-core"] {
            let dir = root.join("crates").join(krate);
            let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            let deps = manifest
                .split("[dev-dependencies]")
                .next()
                .unwrap_or_default();
            for dep in forbidden_deps {
                assert!(
                    !deps
                        .lines()
                        .any(|l| l.trim_start().starts_with(&format!("{dep} "))
                            || l.trim_start().starts_with(&format!("{dep}."))),
                    "{krate} must not depend on {dep} (invariant 1: decisions are pure)"
                );
            }
            let mut files = Vec::new();
            rust_files(&dir.join("src"), &mut files);
            for f in files {
                let text = fs::read_to_string(&f).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for bad in forbidden_code {
                        assert!(
                            !line.contains(bad),
                            "{} uses {bad} (invariant 1: no I/O in {krate})",
                            f.display()
                        );
                    }
                }
            }
        }
    }

    /// Every crate root opens with a `//!` doc saying what the crate is.
    #[test]
    fn every_crate_has_a_doc() {
        for dir in crate_dirs() {
            let roots = ["src/lib.rs", "src/main.rs", "lib.rs"];
            let root = roots.iter().map(|r| dir.join(r)).find(|p| p.is_file());
            let root = root.unwrap_or_else(|| panic!("{} has no lib.rs or main.rs", dir.display()));
            let text = fs::read_to_string(&root).unwrap();
            assert!(
                text.trim_start().starts_with("//!"),
                "{} does not start with a //! doc",
                root.display()
            );
        }
    }

    /// No test is switched off, and nothing a user can reach is left unwritten.
    #[test]
    fn no_ignored_tests_or_placeholders() {
        let mut files = Vec::new();
        for dir in crate_dirs() {
            rust_files(&dir, &mut files);
        }
        let needles = [
            concat!("#[", "ignore"),
            concat!("todo", "!("),
            concat!("unimplemented", "!("),
        ];
        for f in files {
            let text = fs::read_to_string(&f).unwrap();
            for needle in needles {
                assert!(!text.contains(needle), "{} contains {needle}", f.display());
            }
        }
    }

    /// Every argument of every binary's clap definition, and every subcommand, says what it
    /// is: `--help`, the man pages and the completions show that text.
    #[test]
    fn every_clap_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                let help = arg.get_help().or(arg.get_long_help());
                if help.is_none_or(|h| h.to_string().trim().is_empty()) {
                    missing.push(format!("{path}: argument `{id}`"));
                }
            }
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                if sub.get_about().or(sub.get_long_about()).is_none() && sub.get_name() != "help" {
                    missing.push(format!("{name}: subcommand without about"));
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        for (name, mut cmd) in crate::man::clap_commands() {
            cmd.build();
            walk(&cmd, &name, &mut missing);
        }
        assert!(
            missing.is_empty(),
            "clap arguments without help text (write a /// doc comment):\n{}",
            missing.join("\n")
        );
    }
}
