//! Delimited text (`.csv`, `.tsv`, `.txt`, or `-` for stdin) through the csv crate.
//!
//! The encoding comes from a byte-order mark, else the template, else UTF-8. UTF-8 is read as
//! bytes and validated record by record (the fast path); other encodings are transcoded to
//! UTF-8 by a streaming [`Decoding`] reader that stops at the first malformed byte. The
//! delimiter comes from the template, else `.tsv` means tab, else it is detected from the first
//! records. Row numbers are the rows Excel would show when opening the file: one per record,
//! blank lines included, so a quoted field with line breaks is still one row.

use std::fs::File;
use std::io::{self, Cursor, Read};

use encoding_rs::{Encoding, UTF_8};

use super::error::{DelimitedError, InputError};
use super::row::{Row, RowSink, SheetInfo, UnclosedQuote};
use super::spec::{InputFormat, InputSpec};

/// How much of the start of the file is used to detect the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// A transcoding failure, carried through `io::Error` so the csv reader passes it on.
#[derive(Debug, thiserror::Error)]
#[error("the text is not valid {encoding} at line {line}")]
struct DecodeError {
    encoding: &'static str,
    line: u64,
}

/// Transcodes any encoding_rs encoding to UTF-8, failing on malformed input instead of
/// replacing it, with the line where it happened.
struct Decoding<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: &'static str,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    done: bool,
    output: Vec<u8>,
    out_pos: usize,
    /// Line breaks in everything decoded so far.
    newlines: u64,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Decoding<R> {
        Decoding {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            encoding: encoding.name(),
            input: vec![0; 64 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            done: false,
            output: Vec::with_capacity(3 * 64 * 1024 + 16),
            out_pos: 0,
            newlines: 0,
        }
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use encoding_rs::DecoderResult;
        loop {
            if self.out_pos < self.output.len() {
                let n = buf.len().min(self.output.len() - self.out_pos);
                buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let capacity = self
                .decoder
                .max_utf8_buffer_length_without_replacement(self.in_end - self.in_start)
                .unwrap_or(self.input.len() * 3)
                .max(16);
            self.output.clear();
            self.output.resize(capacity, 0);
            self.out_pos = 0;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.output.truncate(written);
            let newlines = memchr::memchr_iter(b'\n', &self.output).count() as u64;
            match result {
                DecoderResult::Malformed(_, _) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        DecodeError {
                            encoding: self.encoding,
                            line: self.newlines + newlines + 1,
                        },
                    ));
                }
                DecoderResult::InputEmpty if self.eof => self.done = true,
                DecoderResult::InputEmpty | DecoderResult::OutputFull => {}
            }
            self.newlines += newlines;
        }
    }
}

/// Counts the bytes handed to the csv reader, remembers the last one (to tell whether the
/// final record ended with a line break), and notes where each line break is, so records get
/// the line numbers an editor shows: `\r\n`, `\n` and a lone `\r` each end one line.
struct Counting<R> {
    inner: R,
    total: u64,
    last: Option<u8>,
    eof: bool,
    /// Offsets of line breaks not yet passed by the reader (a `\r\n` is one, at its `\r`).
    breaks: std::collections::VecDeque<u64>,
    /// Line breaks before the offsets already asked about.
    passed: u64,
    /// The bytes from offset `kept_from` on: the record being read, for [`unclosed_quote`].
    kept: Vec<u8>,
    kept_from: u64,
    /// Bytes since the last line break.
    line: u64,
}

/// The longest line read: a file without line breaks (a device, a damaged file) is refused at
/// this length rather than read into one record without end.
const MAX_LINE: u64 = 256 << 20;

impl<R> Counting<R> {
    fn new(inner: R) -> Counting<R> {
        Counting {
            inner,
            total: 0,
            last: None,
            eof: false,
            breaks: std::collections::VecDeque::new(),
            passed: 0,
            kept: Vec::new(),
            line: 0,
            kept_from: 0,
        }
    }

    /// The bytes from `start` (where the current record began) to the end of what was read;
    /// earlier bytes are let go. `start` must not decrease from call to call.
    fn since(&mut self, start: u64) -> &[u8] {
        let skip = usize::try_from(start.saturating_sub(self.kept_from)).unwrap_or(usize::MAX);
        let skip = skip.min(self.kept.len());
        // Let go of passed bytes once they are the larger part, so each byte moves at most once
        // on average.
        if skip > 64 * 1024 && skip * 2 > self.kept.len() {
            self.kept.drain(..skip);
            self.kept_from += skip as u64;
            return &self.kept;
        }
        &self.kept[skip..]
    }

    /// Line breaks before byte offset `end`; `end` must not decrease from call to call.
    fn breaks_before(&mut self, end: u64) -> u64 {
        while self.breaks.front().is_some_and(|&at| at < end) {
            self.breaks.pop_front();
            self.passed += 1;
        }
        self.passed
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.eof = true;
            return Ok(0);
        }
        let mut last_break = None;
        for i in memchr::memchr2_iter(b'\r', b'\n', &buf[..n]) {
            let previous = if i == 0 { self.last } else { Some(buf[i - 1]) };
            if buf[i] == b'\r' || previous != Some(b'\r') {
                self.breaks.push_back(self.total + i as u64);
            }
            last_break = Some(i);
        }
        self.line = match last_break {
            Some(i) => (n - i - 1) as u64,
            None => self.line + n as u64,
        };
        if self.line > MAX_LINE {
            return Err(io::Error::other(format!(
                "a line is longer than {} MiB without a line break, more than relsync reads (is it a text file?)",
                MAX_LINE >> 20
            )));
        }
        self.kept.extend_from_slice(&buf[..n]);
        self.total += n as u64;
        self.last = Some(buf[n - 1]);
        Ok(n)
    }
}

/// Where the last record of a file (`raw`, its bytes from the end of the record before, so
/// maybe starting with blank lines or the `\n` of a `\r\n`) leaves a quoted field open, as the
/// csv crate reads it: its column and the record's own text (after any blank lines) up to the
/// opening quote.
fn unclosed_quote(raw: &[u8], delimiter: u8) -> Option<(u32, &[u8])> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let (mut col, mut record_start, mut opened) = (0u32, 0usize, 0usize);
    for (i, &b) in raw.iter().enumerate() {
        state = match state {
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::FieldStart if b == b'"' => {
                opened = i;
                State::Quoted
            }
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            _ if b == delimiter => {
                col += 1;
                State::FieldStart
            }
            _ if b == b'\n' || b == b'\r' => {
                col = 0;
                record_start = i + 1;
                State::FieldStart
            }
            _ => State::Unquoted,
        };
    }
    (state == State::Quoted).then(|| (col, &raw[record_start..opened]))
}

/// Line breaks inside a field, counted as [`Counting`] counts them.
fn breaks_in(field: &[u8]) -> u64 {
    memchr::memchr2_iter(b'\r', b'\n', field)
        .filter(|&i| field[i] == b'\r' || i == 0 || field[i - 1] != b'\r')
        .count() as u64
}

/// Reads up to `limit` bytes (fewer only at the end of the input).
fn read_prefix(r: &mut impl Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(limit.min(SNIFF_BYTES));
    r.take(limit as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Detects a byte-order mark: the encoding it names and its length.
fn bom(prefix: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(prefix)
}

/// Picks the delimiter among `;`, `,` and tab that splits the first records most consistently
/// into the most fields.
pub fn sniff_delimiter(sample: &[u8], complete: bool) -> Option<u8> {
    let mut best: Option<(u32, usize, u8)> = None;
    for candidate in [b';', b',', b'\t'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(candidate)
            .from_reader(sample);
        let mut counts: Vec<usize> = Vec::new();
        for record in reader.byte_records().take(100) {
            match record {
                Ok(r) if r.len() == 1 && r[0].is_empty() => {}
                Ok(r) => counts.push(r.len()),
                Err(_) => break,
            }
        }
        if !complete && counts.len() > 1 {
            counts.pop(); // the sample may have cut the last record
        }
        let Some(mode) = mode(&counts) else { continue };
        if mode < 2 {
            continue;
        }
        let share = counts.iter().filter(|&&c| c == mode).count() as f64 / counts.len() as f64;
        let score = ((share * 100.0).round() as u32, mode, candidate);
        if best.is_none_or(|b| (score.0, score.1) > (b.0, b.1)) {
            best = Some(score);
        }
    }
    best.map(|(_, _, d)| d)
}

fn mode(counts: &[usize]) -> Option<usize> {
    let mut freq = std::collections::HashMap::new();
    for c in counts {
        *freq.entry(*c).or_insert(0usize) += 1;
    }
    freq.into_iter().max_by_key(|&(count, n)| (n, count)).map(|(c, _)| c)
}

/// Reads delimited text on a helper thread, handing rows to `sink` on this one.
pub fn read(spec: &InputSpec, sink: &mut impl RowSink) -> Result<(), InputError> {
    super::threaded::on_helper_thread(&spec.path, "relsync-csv", sink, |rows| produce(spec, rows))
}

fn produce(spec: &InputSpec, sink: &mut impl RowSink) -> Result<(), InputError> {
    let path = &spec.path;
    let io_err = |source| InputError::Read {
        path: path.clone(),
        source,
    };
    let (mut raw, size): (Box<dyn Read>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let file = File::open(path).map_err(|source| InputError::Open {
            path: path.clone(),
            source,
        })?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };

    // Encoding: a byte-order mark wins, then the template, then UTF-8.
    let head = read_prefix(&mut raw, 3).map_err(io_err)?;
    let (encoding, skip) = match bom(&head) {
        Some((enc, len)) => (enc, len),
        None => (spec.delimited.encoding.unwrap_or(UTF_8), 0),
    };
    let rest = Cursor::new(head[skip..].to_vec()).chain(raw);
    let mut text: Box<dyn Read> = if encoding == UTF_8 {
        Box::new(rest)
    } else {
        Box::new(Decoding::new(rest, encoding))
    };

    let prefix = read_prefix(&mut text, SNIFF_BYTES).map_err(|e| decode_failure(spec, e, encoding))?;
    let complete = prefix.len() < SNIFF_BYTES;
    let (delimiter, detected) = match spec.delimited.delimiter {
        Some(d) => (d, false),
        None if spec.format == InputFormat::Tsv => (b'\t', false),
        None => (sniff_delimiter(&prefix, complete).unwrap_or(b','), true),
    };
    sink.start(SheetInfo {
        sheet: None,
        total: size,
        delimiter: Some((delimiter, detected)),
        encoding: Some(encoding.name()),
        displays: None,
    })?;

    let counting = Counting::new(Cursor::new(prefix).chain(text));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(counting);

    let mut record = csv::ByteRecord::new();
    let mut row = Row::default();
    let mut row_number = 0u32;
    let mut last_line_done = 0u64; // the last line of the previous record
    let mut record_start = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_failure(spec, e, encoding)),
        }
        let bytes = record.as_slice();
        let embedded: u64 = record.iter().map(breaks_in).sum();
        // The csv crate skips blank lines before a record, so work back from where it ended:
        // its last line is the number of line breaks before its end (its own break included),
        // or one more when the file ends without a final line break.
        let end = reader.position().byte();
        let source = reader.get_mut();
        let unterminated = source.eof && end == source.total && !matches!(source.last, Some(b'\n' | b'\r'));
        let last_line = source.breaks_before(end) + u64::from(unterminated);
        let first_line = last_line.saturating_sub(embedded).max(last_line_done + 1);
        let blank_lines = first_line - last_line_done - 1;
        last_line_done = last_line;
        // A quote that is never closed takes the rest of the file into one field, so only a
        // record that ends with the file can have one.
        let at_end = source.eof && end == source.total;
        let raw = source.since(record_start);
        let open = if at_end {
            unclosed_quote(raw, delimiter).map(|(col, before)| UnclosedQuote {
                col,
                line: first_line + breaks_in(before),
                last_line,
            })
        } else {
            None
        };
        record_start = end;
        row_number = row_number.saturating_add(1 + blank_lines as u32);

        // Each field must be UTF-8 on its own: the record's bytes may be valid only across a
        // field boundary (a lead byte ending one field, its continuation starting the next).
        let not_utf8 = |at: usize| InputError::Delimited {
            path: spec.path.clone(),
            line: first_line + breaks_in(&bytes[..at]),
            cause: DelimitedError::Encoding {
                encoding: encoding.name(),
            },
        };
        if record.len() > spec.limits.columns as usize {
            return Err(InputError::Limit {
                path: spec.path.clone(),
                what: format!(
                    "line {first_line} has {} fields, more than the {} relsync reads in a record ([limits] max_columns); \
                     raise it in the template if the file is real",
                    record.len(),
                    spec.limits.columns
                ),
            });
        }
        if row_number > spec.limits.rows {
            return Err(InputError::Limit {
                path: spec.path.clone(),
                what: format!(
                    "the file has more than {} records ([limits] max_rows); raise it in the template if the file is real",
                    spec.limits.rows
                ),
            });
        }
        row.reset(row_number);
        row.line = Some(first_line);
        row.fields = Some(u32::try_from(record.len()).unwrap_or(u32::MAX));
        row.unclosed_quote = open;
        row.progress = end;
        for (col, range) in (0..record.len()).filter_map(|i| record.range(i)).enumerate() {
            let field = match std::str::from_utf8(&bytes[range.clone()]) {
                Ok(field) => field,
                Err(e) => return Err(not_utf8(range.start + e.valid_up_to())),
            };
            if !field.is_empty() {
                row.set_text(col as u32, field);
            }
        }
        if row.width() > 0 {
            sink.row(&mut row)?;
        }
    }
    Ok(())
}

fn decode_failure(spec: &InputSpec, e: io::Error, encoding: &'static Encoding) -> InputError {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<DecodeError>()) {
        Some(d) => InputError::Delimited {
            path: spec.path.clone(),
            line: d.line,
            cause: DelimitedError::Encoding {
                encoding: encoding.name(),
            },
        },
        None => InputError::Read {
            path: spec.path.clone(),
            source: e,
        },
    }
}

fn csv_failure(spec: &InputSpec, e: csv::Error, encoding: &'static Encoding) -> InputError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => decode_failure(spec, io, encoding),
        _ => InputError::Delimited {
            path: spec.path.clone(),
            line,
            cause: DelimitedError::Csv(text.trim_start_matches("CSV error: ").to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::UTF_16BE;

    #[test]
    fn unclosed_quotes_as_the_csv_crate_reads_them() {
        let open = |raw: &[u8]| unclosed_quote(raw, b';').map(|(col, before)| (col, before.to_vec()));
        assert_eq!(open(b"A;\"x\n"), Some((1, b"A;".to_vec())));
        assert_eq!(open(b"\nA;b;\"x;y\nz"), Some((2, b"A;b;".to_vec())));
        assert_eq!(open(b"\"a\"\"b\";\"c\"\"\"\n"), None, "doubled quotes, closed");
        assert_eq!(open(b"A;\"x\"\"\"\n"), None);
        assert_eq!(
            open(b"A;\"x\"\""),
            Some((1, b"A;".to_vec())),
            "a doubled quote does not close"
        );
        assert_eq!(
            open(b"A;5\" pipe;\"b\"c;d"),
            None,
            "a quote inside a value opens nothing"
        );
        assert_eq!(open(b"A;\"x\"y;\"z"), Some((2, b"A;\"x\"y;".to_vec())));
        assert_eq!(open(b""), None);
    }

    #[test]
    fn sniffing_delimiters() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2,5;3\n4;5;6\n", true), Some(b';'));
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n", true), Some(b','));
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n", true), Some(b'\t'));
        assert_eq!(sniff_delimiter(b"\"x;y\",b\n\"1;2\",3\n", true), Some(b','));
        assert_eq!(
            sniff_delimiter(b"Code;Naam;Lengte\nA;Pomp, groot;12,5\nB;Klep;3,25\n", true),
            Some(b';')
        );
        assert_eq!(sniff_delimiter(b"single\ncolumn\n", true), None);
    }

    #[test]
    fn decoding_reports_the_line_of_a_malformed_byte() {
        // UTF-16BE "a\nb\n", then a lone high surrogate on line 3.
        let mut be = Vec::new();
        for c in "a\nb\n".encode_utf16() {
            be.extend_from_slice(&c.to_be_bytes());
        }
        be.extend_from_slice(&[0xD8, 0x00, 0x00, b'x']);
        let mut d = Decoding::new(Cursor::new(be), UTF_16BE);
        let mut out = Vec::new();
        let err = d.read_to_end(&mut out).unwrap_err();
        let inner = err.get_ref().unwrap().downcast_ref::<DecodeError>().unwrap();
        assert_eq!(inner.line, 3);
    }

    #[test]
    fn decoding_windows_1252() {
        let mut d = Decoding::new(Cursor::new(b"caf\xe9 \x80".to_vec()), encoding_rs::WINDOWS_1252);
        let mut out = String::new();
        d.read_to_string(&mut out).unwrap();
        assert_eq!(out, "café €");
    }
}
