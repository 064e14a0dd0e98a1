//! Writing a template as commented TOML that `convert` reads as it is.

use std::fmt::Write as _;

use super::guess::{Guess, Kind, Type};

/// A TOML string literal.
/// Always one line: Excel headers often hold line breaks (Alt+Enter), and a template reads
/// best with them written as `\n`.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A singular for a plural name, as a first guess: English (`Requirements` -> `Requirement`)
/// and Dutch (`Objecten` -> `Object`, `Fysieke objecten` -> `Fysieke object`, `Bruggen` ->
/// `Brug`, `Risico's` -> `Risico`), on the last word. The template marks it to be checked.
pub fn singular(plural: &str) -> String {
    let p = plural.trim();
    let (head, last) = match p.rfind(' ') {
        Some(at) => (&p[..=at], &p[at + 1..]),
        None => ("", p),
    };
    format!("{head}{}", singular_word(last))
}

fn singular_word(p: &str) -> String {
    // Singular words that end like plurals (`Status`, `Analysis`, `Bus`).
    let lower = p.to_lowercase();
    if ["us", "is", "ss"].iter().any(|end| lower.ends_with(end)) {
        return p.to_owned();
    }
    if let Some(stem) = p.strip_suffix("'s").filter(|s| !s.is_empty()) {
        return stem.to_owned();
    }
    // Dutch plurals in -en: `eisen`, `objecten`, `bruggen` (a doubled consonant is single in
    // the singular), `sluizen` (z becomes s), `graven` (v becomes f).
    if let Some(stem) = p.strip_suffix("en").filter(|s| s.chars().count() >= 3)
        && !p.ends_with("ien")
    {
        let chars: Vec<char> = stem.chars().collect();
        let n = chars.len();
        let vowel = |c: char| "aeiouy".contains(c.to_ascii_lowercase());
        let mut stem = stem.to_owned();
        if n >= 2 && chars[n - 1] == chars[n - 2] && !vowel(chars[n - 1]) {
            stem.pop();
        } else if chars[n - 1] == 'z' {
            stem.pop();
            stem.push('s');
        } else if chars[n - 1] == 'v' {
            stem.pop();
            stem.push('f');
        }
        return stem;
    }
    for (from, to) in [
        ("ies", "y"),
        ("sses", "ss"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("xes", "x"),
    ] {
        if let Some(stem) = p.strip_suffix(from)
            && !stem.is_empty()
        {
            return format!("{stem}{to}");
        }
    }
    match p.strip_suffix('s') {
        Some(stem) if !stem.is_empty() && !stem.ends_with('s') => stem.to_owned(),
        _ => p.to_owned(),
    }
}

/// The parts of a template, in the order they are written.
pub struct Draft {
    /// Lines at the top, each written as a comment.
    pub intro: Vec<String>,
    pub plural: String,
    pub type_name: String,
    /// This sheet's interface name in a project, for relations to its own rows.
    pub interface: String,
    /// `sheet`, `header_row`, `delimiter`, ... as `key = value  # comment` lines.
    pub source: Vec<(String, String, String)>,
    pub external_id: String,
    pub id_comment: String,
    /// (name, guess, comment lines above it).
    pub fields: Vec<(String, Guess, Vec<String>)>,
    /// Names from a sync template without a column, with the closest header and what that
    /// column looks like, written commented out.
    pub unmatched: Vec<(String, Option<String>, Option<Kind>)>,
    /// Columns deliberately left out, with why.
    pub ignored: Vec<String>,
    pub ignore_comment: String,
}

fn comment_lines(out: &mut String, lines: &[String]) {
    for line in lines {
        // A name or value quoted in a comment may hold a line break, which would end the
        // comment and leave the rest as TOML.
        let _ = writeln!(out, "# {}", line.replace('\r', "\\r").replace('\n', "\\n"));
    }
}

/// Renders the template.
pub fn render(draft: &Draft) -> String {
    let mut out = String::new();
    comment_lines(&mut out, &draft.intro);
    let _ = writeln!(out, "\n[target]");
    if draft.type_name == draft.plural {
        let _ = writeln!(
            out,
            "type = {}  # check: the same as the plural, as no singular could be made of it: write the type \
             element's singular name in Relatics",
            quoted(&draft.type_name)
        );
    } else {
        let _ = writeln!(
            out,
            "type = {}  # check: the type element's name in Relatics (singular)",
            quoted(&draft.type_name)
        );
    }
    let _ = writeln!(out, "plural = {}  # check: its plural name", quoted(&draft.plural));
    if !draft.source.is_empty() {
        let _ = writeln!(out, "\n[source]");
        for (key, value, comment) in &draft.source {
            if comment.is_empty() {
                let _ = writeln!(out, "{key} = {value}");
            } else {
                let _ = writeln!(out, "{key} = {value}  # {comment}");
            }
        }
    }
    let _ = writeln!(out, "\n[external_id]");
    let _ = writeln!(out, "# {}", draft.id_comment.replace('\r', "\\r").replace('\n', "\\n"));
    let _ = writeln!(out, "column = {}", quoted(&draft.external_id));
    for (name, guess, comments) in &draft.fields {
        out.push('\n');
        comment_lines(&mut out, comments);
        match &guess.kind {
            Kind::Property(ty) => {
                let _ = writeln!(out, "[[property]]");
                let _ = writeln!(out, "name = {}", quoted(name));
                let _ = writeln!(out, "column = {}", quoted(&guess.header));
                let _ = writeln!(out, "type = {}", quoted(ty.name()));
                if let Type::List(values) = ty {
                    let list: Vec<String> = values.iter().map(|v| quoted(v)).collect();
                    let _ = writeln!(out, "values = [{}]", list.join(", "));
                }
            }
            Kind::Relation => {
                let _ = writeln!(out, "[[relation]]");
                let _ = writeln!(out, "role = {}", quoted(name));
                let _ = writeln!(out, "column = {}", quoted(&guess.header));
                let _ = writeln!(
                    out,
                    "target = {}  # check: the type element of the targets",
                    quoted(&singular(&guess.header))
                );
            }
            Kind::RowNames { .. } => {
                let _ = writeln!(out, "[[relation]]");
                let _ = writeln!(out, "role = {}", quoted(name));
                let _ = writeln!(out, "column = {}", quoted(&guess.header));
                let _ = writeln!(
                    out,
                    "target = {}  # check: this sheet's own type element (singular), as in [target]",
                    quoted(&draft.type_name)
                );
                let _ = writeln!(
                    out,
                    "lookup = {}",
                    quoted(&format!("{}{}", crate::template::INTERFACE_LOOKUP, draft.interface))
                );
            }
        }
        if guess.required {
            let _ = writeln!(out, "required = true");
        }
    }
    for (name, closest, kind) in &draft.unmatched {
        out.push('\n');
        let hint = closest
            .as_deref()
            .map(|c| {
                format!(
                    "; the closest header is '{}'",
                    c.replace('\r', "\\r").replace('\n', "\\n")
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "# No column of the sheet matches {}{hint}. Map it, or leave it out:",
            quoted(name)
        );
        let column = quoted(closest.as_deref().unwrap_or("..."));
        match kind {
            Some(Kind::Relation | Kind::RowNames { .. }) => {
                let _ = writeln!(out, "# [[relation]]");
                let _ = writeln!(out, "# role = {}", quoted(name));
                let _ = writeln!(out, "# column = {column}");
                let _ = writeln!(out, "# target = {}", quoted(&singular(name)));
            }
            other => {
                let ty = match other {
                    Some(Kind::Property(ty)) => ty.name(),
                    _ => "single-line-text",
                };
                let _ = writeln!(out, "# [[property]]");
                let _ = writeln!(out, "# name = {}", quoted(name));
                let _ = writeln!(out, "# column = {column}");
                let _ = writeln!(out, "# type = {}", quoted(ty));
                if let Some(Kind::Property(Type::List(values))) = other {
                    let list: Vec<String> = values.iter().map(|v| quoted(v)).collect();
                    let _ = writeln!(out, "# values = [{}]", list.join(", "));
                }
            }
        }
    }
    if !draft.ignored.is_empty() {
        let _ = writeln!(out, "\n[ignore]");
        for line in draft.ignore_comment.lines() {
            let _ = writeln!(out, "# {}", line.trim());
        }
        let list: Vec<String> = draft.ignored.iter().map(|c| quoted(c)).collect();
        let _ = writeln!(out, "columns = [{}]", list.join(", "));
    }
    // Values and headers quoted in comments may hold control characters, which TOML allows
    // nowhere raw (quoted strings escape their own): write them as escapes.
    out.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singulars() {
        for (plural, one) in [
            ("Requirements", "Requirement"),
            ("Facilities", "Facility"),
            ("Boxes", "Box"),
            ("Objecten", "Object"),
            ("Fysieke objecten", "Fysieke object"),
            ("Eisen", "Eis"),
            ("Bruggen", "Brug"),
            ("Sluizen", "Sluis"),
            ("Gebieden", "Gebied"),
            ("Risico's", "Risico"),
            ("Duikers", "Duiker"),
            ("Glass", "Glass"),
            ("Materieel", "Materieel"),
            ("Status", "Status"),
            ("Analysis", "Analysis"),
        ] {
            assert_eq!(singular(plural), one, "{plural}");
        }
        for text in [
            "a \"b\"\n",
            "plain",
            "C:\\exports\\x.csv",
            "'''",
            "tab\there",
            "bell\u{7}\u{7f}",
        ] {
            let doc: toml::Table = toml::from_str(&format!("k = {}", quoted(text))).unwrap();
            assert_eq!(doc["k"].as_str(), Some(text), "{text:?}");
            assert!(!quoted(text).contains('\n'));
        }
    }
}
