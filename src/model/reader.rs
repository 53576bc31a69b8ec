//! Typed reading of a spanned TOML tree, collecting a diagnostic for every problem instead of
//! stopping at the first (serde's `deny_unknown_fields` would stop at one).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::expr::{self, Expr};

/// A TOML value with its span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// Reads values out of one source file and records what is wrong with them.
pub(crate) struct Reader<'s> {
    pub(crate) source: &'s str,
    pub(crate) diagnostics: Diagnostics,
}

/// The span of a spanned value.
pub(crate) fn span_of<T>(v: &Spanned<T>) -> Span {
    v.span().into()
}

/// A TOML type name for messages.
fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl<'s> Reader<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Self {
            source,
            diagnostics: Diagnostics::new(),
        }
    }

    pub(crate) fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Records "expected X, found Y" at `value`.
    pub(crate) fn wrong_type(&mut self, value: &Value<'_>, what: &str, expected: &str) {
        self.error(Diagnostic::error(
            span_of(value),
            format!("{what} must be {expected}, found {}", type_name(value.get_ref())),
        ));
    }

    /// The value as a table, or a diagnostic.
    pub(crate) fn table<'v, 'i>(&mut self, value: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(value, what, "a table");
                None
            }
        }
    }

    /// Reports every key of `table` not in `allowed`, with a suggestion.
    pub(crate) fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let expected = match allowed {
                [one] => format!("`{one}`"),
                [init @ .., last] => format!(
                    "{} or `{last}`",
                    init.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                [] => "no fields".to_string(),
            };
            let mut d = Diagnostic::error(span_of(key), format!("unknown field `{name}` in {context}"));
            if let Some(s) = crate::suggest::closest(name, allowed.iter().copied()) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            self.error(d.with_hint(format!("expected {expected}")));
        }
    }

    /// A finite number (integer or float).
    pub(crate) fn number(&mut self, value: &Value<'_>, what: &str) -> Option<f64> {
        let span = span_of(value);
        let problem = match value.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(x) => return Some(x as f64),
                Err(_) => {
                    let approximation = approximate(i.as_str(), i.radix());
                    integer_out_of_range(span, what, self.literal(span), approximation)
                }
            },
            DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
                Ok(x) if x.is_finite() => return Some(x),
                // `inf` and `nan` are valid TOML; anything else that parses to ±inf overflowed.
                Ok(x) if x.is_infinite() && !f.as_str().contains("inf") => Diagnostic::error(
                    span,
                    format!(
                        "{what}: number `{}` is out of range for a 64-bit float",
                        self.literal(span)
                    ),
                )
                .with_hint("the largest finite number is about 1.8e308"),
                _ => Diagnostic::error(span, format!("{what} must be a finite number")),
            },
            _ => {
                self.wrong_type(value, what, "a number");
                return None;
            }
        };
        self.error(problem);
        None
    }

    /// The source text at `span`, for quoting in a message.
    fn literal(&self, span: Span) -> &str {
        self.source.get(span.range()).unwrap_or("")
    }

    /// Checks that `name`, the name of a `kind` ("parameter", "output", …) at `span`, is an
    /// identifier, and records a located error with a valid spelling if it is not. Every name is
    /// restricted so, not only those used in expressions: names become CSV headers and markdown
    /// table cells, where a newline, `,` or `|` would break the table.
    pub(crate) fn identifier(&mut self, name: &str, span: Span, kind: &str) -> bool {
        if is_identifier(name) {
            return true;
        }
        self.error(
            Diagnostic::error(
                span,
                format!("`{}` is not a valid {kind} name", name.escape_debug()),
            )
            .with_hint("names start with a letter or `_` and contain only letters, digits and `_`")
            .with_hint(format!("write it as `{}`", valid_spelling(name))),
        );
        false
    }

    /// A number that must satisfy `ok`, described by `requirement` ("must be > 0").
    pub(crate) fn number_where(
        &mut self,
        value: &Value<'_>,
        what: &str,
        requirement: (&str, fn(f64) -> bool),
    ) -> Option<f64> {
        let x = self.number(value, what)?;
        if (requirement.1)(x) {
            Some(x)
        } else {
            self.error(Diagnostic::error(
                span_of(value),
                format!("{what} {}, found {x}", requirement.0),
            ));
            None
        }
    }

    /// A string.
    pub(crate) fn string(&mut self, value: &Value<'_>, what: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(value, what, "a string");
                None
            }
        }
    }

    /// A boolean.
    pub(crate) fn boolean(&mut self, value: &Value<'_>, what: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(value, what, "true or false");
                None
            }
        }
    }

    /// An expression: a string parsed as one (spans mapped into the file), or a bare number.
    pub(crate) fn expression(&mut self, value: &Value<'_>, what: &str) -> Option<Expr> {
        let span = span_of(value);
        let text = match value.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => {
                let x = self.number(value, what)?;
                return Some(Expr {
                    kind: expr::ExprKind::Number(x),
                    span,
                });
            }
            DeValue::String(s) => s.to_string(),
            _ => {
                self.wrong_type(value, what, "a number or an expression string");
                return None;
            }
        };
        let map = self.string_offset(span, &text);
        let to_file = move |s: Span| match map {
            Some(offset) => s.shifted(offset),
            None => span,
        };
        match expr::parse(&text) {
            Ok(mut e) => {
                e.map_spans(&to_file);
                Some(e)
            }
            Err(e) => {
                let span = to_file(e.span);
                self.error(Diagnostic::error(span, e.message).with_optional_hint(e.hint));
                None
            }
        }
    }

    /// Where the text of the string at `span` starts in the file, if the raw source between the
    /// quotes is exactly `text` (no escapes), so that expression spans can be shifted into it.
    fn string_offset(&self, span: Span, text: &str) -> Option<usize> {
        let raw = self.source.get(span.range())?;
        let delimiter = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            3
        } else {
            1
        };
        let inner = raw.get(delimiter..raw.len().checked_sub(delimiter)?)?;
        let trimmed = if delimiter == 3 {
            inner
                .strip_prefix("\r\n")
                .or_else(|| inner.strip_prefix('\n'))
                .unwrap_or(inner)
        } else {
            inner
        };
        (trimmed == text).then(|| span.start + delimiter + (inner.len() - trimmed.len()))
    }
}

/// An integer too large for 64 bits: suggest the float it was presumably meant to be.
fn integer_out_of_range(span: Span, what: &str, literal: &str, approximation: f64) -> Diagnostic {
    let d = Diagnostic::error(
        span,
        format!("{what}: integer literal `{literal}` is out of range for a 64-bit integer"),
    );
    if approximation.is_finite() {
        d.with_hint(format!("write it as a float: `{approximation:e}`"))
    } else {
        d.with_hint("numbers must be finite: the largest is about 1.8e308")
    }
}

/// The value of an integer in `from_str_radix` form (sign, digits; no prefix or `_`), rounded.
fn approximate(text: &str, radix: u32) -> f64 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if radix == 10 {
        // Decimal parsing rounds correctly, digit-by-digit accumulation would not.
        return digits.parse::<f64>().map_or(f64::NAN, |x| sign * x);
    }
    let value = digits
        .chars()
        .filter_map(|c| c.to_digit(radix))
        .fold(0.0, |acc, d| acc * f64::from(radix) + f64::from(d));
    sign * value
}

/// `name` made into an identifier: each run of other characters becomes one `_`, and a leading
/// digit gets a `_` in front.
fn valid_spelling(name: &str) -> String {
    let mut spelling = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            spelling.push(c);
        } else if !spelling.ends_with('_') {
            spelling.push('_');
        }
    }
    let spelling = spelling.trim_end_matches('_');
    match spelling.chars().next() {
        None => "x".to_string(),
        Some(c) if c.is_ascii_digit() => format!("_{spelling}"),
        Some(_) => spelling.to_string(),
    }
}

/// True if `name` can be used in expressions: ASCII letter or `_`, then letters, digits, `_`.
/// The same rule as the expression lexer's for a name.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
