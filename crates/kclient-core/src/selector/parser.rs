//! Lexer and recursive-descent parser for label selectors, following apimachinery's
//! `labels` package token for token (including its acceptance of empty values such as
//! `a=` and `a in ()`), but reporting byte positions and never panicking.

use super::label::Requirement;
use super::{Operator, SelectorError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Ident,
    In,
    NotIn,
    Bang,
    Equals,
    DoubleEquals,
    NotEquals,
    Greater,
    Less,
    OpenPar,
    ClosePar,
    Comma,
    End,
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    tok: Tok,
    lit: &'a str,
    pos: usize,
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn lex(input: &str) -> Vec<Token<'_>> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_whitespace(b) {
            i += 1;
            continue;
        }
        let start = i;
        let tok = if is_special(b) {
            // Longest match: the only two-byte symbols are `!=` and `==`.
            let next = bytes.get(i + 1).copied();
            let (tok, len) = match (b, next) {
                (b'!', Some(b'=')) => (Tok::NotEquals, 2),
                (b'=', Some(b'=')) => (Tok::DoubleEquals, 2),
                (b'!', _) => (Tok::Bang, 1),
                (b'=', _) => (Tok::Equals, 1),
                (b'(', _) => (Tok::OpenPar, 1),
                (b')', _) => (Tok::ClosePar, 1),
                (b',', _) => (Tok::Comma, 1),
                (b'>', _) => (Tok::Greater, 1),
                _ => (Tok::Less, 1),
            };
            i += len;
            tok
        } else {
            // Whitespace and specials are ASCII, so stopping at them keeps UTF-8 boundaries.
            while i < bytes.len() && !is_whitespace(bytes[i]) && !is_special(bytes[i]) {
                i += 1;
            }
            match &input[start..i] {
                "in" => Tok::In,
                "notin" => Tok::NotIn,
                _ => Tok::Ident,
            }
        };
        tokens.push(Token {
            tok,
            lit: &input[start..i],
            pos: start,
        });
    }
    tokens.push(Token {
        tok: Tok::End,
        lit: "",
        pos: input.len(),
    });
    tokens
}

/// Where a token is read: in value position the keywords `in`/`notin` are plain identifiers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    KeyAndOperator,
    Values,
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn lookahead(&self, ctx: Ctx) -> Token<'a> {
        // `lex` always ends with `End` and `consume` never moves past it.
        let mut t = self.tokens[self.at.min(self.tokens.len() - 1)];
        if ctx == Ctx::Values && matches!(t.tok, Tok::In | Tok::NotIn) {
            t.tok = Tok::Ident;
        }
        t
    }

    fn consume(&mut self, ctx: Ctx) -> Token<'a> {
        let t = self.lookahead(ctx);
        if t.tok != Tok::End {
            self.at += 1;
        }
        t
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, SelectorError> {
        let mut requirements = Vec::new();
        loop {
            let t = self.lookahead(Ctx::Values);
            match t.tok {
                Tok::Ident | Tok::Bang => {
                    requirements.push(self.parse_requirement()?);
                    let t = self.consume(Ctx::Values);
                    match t.tok {
                        Tok::End => return Ok(requirements),
                        Tok::Comma => {
                            let t2 = self.lookahead(Ctx::Values);
                            if !matches!(t2.tok, Tok::Ident | Tok::Bang) {
                                return Err(syntax(t2, "identifier after ','"));
                            }
                        }
                        _ => return Err(syntax(t, "',' or 'end of string'")),
                    }
                }
                Tok::End => return Ok(requirements),
                _ => return Err(syntax(t, "!, identifier, or 'end of string'")),
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, SelectorError> {
        let mut t = self.consume(Ctx::Values);
        let negated = t.tok == Tok::Bang;
        if negated {
            t = self.consume(Ctx::Values);
        }
        if t.tok != Tok::Ident {
            return Err(syntax(t, "identifier"));
        }
        let key = t.lit.to_owned();
        let key_pos = Some(t.pos);
        let next = self.lookahead(Ctx::Values);
        if negated || matches!(next.tok, Tok::End | Tok::Comma) {
            // `!key` must be followed by `,` or the end; the caller reports anything else.
            let op = if negated {
                Operator::DoesNotExist
            } else {
                Operator::Exists
            };
            return Requirement::validated(key, op, Vec::new(), key_pos, &[]);
        }
        let op_token = self.consume(Ctx::KeyAndOperator);
        let operator = match op_token.tok {
            Tok::In => Operator::In,
            Tok::NotIn => Operator::NotIn,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::NotEquals => Operator::NotEquals,
            Tok::Greater => Operator::GreaterThan,
            Tok::Less => Operator::LessThan,
            _ => return Err(syntax(op_token, "in, notin, =, ==, !=, >, <")),
        };
        let values = if matches!(operator, Operator::In | Operator::NotIn) {
            self.parse_values()?
        } else {
            vec![self.parse_exact_value()?]
        };
        let positions: Vec<usize> = values.iter().map(|(_, p)| *p).collect();
        let values: Vec<String> = values.into_iter().map(|(v, _)| v).collect();
        Requirement::validated(key, operator, values, key_pos, &positions)
    }

    fn parse_values(&mut self) -> Result<Vec<(String, usize)>, SelectorError> {
        let t = self.consume(Ctx::Values);
        if t.tok != Tok::OpenPar {
            return Err(syntax(t, "'('"));
        }
        let t = self.lookahead(Ctx::Values);
        match t.tok {
            Tok::Ident | Tok::Comma => {
                let values = self.parse_identifier_list()?;
                let close = self.consume(Ctx::Values);
                if close.tok != Tok::ClosePar {
                    return Err(syntax(close, "')'"));
                }
                Ok(values)
            }
            // `()` is the set holding the empty value, as in apimachinery.
            Tok::ClosePar => {
                self.consume(Ctx::Values);
                Ok(vec![(String::new(), t.pos)])
            }
            _ => Err(syntax(t, "',', ')' or identifier")),
        }
    }

    fn parse_identifier_list(&mut self) -> Result<Vec<(String, usize)>, SelectorError> {
        let mut values: Vec<(String, usize)> = Vec::new();
        loop {
            let t = self.consume(Ctx::Values);
            match t.tok {
                Tok::Ident => {
                    values.push((t.lit.to_owned(), t.pos));
                    let t2 = self.lookahead(Ctx::Values);
                    match t2.tok {
                        Tok::Comma => continue,
                        Tok::ClosePar => return Ok(values),
                        _ => return Err(syntax(t2, "',' or ')'")),
                    }
                }
                // A comma next to `(`, `)` or another comma stands for an empty value.
                Tok::Comma => {
                    if values.is_empty() {
                        values.push((String::new(), t.pos));
                    }
                    let t2 = self.lookahead(Ctx::Values);
                    match t2.tok {
                        Tok::ClosePar => {
                            values.push((String::new(), t2.pos));
                            return Ok(values);
                        }
                        Tok::Comma => {
                            self.consume(Ctx::Values);
                            values.push((String::new(), t2.pos));
                        }
                        _ => {}
                    }
                }
                _ => return Err(syntax(t, "',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<(String, usize), SelectorError> {
        let t = self.lookahead(Ctx::Values);
        if matches!(t.tok, Tok::End | Tok::Comma) {
            return Ok((String::new(), t.pos));
        }
        let t = self.consume(Ctx::Values);
        if t.tok == Tok::Ident {
            Ok((t.lit.to_owned(), t.pos))
        } else {
            Err(syntax(t, "identifier"))
        }
    }
}

fn syntax(t: Token<'_>, expected: &'static str) -> SelectorError {
    SelectorError::Syntax {
        position: t.pos,
        found: if t.tok == Tok::End {
            "end of string".to_owned()
        } else {
            t.lit.to_owned()
        },
        expected,
    }
}

/// Parses a label selector into its requirements (unsorted).
pub(super) fn parse_label_selector(input: &str) -> Result<Vec<Requirement>, SelectorError> {
    Parser {
        tokens: lex(input),
        at: 0,
    }
    .parse()
}
