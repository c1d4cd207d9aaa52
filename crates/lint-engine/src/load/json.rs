//! A JSON parser that records the byte span of every key and value.
//!
//! Written for the linter rather than taken from a crate because it must (1) keep spans for keys
//! and values, (2) keep numbers as written, (3) bound nesting depth instead of overflowing the
//! stack, and (4) map offsets inside a JSON string that holds JSON back to the outer file through
//! escape sequences ([`string_offset_map`]).

use crate::doc::{Member, Node, Text, Value};
use crate::source::Span;

/// A parse error at a byte span of the text that was parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

pub struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    max_depth: usize,
    /// The addresses of the resources with values in `planned_values` (read before
    /// `resource_changes`, as Terraform writes them), for [`Place::ChangeOfPlanned`].
    planned: std::collections::HashSet<Text>,
    /// A key repeated on the way to a planned resource or in a change (see `Place::watched`)
    /// makes the set above differ from what the model reads (the last of repeated keys): the
    /// file is parsed again without dropping anything.
    planned_unsure: bool,
}

/// Where an object or array sits in a Terraform plan or state (`terraform show -json`), for
/// [`parse_file`], which drops the members that nothing reads as soon as they are parsed (see
/// [`Place::drops`]). Anything else is [`Place::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Other,
    /// The top-level object of a file.
    Root,
    /// `planned_values`, a module in it (`root_module` or an item of `child_modules`), its
    /// `resources` and `child_modules`, and one resource.
    PlannedValues,
    /// A module at a depth (0 for `root_module`): the model reads the resources of modules
    /// down to depth [`PLANNED_DEPTH`].
    PlannedModule(u8),
    PlannedResources,
    PlannedChildModules(u8),
    PlannedResource,
    /// `resource_changes`, then one of its items, then the item's `change`: of a resource that
    /// `planned_values` lacks, or of one it has.
    ResourceChanges,
    ResourceChange,
    Change,
    ChangeOfPlanned,
    /// `prior_state`, its `values`, a module (`root_module` or an item of `child_modules`), its
    /// `resources` and `child_modules`, and one resource.
    PriorState,
    PriorValues,
    PriorModule,
    PriorResources,
    PriorChildModules,
    PriorResource,
}

impl Place {
    /// The place of the value of the member `key` of an object here; `terraform` is whether the
    /// top-level object began with Terraform's `format_version` and `terraform_version`.
    /// `planned` is whether this object (an item of `resource_changes`) named a resource of
    /// `planned_values` before.
    fn member(self, key: &str, terraform: bool, planned: bool) -> Place {
        match (self, key) {
            (Place::Root, "planned_values") if terraform => Place::PlannedValues,
            (Place::PlannedValues, "root_module") => Place::PlannedModule(0),
            (Place::PlannedModule(d), "resources") if d <= PLANNED_DEPTH => Place::PlannedResources,
            (Place::PlannedModule(d), "child_modules") if d < PLANNED_DEPTH => {
                Place::PlannedChildModules(d)
            }
            (Place::Root, "resource_changes") if terraform => Place::ResourceChanges,
            (Place::Root, "prior_state") if terraform => Place::PriorState,
            (Place::ResourceChange, "change") if planned => Place::ChangeOfPlanned,
            (Place::ResourceChange, "change") => Place::Change,
            (Place::PriorState, "values") => Place::PriorValues,
            (Place::PriorValues, "root_module") => Place::PriorModule,
            (Place::PriorModule, "resources") => Place::PriorResources,
            (Place::PriorModule, "child_modules") => Place::PriorChildModules,
            _ => Place::Other,
        }
    }

    /// For the keys on the way to a planned resource and to the change of a resource (the
    /// model reads the last of repeated keys), a bit of their own in the object here: a key
    /// seen twice means the set of planned resources is not known while parsing.
    fn watched(self, key: &str, terraform: bool) -> Option<u8> {
        match (self, key) {
            (Place::Root, "planned_values") if terraform => Some(1),
            (Place::PlannedValues, "root_module") => Some(1),
            (Place::PlannedModule(_), "resources") => Some(1),
            (Place::PlannedModule(_), "child_modules") => Some(2),
            (Place::PlannedResource | Place::ResourceChange, "address") => Some(1),
            (Place::PlannedResource, "values") | (Place::ResourceChange, "change") => Some(2),
            _ => None,
        }
    }

    /// The place of the items of an array here.
    fn item(self) -> Place {
        match self {
            Place::PlannedResources => Place::PlannedResource,
            Place::PlannedChildModules(d) => Place::PlannedModule(d + 1),
            Place::ResourceChanges => Place::ResourceChange,
            Place::PriorResources => Place::PriorResource,
            Place::PriorChildModules => Place::PriorModule,
            _ => Place::Other,
        }
    }

    /// Whether the member `key` of an object here is dropped once parsed: what the model never
    /// reads from a Terraform plan, kept out of the tree so that the plan of a large estate
    /// (where these parts repeat every resource two or three times) takes memory once. The
    /// model reads `planned_values`, the `after` of each change (for resources that
    /// `planned_values` lacks) and the data sources of `prior_state`; it never reads the
    /// `before` side of a change, the unknown and sensitive markers, drift, output changes
    /// or the values of managed resources before the plan. `managed` is whether this object
    /// (a `prior_state` resource) said `"mode": "managed"` before.
    fn drops(self, key: &str, terraform: bool, managed: bool) -> bool {
        match self {
            Place::Root => {
                terraform
                    && matches!(
                        key,
                        "resource_drift" | "output_changes" | "relevant_attributes" | "checks"
                    )
            }
            Place::Change | Place::ChangeOfPlanned => {
                matches!(
                    key,
                    "before"
                        | "before_sensitive"
                        | "after_sensitive"
                        | "after_unknown"
                        | "replace_paths"
                ) || (self == Place::ChangeOfPlanned && key == "after")
            }
            Place::PriorResource => managed && matches!(key, "values" | "sensitive_values"),
            _ => false,
        }
    }
}

pub const DEFAULT_MAX_DEPTH: usize = 512;

/// Parse one JSON value spanning the whole text (surrounding whitespace allowed).
pub fn parse(text: &str, max_depth: usize) -> Result<Node, ParseError> {
    parse_at(text, max_depth, Place::Other)
}

/// [`parse`] for the text of a whole file: the parts of a Terraform plan that nothing reads
/// are not kept (see `Place::drops`); they are still parsed, so a syntax error in them is
/// reported as anywhere else. Any other JSON gives the same tree as [`parse`].
pub fn parse_file(text: &str, max_depth: usize) -> Result<Node, ParseError> {
    parse_at(text, max_depth, Place::Root)
}

fn parse_at(text: &str, max_depth: usize, place: Place) -> Result<Node, ParseError> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
        max_depth,
        planned: Default::default(),
        planned_unsure: false,
    };
    p.ws();
    let v = p.value_at(place)?;
    p.ws();
    if p.pos < p.src.len() {
        return Err(p.err_at(
            p.pos,
            p.pos + 1,
            "trailing characters after the JSON value".into(),
        ));
    }
    if p.planned_unsure {
        return parse_at(text, max_depth, Place::Other);
    }
    Ok(v)
}

/// The depth of the deepest module of `planned_values` whose resources the model reads (see
/// `walk_module` in model/tf.rs).
const PLANNED_DEPTH: u8 = 17;

impl<'a> Parser<'a> {
    fn err_at(&self, start: usize, end: usize, message: String) -> ParseError {
        let mut end = end.min(self.src.len()).max(start);
        // An error at a multi-byte character covers the whole character.
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        ParseError {
            message,
            span: Span::new(start as u32, end as u32),
        }
    }

    fn describe_here(&self) -> String {
        match self.text[self.pos..].chars().next() {
            None => "end of file".into(),
            Some(c) if c.is_control() => format!("{:?}", c),
            Some(c) => format!("`{c}`"),
        }
    }

    fn unexpected(&self, expected: &str) -> ParseError {
        let len = self.text[self.pos..]
            .chars()
            .next()
            .map(|c| c.len_utf8())
            .unwrap_or(0);
        self.err_at(
            self.pos,
            self.pos + len,
            format!("expected {expected}, found {}", self.describe_here()),
        )
    }

    fn ws(&mut self) {
        while let Some(&b) = self.src.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value_at(&mut self, place: Place) -> Result<Node, ParseError> {
        match self.src.get(self.pos) {
            None => Err(self.unexpected("a JSON value")),
            Some(b'{') => self.object(place),
            Some(b'[') => self.array(place),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Node::new(
                    Value::Str(s),
                    Span::new(start as u32, self.pos as u32),
                ))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.unexpected("a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(v, Span::new(start as u32, self.pos as u32)))
        } else {
            Err(self.unexpected("a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        let s = self.src;
        let mut i = self.pos;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(s.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => {
                self.pos = i;
                return Err(self.unexpected("a digit"));
            }
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(s.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return Err(self.unexpected("a digit after the decimal point"));
            }
            while matches!(s.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(s.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return Err(self.unexpected("a digit in the exponent"));
            }
            while matches!(s.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        self.pos = i;
        Ok(Node::new(
            Value::Number(self.text[start..i].into()),
            Span::new(start as u32, i as u32),
        ))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(self.err_at(
                self.pos,
                self.pos + 1,
                format!("nesting deeper than {} levels", self.max_depth),
            ));
        }
        Ok(())
    }

    fn object(&mut self, place: Place) -> Result<Node, ParseError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut members: Vec<Member> = Vec::new();
        // Terraform's JSON output begins with these two (for `Place::Root`); a `prior_state`
        // resource says its mode before its values (for `Place::PriorResource`).
        let (mut format_version, mut terraform_version, mut managed) = (false, false, false);
        // An item of `resource_changes`: whether its `address` is one of `planned_values`.
        let mut planned = false;
        // The keys of `Place::watched` this object has had.
        let mut seen = 0u8;
        self.ws();
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.src.get(self.pos) != Some(&b'"') {
                    return Err(if members.is_empty() {
                        self.unexpected("a string key or `}`")
                    } else {
                        self.unexpected("a string key (trailing commas are not allowed in JSON)")
                    });
                }
                let kstart = self.pos;
                let key = self.string()?;
                let key_span = Span::new(kstart as u32, self.pos as u32);
                if let Some(bit) = place.watched(&key, format_version && terraform_version) {
                    self.planned_unsure |= seen & bit != 0;
                    seen |= bit;
                }
                self.ws();
                if self.src.get(self.pos) != Some(&b':') {
                    return Err(self.unexpected("`:` after the object key"));
                }
                self.pos += 1;
                self.ws();
                let terraform = format_version && terraform_version;
                let value = self.value_at(place.member(&key, terraform, planned))?;
                match (place, key.as_str()) {
                    (Place::Root, "format_version") => format_version = true,
                    (Place::Root, "terraform_version") => terraform_version = true,
                    (Place::PriorResource, "mode") => managed = value.as_str() == Some("managed"),
                    (Place::ResourceChange, "address") => {
                        planned = value.as_str().is_some_and(|a| self.planned.contains(a));
                    }
                    _ => {}
                }
                if !place.drops(&key, terraform, managed) {
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                }
                self.ws();
                match self.src.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `}` after an object member")),
                }
            }
        }
        self.depth -= 1;
        if place == Place::PlannedResource && seen & 2 != 0 {
            // The model takes a resource from `planned_values` when it has values (the last
            // `address` member, as `Node::get` reads it).
            if let Some(a) = members.iter().rev().find(|m| m.key == "address") {
                if let Some(a) = a.value.value.str() {
                    self.planned.insert(a.clone());
                }
            }
        }
        // Trees of large plans stay resident for the whole run: no spare capacity (a boxed slice
        // is shrunk to its length).
        Ok(Node::new(
            Value::Map(members.into_boxed_slice()),
            Span::new(start as u32, self.pos as u32),
        ))
    }

    fn array(&mut self, place: Place) -> Result<Node, ParseError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.src.get(self.pos) == Some(&b']') && !items.is_empty() {
                    return Err(
                        self.unexpected("a value (trailing commas are not allowed in JSON)")
                    );
                }
                items.push(self.value_at(place.item())?);
                self.ws();
                match self.src.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `]` after an array element")),
                }
            }
        }
        self.depth -= 1;
        Ok(Node::new(
            Value::Seq(items.into_boxed_slice()),
            Span::new(start as u32, self.pos as u32),
        ))
    }

    /// Parse a string literal at `pos` (which is `"`), returning its decoded value.
    fn string(&mut self) -> Result<Text, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = Text::default();
        let mut run = self.pos;
        loop {
            let Some(&b) = self.src.get(self.pos) else {
                return Err(self.err_at(open, self.pos, "unterminated string".into()));
            };
            match b {
                b'"' => {
                    let tail = &self.text[run..self.pos];
                    self.pos += 1;
                    if out.is_empty() {
                        // No escape: one copy of exactly the literal's bytes (inline when short).
                        return Ok(Text::from(tail));
                    }
                    out.push_str(tail);
                    out.shrink_to_fit();
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    let (c, len) = decode_escape(&self.src[self.pos..])
                        .map_err(|m| self.err_at(self.pos, self.pos + 2, m.to_string()))?;
                    out.push(c);
                    self.pos += len;
                    run = self.pos;
                }
                0..=0x1f => {
                    return Err(self.err_at(
                        self.pos,
                        self.pos + 1,
                        "control character in a string (escape it, e.g. `\\n`)".into(),
                    ))
                }
                _ => self.pos += 1,
            }
        }
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let s = std::str::from_utf8(&b[..4]).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Decode one escape sequence starting at `\`; returns the character and the source length.
fn decode_escape(b: &[u8]) -> Result<(char, usize), &'static str> {
    let c = match b.get(1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let hi = hex4(&b[2..]).ok_or("invalid `\\u` escape: expected four hex digits")?;
            if (0xD800..0xDC00).contains(&hi) {
                // A surrogate pair: `\uD83D\uDE00`.
                if b.get(6) == Some(&b'\\') && b.get(7) == Some(&b'u') {
                    if let Some(lo) = hex4(&b[8..]) {
                        if (0xDC00..0xE000).contains(&lo) {
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            return Ok((char::from_u32(cp).unwrap_or('\u{FFFD}'), 12));
                        }
                    }
                }
                return Ok(('\u{FFFD}', 6));
            }
            return Ok((char::from_u32(hi).unwrap_or('\u{FFFD}'), 6));
        }
        _ => return Err("invalid escape sequence in string"),
    };
    Ok((c, 2))
}

/// For a JSON string literal `raw` (quotes included) starting at byte `base` of the outer file,
/// return for every byte of the decoded value the outer offset where the character producing it
/// starts, plus one final entry for the closing quote. So a decoded range `a..b` maps to the outer
/// range `map[a]..map[b]`, which covers exactly the source bytes, escapes included.
pub fn string_offset_map(raw: &str, base: u32) -> Vec<u32> {
    let b = raw.as_bytes();
    let mut map = Vec::with_capacity(raw.len());
    let mut i = 1; // skip the opening quote
    while i < b.len() {
        match b[i] {
            b'"' => break,
            b'\\' => {
                let (c, len) = decode_escape(&b[i..]).unwrap_or(('\u{FFFD}', 2));
                for _ in 0..c.len_utf8() {
                    map.push(base + i as u32);
                }
                i += len;
            }
            _ => {
                let w = utf8_width(b[i]);
                for k in 0..w {
                    map.push(base + (i + k) as u32);
                }
                i += w;
            }
        }
    }
    map.push(base + i.min(b.len()) as u32);
    map
}

fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Rewrite every span of `node` (parsed from a decoded string) through `map` into outer offsets.
pub fn remap(node: &mut Node, map: &[u32]) {
    let m = |o: u32| {
        map.get(o as usize)
            .copied()
            .unwrap_or(*map.last().unwrap_or(&0))
    };
    node.span = Span::new(m(node.span.start), m(node.span.end));
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| remap(n, map)),
        Value::Map(members) => {
            for mem in members {
                mem.key_span = Span::new(m(mem.key_span.start), m(mem.key_span.end));
                remap(&mut mem.value, map);
            }
        }
        _ => {}
    }
}

/// Parse the JSON held by the string node `node` whose literal is `raw` in the outer file.
/// Returns the inner document with outer-file spans, or an error with an outer-file span.
pub fn parse_embedded(
    decoded: &str,
    raw: &str,
    base: u32,
    max_depth: usize,
) -> Result<Node, ParseError> {
    let map = string_offset_map(raw, base);
    match parse(decoded, max_depth) {
        Ok(mut n) => {
            remap(&mut n, &map);
            Ok(n)
        }
        Err(mut e) => {
            let last = *map.last().unwrap_or(&base);
            let m = |o: u32| map.get(o as usize).copied().unwrap_or(last);
            e.span = Span::new(m(e.span.start), m(e.span.end));
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan as `terraform show -json` writes it: one managed resource changed in place, one
    /// data source, drift and an output.
    const PLAN: &str = r#"{"format_version":"1.2","terraform_version":"1.9.5",
"planned_values":{"root_module":{"resources":[{"address":"aws_ecs_service.web","mode":"managed","values":{"desired_count":3}}]}},
"resource_drift":[{"address":"aws_ecs_service.web","change":{"before":{"desired_count":1}}}],
"resource_changes":[{"address":"aws_ecs_service.web","mode":"managed","change":{"actions":["update"],"before":{"desired_count":2},"after":{"desired_count":3},"after_unknown":{"id":true},"before_sensitive":{},"after_sensitive":{},"replace_paths":[["x"]]}},{"address":"aws_iam_role.new","mode":"managed","change":{"actions":["create"],"before":null,"after":{"name":"new"},"after_unknown":{"arn":true}}}],
"output_changes":{"url":{"actions":["no-op"],"before":"a","after":"a"}},
"prior_state":{"format_version":"1.0","values":{"root_module":{"resources":[{"address":"aws_ecs_service.web","mode":"managed","values":{"desired_count":2},"sensitive_values":{}},{"address":"data.aws_caller_identity.me","mode":"data","values":{"account_id":"111122223333"},"sensitive_values":{}}],"child_modules":[{"resources":[{"address":"module.m.aws_iam_role.r","mode":"managed","values":{"name":"r"}}]}]}}},
"configuration":{"root_module":{}},
"relevant_attributes":[{"resource":"aws_ecs_service.web","attribute":["id"]}],
"checks":[]}"#;

    fn keys(n: &Node) -> Vec<&str> {
        n.as_map().unwrap().iter().map(|m| m.key.as_str()).collect()
    }

    #[test]
    fn a_plan_file_keeps_what_the_model_reads_and_drops_the_rest() {
        let full = parse(PLAN, 64).unwrap();
        let n = parse_file(PLAN, 64).unwrap();
        assert_eq!(
            keys(&n),
            [
                "format_version",
                "terraform_version",
                "planned_values",
                "resource_changes",
                "prior_state",
                "configuration"
            ]
        );
        // A change keeps its actions, and its `after` only for a resource that
        // `planned_values` lacks (the model reads it from there).
        let change = n.pointer("/resource_changes/0/change").unwrap().0;
        assert_eq!(keys(change), ["actions"]);
        let change = n.pointer("/resource_changes/1/change").unwrap().0;
        assert_eq!(keys(change), ["actions", "after"]);
        // What is kept is what `parse` gives, spans included.
        assert_eq!(
            n.pointer("/resource_changes/1/change/after").unwrap().0,
            full.pointer("/resource_changes/1/change/after").unwrap().0
        );
        assert_eq!(n.get("planned_values"), full.get("planned_values"));
        assert_eq!(n.get("configuration"), full.get("configuration"));
        assert_eq!(n.span, full.span);
        // prior_state: the data source keeps its values, managed resources (in child modules
        // too) lose theirs.
        let prior = n.pointer("/prior_state/values/root_module").unwrap().0;
        let res = prior.get("resources").unwrap().as_seq().unwrap();
        assert_eq!(keys(&res[0]), ["address", "mode"]);
        assert_eq!(
            keys(&res[1]),
            ["address", "mode", "values", "sensitive_values"]
        );
        assert_eq!(
            res[1].path(&["values", "account_id"]).unwrap().as_str(),
            Some("111122223333")
        );
        let child = prior.pointer("/child_modules/0/resources/0").unwrap().0;
        assert_eq!(keys(child), ["address", "mode"]);
        // `parse` (embedded documents, rendered text) keeps everything.
        assert_eq!(keys(&full).len(), 10);
    }

    /// What the parse drops is what the model never reads: it takes the same resources, with
    /// the same values, from the plan either way.
    #[test]
    fn the_model_takes_the_same_resources_from_a_pruned_plan() {
        use crate::model::Model;
        use crate::source::{Encoding, FileId, FileKind, LineIndex, SourceDb, SourceFile};
        let resources = |doc: Node| -> Vec<(String, String, Node)> {
            let mut db = SourceDb::default();
            db.files.push(SourceFile {
                id: FileId(0),
                name: "plan.json".into(),
                lines: LineIndex::new(PLAN),
                path: "plan.json".into(),
                text: PLAN.into(),
                encoding: Encoding::Utf8,
                kind: FileKind::TfPlan,
                docs: vec![doc],
            });
            let m = Model::build(&db);
            m.tf.iter()
                .map(|r| (r.address.to_string(), r.rtype.to_string(), r.values.clone()))
                .collect()
        };
        let full = resources(parse(PLAN, 64).unwrap());
        assert_eq!(
            full.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            [
                "aws_ecs_service.web",
                "aws_iam_role.new",
                "data.aws_caller_identity.me"
            ]
        );
        assert_eq!(resources(parse_file(PLAN, 64).unwrap()), full);
    }

    #[test]
    fn only_terraform_output_is_pruned() {
        // Without Terraform's leading `format_version` and `terraform_version`, nothing is
        // dropped: the same text with them after the changes keeps every member.
        let reordered = PLAN
            .replacen(
                r#""format_version":"1.2","terraform_version":"1.9.5","#,
                "",
                1,
            )
            .replacen(
                r#""checks":[]}"#,
                r#""checks":[],"format_version":"1.2","terraform_version":"1.9.5"}"#,
                1,
            );
        assert_eq!(parse_file(&reordered, 64), parse(&reordered, 64));
        // Other JSON files (a task definition with a `checks` member) are as `parse` gives.
        let td =
            r#"{"family":"web","checks":[1],"containerDefinitions":[{"name":"a","before":1}]}"#;
        assert_eq!(parse_file(td, 64), parse(td, 64));
    }

    #[test]
    fn a_repeated_key_on_the_planned_path_keeps_the_whole_plan() {
        // The model reads the last of repeated keys: with two `planned_values` (or two
        // addresses in a change), which `after` it needs is not known while parsing, so
        // nothing is dropped.
        let twice = PLAN.replacen(
            r#""resource_drift""#,
            r#""planned_values":{"root_module":{}},"resource_drift""#,
            1,
        );
        assert_eq!(parse_file(&twice, 64), parse(&twice, 64));
        let two_addresses = PLAN.replacen(
            r#"{"address":"aws_ecs_service.web","mode":"managed","change""#,
            r#"{"address":"aws_ecs_service.web","address":"other","mode":"managed","change""#,
            1,
        );
        assert_eq!(parse_file(&two_addresses, 64), parse(&two_addresses, 64));
    }

    #[test]
    fn planned_resources_count_down_to_the_depth_the_model_reads() {
        // A resource in a module nested deeper than the model walks keeps the `after` of its
        // change, which is where the model takes it from.
        let nest = |depth: usize| {
            let mut m = r#"{"resources":[{"address":"deep.r","values":{}}]}"#.to_string();
            for _ in 0..depth {
                m = format!(r#"{{"child_modules":[{m}]}}"#);
            }
            format!(
                r#"{{"format_version":"1.2","terraform_version":"1.9.5","planned_values":{{"root_module":{m}}},"resource_changes":[{{"address":"deep.r","change":{{"actions":["create"],"after":{{}}}}}}]}}"#
            )
        };
        let at = |depth: usize| {
            let t = nest(depth);
            let n = parse_file(&t, 200).unwrap();
            keys(n.pointer("/resource_changes/0/change").unwrap().0).len()
        };
        assert_eq!(at(17), 1);
        assert_eq!(at(18), 2);
    }

    #[test]
    fn errors_in_dropped_parts_are_still_reported() {
        let bad = PLAN.replacen(
            r#""before":{"desired_count":2}"#,
            r#""before":{"desired_count":2,}"#,
            1,
        );
        let e = parse_file(&bad, 64).unwrap_err();
        assert_eq!(e, parse(&bad, 64).unwrap_err());
        assert_eq!(
            e.message,
            "expected a string key (trailing commas are not allowed in JSON), found `}`"
        );
        assert_eq!(e.span.start as usize, bad.find(r#"2,}"#).unwrap() + 2);
        let deep = PLAN.replacen(
            r#""after_unknown":{"id":true}"#,
            r#""after_unknown":[[[[[[1]]]]]]"#,
            1,
        );
        assert_eq!(
            parse_file(&deep, 8).unwrap_err().message,
            "nesting deeper than 8 levels"
        );
    }

    #[test]
    fn spans_of_keys_and_values() {
        let t = r#"{"a": [1, -2.5e3, true], "b" : {"c": null}}"#;
        let n = parse(t, 64).unwrap();
        let a = n.member("a").unwrap();
        assert_eq!(&t[a.key_span.range()], "\"a\"");
        assert_eq!(&t[a.value.span.range()], "[1, -2.5e3, true]");
        let c = n.path(&["b", "c"]).unwrap();
        assert_eq!(&t[c.span.range()], "null");
        assert_eq!(
            n.get("a").unwrap().as_seq().unwrap()[1].value,
            Value::Number("-2.5e3".into())
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let t = "{\n  \"a\": 1\n  \"b\": 2\n}";
        let e = parse(t, 64).unwrap_err();
        assert_eq!(
            e.message,
            "expected `,` or `}` after an object member, found `\"`"
        );
        assert_eq!(e.span.start as usize, t.find("\"b\"").unwrap());
        assert!(parse("[1,]", 64)
            .unwrap_err()
            .message
            .contains("trailing comma"));
        assert!(parse("{} x", 64)
            .unwrap_err()
            .message
            .contains("trailing characters"));
        assert!(parse("[[[[1]]]]", 3)
            .unwrap_err()
            .message
            .contains("nesting deeper"));
    }

    #[test]
    fn embedded_spans_map_through_escapes() {
        // Outer file: a JSON string holding JSON with escaped quotes and a \u escape.
        let outer = r#"{"cd": "[{\"name\":\"w\u00e9b\",\"x\":1}]"}"#;
        let n = parse(outer, 64).unwrap();
        let s = n.get("cd").unwrap();
        let raw = &outer[s.span.range()];
        let inner = parse_embedded(s.as_str().unwrap(), raw, s.span.start, 64).unwrap();
        let c = &inner.as_seq().unwrap()[0];
        let name = c.member("name").unwrap();
        assert_eq!(&outer[name.key_span.range()], r#"\"name\""#);
        assert_eq!(&outer[name.value.span.range()], r#"\"w\u00e9b\""#);
        assert_eq!(name.value.as_str(), Some("wéb"));
        assert_eq!(&outer[c.get("x").unwrap().span.range()], "1");
    }
}
