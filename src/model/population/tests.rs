//! Reading `[population]` sections: accepted files and every diagnostic, located.

use toml::de::{DeTable, DeValue};

use super::read_population;
use crate::diagnostic::{Severity, line_column};
use crate::model::Parameter;
use crate::model::reader::{Reader, span_of};
use crate::population::{Distribution, PopulationSpec};

/// A diagnostic as severity, "message | hint | hint" and (line, column).
type Found = (Severity, String, (usize, usize));

/// Reads `source` as sections.rs will: `[parameters]` (plain numbers here) then `[population]`.
fn read(source: &str) -> (Option<PopulationSpec>, Vec<Found>) {
    let (document, syntax_errors) = DeTable::parse_recoverable(source);
    assert!(syntax_errors.is_empty(), "{syntax_errors:?}");
    let root = document.get_ref();
    let mut reader = Reader::new(source);
    let mut parameters = Vec::new();
    if let Some(DeValue::Table(table)) = root.get("parameters").map(|v| v.get_ref()) {
        for (key, value) in table.iter() {
            parameters.push(Parameter {
                name: key.get_ref().to_string(),
                value: reader.number(value, "parameter").unwrap(),
                unit: None,
                description: None,
                source: None,
                span: span_of(key),
            });
        }
    }
    let spec = read_population(&mut reader, root.get("population"), &parameters);
    let diagnostics = reader
        .diagnostics
        .sorted()
        .into_iter()
        .map(|d| {
            let at = line_column(source, d.span.expect("located").start);
            (d.severity, format!("{} | {}", d.message, d.hints.join(" | ")), at)
        })
        .collect();
    (spec, diagnostics)
}

const PARAMETERS: &str = "\
[parameters]
CL = 2.0
V = 10.0
mu = 0.05
kS = -0.01
frac = 0.2
";

#[test]
fn the_issue_example_reads_into_a_spec() {
    let source = format!(
        "{PARAMETERS}
[population]
size = 500
seed = 2021
[population.parameters]
CL  = {{ cv = 0.30 }}
V   = {{ omega = 0.2 }}
mu  = {{ omega = 0.5 }}
kS  = {{ sd = 0.05, distribution = \"normal\" }}
frac = {{ omega = 0.3, distribution = \"logitnormal\" }}
[population.correlations]
\"CL,V\" = 0.6
"
    );
    let (spec, diagnostics) = read(&source);
    assert_eq!(diagnostics, []);
    let spec = spec.unwrap();
    assert_eq!((spec.size, spec.seed), (Some(500), Some(2021)));
    let summary: Vec<_> = spec
        .variability
        .iter()
        .map(|v| (v.name.as_str(), v.parameter, v.distribution))
        .collect();
    assert_eq!(
        summary,
        [
            ("CL", 0, Distribution::LogNormal),
            ("V", 1, Distribution::LogNormal),
            ("mu", 2, Distribution::LogNormal),
            ("kS", 3, Distribution::Normal),
            ("frac", 4, Distribution::LogitNormal),
        ]
    );
    // ω = sqrt(ln(1 + 0.3²)) for CL; the others are given directly.
    let omegas: Vec<f64> = spec.variability.iter().map(|v| v.omega).collect();
    assert!((omegas[0] - 1.09_f64.ln().sqrt()).abs() < 1e-15);
    assert_eq!(omegas[1..], [0.2, 0.5, 0.05, 0.3]);
    assert_eq!(spec.correlations.len(), 1);
    let c = &spec.correlations[0];
    assert_eq!((c.first, c.second, c.coefficient), (0, 1, 0.6));
    assert_eq!(line_column(&source, c.span.start), (18, 1));
}

#[test]
fn every_problem_is_reported_in_one_run_with_its_location() {
    let source = format!(
        "{PARAMETERS}
[population]
size = 0
seed = -3
patients = 10
[population.parameters]
Cl = {{ cv = 0.3 }}
V = {{ cv = 0.3, omega = 0.2 }}
mu = {{ omga = 0.5 }}
kS = {{ cv = -0.1 }}
frac = {{ omega = 0.3, distribution = \"logit-normal\" }}
[population.correlations]
\"V\" = 0.5
\"V,mu\" = 1.0
\"V,frac\" = 0.2
\"frac,V\" = 0.1
"
    );
    let (_, diagnostics) = read(&source);
    let found: Vec<_> = diagnostics.iter().map(|(_, m, at)| (*at, m.as_str())).collect();
    let expected = [
        (
            (9, 8),
            "`size` must be ≥ 1, found 0 | a population needs at least one patient",
        ),
        (
            (10, 8),
            "`seed` must be ≥ 0, found -3 | write a whole number, e.g. `seed = 2021`",
        ),
        (
            (11, 1),
            "unknown field `patients` in [population] | expected `size`, `seed`, `parameters` or `correlations`",
        ),
        (
            (13, 1),
            "unknown parameter `Cl` in [population.parameters] | did you mean `CL`?",
        ),
        (
            (14, 25),
            "conflicting `cv` and `omega` for `V` | give exactly one of `cv` or `omega`",
        ),
        (
            (15, 6),
            "`mu` has no `cv` or `omega` | add one, e.g. `cv = 0.3` (30 %) or `omega = 0.3`",
        ),
        (
            (15, 8),
            "unknown field `omga` in [population.parameters] `mu` | did you mean `omega`? | expected `cv`, `omega`, `sd` or `distribution`",
        ),
        (
            (16, 13),
            "`cv` of `kS` must be ≥ 0, found -0.1 | it is a spread; use 0 for no variability",
        ),
        (
            (17, 38),
            "unknown distribution `logit-normal` | did you mean `logitnormal`? | distributions: lognormal, normal, logitnormal",
        ),
        (
            (19, 1),
            "correlation key `V` is not of the form \"A,B\" | name two parameters of [population.parameters], e.g. `\"CL,V\" = 0.6`",
        ),
        (
            (20, 10),
            "correlation `V,mu` must be strictly between −1 and 1, found 1 | |r| = 1 would make one eta an exact copy of the other",
        ),
    ];
    for (want, got) in expected.iter().zip(&found) {
        assert_eq!(want, got);
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

/// The messages (first line only, without hints) with their line:column.
fn messages(source: &str) -> Vec<((usize, usize), String)> {
    let (_, diagnostics) = read(source);
    diagnostics
        .into_iter()
        .map(|(_, m, at)| (at, m.split(" | ").next().unwrap().to_string()))
        .collect()
}

#[test]
fn typical_values_outside_the_domain_say_why() {
    let source = format!(
        "{PARAMETERS}
[population.parameters]
kS = {{ cv = 0.1 }}
CL = {{ omega = 0.2, distribution = \"logitnormal\" }}
frac = {{ omega = 0.2, distribution = \"logitnormal\" }}
"
    );
    let (_, diagnostics) = read(&source);
    let found: Vec<_> = diagnostics.iter().map(|(_, m, at)| (*at, m.as_str())).collect();
    assert_eq!(
        found,
        [
            (
                (9, 1),
                "`kS` has lognormal variability but its typical value is -0.01 \
                 | a log-normal parameter needs a typical value > 0, because P·exp(η) keeps the sign of P \
                 (and is 0 for every patient when P = 0) \
                 | the typical value is declared on line 5; for a parameter that may be ≤ 0 use \
                 `distribution = \"normal\"`"
            ),
            (
                (10, 1),
                "`CL` has logitnormal variability but its typical value is 2 \
                 | a logit-normal parameter needs a typical value in (0, 1), because logit(P) = ln(P/(1 − P)) \
                 is only defined there \
                 | the typical value is declared on line 2; for a parameter that may be ≤ 0 use \
                 `distribution = \"normal\"`"
            ),
        ]
    );
}

#[test]
fn correlation_keys_must_name_two_listed_parameters_once() {
    let source = format!(
        "{PARAMETERS}
[population.parameters]
CL = {{ cv = 0.3 }}
V = {{ cv = 0.3 }}
[population.correlations]
\"CL,CL\" = 0.5
\"CL, mu\" = 0.5
\"CL,Vv\" = 0.5
\"CL,V\" = 0.5
\"V,CL\" = 0.4
\"CL,V,mu\" = 0.1
"
    );
    assert_eq!(
        messages(&source),
        [
            ((12, 1), "`CL` cannot be correlated with itself".to_string()),
            (
                (13, 1),
                "`mu` is not listed in [population.parameters]".to_string()
            ),
            (
                (14, 1),
                "`Vv` is not listed in [population.parameters]".to_string()
            ),
            ((16, 1), "duplicate correlation between `V` and `CL`".to_string()),
            (
                (17, 1),
                "correlation key `CL,V,mu` is not of the form \"A,B\"".to_string()
            ),
        ]
    );
    let (_, diagnostics) = read(&source);
    assert!(diagnostics[2].1.contains("did you mean `V`?"));
    assert!(diagnostics[3].1.contains("first given on line 15"));
}

#[test]
fn a_correlation_matrix_that_is_not_positive_definite_points_at_the_table() {
    // r(A,B) = r(B,C) = 0.9, r(A,C) = −0.9: det R = 1 − 3·0.81 − 2·0.729 < 0.
    let source = "\
[parameters]
A = 1.0
B = 1.0
C = 1.0
[population.parameters]
A = { cv = 0.3 }
B = { cv = 0.3 }
C = { cv = 0.3 }
[population.correlations]
\"A,B\" = 0.9
\"B,C\" = 0.9
\"A,C\" = -0.9
";
    let (spec, diagnostics) = read(source);
    let [(Severity::Error, message, at)] = &diagnostics[..] else {
        panic!("{diagnostics:?}");
    };
    assert_eq!(*at, (9, 1));
    assert!(message.starts_with(
        "the correlation matrix of [population.correlations] is not positive definite \
         | its smallest eigenvalue is -0.800; these correlations cannot all hold at once"
    ));
    assert!(spec.unwrap().correlation_factor().is_err());
}

#[test]
fn size_and_seed_are_bounded_whole_numbers() {
    let read_header = |body: &str| read(&format!("[parameters]\n[population]\n{body}"));
    let (spec, diagnostics) = read_header("size = 1e5\nseed = 18446744073709551615\n");
    let spec = spec.unwrap();
    assert_eq!((spec.size, spec.seed), (Some(100_000), Some(u64::MAX)));
    // The only diagnostic is the warning that nobody varies.
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].0, Severity::Warning);
    assert!(
        diagnostics[0]
            .1
            .starts_with("[population] lists no varying parameters")
    );
    let located = |body: &str| {
        let (_, diagnostics) = read_header(body);
        diagnostics
            .into_iter()
            .filter(|d| d.0 == Severity::Error)
            .map(|(_, m, at)| (at, m.split(" | ").next().unwrap().to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        located("size = 100000001\nseed = 18446744073709551616\n"),
        [
            (
                (3, 8),
                "`size` must be at most 100000000 (10^8), found 100000001".to_string()
            ),
            (
                (4, 8),
                "`seed` must be at most 18446744073709551615 (2^64 − 1), found 18446744073709551616"
                    .to_string()
            ),
        ]
    );
    assert_eq!(
        located("size = 2.5\nseed = \"x\"\n"),
        [
            ((3, 8), "`size` must be a whole number, found 2.5".to_string()),
            (
                (4, 8),
                "`seed` must be a whole number, found a string".to_string()
            ),
        ]
    );
}

#[test]
fn a_variability_entry_must_be_a_table() {
    let source = format!("{PARAMETERS}\n[population.parameters]\nCL = 0.3\n");
    assert_eq!(
        messages(&source),
        [(
            (9, 6),
            "[population.parameters] `CL` must be a table such as `{ cv = 0.3 }`".to_string()
        )]
    );
}

#[test]
fn spreads_that_do_not_fit_the_distribution_are_named() {
    let source = format!(
        "{PARAMETERS}
[population.parameters]
kS = {{ cv = 0.1, distribution = \"normal\" }}
frac = {{ sd = 0.1, distribution = \"logitnormal\" }}
"
    );
    let (_, diagnostics) = read(&source);
    let found: Vec<_> = diagnostics.iter().map(|(_, m, at)| (*at, m.as_str())).collect();
    assert_eq!(
        found,
        [
            (
                (9, 13),
                "`cv` does not apply to normal `kS` | a normal parameter takes `sd`; `cv` is the coefficient \
                 of variation of a log-normal parameter"
            ),
            (
                (10, 15),
                "`sd` does not apply to logitnormal `frac` | a logitnormal parameter takes `omega`; `sd` is \
                 the standard deviation of an additive `normal` parameter"
            ),
        ]
    );
}
