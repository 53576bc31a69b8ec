//! Operator-precedence parser: tokens → [`Expr`], with explicit stacks instead of recursion.
//!
//! Precedence, lowest first: `||`, `&&`, comparisons (non-associative), `+ -`, `* /`,
//! prefix `- !`, `^` (right-associative, binds tighter than a prefix minus on its left, so
//! `-2^2 = -4` and `2^3^2 = 2^9`).
//!
//! Runs of one left-associative level (`a + b - c + …`) become one flat [`ExprKind::Chain`], so
//! their length costs no depth. Nothing here recurses, and two limits keep every later pass
//! over the tree (which do recurse) within a small stack: parentheses, call arguments, prefix
//! operators and exponents may be open at most [`MAX_NESTING`] deep, and a path from the top
//! of the tree to a leaf may pass through at most [`MAX_NESTING`] operators.

use super::ExprError;
use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::lexer::{Token, tokenize};
use crate::diagnostic::Span;

/// How deeply parentheses, call arguments, prefix operators and exponents may nest, and how
/// many operators a path from the top of an expression to a leaf may pass through.
pub const MAX_NESTING: usize = 256;

/// Parses one expression; spans are byte offsets into `src`.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = tokenize(src)?;
    if matches!(tokens[0].0, Token::End) {
        return Err(ExprError::new(Span::new(0, src.len()), "empty expression")
            .with_hint("write a number or a formula, e.g. `0` or `-k * x`"));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        operands: Vec::new(),
        pending: Vec::new(),
        open: 0,
    };
    parser.run()
}

/// Binding strength of the infix operators, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Or,
    And,
    Comparison,
    Additive,
    Multiplicative,
}

fn infix(token: &Token) -> Option<(BinaryOp, Level)> {
    Some(match token {
        Token::OrOr => (BinaryOp::Or, Level::Or),
        Token::AndAnd => (BinaryOp::And, Level::And),
        Token::Plus => (BinaryOp::Add, Level::Additive),
        Token::Minus => (BinaryOp::Sub, Level::Additive),
        Token::Star => (BinaryOp::Mul, Level::Multiplicative),
        Token::Slash => (BinaryOp::Div, Level::Multiplicative),
        other => (comparison_op(other)?, Level::Comparison),
    })
}

/// A parsed operand.
struct Operand {
    expr: Expr,
    /// The most operators on a path from its top to a leaf.
    depth: usize,
    /// The level of the run it is, if it is an unparenthesised run that may be extended.
    run: Option<Level>,
}

/// An operator or group waiting for its operands (or its closing parenthesis).
enum Pending {
    Infix(BinaryOp, Level, Span),
    Prefix(UnaryOp, Span),
    Caret(Span),
    Paren(Span),
    Call {
        function: String,
        function_span: Span,
        open: Span,
        args: Vec<Expr>,
        depth: usize,
    },
}

impl Pending {
    /// True for entries that count as a nesting level.
    fn nests(&self) -> bool {
        !matches!(self, Self::Infix(..))
    }
}

fn too_deep(at: Span) -> ExprError {
    ExprError::new(at, format!("expression nested deeper than {MAX_NESTING} levels")).with_hint(
        "split it: move inner parts into [derived] values, or remove redundant parentheses and signs",
    )
}

/// An operand over children of depth `child_depth`, or the nesting error blamed on `at`.
fn node(kind: ExprKind, span: Span, child_depth: usize, at: Span) -> Result<Operand, ExprError> {
    if child_depth >= MAX_NESTING {
        return Err(too_deep(at));
    }
    Ok(Operand {
        expr: Expr { kind, span },
        depth: child_depth + 1,
        run: None,
    })
}

fn not_an_operator(found: &Token, at: Span) -> ExprError {
    ExprError::new(at, format!("expected an operator, found {}", found.describe()))
        .with_hint("put an operator such as `*` between the two terms")
}

fn unclosed(found: &Token, at: Span, open: Span) -> ExprError {
    ExprError::new(at, format!("expected `)`, found {}", found.describe())).with_hint(format!(
        "the `(` at byte {} of the expression is not closed",
        open.start
    ))
}

/// What may follow, after a token that followed an operand.
enum Next {
    /// An operand (after an infix operator, `^` or `,`).
    Operand,
    /// An operator (after a `)`).
    Operator,
    /// Nothing: the expression is complete.
    Done,
}

struct Parser {
    tokens: Vec<(Token, Span)>,
    pos: usize,
    /// Complete operands, innermost last.
    operands: Vec<Operand>,
    /// Operators and groups waiting for operands, innermost last.
    pending: Vec<Pending>,
    /// Entries of `pending` that count as nesting levels.
    open: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].0
    }

    fn bump(&mut self) -> (Token, Span) {
        let item = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        item
    }

    fn push(&mut self, entry: Pending, at: Span) -> Result<(), ExprError> {
        if entry.nests() {
            if self.open >= MAX_NESTING {
                return Err(too_deep(at));
            }
            self.open += 1;
        }
        self.pending.push(entry);
        Ok(())
    }

    fn pop(&mut self) -> Option<Pending> {
        let entry = self.pending.pop()?;
        if entry.nests() {
            self.open -= 1;
        }
        Some(entry)
    }

    fn operand(&mut self) -> Operand {
        self.operands.pop().expect("every operator has its operands")
    }

    /// Alternates between reading an operand (with its prefixes) and what follows it.
    fn run(&mut self) -> Result<Expr, ExprError> {
        loop {
            self.read_operand()?;
            loop {
                let (token, span) = self.bump();
                match self.after_operand(token, span)? {
                    Next::Operand => break,
                    Next::Operator => {}
                    Next::Done => return Ok(self.operand().expr),
                }
            }
        }
    }

    /// Reads prefix operators, `(`s and call openings up to one complete operand.
    fn read_operand(&mut self) -> Result<(), ExprError> {
        loop {
            let (token, span) = self.bump();
            let leaf = |kind| Operand {
                expr: Expr { kind, span },
                depth: 0,
                run: None,
            };
            match token {
                Token::Minus => self.push(Pending::Prefix(UnaryOp::Neg, span), span)?,
                Token::Bang => self.push(Pending::Prefix(UnaryOp::Not, span), span)?,
                Token::LParen => self.push(Pending::Paren(span), span)?,
                Token::Ident(function) if *self.peek() == Token::LParen => {
                    let (_, open) = self.bump();
                    let call = Pending::Call {
                        function,
                        function_span: span,
                        open,
                        args: Vec::new(),
                        depth: 0,
                    };
                    self.push(call, open)?;
                    if *self.peek() == Token::RParen {
                        let (_, close) = self.bump();
                        let call = self.pop().expect("just pushed");
                        let operand = finish_call(call, close)?;
                        self.operands.push(operand);
                        return Ok(());
                    }
                }
                Token::Number(value) => {
                    self.operands.push(leaf(ExprKind::Number(value)));
                    return Ok(());
                }
                Token::Ident(name) => {
                    self.operands.push(leaf(ExprKind::Name(name)));
                    return Ok(());
                }
                Token::End => {
                    return Err(ExprError::new(span, "expression ends too early")
                        .with_hint("an operand is missing after the last operator"));
                }
                other => {
                    return Err(ExprError::new(
                        span,
                        format!("expected a number, name or `(`, found {}", other.describe()),
                    ));
                }
            }
        }
    }

    /// Handles the token after a complete operand.
    fn after_operand(&mut self, token: Token, span: Span) -> Result<Next, ExprError> {
        match token {
            // Binds tighter than everything pending, and to the right: nothing to reduce.
            Token::Caret => self.push(Pending::Caret(span), span).map(|()| Next::Operand),
            Token::RParen => match self.reduce_to_group()? {
                Some(Pending::Paren(_)) => {
                    // A parenthesised run is complete: `(a + b) + c` keeps its parentheses.
                    if let Some(top) = self.operands.last_mut() {
                        top.run = None;
                    }
                    Ok(Next::Operator)
                }
                Some(call) => {
                    let call = self.with_argument(call);
                    let operand = finish_call(call, span)?;
                    self.operands.push(operand);
                    Ok(Next::Operator)
                }
                None => Err(ExprError::new(span, "unmatched `)`")),
            },
            Token::Comma => match self.reduce_to_group()? {
                Some(Pending::Paren(open)) => Err(unclosed(&Token::Comma, span, open)),
                Some(call) => {
                    let call = self.with_argument(call);
                    self.pending.push(call);
                    self.open += 1;
                    Ok(Next::Operand)
                }
                None => Err(not_an_operator(&Token::Comma, span)),
            },
            Token::End => match self.reduce_to_group()? {
                Some(Pending::Paren(open) | Pending::Call { open, .. }) => {
                    Err(unclosed(&Token::End, span, open))
                }
                _ => Ok(Next::Done),
            },
            other => match infix(&other) {
                Some((op, level)) => {
                    self.reduce_before(level, span)?;
                    self.pending.push(Pending::Infix(op, level, span));
                    Ok(Next::Operand)
                }
                None => Err(match self.innermost_group() {
                    Some(open) => unclosed(&other, span, open),
                    None => not_an_operator(&other, span),
                }),
            },
        }
    }

    /// `call` with the operand just completed added as its last argument.
    fn with_argument(&mut self, call: Pending) -> Pending {
        let arg = self.operand();
        match call {
            Pending::Call {
                function,
                function_span,
                open,
                mut args,
                depth,
            } => {
                args.push(arg.expr);
                Pending::Call {
                    function,
                    function_span,
                    open,
                    args,
                    depth: depth.max(arg.depth),
                }
            }
            other => other,
        }
    }

    /// The `(` of the innermost open parenthesis or call.
    fn innermost_group(&self) -> Option<Span> {
        self.pending.iter().rev().find_map(|p| match p {
            Pending::Paren(open) | Pending::Call { open, .. } => Some(*open),
            _ => None,
        })
    }

    /// Applies every pending operator down to the innermost group, which is removed and returned.
    fn reduce_to_group(&mut self) -> Result<Option<Pending>, ExprError> {
        while let Some(entry) = self.pop() {
            if matches!(entry, Pending::Paren(_) | Pending::Call { .. }) {
                return Ok(Some(entry));
            }
            self.reduce(entry)?;
        }
        Ok(None)
    }

    /// Applies the pending operators that bind at least as tightly as an infix operator of
    /// `level` about to be pushed (found at `at`).
    fn reduce_before(&mut self, level: Level, at: Span) -> Result<(), ExprError> {
        loop {
            let applies = match self.pending.last() {
                Some(Pending::Infix(_, Level::Comparison, _)) if level == Level::Comparison => {
                    return Err(ExprError::new(at, "comparisons cannot be chained")
                        .with_hint("write `a < b && b < c`"));
                }
                Some(Pending::Infix(_, pending, _)) => *pending >= level,
                Some(Pending::Prefix(..) | Pending::Caret(_)) => true,
                Some(Pending::Paren(_) | Pending::Call { .. }) | None => false,
            };
            if !applies {
                return Ok(());
            }
            let entry = self.pop().expect("checked");
            self.reduce(entry)?;
        }
    }

    /// Applies one operator to its operands, leaving the result as an operand.
    fn reduce(&mut self, entry: Pending) -> Result<(), ExprError> {
        let result = match entry {
            Pending::Prefix(op, at) => {
                let x = self.operand();
                let span = at.join(x.expr.span);
                node(ExprKind::Unary(op, Box::new(x.expr)), span, x.depth, at)?
            }
            Pending::Caret(at) => {
                let (exponent, base) = (self.operand(), self.operand());
                let span = base.expr.span.join(exponent.expr.span);
                let depth = base.depth.max(exponent.depth);
                let kind = ExprKind::Binary(BinaryOp::Pow, Box::new(base.expr), Box::new(exponent.expr));
                node(kind, span, depth, at)?
            }
            Pending::Infix(op, level, at) => {
                let (rhs, lhs) = (self.operand(), self.operand());
                infix_node(op, level, (lhs, rhs), at)?
            }
            Pending::Paren(_) | Pending::Call { .. } => unreachable!("groups are closed by `)`"),
        };
        self.operands.push(result);
        Ok(())
    }
}

/// `lhs op rhs`: a comparison, or a run extended by one operand (or started).
fn infix_node(
    op: BinaryOp,
    level: Level,
    (lhs, rhs): (Operand, Operand),
    at: Span,
) -> Result<Operand, ExprError> {
    let span = lhs.expr.span.join(rhs.expr.span);
    let depth = lhs.depth.max(rhs.depth);
    if level == Level::Comparison {
        return node(
            ExprKind::Binary(op, Box::new(lhs.expr), Box::new(rhs.expr)),
            span,
            depth,
            at,
        );
    }
    if lhs.run == Some(level) {
        let mut run = lhs;
        if rhs.depth >= MAX_NESTING {
            return Err(too_deep(at));
        }
        if let ExprKind::Chain(_, rest) = &mut run.expr.kind {
            rest.push((op, rhs.expr));
        }
        run.expr.span = span;
        run.depth = run.depth.max(rhs.depth + 1);
        return Ok(run);
    }
    let mut run = node(
        ExprKind::Chain(Box::new(lhs.expr), vec![(op, rhs.expr)]),
        span,
        depth,
        at,
    )?;
    run.run = Some(level);
    Ok(run)
}

/// The call node of a closed `Pending::Call`.
fn finish_call(call: Pending, close: Span) -> Result<Operand, ExprError> {
    let Pending::Call {
        function,
        function_span,
        open,
        args,
        depth,
    } = call
    else {
        unreachable!("only calls are finished")
    };
    let kind = ExprKind::Call {
        function,
        function_span,
        args,
    };
    node(kind, function_span.join(close), depth, open)
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
        let ExprKind::Chain(_, rest) = e.kind else {
            panic!("not a chain")
        };
        assert_eq!(rest[0].1.span, Span::new(6, 15));
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
