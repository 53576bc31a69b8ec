//! Tokens of the expression language, each with its byte span in the expression text.

use super::ExprError;
use crate::diagnostic::Span;

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Number(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    EqEq,
    NotEq,
    AndAnd,
    OrOr,
    Bang,
    End,
}

impl Token {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Number(x) => format!("number `{x}`"),
            Token::Ident(name) => format!("name `{name}`"),
            Token::End => "end of expression".to_string(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Caret => "^",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::Comma => ",",
            Token::Less => "<",
            Token::LessEq => "<=",
            Token::Greater => ">",
            Token::GreaterEq => ">=",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::AndAnd => "&&",
            Token::OrOr => "||",
            Token::Bang => "!",
            Token::Number(_) | Token::Ident(_) | Token::End => "",
        }
    }
}

/// Splits `src` into tokens; the last token is always [`Token::End`].
pub(crate) fn tokenize(src: &str) -> Result<Vec<(Token, Span)>, ExprError> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let token = if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let (value, end) = lex_number(src, start)?;
            i = end;
            Token::Number(value)
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            Token::Ident(src[start..i].to_string())
        } else {
            let (token, len) = lex_operator(src, start)?;
            i += len;
            token
        };
        tokens.push((token, Span::new(start, i)));
    }
    tokens.push((Token::End, Span::new(src.len(), src.len())));
    Ok(tokens)
}

fn lex_operator(src: &str, start: usize) -> Result<(Token, usize), ExprError> {
    let rest = &src.as_bytes()[start..];
    let next = rest.get(1).copied();
    let two = |t: Token| Ok((t, 2));
    let one = |t: Token| Ok((t, 1));
    match (rest[0], next) {
        (b'<', Some(b'=')) => two(Token::LessEq),
        (b'>', Some(b'=')) => two(Token::GreaterEq),
        (b'=', Some(b'=')) => two(Token::EqEq),
        (b'!', Some(b'=')) => two(Token::NotEq),
        (b'&', Some(b'&')) => two(Token::AndAnd),
        (b'|', Some(b'|')) => two(Token::OrOr),
        (b'+', _) => one(Token::Plus),
        (b'-', _) => one(Token::Minus),
        (b'*', Some(b'*')) => Err(
            ExprError::new(Span::new(start, start + 2), "`**` is not an operator")
                .with_hint("write powers with `^`, e.g. `x^2`"),
        ),
        (b'*', _) => one(Token::Star),
        (b'/', _) => one(Token::Slash),
        (b'^', _) => one(Token::Caret),
        (b'(', _) => one(Token::LParen),
        (b')', _) => one(Token::RParen),
        (b',', _) => one(Token::Comma),
        (b'<', _) => one(Token::Less),
        (b'>', _) => one(Token::Greater),
        (b'!', _) => one(Token::Bang),
        (b'=', _) => Err(ExprError::new(Span::new(start, start + 1), "unexpected `=`")
            .with_hint("compare with `==`; an expression cannot assign")),
        (b'&', _) | (b'|', _) => Err(ExprError::new(
            Span::new(start, start + 1),
            format!("unexpected `{}`", rest[0] as char),
        )
        .with_hint("use `&&` or `||` inside the condition of `if(cond, a, b)`")),
        _ => {
            let ch = src[start..].chars().next().unwrap_or('?');
            Err(ExprError::new(
                Span::new(start, start + ch.len_utf8()),
                format!("unexpected character `{ch}`"),
            ))
        }
    }
}

/// Lexes `1`, `1_000`, `2.5`, `.5`, `1e-6`, `6.02E23`.
fn lex_number(src: &str, start: usize) -> Result<(f64, usize), ExprError> {
    let bytes = src.as_bytes();
    let digits = |mut i: usize| {
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    if i < bytes.len() && bytes[i] == b'.' {
        i = digits(i + 1);
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            i = digits(j);
        } else {
            return Err(
                ExprError::new(Span::new(start, j), "malformed number: exponent has no digits")
                    .with_hint("write e.g. `1e-6`"),
            );
        }
    }
    let span = Span::new(start, i);
    let text = &src[start..i];
    if text.ends_with('_') || text.contains("__") || text.contains("_.") || text.contains("._") {
        return Err(ExprError::new(span, format!("malformed number `{text}`"))
            .with_hint("`_` may only separate digits, as in `1_000`"));
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let value = cleaned
        .parse::<f64>()
        .map_err(|_| ExprError::new(span, format!("malformed number `{text}`")))?;
    // Too small a literal rounds to a subnormal or to 0, as IEEE 754 defines, and is accepted;
    // too large a one would silently become infinity.
    if value.is_infinite() {
        return Err(ExprError::new(
            span,
            format!("number literal `{text}` is out of range for a 64-bit float"),
        )
        .with_hint("the largest finite number is about 1.8e308"));
    }
    Ok((value, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token> {
        tokenize(src).unwrap().into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn numbers_with_underscores_and_exponents() {
        assert_eq!(
            kinds("1_000 1e-6 .5 2.5E3"),
            vec![
                Token::Number(1000.0),
                Token::Number(1e-6),
                Token::Number(0.5),
                Token::Number(2500.0),
                Token::End
            ]
        );
    }

    #[test]
    fn two_character_operators() {
        assert_eq!(
            kinds("a<=b&&!c"),
            vec![
                Token::Ident("a".into()),
                Token::LessEq,
                Token::Ident("b".into()),
                Token::AndAnd,
                Token::Bang,
                Token::Ident("c".into()),
                Token::End
            ]
        );
    }

    #[test]
    fn bad_characters_have_spans() {
        let err = tokenize("a $ b").unwrap_err();
        assert_eq!(err.span, Span::new(2, 3));
        assert!(tokenize("1e").is_err());
        assert!(tokenize("1__0").is_err());
    }

    #[test]
    fn literals_beyond_the_float_range_are_errors_and_tiny_ones_round() {
        let err = tokenize("2 * 1e999").unwrap_err();
        assert_eq!(
            err.message,
            "number literal `1e999` is out of range for a 64-bit float"
        );
        assert_eq!(err.span, Span::new(4, 9));
        assert!(tokenize("1_000e306").is_err());
        // The largest finite double is accepted; underflow gives the IEEE result (subnormal, 0).
        assert_eq!(kinds("1.7976931348623157e308")[0], Token::Number(f64::MAX));
        assert_eq!(kinds("5e-324")[0], Token::Number(f64::from_bits(1)));
        assert_eq!(kinds("1e-400")[0], Token::Number(0.0));
    }
}
