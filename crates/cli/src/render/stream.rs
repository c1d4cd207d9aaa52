//! Writing large pretty-printed JSON documents without building them as one
//! `serde_json::Value`: the small parts are rendered as usual, and the long arrays (findings,
//! SARIF results) are streamed in their place, their elements serialized in parallel in batches
//! and written in order. The bytes are the same as `serde_json::to_writer_pretty` of the whole
//! document: the elements are pretty-printed on their own and indented to their depth (JSON
//! strings never hold a raw line break, so every line break is the formatter's).

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

/// Elements serialized per parallel task.
const TASK: usize = 64;
/// Elements held in memory at once before they are written.
const BATCH: usize = 8192;

/// Indentation of `serde_json`'s pretty printer for `depth` levels.
fn indent(depth: usize) -> Vec<u8> {
    b"  ".repeat(depth)
}

/// Append `,\n`, the indentation and `item` pretty-printed at `depth` to `out`.
fn push_element<S: Serialize>(out: &mut Vec<u8>, item: &S, pad: &[u8]) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(item)?;
    out.extend_from_slice(b",\n");
    out.extend_from_slice(pad);
    let mut rest = &text[..];
    while let Some(i) = rest.iter().position(|b| *b == b'\n') {
        out.extend_from_slice(&rest[..=i]);
        out.extend_from_slice(pad);
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// Write `items`, each mapped by `f`, as a pretty-printed JSON array whose elements are at
/// `depth` levels of indentation (the array itself being the value of a member at `depth - 1`).
pub fn write_array<T, S, F>(w: &mut dyn Write, items: &[T], depth: usize, f: F) -> io::Result<()>
where
    T: Sync,
    S: Serialize,
    F: Fn(&T) -> S + Sync,
{
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    let pad = indent(depth);
    w.write_all(b"[")?;
    let mut first = true;
    for batch in items.chunks(BATCH) {
        let parts: Vec<Vec<u8>> = batch
            .par_chunks(TASK)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 1024);
                for item in chunk {
                    push_element(&mut out, &f(item), &pad)?;
                }
                Ok(out)
            })
            .collect::<io::Result<_>>()?;
        for part in &parts {
            // Every element starts with `,`; the first of the array does not have one.
            let part = if first { &part[1..] } else { &part[..] };
            first = false;
            w.write_all(part)?;
        }
    }
    w.write_all(b"\n")?;
    w.write_all(&indent(depth - 1))?;
    w.write_all(b"]")
}

/// A writer of one part of a document.
pub type Part<'a> = &'a dyn Fn(&mut dyn Write) -> io::Result<()>;

/// Write `text` (a pretty-printed document) with the empty array `[]` that ends each marker
/// replaced by what its part writes. Markers are searched in order, each after the previous.
pub fn splice(w: &mut dyn Write, text: &str, parts: &[(&str, Part<'_>)]) -> io::Result<()> {
    let mut pos = 0;
    for (marker, part) in parts {
        debug_assert!(marker.ends_with("[]"));
        let at = text[pos..]
            .find(marker)
            .map(|i| pos + i)
            .ok_or_else(|| io::Error::other(format!("report layout: `{marker}` not found")))?;
        let end = at + marker.len();
        w.write_all(&text.as_bytes()[pos..end - 2])?;
        part(w)?;
        pos = end;
    }
    w.write_all(&text.as_bytes()[pos..])
}
