//! A real small file system for faults a ledger meets on a host: full, or read-only.

/// A small tmpfs mounted for one test (root only), unmounted on drop.
pub struct TinyDisk {
    pub path: std::path::PathBuf,
}

impl TinyDisk {
    /// `None` where mounting is not allowed (not root): the test is then skipped locally,
    /// but CI (which runs as root) must run it.
    pub fn mount(path: std::path::PathBuf, size: &str) -> Option<TinyDisk> {
        std::fs::create_dir_all(&path).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must be able to mount a tmpfs for the disk-full test"
            );
            eprintln!("skipped: disk-full test (cannot mount a tmpfs; needs root)");
            return None;
        }
        Some(TinyDisk { path })
    }

    /// Fill the disk to the last byte.
    pub fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.write_all(&[0u8; 1]);
        let _ = f.sync_all();
        filler
    }
}

impl TinyDisk {
    /// Make the file system read-only, as a full or failing disk remounted by the kernel is.
    pub fn remount_read_only(&self) {
        let ok = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot remount {} read-only", self.path.display());
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}
