//! Human output: codespan-reporting diagnostics with source snippets and labels across files.

use std::io;

use codespan_reporting::diagnostic::{Diagnostic, Label, LabelStyle, Severity as CsSeverity};
use std::ops::Range;
use std::sync::OnceLock;

use codespan_reporting::files::{line_starts, Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self};

use rayon::prelude::*;

use super::{display_path, Report};
use lint_engine::Severity;

/// The files diagnostics point into, as codespan-reporting's `SimpleFiles` holds them, except
/// that a file's line starts are found the first time a diagnostic shows it (one check of a
/// large repository shows a handful of its thousands of files; `SimpleFiles` scans every one
/// when it is added). The lines are codespan's own (`line_starts`), so the output is the same.
#[derive(Default)]
struct LazyFiles<'s> {
    files: Vec<LazyFile<'s>>,
}

struct LazyFile<'s> {
    name: String,
    source: &'s str,
    starts: OnceLock<Vec<usize>>,
}

impl<'s> LazyFiles<'s> {
    fn add(&mut self, name: String, source: &'s str) -> usize {
        self.files.push(LazyFile {
            name,
            source,
            starts: OnceLock::new(),
        });
        self.files.len() - 1
    }

    fn get(&self, id: usize) -> Result<&LazyFile<'s>, FilesError> {
        self.files.get(id).ok_or(FilesError::FileMissing)
    }
}

impl LazyFile<'_> {
    fn starts(&self) -> &[usize] {
        self.starts
            .get_or_init(|| line_starts(self.source).collect())
    }

    /// As `SimpleFile::line_start`: the end of the text is the start of the line after the last.
    fn line_start(&self, line: usize) -> Result<usize, FilesError> {
        let starts = self.starts();
        match line.cmp(&starts.len()) {
            std::cmp::Ordering::Less => Ok(starts[line]),
            std::cmp::Ordering::Equal => Ok(self.source.len()),
            std::cmp::Ordering::Greater => Err(FilesError::LineTooLarge {
                given: line,
                max: starts.len() - 1,
            }),
        }
    }
}

impl<'a, 's: 'a> Files<'a> for LazyFiles<'s> {
    type FileId = usize;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<String, FilesError> {
        Ok(self.get(id)?.name.clone())
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(self.get(id)?.source)
    }

    fn line_index(&'a self, id: usize, byte: usize) -> Result<usize, FilesError> {
        Ok(self
            .get(id)?
            .starts()
            .binary_search(&byte)
            .unwrap_or_else(|next| next - 1))
    }

    fn line_range(&'a self, id: usize, line: usize) -> Result<Range<usize>, FilesError> {
        let f = self.get(id)?;
        Ok(f.line_start(line)?..f.line_start(line + 1)?)
    }
}

fn cs_severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    }
}

pub fn render(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    let mut files = LazyFiles::default();
    for f in report.db.iter() {
        files.add(f.name.clone(), f.text.as_str());
    }
    let config = term::Config::default();
    let map_err = |e: codespan_reporting::files::Error| io::Error::other(e.to_string());

    for e in report.errors {
        let name = display_path(&e.path);
        match (&e.text, e.span) {
            (Some(text), Some(span)) => {
                let id = files.add(name, text.as_str());
                let d = Diagnostic::error()
                    .with_code("input-error")
                    .with_message(&e.message)
                    .with_labels(vec![Label::primary(id, span.range())]);
                term::emit_to_write_style(w, &config, &files, &d).map_err(map_err)?;
            }
            _ => {
                let d = Diagnostic::error()
                    .with_code("input-error")
                    .with_message(format!("{name}: {}", e.message));
                term::emit_to_write_style(w, &config, &files, &d).map_err(map_err)?;
            }
        }
    }

    // Diagnostics are independent: without colour, batches of them are rendered in parallel
    // into buffers and written in order (same bytes). Colour goes straight to the terminal.
    let emit = |w: &mut dyn WriteColor, f: &lint_engine::Finding| {
        emit_finding(w, report, &files, &config, f)
    };
    if w.supports_color() {
        for f in report.findings {
            emit(w, f)?;
        }
    } else {
        for batch in report.findings.chunks(4096) {
            let parts = batch
                .par_chunks(32)
                .map(|chunk| {
                    let mut buf = Buffer::no_color();
                    for f in chunk {
                        emit(&mut buf, f)?;
                    }
                    Ok(buf)
                })
                .collect::<io::Result<Vec<Buffer>>>()?;
            for buf in &parts {
                w.write_all(buf.as_slice())?;
            }
        }
    }

    if report.quiet {
        return Ok(());
    }
    for s in report.skipped.iter().filter(|s| s.note || report.verbose) {
        writeln!(w, "note: skipped {}: {}", display_path(&s.path), s.reason)?;
    }

    writeln!(w, "{}", summary_line(report))?;
    let hidden = report.suppressed.len() + report.baselined.unwrap_or(0);
    if hidden > 0 {
        writeln!(
            w,
            "Not shown: {} suppressed, {} in the baseline.",
            report.suppressed.len(),
            report.baselined.unwrap_or(0)
        )?;
    }
    Ok(())
}

/// `No findings in 3 files.` or `Found 2 findings (1 error, 1 warning, 0 info) in 3 checked
/// files; 1 input could not be read.`: the last line of human output, and what `check` prints
/// on standard error when the report goes elsewhere.
pub fn summary_line(report: &Report<'_>) -> String {
    let (e, wn, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let total = report.findings.len();
    let files = report.db.files.len();
    let plural = |n: usize, s: &str| format!("{n} {s}{}", if n == 1 { "" } else { "s" });
    if total == 0 && report.errors.is_empty() {
        return format!("No findings in {}.", plural(files, "file"));
    }
    let mut line = format!(
        "Found {} ({} error, {} warning, {} info) in {} checked",
        plural(total, "finding"),
        e,
        wn,
        i,
        plural(files, "file"),
    );
    if !report.errors.is_empty() {
        line.push_str(&format!(
            "; {} could not be read",
            plural(report.errors.len(), "input")
        ));
    }
    line.push('.');
    line
}

/// One finding's diagnostic.
fn emit_finding(
    w: &mut dyn WriteColor,
    report: &Report<'_>,
    files: &LazyFiles<'_>,
    config: &term::Config,
    f: &lint_engine::Finding,
) -> io::Result<()> {
    if long_line(report, f.primary.file, f.primary.span) {
        return render_windowed(w, report, f);
    }
    let mut labels = vec![
        Label::primary(f.primary.file.0 as usize, f.primary.span.range())
            .with_message(&f.primary.message),
    ];
    for r in &f.related {
        if long_line(report, r.file, r.span) {
            continue;
        }
        labels.push(
            Label::new(LabelStyle::Secondary, r.file.0 as usize, r.span.range())
                .with_message(&r.message),
        );
    }
    let mut notes = Vec::new();
    if let Some(m) = &f.missing_path {
        notes.push(format!("missing: `{m}`"));
    }
    notes.extend(f.notes.iter().cloned());
    if let Some(h) = &f.help {
        notes.push(format!("help: {h}"));
    }
    for r in f
        .related
        .iter()
        .filter(|r| long_line(report, r.file, r.span))
    {
        notes.push(related_note(report, r));
    }
    let d = Diagnostic::new(cs_severity(f.severity))
        .with_code(format!("{}/{}", f.rule_id, f.rule_name))
        .with_message(&f.message)
        .with_labels(labels)
        .with_notes(notes);
    term::emit_to_write_style(w, config, files, &d).map_err(|e| io::Error::other(e.to_string()))
}

/// Lines longer than this (minified JSON, one-line plans) are shown as a window around the span
/// instead of whole, so a finding never prints megabytes.
const MAX_LINE: usize = 240;
const CONTEXT: usize = 50;

/// Byte range of the line holding `at`, without its line break (via the line index: O(log n)).
pub(super) fn line_bounds(file: &lint_engine::SourceFile, at: usize) -> (usize, usize) {
    let line0 = file.lines.line_of(at.min(file.text.len()) as u32);
    let start = file.lines.line_start(line0).unwrap_or(0) as usize;
    let mut end = file
        .lines
        .line_start(line0 + 1)
        .map(|s| s as usize)
        .unwrap_or(file.text.len());
    let b = file.text.as_bytes();
    while end > start && matches!(b[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    (start, end)
}

fn long_line(report: &Report<'_>, file: lint_engine::FileId, span: lint_engine::Span) -> bool {
    let (s, e) = line_bounds(report.db.get(file), span.start as usize);
    e - s > MAX_LINE
}

pub(super) fn floor_boundary(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `(excerpt, caret_offset_chars, caret_len_chars)` for a span in a long line.
fn window(file: &lint_engine::SourceFile, span: lint_engine::Span) -> (String, usize, usize) {
    let text = &file.text;
    let (ls, le) = line_bounds(file, span.start as usize);
    let start = span.start as usize;
    let end = (span.end as usize).min(le).max(start);
    let from = floor_boundary(text, start.saturating_sub(CONTEXT).max(ls));
    let shown_end = floor_boundary(text, end.min(start + 2 * CONTEXT));
    let to = floor_boundary(text, (shown_end + CONTEXT).min(le));
    let mut out = String::new();
    if from > ls {
        out.push('…');
    }
    let before = text[from..start].chars().count() + usize::from(from > ls);
    out.push_str(&text[from..to].replace('\t', " "));
    if to < le {
        out.push('…');
    }
    let len = text[start..shown_end].chars().count().max(1);
    (out, before, len)
}

fn related_note(report: &Report<'_>, r: &lint_engine::Label) -> String {
    let f = report.db.get(r.file);
    let lc = f.line_col(r.span.start);
    let (excerpt, _, _) = window(f, r.span);
    format!(
        "related: {}:{}:{}: {} `{}`",
        f.name,
        lc.line,
        lc.col,
        r.message,
        excerpt.trim()
    )
}

fn render_windowed(
    w: &mut dyn WriteColor,
    report: &Report<'_>,
    f: &lint_engine::Finding,
) -> io::Result<()> {
    let file = report.db.get(f.primary.file);
    let lc = file.line_col(f.primary.span.start);
    let (excerpt, before, len) = window(file, f.primary.span);
    let (word, color) = match f.severity {
        Severity::Error => ("error", Color::Red),
        Severity::Warning => ("warning", Color::Yellow),
        Severity::Info => ("note", Color::Green),
    };
    let gutter = lc.line.to_string().len();
    let pad = " ".repeat(gutter);
    w.set_color(ColorSpec::new().set_fg(Some(color)).set_bold(true))?;
    write!(w, "{word}[{}/{}]", f.rule_id, f.rule_name)?;
    w.set_color(ColorSpec::new().set_bold(true))?;
    writeln!(w, ": {}", f.message)?;
    w.reset()?;
    writeln!(w, "{pad} ┌─ {}:{}:{}", file.name, lc.line, lc.col)?;
    writeln!(w, "{pad} │")?;
    writeln!(w, "{} │ {excerpt}", lc.line)?;
    write!(w, "{pad} │ {}", " ".repeat(before))?;
    w.set_color(ColorSpec::new().set_fg(Some(color)))?;
    writeln!(w, "{}", "^".repeat(len))?;
    w.reset()?;
    writeln!(w, "{pad} │")?;
    if let Some(m) = &f.missing_path {
        writeln!(w, "{pad} = missing: `{m}`")?;
    }
    for n in &f.notes {
        writeln!(w, "{pad} = {n}")?;
    }
    for r in &f.related {
        writeln!(w, "{pad} = {}", related_note(report, r))?;
    }
    if let Some(h) = &f.help {
        writeln!(w, "{pad} = help: {h}")?;
    }
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use codespan_reporting::files::SimpleFiles;

    /// The lazy files answer every question as codespan's `SimpleFiles` does, so the rendered
    /// diagnostics are the same bytes.
    #[test]
    fn lazy_files_agree_with_simple_files() {
        let sources = [
            "",
            "a",
            "a\n",
            "foo\nbar\r\n\nbaz",
            "\n\n",
            "é\rx\n",
            "x\r\ny",
        ];
        let mut lazy = LazyFiles::default();
        let mut simple = SimpleFiles::new();
        for (i, s) in sources.iter().enumerate() {
            assert_eq!(
                lazy.add(format!("f{i}"), s),
                simple.add(format!("f{i}"), *s)
            );
        }
        for (id, s) in sources.iter().enumerate() {
            assert_eq!(lazy.name(id).ok(), simple.name(id).ok());
            assert_eq!(lazy.source(id).ok(), simple.source(id).ok());
            for byte in 0..=s.len() + 1 {
                assert_eq!(
                    lazy.line_index(id, byte).ok(),
                    simple.line_index(id, byte).ok(),
                    "{s:?} byte {byte}"
                );
            }
            for line in 0..s.len() + 3 {
                assert_eq!(
                    format!("{:?}", lazy.line_range(id, line)),
                    format!("{:?}", simple.line_range(id, line)),
                    "{s:?} line {line}"
                );
                assert_eq!(
                    format!("{:?}", lazy.column_number(id, line, 1)),
                    format!("{:?}", simple.column_number(id, line, 1)),
                );
            }
        }
        assert!(lazy.source(sources.len()).is_err());
        assert!(lazy.line_range(sources.len(), 0).is_err());
    }
}
