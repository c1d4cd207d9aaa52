//! The format-neutral spanned document tree shared by the JSON and YAML loaders.
//!
//! Every node carries the byte span of its value; every mapping member carries the span of its key.
//! Strings that hold JSON (`container_definitions`, IAM policy documents in Terraform) carry the
//! parsed inner document in [`Node::embedded`], whose spans already point at the exact bytes of
//! the outer file, escape sequences included.

use crate::source::Span;

/// The text of a key or scalar. Up to 24 bytes are kept inline (no heap allocation): most keys and
/// values of configuration files are that short, and a plan has millions of them. It dereferences
/// to `str` and compares with `&str` and `String`.
pub type Text = compact_str::CompactString;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number, kept as written (no precision is lost on huge integers or floats). Boxed (16
    /// bytes), not a [`Text`]: the enum's tag then fits in the one niche of `Str`'s `Text`, so
    /// that a `Value` is 24 bytes, not 32.
    Number(Box<str>),
    Str(Text),
    /// Items and members are boxed slices (pointer and length, no spare capacity): a tree is
    /// built once and never grows, and they fit beside `Str`'s niche like `Number`.
    Seq(Box<[Node]>),
    Map(Box<[Member]>),
    /// A string holding a JSON document (container definitions, a policy, a `jsonencode(…)`):
    /// its text, and the document or why it does not parse. Boxed beside the other strings, so
    /// that a `Node` has no field for what few strings have (32 bytes, not 40). Read its text
    /// with [`Value::str`] or [`Node::as_str`], like any string's.
    Embedding(Box<Embedding>),
}

/// The text of a string and the document it holds ([`Value::Embedding`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    pub text: Text,
    pub embedded: Embedded,
}

impl Value {
    /// The text of a string or of a number as written.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Embedding(e) => Some(&e.text),
            Value::Number(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a string, whether or not it holds a document.
    pub fn str(&self) -> Option<&Text> {
        match self {
            Value::Str(s) => Some(s),
            Value::Embedding(e) => Some(&e.text),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Embedded {
    Doc(Node),
    /// The string looked like JSON but did not parse; the span is in the outer file.
    Invalid {
        message: String,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: Text,
    pub key_span: Span,
    pub value: Node,
}

impl Member {
    /// From the start of the key to the end of the value: `"name": "web"` or `name: web`.
    pub fn span(&self) -> Span {
        self.key_span.cover(self.value.span)
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    /// For a string holding a JSON document: that document, or why it failed to parse.
    pub fn embedded(&self) -> Option<&Embedded> {
        match &self.value {
            Value::Embedding(e) => Some(&e.embedded),
            _ => None,
        }
    }

    /// Attach the document a string holds (`Some`) or detach it (`None`). Nothing happens to a
    /// node that is not a string.
    pub fn set_embedded(&mut self, embedded: Option<Embedded>) {
        let value = std::mem::replace(&mut self.value, Value::Null);
        self.value = match (value, embedded) {
            (Value::Str(text), Some(embedded)) => {
                Value::Embedding(Box::new(Embedding { text, embedded }))
            }
            (Value::Embedding(mut e), Some(embedded)) => {
                e.embedded = embedded;
                Value::Embedding(e)
            }
            (Value::Embedding(e), None) => Value::Str(e.text),
            (other, _) => other,
        };
    }

    /// The last member named `key` (duplicate keys: the last one wins, as in most decoders).
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Map(m) => m.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    /// The last member whose key is `camel` written in snake case (`stopTimeout` →
    /// `stop_timeout`: each ASCII capital becomes `_` and its lower case), without building
    /// that key.
    pub fn get_snake_case(&self, camel: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m
                .iter()
                .rev()
                .find(|m| is_snake_case_of(&m.key, camel))
                .map(|m| &m.value),
            _ => None,
        }
    }

    /// Follow a path of keys through nested mappings.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut cur = self;
        for k in keys {
            cur = cur.get(k)?;
        }
        Some(cur)
    }

    pub fn as_str(&self) -> Option<&str> {
        self.value.str().map(Text::as_str)
    }

    /// A string known as written: not empty and not a Terraform interpolation or template
    /// action (see [`is_unresolved_text`]).
    pub fn literal_str(&self) -> Option<&str> {
        self.as_str()
            .filter(|s| !s.is_empty() && !is_unresolved_text(s))
    }

    /// The members of a map whose values are scalars, as `(key, text)` (other members are
    /// skipped); empty for anything but a map.
    pub fn scalar_members(&self) -> Vec<(String, String)> {
        self.as_map()
            .unwrap_or(&[])
            .iter()
            .filter_map(|m| {
                m.value
                    .scalar_text()
                    .map(|t| (m.key.to_string(), t.into_owned()))
            })
            .collect()
    }

    /// Text of a scalar: strings, numbers and booleans.
    pub fn scalar_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match &self.value {
            Value::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
            v => v.text().map(Into::into),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            v => match v.str().map(Text::as_str) {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            },
        }
    }

    /// An integer from a number or a numeric string (`"512"`).
    pub fn as_i64(&self) -> Option<i64> {
        let t = self.value.text()?.trim();
        t.parse::<i64>().ok().or_else(|| {
            let f: f64 = t.parse().ok()?;
            (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
        })
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.value.text()?.trim().parse().ok()
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Map(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Terraform blocks in JSON may be one object or a list of objects; plans always use lists.
    pub fn blocks(&self) -> impl Iterator<Item = &Node> {
        let (one, many): (Option<&Node>, &[Node]) = match &self.value {
            Value::Map(_) => (Some(self), &[]),
            Value::Seq(v) => (None, &v[..]),
            _ => (None, &[]),
        };
        one.into_iter()
            .chain(many.iter().filter(|n| n.as_map().is_some()))
    }

    /// The parsed JSON document this string holds, if any.
    pub fn embedded_doc(&self) -> Option<&Node> {
        match self.embedded() {
            Some(Embedded::Doc(d)) => Some(d),
            _ => None,
        }
    }

    /// True when this value is not known statically: a Terraform interpolation (`${…}`),
    /// a template action (`{{ … }}`), or a string holding either.
    pub fn is_unresolved(&self) -> bool {
        self.value.str().is_some_and(|s| is_unresolved_text(s))
    }

    /// Depth-first walk calling `f` with every node and its JSON pointer.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&str, &'a Node)) {
        let mut ptr = String::new();
        self.walk_inner(&mut ptr, f);
    }

    fn walk_inner<'a>(&'a self, ptr: &mut String, f: &mut dyn FnMut(&str, &'a Node)) {
        f(ptr, self);
        let len = ptr.len();
        match &self.value {
            Value::Seq(items) => {
                for (i, n) in items.iter().enumerate() {
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    n.walk_inner(ptr, f);
                    ptr.truncate(len);
                }
            }
            Value::Map(members) => {
                for m in members {
                    ptr.push('/');
                    push_pointer_token(ptr, &m.key);
                    m.value.walk_inner(ptr, f);
                    ptr.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// Resolve a JSON pointer (RFC 6901) to a node. For a member, the key span is returned too.
    /// A pointer may continue through a string into the JSON document it embeds.
    pub fn pointer(&self, pointer: &str) -> Option<(&Node, Option<Span>)> {
        if pointer.is_empty() {
            return Some((self, None));
        }
        let rest = pointer.strip_prefix('/')?;
        let mut cur = self;
        let mut key_span = None;
        for raw in rest.split('/') {
            let tok = raw.replace("~1", "/").replace("~0", "~");
            if let Some(doc) = cur.embedded_doc() {
                cur = doc;
            }
            match &cur.value {
                Value::Map(_) => {
                    let m = cur.member(&tok)?;
                    key_span = Some(m.key_span);
                    cur = &m.value;
                }
                Value::Seq(items) => {
                    let i: usize = tok.parse().ok()?;
                    cur = items.get(i)?;
                    key_span = None;
                }
                _ => return None,
            }
        }
        Some((cur, key_span))
    }
}

/// True when `key` is `camel` with each ASCII capital written as `_` and its lower case.
pub fn is_snake_case_of(key: &str, camel: &str) -> bool {
    let mut k = key.bytes();
    for c in camel.bytes() {
        let same = if c.is_ascii_uppercase() {
            k.next() == Some(b'_') && k.next() == Some(c.to_ascii_lowercase())
        } else {
            k.next() == Some(c)
        };
        if !same {
            return false;
        }
    }
    k.next().is_none()
}

pub fn push_pointer_token(ptr: &mut String, key: &str) {
    for c in key.chars() {
        match c {
            '~' => ptr.push_str("~0"),
            '/' => ptr.push_str("~1"),
            c => ptr.push(c),
        }
    }
}

/// True for Terraform interpolations and template actions: `${…}`, `%{…}`, `{{…}}`.
pub fn is_unresolved_text(s: &str) -> bool {
    s.contains("${") || s.contains("%{") || s.contains("{{")
}

#[cfg(test)]
mod tests {
    use super::{Member, Node, Text, Value};
    use crate::load::json;

    /// Trees of large plans stay resident for the whole run: these sizes must not silently grow.
    #[test]
    fn tree_types_stay_small() {
        assert_eq!(std::mem::size_of::<Text>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Node>(), 32);
        assert_eq!(std::mem::size_of::<Member>(), 64);
    }

    #[test]
    fn short_keys_and_scalars_are_inline_long_ones_exact() {
        let long = "x".repeat(40);
        let n = json::parse(
            &format!(r#"{{"name": "web", "{long}": "a\nb", "n": 12}}"#),
            8,
        )
        .unwrap();
        let m = n.as_map().unwrap();
        assert_eq!(m[0].key, "name");
        assert!(!m[0].key.is_heap_allocated());
        assert_eq!(m[0].value.as_str(), Some("web"));
        assert!(matches!(&m[0].value.value, Value::Str(s) if !s.is_heap_allocated()));
        assert_eq!(m[1].key, long.as_str());
        assert!(m[1].key.is_heap_allocated());
        assert_eq!(m[1].key.capacity(), 40);
        assert_eq!(m[1].value.as_str(), Some("a\nb"));
        assert_eq!(m[2].value.value, Value::Number("12".into()));
    }

    #[test]
    fn literal_strings_and_scalar_members() {
        let n = json::parse(
            r#"{"a": "x", "b": "", "c": "${var.y}", "d": 3, "e": [1], "f": true}"#,
            64,
        )
        .unwrap();
        let lit = |k: &str| n.get(k).and_then(|v| v.literal_str());
        assert_eq!(lit("a"), Some("x"));
        assert_eq!(lit("b"), None);
        assert_eq!(lit("c"), None);
        assert_eq!(lit("d"), None);
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, t)| (k.to_string(), t.to_string()))
                .collect()
        };
        assert_eq!(
            n.scalar_members(),
            pairs(&[
                ("a", "x"),
                ("b", ""),
                ("c", "${var.y}"),
                ("d", "3"),
                ("f", "true")
            ])
        );
        assert!(n.get("e").unwrap().scalar_members().is_empty());
    }

    /// `get_snake_case(camel)` finds exactly the key `camel_to_snake(camel)` builds.
    #[test]
    fn snake_case_lookup_matches_the_built_key() {
        use super::is_snake_case_of;
        use crate::model::camel_to_snake;
        let words = [
            "stopTimeout",
            "stop_timeout",
            "memoryReservation",
            "memory_reservation",
            "name",
            "",
            "_",
            "A",
            "_a",
            "a_",
            "aB",
            "a_b",
            "a__b",
            "ab",
            "HTTPPort",
            "_h_t_t_p_port",
            "logConfiguration",
            "log_configuration",
            "lóg",
            "lógConfig",
            "lóg_config",
            "x1Y2",
            "x1_y2",
            "stopTimeoutS",
            "stop_timeout_s",
            "stop_timeout_",
        ];
        for camel in words {
            for key in words {
                assert_eq!(
                    is_snake_case_of(key, camel),
                    key == camel_to_snake(camel),
                    "{key:?} for {camel:?}"
                );
            }
        }
        let n = json::parse(
            r#"{"stop_timeout": 1, "stopTimeout": 2, "stop_timeout": 3}"#,
            64,
        )
        .unwrap();
        assert_eq!(
            n.get_snake_case("stopTimeout").and_then(Node::as_i64),
            Some(3)
        );
        assert_eq!(
            n.get_snake_case("stop_timeout").and_then(Node::as_i64),
            Some(3)
        );
        assert!(n.get_snake_case("stopTime").is_none());
        assert!(Node::new(Value::Null, n.span).get_snake_case("a").is_none());
    }
}
