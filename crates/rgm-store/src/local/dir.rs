//! The state directory: created private if missing (others may only pass through, to read the
//! world-readable cluster log by name), refused when someone other than rgmd's user (or root)
//! could change what is in it, and locked so that one rgmd uses it at a time.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use crate::error::StoreError;

/// The lock file's name in the state directory.
pub const LOCK_FILE: &str = "rgmd.lock";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the directory (mode 0751) if it is missing and checks that it is safe.
pub fn prepare(dir: &Path) -> Result<PathBuf, StoreError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o751)
        .create(dir)
        .map_err(io(dir))?;
    let dir = fs::canonicalize(dir).map_err(io(dir))?;
    check_safe(&dir, nix::unistd::geteuid().as_raw())?;
    Ok(dir)
}

/// Refuses `dir` when it, or a parent up to the first one root owns, belongs to another user
/// or can be written by group or others (a parent with the sticky bit, like /tmp, may be
/// written by others: they cannot rename or remove what is ours in it).
pub fn check_safe(dir: &Path, uid: u32) -> Result<(), StoreError> {
    let mut at = Some(dir);
    let mut first = true;
    while let Some(path) = at {
        let meta = fs::symlink_metadata(path).map_err(io(path))?;
        if !meta.is_dir() {
            return Err(StoreError::Unsafe {
                path: path.to_path_buf(),
                reason: "not a directory".into(),
            });
        }
        let owner = meta.uid();
        if owner != uid && owner != 0 {
            return Err(StoreError::Unsafe {
                path: path.to_path_buf(),
                reason: format!("owned by uid {owner}, not by rgmd's user (uid {uid}) or root"),
            });
        }
        let mode = meta.mode();
        let sticky = mode & 0o1000 != 0;
        if mode & 0o022 != 0 && (first || !sticky) {
            return Err(StoreError::Unsafe {
                path: path.to_path_buf(),
                reason: format!(
                    "writable by {} (mode {:04o})",
                    if mode & 0o002 != 0 {
                        "others"
                    } else {
                        "its group"
                    },
                    mode & 0o7777
                ),
            });
        }
        if owner == 0 && !first {
            break;
        }
        first = false;
        at = path.parent();
    }
    Ok(())
}

/// Takes the directory's lock: a second rgmd on the same directory is refused. A symlink
/// planted as the lock file is refused too (O_NOFOLLOW).
pub fn lock(dir: &Path) -> Result<Flock<File>, StoreError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o640)
        .custom_flags(libc_o_nofollow())
        .open(&path)
        .map_err(io(&path))?;
    Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|_| StoreError::Locked(dir.into()))
}

fn libc_o_nofollow() -> i32 {
    nix::fcntl::OFlag::O_NOFOLLOW.bits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn uid() -> u32 {
        nix::unistd::geteuid().as_raw()
    }

    #[test]
    fn a_private_directory_is_accepted_and_created_0751() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("state");
        let got = prepare(&dir).unwrap();
        assert_eq!(fs::metadata(&got).unwrap().mode() & 0o777, 0o751);
    }

    #[test]
    fn a_group_or_world_writable_directory_is_refused_with_its_path() {
        let t = tempfile::tempdir().unwrap();
        for (mode, who) in [(0o770, "its group"), (0o707, "others")] {
            let dir = t.path().join(format!("s{mode:o}"));
            fs::create_dir(&dir).unwrap();
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
            let err = prepare(&dir).unwrap_err().to_string();
            assert!(err.contains(&format!("writable by {who}")), "{err}");
            assert!(err.contains(&dir.display().to_string()), "{err}");
        }
    }

    #[test]
    fn a_writable_parent_without_the_sticky_bit_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let parent = t.path().join("open");
        fs::create_dir(&parent).unwrap();
        fs::set_permissions(&parent, fs::Permissions::from_mode(0o777)).unwrap();
        let err = prepare(&parent.join("state")).unwrap_err().to_string();
        assert!(
            err.contains("open") && err.contains("writable by others"),
            "{err}"
        );
        // With the sticky bit (as /tmp has), others cannot replace what is ours.
        fs::set_permissions(&parent, fs::Permissions::from_mode(0o1777)).unwrap();
        prepare(&parent.join("state")).unwrap();
    }

    #[test]
    fn a_directory_owned_by_another_user_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("theirs");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        let err = if uid() == 0 {
            // As root: give it to another user, and check as root.
            nix::unistd::chown(&dir, Some(nix::unistd::Uid::from_raw(4242)), None).unwrap();
            check_safe(&dir, 0).unwrap_err().to_string()
        } else {
            // As a user: check as if rgmd ran as another unprivileged user.
            check_safe(&dir, uid() + 4242).unwrap_err().to_string()
        };
        assert!(err.contains("owned by uid"), "{err}");
    }

    #[test]
    fn a_symlink_planted_as_the_lock_file_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let dir = prepare(&t.path().join("s")).unwrap();
        let target = t.path().join("elsewhere");
        std::os::unix::fs::symlink(&target, dir.join(LOCK_FILE)).unwrap();
        let err = lock(&dir).unwrap_err().to_string();
        assert!(err.contains(LOCK_FILE), "{err}");
        assert!(!target.exists(), "the symlink was followed");
    }

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let t = tempfile::tempdir().unwrap();
        let dir = prepare(&t.path().join("s")).unwrap();
        let first = lock(&dir).unwrap();
        assert!(matches!(lock(&dir), Err(StoreError::Locked(_))));
        drop(first);
        lock(&dir).unwrap();
    }
}
