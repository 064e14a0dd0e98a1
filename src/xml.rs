//! What the quick-xml readers of relsync share (body files, lookups).

use quick_xml::events::BytesRef;

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
