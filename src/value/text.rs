//! Text as Relatics stores it: lengths in UTF-16 code units, characters XML cannot carry,
//! line breaks normalized, and Relatics' length limits.

/// Relatics' limits, in UTF-16 code units.
pub const MAX_EXTERNAL_ID: usize = 450;
pub const MAX_TEXT: usize = 10_000;
pub const MAX_SINGLE_LINE_TEXT: usize = 100;

/// Length as Relatics (.NET, SQL Server) counts it: UTF-16 code units. Never more than the
/// UTF-8 length, so callers can skip counting short strings.
pub fn relatics_len(s: &str) -> usize {
    // Every UTF-8 lead byte starts one UTF-16 unit; 4-byte sequences need two.
    s.bytes()
        .map(|b| usize::from((b & 0xC0) != 0x80) + usize::from(b >= 0xF0))
        .sum()
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

/// Whether `s` holds U+FFFD, the replacement character: a reader put it where the file held
/// something that is not a character (an unpaired surrogate, bytes of another encoding).
pub fn has_replacement_char(s: &str) -> bool {
    // Its UTF-8 starts with 0xEF, which is rare in text: look further only then.
    memchr::memchr(0xEF, s.as_bytes()).is_some() && s.contains('\u{FFFD}')
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

/// `text` safe to print on a terminal: control characters (C0 and C1: escape sequences that
/// clear the screen or set the window title, carriage returns that overwrite a line), the
/// bidirectional overrides that reorder what is shown, and invisible characters (zero-width
/// space, byte-order mark, line separators) are written as escapes (`\n`, `\u{1b}`, `\u{200b}`);
/// tabs stay. Everything else is unchanged, so the common case borrows.
pub fn for_terminal(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(
                c,
                '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
            )
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The letters that start `text` when it is shaped like an element ID or an external id
/// (`REQ-12`, `FAC_7`, `OBJ.003`: one to six letters, a separator, then digits), else `None`.
/// A header shaped like that is more likely a value than a header.
pub fn id_prefix(text: &str) -> Option<&str> {
    // No ID is longer than an external id may be; a long text is looked at no further.
    if text.len() > 4 * MAX_EXTERNAL_ID {
        return None;
    }
    let t = text.trim();
    let letters = t.bytes().take(7).take_while(u8::is_ascii_alphabetic).count();
    let rest = t[letters..].strip_prefix(['-', '_', '.'])?;
    ((1..=6).contains(&letters)
        && !rest.is_empty()
        && rest.bytes().any(|b| b.is_ascii_digit())
        && rest.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
    .then(|| &t[..letters])
}

/// [`for_terminal`] for a message of several lines: each line escaped, the line breaks kept.
pub fn for_terminal_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| for_terminal(line.strip_suffix('\r').unwrap_or(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_shapes() {
        assert_eq!(id_prefix("REQ-1"), Some("REQ"));
        assert_eq!(id_prefix(" OBJ_007 "), Some("OBJ"));
        assert_eq!(id_prefix("A-12-3"), Some("A"));
        for not in ["ID", "Title", "REQ-", "2026-01-01", "Pomp 1", "ABCDEFG-1", "REQ-1a"] {
            assert_eq!(id_prefix(not), None, "{not}");
        }
    }

    #[test]
    fn what_a_terminal_would_obey_is_shown_escaped() {
        assert!(matches!(
            for_terminal("Pump station 2\tNoord"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            for_terminal("\u{1b}[2J\u{1b}]0;pwned\u{7}x"),
            "\\u{1b}[2J\\u{1b}]0;pwned\\u{7}x"
        );
        assert_eq!(for_terminal("a\r\nb\u{9b}c"), "a\\r\\nb\\u{9b}c");
        assert_eq!(for_terminal("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(for_terminal("Name\u{200b}"), "Name\\u{200b}");
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
