//! The house rules of `DESIGN.md` as a test: the top-level modules of `src/` form no import
//! cycle, the engine never reaches the TUI, the `Snapshot`/`Command` leaf imports none of the
//! modules above it, and no database driver is named outside `src/store/`.
//!
//! How the graph is read: every `src/**/*.rs` belongs to its top-level module (`src/<name>.rs` or
//! `src/<name>/...`). Its edges are the `crate::<module>` paths in its code (use statements,
//! grouped `use crate::{a, b::c}` and inline paths alike) and `super::` chains that climb out to
//! the crate root. Comments, doc comments, string and char literals are blanked first, so prose
//! that mentions `crate::tui` is no edge.
//!
//! Exempt from the graph (not from the driver check): `lib.rs` and `main.rs` (they declare and
//! dispatch every module), and test-only code: every item under `#[cfg(test)]` (inline `mod tests
//! { .. }` blocks, test helpers) and whole files declared by `#[cfg(test)] mod name;` (for example
//! `pricing/engine_tests.rs`, `tui/snapshot_tests.rs`, `snapshot/fixture.rs`). Tests may reach
//! across the house to build what they check; the product may not. Known blind spot: a `super::`
//! chain inside an inline module is counted from the file's module, not the inline one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Files outside `src/store/` that still name `rusqlite` while their SQL moves into `store/`
/// (issue 14, item 1). This list must shrink to empty: remove a file as soon as its SQL has
/// moved, and never add one.
const RUSQLITE_ALLOWED_OUTSIDE_STORE: &[&str] = &[];

/// Database drivers only `src/store/` may name.
const DRIVER_CRATES: &[&str] = &[
    "rusqlite",
    "postgres",
    "tokio_postgres",
    "deadpool_postgres",
    "sqlx",
];

/// Modules the `snapshot` leaf must never reach: the engine and everything that consumes it.
const ABOVE_THE_LEAF: &[&str] = &[
    "engine",
    "alerts",
    "metrics",
    "api",
    "tui",
    "frontends",
    "commands",
    "app",
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// One source file: its path relative to the crate root (`src/...`, `/`-separated), its
/// module path (`src/a/b.rs` and `src/a/b/mod.rs` are `[a, b]`) and its text.
struct SourceFile {
    rel: String,
    module_path: Vec<String>,
    text: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn sources() -> Vec<SourceFile> {
    let src = src_dir();
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let rel_src = p.strip_prefix(&src).expect("under src/");
            let parts: Vec<String> = rel_src
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let mut module_path: Vec<String> = parts.clone();
            let last = module_path.pop().expect("a file name");
            let stem = last.trim_end_matches(".rs").to_string();
            if stem != "mod" && !(module_path.is_empty() && (stem == "lib" || stem == "main")) {
                module_path.push(stem);
            }
            SourceFile {
                rel: format!("src/{}", parts.join("/")),
                module_path,
                text: fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            }
        })
        .collect()
}

/// The names of the top-level modules: `src/<name>.rs` and `src/<name>/mod.rs`.
fn top_level_modules(files: &[SourceFile]) -> BTreeSet<String> {
    files
        .iter()
        .filter(|f| {
            let depth = f.rel.matches('/').count();
            (depth == 1 && f.rel != "src/lib.rs" && f.rel != "src/main.rs")
                || (depth == 2 && f.rel.ends_with("/mod.rs"))
        })
        .map(|f| f.module_path[0].clone())
        .collect()
}

/// The code of a Rust file with comments and string/char literals replaced by spaces (newlines
/// kept), so that only code is searched.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            continue;
        }
        // Raw strings: r"..", r#".."#, br#".."#.
        let prev_ident = i > 0 && is_ident(c[i - 1]);
        let raw_start = if !prev_ident && ch == 'r' {
            Some(i + 1)
        } else if !prev_ident && ch == 'b' && next == Some('r') {
            Some(i + 2)
        } else {
            None
        };
        if let Some(mut j) = raw_start {
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) == Some(&'"') {
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                for &x in &c[i..j.min(c.len())] {
                    blank(&mut out, x);
                }
                i = j;
                continue;
            }
        }
        if ch == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
            continue;
        }
        if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}', '{'); otherwise a lifetime or label.
            let end = if next == Some('\\') {
                (i + 3..c.len()).find(|&j| c[j] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = end {
                for &x in &c[i..=end] {
                    blank(&mut out, x);
                }
                i = end + 1;
                continue;
            }
        }
        out.push(ch);
        i += 1;
    }
    out
}

/// Where the item that starts at byte `from` of `code` ends (exclusive): at its `;` outside any
/// bracket, or at the `}` closing its first top-level block (a `use` item always ends at `;`).
fn item_end(code: &str, from: usize) -> usize {
    let rest = &code[from..];
    let is_use = {
        let t = rest.trim_start();
        let t = t.strip_prefix("pub").map_or(t, |t| {
            let t = t.trim_start();
            match t.strip_prefix('(') {
                Some(after) => after.split_once(')').map_or(t, |(_, r)| r),
                None => t,
            }
        });
        t.trim_start().starts_with("use ")
    };
    let mut depth = 0i32;
    for (k, ch) in rest.char_indices() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth -= 1,
            '}' => {
                depth -= 1;
                if depth == 0 && !is_use {
                    return from + k + 1;
                }
            }
            ';' if depth == 0 => return from + k + 1,
            _ => {}
        }
    }
    code.len()
}

/// Removes every item under `#[cfg(test)]` from `code` (already comment- and string-free) and
/// returns the rest with the names of the out-of-line test modules it declared
/// (`#[cfg(test)] mod name;`).
fn strip_test_items(code: &str) -> (String, Vec<String>) {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut test_mods = Vec::new();
    let mut pos = 0;
    while let Some(k) = code[pos..].find(ATTR) {
        let start = pos + k;
        out.push_str(&code[pos..start]);
        // Further attributes on the same item (`#[allow(..)]`, doc attributes).
        let mut item = start + ATTR.len();
        loop {
            let t = code[item..].trim_start();
            let skipped = code.len() - item - t.len();
            if t.starts_with("#[") {
                item += skipped;
                let mut depth = 0;
                for (j, ch) in code[item..].char_indices() {
                    match ch {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                item += j + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            } else {
                break;
            }
        }
        let end = item_end(code, item);
        let words: Vec<&str> = code[item..end]
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == ';'))
            .filter(|w| !w.is_empty())
            .collect();
        if let Some(m) = words.iter().position(|w| *w == "mod") {
            if let Some(name) = words.get(m + 1) {
                if let Some(name) = name.strip_suffix(';') {
                    test_mods.push(name.to_string());
                }
            }
        }
        out.extend(
            code[start..end]
                .chars()
                .map(|ch| if ch == '\n' { '\n' } else { ' ' }),
        );
        pos = end;
    }
    out.push_str(&code[pos..]);
    (out, test_mods)
}

/// The top-level modules `code` (of a file at `module_path`) refers to.
fn references(code: &str, module_path: &[String], modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let bytes: Vec<char> = code.chars().collect();
    let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let word_at = |i: usize, w: &str| {
        let n = w.chars().count();
        (i == 0 || !is_ident(bytes[i - 1]))
            && i + n <= bytes.len()
            && bytes[i..i + n].iter().copied().eq(w.chars())
    };
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_whitespace() {
            i += 1;
        }
        i
    };
    let ident_at =
        |i: usize| -> String { bytes[i..].iter().take_while(|ch| is_ident(**ch)).collect() };
    // After `crate::` (or a `super::` chain that reaches the crate root) at `i`: one module name,
    // or a `{ .. }` group whose elements each start with one.
    let take = |i: usize, refs: &mut BTreeSet<String>| {
        let i = skip_ws(i);
        if bytes.get(i) == Some(&'{') {
            let mut depth = 0;
            let mut element_start = true;
            for (j, &ch) in bytes.iter().enumerate().skip(i) {
                match ch {
                    '{' => {
                        depth += 1;
                        element_start = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => element_start = true,
                    ch if element_start && depth == 1 && is_ident(ch) => {
                        refs.insert(ident_at(j));
                        element_start = false;
                    }
                    ch if !ch.is_whitespace() => element_start = false,
                    _ => {}
                }
            }
        } else {
            refs.insert(ident_at(i));
        }
    };
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if word_at(i, "crate") {
            let j = skip_ws(i + 5);
            if bytes.get(j) == Some(&':') && bytes.get(j + 1) == Some(&':') {
                take(j + 2, &mut found);
            }
            i += 5;
        } else if word_at(i, "super") {
            // Count the chain `super::super::..`.
            let mut ups = 0;
            let mut j = i;
            while word_at(j, "super") {
                let k = skip_ws(j + 5);
                if bytes.get(k) == Some(&':') && bytes.get(k + 1) == Some(&':') {
                    ups += 1;
                    j = skip_ws(k + 2);
                } else {
                    break;
                }
            }
            if ups > 0 && ups >= module_path.len() {
                take(j, &mut found);
            }
            i = j.max(i + 5);
        } else {
            i += 1;
        }
    }
    for name in found {
        if modules.contains(&name) {
            refs.insert(name);
        }
    }
    refs
}

/// module -> (module it refers to -> files that make the edge).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn module_graph() -> Graph {
    let files = sources();
    let modules = top_level_modules(&files);
    let mut stripped: BTreeMap<String, String> = BTreeMap::new();
    let mut test_files: BTreeSet<String> = BTreeSet::new();
    for f in &files {
        let (code, test_mods) = strip_test_items(&code_only(&f.text));
        // `#[cfg(test)] mod name;` in a file of module path P names P/name.rs or P/name/mod.rs.
        let dir = if f.module_path.is_empty() {
            "src".to_string()
        } else {
            format!("src/{}", f.module_path.join("/"))
        };
        for m in test_mods {
            test_files.insert(format!("{dir}/{m}.rs"));
            test_files.insert(format!("{dir}/{m}/"));
        }
        stripped.insert(f.rel.clone(), code);
    }
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    for f in &files {
        let test_only = test_files
            .iter()
            .any(|t| f.rel == *t || (t.ends_with('/') && f.rel.starts_with(t.as_str())));
        if f.module_path.is_empty() || test_only {
            continue; // lib.rs, main.rs, test-only files
        }
        let own = &f.module_path[0];
        for target in references(&stripped[&f.rel], &f.module_path, &modules) {
            if &target != own {
                graph
                    .entry(own.clone())
                    .or_default()
                    .entry(target)
                    .or_default()
                    .insert(f.rel.clone());
            }
        }
    }
    graph
}

/// Every strongly connected component of more than one module (Tarjan): the members, sorted,
/// and one shortest cycle through the first of them.
fn cycles(graph: &Graph) -> Vec<(Vec<String>, Vec<String>)> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        components: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            if let Some(next) = self.graph.get(v) {
                for w in next.keys() {
                    let w = w.as_str();
                    if !self.index.contains_key(w) {
                        self.visit(w);
                        let lw = self.low[w];
                        let lv = self.low.get_mut(v).expect("visited");
                        *lv = (*lv).min(lw);
                    } else if self.on_stack.contains(w) {
                        let iw = self.index[w];
                        let lv = self.low.get_mut(v).expect("visited");
                        *lv = (*lv).min(iw);
                    }
                }
            }
            if self.low[v] == self.index[v] {
                let mut comp = Vec::new();
                loop {
                    let w = self.stack.pop().expect("on the stack");
                    self.on_stack.remove(w);
                    comp.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    self.components.push(comp);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.components
        .into_iter()
        .map(|comp| {
            let inside: BTreeSet<&str> = comp.iter().map(String::as_str).collect();
            let start = comp[0].as_str();
            // The shortest way back to `start` inside the component.
            let succ = |v: &str| -> Vec<&str> {
                graph[v]
                    .keys()
                    .map(String::as_str)
                    .filter(|w| inside.contains(w))
                    .collect()
            };
            let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
            let mut queue = std::collections::VecDeque::from([start]);
            'bfs: while let Some(v) = queue.pop_front() {
                for w in succ(v) {
                    if w == start {
                        prev.insert("", v);
                        break 'bfs;
                    }
                    if !prev.contains_key(w) {
                        prev.insert(w, v);
                        queue.push_back(w);
                    }
                }
            }
            let mut path = vec![start.to_string()];
            let mut v = prev[""];
            while v != start {
                path.push(v.to_string());
                v = prev[v];
            }
            path.push(start.to_string());
            path.reverse();
            (comp, path)
        })
        .collect()
}

fn describe_path(graph: &Graph, path: &[String]) -> String {
    let mut s = path.join(" -> ");
    for pair in path.windows(2) {
        let files: Vec<&str> = graph[&pair[0]][&pair[1]]
            .iter()
            .map(String::as_str)
            .collect();
        s.push_str(&format!(
            "\n    {} -> {}: {}",
            pair[0],
            pair[1],
            files.join(", ")
        ));
    }
    s
}

/// A shortest path from `from` to `to`, if any.
fn path_between(graph: &Graph, from: &str, to: &str) -> Option<Vec<String>> {
    let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(v) = queue.pop_front() {
        for w in graph.get(v).into_iter().flat_map(|m| m.keys()) {
            let w = w.as_str();
            if w == from || prev.contains_key(w) {
                continue;
            }
            prev.insert(w, v);
            if w == to {
                let mut path = vec![to.to_string()];
                let mut x = to;
                while x != from {
                    x = prev[x];
                    path.push(x.to_string());
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(w);
        }
    }
    None
}

#[test]
fn top_level_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(
        graph.len() > 10,
        "too few modules found: {:?}",
        graph.keys()
    );
    let found = cycles(&graph);
    let report: Vec<String> = found
        .iter()
        .map(|(members, cycle)| {
            let mut edges = Vec::new();
            for a in members {
                for (b, files) in &graph[a] {
                    if members.contains(b) {
                        let files: Vec<&str> = files.iter().map(String::as_str).collect();
                        edges.push(format!("    {a} -> {b}: {}", files.join(", ")));
                    }
                }
            }
            format!(
                "{} import each other, e.g. {}; every edge among them:\n{}",
                members.join(", "),
                cycle.join(" -> "),
                edges.join("\n")
            )
        })
        .collect();
    assert!(
        found.is_empty(),
        "the top-level modules of src/ import each other in a cycle (DESIGN.md: every arrow runs \
         from sources towards the front ends):\n  {}",
        report.join("\n  ")
    );
}

#[test]
fn the_engine_never_reaches_the_tui() {
    let graph = module_graph();
    assert!(graph.contains_key("engine") && graph.contains_key("tui"));
    if let Some(path) = path_between(&graph, "engine", "tui") {
        panic!(
            "the engine reaches the TUI: {}",
            describe_path(&graph, &path)
        );
    }
}

#[test]
fn the_snapshot_leaf_imports_nothing_above_it() {
    let graph = module_graph();
    assert!(
        graph.contains_key("snapshot"),
        "no top-level `snapshot` module"
    );
    for above in ABOVE_THE_LEAF {
        if let Some(path) = path_between(&graph, "snapshot", above) {
            panic!(
                "`snapshot` (Snapshot and Command) must stay a leaf below {above}: {}",
                describe_path(&graph, &path)
            );
        }
    }
}

#[test]
fn no_database_driver_outside_the_store() {
    let mut offenders = Vec::new();
    let mut still_naming = BTreeSet::new();
    for f in sources() {
        if f.rel.starts_with("src/store/") {
            continue;
        }
        // Test code counts too: a test outside store/ that opens a connection is SQL outside it.
        let code = code_only(&f.text);
        let tokens: Vec<&str> = code
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == ':'))
            .filter(|w| !w.is_empty())
            .collect();
        let named: BTreeSet<&str> = tokens
            .iter()
            .enumerate()
            .filter_map(|(k, t)| {
                let head = t.split("::").next().unwrap_or("");
                let is_path = t.len() > head.len();
                let after_use = k > 0 && matches!(tokens[k - 1], "use" | "crate");
                (DRIVER_CRATES.contains(&head) && (is_path || after_use)).then_some(head)
            })
            .collect();
        if named.is_empty() {
            continue;
        }
        if named == BTreeSet::from(["rusqlite"])
            && RUSQLITE_ALLOWED_OUTSIDE_STORE.contains(&f.rel.as_str())
        {
            still_naming.insert(f.rel.clone());
            continue;
        }
        offenders.push(format!("{} names {:?}", f.rel, named));
    }
    assert!(
        offenders.is_empty(),
        "database drivers are named outside src/store/ (DESIGN.md: SQL lives only in store/):\n  {}",
        offenders.join("\n  ")
    );
    let done: Vec<&&str> = RUSQLITE_ALLOWED_OUTSIDE_STORE
        .iter()
        .filter(|f| !still_naming.contains(**f))
        .collect();
    if !done.is_empty() {
        eprintln!(
            "note: these no longer name rusqlite; remove them from RUSQLITE_ALLOWED_OUTSIDE_STORE: {done:?}"
        );
    }
}

/// The scanner itself: comments and literals are no code, groups and `super::` chains are.
#[test]
fn the_scanner_reads_paths_not_prose() {
    let modules: BTreeSet<String> = ["tui", "engine", "config", "domain", "store"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let text = r##"
//! Docs that mention crate::tui are prose.
/* a block comment: crate::store /* nested */ crate::store */
use crate::{config::{self, Config}, domain::Odds};
const S: &str = "crate::tui";
const R: &str = r#"crate::store "quoted" "#;
const C: char = '{';
const Q: char = '\'';
fn f<'a>(x: &'a str) -> &'a str { let _ = super::super::engine::Engine; x }
#[cfg(test)]
mod tests {
    use crate::tui::App;
}
#[cfg(test)]
mod helpers;
"##;
    let (code, test_mods) = strip_test_items(&code_only(text));
    assert_eq!(test_mods, vec!["helpers".to_string()]);
    let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let refs = references(&code, &path(&["alerts", "rules"]), &modules);
    assert_eq!(
        refs,
        ["config", "domain", "engine"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    // One `super::` from a nested file stays inside its own top-level module.
    let refs = references(
        "use super::engine::X;",
        &path(&["alerts", "rules"]),
        &modules,
    );
    assert!(refs.is_empty(), "{refs:?}");
    // From a top-level module's own file, one `super::` is the crate root.
    let refs = references("use super::engine::X;", &path(&["alerts"]), &modules);
    assert_eq!(refs, BTreeSet::from(["engine".to_string()]));
}
