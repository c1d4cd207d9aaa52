//! Source files, byte spans and the line index that turns spans into 1-based line/column.

use std::path::PathBuf;

use crate::doc::Node;

/// Index of a file in the [`SourceDb`]. Stable for one run: files are sorted by path before loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` into a file's decoded UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
    /// Smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A 1-based line and column. Columns count Unicode scalar values (characters), not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of a text; converts byte offsets to line/column and back.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
    ascii: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0u32];
        let bytes = text.as_bytes();
        // Line breaks found with memchr (every file of a run is indexed when it is loaded).
        let mut breaks = memchr::memchr2_iter(b'\n', b'\r', bytes);
        while let Some(i) = breaks.next() {
            // CRLF counts once (its LF is the next break found); a lone CR is a line break too.
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                breaks.next();
                starts.push(i as u32 + 2);
            } else {
                starts.push(i as u32 + 1);
            }
        }
        LineIndex {
            starts,
            ascii: text.is_ascii(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 0-based line `line0` starts.
    pub fn line_start(&self, line0: usize) -> Option<u32> {
        self.starts.get(line0).copied()
    }

    /// 0-based line containing byte `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = (offset as usize).min(text.len());
        let mut offset = offset;
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line0 = self.line_of(offset as u32);
        let start = self.starts[line0] as usize;
        let col = if self.ascii {
            offset - start
        } else {
            text[start..offset].chars().count()
        };
        LineCol {
            line: line0 as u32 + 1,
            col: col as u32 + 1,
        }
    }

    /// Byte offset of a 1-based line and character column; `None` when out of range.
    pub fn offset(&self, text: &str, lc: LineCol) -> Option<u32> {
        let line0 = (lc.line as usize).checked_sub(1)?;
        let start = *self.starts.get(line0)? as usize;
        let end = self
            .starts
            .get(line0 + 1)
            .map(|&s| s as usize)
            .unwrap_or(text.len());
        let want = (lc.col as usize).checked_sub(1)?;
        let mut n = 0;
        for (i, _) in text[start..end].char_indices() {
            if n == want {
                return Some((start + i) as u32);
            }
            n += 1;
        }
        (n == want).then_some(end as u32)
    }
}

/// What a file was recognised as, from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// Kubernetes manifests (YAML multi-document or JSON, `List` included).
    K8s,
    /// ECS task definition JSON (register or describe shape).
    TaskDef,
    /// Terraform configuration: JSON syntax (`*.tf.json`) or native HCL (`*.tf`), lowered into the
    /// same tree.
    TfJson,
    /// `terraform show -json` plan or state output.
    TfPlan,
    /// Terraform variable values (`*.tfvars`, `*.tfvars.json`): a map of attributes, read by the
    /// evaluator only; the model and the rules skip it.
    TfVars,
    /// A repository file that rendered objects come from (a Kustomize base or patch, a Helm
    /// template or values file): shown with its lines, never modelled (its objects are the
    /// rendered ones).
    RenderSource,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::K8s => "k8s",
            FileKind::TaskDef => "taskdef",
            FileKind::TfJson => "tfjson",
            FileKind::TfPlan => "tfplan",
            FileKind::TfVars => "tfvars",
            FileKind::RenderSource => "render-source",
        }
    }
}

/// The text encoding a file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

/// One loaded and classified file.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// Path as found on disk (or the `--stdin-filename`).
    pub path: PathBuf,
    /// Path shown to users and used in output: relative to the working directory when possible,
    /// always with `/` separators.
    pub name: String,
    /// Decoded UTF-8 text (BOM removed). All spans index into this.
    pub text: String,
    pub encoding: Encoding,
    pub lines: LineIndex,
    pub kind: FileKind,
    /// Parsed documents: one for JSON, one per YAML document.
    pub docs: Vec<Node>,
}

impl SourceFile {
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// All files of one run, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceDb {
    pub files: Vec<SourceFile>,
    /// Files that Terraform configuration reads (`templatefile()`) and that could not be
    /// rendered into a document, by normalized path, with the reason.
    pub unrendered: std::collections::BTreeMap<String, String>,
    /// Rendered files (Kustomize, Helm) and where their nodes come from in the repository.
    pub origins: std::collections::BTreeMap<FileId, crate::render::Origin>,
}

impl SourceDb {
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_roundtrip_multibyte_and_crlf() {
        let text = "a\r\nbé😀c\rd\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        let c = text.find('c').unwrap() as u32;
        assert_eq!(idx.line_col(text, c), LineCol { line: 2, col: 4 });
        assert_eq!(idx.offset(text, LineCol { line: 2, col: 4 }), Some(c));
        let d = text.find('d').unwrap() as u32;
        assert_eq!(idx.line_col(text, d), LineCol { line: 3, col: 1 });
    }

    /// The line starts by their definition: after every LF, after every CR not followed by LF.
    fn starts_by_definition(text: &str) -> Vec<u32> {
        let b = text.as_bytes();
        let mut starts = vec![0];
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                starts.push(i as u32 + 1);
            }
        }
        starts
    }

    #[test]
    fn line_starts_match_their_definition_for_every_mix_of_breaks() {
        // Every string of up to 6 characters over LF, CR, `a` and `é`.
        let alphabet = ["\n", "\r", "a", "é"];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().map_or(0, |l| l.chars().count()))
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        assert_eq!(texts.len(), (0..=6).map(|n| 4usize.pow(n)).sum::<usize>());
        for t in &texts {
            assert_eq!(LineIndex::new(t).starts, starts_by_definition(t), "{t:?}");
        }
    }
}
