//! A cache of loaded files: what [`super::load_path`] makes of a file (its encoding, kind and
//! spanned trees), keyed by the file's path and a hash of its decoded text, so that a run over a
//! repository whose files mostly did not change parses only the changed ones.
//!
//! Safe by construction: every file is still read and hashed on every run, and a cached entry is
//! used only when its path and text hash match; a file that changed, appeared or disappeared is
//! parsed again (or dropped from the cache). The cache is one file, `load.bin`, in the directory
//! given; it starts with a key (tool version and loader limits) and a hash of its contents, and a
//! cache with another key, a wrong hash or any malformed entry is ignored as if empty (and
//! replaced on [`LoadCache::save`]). What is loaded from a cache is exactly what loading the file
//! again gives, so the model and every rule still see the whole repository.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::codec::{decode_docs, encode_docs, Codec, Reader, Writer};
use super::{load_path_with, load_text, Limits, Loaded};
use crate::doc::Node;
use crate::source::{Encoding, FileKind};

const MAGIC: &[u8] = b"cutover load cache 2\n";
const FILE_NAME: &str = "load.bin";

/// The loaded files of an earlier run, and those of this run to save.
pub struct LoadCache {
    dir: PathBuf,
    key: String,
    /// The cache file as read (empty when it was unusable).
    blob: Vec<u8>,
    /// Its entries: (path, text hash) → the byte range of the encoded entry in `blob`.
    old: HashMap<(PathBuf, u64), Range<usize>>,
    /// Entries of this run, and whether any was parsed anew.
    new: Mutex<(Vec<Recorded>, bool)>,
}

/// A cache being opened ([`LoadCache::open_meanwhile`]).
pub enum Opening {
    Ready(LoadCache),
    Reading(std::thread::JoinHandle<LoadCache>),
}

impl Opening {
    /// The cache, once read. A thread that failed leaves no cache: every file is parsed.
    pub fn wait(self) -> Option<LoadCache> {
        match self {
            Opening::Ready(c) => Some(c),
            Opening::Reading(t) => t.join().ok(),
        }
    }
}

/// A file loaded in this run: its path, text hash and entry.
type Recorded = (PathBuf, u64, Entry);

/// An entry of this run: one read from the cache file, or one just encoded.
enum Entry {
    Old(Range<usize>),
    New(Vec<u8>),
}

impl LoadCache {
    /// The cache in `dir` for a tool identified by `tool` (its version, or anything that
    /// changes when what loading gives may change). A missing, unreadable, corrupt or foreign
    /// cache gives an empty one, silently.
    pub fn open(dir: &Path, tool: &str, limits: &Limits) -> LoadCache {
        let key = format!("{tool}|{limits:?}");
        let blob = std::fs::read(dir.join(FILE_NAME)).unwrap_or_default();
        let (blob, old) = match read_entries(&blob, &key) {
            Some(old) => (blob, old),
            None => (Vec::new(), HashMap::new()),
        };
        LoadCache {
            dir: dir.to_path_buf(),
            key,
            blob,
            old,
            new: Mutex::new((Vec::new(), false)),
        }
    }

    /// [`LoadCache::open`] while the caller goes on (walking the inputs): on a thread of its
    /// own when the cache file is large enough for its reading to outweigh starting a thread
    /// (a large repository's cache holds tens of megabytes), at once otherwise.
    pub fn open_meanwhile(dir: &Path, tool: &str, limits: &Limits) -> Opening {
        const ON_A_THREAD_FROM: u64 = 4 << 20;
        let size = std::fs::metadata(dir.join(FILE_NAME)).map_or(0, |m| m.len());
        if size < ON_A_THREAD_FROM {
            return Opening::Ready(LoadCache::open(dir, tool, limits));
        }
        let (dir, tool, limits) = (dir.to_path_buf(), tool.to_string(), limits.clone());
        Opening::Reading(std::thread::spawn(move || {
            LoadCache::open(&dir, &tool, &limits)
        }))
    }

    /// [`super::load_path`], from the cache when the file's path and text are in it.
    pub fn load_path(&self, path: &Path, limits: &Limits) -> Loaded {
        load_path_with(path, limits, |path, text, encoding| {
            let hash = text_hash(&text);
            let key = (path.to_path_buf(), hash);
            if let Some(range) = self.old.get(&key) {
                let entry = self.blob.get(range.clone()).and_then(decode_entry);
                if let Some((enc, kind, docs)) = entry {
                    if enc == encoding {
                        self.record(key.0, hash, Entry::Old(range.clone()), false);
                        return Loaded::File {
                            path: path.to_path_buf(),
                            text,
                            encoding,
                            kind,
                            docs,
                        };
                    }
                }
            }
            let loaded = load_text(path, text, encoding, limits);
            if let Loaded::File {
                encoding,
                kind,
                docs,
                ..
            } = &loaded
            {
                self.record(
                    key.0,
                    hash,
                    Entry::New(encode_entry(*encoding, *kind, docs)),
                    true,
                );
            }
            loaded
        })
    }

    /// The documents of a rendered stream (what `kubectl kustomize` or `helm template`
    /// printed), as [`super::yaml::parse`] gives them, from the cache when the same text was
    /// parsed under the same `key` (the rendered file's path) before. A stream that does not
    /// parse is not cached: its error comes from parsing it again.
    pub fn parse_rendered(
        &self,
        key: &Path,
        text: &str,
        limits: &Limits,
    ) -> Result<Vec<Node>, super::json::ParseError> {
        let hash = text_hash(text);
        let key = (key.to_path_buf(), hash);
        if let Some(range) = self.old.get(&key) {
            if let Some((Encoding::Utf8, FileKind::K8s, docs)) =
                self.blob.get(range.clone()).and_then(decode_entry)
            {
                self.record(key.0, hash, Entry::Old(range.clone()), false);
                return Ok(docs);
            }
        }
        let docs: Vec<Node> = super::yaml::parse(text, limits)?
            .into_iter()
            .map(|d| d.root)
            .collect();
        self.record(
            key.0,
            hash,
            Entry::New(encode_entry(Encoding::Utf8, FileKind::K8s, &docs)),
            true,
        );
        Ok(docs)
    }

    fn record(&self, path: PathBuf, hash: u64, entry: Entry, parsed: bool) {
        if let Ok(mut new) = self.new.lock() {
            new.0.push((path, hash, entry));
            new.1 |= parsed;
        }
    }

    /// Write the entries of this run (only those: files no longer loaded leave the cache) when
    /// they differ from what was read. Written to a temporary file then renamed, so a reader
    /// never sees half a cache; the directory gets a `.gitignore` that ignores it all.
    pub fn save(self) -> std::io::Result<()> {
        let (mut entries, parsed) = self.new.into_inner().unwrap_or_else(|e| e.into_inner());
        let distinct: HashSet<(&Path, u64)> =
            entries.iter().map(|(p, h, _)| (p.as_path(), *h)).collect();
        if !parsed && distinct.len() == self.old.len() {
            return Ok(());
        }
        entries.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        entries.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let mut payload = Writer { buf: Vec::new() };
        payload.len(entries.len());
        for (path, hash, entry) in &entries {
            let entry = match entry {
                Entry::Old(range) => self.blob.get(range.clone()).unwrap_or_default(),
                Entry::New(bytes) => bytes.as_slice(),
            };
            payload.str(&path.to_string_lossy());
            payload.u64(*hash);
            payload.len(entry.len());
            payload.buf.extend_from_slice(entry);
        }
        let mut out = Writer {
            buf: MAGIC.to_vec(),
        };
        out.str(&self.key);
        out.u64(bytes_hash(&payload.buf));
        out.buf.extend_from_slice(&payload.buf);
        prepare_dir(&self.dir)?;
        let tmp = self
            .dir
            .join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
        let written = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(&out.buf))
            .and_then(|()| std::fs::rename(&tmp, self.dir.join(FILE_NAME)));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

/// Create the cache directory `dir` with a `.gitignore` that ignores it all (once).
pub fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            &ignore,
            "# Written by cutover: its cache, never to commit.\n*\n",
        )?;
    }
    Ok(())
}

/// XXH3, 64 bits: a change to a file or to the cache gives another hash but for a chance of
/// 2^-64, and it reads several gigabytes a second (SipHash, the standard library's, took a
/// tenth of a warm pre-commit run over a large repository).
fn bytes_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

fn text_hash(text: &str) -> u64 {
    bytes_hash(text.as_bytes())
}

fn encode_entry(encoding: Encoding, kind: FileKind, docs: &[Node]) -> Vec<u8> {
    let mut w = Writer { buf: Vec::new() };
    encoding.encode(&mut w);
    kind.encode(&mut w);
    w.buf.extend_from_slice(&encode_docs(docs));
    w.buf
}

fn decode_entry(bytes: &[u8]) -> Option<(Encoding, FileKind, Vec<Node>)> {
    let mut r = Reader::new(bytes);
    let encoding = Encoding::decode(&mut r)?;
    let kind = FileKind::decode(&mut r)?;
    let docs = decode_docs(r.bytes.get(r.pos..)?)?;
    Some((encoding, kind, docs))
}

/// The entries of a cache file, or `None` when it is not one of this tool and limits or it
/// does not hold together.
fn read_entries(bytes: &[u8], key: &str) -> Option<HashMap<(PathBuf, u64), Range<usize>>> {
    let mut r = Reader::new(bytes.strip_prefix(MAGIC)?);
    if r.str()? != key {
        return None;
    }
    let hash = r.u64()?;
    let offset = MAGIC.len() + r.pos;
    let payload = r.bytes.get(r.pos..)?;
    if bytes_hash(payload) != hash {
        return None;
    }
    let mut r = Reader::new(payload);
    let n = r.len(8 + 8 + 8)?;
    let mut entries = HashMap::with_capacity(n);
    for _ in 0..n {
        let path = PathBuf::from(r.str()?);
        let hash = r.u64()?;
        let len = r.len(1)?;
        let start = offset + r.pos;
        r.take(len)?;
        entries.insert((path, hash), start..start + len);
    }
    r.at_end().then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cutover-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        d
    }

    fn docs(l: &Loaded) -> Option<(&[Node], FileKind)> {
        match l {
            Loaded::File { docs, kind, .. } => Some((docs, *kind)),
            _ => None,
        }
    }

    #[test]
    fn hits_equal_misses_and_bad_caches_are_ignored() {
        let d = tmp("unit");
        let file = d.join("a.tf.json");
        std::fs::write(&file, r#"{"resource": {"aws_iam_policy": {"p": {"policy": "{\"Version\": \"2012-10-17\"}"}}}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let limits = Limits::default();
        let cache_dir = d.join(".cutover_cache");
        let fresh = super::super::load_path(&file, &limits);
        let c = LoadCache::open(&cache_dir, "v1", &limits);
        assert!(c.old.is_empty());
        assert_eq!(docs(&c.load_path(&file, &limits)), docs(&fresh));
        c.save().unwrap_or_else(|e| panic!("{e}"));
        assert!(cache_dir.join(".gitignore").is_file());
        let c = LoadCache::open(&cache_dir, "v1", &limits);
        assert_eq!(c.old.len(), 1);
        assert_eq!(docs(&c.load_path(&file, &limits)), docs(&fresh));
        // Another tool version, or a corrupt file: ignored.
        assert!(LoadCache::open(&cache_dir, "v2", &limits).old.is_empty());
        let path = cache_dir.join(FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let last = bytes.len() - 1;
        bytes[last] ^= 0xFF;
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert!(LoadCache::open(&cache_dir, "v1", &limits).old.is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_large_cache_is_read_on_a_thread_and_gives_the_same_trees() {
        let d = tmp("meanwhile");
        let small = d.join("small.json");
        let td = |image: &str| {
            format!(
                r#"{{"family": "web", "containerDefinitions": [{{"name": "app", "image": "{image}"}}]}}"#
            )
        };
        std::fs::write(&small, td("nginx")).unwrap_or_else(|e| panic!("{e}"));
        let limits = Limits::default();
        let cache_dir = d.join(".cutover_cache");
        let c = LoadCache::open(&cache_dir, "v1", &limits);
        c.load_path(&small, &limits);
        c.save().unwrap_or_else(|e| panic!("{e}"));
        // A small cache is read at once.
        let opening = LoadCache::open_meanwhile(&cache_dir, "v1", &limits);
        assert!(matches!(opening, Opening::Ready(_)));
        assert_eq!(opening.wait().map(|c| c.old.len()), Some(1));

        // A file of 5 MB makes a cache over the threshold: read on a thread.
        let large = d.join("large.json");
        std::fs::write(&large, td(&"x".repeat(5 << 20))).unwrap_or_else(|e| panic!("{e}"));
        let c = LoadCache::open(&cache_dir, "v1", &limits);
        c.load_path(&small, &limits);
        c.load_path(&large, &limits);
        c.save().unwrap_or_else(|e| panic!("{e}"));
        let opening = LoadCache::open_meanwhile(&cache_dir, "v1", &limits);
        assert!(matches!(opening, Opening::Reading(_)));
        let c = opening.wait().unwrap_or_else(|| panic!("no cache"));
        assert_eq!(c.old.len(), 2);
        let fresh = super::super::load_path(&large, &limits);
        assert_eq!(docs(&c.load_path(&large, &limits)), docs(&fresh));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn rendered_streams_come_back_as_parsed_and_bad_ones_are_not_kept() {
        let d = tmp("rendered");
        let limits = Limits::default();
        let cache_dir = d.join(".cutover_cache");
        let key = d.join("overlays/prod/<rendered overlays/prod>");
        let text =
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # é\n---\nkind: Service\n";
        let fresh: Vec<Node> = super::super::yaml::parse(text, &limits)
            .unwrap_or_else(|e| panic!("{}", e.message))
            .into_iter()
            .map(|d| d.root)
            .collect();
        assert_eq!(fresh.len(), 2);
        let c = LoadCache::open(&cache_dir, "v1", &limits);
        assert_eq!(
            c.parse_rendered(&key, text, &limits).ok(),
            Some(fresh.clone())
        );
        let bad = "a: [\n";
        let message =
            |r: Result<Vec<Node>, super::super::json::ParseError>| r.err().map(|e| e.message);
        let bad_message = message(super::super::yaml::parse(bad, &limits).map(|_| Vec::new()));
        assert!(bad_message.is_some());
        assert_eq!(message(c.parse_rendered(&key, bad, &limits)), bad_message);
        c.save().unwrap_or_else(|e| panic!("{e}"));
        let c = LoadCache::open(&cache_dir, "v1", &limits);
        assert_eq!(c.old.len(), 1, "only the stream that parsed is kept");
        assert_eq!(c.parse_rendered(&key, text, &limits).ok(), Some(fresh));
        assert_eq!(message(c.parse_rendered(&key, bad, &limits)), bad_message);
        // The hit was recorded: saving keeps the entry.
        c.save().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(LoadCache::open(&cache_dir, "v1", &limits).old.len(), 1);
        let _ = std::fs::remove_dir_all(&d);
    }
}
