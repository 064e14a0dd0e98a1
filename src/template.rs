//! The column template: which sheet column becomes which Relatics property or relation.
//!
//! A template is TOML. It is read with serde into the `Raw*` types (unknown keys are errors, so
//! a typo never passes silently), then checked once into [`Template`], the resolved form the
//! rest of relsync trusts: names escaped, options defaulted, contradictions rejected. Every
//! error names the file, the line and the key. The reference for users is the README section
//! "The template".

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::names::{encode_local_name, is_valid_local_name};

/// A template that cannot be used, with where the problem is.
#[derive(Debug, thiserror::Error)]
pub struct TemplateError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid template {}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", key '{key}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What an empty cell sends. Relatics does not document how to clear a value; `clear` is the
/// default and the other two are there for interfaces that behave differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmptyPolicy {
    /// `""` for a property, `[]` for a relation.
    Clear,
    /// Leave the key out.
    Omit,
    /// JSON `null` (XML: an empty element).
    Null,
}

/// Data ownership of a property or relation in Relatics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ownership {
    External,
    Internal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cardinality {
    Single,
    Multi,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawPropertyType {
    Text,
    SingleLineText,
    Number,
    Date,
    List,
    Url,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    target: RawTarget,
    #[serde(default)]
    source: RawSource,
    external_id: RawExternalId,
    #[serde(default)]
    property: Vec<Spanned<RawProperty>>,
    #[serde(default)]
    relation: Vec<Spanned<RawRelation>>,
    #[serde(default)]
    ignore: RawIgnore,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    #[serde(rename = "type")]
    type_name: Spanned<String>,
    plural: Spanned<String>,
    type_key: Option<Spanned<String>>,
    plural_key: Option<Spanned<String>>,
    endpoint: Option<Spanned<String>>,
    token_url: Option<Spanned<String>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    sheet: Option<String>,
    header_row: Option<Spanned<i64>>,
    delimiter: Option<Spanned<String>>,
    encoding: Option<Spanned<String>>,
    decimal_comma: Option<bool>,
    date_formats: Option<Vec<Spanned<String>>>,
    empty: Option<EmptyPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExternalId {
    column: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProperty {
    name: Spanned<String>,
    column: Spanned<String>,
    #[serde(rename = "type")]
    property_type: RawPropertyType,
    #[serde(default)]
    required: bool,
    values: Option<Spanned<Vec<String>>>,
    ownership: Option<Ownership>,
    key: Option<Spanned<String>>,
    empty: Option<EmptyPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelation {
    role: Spanned<String>,
    column: Spanned<String>,
    target: Option<Spanned<String>>,
    target_key: Option<Spanned<String>>,
    targets: Option<Spanned<BTreeMap<String, String>>>,
    cardinality: Option<Cardinality>,
    separator: Option<Spanned<String>>,
    #[serde(default)]
    required: bool,
    ownership: Option<Ownership>,
    key: Option<Spanned<String>>,
    empty: Option<EmptyPolicy>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    #[serde(default)]
    columns: Vec<Spanned<String>>,
    #[serde(default)]
    others: bool,
}

/// A checked template.
#[derive(Clone, Debug)]
pub struct Template {
    pub path: PathBuf,
    pub target: Target,
    pub source: Source,
    /// Header of the column holding the external id.
    pub external_id_column: String,
    /// Properties and relations, in the order the template file lists them.
    pub fields: Vec<Field>,
    /// Headers of sheet columns deliberately not sent.
    pub ignore_columns: Vec<String>,
    /// Ignore every column the template does not map (no `unmapped-column` warnings).
    pub ignore_others: bool,
}

#[derive(Clone, Debug)]
pub struct Target {
    /// Type element name (singular), as Relatics spells it.
    pub type_name: String,
    /// Escaped singular: the XML element of each item.
    pub type_key: String,
    pub plural: String,
    /// Escaped plural: the JSON top-level key and the XML container.
    pub plural_key: String,
    pub endpoint: Option<String>,
    pub token_url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Source {
    pub sheet: Option<String>,
    /// 1-based row holding the headers.
    pub header_row: u32,
    pub delimiter: Option<u8>,
    pub encoding: Option<&'static encoding_rs::Encoding>,
    pub decimal_comma: bool,
    /// chrono formats accepted for dates written as text, besides ISO `%Y-%m-%d`.
    pub date_formats: Vec<String>,
    pub empty: EmptyPolicy,
}

/// One property or relation.
#[derive(Clone, Debug)]
pub struct Field {
    /// Name as Relatics spells it (property name or relation role).
    pub name: String,
    /// Escaped name: the JSON key and XML element.
    pub key: String,
    /// Header of the sheet column.
    pub column: String,
    pub required: bool,
    pub ownership: Ownership,
    pub empty: EmptyPolicy,
    pub kind: FieldKind,
    /// Line of the template where the field is defined.
    pub line: usize,
}

#[derive(Clone, Debug)]
pub enum FieldKind {
    Property(PropertyType),
    Relation(Relation),
}

#[derive(Clone, Debug, PartialEq)]
pub enum PropertyType {
    Text,
    SingleLineText,
    Number,
    Date,
    List { values: Option<Vec<String>> },
    Url,
}

impl PropertyType {
    pub fn name(&self) -> &'static str {
        match self {
            PropertyType::Text => "text",
            PropertyType::SingleLineText => "single-line-text",
            PropertyType::Number => "number",
            PropertyType::Date => "date",
            PropertyType::List { .. } => "list",
            PropertyType::Url => "url",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Relation {
    pub targets: TargetTypes,
    pub cardinality: Cardinality,
    /// A custom separator; line breaks always separate targets too.
    pub separator: Option<String>,
}

/// The type element(s) a relation points at, for the XML element name of each target.
#[derive(Clone, Debug)]
pub enum TargetTypes {
    /// A standard relation: one target type (escaped name).
    One(String),
    /// A collection relation: the target type follows from the element ID's prefix
    /// (`FAC-1` -> Facility). Longest prefix first; keys are escaped names.
    ByPrefix(Vec<(String, String)>),
}

impl Field {
    pub fn is_internal(&self) -> bool {
        self.ownership == Ownership::Internal
    }

    /// What the field is, for messages: "property 'Due date'" or "relation 'Is part of'".
    pub fn describe(&self) -> String {
        match self.kind {
            FieldKind::Property(_) => format!("property '{}'", self.name),
            FieldKind::Relation(_) => format!("relation '{}'", self.name),
        }
    }
}

/// Headers match when they are equal after trimming and ignoring case.
pub fn normalize_header(header: &str) -> String {
    header.trim().to_lowercase()
}

/// Reads and checks a template file.
pub fn load(path: &Path) -> Result<Template, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
        path: path.to_owned(),
        line: None,
        key: None,
        message: format!("cannot read it: {e}"),
    })?;
    parse(&text, path)
}

/// Parses and checks template text; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Template, TemplateError> {
    let resolver = Resolver { text, path };
    let raw: RawTemplate = toml::from_str(text).map_err(|e| {
        let span = e.span();
        let key = span
            .clone()
            .and_then(|s| text.get(s))
            .map(|k| k.trim().trim_matches('"').to_owned())
            .filter(|k| !k.is_empty() && !k.contains(['\n', '[', '=', ' ']));
        TemplateError {
            path: path.to_owned(),
            line: span.map(|s| resolver.line_of(s.start)),
            key,
            message: e.message().trim().to_owned(),
        }
    })?;
    resolver.resolve(raw)
}

struct Resolver<'a> {
    text: &'a str,
    path: &'a Path,
}

/// Characters a one-byte CSV delimiter may not be.
const BAD_DELIMITERS: &[u8] = b"\"\r\n";

impl Resolver<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn error<T>(&self, span: std::ops::Range<usize>, key: &str, message: String) -> Result<T, TemplateError> {
        Err(TemplateError {
            path: self.path.to_owned(),
            line: Some(self.line_of(span.start)),
            key: Some(key.to_owned()),
            message,
        })
    }

    /// `name` escaped, or the literal `key` if the template gives one (checked to be valid).
    fn key_for(
        &self,
        name: &Spanned<String>,
        name_key: &str,
        literal: Option<&Spanned<String>>,
        literal_key: &str,
    ) -> Result<String, TemplateError> {
        if name.get_ref().trim().is_empty() {
            return self.error(name.span(), name_key, "must not be empty".into());
        }
        match literal {
            Some(k) if is_valid_local_name(k.get_ref()) => Ok(k.get_ref().clone()),
            Some(k) => self.error(
                k.span(),
                literal_key,
                format!(
                    "'{}' is not a valid escaped name (an XML name without spaces or ':'); \
                     leave '{literal_key}' out to have relsync escape '{}' as '{}'",
                    k.get_ref(),
                    name.get_ref(),
                    encode_local_name(name.get_ref())
                ),
            ),
            None => Ok(encode_local_name(name.get_ref())),
        }
    }

    fn resolve(&self, raw: RawTemplate) -> Result<Template, TemplateError> {
        let target = self.resolve_target(&raw.target)?;
        let source = self.resolve_source(&raw.source)?;
        let external_id_column = raw.external_id.column.get_ref().trim().to_owned();
        if external_id_column.is_empty() {
            return self.error(
                raw.external_id.column.span(),
                "column",
                "must name the column holding the external id".into(),
            );
        }

        // Fields in file order: properties and relations may be interleaved.
        let mut ordered: Vec<(usize, Field)> = Vec::new();
        for p in &raw.property {
            ordered.push((p.span().start, self.resolve_property(p, source.empty)?));
        }
        for r in &raw.relation {
            ordered.push((r.span().start, self.resolve_relation(r, source.empty)?));
        }
        ordered.sort_by_key(|(at, _)| *at);
        let fields: Vec<Field> = ordered.into_iter().map(|(_, f)| f).collect();

        let mut by_key: HashMap<&str, &Field> = HashMap::new();
        for field in &fields {
            if let Some(first) = by_key.insert(&field.key, field) {
                return Err(TemplateError {
                    path: self.path.to_owned(),
                    line: Some(field.line),
                    key: Some(field.name.clone()),
                    message: format!(
                        "{} is defined twice (first on line {}); both would write the key '{}'",
                        field.describe(),
                        first.line,
                        field.key
                    ),
                });
            }
        }

        let mapped: HashMap<String, usize> = fields
            .iter()
            .map(|f| (normalize_header(&f.column), f.line))
            .chain(std::iter::once((normalize_header(&external_id_column), 0)))
            .collect();
        let mut ignore_columns = Vec::new();
        for c in &raw.ignore.columns {
            if let Some(line) = mapped.get(&normalize_header(c.get_ref())) {
                let place = if *line == 0 {
                    "as the external id".to_owned()
                } else {
                    format!("on line {line}")
                };
                return self.error(
                    c.span(),
                    "columns",
                    format!(
                        "column '{}' is ignored but also mapped {place}; remove one of the two",
                        c.get_ref()
                    ),
                );
            }
            ignore_columns.push(c.get_ref().trim().to_owned());
        }

        Ok(Template {
            path: self.path.to_owned(),
            target,
            source,
            external_id_column,
            fields,
            ignore_columns,
            ignore_others: raw.ignore.others,
        })
    }

    fn resolve_target(&self, raw: &RawTarget) -> Result<Target, TemplateError> {
        let type_key = self.key_for(&raw.type_name, "type", raw.type_key.as_ref(), "type_key")?;
        let plural_key = self.key_for(&raw.plural, "plural", raw.plural_key.as_ref(), "plural_key")?;
        for (value, key) in [(&raw.endpoint, "endpoint"), (&raw.token_url, "token_url")] {
            if let Some(v) = value
                && url::Url::parse(v.get_ref()).is_err()
            {
                return self.error(v.span(), key, format!("'{}' is not a URL", v.get_ref()));
            }
        }
        Ok(Target {
            type_name: raw.type_name.get_ref().trim().to_owned(),
            type_key,
            plural: raw.plural.get_ref().trim().to_owned(),
            plural_key,
            endpoint: raw.endpoint.as_ref().map(|s| s.get_ref().clone()),
            token_url: raw.token_url.as_ref().map(|s| s.get_ref().clone()),
        })
    }

    fn resolve_source(&self, raw: &RawSource) -> Result<Source, TemplateError> {
        let header_row = match &raw.header_row {
            None => 1,
            Some(h) => match u32::try_from(*h.get_ref()) {
                Ok(n @ 1..=1_048_576) => n,
                _ => {
                    return self.error(
                        h.span(),
                        "header_row",
                        format!(
                            "{} is not a row number; rows are numbered from 1, as in Excel",
                            h.get_ref()
                        ),
                    );
                }
            },
        };
        let delimiter = match &raw.delimiter {
            None => None,
            Some(d) => {
                let text = d.get_ref().as_str();
                let byte = match text {
                    "\\t" | "tab" | "TAB" => Some(b'\t'),
                    t if t.len() == 1 && !BAD_DELIMITERS.contains(&t.as_bytes()[0]) => Some(t.as_bytes()[0]),
                    _ => None,
                };
                match byte {
                    Some(b) => Some(b),
                    None => {
                        return self.error(
                            d.span(),
                            "delimiter",
                            format!("'{text}' is not a delimiter; use one ASCII character such as \";\" or \",\", or \"\\t\" for tab"),
                        );
                    }
                }
            }
        };
        let encoding = match &raw.encoding {
            None => None,
            Some(e) => match encoding_rs::Encoding::for_label(e.get_ref().trim().as_bytes()) {
                Some(enc) => Some(enc),
                None => {
                    return self.error(
                        e.span(),
                        "encoding",
                        format!(
                            "unknown encoding '{}'; use a WHATWG label such as \"utf-8\", \"utf-16\" or \"windows-1252\"",
                            e.get_ref()
                        ),
                    );
                }
            },
        };
        let mut date_formats = Vec::new();
        for f in raw.date_formats.iter().flatten() {
            if let Err(why) = check_date_format(f.get_ref()) {
                return self.error(f.span(), "date_formats", why);
            }
            date_formats.push(f.get_ref().clone());
        }
        Ok(Source {
            sheet: raw.sheet.clone(),
            header_row,
            delimiter,
            encoding,
            decimal_comma: raw.decimal_comma.unwrap_or(false),
            date_formats,
            empty: raw.empty.unwrap_or(EmptyPolicy::Clear),
        })
    }

    fn resolve_property(&self, raw: &Spanned<RawProperty>, empty: EmptyPolicy) -> Result<Field, TemplateError> {
        let p = raw.get_ref();
        let line = self.line_of(raw.span().start);
        let key = self.key_for(&p.name, "name", p.key.as_ref(), "key")?;
        let name = p.name.get_ref().trim();
        if name.eq_ignore_ascii_case("ExternalId") || key.eq_ignore_ascii_case("ExternalId") {
            return self.error(
                p.name.span(),
                "name",
                "a property may not be named 'ExternalId' (Relatics reserves it); the external id is set by [external_id]".into(),
            );
        }
        let property_type = match p.property_type {
            RawPropertyType::Text => PropertyType::Text,
            RawPropertyType::SingleLineText => PropertyType::SingleLineText,
            RawPropertyType::Number => PropertyType::Number,
            RawPropertyType::Date => PropertyType::Date,
            RawPropertyType::Url => PropertyType::Url,
            RawPropertyType::List => PropertyType::List {
                values: p.values.as_ref().map(|v| v.get_ref().clone()),
            },
        };
        if let Some(values) = &p.values {
            if !matches!(property_type, PropertyType::List { .. }) {
                return self.error(
                    values.span(),
                    "values",
                    format!("'values' applies to list properties only, and '{name}' is not a list"),
                );
            }
            let mut seen = std::collections::HashSet::new();
            for v in values.get_ref() {
                if v.trim().is_empty() || v.trim() != v {
                    return self.error(
                        values.span(),
                        "values",
                        format!("list value '{v}' is empty or has surrounding spaces"),
                    );
                }
                if !seen.insert(v) {
                    return self.error(values.span(), "values", format!("list value '{v}' is given twice"));
                }
            }
        }
        self.finish_field(
            name,
            key,
            &p.column,
            p.required,
            p.ownership,
            p.empty.unwrap_or(empty),
            FieldKind::Property(property_type),
            line,
            raw.span(),
        )
    }

    fn resolve_relation(&self, raw: &Spanned<RawRelation>, empty: EmptyPolicy) -> Result<Field, TemplateError> {
        let r = raw.get_ref();
        let line = self.line_of(raw.span().start);
        let key = self.key_for(&r.role, "role", r.key.as_ref(), "key")?;
        let targets = match (&r.target, &r.targets) {
            (Some(t), None) => TargetTypes::One(self.key_for(t, "target", r.target_key.as_ref(), "target_key")?),
            (None, Some(map)) if !map.get_ref().is_empty() => {
                let mut by_prefix = Vec::new();
                for (prefix, type_name) in map.get_ref() {
                    if prefix.is_empty() {
                        return self.error(map.span(), "targets", "a target prefix must not be empty".into());
                    }
                    by_prefix.push((prefix.clone(), encode_local_name(type_name)));
                }
                by_prefix.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
                TargetTypes::ByPrefix(by_prefix)
            }
            (Some(t), Some(_)) => {
                return self.error(
                    t.span(),
                    "target",
                    "give either 'target' (one target type) or 'targets' (a collection), not both".into(),
                );
            }
            _ => {
                return self.error(
                    raw.span(),
                    "target",
                    format!(
                        "relation '{}' needs 'target', the type element of its targets (for example target = \"Requirement\")",
                        r.role.get_ref()
                    ),
                );
            }
        };
        if let Some(s) = &r.separator
            && s.get_ref().is_empty()
        {
            return self.error(
                s.span(),
                "separator",
                "must not be empty; leave it out to split on line breaks and ';'".into(),
            );
        }
        let relation = Relation {
            targets,
            cardinality: r.cardinality.unwrap_or(Cardinality::Multi),
            separator: r.separator.as_ref().map(|s| s.get_ref().clone()),
        };
        self.finish_field(
            r.role.get_ref().trim(),
            key,
            &r.column,
            r.required,
            r.ownership,
            r.empty.unwrap_or(empty),
            FieldKind::Relation(relation),
            line,
            raw.span(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_field(
        &self,
        name: &str,
        key: String,
        column: &Spanned<String>,
        required: bool,
        ownership: Option<Ownership>,
        empty: EmptyPolicy,
        kind: FieldKind,
        line: usize,
        span: std::ops::Range<usize>,
    ) -> Result<Field, TemplateError> {
        if column.get_ref().trim().is_empty() {
            return self.error(column.span(), "column", "must name a column header of the sheet".into());
        }
        let ownership = ownership.unwrap_or(Ownership::External);
        if required && ownership == Ownership::Internal {
            return self.error(
                span,
                "required",
                format!(
                    "'{name}' is internal (owned by Relatics), so its column must stay empty and cannot be required"
                ),
            );
        }
        Ok(Field {
            name: name.to_owned(),
            key,
            column: column.get_ref().trim().to_owned(),
            required,
            ownership,
            empty,
            kind,
            line,
        })
    }
}

/// Checks a chrono format string: it must parse and name a year, a month and a day.
fn check_date_format(format: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    let items: Vec<Item> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(format!(
            "'{format}' is not a valid date format; use chrono/strftime codes such as \"%d-%m-%Y\""
        ));
    }
    let has = |codes: &[&str]| codes.iter().any(|c| format.contains(c));
    if !(has(&["%Y", "%y", "%C", "%G", "%F", "%D", "%x"]) && has(&["%m", "%b", "%B", "%h", "%F", "%D", "%x", "%j"])) {
        return Err(format!("'{format}' does not name a year and a month (e.g. %Y and %m)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[target]
type = "Requirement"
plural = "Requirements"

[source]
sheet = "Requirements"
header_row = 1

[external_id]
column = "ID"

[[property]]
name = "Name"
column = "Title"
type = "single-line-text"
required = true

[[property]]
name = "Due date"
column = "Due"
type = "date"

[[property]]
name = "Status"
column = "Status"
type = "list"
values = ["Draft", "Approved", "Rejected"]

[[property]]
name = "Verification remark"
column = "Remark"
type = "text"
ownership = "internal"

[[relation]]
role = "Is part of"
column = "Parent"
target = "Requirement"
cardinality = "single"

[ignore]
columns = ["Comments"]
"#;

    fn parse_str(text: &str) -> Result<Template, TemplateError> {
        parse(text, Path::new("t.toml"))
    }

    #[test]
    fn the_documented_example_resolves() {
        let t = parse_str(EXAMPLE).unwrap();
        assert_eq!(t.target.type_key, "Requirement");
        assert_eq!(t.target.plural_key, "Requirements");
        assert_eq!(t.source.header_row, 1);
        assert_eq!(t.external_id_column, "ID");
        let keys: Vec<&str> = t.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Name",
                "Due_x0020_date",
                "Status",
                "Verification_x0020_remark",
                "Is_x0020_part_x0020_of"
            ]
        );
        assert!(t.fields[0].required);
        assert!(t.fields[3].is_internal());
        assert_eq!(t.ignore_columns, ["Comments"]);
        assert_eq!(t.source.empty, EmptyPolicy::Clear);
    }

    fn error_of(text: &str) -> TemplateError {
        parse_str(text).expect_err("template should be rejected")
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let text = EXAMPLE.replace("column = \"Due\"", "colum = \"Due\"");
        let e = error_of(&text);
        assert_eq!(e.key.as_deref(), Some("colum"));
        let line = text.lines().position(|l| l.starts_with("colum ")).unwrap() + 1;
        assert_eq!(e.line, Some(line));
        assert!(e.to_string().contains("t.toml"), "{e}");
    }

    #[test]
    fn unknown_type_is_rejected_with_line() {
        let text = EXAMPLE.replace("type = \"date\"", "type = \"datum\"");
        let e = error_of(&text);
        let line = text.lines().position(|l| l.contains("\"datum\"")).unwrap() + 1;
        assert_eq!(e.line, Some(line));
        assert!(e.message.contains("datum"), "{e}");
    }

    #[test]
    fn rejections() {
        let cases: &[(&str, &str, &str)] = &[
            ("name = \"Status\"", "name = \"Name\"", "defined twice"),
            ("name = \"Status\"", "name = \"ExternalId\"", "ExternalId"),
            ("name = \"Status\"", "name = \"externalid\"", "ExternalId"),
            ("header_row = 1", "header_row = 0", "row number"),
            ("header_row = 1", "header_row = 1\ndelimiter = \";;\"", "delimiter"),
            (
                "header_row = 1",
                "header_row = 1\nencoding = \"klingon\"",
                "unknown encoding",
            ),
            (
                "header_row = 1",
                "header_row = 1\ndate_formats = [\"%Q\"]",
                "not a valid date format",
            ),
            ("header_row = 1", "header_row = 1\ndate_formats = [\"%d\"]", "year"),
            ("columns = [\"Comments\"]", "columns = [\"due\"]", "also mapped"),
            ("target = \"Requirement\"\n", "", "needs 'target'"),
            (
                "type = \"date\"",
                "type = \"date\"\nvalues = [\"a\"]",
                "list properties only",
            ),
            (
                "ownership = \"internal\"",
                "ownership = \"internal\"\nrequired = true",
                "cannot be required",
            ),
            (
                "name = \"Name\"",
                "name = \"Name\"\nkey = \"Na me\"",
                "not a valid escaped name",
            ),
            ("[ignore]", "[ignore]\nbogus = 1", "unknown field"),
        ];
        for (from, to, expect) in cases {
            let text = EXAMPLE.replacen(from, to, 1);
            assert_ne!(text, EXAMPLE, "case {to:?} did not change the template");
            let e = error_of(&text);
            assert!(e.to_string().contains(expect), "case {to:?}: {e}");
            assert!(e.line.is_some(), "case {to:?} has no line: {e}");
        }
    }

    #[test]
    fn literal_keys_bypass_the_encoder() {
        let text = EXAMPLE
            .replace("name = \"Due date\"", "name = \"Due date\"\nkey = \"Due_x0020_Date\"")
            .replace(
                "plural = \"Requirements\"",
                "plural = \"Requirements\"\nplural_key = \"Reqs\"",
            );
        let t = parse_str(&text).unwrap();
        assert_eq!(t.fields[1].key, "Due_x0020_Date");
        assert_eq!(t.target.plural_key, "Reqs");
    }

    #[test]
    fn fields_keep_file_order_when_interleaved() {
        let text = r#"
[target]
type = "Object"
plural = "Objects"
[external_id]
column = "Code"
[[relation]]
role = "Located in"
column = "Area"
target = "Area"
[[property]]
name = "Name"
column = "Name"
type = "text"
"#;
        let t = parse_str(text).unwrap();
        let names: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Located in", "Name"]);
    }

    #[test]
    fn collection_targets_sort_longest_prefix_first() {
        let text = r#"
[target]
type = "Object"
plural = "Objects"
[external_id]
column = "Code"
[[relation]]
role = "Refers to"
column = "Refs"
targets = { "F-" = "Facility", "FA-" = "Fault area" }
"#;
        let t = parse_str(text).unwrap();
        let FieldKind::Relation(r) = &t.fields[0].kind else {
            panic!("relation expected")
        };
        let TargetTypes::ByPrefix(p) = &r.targets else {
            panic!("prefixes expected")
        };
        assert_eq!(p[0], ("FA-".to_owned(), "Fault_x0020_area".to_owned()));
        assert_eq!(p[1], ("F-".to_owned(), "Facility".to_owned()));
    }
}
