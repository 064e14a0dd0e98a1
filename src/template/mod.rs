//! The column template: which sheet column becomes which Relatics property or relation.
//!
//! A template is TOML. It is read with serde into the `Raw*` types (unknown keys are errors, so
//! a typo never passes silently), then checked once into [`Template`], the resolved form the
//! rest of relsync trusts: names escaped, options defaulted, contradictions rejected. Every
//! error names the file, the line and the key. The reference for users is the README section
//! "The template".

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lookup::Lookups;

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

/// What a delimited record with more or fewer fields than the header is (`source.ragged`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ragged {
    /// An error (`extra-cell`, `missing-cell`): values would land in the wrong properties.
    Error,
    /// Accepted: missing fields are empty, extra ones are unmapped.
    Allow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cardinality {
    Single,
    Multi,
}

mod raw;
mod resolve;

use raw::RawTemplate;
use resolve::Resolver;
pub(crate) use resolve::parse_size;

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
    pub limits: Limits,
}

/// How much of a file relsync reads (`[limits]`); see `input::Limits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_part_size: u64,
    pub max_shared_strings: u64,
    pub max_columns: u32,
    pub max_rows: u32,
    pub max_cells: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_part_size: 4 << 30,
            max_shared_strings: 1 << 30,
            max_columns: 16_384,
            max_rows: 10_000_000,
            max_cells: 25_000_000,
        }
    }
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
    pub ragged: Ragged,
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
    /// Names to element IDs, when the cells hold names (`lookup = "..."`).
    pub lookup: Option<std::sync::Arc<crate::lookup::Lookup>>,
    /// The project interface whose elements the targets are (`lookup = "interface:objects"`):
    /// its number in the project file.
    pub interface: Option<usize>,
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

impl Template {
    /// The names of its relations' targets, from their lookup files (project interfaces are
    /// added by the project's run), for showing beside IDs.
    pub fn target_names(&self) -> crate::lookup::TargetNames {
        let mut names = crate::lookup::TargetNames::default();
        for field in &self.fields {
            if let FieldKind::Relation(r) = &field.kind
                && let Some(lookup) = &r.lookup
            {
                names.add(&field.key, std::sync::Arc::clone(lookup));
            }
        }
        names
    }
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

/// The kind of input `path` names, by its extension.
pub fn input_format(path: &Path) -> anyhow::Result<crate::input::InputFormat> {
    use crate::input::InputFormat;
    if path.is_dir() {
        anyhow::bail!("{} is a folder: give the sheet file itself", path.display());
    }
    InputFormat::of(path).ok_or_else(|| {
        anyhow::anyhow!(
            "cannot read {}: relsync reads {} files (the format comes from the extension)",
            path.display(),
            InputFormat::EXTENSIONS
        )
    })
}

impl Template {
    /// What to read of `input` with this template: the sheet (`sheet`, else the template's
    /// `source.sheet`), the options for delimited text, and the limits.
    pub fn input_spec(&self, input: &Path, sheet: Option<&str>) -> anyhow::Result<crate::input::InputSpec> {
        use crate::input::{DelimitedOptions, InputSpec, XlsxReader};
        let format = input_format(input)?;
        if format.is_delimited() && sheet.is_some() {
            anyhow::bail!(
                "--sheet applies to workbooks; {} is delimited text with a single sheet",
                input.display()
            );
        }
        let sheet = if format.is_delimited() {
            None
        } else {
            sheet.map(str::to_owned).or_else(|| self.source.sheet.clone())
        };
        Ok(InputSpec {
            path: input.to_owned(),
            format,
            sheet,
            delimited: DelimitedOptions {
                delimiter: self.source.delimiter,
                encoding: self.source.encoding,
            },
            xlsx_reader: XlsxReader::from_env(),
            limits: crate::input::Limits {
                part_size: self.limits.max_part_size,
                shared_strings: self.limits.max_shared_strings,
                columns: self.limits.max_columns,
                rows: self.limits.max_rows,
                cells: u64::from(self.limits.max_cells),
            },
        })
    }
}

/// Headers match when they are equal after trimming and ignoring case.
pub fn normalize_header(header: &str) -> String {
    header.trim().to_lowercase()
}

/// Reads and checks a template file.
pub fn load(path: &Path) -> Result<Template, TemplateError> {
    load_with(path, &mut Lookups::default())
}

/// What a template is read within: the lookup files loaded so far, and (in a project) the
/// names of the project's interfaces, which `lookup = "interface:NAME"` may name.
pub struct Context<'a> {
    pub lookups: &'a mut Lookups,
    pub interfaces: Option<&'a [String]>,
}

/// The prefix of a lookup that names a project interface.
pub const INTERFACE_LOOKUP: &str = "interface:";

/// The largest template read: a template is a shared file, and the largest real one (16,384
/// columns, each commented) is a few megabytes.
pub const MAX_TEMPLATE: u64 = 64 << 20;

/// Reads and checks a template file, taking lookup files from `lookups` (each is loaded once
/// however many relations and templates name it).
pub fn load_with(path: &Path, lookups: &mut Lookups) -> Result<Template, TemplateError> {
    load_in(
        path,
        Context {
            lookups,
            interfaces: None,
        },
    )
}

/// Reads and checks a template file within `context`.
pub fn load_in(path: &Path, context: Context<'_>) -> Result<Template, TemplateError> {
    let fail = |message: String| TemplateError {
        path: path.to_owned(),
        line: None,
        key: None,
        message,
    };
    let text = crate::small::read_named_text(path, MAX_TEMPLATE).map_err(|e| fail(format!("cannot read it: {e}")))?;
    parse_in(&text, path, context)
}

/// Reads a template for what it says of bodies alone (`diff` of two bodies): relations to
/// project interfaces (`lookup = "interface:NAME"`) are taken as they are, without the
/// project, their targets then known by ID only. The names of those interfaces come with it.
pub fn load_outside_project(path: &Path) -> Result<(Template, Vec<String>), TemplateError> {
    let text = crate::small::read_named_text(path, MAX_TEMPLATE).map_err(|e| TemplateError {
        path: path.to_owned(),
        line: None,
        key: None,
        message: format!("cannot read it: {e}"),
    })?;
    // The names its relations give; a template that does not parse says why below.
    let mut names: Vec<String> = Vec::new();
    if let Ok(table) = toml::from_str::<toml::Table>(&text)
        && let Some(relations) = table.get("relation").and_then(toml::Value::as_array)
    {
        for lookup in relations.iter().filter_map(|r| r.get("lookup")?.as_str()) {
            if let Some(name) = lookup.trim().strip_prefix(INTERFACE_LOOKUP)
                && !names.iter().any(|n| n == name.trim())
            {
                names.push(name.trim().to_owned());
            }
        }
    }
    let template = parse_in(
        &text,
        path,
        Context {
            lookups: &mut Lookups::default(),
            interfaces: Some(&names),
        },
    )?;
    Ok((template, names))
}

/// Parses and checks template text; `path` is only used in messages (and to find lookups).
pub fn parse(text: &str, path: &Path) -> Result<Template, TemplateError> {
    parse_with(text, path, &mut Lookups::default())
}

/// [`parse`], taking lookup files from `lookups`.
pub fn parse_with(text: &str, path: &Path, lookups: &mut Lookups) -> Result<Template, TemplateError> {
    parse_in(
        text,
        path,
        Context {
            lookups,
            interfaces: None,
        },
    )
}

/// [`parse`] within `context`.
pub fn parse_in(text: &str, path: &Path, context: Context<'_>) -> Result<Template, TemplateError> {
    let resolver = Resolver::new(text, path, context);
    let raw: RawTemplate = toml::from_str(text).map_err(|e| {
        let span = e.span();
        let (key, message) = match closed_set_error(text, span.clone(), e.message().trim()) {
            Some(message) => (None, message),
            None => explain_toml_error(text, span.clone(), e.message().trim()),
        };
        TemplateError {
            path: path.to_owned(),
            line: span.map(|s| resolver.line_of(s.start)),
            key,
            message,
        }
    })?;
    resolver.resolve(raw)
}

/// A key with a closed set of names (`type`, `ragged`, ...) given something other than text
/// (`type = 5`): toml says only "wanted string or table". Reading the template again with text
/// in its place makes serde name the allowed values, for the message.
fn closed_set_error(text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> Option<String> {
    if !message.starts_with("wanted string or table") {
        return None;
    }
    let span = span?;
    let found = text.get(span.clone())?.trim();
    const MARK: &str = "relsync-probe";
    let probe = format!("{}\"{MARK}\"{}", text.get(..span.start)?, text.get(span.end..)?);
    let e = toml::from_str::<RawTemplate>(&probe).err()?;
    let (_, explained) = explain_toml_error(&probe, e.span(), e.message().trim());
    // "`type` must be one of 'a' or 'b', not 'relsync-probe'": put what was written in its place.
    let (head, _) = explained.split_once(&format!(", not '{MARK}'"))?;
    Some(format!("{head}, written in double quotes, not {found}"))
}

/// The key a TOML error is about, and the error in the words a template's author thinks in:
/// "`type` must be one of ...; did you mean 'number'?" rather than serde's "unknown variant".
pub(crate) fn explain_toml_error(
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
) -> (Option<String>, String) {
    // Values and keys of a template can be megabytes long; an error shows their ends.
    const SHOWN: usize = 2000;
    let (key, explained) = explain(text, span, message);
    (
        key.map(|k| crate::problem::clip_middle(&k, 200)),
        crate::problem::clip_middle(&explained, SHOWN),
    )
}

fn explain(text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> (Option<String>, String) {
    let spanned = span
        .clone()
        .and_then(|s| text.get(s))
        .map(|k| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty() && !k.contains(['\n', '[', '=', ' ']));
    let value = span
        .clone()
        .and_then(|s| text.get(s))
        .map(str::trim)
        .unwrap_or_default();
    // When the span is a value (`type = "Number"`), the key is what stands before the `=`.
    let assigned = span.and_then(|s| {
        let line_start = text[..s.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[line_start..s.start.min(text.len())];
        let eq = line.find('=')?;
        let key = line[..eq].trim().trim_matches('"');
        (!key.is_empty()).then(|| key.to_owned())
    });
    let quoted = |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    if let (Some(rest), Some(key)) = (message.strip_prefix("unknown variant "), &assigned) {
        let mut tokens = quoted(rest);
        let found = if tokens.is_empty() {
            String::new()
        } else {
            tokens.remove(0)
        };
        let allowed = match tokens.len() {
            0 => String::new(),
            1 => format!("'{}'", tokens[0]),
            n => format!(
                "{} or '{}'",
                tokens[..n - 1]
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
                tokens[n - 1]
            ),
        };
        let hint = crate::suggest::closest(&found, tokens.iter().map(String::as_str))
            .map(|s| format!("; did you mean '{s}'?"))
            .unwrap_or_default();
        return (None, format!("`{key}` must be one of {allowed}, not '{found}'{hint}"));
    }
    if let Some(key) = &assigned {
        if message.contains("untagged enum RawSize") {
            return (
                None,
                format!(
                    "`{key}` must be a size: a whole number of bytes, or text such as \"8 GiB\" or \"500 MB\", not {value}"
                ),
            );
        }
        // toml reads a whole number beyond i64 as "integer `N` as i128"; serde then says "i64".
        if message.contains(" as i128")
            || message.starts_with("invalid value: integer") && message.ends_with("expected i64")
        {
            return (None, format!("`{key}` is too large a number ({value})"));
        }
    }
    if let (Some(rest), Some(key)) = (message.strip_prefix("invalid type: "), &assigned) {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        let wanted = match expected {
            "a boolean" => "true or false",
            "a string" => "text in double quotes",
            "i64" | "an integer" => "a whole number",
            "a sequence" => "a list in square brackets, e.g. [\"a\", \"b\"]",
            other => other,
        };
        let found = rest.split(", expected ").next().unwrap_or(rest);
        return (None, format!("`{key}` must be {wanted}, not {found}"));
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let mut tokens = quoted(rest);
        let found = if tokens.is_empty() {
            String::new()
        } else {
            tokens.remove(0)
        };
        let hint = crate::suggest::closest(&found, tokens.iter().map(String::as_str))
            .map(|s| format!("; did you mean '{s}'?"))
            .unwrap_or_default();
        let allowed = tokens.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
        return (
            spanned,
            format!("'{found}' is not a template key here (the keys here are {allowed}){hint}"),
        );
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        let hint = match field {
            "target" => "a template needs a [target] section with the type element's `type` and `plural`",
            "external_id" => "a template needs an [external_id] section naming the `column` of the external id",
            _ => "",
        };
        if !hint.is_empty() {
            return (
                None,
                format!("this is not a relsync template: {hint} (see templates/requirements.toml)"),
            );
        }
        return (spanned, format!("`{field}` is missing"));
    }
    // When the span is a value, the key is the one it is assigned to, not the value itself.
    (assigned.or(spanned), message.to_owned())
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
        assert_eq!(
            e.to_string(),
            format!(
                "invalid template t.toml, line {line}: `type` must be one of 'text', 'single-line-text', 'number', \
                 'date', 'list' or 'url', not 'datum'; did you mean 'date'?"
            )
        );
    }

    #[test]
    fn closed_sets_are_explained_in_the_words_users_think_in() {
        for (from, to, expect) in [
            (
                "type = \"date\"",
                "type = \"Number\"",
                "`type` must be one of 'text', 'single-line-text', 'number', 'date', 'list' or 'url', not 'Number'; did you mean 'number'?",
            ),
            (
                "cardinality = \"single\"",
                "cardinality = \"Single\"",
                "`cardinality` must be one of 'single' or 'multi', not 'Single'; did you mean 'single'?",
            ),
            (
                "ownership = \"internal\"",
                "ownership = \"Internal\"",
                "`ownership` must be one of 'external' or 'internal', not 'Internal'; did you mean 'internal'?",
            ),
            (
                "header_row = 1",
                "header_row = 1\nempty = \"Omit\"",
                "`empty` must be one of 'clear', 'omit' or 'null', not 'Omit'; did you mean 'omit'?",
            ),
            (
                "required = true",
                "required = \"yes\"",
                "`required` must be true or false, not string \"yes\"",
            ),
        ] {
            let text = EXAMPLE.replacen(from, to, 1);
            let e = error_of(&text);
            assert_eq!(e.message, expect, "{to}");
            let line = text
                .lines()
                .position(|l| l.contains(to.lines().last().unwrap()))
                .unwrap()
                + 1;
            assert_eq!(e.line, Some(line), "{to}");
        }
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
            ("[ignore]", "[ignore]\nbogus = 1", "is not a template key here"),
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
