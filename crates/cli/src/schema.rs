//! The JSON Schema of `cutover.toml`.
//!
//! It is generated from the configuration types with schemars (doc comments become
//! descriptions), checked in at `schemas/cutover-toml.json` (editors can use it; a test fails
//! when it is stale and `cargo xtask schema` rewrites it), and every configuration file is
//! validated against that shipped copy before it is read. Validation errors point at the key or
//! value in the TOML file: the JSON instance path of each error is walked back through the
//! spanned TOML tree.

use std::ops::Range;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value as Json;
use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use crate::config::{ConfigError, FileConfig};

/// Where the checked-in schema lives, relative to the workspace root.
pub const SCHEMA_PATH: &str = "schemas/cutover-toml.json";

/// The checked-in schema, as shipped in the binary.
pub const SHIPPED: &str = include_str!("../../../schemas/cutover-toml.json");

/// The schema generated from the configuration types.
pub fn generate() -> Json {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<FileConfig>()
        .to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$comment".into(),
            Json::String(
                "generated from the configuration types by `cargo xtask schema`; do not edit"
                    .into(),
            ),
        );
    }
    schema
}

/// The generated schema as the text of `schemas/cutover-toml.json`.
pub fn generate_text() -> String {
    let mut s = serde_json::to_string_pretty(&generate()).unwrap_or_default();
    s.push('\n');
    s
}

/// Validate the text of a configuration file against the shipped schema.
pub fn validate(path: &str, text: &str) -> Result<(), ConfigError> {
    let doc = DeTable::parse(text)
        .map_err(|e| ConfigError::new(path, text, e.message().trim_end(), e.span()))?;
    let schema: Json = serde_json::from_str(SHIPPED).map_err(|e| {
        ConfigError::new(
            path,
            text,
            format!("the built-in schema is unreadable: {e}"),
            None,
        )
    })?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| {
        ConfigError::new(
            path,
            text,
            format!("the built-in schema is invalid: {e}"),
            None,
        )
    })?;
    let instance = table_to_json(doc.get_ref());
    let cx = Cx {
        path,
        text,
        doc: &doc,
        schema: &schema,
    };
    let mut errors: Vec<ConfigError> = validator
        .iter_errors(&instance)
        .flat_map(|e| cx.describe(&e))
        .collect();
    if errors.is_empty() {
        // Only a well-typed file is worth checking for rule names.
        errors = cx.rule_refs(&instance);
    }
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort_by_key(|e| e.span.as_ref().map_or(usize::MAX, |s| s.start));
    let first = errors.remove(0);
    Err(first.with_related(errors))
}

// --- Old key spellings --------------------------------------------------------------------

/// A key written in the old `snake_case` spelling where the schema names the `kebab-case` one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldSpelling {
    pub span: Range<usize>,
    pub old: String,
    pub new: String,
}

/// Rewrite the `snake_case` spellings of configuration keys (`min_stop_timeout_seconds`) into
/// their `kebab-case` names (`min-stop-timeout-seconds`), which keeps every byte offset, so
/// errors still point into the user's text. Only keys the schema declares in kebab-case are
/// rewritten: keys of free-form maps (tag names, path globs, rule names) are left as written.
/// Returns the rewritten text and what was rewritten, in order of appearance.
pub fn rewrite_old_spellings(text: &str) -> (String, Vec<OldSpelling>) {
    // An old spelling has an underscore where the key now has a hyphen: a text without one
    // has none (and the schema is not parsed, on every run of a pre-commit hook).
    if !text.contains('_') {
        return (text.to_string(), Vec::new());
    }
    let Ok(schema) = serde_json::from_str::<Json>(SHIPPED) else {
        return (text.to_string(), Vec::new());
    };
    let mut out = text.to_string();
    let mut all: Vec<OldSpelling> = Vec::new();
    // A table named in several headers keeps one key span per parse: rewrite until stable.
    for _ in 0..8 {
        let Ok(doc) = DeTable::parse(&out) else {
            break;
        };
        let mut found = Vec::new();
        old_spellings_in(&schema, doc.get_ref(), &mut Vec::new(), &mut found);
        if found.is_empty() {
            break;
        }
        let mut bytes = out.into_bytes();
        for f in &found {
            for b in bytes.get_mut(f.span.clone()).into_iter().flatten() {
                if *b == b'_' {
                    *b = b'-';
                }
            }
        }
        out = String::from_utf8(bytes).unwrap_or_else(|_| text.to_string());
        all.extend(found);
    }
    all.sort_by_key(|f| f.span.start);
    (out, all)
}

fn old_spellings_in(
    root: &Json,
    table: &DeTable<'_>,
    path: &mut Vec<String>,
    found: &mut Vec<OldSpelling>,
) {
    let props = schema_at(root, path)
        .map(property_names)
        .unwrap_or_default();
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let mut name = key.to_string();
        if key.contains('_') {
            let kebab = key.replace('_', "-");
            if props.contains(&kebab) && !props.iter().any(|p| p == key) {
                found.push(OldSpelling {
                    span: k.span(),
                    old: key.to_string(),
                    new: kebab.clone(),
                });
                name = kebab;
            }
        }
        path.push(name);
        match v.get_ref() {
            DeValue::Table(t) => old_spellings_in(root, t, path, found),
            DeValue::Array(a) => {
                for (i, item) in a.iter().enumerate() {
                    if let DeValue::Table(t) = item.get_ref() {
                        path.push(i.to_string());
                        old_spellings_in(root, t, path, found);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
        path.pop();
    }
}

// --- TOML to JSON -------------------------------------------------------------------------

fn table_to_json(t: &DeTable<'_>) -> Json {
    Json::Object(
        t.iter()
            .map(|(k, v)| (k.get_ref().to_string(), value_to_json(v.get_ref())))
            .collect(),
    )
}

fn value_to_json(v: &DeValue<'_>) -> Json {
    match v {
        DeValue::String(s) => Json::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Json::from(n),
            // Out of range for every option: keep it a number so type checks still apply.
            Err(_) => Json::from(f64::MAX),
        },
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Json::String(f.as_str().to_string()), Json::Number),
        DeValue::Boolean(b) => Json::Bool(*b),
        DeValue::Datetime(d) => Json::String(d.to_string()),
        DeValue::Array(a) => Json::Array(a.iter().map(|x| value_to_json(x.get_ref())).collect()),
        DeValue::Table(t) => table_to_json(t),
    }
}

// --- Errors back to TOML ------------------------------------------------------------------

struct Cx<'a, 'd> {
    path: &'a str,
    text: &'a str,
    doc: &'a Spanned<DeTable<'d>>,
    schema: &'a Json,
}

/// Where a value is in the TOML text: its key (absent for array items) and the value.
struct Place {
    key: Option<Range<usize>>,
    value: Range<usize>,
}

impl Place {
    /// The key when there is one (the whole of a table is too much to underline).
    fn key_or_value(&self) -> Range<usize> {
        self.key.clone().unwrap_or_else(|| self.value.clone())
    }
}

fn locate(doc: &Spanned<DeTable<'_>>, path: &[String]) -> Option<Place> {
    let mut place = Place {
        key: None,
        value: doc.span(),
    };
    let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
    let mut array: Option<&DeArray<'_>> = None;
    for seg in path {
        let (key, value) = if let Some(t) = table {
            let (k, v) = t
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == seg.as_str())?;
            (Some(k.span()), v)
        } else if let Some(a) = array {
            (None, a.get(seg.parse::<usize>().ok()?)?)
        } else {
            return None;
        };
        place = Place {
            key,
            value: value.span(),
        };
        table = None;
        array = None;
        match value.get_ref() {
            DeValue::Table(t) => table = Some(t),
            DeValue::Array(a) => array = Some(a),
            _ => {}
        }
    }
    Some(place)
}

/// Split a JSON pointer into its unescaped segments.
fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// `ecs.min-stop-timeout-seconds`, `ignore[0].reason`.
fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// How a table is written in TOML: `[rules]`, `[[ignore]]`, or "the top level".
fn table_name(path: &[String]) -> String {
    if path.is_empty() {
        return "at the top level".into();
    }
    match path.last() {
        Some(last) if last.parse::<usize>().is_ok() => {
            format!("in `[[{}]]`", dotted(&path[..path.len() - 1]))
        }
        _ => format!("in `[{}]`", dotted(path)),
    }
}

fn toml_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "nothing",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_f64() => "a float",
        Json::Number(_) => "an integer",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "a table",
    }
}

fn json_type_name(t: &str) -> &str {
    match t {
        "object" => "a table",
        "array" => "an array",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        "null" => "nothing",
        other => other,
    }
}

fn follow<'s>(root: &'s Json, mut node: &'s Json) -> &'s Json {
    for _ in 0..32 {
        let Some(ptr) = node
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match root.pointer(ptr) {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// The (resolved) schema that applies to the value at `path`.
fn schema_at<'s>(root: &'s Json, path: &[String]) -> Option<&'s Json> {
    let mut node = follow(root, root);
    for seg in path {
        let next = node
            .get("properties")
            .and_then(|p| p.get(seg))
            .or_else(|| node.get("items").filter(|_| seg.parse::<usize>().is_ok()))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))?;
        node = follow(root, next);
    }
    Some(node)
}

fn property_names(schema: &Json) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The closest candidate to a misspelt word, if any is close enough.
fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&norm(word), &norm(c)), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn backticked(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Cx<'_, '_> {
    fn error(&self, message: String, span: Option<Range<usize>>) -> ConfigError {
        ConfigError::new(self.path, self.text, message, span)
    }

    fn describe(&self, e: &ValidationError<'_>) -> Vec<ConfigError> {
        let path = segments(e.instance_path().as_str());
        let place = locate(self.doc, &path);
        let name = dotted(&path);
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
                .iter()
                .map(|key| self.unknown_key(&path, key))
                .collect(),
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => json_type_name(&t.to_string()).to_string(),
                    TypeKind::Multiple(set) => set
                        .iter()
                        .map(|t| json_type_name(&t.to_string()).to_string())
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                let found = toml_type(e.instance());
                let span = place.map(|p| {
                    if matches!(e.instance().as_ref(), Json::Object(_)) {
                        p.key_or_value()
                    } else {
                        p.value
                    }
                });
                vec![self
                    .error(format!("`{name}` must be {expected}, not {found}"), span)
                    .with_label(format!("expected {expected}"))]
            }
            ValidationErrorKind::Enum { options } => {
                let allowed: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let found = e.instance();
                let shown = found
                    .as_str()
                    .map_or_else(|| found.to_string(), str::to_string);
                let mut err = self
                    .error(
                        format!(
                            "`{name}` must be one of {}, not `{shown}`",
                            backticked(&allowed)
                        ),
                        place.map(|p| p.value),
                    )
                    .with_label("not an allowed value");
                if let Some(s) = found
                    .as_str()
                    .and_then(|f| closest(f, allowed.iter().map(String::as_str)))
                {
                    err = err.with_help(format!("did you mean `{s}`?"));
                }
                vec![err]
            }
            ValidationErrorKind::Required { property } => {
                let key = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string);
                let what = match path.last() {
                    Some(last) if last.parse::<usize>().is_ok() => format!(
                        "`[[{}]]` entry {}",
                        dotted(&path[..path.len() - 1]),
                        last.parse::<usize>().map_or(0, |n| n + 1)
                    ),
                    _ if path.is_empty() => "the configuration".to_string(),
                    _ => format!("`[{name}]`"),
                };
                vec![self
                    .error(
                        format!("{what} is missing the required key `{key}`"),
                        place.map(|p| p.key_or_value()),
                    )
                    .with_label(format!("`{key}` is missing here"))]
            }
            ValidationErrorKind::Minimum { limit } | ValidationErrorKind::Maximum { limit } => {
                let bound = if matches!(e.kind(), ValidationErrorKind::Minimum { .. }) {
                    "at least"
                } else {
                    "at most"
                };
                vec![self
                    .error(
                        format!("`{name}` must be {bound} {limit}, not {}", e.instance()),
                        place.map(|p| p.value),
                    )
                    .with_label(format!("{bound} {limit}"))]
            }
            _ => {
                let at = if name.is_empty() {
                    "configuration".to_string()
                } else {
                    format!("`{name}`")
                };
                vec![self.error(format!("{at}: {e}"), place.map(|p| p.value))]
            }
        }
    }

    fn unknown_key(&self, table: &[String], key: &str) -> ConfigError {
        let mut full = table.to_vec();
        full.push(key.to_string());
        let span = locate(self.doc, &full).map(|p| p.key_or_value());
        let allowed = schema_at(self.schema, table)
            .map(property_names)
            .unwrap_or_default();
        let mut err = self
            .error(format!("unknown key `{key}` {}", table_name(table)), span)
            .with_label("unknown key");
        if let Some(s) = closest(key, allowed.iter().map(String::as_str)) {
            err = err.with_help(format!("did you mean `{s}`?"));
        } else if let Some(section) = self.section_with(table, key) {
            err = err.with_help(format!("`{key}` belongs in `[{section}]`"));
        } else if !allowed.is_empty() {
            err = err.with_help(format!("expected one of {}", backticked(&allowed)));
        }
        err
    }

    /// Every rule named in the file must exist: `[rules] select`/`ignore` and `[[ignore]] rule`
    /// take selectors (ID, name, ID prefix or `ALL`), `[rules.severity]` keys an ID or a name.
    fn rule_refs(&self, instance: &Json) -> Vec<ConfigError> {
        let mut out = Vec::new();
        // Names that are neither a built-in ID prefix nor close to a built-in name may belong to
        // a rule plugin, whose rules are known only once it runs: those are checked after the
        // plugins answered (`select::select_with_plugins`), not here.
        let builtin_like = |name: &str| {
            let upper = name.to_ascii_uppercase();
            ["ECS", "K8S", "NET", "IAM", "PAR", "LINT", "LNT"]
                .iter()
                .any(|p| upper.starts_with(p))
                || cutover_rules::all()
                    .iter()
                    .any(|r| strsim::jaro_winkler(r.meta().name, name) > 0.85)
        };
        let strings = |v: Option<&Json>| -> Vec<(usize, String)> {
            v.and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .filter_map(|(i, x)| x.as_str().map(|s| (i, s.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        for list in ["select", "ignore"] {
            for (i, sel) in strings(instance.pointer(&format!("/rules/{list}"))) {
                if !crate::select::known(&sel) && builtin_like(&sel) {
                    let path = ["rules".to_string(), list.to_string(), i.to_string()];
                    out.push(self.unknown_rule(&sel, &format!("rules.{list}"), &path, false));
                }
            }
        }
        if let Some(map) = instance
            .pointer("/rules/severity")
            .and_then(Json::as_object)
        {
            for key in map.keys() {
                if crate::select::find_rule(key).is_none() && builtin_like(key) {
                    let path = ["rules".to_string(), "severity".to_string(), key.clone()];
                    out.push(self.unknown_rule(key, "[rules.severity]", &path, true));
                }
            }
        }
        let entries = instance.get("ignore").and_then(Json::as_array);
        for (i, entry) in entries.into_iter().flatten().enumerate() {
            if let Some(sel) = entry.get("rule").and_then(Json::as_str) {
                if !crate::select::known(sel) && builtin_like(sel) {
                    let path = ["ignore".to_string(), i.to_string(), "rule".to_string()];
                    out.push(self.unknown_rule(sel, "[[ignore]]", &path, false));
                }
            }
        }
        out
    }

    fn unknown_rule(&self, name: &str, place: &str, path: &[String], key: bool) -> ConfigError {
        let span = locate(self.doc, path).map(|p| if key { p.key_or_value() } else { p.value });
        let rules = cutover_rules::all();
        let candidates = rules.iter().flat_map(|r| [r.meta().id, r.meta().name]);
        let help = match closest(name, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "`cutover rules` lists the rules".to_string(),
        };
        let what = if key { "rule" } else { "rule selector" };
        self.error(format!("unknown {what} `{name}` in `{place}`"), span)
            .with_label("no such rule")
            .with_help(help)
    }

    /// A sub-table of `table` (one level down) that has the key: `min-stop-timeout-seconds`
    /// written at the top level belongs in `[ecs]`.
    fn section_with(&self, table: &[String], key: &str) -> Option<String> {
        let here = schema_at(self.schema, table)?;
        let props = here.get("properties")?.as_object()?;
        props.iter().find_map(|(name, sub)| {
            let sub = follow(self.schema, sub);
            sub.get("properties").and_then(|p| p.get(key)).map(|_| {
                let mut p = table.to_vec();
                p.push(name.clone());
                dotted(&p)
            })
        })
    }
}

#[cfg(test)]
mod tests;
