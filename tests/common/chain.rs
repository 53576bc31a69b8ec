//! Generated transit-chain models for the scale tests and benchmarks: `n` compartments in
//! series, A0 → A1 → … → A(n−1) → out, each with rate constant `k`, A0(0) = 1. With k = 1 the
//! exact solution is A_j(t) = t^j e^(−t) / j! (Poisson probabilities), the reference for tests.

use std::fmt::Write as _;

/// The TOML of an `n`-state chain run to `t_end` with outputs every `output_step`, its outputs
/// A0, A1, A2 and the last state; `doses` daily oral doses of 1 into A0 (none when 0).
pub(crate) fn chain_toml(n: usize, t_end: f64, output_step: f64, doses: usize) -> String {
    let mut s = String::new();
    s.push_str("[model]\nname = \"chain\"\ntime_unit = \"day\"\n\n");
    s.push_str("[parameters]\nk = { value = 1.0, unit = \"1/day\" }\n\n[states]\n");
    for i in 0..n {
        let initial = if i == 0 { 1.0 } else { 0.0 };
        writeln!(s, "A{i} = {{ initial = {initial:?}, unit = \"mg\" }}").unwrap();
    }
    s.push_str("\n[equations]\nA0 = \"-k * A0\"\n");
    for i in 1..n {
        writeln!(s, "A{i} = \"k * A{} - k * A{i}\"", i - 1).unwrap();
    }
    let last = n - 1;
    writeln!(
        s,
        "\n[outputs]\nfirst = \"A0\"\nsecond = \"A{}\"\nthird = \"A{}\"\nlast = \"A{last}\"",
        1.min(last),
        2.min(last)
    )
    .unwrap();
    writeln!(
        s,
        "\n[solver]\nmethod = \"dopri5\"\nrtol = 1e-8\natol = 1e-10\nt_end = {t_end:?}\noutput_step = {output_step:?}"
    )
    .unwrap();
    if doses > 0 {
        writeln!(
            s,
            "\n[regimens.daily]\ndoses = [ {{ target = \"A0\", amount = 1, start = 0, interval = 1, count = {doses} }} ]"
        )
        .unwrap();
    }
    s
}
