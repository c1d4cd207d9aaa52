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
}

pub const DEFAULT_MAX_DEPTH: usize = 512;

/// Parse one JSON value spanning the whole text (surrounding whitespace allowed).
pub fn parse(text: &str, max_depth: usize) -> Result<Node, ParseError> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
        max_depth,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.pos < p.src.len() {
        return Err(p.err_at(
            p.pos,
            p.pos + 1,
            "trailing characters after the JSON value".into(),
        ));
    }
    Ok(v)
}

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

    fn value(&mut self) -> Result<Node, ParseError> {
        match self.src.get(self.pos) {
            None => Err(self.unexpected("a JSON value")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
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
            Value::Number(Text::from(&self.text[start..i])),
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

    fn object(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut members = Vec::new();
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
                self.ws();
                if self.src.get(self.pos) != Some(&b':') {
                    return Err(self.unexpected("`:` after the object key"));
                }
                self.pos += 1;
                self.ws();
                let value = self.value()?;
                members.push(Member {
                    key,
                    key_span,
                    value,
                });
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
        // Trees of large plans stay resident for the whole run: no spare capacity.
        members.shrink_to_fit();
        Ok(Node::new(
            Value::Map(members),
            Span::new(start as u32, self.pos as u32),
        ))
    }

    fn array(&mut self) -> Result<Node, ParseError> {
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
                items.push(self.value()?);
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
        items.shrink_to_fit();
        Ok(Node::new(
            Value::Seq(items),
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
