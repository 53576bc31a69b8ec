//! Reading the sections of a model file into a (possibly partial) [`Model`], recording every
//! problem. Items with problems are left out so that later checks do not cascade from them.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};

use super::reader::{Reader, Value, span_of};
use super::{Derived, Model, Output, Parameter, StateVariable};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::expr::{Expr, ExprKind, is_reserved};

const SECTIONS: [&str; 11] = [
    "model",
    "parameters",
    "states",
    "derived",
    "equations",
    "outputs",
    "solver",
    "regimens",
    "relapse",
    "population",
    "plot",
];

/// Reads a whole file. `None` only when the TOML itself does not parse.
pub(super) fn read_model(source: &str) -> (Option<Model>, Diagnostics) {
    let (document, syntax_errors) = DeTable::parse_recoverable(source);
    let mut reader = Reader::new(source);
    if !syntax_errors.is_empty() {
        for e in syntax_errors {
            let span = e.span().map(Span::from);
            let message = e.message().trim_end_matches('\n').to_string();
            reader.error(
                Diagnostic::error(span, format!("TOML syntax error: {message}"))
                    .with_hint("see https://toml.io for the file syntax"),
            );
        }
        return (None, reader.diagnostics);
    }
    let root = document.get_ref();
    reader.check_keys(root, &SECTIONS, "the top level");
    let model = read_sections(&mut reader, root);
    (Some(model), reader.diagnostics)
}

fn read_sections(reader: &mut Reader<'_>, root: &DeTable<'_>) -> Model {
    let section = |name: &str| root.get(name);
    let mut names = Names::default();
    let (name, title, time_unit, description) = read_header(reader, section("model"));
    let parameters = read_parameters(reader, section("parameters"), &mut names);
    let states = read_states(reader, section("states"), &mut names);
    let derived = read_derived(reader, section("derived"), &mut names);
    let equations = read_equations(reader, section("equations"), &states);
    let outputs = read_outputs(reader, section("outputs"), &states, &derived);
    let solver = super::solver::read_solver(reader, section("solver"), &states);
    let regimens = super::regimens::read_regimens(reader, section("regimens"), &states);
    for r in &regimens {
        super::regimen_parameters::check(reader, r, &parameters, &states, &derived);
    }
    let relapse = super::solver::read_relapse(reader, section("relapse"));
    let population = super::population::read_population(reader, section("population"), &parameters);
    let series = super::plot_section::Series {
        outputs: &outputs,
        states: &states,
        derived: &derived,
    };
    let plot = super::plot_section::read_plot(reader, section("plot"), &series);
    Model {
        name,
        title,
        time_unit,
        description,
        parameters,
        states,
        derived,
        equations,
        outputs,
        solver,
        regimens,
        relapse,
        population,
        plot,
        warnings: Vec::new(),
    }
}

/// Names declared so far across parameters, states and derived values.
#[derive(Default)]
struct Names {
    declared: HashMap<String, (&'static str, Span)>,
}

impl Names {
    /// Checks that `name` is a usable, new identifier and records it.
    fn declare(&mut self, reader: &mut Reader<'_>, name: &str, span: Span, kind: &'static str) -> bool {
        if !reader.identifier(name, span, kind) {
            return false;
        }
        if name == "time" || name == "regimen" {
            // States and derived values are the default outputs; keep one rule for every name.
            // The name stays declared, so that its uses do not cascade into more errors.
            reader.error(
                Diagnostic::error(span, format!("`{name}` cannot be a {kind} name"))
                    .with_hint(format!(
                        "`time` and `regimen` are the first two CSV columns; rename this {kind}, e.g. `{name}_{}`",
                        kind.split(' ').next().unwrap_or(kind)
                    )),
            );
        }
        if is_reserved(name) {
            reader.error(
                Diagnostic::error(span, format!("`{name}` is reserved and cannot be a {kind} name"))
                    .with_hint("`t`, `pi` and the function names are reserved; choose another name"),
            );
            return false;
        }
        if let Some((previous, _)) = self.declared.get(name) {
            reader.error(
                Diagnostic::error(span, format!("`{name}` is already declared as a {previous}"))
                    .with_hint("every parameter, state and derived value needs its own name"),
            );
            return false;
        }
        self.declared.insert(name.to_string(), (kind, span));
        true
    }
}

fn read_header(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
) -> (String, Option<String>, Option<String>, Option<String>) {
    let Some(table) = section.and_then(|v| reader.table(v, "[model]")) else {
        if section.is_none() {
            reader.error(
                Diagnostic::error(Span::new(0, 0), "missing section [model]")
                    .with_hint("add `[model]` with `name = \"...\"` at the top of the file"),
            );
        }
        return (String::new(), None, None, None);
    };
    reader.check_keys(table, &["name", "title", "time_unit", "description"], "[model]");
    let mut get = |key: &str| {
        table
            .get(key)
            .and_then(|v| reader.string(v, &format!("[model] {key}")))
    };
    let name = get("name");
    let title = get("title");
    let time_unit = get("time_unit");
    let description = get("description");
    let name = name.unwrap_or_else(|| {
        if !table.contains_key("name") {
            reader.error(
                Diagnostic::error(span_of(section.expect("section exists")), "[model] has no `name`")
                    .with_hint("add `name = \"my_model\"`"),
            );
        }
        String::new()
    });
    (name, title, time_unit, description)
}

/// Entries of an optional section that must be a table.
fn entries<'v, 'i>(
    reader: &mut Reader<'_>,
    section: Option<&'v Value<'i>>,
    what: &str,
) -> Vec<(&'v str, Span, &'v Value<'i>)> {
    let Some(table) = section.and_then(|v| reader.table(v, what)) else {
        return Vec::new();
    };
    table
        .iter()
        .map(|(k, v)| (k.get_ref().as_ref(), span_of(k), v))
        .collect()
}

/// Reads `{ field = …, unit, description }` or a bare value; returns (main value, unit, description).
fn value_with_metadata<'v, 'i>(
    reader: &mut Reader<'_>,
    value: &'v Value<'i>,
    main: &str,
    extra: &[&str],
    context: &str,
) -> Option<(&'v Value<'i>, Option<String>, Option<String>)> {
    let DeValue::Table(table) = value.get_ref() else {
        return Some((value, None, None));
    };
    let mut allowed = vec![main, "unit", "description"];
    allowed.extend_from_slice(extra);
    reader.check_keys(table, &allowed, context);
    let unit = table.get("unit").and_then(|v| reader.string(v, "`unit`"));
    let description = table
        .get("description")
        .and_then(|v| reader.string(v, "`description`"));
    match table.get(main) {
        Some(v) => Some((v, unit, description)),
        None => {
            reader.error(
                Diagnostic::error(span_of(value), format!("{context} has no `{main}`"))
                    .with_hint(format!("add `{main} = ...`")),
            );
            None
        }
    }
}

fn read_parameters(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    names: &mut Names,
) -> Vec<Parameter> {
    let mut parameters = Vec::new();
    for (name, span, value) in entries(reader, section, "[parameters]") {
        let declared = names.declare(reader, name, span, "parameter");
        let context = format!("[parameters.{name}]");
        // A parameter whose value is broken stays declared (as NaN) so that its uses do not
        // cascade into "unknown name" errors; NaN never triggers further diagnostics.
        let (number, expr, unit, description) =
            match value_with_metadata(reader, value, "value", &["source"], &context) {
                // A string is a derived parameter: an expression of earlier parameters.
                Some((v, unit, description)) if matches!(v.get_ref(), DeValue::String(_)) => (
                    f64::NAN,
                    reader.expression(v, &format!("parameter `{name}`")),
                    unit,
                    description,
                ),
                Some((v, unit, description)) => (
                    reader
                        .number(v, &format!("parameter `{name}`"))
                        .unwrap_or(f64::NAN),
                    None,
                    unit,
                    description,
                ),
                None => (f64::NAN, None, None, None),
            };
        let source = match value.get_ref() {
            DeValue::Table(table) => table.get("source").and_then(|v| reader.string(v, "`source`")),
            _ => None,
        };
        if declared {
            parameters.push(Parameter {
                name: name.to_string(),
                value: number,
                expr,
                unit,
                description,
                source,
                span,
            });
        }
    }
    parameters
}

fn read_states(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    names: &mut Names,
) -> Vec<StateVariable> {
    if section.is_none() {
        reader.error(
            Diagnostic::error(Span::new(0, 0), "missing section [states]")
                .with_hint("declare at least one state, e.g. `[states]` then `x = 1.0`"),
        );
    }
    let mut states = Vec::new();
    for (name, span, value) in entries(reader, section, "[states]") {
        let declared = names.declare(reader, name, span, "state");
        let context = format!("[states.{name}]");
        let (initial, unit, description) = match value_with_metadata(reader, value, "initial", &[], &context)
        {
            Some((v, unit, description)) => (
                reader.expression(v, &format!("initial value of `{name}`")),
                unit,
                description,
            ),
            None => (None, None, None),
        };
        if declared {
            states.push(StateVariable {
                name: name.to_string(),
                initial: initial.unwrap_or_else(|| poison(span)),
                unit,
                description,
                span,
            });
        }
    }
    states
}

/// A placeholder for an expression that failed to parse (already reported); compiles to NaN.
fn poison(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Number(f64::NAN),
        span,
    }
}

fn read_derived(reader: &mut Reader<'_>, section: Option<&Value<'_>>, names: &mut Names) -> Vec<Derived> {
    let mut derived = Vec::new();
    for (name, span, value) in entries(reader, section, "[derived]") {
        let declared = names.declare(reader, name, span, "derived value");
        let context = format!("[derived.{name}]");
        let Some((v, _, _)) = value_with_metadata(reader, value, "expr", &[], &context) else {
            continue;
        };
        let expr = reader.expression(v, &format!("derived value `{name}`"));
        if declared {
            derived.push(Derived {
                name: name.to_string(),
                expr: expr.unwrap_or_else(|| poison(span)),
                span,
            });
        }
    }
    derived
}

/// One equation per state, in state order (placeholders where one is missing, reported once).
fn read_equations(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    states: &[StateVariable],
) -> Vec<Expr> {
    if section.is_none() {
        reader.error(
            Diagnostic::error(Span::new(0, 0), "missing section [equations]")
                .with_hint("give d(state)/dt for every state, e.g. `[equations]` then `x = \"-k * x\"`"),
        );
        return states.iter().map(|s| poison(s.span)).collect();
    }
    let mut equations: Vec<Option<Expr>> = vec![None; states.len()];
    let state_names = || states.iter().map(|s| s.name.as_str());
    // A map, not a search per equation: loading stays linear in the number of states. The
    // first state of a name wins, as a search from the front would (duplicates are reported
    // where states are read).
    let mut index = std::collections::HashMap::with_capacity(states.len());
    for (i, s) in states.iter().enumerate() {
        index.entry(s.name.as_str()).or_insert(i);
    }
    for (name, span, value) in entries(reader, section, "[equations]") {
        let expr = reader.expression(value, &format!("equation of `{name}`"));
        match index.get(name).copied() {
            Some(i) => equations[i] = Some(expr.unwrap_or_else(|| poison(span))),
            None => reader.error(
                Diagnostic::error(span, format!("equation for unknown state `{name}`")).with_hint(
                    match crate::suggest::closest(name, state_names()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "every key in [equations] must be a state declared in [states]".to_string(),
                    },
                ),
            ),
        }
    }
    let mut complete = Vec::with_capacity(states.len());
    for (state, eq) in states.iter().zip(equations) {
        match eq {
            Some(e) => complete.push(e),
            None => {
                reader.error(
                    Diagnostic::error(state.span, format!("state `{}` has no equation", state.name))
                        .with_hint(format!("add `{} = \"...\"` to [equations]", state.name)),
                );
                complete.push(poison(state.span));
            }
        }
    }
    complete
}

fn read_outputs(
    reader: &mut Reader<'_>,
    section: Option<&Value<'_>>,
    states: &[StateVariable],
    derived: &[Derived],
) -> Vec<Output> {
    if section.is_none() {
        let names = states
            .iter()
            .map(|s| (&s.name, s.span, &s.unit))
            .chain(derived.iter().map(|d| (&d.name, d.span, &None)));
        return names
            .map(|(name, span, unit)| Output {
                name: name.clone(),
                expr: Expr {
                    kind: ExprKind::Name(name.clone()),
                    span,
                },
                unit: unit.clone(),
                exposure: false,
                target: None,
            })
            .collect();
    }
    let mut outputs = Vec::new();
    for (name, span, value) in entries(reader, section, "[outputs]") {
        if name == "time" || name == "regimen" {
            reader.error(
                Diagnostic::error(span, format!("`{name}` cannot be an output name"))
                    .with_hint("`time` and `regimen` are the first two CSV columns; rename this output"),
            );
            continue;
        }
        reader.identifier(name, span, "output");
        if let Some(output) = read_output(reader, name, value) {
            outputs.push(output);
        }
    }
    outputs
}

fn read_output(reader: &mut Reader<'_>, name: &str, value: &Value<'_>) -> Option<Output> {
    let context = format!("[outputs.{name}]");
    let (v, unit, _) = value_with_metadata(reader, value, "expr", &["exposure", "target"], &context)?;
    let (mut exposure, mut target) = (false, None);
    if let DeValue::Table(table) = value.get_ref() {
        exposure = table
            .get("exposure")
            .and_then(|v| reader.boolean(v, "`exposure`"))
            .unwrap_or(false);
        target = table.get("target").and_then(|v| reader.expression(v, "`target`"));
    }
    let expr = reader.expression(v, &format!("output `{name}`"))?;
    Some(Output {
        name: name.to_string(),
        expr,
        unit,
        exposure,
        target,
    })
}
