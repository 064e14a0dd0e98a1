//! `relsync template init`: from an export to a working template in one step.
//!
//! The sheet is read once and profiled ([`profile`]); the header row is found ([`header`]);
//! each column's type, whether it is required, which column is the external id and which
//! columns are relations are guessed from the values ([`guess`]); and the template is written as
//! commented TOML that `convert` reads as it is ([`write`]). With Relatics' own Excel sync
//! template ([`sync`]) the names come from Relatics, matched to the export's headers.

mod guess;
mod header;
mod profile;
mod sync;
mod write;

use std::collections::{HashMap, HashSet};

use anyhow::{Context as _, bail};

use crate::input::InputSpec;
use guess::{Guess, Kind};
use write::{Draft, quoted, singular};

/// What `template init` is asked to do.
pub struct InitSettings {
    pub input: InputSpec,
    /// The header row, when the user knows it.
    pub header_row: Option<u32>,
    /// Relatics' Excel sync template for the interface.
    pub sync: Option<InputSpec>,
    /// The sheet's interface name in a project, for relations to its own rows.
    pub interface: Option<String>,
    /// How the command was called, for the template's first line.
    pub command: String,
}

/// A template and what to tell the user about it.
pub struct Authored {
    pub toml: String,
    pub notes: Vec<String>,
    /// The interface name the template's relations to its own rows use, when it has any: it
    /// is checked in a project, not on its own.
    pub interface: Option<String>,
    /// The header of the column those relations name rows by, when it is not one of the
    /// default name properties (the project's `name_property`).
    pub name_property: Option<String>,
}

/// Makes a template for `settings.input`.
pub fn init(settings: &InitSettings) -> anyhow::Result<Authored> {
    let mut notes = Vec::new();
    // Standard input can be read once; the encoding may need a second read, so keep a copy.
    let _copy;
    let mut input = settings.input.clone();
    if input.path.as_os_str() == "-" {
        let dir = tempfile::tempdir().context("copying standard input")?;
        let path = dir.path().join("standard-input.csv");
        let mut file = std::fs::File::create(&path).context("copying standard input")?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file).context("copying standard input")?;
        input.path = path;
        _copy = dir;
    }
    let profile = match profile::profile(&input, settings.header_row) {
        // Text that is not UTF-8 is most often Windows-1252 (Excel's "CSV" on Western Windows).
        Err(crate::input::InputError::Delimited {
            cause: crate::input::DelimitedError::Encoding { .. },
            ..
        }) if settings.input.delimited.encoding.is_none() => {
            let mut spec = input.clone();
            spec.delimited.encoding = Some(encoding_rs::WINDOWS_1252);
            notes.push("the text is not UTF-8; it was read as windows-1252 (check the accents)".to_owned());
            profile::profile(&spec, settings.header_row)?
        }
        other => other?,
    };
    let guesses = guess::guess(&profile);
    let Some(id_col) = guesses.external_id else {
        let long = if profile.long_headers.is_empty() {
            String::new()
        } else {
            format!(
                " ({} of its cells hold texts longer than any Relatics name, {} characters at most, which are no \
                 headers)",
                crate::problem::thousands(profile.long_headers.len() as u64),
                profile::MAX_NAME_CHARS
            )
        };
        bail!(
            "{} has no column headers to make a template from (header row {}{long}); give --header-row N",
            settings.input.path.display(),
            profile.header_row
        );
    };
    let header_row = profile.header_row;
    let id_header = profile.headers[id_col].trim().to_owned();
    notes.insert(0, format!("header row: {}", profile.why));

    let sync = match &settings.sync {
        Some(spec) => match sync::read(spec, profile.info.sheet.as_deref())? {
            Ok(mut sync) => {
                if !sync.repeated.is_empty() {
                    notes.push(format!(
                        "the sync template names {} more than once; each is matched to one column",
                        some_of(&sync.repeated, |n| format!("'{}'", crate::problem::clip(n, 100)))
                    ));
                }
                // A name no Relatics name comes near in length is not one.
                let long: Vec<usize> = sync
                    .names
                    .iter()
                    .filter(|n| n.chars().count() > profile::MAX_NAME_CHARS)
                    .map(|n| n.chars().count())
                    .collect();
                if !long.is_empty() {
                    sync.names.retain(|n| n.chars().count() <= profile::MAX_NAME_CHARS);
                    notes.push(format!(
                        "{} name{} of the sync template {} longer than any Relatics name ({} characters): left out",
                        long.len(),
                        if long.len() == 1 { "" } else { "s" },
                        if long.len() == 1 { "is" } else { "are" },
                        some_of(&long, |n| crate::problem::thousands(*n as u64))
                    ));
                }
                Some(sync)
            }
            Err(why) => bail!("{why}"),
        },
        None => None,
    };
    let plural = sync
        .as_ref()
        .and_then(|s| s.sheet.clone())
        .or_else(|| profile.info.sheet.clone())
        .or_else(|| {
            settings
                .input
                .path
                .file_stem()
                .filter(|_| settings.input.path.as_os_str() != "-")
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "Elements".to_owned());

    let mut source = Vec::new();
    if let Some(sheet) = &profile.info.sheet {
        source.push(("sheet".to_owned(), quoted(sheet), String::new()));
    }
    source.push(("header_row".to_owned(), header_row.to_string(), profile.why.clone()));
    if let Some((delimiter, detected)) = profile.info.delimiter {
        let shown = if delimiter == b'\t' {
            "\\t".to_owned()
        } else {
            char::from(delimiter).to_string()
        };
        let comment = if detected { "detected" } else { "" };
        source.push(("delimiter".to_owned(), quoted(&shown), comment.to_owned()));
    }
    if let Some(encoding) = profile.info.encoding
        && encoding != "UTF-8"
    {
        source.push(("encoding".to_owned(), quoted(encoding), "detected".to_owned()));
    }
    if guesses.decimal_comma {
        source.push((
            "decimal_comma".to_owned(),
            "true".to_owned(),
            if guesses.decimal_comma_guessed {
                // `1.500` is 1500 here, but 1.5 in an English export.
                "check: numbers such as 1.500 read either way; taken as 1500, as a ;-separated export writes them \
                 (1.234,5)"
                    .to_owned()
            } else {
                "numbers are written 1.234,5".to_owned()
            },
        ));
    }
    if !guesses.date_formats.is_empty() {
        let list: Vec<String> = guesses.date_formats.iter().map(|f| quoted(f)).collect();
        source.push((
            "date_formats".to_owned(),
            format!("[{}]", list.join(", ")),
            "dates written as text".to_owned(),
        ));
    }

    // The name this sheet's interface has in a project, for relations to its own rows.
    let interface = settings.interface.clone().unwrap_or_else(|| {
        let stem = settings
            .input
            .path
            .file_stem()
            .filter(|_| settings.input.path.as_os_str() != "-")
            .map_or_else(|| plural.clone(), |s| s.to_string_lossy().into_owned());
        stem.split_whitespace().collect::<Vec<_>>().join("-").to_lowercase()
    });
    for g in &guesses.columns {
        if let Kind::RowNames { header, strays } = &g.kind {
            notes.push(format!(
                "column {} ('{}') holds names of other rows (column '{}'{}): written as a relation to this sheet's \
                 own elements with lookup = \"interface:{interface}\"; check and send it in a project whose interface \
                 for this sheet is named '{interface}'{} (see the README, \"Projects\")",
                crate::cellref::column_letters(g.col as u32),
                crate::problem::quoted(&g.header),
                crate::problem::quoted(header),
                strays_note(*strays),
                name_property_hint(header)
            ));
        }
    }
    let by_col: HashMap<usize, &Guess> = guesses.columns.iter().map(|g| (g.col, g)).collect();
    let guess_of = |col: usize| by_col.get(&col).copied();
    let mut fields: Vec<(String, Guess, Vec<String>)> = Vec::new();
    let mut unmatched: Vec<(String, Option<String>, Option<Kind>)> = Vec::new();
    let mut ignored = Vec::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut used: HashSet<usize> = HashSet::from([id_col]);
    let sheet = profile.info.sheet.as_deref();
    let comments = |g: &Guess| {
        let mut lines = vec![g.seen.clone()];
        if matches!(g.kind, Kind::Relation) {
            lines.push("guessed as a relation: the cells hold element IDs or lists of them".to_owned());
        }
        if let Kind::RowNames { header, strays } = &g.kind {
            lines.push(format!(
                "a relation to other rows of this sheet: every value is a value of column '{}'{}. Relatics gives \
                 an element its ID only when it creates it, so this relation is sent from a project (relsync.toml, \
                 see the README, \"Projects\") whose interface for this sheet is named '{interface}'{}",
                crate::problem::quoted(header),
                strays_note(*strays),
                name_property_hint(header)
            ));
        }
        for v in g.variants.iter().take(MAX_NOTED) {
            lines.push(format!(
                "'{}' ({}, first {}) is another spelling of '{}', not a value: relsync check reports those cells",
                crate::problem::quoted(&v.spelling),
                count(v.count as usize, "cell", "cells"),
                crate::cellref::sheet_cell(sheet, v.first_row, g.col as u32),
                crate::problem::quoted(&v.of),
            ));
        }
        if g.variants.len() > MAX_NOTED {
            lines.push(format!("... and {} more spellings", g.variants.len() - MAX_NOTED));
        }
        lines
    };
    for g in guesses.columns.iter().filter(|g| !g.variants.is_empty()) {
        notes.push(format!(
            "column {} ('{}'): values that differ only in case, spacing or accents are one list value, spelled \
             as most cells spell it; the other spellings are left out of `values`, so check reports their cells: {}",
            crate::cellref::column_letters(g.col as u32),
            crate::problem::quoted(&g.header),
            some_of(&g.variants, |v| format!(
                "'{}' x{} (first {}) for '{}'",
                crate::problem::quoted(&v.spelling),
                v.count,
                crate::cellref::sheet_cell(sheet, v.first_row, g.col as u32),
                crate::problem::quoted(&v.of)
            ))
        ));
    }
    match &sync {
        None => {
            // Headers equal but for case and spaces are one header to relsync: map the first.
            let mut seen_headers: HashMap<String, usize> =
                HashMap::from([(crate::template::normalize_header(&profile.headers[id_col]), id_col)]);
            let mut repeated = 0usize;
            for g in guesses.columns.iter().filter(|g| g.col != id_col) {
                let normalized = crate::template::normalize_header(&g.header);
                if let Some(first) = seen_headers.get(&normalized) {
                    repeated += 1;
                    if repeated <= MAX_NOTED {
                        let first_header = profile.headers[*first].trim();
                        let how = if first_header == g.header {
                            "the same header as".to_owned()
                        } else {
                            "the header, but for case and spaces, of".to_owned()
                        };
                        notes.push(format!(
                            "column {} ('{}') has {how} column {} ('{}'), and relsync matches headers ignoring case \
                             and spaces: it is left out, and check reports duplicate-column until the export gives \
                             each its own header",
                            crate::cellref::column_letters(g.col as u32),
                            crate::problem::quoted(&g.header),
                            crate::cellref::column_letters(*first as u32),
                            crate::problem::quoted(first_header)
                        ));
                    }
                    used.insert(g.col);
                    continue;
                }
                seen_headers.insert(normalized, g.col);
                let mut name = g.header.clone();
                // Names must escape to distinct keys, and ExternalId is Relatics' own.
                let mut n = 2;
                while name.eq_ignore_ascii_case("ExternalId") || !keys.insert(crate::names::encode_local_name(&name)) {
                    name = format!("{} ({n})", g.header);
                    n += 1;
                }
                let mut lines = comments(g);
                if name != g.header {
                    lines.push(format!(
                        "check: renamed from '{}', which another column or Relatics uses",
                        g.header
                    ));
                }
                used.insert(g.col);
                fields.push((name, g.clone(), lines));
            }
            if repeated > MAX_NOTED {
                notes.push(format!(
                    "... and {} more columns whose header another column has, left out the same way",
                    repeated - MAX_NOTED
                ));
            }
        }
        Some(sync) => {
            let found = sync::match_names(&sync.names, &profile.headers);
            let mut exact = 0;
            let mut without_column = Vec::new();
            for (name, found) in sync.names.iter().zip(&found) {
                match found {
                    Some((col, how)) if *col != id_col => {
                        let Some(g) = guess_of(*col) else { continue };
                        used.insert(*col);
                        let mut lines = comments(g);
                        let mut via = if g.header == *name {
                            how.describe().to_owned()
                        } else {
                            format!("{} to column '{}'", how.describe(), g.header)
                        };
                        if *how == sync::Match::Close {
                            via.push_str("; check it");
                        }
                        lines.insert(0, format!("'{name}' (from the sync template): {via}"));
                        if *how == sync::Match::Exact {
                            exact += 1;
                        }
                        fields.push((name.clone(), g.clone(), lines));
                    }
                    _ => without_column.push(name.clone()),
                }
            }
            // The nearest header no name took, for each name that found no column.
            let free: Vec<(usize, &str)> = profile
                .headers
                .iter()
                .enumerate()
                .filter(|(i, h)| !used.contains(i) && !h.trim().is_empty())
                .map(|(i, h)| (i, h.as_str()))
                .collect();
            let mut suggester = crate::suggest::Suggester::new(free.iter().map(|(_, h)| *h));
            let by_header: HashMap<&str, usize> = free.iter().map(|&(i, h)| (h, i)).collect();
            let free_loose: Vec<(&str, String)> = free.iter().map(|&(_, h)| (h, sync::loose(h))).collect();
            let mut searched = 0;
            unmatched = without_column
                .into_iter()
                .map(|name| {
                    // A close spelling, else a header that is part of the name or has it in
                    // it (`Objecttype` ~ `Type`).
                    let closest = suggester.closest(&name).or_else(|| {
                        // Bounded: a part of a name is looked for among the headers for the
                        // first names only.
                        searched += 1;
                        (searched <= CONTAINED_SEARCHES)
                            .then(|| contained(&name, &free_loose))
                            .flatten()
                    });
                    let kind = closest
                        .and_then(|c| by_header.get(c))
                        .and_then(|&col| guess_of(col))
                        .map(|g| g.kind.clone());
                    (name, closest.map(|c| c.trim().to_owned()), kind)
                })
                .collect();
            for (col, header) in profile.headers.iter().enumerate() {
                if !used.contains(&col) && !header.trim().is_empty() {
                    ignored.push(header.trim().to_owned());
                }
            }
            notes.push(format!(
                "{} of {} names from the sync template matched a column ({exact} exactly){}",
                sync.names.len() - unmatched.len(),
                sync.names.len(),
                if unmatched.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; left commented out: {}",
                        some_of(&unmatched, |(n, closest, _)| match closest {
                            Some(c) => format!(
                                "'{}' (the nearest header is '{}')",
                                crate::problem::quoted(n),
                                crate::problem::quoted(c)
                            ),
                            None => format!("'{}'", crate::problem::quoted(n)),
                        })
                    )
                }
            ));
        }
    }
    if !profile.long_headers.is_empty() {
        let shown = some_of(&profile.long_headers, |&(c, n)| {
            format!(
                "{} ({} characters)",
                crate::cellref::column_letters(c as u32),
                crate::problem::thousands(n as u64)
            )
        });
        notes.push(format!(
            "column{} {shown} {} a header longer than any Relatics name ({} characters at most here): left out of the \
             template, so check reports {} as unmapped-column; shorten the header in the export if the column \
             should be sent",
            if profile.long_headers.len() == 1 { "" } else { "s" },
            if profile.long_headers.len() == 1 { "has" } else { "have" },
            profile::MAX_NAME_CHARS,
            if profile.long_headers.len() == 1 { "it" } else { "them" },
        ));
    }
    if !guesses.headerless_values.is_empty() {
        let letters = &guesses.headerless_values;
        notes.push(format!(
            "column{} {} hold{} values but no header: no template can map {}, so check reports {} as \
             unmapped-column; give {} a header in the export if {} should be sent",
            if letters.len() == 1 { "" } else { "s" },
            some_of(letters, |&c| crate::cellref::column_letters(c as u32)),
            if letters.len() == 1 { "s" } else { "" },
            if letters.len() == 1 { "it" } else { "them" },
            if letters.len() == 1 { "it" } else { "them" },
            if letters.len() == 1 { "it" } else { "each" },
            if letters.len() == 1 { "it" } else { "they" },
        ));
    }
    let relations = fields.iter().filter(|(_, g, _)| g.kind.is_relation()).count();
    notes.push(format!(
        "external id: '{id_header}' ({}); {} and {} (guessed from the values)",
        guesses.id_note,
        count(fields.len() - relations, "property", "properties"),
        count(relations, "relation", "relations")
    ));
    let draft = Draft {
        intro: vec![
            format!("Template made by `{}`.", settings.command),
            "Property and role names must be spelled exactly as in Relatics: check them, and the lines marked"
                .to_owned(),
            "'check'. Types and 'required' are guessed from the values; see the README, \"The template\".".to_owned(),
        ],
        type_name: sync
            .as_ref()
            .and_then(|s| s.singular.clone())
            .unwrap_or_else(|| singular(&plural)),
        plural,
        interface: interface.clone(),
        source,
        external_id: id_header,
        id_comment: format!("{}: {}", guess::seen(&profile.columns[id_col]), guesses.id_note),
        fields,
        unmatched,
        ignored,
        ignore_comment: "columns of the sheet that no name of the sync template matched; they are not sent.\n\
                         When you map one of them above, take it out of this list."
            .to_owned(),
    };
    let toml = write::render(&draft);
    if toml.len() as u64 > crate::template::MAX_TEMPLATE {
        bail!(
            "the template made for {} would be {}, more than relsync reads as a template ({}); the sheet has too \
             many columns or too long names to map them all",
            settings.input.path.display(),
            crate::output::human_size(toml.len() as u64),
            crate::output::human_size(crate::template::MAX_TEMPLATE)
        );
    }
    // What is written must be a template relsync reads.
    let context = crate::template::Context {
        lookups: &mut crate::lookup::Lookups::default(),
        interfaces: Some(std::slice::from_ref(&interface)),
    };
    if let Err(e) = crate::template::parse_in(&toml, std::path::Path::new("generated.toml"), context) {
        bail!(
            "the template made for {} is not valid ({e}); please report this",
            settings.input.path.display()
        );
    }
    let names_by = guesses.columns.iter().find_map(|g| match &g.kind {
        Kind::RowNames { header, .. } => Some(header.clone()),
        _ => None,
    });
    Ok(Authored {
        toml,
        notes,
        interface: names_by.is_some().then_some(interface),
        name_property: names_by.filter(|h| !name_property_hint(h).is_empty()),
    })
}

/// Names without a column for which a header that is part of the name is looked for.
const CONTAINED_SEARCHES: usize = 100;

/// The header among `free` (each with its [`sync::loose`] form) that is part of `name`, or has
/// `name` in it, at least three characters of it: the longest such.
fn contained<'h>(name: &str, free: &[(&'h str, String)]) -> Option<&'h str> {
    let name = sync::loose(name);
    if name.chars().count() < 3 {
        return None;
    }
    free.iter()
        .filter(|(_, h)| h.chars().count() >= 3 && (name.contains(h.as_str()) || h.contains(name.as_str())))
        .max_by_key(|(_, h)| h.len())
        .map(|&(h, _)| h)
}

/// What a project needs to name this sheet's elements by the values of column `header`.
/// `, but for 1 value that names no row, which relsync check reports`.
fn strays_note(strays: usize) -> String {
    match strays {
        0 => String::new(),
        1 => ", but for 1 value that names no row (a typo?), which relsync check reports".to_owned(),
        n => format!(", but for {n} values that name no row (typos?), which relsync check reports"),
    }
}

fn name_property_hint(header: &str) -> String {
    if crate::project::NAME_PROPERTIES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(header.trim()))
    {
        String::new()
    } else {
        format!(" and name_property = \"{}\"", crate::problem::quoted(header))
    }
}

/// Notes of one kind listed one by one; the rest are counted.
const MAX_NOTED: usize = 10;

/// The first [`MAX_NOTED`] of `items`, shown by `show` and joined with commas, and how many
/// more there are: `'a', 'b' and 3 more`.
fn some_of<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let mut list = items.iter().take(MAX_NOTED).map(show).collect::<Vec<_>>().join(", ");
    if items.len() > MAX_NOTED {
        list.push_str(&format!(" and {} more", items.len() - MAX_NOTED));
    }
    list
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
