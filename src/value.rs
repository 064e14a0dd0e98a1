//! Pure conversions of cell values: numbers shown as Excel shows them, numbers and dates read
//! from text. No I/O and no knowledge of templates; `crate::check` decides which to apply.

use std::fmt::Write as _;
use std::io::Write as _;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Excel keeps and shows at most 15 significant digits.
const SIGNIFICANT: usize = 15;

/// `x` rounded to 15 significant digits: sign, digits without trailing zeros, and the decimal
/// exponent of the first digit (`123.4` -> `(false, "1234", 2)`). `None` for zero.
fn significant_digits(x: f64) -> Option<(bool, Digits, i32)> {
    if x == 0.0 || !x.is_finite() {
        return None;
    }
    // Fast path: the shortest representation that reads back as `x`. When it has at most 15
    // digits it is also `x` rounded to 15 digits (a double's spacing is finer than 15 digits).
    let mut shortest = ryu::Buffer::new();
    if let Some(found) = digits_of(shortest.format_finite(x.abs()))
        && found.0.len <= SIGNIFICANT
    {
        return Some((x < 0.0, found.0, found.1));
    }
    // `{:.14e}` rounds the exact binary value to 15 significant digits: "3.00000000000000e-1".
    let mut buf = [0u8; 40];
    let len = {
        let mut cursor = std::io::Cursor::new(&mut buf[..]);
        write!(cursor, "{:.*e}", SIGNIFICANT - 1, x.abs()).ok()?;
        cursor.position() as usize
    };
    let (digits, exponent) = digits_of(std::str::from_utf8(&buf[..len]).ok()?)?;
    Some((x < 0.0, digits, exponent))
}

/// Digits (trailing zeros trimmed, at most [`SIGNIFICANT`] kept; `len` says if there were more)
/// and first-digit exponent of a decimal such as `0.025`, `43530759.0`, `1e20` or `3.0e-1`.
fn digits_of(text: &str) -> Option<(Digits, i32)> {
    let (mantissa, exp10) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = Digits::default();
    let mut count = 0usize;
    let mut first: Option<i32> = None;
    for (i, b) in int.bytes().chain(frac.bytes()).enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        if first.is_none() && b == b'0' {
            continue;
        }
        if first.is_none() {
            first = Some(int.len() as i32 - 1 - i as i32);
        }
        digits.push(b);
        count += 1;
    }
    digits.trim_trailing_zeros();
    if count > SIGNIFICANT {
        // Trailing zeros beyond 15 digits do not count; anything else means more than 15 digits.
        let all: String = int.chars().chain(frac.chars()).collect();
        let significant = all.trim_start_matches('0').trim_end_matches('0').len();
        if significant > SIGNIFICANT {
            digits.len = SIGNIFICANT + 1;
        }
    }
    Some((digits, first? + exp10))
}

/// Up to 15 ASCII digits on the stack.
#[derive(Default)]
struct Digits {
    buf: [u8; SIGNIFICANT],
    len: usize,
}

impl Digits {
    fn push(&mut self, b: u8) {
        if self.len < SIGNIFICANT {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }

    /// Digits kept (at most 15; 16 means "more than 15").
    fn as_str_checked(&self) -> &str {
        let n = self.len.min(SIGNIFICANT);
        std::str::from_utf8(&self.buf[..n]).unwrap_or("0")
    }

    fn trim_trailing_zeros(&mut self) {
        while self.len > 1 && self.len <= SIGNIFICANT && self.buf[self.len - 1] == b'0' {
            self.len -= 1;
        }
    }

    fn as_str(&self) -> &str {
        self.as_str_checked()
    }
}

/// Writes digits `d` with first-digit exponent `e` as a plain decimal; `point` forces a decimal
/// point (`42.0`) for integral values.
fn write_plain(out: &mut String, negative: bool, digits: &str, e: i32, point: bool) {
    if negative {
        out.push('-');
    }
    let n = digits.len() as i32;
    if e < 0 {
        out.push_str("0.");
        for _ in 0..(-e - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else if e + 1 >= n {
        out.push_str(digits);
        for _ in 0..(e + 1 - n) {
            out.push('0');
        }
        if point {
            out.push_str(".0");
        }
    } else {
        let split = (e + 1) as usize;
        out.push_str(&digits[..split]);
        out.push('.');
        out.push_str(&digits[split..]);
    }
}

/// A number for a `number` property: a plain decimal with a decimal point (`42.0`, `0.3`,
/// `-1234.5`), rounded to 15 significant digits, never in exponent notation.
pub fn write_decimal(out: &mut String, x: f64) {
    match significant_digits(x) {
        None => out.push_str("0.0"),
        Some((negative, digits, e)) => write_plain(out, negative, digits.as_str(), e, true),
    }
}

/// A number as Excel's General format shows it in the formula bar: no `.0` on integers, at most
/// 15 significant digits, plain for ordinary magnitudes and `1.5E+21` / `1E-10` beyond them.
pub fn write_general(out: &mut String, x: f64) {
    let Some((negative, digits, e)) = significant_digits(x) else {
        out.push('0');
        return;
    };
    if (-9..21).contains(&e) {
        write_plain(out, negative, digits.as_str(), e, false);
        return;
    }
    if negative {
        out.push('-');
    }
    let d = digits.as_str();
    out.push_str(&d[..1]);
    if d.len() > 1 {
        out.push('.');
        out.push_str(&d[1..]);
    }
    let sign = if e < 0 { '-' } else { '+' };
    let _ = write!(out, "E{sign}{:02}", e.abs());
}

/// `write_general` into a new string.
pub fn general(x: f64) -> String {
    let mut s = String::new();
    write_general(&mut s, x);
    s
}

/// Why text is not a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all.
    NotNumeric,
    /// Looks like a number written with the other decimal separator.
    WrongSeparator { decimal_comma: bool },
    /// `1,500` with a decimal point convention: 1500 or 1.5? Refuse to guess.
    Ambiguous,
}

/// Reads a number written as text: optional sign, digits with optional thousands separators,
/// decimal separator (`,` with `decimal_comma`, else `.`), optional exponent.
pub fn parse_number(text: &str, decimal_comma: bool) -> Result<f64, NumberError> {
    let s = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}');
    let (decimal, group) = if decimal_comma { (',', '.') } else { ('.', ',') };
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (int_part, frac_part) = match mantissa.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let looks_swapped = || {
        // "1.5" with decimal_comma, or "1,5" without: say which setting would read it.
        let other = if decimal_comma { '.' } else { ',' };
        let parts: Vec<&str> = mantissa.split(other).collect();
        parts.len() == 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };

    // Integer part: plain digits, or groups of three separated by the grouping character
    // (or a space, as Dutch and French exports write them).
    let mut digits = String::with_capacity(s.len());
    digits.push_str(sign);
    let groups: Vec<&str> = int_part.split([group, ' ', '\u{a0}', '\u{202f}']).collect();
    if groups.len() > 1 {
        let well_grouped = (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !well_grouped {
            return Err(if looks_swapped() {
                NumberError::WrongSeparator { decimal_comma }
            } else {
                NumberError::NotNumeric
            });
        }
        if !decimal_comma && groups.len() == 2 && frac_part.is_none() && exponent.is_none() && int_part.contains(',') {
            return Err(NumberError::Ambiguous);
        }
    }
    for g in &groups {
        digits.push_str(g);
    }
    let int_digits = digits.len() - sign.len();
    if !digits[sign.len()..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(if looks_swapped() {
            NumberError::WrongSeparator { decimal_comma }
        } else {
            NumberError::NotNumeric
        });
    }
    let mut frac_digits = 0;
    if let Some(f) = frac_part {
        if !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumberError::NotNumeric);
        }
        frac_digits = f.len();
        digits.push('.');
        digits.push_str(f);
    }
    if int_digits + frac_digits == 0 {
        return Err(NumberError::NotNumeric);
    }
    if let Some(e) = exponent {
        let body = e.strip_prefix(['+', '-']).unwrap_or(e);
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumberError::NotNumeric);
        }
        digits.push('e');
        digits.push_str(e);
    }
    match digits.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(NumberError::NotNumeric),
    }
}

/// A date read from a cell or from text; `time` is set when there was a time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateValue {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl DateValue {
    pub fn from_datetime(dt: NaiveDateTime) -> DateValue {
        let time = dt.time();
        DateValue {
            date: dt.date(),
            time: (time != NaiveTime::MIN).then_some(time),
        }
    }
}

/// Why text is not a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateError {
    /// Matches a format but names a day that does not exist (`31-02-2026`).
    NoSuchDay,
    /// A date in a common format that the template does not accept (the format is given).
    OtherFormat(&'static str),
    /// Matches no accepted format.
    UnknownFormat,
}

/// ISO forms always accepted for dates written as text.
/// Common ways of writing dates, tried only to explain a failure (an impossible day, or which
/// format to add to `source.date_formats`); never accepted unless the template lists them.
const DIAGNOSTIC_FORMATS: [&str; 7] = [
    "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%y", "%d/%m/%y",
];

const ISO_FORMATS: [&str; 4] = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
];

/// Reads a date written as text, trying ISO first and then `formats` (chrono syntax).
pub fn parse_date(text: &str, formats: &[String]) -> Result<DateValue, DateError> {
    DateFormats::new(formats).parse(text)
}

/// The accepted date formats, parsed once (parsing a format string per cell is slow).
pub struct DateFormats {
    iso: Vec<Vec<Item<'static>>>,
    custom: Vec<Vec<Item<'static>>>,
}

fn items(format: &str) -> Vec<Item<'static>> {
    StrftimeItems::new(format).map(|i| i.to_owned()).collect()
}

impl DateFormats {
    pub fn new(formats: &[String]) -> DateFormats {
        DateFormats {
            iso: ISO_FORMATS.iter().map(|f| items(f)).collect(),
            custom: formats.iter().map(|f| items(f)).collect(),
        }
    }

    /// Reads a date written as text.
    pub fn parse(&self, text: &str) -> Result<DateValue, DateError> {
        let s = text.trim();
        let b = s.as_bytes();
        // The common case, `YYYY-MM-DD`, without chrono's general parser.
        if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            let num = |r: std::ops::Range<usize>| -> Option<u32> {
                b[r].iter().try_fold(0u32, |acc, d| {
                    d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
                })
            };
            if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) {
                return match NaiveDate::from_ymd_opt(y as i32, m, d) {
                    Some(date) => Ok(DateValue { date, time: None }),
                    None => Err(DateError::NoSuchDay),
                };
            }
        }
        let looks_iso = b.len() > 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
        let mut no_such_day = false;
        let iso = if looks_iso { &self.iso[..] } else { &[] };
        for format in iso.iter().chain(&self.custom) {
            match parse_items(s, format) {
                Ok(d) => return Ok(d),
                Err(NoMatch::Impossible) => no_such_day = true,
                Err(NoMatch::Shape) => {}
            }
        }
        if no_such_day {
            return Err(DateError::NoSuchDay);
        }
        // Failed: find out why, for the message.
        let mut other = None;
        for format in DIAGNOSTIC_FORMATS {
            match parse_items(s, &items(format)) {
                Ok(_) => other = other.or(Some(format)),
                Err(NoMatch::Impossible) => return Err(DateError::NoSuchDay),
                Err(NoMatch::Shape) => {}
            }
        }
        Err(other.map_or(DateError::UnknownFormat, DateError::OtherFormat))
    }
}

enum NoMatch {
    /// The text does not have the format's shape.
    Shape,
    /// It has the shape, but the day does not exist (31 February).
    Impossible,
}

fn parse_items(s: &str, format: &[Item<'static>]) -> Result<DateValue, NoMatch> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, s, format.iter()).map_err(|_| NoMatch::Shape)?;
    let date = parsed.to_naive_date().map_err(|_| NoMatch::Impossible)?;
    let time = parsed.to_naive_time().ok().filter(|t| *t != NaiveTime::MIN);
    Ok(DateValue { date, time })
}

/// Length as Relatics (.NET, SQL Server) counts it: UTF-16 code units. Never more than the
/// UTF-8 length, so callers can skip counting short strings.
pub fn relatics_len(s: &str) -> usize {
    // Every UTF-8 lead byte starts one UTF-16 unit; 4-byte sequences need two.
    s.bytes()
        .map(|b| usize::from((b & 0xC0) != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// Writes `YYYY-MM-DD`.
pub fn push_date(out: &mut String, date: NaiveDate) {
    use chrono::Datelike;
    let (y, m, d) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&y) {
        let _ = write!(out, "{}", date.format("%Y-%m-%d"));
        return;
    }
    let y = y as u32;
    let bytes = [
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (d / 10) as u8,
        b'0' + (d % 10) as u8,
    ];
    out.push_str(std::str::from_utf8(&bytes).unwrap_or("0000-00-00"));
}

/// The first character XML 1.0 cannot carry (C0 controls other than tab, LF and CR; U+FFFE,
/// U+FFFF), if any. Relatics would reject or garble them.
pub fn forbidden_char(s: &str) -> Option<char> {
    // Eight bytes at a time: any byte below 0x20 (tab and line breaks included, checked
    // below) or 0xEF (the lead byte of U+FFFE and U+FFFF) makes the text worth a closer look.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    let word_suspicious = |w: u64| {
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
        let x = w ^ (ONES * 0xEF);
        let ef = x.wrapping_sub(ONES) & !x & HIGHS;
        (below_space | ef) != 0
    };
    let byte_suspicious = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF;
    let mut suspicious = false;
    for chunk in chunks.by_ref() {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        if word_suspicious(w) && chunk.iter().any(|&b| byte_suspicious(b)) {
            suspicious = true;
            break;
        }
    }
    if !suspicious && !chunks.remainder().iter().any(|&b| byte_suspicious(b)) {
        return None;
    }
    s.chars()
        .find(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Trims surrounding whitespace and turns `\r\n` and lone `\r` into `\n`, writing into `out`.
pub fn push_normalized(out: &mut String, s: &str) {
    let s = s.trim();
    if !s.contains('\r') {
        out.push_str(s);
        return;
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(x: f64) -> String {
        let mut s = String::new();
        write_decimal(&mut s, x);
        s
    }

    #[test]
    fn decimals_are_plain_with_a_point_and_fifteen_digits() {
        for (x, text) in [
            (0.1 + 0.2, "0.3"),
            (42.0, "42.0"),
            (-1234.5, "-1234.5"),
            (0.0, "0.0"),
            (-0.0, "0.0"),
            (2.5, "2.5"),
            (1e20, "100000000000000000000.0"),
            (1.5e-7, "0.00000015"),
            (123456789012345678.0, "123456789012346000.0"),
            (1.0 / 3.0, "0.333333333333333"),
            (2.0 / 3.0, "0.666666666666667"),
            (43530759.0, "43530759.0"),
            (99_999_999_999_999_990_000_000.0, "100000000000000000000000.0"),
        ] {
            assert_eq!(decimal(x), text, "{x:e}");
        }
    }

    #[test]
    fn general_looks_like_excel() {
        for (x, text) in [
            (43530759.0, "43530759"),
            (0.1 + 0.2, "0.3"),
            (2.5, "2.5"),
            (-7.0, "-7"),
            (0.0, "0"),
            (1e15, "1000000000000000"),
            (123456789012345678.0, "123456789012346000"),
            (1.5e21, "1.5E+21"),
            (1e21, "1E+21"),
            (1e-10, "1E-10"),
            (1.25e-9, "0.00000000125"),
            (100.0, "100"),
        ] {
            assert_eq!(general(x), text, "{x:e}");
        }
    }

    #[test]
    fn numbers_from_text() {
        let ok: &[(&str, bool, f64)] = &[
            ("12", false, 12.0),
            (" -12.5 ", false, -12.5),
            ("+3", false, 3.0),
            ("1,234.5", false, 1234.5),
            ("1,234,567", false, 1234567.0),
            ("1e3", false, 1000.0),
            ("2.5E-2", false, 0.025),
            (".5", false, 0.5),
            ("1.234,5", true, 1234.5),
            ("1 234,5", true, 1234.5),
            ("1\u{a0}234,5", true, 1234.5),
            ("0,3", true, 0.3),
            ("12", true, 12.0),
            ("1.500", true, 1500.0),
            ("-0,25", true, -0.25),
        ];
        for (text, comma, x) in ok {
            assert_eq!(parse_number(text, *comma), Ok(*x), "{text:?} decimal_comma={comma}");
        }
        let bad: &[(&str, bool, NumberError)] = &[
            ("abc", false, NumberError::NotNumeric),
            ("", false, NumberError::NotNumeric),
            ("-", false, NumberError::NotNumeric),
            ("NaN", false, NumberError::NotNumeric),
            ("inf", false, NumberError::NotNumeric),
            ("1,5", false, NumberError::WrongSeparator { decimal_comma: false }),
            ("1,500", false, NumberError::Ambiguous),
            ("1.5", true, NumberError::WrongSeparator { decimal_comma: true }),
            ("12,34,5", false, NumberError::NotNumeric),
            ("5%", false, NumberError::NotNumeric),
            ("€ 5", false, NumberError::NotNumeric),
            ("1e", false, NumberError::NotNumeric),
            ("1e400", false, NumberError::NotNumeric),
        ];
        for (text, comma, e) in bad {
            assert_eq!(
                parse_number(text, *comma),
                Err(e.clone()),
                "{text:?} decimal_comma={comma}"
            );
        }
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_from_text() {
        let dutch = vec!["%d-%m-%Y".to_owned()];
        assert_eq!(parse_date("2026-03-01", &[]).unwrap().date, ymd(2026, 3, 1));
        assert_eq!(parse_date(" 01-03-2026 ", &dutch).unwrap().date, ymd(2026, 3, 1));
        assert_eq!(parse_date("1-3-2026", &dutch).unwrap().date, ymd(2026, 3, 1));
        let with_time = parse_date("2026-03-01T14:30:00", &[]).unwrap();
        assert_eq!(with_time.time, NaiveTime::from_hms_opt(14, 30, 0));
        assert_eq!(parse_date("2026-03-01 00:00", &[]).unwrap().time, None);
        assert_eq!(parse_date("31-02-2026", &dutch), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("2026-02-30", &[]), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("01-03-2026", &[]), Err(DateError::OtherFormat("%d-%m-%Y")));
        assert_eq!(parse_date("31-02-2026", &[]), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("soon", &dutch), Err(DateError::UnknownFormat));
        assert_eq!(parse_date("29-02-2025", &dutch), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("29-02-2028", &dutch).unwrap().date, ymd(2028, 2, 29));
    }

    #[test]
    fn dates_are_written_iso() {
        let mut s = String::new();
        push_date(&mut s, ymd(2027, 3, 1));
        push_date(&mut s, ymd(987, 12, 31));
        assert_eq!(s, "2027-03-010987-12-31");
    }

    #[test]
    fn shortest_and_exact_digits_agree() {
        // Every value whose shortest form has more than 15 digits takes the exact path;
        // compare both paths on a spread of values.
        let mut x = 1.234_567_890_123e-12_f64;
        for _ in 0..2000 {
            for v in [x, 1.0 / x, x * 3.3, -x / 7.0] {
                let exact = format!("{:.14e}", v.abs());
                let (exact_digits, exact_exp) = digits_of(&exact).unwrap();
                let (_, got, exp) = significant_digits(v).unwrap();
                assert_eq!((got.as_str(), exp), (exact_digits.as_str(), exact_exp), "{v:e}");
            }
            x *= 1.618_033_988_749_895;
            if x > 1e12 {
                x /= 1e23;
            }
        }
    }

    #[test]
    fn lengths_count_utf16_units() {
        assert_eq!(relatics_len("abc"), 3);
        assert_eq!(relatics_len("é"), 1);
        assert_eq!(relatics_len("😀"), 2);
        assert_eq!(relatics_len("a–é😀z"), 6);
    }

    proptest::proptest! {
        #[test]
        fn forbidden_char_finds_what_a_plain_scan_finds(s in "[\\x00-\\x7f]{0,40}|\\PC{0,20}[\\x00-\\x1f\\u{fffe}\\u{ffff}\\u{feff}]?\\PC{0,20}") {
            let plain = s.chars().find(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}');
            proptest::prop_assert_eq!(forbidden_char(&s), plain);
        }
    }

    #[test]
    fn forbidden_characters() {
        assert_eq!(forbidden_char("plain\ttab\nline"), None);
        assert_eq!(forbidden_char("bell\u{7}"), Some('\u{7}'));
        assert_eq!(forbidden_char("x\u{FFFF}"), Some('\u{FFFF}'));
        assert_eq!(forbidden_char("ﬁne \u{FEFF}"), None);
    }

    #[test]
    fn normalizing_line_breaks() {
        let mut s = String::new();
        push_normalized(&mut s, "  a\r\nb\rc\n ");
        assert_eq!(s, "a\nb\nc");
    }
}
