//! The host's modules form layers: the import graph of `host/src`, derived from the
//! paths its files name (`use` lines and qualified paths), has no cycle. Edges are
//! taken between sibling modules (the children of the two ends' closest common
//! ancestor), so `commands::create → services` counts as `commands → services`; a
//! module naming its own ancestor or descendant is containment, not a dependency.
//! Test code (`#[cfg(test)]` items and modules) is left out: tests sit on top of the
//! layers they exercise.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use syn::visit::Visit;

type Module = Vec<String>;

/// Every module file of `src` and its module path (`lib.rs` is the root).
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut found = BTreeMap::new();
    for entry in walk(src) {
        let rel = entry.strip_prefix(src).unwrap();
        let mut parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        match parts.last().map(String::as_str) {
            Some("main") if parts.len() == 1 => continue,
            Some("lib") if parts.len() == 1 => parts.clear(),
            Some("mod") => {
                parts.pop();
            }
            _ => {}
        }
        found.insert(parts, entry);
    }
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The paths a file names, each with the inline modules it sits in (use trees
/// expanded), and the child modules it declares as test-only.
#[derive(Default)]
struct Names {
    inline: Vec<String>,
    paths: Vec<(Vec<String>, Vec<String>)>,
    test_only: Vec<String>,
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Path>()
                .is_ok_and(|p| p.is_ident("test"))
    })
}

impl Names {
    fn record(&mut self, path: Vec<String>) {
        self.paths.push((self.inline.clone(), path));
    }

    fn use_tree(&mut self, prefix: &[String], tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                let mut next = prefix.to_vec();
                next.push(p.ident.to_string());
                self.use_tree(&next, &p.tree);
            }
            syn::UseTree::Name(n) => self.push(prefix, &n.ident.to_string()),
            syn::UseTree::Rename(r) => self.push(prefix, &r.ident.to_string()),
            syn::UseTree::Glob(_) => self.record(prefix.to_vec()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(prefix, t)),
        }
    }

    fn push(&mut self, prefix: &[String], last: &str) {
        let mut path = prefix.to_vec();
        if last != "self" {
            path.push(last.to_string());
        }
        self.record(path);
    }
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_test_only(attrs) {
            if let syn::Item::Mod(m) = item
                && m.content.is_none()
            {
                self.test_only.push(m.ident.to_string());
            }
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.inline.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.inline.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&[], &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.record(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }
}

/// The module a path from module `from` names, if it is one of the crate's.
fn resolve(
    from: &Module,
    inline: &[String],
    path: &[String],
    known: &BTreeMap<Module, PathBuf>,
) -> Option<Module> {
    let mut base: Module = from.iter().chain(inline).cloned().collect();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        // A bare path names a child module of this one, or something else.
        Some(first) => {
            let mut child = base.clone();
            child.push(first.to_string());
            if !known.contains_key(&child) {
                return None;
            }
        }
        None => return None,
    }
    // What `base` is within the crate's module files: inline modules belong to theirs.
    while !known.contains_key(&base) {
        base.pop()?;
    }
    let mut target = base;
    let mut best = target.clone();
    for segment in rest {
        target.push(segment.clone());
        if known.contains_key(&target) {
            best = target.clone();
        } else {
            break;
        }
    }
    Some(best)
}

/// Every cycle among sibling modules, as its members (Tarjan's strongly connected
/// components with more than one member).
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on_stack: BTreeSet<Module>,
        found: Vec<Vec<Module>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: &Module) {
            let i = self.index.len();
            self.index.insert(v.clone(), i);
            self.low.insert(v.clone(), i);
            self.stack.push(v.clone());
            self.on_stack.insert(v.clone());
            for w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v.clone(), low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v.clone(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    let done = &w == v;
                    component.push(w);
                    if done {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.found
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn the_host_modules_import_each_other_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    assert!(known.len() > 20, "host/src not found at {}", src.display());
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    // Why each edge exists: one example per edge, for the failure message.
    let mut why: BTreeMap<(Module, Module), String> = BTreeMap::new();
    let mut named: BTreeMap<Module, Names> = BTreeMap::new();
    let mut test_only: Vec<Module> = Vec::new();
    for (module, file) in &known {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let mut names = Names::default();
        names.visit_file(&parsed);
        test_only.extend(names.test_only.iter().map(|child| {
            let mut path = module.clone();
            path.push(child.clone());
            path
        }));
        named.insert(module.clone(), names);
    }
    for (module, names) in &named {
        if test_only.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        let file = &known[module];
        for (inline, path) in &names.paths {
            let Some(target) = resolve(module, inline, path, &known) else {
                continue;
            };
            if test_only.iter().any(|t| target.starts_with(t)) {
                continue;
            }
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue;
            }
            let from = module[..=common].to_vec();
            let to = target[..=common].to_vec();
            why.entry((from.clone(), to.clone())).or_insert_with(|| {
                format!(
                    "{} names {}",
                    file.strip_prefix(&src).unwrap().display(),
                    path.join("::")
                )
            });
            edges.entry(to.clone()).or_default();
            edges.entry(from).or_default().insert(to);
        }
    }
    let found = cycles(&edges);
    let report: Vec<String> = found
        .iter()
        .map(|members| {
            let set: BTreeSet<&Module> = members.iter().collect();
            let inside: Vec<String> = why
                .iter()
                .filter(|((a, b), _)| set.contains(a) && set.contains(b))
                .map(|((a, b), w)| format!("  {} -> {}: {w}", name(a), name(b)))
                .collect();
            format!(
                "cycle among {}:\n{}",
                members.iter().map(name).collect::<Vec<_>>().join(", "),
                inside.join("\n")
            )
        })
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
}
