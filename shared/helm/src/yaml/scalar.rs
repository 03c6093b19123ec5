//! go-yaml v2's scalar emission: style analysis (`yaml_emitter_analyze_scalar`),
//! style selection, and the plain / single / double-quoted / literal writers
//! with their line folding at 80 columns. Byte equality matters: charts hash
//! `toYaml` output into checksum annotations.

/// go-yaml's preferred line width.
const BEST_WIDTH: usize = 80;

/// The emitter's output with go-yaml's cursor state.
pub struct Writer {
    /// Output text.
    pub out: String,
    /// Current column (characters).
    pub column: usize,
    /// Did the last write end with whitespace?
    pub whitespace: bool,
    /// Is the cursor in indentation?
    pub indention: bool,
    /// Column after which long scalars fold (go-yaml v2: 80; yaml.v3's
    /// encoder as Helm's `toYamlPretty` uses it: never).
    pub width: usize,
}

impl Writer {
    /// A writer at the start of a document.
    pub fn new() -> Self {
        Writer {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            width: BEST_WIDTH,
        }
    }

    /// Write one character.
    pub fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// Write a line break.
    pub fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// `yaml_emitter_write_indent`.
    pub fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// `yaml_emitter_write_indicator`.
    pub fn write_indicator(
        &mut self,
        ind: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single_quoted: true,
            block: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut block_ind, mut line_breaks, mut special) = (false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut prev_space, mut prev_break) =
        (false, false, false, false);
    if s.starts_with("---") || s.starts_with("...") {
        block_ind = true;
    }
    let mut preceded_ws = true;
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let followed_ws = i + 1 >= n || is_blank(chars[i + 1]) || is_break(chars[i + 1]);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_ind = true,
                '?' | ':' | '-' if followed_ws => block_ind = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_ws => block_ind = true,
                '#' if preceded_ws => block_ind = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i + 1 == n;
            break_space |= prev_break;
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i + 1 == n;
            space_break |= prev_space;
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = is_blank(c) || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain: true,
        single_quoted: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single_quoted = false;
        a.block = false;
    }
    if line_breaks || block_ind {
        a.block_plain = false;
    }
    a
}

/// Would go-yaml v2 resolve this plain text to something other than a string?
pub fn resolves_non_string(s: &str) -> bool {
    if matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | "<<"
    ) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return false;
    }
    let plain = s.replace('_', "");
    if crate::funcs::parse_go_int(&plain).is_some() {
        return true;
    }
    use super::plain_forms::{is_base60, is_float, is_timestamp};
    is_float(&plain) || is_base60(s) || is_timestamp(s)
}

#[derive(PartialEq, Clone, Copy)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// Write a string scalar the way go-yaml's encoder would (`key`: simple key context).
pub fn write_string(w: &mut Writer, s: &str, indent: usize, key: bool) {
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if !resolves_non_string(s) {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s);
    if key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain || (s.is_empty() && key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block || key) {
        style = Style::Double;
    }
    match style {
        Style::Plain => write_plain(w, s, indent, !key),
        Style::Single => write_single(w, s, indent, !key),
        Style::Double => write_double(w, s, indent, !key),
        Style::Literal => write_literal(w, s, indent),
    }
}

/// Write a plain token (numbers, booleans, null, `{}`, `[]`).
pub fn write_plain_token(w: &mut Writer, s: &str) {
    write_plain(w, s, 0, false);
}

fn write_plain(w: &mut Writer, s: &str, indent: usize, allow_breaks: bool) {
    if !w.whitespace {
        w.put(' ');
    }
    let chars: Vec<char> = s.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if allow_breaks && !spaces && w.column > w.width && chars.get(i + 1) != Some(&' ') {
                w.write_indent(indent);
            } else {
                w.put(c);
            }
            spaces = true;
        } else {
            w.put(c);
            spaces = false;
        }
    }
    w.whitespace = false;
    w.indention = false;
}

fn write_single(w: &mut Writer, s: &str, indent: usize, allow_breaks: bool) {
    w.write_indicator("'", true, false, false);
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if allow_breaks
                && !spaces
                && w.column > w.width
                && i > 0
                && i + 1 < n
                && chars[i + 1] != ' '
            {
                w.write_indent(indent);
            } else {
                w.put(c);
            }
            spaces = true;
        } else {
            if c == '\'' {
                w.put('\'');
            }
            w.put(c);
            w.indention = false;
            spaces = false;
        }
    }
    w.write_indicator("'", false, false, false);
}

fn write_double(w: &mut Writer, s: &str, indent: usize, allow_breaks: bool) {
    w.write_indicator("\"", true, false, false);
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
            w.put('\\');
            let esc = match c {
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
                '\u{a0}' => Some('_'),
                '\u{2028}' => Some('L'),
                '\u{2029}' => Some('P'),
                _ => None,
            };
            match esc {
                Some(e) => w.put(e),
                None => {
                    let u = c as u32;
                    let (p, width) = if u <= 0xFF {
                        ('x', 2)
                    } else if u <= 0xFFFF {
                        ('u', 4)
                    } else {
                        ('U', 8)
                    };
                    w.put(p);
                    for ch in format!("{u:0width$X}").chars() {
                        w.put(ch);
                    }
                }
            }
            spaces = false;
        } else if c == ' ' {
            if allow_breaks && !spaces && w.column > w.width && i > 0 && i + 1 < n {
                w.write_indent(indent);
                if chars[i + 1] == ' ' {
                    w.put('\\');
                }
            } else {
                w.put(c);
            }
            spaces = true;
        } else {
            w.put(c);
            spaces = false;
        }
    }
    w.write_indicator("\"", false, false, false);
}

fn write_literal(w: &mut Writer, s: &str, indent: usize) {
    w.write_indicator("|", true, false, false);
    let chars: Vec<char> = s.chars().collect();
    if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
        w.write_indicator("2", false, false, false);
    }
    let n = chars.len();
    let chomp = if n == 0 || !is_break(chars[n - 1]) {
        Some('-')
    } else if n == 1 || is_break(chars[n - 2]) {
        Some('+')
    } else {
        None
    };
    if let Some(c) = chomp {
        w.write_indicator(&c.to_string(), false, false, false);
    }
    w.put_break();
    w.indention = true;
    w.whitespace = true;
    let mut breaks = true;
    for &c in &chars {
        if is_break(c) {
            w.put_break();
            w.indention = true;
            breaks = true;
        } else {
            if breaks {
                w.write_indent(indent);
            }
            w.put(c);
            w.indention = false;
            breaks = false;
        }
    }
}
