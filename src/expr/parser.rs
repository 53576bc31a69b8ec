//! Recursive-descent / precedence-climbing parser: tokens → [`Expr`].
//!
//! Precedence, lowest first: `||`, `&&`, comparisons (non-associative), `+ -`, `* /`,
//! prefix `- !`, `^` (right-associative, binds tighter than a prefix minus on its left, so
//! `-2^2 = -4` and `2^3^2 = 2^9`).

use super::ExprError;
use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::lexer::{Token, tokenize};
use crate::diagnostic::Span;

/// Parses one expression; spans are byte offsets into `src`.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = tokenize(src)?;
    let mut parser = Parser { tokens, pos: 0 };
    if matches!(parser.peek(), Token::End) {
        return Err(ExprError::new(Span::new(0, src.len()), "empty expression")
            .with_hint("write a number or a formula, e.g. `0` or `-k * x`"));
    }
    let expr = parser.or()?;
    match parser.peek() {
        Token::End => Ok(expr),
        Token::RParen => Err(ExprError::new(parser.span(), "unmatched `)`")),
        other => Err(ExprError::new(
            parser.span(),
            format!("expected an operator, found {}", other.describe()),
        )
        .with_hint("put an operator such as `*` between the two terms")),
    }
}

struct Parser {
    tokens: Vec<(Token, Span)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].0
    }

    fn span(&self) -> Span {
        self.tokens[self.pos].1
    }

    fn bump(&mut self) -> (Token, Span) {
        let item = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        item
    }

    fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
        let span = lhs.span.join(rhs.span);
        Expr {
            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            span,
        }
    }

    fn left_assoc(
        &mut self,
        next: fn(&mut Self) -> Result<Expr, ExprError>,
        op_of: fn(&Token) -> Option<BinaryOp>,
    ) -> Result<Expr, ExprError> {
        let mut lhs = next(self)?;
        while let Some(op) = op_of(self.peek()) {
            self.bump();
            let rhs = next(self)?;
            lhs = Self::binary(op, lhs, rhs);
        }
        Ok(lhs)
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        self.left_assoc(Self::and, |t| (*t == Token::OrOr).then_some(BinaryOp::Or))
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        self.left_assoc(Self::comparison, |t| {
            (*t == Token::AndAnd).then_some(BinaryOp::And)
        })
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let lhs = self.additive()?;
        let Some(op) = comparison_op(self.peek()) else {
            return Ok(lhs);
        };
        self.bump();
        let rhs = self.additive()?;
        if comparison_op(self.peek()).is_some() {
            return Err(ExprError::new(self.span(), "comparisons cannot be chained")
                .with_hint("write `a < b && b < c`"));
        }
        Ok(Self::binary(op, lhs, rhs))
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        self.left_assoc(Self::multiplicative, |t| match t {
            Token::Plus => Some(BinaryOp::Add),
            Token::Minus => Some(BinaryOp::Sub),
            _ => None,
        })
    }

    fn multiplicative(&mut self) -> Result<Expr, ExprError> {
        self.left_assoc(Self::unary, |t| match t {
            Token::Star => Some(BinaryOp::Mul),
            Token::Slash => Some(BinaryOp::Div),
            _ => None,
        })
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        let op = match self.peek() {
            Token::Minus => UnaryOp::Neg,
            Token::Bang => UnaryOp::Not,
            _ => return self.power(),
        };
        let (_, start) = self.bump();
        let operand = self.unary()?;
        let span = start.join(operand.span);
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        })
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.primary()?;
        if *self.peek() != Token::Caret {
            return Ok(base);
        }
        self.bump();
        let exponent = self.unary()?;
        Ok(Self::binary(BinaryOp::Pow, base, exponent))
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let (token, span) = self.bump();
        match token {
            Token::Number(value) => Ok(Expr {
                kind: ExprKind::Number(value),
                span,
            }),
            Token::Ident(name) if *self.peek() == Token::LParen => self.call(name, span),
            Token::Ident(name) => Ok(Expr {
                kind: ExprKind::Name(name),
                span,
            }),
            Token::LParen => {
                let inner = self.or()?;
                self.expect_close(span)?;
                Ok(inner)
            }
            Token::End => Err(ExprError::new(span, "expression ends too early")
                .with_hint("an operand is missing after the last operator")),
            other => Err(ExprError::new(
                span,
                format!("expected a number, name or `(`, found {}", other.describe()),
            )),
        }
    }

    fn call(&mut self, function: String, function_span: Span) -> Result<Expr, ExprError> {
        let (_, open) = self.bump();
        let mut args = Vec::new();
        if *self.peek() != Token::RParen {
            loop {
                args.push(self.or()?);
                if *self.peek() != Token::Comma {
                    break;
                }
                self.bump();
            }
        }
        let close = self.expect_close(open)?;
        Ok(Expr {
            kind: ExprKind::Call {
                function,
                function_span,
                args,
            },
            span: function_span.join(close),
        })
    }

    fn expect_close(&mut self, open: Span) -> Result<Span, ExprError> {
        if *self.peek() == Token::RParen {
            return Ok(self.bump().1);
        }
        let found = self.peek().describe();
        Err(
            ExprError::new(self.span(), format!("expected `)`, found {found}")).with_hint(format!(
                "the `(` at byte {} of the expression is not closed",
                open.start
            )),
        )
    }
}

fn comparison_op(token: &Token) -> Option<BinaryOp> {
    Some(match token {
        Token::Less => BinaryOp::Less,
        Token::LessEq => BinaryOp::LessEq,
        Token::Greater => BinaryOp::Greater,
        Token::GreaterEq => BinaryOp::GreaterEq,
        Token::EqEq => BinaryOp::Eq,
        Token::NotEq => BinaryOp::NotEq,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::reference_eval;

    fn value(src: &str) -> f64 {
        reference_eval(&parse(src).unwrap(), &|_| None).unwrap()
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(value("-2^2"), -4.0);
        assert_eq!(value("2^3^2"), 512.0);
        assert_eq!(value("2^-1"), 0.5);
        assert_eq!(value("1 - 2 - 3"), -4.0);
        assert_eq!(value("8 / 4 / 2"), 1.0);
        assert_eq!(value("1 + 2 * 3"), 7.0);
        assert_eq!(value("(1 + 2) * 3"), 9.0);
        assert_eq!(value("--3"), 3.0);
        assert_eq!(value("if(1 < 2 && !(3 < 2), 10, 20)"), 10.0);
    }

    #[test]
    fn spans_cover_the_source() {
        let e = parse("  a + foo(b, 2)").unwrap();
        assert_eq!(e.span, Span::new(2, 15));
        let ExprKind::Binary(_, _, call) = e.kind else {
            panic!("not binary")
        };
        assert_eq!(call.span, Span::new(6, 15));
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(parse("a +").unwrap_err().span, Span::new(3, 3));
        assert_eq!(parse("a b").unwrap_err().span, Span::new(2, 3));
        assert_eq!(parse("(a + b").unwrap_err().span, Span::new(6, 6));
        assert_eq!(parse("a < b < c").unwrap_err().span, Span::new(6, 7));
        assert_eq!(parse("").unwrap_err().message, "empty expression");
        assert_eq!(parse("a)").unwrap_err().message, "unmatched `)`");
    }
}
