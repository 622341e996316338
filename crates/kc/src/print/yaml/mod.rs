//! `-o yaml` as kubectl prints it. kubectl turns an object into JSON and the JSON into YAML
//! with go-yaml v2 (sigs.k8s.io/yaml), so its output has go-yaml's shape: block mappings with
//! keys in go-yaml's order, sequences in a mapping not indented past their key, `{}` and `[]`
//! for empty collections, strings quoted only when they would read back as another type
//! (double quotes) or cannot be written plain (single quotes), multi-line strings as literal
//! blocks, and long lines folded after column 80. This module writes exactly that for a JSON
//! value, so `kc get -o yaml` and `kubectl get -o yaml` print the same bytes.

mod resolve;
mod scalar;

use serde_json::{Map, Value};

use scalar::{Style, number_text};

/// Lines are folded at spaces once they pass this column (go-yaml's default width).
const BEST_WIDTH: usize = 80;
/// Spaces per nesting level.
const INDENT: usize = 2;

/// The YAML document kubectl prints for `value`, ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut emitter = Emitter::default();
    emitter.node(value, None, Context::Root);
    // The end of the document ends its last line.
    emitter.write_indent(0);
    emitter.out
}

/// Where a node sits, which decides how it is laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    SequenceItem,
    MappingValue,
    /// A key written inline before `:` (go-yaml's "simple key").
    SimpleKey,
    /// A key too long or multi-line for that, written after `? `.
    ComplexKey,
}

/// The writer's state, as go-yaml's emitter keeps it: the text so far, the column the next
/// character lands in, and whether the line so far holds only indentation (`indention`) or
/// ends in whitespace (`whitespace`).
struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
        }
    }
}

impl Emitter {
    /// Writes `value`; `parent` is the indentation of the collection holding it (`None` at
    /// the root).
    fn node(&mut self, value: &Value, parent: Option<usize>, context: Context) {
        match value {
            Value::Object(map) if !map.is_empty() => self.mapping(map, parent),
            Value::Array(items) if !items.is_empty() => self.sequence(items, parent, context),
            Value::Object(_) => self.empty_collection("{}"),
            Value::Array(_) => self.empty_collection("[]"),
            Value::String(s) => self.string(s, parent, context),
            Value::Null => self.scalar("null", Style::Plain, parent, context),
            Value::Bool(b) => self.scalar(&b.to_string(), Style::Plain, parent, context),
            Value::Number(n) => self.scalar(&number_text(n), Style::Plain, parent, context),
        }
    }

    fn mapping(&mut self, map: &Map<String, Value>, parent: Option<usize>) {
        let indent = parent.map_or(0, |p| p + INDENT);
        let entries: Vec<(&String, &Value)> = map.iter().collect();
        for (key, value) in sorted_keys(entries) {
            self.write_indent(indent);
            if scalar::is_simple_key(key) {
                self.string(key, Some(indent), Context::SimpleKey);
                self.indicator(":", false, false, false);
            } else {
                self.indicator("?", true, false, true);
                self.string(key, Some(indent), Context::ComplexKey);
                self.write_indent(indent);
                self.indicator(":", true, false, true);
            }
            self.node(value, Some(indent), Context::MappingValue);
        }
    }

    fn sequence(&mut self, items: &[Value], parent: Option<usize>, context: Context) {
        // A sequence that is a mapping's value starts its items in the key's column.
        let indentless = context == Context::MappingValue && !self.indention;
        let indent = match parent {
            None => 0,
            Some(p) if indentless => p,
            Some(p) => p + INDENT,
        };
        for item in items {
            self.write_indent(indent);
            self.indicator("-", true, false, true);
            self.node(item, Some(indent), Context::SequenceItem);
        }
    }

    fn empty_collection(&mut self, text: &str) {
        self.indicator(&text[..1], true, true, false);
        self.indicator(&text[1..], false, false, false);
    }

    fn string(&mut self, s: &str, parent: Option<usize>, context: Context) {
        let style = scalar::style_for(s, context == Context::SimpleKey);
        self.scalar(s, style, parent, context);
    }

    /// A scalar in `style`; folded lines continue one level deeper than its collection.
    fn scalar(&mut self, s: &str, style: Style, parent: Option<usize>, context: Context) {
        let indent = parent.map_or(INDENT, |p| p + INDENT);
        let allow_breaks = context != Context::SimpleKey;
        match style {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::SingleQuoted => self.single_quoted(s, indent, allow_breaks),
            Style::DoubleQuoted => self.double_quoted(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// A line break character of the text itself: `\n` is written as the line break, any
    /// other (`\r`, U+0085, U+2028, U+2029) as is.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    /// Moves to `indent` on a fresh line, unless the line holds only indentation up to there.
    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// Punctuation: `-`, `:`, `?`, quotes, `|`, brackets.
    fn indicator(
        &mut self,
        text: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }
}

/// Entries in go-yaml's key order, by a merge sort: the order is go-yaml's comparison, which
/// is not a total order for every key set, and a merge sort needs none to finish.
fn sorted_keys<'a>(mut entries: Vec<(&'a String, &'a Value)>) -> Vec<(&'a String, &'a Value)> {
    if entries.len() < 2 {
        return entries;
    }
    let right = entries.split_off(entries.len() / 2);
    let (left, right) = (sorted_keys(entries), sorted_keys(right));
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        let next = if key_less(r.0, l.0) {
            right.next()
        } else {
            left.next()
        };
        merged.extend(next);
    }
    merged.extend(left);
    merged.extend(right);
    merged
}

/// go-yaml v2's key order: runs of digits compare by value (`k9` before `k10`), letters by
/// code point, and anything else sorts before a letter (`_` before `A`).
fn key_less(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            continue;
        }
        let (a_letter, b_letter) = (a[i].is_alphabetic(), b[i].is_alphabetic());
        if a_letter && b_letter {
            return a[i] < b[i];
        }
        if a_letter || b_letter {
            return b_letter;
        }
        // Both are non-letters: compare the numbers starting here (go-yaml counts a number
        // that starts with a zero from one when a non-zero digit came just before).
        let mut a_number: i64 = 0;
        let mut b_number: i64 = 0;
        if a[i] == '0' || b[i] == '0' {
            let nonzero_before = a[..i]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .any(|&c| c != '0');
            if nonzero_before {
                a_number = 1;
                b_number = 1;
            }
        }
        let a_end = digits_from(&a, i, &mut a_number);
        let b_end = digits_from(&b, i, &mut b_number);
        if a_number != b_number {
            return a_number < b_number;
        }
        if a_end != b_end {
            return a_end < b_end;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

/// Accumulates the digits starting at `start` into `number` (wrapping, as Go's int64 does)
/// and returns where they end.
fn digits_from(s: &[char], start: usize, number: &mut i64) -> usize {
    let mut end = start;
    while let Some(d) = s.get(end).and_then(|c| c.to_digit(10)) {
        *number = number.wrapping_mul(10).wrapping_add(i64::from(d));
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests;
