//! A compact binary form of the spanned tree, for the load cache ([`super::cache`]).
//!
//! Kept apart from `doc.rs` so that the tree's representation can change without touching this
//! file's callers: only [`Codec`] for the tree types needs to follow it. Decoding is checked at
//! every step: bytes that do not describe a tree give `None`, never a panic, and no length read
//! from the bytes allocates more than the bytes left could hold.

use crate::doc::{Embedded, Member, Node, Value};
use crate::source::{Encoding, FileKind, Span};

/// Appends to a byte buffer.
pub(crate) struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    pub fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
}

/// Reads from a byte slice; every read is bounds-checked.
pub(crate) struct Reader<'a> {
    pub bytes: &'a [u8],
    pub pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    }
    /// A count of items each at least `min_size` bytes long: refused when the bytes left could
    /// not hold them.
    pub fn len(&mut self, min_size: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        let left = self.bytes.len() - self.pos;
        (n.checked_mul(min_size.max(1))? <= left).then_some(n)
    }
    pub fn str(&mut self) -> Option<String> {
        let n = self.len(1)?;
        std::str::from_utf8(self.take(n)?).ok().map(str::to_string)
    }
    /// A tree string: short ones inline, as the loaders make them.
    pub fn text(&mut self) -> Option<crate::doc::Text> {
        let n = self.len(1)?;
        std::str::from_utf8(self.take(n)?)
            .ok()
            .map(crate::doc::Text::from)
    }
    pub fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

/// A value that can be written to and read back from the cache.
pub(crate) trait Codec: Sized {
    fn encode(&self, w: &mut Writer);
    fn decode(r: &mut Reader<'_>) -> Option<Self>;
}

impl Codec for Span {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.start);
        w.u32(self.end);
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        Some(Span::new(r.u32()?, r.u32()?))
    }
}

const KINDS: [FileKind; 6] = [
    FileKind::K8s,
    FileKind::TaskDef,
    FileKind::TfJson,
    FileKind::TfPlan,
    FileKind::TfVars,
    FileKind::RenderSource,
];

impl Codec for FileKind {
    fn encode(&self, w: &mut Writer) {
        w.u8(KINDS.iter().position(|k| k == self).unwrap_or(0) as u8);
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        KINDS.get(usize::from(r.u8()?)).copied()
    }
}

const ENCODINGS: [Encoding; 4] = [
    Encoding::Utf8,
    Encoding::Utf8Bom,
    Encoding::Utf16Le,
    Encoding::Utf16Be,
];

impl Codec for Encoding {
    fn encode(&self, w: &mut Writer) {
        w.u8(ENCODINGS.iter().position(|e| e == self).unwrap_or(0) as u8);
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        ENCODINGS.get(usize::from(r.u8()?)).copied()
    }
}

// Tags of `Value`, then of `Embedded`.
const NULL: u8 = 0;
const BOOL_FALSE: u8 = 1;
const BOOL_TRUE: u8 = 2;
const NUMBER: u8 = 3;
const STR: u8 = 4;
const SEQ: u8 = 5;
const MAP: u8 = 6;
const NO_EMBEDDED: u8 = 0;
const EMBEDDED_DOC: u8 = 1;
const EMBEDDED_INVALID: u8 = 2;
/// Smallest encoded node: tag, span, embedded tag.
const MIN_NODE: usize = 1 + 8 + 1;

impl Codec for Node {
    fn encode(&self, w: &mut Writer) {
        match &self.value {
            Value::Null => w.u8(NULL),
            Value::Bool(false) => w.u8(BOOL_FALSE),
            Value::Bool(true) => w.u8(BOOL_TRUE),
            Value::Number(s) => {
                w.u8(NUMBER);
                w.str(s);
            }
            Value::Str(s) => {
                w.u8(STR);
                w.str(s);
            }
            // The string, then its document after the span (below).
            Value::Embedding(e) => {
                w.u8(STR);
                w.str(&e.text);
            }
            Value::Seq(items) => {
                w.u8(SEQ);
                w.len(items.len());
                for n in items {
                    n.encode(w);
                }
            }
            Value::Map(members) => {
                w.u8(MAP);
                w.len(members.len());
                for m in members {
                    w.str(&m.key);
                    m.key_span.encode(w);
                    m.value.encode(w);
                }
            }
        }
        self.span.encode(w);
        match self.embedded() {
            None => w.u8(NO_EMBEDDED),
            Some(Embedded::Doc(d)) => {
                w.u8(EMBEDDED_DOC);
                d.encode(w);
            }
            Some(Embedded::Invalid { message, span }) => {
                w.u8(EMBEDDED_INVALID);
                w.str(message);
                span.encode(w);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        let value = match r.u8()? {
            NULL => Value::Null,
            BOOL_FALSE => Value::Bool(false),
            BOOL_TRUE => Value::Bool(true),
            NUMBER => Value::Number(r.text()?.as_str().into()),
            STR => Value::Str(r.text()?),
            SEQ => {
                let n = r.len(MIN_NODE)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(Node::decode(r)?);
                }
                Value::Seq(items.into())
            }
            MAP => {
                let n = r.len(8 + 8 + MIN_NODE)?;
                let mut members = Vec::with_capacity(n);
                for _ in 0..n {
                    let key = r.text()?;
                    let key_span = Span::decode(r)?;
                    let value = Node::decode(r)?;
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                }
                Value::Map(members.into())
            }
            _ => return None,
        };
        let span = Span::decode(r)?;
        let embedded = match r.u8()? {
            NO_EMBEDDED => None,
            EMBEDDED_DOC => Some(Embedded::Doc(Node::decode(r)?)),
            EMBEDDED_INVALID => Some(Embedded::Invalid {
                message: r.str()?,
                span: Span::decode(r)?,
            }),
            _ => return None,
        };
        let mut node = Node { value, span };
        if embedded.is_some() {
            // Only a string holds a document.
            if !matches!(node.value, Value::Str(_)) {
                return None;
            }
            node.set_embedded(embedded);
        }
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(n: &Node) -> Option<Node> {
        let mut w = Writer { buf: Vec::new() };
        n.encode(&mut w);
        let mut r = Reader::new(&w.buf);
        let back = Node::decode(&mut r)?;
        r.at_end().then_some(back)
    }

    #[test]
    fn trees_come_back_equal_and_truncations_are_refused() {
        let text = r#"{"a": [1, "x", null, true, false, {"b": "{\"c\": 1}"}], "d": "{bad"}"#;
        let mut doc = crate::load::json::parse(text, 64).unwrap_or_else(|_| panic!("parses"));
        crate::load::parse_embedded_json(&mut doc, text, &crate::load::Limits::default());
        assert_eq!(round_trip(&doc).as_ref(), Some(&doc));
        let mut w = Writer { buf: Vec::new() };
        doc.encode(&mut w);
        for cut in 0..w.buf.len() {
            assert!(
                Node::decode(&mut Reader::new(&w.buf[..cut])).is_none(),
                "cut {cut}"
            );
        }
        // A huge length is refused before anything is allocated.
        let mut huge = vec![SEQ];
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(Node::decode(&mut Reader::new(&huge)).is_none());
    }
}
