//! Reads the organizers' input files (config, event records, templates) safely: only regular
//! files, only inside the folder they belong to (a symlink may point elsewhere in it, never
//! out of it), at most [`MAX_BYTES`], and never blocking on a FIFO or a device. Events and
//! templates arrive by pull request, so a file is never trusted to be what its name says.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest input file herald reads: far above any real event record or template.
pub const MAX_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("not a regular file ({0}); only plain files are read")]
    NotAFile(&'static str),
    #[error("is a symlink to {}, outside {}; only files inside the folder are read", target.display(), root.display())]
    Outside { target: PathBuf, root: PathBuf },
    #[error("is {bytes} bytes, over the {MAX_BYTES}-byte limit for input files")]
    TooLarge { bytes: u64 },
    #[error("is not UTF-8 text")]
    NotUtf8,
}

/// Read `path` as UTF-8 text if it is a regular file of at most [`MAX_BYTES`] whose real
/// location is inside `root` (when given). Checks happen before the file is opened, so a
/// FIFO or a device is refused without blocking.
pub fn read_text(path: &Path, root: Option<&Path>) -> Result<String, InputError> {
    let io = |e: std::io::Error| InputError::Io(e.to_string());
    let meta = match root {
        // A file listed directly in `root` that is not a symlink is inside it: one `lstat`
        // instead of resolving both real paths (most of reading 10,000 event files).
        Some(root) if path.parent() == Some(root) => {
            let meta = std::fs::symlink_metadata(path).map_err(io)?;
            if meta.file_type().is_symlink() {
                inside(path, root)?;
                std::fs::metadata(path).map_err(io)?
            } else {
                meta
            }
        }
        Some(root) => {
            let meta = std::fs::metadata(path).map_err(io)?;
            inside(path, root)?;
            meta
        }
        None => std::fs::metadata(path).map_err(io)?,
    };
    if !meta.is_file() {
        return Err(InputError::NotAFile(file_type(&meta)));
    }
    if meta.len() > MAX_BYTES {
        return Err(InputError::TooLarge { bytes: meta.len() });
    }
    let file = open_nonblocking(path).map_err(|e| InputError::Io(e.to_string()))?;
    // The file may have been swapped or grown since the check: read at most one byte more
    // than the limit and judge what was read.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputError::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    String::from_utf8(bytes).map_err(|_| InputError::NotUtf8)
}

/// The real path of `path` must lie inside the real path of `root`.
fn inside(path: &Path, root: &Path) -> Result<(), InputError> {
    let real = std::fs::canonicalize(path).map_err(|e| InputError::Io(e.to_string()))?;
    let root_real = std::fs::canonicalize(root).map_err(|e| InputError::Io(e.to_string()))?;
    if real.starts_with(&root_real) {
        Ok(())
    } else {
        Err(InputError::Outside {
            target: real,
            root: root.to_path_buf(),
        })
    }
}

fn file_type(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Open for reading without blocking: a FIFO swapped in after the check would otherwise
/// block `open` until a writer appears.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_plain_file_inside_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "x = 1").unwrap();
        assert_eq!(
            read_text(&dir.path().join("a.toml"), Some(dir.path())),
            Ok("x = 1".to_string())
        );
    }

    #[test]
    fn refuses_a_symlink_out_of_the_folder_but_not_one_within() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::fs::write(dir.path().join("real.j2"), "ok").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("a.j2")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real.j2"), dir.path().join("b.j2")).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("sub/c.j2"))
            .unwrap();
        let err = read_text(&dir.path().join("a.j2"), Some(dir.path())).unwrap_err();
        assert!(matches!(err, InputError::Outside { .. }), "{err}");
        let err = read_text(&dir.path().join("sub/c.j2"), Some(dir.path())).unwrap_err();
        assert!(matches!(err, InputError::Outside { .. }), "{err}");
        assert_eq!(
            read_text(&dir.path().join("sub"), Some(dir.path())),
            Err(InputError::NotAFile("a folder"))
        );
        assert_eq!(
            read_text(&dir.path().join("b.j2"), Some(dir.path())),
            Ok("ok".to_string())
        );
    }

    #[test]
    fn refuses_fifos_devices_and_large_files_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.toml");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read_text(&fifo, Some(dir.path())),
            Err(InputError::NotAFile("a FIFO"))
        );
        assert_eq!(
            read_text(Path::new("/dev/zero"), None),
            Err(InputError::NotAFile("a device"))
        );
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'a'; MAX_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            read_text(&big, Some(dir.path())),
            Err(InputError::TooLarge { .. })
        ));
    }
}
