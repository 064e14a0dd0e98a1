//! Reading the small files relsync keeps or is pointed at: templates, project files, token
//! files, and the receipts, locks and ID lists of the state directory. Each is read whole, so
//! each read is bounded: only a regular file is read (a FIFO would hang, a device would never
//! end), and never more than a cap, whatever the file says or becomes while it is read.
//!
//! Files in the state directory are relsync's own: a link there was not made by relsync, so it
//! is not followed ([`read_state`]). Files the user names may be links (a template in a shared
//! folder often is) and are followed ([`read_named`]).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Why a small file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SmallError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("it is not a regular file")]
    NotAFile,
    #[error("it is larger than {0}, more than such a file ever is")]
    TooLarge(String),
    #[error("it is a link, which relsync does not follow in its state directory")]
    Link,
}

/// Reads a file the user named (links followed), at most `max` bytes.
pub fn read_named(path: &Path, max: u64) -> Result<Vec<u8>, SmallError> {
    let file = open_no_wait(path, true)?;
    read_capped(file, max)
}

/// Reads a file the user named as UTF-8 text (a byte-order mark dropped), at most `max` bytes.
pub fn read_named_text(path: &Path, max: u64) -> Result<String, SmallError> {
    let bytes = read_named(path, max)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        SmallError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is not UTF-8 text (byte {})", e.utf8_error().valid_up_to() + 1),
        ))
    })
}

/// Reads one of relsync's own state files, at most `max` bytes: `None` when it does not exist.
/// A link is refused (on Windows, a reparse point), and so is anything but a regular file.
pub fn read_state(path: &Path, max: u64) -> Result<Option<Vec<u8>>, SmallError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
        Ok(m) if m.file_type().is_symlink() => return Err(SmallError::Link),
        Ok(_) => {}
    }
    let file = match open_no_wait(path, false) {
        Err(SmallError::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        other => other?,
    };
    read_capped(file, max).map(Some)
}

/// Opens one of relsync's own state files for reading as a stream (a kept body): `None` when
/// it does not exist; a link or anything but a regular file is refused.
pub fn open_state(path: &Path) -> Result<Option<File>, SmallError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
        Ok(m) if m.file_type().is_symlink() => return Err(SmallError::Link),
        Ok(_) => {}
    }
    match open_no_wait(path, false) {
        Err(SmallError::Io(e)) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        other => other.map(Some),
    }
}

/// Opens `path` for reading without waiting for a writer (a FIFO opens at once) and, unless
/// `follow`, without following a link; then requires a regular file.
fn open_no_wait(path: &Path, follow: bool) -> Result<File, SmallError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if !follow {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_FLAG_OPEN_REPARSE_POINT: open a link itself, which is then not a regular file.
        if !follow {
            options.custom_flags(0x0020_0000);
        }
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) && !follow {
            return SmallError::Link;
        }
        SmallError::Io(e)
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(if meta.file_type().is_symlink() {
            SmallError::Link
        } else {
            SmallError::NotAFile
        });
    }
    Ok(file)
}

fn read_capped(file: File, max: u64) -> Result<Vec<u8>, SmallError> {
    // A file that says it is too large is refused before anything is read.
    if file.metadata()?.len() > max {
        return Err(SmallError::TooLarge(crate::output::human_size(max)));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(SmallError::TooLarge(crate::output::human_size(max)));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.json");
        std::fs::write(&file, b"{}").unwrap();
        assert_eq!(read_state(&file, 10).unwrap().unwrap(), b"{}");
        assert_eq!(read_named(&file, 10).unwrap(), b"{}");
        assert!(read_state(&dir.path().join("none"), 10).unwrap().is_none());
        assert!(matches!(read_named(&file, 1), Err(SmallError::TooLarge(_))));
        assert!(matches!(read_named(dir.path(), 10), Err(SmallError::NotAFile)));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            assert!(matches!(read_state(&link, 10), Err(SmallError::Link)));
            assert!(matches!(read_named(&link, 10), Err(SmallError::NotAFile)));
            let fifo = dir.path().join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid C string naming a path in a fresh temporary folder.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            assert!(matches!(read_state(&fifo, 10), Err(SmallError::NotAFile)));
            assert!(matches!(read_named(&fifo, 10), Err(SmallError::NotAFile)));
        }
    }
}
