//! Lexer for Go's text/template: text, `{{ }}` actions with trim markers,
//! comments, and the tokens inside actions.

pub use super::number::parse_number;

/// A token with the line it starts on; names borrow from the template text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    /// What was lexed.
    pub kind: Tok<'a>,
    /// 1-based line number.
    pub line: usize,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok<'a> {
    /// Plain text outside actions (already trimmed by trim markers).
    Text(&'a str),
    /// `{{`
    Left,
    /// `}}`
    Right,
    /// Whitespace inside an action (separates arguments).
    Space,
    /// `.Name` (name without the dot).
    Field(&'a str),
    /// `$name` (with the dollar).
    Var(&'a str),
    /// An identifier: a function name or keyword.
    Ident(&'a str),
    /// A string constant, unquoted (borrowed unless it has escapes).
    Str(std::borrow::Cow<'a, str>),
    /// A character constant.
    Char(char),
    /// A number constant, as written.
    Number(&'a str),
    /// `true` / `false`.
    Bool(bool),
    /// `nil`
    Nil,
    /// `.`
    Dot,
    /// `|`
    Pipe,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `=`
    Assign,
    /// `:=`
    Declare,
    /// `,`
    Comma,
    /// End of input.
    Eof,
}

/// A lexing error with its line.
#[derive(Debug, Clone)]
pub struct LexError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// ASCII bytes that continue an identifier (letters, digits, `_`).
const IDENT: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = (c as u8).is_ascii_alphanumeric() || c == b'_' as usize;
        c += 1;
    }
    t
};

/// End of the identifier (letters, digits, `_`) starting at `pos`.
fn ident_end(input: &str, mut pos: usize) -> usize {
    let b = input.as_bytes();
    loop {
        let rest = b.get(pos..).unwrap_or_default();
        let ascii = rest
            .iter()
            .position(|&c| !IDENT.get(usize::from(c)).copied().unwrap_or(false))
            .unwrap_or(rest.len());
        pos += ascii;
        match b.get(pos) {
            Some(c) if *c >= 0x80 => match input.get(pos..).and_then(|r| r.chars().next()) {
                Some(ch) if is_alnum(ch) => pos += ch.len_utf8(),
                _ => return pos,
            },
            _ => return pos,
        }
    }
}

/// Does `b[pos..]` start with `}}`?
fn at_close(b: &[u8], pos: usize) -> bool {
    b.get(pos..pos + 2) == Some(b"}}")
}

/// Position of the next `{{` at or after `from`. (A memchr for `{` per
/// candidate: `memmem::find` sets up a searcher on every call, which costs
/// more than the short texts between actions.)
fn find_open(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let i = at + memchr::memchr(b'{', b.get(at..)?)?;
        if b.get(i + 1) == Some(&b'{') {
            return Some(i);
        }
        at = i + 1;
    }
}

/// Newlines in `b` (mostly short: the text between two actions).
fn count_newlines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}

/// Lex a whole template.
pub fn lex(input: &str) -> Result<Vec<Token<'_>>, LexError> {
    let b = input.as_bytes();
    // About one token per eight bytes of a typical chart template.
    let mut toks = Vec::with_capacity(input.len() / 8 + 4);
    let mut pos = 0;
    let mut line = 1;
    let mut trim_next = false;
    while pos < b.len() {
        let start = pos;
        let trim_now = std::mem::take(&mut trim_next);
        let next = find_open(b, pos);
        let end = next.unwrap_or(b.len());
        let mut text = &input[start..end];
        if trim_now {
            text = text.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        let Some(open) = next else {
            if !text.is_empty() {
                toks.push(Token {
                    kind: Tok::Text(text),
                    line,
                });
            }
            break;
        };
        let after = open + 2;
        let left_trim = b.len() >= after + 2 && b[after] == b'-' && is_space(b[after + 1]);
        if left_trim {
            text = text.trim_end_matches([' ', '\t', '\r', '\n']);
        }
        if !text.is_empty() {
            toks.push(Token {
                kind: Tok::Text(text),
                line,
            });
        }
        line += count_newlines(&b[start..open]);
        pos = if left_trim { after + 2 } else { after };
        // Comment?
        let mut p = pos;
        while p < b.len() && is_space(b[p]) && left_trim {
            p += 1;
        }
        if input[p..].starts_with("/*") {
            let Some(close) = input[p + 2..].find("*/").map(|i| p + 2 + i + 2) else {
                return Err(LexError {
                    line,
                    msg: "unclosed comment".into(),
                });
            };
            line += count_newlines(&b[pos..close]);
            let mut q = close;
            let rt = b.len() >= q + 4
                && is_space(b[q])
                && b[q + 1] == b'-'
                && input[q + 2..].starts_with("}}");
            if rt {
                q += 2;
            }
            if !input[q..].starts_with("}}") {
                return Err(LexError {
                    line,
                    msg: "comment ends before closing delimiter".into(),
                });
            }
            pos = q + 2;
            trim_next = rt;
            continue;
        }
        toks.push(Token {
            kind: Tok::Left,
            line,
        });
        let (np, nl, rt) = lex_action(input, pos, line, &mut toks)?;
        pos = np;
        line = nl;
        trim_next = rt;
    }
    toks.push(Token {
        kind: Tok::Eof,
        line,
    });
    Ok(toks)
}

/// Lex inside an action until `}}`; returns (position after, line, right-trim).
fn lex_action<'a>(
    input: &'a str,
    mut pos: usize,
    mut line: usize,
    toks: &mut Vec<Token<'a>>,
) -> Result<(usize, usize, bool), LexError> {
    let b = input.as_bytes();
    let mut parens = 0i32;
    loop {
        if at_close(b, pos) {
            toks.push(Token {
                kind: Tok::Right,
                line,
            });
            return Ok((pos + 2, line, false));
        }
        if pos + 4 <= b.len() && is_space(b[pos]) && b[pos + 1] == b'-' && at_close(b, pos + 2) {
            line += usize::from(b[pos] == b'\n');
            toks.push(Token {
                kind: Tok::Right,
                line,
            });
            return Ok((pos + 4, line, true));
        }
        let c = match b.get(pos) {
            Some(&c) if c < 0x80 => Some(c as char),
            _ => input.get(pos..).and_then(|r| r.chars().next()),
        };
        let Some(c) = c else {
            return Err(LexError {
                line,
                msg: "unclosed action".into(),
            });
        };
        let tline = line;
        let mut push = |kind: Tok<'a>| toks.push(Token { kind, line: tline });
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                let s = pos;
                while pos < b.len() && is_space(b[pos]) {
                    if pos + 4 <= b.len() && b[pos + 1] == b'-' && at_close(b, pos + 2) {
                        break;
                    }
                    pos += 1;
                }
                if pos == s {
                    // the space is the start of a right trim marker
                    continue;
                }
                line += count_newlines(&b[s..pos]);
                push(Tok::Space);
            }
            '=' => {
                push(Tok::Assign);
                pos += 1;
            }
            ':' => {
                if input[pos..].starts_with(":=") {
                    push(Tok::Declare);
                    pos += 2;
                } else {
                    return Err(LexError {
                        line,
                        msg: "expected :=".into(),
                    });
                }
            }
            '|' => {
                push(Tok::Pipe);
                pos += 1;
            }
            ',' => {
                push(Tok::Comma);
                pos += 1;
            }
            '(' => {
                parens += 1;
                push(Tok::LParen);
                pos += 1;
            }
            ')' => {
                parens -= 1;
                if parens < 0 {
                    return Err(LexError {
                        line,
                        msg: "unexpected right paren".into(),
                    });
                }
                push(Tok::RParen);
                pos += 1;
            }
            '"' => {
                let (s, np) = lex_quote(input, pos, line)?;
                push(Tok::Str(s));
                pos = np;
            }
            '`' => {
                let Some(end) = input[pos + 1..].find('`') else {
                    return Err(LexError {
                        line,
                        msg: "unterminated raw quoted string".into(),
                    });
                };
                let s = &input[pos + 1..pos + 1 + end];
                push(Tok::Str(std::borrow::Cow::Borrowed(s)));
                line += count_newlines(s.as_bytes());
                pos = pos + end + 2;
            }
            '\'' => {
                let (ch, np) = lex_char(input, pos, line)?;
                push(Tok::Char(ch));
                pos = np;
            }
            '$' => {
                let s = pos;
                pos = ident_end(input, pos + 1);
                push(Tok::Var(&input[s..pos]));
            }
            '.' => {
                let nc = input[pos + 1..].chars().next();
                match nc {
                    Some(d) if d.is_ascii_digit() => {
                        let np = lex_number(input, pos);
                        push(Tok::Number(&input[pos..np]));
                        pos = np;
                    }
                    Some(a) if is_alnum(a) => {
                        let s = pos + 1;
                        pos = ident_end(input, s);
                        push(Tok::Field(&input[s..pos]));
                    }
                    _ => {
                        push(Tok::Dot);
                        pos += 1;
                    }
                }
            }
            '+' | '-' | '0'..='9' => {
                let np = lex_number(input, pos);
                if np == pos || (np == pos + 1 && !c.is_ascii_digit()) {
                    return Err(LexError {
                        line,
                        msg: format!("bad character {c:?}"),
                    });
                }
                push(Tok::Number(&input[pos..np]));
                pos = np;
            }
            c if is_alnum(c) => {
                let s = pos;
                pos = ident_end(input, pos);
                let word = &input[s..pos];
                push(match word {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "nil" => Tok::Nil,
                    w => Tok::Ident(w),
                });
            }
            c => {
                return Err(LexError {
                    line,
                    msg: format!("unexpected {c:?} in command"),
                });
            }
        }
    }
}

fn lex_number(input: &str, start: usize) -> usize {
    let b = input.as_bytes();
    let mut pos = start;
    if pos < b.len() && (b[pos] == b'+' || b[pos] == b'-') {
        pos += 1;
    }
    let mut digits = "0123456789_";
    if b.len() > pos + 1 && b[pos] == b'0' {
        match b[pos + 1] {
            b'x' | b'X' => {
                pos += 2;
                digits = "0123456789abcdefABCDEF_";
            }
            b'o' | b'O' => {
                pos += 2;
                digits = "01234567_";
            }
            b'b' | b'B' => {
                pos += 2;
                digits = "01_";
            }
            _ => {}
        }
    }
    while pos < b.len() && digits.as_bytes().contains(&b[pos]) {
        pos += 1;
    }
    if pos < b.len() && b[pos] == b'.' {
        pos += 1;
        while pos < b.len() && digits.as_bytes().contains(&b[pos]) {
            pos += 1;
        }
    }
    if digits.len() == 11 && pos < b.len() && (b[pos] == b'e' || b[pos] == b'E') {
        pos += 1;
        if pos < b.len() && (b[pos] == b'+' || b[pos] == b'-') {
            pos += 1;
        }
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
    }
    pos
}

fn lex_quote(
    input: &str,
    start: usize,
    line: usize,
) -> Result<(std::borrow::Cow<'_, str>, usize), LexError> {
    let body = input.get(start + 1..).unwrap_or_default();
    if let Some(end) = memchr::memchr3(b'"', b'\\', b'\n', body.as_bytes())
        && body.as_bytes()[end] == b'"'
    {
        return Ok((
            std::borrow::Cow::Borrowed(&body[..end]),
            start + 1 + end + 1,
        ));
    }
    let mut out = String::new();
    let mut it = input[start + 1..].char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => return Ok((out.into(), start + 1 + i + 1)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = it.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = 0u32;
                        for _ in 0..n {
                            let d = it.next().and_then(|(_, h)| h.to_digit(16));
                            let Some(d) = d else {
                                return Err(LexError {
                                    line,
                                    msg: "invalid escape in string".into(),
                                });
                            };
                            code = code * 16 + d;
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    '0'..='7' => {
                        let mut code = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            let d = it.next().and_then(|(_, h)| h.to_digit(8));
                            code = code * 8 + d.unwrap_or(0);
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    _ => {
                        return Err(LexError {
                            line,
                            msg: "invalid escape in string".into(),
                        });
                    }
                }
            }
            c => out.push(c),
        }
    }
    Err(LexError {
        line,
        msg: "unterminated quoted string".into(),
    })
}

fn lex_char(input: &str, start: usize, line: usize) -> Result<(char, usize), LexError> {
    let rest = &input[start + 1..];
    let end = rest.find('\'').ok_or(LexError {
        line,
        msg: "unterminated character constant".into(),
    })?;
    let body = &rest[..end];
    let c = if let Some(esc) = body.strip_prefix('\\') {
        match esc {
            "n" => '\n',
            "t" => '\t',
            "r" => '\r',
            "\\" => '\\',
            "'" => '\'',
            "0" => '\0',
            _ => {
                return Err(LexError {
                    line,
                    msg: "bad character constant".into(),
                });
            }
        }
    } else {
        let mut cs = body.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) => c,
            _ => {
                return Err(LexError {
                    line,
                    msg: "bad character constant".into(),
                });
            }
        }
    };
    Ok((c, start + 1 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok<'_>> {
        lex(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn trims_and_tokens() {
        assert_eq!(
            kinds("a  {{- .X | f 1 -}}  b"),
            vec![
                Tok::Text("a"),
                Tok::Left,
                Tok::Field("X"),
                Tok::Space,
                Tok::Pipe,
                Tok::Space,
                Tok::Ident("f"),
                Tok::Space,
                Tok::Number("1"),
                Tok::Right,
                Tok::Text("b"),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn comments_and_lines() {
        let t = lex("x\n{{/* c\n */}}\n{{- $a := \"q\\n\" }}").unwrap();
        assert_eq!(t[0].kind, Tok::Text("x\n"));
        assert_eq!(t[1].kind, Tok::Left);
        assert_eq!(t[1].line, 4);
        assert!(t.iter().any(|t| t.kind == Tok::Str("q\n".into())));
        assert!(lex("{{ \"abc }}").is_err());
        assert!(lex("{{ .a ").is_err());
    }
}
