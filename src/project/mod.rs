//! A workspace in one file: several interfaces (each a sheet, a template and an endpoint) whose
//! relations may point at each other's elements (`lookup = "interface:objects"`), checked
//! together and sent in order.
//!
//! The project file is read like a template ([`load`]): TOML with serde rejecting unknown keys,
//! then checked into a [`Project`] whose every mistake names the file, the line and the key.
//! `crate::lookup::interfaces` resolves a target name through the rows of an interface's sheet
//! and the IDs last read from its providing endpoint; [`run`] checks every interface and builds
//! the plan and the bodies of a submit, which `crate::cmd::project` sends through the same
//! submit flow as one sheet. Paths in the file are relative to the file, never to the working directory.

mod raw;
pub mod run;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::input::InputSpec;
use crate::lookup::Lookups;
use crate::template::{FieldKind, Template};
use raw::{RawInterface, RawProject};

/// A project file that cannot be used, with where the problem is.
#[derive(Debug, thiserror::Error)]
pub struct ProjectError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid project file {}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", key '{key}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The largest project file read (a project of hundreds of interfaces is a few kilobytes).
const MAX_PROJECT: u64 = 16 << 20;

/// The names a template's property may have to be the name other sheets use for its elements,
/// when the project file does not say (`name_property`).
pub const NAME_PROPERTIES: [&str; 4] = ["Name", "Naam", "Title", "Titel"];

/// A checked project.
pub struct Project {
    /// The project file as given.
    pub path: PathBuf,
    /// `[workspace] token_url`, with its line.
    pub token_url: Option<(String, usize)>,
    /// In file order.
    pub interfaces: Vec<Interface>,
}

/// A URL from the project file (or a template), with where it came from for messages.
#[derive(Clone, Debug)]
pub struct Url {
    pub url: String,
    /// The file that names it (the project file or a template) and the key, for messages:
    /// `interface 'objects', key 'endpoint'`.
    pub file: PathBuf,
    pub key: String,
}

/// One interface of a project.
pub struct Interface {
    pub name: String,
    /// Line of its `[[interface]]` in the project file.
    pub line: usize,
    pub spec: InputSpec,
    pub template: Template,
    /// The template file, as the project file names it (resolved against the project's folder).
    pub template_path: PathBuf,
    /// The synchronizing endpoint (from the project file, else the template's target.endpoint).
    pub endpoint: Option<Url>,
    /// Where the IDs of this interface's elements can be read after a sync.
    pub ids: Option<Url>,
    /// The template field whose value is the name other sheets use for this interface's
    /// elements (needed when another interface points here).
    pub name_field: Option<usize>,
    /// The interfaces its relations point to, itself included when it holds a tree.
    pub targets: Vec<usize>,
}

impl Project {
    /// The interfaces in the order they are checked and sent: an interface after those its
    /// relations point to, ties in file order; a cycle is broken at its first interface in
    /// file order (phase 2 of a submit completes it).
    pub fn order(&self) -> Vec<usize> {
        let n = self.interfaces.len();
        let mut placed = vec![false; n];
        let mut order = Vec::with_capacity(n);
        while order.len() < n {
            let ready = (0..n).find(|&i| !placed[i] && self.interfaces[i].targets.iter().all(|&t| t == i || placed[t]));
            let next = ready.or_else(|| (0..n).find(|&i| !placed[i]));
            let Some(next) = next else { break };
            placed[next] = true;
            order.push(next);
        }
        order
    }

    /// Whether some interface's relations point at interface `i`.
    pub fn is_target(&self, i: usize) -> bool {
        self.interfaces.iter().any(|x| x.targets.contains(&i))
    }

    /// The interface named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.interfaces.iter().position(|i| i.name == name)
    }
}

/// Reads and checks a project file, and the templates (and their lookup files) it names.
pub fn load(path: &Path) -> anyhow::Result<Project> {
    let fail = |line: Option<usize>, key: Option<&str>, message: String| ProjectError {
        path: path.to_owned(),
        line,
        key: key.map(str::to_owned),
        message,
    };
    let text = crate::small::read_named_text(path, MAX_PROJECT)
        .map_err(|e| fail(None, None, format!("cannot read it: {e}")))?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset).max(1);
    let raw: RawProject = toml::from_str(&text).map_err(|e| {
        let span = e.span();
        // toml stops at the first unknown key: say every one.
        let unknown = unknown_keys(&text);
        if unknown.len() > 1 {
            let listed: Vec<String> = unknown
                .iter()
                .take(20)
                .map(|(at, key, allowed)| {
                    let hint = crate::suggest::closest(key, allowed.iter().copied())
                        .map(|s| format!(", did you mean '{s}'?"))
                        .unwrap_or_default();
                    format!("'{}' (line {}{hint})", crate::problem::clip(key, 100), line_of(*at))
                })
                .collect();
            return fail(
                span.map(|s| line_of(s.start)),
                None,
                format!(
                    "{} keys are no project keys: {}{}",
                    unknown.len(),
                    listed.join("; "),
                    if unknown.len() > 20 { "; ..." } else { "" }
                ),
            );
        }
        let (key, message) = crate::template::explain_toml_error(&text, span.clone(), e.message().trim());
        let message = message.replace("is not a template key here", "is not a project key here");
        fail(span.map(|s| line_of(s.start)), key.as_deref(), message)
    })?;
    let at = |s: &Spanned<String>| Some(line_of(s.span().start));
    if raw.interface.is_empty() {
        return Err(fail(
            None,
            None,
            "it names no interface: add an [[interface]] with name, input, template and endpoint (see the README, \
             \"Projects\")"
                .into(),
        )
        .into());
    }
    // Paths in the file are relative to the file (a project file in the working directory
    // gives them as written).
    let dir = path.parent().map(Path::to_owned).unwrap_or_default();
    let within = |p: &str| dir.join(p.trim());

    // Names first: templates may name any interface of the project.
    let mut names: Vec<String> = Vec::new();
    for i in &raw.interface {
        let name = i.get_ref().name.get_ref().trim();
        if name.is_empty() {
            return Err(fail(at(&i.get_ref().name), Some("name"), "must not be empty".into()).into());
        }
        if let Some(first) = names.iter().position(|n| n.eq_ignore_ascii_case(name)) {
            return Err(fail(
                at(&i.get_ref().name),
                Some("name"),
                format!(
                    "the interface '{name}' is named twice (first on line {}); give each interface its own name",
                    line_of(raw.interface[first].span().start)
                ),
            )
            .into());
        }
        names.push(name.to_owned());
    }

    let url = match &raw.workspace.url {
        Some(u) => {
            let text = u.get_ref().trim().trim_end_matches('/');
            if url::Url::parse(text).is_err() {
                return Err(fail(at(u), Some("url"), format!("'{text}' is not a URL")).into());
            }
            Some((text.to_owned(), line_of(u.span().start)))
        }
        None => None,
    };
    let mut lookups = Lookups::default();
    let mut interfaces = Vec::with_capacity(raw.interface.len());
    for (index, spanned) in raw.interface.iter().enumerate() {
        let i: &RawInterface = spanned.get_ref();
        let line = line_of(spanned.span().start);
        let name = names[index].clone();
        let template_path = within(i.template.get_ref());
        if !template_path.is_file() {
            return Err(fail(
                at(&i.template),
                Some("template"),
                format!(
                    "interface '{name}': the template {} {}",
                    template_path.display(),
                    missing(&template_path)
                ),
            )
            .into());
        }
        let template = crate::template::load_in(
            &template_path,
            crate::template::Context {
                lookups: &mut lookups,
                interfaces: Some(&names),
            },
        )?;
        let input = within(i.input.get_ref());
        // A pipe or a device would be read again for every read of the run (or never end).
        if !input.is_file() {
            return Err(fail(
                at(&i.input),
                Some("input"),
                format!("interface '{name}': the input {} {}", input.display(), missing(&input)),
            )
            .into());
        }
        let format =
            crate::template::input_format(&input).map_err(|e| fail(at(&i.input), Some("input"), e.to_string()))?;
        if format.is_delimited()
            && let Some(sheet) = &i.sheet
        {
            return Err(fail(
                at(sheet),
                Some("sheet"),
                format!(
                    "interface '{name}': {} is delimited text with a single sheet",
                    input.display()
                ),
            )
            .into());
        }
        let sheet = i.sheet.as_ref().map(|s| s.get_ref().trim().to_owned());
        let spec = template
            .input_spec(&input, sheet.as_deref())
            .map_err(|e| fail(at(&i.input), Some("input"), e.to_string()))?;
        let endpoint_of = |value: &Spanned<String>, key: &str| -> Result<Url, ProjectError> {
            let text = value.get_ref().trim();
            let (full, said) = if text.contains("://") {
                (
                    text.to_owned(),
                    format!("interface '{name}', key '{key}' (line {})", line_of(value.span().start)),
                )
            } else {
                let Some((base, url_line)) = &url else {
                    return Err(fail(
                        at(value),
                        Some(key),
                        format!(
                            "interface '{name}': '{text}' is relative to the workspace, but [workspace] has no url; set \
                             url = \"https://<env>.relatics.com/api/v1/workspaces/<uuid>\", or give the full URL"
                        ),
                    ));
                };
                // The host is the workspace's: a wrong one is said there.
                (
                    format!("{base}/interfaces/{}", text.trim_start_matches('/')),
                    format!(
                        "[workspace] url (line {url_line}), to which interface '{name}', key '{key}' (line {}) is \
                         relative,",
                        line_of(value.span().start)
                    ),
                )
            };
            if url::Url::parse(&full).is_err() {
                return Err(fail(
                    at(value),
                    Some(key),
                    format!("interface '{name}': '{full}' is not a URL"),
                ));
            }
            Ok(Url {
                url: full,
                file: path.to_owned(),
                key: said,
            })
        };
        let endpoint = match (&i.endpoint, &template.target.endpoint) {
            (Some(e), _) => Some(endpoint_of(e, "endpoint")?),
            (None, Some(e)) => Some(Url {
                url: e.clone(),
                file: template_path.clone(),
                key: "target.endpoint".into(),
            }),
            (None, None) => None,
        };
        let ids = i.ids.as_ref().map(|e| endpoint_of(e, "ids")).transpose()?;
        let name_field = name_field(&template, i.name_property.as_ref())
            .map_err(|message| fail(i.name_property.as_ref().and_then(at), Some("name_property"), message))?;
        // Names are texts: a number or a date as written in a cell is not what another sheet
        // writes to name the element.
        if let Some(f) = name_field
            && let FieldKind::Property(
                ty @ (crate::template::PropertyType::Number | crate::template::PropertyType::Date),
            ) = &template.fields[f].kind
        {
            return Err(fail(
                i.name_property.as_ref().and_then(at).or(Some(line)),
                Some("name_property"),
                format!(
                    "interface '{name}': the name property '{}' is a {} property; other sheets name elements by a \
                     text property (Name, Naam, Title, Titel, or the one name_property names)",
                    template.fields[f].name,
                    ty.name()
                ),
            )
            .into());
        }
        let mut targets: Vec<usize> = template
            .fields
            .iter()
            .filter_map(|f| match &f.kind {
                FieldKind::Relation(r) => r.interface,
                FieldKind::Property(_) => None,
            })
            .collect();
        targets.sort_unstable();
        targets.dedup();
        interfaces.push(Interface {
            name,
            line,
            spec,
            template,
            template_path,
            endpoint,
            ids,
            name_field,
            targets,
        });
    }

    // What other interfaces point at needs a name and an ids endpoint.
    for (t, target) in interfaces.iter().enumerate() {
        let Some((from, field)) = interfaces.iter().find_map(|x| {
            x.template
                .fields
                .iter()
                .find(|f| matches!(&f.kind, FieldKind::Relation(r) if r.interface == Some(t)))
                .map(|f| (x, f))
        }) else {
            continue;
        };
        let pointer = format!(
            "relation '{}' of interface '{}' ({}, line {}) points at its elements",
            field.name,
            from.name,
            from.template_path.display(),
            field.line
        );
        if target.ids.is_none() {
            return Err(fail(
                Some(target.line),
                Some("ids"),
                format!(
                    "interface '{}' needs ids = \"providing/...\", the providing interface where the IDs of its \
                     elements can be read after a sync: {pointer}",
                    target.name
                ),
            )
            .into());
        }
        if target.name_field.is_none() {
            let properties: Vec<String> = target
                .template
                .fields
                .iter()
                .filter(|f| matches!(f.kind, FieldKind::Property(_)))
                .take(8)
                .map(|f| format!("'{}'", f.name))
                .collect();
            return Err(fail(
                Some(target.line),
                Some("name_property"),
                format!(
                    "interface '{}' needs name_property, the property whose values other sheets use as names \
                     ({pointer}); its template has no property called {} (its properties: {})",
                    target.name,
                    NAME_PROPERTIES.join(", "),
                    properties.join(", ")
                ),
            )
            .into());
        }
    }
    // Two interfaces with one endpoint would overwrite each other's elements, however the URL
    // is spelled; one `ids` for two interfaces, or an endpoint as `ids`, names the wrong
    // elements.
    let mut seen: HashMap<String, (usize, &'static str)> = HashMap::new();
    for (i, a) in interfaces.iter().enumerate() {
        for (url, key) in [(&a.endpoint, "endpoint"), (&a.ids, "ids")] {
            let Some(url) = url else { continue };
            let canonical = crate::submit::receipt::interface_key(&url.url);
            if let Some(&(j, other_key)) = seen.get(&canonical) {
                let b = &interfaces[j];
                let what = match (other_key, key) {
                    ("endpoint", "endpoint") => {
                        "send to one endpoint; each would delete the other's elements: give each its own"
                    }
                    ("ids", "ids") => "read their IDs from one providing interface: give each its own",
                    _ => "use one URL as a synchronizing endpoint and as the ids of a providing interface",
                };
                return Err(fail(Some(a.line), Some(key), {
                    let other = match other_key {
                        "endpoint" => b.endpoint.as_ref().map_or("", |u| u.url.as_str()),
                        _ => b.ids.as_ref().map_or("", |u| u.url.as_str()),
                    };
                    // The other spelling, when it is another.
                    let same = if other == url.url {
                        String::new()
                    } else {
                        format!(", the same interface as {other}")
                    };
                    format!(
                        "interfaces '{}' ([[interface]] at line {}) and '{}' ([[interface]] at line {}) {what} \
                             ({}{same})",
                        b.name, b.line, a.name, a.line, url.url
                    )
                })
                .into());
            }
            seen.insert(canonical, (i, key));
        }
    }
    let token_url = raw
        .workspace
        .token_url
        .as_ref()
        .map(|t| (t.get_ref().trim().to_owned(), line_of(t.span().start)));
    Ok(Project {
        path: path.to_owned(),
        token_url,
        interfaces,
    })
}

/// The keys of a project file that are none, with where each starts and the keys allowed there.
fn unknown_keys(text: &str) -> Vec<(usize, String, &'static [&'static str])> {
    use toml::de::{DeTable, DeValue};
    const TOP: &[&str] = &["workspace", "interface"];
    const WORKSPACE: &[&str] = &["url", "token_url"];
    const INTERFACE: &[&str] = &["name", "input", "template", "endpoint", "ids", "name_property", "sheet"];
    let Ok(table) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut unknown = Vec::new();
    let check = |table: &DeTable<'_>, allowed: &'static [&'static str], unknown: &mut Vec<_>| {
        for key in table.keys() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                unknown.push((key.span().start, key.get_ref().to_string(), allowed));
            }
        }
    };
    check(table.get_ref(), TOP, &mut unknown);
    for (key, value) in table.get_ref() {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("workspace", DeValue::Table(t)) => check(t, WORKSPACE, &mut unknown),
            ("interface", DeValue::Array(items)) => {
                for item in items {
                    if let DeValue::Table(t) = item.get_ref() {
                        check(t, INTERFACE, &mut unknown);
                    }
                }
            }
            _ => {}
        }
    }
    unknown.sort_by_key(|(at, _, _)| *at);
    unknown
}

/// Why `path` is no file to read, and what to do.
fn missing(path: &Path) -> String {
    if path.exists() {
        return "is not a regular file (a folder, a pipe or a device): name the file itself".to_owned();
    }
    let backslash = path
        .to_string_lossy()
        .contains('\\')
        .then_some("; write folders with '/', which every system reads")
        .filter(|_| !cfg!(windows))
        .unwrap_or("");
    format!(
        "does not exist (paths are relative to the project file){}{backslash}",
        nearest_file(path)
    )
}

/// `; did you mean 'eisen.xlsx'?` for a file that does not exist, when its folder has a file of
/// a close name (the first thousand entries of the folder are looked at).
fn nearest_file(path: &Path) -> String {
    let (Some(dir), Some(wanted)) = (path.parent(), path.file_name()) else {
        return String::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return String::new();
    };
    let names: Vec<String> = entries
        .flatten()
        .take(1000)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    crate::suggest::closest(&wanted.to_string_lossy(), names.iter().map(String::as_str))
        .map(|s| format!("; did you mean '{}'?", dir.join(s).display()))
        .unwrap_or_default()
}

/// The field of `template` whose values are its elements' names: `name_property` (a property's
/// name), else the property called Name, Naam, Title or Titel; `None` when there is none.
fn name_field(template: &Template, asked: Option<&Spanned<String>>) -> Result<Option<usize>, String> {
    let properties = || {
        template
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.kind, FieldKind::Property(_)))
    };
    match asked {
        Some(asked) => {
            let wanted = asked.get_ref().trim();
            if let Some((i, _)) = properties()
                .find(|(_, f)| f.name == wanted)
                .or_else(|| properties().find(|(_, f)| f.name.eq_ignore_ascii_case(wanted)))
            {
                return Ok(Some(i));
            }
            let hint = crate::suggest::closest(wanted, properties().map(|(_, f)| f.name.as_str()))
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            Err(format!(
                "'{wanted}' is not a property of the template {}{hint}",
                template.path.display()
            ))
        }
        None => Ok(NAME_PROPERTIES
            .iter()
            .find_map(|n| properties().find(|(_, f)| f.name.eq_ignore_ascii_case(n)))
            .map(|(i, _)| i)),
    }
}

/// An interface's name as a file name: characters no file system takes replaced.
pub fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_end_matches('.').to_owned();
    if cleaned.is_empty() || cleaned.starts_with('.') {
        format!("interface{cleaned}")
    } else {
        cleaned
    }
}

/// Where a project's annotated copies go: `DIR/INTERFACE.xlsx`.
pub fn annotated_copy(dir: &Path, interface: &str) -> PathBuf {
    dir.join(format!("{}.xlsx", file_name(interface)))
}
