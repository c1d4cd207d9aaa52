//! A cache of Kustomize renders for the pre-commit path (`--repo-context`): a render whose
//! inputs did not change is read from the cache directory instead of running the renderer again.
//!
//! The key of a render is a hash of everything it can read: the renderer (its path, size and
//! modification time, so an upgraded `kubectl` renders again), the build of cutover, the overlay
//! and every kustomization it includes, and the path and bytes of every file under their
//! directories (conservatively all of them: resources, patches, generators' inputs such as
//! `.env` files) and of every file the kustomizations name. A render that names a remote base,
//! includes a directory that is not among the inputs, or whose files cannot all be read is never
//! cached; neither is a failed render. An entry holds the key again, the wrapper directory the
//! origin annotations are relative to, and a hash of the text; anything that does not hold
//! together is a miss. Entries no run used are removed after the run.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lint_engine::render::kustomize::Kustomization;

const MAGIC: &str = "cutover render cache";
const PREFIX: &str = "render-";
const SUFFIX: &str = ".txt";
/// Directory depth beyond which a render is not cached (a symbolic link loop, say).
const MAX_DEPTH: usize = 32;

/// The renders of earlier runs, in `dir`.
pub struct RenderCache {
    dir: PathBuf,
    tool: String,
    /// The keys this run read or wrote (the others are removed by [`RenderCache::prune`]).
    used: Mutex<BTreeSet<u64>>,
}

impl RenderCache {
    /// The cache in `dir` (shared with the load cache) for the build identified by `tool`.
    pub fn new(dir: &Path, tool: &str) -> RenderCache {
        RenderCache {
            dir: dir.to_path_buf(),
            tool: tool.to_string(),
            used: Mutex::new(BTreeSet::new()),
        }
    }

    /// The key of the render of `overlay` (its `chain`: itself first, then what it includes)
    /// with `program`, which reads `named` files; `None` when it must not be cached.
    pub fn key(
        &self,
        program: &Path,
        overlay: &Path,
        chain: &[Kustomization],
        named: &BTreeSet<PathBuf>,
    ) -> Option<u64> {
        let dirs: BTreeSet<&Path> = chain.iter().map(|k| k.dir.as_path()).collect();
        if chain
            .iter()
            .any(|k| k.remote || k.includes.iter().any(|i| !dirs.contains(i.as_path())))
        {
            return None;
        }
        let mut h = DefaultHasher::new();
        self.tool.hash(&mut h);
        program.hash(&mut h);
        let meta = std::fs::metadata(program).ok()?;
        meta.len().hash(&mut h);
        modified(&meta).hash(&mut h);
        overlay.hash(&mut h);
        let mut files: BTreeSet<PathBuf> = named.clone();
        for d in &dirs {
            h.write_u8(0);
            d.hash(&mut h);
            walk(d, &self.dir, 0, &mut files)?;
        }
        for f in &files {
            h.write_u8(1);
            f.hash(&mut h);
            // A named file that does not exist fails the render, the same way every time.
            match std::fs::read(f) {
                Ok(bytes) => Some(bytes).hash(&mut h),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None::<Vec<u8>>.hash(&mut h),
                Err(_) => return None,
            }
        }
        Some(h.finish())
    }

    fn path_of(&self, key: u64) -> PathBuf {
        self.dir.join(format!("{PREFIX}{key:016x}{SUFFIX}"))
    }

    /// The render cached under `key`: the wrapper directory and the text, or the renderer's
    /// error message.
    pub fn get(&self, key: u64) -> Option<Result<(PathBuf, String), String>> {
        let data = std::fs::read_to_string(self.path_of(key)).ok()?;
        let mut parts = data.splitn(7, '\n');
        let (magic, tool, k, status, wrapper, hash) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let text = parts.next()?;
        let ok = magic == MAGIC
            && tool == self.tool
            && k == format!("{key:016x}")
            && hash == format!("{:016x}", text_hash(text))
            && !wrapper.is_empty();
        let result = match (ok, status) {
            (true, "ok") => Ok((PathBuf::from(wrapper), text.to_string())),
            (true, "failed") => Err(text.to_string()),
            _ => return None,
        };
        self.mark(key);
        Some(result)
    }

    /// Keep the render of `key` made through the wrapper directory `wrapper`: its text, or the
    /// message of a renderer that exited with an error (a failure of the inputs, which fails
    /// again until they change). A cache that cannot be written costs time, never a finding.
    pub fn put(&self, key: u64, wrapper: &Path, result: Result<&str, &str>) {
        let (Some(w), false) = (wrapper.to_str(), self.tool.contains('\n')) else {
            return;
        };
        if w.contains('\n') {
            return;
        }
        let (status, text) = match result {
            Ok(text) => ("ok", text),
            Err(message) => ("failed", message),
        };
        self.mark(key);
        let data = format!(
            "{MAGIC}\n{}\n{key:016x}\n{status}\n{w}\n{:016x}\n{text}",
            self.tool,
            text_hash(text)
        );
        if lint_engine::load::cache::prepare_dir(&self.dir).is_err() {
            return;
        }
        let path = self.path_of(key);
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::write(&tmp, data)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    fn mark(&self, key: u64) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key);
        }
    }

    /// Remove the renders this run did not use (of overlays changed or gone).
    pub fn prune(self) {
        let used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Some(hex) = name
                .strip_prefix(PREFIX)
                .and_then(|n| n.strip_suffix(SUFFIX))
            else {
                continue;
            };
            if u64::from_str_radix(hex, 16).is_ok_and(|k| !used.contains(&k)) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

fn text_hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// The modification time of a file, in nanoseconds since the epoch (0 when unknown).
pub fn modified(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// Every file under `dir` (following links), but not in `.git` or the cache directory; `None`
/// when a directory cannot be read or the tree is too deep.
fn walk(dir: &Path, cache: &Path, depth: usize, out: &mut BTreeSet<PathBuf>) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    for e in std::fs::read_dir(dir).ok()? {
        let path = e.ok()?.path();
        let meta = std::fs::metadata(&path).ok()?;
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == ".git") || path == cache {
                continue;
            }
            walk(&path, cache, depth + 1, out)?;
        } else {
            out.insert(path);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::load::Limits;

    fn write(p: &Path, text: &str) {
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn chain(dirs: &[&Path]) -> Vec<Kustomization> {
        dirs.iter()
            .map(|d| Kustomization::read(d, &Limits::default()).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    #[test]
    fn keys_follow_every_file_of_the_overlay_and_entries_that_do_not_hold_are_misses() {
        let root =
            std::env::temp_dir().join(format!("cutover-render-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (base, overlay) = (root.join("base"), root.join("overlay"));
        write(&base.join("kustomization.yaml"), "resources: [app.yaml]\n");
        write(&base.join("app.yaml"), "kind: ConfigMap\n");
        write(
            &overlay.join("kustomization.yaml"),
            "resources: [../base]\nconfigMapGenerator: [{name: c, envs: [.env]}]\n",
        );
        write(&overlay.join(".env"), "A=1\n");
        let program = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
        let cache = RenderCache::new(&root.join(".cutover_cache"), "test");
        let key = || {
            let c = chain(&[&overlay, &base]);
            cache.key(&program, &overlay, &c, &BTreeSet::new())
        };
        let first = key();
        assert!(first.is_some());
        assert_eq!(key(), first);
        // Editing a generator's input, adding a file, deleting it, editing a base file.
        let mut seen = vec![first];
        write(&overlay.join(".env"), "A=2\n");
        seen.push(key());
        write(&base.join("notes.txt"), "x\n");
        seen.push(key());
        let _ = std::fs::remove_file(base.join("notes.txt"));
        assert_eq!(key(), seen[1], "deleting the added file");
        write(&base.join("app.yaml"), "kind: Secret\n");
        seen.push(key());
        let distinct: BTreeSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), 4, "{seen:?}");
        // A base that is not in the chain, or a remote one: never cached.
        assert_eq!(
            cache.key(&program, &overlay, &chain(&[&overlay]), &BTreeSet::new()),
            None
        );
        write(
            &overlay.join("kustomization.yaml"),
            "resources: [../base, github.com/org/repo//deploy?ref=v1]\n",
        );
        assert_eq!(key(), None);

        // Entries: a text, a failure, and entries that do not hold together.
        let wrapper = root.join("w");
        cache.put(1, &wrapper, Ok("kind: ConfigMap\n"));
        cache.put(2, &wrapper, Err("exit status: 1: no such file"));
        assert_eq!(
            cache.get(1),
            Some(Ok((wrapper.clone(), "kind: ConfigMap\n".to_string())))
        );
        assert_eq!(
            cache.get(2),
            Some(Err("exit status: 1: no such file".into()))
        );
        assert_eq!(RenderCache::new(&cache.dir, "other").get(1), None);
        let path = cache.path_of(1);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        write(&path, &text.replace("ConfigMap", "Secret"));
        assert_eq!(cache.get(1), None);
        std::fs::copy(cache.path_of(2), cache.path_of(3)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cache.get(3), None, "an entry under another key");
        // Pruning keeps only what this run used.
        cache.put(4, &wrapper, Ok(""));
        let fresh = RenderCache::new(&cache.dir, "test");
        assert!(fresh.get(4).is_some());
        fresh.prune();
        assert!(cache.path_of(4).is_file());
        assert!(!cache.path_of(1).exists() && !cache.path_of(2).exists());
        let _ = std::fs::remove_dir_all(&root);
    }
}
