//! The HTML report: one self-contained page (inline CSS and a little plain JavaScript, nothing
//! fetched) for the people who fix exports and for pipelines that publish it. A summary, the
//! problem counts per code and per column, and the problem list as a table that filters by
//! severity, code and column and sorts by any heading. The first [`MAX_ROWS`] problems are
//! listed, the counts cover all of them. Everything taken from the sheet is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Context, location};
use crate::cellref::column_letters;
use crate::problem::{Code, Problem, Problems, Severity};

/// Problems listed in the table; the counts above it cover every problem.
pub const MAX_ROWS: usize = 5000;

/// Text made safe for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters HTML (and XML) cannot carry are shown, not sent raw.
            c if c.is_control() && !matches!(c, '\n' | '\t') => {
                let _ = write!(out, "\u{FFFD}");
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px; color: #1d232a; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.sub { color: #5a6570; margin: 0 0 16px; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e3e7eb; vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; }
table.problems th { cursor: pointer; user-select: none; white-space: nowrap; }
table.problems th.asc::after { content: " \25B2"; font-size: 10px; }
table.problems th.desc::after { content: " \25BC"; font-size: 10px; }
section.interface { border-top: 2px solid #e3e7eb; margin-top: 28px; }
section.interface > h2 { font-size: 18px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 4px; }
.card { border: 1px solid #e3e7eb; border-radius: 6px; padding: 8px 14px; min-width: 96px; }
.card b { display: block; font-size: 20px; }
.card.error b { color: #b3261e; }
.card.warning b { color: #8a5a00; }
.sev { font-weight: 600; border-radius: 3px; padding: 0 6px; }
.sev.error { background: #fde7e5; color: #b3261e; }
.sev.warning { background: #fff3d6; color: #8a5a00; }
td.code { white-space: nowrap; }
.cell { font-family: ui-monospace, Consolas, Menlo, monospace; white-space: nowrap; }
.id { white-space: nowrap; }
.value { font-family: ui-monospace, Consolas, Menlo, monospace; max-width: 28em; overflow-wrap: anywhere; white-space: pre-wrap; }
.filters { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
.filters select, .filters input { font: inherit; padding: 3px 6px; }
.note { color: #5a6570; }
.clean { font-size: 16px; color: #1b6e2e; }
.meta td:first-child { color: #5a6570; }
.overview { display: flex; gap: 36px; flex-wrap: wrap; align-items: flex-start; }
.overview h2 { margin-top: 16px; }
"#;

/// Filters and sorting, for every problem table of the page (a project's page has one per
/// interface; each table names the suffix of its filters' ids); the page works without it
/// (everything shown, in report order).
const SCRIPT: &str = r#"
(function () {
  Array.prototype.forEach.call(document.querySelectorAll("table.problems"), function (table) {
    var x = table.dataset.suffix || "";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var sev = document.getElementById("f-severity" + x);
    var code = document.getElementById("f-code" + x);
    var col = document.getElementById("f-column" + x);
    var text = document.getElementById("f-text" + x);
    var shown = document.getElementById("shown" + x);
    function filter() {
      var n = 0;
      var t = text.value.toLowerCase();
      rows.forEach(function (r) {
        var ok = (!sev.value || r.dataset.severity === sev.value) &&
                 (!code.value || r.dataset.code === code.value) &&
                 (!col.value || r.dataset.column === col.value) &&
                 (!t || r.textContent.toLowerCase().indexOf(t) !== -1);
        r.hidden = !ok;
        if (ok) { n += 1; }
      });
      shown.textContent = n;
    }
    [sev, code, col].forEach(function (s) { s.addEventListener("change", filter); });
    text.addEventListener("input", filter);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, i) {
      th.addEventListener("click", function () {
        var dir = th.classList.contains("asc") ? -1 : 1;
        heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(dir === 1 ? "asc" : "desc");
        var key = function (r) { return i === 0 ? Number(r.dataset.order) : r.cells[i].textContent; };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          return (x === y ? 0 : (x > y ? 1 : -1)) * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"#;

/// Counts per code and per column, over every problem.
#[derive(Default)]
struct Counts {
    per_code: BTreeMap<Code, u64>,
    /// Column (letters and header) -> (errors, warnings), in column order.
    per_column: BTreeMap<(u32, String), (u64, u64)>,
}

/// Writes the HTML report.
pub fn write_html(out: &mut dyn Write, ctx: &Context<'_>, problems: &mut Problems) -> io::Result<()> {
    let title = match ctx.sheet {
        Some(sheet) => format!("{} ({sheet})", ctx.input.display()),
        None => ctx.input.display().to_string(),
    };
    let sub = match ctx.template {
        Some(t) => format!("with template {}", t.display()),
        None => "as a body file".into(),
    };
    page_start(out, &title, &sub)?;
    section(out, ctx, problems, "")?;
    page_end(out)
}

/// The page up to its first section: `relsync report: TITLE`, checked `SUB`.
pub fn page_start(out: &mut dyn Write, title: &str, sub: &str) -> io::Result<()> {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />"
    )?;
    writeln!(out, "<title>relsync report: {}</title>", escape(title))?;
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>")?;
    writeln!(out, "<h1>relsync report: {}</h1>", escape(title))?;
    writeln!(
        out,
        "<p class=\"sub\">Checked {} by relsync {}.</p>",
        escape(sub),
        env!("CARGO_PKG_VERSION")
    )
}

/// Adds "What this submit changes" to a report page written earlier (`path`): the plan, as
/// `submit` shows it, target names beside their IDs. The page is written again, whole.
pub fn add_plan(path: &std::path::Path, plan: &str) -> anyhow::Result<()> {
    let page = std::fs::read_to_string(path)?;
    let Some(at) = page.rfind("<script>") else {
        anyhow::bail!("{} is not a report page relsync wrote", path.display());
    };
    let section = format!(
        "<section class=\"plan\"><h2>What this submit changes</h2><pre>{}</pre></section>\n",
        escape_keeping_ids(plan)
    );
    let text = format!("{}{section}{}", &page[..at], &page[at..]);
    crate::output::write_file(path, text.as_bytes())
}

/// The end of the page: the script, once.
pub fn page_end(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<script>//<![CDATA[{SCRIPT}//]]></script>\n</body>\n</html>")
}

/// One sheet's report: the summary cards, the run, the counts and the problem table. Element
/// ids end in `suffix` (empty for a page of one sheet), so a page can hold several.
pub fn section(out: &mut dyn Write, ctx: &Context<'_>, problems: &mut Problems, suffix: &str) -> io::Result<()> {
    let mut counts = Counts::default();
    let mut rows = String::new();
    let mut listed = 0usize;
    let total = problems.for_each(|p| {
        *counts.per_code.entry(p.code).or_insert(0) += 1;
        let column = p.col.map_or((u32::MAX, String::from("(whole row or sheet)")), |c| {
            let header = p.column.as_deref().unwrap_or("");
            (c, format!("{} {}", column_letters(c), header).trim_end().to_owned())
        });
        let entry = counts.per_column.entry(column).or_insert((0, 0));
        match p.severity() {
            Severity::Error => entry.0 += 1,
            Severity::Warning => entry.1 += 1,
        }
        if listed < MAX_ROWS {
            row(&mut rows, ctx, p, listed);
            listed += 1;
        }
        Ok(())
    })?;
    cards(out, ctx, problems, suffix)?;
    writeln!(out, "<div class=\"overview\">")?;
    meta(out, ctx, suffix)?;
    if total > 0 {
        per_code(out, &counts, suffix)?;
        per_column(out, &counts, suffix)?;
    }
    writeln!(out, "</div>")?;
    if total == 0 {
        writeln!(
            out,
            "<p class=\"clean\" id=\"clean{suffix}\">No problems: every cell can be sent.</p>"
        )
    } else {
        list(out, &counts, &rows, listed, total, suffix)
    }
}

fn cards(out: &mut dyn Write, ctx: &Context<'_>, problems: &Problems, suffix: &str) -> io::Result<()> {
    let s = ctx.stats;
    writeln!(out, "<div class=\"cards\" id=\"summary{suffix}\">")?;
    let card = |out: &mut dyn Write, class: &str, id: &str, n: u64, what: &str| {
        writeln!(
            out,
            "<div class=\"card {class}\"><b id=\"{id}{suffix}\">{n}</b>{what}</div>"
        )
    };
    card(out, "", "rows", s.rows, "rows read")?;
    card(out, "", "elements", s.elements, "elements")?;
    card(out, "error", "errors", problems.errors(), "errors")?;
    card(out, "warning", "warnings", problems.warnings(), "warnings")?;
    writeln!(out, "</div>")
}

fn meta(out: &mut dyn Write, ctx: &Context<'_>, suffix: &str) -> io::Result<()> {
    let s = ctx.stats;
    writeln!(out, "<section><h2>Run</h2>\n<table class=\"meta\" id=\"run{suffix}\">")?;
    let mut meta = vec![
        ("Input", ctx.input.display().to_string()),
        ("Sheet", ctx.sheet_label().to_owned()),
        ("Template", ctx.template_label()),
        ("Empty rows skipped", s.empty_rows.to_string()),
    ];
    if let Some(elapsed) = ctx.elapsed {
        meta.push(("Time", format!("{:.2} s", elapsed.as_secs_f64())));
    }
    meta.push(("Made", chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string()));
    for (k, v) in meta {
        writeln!(out, "<tr><td>{k}</td><td>{}</td></tr>", escape(&v))?;
    }
    writeln!(out, "</table></section>")
}

fn per_code(out: &mut dyn Write, counts: &Counts, suffix: &str) -> io::Result<()> {
    writeln!(out, "<section><h2>Problems per code</h2>")?;
    writeln!(
        out,
        "<table id=\"per-code{suffix}\"><thead><tr><th>Code</th><th>Severity</th><th>Problems</th></tr></thead><tbody>"
    )?;
    let mut codes: Vec<(&Code, &u64)> = counts.per_code.iter().collect();
    codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (code, n) in codes {
        let sev = code.severity().as_str();
        writeln!(
            out,
            "<tr><td>{code}</td><td><span class=\"sev {sev}\">{sev}</span></td><td class=\"num\">{n}</td></tr>"
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

fn per_column(out: &mut dyn Write, counts: &Counts, suffix: &str) -> io::Result<()> {
    writeln!(out, "<section><h2>Problems per column</h2>")?;
    writeln!(
        out,
        "<table id=\"per-column{suffix}\"><thead><tr><th>Column</th><th>Errors</th><th>Warnings</th></tr></thead><tbody>"
    )?;
    for ((_, column), (errors, warnings)) in &counts.per_column {
        writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{errors}</td><td class=\"num\">{warnings}</td></tr>",
            escape(column)
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// One `<option>` per distinct value.
fn options(values: impl Iterator<Item = String>) -> String {
    let mut all: Vec<String> = values.collect();
    all.dedup();
    all.iter()
        .map(|v| format!("<option value=\"{0}\">{0}</option>", escape(v)))
        .collect()
}

fn list(out: &mut dyn Write, counts: &Counts, rows: &str, listed: usize, total: u64, suffix: &str) -> io::Result<()> {
    writeln!(out, "<h2>Problems</h2>")?;
    if (listed as u64) < total {
        writeln!(
            out,
            "<p class=\"note\" id=\"capped{suffix}\">The first {listed} of {total} problems are listed (the counts \
             above cover all of them); the JSON report (--report-file) lists every problem.</p>"
        )?;
    }
    writeln!(out, "<div class=\"filters\">")?;
    writeln!(
        out,
        "<label>Severity <select id=\"f-severity{suffix}\"><option value=\"\">all</option><option value=\"error\">error</option><option value=\"warning\">warning</option></select></label>"
    )?;
    writeln!(
        out,
        "<label>Code <select id=\"f-code{suffix}\"><option value=\"\">all</option>{}</select></label>",
        options(counts.per_code.keys().map(|c| c.to_string()))
    )?;
    writeln!(
        out,
        "<label>Column <select id=\"f-column{suffix}\"><option value=\"\">all</option>{}</select></label>",
        options(counts.per_column.keys().map(|(_, c)| c.clone()))
    )?;
    writeln!(
        out,
        "<label>Find <input id=\"f-text{suffix}\" type=\"search\" placeholder=\"text in any field\" /></label>"
    )?;
    writeln!(
        out,
        "<span class=\"note\"><span id=\"shown{suffix}\">{listed}</span> shown</span>\n</div>"
    )?;
    writeln!(
        out,
        "<table class=\"problems\" id=\"problems{suffix}\" data-suffix=\"{suffix}\"><thead><tr><th>Cell</th><th>Severity</th><th>Code</th><th>Column</th><th>Value found</th><th>What is wrong and how to fix it</th></tr></thead>\n<tbody>"
    )?;
    out.write_all(rows.as_bytes())?;
    writeln!(out, "</tbody></table>")
}

/// [`escape`], with every word that holds a hyphen between letters or digits (`FO-5186`,
/// `REQ-001`, `2027-03-01`, `Objecten!C17`) kept on one line: a browser breaks lines at a
/// hyphen, which splits an ID in two.
pub fn escape_keeping_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '!' | '$' | '/' | ':');
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest.find(is_word).unwrap_or(rest.len());
        out.push_str(&escape(&rest[..start]));
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        let word = &rest[..end];
        let bytes = word.as_bytes();
        let joined = (1..bytes.len().saturating_sub(1))
            .any(|i| bytes[i] == b'-' && bytes[i - 1].is_ascii_alphanumeric() && bytes[i + 1].is_ascii_alphanumeric());
        if joined && word.chars().count() <= 60 {
            let _ = write!(out, "<span class=\"id\">{}</span>", escape(word));
        } else {
            out.push_str(&escape(word));
        }
        rest = &rest[end..];
    }
    out
}

/// One problem as a table row.
fn row(rows: &mut String, ctx: &Context<'_>, p: &Problem, index: usize) {
    let sev = p.severity().as_str();
    let column = p.col.map_or(String::from("(whole row or sheet)"), |c| {
        let header = p.column.as_deref().unwrap_or("");
        format!("{} {}", column_letters(c), header).trim_end().to_owned()
    });
    let _ = writeln!(
        rows,
        "<tr data-severity=\"{sev}\" data-code=\"{code}\" data-column=\"{col}\" data-order=\"{index}\"><td class=\"cell\">{cell}</td><td><span class=\"sev {sev}\">{sev}</span></td><td class=\"code\">{code}</td><td>{col}</td><td class=\"value\">{value}</td><td>{message}</td></tr>",
        code = p.code,
        col = escape(&column),
        cell = escape(&location(p, ctx)),
        value = escape_keeping_ids(p.value.as_deref().unwrap_or("")),
        message = escape_keeping_ids(&p.message),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_from_the_sheet_is_escaped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{1}b\nc"), "a\u{FFFD}b\nc");
    }

    #[test]
    fn ids_stay_on_one_line() {
        assert_eq!(
            escape_keeping_ids("'Onderdeel van': 'FO-5186' <is> not here, nor A-B-"),
            "&#39;Onderdeel van&#39;: &#39;<span class=\"id\">FO-5186</span>&#39; &lt;is&gt; not here, nor \
             <span class=\"id\">A-B-</span>"
        );
        assert_eq!(
            escape_keeping_ids("no - hyphen-word"),
            "no - <span class=\"id\">hyphen-word</span>"
        );
        assert_eq!(escape_keeping_ids("x<y-z>"), "x&lt;<span class=\"id\">y-z</span>&gt;");
    }
}
