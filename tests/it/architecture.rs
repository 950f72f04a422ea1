//! Keeps the map in docs/architecture.md true: who may import what, read from the `crate::`
//! and `super::` paths of every file under `src/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every source file: (path relative to `src/`, text without comments).
fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code: Vec<&str> = text
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or_default())
                    .collect();
                out.push((
                    path.strip_prefix(&root).unwrap().to_owned(),
                    code.join("\n"),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file belongs to (`db` for `db/users.rs`, `jobs` for `jobs.rs`).
fn module_of(path: &Path) -> String {
    let first = path
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The names that follow `prefix` in `code`: `prefix::a::…`, `prefix::b;` and each first
/// name in `prefix::{c, d::…}`.
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && depth == 0 && !c.is_whitespace() => {
                        found.insert(word(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(word(rest));
        }
    }
    found.retain(|name| !name.is_empty() && name != "self");
    found
}

/// Which top-level modules each top-level module uses.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, code) in sources() {
        let module = module_of(&path);
        let used = names_after(&code, "crate::");
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(used.into_iter().filter(|m| *m != module));
    }
    graph
}

/// Which files of one folder each file of it uses (`mod.rs`, the folder's face, left out).
fn file_graphs() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let files = sources();
    let mut folders: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (path, _) in &files {
        if path.components().count() == 2 {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if name != "mod" {
                folders
                    .entry(module_of(path))
                    .or_default()
                    .insert(name, BTreeSet::new());
            }
        }
    }
    for (path, code) in &files {
        let folder = module_of(path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let Some(siblings) = folders.get_mut(&folder) else {
            continue;
        };
        if name == "mod" || path.components().count() != 2 {
            continue;
        }
        let mut used = names_after(code, "super::");
        used.extend(names_after(code, &format!("crate::{folder}::")));
        let known: BTreeSet<String> = siblings.keys().cloned().collect();
        let edges = siblings.get_mut(&name).unwrap();
        edges.extend(used.into_iter().filter(|u| *u != name && known.contains(u)));
    }
    folders
}

/// The circles of a graph: each group of two or more nodes that reach one another.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|node| (node, reach(node))).collect();
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for (node, reaches) in &reached {
        let mut group: Vec<String> = reaches
            .iter()
            .filter(|other| reached.get(other).is_some_and(|back| back.contains(*node)))
            .cloned()
            .collect();
        if !group.is_empty() {
            if !group.contains(node) {
                group.push((*node).clone());
            }
            group.sort();
            found.insert(group);
        }
    }
    found.into_iter().filter(|g| g.len() > 1).collect()
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let graph = module_graph();
    assert!(graph.len() > 20, "every module is read: {:?}", graph.keys());
    assert_eq!(circles(&graph), Vec::<Vec<String>>::new(), "{graph:#?}");
}

#[test]
fn no_import_circle_between_the_files_of_a_folder() {
    for (folder, graph) in file_graphs() {
        assert_eq!(
            circles(&graph),
            Vec::<Vec<String>>::new(),
            "src/{folder}: {graph:#?}"
        );
    }
}

#[test]
fn the_circle_finder_finds_circles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(circles(&graph), vec![vec!["a", "b", "c"]]);
    assert_eq!(
        names_after("use super::{a::X, b, c::{d, e}};\nsuper::f::g()", "super::"),
        ["a", "b", "c", "f"].map(str::to_owned).into()
    );
}

/// The data layer depends on nothing above it: only the plain types below it and the
/// settings that say where the database is.
#[test]
fn the_data_layer_depends_on_nothing_above_it() {
    let graph = module_graph();
    let allowed: BTreeSet<String> = ["model", "i18n", "config"].map(str::to_owned).into();
    let above: Vec<_> = graph["db"].difference(&allowed).collect();
    assert!(above.is_empty(), "db/ imports {above:?}");
    let allowed: BTreeSet<String> = ["i18n", "fonts"].map(str::to_owned).into();
    let above: Vec<_> = graph["model"].difference(&allowed).collect();
    assert!(above.is_empty(), "model/ imports {above:?}");
    for leaf in ["i18n", "fonts", "clock", "bounded"] {
        assert!(graph[leaf].is_empty(), "{leaf} imports {:?}", graph[leaf]);
    }
}

/// The only files of `web/` that may name `db::` (docs/architecture.md says why): the
/// extractor that confirms a session in the same trip as a page's reads, the state that
/// holds the database handle, and the error mapping that turns the data layer's kinds of
/// failure into pages. Every handler calls a use case of its domain instead.
const WEB_FILES_THAT_MAY_NAME_DB: [&str; 3] = ["error", "extract", "state"];

#[test]
fn the_web_layer_names_the_database_only_in_its_three_exceptions() {
    let using: BTreeSet<String> = sources()
        .into_iter()
        .filter(|(path, code)| {
            module_of(path) == "web" && names_after(code, "crate::").contains("db")
        })
        .map(|(path, _)| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = WEB_FILES_THAT_MAY_NAME_DB.map(str::to_owned).into();
    assert_eq!(
        using, listed,
        "web/ calls use cases; only these files may name db::"
    );
}

fn offenders(dirs: &[&str], forbidden: &str) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(path, code)| dirs.contains(&module_of(path).as_str()) && code.contains(forbidden))
        .map(|(path, _)| path.display().to_string())
        .collect()
}

#[test]
fn the_web_layer_never_touches_diesel() {
    assert_eq!(offenders(&["web"], "diesel"), Vec::<String>::new());
}

#[test]
fn the_domain_knows_neither_http_nor_sql() {
    let domain = [
        "accounts",
        "organisations",
        "i18n",
        "email",
        "cohorts",
        "reports",
        "learning",
        "quizzes",
        "certificates",
        "courses",
        "model",
    ];
    assert_eq!(offenders(&domain, "actix"), Vec::<String>::new());
    // The one exception: the typed ids derive `DieselNewType`, the trait implementations
    // that let a query bind and read an id as itself. The file holds no query.
    let sql: Vec<String> = offenders(&domain, "diesel")
        .into_iter()
        .filter(|path| !path.ends_with("model/ids.rs"))
        .collect();
    assert_eq!(sql, Vec::<String>::new());
}

#[test]
fn the_database_layer_knows_nothing_of_http_or_templates() {
    assert_eq!(offenders(&["db"], "actix"), Vec::<String>::new());
    assert_eq!(offenders(&["db"], "tera"), Vec::<String>::new());
}
