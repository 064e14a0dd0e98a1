//! Numbers written as text: `1234.5`, `1,234.5`, and with a decimal comma `1.234,5`.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
