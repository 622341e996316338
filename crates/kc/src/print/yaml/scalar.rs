//! Scalars as go-yaml v2 writes them: which style a string gets, how numbers read, and how
//! each style is written (escapes, folding of long lines, block indicators).

use serde_json::Number;

use super::resolve::plain_reads_as_string;
use super::{BEST_WIDTH, Emitter, INDENT};

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// What a string's characters allow, from go-yaml's scalar analysis.
struct Analysis {
    multiline: bool,
    plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// A key go-yaml writes inline (`key: value`): one line of at most 128 bytes.
pub(super) fn is_simple_key(key: &str) -> bool {
    !analyze(key).multiline && key.len() <= 128
}

/// The style go-yaml gives string `s`: a literal block if it has a newline, plain if it reads
/// back as itself, double-quoted if not; then whatever its characters allow.
pub(super) fn style_for(s: &str, simple_key: bool) -> Style {
    let analysis = analyze(s);
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if plain_reads_as_string(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    };
    if simple_key && analysis.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && !analysis.plain_allowed {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !analysis.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!analysis.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

/// Characters YAML may hold unescaped (go-yaml's `is_printable`).
fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut indicators = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == chars.len();
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| is_blank(n));
        indicators |= match c {
            '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
            | '@' | '`'
                if first =>
            {
                true
            }
            '?' | ':' | '-' if first => followed_by_whitespace,
            ':' => followed_by_whitespace,
            '#' => preceded_by_whitespace,
            _ => false,
        };
        special |= !printable(c);
        if c == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            (previous_space, previous_break) = (true, false);
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            (previous_space, previous_break) = (false, true);
        } else {
            (previous_space, previous_break) = (false, false);
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
    }
    let edges = leading_space || leading_break || trailing_space || trailing_break;
    Analysis {
        multiline: line_breaks,
        plain_allowed: !(edges
            || break_space
            || space_break
            || special
            || line_breaks
            || indicators),
        single_quoted_allowed: !(break_space || space_break || special),
        block_allowed: !(trailing_space || space_break || special),
    }
}

/// A JSON number as kubectl's YAML shows it. kubectl reads a number that is not an int64 as
/// a float, writes it the way Go's JSON encoder does, and go-yaml reads that back: integral
/// values under 1e21 come out as integers (as long as they fit in 64 bits), other floats in
/// Go's shortest `%g` form (`1.5`, `1e-06`, `1e+21`).
pub(super) fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // In range for i128, and exact: an integral f64 below 1e21 has no fraction to lose.
        let whole = f as i128;
        if let Ok(i) = i64::try_from(whole) {
            return i.to_string();
        }
        if let Ok(u) = u64::try_from(whole) {
            return u.to_string();
        }
    }
    go_shortest_g(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest digits that read back as `f`, in
/// exponent form when the exponent is below -4 or at least 6.
fn go_shortest_g(f: f64) -> String {
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: Vec<char> = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if !(-4..6).contains(&exponent) {
        let rest: String = digits[1..].iter().collect();
        let point = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{}{point}{rest}e{exp_sign}{:02}",
            digits[0],
            exponent.abs()
        );
    }
    // Plain decimal: the digits with the point `exponent + 1` places in.
    let point = exponent + 1;
    let digit = |i: i32| {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .copied()
            .unwrap_or('0')
    };
    let whole: String = if point > 0 {
        (0..point).map(digit).collect()
    } else {
        "0".to_owned()
    };
    let decimals = i32::try_from(digits.len()).unwrap_or(i32::MAX) - point;
    if decimals <= 0 {
        return format!("{sign}{whole}");
    }
    let fraction: String = (point..point + decimals).map(digit).collect();
    format!("{sign}{whole}.{fraction}")
}

impl Emitter {
    /// A plain scalar; a space past column 80 becomes a line break (folding).
    pub(super) fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    /// A single-quoted scalar: `'` doubled, folded like a plain one.
    pub(super) fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i > 0 && i + 1 < chars.len();
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner && !next_is_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                // A line break in a quoted scalar is written twice: one folds away on reading.
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.text_break(c);
                breaks = true;
            } else {
                self.text_char(c, breaks, indent);
                if c == '\'' {
                    self.put('\'');
                }
                spaces = false;
                breaks = false;
            }
        }
        self.indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// A double-quoted scalar: unprintable characters, breaks, `"` and `\` escaped; folded at
    /// spaces past column 80, with `\` keeping a space that starts the next line.
    pub(super) fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        // A leading byte-order mark makes go-yaml escape every character.
        let escape_all = s.starts_with('\u{FEFF}');
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if escape_all || !printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.escape(c);
                spaces = false;
            } else if c == ' ' {
                let inner = i > 0 && i + 1 < chars.len();
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn escape(&mut self, c: char) {
        self.put('\\');
        let short = match c {
            '\0' => Some('0'),
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{b}' => Some('v'),
            '\u{c}' => Some('f'),
            '\r' => Some('r'),
            '\u{1b}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{A0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(short) = short {
            self.put(short);
            return;
        }
        let code = u32::from(c);
        let (prefix, width) = match code {
            0..=0xFF => ('x', 2),
            0x100..=0xFFFF => ('u', 4),
            _ => ('U', 8),
        };
        self.put(prefix);
        for c in format!("{code:0width$X}").chars() {
            self.put(c);
        }
    }

    /// A literal block (`|`): an indentation digit when the text starts with a space or a
    /// break, `-` when it has no final line break, `+` when it has more than one.
    pub(super) fn literal(&mut self, s: &str, indent: usize) {
        self.indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.indicator(&INDENT.to_string(), false, false, false);
        }
        let chomp = match chars.as_slice() {
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.text_break(c);
                breaks = true;
            } else {
                self.text_char(c, breaks, indent);
                breaks = false;
            }
        }
    }

    /// A line break of the text itself: what follows starts a new line.
    fn text_break(&mut self, c: char) {
        self.write_break(c);
        self.indention = true;
    }

    /// A character of the text, after the indentation of its line if a break came before.
    fn text_char(&mut self, c: char, after_break: bool, indent: usize) {
        if after_break {
            self.write_indent(indent);
        }
        self.put(c);
        self.indention = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_go_prints_them() {
        let text = |f: f64| number_text(&Number::from_f64(f).expect("finite"));
        assert_eq!(text(1.0), "1");
        assert_eq!(text(-0.0), "0");
        assert_eq!(text(1.5), "1.5");
        assert_eq!(text(1e6), "1000000");
        assert_eq!(text(1e20), "1e+20");
        assert_eq!(text(1e21), "1e+21");
        assert_eq!(text(0.0001), "0.0001");
        assert_eq!(text(0.000_01), "1e-05");
        assert_eq!(text(1_234_567.5), "1.2345675e+06");
        assert_eq!(text(-123_456.25), "-123456.25");
        assert_eq!(text(1e300), "1e+300");
        assert_eq!(number_text(&Number::from(i64::MIN)), "-9223372036854775808");
        assert_eq!(
            number_text(&Number::from(u64::MAX)),
            "1.8446744073709552e+19"
        );
        assert_eq!(
            number_text(&Number::from(1u64 << 63)),
            "9223372036854775808"
        );
    }

    #[test]
    fn styles() {
        assert_eq!(style_for("blue", false), Style::Plain);
        assert_eq!(style_for("", false), Style::DoubleQuoted);
        assert_eq!(style_for("8080", false), Style::DoubleQuoted);
        assert_eq!(style_for("a: b", false), Style::SingleQuoted);
        assert_eq!(style_for("- x", false), Style::SingleQuoted);
        assert_eq!(style_for(" lead", false), Style::SingleQuoted);
        assert_eq!(style_for("a\tb", false), Style::DoubleQuoted);
        assert_eq!(style_for("a\nb", false), Style::Literal);
        assert_eq!(style_for("a \nb", false), Style::DoubleQuoted);
        assert_eq!(style_for("a\nb", true), Style::DoubleQuoted);
        assert_eq!(style_for("say \"hi\"", false), Style::Plain);
        assert_eq!(style_for("it's", false), Style::Plain);
        assert_eq!(style_for("a #b", false), Style::SingleQuoted);
        assert_eq!(style_for("a#b", false), Style::Plain);
        assert_eq!(style_for("😀", false), Style::DoubleQuoted);
    }
}
