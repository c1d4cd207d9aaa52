//! YAML (1.2, multi-document) into the spanned tree, built from `saphyr-parser` events.
//!
//! Anchors and aliases are expanded with a budget (an alias bomb becomes an error, not an
//! out-of-memory), merge keys (`<<`) are applied with explicit keys winning, and nesting depth is
//! bounded. Plain scalars resolve like the YAML core schema: null, booleans and numbers.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

use super::json::ParseError;
use super::Limits;
use crate::doc::{Member, Node, Text, Value};
use crate::source::Span;

/// One parsed YAML document with the span it covers.
#[derive(Debug)]
pub struct YamlDoc {
    pub root: Node,
}

struct CharMap {
    /// Byte offset of every char index, only for non-ASCII text.
    offsets: Option<Vec<u32>>,
    len: u32,
}

impl CharMap {
    fn new(text: &str) -> Self {
        let offsets = (!text.is_ascii()).then(|| {
            let mut v: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
            v.push(text.len() as u32);
            v
        });
        CharMap {
            offsets,
            len: text.len() as u32,
        }
    }
    fn byte(&self, char_index: usize) -> u32 {
        match &self.offsets {
            None => (char_index as u32).min(self.len),
            Some(v) => v.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

enum Frame {
    Seq {
        start: u32,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: u32,
        anchor: usize,
        members: Vec<Member>,
        pending_key: Option<(Text, Span, bool)>,
    },
}

struct Builder<'t> {
    text: &'t str,
    chars: CharMap,
    anchors: HashMap<usize, (Node, usize)>,
    stack: Vec<Frame>,
    budget: usize,
    limits: Limits,
}

fn count_nodes(n: &Node) -> usize {
    1 + match &n.value {
        Value::Seq(v) => v.iter().map(count_nodes).sum(),
        Value::Map(m) => m.iter().map(|m| count_nodes(&m.value)).sum(),
        _ => 0,
    }
}

fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let b = s.as_bytes();
    let digits = |t: &[u8]| !t.is_empty() && t.iter().all(u8::is_ascii_digit);
    let unsigned = b.strip_prefix(b"-").or(b.strip_prefix(b"+")).unwrap_or(b);
    if digits(unsigned) {
        return Value::Number(s.into());
    }
    if (s.starts_with("0x") && s.len() > 2 && s[2..].bytes().all(|c| c.is_ascii_hexdigit()))
        || (s.starts_with("0o")
            && s.len() > 2
            && s[2..].bytes().all(|c| (b'0'..=b'7').contains(&c)))
    {
        return Value::Number(s.into());
    }
    // Floats: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let is_float = {
        let t = unsigned;
        let (mant, exp) = match t.iter().position(|&c| c == b'e' || c == b'E') {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let mant_ok = match mant.iter().position(|&c| c == b'.') {
            Some(i) => {
                let (a, f) = (&mant[..i], &mant[i + 1..]);
                (digits(a) || a.is_empty())
                    && (f.is_empty() || digits(f))
                    && !(a.is_empty() && f.is_empty())
            }
            None => digits(mant),
        };
        let exp_ok = match exp {
            None => true,
            Some(e) => digits(e.strip_prefix(b"-").or(e.strip_prefix(b"+")).unwrap_or(e)),
        };
        mant_ok && exp_ok && (exp.is_some() || mant.contains(&b'.'))
    };
    if is_float {
        return Value::Number(s.into());
    }
    Value::Str(Text::from(s))
}

impl<'t> Builder<'t> {
    fn span(&self, s: &YSpan) -> Span {
        Span::new(
            self.chars.byte(s.start.index()),
            self.chars.byte(s.end.index()),
        )
    }

    fn err(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            span,
        }
    }

    fn spend(&mut self, n: usize, at: Span) -> Result<(), ParseError> {
        if n > self.budget {
            return Err(self.err(
                at,
                format!(
                    "alias expansion exceeds the limit of {} nodes (a YAML alias bomb?)",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        self.budget -= n;
        Ok(())
    }

    /// Attach a finished node to the frame on top of the stack, or return it as the document root.
    fn push_node(&mut self, node: Node, key_style_plain: bool) -> Result<Option<Node>, ParseError> {
        match self.stack.last_mut() {
            None => Ok(Some(node)),
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(None)
            }
            Some(Frame::Map {
                members,
                pending_key,
                ..
            }) => {
                match pending_key.take() {
                    None => {
                        let key = match &node.value {
                            Value::Str(s) => s.clone(),
                            Value::Embedding(e) => e.text.clone(),
                            Value::Number(s) => Text::from(&**s),
                            Value::Bool(b) => Text::from(if *b { "true" } else { "false" }),
                            Value::Null => Text::default(),
                            _ => Text::from("<complex key>"),
                        };
                        *pending_key = Some((key, node.span, key_style_plain));
                    }
                    Some((key, key_span, _plain)) => members.push(Member {
                        key,
                        key_span,
                        value: node,
                    }),
                }
                Ok(None)
            }
        }
    }

    fn apply_merges(&self, members: Vec<Member>) -> Result<Vec<Member>, ParseError> {
        if !members.iter().any(|m| m.key == "<<") {
            return Ok(members);
        }
        let mut explicit: Vec<Member> = Vec::with_capacity(members.len());
        let mut merged: Vec<Member> = Vec::new();
        for m in members {
            if m.key != "<<" {
                explicit.push(m);
                continue;
            }
            let sources: Vec<&Node> = match &m.value.value {
                Value::Map(_) => vec![&m.value],
                Value::Seq(items) if items.iter().all(|n| n.as_map().is_some()) => {
                    items.iter().collect()
                }
                _ => {
                    return Err(self.err(
                        m.value.span,
                        "a merge key (`<<`) needs a mapping or a sequence of mappings",
                    ))
                }
            };
            for src in sources {
                for sm in src.as_map().unwrap_or(&[]) {
                    if !merged.iter().any(|x| x.key == sm.key) {
                        merged.push(sm.clone());
                    }
                }
            }
        }
        merged.retain(|mm| !explicit.iter().any(|e| e.key == mm.key));
        explicit.extend(merged);
        Ok(explicit)
    }
}

/// The end of the character starting at byte `at` (the text's end when `at` is at or past it).
fn next_char_end(text: &str, at: u32) -> u32 {
    let at = at as usize;
    match text.get(at..).and_then(|rest| rest.chars().next()) {
        Some(c) => (at + c.len_utf8()) as u32,
        None => text.len() as u32,
    }
}

/// Parse every document of a YAML stream.
pub fn parse(text: &str, limits: &Limits) -> Result<Vec<YamlDoc>, ParseError> {
    let mut b = Builder {
        text,
        chars: CharMap::new(text),
        anchors: HashMap::new(),
        stack: Vec::new(),
        budget: limits.max_alias_nodes,
        limits: limits.clone(),
    };
    let mut docs = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut root: Option<Node> = None;
    while let Some(ev) = parser.next_event() {
        let (ev, yspan) = ev.map_err(|e| {
            let mut at = b.chars.byte(e.marker().index());
            let message = e.info().to_string();
            // The scanner reports a tab error after the tabs: point at them instead.
            if message.contains("tab") {
                while at > 0 && text.as_bytes().get(at as usize - 1) == Some(&b'\t') {
                    at -= 1;
                }
            }
            ParseError {
                message,
                span: Span::new(at, next_char_end(text, at)),
            }
        })?;
        let span = b.span(&yspan);
        match ev {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart(_) => {
                root = None;
                // Anchors are scoped to their document.
                b.anchors.clear();
            }
            Event::DocumentEnd => {
                let node = root
                    .take()
                    .unwrap_or_else(|| Node::new(Value::Null, Span::new(span.start, span.start)));
                docs.push(YamlDoc { root: node });
            }
            Event::Scalar(value, style, anchor, tag) => {
                let mut sp = span;
                let v = match style {
                    ScalarStyle::Plain => {
                        let tag_str = tag.as_ref().map(|t| t.suffix.as_str());
                        if matches!(tag_str, Some("str")) {
                            Value::Str(Text::from(&*value))
                        } else {
                            resolve_plain(&value)
                        }
                    }
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        // The event span runs over trailing blank lines and indentation.
                        let s = &b.text[sp.range()];
                        let trimmed = s.trim_end();
                        sp.end = sp.start + trimmed.len() as u32;
                        Value::Str(Text::from(&*value))
                    }
                    _ => Value::Str(Text::from(&*value)),
                };
                let node = Node::new(v, sp);
                if anchor > 0 {
                    b.anchors.insert(anchor, (node.clone(), 1));
                }
                let plain = matches!(style, ScalarStyle::Plain);
                if let Some(r) = b.push_node(node, plain)? {
                    root = Some(r);
                }
            }
            Event::Alias(id) => {
                let Some(size) = b.anchors.get(&id).map(|a| a.1) else {
                    return Err(b.err(span, "alias refers to an unknown anchor"));
                };
                b.spend(size, span)?;
                let node = b.anchors[&id].0.clone();
                if let Some(r) = b.push_node(node, false)? {
                    root = Some(r);
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if b.stack.len() >= limits.max_depth {
                    let at = span.start;
                    return Err(b.err(
                        Span::new(at, span.end.max(next_char_end(text, at))),
                        format!("nesting deeper than {} levels", limits.max_depth),
                    ));
                }
                let start = span.start;
                b.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start,
                        anchor,
                        members: Vec::new(),
                        pending_key: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = b.stack.pop() else {
                    return Err(b.err(span, "unbalanced collection end"));
                };
                let (value, start, anchor, last_end) = match frame {
                    Frame::Seq {
                        start,
                        anchor,
                        items,
                    } => {
                        let last = items.last().map(|n| n.span.end);
                        (Value::Seq(items.into()), start, anchor, last)
                    }
                    Frame::Map {
                        start,
                        anchor,
                        members,
                        pending_key,
                    } => {
                        let mut members = members;
                        if let Some((key, key_span, _)) = pending_key {
                            // A key with no value event (should not happen; be lenient).
                            members.push(Member {
                                key,
                                key_span,
                                value: Node::new(
                                    Value::Null,
                                    Span::new(key_span.end, key_span.end),
                                ),
                            });
                        }
                        let last = members
                            .iter()
                            .map(|m| m.value.span.end.max(m.key_span.end))
                            .max();
                        let members = b.apply_merges(members)?;
                        (Value::Map(members.into()), start, anchor, last)
                    }
                };
                // Flow collections end with a visible `}`/`]`; block ones end at their last child.
                let end = if !span.is_empty() {
                    span.end
                } else {
                    last_end.unwrap_or(start).max(start)
                };
                let node = Node::new(value, Span::new(start, end));
                if anchor > 0 {
                    let size = count_nodes(&node);
                    b.anchors.insert(anchor, (node.clone(), size));
                }
                if let Some(r) = b.push_node(node, false)? {
                    root = Some(r);
                }
            }
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> Limits {
        Limits::default()
    }

    #[test]
    fn spans_for_block_and_flow() {
        let t = "a: 1\nb:\n  - name: app\n    x: [1, two]\n---\nc: 'q'\n";
        let docs = parse(t, &lim()).unwrap();
        assert_eq!(docs.len(), 2);
        let r = &docs[0].root;
        let item = &r.get("b").unwrap().as_seq().unwrap()[0];
        let name = item.member("name").unwrap();
        assert_eq!(&t[name.span().range()], "name: app");
        assert_eq!(&t[item.get("x").unwrap().span.range()], "[1, two]");
        assert_eq!(r.get("a").unwrap().value, Value::Number("1".into()));
        assert_eq!(&t[docs[1].root.get("c").unwrap().span.range()], "'q'");
    }

    #[test]
    fn merge_keys_and_aliases() {
        let t = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n";
        let docs = parse(t, &lim()).unwrap();
        let d = docs[0].root.get("d").unwrap();
        assert_eq!(d.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(d.get("y").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut t = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            t.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let e = parse(&t, &lim()).unwrap_err();
        assert!(e.message.contains("alias expansion"), "{}", e.message);
    }

    #[test]
    fn multibyte_offsets() {
        let t = "é: ü\nk: v\n";
        let docs = parse(t, &lim()).unwrap();
        let k = docs[0].root.member("k").unwrap();
        assert_eq!(&t[k.key_span.range()], "k");
    }
}
