//! Cell values as calamine gives them, turned into relsync's [`Cell`]: numbers, text, booleans,
//! errors, and date serials as dates or times of day in both date systems. Both `.xlsx`
//! readers use these, so a date reads the same whichever reader ran.

use calamine::{Data, DataRef};
use chrono::NaiveTime;

use super::row::Cell;

pub fn cell_of_ref<'a>(value: &'a DataRef<'a>) -> Cell<'a> {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(x) => number(*x),
        DataRef::String(s) => Cell::Text(s),
        DataRef::SharedString(s) => Cell::Text(s),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(d) => cell_of_datetime(d),
        DataRef::DateTimeIso(s) => cell_of_iso(s),
        DataRef::DurationIso(s) => Cell::Text(s),
        DataRef::Error(e) => Cell::Error(error_text(e)),
    }
}

pub fn cell_of_data(value: &Data) -> Cell<'_> {
    match value {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(x) => number(*x),
        Data::String(s) => Cell::Text(s),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => cell_of_datetime(d),
        Data::DateTimeIso(s) => cell_of_iso(s),
        Data::DurationIso(s) => Cell::Text(s),
        Data::Error(e) => Cell::Error(error_text(e)),
    }
}

/// A number cell; `NaN` and infinities (which calamine reads from `NaN`, `inf`, `1e400`) are
/// Excel's `#NUM!`, never a number in the body.
fn number(x: f64) -> Cell<'static> {
    if x.is_finite() {
        Cell::Number(x)
    } else {
        Cell::Error(super::row::NOT_FINITE)
    }
}

pub fn cell_of_datetime(d: &calamine::ExcelDateTime) -> Cell<'static> {
    let serial = d.as_f64();
    if d.is_duration() {
        return Cell::Duration(serial);
    }
    // Outside Excel's dates (before 1900 or after 9999-12-31) a serial is only a number;
    // converting it would overflow.
    if !serial.is_finite() {
        return Cell::Error(super::row::NOT_FINITE);
    }
    if !(0.0..2_958_466.0).contains(&serial) {
        return Cell::Number(serial);
    }
    if (0.0..1.0).contains(&serial) {
        let seconds = (serial * 86_400.0).round() as u32 % 86_400;
        if let Some(t) = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0) {
            return Cell::Time(t);
        }
    }
    match d.as_datetime() {
        Some(dt) => Cell::DateTime(dt),
        None => Cell::Number(serial),
    }
}

/// ODS stores dates as ISO text; turn them into date cells like the other formats.
pub fn cell_of_iso(s: &str) -> Cell<'_> {
    use chrono::{NaiveDate, NaiveDateTime};
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Cell::DateTime(dt);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Cell::DateTime(d.and_time(NaiveTime::MIN));
    }
    Cell::Text(s)
}

fn error_text(e: &calamine::CellErrorType) -> &'static str {
    use calamine::CellErrorType as E;
    match e {
        E::Div0 => "#DIV/0!",
        E::NA => "#N/A",
        E::Name => "#NAME?",
        E::Null => "#NULL!",
        E::Num => "#NUM!",
        E::Ref => "#REF!",
        E::Value => "#VALUE!",
        E::GettingData => "#GETTING_DATA",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_become_date_cells() {
        assert!(matches!(cell_of_iso("2026-03-01"), Cell::DateTime(_)));
        assert!(matches!(cell_of_iso("2026-03-01T12:30:00"), Cell::DateTime(_)));
        assert_eq!(cell_of_iso("PT12H"), Cell::Text("PT12H"));
    }

    #[test]
    fn serials_beyond_excels_dates_stay_numbers() {
        for serial in [1e15, -1.0, 2_958_466.0, f64::MAX] {
            let d = calamine::ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, false);
            assert_eq!(cell_of_datetime(&d), Cell::Number(serial));
        }
        let last = calamine::ExcelDateTime::new(2_958_465.5, calamine::ExcelDateTimeType::DateTime, false);
        assert!(matches!(cell_of_datetime(&last), Cell::DateTime(_)));
    }

    #[test]
    fn time_only_serials_are_times() {
        let t = calamine::ExcelDateTime::new(0.5, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(
            cell_of_datetime(&t),
            Cell::Time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        );
        let d = calamine::ExcelDateTime::new(46082.0, calamine::ExcelDateTimeType::DateTime, false);
        let Cell::DateTime(dt) = cell_of_datetime(&d) else {
            panic!("date expected")
        };
        assert_eq!(dt.date().to_string(), "2026-03-01");
        let d1904 = calamine::ExcelDateTime::new(46082.0 - 1462.0, calamine::ExcelDateTimeType::DateTime, true);
        let Cell::DateTime(dt) = cell_of_datetime(&d1904) else {
            panic!("date expected")
        };
        assert_eq!(dt.date().to_string(), "2026-03-01");
    }
}
