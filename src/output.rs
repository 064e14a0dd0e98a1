//! The one place that opens output files. Everything is staged in a temporary file and only
//! moved into place (or copied to stdout) once complete, so a body or report is written whole
//! or not at all: a failed run never leaves half a body behind, and an interrupted one (Ctrl+C)
//! removes its temporary files before it exits. Replacing a file that another program holds
//! open (Excel, OneDrive and virus scanners do, on Windows) is retried briefly, then explained.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;

/// Temporary files to remove if the run is interrupted.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// What to say when interrupted instead of "no output was written" (a submit whose body may
/// already be on its way).
static INTERRUPT_NOTE: Mutex<Option<String>> = Mutex::new(None);

/// What to do first when interrupted, before the temporary files go (`relsync serve` waits
/// for a project's send it started, and says what it said).
type InterruptHook = Box<dyn Fn() + Send>;
static INTERRUPT_HOOK: Mutex<Option<InterruptHook>> = Mutex::new(None);

/// Runs `hook` first if the run is interrupted.
pub fn on_interrupt_first(hook: InterruptHook) {
    *INTERRUPT_HOOK.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
}

/// Says `note` if the run is interrupted from now on (`None`: the default sentence).
pub fn on_interrupt_say(note: Option<String>) {
    *INTERRUPT_NOTE.lock().unwrap_or_else(|e| e.into_inner()) = note;
}

/// What an interruption would say now, if not the default.
pub fn interrupt_note() -> Option<String> {
    INTERRUPT_NOTE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A temporary file registered for removal on Ctrl+C; unregistered when dropped.
#[derive(Debug)]
pub struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        let mut paths = TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = paths.iter().position(|p| *p == self.0) {
            paths.swap_remove(i);
        }
    }
}

/// Registers `path` for removal if the run is interrupted, while the returned guard lives.
pub fn remove_on_interrupt(path: &Path) -> Registered {
    TEMPORARIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(path.to_owned());
    Registered(path.to_owned())
}

/// On Ctrl+C, a termination signal (SIGTERM, SIGHUP; on Windows Ctrl+Break and closing the
/// console): remove the registered temporary files and exit with 130, the usual status of an
/// interrupted command. On Unix, a file-size limit (`ulimit -f`) makes a write fail instead of
/// killing relsync, so that failure is handled like a full disk. Call once, at start.
pub fn clean_up_on_interrupt() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN, once at start before any other thread
    // exists; no handler code runs.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let _ = ctrlc::set_handler(|| {
        if let Some(hook) = INTERRUPT_HOOK.lock().unwrap_or_else(|e| e.into_inner()).take() {
            hook();
        }
        let paths = TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner());
        for path in paths.iter() {
            // A registered folder (`relsync serve`'s uploads) goes with what is in it.
            if std::fs::remove_file(path).is_err() && path.is_dir() {
                let _ = std::fs::remove_dir_all(path);
            }
        }
        let note = INTERRUPT_NOTE.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // Not eprintln!, which panics (and so never exits) when stderr is gone: a closed
        // terminal is one reason to be sent SIGHUP.
        let _ = writeln!(
            io::stderr(),
            "\nrelsync: interrupted; {}",
            note.as_deref().unwrap_or("no output was written")
        );
        std::process::exit(130);
    });
}

/// A temporary folder only its owner may enter (on Windows, the user's temporary folder is
/// the user's own).
pub fn private_folder(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder.tempdir()
}

/// Is `e` the error Windows gives for a file another program holds open?
fn held_open(e: &io::Error) -> bool {
    cfg!(windows) && (e.kind() == io::ErrorKind::PermissionDenied || matches!(e.raw_os_error(), Some(32 | 33)))
}

/// How long a held-open destination is waited for.
const BUSY_WAIT: Duration = Duration::from_secs(3);

/// Renames `temp` over `path`, retrying while another program holds `path` open.
fn persist(temp: tempfile::NamedTempFile, path: &Path) -> anyhow::Result<()> {
    persist_path(temp.into_temp_path(), path)
}

fn persist_path(mut temp: tempfile::TempPath, path: &Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match temp.persist(path) {
            Ok(()) => return Ok(()),
            Err(e) if held_open(&e.error) && started.elapsed() < BUSY_WAIT => {
                temp = e.path;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) if held_open(&e.error) => anyhow::bail!(
                "cannot replace {}: the file is probably open in another program (Excel, OneDrive or a virus \
                 scanner); close it and run again",
                path.display()
            ),
            Err(e) => return Err(e.error).with_context(|| format!("cannot write {}", path.display())),
        }
    }
}

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
    Named(tempfile::NamedTempFile, Registered),
    Anonymous(File),
}

/// A temporary file beside `destination` for a writer that wants a path (rust_xlsxwriter),
/// moved into place by [`StagedPath::commit`]; removed if dropped or interrupted.
pub struct StagedPath {
    temp: tempfile::TempPath,
    _registered: Registered,
    destination: PathBuf,
    /// The destination is a device or pipe, written in place.
    device: bool,
}

/// Where output for `path` really goes. Through a symbolic link to the file it names (the
/// link stays a link), and `Device` for what is not a regular file (`/dev/null`, `NUL` on
/// Windows, a named pipe): replacing those with a renamed file would destroy them, so they are
/// written in place, once the output is complete.
enum Target {
    File(PathBuf),
    Device(PathBuf),
}

fn target(path: &Path) -> anyhow::Result<Target> {
    let real = follow_links(path)?;
    if windows_device(&real) {
        return Ok(Target::Device(real));
    }
    Ok(match std::fs::metadata(&real) {
        Ok(m) if !m.is_file() && !m.is_dir() => Target::Device(real),
        _ => Target::File(real),
    })
}

/// Windows' reserved device names (`NUL`, `CON`, `COM1`, ..., in any folder and with any
/// extension), which its file metadata does not call devices.
fn windows_device(path: &Path) -> bool {
    cfg!(windows)
        && path
            .file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(reserved_on_windows)
}

fn reserved_on_windows(stem: &str) -> bool {
    let stem = stem.trim_end_matches([' ', '.']).to_ascii_uppercase();
    matches!(stem.as_str(), "NUL" | "CON" | "PRN" | "AUX")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit()
            && stem.as_bytes()[3] != b'0')
}

/// The file a path names once every symbolic link in a chain is followed, each relative to its
/// own folder, also when the last one names a file not there yet (it is the file to create).
/// A loop, or a chain longer than 40 links, is an error, as the system would say.
pub fn follow_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut at = path.to_owned();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&at).with_context(|| format!("cannot follow the link {}", at.display()))?;
                at = match at.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(at),
        }
    }
    anyhow::bail!(
        "cannot write {}: too many levels of symbolic links (a loop?)",
        path.display()
    )
}

/// Copies the complete output in `from` into the device or pipe at `path`.
fn write_in_place(from: &mut File, path: &Path) -> anyhow::Result<()> {
    from.seek(io::SeekFrom::Start(0))?;
    let mut device = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    io::copy(from, &mut device)
        .and_then(|_| device.flush())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A temporary file beside `destination` (`.name.XXXX.tmp` in the same folder, so the final
/// rename stays on one file system), removed if the run is interrupted.
fn temp_beside(destination: &Path) -> anyhow::Result<(tempfile::NamedTempFile, Registered)> {
    let dir = match destination.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A new output gets what any new file gets: 0666 less the user's umask (a body holds the
    // project's data; a umask of 077 keeps it private). Replacing a file keeps its mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temp = builder.tempfile_in(&dir).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "the folder does not exist".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            // tempfile adds the temporary file's name, which says nothing to the user.
            _ => e.to_string().split(" at path ").next().unwrap_or_default().to_owned(),
        };
        anyhow::anyhow!("cannot write {} in {}: {why}", name, dir.display())
    })?;
    let registered = remove_on_interrupt(temp.path());
    Ok((temp, registered))
}

impl StagedPath {
    pub fn new(destination: &Path) -> anyhow::Result<StagedPath> {
        let (temp, registered, destination, device) = match target(destination)? {
            Target::File(real) => {
                let (temp, registered) = temp_beside(&real)?;
                (temp, registered, real, false)
            }
            // The writer wants a path: a temporary file in the temporary folder, copied in.
            Target::Device(real) => {
                let temp = tempfile::Builder::new()
                    .suffix(".tmp")
                    .tempfile()
                    .context("creating a temporary file for the output")?;
                let registered = remove_on_interrupt(temp.path());
                (temp, registered, real, true)
            }
        };
        Ok(StagedPath {
            temp: temp.into_temp_path(),
            _registered: registered,
            destination,
            device,
        })
    }

    /// Where the writer writes.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Moves the written file into place; returns its size.
    pub fn commit(self) -> anyhow::Result<u64> {
        let size = std::fs::metadata(&self.temp).map(|m| m.len()).unwrap_or(0);
        if self.device {
            let mut file = File::open(&self.temp).with_context(|| format!("writing {}", self.destination.display()))?;
            return write_in_place(&mut file, &self.destination).map(|()| size);
        }
        if let Ok(file) = File::open(&self.temp) {
            file.sync_all()
                .with_context(|| format!("writing {}", self.destination.display()))?;
        }
        set_permissions(&self.temp, &self.destination);
        persist_path(self.temp, &self.destination)?;
        Ok(size)
    }
}

/// Output being written; nothing is visible at the destination until [`Staged::commit`].
pub struct Staged {
    temp: WriteBehind,
    holder: Temp,
    destination: Destination,
    /// A device or pipe the output is copied into at the end (see [`target`]).
    device: Option<PathBuf>,
}

impl Staged {
    /// Starts output for `destination`: a temporary file beside it (so the final rename stays on
    /// one file system), or an anonymous temporary file for stdout.
    pub fn new(destination: Destination) -> anyhow::Result<Staged> {
        let anonymous = || tempfile::tempfile().context("creating a temporary file for the output");
        let mut device = None;
        let (holder, destination) = match destination {
            Destination::Stdout => (Temp::Anonymous(anonymous()?), Destination::Stdout),
            Destination::File(path) => match target(&path)? {
                Target::File(real) => {
                    let (temp, registered) = temp_beside(&real)?;
                    (Temp::Named(temp, registered), Destination::File(real))
                }
                Target::Device(real) => {
                    device = Some(real);
                    (Temp::Anonymous(anonymous()?), Destination::File(path))
                }
            },
        };
        let file = match &holder {
            Temp::Named(t, _) => t.as_file().try_clone(),
            Temp::Anonymous(f) => f.try_clone(),
        }
        .context("opening the temporary output file")?;
        Ok(Staged {
            temp: WriteBehind::new(file).context("starting the output thread")?,
            holder,
            destination,
            device,
        })
    }

    pub fn writer(&mut self) -> &mut WriteBehind {
        &mut self.temp
    }

    /// Makes the output visible: renames the temporary file over the destination, or copies it
    /// to stdout. Returns the size in bytes.
    pub fn commit(self) -> anyhow::Result<u64> {
        let what = match &self.destination {
            Destination::File(path) => format!("writing {}", path.display()),
            Destination::Stdout => "writing the output (for standard output)".to_owned(),
        };
        let file = self.temp.finish().context(what.clone())?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        match self.holder {
            Temp::Anonymous(mut file) => {
                if let Some(device) = &self.device {
                    write_in_place(&mut file, device)?;
                    return Ok(size);
                }
                file.seek(io::SeekFrom::Start(0))?;
                let stdout = io::stdout();
                let mut lock = stdout.lock();
                match io::copy(&mut file, &mut lock).and_then(|_| lock.flush()) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                    Err(e) => return Err(e).context("writing to standard output"),
                }
            }
            Temp::Named(temp, _registered) => {
                let Destination::File(path) = &self.destination else {
                    anyhow::bail!("a file was staged for standard output");
                };
                file.sync_all().context(what)?;
                set_permissions(temp.path(), path);
                persist(temp, path)?;
            }
        }
        Ok(size)
    }
}

/// Replacing a file keeps that file's permissions (a new one has them from the umask, see
/// [`temp_beside`]).
fn set_permissions(temp: &Path, destination: &Path) {
    if let Ok(m) = std::fs::metadata(destination) {
        let _ = std::fs::set_permissions(temp, m.permissions());
    }
}

/// Bytes gathered before they are handed to the writing thread.
const CHUNK: usize = 1 << 20;

/// A buffered writer whose `write` system calls run on a helper thread: full buffers are handed
/// over and come back empty for reuse. Errors from the thread surface at the next write or at
/// [`WriteBehind::finish`].
pub struct WriteBehind {
    buf: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    back: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<File>>>,
}

impl WriteBehind {
    pub fn new(mut file: File) -> io::Result<WriteBehind> {
        let (tx, rx) = sync_channel::<Vec<u8>>(4);
        let (back_tx, back) = sync_channel::<Vec<u8>>(6);
        let thread = std::thread::Builder::new()
            .name("relsync-write".into())
            .spawn(move || {
                for mut chunk in rx {
                    file.write_all(&chunk)?;
                    chunk.clear();
                    let _ = back_tx.try_send(chunk);
                }
                Ok(file)
            })?;
        Ok(WriteBehind {
            buf: Vec::with_capacity(CHUNK),
            tx: Some(tx),
            back,
            thread: Some(thread),
        })
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self.back.try_recv().unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(full).is_ok());
        if sent { Ok(()) } else { Err(self.stop()) }
    }

    /// Stops the thread and returns the error that ended it.
    fn stop(&mut self) -> io::Error {
        self.tx = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Err(_)) => io::Error::other("the writing thread stopped unexpectedly"),
            _ => io::Error::other("the output was already closed"),
        }
    }

    /// Writes everything out and returns the file.
    pub fn finish(mut self) -> io::Result<File> {
        self.drain()
    }

    /// Hands over the rest, waits for the thread, and returns the file.
    fn drain(&mut self) -> io::Result<File> {
        self.hand_over()?;
        self.tx = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the writing thread stopped unexpectedly")),
            None => Err(io::Error::other("the output was already closed")),
        }
    }
}

impl Write for WriteBehind {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > CHUNK {
            self.hand_over()?;
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.write(data).map(|_| ())
    }

    /// Hands what is buffered to the thread; [`WriteBehind::finish`] waits for the disk.
    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

impl Rewind for WriteBehind {
    fn rewind(&mut self) -> io::Result<()> {
        self.buf.clear();
        let mut file = self.drain()?;
        file.set_len(0)?;
        file.seek(io::SeekFrom::Start(0))?;
        *self = WriteBehind::new(file)?;
        Ok(())
    }
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

/// A file that fails its first failing write and then takes (and drops) everything after it:
/// for a writer that writes again while it is dropped after a failure (the zip crate finalizes an
/// archive in `Drop` and prints its own message to stderr when that fails too). The caller
/// reports the first error, naming the file.
pub struct FailOnce {
    file: File,
    failed: bool,
}

impl FailOnce {
    pub fn create(path: &Path) -> io::Result<FailOnce> {
        Ok(FailOnce {
            file: File::create(path)?,
            failed: false,
        })
    }
}

impl Write for FailOnce {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        self.file.write(buf).inspect_err(|_| self.failed = true)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        self.file.flush().inspect_err(|_| self.failed = true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_device_names() {
        for name in ["NUL", "nul", "Con", "COM1", "lpt9", "NUL ", "AUX."] {
            assert!(reserved_on_windows(name), "{name}");
        }
        for name in ["NULL", "COM0", "COM10", "body", "CONSOLE", "LPT"] {
            assert!(!reserved_on_windows(name), "{name}");
        }
    }

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
    fn write_behind_rewinds_and_reports_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        let mut w = WriteBehind::new(File::create(&path).unwrap()).unwrap();
        w.write_all(&vec![b'a'; 3 * CHUNK]).unwrap();
        w.rewind().unwrap();
        w.write_all(b"xy").unwrap();
        drop(w.finish().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"xy");

        // A file opened for reading cannot be written: the error comes back.
        let read_only = File::open(&path).unwrap();
        let mut w = WriteBehind::new(read_only).unwrap();
        let first = w
            .write_all(&vec![b'b'; 2 * CHUNK])
            .and_then(|()| w.write_all(&vec![b'c'; 2 * CHUNK]));
        let outcome = first.and_then(|()| w.finish().map(drop));
        assert!(outcome.is_err());
    }

    #[test]
    fn interrupted_runs_know_their_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let staged = Staged::new(Destination::File(dir.path().join("b.json"))).unwrap();
        let temp = match &staged.holder {
            Temp::Named(t, _) => t.path().to_owned(),
            Temp::Anonymous(_) => panic!("a file destination has a named temporary"),
        };
        assert!(TEMPORARIES.lock().unwrap().contains(&temp));
        drop(staged);
        assert!(!TEMPORARIES.lock().unwrap().contains(&temp));
        assert!(!temp.exists());
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(23_456), "23.5 KB");
        assert_eq!(human_size(15_100_000), "15.1 MB");
    }
}
