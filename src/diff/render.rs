//! Showing a comparison: for people (counts first, then the changed properties, then the
//! elements of each kind up to a limit) and for programs (every change as JSON).

use std::collections::HashMap;
use std::io::{self, BufRead, Seek, Write};

use serde::Serialize;
use serde_json::json;

use super::compare::{ChangeSink, Changed, Counts, FieldChange, Listed};
use crate::body::read::FieldValue;
use crate::lookup::TargetNames;
use crate::problem::clip;
use crate::value::for_terminal;

/// What a side is, for the first lines: `old.json` and `JSON body`, or
/// `export.xlsx, sheet 'Requirements', with t.toml` and `sheet`.
#[derive(Clone, Debug)]
pub struct Side {
    pub source: String,
    pub kind: String,
}

#[derive(Clone, Debug)]
pub struct Sides {
    pub old: Side,
    pub new: Side,
}

/// What the text calls the kinds: `diff` says "created", `submit` says "new".
#[derive(Clone, Copy, Debug)]
pub struct Words {
    pub created: &'static str,
    pub deleted: &'static str,
    /// How to see everything, after "... and N more".
    pub see_all: &'static str,
}

pub const DIFF_WORDS: Words = Words {
    created: "created",
    deleted: "deleted",
    see_all: "--limit 0 shows all",
};

/// A report that is told every change as it is found, and written once the comparison is done.
pub trait Report: ChangeSink {
    fn write_to(self: Box<Self>, out: &mut dyn Write, sides: &Sides, counts: &Counts) -> io::Result<()>;
}

impl Report for TextReport {
    fn write_to(self: Box<Self>, out: &mut dyn Write, sides: &Sides, counts: &Counts) -> io::Result<()> {
        self.write(out, sides, counts)
    }
}

impl Report for JsonReport {
    fn write_to(self: Box<Self>, out: &mut dyn Write, sides: &Sides, counts: &Counts) -> io::Result<()> {
        self.write(out, sides, counts)
    }
}

/// Longest value shown in the text.
const SHOWN_CHARS: usize = 60;
/// Targets listed before "and N more".
const SHOWN_TARGETS: usize = 5;

/// A value as the text shows it.
pub fn show(value: Option<&FieldValue>) -> String {
    match value {
        None => "(not sent)".to_owned(),
        Some(FieldValue::Text(t)) if t.is_empty() => "(empty)".to_owned(),
        Some(FieldValue::Null) => "(empty)".to_owned(),
        Some(FieldValue::Targets(ids)) if ids.is_empty() => "(none)".to_owned(),
        Some(FieldValue::Text(t)) => format!("'{}'", clip(&t.replace('\r', "").replace('\n', "\\n"), SHOWN_CHARS)),
        Some(FieldValue::Number(n)) => n.clone(),
        Some(FieldValue::Targets(ids)) => list(ids.iter().map(String::as_str)),
    }
}

fn list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    named_list(ids, |_| None)
}

/// Target IDs, each with its name when `name` knows it: `FO-5051 'Gemaal De Hoop', FO-5026`.
fn named_list<'a, 'n>(ids: impl Iterator<Item = &'a str>, name: impl Fn(&str) -> Option<&'n str>) -> String {
    let ids: Vec<&str> = ids.collect();
    let mut text = ids
        .iter()
        .take(SHOWN_TARGETS)
        .map(|id| match name(id) {
            Some(n) => format!(
                "{} '{}'",
                clip(id, SHOWN_CHARS),
                clip(&n.replace(['\r', '\n'], " "), SHOWN_CHARS)
            ),
            None => clip(id, SHOWN_CHARS),
        })
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN_TARGETS {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN_TARGETS));
    }
    text
}

/// Targets added and removed, in body order, when both sides are relations (an empty value
/// counts as no targets: XML writes an empty relation as an empty element).
fn target_changes(change: &FieldChange) -> Option<(Vec<&str>, Vec<&str>)> {
    fn targets(value: &Option<FieldValue>) -> Option<&[String]> {
        match value {
            Some(FieldValue::Targets(ids)) => Some(ids),
            Some(FieldValue::Null) => Some(&[]),
            Some(FieldValue::Text(t)) if t.is_empty() => Some(&[]),
            _ => None,
        }
    }
    let relation =
        matches!(change.old, Some(FieldValue::Targets(_))) || matches!(change.new, Some(FieldValue::Targets(_)));
    match (targets(&change.old), targets(&change.new)) {
        (Some(old), Some(new)) if relation => {
            let added = new.iter().filter(|id| !old.contains(id)).map(String::as_str).collect();
            let removed = old.iter().filter(|id| !new.contains(id)).map(String::as_str).collect();
            Some((added, removed))
        }
        _ => None,
    }
}

/// One changed field as a line: `Due date: '2027-03-01' -> '2027-04-01'`, or for a relation
/// `Verified by: + VER-3; - VER-1`.
pub fn show_change(change: &FieldChange) -> String {
    show_change_named(change, &TargetNames::default())
}

/// [`show_change`] with the names of relation targets where `names` knows them:
/// `Onderdeel van: + FO-5051 'Gemaal De Hoop'; - FO-5026 'Gemaal Oud'`.
pub fn show_change_named(change: &FieldChange, names: &TargetNames) -> String {
    let name = change.name();
    if let Some((added, removed)) = target_changes(change) {
        let named = |id: &str| names.name(&change.key, id);
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("+ {}", named_list(added.into_iter(), named)));
        }
        if !removed.is_empty() {
            parts.push(format!("- {}", named_list(removed.into_iter(), named)));
        }
        return for_terminal(&format!("{name}: {}", parts.join("; "))).into_owned();
    }
    let line = format!("{name}: {} -> {}", show(change.old.as_ref()), show(change.new.as_ref()));
    for_terminal(&line).into_owned()
}

fn element_line(id: &str, name: Option<&str>) -> String {
    let line = match name {
        Some(name) => format!(
            "{}  '{}'",
            clip(id, SHOWN_CHARS),
            clip(&name.replace('\n', " "), SHOWN_CHARS)
        ),
        None => clip(id, SHOWN_CHARS),
    };
    for_terminal(&line).into_owned()
}

/// The text for people: keeps the first `limit` elements of each kind (0: all) and a count of
/// changes per property.
pub struct TextReport {
    limit: usize,
    words: Words,
    /// Names of relation targets, shown beside their IDs.
    names: TargetNames,
    created: Vec<Listed>,
    deleted: Vec<Listed>,
    changed: Vec<Changed>,
    per_field: HashMap<String, u64>,
}

impl TextReport {
    pub fn new(limit: usize, words: Words) -> TextReport {
        TextReport {
            limit,
            words,
            names: TargetNames::default(),
            created: Vec::new(),
            deleted: Vec::new(),
            changed: Vec::new(),
            per_field: HashMap::new(),
        }
    }

    /// Shows the names of relation targets that `names` knows beside their IDs.
    pub fn with_names(mut self, names: TargetNames) -> TextReport {
        self.names = names;
        self
    }

    fn room<T>(&self, list: &[T]) -> bool {
        self.limit == 0 || list.len() < self.limit
    }

    /// The counts line: `2 created, 1 deleted, 3 changed, 44 unchanged`.
    pub fn counts_line(&self, counts: &Counts) -> String {
        format!(
            "{} {}, {} {}, {} changed, {} unchanged",
            counts.created, self.words.created, counts.deleted, self.words.deleted, counts.changed, counts.unchanged
        )
    }

    /// Properties and relations that changed, most often first: `Due date (12), Status (3)`.
    pub fn fields_line(&self) -> Option<String> {
        if self.per_field.is_empty() {
            return None;
        }
        let mut fields: Vec<(&String, &u64)> = self.per_field.iter().collect();
        fields.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        Some(
            fields
                .iter()
                .map(|(key, n)| format!("{} ({n})", crate::names::decode_local_name(key)))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// The first deleted elements (as many as the limit allows), in the old body's order.
    pub fn deleted(&self) -> &[Listed] {
        &self.deleted
    }

    /// Writes the details (after the counts): each kind with its first elements; the deleted
    /// ones only `with_deleted` (`submit` lists them on its own line).
    pub fn write_details(&self, out: &mut dyn Write, counts: &Counts, with_deleted: bool) -> io::Result<()> {
        if let Some(fields) = self.fields_line() {
            // Field names are the bodies' keys: texts from files, shown escaped.
            writeln!(out, "changed fields: {}", for_terminal(&fields))?;
        }
        let see_all = self.words.see_all;
        let more = |out: &mut dyn Write, total: u64, shown: usize| -> io::Result<()> {
            if total > shown as u64 {
                writeln!(out, "  ... and {} more ({see_all})", total - shown as u64)?;
            }
            Ok(())
        };
        if counts.created > 0 {
            writeln!(out, "\n{} ({}):", self.words.created, counts.created)?;
            for e in &self.created {
                writeln!(out, "  {}", element_line(&e.id, e.name.as_deref()))?;
            }
            more(out, counts.created, self.created.len())?;
        }
        if counts.deleted > 0 && with_deleted {
            writeln!(out, "\n{} ({}):", self.words.deleted, counts.deleted)?;
            for e in &self.deleted {
                writeln!(out, "  {}", element_line(&e.id, e.name.as_deref()))?;
            }
            more(out, counts.deleted, self.deleted.len())?;
        }
        if counts.changed > 0 {
            writeln!(out, "\nchanged ({}):", counts.changed)?;
            for e in &self.changed {
                writeln!(out, "  {}", element_line(&e.id, e.name.as_deref()))?;
                for change in &e.fields {
                    writeln!(out, "    {}", show_change_named(change, &self.names))?;
                }
            }
            more(out, counts.changed, self.changed.len())?;
        }
        Ok(())
    }

    /// The whole text of `relsync diff`.
    pub fn write(&self, out: &mut dyn Write, sides: &Sides, counts: &Counts) -> io::Result<()> {
        let elements = |n: u64| {
            if n == 1 {
                "1 element".to_owned()
            } else {
                format!("{n} elements")
            }
        };
        writeln!(
            out,
            "old: {} ({}, {})",
            sides.old.source,
            sides.old.kind,
            elements(counts.old)
        )?;
        writeln!(
            out,
            "new: {} ({}, {})",
            sides.new.source,
            sides.new.kind,
            elements(counts.new)
        )?;
        if counts.identical() {
            writeln!(out, "no differences: {}, all unchanged", elements(counts.unchanged))?;
            return Ok(());
        }
        writeln!(out, "{}", self.counts_line(counts))?;
        self.write_details(out, counts, true)
    }
}

impl ChangeSink for TextReport {
    fn created(&mut self, element: Listed) -> io::Result<()> {
        if self.room(&self.created) {
            self.created.push(element);
        }
        Ok(())
    }

    fn changed(&mut self, element: Changed) -> io::Result<()> {
        for change in &element.fields {
            *self.per_field.entry(change.key.clone()).or_insert(0) += 1;
        }
        if self.room(&self.changed) {
            self.changed.push(element);
        }
        Ok(())
    }

    fn deleted(&mut self, element: Listed) -> io::Result<()> {
        if self.room(&self.deleted) {
            self.deleted.push(element);
        }
        Ok(())
    }
}

/// A value as the JSON report gives it: text as a string, a number as a number, targets as an
/// array of IDs.
fn json_value(value: &FieldValue) -> serde_json::Value {
    match value {
        FieldValue::Text(t) => json!(t),
        FieldValue::Number(n) => serde_json::from_str::<serde_json::Number>(n).map_or_else(|_| json!(n), |n| json!(n)),
        FieldValue::Null => serde_json::Value::Null,
        FieldValue::Targets(ids) => json!(ids),
    }
}

/// A changed field in the JSON report; `old` / `new` are left out where a side does not send
/// the field.
#[derive(Serialize)]
struct JsonChange {
    name: String,
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed: Option<Vec<String>>,
}

fn json_change(change: &FieldChange) -> JsonChange {
    let (added, removed) = match target_changes(change) {
        Some((a, r)) => (
            Some(a.into_iter().map(str::to_owned).collect()),
            Some(r.into_iter().map(str::to_owned).collect()),
        ),
        None => (None, None),
    };
    // A relation left empty reads as empty text from XML (`<Role/>`): beside targets on the
    // other side it is an empty list, so both sides have one type.
    let relation = added.is_some();
    let value = |v: &FieldValue| match v {
        FieldValue::Text(t) if relation && t.is_empty() => json!([]),
        FieldValue::Null if relation => json!([]),
        other => json_value(other),
    };
    JsonChange {
        name: change.name(),
        key: change.key.clone(),
        old: change.old.as_ref().map(value),
        new: change.new.as_ref().map(value),
        added,
        removed,
    }
}

#[derive(Serialize)]
struct JsonElement<'a> {
    id: &'a str,
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<JsonChange>>,
}

#[derive(Serialize)]
struct JsonSide<'a> {
    source: &'a str,
    kind: &'a str,
    elements: u64,
}

/// Names and counts, in the order given (serialized as an object).
struct Ordered(Vec<(String, u64)>);

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
struct JsonHead<'a> {
    old: JsonSide<'a>,
    new: JsonSide<'a>,
    identical: bool,
    created: u64,
    deleted: u64,
    changed: u64,
    unchanged: u64,
    changed_fields: Ordered,
}

/// Every change for programs, spooled to temporary files while the bodies are read (a million
/// changes cost no memory), then written as one JSON document with the counts first.
pub struct JsonReport {
    spools: [io::BufWriter<std::fs::File>; 3],
    per_field: HashMap<String, u64>,
}

const CREATED: usize = 0;
const DELETED: usize = 1;
const CHANGED: usize = 2;

impl JsonReport {
    pub fn new() -> io::Result<JsonReport> {
        let spool = || tempfile::tempfile().map(io::BufWriter::new);
        Ok(JsonReport {
            spools: [spool()?, spool()?, spool()?],
            per_field: HashMap::new(),
        })
    }

    fn spool(&mut self, kind: usize, value: &impl Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut self.spools[kind], value)?;
        self.spools[kind].write_all(b"\n")
    }

    /// Writes the report: sides, counts, changes per field, then every element of each kind.
    pub fn write(mut self, out: &mut dyn Write, sides: &Sides, counts: &Counts) -> io::Result<()> {
        let mut fields: Vec<(String, u64)> = self.per_field.drain().collect();
        fields.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let fields = fields
            .into_iter()
            .map(|(key, n)| (crate::names::decode_local_name(&key), n))
            .collect();
        fn side(side: &Side, elements: u64) -> JsonSide<'_> {
            JsonSide {
                source: &side.source,
                kind: &side.kind,
                elements,
            }
        }
        let head = JsonHead {
            old: side(&sides.old, counts.old),
            new: side(&sides.new, counts.new),
            identical: counts.identical(),
            created: counts.created,
            deleted: counts.deleted,
            changed: counts.changed,
            unchanged: counts.unchanged,
            changed_fields: Ordered(fields),
        };
        let head = serde_json::to_string_pretty(&head)?;
        // The head without its closing brace, then the lists.
        out.write_all(head.trim_end().trim_end_matches('}').trim_end().as_bytes())?;
        out.write_all(b",\n  \"changes\": {")?;
        for (i, (kind, name)) in [(CREATED, "created"), (DELETED, "deleted"), (CHANGED, "changed")]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                out.write_all(b",")?;
            }
            write!(out, "\n    \"{name}\": [")?;
            let spool = &mut self.spools[kind];
            spool.flush()?;
            let file = spool.get_mut();
            file.seek(io::SeekFrom::Start(0))?;
            let mut first = true;
            for line in io::BufReader::new(&*file).lines() {
                let line = line?;
                out.write_all(if first { b"\n      " } else { b",\n      " })?;
                out.write_all(line.as_bytes())?;
                first = false;
            }
            out.write_all(if first { b"]" } else { b"\n    ]" })?;
        }
        out.write_all(b"\n  }\n}\n")
    }
}

impl ChangeSink for JsonReport {
    fn created(&mut self, element: Listed) -> io::Result<()> {
        let item = JsonElement {
            id: &element.id,
            name: element.name.as_deref(),
            fields: None,
        };
        self.spool(CREATED, &item)
    }

    fn changed(&mut self, element: Changed) -> io::Result<()> {
        for change in &element.fields {
            *self.per_field.entry(change.key.clone()).or_insert(0) += 1;
        }
        let item = JsonElement {
            id: &element.id,
            name: element.name.as_deref(),
            fields: Some(element.fields.iter().map(json_change).collect()),
        };
        self.spool(CHANGED, &item)
    }

    fn deleted(&mut self, element: Listed) -> io::Result<()> {
        let item = JsonElement {
            id: &element.id,
            name: element.name.as_deref(),
            fields: None,
        };
        self.spool(DELETED, &item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(key: &str, old: Option<FieldValue>, new: Option<FieldValue>) -> FieldChange {
        FieldChange {
            key: key.into(),
            old,
            new,
        }
    }

    #[test]
    fn an_empty_relation_from_xml_is_an_empty_list_in_json() {
        let ids = |v: &[&str]| FieldValue::Targets(v.iter().map(|s| (*s).to_owned()).collect());
        let c = json_change(&change(
            "Verified_x0020_by",
            Some(FieldValue::Text(String::new())),
            Some(ids(&["VER-1"])),
        ));
        assert_eq!(c.old, Some(json!([])));
        assert_eq!(c.new, Some(json!(["VER-1"])));
        assert_eq!(c.added, Some(vec!["VER-1".to_owned()]));
        // A text property stays text.
        let c = json_change(&change(
            "Name",
            Some(FieldValue::Text(String::new())),
            Some(FieldValue::Text("x".into())),
        ));
        assert_eq!(c.old, Some(json!("")));
    }

    #[test]
    fn changes_read_as_sentences() {
        let t = |s: &str| Some(FieldValue::Text(s.into()));
        let ids = |v: &[&str]| Some(FieldValue::Targets(v.iter().map(|s| s.to_string()).collect()));
        assert_eq!(
            show_change(&change("Due_x0020_date", t("2027-03-01"), t("2027-04-01"))),
            "Due date: '2027-03-01' -> '2027-04-01'"
        );
        assert_eq!(show_change(&change("N", None, t(""))), "N: (not sent) -> (empty)");
        assert_eq!(
            show_change(&change("R", ids(&["A", "B"]), ids(&["B", "C", "D"]))),
            "R: + C, D; - A"
        );
        assert_eq!(
            show_change(&change("T", t("a\nb"), Some(FieldValue::Number("2.5".into())))),
            "T: 'a\\nb' -> 2.5"
        );
    }

    #[test]
    fn the_json_report_parses_and_lists_everything() {
        let mut report = JsonReport::new().unwrap();
        report
            .created(Listed {
                id: "N".into(),
                name: None,
            })
            .unwrap();
        for i in 0..3 {
            report
                .changed(Changed {
                    id: format!("C{i}"),
                    name: Some("x".into()),
                    fields: vec![change(
                        "W",
                        Some(FieldValue::Number("1.0".into())),
                        Some(FieldValue::Text("2.0".into())),
                    )],
                })
                .unwrap();
        }
        let counts = Counts {
            old: 4,
            new: 4,
            created: 1,
            deleted: 0,
            changed: 3,
            unchanged: 0,
        };
        let mut out = Vec::new();
        let side = |source: &str| Side {
            source: source.into(),
            kind: "JSON body".into(),
        };
        let sides = Sides {
            old: side("a.json"),
            new: side("b.xml"),
        };
        report.write(&mut out, &sides, &counts).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["identical"], false);
        assert_eq!(v["changed"], 3);
        assert_eq!(v["changed_fields"]["W"], 3);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.find("\"old\"").unwrap() < text.find("\"changes\"").unwrap(),
            "counts first"
        );
        assert_eq!(v["changes"]["created"][0]["id"], "N");
        assert_eq!(v["changes"]["deleted"], json!([]));
        assert_eq!(v["changes"]["changed"][2]["fields"][0]["old"], json!(1.0));
        assert_eq!(v["changes"]["changed"][2]["fields"][0]["new"], "2.0");
    }
}
