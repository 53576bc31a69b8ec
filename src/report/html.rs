//! Small HTML writing helpers: escaping of all text, tables and key/value lists.

use std::fmt::Write;

/// `text` safe as HTML element content or a quoted attribute value: the same escaping as XML
/// (control characters other than tab and line breaks, not allowed in HTML, become U+FFFD).
pub(super) use crate::plot::xml_escape as escape;

/// A table with a header row; `numeric[i]` right-aligns column `i`.
pub(super) fn table(out: &mut String, header: &[String], rows: &[Vec<String>], numeric: &[bool]) {
    out.push_str("<table>\n<thead><tr>");
    for (i, cell) in header.iter().enumerate() {
        let class = if numeric.get(i).copied().unwrap_or(false) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(cell));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if numeric.get(i).copied().unwrap_or(false) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A two-column table of names and values, the names as row headers.
pub(super) fn key_values(out: &mut String, rows: &[(String, String)]) {
    out.push_str("<table class=\"kv\">\n<tbody>\n");
    for (key, value) in rows {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            escape(key),
            escape(value)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Paragraphs of free text: a blank line separates paragraphs.
pub(super) fn paragraphs(out: &mut String, text: &str, class: &str) {
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let _ = writeln!(out, "<p class=\"{class}\">{}</p>", escape(paragraph));
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, table};

    #[test]
    fn every_markup_character_is_escaped() {
        assert_eq!(
            escape("<script>alert('x & \"y\"')</script>\u{0}"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;\u{FFFD}"
        );
    }

    #[test]
    fn table_cells_are_escaped() {
        let mut out = String::new();
        table(&mut out, &["a<b".into()], &[vec!["</td>".into()]], &[true]);
        assert!(
            out.contains("<th scope=\"col\" class=\"num\">a&lt;b</th>"),
            "{out}"
        );
        assert!(out.contains("<td class=\"num\">&lt;/td&gt;</td>"), "{out}");
    }
}
