//! Keeps the map in docs/architecture.md true: who may import what.

use std::path::Path;

fn sources(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under src/{dir}");
    out
}

fn offenders(dirs: &[&str], forbidden: &str) -> Vec<String> {
    dirs.iter()
        .flat_map(|dir| sources(dir))
        .filter(|(_, text)| {
            text.lines()
                .any(|l| !l.trim_start().starts_with("//") && l.contains(forbidden))
        })
        .map(|(path, _)| path)
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
    ];
    assert_eq!(offenders(&domain, "actix"), Vec::<String>::new());
    assert_eq!(offenders(&domain, "diesel"), Vec::<String>::new());
}

#[test]
fn the_database_layer_knows_nothing_of_http_or_templates() {
    assert_eq!(offenders(&["db"], "actix"), Vec::<String>::new());
    assert_eq!(offenders(&["db"], "tera"), Vec::<String>::new());
}
