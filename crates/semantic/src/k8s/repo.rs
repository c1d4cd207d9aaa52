//! Repository scoping: cross-file joins only hold within one git repository. The inputs of a
//! run may span several checkouts (a platform repository with NodePools, an application
//! repository with Deployments); a NodePool in one does not schedule the pods of another.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The repository of each file: the nearest ancestor directory holding `.git` (a directory, or
/// the file git writes for worktrees and submodules). Files outside any repository share one
/// scope, `None` (the input root).
#[derive(Debug, Default)]
pub struct RepoScopes {
    cache: HashMap<PathBuf, Option<PathBuf>>,
}

impl RepoScopes {
    /// Repository root of `file` (its path as found on disk).
    pub fn root_of(&mut self, file: &Path) -> Option<PathBuf> {
        let abs = if file.is_absolute() {
            file.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(file)
        };
        let dir = abs.parent()?.to_path_buf();
        self.dir_root(&dir)
    }

    fn dir_root(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(hit) = self.cache.get(dir) {
            return hit.clone();
        }
        let found = if dir.join(".git").exists() {
            Some(dir.to_path_buf())
        } else {
            dir.parent().and_then(|p| self.dir_root(p))
        };
        self.cache.insert(dir.to_path_buf(), found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_git_ancestor_wins() {
        let base = std::env::temp_dir().join(format!("cutover-repo-scope-{}", std::process::id()));
        let a = base.join("platform");
        let b = base.join("platform/vendor/app");
        std::fs::create_dir_all(a.join(".git")).unwrap();
        std::fs::create_dir_all(b.join("k8s")).unwrap();
        std::fs::write(b.join(".git"), "gitdir: elsewhere\n").unwrap();
        let mut s = RepoScopes::default();
        assert_eq!(s.root_of(&a.join("np.yaml")), Some(a.clone()));
        assert_eq!(s.root_of(&b.join("k8s/deploy.yaml")), Some(b.clone()));
        assert_ne!(s.root_of(&a.join("x/y.yaml")), s.root_of(&b.join("y.yaml")));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
