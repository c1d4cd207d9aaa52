//! Fuzz harnesses: each function takes arbitrary bytes, drives one part of the engine with them,
//! and panics when an invariant breaks (a span outside the text or off a character boundary, an
//! embedded span that does not round-trip, valid JSON rejected, …). A harness never panics on
//! input the engine rejects cleanly.
//!
//! The `cargo fuzz` targets in `fuzz/` call these functions, and a regression test replays every
//! input saved under `fuzz/regressions/` through all of them, so the checks are compiled and run
//! on every `cargo test`, not only when someone fuzzes. See `fuzz/README.md`.

use std::path::Path;

use crate::doc::{Embedded, Node, Value};
use crate::load::{self, json, yaml, Limits, Loaded};
use crate::model::Model;
use crate::source::{Encoding, FileId, LineIndex, SourceDb, SourceFile, Span};
use crate::tfref;

/// Limits for fuzzing: the defaults, with a smaller alias budget so that an alias bomb found by
/// the fuzzer costs milliseconds, not seconds.
pub fn limits() -> Limits {
    Limits {
        max_alias_nodes: 20_000,
        ..Limits::default()
    }
}

fn check_span(span: Span, text: &str, what: &str) {
    assert!(
        span.start <= span.end && span.end as usize <= text.len(),
        "{what} span {}..{} outside a text of {} bytes",
        span.start,
        span.end,
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
        "{what} span {}..{} not on character boundaries",
        span.start,
        span.end
    );
}

/// Every span in the tree (values, keys, embedded documents) lies in `text` on char boundaries,
/// and line/column conversion round-trips at both ends.
pub fn check_tree(node: &Node, text: &str, lines: &LineIndex) {
    // An explicit stack: the tree may be as deep as the depth limit allows.
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        check_span(n.span, text, "node");
        check_line_col(lines, text, n.span.start);
        check_line_col(lines, text, n.span.end);
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(members) => {
                for m in members {
                    check_span(m.key_span, text, "key");
                    stack.push(&m.value);
                }
            }
            _ => {}
        }
        match n.embedded() {
            Some(Embedded::Doc(d)) => {
                assert!(
                    d.span.start >= n.span.start && d.span.end <= n.span.end,
                    "embedded document outside its string"
                );
                stack.push(d);
            }
            Some(Embedded::Invalid { span, .. }) => {
                check_span(*span, text, "embedded error");
                assert!(
                    span.start >= n.span.start && span.end <= n.span.end,
                    "embedded error outside its string"
                );
            }
            None => {}
        }
    }
}

/// `offset -> (line, column) -> offset` is the identity on character boundaries.
pub fn check_line_col(lines: &LineIndex, text: &str, offset: u32) {
    if !text.is_char_boundary(offset as usize) {
        return;
    }
    let lc = lines.line_col(text, offset);
    // An offset between the CR and LF of a CRLF pair is not the start of any column position
    // reachable from a line start other than its own line; it still round-trips.
    let back = lines.offset(text, lc);
    assert_eq!(
        back,
        Some(offset),
        "offset {offset} -> {}:{} -> {back:?}",
        lc.line,
        lc.col
    );
}

/// The YAML loader: parse, then check every span.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = LineIndex::new(text);
    match yaml::parse(text, &limits()) {
        Ok(docs) => {
            for d in &docs {
                check_tree(&d.root, text, &lines);
            }
        }
        Err(e) => check_span(e.span, text, "YAML error"),
    }
}

/// The JSON loader: parse, check spans, check that every string and key re-parses from its own
/// span to the same value, and that JSON `serde_json` accepts (shallow enough for its recursion
/// limit) is accepted too.
pub fn json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = LineIndex::new(text);
    let max_depth = Limits::default().max_depth;
    match json::parse(text, max_depth) {
        Ok(root) => {
            check_tree(&root, text, &lines);
            let mut stack = vec![&root];
            while let Some(n) = stack.pop() {
                match &n.value {
                    Value::Str(s) => assert_string_literal(&text[n.span.range()], s),
                    Value::Number(num) => assert_eq!(&text[n.span.range()], &**num),
                    Value::Seq(items) => stack.extend(items.iter()),
                    Value::Map(members) => {
                        for m in members {
                            assert_string_literal(&text[m.key_span.range()], &m.key);
                            stack.push(&m.value);
                        }
                    }
                    _ => {}
                }
            }
        }
        Err(e) => {
            check_span(e.span, text, "JSON error");
            if text.len() < 4096 && depth_upper_bound(text) < 100 {
                let reference: Result<serde_json::Value, _> = serde_json::from_str(text);
                assert!(
                    reference.is_err(),
                    "serde_json accepts what cutover rejects: {} at {}..{}",
                    e.message,
                    e.span.start,
                    e.span.end
                );
            }
        }
    }
}

fn depth_upper_bound(text: &str) -> usize {
    let (mut d, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                d += 1;
                max = max.max(d);
            }
            b']' | b'}' => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn assert_string_literal(raw: &str, value: &str) {
    assert!(
        raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"'),
        "string span {raw:?} is not a literal"
    );
    match json::parse(raw, 4) {
        Ok(Node {
            value: Value::Str(s),
            ..
        }) => assert_eq!(s, value, "string re-parsed from its span differs"),
        other => panic!("string span {raw:?} does not re-parse as a string: {other:?}"),
    }
}

/// Escape `s` as a JSON string literal, choosing per character among the spellings JSON allows
/// (raw, `\uXXXX`, surrogate pairs, short escapes), driven by `style`.
pub fn escape_json(s: &str, style: &[u8]) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        let pick = style.get(i % style.len().max(1)).copied().unwrap_or(0) % 4;
        match c {
            '"' => out.push_str(if pick == 0 { "\\u0022" } else { "\\\"" }),
            '\\' => out.push_str(if pick == 0 { "\\u005C" } else { "\\\\" }),
            '/' if pick == 1 => out.push_str("\\/"),
            '\n' if pick != 0 => out.push_str("\\n"),
            '\t' if pick != 0 => out.push_str("\\t"),
            '\r' if pick != 0 => out.push_str("\\r"),
            '\u{8}' if pick != 0 => out.push_str("\\b"),
            '\u{c}' if pick != 0 => out.push_str("\\f"),
            c if (c as u32) < 0x20 || pick == 0 => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The embedded-JSON span mapping. The fuzz input is split into a JSON text (the decoded value
/// of a Terraform `container_definitions` string) and an escaping style; the text is escaped into
/// a string literal inside an outer document, loaded the way Terraform files are, and every span
/// of the embedded document must lie inside the outer string literal and cover exactly the
/// escaped spelling of the text it covers in the decoded value.
pub fn embedded(data: &[u8]) {
    let split = data.iter().position(|&b| b == 0xff).unwrap_or(data.len());
    let Ok(decoded) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    let style = data.get(split + 1..).unwrap_or(&[]);
    let literal = escape_json(decoded, style);
    // A prefix with multi-byte characters and line breaks, so outer offsets are not trivial.
    let outer = format!("{{\r\n  \"//\": \"é—😀\",\n  \"container_definitions\": {literal}\n}}\n");
    let limits = limits();
    let mut root = match json::parse(&outer, limits.max_depth) {
        Ok(n) => n,
        Err(e) => panic!("escaped literal does not parse: {}", e.message),
    };
    load::parse_embedded_json(&mut root, &outer, &limits);
    let lines = LineIndex::new(&outer);
    check_tree(&root, &outer, &lines);
    let Some(string_node) = root.get("container_definitions") else {
        panic!("outer member lost");
    };
    assert_eq!(string_node.as_str(), Some(decoded), "decoded value differs");
    let lit = string_node.span;
    let inner_plain = json::parse(decoded, limits.max_depth);
    match (string_node.embedded(), inner_plain) {
        (Some(Embedded::Doc(mapped)), Ok(plain)) => {
            compare_mapped(mapped, &plain, decoded, &outer, lit);
        }
        (Some(Embedded::Invalid { span, .. }), Err(_)) => {
            assert!(span.start > lit.start && span.end < lit.end + 1);
        }
        (None, _) => {
            let t = decoded.trim_start();
            assert!(
                !(t.starts_with('{') || t.starts_with('[')) || t.starts_with("${"),
                "a JSON-looking string was not parsed as embedded JSON"
            );
        }
        (Some(e), plain) => panic!(
            "embedded parse disagrees with a plain parse: {e:?} vs {:?}",
            plain.map(|_| ())
        ),
    }
}

fn compare_mapped(mapped: &Node, plain: &Node, decoded: &str, outer: &str, lit: Span) {
    let mut stack = vec![(mapped, plain)];
    while let Some((m, p)) = stack.pop() {
        check_round_trip(m.span, p.span, decoded, outer, lit);
        match (&m.value, &p.value) {
            (Value::Seq(a), Value::Seq(b)) => {
                assert_eq!(a.len(), b.len());
                stack.extend(a.iter().zip(b.iter()));
            }
            (Value::Map(a), Value::Map(b)) => {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b.iter()) {
                    assert_eq!(x.key, y.key);
                    check_round_trip(x.key_span, y.key_span, decoded, outer, lit);
                    stack.push((&x.value, &y.value));
                }
            }
            (a, b) => assert_eq!(a, b),
        }
    }
}

fn check_round_trip(outer_span: Span, inner_span: Span, decoded: &str, outer: &str, lit: Span) {
    assert!(
        outer_span.start > lit.start && outer_span.end < lit.end,
        "embedded span {}..{} outside the string literal {}..{}",
        outer_span.start,
        outer_span.end,
        lit.start,
        lit.end
    );
    let escaped = &outer[outer_span.range()];
    let want = &decoded[inner_span.range()];
    let got = match json::parse(&format!("\"{escaped}\""), 4) {
        Ok(Node {
            value: Value::Str(s),
            ..
        }) => s,
        other => panic!("outer bytes {escaped:?} are not a string fragment: {other:?}"),
    };
    assert_eq!(
        got, want,
        "outer bytes {escaped:?} do not spell the inner text"
    );
}

/// File names the content-driven harnesses choose from, by the first byte of each part.
const NAMES: &[&str] = &[
    "deploy.yaml",
    "task-definition.json",
    "main.tf.json",
    "plan.json",
    "values.yml",
    "service.json",
    "README.txt",
    "k8s.json",
];

/// Loading and classification through the real loader, then the model build. The input is split
/// at `0xFF` bytes (never valid UTF-8) into up to four files, so cross-file joins are exercised.
/// Returns the loaded database so that callers can run rules over it.
pub fn load_files(data: &[u8]) -> SourceDb {
    let limits = limits();
    let mut db = SourceDb::default();
    for part in data.split(|&b| b == 0xff).take(4) {
        let Some((&first, bytes)) = part.split_first() else {
            continue;
        };
        let name = format!(
            "f{}/{}",
            db.files.len(),
            NAMES[first as usize % NAMES.len()]
        );
        if let Loaded::File {
            path,
            text,
            encoding,
            kind,
            docs,
        } = load::load_bytes(Path::new(&name), bytes, &limits)
        {
            let lines = LineIndex::new(&text);
            for d in &docs {
                check_tree(d, &text, &lines);
            }
            if encoding == Encoding::Utf8 {
                assert!(bytes.ends_with(text.as_bytes()), "UTF-8 text was altered");
            }
            db.files.push(SourceFile {
                id: FileId(db.files.len() as u32),
                name: name.clone(),
                lines,
                path,
                text,
                encoding,
                kind,
                docs,
            });
        }
    }
    db
}

/// Classification and model building: every anchor the model hands to rules is a valid span.
pub fn classify(data: &[u8]) -> SourceDb {
    let db = load_files(data);
    {
        let model = Model::build(&db);
        for td in &model.task_defs {
            let f = model.file(td.file);
            check_span(td.anchor, &f.text, "task definition anchor");
            for c in td.containers() {
                check_span(c.anchor(), &f.text, "container anchor");
            }
        }
        for o in &model.k8s {
            check_span(o.anchor(), &model.file(o.file).text, "object anchor");
        }
        for r in &model.tf {
            check_span(r.anchor, &model.file(r.file).text, "resource anchor");
        }
    }
    db
}

/// The Terraform reference parser, on interpolations and bare expressions.
pub fn tfref(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for r in tfref::parse_refs(text)
        .into_iter()
        .chain(tfref::refs_in_expression(text))
    {
        assert!(!r.address.is_empty(), "empty address");
        for seg in r.address.split('.') {
            assert!(
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "address segment {seg:?} of {:?} is not an identifier",
                r.address
            );
            assert!(text.contains(seg), "segment {seg:?} is not in the input");
        }
    }
}

/// The HCL loader (`.tf`): parse, check every span (values, keys, labels, `jsonencode` and heredoc
/// documents), check that every number is its own source text, then load the same bytes as
/// `main.tf` through the real loader and build the model on it.
pub fn hcl(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = LineIndex::new(text);
    match load::hcl::parse(text, Limits::default().max_depth) {
        Ok(root) => {
            check_tree(&root, text, &lines);
            let mut stack = vec![&root];
            while let Some(n) = stack.pop() {
                match &n.value {
                    Value::Number(num) => assert_eq!(text[n.span.range()].trim(), &**num),
                    Value::Seq(items) => stack.extend(items.iter()),
                    Value::Map(members) => stack.extend(members.iter().map(|m| &m.value)),
                    _ => {}
                }
            }
        }
        Err(e) => check_span(e.span, text, "HCL error"),
    }
    let mut db = SourceDb::default();
    for name in ["main.tf", "terraform.tfvars"] {
        if let Loaded::File {
            path,
            text,
            encoding,
            kind,
            docs,
        } = load::load_bytes(Path::new(name), data, &limits())
        {
            let lines = LineIndex::new(&text);
            for d in &docs {
                check_tree(d, &text, &lines);
            }
            db.files.push(SourceFile {
                id: FileId(db.files.len() as u32),
                name: name.into(),
                lines,
                path,
                text,
                encoding,
                kind,
                docs,
            });
        }
    }
    let model = Model::build(&db);
    for td in &model.task_defs {
        let f = model.file(td.file);
        check_span(td.anchor, &f.text, "task definition anchor");
        for c in td.containers() {
            check_span(c.anchor(), &f.text, "container anchor");
        }
    }
    for r in &model.tf {
        check_span(r.anchor, &model.file(r.file).text, "resource anchor");
    }
}

/// The static evaluator: the input is parsed as a template (as a `.tf.json` string holds it) and
/// as a bare expression, and evaluated in a scope with a few variables. No panic; evaluation is
/// deterministic; an unknown names an expression and a reason; a wholly known value encodes to
/// JSON that parses.
pub fn tfeval(data: &[u8]) {
    use crate::tfeval::{eval_expression, eval_template, Env, Val};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    struct FuzzEnv;
    impl Env for FuzzEnv {
        fn get(&self, ns: &str, name: &str) -> Option<Val> {
            match (ns, name) {
                ("var", "cidr") => Some(Val::str("10.0.0.0/16")),
                ("var", "v6") => Some(Val::str("fd00::/56")),
                ("var", "n") => Some(Val::int(3)),
                ("var", "list") => Some(Val::List(vec![Val::str("a"), Val::int(1), Val::Null])),
                ("local", "m") => Some(Val::Map(
                    [("k".to_string(), Val::str("v"))].into_iter().collect(),
                )),
                _ => None,
            }
        }
    }
    for v in [
        eval_template(text, &FuzzEnv),
        eval_expression(text, &FuzzEnv),
    ] {
        if let Some(u) = v.first_unknown() {
            assert!(!u.reason.is_empty(), "unknown without a reason");
        } else {
            let j = crate::tfeval::funcs::json_encode(&v).expect("known values encode");
            assert!(
                serde_json::from_str::<serde_json::Value>(&j).is_ok(),
                "jsonencode produced invalid JSON: {j}"
            );
        }
    }
    assert_eq!(
        eval_expression(text, &FuzzEnv),
        eval_expression(text, &FuzzEnv),
        "evaluation is not deterministic"
    );
}
