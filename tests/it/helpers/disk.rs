//! A small disk of the test's own (a tmpfs mounted on a temporary folder), to fill up or
//! make read-only under Sala. Mounting needs root; the fault tests run where
//! `SALA_FAULT_TESTS=1` (CI sets it) and fail, never skip, when the mount is refused there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes`, or returns `None` (with a note) where the fault tests
    /// are not enabled.
    pub fn mount(megabytes: u32) -> Option<Self> {
        if std::env::var("SALA_FAULT_TESTS").ok().as_deref() != Some("1") {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "\nNOTE: disk fault tests are skipped: set SALA_FAULT_TESTS=1 (needs root \
                     to mount a small tmpfs).\n"
                );
            });
            return None;
        }
        let dir = tempfile::tempdir().expect("temporary folder");
        mount(&[
            "-t",
            "tmpfs",
            "-o",
            &format!("size={megabytes}m"),
            "tmpfs",
            path_str(dir.path()),
        ]);
        Some(Self { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full and returns its path.
    pub fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("create the filler");
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        // The last partial block may have gone in before the error: try small ones too.
        while file.write_all(&block[..512]).is_ok() {}
        path
    }

    pub fn read_only(&self, read_only: bool) {
        let option = if read_only {
            "remount,ro"
        } else {
            "remount,rw"
        };
        mount(&["-o", option, path_str(self.path())]);
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

fn mount(args: &[&str]) {
    let output = Command::new("mount")
        .args(args)
        .output()
        .expect("run mount");
    assert!(
        output.status.success(),
        "mount {args:?} failed (SALA_FAULT_TESTS=1 needs root): {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}
