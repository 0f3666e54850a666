//! Checks on a method file before it is run.
//!
//! Methods run with rgmd's privileges (root, in production), so rgm refuses to run one that
//! someone else could have replaced or altered. A method is refused when its path is not
//! absolute, when it does not exist, when it is not a regular file or has no execute bit, when
//! it is writable by group or others, when its directory is writable by group or others, or
//! when the file or its directory is owned by anyone other than root or rgmd's own user.
//!
//! Symbolic links are followed: the checks apply to the file that would be executed and to the
//! directory that holds it. A path that is, or leads through a link in, a kernel pseudo
//! filesystem (`/proc/self/exe`, anything under `/proc` or `/sys`) is refused: what it names
//! changes with the process that opens it, and no package installs a method there.
//!
//! rgmd runs [`check_method_file`] when a type is registered (and when a type is installed on
//! its node, and when a resource moves to another `Type_version`), so a bad path is refused
//! with its reason then, not only when the method first runs.

use std::fs::Metadata;
use std::io;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why a method file was not run. Every reason names the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// The path is relative.
    #[error("method path {path} is not absolute")]
    NotAbsolute {
        /// The path as given.
        path: PathBuf,
    },
    /// Nothing exists at the path (or a component of it is missing).
    #[error("method file {path} does not exist")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// The file exists but its attributes could not be read.
    #[error("method file {path} cannot be examined: {reason}")]
    Inaccessible {
        /// The path as given.
        path: PathBuf,
        /// The operating system's message.
        reason: String,
    },
    /// A directory, device, socket or pipe.
    #[error("method file {path} is not a regular file (it is a {kind})")]
    NotRegularFile {
        /// The path as given.
        path: PathBuf,
        /// What it is instead.
        kind: String,
    },
    /// No execute permission bit is set.
    #[error("method file {path} is not executable (mode {mode:04o})")]
    NotExecutable {
        /// The path as given.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Group or others may write to the file.
    #[error("method file {path} is writable by group or others (mode {mode:04o})")]
    WritableByOthers {
        /// The path as given.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Group or others may write to the directory holding the file, so they could replace it.
    #[error(
        "the directory {dir} of method file {path} is writable by group or others (mode {mode:04o})"
    )]
    DirectoryWritable {
        /// The path as given.
        path: PathBuf,
        /// The directory that holds the (resolved) file.
        dir: PathBuf,
        /// The directory's permission bits.
        mode: u32,
    },
    /// The path is in, or a symbolic link on its way points into, a kernel pseudo filesystem.
    #[error("method file {path} is in the {fs} pseudo filesystem (at {at}), not an installed file")]
    PseudoFilesystem {
        /// The path as given.
        path: PathBuf,
        /// The place found there: the path, or a link it goes through.
        at: PathBuf,
        /// The filesystem's name (`proc`, `sysfs`, ...).
        fs: String,
    },
    /// The file is owned by a user other than root or rgmd's user.
    #[error("method file {path} is owned by uid {uid}, which is neither root nor rgmd's user")]
    BadOwner {
        /// The path as given.
        path: PathBuf,
        /// The owner's uid.
        uid: u32,
    },
    /// The directory holding the file is owned by a user other than root or rgmd's user.
    #[error(
        "the directory {dir} of method file {path} is owned by uid {uid}, which is neither root nor rgmd's user"
    )]
    DirectoryBadOwner {
        /// The path as given.
        path: PathBuf,
        /// The directory that holds the (resolved) file.
        dir: PathBuf,
        /// The directory owner's uid.
        uid: u32,
    },
}

/// Checks `path` as a method file that may be run; `owners` are the uids allowed to own it.
pub fn check_method_file(path: &Path, owners: &[u32]) -> Result<(), Refusal> {
    if !path.is_absolute() {
        return Err(Refusal::NotAbsolute {
            path: path.to_owned(),
        });
    }
    let meta = std::fs::metadata(path).map_err(|e| examine_error(path, &e))?;
    check_not_pseudo(path)?;
    check_file(path, &meta, owners)?;
    let is_link = std::fs::symlink_metadata(path)
        .map_err(|e| examine_error(path, &e))?
        .file_type()
        .is_symlink();
    let resolved = if is_link {
        std::fs::canonicalize(path).map_err(|e| examine_error(path, &e))?
    } else {
        path.to_owned()
    };
    let dir = resolved.parent().unwrap_or(Path::new("/"));
    let dir_meta = std::fs::metadata(dir).map_err(|e| examine_error(path, &e))?;
    let mode = dir_meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Refusal::DirectoryWritable {
            path: path.to_owned(),
            dir: dir.to_owned(),
            mode,
        });
    }
    if !owners.contains(&dir_meta.uid()) {
        return Err(Refusal::DirectoryBadOwner {
            path: path.to_owned(),
            dir: dir.to_owned(),
            uid: dir_meta.uid(),
        });
    }
    Ok(())
}

/// The users a method file and its directory may belong to: root and rgmd's own.
pub fn default_owners() -> Vec<u32> {
    let mut owners = vec![0, nix::unistd::geteuid().as_raw()];
    owners.dedup();
    owners
}

/// The most symbolic links followed on the way to a method file (as the kernel's own limit).
const MAX_LINKS: usize = 40;

/// Refuses a path whose directory, or the directory of any symbolic link on the way to the
/// file, is in a kernel pseudo filesystem.
fn check_not_pseudo(path: &Path) -> Result<(), Refusal> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let dir = at.parent().unwrap_or(Path::new("/"));
        if let Ok(fs) = nix::sys::statfs::statfs(dir)
            && let Some(name) = pseudo_filesystem(fs.filesystem_type())
        {
            return Err(Refusal::PseudoFilesystem {
                path: path.to_owned(),
                at,
                fs: name.to_string(),
            });
        }
        let is_link = std::fs::symlink_metadata(&at)
            .map_err(|e| examine_error(path, &e))?
            .file_type()
            .is_symlink();
        if !is_link {
            return Ok(());
        }
        let target = std::fs::read_link(&at).map_err(|e| examine_error(path, &e))?;
        at = dir.join(target);
    }
    Err(Refusal::Inaccessible {
        path: path.to_owned(),
        reason: format!("more than {MAX_LINKS} symbolic links on the way to it"),
    })
}

fn pseudo_filesystem(fs: nix::sys::statfs::FsType) -> Option<&'static str> {
    use nix::sys::statfs as s;
    [
        (s::PROC_SUPER_MAGIC, "proc"),
        (s::SYSFS_MAGIC, "sysfs"),
        (s::DEVPTS_SUPER_MAGIC, "devpts"),
        (s::CGROUP_SUPER_MAGIC, "cgroup"),
        (s::CGROUP2_SUPER_MAGIC, "cgroup2"),
        (s::DEBUGFS_MAGIC, "debugfs"),
        (s::TRACEFS_MAGIC, "tracefs"),
        (s::SECURITYFS_MAGIC, "securityfs"),
        (s::BPF_FS_MAGIC, "bpf"),
    ]
    .into_iter()
    .find(|(magic, _)| *magic == fs)
    .map(|(_, name)| name)
}

fn check_file(path: &Path, meta: &Metadata, owners: &[u32]) -> Result<(), Refusal> {
    if !meta.is_file() {
        return Err(Refusal::NotRegularFile {
            path: path.to_owned(),
            kind: file_kind(meta).to_owned(),
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o111 == 0 {
        return Err(Refusal::NotExecutable {
            path: path.to_owned(),
            mode,
        });
    }
    if mode & 0o022 != 0 {
        return Err(Refusal::WritableByOthers {
            path: path.to_owned(),
            mode,
        });
    }
    if !owners.contains(&meta.uid()) {
        return Err(Refusal::BadOwner {
            path: path.to_owned(),
            uid: meta.uid(),
        });
    }
    Ok(())
}

fn examine_error(path: &Path, error: &io::Error) -> Refusal {
    match error.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ENOTDIR) => Refusal::NotFound {
            path: path.to_owned(),
        },
        _ => Refusal::Inaccessible {
            path: path.to_owned(),
            reason: error.to_string(),
        },
    }
}

fn file_kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let ft = meta.file_type();
    if ft.is_dir() {
        "directory"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else if ft.is_fifo() {
        "named pipe"
    } else if ft.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn owners() -> Vec<u32> {
        vec![0, nix::unistd::geteuid().as_raw()]
    }

    fn script(dir: &Path, name: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn accepts_a_proper_method() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(dir.path(), "start", 0o755);
        assert_eq!(check_method_file(&path, &owners()), Ok(()));
    }

    #[test]
    fn refuses_relative() {
        assert!(matches!(
            check_method_file(Path::new("bin/start"), &owners()),
            Err(Refusal::NotAbsolute { .. })
        ));
    }

    #[test]
    fn refuses_missing() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_method_file(&dir.path().join("nope"), &owners()).unwrap_err();
        assert!(matches!(err, Refusal::NotFound { .. }));
        assert!(err.to_string().contains("nope"));
    }

    #[test]
    fn refuses_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_method_file(dir.path(), &owners()).unwrap_err();
        assert!(matches!(err, Refusal::NotRegularFile { ref kind, .. } if kind == "directory"));
    }

    #[test]
    fn refuses_non_executable() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(dir.path(), "start", 0o644);
        let err = check_method_file(&path, &owners()).unwrap_err();
        assert_eq!(
            err,
            Refusal::NotExecutable {
                path: path.clone(),
                mode: 0o644
            }
        );
        assert!(err.to_string().contains("not executable"));
    }

    #[test]
    fn refuses_group_or_world_writable() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o775, 0o757, 0o777] {
            let path = script(dir.path(), &format!("m{mode:o}"), mode);
            assert!(matches!(
                check_method_file(&path, &owners()),
                Err(Refusal::WritableByOthers { .. })
            ));
        }
    }

    #[test]
    fn refuses_writable_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(dir.path(), "start", 0o755);
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_method_file(&path, &owners()).unwrap_err();
        assert!(matches!(err, Refusal::DirectoryWritable { .. }), "{err}");
    }

    #[test]
    fn refuses_foreign_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(dir.path(), "start", 0o755);
        let err = check_method_file(&path, &[4242]).unwrap_err();
        assert!(matches!(err, Refusal::BadOwner { .. }), "{err}");
    }

    #[test]
    fn refuses_what_the_proc_filesystem_names() {
        let err = check_method_file(Path::new("/proc/self/exe"), &owners()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "method file /proc/self/exe is in the proc pseudo filesystem (at /proc/self/exe), not an installed file"
        );
        // A link elsewhere that leads there is no better.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("start");
        std::os::unix::fs::symlink("/proc/self/exe", &link).unwrap();
        let err = check_method_file(&link, &owners()).unwrap_err();
        assert!(
            matches!(&err, Refusal::PseudoFilesystem { at, fs, .. } if at == Path::new("/proc/self/exe") && fs == "proc"),
            "{err}"
        );
    }

    #[test]
    fn refuses_devices() {
        let err = check_method_file(Path::new("/dev/null"), &owners()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "method file /dev/null is not a regular file (it is a character device)"
        );
    }

    #[test]
    fn follows_symlinks_to_the_real_directory() {
        let real = tempfile::tempdir().unwrap();
        let target = script(real.path(), "start", 0o755);
        let links = tempfile::tempdir().unwrap();
        let link = links.path().join("start");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(check_method_file(&link, &owners()), Ok(()));
        std::fs::set_permissions(real.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(
            check_method_file(&link, &owners()),
            Err(Refusal::DirectoryWritable { .. })
        ));
    }
}
