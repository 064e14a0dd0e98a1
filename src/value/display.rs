//! Numbers as Excel shows them: rounded to 15 significant digits, written as a plain decimal
//! for `number` properties or in Excel's General format for text.

use std::fmt::Write as _;
use std::io::Write as _;

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

    proptest::proptest! {
        /// A number written for a body reads back as the value rounded to 15 significant
        /// digits, in plain decimal form with a point.
        #[test]
        fn numbers_read_back_rounded_to_fifteen_digits(x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            let mut s = String::new();
            write_decimal(&mut s, x);
            proptest::prop_assert!(s.contains('.') && !s.contains(['e', 'E']), "{}", s);
            let back: f64 = s.parse().unwrap();
            let rounded: f64 = format!("{:.14e}", x).parse().unwrap();
            proptest::prop_assert_eq!(back, rounded, "{} -> {}", x, s);
        }
    }
}
