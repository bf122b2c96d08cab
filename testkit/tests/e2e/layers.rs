//! The shape of the house holds: the kiosk does not link the server, and the server's layers do
//! not depend back up the chain (db ← ops ← projections ← http).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// The workspace crates a crate depends on for its build (normal dependencies), by directory.
fn workspace_deps(dir: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(dir).join("Cargo.toml")).unwrap();
    let deps = text
        .split("\n[dependencies]\n")
        .nth(1)
        .unwrap_or("")
        .split("\n[")
        .next()
        .unwrap_or("")
        .to_owned();
    deps.lines()
        .filter_map(|l| l.split('.').next())
        .filter_map(|name| name.trim().strip_prefix("motcua-"))
        .map(str::to_owned)
        .collect()
}

fn all_deps(dir: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for dep in workspace_deps(&d) {
            if !seen.contains(&dep) {
                seen.push(dep.clone());
                todo.push(dep);
            }
        }
    }
    seen
}

#[test]
fn the_kiosk_links_neither_the_server_nor_its_crates() {
    let deps = all_deps("kiosk");
    assert!(deps.contains(&"protocol".to_owned()), "{deps:?}");
    assert!(deps.contains(&"client".to_owned()), "{deps:?}");
    assert!(!deps.contains(&"server".to_owned()), "{deps:?}");
    for d in std::iter::once("kiosk".to_owned()).chain(deps) {
        let text = std::fs::read_to_string(root().join(&d).join("Cargo.toml")).unwrap();
        let normal = text.split("\n[dev-dependencies]").next().unwrap_or("");
        for banned in ["axum", "argon2", "motcua-server"] {
            assert!(
                !normal.lines().any(|l| l.trim_start().starts_with(banned)),
                "{d} depends on {banned}"
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_server_layers_do_not_depend_back_up_the_chain() {
    let src = root().join("server/src");
    let rules: [(&str, &[&str]); 4] = [
        (
            "db",
            &["crate::ops", "crate::projections", "crate::http", "axum"],
        ),
        ("ops", &["crate::projections", "crate::http", "axum"]),
        ("projections", &["crate::http", "axum"]),
        // Beside the layers: used by them, using none but the store.
        (
            "calendars.rs sessions.rs throttle.rs clock.rs config.rs",
            &["crate::ops", "crate::projections", "crate::http", "axum"],
        ),
    ];
    let mut checked = 0;
    for (place, banned) in rules {
        let mut files = Vec::new();
        for p in place.split(' ') {
            let path = src.join(p);
            if path.is_dir() {
                rust_files(&path, &mut files);
            } else {
                files.push(path);
            }
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for b in banned {
                    assert!(
                        !line.contains(b),
                        "{} uses {b}: {line}",
                        f.strip_prefix(&src).unwrap().display()
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 25, "{checked} files checked");
}
