//! A compact binary form of the spanned tree, for the load cache ([`super::cache`]).
//!
//! Kept apart from `doc.rs` so that the tree's representation can change without touching this
//! file's callers: only [`encode_docs`] and [`decode_docs`] need to follow it. Decoding is
//! checked at every step: bytes that do not describe a tree give `None`, never a panic, no
//! length read from the bytes allocates more than the bytes left could hold, and nesting is
//! bounded.

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
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
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
    /// A variable-length (LEB128) number; `None` past the end or beyond 64 bits.
    pub fn uint(&mut self) -> Option<u64> {
        // One byte: most lengths, counts and span differences.
        let first = *self.bytes.get(self.pos)?;
        if first < 0x80 {
            self.pos += 1;
            return Some(u64::from(first));
        }
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return None;
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
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

// Tags of `Value` (the low three bits of a node's first byte), and two flags for the document a
// string holds.
const NULL: u8 = 0;
const BOOL_FALSE: u8 = 1;
const BOOL_TRUE: u8 = 2;
const NUMBER: u8 = 3;
const STR: u8 = 4;
const SEQ: u8 = 5;
const MAP: u8 = 6;
const VALUE_TAG: u8 = 0b111;
const EMBEDDED_DOC: u8 = 0b1_0000;
const EMBEDDED_INVALID: u8 = 0b10_0000;
/// Smallest encoded node: its tag and a span of two one-byte numbers.
const MIN_NODE: usize = 3;
/// Smallest encoded member: a key's length, its span and a node.
const MIN_MEMBER: usize = 1 + 2 + MIN_NODE;

/// The documents of one file: every string of the trees in one table (checked as UTF-8 once,
/// not string by string), then the trees, whose numbers are variable-length (LEB128) and whose
/// span starts are differences from the previous span's start (most are a few bytes on). A
/// third of the size of fixed eight-byte numbers, so the cache of a large repository is read
/// and checked faster, and decoding is a walk with no per-string validation.
pub(crate) fn encode_docs(docs: &[Node]) -> Vec<u8> {
    let mut t = TreeWriter {
        tree: Vec::new(),
        strs: String::new(),
        last: 0,
    };
    t.uint(docs.len() as u64);
    for d in docs {
        t.node(d);
    }
    let mut out = Vec::with_capacity(t.strs.len() + t.tree.len() + 10);
    leb128(&mut out, t.strs.len() as u64);
    out.extend_from_slice(t.strs.as_bytes());
    out.extend_from_slice(&t.tree);
    out
}

/// The documents [`encode_docs`] wrote, or `None` when `bytes` are anything else (every byte
/// must be used, every string must fall on character boundaries of the table).
pub(crate) fn decode_docs(bytes: &[u8]) -> Option<Vec<Node>> {
    let mut r = Reader::new(bytes);
    let n = usize::try_from(r.uint()?).ok()?;
    let strs = std::str::from_utf8(r.take(n)?).ok()?;
    let mut t = TreeReader {
        r,
        depth: 0,
        strs,
        at: 0,
        last: 0,
    };
    let n = t.count(MIN_NODE)?;
    let mut docs = Vec::with_capacity(n);
    for _ in 0..n {
        docs.push(t.node()?);
    }
    (t.r.at_end() && t.at == strs.len()).then_some(docs)
}

fn leb128(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

struct TreeWriter {
    tree: Vec<u8>,
    strs: String,
    /// The start of the previous span.
    last: u32,
}

impl TreeWriter {
    fn uint(&mut self, v: u64) {
        leb128(&mut self.tree, v);
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.strs.push_str(s);
    }

    fn span(&mut self, s: Span) {
        self.uint(zigzag(i64::from(s.start) - i64::from(self.last)));
        self.uint(zigzag(i64::from(s.end) - i64::from(s.start)));
        self.last = s.start;
    }

    fn node(&mut self, n: &Node) {
        let flags = match n.embedded() {
            None => 0,
            Some(Embedded::Doc(_)) => EMBEDDED_DOC,
            Some(Embedded::Invalid { .. }) => EMBEDDED_INVALID,
        };
        match &n.value {
            Value::Null => self.tree.push(NULL),
            Value::Bool(false) => self.tree.push(BOOL_FALSE),
            Value::Bool(true) => self.tree.push(BOOL_TRUE),
            Value::Number(s) => {
                self.tree.push(NUMBER);
                self.str(s);
            }
            Value::Str(s) => {
                self.tree.push(STR);
                self.str(s);
            }
            Value::Embedding(e) => {
                self.tree.push(STR | flags);
                self.str(&e.text);
            }
            Value::Seq(items) => {
                self.tree.push(SEQ);
                self.uint(items.len() as u64);
                for n in items {
                    self.node(n);
                }
            }
            Value::Map(members) => {
                self.tree.push(MAP);
                self.uint(members.len() as u64);
                for m in members {
                    self.str(&m.key);
                    self.span(m.key_span);
                    self.node(&m.value);
                }
            }
        }
        self.span(n.span);
        match n.embedded() {
            None => {}
            Some(Embedded::Doc(d)) => self.node(d),
            Some(Embedded::Invalid { message, span }) => {
                self.str(message);
                self.span(*span);
            }
        }
    }
}

/// How deep a decoded tree may nest (see [`TreeReader::node`]).
const MAX_DEPTH: u32 = 1024;

struct TreeReader<'a> {
    r: Reader<'a>,
    depth: u32,
    strs: &'a str,
    /// How much of the string table the strings read so far took.
    at: usize,
    last: u32,
}

impl<'a> TreeReader<'a> {
    /// A count of items each at least `min_size` bytes long: refused when the bytes left could
    /// not hold them, so that no length read allocates more than the input could describe.
    fn count(&mut self, min_size: usize) -> Option<usize> {
        let n = usize::try_from(self.r.uint()?).ok()?;
        let left = self.r.bytes.len() - self.r.pos;
        (n.checked_mul(min_size)? <= left).then_some(n)
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.r.uint()?).ok()?;
        let end = self.at.checked_add(n)?;
        let s = self.strs.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn span(&mut self) -> Option<Span> {
        let start = u32::try_from(i64::from(self.last) + unzigzag(self.r.uint()?)).ok()?;
        let end = u32::try_from(i64::from(start) + unzigzag(self.r.uint()?)).ok()?;
        self.last = start;
        Some(Span::new(start, end))
    }

    /// A node, refused past [`MAX_DEPTH`] levels: a cache file is data from disk, and a
    /// crafted one must not exhaust the stack. The loaders nest at most `Limits::max_depth`
    /// levels (256 by default) plus as many in a document embedded in a string; a deeper tree
    /// (a raised limit) is a cache miss, and its file is parsed again.
    fn node(&mut self) -> Option<Node> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let node = self.node_inner();
        self.depth -= 1;
        node
    }

    fn node_inner(&mut self) -> Option<Node> {
        let tag = self.r.u8()?;
        let value = match tag & VALUE_TAG {
            NULL => Value::Null,
            BOOL_FALSE => Value::Bool(false),
            BOOL_TRUE => Value::Bool(true),
            NUMBER => Value::Number(self.str()?.into()),
            STR => Value::Str(self.str()?.into()),
            SEQ => {
                let n = self.count(MIN_NODE)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.node()?);
                }
                Value::Seq(items.into())
            }
            MAP => {
                let n = self.count(MIN_MEMBER)?;
                let mut members = Vec::with_capacity(n);
                for _ in 0..n {
                    let key = self.str()?.into();
                    let key_span = self.span()?;
                    let value = self.node()?;
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
        let span = self.span()?;
        let embedded = match tag & !VALUE_TAG {
            0 => None,
            EMBEDDED_DOC => Some(Embedded::Doc(self.node()?)),
            EMBEDDED_INVALID => Some(Embedded::Invalid {
                message: self.str()?.to_string(),
                span: self.span()?,
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

    fn round_trip(docs: &[Node]) -> Option<Vec<Node>> {
        decode_docs(&encode_docs(docs))
    }

    #[test]
    fn trees_come_back_equal_and_truncations_are_refused() {
        let text =
            r#"{"a": [1, "x", null, true, false, {"b": "{\"c\": 1}"}], "d": "{bad", "é": "ü"}"#;
        let mut doc = crate::load::json::parse(text, 64).unwrap_or_else(|_| panic!("parses"));
        crate::load::parse_embedded_json(&mut doc, text, &crate::load::Limits::default());
        assert!(matches!(
            doc.get("d").and_then(Node::embedded),
            Some(Embedded::Invalid { .. })
        ));
        assert!(matches!(
            doc.path(&["a"])
                .and_then(|a| a.as_seq()?.get(5)?.get("b")?.embedded()),
            Some(Embedded::Doc(_))
        ));
        let docs = vec![doc.clone(), Node::new(Value::Null, Span::new(7, 3))];
        assert_eq!(round_trip(&docs), Some(docs.clone()));
        let bytes = encode_docs(&docs);
        for cut in 0..bytes.len() {
            assert!(decode_docs(&bytes[..cut]).is_none(), "cut {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_docs(&longer).is_none());
        // A huge count is refused before anything is allocated.
        let mut huge = vec![0];
        leb128(&mut huge, u64::MAX);
        assert!(decode_docs(&huge).is_none());
    }

    #[test]
    fn any_changed_byte_gives_a_tree_or_none_never_a_panic() {
        let text = r#"{"a": [1, "é", null, true, {"b": "{\"c\": [1, 2]}"}], "d": "{bad"}"#;
        let mut doc = crate::load::json::parse(text, 64).unwrap_or_else(|_| panic!("parses"));
        crate::load::parse_embedded_json(&mut doc, text, &crate::load::Limits::default());
        let bytes = encode_docs(&[doc]);
        for i in 0..bytes.len() {
            for v in [0u8, 1, 2, 0x7f, 0x80, 0xa9, 0xc3, 0xff, bytes[i] ^ 0x10] {
                let mut b = bytes.clone();
                b[i] = v;
                // Decoding checks every step; whatever it returns, it returns.
                let _ = decode_docs(&b);
            }
        }
    }

    #[test]
    fn trees_nested_past_the_limit_are_refused_without_exhausting_the_stack() {
        let nest = |levels: u32| {
            let mut n = Node::new(Value::Null, Span::new(0, 1));
            for _ in 1..levels {
                n = Node::new(Value::Seq(vec![n].into()), Span::new(0, 1));
            }
            n
        };
        let deep_enough = vec![nest(MAX_DEPTH)];
        assert_eq!(round_trip(&deep_enough), Some(deep_enough));
        let too_deep = encode_docs(&[nest(MAX_DEPTH + 1)]);
        assert!(decode_docs(&too_deep).is_none());
        // A crafted entry: a million nested one-item sequences.
        let mut crafted = vec![0, 1];
        for _ in 0..1_000_000 {
            crafted.extend_from_slice(&[SEQ, 1]);
        }
        assert!(decode_docs(&crafted).is_none());
    }

    #[test]
    fn variable_length_numbers_round_trip_and_overflow_is_refused() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            leb128(&mut buf, v);
            let mut r = Reader::new(&buf);
            assert_eq!(r.uint(), Some(v));
            assert!(r.at_end());
        }
        for v in [
            0,
            1,
            -1,
            i64::from(u32::MAX),
            -i64::from(u32::MAX),
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        let eleven = [0xffu8; 10];
        assert_eq!(Reader::new(&eleven).uint(), None);
        let too_big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(Reader::new(&too_big).uint(), None);
    }

    #[test]
    fn a_string_that_splits_a_character_of_the_table_is_refused() {
        let docs = vec![Node::new(Value::Str("é".into()), Span::new(0, 4))];
        let mut bytes = encode_docs(&docs);
        // Table length 2 ("é"), then count 1, the STR tag and the string's length 2: make it 1.
        assert_eq!(&bytes[..6], &[2, 0xc3, 0xa9, 1, STR, 2]);
        bytes[5] = 1;
        assert!(decode_docs(&bytes).is_none());
    }
}
