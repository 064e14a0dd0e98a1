//! What a file really is, from its first bytes: a workbook's extension says what it should be,
//! but exports are renamed, saved as HTML, or are text. Used to read a workbook by its content
//! and to explain in plain words what a file is when it cannot be read.

use std::io::Read;
use std::path::Path;

/// What the first bytes of a file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    Empty,
    /// A zip archive (`.xlsx`, `.xlsm`, `.xlsb`, `.ods`).
    Zip,
    /// An OLE compound file (`.xls`, or a password-protected `.xlsx`).
    Ole,
    /// An HTML page.
    Html,
    /// Text without control characters.
    Text,
    Other,
}

/// Reads the first bytes of `path`; `None` if it cannot be read.
pub fn content(path: &Path) -> Option<Content> {
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path).ok()?.take(512).read_to_end(&mut head).ok()?;
    Some(content_of(&head))
}

pub fn content_of(head: &[u8]) -> Content {
    if head.is_empty() {
        return Content::Empty;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Content::Zip;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Content::Ole;
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<')
        && (text.contains("<html") || text.contains("<table") || text.contains("<!doctype html"))
    {
        return Content::Html;
    }
    if head.iter().all(|&b| b >= 9 && b != 0x7F) {
        return Content::Text;
    }
    Content::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents() {
        assert_eq!(content_of(b""), Content::Empty);
        assert_eq!(content_of(b"PK\x03\x04rest"), Content::Zip);
        assert_eq!(
            content_of(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Content::Ole
        );
        assert_eq!(content_of(b"  <HTML><body>"), Content::Html);
        assert_eq!(content_of(b"ID,Title\nREQ-1,x\n"), Content::Text);
        assert_eq!(content_of(b"\x00\x01\x02"), Content::Other);
    }
}
