//! Terraform's native syntax (`.tf`, `.tfvars`) lowered into the shared spanned tree.
//!
//! Parsing is `hcl-edit`'s, which keeps byte spans on every body, attribute, label and
//! expression. The lowering follows Terraform's JSON configuration syntax, so that a `.tf` file
//! gives the tree its `.tf.json` twin gives:
//!
//! - a block's type becomes a key and each label a nested key
//!   (`resource "aws_ecs_service" "web" {}` → `resource.aws_ecs_service.web`); several blocks of
//!   the same type merge under one key; a repeated block (two `statement {}`, or two resources
//!   with the same labels) becomes an array of bodies;
//! - literals become strings, numbers (kept as written), booleans, null, arrays and objects;
//! - every other expression (a reference, a call, a conditional, a `for`, a template with
//!   interpolations) becomes a string holding its source text inside `${…}` (a quoted template
//!   keeps its own text, `web-${var.env}`), so reference parsing and the "unresolved" logic work
//!   as they do for `.tf.json`;
//! - `jsonencode({…})` / `jsonencode([…])` of a literal object or array becomes a string whose
//!   [`Node::embedded`] document is the lowered argument, so findings inside it point at the HCL
//!   keys themselves; heredocs holding JSON are parsed through an offset map, with `<<-`
//!   indentation stripping, so their spans land on the heredoc's own bytes.
//!
//! Spans: a value's span is its expression's; a key's span is its identifier, quoted key or
//! label (quotes included, as `.tf.json` keys include theirs).

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;

use super::json::{self, ParseError};
use crate::doc::{Embedded, Member, Node, Text, Value};
use crate::source::Span;

/// Parse a `.tf` or `.tfvars` file into one mapping node.
pub fn parse(text: &str, max_depth: usize) -> Result<Node, ParseError> {
    // hcl-edit rejects an object literal that repeats a key; Terraform keeps the last value. Such
    // a key is renamed in a copy of the text (same length, so every span stays valid), the copy is
    // parsed, and the original key is put back: both members are kept, the last one wins.
    let mut patched: Option<String> = None;
    let mut renamed: Vec<Span> = Vec::new();
    let body = loop {
        let src = patched.as_deref().unwrap_or(text);
        match hcl_edit::parser::parse_body(src) {
            Ok(b) => break b,
            Err(e) => {
                let at = e.location().offset().min(text.len());
                if e.message().contains("redefined object key") && renamed.len() < 64 {
                    let work = patched.get_or_insert_with(|| text.to_string());
                    if let Some(key) = rename_key(work, at, renamed.len()) {
                        if !renamed.contains(&key) {
                            renamed.push(key);
                            continue;
                        }
                    }
                }
                // An error at a line break points at the end of the line, not across two lines.
                let mut span = char_span(text, at);
                if matches!(text.get(span.range()), Some("\n" | "\r")) {
                    span.end = span.start;
                }
                return Err(ParseError {
                    message: one_line(e.message()),
                    span,
                });
            }
        }
    };
    let l = Lowering { text, max_depth };
    let mut root = l.body(&body, Span::new(0, text.len() as u32), 0)?;
    if !renamed.is_empty() {
        restore_keys(&mut root, text, &renamed);
    }
    Ok(root)
}

/// Overwrite the object key starting at byte `at` of `work` (an identifier or a quoted string
/// without escapes) with a placeholder of the same length; returns the key's span.
fn rename_key(work: &mut String, at: usize, n: usize) -> Option<Span> {
    let rest = work.get(at..)?;
    let (start, len) = if let Some(q) = rest.strip_prefix('"') {
        let end = q.find(['"', '\\', '$', '%', '\n'])?;
        (at + 1, end)
    } else {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        (at, end)
    };
    if len == 0 || !work.is_char_boundary(start + len) {
        return None;
    }
    let tag = format!("{n:x}");
    let placeholder: String = std::iter::once('_')
        .chain(std::iter::repeat_n('_', len.saturating_sub(1 + tag.len())))
        .chain(tag.chars())
        .take(len)
        .collect();
    if placeholder.len() != len {
        return None;
    }
    work.replace_range(start..start + len, &placeholder);
    let quoted = start != at;
    Some(if quoted {
        Span::new(at as u32, (start + len + 1) as u32)
    } else {
        Span::new(start as u32, (start + len) as u32)
    })
}

/// Put back the original names of keys renamed by [`rename_key`].
fn restore_keys(node: &mut Node, text: &str, renamed: &[Span]) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &mut n.value {
            Value::Embedding(e) => {
                if let Embedded::Doc(d) = &mut e.embedded {
                    stack.push(d);
                }
            }
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(members) => {
                for m in members.iter_mut() {
                    if renamed.contains(&m.key_span) {
                        let raw = text.get(m.key_span.range()).unwrap_or("");
                        m.key = raw.trim_matches('"').into();
                    }
                }
                stack.extend(members.iter_mut().map(|m| &mut m.value));
            }
            _ => {}
        }
    }
}

/// hcl-edit's messages may span lines (`expected …` lists); keep one line.
fn one_line(m: &str) -> String {
    let s = m.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        "syntax error".into()
    } else {
        s
    }
}

/// The span of the character starting at byte `at` (empty at the end of the text).
fn char_span(text: &str, at: usize) -> Span {
    let mut start = at.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let len = text[start..].chars().next().map_or(0, char::len_utf8);
    Span::new(start as u32, (start + len) as u32)
}

/// The string value of a `jsonencode(…)` whose document is embedded.
pub const JSONENCODE_TEXT: &str = "jsonencode(…)";

struct Lowering<'t> {
    text: &'t str,
    max_depth: usize,
}

impl<'t> Lowering<'t> {
    /// A parser range as a span, checked against the text (never trusted to be in bounds).
    fn span(&self, r: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
        match r {
            Some(r)
                if r.start <= r.end
                    && r.end <= self.text.len()
                    && self.text.is_char_boundary(r.start)
                    && self.text.is_char_boundary(r.end) =>
            {
                Span::new(r.start as u32, r.end as u32)
            }
            _ => fallback,
        }
    }

    fn src(&self, s: Span) -> &'t str {
        self.text.get(s.range()).unwrap_or("")
    }

    fn too_deep(&self, span: Span, depth: usize) -> Result<(), ParseError> {
        if depth > self.max_depth {
            return Err(ParseError {
                message: format!("nesting deeper than {} levels", self.max_depth),
                span: char_span(self.text, span.start as usize),
            });
        }
        Ok(())
    }

    fn body(&self, body: &Body, span: Span, depth: usize) -> Result<Node, ParseError> {
        self.too_deep(span, depth)?;
        let mut members = Members::default();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key_span = self.span(a.key.span(), span);
                    let value = self.expr(&a.value, key_span, depth + 1)?;
                    members.push(a.key.as_str().into(), key_span, Pending::Done(value));
                }
                Structure::Block(b) => self.block(b, span, depth, &mut members)?,
            }
        }
        Ok(Node::new(Value::Map(members.finish().into()), span))
    }

    fn block(
        &self,
        b: &Block,
        parent: Span,
        depth: usize,
        members: &mut Members,
    ) -> Result<(), ParseError> {
        let block_span = self.span(b.span(), parent);
        let ident_span = self.span(b.ident.span(), block_span);
        let labels: Vec<(String, Span)> = b
            .labels
            .iter()
            .map(|l| (l.as_str().to_string(), self.span(l.span(), block_span)))
            .collect();
        // The body's own span: from its `{` (after the last label) to the end of the block.
        let head_end = labels.last().map_or(ident_span.end, |(_, s)| s.end);
        let open = self
            .text
            .get(head_end as usize..block_span.end as usize)
            .and_then(|t| t.find('{'))
            .map_or(block_span.start, |i| head_end + i as u32);
        let body_span = Span::new(open, block_span.end.max(open));
        let body = self.body(&b.body, body_span, depth + 1 + labels.len())?;
        let mut path = Vec::with_capacity(labels.len() + 1);
        path.push((b.ident.as_str().to_string(), ident_span));
        path.extend(labels);
        members.insert_block(&path, body, block_span);
        Ok(())
    }

    fn expr(&self, e: &Expression, fallback: Span, depth: usize) -> Result<Node, ParseError> {
        let span = self.span(e.span(), fallback);
        self.too_deep(span, depth)?;
        let node = match e {
            Expression::Null(_) => Node::new(Value::Null, span),
            Expression::Bool(b) => Node::new(Value::Bool(*b.value()), span),
            Expression::Number(n) => {
                let written = self.src(span).trim();
                let text = if written.is_empty() {
                    n.value().to_string()
                } else {
                    written.to_string()
                };
                Node::new(Value::Number(text.into()), span)
            }
            Expression::String(s) => Node::new(Value::Str(s.value().as_str().into()), span),
            Expression::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for item in a.iter() {
                    items.push(self.expr(item, span, depth + 1)?);
                }
                Node::new(Value::Seq(items.into()), span)
            }
            Expression::Object(o) => {
                let mut members = Vec::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let key_span = self.span(k.span(), span);
                    let key: Text = match k {
                        ObjectKey::Ident(i) => i.as_str().into(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().as_str().into(),
                        ObjectKey::Expression(_) => format!("${{{}}}", self.src(key_span)).into(),
                    };
                    let value = self.expr(v.expr(), key_span, depth + 1)?;
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                }
                Node::new(Value::Map(members.into()), span)
            }
            Expression::StringTemplate(_) => {
                // Keep the template's own text between the quotes: `web-${var.env}`.
                let raw = self.src(span);
                let inner = raw
                    .strip_prefix('"')
                    .and_then(|r| r.strip_suffix('"'))
                    .unwrap_or(raw);
                Node::new(Value::Str(inner.into()), span)
            }
            Expression::HeredocTemplate(_) => self.heredoc(span, depth),
            Expression::Parenthesis(p) => self.expr(p.inner(), span, depth + 1)?,
            Expression::FuncCall(f)
                if !f.name.is_namespaced()
                    && f.name.name.as_str() == "jsonencode"
                    && f.args.len() == 1
                    && !f.args.expand_final() =>
            {
                match f.args.get(0) {
                    Some(arg @ (Expression::Array(_) | Expression::Object(_))) => {
                        let doc = self.expr(arg, span, depth + 1)?;
                        // The text names the call, not its argument: the argument may hold
                        // interpolations, which would make the string read as unresolved while
                        // its document is known. Readers use the embedded document.
                        let mut n = Node::new(Value::Str(JSONENCODE_TEXT.into()), span);
                        n.set_embedded(Some(Embedded::Doc(doc)));
                        n
                    }
                    _ => self.opaque(span),
                }
            }
            _ => self.opaque(span),
        };
        Ok(node)
    }

    /// An expression that is not a literal: its source text as an interpolation.
    fn opaque(&self, span: Span) -> Node {
        Node::new(Value::Str(format!("${{{}}}", self.src(span)).into()), span)
    }

    /// A heredoc: its text (with `<<-` indentation stripped) as a string, and the JSON document it
    /// holds, if any, with spans on the heredoc's own bytes.
    fn heredoc(&self, span: Span, depth: usize) -> Node {
        let Some((text, map)) = heredoc_text(self.text, span) else {
            return self.opaque(span);
        };
        let mut n = Node::new(Value::Str(text.as_str().into()), span);
        let t = text.as_str();
        let trimmed = t.trim_start();
        if (trimmed.starts_with('{') || trimmed.starts_with('[')) && !trimmed.starts_with("${") {
            let max = self.max_depth.saturating_sub(depth);
            let last = map.last().copied().unwrap_or(span.end);
            let m = |o: u32| map.get(o as usize).copied().unwrap_or(last);
            match json::parse(t, max) {
                Ok(mut doc) => {
                    json::remap(&mut doc, &map);
                    n.set_embedded(Some(Embedded::Doc(doc)));
                }
                // Interpolations outside JSON strings (`"cpu": ${var.cpu}`): not known
                // statically, so unresolved rather than invalid.
                Err(_) if crate::doc::is_unresolved_text(t) => {}
                Err(e) => n.set_embedded(Some(Embedded::Invalid {
                    message: e.message,
                    span: Span::new(m(e.span.start), m(e.span.end)),
                })),
            }
        }
        n
    }
}

/// The text of the heredoc at `span` and, for every byte of it, the file offset it came from
/// (plus one final entry for the end). `<<-` strips the smallest indentation of the non-blank
/// lines from every line, as Terraform does.
pub fn heredoc_text(text: &str, span: Span) -> Option<(String, Vec<u32>)> {
    let raw = text.get(span.range())?;
    let strip = raw.starts_with("<<-");
    let first_nl = raw.find('\n')?;
    let body_start = first_nl + 1;
    // The closing delimiter is on the last line of the span.
    let body_end = raw.trim_end().rfind('\n').map_or(body_start, |i| i + 1);
    if body_end < body_start {
        return Some((String::new(), vec![span.start + body_start as u32]));
    }
    let body = &raw[body_start..body_end];
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let indent = if strip {
        lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').count())
            .min()
            .unwrap_or(0)
    } else {
        0
    };
    let mut out = String::with_capacity(body.len());
    let mut map = Vec::with_capacity(body.len() + 1);
    let mut off = span.start as usize + body_start;
    for l in lines {
        let cut: usize = l
            .chars()
            .take(indent)
            .take_while(|c| *c == ' ' || *c == '\t')
            .map(char::len_utf8)
            .sum();
        let kept = &l[cut..];
        out.push_str(kept);
        for i in 0..kept.len() {
            map.push((off + cut + i) as u32);
        }
        off += l.len();
    }
    map.push(off as u32);
    Some((out, map))
}

/// The members of a body being lowered: attributes and blocks in order, with the position of
/// the last member of each key, so that a block finds the earlier one of its type without a scan
/// (a file of 100,000 resources of one type took 16 s in a scan per block), and with the
/// mappings and arrays that later blocks still extend kept as vectors until [`Members::finish`].
#[derive(Default)]
struct Members {
    list: Vec<(Text, Span, Pending)>,
    last: std::collections::HashMap<Text, usize>,
}

/// A member's value while its body is lowered.
enum Pending {
    Done(Node),
    /// The blocks of one type (or an attribute's list followed by blocks of its name).
    Seq(Vec<Node>, Span),
    /// The blocks under a type or label, by their next label.
    Map(Members, Span),
}

impl Members {
    fn push(&mut self, key: Text, key_span: Span, value: Pending) {
        self.last.insert(key.clone(), self.list.len());
        self.list.push((key, key_span, value));
    }

    /// Insert a block body at `path` (type, then labels), merging with earlier blocks of the
    /// same type and turning a repeated body into an array, as `.tf.json` files write them.
    fn insert_block(&mut self, path: &[(String, Span)], body: Node, block_span: Span) {
        let Some(((key, key_span), rest)) = path.split_first() else {
            return;
        };
        let existing = self
            .last
            .get(key.as_str())
            .and_then(|&i| self.list.get_mut(i))
            .map(|(_, _, v)| v);
        if rest.is_empty() {
            match existing {
                None => self.push(key.as_str().into(), *key_span, Pending::Done(body)),
                Some(v) => {
                    *v = match std::mem::replace(v, Pending::Seq(Vec::new(), body.span)) {
                        Pending::Seq(mut items, span) => {
                            let span = span.cover(body.span);
                            items.push(body);
                            Pending::Seq(items, span)
                        }
                        Pending::Done(Node {
                            value: Value::Seq(items),
                            span,
                        }) => {
                            let mut items = items.into_vec();
                            let span = span.cover(body.span);
                            items.push(body);
                            Pending::Seq(items, span)
                        }
                        other => {
                            let first = other.finish();
                            let span = first.span.cover(body.span);
                            Pending::Seq(vec![first, body], span)
                        }
                    };
                }
            }
            return;
        }
        match existing {
            Some(Pending::Map(inner, span)) => {
                *span = span.cover(block_span);
                inner.insert_block(rest, body, block_span);
            }
            Some(
                v @ Pending::Done(Node {
                    value: Value::Map(_),
                    ..
                }),
            ) => {
                let Pending::Done(node) =
                    std::mem::replace(v, Pending::Seq(Vec::new(), block_span))
                else {
                    return;
                };
                let Node {
                    value: Value::Map(members),
                    span,
                } = node
                else {
                    return;
                };
                let mut inner = Members::default();
                for m in members.into_vec() {
                    inner.push(m.key, m.key_span, Pending::Done(m.value));
                }
                inner.insert_block(rest, body, block_span);
                *v = Pending::Map(inner, span.cover(block_span));
            }
            _ => {
                let mut inner = Members::default();
                inner.insert_block(rest, body, block_span);
                self.push(
                    key.as_str().into(),
                    *key_span,
                    Pending::Map(inner, block_span),
                );
            }
        }
    }

    fn finish(self) -> Vec<Member> {
        self.list
            .into_iter()
            .map(|(key, key_span, value)| Member {
                key,
                key_span,
                value: value.finish(),
            })
            .collect()
    }
}

impl Pending {
    fn finish(self) -> Node {
        match self {
            Pending::Done(n) => n,
            Pending::Seq(items, span) => Node::new(Value::Seq(items.into()), span),
            Pending::Map(members, span) => Node::new(Value::Map(members.finish().into()), span),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str, s: Span) -> &str {
        &t[s.range()]
    }

    #[test]
    fn blocks_labels_and_attributes() {
        let t = r#"resource "aws_ecs_service" "web" {
  name          = "web"
  desired_count = 3
  enabled       = true
  nothing       = null
  subnets       = ["a", "b"]
}

resource "aws_ecs_service" "api" {
  name = "api"
}

resource "aws_ecs_cluster" "main" {}
"#;
        let n = parse(t, 64).unwrap();
        let web = n.path(&["resource", "aws_ecs_service", "web"]).unwrap();
        assert!(web.as_map().is_some());
        let ty = n.path(&["resource", "aws_ecs_service"]).unwrap();
        let keys: Vec<&str> = ty
            .as_map()
            .unwrap()
            .iter()
            .map(|m| m.key.as_str())
            .collect();
        assert_eq!(keys, ["web", "api"]);
        let label = ty.member("web").unwrap();
        assert_eq!(at(t, label.key_span), "\"web\"");
        assert_eq!(at(t, web.span).lines().next(), Some("{"));
        let name = web.member("name").unwrap();
        assert_eq!(at(t, name.key_span), "name");
        assert_eq!(at(t, name.value.span), "\"web\"");
        assert_eq!(name.value.as_str(), Some("web"));
        let count = web.get("desired_count").unwrap();
        assert_eq!(count.value, Value::Number("3".into()));
        assert_eq!(at(t, count.span), "3");
        assert_eq!(web.get("enabled").unwrap().as_bool(), Some(true));
        assert!(web.get("nothing").unwrap().is_null());
        let subnets = web.get("subnets").unwrap();
        assert_eq!(at(t, subnets.span), "[\"a\", \"b\"]");
        assert_eq!(at(t, subnets.as_seq().unwrap()[1].span), "\"b\"");
        assert!(n
            .path(&["resource", "aws_ecs_cluster", "main"])
            .unwrap()
            .as_map()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn repeated_nested_blocks_become_arrays() {
        let t = r#"data "aws_iam_policy_document" "p" {
  statement {
    actions = ["s3:GetObject"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
  statement {
    actions = ["*"]
    condition {
      test = "StringLike"
    }
    condition {
      test = "StringEquals"
    }
  }
}
"#;
        let n = parse(t, 64).unwrap();
        let doc = n.path(&["data", "aws_iam_policy_document", "p"]).unwrap();
        let st = doc.get("statement").unwrap().as_seq().unwrap();
        assert_eq!(st.len(), 2);
        // One nested block stays an object, as `.tf.json` writes a single block.
        assert!(st[0].get("principals").unwrap().as_map().is_some());
        let conds = st[1].get("condition").unwrap().as_seq().unwrap();
        assert_eq!(conds[1].get("test").unwrap().as_str(), Some("StringEquals"));
        assert_eq!(
            at(t, conds[1].get("test").unwrap().span),
            "\"StringEquals\""
        );
    }

    #[test]
    fn blocks_merge_with_earlier_attributes_and_blocks_of_their_name() {
        let t = r#"ingress = [{ port = 80 }]
ingress { port = 443 }
tags = { team = "a" }
tags "extra" { x = 1 }
resource "aws_subnet" "a" { cidr_block = "10.0.0.0/24" }
resource "aws_subnet" "b" { cidr_block = "10.0.1.0/24" }
resource "aws_vpc" "main" {}
resource "aws_subnet" "a" { cidr_block = "10.0.2.0/24" }
"#;
        let n = parse(t, 64).unwrap();
        // An attribute's list gets the blocks of its name appended.
        let ingress = n.get("ingress").unwrap();
        let ports: Vec<_> = ingress
            .as_seq()
            .unwrap()
            .iter()
            .map(|i| i.get("port").unwrap().as_i64().unwrap())
            .collect();
        assert_eq!(ports, [80, 443]);
        assert_eq!(
            at(t, ingress.span),
            "[{ port = 80 }]\ningress { port = 443 }"
        );
        // A mapping attribute gets a labelled block of its name as a member.
        let tags = n.get("tags").unwrap();
        assert_eq!(
            tags.as_map()
                .unwrap()
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>(),
            ["team", "extra"]
        );
        // Blocks group by type, then by name; a repeated name becomes an array, in order.
        let subnets = n.path(&["resource", "aws_subnet"]).unwrap();
        assert_eq!(
            subnets
                .as_map()
                .unwrap()
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        let a = subnets.get("a").unwrap().as_seq().unwrap();
        assert_eq!(
            a[1].get("cidr_block").unwrap().as_str(),
            Some("10.0.2.0/24")
        );
        assert!(n.path(&["resource", "aws_vpc", "main"]).is_some());
    }

    #[test]
    fn expressions_keep_their_source_as_interpolations() {
        let t = r#"module "eks" {
  source     = "terraform-aws-modules/eks/aws"
  subnet_ids = module.vpc.private_subnets
  name       = "web-${var.env}"
  size       = var.big ? 10 : 2
  ids        = [for s in var.subnets : s.id]
  cidr       = cidrsubnet(var.vpc_cidr, 8, 1)
  neg        = -1
}
"#;
        let n = parse(t, 64).unwrap();
        let m = n.path(&["module", "eks"]).unwrap();
        let s = m.get("subnet_ids").unwrap();
        assert_eq!(s.as_str(), Some("${module.vpc.private_subnets}"));
        assert_eq!(at(t, s.span), "module.vpc.private_subnets");
        assert!(s.is_unresolved());
        let name = m.get("name").unwrap();
        assert_eq!(name.as_str(), Some("web-${var.env}"));
        assert_eq!(at(t, name.span), "\"web-${var.env}\"");
        assert_eq!(m.get("size").unwrap().as_str(), Some("${var.big ? 10 : 2}"));
        assert_eq!(
            m.get("ids").unwrap().as_str(),
            Some("${[for s in var.subnets : s.id]}")
        );
        let c = m.get("cidr").unwrap();
        assert_eq!(c.as_str(), Some("${cidrsubnet(var.vpc_cidr, 8, 1)}"));
        assert_eq!(at(t, c.span), "cidrsubnet(var.vpc_cidr, 8, 1)");
        assert_eq!(m.get("neg").unwrap().value, Value::Number("-1".into()));
    }

    #[test]
    fn jsonencode_embeds_the_lowered_document() {
        let t = r#"resource "aws_ecs_task_definition" "t" {
  container_definitions = jsonencode([
    {
      name      = "web"
      essential = true
      "image"   = "${var.repo}:1"
      cpu       = local.cpu
    }
  ])
  other = jsonencode(local.x)
}
"#;
        let n = parse(t, 64).unwrap();
        let td = n
            .path(&["resource", "aws_ecs_task_definition", "t"])
            .unwrap();
        let cd = td.get("container_definitions").unwrap();
        assert!(!cd.is_unresolved());
        assert_eq!(cd.as_str(), Some(JSONENCODE_TEXT));
        assert!(at(t, cd.span).starts_with("jsonencode(["));
        let doc = cd.embedded_doc().unwrap();
        let c = &doc.as_seq().unwrap()[0];
        let name = c.member("name").unwrap();
        assert_eq!(at(t, name.key_span), "name");
        assert_eq!(at(t, name.value.span), "\"web\"");
        let image = c.member("image").unwrap();
        assert_eq!(at(t, image.key_span), "\"image\"");
        assert!(image.value.is_unresolved());
        assert_eq!(c.get("cpu").unwrap().as_str(), Some("${local.cpu}"));
        // The pointer walks through the embedded document as for `.tf.json`.
        assert_eq!(
            td.pointer("/container_definitions/0/essential")
                .unwrap()
                .0
                .as_bool(),
            Some(true)
        );
        let other = td.get("other").unwrap();
        assert!(other.embedded().is_none());
        assert_eq!(other.as_str(), Some("${jsonencode(local.x)}"));
    }

    #[test]
    fn heredoc_json_maps_to_its_own_bytes() {
        let t = "resource \"aws_iam_policy\" \"p\" {\n  policy = <<EOF\n{\"Statement\": [{\"Action\": \"*\"}]}\nEOF\n}\n";
        let n = parse(t, 64).unwrap();
        let p = n.path(&["resource", "aws_iam_policy", "p"]).unwrap();
        let pol = p.get("policy").unwrap();
        assert_eq!(
            pol.as_str(),
            Some("{\"Statement\": [{\"Action\": \"*\"}]}\n")
        );
        let doc = pol.embedded_doc().unwrap();
        let a = doc.pointer("/Statement/0/Action").unwrap();
        assert_eq!(at(t, a.0.span), "\"*\"");
        assert_eq!(at(t, a.1.unwrap()), "\"Action\"");
    }

    #[test]
    fn indented_heredoc_is_stripped_and_mapped() {
        let t = "x = <<-EOT\n    {\n      \"name\": \"web\",\n\n      \"cpu\": ${var.cpu}\n    }\n    EOT\ny = <<-EOT\n    [\n      {\"name\": \"a\"}\n    ]\n  EOT\n";
        let n = parse(t, 64).unwrap();
        let x = n.get("x").unwrap();
        assert_eq!(
            x.as_str(),
            Some("{\n  \"name\": \"web\",\n\n  \"cpu\": ${var.cpu}\n}\n")
        );
        // Interpolation outside a JSON string: unresolved, not invalid.
        assert!(x.embedded().is_none());
        assert!(x.is_unresolved());
        let y = n.get("y").unwrap();
        assert_eq!(y.as_str(), Some("[\n  {\"name\": \"a\"}\n]\n"));
        let doc = y.embedded_doc().unwrap();
        let name = doc.pointer("/0/name").unwrap();
        assert_eq!(at(t, name.0.span), "\"a\"");
        assert_eq!(at(t, name.1.unwrap()), "\"name\"");
    }

    #[test]
    fn invalid_heredoc_json_is_reported_at_its_bytes() {
        let t = "p = <<EOF\n{\"a\": 1,}\nEOF\n";
        let n = parse(t, 64).unwrap();
        match n.get("p").unwrap().embedded() {
            Some(Embedded::Invalid { span, .. }) => assert_eq!(at(t, *span), "}"),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn syntax_error_has_a_place() {
        let t = "resource \"a\" \"b\" {\n  name =\n}\n";
        let e = parse(t, 64).unwrap_err();
        let lc = crate::source::LineIndex::new(t).line_col(t, e.span.start);
        // hcl-edit stops at the end of the line where the value is missing.
        assert_eq!((lc.line, lc.col), (2, 9));
        assert!(e.span.is_empty());
        assert!(!e.message.is_empty());
        assert!(!e.message.contains('\n'));
    }

    #[test]
    fn depth_is_bounded() {
        let t = "a = [[[[[[1]]]]]]\n";
        assert!(parse(t, 3).unwrap_err().message.contains("nesting deeper"));
        assert!(parse(t, 64).is_ok());
        let deep = format!("a = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        assert!(parse(&deep, 256).is_err());
    }

    #[test]
    fn repeated_object_keys_are_kept_and_the_last_wins() {
        let t = "locals {\n  d = {\n    env = 1\n    \"env\" = 2\n    a = 3\n    a = 4\n  }\n}\n";
        let n = parse(t, 64).unwrap();
        let d = n.path(&["locals", "d"]).unwrap();
        let keys: Vec<&str> = d.as_map().unwrap().iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["env", "env", "a", "a"]);
        assert_eq!(d.get("env").unwrap().as_i64(), Some(2));
        assert_eq!(at(t, d.member("env").unwrap().key_span), "\"env\"");
        assert_eq!(d.get("a").unwrap().as_i64(), Some(4));
        assert_eq!(at(t, d.member("a").unwrap().key_span), "a");
    }

    #[test]
    fn files_are_classified_by_name() {
        use crate::load::{load_bytes, Limits, Loaded};
        use crate::source::FileKind;
        let kind = |name: &str, text: &str| match load_bytes(
            std::path::Path::new(name),
            text.as_bytes(),
            &Limits::default(),
        ) {
            Loaded::File { kind, .. } => Some(kind),
            _ => None,
        };
        assert_eq!(
            kind("variables.tf", "variable \"x\" {}\n"),
            Some(FileKind::TfJson)
        );
        assert_eq!(kind("prod.tfvars", "x = 1\n"), Some(FileKind::TfVars));
        assert_eq!(
            kind("terraform.tfvars.json", "{\"x\": 1}"),
            Some(FileKind::TfVars)
        );
        assert!(matches!(
            load_bytes(std::path::Path::new("main.tf"), b"x = \n", &Limits::default()),
            Loaded::Error(e) if e.message.starts_with("invalid HCL: ") && e.span.is_some()
        ));
    }

    #[test]
    fn tfvars_are_a_map_of_attributes() {
        let t = "vpc_cidr = \"10.0.0.0/16\"\nazs = [\"a\", \"b\"]\n";
        let n = parse(t, 64).unwrap();
        assert_eq!(n.get("vpc_cidr").unwrap().as_str(), Some("10.0.0.0/16"));
        assert_eq!(n.get("azs").unwrap().as_seq().unwrap().len(), 2);
    }
}
