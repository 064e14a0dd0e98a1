//! A small streaming tokenizer for the XML parts of an `.xlsx` package.
//!
//! The parts Excel writes are machine-made XML in UTF-8: relsync only needs start and end tags
//! with their attributes, text, and CDATA. This tokenizer reads a part in chunks (so a sheet of
//! a million rows is never held whole), finds tags with `memchr`, and hands out borrowed slices;
//! entity and `_xHHHH_` decoding is left to the caller, which knows what the text is for.
//!
//! It is a checker as well as a reader: what is not well-formed XML is an [`XmlError`] with the
//! byte offset, never a guess. End tags must match their start tags, and an encoding other than
//! UTF-8 is refused. Comments and processing instructions are skipped; a DOCTYPE is refused.
//! The callers then hand the file to calamine. Characters XML forbids (C0 controls other than
//! tab and line breaks, U+FFFE, U+FFFF), raw or as character references, are read as they are:
//! they come from text pasted into a cell, and the mapper reports them at their cell
//! (`control-character`), where handing the whole file to calamine would lose what relsync's
//! reader checks; a reference to a surrogate reads as U+FFFD (`replacement-character`).
//!
//! Attribute names are matched exactly: `s` is the unprefixed attribute `s`, never the
//! namespace declaration `xmlns:s` or an attribute `x:s` of another namespace.

use std::fmt;
use std::io::Read;

/// Bytes read from the part at a time.
const CHUNK: usize = 256 * 1024;

/// One piece of the XML.
#[derive(Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// `<name attrs>` or `<name attrs/>` (`empty`); `name` without its namespace prefix.
    Start {
        name: &'a [u8],
        attrs: &'a [u8],
        empty: bool,
    },
    /// `</name>`, without prefix.
    End { name: &'a [u8] },
    /// Text between tags, raw (entities not decoded).
    Text(&'a [u8]),
    /// The content of `<![CDATA[...]]>`.
    CData(&'a [u8]),
}

/// What is wrong with a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlErrorKind {
    Io(String),
    /// A tag, comment or CDATA section that never ends.
    Unterminated,
    /// `<!DOCTYPE ...>` or other markup relsync does not read.
    UnsupportedMarkup,
    /// The XML declaration names an encoding other than UTF-8.
    Encoding(String),
    /// An end tag that does not close the open element.
    MismatchedEnd {
        expected: String,
        found: String,
    },
    /// The part ends with elements still open.
    Unclosed(String),
    NotUtf8,
    /// `&name;` that XML does not define.
    UnknownEntity(String),
    /// `&` without a terminating `;`, or a malformed character reference.
    BadReference,
    /// A character XML 1.0 forbids (raw or as a reference).
    ForbiddenCharacter(u32),
    /// The markup is well-formed but not what the part should hold.
    Unexpected(String),
    /// The part is damaged in a way no reader should guess at (a row that comes back): the
    /// file is refused, not handed to calamine.
    Damaged(String),
}

/// A part that is not well-formed XML, or not what relsync expects, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub offset: u64,
    pub kind: XmlErrorKind,
}

impl XmlError {
    pub fn new(offset: u64, kind: XmlErrorKind) -> XmlError {
        XmlError { offset, kind }
    }

    /// An error about the content, at `offset`.
    pub fn unexpected(offset: u64, what: impl Into<String>) -> XmlError {
        XmlError::new(offset, XmlErrorKind::Unexpected(what.into()))
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            // A compressed part that cannot be unpacked fails before its first byte is read.
            XmlErrorKind::Io(e) if self.offset == 0 => return write!(f, "cannot be unpacked ({e})"),
            XmlErrorKind::Io(e) => write!(f, "cannot be read ({e})")?,
            XmlErrorKind::Unterminated => f.write_str("has a tag that never ends")?,
            XmlErrorKind::UnsupportedMarkup => f.write_str("has a DOCTYPE or other unsupported markup")?,
            XmlErrorKind::Encoding(e) => write!(f, "is in the encoding '{e}', not UTF-8")?,
            XmlErrorKind::MismatchedEnd { expected, found } => write!(f, "closes <{expected}> with </{found}>")?,
            XmlErrorKind::Unclosed(name) => write!(f, "ends with <{name}> still open")?,
            XmlErrorKind::NotUtf8 => f.write_str("holds text that is not UTF-8")?,
            XmlErrorKind::UnknownEntity(e) => write!(f, "uses the undefined entity &{e};")?,
            XmlErrorKind::BadReference => f.write_str("has a malformed '&' reference")?,
            XmlErrorKind::ForbiddenCharacter(c) => write!(f, "holds the character U+{c:04X}, which XML forbids")?,
            XmlErrorKind::Unexpected(what) | XmlErrorKind::Damaged(what) => f.write_str(what)?,
        }
        write!(f, " (at byte {})", self.offset)
    }
}

pub struct Tokenizer<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Bytes consumed before `buf[0]`, for messages.
    offset: u64,
    /// Qualified names of the open elements, back to back, and where each starts.
    open: Vec<u8>,
    open_at: Vec<u32>,
    /// Whether anything but the XML declaration and a byte-order mark has been seen.
    started: bool,
    /// How far past `pos` the search for the end of the current piece got before the buffer
    /// ran out, and the quote open there: a refill resumes the search instead of starting over,
    /// so a long text, comment or attribute value costs time in proportion to its length.
    scanned: usize,
    quote: u8,
    /// Bytes read at a time ([`CHUNK`]; smaller in tests and fuzzing, to cut pieces anywhere).
    chunk: usize,
}

/// The local part of a (possibly prefixed) name.
fn local(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

impl<R: Read> Tokenizer<R> {
    pub fn new(src: R) -> Tokenizer<R> {
        Tokenizer {
            src,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            offset: 0,
            open: Vec::new(),
            open_at: Vec::new(),
            started: false,
            scanned: 0,
            quote: 0,
            chunk: CHUNK,
        }
    }

    /// A tokenizer that reads `chunk` bytes at a time: every piece then crosses refills.
    pub fn with_chunk(src: R, chunk: usize) -> Tokenizer<R> {
        Tokenizer {
            chunk: chunk.max(1),
            ..Tokenizer::new(src)
        }
    }

    /// Bytes of the part consumed so far.
    pub fn position(&self) -> u64 {
        self.offset + self.pos as u64
    }

    /// An error at the current position.
    pub fn error(&self, kind: XmlErrorKind) -> XmlError {
        XmlError::new(self.position(), kind)
    }

    /// Reads more input, keeping the unconsumed bytes. Returns false at the end of the part.
    fn fill(&mut self) -> Result<bool, XmlError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.offset += self.pos as u64;
            self.pos = 0;
        }
        // `take` + `read_to_end` appends without zeroing the buffer first.
        let n = (&mut self.src)
            .take(self.chunk as u64)
            .read_to_end(&mut self.buf)
            .map_err(|e| self.error(XmlErrorKind::Io(e.to_string())))?;
        if n < self.chunk {
            self.eof = true;
        }
        if !self.started && self.offset == 0 && self.pos == 0 && self.buf.starts_with(b"\xEF\xBB\xBF") {
            // Skipped before any search of the part began: nothing was scanned yet.
            self.pos = 3;
            self.scanned = 0;
            self.quote = 0;
        }
        Ok(n > 0)
    }

    /// The next token, or `None` at the end of the part.
    pub fn next_token(&mut self) -> Result<Option<Token<'_>>, XmlError> {
        // Find the next piece by position first; borrow the buffer only once it is complete.
        let (kind, start, end) = loop {
            if self.pos >= self.buf.len() {
                if !self.fill()? {
                    if let Some(&at) = self.open_at.last() {
                        let name = String::from_utf8_lossy(&self.open[at as usize..]).into_owned();
                        return Err(self.error(XmlErrorKind::Unclosed(name)));
                    }
                    return Ok(None);
                }
                // What was read may all have been skipped (a part that is only a byte-order
                // mark): look again.
                continue;
            }
            if self.buf[self.pos] != b'<' {
                // Text up to the next tag (or the end of the part).
                let from = self.pos + self.scanned;
                match memchr::memchr(b'<', &self.buf[from..]) {
                    Some(n) => break (None, self.pos, from + n),
                    None if self.eof => break (None, self.pos, self.buf.len()),
                    // A long text is handed out in pieces (its readers append them), so a
                    // run of whitespace between tags is never held whole.
                    None if self.buf.len() - self.pos >= self.chunk => match self.text_split() {
                        Some(end) => break (None, self.pos, end),
                        None => {
                            self.scanned = self.buf.len() - self.pos;
                            self.fill()?;
                            continue;
                        }
                    },
                    None => {
                        self.scanned = self.buf.len() - self.pos;
                        self.fill()?;
                        continue;
                    }
                }
            }
            // A tag: find its end, minding quoted attribute values (which may hold '>').
            match self.tag_end()? {
                Some((TagKind::Comment, end)) => self.skip_to(end),
                Some((TagKind::Pi, end)) => {
                    self.check_declaration(end)?;
                    self.skip_to(end);
                }
                Some((kind, end)) => break (Some(kind), self.pos, end),
                None => {
                    if !self.fill()? {
                        return Err(self.error(XmlErrorKind::Unterminated));
                    }
                }
            }
        };
        self.scanned = 0;
        self.quote = 0;
        self.started = true;
        let at = self.position();
        self.pos = end;
        let piece = &self.buf[start..end];
        Ok(Some(match kind {
            None => Token::Text(piece),
            Some(TagKind::CData) => Token::CData(&piece[9..piece.len() - 3]),
            Some(TagKind::End) => {
                let name = piece[2..piece.len() - 1].trim_ascii();
                let Some(open) = self.open_at.pop() else {
                    return Err(XmlError::new(
                        at,
                        XmlErrorKind::MismatchedEnd {
                            expected: String::new(),
                            found: String::from_utf8_lossy(name).into_owned(),
                        },
                    ));
                };
                if &self.open[open as usize..] != name {
                    return Err(XmlError::new(
                        at,
                        XmlErrorKind::MismatchedEnd {
                            expected: String::from_utf8_lossy(&self.open[open as usize..]).into_owned(),
                            found: String::from_utf8_lossy(name).into_owned(),
                        },
                    ));
                }
                self.open.truncate(open as usize);
                Token::End { name: local(name) }
            }
            Some(_) => {
                let inner = &piece[1..piece.len() - 1];
                let (inner, empty) = match inner.strip_suffix(b"/") {
                    Some(i) => (i, true),
                    None => (inner, false),
                };
                let name_end = inner
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(inner.len());
                let name = &inner[..name_end];
                if name.is_empty() {
                    return Err(XmlError::unexpected(at, "a tag without a name"));
                }
                if !empty {
                    self.open_at.push(self.open.len() as u32);
                    self.open.extend_from_slice(name);
                }
                Token::Start {
                    name: local(name),
                    attrs: &inner[name_end..],
                    empty,
                }
            }
        }))
    }

    /// Refuses an XML declaration that names an encoding other than UTF-8.
    fn check_declaration(&self, end: usize) -> Result<(), XmlError> {
        let pi = &self.buf[self.pos..end];
        let Some(body) = pi.strip_prefix(b"<?xml") else {
            return Ok(());
        };
        if !body.first().is_some_and(u8::is_ascii_whitespace) {
            return Ok(());
        }
        if let Some(encoding) = attribute(&body[..body.len() - 2], b"encoding") {
            let e = String::from_utf8_lossy(encoding);
            if !e.eq_ignore_ascii_case("utf-8") && !e.eq_ignore_ascii_case("utf8") {
                return Err(self.error(XmlErrorKind::Encoding(e.into_owned())));
            }
        }
        Ok(())
    }

    /// Where text from `pos` to the end of the buffer can be cut without splitting a
    /// character, a `\r\n` or an `&...;` reference; `None` if nowhere.
    fn text_split(&self) -> Option<usize> {
        let text = &self.buf[self.pos..];
        let mut end = text.len();
        // Cut before the last character if it is not ASCII (it may be incomplete).
        let continuation = |b: &u8| b & 0xC0 == 0x80;
        let tail = text.iter().rev().take(4).take_while(|b| continuation(b)).count();
        if end > tail && !text[end - tail - 1].is_ascii() {
            end -= tail + 1;
        }
        if end > 0 && text[end - 1] == b'\r' {
            end -= 1;
        }
        if let Some(amp) = memchr::memrchr(b'&', &text[..end])
            && memchr::memchr(b';', &text[amp..end]).is_none()
        {
            end = amp;
        }
        (end > 0).then_some(self.pos + end)
    }

    /// Moves past a piece that yields no token (a comment, a processing instruction).
    fn skip_to(&mut self, end: usize) {
        self.pos = end;
        self.scanned = 0;
        self.quote = 0;
    }

    /// Finds `pattern` in `rest` from `skip` bytes in, resuming where the last search of this
    /// piece stopped; records how far it got if it is not there yet.
    fn find_from(&mut self, skip: usize, pattern: &[u8]) -> Option<usize> {
        let rest = &self.buf[self.pos..];
        // A pattern cut by the end of the buffer must be found whole after the refill.
        let from = self.scanned.saturating_sub(pattern.len() - 1).max(skip);
        match memchr::memmem::find(&rest[from..], pattern) {
            Some(i) => Some(self.pos + from + i + pattern.len()),
            None => {
                self.scanned = rest.len();
                None
            }
        }
    }

    /// Where the tag starting at `pos` ends (one past `>`), if it is all in the buffer.
    fn tag_end(&mut self) -> Result<Option<(TagKind, usize)>, XmlError> {
        let rest = &self.buf[self.pos..];
        if rest.len() < 2 {
            return Ok(None);
        }
        if rest.starts_with(b"<!--") {
            return Ok(self.find_from(4, b"-->").map(|end| (TagKind::Comment, end)));
        }
        if rest.starts_with(b"<![CDATA[") {
            return Ok(self.find_from(9, b"]]>").map(|end| (TagKind::CData, end)));
        }
        if rest.len() < 9 && (b"<![CDATA[".starts_with(rest) || b"<!--".starts_with(rest)) {
            return Ok(None);
        }
        if rest[1] == b'!' {
            return Err(self.error(XmlErrorKind::UnsupportedMarkup));
        }
        if rest[1] == b'?' {
            return Ok(self.find_from(2, b"?>").map(|end| (TagKind::Pi, end)));
        }
        let kind = if rest[1] == b'/' { TagKind::End } else { TagKind::Start };
        // Tags are short: a plain loop beats repeated searches here. It resumes where the last
        // search of this tag stopped, inside a quoted value or not.
        let mut quote = self.quote;
        for (i, &b) in rest.iter().enumerate().skip(self.scanned.max(1)) {
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
            } else if b == b'>' {
                return Ok(Some((kind, self.pos + i + 1)));
            } else if b == b'"' || b == b'\'' {
                quote = b;
            } else if b == b'<' {
                return Err(self.error(XmlErrorKind::Unexpected("a '<' inside a tag".into())));
            }
        }
        self.scanned = rest.len();
        self.quote = quote;
        Ok(None)
    }
}

enum TagKind {
    Start,
    End,
    Comment,
    Pi,
    CData,
}

/// Iterates over the `name="value"` pairs of a tag's attribute bytes: qualified names, raw
/// values. Namespace declarations (`xmlns`, `xmlns:x`) are included; see [`attribute`].
pub fn attributes(attrs: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = attrs;
    std::iter::from_fn(move || {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        rest = &rest[start..];
        let eq = memchr::memchr(b'=', rest)?;
        let name = rest[..eq].trim_ascii();
        let after = rest[eq + 1..].trim_ascii_start();
        let quote = *after.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let end = memchr::memchr(quote, &after[1..])?;
        let value = &after[1..1 + end];
        rest = &after[end + 2..];
        Some((name, value))
    })
}

/// The raw value of the attribute named exactly `name` (`r`, `s`, `xml:space`). A namespace
/// declaration is never an attribute, and a prefixed name never matches an unprefixed one.
pub fn attribute<'a>(attrs: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    attributes(attrs).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// The value of the attribute with local name `local` in namespace `namespace`, given the
/// namespace declarations in scope (`declared`: prefix -> URI, from [`declarations`]).
pub fn attribute_ns<'a>(
    attrs: &'a [u8],
    declared: &[(Vec<u8>, Vec<u8>)],
    namespaces: &[&[u8]],
    local_name: &[u8],
) -> Option<&'a [u8]> {
    attributes(attrs)
        .find(|(n, _)| {
            let Some(colon) = memchr::memchr(b':', n) else {
                return false;
            };
            let (prefix, local) = (&n[..colon], &n[colon + 1..]);
            local == local_name
                && prefix != b"xmlns"
                && declared
                    .iter()
                    .rev()
                    .find(|(p, _)| p == prefix)
                    .is_some_and(|(_, uri)| namespaces.contains(&uri.as_slice()))
        })
        .map(|(_, v)| v)
}

/// The `xmlns:prefix="uri"` declarations of a tag, appended to `out`.
pub fn declarations(attrs: &[u8], out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
    for (name, value) in attributes(attrs) {
        if let Some(prefix) = name.strip_prefix(b"xmlns:") {
            out.push((prefix.to_vec(), value.to_vec()));
        }
    }
}

/// An attribute's value with entities decoded.
pub fn attribute_text(attrs: &[u8], name: &[u8]) -> Option<String> {
    let mut s = String::new();
    push_text(&mut s, attribute(attrs, name)?).ok()?;
    Some(s)
}

/// Appends XML text with entities decoded and line ends normalized (`\r\n`, `\r` -> `\n`).
/// Errors have offset 0: the caller knows where the text was.
pub fn push_text(out: &mut String, raw: &[u8]) -> Result<(), XmlErrorKind> {
    let mut rest = raw;
    while let Some(i) = memchr::memchr2(b'&', b'\r', rest) {
        push_utf8(out, &rest[..i])?;
        if rest[i] == b'\r' {
            out.push('\n');
            rest = if rest.get(i + 1) == Some(&b'\n') {
                &rest[i + 2..]
            } else {
                &rest[i + 1..]
            };
            continue;
        }
        let semi = memchr::memchr(b';', &rest[i..]).ok_or(XmlErrorKind::BadReference)?;
        let entity = &rest[i + 1..i + semi];
        let c = match entity {
            b"amp" => '&',
            b"lt" => '<',
            b"gt" => '>',
            b"quot" => '"',
            b"apos" => '\'',
            [b'#', b'x', hex @ ..] => number(hex, 16)?,
            [b'#', dec @ ..] => number(dec, 10)?,
            other => return Err(XmlErrorKind::UnknownEntity(String::from_utf8_lossy(other).into_owned())),
        };
        out.push(c);
        rest = &rest[i + semi + 1..];
    }
    push_utf8(out, rest)
}

/// A character reference's character: one XML forbids is read as it is (the mapper reports
/// it), a surrogate (no character on its own) as U+FFFD, beyond Unicode is an error.
fn number(digits: &[u8], radix: u32) -> Result<char, XmlErrorKind> {
    let ok = !digits.is_empty() && digits.iter().all(|d| (*d as char).is_digit(radix));
    let code = std::str::from_utf8(digits)
        .ok()
        .filter(|_| ok)
        .and_then(|d| u32::from_str_radix(d, radix).ok())
        .ok_or(XmlErrorKind::BadReference)?;
    match code {
        0xD800..=0xDFFF => Ok(char::REPLACEMENT_CHARACTER),
        _ => char::from_u32(code).ok_or(XmlErrorKind::ForbiddenCharacter(code)),
    }
}

fn push_utf8(out: &mut String, bytes: &[u8]) -> Result<(), XmlErrorKind> {
    out.push_str(std::str::from_utf8(bytes).map_err(|_| XmlErrorKind::NotUtf8)?);
    Ok(())
}

/// CDATA content as text.
pub fn push_cdata(out: &mut String, raw: &[u8]) -> Result<(), XmlErrorKind> {
    push_utf8(out, raw)
}

/// Decodes Excel's `_xHHHH_` escapes (how it stores characters XML cannot carry), as calamine
/// does: surrogate pairs combine, lone surrogates become U+FFFD.
pub fn unescape_excel(s: &str) -> std::borrow::Cow<'_, str> {
    let b = s.as_bytes();
    let is_escape = |i: usize| {
        b.len() >= i + 7
            && b[i] == b'_'
            && b[i + 1] == b'x'
            && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit)
            && b[i + 6] == b'_'
    };
    let unit = |i: usize| u16::from_str_radix(&s[i + 2..i + 6], 16).unwrap_or(0xFFFD);
    let Some(first) = memchr::memchr_iter(b'_', b).find(|&i| is_escape(i)) else {
        return std::borrow::Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut i = first;
    while i < b.len() {
        if b[i] == b'_' && is_escape(i) {
            let u = unit(i);
            i += 7;
            match u {
                0xD800..=0xDBFF => {
                    if is_escape(i) && (0xDC00..=0xDFFF).contains(&unit(i)) {
                        let low = unit(i);
                        let c = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                        out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                        i += 7;
                    } else {
                        out.push(char::REPLACEMENT_CHARACTER);
                    }
                }
                0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
                _ => out.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)),
            }
        } else {
            let c = s[i..].chars().next().unwrap_or('\u{FFFD}');
            out.push(c);
            i += c.len_utf8();
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Tokenizes a whole part, decoding every text, and counts the tokens (for the fuzz target and
/// the tokenizer benchmark).
pub fn count_tokens(data: &[u8]) -> Result<u64, XmlError> {
    let mut t = Tokenizer::new(data);
    let mut n = 0u64;
    let mut text = String::new();
    loop {
        let at = t.position();
        match t.next_token()? {
            None => return Ok(n),
            Some(Token::Text(raw)) => {
                text.clear();
                push_text(&mut text, raw).map_err(|kind| XmlError::new(at, kind))?;
                let _ = unescape_excel(&text);
            }
            Some(Token::Start { attrs, .. }) => {
                for (_, value) in attributes(attrs) {
                    text.clear();
                    let _ = push_text(&mut text, value);
                }
            }
            Some(_) => {}
        }
        n += 1;
    }
}

/// The tokens of a whole part read `chunk` bytes at a time, as text: consecutive texts joined
/// and decoded (a long text comes in pieces whose cuts depend on the chunk). The same for every
/// chunk size, which the fuzz target and a property test check.
pub fn token_digest(data: &[u8], chunk: usize) -> Result<Vec<String>, XmlErrorKind> {
    let mut t = Tokenizer::with_chunk(data, chunk);
    let mut out: Vec<String> = Vec::new();
    let mut in_text = false;
    loop {
        let token = t.next_token().map_err(|e| e.kind)?;
        let text = matches!(token, Some(Token::Text(_)));
        match token {
            None => return Ok(out),
            Some(Token::Text(raw)) => {
                if !in_text {
                    out.push("T:".to_owned());
                }
                let last = out.len() - 1;
                push_text(&mut out[last], raw)?;
            }
            Some(Token::Start { name, attrs, empty }) => out.push(format!(
                "<{}|{}|{empty}>",
                String::from_utf8_lossy(name),
                String::from_utf8_lossy(attrs)
            )),
            Some(Token::End { name }) => out.push(format!("</{}>", String::from_utf8_lossy(name))),
            Some(Token::CData(raw)) => out.push(format!("C:{}", String::from_utf8_lossy(raw))),
        }
        in_text = text;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(xml: &str) -> Result<Vec<String>, XmlError> {
        let mut t = Tokenizer::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(tok) = t.next_token()? {
            out.push(match tok {
                Token::Start { name, attrs, empty } => format!(
                    "<{}{}{}>",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(attrs),
                    if empty { "/" } else { "" }
                ),
                Token::End { name } => format!("</{}>", String::from_utf8_lossy(name)),
                Token::Text(t) => format!("T:{}", String::from_utf8_lossy(t)),
                Token::CData(t) => format!("C:{}", String::from_utf8_lossy(t)),
            });
        }
        Ok(out)
    }

    fn kind(xml: &str) -> XmlErrorKind {
        tokens(xml).expect_err(xml).kind
    }

    #[test]
    fn tokenizes_what_excel_writes() {
        assert_eq!(
            tokens(
                "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><!-- x --><x:c r=\"A1\" f='a>b'><v>1 &amp; 2</v><is/><![CDATA[<raw>]]></x:c>"
            )
            .unwrap(),
            [
                r#"<c r="A1" f='a>b'>"#,
                "<v>",
                "T:1 &amp; 2",
                "</v>",
                "<is/>",
                "C:<raw>",
                "</c>"
            ]
        );
    }

    #[test]
    fn what_is_not_well_formed_is_refused() {
        assert_eq!(kind("<!DOCTYPE x><a/>"), XmlErrorKind::UnsupportedMarkup);
        assert_eq!(kind("<a b=\"1"), XmlErrorKind::Unterminated);
        assert_eq!(
            kind("<a><b></a></b>"),
            XmlErrorKind::MismatchedEnd {
                expected: "b".into(),
                found: "a".into()
            }
        );
        assert_eq!(
            kind("<x:a></y:a>"),
            XmlErrorKind::MismatchedEnd {
                expected: "x:a".into(),
                found: "y:a".into()
            }
        );
        assert_eq!(kind("<a><b/>"), XmlErrorKind::Unclosed("a".into()));
        assert!(matches!(kind("</a>"), XmlErrorKind::MismatchedEnd { .. }));
        assert_eq!(
            kind("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>"),
            XmlErrorKind::Encoding("UTF-16".into())
        );
        assert!(tokens("<?xml version='1.0' encoding='utf-8'?><a/>").is_ok());
        assert!(tokens("<?xml-stylesheet href='x'?><a/>").is_ok());
    }

    #[test]
    fn tags_split_across_chunks() {
        let mut xml = String::from("<sheetData>");
        for i in 0..40_000 {
            xml.push_str(&format!("<c r=\"A{i}\" t=\"s\"><v>{i}</v></c>"));
        }
        xml.push_str("</sheetData>");
        let mut t = Tokenizer::new(xml.as_bytes());
        let mut values = 0;
        while let Some(tok) = t.next_token().unwrap() {
            if let Token::Text(v) = tok {
                assert_eq!(std::str::from_utf8(v).unwrap().parse::<u32>().unwrap(), values);
                values += 1;
            }
        }
        assert_eq!(values, 40_000);
    }

    /// Long comments, attribute values, CDATA and texts whose ends fall on every position
    /// around a refill: the search resumes where it stopped and nothing is cut wrongly.
    #[test]
    fn long_pieces_across_refills() {
        for pad in CHUNK - 6..CHUNK + 6 {
            let filler = "a".repeat(pad);
            let xml = format!("<r><!--{filler}--><c x=\"{filler}>'\" y='>\"'/><![CDATA[{filler}]]><?pi {filler}?></r>");
            let got = tokens(&xml).unwrap();
            assert_eq!(got.len(), 4, "{pad}");
            assert_eq!(got[1], format!("<c x=\"{filler}>'\" y='>\"'/>"), "{pad}");
            assert_eq!(got[2], format!("C:{filler}"), "{pad}");
        }
        // A long text comes in pieces that decode to the whole: no character, `\r\n` or
        // reference is split between them.
        for pad in CHUNK - 4..CHUNK + 4 {
            for tail in ["é€😀", "\r\n", "&amp;", "&#x20AC;"] {
                let body = format!("{}{tail}", " ".repeat(pad)).repeat(3);
                let xml = format!("<v>{body}</v>");
                let mut t = Tokenizer::new(xml.as_bytes());
                let mut text = String::new();
                let mut pieces = 0;
                while let Some(tok) = t.next_token().unwrap() {
                    if let Token::Text(raw) = tok {
                        push_text(&mut text, raw).unwrap();
                        pieces += 1;
                    }
                }
                let mut expected = String::new();
                push_text(&mut expected, body.as_bytes()).unwrap();
                assert_eq!(text, expected, "{pad} {tail:?}");
                assert!(pieces > 1, "a long text is handed out in pieces");
            }
        }
    }

    #[test]
    fn attributes_match_exact_names() {
        let attrs = br#" r="B2" s='3' x:t="s" xmlns:s="urn:x" "#;
        assert_eq!(attribute(attrs, b"r"), Some(&b"B2"[..]));
        assert_eq!(attribute(attrs, b"s"), Some(&b"3"[..]));
        assert_eq!(attribute(attrs, b"t"), None, "x:t is another namespace's attribute");
        assert_eq!(attribute(attrs, b"q"), None);
        // A namespace declaration is not an attribute, whatever its prefix.
        assert_eq!(attribute(br#" r="A2" xmlns:s="urn:x""#, b"s"), None);
        let mut declared = Vec::new();
        declarations(br#" xmlns="urn:main" xmlns:r="urn:rels""#, &mut declared);
        assert_eq!(declared, [(b"r".to_vec(), b"urn:rels".to_vec())]);
        let sheet = br#" name="A" sheetId="1" r:id="rId1" x:id="no""#;
        assert_eq!(
            attribute_ns(sheet, &declared, &[b"urn:rels"], b"id"),
            Some(&b"rId1"[..])
        );
        assert_eq!(attribute_ns(sheet, &declared, &[b"urn:other"], b"id"), None);
    }

    #[test]
    fn text_decoding() {
        let mut s = String::new();
        push_text(&mut s, b"a &lt;b&gt; &amp; &#233;&#x20AC;\r\nc\rd").unwrap();
        assert_eq!(s, "a <b> & é€\nc\nd");
        assert_eq!(
            push_text(&mut String::new(), b"&nbsp;"),
            Err(XmlErrorKind::UnknownEntity("nbsp".into()))
        );
        // Characters XML forbids are read as they are, for the mapper to report at their cell.
        for (forbidden, read) in [
            (&b"&#0;"[..], "\0"),
            (b"&#x1;", "\u{1}"),
            (b"&#xFFFE;", "\u{FFFE}"),
            (b"&#xD800;", "\u{FFFD}"),
            (b"a\x01b", "a\u{1}b"),
        ] {
            let mut s = String::new();
            push_text(&mut s, forbidden).unwrap();
            assert_eq!(s, read);
        }
        assert_eq!(
            push_text(&mut String::new(), b"&#x110000;"),
            Err(XmlErrorKind::ForbiddenCharacter(0x110000))
        );
        assert_eq!(push_text(&mut String::new(), b"&#;"), Err(XmlErrorKind::BadReference));
        assert_eq!(
            push_text(&mut String::new(), b"&#X41;"),
            Err(XmlErrorKind::BadReference)
        );
        assert_eq!(push_text(&mut String::new(), b"a & b"), Err(XmlErrorKind::BadReference));
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_xD83D__xDE00_"), "😀");
        assert_eq!(unescape_excel("_xD83D_x"), "\u{FFFD}x");
        assert_eq!(unescape_excel("plain_x12_"), "plain_x12_");
    }

    proptest::proptest! {
        /// Reading in chunks of any size gives the same tokens: every search resumes across
        /// refills, and text pieces never cut a character, a `\r\n` or a reference.
        #[test]
        fn tokens_do_not_depend_on_the_chunk_size(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("<a x=\"1>2\" y='\"'>".to_owned()),
                    proptest::strategy::Just("</a>".to_owned()),
                    proptest::strategy::Just("<b/>".to_owned()),
                    proptest::strategy::Just("<!-- c -- -->".to_owned()),
                    proptest::strategy::Just("<![CDATA[ ]] > ]]>".to_owned()),
                    proptest::strategy::Just("<?p ? > ?>".to_owned()),
                    proptest::strategy::Just("&amp;&#x20AC;\r\n\r".to_owned()),
                    "[ a\u{e9}\u{20ac}\u{1F600}\r\n]{0,20}",
                ],
                0..40,
            ),
            chunk in 1usize..16,
            bom in proptest::bool::ANY,
        ) {
            // Not always one root element: the tokenizer reads whatever comes, in any order.
            let xml = format!("{}{}", if bom { "\u{FEFF}" } else { "" }, pieces.concat());
            let whole = token_digest(xml.as_bytes(), CHUNK);
            let cut = token_digest(xml.as_bytes(), chunk);
            proptest::prop_assert_eq!(whole, cut);
        }
    }
}
