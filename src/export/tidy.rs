//! Tidy CSV for data tools (pandas, R, Python's csv module): every header is a plain snake_case
//! name `[a-z][a-z0-9_]*` without its unit, and a missing value is an empty cell. Units stay in
//! the JSON document and in the terminal table.

/// The snake_case form of a table header: the ` [unit]` suffix dropped, letters lowercased, every
/// other run of characters one `_` (`C cmax [ng/mL]` → `c_cmax`). A name that would not start
/// with a letter gets a `c_` prefix; a name already taken gets `_2`, `_3`, … so columns stay
/// distinct (outputs `C` and `c` both give `c_cmax`).
pub(super) fn tidy_header(header: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for cell in header {
        let base = snake_case(cell.split(" [").next().unwrap_or(cell));
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// `text` as `[a-z][a-z0-9_]*`.
fn snake_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_end_matches('_');
    match trimmed.chars().next() {
        Some(c) if c.is_ascii_lowercase() => trimmed.to_string(),
        Some(_) => format!("c_{trimmed}"),
        None => "column".to_string(),
    }
}

/// A data cell of the tidy CSV: the tables' `-` for a missing value becomes an empty cell.
pub(super) fn tidy_cell(cell: String) -> String {
    if cell == "-" { String::new() } else { cell }
}

#[cfg(test)]
mod tests {
    use super::{tidy_cell, tidy_header};

    fn header(cells: &[&str]) -> Vec<String> {
        tidy_header(&cells.iter().map(|c| c.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn headers_are_snake_case_without_units() {
        assert_eq!(
            header(&[
                "regimen",
                "nadir [x baseline]",
                "relapse_time [day]",
                "C cmax [ng/mL]"
            ]),
            ["regimen", "nadir", "relapse_time", "c_cmax"]
        );
        assert_eq!(header(&["Tumour-size (mm)"]), ["tumour_size_mm"]);
        assert_eq!(
            header(&["2x tmax [h]", "", "é"]),
            ["c_2x_tmax", "column", "column_2"]
        );
    }

    #[test]
    fn colliding_names_stay_distinct() {
        assert_eq!(
            header(&["C cmax", "c cmax", "c_cmax"]),
            ["c_cmax", "c_cmax_2", "c_cmax_3"]
        );
    }

    #[test]
    fn every_header_matches_the_pattern() {
        for name in header(&["A b [u]", "__x__", "9", "µg", "x [a [b]]"]) {
            let mut chars = name.chars();
            assert!(chars.next().is_some_and(|c| c.is_ascii_lowercase()), "{name}");
            assert!(
                chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name}"
            );
        }
    }

    #[test]
    fn missing_values_are_empty() {
        assert_eq!(tidy_cell("-".to_string()), "");
        assert_eq!(tidy_cell("-1.5".to_string()), "-1.5");
    }
}
