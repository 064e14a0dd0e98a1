//! From the raw TOML types to a checked [`Template`]: names escaped, options defaulted,
//! contradictions rejected with the line and key.

use std::collections::HashMap;
use std::path::Path;

use toml::Spanned;

use super::raw::{RawLimits, RawProperty, RawPropertyType, RawRelation, RawSize, RawSource, RawTarget, RawTemplate};
use super::{
    Cardinality, EmptyPolicy, Field, FieldKind, Limits, Ownership, PropertyType, Ragged, Relation, Source, Target,
    TargetTypes, Template, TemplateError, normalize_header,
};
use crate::lookup::Lookups;
use crate::names::{encode_local_name, is_valid_local_name};

pub(super) struct Resolver<'a> {
    path: &'a Path,
    /// Where each line starts (byte offsets), to name the line of a key in one step.
    line_starts: Vec<usize>,
    lookups: std::cell::RefCell<&'a mut Lookups>,
    /// A project's interfaces, which `lookup = "interface:NAME"` may name.
    interfaces: Option<&'a [String]>,
}

/// The longest name (type, plural, property, role) a template may give: names are quoted in
/// messages, and no Relatics name comes near it.
const MAX_NAME: usize = 1000;

/// Characters a one-byte CSV delimiter may not be.
const BAD_DELIMITERS: &[u8] = b"\"\r\n";

impl<'a> Resolver<'a> {
    pub(super) fn new(text: &'a str, path: &'a Path, context: super::Context<'a>) -> Resolver<'a> {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Resolver {
            path,
            line_starts,
            lookups: std::cell::RefCell::new(context.lookups),
            interfaces: context.interfaces,
        }
    }

    /// The 1-based line of a byte offset.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset).max(1)
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
        let chars = name.get_ref().trim().chars().count();
        if chars > MAX_NAME {
            return self.error(
                name.span(),
                name_key,
                format!(
                    "is {} characters long; names in Relatics are far shorter (at most {MAX_NAME} here): check it",
                    crate::problem::thousands(chars as u64)
                ),
            );
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

    pub(super) fn resolve(&self, raw: RawTemplate) -> Result<Template, TemplateError> {
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
            limits: self.resolve_limits(&raw.limits)?,
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
            // Excel's way of writing a format (`dd-mm-yyyy`) is taken as the chrono form it means.
            let format = excel_date_format(f.get_ref()).unwrap_or_else(|| f.get_ref().clone());
            if !format.contains('%') {
                return self.error(
                    f.span(),
                    "date_formats",
                    format!(
                        "'{format}' is not a date format relsync reads; write it as Excel does with d, dd, m, mm, yy \
                         and yyyy (\"dd-mm-yyyy\"), a time after it with h, hh, mm and ss (\"dd-mm-yyyy hh:mm\"), or \
                         with chrono's codes (\"%d-%m-%Y\")"
                    ),
                );
            }
            if let Err(why) = check_date_format(&format) {
                return self.error(f.span(), "date_formats", why);
            }
            date_formats.push(format);
        }
        Ok(Source {
            sheet: raw.sheet.clone(),
            header_row,
            delimiter,
            encoding,
            decimal_comma: raw.decimal_comma.unwrap_or(false),
            date_formats,
            empty: raw.empty.unwrap_or(EmptyPolicy::Clear),
            ragged: raw.ragged.unwrap_or(Ragged::Error),
        })
    }

    fn resolve_limits(&self, raw: &RawLimits) -> Result<Limits, TemplateError> {
        let defaults = Limits::default();
        let size = |value: &Option<Spanned<RawSize>>, key: &str, default: u64| -> Result<u64, TemplateError> {
            let Some(v) = value else { return Ok(default) };
            let parsed = match v.get_ref() {
                RawSize::Bytes(n) => u64::try_from(*n).ok().filter(|n| *n > 0),
                RawSize::Text(t) => parse_size(t),
            };
            parsed.map_or_else(
                || {
                    self.error(
                        v.span(),
                        key,
                        "must be a size: bytes as a number, or text such as \"8 GiB\" or \"500 MB\"".into(),
                    )
                },
                Ok,
            )
        };
        let count = |value: &Option<Spanned<i64>>, key: &str, default: u32| -> Result<u32, TemplateError> {
            let Some(v) = value else { return Ok(default) };
            match u32::try_from(*v.get_ref()) {
                Ok(n) if n > 0 => Ok(n),
                _ => self.error(v.span(), key, format!("must be a whole number from 1 to {}", u32::MAX)),
            }
        };
        Ok(Limits {
            max_part_size: size(&raw.max_part_size, "max_part_size", defaults.max_part_size)?,
            max_shared_strings: size(
                &raw.max_shared_strings,
                "max_shared_strings",
                defaults.max_shared_strings,
            )?,
            max_columns: count(&raw.max_columns, "max_columns", defaults.max_columns)?,
            max_rows: count(&raw.max_rows, "max_rows", defaults.max_rows)?,
            max_cells: count(&raw.max_cells, "max_cells", defaults.max_cells)?,
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
        let mut interface = None;
        let lookup = match &r.lookup {
            Some(file) if file.get_ref().trim().starts_with(super::INTERFACE_LOOKUP) => {
                interface = Some(self.interface_lookup(file, r)?);
                None
            }
            None => {
                for (field, key) in [(&r.lookup_id, "lookup_id"), (&r.lookup_name, "lookup_name")] {
                    if let Some(f) = field {
                        return self.error(
                            f.span(),
                            key,
                            "applies only with 'lookup' (the file of names and IDs)".into(),
                        );
                    }
                }
                None
            }
            Some(file) => {
                let path = match self.path.parent() {
                    Some(dir) if !dir.as_os_str().is_empty() => dir.join(file.get_ref()),
                    _ => std::path::PathBuf::from(file.get_ref()),
                };
                let fields = crate::lookup::Fields {
                    id: r.lookup_id.as_ref().map(|f| f.get_ref().clone()),
                    name: r.lookup_name.as_ref().map(|f| f.get_ref().clone()),
                };
                match self.lookups.borrow_mut().load(&path, &fields) {
                    Ok(lookup) => Some(lookup),
                    Err(e) => return self.error(file.span(), "lookup", e.to_string()),
                }
            }
        };
        let relation = Relation {
            targets,
            cardinality: r.cardinality.unwrap_or(Cardinality::Multi),
            separator: r.separator.as_ref().map(|s| s.get_ref().clone()),
            lookup,
            interface,
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

    /// `lookup = "interface:NAME"`: the number of that interface in the project, which the
    /// template must be read within.
    fn interface_lookup(&self, file: &Spanned<String>, r: &RawRelation) -> Result<usize, TemplateError> {
        let name = file.get_ref().trim()[super::INTERFACE_LOOKUP.len()..].trim();
        for (field, key) in [(&r.lookup_id, "lookup_id"), (&r.lookup_name, "lookup_name")] {
            if let Some(f) = field {
                return self.error(
                    f.span(),
                    key,
                    "applies to lookup files; an interface's elements are named by its name_property in the \
                     project file"
                        .into(),
                );
            }
        }
        let Some(interfaces) = self.interfaces else {
            return self.error(
                file.span(),
                "lookup",
                format!(
                    "'{}' names an interface of a project, whose elements this run would create or know: check or \
                     submit the project file (relsync check relsync.toml), which reads every interface's sheet",
                    file.get_ref().trim()
                ),
            );
        };
        match interfaces.iter().position(|i| i == name) {
            Some(index) => Ok(index),
            None => {
                let hint = crate::suggest::closest(name, interfaces.iter().map(String::as_str))
                    .map(|s| format!("; did you mean 'interface:{s}'?"))
                    .unwrap_or_default();
                let known = interfaces
                    .iter()
                    .map(|i| format!("'{i}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.error(
                    file.span(),
                    "lookup",
                    format!("the project has no interface '{name}' (it has {known}){hint}"),
                )
            }
        }
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

/// `"8 GiB"`, `"500 MB"`, `"2048 KiB"`, `"100"` (bytes) as bytes.
pub(crate) fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (1.0..1.8e19).contains(&bytes).then_some(bytes as u64)
}

/// An Excel-style date pattern (`dd-mm-yyyy`, `d/m/yy`, `yyyy.mm.dd`), with a time of day
/// after it if the cells have one (`dd-mm-yyyy hh:mm`, `d-m-yyyy h:mm:ss`), as the chrono
/// format it means (`%d-%m-%Y %H:%M`); `None` for anything else, chrono formats included. As
/// in Excel, `m` or `mm` after the hour is minutes.
pub(super) fn excel_date_format(pattern: &str) -> Option<String> {
    if pattern.contains('%') {
        return None;
    }
    let mut out = String::new();
    let (mut day, mut month, mut year) = (false, false, false);
    let (mut hour, mut minute, mut second) = (false, false, false);
    let chars: Vec<char> = pattern.trim().chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].to_ascii_lowercase();
        let run = chars[i..].iter().take_while(|x| x.to_ascii_lowercase() == c).count();
        match (c, run) {
            ('d', 1 | 2) if !day => {
                out.push_str("%d");
                day = true;
            }
            ('h', 1 | 2) if !hour && day && month && year => {
                out.push_str("%H");
                hour = true;
            }
            ('m', 1 | 2) if hour && !minute => {
                out.push_str("%M");
                minute = true;
            }
            ('s', 1 | 2) if minute && !second => {
                out.push_str("%S");
                second = true;
            }
            (':', 1) if hour => out.push(':'),
            ('m', 1 | 2) if !month => {
                out.push_str("%m");
                month = true;
            }
            ('y', 2) if !year => {
                out.push_str("%y");
                year = true;
            }
            ('y', 4) if !year => {
                out.push_str("%Y");
                year = true;
            }
            ('-' | '/' | '.' | ' ', 1) => out.push(c),
            _ => return None,
        }
        i += run;
    }
    (day && month && year && hour == minute).then_some(out)
}

/// Checks a chrono format string: it must parse and name a year, a month and a day.
fn check_date_format(format: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    let items: Vec<Item> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(format!(
            "'{format}' is not a valid date format; write it as Excel does (\"dd-mm-yyyy\") or with chrono's codes \
             (\"%d-%m-%Y\")"
        ));
    }
    let has = |codes: &[&str]| codes.iter().any(|c| format.contains(c));
    if !(has(&["%Y", "%y", "%C", "%G", "%F", "%D", "%x"]) && has(&["%m", "%b", "%B", "%h", "%F", "%D", "%x", "%j"])) {
        return Err(format!(
            "'{format}' does not name a day, a month and a year; write it as Excel does (\"dd-mm-yyyy\") or with \
             chrono's codes (\"%d-%m-%Y\")"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8 GiB"), Some(8 << 30));
        assert_eq!(parse_size("500 MB"), Some(500_000_000));
        assert_eq!(parse_size("1.5kib"), Some(1536));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("5 parsecs"), None);
    }

    #[test]
    fn excel_style_date_formats() {
        for (excel, chrono) in [
            ("dd-mm-yyyy", Some("%d-%m-%Y")),
            ("DD-MM-YYYY", Some("%d-%m-%Y")),
            ("d/m/yy", Some("%d/%m/%y")),
            ("yyyy.mm.dd", Some("%Y.%m.%d")),
            ("mm/dd/yyyy", Some("%m/%d/%Y")),
            ("dd mm yyyy", Some("%d %m %Y")),
            ("%d-%m-%Y", None),
            ("dd-mmm-yyyy", None),
            ("dd-mm", None),
            ("yyy-mm-dd", None),
            ("dd-mm-yyyy hh:mm", Some("%d-%m-%Y %H:%M")),
            ("dd-mm-yyyy hh:mm:ss", Some("%d-%m-%Y %H:%M:%S")),
            ("d-m-yyyy h:mm", Some("%d-%m-%Y %H:%M")),
            ("dd-mm-yyyy hh", None),
            ("hh:mm dd-mm-yyyy", None),
            ("dd-mm-yyyy hh:mm:ss:ss", None),
        ] {
            assert_eq!(excel_date_format(excel).as_deref(), chrono, "{excel}");
        }
    }
}
