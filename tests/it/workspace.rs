//! Projects: several interfaces in one command, against a stateful stand-in of a Relatics
//! workspace on 127.0.0.1. Its synchronizing endpoints keep the complete set (new elements get
//! new IDs, missing ones are deleted; a relation target that is no element ID is dropped and
//! recorded as a sync issue), and its providing endpoints answer each element's ID and name,
//! optionally only after some reads (Relatics may give IDs after it answers a sync).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::server::{Reply, Request, Server};
use crate::support::*;

/// One interface of the stand-in.
#[derive(Debug, Default)]
pub struct Iface {
    pub plural: String,
    pub prefix: String,
    /// The property whose value is the element's name.
    pub name_key: String,
    pub elements: Vec<El>,
    next: u32,
    pub posts: usize,
    /// Reads of the providing endpoint so far.
    reads: usize,
}

#[derive(Clone, Debug)]
pub struct El {
    pub id: String,
    pub external_id: String,
    pub name: String,
    pub fields: serde_json::Map<String, Value>,
    /// The providing endpoint shows it from this read on.
    visible_from: usize,
}

#[derive(Debug, Default)]
pub struct State {
    pub interfaces: BTreeMap<String, Iface>,
    pub issues: Vec<String>,
    /// Reads of a providing endpoint before a new element shows in it.
    pub delay_reads: usize,
    /// (interface, n): the n-th POST to it (1-based) answers 500.
    pub fail_post: Option<(String, usize)>,
    /// (interface, n): the n-th POST to it is applied, but its answer never comes (the
    /// connection is dropped).
    pub drop_post: Option<(String, usize)>,
    /// The providing endpoints answer these items instead of the elements' (a providing
    /// interface set up wrong): (interface, items as `(ID, name)`, a name `None` left out).
    pub ids_answer: Option<(String, Vec<IdsItem>)>,
}

/// An item of an ids answer: an ID and its name (`None`: left out).
pub type IdsItem = (String, Option<String>);

pub struct Workspace {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

impl Workspace {
    /// A workspace whose interfaces are (endpoint name, plural, ID prefix, name property).
    pub fn start(interfaces: &[(&str, &str, &str, &str)]) -> Workspace {
        let mut state = State::default();
        for (name, plural, prefix, name_key) in interfaces {
            state.interfaces.insert(
                (*name).to_owned(),
                Iface {
                    plural: (*plural).to_owned(),
                    prefix: (*prefix).to_owned(),
                    name_key: (*name_key).to_owned(),
                    next: 1,
                    ..Iface::default()
                },
            );
        }
        let state = Arc::new(Mutex::new(state));
        let shared = Arc::clone(&state);
        let server = Server::start(move |req, _| handle(&mut shared.lock().unwrap(), req));
        Workspace { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url("/api/v1/workspaces/7550")
    }

    pub fn posts(&self) -> usize {
        self.server.requests().iter().filter(|r| r.method == "POST").count()
    }

    /// The elements of an interface: name -> (ID, fields).
    pub fn elements(&self, interface: &str) -> BTreeMap<String, El> {
        let state = self.state.lock().unwrap();
        state.interfaces[interface]
            .elements
            .iter()
            .map(|e| (e.name.clone(), e.clone()))
            .collect()
    }

    /// The ID of the element named `name` in `interface`.
    pub fn id(&self, interface: &str, name: &str) -> String {
        self.elements(interface)
            .get(name)
            .unwrap_or_else(|| panic!("no element '{name}' in {interface}"))
            .id
            .clone()
    }

    /// The target IDs of an element's relation.
    pub fn targets(&self, interface: &str, name: &str, role_key: &str) -> Vec<String> {
        let els = self.elements(interface);
        let el = els
            .get(name)
            .unwrap_or_else(|| panic!("no element '{name}' in {interface}"));
        el.fields
            .get(role_key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|t| t["@id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    /// Deletes an element in Relatics (by hand there, not by a sync).
    pub fn remove(&self, interface: &str, name: &str) {
        let mut state = self.state.lock().unwrap();
        state
            .interfaces
            .get_mut(interface)
            .unwrap()
            .elements
            .retain(|e| e.name != name);
    }

    /// Gives an element another name in Relatics (by hand there, not by a sync).
    pub fn rename(&self, interface: &str, name: &str, to: &str) {
        let mut state = self.state.lock().unwrap();
        let el = state
            .interfaces
            .get_mut(interface)
            .unwrap()
            .elements
            .iter_mut()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no element '{name}' in {interface}"));
        el.name = to.to_owned();
    }

    pub fn issues(&self) -> Vec<String> {
        self.state.lock().unwrap().issues.clone()
    }
}

fn handle(state: &mut State, req: &Request) -> Reply {
    let Some(rest) = req.path.strip_prefix("/api/v1/workspaces/7550/interfaces/") else {
        return Reply::json(404, "{}");
    };
    let (kind, name) = rest.split_once('/').unwrap_or((rest, ""));
    if !state.interfaces.contains_key(name) {
        return Reply::json(404, r#"{"error": "no such interface"}"#);
    }
    match (req.method.as_str(), kind) {
        ("POST", "synchronizing") => {
            let reply = sync(state, name, &req.body);
            let posts = state.interfaces[name].posts;
            if state.drop_post.as_ref().is_some_and(|(n, k)| n == name && *k == posts) {
                Reply::Drop
            } else {
                reply
            }
        }
        ("GET", "providing") => {
            let iface = state.interfaces.get_mut(name).unwrap();
            iface.reads += 1;
            let reads = iface.reads;
            let mut items: Vec<Value> = iface
                .elements
                .iter()
                .filter(|e| e.visible_from <= reads)
                .map(|e| json!({"@id": e.id, "@name": e.name}))
                .collect();
            if let Some((_, answer)) = state.ids_answer.as_ref().filter(|(n, _)| n == name) {
                items = answer
                    .iter()
                    .map(|(id, n)| match n {
                        Some(n) => json!({"@id": id, "@name": n}),
                        None => json!({"@id": id}),
                    })
                    .collect();
            }
            Reply::json(200, &json!({ iface.plural.clone(): items }).to_string())
        }
        _ => Reply::json(405, "{}"),
    }
}

fn sync(state: &mut State, name: &str, body: &[u8]) -> Reply {
    let posts = {
        let iface = state.interfaces.get_mut(name).unwrap();
        iface.posts += 1;
        iface.posts
    };
    if state.fail_post.as_ref().is_some_and(|(n, k)| n == name && *k == posts) {
        return Reply::json(500, r#"{"error": "internal error"}"#);
    }
    let Ok(doc) = serde_json::from_slice::<Value>(body) else {
        return Reply::json(400, r#"{"error": "not JSON"}"#);
    };
    // Every element ID of the workspace, before this sync.
    let known: std::collections::HashSet<String> = state
        .interfaces
        .values()
        .flat_map(|i| i.elements.iter().map(|e| e.id.clone()))
        .collect();
    let delay = state.delay_reads;
    let mut issues = Vec::new();
    let iface = state.interfaces.get_mut(name).unwrap();
    let Some(items) = doc.get(&iface.plural).and_then(Value::as_array) else {
        return Reply::json(400, r#"{"error": "no plural"}"#);
    };
    let mut kept = Vec::new();
    for item in items {
        let external_id = item["@externalid"].as_str().unwrap_or_default().to_owned();
        let mut fields = serde_json::Map::new();
        for (k, v) in item.as_object().into_iter().flatten() {
            if k == "@externalid" {
                continue;
            }
            let v = match v.as_array() {
                Some(targets) => Value::Array(
                    targets
                        .iter()
                        .filter(|t| {
                            let id = t["@id"].as_str().unwrap_or_default();
                            let ok = known.contains(id);
                            if !ok {
                                issues.push(format!("{name} {external_id}: {k}: '{id}' is not an element ID"));
                            }
                            ok
                        })
                        .cloned()
                        .collect(),
                ),
                None => v.clone(),
            };
            fields.insert(k.clone(), v);
        }
        let el_name = fields
            .get(&iface.name_key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let existing = iface.elements.iter().find(|e| e.external_id == external_id).cloned();
        let el = match existing {
            Some(mut e) => {
                e.name = el_name;
                e.fields = fields;
                e
            }
            None => {
                let id = format!("{}-{}", iface.prefix, iface.next);
                iface.next += 1;
                El {
                    id,
                    external_id,
                    name: el_name,
                    fields,
                    visible_from: iface.reads + 1 + delay,
                }
            }
        };
        kept.push(el);
    }
    iface.elements = kept;
    state.issues.extend(issues);
    Reply::json(200, r#"{"status": "accepted"}"#)
}

/// A project of an object tree (parents by name, three levels) and requirements that name
/// objects.
pub(crate) fn tree_project(dir: &Dir, ws: &Workspace) {
    std::fs::create_dir_all(dir.path("exports")).unwrap();
    std::fs::create_dir_all(dir.path("templates")).unwrap();
    dir.write(
        "exports/objecten.csv",
        "Code;Naam;Onderdeel van\n\
         OBJ-A;Gemaal De Hoop;\n\
         OBJ-B;Pompkelder;Gemaal De Hoop\n\
         OBJ-C;Pomp 1;Pompkelder\n\
         OBJ-D;Pomp 2;pompkelder\n",
    );
    dir.write(
        "exports/eisen.csv",
        "ID;Titel;Geldt voor\n\
         EIS-1;Capaciteit;Pomp 1\n\
         EIS-2;Geluid;\"Gemaal De Hoop\nPomp 2\"\n",
    );
    dir.write(
        "templates/objects.toml",
        "[target]\ntype = \"Object\"\nplural = \"Objecten\"\n[external_id]\ncolumn = \"Code\"\n\
         [[property]]\nname = \"Naam\"\ncolumn = \"Naam\"\ntype = \"single-line-text\"\n\
         [[relation]]\nrole = \"Onderdeel van\"\ncolumn = \"Onderdeel van\"\ntarget = \"Object\"\n\
         cardinality = \"single\"\nlookup = \"interface:objects\"\n",
    );
    dir.write(
        "templates/requirements.toml",
        "[target]\ntype = \"Eis\"\nplural = \"Eisen\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Titel\"\ncolumn = \"Titel\"\ntype = \"single-line-text\"\n\
         [[relation]]\nrole = \"Geldt voor\"\ncolumn = \"Geldt voor\"\ntarget = \"Object\"\n\
         lookup = \"interface:objects\"\n",
    );
    dir.write(
        "relsync.toml",
        format!(
            "[workspace]\nurl = \"{}\"\n\n\
             [[interface]]\nname = \"requirements\"\ninput = \"exports/eisen.csv\"\n\
             template = \"templates/requirements.toml\"\nendpoint = \"synchronizing/requirements\"\n\n\
             [[interface]]\nname = \"objects\"\ninput = \"exports/objecten.csv\"\ntemplate = \"templates/objects.toml\"\n\
             endpoint = \"synchronizing/objects\"\nids = \"providing/objects\"\n",
            ws.url()
        ),
    );
}

pub(crate) fn tree_workspace() -> Workspace {
    Workspace::start(&[
        ("objects", "Objecten", "OBJ", "Naam"),
        ("requirements", "Eisen", "EIS", "Titel"),
    ])
}

fn submit_project(dir: &Dir, extra: &[&str]) -> Run {
    let mut args = vec!["submit", "relsync.toml", "--state-dir", "state", "--wait", "20"];
    args.extend_from_slice(extra);
    dir.run_with(&args, &[("RELATICS_TOKEN", "ws-token-1")], None)
}

/// The tree's relations, as the stand-in holds them.
pub(crate) fn assert_tree_in_place(ws: &Workspace) {
    let id = |n: &str| ws.id("objects", n);
    assert_eq!(
        ws.targets("objects", "Gemaal De Hoop", "Onderdeel_x0020_van"),
        Vec::<String>::new()
    );
    assert_eq!(
        ws.targets("objects", "Pompkelder", "Onderdeel_x0020_van"),
        [id("Gemaal De Hoop")]
    );
    assert_eq!(
        ws.targets("objects", "Pomp 1", "Onderdeel_x0020_van"),
        [id("Pompkelder")]
    );
    assert_eq!(
        ws.targets("objects", "Pomp 2", "Onderdeel_x0020_van"),
        [id("Pompkelder")]
    );
    assert_eq!(
        ws.targets("requirements", "Capaciteit", "Geldt_x0020_voor"),
        [id("Pomp 1")]
    );
    assert_eq!(
        ws.targets("requirements", "Geluid", "Geldt_x0020_voor"),
        [id("Gemaal De Hoop"), id("Pomp 2")]
    );
}

/// A new three-level tree and requirements that point at it, in one run: every relation in
/// place, no sync issue; the second run changes nothing and sends nothing.
#[test]
fn a_new_tree_and_requirements_in_one_run() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let check = dir.run(&["check", "relsync.toml"]);
    assert_eq!(check.code, 0, "{check:?}");
    // (A time limit under the 5 s phase 2 gives each read of the IDs once panicked.)
    let run = submit_project(&dir, &["--allow-deletions", "--timeout", "2"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_tree_in_place(&ws);
    assert_eq!(ws.issues(), Vec::<String>::new());
    // objects (phase 1 without parents, phase 2 with them), then requirements once.
    assert_eq!(ws.posts(), 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("objects: complete") && run.stderr.contains("requirements: complete"),
        "{}",
        run.stderr
    );

    let again = submit_project(&dir, &[]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(ws.posts(), 3, "a second run sends nothing: {}", again.stderr);
    assert!(again.stderr.contains("'objects' is unchanged"), "{}", again.stderr);
    // check now knows the elements Relatics has (the IDs kept by the run).
    let check = dir.run(&["check", "relsync.toml", "--state-dir", "state"]);
    assert_eq!(check.code, 0, "{check:?}");
}

/// Relatics gives new elements their IDs some reads after the sync: phase 2 waits for them.
#[test]
fn phase_two_waits_for_ids_that_come_late() {
    let dir = Dir::new();
    let ws = tree_workspace();
    ws.state.lock().unwrap().delay_reads = 2;
    tree_project(&dir, &ws);
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_tree_in_place(&ws);
    assert!(
        run.stderr.contains("no ID yet; reading the IDs again"),
        "{}",
        run.stderr
    );
}

/// A rename: the parent renamed in its row and in its children's cells keeps every relation.
#[test]
fn a_renamed_parent_keeps_its_children() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    let before = ws.id("objects", "Pompkelder");
    dir.write(
        "exports/objecten.csv",
        "Code;Naam;Onderdeel van\n\
         OBJ-A;Gemaal De Hoop;\n\
         OBJ-B;Pompput;Gemaal De Hoop\n\
         OBJ-C;Pomp 1;Pompput\n\
         OBJ-D;Pomp 2;Pompput\n",
    );
    let posts = ws.posts();
    let run = submit_project(&dir, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    // The children's parent is the element Relatics has under OBJ-B (the body last sent says
    // it was 'Pompkelder'): no relation is left out for a while, one body is sent.
    assert_eq!(ws.posts(), posts + 1, "{}", run.stderr);
    assert!(!run.stderr.contains("wait for elements"), "{}", run.stderr);
    assert_eq!(ws.id("objects", "Pompput"), before, "the same element, renamed");
    assert_eq!(
        ws.targets("objects", "Pomp 1", "Onderdeel_x0020_van"),
        std::slice::from_ref(&before)
    );
    assert_eq!(ws.targets("objects", "Pomp 2", "Onderdeel_x0020_van"), [before]);
    assert_eq!(ws.issues(), Vec::<String>::new());
}

/// A failure in phase 2 stops the run and says what Relatics has; the same command again
/// finishes the job.
#[test]
fn a_failure_in_phase_two_and_the_rerun_that_finishes() {
    let dir = Dir::new();
    let ws = tree_workspace();
    ws.state.lock().unwrap().fail_post = Some(("objects".into(), 2));
    tree_project(&dir, &ws);
    let run = submit_project(&dir, &["--allow-deletions", "--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr
            .contains("objects: phase 1 only: 3 relation targets left out")
            && run.stderr.contains("requirements: complete")
            && run.stderr.contains("run the same command again to finish"),
        "{}",
        run.stderr
    );
    let rerun = submit_project(&dir, &[]);
    assert_eq!(rerun.code, 0, "{rerun:?}");
    assert_tree_in_place(&ws);
    assert_eq!(ws.issues(), Vec::<String>::new());
}

/// `--expect-plan`: a run sends the plan a dry run showed, and refuses (exit 4, nothing sent)
/// when a sheet changed in between.
#[test]
fn a_run_sends_only_the_plan_expected() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let fingerprint = |run: &Run| {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix("plan: sha256 "))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("no fingerprint: {}", run.stdout))
            .to_owned()
    };
    let plan = fingerprint(&submit_project(&dir, &["--dry-run"]));
    assert_eq!(plan.len(), 64, "{plan}");
    // Other new elements named: the bodies are the same (those targets wait), the plan is not.
    let eisen = dir.read("exports/eisen.csv");
    dir.write(
        "exports/eisen.csv",
        eisen.replace("EIS-1;Capaciteit;Pomp 1", "EIS-1;Capaciteit;Pomp 2"),
    );
    let refused = submit_project(&dir, &["--allow-deletions", "--expect-plan", &plan]);
    assert_eq!(refused.code, 4, "{refused:?}");
    dir.write("exports/eisen.csv", &eisen);
    // The project file however spelled: the same plan.
    let again = dir.run_with(
        &["submit", "./relsync.toml", "--state-dir", "state", "--dry-run"],
        &[("RELATICS_TOKEN", "ws-token-1")],
        None,
    );
    assert_eq!(fingerprint(&again), plan, "{}", again.stdout);
    // A value that is no fingerprint: refused before anything is read.
    let bad = submit_project(&dir, &["--allow-deletions", "--expect-plan", "abc"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    // The sheet saved again after the plan was seen: refused, nothing sent.
    let text = dir.read("exports/objecten.csv") + "OBJ-E;Pomp 3;Pompkelder\n";
    dir.write("exports/objecten.csv", &text);
    let refused = submit_project(&dir, &["--allow-deletions", "--expect-plan", &plan]);
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(refused.stderr.contains("is not the one expected"), "{}", refused.stderr);
    assert_eq!(ws.posts(), 0);
    // The plan seen now is the plan sent.
    let plan = fingerprint(&submit_project(&dir, &["--dry-run"]));
    let run = submit_project(&dir, &["--allow-deletions", "--expect-plan", &plan]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!ws.id("objects", "Pomp 3").is_empty());
}

/// A body that differs from the last one only by targets that wait for new elements is not
/// called unchanged in the plan: the run sends it with them.
#[test]
fn a_body_changed_only_by_waiting_targets_is_sent() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    let objects = dir.read("exports/objecten.csv") + "OBJ-E;Pomp 3;Pompkelder\n";
    dir.write("exports/objecten.csv", objects);
    let eisen = dir
        .read("exports/eisen.csv")
        .replace("EIS-1;Capaciteit;Pomp 1", "EIS-1;Capaciteit;\"Pomp 1\nPomp 3\"");
    dir.write("exports/eisen.csv", eisen);
    let plan = submit_project(&dir, &["--dry-run"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let requirements = plan.stdout.split("2. requirements").nth(1).unwrap_or_default();
    assert!(
        requirements.contains("unchanged but for the relation targets that wait")
            && requirements
                .contains("1 relation target waits for elements this run creates (1 name of 'objects': 'Pomp 3')")
            && !requirements.contains("not sent again"),
        "{}",
        plan.stdout
    );
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    let capaciteit = ws.targets("requirements", "Capaciteit", "Geldt_x0020_voor");
    assert!(capaciteit.contains(&ws.id("objects", "Pomp 3")), "{capaciteit:?}");
}

/// A body applied whose answer never came: the end of the run says that Relatics may have it,
/// not that it has nothing of this run.
#[test]
fn a_body_whose_answer_never_came_may_have_arrived() {
    let dir = Dir::new();
    let ws = tree_workspace();
    ws.state.lock().unwrap().drop_post = Some(("objects".into(), 1));
    tree_project(&dir, &ws);
    let run = submit_project(&dir, &["--allow-deletions", "--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("objects: perhaps this run's body")
            && run.stderr.contains("requirements: nothing of this run"),
        "{}",
        run.stderr
    );
    assert!(!ws.elements("objects").is_empty(), "the stand-in applied it");
    // (requirements was never sent: its first submit is consented to again.)
    let rerun = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(rerun.code, 0, "{rerun:?}");
    assert_tree_in_place(&ws);
}

/// Two interfaces that point at each other: requirements verified by tests, tests that verify
/// requirements; both new, one run.
#[test]
fn a_cycle_between_two_interfaces() {
    let dir = Dir::new();
    let ws = Workspace::start(&[
        ("requirements", "Eisen", "EIS", "Titel"),
        ("tests", "Testen", "TST", "Titel"),
    ]);
    dir.write(
        "eisen.csv",
        "ID;Titel;Geverifieerd door\nE1;Capaciteit;Pomptest\nE2;Geluid;Geluidsmeting\n",
    );
    dir.write(
        "testen.csv",
        "ID;Titel;Verifieert\nT1;Pomptest;Capaciteit\nT2;Geluidsmeting;Geluid\n",
    );
    let template = |plural: &str, role: &str, other: &str| {
        format!(
            "[target]\ntype = \"X\"\nplural = \"{plural}\"\n[external_id]\ncolumn = \"ID\"\n\
             [[property]]\nname = \"Titel\"\ncolumn = \"Titel\"\ntype = \"single-line-text\"\n\
             [[relation]]\nrole = \"{role}\"\ncolumn = \"{role}\"\ntarget = \"X\"\nlookup = \"interface:{other}\"\n"
        )
    };
    dir.write("eisen.toml", template("Eisen", "Geverifieerd door", "tests"));
    dir.write("testen.toml", template("Testen", "Verifieert", "requirements"));
    dir.write(
        "relsync.toml",
        format!(
            "[workspace]\nurl = \"{}\"\n\
             [[interface]]\nname = \"requirements\"\ninput = \"eisen.csv\"\ntemplate = \"eisen.toml\"\n\
             endpoint = \"synchronizing/requirements\"\nids = \"providing/requirements\"\n\
             [[interface]]\nname = \"tests\"\ninput = \"testen.csv\"\ntemplate = \"testen.toml\"\n\
             endpoint = \"synchronizing/tests\"\nids = \"providing/tests\"\n",
            ws.url()
        ),
    );
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        ws.targets("requirements", "Capaciteit", "Geverifieerd_x0020_door"),
        [ws.id("tests", "Pomptest")]
    );
    assert_eq!(
        ws.targets("tests", "Geluidsmeting", "Verifieert"),
        [ws.id("requirements", "Geluid")]
    );
    assert_eq!(ws.issues(), Vec::<String>::new());
    // The plan of the next run is what it sends: nothing changes, nothing waits (the first
    // interface's names of the second were not read yet when its body was first made).
    let posts = ws.posts();
    let plan = submit_project(&dir, &["--dry-run"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        !plan.stdout.contains("wait for elements")
            && !plan.stdout.contains("waits for elements")
            && plan
                .stdout
                .matches("unchanged: the body is byte for byte the one last sent")
                .count()
                == 2,
        "{}",
        plan.stdout
    );
    let again = submit_project(&dir, &[]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(ws.posts(), posts, "{}", again.stderr);
}

/// The plan first, and one consent for every interface's deletions: without it (no terminal),
/// nothing is sent and exit 4; the dry run prints the plan and sends nothing.
#[test]
fn the_plan_and_one_consent() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let dry = submit_project(&dir, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("2 interfaces to send, in this order: objects, requirements")
            && dry
                .stdout
                .contains("relation targets wait for elements this run creates")
            && dry.stdout.contains("dry run: nothing was sent"),
        "{}",
        dry.stdout
    );
    assert_eq!(ws.posts(), 0);
    let refused = submit_project(&dir, &[]);
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("relsync has no receipt of an earlier submit of 'objects', 'requirements'"),
        "{}",
        refused.stderr
    );
    assert_eq!(ws.posts(), 0);
    assert!(!dir.exists("state/in-flight"), "a refused run leaves no folder behind");
    // Sent once; then rows removed from both sheets: both deletions in one refusal.
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    let posts = ws.posts();
    dir.write(
        "exports/objecten.csv",
        "Code;Naam;Onderdeel van\nOBJ-A;Gemaal De Hoop;\nOBJ-B;Pompkelder;Gemaal De Hoop\nOBJ-C;Pomp 1;Pompkelder\n",
    );
    dir.write("exports/eisen.csv", "ID;Titel;Geldt voor\nEIS-1;Capaciteit;Pomp 1\n");
    let refused = submit_project(&dir, &[]);
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("Relatics will delete 1 element of 'objects', 1 element of 'requirements'"),
        "{}",
        refused.stderr
    );
    assert_eq!(ws.posts(), posts, "nothing was sent");
}

/// A project of one interface sends the body `submit` sends for its sheet and template, byte
/// for byte.
#[test]
fn a_one_interface_project_sends_what_submit_sends() {
    let dir = Dir::new();
    let ws = Workspace::start(&[("requirements", "Requirements", "REQ", "Name")]);
    req_workbook(&dir, &[req_row("REQ-1", "Pump"), req_row("REQ-2", "Weir")]);
    dir.write(
        "relsync.toml",
        format!(
            "[workspace]\nurl = \"{}\"\n[[interface]]\nname = \"requirements\"\ninput = \"req.xlsx\"\n\
             template = \"req.toml\"\nendpoint = \"synchronizing/requirements\"\n",
            ws.url()
        ),
    );
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    let endpoint = format!("{}/interfaces/synchronizing/requirements", ws.url());
    let single = dir.run_with(
        &[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--endpoint",
            &endpoint,
            "--state-dir",
            "other-state",
            "--allow-deletions",
        ],
        &[("RELATICS_TOKEN", "ws-token-1")],
        None,
    );
    assert_eq!(single.code, 0, "{single:?}");
    let bodies: Vec<Vec<u8>> = ws
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1]);
}

/// The project file is read like a template: every mistake with its file, line and a
/// suggestion.
#[test]
fn project_file_mistakes_name_their_line() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let good = dir.read("relsync.toml");
    for (from, to, expect) in [
        (
            "endpoint = \"synchronizing/objects\"",
            "endpont = \"synchronizing/objects\"",
            "line 14, key 'endpont': 'endpont' is not a project key here",
        ),
        (
            "endpoint = \"synchronizing/objects\"",
            "endpoint = \"synchronizing/requirements\"",
            "send to one endpoint",
        ),
        (
            "input = \"exports/eisen.csv\"",
            "input = \"exports/eisen2.csv\"",
            "line 6, key 'input': interface 'requirements': the input",
        ),
        (
            "ids = \"providing/objects\"\n",
            "",
            "interface 'objects' needs ids = \"providing/...\"",
        ),
    ] {
        assert!(good.contains(from), "{from}");
        dir.write("relsync.toml", good.replacen(from, to, 1));
        let run = dir.run(&["check", "relsync.toml"]);
        assert_eq!(run.code, 2, "{to}: {run:?}");
        assert!(run.stderr.contains(expect), "{to}: {}", run.stderr);
    }
    dir.write("relsync.toml", &good);
    let template = dir.read("templates/requirements.toml");
    dir.write(
        "templates/requirements.toml",
        template.replace("interface:objects", "interface:object"),
    );
    let run = dir.run(&["check", "relsync.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("templates/requirements.toml, line 14, key 'lookup': the project has no interface 'object'")
            && run.stderr.contains("did you mean 'interface:objects'?"),
        "{}",
        run.stderr
    );
    // A template with interface: lookups cannot be used on its own.
    dir.write("templates/requirements.toml", &template);
    let run = dir.run(&["check", "exports/eisen.csv", "-t", "templates/requirements.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("names an interface of a project"), "{}", run.stderr);
}

/// Names that resolve to nothing, or to several, are problems at their cell, in the report of
/// their interface (with its file), for check and submit alike.
#[test]
fn check_reports_unknown_and_ambiguous_names_per_interface() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    dir.write(
        "exports/objecten.csv",
        "Code;Naam;Onderdeel van\nOBJ-A;Gemaal De Hoop;\nOBJ-B;Pompkelder;Gemaal De Hop\nOBJ-C;Pomp 1;Pompkelder\n\
         OBJ-D;Pomp 1;Pompkelder\n",
    );
    let run = dir.run(&["check", "relsync.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let interfaces = report["interfaces"].as_array().unwrap();
    assert_eq!(interfaces[0]["interface"], "requirements");
    assert_eq!(interfaces[1]["interface"], "objects");
    let objects = &interfaces[1];
    let unknown = problems_with_code(objects, "unknown-target");
    assert_eq!(unknown.len(), 1, "{objects}");
    assert_eq!(unknown[0]["cell"], "C3");
    assert!(
        unknown[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean 'Gemaal De Hoop'")
    );
    let ambiguous = problems_with_code(&interfaces[0], "ambiguous-target");
    assert_eq!(ambiguous.len(), 1, "{}", interfaces[0]);
    assert_eq!(ambiguous[0]["cell"], "C2");
    assert!(
        ambiguous[0]["message"]
            .as_str()
            .unwrap()
            .contains("is the name of 2 rows of interface 'objects'"),
        "{}",
        ambiguous[0]["message"]
    );
    let text = dir.run(&["check", "relsync.toml"]);
    assert!(
        text.stdout.contains("exports/objecten.csv: C3  error  unknown-target"),
        "{}",
        text.stdout
    );
    let html = dir.run(&[
        "check",
        "relsync.toml",
        "--html-report",
        "r.html",
        "--annotate",
        "annotated",
    ]);
    assert_eq!(html.code, 1);
    let page = dir.read("r.html");
    assert!(page.contains("Interface requirements") && page.contains("Interface objects"));
    assert!(dir.exists("annotated/objects.xlsx") && dir.exists("annotated/requirements.xlsx"));
    let submit = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(submit.code, 1, "{submit:?}");
    assert_eq!(ws.posts(), 0);
}

/// An ids answer with two elements of one name: a cell naming it is ambiguous, with the
/// interface named, when the run leaves that interface as it is (`--only`); when the run sends
/// it, a name that is no row of its sheet is an element the run deletes.
#[test]
fn ids_with_two_elements_of_one_name_are_ambiguous() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    {
        let mut state = ws.state.lock().unwrap();
        let objects = state.interfaces.get_mut("objects").unwrap();
        for (id, name) in [("OBJ-90", "Oud gemaal"), ("OBJ-91", "Oud gemaal")] {
            objects.elements.push(El {
                id: id.into(),
                external_id: format!("X-{id}"),
                name: name.into(),
                fields: serde_json::Map::new(),
                visible_from: 0,
            });
        }
    }
    dir.write(
        "exports/eisen.csv",
        "ID;Titel;Geldt voor\nEIS-1;Capaciteit;Oud gemaal\n",
    );
    let run = submit_project(&dir, &["--dry-run", "--only", "requirements"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("'Oud gemaal' names 2 elements of interface 'objects' in Relatics (OBJ-90, OBJ-91)"),
        "{}",
        run.stderr
    );
    let run = submit_project(&dir, &["--dry-run"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(
            "C2  error  unknown-target  'Geldt voor': 'Oud gemaal' is no row of interface 'objects' \
             (exports/objecten.csv), so the element Relatics has of that name (OBJ-90) is deleted by this run"
        ),
        "{}",
        run.stderr
    );
}

/// `--only` sends the interfaces named; targets that wait for elements of an interface the run
/// does not send stay left out, said, with exit 6; without `--only` the next run finishes.
#[test]
fn only_narrows_the_run() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let run = submit_project(&dir, &["--allow-deletions", "--only", "requirements"]);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(
        run.stderr.contains("not sent this run (--only): objects")
            && run
                .stderr
                .contains("requirements: phase 1 only: 3 relation targets left out"),
        "{}",
        run.stderr
    );
    assert!(ws.elements("objects").is_empty());
    // The names still waiting, so their cells can be found.
    assert!(
        run.stderr
            .contains("waiting for elements of 'objects' named 'Gemaal De Hoop', 'Pomp 1', 'Pomp 2'")
            && run
                .stderr
                .contains("names of 'objects' wait until a run sends it too (leave out --only, or add --only objects)"),
        "{}",
        run.stderr
    );
    let typo = submit_project(&dir, &["--only", "requirement"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("did you mean 'requirements'?"), "{}", typo.stderr);
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_tree_in_place(&ws);
}

/// An element renamed in Relatics by hand since the last run (its sheet unchanged): its ID,
/// read then under its name, is still there, so no relation to it is left out (they were, and
/// the run waited in vain for that name), and nothing is sent.
#[test]
fn an_element_renamed_in_relatics_keeps_its_relations() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    let posts = ws.posts();
    ws.rename("objects", "Pompkelder", "Pompkelder (oud)");
    let run = submit_project(&dir, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.posts(), posts, "nothing changed, nothing sent: {}", run.stderr);
    assert_eq!(
        ws.targets("objects", "Pomp 1", "Onderdeel_x0020_van"),
        [ws.id("objects", "Pompkelder (oud)")]
    );
}

/// An ids answer that gives an element no name: the element it was at the last run is still
/// there by its ID, so no relation to it is left out. One that gives an element two names
/// cannot be used: the run stops before sending.
#[test]
fn ids_answers_without_a_name_or_with_two() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    let posts = ws.posts();
    let answer = |rename: &dyn Fn(&str) -> Option<String>| {
        let items: Vec<IdsItem> = ws
            .elements("objects")
            .values()
            .map(|e| (e.id.clone(), rename(&e.name)))
            .collect();
        ws.state.lock().unwrap().ids_answer = Some(("objects".into(), items));
    };
    answer(&|n| (n != "Pompkelder").then(|| n.to_owned()));
    let run = submit_project(&dir, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.posts(), posts, "nothing changed: {}", run.stderr);
    assert!(run.stderr.contains("has no name"), "{}", run.stderr);
    assert_tree_in_place(&ws);
    // One element under two names (and another left out).
    let pomp1 = ws.id("objects", "Pomp 1");
    let mut items: Vec<IdsItem> = ws
        .elements("objects")
        .values()
        .filter(|e| e.name != "Pomp 2")
        .map(|e| (e.id.clone(), Some(e.name.clone())))
        .collect();
    items.push((pomp1.clone(), Some("Pomp 2".into())));
    ws.state.lock().unwrap().ids_answer = Some(("objects".into(), items));
    let run = submit_project(&dir, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("give one element two names: {pomp1} is 'Pomp 1' and 'Pomp 2'")),
        "{}",
        run.stderr
    );
    assert_eq!(ws.posts(), posts);
}

/// An element deleted in Relatics by hand while its sheet is unchanged: no sync of the next
/// run would make it again, and the plan says so and what does (--resend).
#[test]
fn an_element_deleted_in_relatics_is_made_again_with_resend() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    ws.remove("objects", "Pomp 2");
    let plan = submit_project(&dir, &["--dry-run"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout.contains(
            "'requirements' waits for an element of 'objects' ('Pomp 2') that Relatics has no ID for, and 'objects' \
             is not sent again"
        ) && plan.stdout.contains("--resend sends those interfaces again"),
        "{}",
        plan.stdout
    );
    let run = submit_project(&dir, &["--resend", "--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    let geluid = ws.targets("requirements", "Geluid", "Geldt_x0020_voor");
    assert!(geluid.contains(&ws.id("objects", "Pomp 2")), "{geluid:?}");
    assert_eq!(ws.issues(), Vec::<String>::new());
}

/// An ids answer whose elements have no name cannot be used: said with the interface, nothing
/// sent.
#[test]
fn an_ids_answer_without_names_stops_the_run() {
    let dir = Dir::new();
    let server = Server::start(|req, _| {
        if req.path.contains("/providing/") {
            Reply::json(200, r#"{"Objecten": [{"@id": "OBJ-1"}]}"#)
        } else {
            Reply::json(200, "{}")
        }
    });
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let project = dir
        .read("relsync.toml")
        .replace(&ws.url(), &server.url("/api/v1/workspaces/7550"));
    dir.write("relsync.toml", project);
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("the IDs read from interface 'objects'")
            && run.stderr.contains("has elements without an id and a name field"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().iter().filter(|r| r.method == "POST").count(), 0);
}

/// New external ids for the same names: the elements Relatics has are deleted by the run, so
/// a name is the new element's, never the ID of the one deleted (that target would be dropped
/// by Relatics as a sync issue).
#[test]
fn new_external_ids_for_old_names_point_at_the_new_elements() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    let old = ws.id("objects", "Pompkelder");
    let text = dir.read("exports/objecten.csv").replace("OBJ-", "NEW-");
    dir.write("exports/objecten.csv", text);
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_ne!(ws.id("objects", "Pompkelder"), old, "a new element");
    assert_tree_in_place(&ws);
    assert_eq!(ws.issues(), Vec::<String>::new());
}

/// A row removed while another sheet still names it: the element is deleted by the run, so the
/// name is an error at its cell, in check and before submit sends anything.
#[test]
fn a_name_of_a_removed_row_is_an_error_before_anything_is_sent() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    assert_eq!(submit_project(&dir, &["--allow-deletions"]).code, 0);
    let posts = ws.posts();
    let text = dir
        .read("exports/objecten.csv")
        .replace("OBJ-D;Pomp 2;pompkelder\n", "");
    dir.write("exports/objecten.csv", text);
    let check = dir.run(&["check", "relsync.toml", "--state-dir", "state"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(
        check
            .stdout
            .contains("C3  error  unknown-target  'Geldt voor': 'Pomp 2' is no row of interface 'objects'"),
        "{}",
        check.stdout
    );
    let run = submit_project(&dir, &["--allow-deletions"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(ws.posts(), posts, "nothing sent");
    // Renamed, not removed: the message says so (adding the row back would make a second
    // element).
    let text = dir
        .read("exports/objecten.csv")
        .replace("OBJ-C;Pomp 1;", "OBJ-C;Pomp 1A;")
        + "OBJ-D;Pomp 2;pompkelder\n";
    dir.write("exports/objecten.csv", text);
    let check = dir.run(&["check", "relsync.toml", "--state-dir", "state"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(
        check.stdout.contains(
            "'Pomp 1' is no longer a name of interface 'objects': its row 'OBJ-C' (exports/objecten.csv) renames \
             that element"
        ) && check.stdout.contains("to 'Pomp 1A' in this run; write the new name"),
        "{}",
        check.stdout
    );
}

/// Two rows of one name, one naming the other's name as its parent: ambiguous in check,
/// however the rows are ordered; a name twice in one cell is a duplicate-target warning.
#[test]
fn a_name_two_rows_have_is_ambiguous_even_in_its_own_row() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    dir.write(
        "exports/objecten.csv",
        "Code;Naam;Onderdeel van\n\
         OBJ-A;Gemaal De Hoop;\n\
         OBJ-B;Pompkelder;Gemaal De Hoop\n\
         OBJ-C;Pomp 1;Pompkelder\n\
         OBJ-D;Pomp 2;Pompkelder\n\
         OBJ-E;Pompkelder;Pompkelder\n",
    );
    dir.write(
        "exports/eisen.csv",
        "ID;Titel;Geldt voor\nEIS-1;Capaciteit;\"Pomp 1\npomp  1\"\n",
    );
    let check = dir.run(&["check", "relsync.toml", "--report", "json"]);
    assert_eq!(check.code, 1, "{check:?}");
    let report = check.json();
    let objects = report["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["interface"] == "objects")
        .unwrap();
    let cells: Vec<&str> = problems_with_code(objects, "ambiguous-target")
        .iter()
        .map(|p| p["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["C4", "C5", "C6"], "{objects}");
    let requirements = report["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["interface"] == "requirements")
        .unwrap();
    let twice = problems_with_code(requirements, "duplicate-target");
    assert_eq!(twice.len(), 1, "{requirements}");
    assert_eq!(twice[0]["cell"], "C2");
}

/// What the run planned is what it sends: a sheet saved again while the run waits for IDs is
/// not read again (the run reads a copy made at its start), and another submit to one of its
/// endpoints waits until the run ends (it holds their locks from the plan to its last body).
#[test]
fn a_run_sends_what_it_planned_and_holds_its_endpoints() {
    let dir = Dir::new();
    let ws = tree_workspace();
    ws.state.lock().unwrap().delay_reads = 3;
    tree_project(&dir, &ws);
    let run = dir
        .command(&[
            "submit",
            "relsync.toml",
            "--state-dir",
            "state",
            "--wait",
            "60",
            "--allow-deletions",
        ])
        .env("RELATICS_TOKEN", "ws-token-1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Phase 1 of objects is sent; the run now waits for their IDs.
    let started = std::time::Instant::now();
    while ws.posts() == 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "no phase 1");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    dir.write(
        "exports/objecten.csv",
        "Code;Naam;Onderdeel van\nOBJ-A;Gemaal De Hoop;\n",
    );
    let other = dir.run_with(
        &[
            "submit",
            "relsync.toml",
            "--state-dir",
            "state",
            "--allow-deletions",
            "--only",
            "objects",
        ],
        &[("RELATICS_TOKEN", "ws-token-1")],
        None,
    );
    assert_eq!(other.code, 2, "{other:?}");
    assert!(
        other.stderr.contains("another submit to this endpoint is running"),
        "{}",
        other.stderr
    );
    let out = run.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // Every planned object is there, with its parent.
    assert_tree_in_place(&ws);
    assert_eq!(ws.issues(), Vec::<String>::new());
}

/// Two interfaces whose endpoints are one interface spelled otherwise, or one `ids` for two:
/// refused with the lines.
#[test]
fn one_endpoint_however_spelled_is_refused() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    for (a, b, words) in [
        (
            "synchronizing/objects",
            "SYNCHRONIZING//%6Fbjects/",
            "send to one endpoint",
        ),
        (
            "synchronizing/objects",
            "synchronizing/requirements\"\nids = \"Providing/Objects",
            "read their IDs from one",
        ),
    ] {
        let text = dir
            .read("relsync.toml")
            .replace(
                "endpoint = \"synchronizing/requirements\"",
                &format!("endpoint = \"{b}\""),
            )
            .replace("endpoint = \"synchronizing/objects\"", &format!("endpoint = \"{a}\""));
        dir.write("twice.toml", text);
        let run = dir.run(&["check", "twice.toml"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(words), "{words}: {}", run.stderr);
    }
}

/// `--annotate DIR` never writes over an input, and two interfaces never share a copy; an
/// input that is a pipe is refused before anything reads it.
#[test]
fn annotated_copies_and_inputs_that_are_no_files() {
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let text = dir
        .read("relsync.toml")
        .replace("exports/objecten.csv", "exports/objects.xlsx");
    dir.write("over.toml", text);
    xlsx(
        &dir.path("exports/objects.xlsx"),
        "Objecten",
        &[
            vec![C::S("Code"), C::S("Naam"), C::S("Onderdeel van")],
            vec![C::S("OBJ-A"), C::S("Gemaal"), C::Blank],
        ],
    );
    let before = std::fs::read(dir.path("exports/objects.xlsx")).unwrap();
    let run = dir.run(&["check", "over.toml", "--annotate", "exports"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("refusing to write the annotated copy of 'objects'"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(dir.path("exports/objects.xlsx")).unwrap(), before);
    #[cfg(unix)]
    {
        let fifo = dir.path("exports/pipe.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let text = dir
            .read("relsync.toml")
            .replace("exports/objecten.csv", "exports/pipe.csv");
        dir.write("pipe.toml", text);
        let run = dir.run(&["check", "pipe.toml"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("is not a regular file"), "{}", run.stderr);
    }
    let text = dir
        .read("relsync.toml")
        .replace("name = \"requirements\"", "name = \"a/b\"")
        .replace("name = \"objects\"", "name = \"a_b\"")
        .replace("interface:objects", "interface:a_b");
    dir.write("clash.toml", text);
    let t = dir
        .read("templates/objects.toml")
        .replace("interface:objects", "interface:a_b");
    dir.write("templates/objects.toml", t);
    let t = dir
        .read("templates/requirements.toml")
        .replace("interface:objects", "interface:a_b");
    dir.write("templates/requirements.toml", t);
    let run = dir.run(&["check", "clash.toml", "--annotate", "copies"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("would both be"), "{}", run.stderr);
}
