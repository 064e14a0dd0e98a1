//! The one place that opens output files. Everything is staged in a temporary file and only
//! moved into place (or copied to stdout) once complete, so a body or report is written whole
//! or not at all: an interrupted or failed run never leaves half a body behind.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Where output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    /// `-` means stdout.
    pub fn from_arg(path: Option<&Path>) -> Destination {
        match path {
            None => Destination::Stdout,
            Some(p) if p.as_os_str() == "-" => Destination::Stdout,
            Some(p) => Destination::File(p.to_owned()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Destination::Stdout => "standard output".to_owned(),
            Destination::File(p) => p.display().to_string(),
        }
    }
}

enum Temp {
    Named(tempfile::NamedTempFile),
    Anonymous(File),
}

/// Output being written; nothing is visible at the destination until [`Staged::commit`].
pub struct Staged {
    temp: BufWriter<File>,
    holder: Temp,
    destination: Destination,
}

impl Staged {
    /// Starts output for `destination`: a temporary file beside it (so the final rename stays on
    /// one file system), or an anonymous temporary file for stdout.
    pub fn new(destination: Destination) -> anyhow::Result<Staged> {
        let holder = match &destination {
            Destination::Stdout => {
                Temp::Anonymous(tempfile::tempfile().context("creating a temporary file for the output")?)
            }
            Destination::File(path) => {
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
                    _ => PathBuf::from("."),
                };
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let temp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".tmp")
                    .tempfile_in(&dir)
                    .with_context(|| format!("cannot write in {}", dir.display()))?;
                Temp::Named(temp)
            }
        };
        let file = match &holder {
            Temp::Named(t) => t.as_file().try_clone(),
            Temp::Anonymous(f) => f.try_clone(),
        }
        .context("opening the temporary output file")?;
        Ok(Staged {
            temp: BufWriter::with_capacity(256 * 1024, file),
            holder,
            destination,
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.temp
    }

    /// Makes the output visible: renames the temporary file over the destination, or copies it
    /// to stdout. Returns the size in bytes.
    pub fn commit(mut self) -> anyhow::Result<u64> {
        self.temp.flush().context("writing the output")?;
        let size = self.temp.get_ref().metadata().map(|m| m.len()).unwrap_or(0);
        match self.holder {
            Temp::Anonymous(mut file) => {
                file.seek(io::SeekFrom::Start(0))?;
                let stdout = io::stdout();
                let mut lock = stdout.lock();
                match io::copy(&mut file, &mut lock).and_then(|_| lock.flush()) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                    Err(e) => return Err(e).context("writing to standard output"),
                }
            }
            Temp::Named(temp) => {
                let Destination::File(path) = &self.destination else {
                    unreachable!("named temporary files are only made for file destinations")
                };
                temp.as_file().sync_all().context("writing the output")?;
                set_permissions(temp.path(), path);
                temp.persist(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        Ok(size)
    }
}

/// A new file gets the usual read permissions, not the temporary file's owner-only ones;
/// replacing a file keeps that file's permissions.
fn set_permissions(temp: &Path, destination: &Path) {
    let permissions = match std::fs::metadata(destination) {
        Ok(m) => m.permissions(),
        Err(_) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::Permissions::from_mode(0o644)
            }
            #[cfg(not(unix))]
            {
                return;
            }
        }
    };
    let _ = std::fs::set_permissions(temp, permissions);
}

/// Output that can be thrown away and started again (the body, when the pipeline has to read
/// the input a second time).
pub trait Rewind {
    fn rewind(&mut self) -> io::Result<()>;
}

impl Rewind for BufWriter<File> {
    fn rewind(&mut self) -> io::Result<()> {
        self.flush()?;
        let file = self.get_mut();
        file.set_len(0)?;
        file.seek(io::SeekFrom::Start(0))?;
        Ok(())
    }
}

impl Rewind for io::Sink {
    fn rewind(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<T: Rewind + ?Sized> Rewind for &mut T {
    fn rewind(&mut self) -> io::Result<()> {
        (**self).rewind()
    }
}

/// Writes a small file atomically in one go.
pub fn write_file(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut staged = Staged::new(Destination::File(path.to_owned()))?;
    staged.writer().write_all(contents)?;
    staged.commit()?;
    Ok(())
}

/// A human size: `812 B`, `23.4 KB`, `15.1 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if size < 1000.0 {
            break;
        }
        size /= 1000.0;
        unit = u;
    }
    format!("{size:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_visible_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.json");
        let mut staged = Staged::new(Destination::File(path.clone())).unwrap();
        staged.writer().write_all(b"{}").unwrap();
        assert!(!path.exists());
        let size = staged.commit().unwrap();
        assert_eq!(size, 2);
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn dropping_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.json");
        std::fs::write(&path, b"old").unwrap();
        {
            let mut staged = Staged::new(Destination::File(path.clone())).unwrap();
            staged.writer().write_all(b"half a bo").unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(23_456), "23.5 KB");
        assert_eq!(human_size(15_100_000), "15.1 MB");
    }
}
