//! Receipts of successful submits, the memory behind the deletion guard.
//!
//! After every successful submit relsync records what it sent to which endpoint: the external
//! ids, the body's SHA-256, the count and the HTTP status; never a token or secret. Before the
//! next submit to the same endpoint, the ids are compared with the last receipt: ids sent then
//! and missing now are elements Relatics will delete. Each receipt is its own file, written
//! atomically, under `receipts/<endpoint>/` in the state directory; the newest file is the last
//! receipt, and the older ones remain as a history.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What one successful submit sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
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

/// The receipts in a state directory.
pub struct Store {
    dir: PathBuf,
}

/// The default state directory: `$XDG_STATE_HOME/relsync`, else `~/.local/state/relsync`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(state).join("relsync"));
    }
    let home = std::env::var_os("HOME").filter(|s| !s.is_empty())?;
    Some(PathBuf::from(home).join(".local/state/relsync"))
}

impl Store {
    pub fn new(dir: &Path) -> Store {
        Store { dir: dir.to_owned() }
    }

    /// The folder for one endpoint: readable (host and interface name) and unique (a hash of
    /// the whole URL).
    pub fn endpoint_dir(&self, endpoint: &str) -> PathBuf {
        // `.../synchronizing/reqs/` and `.../synchronizing/reqs` are one interface: one history.
        let endpoint = endpoint.trim_end_matches('/');
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
        self.dir.join("receipts").join(format!("{readable}-{}", &hash[..12]))
    }

    /// The newest receipt for `endpoint`, if any. A receipt that cannot be read is an error:
    /// the deletion guard must not be skipped silently.
    pub fn last(&self, endpoint: &str) -> anyhow::Result<Option<(PathBuf, Receipt)>> {
        let dir = self.endpoint_dir(endpoint);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading receipts in {}", dir.display())),
        };
        let newest = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .max();
        let Some(path) = newest else { return Ok(None) };
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("reading the last receipt {}", path.display()))?;
        let receipt: Receipt = serde_json::from_str(&text).with_context(|| {
            format!(
                "the last receipt {} is damaged, so relsync cannot tell what would be deleted; \
                 repair or remove it, then run again",
                path.display()
            )
        })?;
        Ok(Some((path, receipt)))
    }

    /// Records a receipt; returns its path.
    pub fn save(&self, receipt: &Receipt) -> anyhow::Result<PathBuf> {
        let dir = self.endpoint_dir(&receipt.endpoint);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let stamp: String = receipt
            .time
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let mut path = dir.join(format!("{stamp}-{}.json", &receipt.body_sha256[..8]));
        let mut n = 1;
        while path.exists() {
            path = dir.join(format!("{stamp}-{}-{n}.json", &receipt.body_sha256[..8]));
            n += 1;
        }
        let text = serde_json::to_vec_pretty(receipt)?;
        crate::output::write_file(&path, &text)?;
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
    use super::*;

    fn receipt(endpoint: &str, time: &str, ids: &[&str]) -> Receipt {
        Receipt {
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
