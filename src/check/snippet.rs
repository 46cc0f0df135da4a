//! The source a human report shows under a diagnostic.
//!
//! A report quotes each labelled line whole, which is right for prose and
//! front-matter and wrong for a line of a megabyte (a generated mapping
//! file, a pasted blob): four such diagnostics printed five megabytes, and
//! the caret of one sat after a million spaces. A labelled line longer than
//! [`LONGEST_LINE`] is shown as a window around its labels, with `…` for
//! what is left out. Only what is printed changes: the `file:line:column`
//! in the header is the real one, computed on the untouched text.
//!
//! A document is text from a pull request, which a reviewer's terminal
//! must not obey: control characters (an escape sequence that clears the
//! screen or retitles the window, a lone carriage return that overwrites
//! the line) and bidirectional overrides are printed as `?`, one per byte
//! so that every offset and column stays where it was ([`printable`]
//! does the same for messages).

use std::borrow::Cow;
use std::ops::Range;

use codespan_reporting::files::{Error, Files, Location};

use crate::diagnostic::SourceFile;

/// Longest labelled line shown whole, in bytes.
pub const LONGEST_LINE: usize = 240;
/// Bytes kept before and after a label on a line that is cut.
const CONTEXT: usize = 60;
/// Longest part of one label shown on a cut line.
const LONGEST_LABEL: usize = 120;
const ELLIPSIS: &str = "…";

/// The files one diagnostic quotes, as shown.
#[derive(Default)]
pub struct Shown<'a> {
    files: Vec<ShownFile<'a>>,
}

struct ShownFile<'a> {
    original: &'a SourceFile,
    /// The file's name as printed ([`printable`]).
    name: Cow<'a, str>,
    text: Cow<'a, str>,
    line_starts: Cow<'a, [usize]>,
    /// Runs of original text kept in `text`, in order: (original range,
    /// start in `text`). Empty when nothing is cut (the identity).
    pieces: Vec<(Range<usize>, usize)>,
}

impl<'a> Shown<'a> {
    /// Add `file` as quoted for labels at `spans`; returns its id and the
    /// spans in the shown text, in the same order.
    pub fn add(
        &mut self,
        file: &'a SourceFile,
        spans: &[Range<usize>],
    ) -> (usize, Vec<Range<usize>>) {
        // Spans index the bytes as read; a file that is not UTF-8 is
        // shown with U+FFFD in place of its bad bytes, so a span can fall
        // inside one: widened to whole characters.
        let text = file.text.as_str();
        let spans: Vec<Range<usize>> = spans
            .iter()
            .map(|s| {
                let start = floor_char(text, s.start.min(text.len()));
                start..ceil_char(text, s.end.clamp(start, text.len()))
            })
            .collect();
        let spans = spans.as_slice();
        let shown = ShownFile::new(file, spans);
        let mapped = spans
            .iter()
            .map(|s| shown.to_shown(s.start)..shown.to_shown(s.end.max(s.start)))
            .collect();
        self.files.push(shown);
        (self.files.len() - 1, mapped)
    }

    fn file(&self, id: usize) -> Result<&ShownFile<'a>, Error> {
        self.files.get(id).ok_or(Error::FileMissing)
    }
}

impl<'a> ShownFile<'a> {
    fn new(original: &'a SourceFile, spans: &[Range<usize>]) -> Self {
        let text = original.text.as_str();
        let windows = windows(text, spans);
        if windows.is_empty() {
            return ShownFile {
                original,
                name: printable(&original.name),
                // Made once per file, however many diagnostics quote it.
                line_starts: Cow::Borrowed(original.line_starts()),
                text: defused(Cow::Borrowed(text)),
                pieces: Vec::new(),
            };
        }
        let mut shown = String::new();
        let mut pieces = Vec::new();
        // `at`: how far the original text is emitted or skipped.
        let mut at = 0;
        for (k, window) in windows.iter().enumerate() {
            let (line_start, line_end) = line_bounds(text, window.start);
            // Whole lines up to the window's line (with the line break
            // ending the previous cut line).
            if at < line_start {
                pieces.push((at..line_start, shown.len()));
                shown.push_str(&text[at..line_start]);
                at = line_start;
            }
            if window.start > at {
                shown.push_str(ELLIPSIS);
            }
            pieces.push((window.clone(), shown.len()));
            shown.push_str(&text[window.clone()]);
            at = window.end;
            // The next window on this line adds its own `…` before it.
            let next_on_line = windows.get(k + 1).is_some_and(|n| n.start < line_end);
            if !next_on_line {
                if window.end < line_end {
                    shown.push_str(ELLIPSIS);
                }
                at = line_end;
            }
        }
        if at < text.len() {
            pieces.push((at..text.len(), shown.len()));
            shown.push_str(&text[at..]);
        }
        ShownFile {
            original,
            name: printable(&original.name),
            line_starts: Cow::Owned(line_starts(&shown)),
            text: defused(Cow::Owned(shown)),
            pieces,
        }
    }

    /// Where an offset of the original text is in the shown text: inside a
    /// kept piece, or at the start of the next one.
    fn to_shown(&self, offset: usize) -> usize {
        if self.pieces.is_empty() {
            return offset;
        }
        for (range, start) in &self.pieces {
            if offset < range.start {
                return *start;
            }
            if offset <= range.end {
                return start + (offset - range.start);
            }
        }
        self.text.len()
    }

    /// Where an offset of the shown text is in the original.
    fn to_original(&self, offset: usize) -> usize {
        if self.pieces.is_empty() {
            return offset;
        }
        for (range, start) in &self.pieces {
            let end = start + range.len();
            if offset < *start {
                return range.start;
            }
            if offset <= end {
                return range.start + (offset - start);
            }
        }
        self.original.text.len()
    }
}

/// The windows to keep of the long lines that `spans` touch, sorted and
/// disjoint, each within one line; none when every such line is short.
/// Whether a terminal would act on `c` rather than print it: control
/// characters (C0, DEL, C1) and the invisible marks that reorder text
/// (bidirectional embeddings, overrides and isolates).
fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` (followed by `next`) is printed as it is in a quoted
/// source: tabs, line feeds and the carriage return of a CRLF are; what a
/// terminal would act on is not.
fn printed_as_is(c: char, next: Option<char>) -> bool {
    match c {
        '\t' | '\n' => true,
        '\r' => next == Some('\n'),
        c => !acts_on_terminal(c),
    }
}

/// `text` with what a terminal would act on made `?`, byte for byte, so
/// offsets and line starts still hold.
fn defused(text: Cow<'_, str>) -> Cow<'_, str> {
    // Every such character starts with one of these bytes: most files
    // have none and are passed through untouched.
    let suspect = |b: &u8| {
        (*b < 0x20 && *b != b'\t' && *b != b'\n') || matches!(*b, 0x7f | 0xc2 | 0xd8 | 0xe2)
    };
    if !text.as_bytes().iter().any(suspect) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if printed_as_is(c, chars.peek().copied()) {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    if out == *text {
        return text;
    }
    Cow::Owned(out)
}

/// Text a command prints, whole: what a terminal would act on, but line
/// feeds and tabs, written `\u001b`. The same form is a valid escape in a
/// JSON string, so JSON output stays JSON with the same meaning (its
/// encoder already escapes C0 controls; DEL, C1 and bidirectional marks it
/// leaves raw).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| acts_on_terminal(c) && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts_on_terminal(c) && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn windows(text: &str, spans: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut windows: Vec<Range<usize>> = Vec::new();
    for span in spans {
        for point in [span.start, span.end.max(span.start)] {
            let point = point.min(text.len());
            let (line_start, line_end) = line_bounds(text, point);
            if line_end - line_start <= LONGEST_LINE {
                continue;
            }
            let label_end = if point == span.start {
                span.end.min(point + LONGEST_LABEL).min(line_end)
            } else {
                point
            };
            let start = floor_char(text, point.saturating_sub(CONTEXT).max(line_start));
            let end = ceil_char(text, (label_end + CONTEXT).min(line_end));
            windows.push(start..end.max(start));
        }
    }
    windows.sort_by_key(|w| w.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for w in windows {
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    merged
}

/// The start and end (before its line ending) of the line holding `offset`.
fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let end = if end > start && text[..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    (start, end)
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

impl<'f, 'a: 'f> Files<'f> for Shown<'a> {
    type FileId = usize;
    type Name = &'f str;
    type Source = &'f str;

    fn name(&'f self, id: usize) -> Result<&'f str, Error> {
        Ok(&self.file(id)?.name)
    }

    fn source(&'f self, id: usize) -> Result<&'f str, Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'f self, id: usize, byte_index: usize) -> Result<usize, Error> {
        let starts = &self.file(id)?.line_starts;
        Ok(starts
            .binary_search(&byte_index)
            .unwrap_or_else(|next| next - 1))
    }

    fn line_range(&'f self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        let file = self.file(id)?;
        let start = *file
            .line_starts
            .get(line_index)
            .ok_or(Error::LineTooLarge {
                given: line_index,
                max: file.line_starts.len() - 1,
            })?;
        let end = file
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }

    /// The real line and column, from the original text.
    fn location(&'f self, id: usize, byte_index: usize) -> Result<Location, Error> {
        let file = self.file(id)?;
        let (line_number, column_number) = file.original.line_col(file.to_original(byte_index));
        Ok(Location {
            line_number,
            column_number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown_line(file: &SourceFile, span: Range<usize>) -> (String, Range<usize>, Location) {
        let mut shown = Shown::default();
        let (id, spans) = shown.add(file, std::slice::from_ref(&span));
        let line = shown.line_index(id, spans[0].start).unwrap();
        let range = shown.line_range(id, line).unwrap();
        let text = shown.source(id).unwrap()[range.clone()].to_string();
        let at = spans[0].start - range.start..spans[0].end - range.start;
        (text, at, shown.location(id, spans[0].start).unwrap())
    }

    #[test]
    fn what_a_terminal_would_obey_is_shown_as_question_marks_in_place() {
        let text = "a = \"\u{1b}[2J\u{1b}]0;pwned\u{7}\"\r\nb = \"x\u{202e}y\u{9b}z\"\rc\n";
        let file = SourceFile::new("a.md", text.to_string());
        let span = text.find('x').unwrap()..text.find('z').unwrap() + 1;
        let (line, at, loc) = shown_line(&file, span);
        assert_eq!(line, "b = \"x???y??z\"?c\n");
        assert_eq!(&line[at], "x???y??z", "the label keeps its place");
        assert_eq!((loc.line_number, loc.column_number), (2, 6));
        let (first, _, _) = shown_line(&file, 0..1);
        assert_eq!(first, "a = \"?[2J?]0;pwned?\"\r\n", "a CRLF stays");
        assert_eq!(printable("id \u{1b}[31m"), "id \\u001b[31m");
        assert_eq!(printable("plain, é"), "plain, é");
        assert_eq!(
            printable("a\u{1b}[31m\tb\n\u{202e}"),
            "a\\u001b[31m\tb\n\\u202e"
        );
        let json = serde_json::to_string("x\u{9b}\u{7f}\u{202e}").unwrap();
        let shown = printable(&json);
        let back: String = serde_json::from_str(&shown).unwrap();
        assert_eq!(back, "x\u{9b}\u{7f}\u{202e}", "JSON keeps its meaning");
    }

    #[test]
    fn short_lines_are_shown_whole_and_untouched() {
        let file = SourceFile::new("a.md", "one\ntwo three\nfour\n".to_string());
        let (line, at, loc) = shown_line(&file, 8..13);
        assert_eq!(line, "two three\n");
        assert_eq!(&line[at], "three");
        assert_eq!((loc.line_number, loc.column_number), (2, 5));
    }

    #[test]
    fn a_long_line_is_cut_around_its_label_and_keeps_its_real_column() {
        let long = format!("key = \"{}\" ; bad = 1", "x".repeat(1_000_000));
        let text = format!("first\n{long}\nlast\n");
        let bad = text.find("bad").unwrap();
        let file = SourceFile::new("a.md", text.clone());
        let (line, at, loc) = shown_line(&file, bad..bad + 3);
        assert!(line.len() < LONGEST_LINE, "{} bytes", line.len());
        assert!(line.starts_with(ELLIPSIS), "{line}");
        assert_eq!(&line[at], "bad");
        assert_eq!(loc.line_number, 2);
        assert_eq!(loc.column_number, long.find("bad").unwrap() + 1);
        // The lines around it are untouched.
        let mut shown = Shown::default();
        let (id, _) = shown.add(&file, std::slice::from_ref(&(bad..bad + 3)));
        let source = shown.source(id).unwrap();
        assert!(source.starts_with("first\n") && source.ends_with("\nlast\n"));
    }

    #[test]
    fn labels_far_apart_on_one_line_get_a_window_each() {
        let text = format!("[a](x.md) {} [b](y.md)\n", "é".repeat(300_000));
        let file = SourceFile::new("a.md", text.clone());
        let first = 0..9;
        let second = text.rfind("[b]").unwrap()..text.len() - 1;
        let mut shown = Shown::default();
        let (id, spans) = shown.add(&file, &[first, second.clone()]);
        let source = shown.source(id).unwrap();
        assert!(source.len() < 2 * (2 * CONTEXT + LONGEST_LABEL), "{source}");
        assert_eq!(&source[spans[0].clone()], "[a](x.md)");
        assert_eq!(&source[spans[1].clone()], "[b](y.md)");
        // Both windows reach an end of the line: one `…` between them.
        assert_eq!(source.matches(ELLIPSIS).count(), 1, "{source}");
        let loc = shown.location(id, spans[1].start).unwrap();
        // Columns count characters, not bytes.
        assert_eq!(loc.column_number, 10 + 300_000 + 2);
    }

    #[test]
    fn a_span_inside_a_replaced_byte_is_widened_to_the_character() {
        // `\xff\n` read lossily: U+FFFD is three bytes, the span was one.
        let file = SourceFile::new("a.md", "\u{FFFD}\nok\n".to_string());
        let (line, at, loc) = shown_line(&file, 0..1);
        assert_eq!(&line[at], "\u{FFFD}");
        assert_eq!((loc.line_number, loc.column_number), (1, 1));
        let long = format!("{}\u{FFFD}x\n", "a".repeat(1000));
        let file = SourceFile::new("b.md", long);
        let (line, at, _) = shown_line(&file, 1001..1002);
        assert_eq!(&line[at], "\u{FFFD}");
    }

    #[test]
    fn an_empty_span_at_the_end_of_a_long_line_is_shown() {
        let text = "x".repeat(10_000);
        let file = SourceFile::new("a.md", text.clone());
        let (line, at, loc) = shown_line(&file, text.len()..text.len());
        assert!(line.len() <= CONTEXT + ELLIPSIS.len(), "{line}");
        assert_eq!(at.start, line.len());
        assert_eq!(loc.column_number, 10_001);
    }
}
