//! A small streaming tokenizer for the XML parts of an `.xlsx` package.
//!
//! The parts Excel writes are machine-made XML in UTF-8: relsync only needs start and end tags
//! with their attributes, text, and CDATA. This tokenizer reads a part in chunks (so a sheet of
//! a million rows is never held whole), finds tags with `memchr`, and hands out borrowed slices;
//! entity and `_xHHHH_` decoding is left to the caller, which knows what the text is for.
//! Anything it does not understand (a DOCTYPE, a broken tag) is an error, and the caller then
//! falls back to calamine.

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

/// Why a part could not be tokenized.
#[derive(Debug)]
pub struct Malformed(pub String);

pub struct Tokenizer<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Bytes consumed before `buf[0]`, for messages.
    offset: u64,
}

/// The local part of a (possibly prefixed) name.
fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
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
        }
    }

    /// Bytes of the part consumed so far.
    pub fn position(&self) -> u64 {
        self.offset + self.pos as u64
    }

    /// Reads more input, keeping the unconsumed bytes. Returns false at the end of the part.
    fn fill(&mut self) -> Result<bool, Malformed> {
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
            .take(CHUNK as u64)
            .read_to_end(&mut self.buf)
            .map_err(|e| Malformed(format!("cannot read the part: {e}")))?;
        if n < CHUNK {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The next token, or `None` at the end of the part.
    pub fn next_token(&mut self) -> Result<Option<Token<'_>>, Malformed> {
        // Find the next piece by position first; borrow the buffer only once it is complete.
        let (kind, start, end) = loop {
            if self.pos >= self.buf.len() && !self.fill()? {
                return Ok(None);
            }
            if self.buf[self.pos] != b'<' {
                // Text up to the next tag (or the end of the part).
                match memchr::memchr(b'<', &self.buf[self.pos..]) {
                    Some(n) => break (None, self.pos, self.pos + n),
                    None if self.eof => break (None, self.pos, self.buf.len()),
                    None => {
                        self.fill()?;
                        continue;
                    }
                }
            }
            // A tag: find its end, minding quoted attribute values (which may hold '>').
            match self.tag_end()? {
                Some((TagKind::Comment | TagKind::Pi, end)) => self.pos = end,
                Some((kind, end)) => break (Some(kind), self.pos, end),
                None => {
                    if !self.fill()? {
                        return Err(Malformed(format!("unterminated tag at byte {}", self.position())));
                    }
                }
            }
        };
        self.pos = end;
        let piece = &self.buf[start..end];
        Ok(Some(match kind {
            None => Token::Text(piece),
            Some(TagKind::CData) => Token::CData(&piece[9..piece.len() - 3]),
            Some(TagKind::End) => Token::End {
                name: local(piece[2..piece.len() - 1].trim_ascii()),
            },
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
                Token::Start {
                    name: local(&inner[..name_end]),
                    attrs: &inner[name_end..],
                    empty,
                }
            }
        }))
    }

    /// Where the tag starting at `pos` ends (one past `>`), if it is all in the buffer.
    fn tag_end(&self) -> Result<Option<(TagKind, usize)>, Malformed> {
        let rest = &self.buf[self.pos..];
        if rest.len() < 2 {
            return Ok(None);
        }
        if rest.starts_with(b"<!--") {
            return Ok(memchr::memmem::find(&rest[4..], b"-->").map(|i| (TagKind::Comment, self.pos + 4 + i + 3)));
        }
        if rest.starts_with(b"<![CDATA[") {
            return Ok(memchr::memmem::find(&rest[9..], b"]]>").map(|i| (TagKind::CData, self.pos + 9 + i + 3)));
        }
        if rest.len() < 9 && (b"<![CDATA[".starts_with(rest) || b"<!--".starts_with(rest)) {
            return Ok(None);
        }
        if rest[1] == b'!' {
            return Err(Malformed(format!("unsupported markup at byte {}", self.position())));
        }
        if rest[1] == b'?' {
            return Ok(memchr::memmem::find(rest, b"?>").map(|i| (TagKind::Pi, self.pos + i + 2)));
        }
        let kind = if rest[1] == b'/' { TagKind::End } else { TagKind::Start };
        // Tags are short: a plain loop beats repeated searches here.
        let mut quote = 0u8;
        for (i, &b) in rest.iter().enumerate().skip(1) {
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
            } else if b == b'>' {
                return Ok(Some((kind, self.pos + i + 1)));
            } else if b == b'"' || b == b'\'' {
                quote = b;
            }
        }
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

/// Iterates over `name="value"` pairs of a tag's attribute bytes (raw values).
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
        Some((local(name), value))
    })
}

/// The raw value of attribute `name`.
pub fn attribute<'a>(attrs: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    attributes(attrs).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Appends XML text with entities decoded and line ends normalized (`\r\n`, `\r` -> `\n`).
pub fn push_text(out: &mut String, raw: &[u8]) -> Result<(), Malformed> {
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
        let semi = memchr::memchr(b';', &rest[i..]).ok_or_else(|| Malformed("an '&' without ';'".into()))?;
        let entity = &rest[i + 1..i + semi];
        let c = match entity {
            b"amp" => '&',
            b"lt" => '<',
            b"gt" => '>',
            b"quot" => '"',
            b"apos" => '\'',
            [b'#', b'x' | b'X', hex @ ..] => number(hex, 16)?,
            [b'#', dec @ ..] => number(dec, 10)?,
            other => {
                return Err(Malformed(format!(
                    "unknown entity &{};",
                    String::from_utf8_lossy(other)
                )));
            }
        };
        out.push(c);
        rest = &rest[i + semi + 1..];
    }
    push_utf8(out, rest)
}

fn number(digits: &[u8], radix: u32) -> Result<char, Malformed> {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|d| u32::from_str_radix(d, radix).ok())
        .and_then(char::from_u32)
        .ok_or_else(|| Malformed("a bad character reference".into()))
}

fn push_utf8(out: &mut String, bytes: &[u8]) -> Result<(), Malformed> {
    out.push_str(std::str::from_utf8(bytes).map_err(|_| Malformed("text that is not UTF-8".into()))?);
    Ok(())
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
    let Some(first) = (0..b.len()).find(|&i| b[i] == b'_' && is_escape(i)) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(xml: &str) -> Vec<String> {
        let mut t = Tokenizer::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(tok) = t.next_token().unwrap() {
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
        out
    }

    #[test]
    fn tokenizes_what_excel_writes() {
        assert_eq!(
            tokens(
                r#"<?xml version="1.0"?><!-- x --><x:c r="A1" f='a>b'><v>1 &amp; 2</v><is/><![CDATA[<raw>]]></x:c>"#
            ),
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
        assert!(Tokenizer::new(&b"<!DOCTYPE x><a/>"[..]).next_token().is_err());
        let mut broken = Tokenizer::new(&b"<a b=\"1"[..]);
        assert!(broken.next_token().is_err());
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

    #[test]
    fn attribute_values() {
        let attrs = br#" r="B2" s='3' x:t="s" "#;
        assert_eq!(attribute(attrs, b"r"), Some(&b"B2"[..]));
        assert_eq!(attribute(attrs, b"s"), Some(&b"3"[..]));
        assert_eq!(attribute(attrs, b"t"), Some(&b"s"[..]));
        assert_eq!(attribute(attrs, b"q"), None);
    }

    #[test]
    fn text_decoding() {
        let mut s = String::new();
        push_text(&mut s, b"a &lt;b&gt; &amp; &#233;&#x20AC;\r\nc\rd").unwrap();
        assert_eq!(s, "a <b> & é€\nc\nd");
        assert!(push_text(&mut String::new(), b"&nbsp;").is_err());
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_xD83D__xDE00_"), "😀");
        assert_eq!(unescape_excel("_xD83D_x"), "\u{FFFD}x");
        assert_eq!(unescape_excel("plain_x12_"), "plain_x12_");
    }
}
