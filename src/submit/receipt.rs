//! Receipts of successful submits, the memory behind the deletion guard.
//!
//! After every successful submit relsync records what it sent to which endpoint: the external
//! ids, the body's SHA-256, the count and the HTTP status; never a token or secret. Before the
//! next submit to the same endpoint, the ids are compared with the last receipt: ids sent then
//! and missing now are elements Relatics will delete. Each receipt is its own file, written
//! atomically, under `receipts/<endpoint>/` in the state directory, named by a sequence number;
//! the file written last is the last receipt (whatever the clocks of the machines sharing the
//! directory say), and the older ones remain as a short history (the newest [`KEEP_RECEIPTS`]).
//!
//! Endpoints are keyed as Relatics reads them: the host and the workspace GUID in any case, and
//! with or without a trailing slash, are one interface.
//!
//! Before a body is sent, its receipt is written as `in-flight/<endpoint>.pending` (so a store
//! that cannot be written stops the submit before anything is sent), and removed once the real
//! receipt is saved or the server has said no. One that remains (the answer never came, or
//! the receipt could not be saved after a 2xx) counts as possibly applied: the next submit
//! guards the elements of both it and the last receipt.
//!
//! Beside the receipts, under `bodies/<endpoint>/`, the body of the last successful submit is
//! kept gzip-compressed (one per endpoint, named after its SHA-256, so it is used only with the
//! receipt it belongs to): the next submit shows what changes field by field against it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The receipt format this relsync writes; a newer one is refused rather than misread.
pub const RECEIPT_VERSION: u32 = 1;
/// A lock older than this was left by a run that was killed: a submit, with every retry at the
/// longest time limit (`--timeout` is at most an hour), ends within 12 hours.
const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// Receipts kept per endpoint; older ones are removed after a successful submit.
pub const KEEP_RECEIPTS: usize = 10;
/// The largest receipt read: one lists every external id of a submit (10 million rows of
/// 50-character ids fit).
const MAX_RECEIPT: u64 = 512 << 20;
/// The largest lock read: one line saying which process holds it.
const MAX_LOCK: u64 = 4096;

/// Who holds a lock, as its file says (for messages).
fn lock_holder(path: &Path) -> String {
    match crate::small::read_state(path, MAX_LOCK) {
        Ok(text) => {
            let text = text.unwrap_or_default();
            crate::value::for_terminal(String::from_utf8_lossy(&text).trim()).into_owned()
        }
        Err(e) => format!("its file cannot be read: {e}"),
    }
}

fn version_one() -> u32 {
    1
}

/// What one successful submit sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The receipt format ([`RECEIPT_VERSION`]).
    #[serde(default = "version_one")]
    pub version: u32,
    pub endpoint: String,
    /// UTC time of the submit, RFC 3339.
    pub time: String,
    /// HTTP status Relatics answered with.
    pub status: u16,
    /// `json` or `xml`.
    pub format: String,
    pub body_sha256: String,
    /// Bytes sent.
    pub size: u64,
    pub elements: u64,
    /// The input the body came from, as given on the command line.
    pub input: String,
    pub relsync_version: String,
    /// Every external id sent, sorted.
    pub external_ids: Vec<String>,
}

/// A receipt without its external ids, for a history of submits.
#[derive(Debug, Deserialize)]
pub struct Summary {
    pub time: String,
    pub status: u16,
    pub elements: u64,
    pub size: u64,
    pub input: String,
}

/// The receipts in a state directory.
pub struct Store {
    dir: PathBuf,
}

/// The default state directory: `$XDG_STATE_HOME/relsync` if that is set (on any platform),
/// else the platform's per-user directory: `~/.local/state/relsync` on Linux,
/// `~/Library/Application Support/relsync` on macOS, `%LOCALAPPDATA%\relsync` on Windows.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(state).join("relsync"));
    }
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .map(|d| d.join("relsync"))
}

/// The endpoint as Relatics reads it: host and workspace GUID in lower case, no trailing slash.
pub fn normalize_endpoint(endpoint: &str) -> String {
    let trimmed = endpoint.trim().trim_end_matches('/');
    let Ok(mut url) = url::Url::parse(trimmed) else {
        return trimmed.to_owned();
    };
    let segments: Option<Vec<String>> = url.path_segments().map(|s| s.map(str::to_owned).collect());
    if let Some(mut segments) = segments {
        for i in 1..segments.len() {
            if segments[i - 1].eq_ignore_ascii_case("workspaces") {
                segments[i] = segments[i].to_ascii_lowercase();
            }
        }
        while segments.last().is_some_and(String::is_empty) {
            segments.pop();
        }
        url.set_path(&segments.join("/"));
    }
    url.set_fragment(None);
    url.to_string().trim_end_matches('/').to_owned()
}

/// What tells two spellings of one interface's URL apart only on paper: the host in lower case
/// (every loopback name as one), the path in lower case (Relatics routes without regard to
/// case), percent-escapes of plain characters decoded, repeated and trailing slashes, the
/// query and the fragment left out. Two URLs with one key are one interface.
pub fn interface_key(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return url.trim().to_ascii_lowercase();
    };
    let host = match parsed.host() {
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => "loopback".to_owned(),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => "loopback".to_owned(),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => "loopback".to_owned(),
        Some(h) => h.to_string().to_ascii_lowercase(),
        None => String::new(),
    };
    let mut path = String::new();
    let bytes = parsed.path().as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let decoded = (b == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            .filter(|c| c.is_ascii_alphanumeric() || b"-._~".contains(c));
        match decoded {
            Some(c) => {
                path.push(c.to_ascii_lowercase() as char);
                i += 3;
            }
            None => {
                path.push(b.to_ascii_lowercase() as char);
                i += 1;
            }
        }
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    format!(
        "{}://{host}:{}/{}",
        parsed.scheme(),
        parsed.port_or_known_default().unwrap_or(0),
        segments.join("/")
    )
}

impl Store {
    pub fn new(dir: &Path) -> Store {
        Store { dir: dir.to_owned() }
    }

    /// The folder for one endpoint: readable (host and interface name) and unique (a hash of
    /// the normalized URL).
    pub fn endpoint_dir(&self, endpoint: &str) -> PathBuf {
        self.dir
            .join("receipts")
            .join(Self::folder(&normalize_endpoint(endpoint)))
    }

    /// Where the last body sent to `endpoint` is kept (beside the receipts, not among them).
    pub fn body_dir(&self, endpoint: &str) -> PathBuf {
        self.dir
            .join("bodies")
            .join(Self::folder(&normalize_endpoint(endpoint)))
    }

    /// Where relsync 0.1 kept receipts (keyed by the URL as typed, without a trailing slash).
    fn legacy_dir(&self, endpoint: &str) -> PathBuf {
        self.dir
            .join("receipts")
            .join(Self::folder(endpoint.trim_end_matches('/')))
    }

    /// The folder name for an endpoint key.
    fn folder(endpoint: &str) -> String {
        let hash = hex(&Sha256::digest(endpoint.as_bytes()));
        let readable: String = url::Url::parse(endpoint)
            .ok()
            .map(|u| {
                let last = u
                    .path_segments()
                    .and_then(|mut s| s.next_back())
                    .unwrap_or("")
                    .to_owned();
                format!("{}-{}", u.host_str().unwrap_or("host"), last)
            })
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        format!("{readable}-{}", &hash[..12])
    }

    /// The newest receipt for `endpoint`, if any. A receipt that cannot be read is an error:
    /// the deletion guard must not be skipped silently.
    pub fn last(&self, endpoint: &str) -> anyhow::Result<Option<(PathBuf, Receipt)>> {
        for dir in [self.endpoint_dir(endpoint), self.legacy_dir(endpoint)] {
            if let Some(found) = self.newest_in(&dir)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Receipt files in `dir`, oldest first.
    fn receipts_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot read the receipts in {}, so relsync cannot tell what would be deleted",
                        dir.display()
                    )
                });
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// The receipts of `endpoint`, newest first (at most the ten kept): each file's name and
    /// what it says but its external ids. One that cannot be read is left out.
    pub fn history(&self, endpoint: &str) -> anyhow::Result<Vec<(String, Summary)>> {
        let mut paths = Self::receipts_in(&self.endpoint_dir(endpoint))?;
        if paths.is_empty() {
            paths = Self::receipts_in(&self.legacy_dir(endpoint))?;
        }
        Ok(paths
            .iter()
            .rev()
            .take(KEEP_RECEIPTS)
            .filter_map(|path| {
                let text = crate::small::read_state(path, MAX_RECEIPT).ok()??;
                let summary: Summary = serde_json::from_slice(&text).ok()?;
                Some((path.file_name()?.to_string_lossy().into_owned(), summary))
            })
            .collect())
    }

    fn newest_in(&self, dir: &Path) -> anyhow::Result<Option<(PathBuf, Receipt)>> {
        let Some(path) = Self::receipts_in(dir)?.pop() else {
            return Ok(None);
        };
        let text = crate::small::read_state(&path, MAX_RECEIPT)
            .map_err(anyhow::Error::new)
            .and_then(|t| t.ok_or_else(|| anyhow::anyhow!("it was removed while relsync read the folder")))
            .with_context(|| {
                format!(
                    "cannot read the last receipt {}, so relsync cannot tell what would be deleted",
                    path.display()
                )
            })?;
        let receipt: Receipt = serde_json::from_slice(&text).with_context(|| {
            format!(
                "the last receipt {} is damaged, so relsync cannot tell what would be deleted; \
                 repair or remove it, then run again",
                path.display()
            )
        })?;
        if receipt.version > RECEIPT_VERSION {
            anyhow::bail!(
                "the last receipt {} was written by a newer relsync (receipt format {}, this relsync reads up to {}); \
                 use that version, or give another --state-dir",
                path.display(),
                receipt.version,
                RECEIPT_VERSION
            );
        }
        Ok(Some((path, receipt)))
    }

    fn in_flight_path(&self, endpoint: &str) -> PathBuf {
        self.dir
            .join("in-flight")
            .join(format!("{}.pending", Self::folder(&normalize_endpoint(endpoint))))
    }

    /// Records `receipt` as being sent, before it is: an error (nothing may be sent) when the
    /// store cannot be written.
    pub fn begin(&self, receipt: &Receipt) -> anyhow::Result<()> {
        let path = self.in_flight_path(&receipt.endpoint);
        if let Some(dir) = path.parent() {
            private_dir(&self.dir, dir)?;
        }
        // The receipts' folder too: a submit that could not save its receipt after a 2xx
        // should be rare, not the rule.
        private_dir(&self.dir, &self.endpoint_dir(&receipt.endpoint))?;
        let text = serde_json::to_vec_pretty(receipt)?;
        crate::output::write_file(&path, &text)?;
        private_file(&path);
        Ok(())
    }

    /// Takes the endpoint for one submit: a second submit to it from this state directory,
    /// while one runs, would guard against stale receipts and could delete what the first one
    /// sends. Released when the returned value is dropped (or the run is interrupted).
    pub fn lock(&self, endpoint: &str) -> anyhow::Result<Lock> {
        let path = self.in_flight_path(endpoint).with_extension("lock");
        // Folders this submit makes, to be removed again if nothing is kept in them (a body
        // refused with 400 leaves the state directory as it found it).
        let fresh: Vec<PathBuf> = [
            self.endpoint_dir(endpoint),
            self.dir.join("receipts"),
            self.dir.join("in-flight"),
            self.dir.clone(),
        ]
        .into_iter()
        .filter(|d| std::fs::symlink_metadata(d).is_err())
        .collect();
        if let Some(dir) = path.parent() {
            private_dir(&self.dir, dir)?;
        }
        // relsync makes its locks as regular files: anything else there (a link, a pipe) was
        // put there by something else, and is not taken over.
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && !meta.is_file()
        {
            anyhow::bail!(
                "the lock {} is not a regular file (a link, a device or a pipe); relsync did not make it. Remove it \
                 and run again",
                path.display()
            );
        }
        // A submit ends within hours even with every retry at the longest time limit: an older
        // lock was left by a run that was killed, and its in-flight record (if any) still guards
        // what it sent.
        let stale = std::fs::symlink_metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_LOCK));
        if stale {
            let holder = lock_holder(&path);
            crate::errln!(
                "relsync: taking over the lock {} ({}), left by a run that did not end",
                path.display(),
                holder.trim()
            );
            let _ = std::fs::remove_file(&path);
        }
        let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = lock_holder(&path);
                anyhow::bail!(
                    "another submit to this endpoint is running ({}); wait for it to end. If none is (a run that \
                     was killed leaves this behind; after 24 hours it is taken over), remove {} and run again",
                    holder.trim(),
                    path.display()
                );
            }
            Err(e) => anyhow::bail!(
                "cannot record this submit in the state directory {} ({e}): nothing was sent. Make the directory \
                 writable, or give another --state-dir",
                self.dir.display()
            ),
        };
        let registered = crate::output::remove_on_interrupt(&path);
        private_file(&path);
        use std::io::Write as _;
        let _ = writeln!(
            file,
            "process {} since {}",
            std::process::id(),
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        Ok(Lock {
            path,
            fresh,
            _registered: registered,
        })
    }

    /// Forgets the in-flight record: the real receipt is saved, or the server refused the body.
    pub fn end(&self, endpoint: &str) {
        let _ = std::fs::remove_file(self.in_flight_path(endpoint));
    }

    /// A submit to `endpoint` whose outcome was never recorded, if any. One that cannot be read
    /// is an error, as for receipts.
    pub fn in_flight(&self, endpoint: &str) -> anyhow::Result<Option<Receipt>> {
        let path = self.in_flight_path(endpoint);
        let text = match crate::small::read_state(&path, MAX_RECEIPT) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot read {}, so relsync cannot tell what would be deleted",
                        path.display()
                    )
                });
            }
        };
        let receipt: Receipt = serde_json::from_slice(&text).with_context(|| {
            format!(
                "{} (a submit whose outcome was not recorded) is damaged, so relsync cannot tell what would be \
                 deleted; remove it once you have checked the elements in Relatics, then run again",
                path.display()
            )
        })?;
        if receipt.version > RECEIPT_VERSION {
            anyhow::bail!(
                "{} was written by a newer relsync (receipt format {}, this relsync reads up to {}); use that \
                 version, or give another --state-dir",
                path.display(),
                receipt.version,
                RECEIPT_VERSION
            );
        }
        Ok(Some(receipt))
    }

    /// Records a receipt; returns its path.
    pub fn save(&self, receipt: &Receipt) -> anyhow::Result<PathBuf> {
        let dir = self.endpoint_dir(&receipt.endpoint);
        private_dir(&self.dir, &dir)?;
        let stamp: String = receipt
            .time
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        // Named by a sequence number, not by the clock: "the last receipt" is the one written
        // last, even when machines sharing a state directory disagree about the time. `n...`
        // sorts after the time-named receipts of earlier versions.
        let seq = Self::receipts_in(&dir)?
            .iter()
            .filter_map(|p| {
                let name = p.file_name()?.to_str()?;
                name.strip_prefix('n')?.get(..8)?.parse::<u64>().ok()
            })
            .max()
            .map_or(1, |n| n + 1);
        let sha = receipt.body_sha256.get(..8).unwrap_or(&receipt.body_sha256);
        let path = dir.join(format!("n{seq:08}-{stamp}-{sha}.json"));
        let text = serde_json::to_vec_pretty(receipt)?;
        crate::output::write_file(&path, &text)?;
        private_file(&path);
        // Keep the history short; a receipt that cannot be removed is left for next time.
        let all = Self::receipts_in(&dir)?;
        for old in all.iter().take(all.len().saturating_sub(KEEP_RECEIPTS)) {
            let _ = std::fs::remove_file(old);
        }
        Ok(path)
    }
}

/// Creates `dir` under the state directory `root` for state files; on Unix the folders relsync
/// makes (`root` itself only when relsync creates it, not a directory the user named) are the
/// user's only: receipts list every external id sent, and kept bodies hold all the data.
fn private_dir(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let root_is_new = !root.exists();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = || std::fs::Permissions::from_mode(0o700);
        let mut at = Some(dir);
        while let Some(folder) = at.filter(|f| *f != root && f.starts_with(root)) {
            let _ = std::fs::set_permissions(folder, private());
            at = folder.parent();
        }
        if root_is_new {
            let _ = std::fs::set_permissions(root, private());
        }
    }
    #[cfg(not(unix))]
    let _ = root_is_new;
    Ok(())
}

/// Makes a state file readable by the user only (Unix; on Windows the user's profile folder
/// already is).
fn private_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// A submit's hold on its endpoint (a lock file), released when dropped.
pub struct Lock {
    path: PathBuf,
    /// Folders that did not exist before this submit, deepest first.
    fresh: Vec<PathBuf>,
    _registered: crate::output::Registered,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        // When this submit kept nothing (no receipt: its endpoint's folder, made for it, is
        // empty or was never made, as when the guard refused), the folders it made go too;
        // otherwise they stay as they are.
        if let Some((endpoint, rest)) = self.fresh.split_first()
            && endpoint.ends_with(self.path.file_stem().unwrap_or_default())
            && (std::fs::remove_dir(endpoint).is_ok() || std::fs::symlink_metadata(endpoint).is_err())
        {
            for dir in rest {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// The locks of several endpoints (a project's run), released in the reverse order they were
/// taken, so the first one, which may have made the state directory's folders, goes last and
/// can remove them when nothing was kept.
pub struct Locks(pub Vec<Lock>);

impl Drop for Locks {
    fn drop(&mut self) {
        while self.0.pop().is_some() {}
    }
}

/// The body kept from the last submit: its path and format.
pub struct KeptBody {
    pub path: PathBuf,
    pub format: crate::body::BodyFormat,
}

impl KeptBody {
    /// Reads the kept body back (decompressed as it is read).
    pub fn open(&self) -> anyhow::Result<impl std::io::BufRead> {
        let file = crate::small::open_state(&self.path)
            .map_err(anyhow::Error::new)
            .and_then(|f| f.ok_or_else(|| anyhow::anyhow!("it is gone")))
            .with_context(|| format!("cannot open {}", self.path.display()))?;
        Ok(std::io::BufReader::with_capacity(
            256 * 1024,
            flate2::read::GzDecoder::new(std::io::BufReader::new(file)),
        ))
    }
}

impl KeptBody {
    /// Whether the kept body is the one `receipt` records: its size and SHA-256 as sent (a
    /// kept body that was replaced or damaged would show changes that never happened). Reads
    /// no more than the receipt's size, whatever the file holds.
    pub fn verify(&self, receipt: &Receipt) -> anyhow::Result<()> {
        use std::io::Read as _;
        let mut hasher = Sha256::new();
        let copied = std::io::copy(
            &mut self.open()?.take(receipt.size.saturating_add(1)),
            &mut HashWriter(&mut hasher),
        )
        .with_context(|| format!("cannot read {}", self.path.display()))?;
        let sha256 = hex(&hasher.finalize());
        if copied != receipt.size || sha256 != receipt.body_sha256 {
            let holds = if copied > receipt.size {
                "more than that".to_owned()
            } else {
                format!("{copied} bytes with SHA-256 {}", sha256.get(..16).unwrap_or(&sha256))
            };
            anyhow::bail!(
                "{} is not the body the last receipt records (the receipt says {} bytes with SHA-256 {}; the kept \
                 body holds {holds}): it was replaced or damaged",
                self.path.display(),
                receipt.size,
                receipt.body_sha256.get(..16).unwrap_or(&receipt.body_sha256),
            );
        }
        Ok(())
    }
}

/// `last-body-<first 16 hex digits of the SHA-256>.<format>.gz`.
fn kept_body_name(sha256: &str, format: crate::body::BodyFormat) -> String {
    format!(
        "last-body-{}.{}.gz",
        sha256.get(..16).unwrap_or(sha256),
        format.name().to_ascii_lowercase()
    )
}

impl Store {
    /// Keeps `body` (the file that was sent) compressed as the last body for `receipt`'s
    /// endpoint, replacing the one kept before.
    pub fn keep_body(
        &self,
        receipt: &Receipt,
        body: &Path,
        format: crate::body::BodyFormat,
    ) -> anyhow::Result<PathBuf> {
        let dir = self.body_dir(&receipt.endpoint);
        private_dir(&self.dir, &dir)?;
        let name = kept_body_name(&receipt.body_sha256, format);
        let path = dir.join(&name);
        let mut staged = crate::output::Staged::new(crate::output::Destination::File(path.clone()))?;
        {
            let mut source = std::fs::File::open(body).with_context(|| format!("reading {}", body.display()))?;
            let mut gz = flate2::write::GzEncoder::new(staged.writer(), flate2::Compression::default());
            std::io::copy(&mut source, &mut gz).with_context(|| format!("compressing into {}", path.display()))?;
            gz.finish().with_context(|| format!("writing {}", path.display()))?;
        }
        staged.commit()?;
        private_file(&path);
        // Only the newest is kept; one that cannot be removed is left for next time.
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            if file.starts_with("last-body-") && file.ends_with(".gz") && file != name.as_str() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(path)
    }

    /// The body kept for `receipt` (the last receipt of `endpoint`), if there is one.
    pub fn kept_body(&self, endpoint: &str, receipt: &Receipt) -> Option<KeptBody> {
        [crate::body::BodyFormat::Json, crate::body::BodyFormat::Xml]
            .into_iter()
            .map(|format| KeptBody {
                path: self
                    .body_dir(endpoint)
                    .join(kept_body_name(&receipt.body_sha256, format)),
                format,
            })
            .find(|kept| kept.path.is_file())
    }
}

impl Store {
    /// Where the IDs last read from a providing endpoint are kept (its answer as it came).
    pub fn ids_path(&self, endpoint: &str, format: crate::body::BodyFormat) -> PathBuf {
        self.dir.join("ids").join(format!(
            "{}.{}",
            Self::folder(&normalize_endpoint(endpoint)),
            format.name().to_ascii_lowercase()
        ))
    }

    /// The IDs kept from the last read of `endpoint`, if any: the file and when it was read.
    /// A link there is refused, as for every state file.
    pub fn kept_ids(&self, endpoint: &str) -> anyhow::Result<Option<(PathBuf, String)>> {
        for format in [crate::body::BodyFormat::Json, crate::body::BodyFormat::Xml] {
            let path = self.ids_path(endpoint, format);
            let Some(file) = crate::small::open_state(&path)
                .map_err(anyhow::Error::new)
                .with_context(|| format!("cannot read {}", path.display()))?
            else {
                continue;
            };
            let when = file
                .metadata()
                .and_then(|m| m.modified())
                .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_else(|_| "at an unknown time".into());
            return Ok(Some((path, when)));
        }
        Ok(None)
    }

    /// Keeps `answer` (a providing endpoint's answer, read just now) as the IDs of `endpoint`.
    pub fn keep_ids(&self, endpoint: &str, answer: &Path, format: crate::body::BodyFormat) -> anyhow::Result<PathBuf> {
        let path = self.ids_path(endpoint, format);
        if let Some(dir) = path.parent() {
            private_dir(&self.dir, dir)?;
        }
        let mut staged = crate::output::Staged::new(crate::output::Destination::File(path.clone()))?;
        let mut source = std::fs::File::open(answer).with_context(|| format!("reading {}", answer.display()))?;
        std::io::copy(&mut source, staged.writer()).with_context(|| format!("writing {}", path.display()))?;
        staged.commit()?;
        private_file(&path);
        // One answer per endpoint: the other format's, if any, is stale now.
        for other in [crate::body::BodyFormat::Json, crate::body::BodyFormat::Xml] {
            let other = self.ids_path(endpoint, other);
            if other != path {
                let _ = std::fs::remove_file(other);
            }
        }
        Ok(path)
    }
}

/// New, kept and deleted elements compared with the last receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub new: u64,
    pub kept: u64,
    /// Ids sent last time and missing now, sorted.
    pub deleted: Vec<String>,
}

pub fn diff(previous: &[String], current: &HashSet<&str>) -> Diff {
    let before: HashSet<&str> = previous.iter().map(String::as_str).collect();
    let kept = current.iter().filter(|id| before.contains(**id)).count() as u64;
    let mut deleted: Vec<String> = previous
        .iter()
        .filter(|id| !current.contains(id.as_str()))
        .cloned()
        .collect();
    deleted.sort();
    deleted.dedup();
    Diff {
        new: current.len() as u64 - kept,
        kept,
        deleted,
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, read in chunks.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut HashWriter(&mut hasher))?;
    Ok(hex(&hasher.finalize()))
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_interface_however_spelled() {
        let key = interface_key("https://acme.relatics.com/api/v1/workspaces/W/interfaces/synchronizing/objects");
        for other in [
            "https://ACME.relatics.com/api/v1/workspaces/w/interfaces/synchronizing/%6Fbjects",
            "https://acme.relatics.com:443/api/v1/workspaces/W/interfaces//SYNCHRONIZING/objects/",
            "https://acme.relatics.com/api/v1/workspaces/W/interfaces/synchronizing/objects?x=1#y",
        ] {
            assert_eq!(interface_key(other), key, "{other}");
        }
        assert_ne!(
            interface_key("https://acme.relatics.com/api/v1/workspaces/W/interfaces/synchronizing/object"),
            key
        );
        assert_eq!(
            interface_key("http://localhost:8090/a"),
            interface_key("http://[::1]:8090/A")
        );
        assert_eq!(
            interface_key("http://127.0.0.1:8090/a"),
            interface_key("http://localhost:8090/a")
        );
        assert_ne!(
            interface_key("http://127.0.0.1:8090/a"),
            interface_key("http://127.0.0.1:8091/a")
        );
    }

    use super::*;

    fn receipt(endpoint: &str, time: &str, ids: &[&str]) -> Receipt {
        Receipt {
            version: RECEIPT_VERSION,
            endpoint: endpoint.into(),
            time: time.into(),
            status: 200,
            format: "json".into(),
            body_sha256: "ab".repeat(32),
            size: 10,
            elements: ids.len() as u64,
            input: "in.xlsx".into(),
            relsync_version: "0".into(),
            external_ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_newest_receipt_per_endpoint_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let a = "https://acme.relatics.com/api/v1/workspaces/x/interfaces/synchronizing/reqs";
        let b = "https://acme.relatics.com/api/v1/workspaces/x/interfaces/synchronizing/objects";
        assert!(store.last(a).unwrap().is_none());
        store
            .save(&receipt(a, "2026-11-28T10:00:00.000Z", &["1", "2"]))
            .unwrap();
        store.save(&receipt(a, "2026-11-28T11:00:00.000Z", &["1"])).unwrap();
        store.save(&receipt(b, "2026-11-28T12:00:00.000Z", &["9"])).unwrap();
        let (_, last) = store.last(a).unwrap().unwrap();
        assert_eq!(last.external_ids, ["1"]);
        assert!(
            store
                .endpoint_dir(a)
                .display()
                .to_string()
                .contains("acme.relatics.com-reqs-")
        );
        assert_eq!(store.endpoint_dir(a), store.endpoint_dir(&format!("{a}/")));

        // The receipt written last is the last, whatever the clock said: a runner whose clock
        // is a year ahead does not make its older receipt "the last".
        store.save(&receipt(a, "2027-11-28T10:00:00.000Z", &["ahead"])).unwrap();
        store.save(&receipt(a, "2026-11-28T13:00:00.000Z", &["now"])).unwrap();
        assert_eq!(store.last(a).unwrap().unwrap().1.external_ids, ["now"]);
        // Receipts of an earlier version (named by time) come before any of these.
        let legacy = store.endpoint_dir(a).join("20991231T235959.999Z-abcdef12.json");
        std::fs::write(
            &legacy,
            serde_json::to_vec(&receipt(a, "2099-12-31T23:59:59.999Z", &["old"])).unwrap(),
        )
        .unwrap();
        assert_eq!(store.last(a).unwrap().unwrap().1.external_ids, ["now"]);
    }

    #[test]
    fn endpoints_are_keyed_as_relatics_reads_them() {
        let a = "https://acme.relatics.com/api/v1/workspaces/0E5A1B2C-AAAA-4BBB-8CCC-1234567890AB/interfaces/synchronizing/reqs";
        let same = [
            a.to_owned(),
            format!("{a}/"),
            a.replace("acme.relatics.com", "ACME.Relatics.com"),
            a.replace(
                "0E5A1B2C-AAAA-4BBB-8CCC-1234567890AB",
                "0e5a1b2c-aaaa-4bbb-8ccc-1234567890ab",
            ),
        ];
        for s in &same {
            assert_eq!(normalize_endpoint(s), normalize_endpoint(a), "{s}");
        }
        assert_ne!(normalize_endpoint(a), normalize_endpoint(&a.replace("reqs", "objects")));
        assert_eq!(
            normalize_endpoint("https://Acme.Relatics.com/API/v1/workspaces/AB/x/"),
            "https://acme.relatics.com/API/v1/workspaces/ab/x"
        );
    }

    #[test]
    fn the_history_stays_short_and_old_locations_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let a = "https://acme.relatics.com/api/v1/workspaces/AB/interfaces/synchronizing/reqs";
        for i in 0..(KEEP_RECEIPTS + 3) {
            store
                .save(&receipt(a, &format!("2026-11-28T10:{i:02}:00.000Z"), &["1"]))
                .unwrap();
        }
        assert_eq!(Store::receipts_in(&store.endpoint_dir(a)).unwrap().len(), KEEP_RECEIPTS);
        // A receipt where relsync 0.1 kept it (URL as typed) still guards.
        let legacy = Store::new(&dir.path().join("old"));
        let old_dir = legacy.legacy_dir(a);
        std::fs::create_dir_all(&old_dir).unwrap();
        let text = serde_json::to_string(&receipt(a, "2026-01-01T00:00:00.000Z", &["7"])).unwrap();
        std::fs::write(old_dir.join("2026.json"), text.replace("\"version\":1,", "")).unwrap();
        assert_eq!(legacy.last(a).unwrap().unwrap().1.external_ids, ["7"]);
    }

    #[test]
    fn receipts_from_a_newer_relsync_stop_the_guard() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let a = "https://x/y";
        let mut r = receipt(a, "2026-11-28T10:00:00.000Z", &["1"]);
        r.version = RECEIPT_VERSION + 1;
        store.save(&r).unwrap();
        let err = format!("{:#}", store.last(a).unwrap_err());
        assert!(err.contains("newer relsync"), "{err}");
    }

    #[test]
    fn damaged_receipts_stop_the_guard() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let a = "https://x/y";
        let d = store.endpoint_dir(a);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("2026.json"), "{").unwrap();
        let err = store.last(a).unwrap_err();
        assert!(format!("{err:#}").contains("damaged"));
    }

    #[test]
    fn diffs() {
        let previous: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let current: HashSet<&str> = ["b", "c", "d", "e"].into_iter().collect();
        assert_eq!(
            diff(&previous, &current),
            Diff {
                new: 2,
                kept: 2,
                deleted: vec!["a".into()]
            }
        );
    }
}
