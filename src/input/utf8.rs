//! A workbook part that declares an encoding other than UTF-8 (`<?xml version="1.0"
//! encoding="ISO-8859-1"?>`: Excel never writes one, some generators do), decoded to UTF-8 as it
//! streams, so relsync's reader reads it instead of handing the whole file to calamine, which
//! holds long runs of it in memory and cannot see what relsync's reader checks (formulas
//! without results, repeated cells). Only encodings that keep ASCII as ASCII are decoded; the
//! declaration itself is dropped. Anything else passes through unchanged, and the tokenizer
//! refuses what it cannot read.

use std::io::{self, Read};

use encoding_rs::{CoderResult, Decoder, Encoding};

use super::ooxml::{XmlErrorKind, attribute};

/// How far into a part its XML declaration must end.
const DECLARATION_WITHIN: usize = 1024;

/// Bytes read from the part at a time when decoding.
const RAW_CHUNK: usize = 64 * 1024;

pub struct Utf8Part<R> {
    inner: R,
    /// Decodes the part, if it declares an encoding that needs it.
    decoder: Option<Decoder>,
    /// Bytes ready to hand out (peeked, or decoded) and how many of them were handed out.
    ready: Vec<u8>,
    taken: usize,
    raw: Vec<u8>,
    /// The part is read to its end, and (then) decoded to its end.
    done: bool,
    finished: bool,
}

impl<R: Read> Utf8Part<R> {
    /// The part, decoded if it needs it; a part in UTF-16 (which Excel never writes) is refused
    /// in those words, for calamine to try.
    pub fn new(mut inner: R) -> Result<Utf8Part<R>, XmlErrorKind> {
        let mut head = Vec::with_capacity(DECLARATION_WITHIN);
        (&mut inner)
            .take(DECLARATION_WITHIN as u64)
            .read_to_end(&mut head)
            .map_err(|e| XmlErrorKind::Io(e.to_string()))?;
        if [&b"\xFF\xFE"[..], b"\xFE\xFF", b"<\0", b"\0<"]
            .iter()
            .any(|start| head.starts_with(start))
        {
            return Err(XmlErrorKind::Encoding("UTF-16".to_owned()));
        }
        let (decoder, skip) = match declared(&head) {
            Some((encoding, end)) if encoding != encoding_rs::UTF_8 && encoding.is_ascii_compatible() => {
                (Some(encoding.new_decoder_without_bom_handling()), end)
            }
            _ => (None, 0),
        };
        let mut part = Utf8Part {
            inner,
            decoder,
            ready: Vec::new(),
            taken: 0,
            raw: Vec::new(),
            done: false,
            finished: false,
        };
        if part.decoder.is_some() {
            part.raw = head[skip..].to_vec();
        } else {
            part.ready = head;
        }
        Ok(part)
    }

    /// Decodes the next chunk into `ready`.
    fn decode_more(&mut self, decoder: &mut Decoder) -> io::Result<()> {
        if !self.done && self.raw.len() < RAW_CHUNK {
            let n = (&mut self.inner).take(RAW_CHUNK as u64).read_to_end(&mut self.raw)?;
            self.done = n == 0;
        }
        let room = decoder.max_utf8_buffer_length(self.raw.len()).unwrap_or(usize::MAX / 2);
        self.ready.clear();
        self.ready.resize(room.max(4), 0);
        self.taken = 0;
        let (result, read, written, _) = decoder.decode_to_utf8(&self.raw, &mut self.ready, self.done);
        self.raw.drain(..read);
        self.ready.truncate(written);
        // A decoder told `last` must not be used again.
        self.finished = self.done && matches!(result, CoderResult::InputEmpty);
        Ok(())
    }
}

impl<R: Read> Read for Utf8Part<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.taken < self.ready.len() {
                let n = buf.len().min(self.ready.len() - self.taken);
                buf[..n].copy_from_slice(&self.ready[self.taken..self.taken + n]);
                self.taken += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            let Some(mut decoder) = self.decoder.take() else {
                return self.inner.read(buf);
            };
            let decoded = self.decode_more(&mut decoder);
            self.decoder = Some(decoder);
            decoded?;
        }
    }
}

/// The encoding an XML declaration at the start of `head` names, and where the declaration
/// ends; `None` without a declaration, or for an encoding encoding_rs does not know.
fn declared(head: &[u8]) -> Option<(&'static Encoding, usize)> {
    let body = head.strip_prefix(b"<?xml")?;
    if !body.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let end = memchr::memmem::find(body, b"?>")?;
    let label = attribute(&body[..end], b"encoding")?;
    Some((Encoding::for_label(label)?, 5 + end + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Utf8Part::new(bytes).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn declared_encodings_are_decoded_and_utf8_passes_through() {
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xe9 \x80</t>";
        assert_eq!(read_all(latin), "<t>café €</t>".as_bytes());
        let utf8 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>café</t>".as_bytes();
        assert_eq!(read_all(utf8), utf8);
        let none = b"<t>caf\xc3\xa9</t>";
        assert_eq!(read_all(none), none);
        // A declaration of UTF-16 written in ASCII is a lie the tokenizer refuses; UTF-16 itself
        // is refused here, in those words.
        let utf16 = b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><t/>";
        assert_eq!(read_all(utf16), utf16);
        for start in [&b"\xFF\xFE<\0t\0/\0>\0"[..], b"<\0t\0/\0>\0", b"\0<\0t\0/\0>"] {
            assert_eq!(
                Utf8Part::new(start).err(),
                Some(XmlErrorKind::Encoding("UTF-16".to_owned()))
            );
        }
        // Long parts decode across chunks, characters whole.
        let mut long = b"<?xml version='1.0' encoding='windows-1252'?><t>".to_vec();
        long.extend(std::iter::repeat_n(0xE9u8, 3 * RAW_CHUNK + 7));
        long.extend_from_slice(b"</t>");
        let decoded = String::from_utf8(read_all(&long)).unwrap();
        assert_eq!(decoded.chars().filter(|&c| c == 'é').count(), 3 * RAW_CHUNK + 7);
        assert!(decoded.ends_with("</t>"));
    }
}
