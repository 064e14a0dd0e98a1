//! Dates: from date cells and from text (ISO, or the template's `date_formats`), written as
//! `YYYY-MM-DD`.

use std::fmt::Write as _;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};

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
    /// Has the shape of a format, but a part is out of range (`31-02-2026`).
    Impossible(Impossible),
    /// A date in a common format that the template does not accept (the format is given).
    OtherFormat(&'static str),
    /// Matches no accepted format.
    UnknownFormat,
    /// Read by the accepted format number `format` (`%Y`), but with fewer than four digits in
    /// the year (`01-01-99` would be the year 99).
    ShortYear { year: i32, format: usize },
}

/// Which part of a date does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impossible {
    Month(u32),
    Day(u32),
    /// A day beyond the month's last (30 February, 31 April).
    DayOfMonth {
        day: u32,
        month: u32,
    },
    /// 29 February in a year that is not a leap year.
    NotLeapYear(i32),
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl std::fmt::Display for Impossible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Impossible::Month(m) => write!(f, "month {m} does not exist"),
            Impossible::Day(d) => write!(f, "day {d} does not exist"),
            Impossible::DayOfMonth { day, month } => {
                let name = MONTHS.get((*month as usize).wrapping_sub(1)).copied().unwrap_or("?");
                write!(f, "{day} {name} does not exist")
            }
            Impossible::NotLeapYear(y) => write!(f, "{y} is not a leap year"),
        }
    }
}

/// Why year `y`, month `m`, day `d` is not a date (`None` when it is one).
pub fn impossible(y: i32, m: u32, d: u32) -> Option<Impossible> {
    if !(1..=12).contains(&m) {
        return Some(Impossible::Month(m));
    }
    if !(1..=31).contains(&d) {
        return Some(Impossible::Day(d));
    }
    if NaiveDate::from_ymd_opt(y, m, d).is_some() {
        return None;
    }
    if m == 2 && d == 29 {
        return Some(Impossible::NotLeapYear(y));
    }
    Some(Impossible::DayOfMonth { day: d, month: m })
}

/// Common ways of writing dates, tried only to explain a failure (an impossible day, or which
/// format to add to `source.date_formats`); never accepted unless the template lists them.
const DIAGNOSTIC_FORMATS: [&str; 15] = [
    "%d-%m-%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%m/%d/%Y",
    "%Y/%m/%d",
    "%d-%m-%y",
    "%d/%m/%y",
    // With a time of day, as CSV exports write date cells that have one.
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
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
                    None => Err(DateError::Impossible(
                        impossible(y as i32, m, d).unwrap_or(Impossible::Day(d)),
                    )),
                };
            }
        }
        let looks_iso = b.len() > 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
        let mut why = None;
        let mut short = None;
        if looks_iso {
            for format in &self.iso {
                match parse_items(s, format) {
                    Ok(d) => return Ok(d),
                    Err(e) => why = why.or(out_of_range(s, format, e)),
                }
            }
        }
        for (i, format) in self.custom.iter().enumerate() {
            match parse_items(s, format) {
                // chrono's %Y takes any number of digits: `99` would be the year 99.
                Ok(d) if d.date.year() < 1000 && has_full_year(format) => {
                    short = short.or(Some(DateError::ShortYear {
                        year: d.date.year(),
                        format: i,
                    }));
                }
                Ok(d) => return Ok(d),
                Err(e) => why = why.or(out_of_range(s, format, e)),
            }
        }
        if let Some(short) = short {
            return Err(short);
        }
        if let Some(why) = why {
            return Err(DateError::Impossible(why));
        }
        // Failed: find out why, for the message. A common format that reads the text wins over
        // one that finds a part out of range (`13/12/2024` is a day-first date, not month 13).
        let mut other = None;
        let mut out = None;
        for format in DIAGNOSTIC_FORMATS {
            let items = items(format);
            match parse_items(s, &items) {
                Ok(d) if d.date.year() < 1000 && has_full_year(&items) => {}
                Ok(_) => other = other.or(Some(format)),
                Err(e) => out = out.or(out_of_range(s, &items, e)),
            }
        }
        match (other, out) {
            (Some(format), _) => Err(DateError::OtherFormat(format)),
            (None, Some(why)) => Err(DateError::Impossible(why)),
            (None, None) => Err(DateError::UnknownFormat),
        }
    }
}

/// Whether a format reads a full year (`%Y`).
fn has_full_year(format: &[Item<'static>]) -> bool {
    format
        .iter()
        .any(|i| matches!(i, Item::Numeric(chrono::format::Numeric::Year, _)))
}

/// chrono could not read `s` with a format.
#[derive(Clone, Copy)]
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

/// When `s` has the shape of `format` with numbers in its places but a part out of range
/// (`31-13-2024` for `%d-%m-%Y`, which chrono sees as the wrong shape), which part.
fn out_of_range(s: &str, format: &[Item<'static>], failed: NoMatch) -> Option<Impossible> {
    use chrono::format::Numeric;
    let (mut year, mut month, mut day) = (None, None, None);
    let mut rest = s;
    let digits = |rest: &mut &str, max: usize| -> Option<u32> {
        let n = rest.bytes().take(max).take_while(u8::is_ascii_digit).count();
        let value = rest[..n].parse().ok()?;
        *rest = &rest[n..];
        Some(value)
    };
    for item in format {
        match item {
            Item::Literal(l) => rest = rest.strip_prefix(*l)?,
            Item::OwnedLiteral(l) => rest = rest.strip_prefix(&**l)?,
            Item::Space(_) | Item::OwnedSpace(_) => rest = rest.trim_start(),
            Item::Numeric(Numeric::Year, _) => year = Some(digits(&mut rest, 4)? as i32),
            Item::Numeric(Numeric::YearMod100, _) => {
                let y = digits(&mut rest, 2)? as i32;
                year = Some(if y < 70 { 2000 + y } else { 1900 + y });
            }
            Item::Numeric(Numeric::Month, _) => month = Some(digits(&mut rest, 2)?),
            Item::Numeric(Numeric::Day, _) => day = Some(digits(&mut rest, 2)?),
            Item::Numeric(_, _) => {
                digits(&mut rest, 9)?;
            }
            Item::Fixed(_) => return None,
            Item::Error => return None,
        }
    }
    if !rest.trim().is_empty() {
        return None;
    }
    let (Some(y), Some(m), Some(d)) = (year, month, day) else {
        return None;
    };
    let _ = failed;
    impossible(y, m, d)
}

/// Writes `YYYY-MM-DD`.
pub fn push_date(out: &mut String, date: NaiveDate) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(parse_date("01-03-2026", &[]), Err(DateError::OtherFormat("%d-%m-%Y")));
        assert_eq!(parse_date("soon", &dutch), Err(DateError::UnknownFormat));
        assert_eq!(parse_date("29-02-2028", &dutch).unwrap().date, ymd(2028, 2, 29));
    }

    #[test]
    fn short_years_and_slashes_are_named_right() {
        let dutch = vec!["%d-%m-%Y".to_owned()];
        assert_eq!(
            parse_date("01-01-99", &dutch),
            Err(DateError::ShortYear { year: 99, format: 0 })
        );
        // A format for two-digit years, listed too, reads them.
        let both = vec!["%d-%m-%Y".to_owned(), "%d-%m-%y".to_owned()];
        assert_eq!(parse_date("01-01-99", &both).unwrap().date, ymd(1999, 1, 1));
        assert_eq!(parse_date("01-01-1999", &both).unwrap().date, ymd(1999, 1, 1));
        // Without formats: the common format that reads the text, never a false impossible part.
        assert_eq!(parse_date("01-01-99", &[]), Err(DateError::OtherFormat("%d-%m-%y")));
        assert_eq!(parse_date("31/12/2024", &[]), Err(DateError::OtherFormat("%d/%m/%Y")));
        assert_eq!(
            parse_date("13/12/2024", &dutch),
            Err(DateError::OtherFormat("%d/%m/%Y"))
        );
        assert_eq!(parse_date("12/13/2024", &[]), Err(DateError::OtherFormat("%m/%d/%Y")));
        assert_eq!(
            parse_date("04-05-2011 14:30", &[]),
            Err(DateError::OtherFormat("%d-%m-%Y %H:%M"))
        );
        let timed = parse_date("04-05-2011 14:30", &["%d-%m-%Y %H:%M".to_owned()]).unwrap();
        assert_eq!(timed.date, NaiveDate::from_ymd_opt(2011, 5, 4).unwrap());
        assert_eq!(timed.time, NaiveTime::from_hms_opt(14, 30, 0));
        assert_eq!(
            parse_date("31/13/2024", &[]),
            Err(DateError::Impossible(Impossible::Month(13)))
        );
    }

    #[test]
    fn impossible_dates_say_which_part() {
        let dutch = vec!["%d-%m-%Y".to_owned()];
        for (text, formats, why) in [
            ("31-13-2024", &dutch[..], "month 13 does not exist"),
            ("2024-13-01", &[][..], "month 13 does not exist"),
            ("30-02-2024", &dutch, "30 February does not exist"),
            ("31-04-2024", &dutch, "31 April does not exist"),
            ("29-02-2023", &dutch, "2023 is not a leap year"),
            ("2023-02-29", &[], "2023 is not a leap year"),
            ("32-01-2024", &dutch, "day 32 does not exist"),
            ("00-01-2024", &dutch, "day 0 does not exist"),
            ("2026-02-30 10:00", &[], "30 February does not exist"),
            // Without the format in the template, the common forms still explain it.
            ("31-02-2026", &[], "31 February does not exist"),
            ("31/13/2026", &[], "month 13 does not exist"),
        ] {
            match parse_date(text, formats) {
                Err(DateError::Impossible(i)) => assert_eq!(i.to_string(), why, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn dates_are_written_iso() {
        let mut s = String::new();
        push_date(&mut s, ymd(2027, 3, 1));
        push_date(&mut s, ymd(987, 12, 31));
        assert_eq!(s, "2027-03-010987-12-31");
    }
}
