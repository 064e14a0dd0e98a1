//! What the quick-xml readers of relsync share (body files, lookups).

use quick_xml::events::BytesRef;

/// What is wrong with a reference in text, if anything: an entity XML does not define (a body
/// or an answer declares none), or a character XML 1.0 does not allow.
pub fn reference_problem(reference: &BytesRef<'_>) -> Option<String> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) if !allowed(c) => Some(format!(
            "refers to the character U+{:04X}, which XML 1.0 does not allow",
            c as u32
        )),
        Ok(Some(_)) => None,
        Err(_) => Some(format!(
            "has the character reference &{};, which is not a character",
            &**reference
        )),
        Ok(None) => match &**reference {
            "amp" | "lt" | "gt" | "quot" | "apos" => None,
            other => Some(format!(
                "uses the entity &{};, which XML does not define (and which is not declared)",
                crate::problem::quoted(other)
            )),
        },
    }
}

/// Characters XML 1.0 allows in a document.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends what a reference in text stands for: a character reference (`&#65;`) or one of
/// XML's five predefined entities; anything else (an entity XML does not define) adds nothing.
pub fn push_reference(out: &mut String, reference: &BytesRef<'_>) {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => out.push(c),
        _ => out.push_str(match &**reference {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => "",
        }),
    }
}
