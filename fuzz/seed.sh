#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's own files, so the corpus is never a copy:
# model targets get models/, benches/models/, tests/invalid/, tests/hostile/ and a deeply nested
# expression; every target gets its saved crashes from tests/fuzz_regressions/ (so a regression
# is caught at once); `figure` starts from a few byte patterns; `cli_args` from NUL-separated
# command lines taken from the README's usage. Existing corpus files (found by earlier runs)
# are kept.
set -euo pipefail
cd "$(dirname "$0")/.."

models=(models/*.toml benches/models/*.toml tests/invalid/*.toml tests/hostile/*.toml)
for target in diagnostics pipeline plot; do
    mkdir -p "fuzz/corpus/$target"
    for f in "${models[@]}"; do
        cp "$f" "fuzz/corpus/$target/seed-$(echo "$f" | tr '/' '-')"
    done
    # 5,000 nested parentheses: beyond the depth that once overflowed the stack.
    {
        printf '[model]\nname = "deep"\n[states]\nx = 1\n[equations]\nx = "'
        printf '(%.0s' {1..5000}
        printf 'x'
        printf ')%.0s' {1..5000}
        printf '"\n'
    } >"fuzz/corpus/$target/seed-deep-nesting"
done
for f in tests/fuzz_regressions/*-*; do
    target="${f##*/}"
    target="${target%%-*}"
    mkdir -p "fuzz/corpus/$target"
    cp "$f" "fuzz/corpus/$target/regression-${f##*/}"
done

mkdir -p fuzz/corpus/figure
printf '\x00' >fuzz/corpus/figure/seed-empty
printf '\x03\x40\x40\x02\x05\x01\x02\x00\x04\x02\x02\x0a\x02\x04\x02\x06\x01\x00\x01\x02\x02\x03\x04\x05' \
    >fuzz/corpus/figure/seed-small
head -c 512 models/hibernation_rigi.toml >fuzz/corpus/figure/seed-text

mkdir -p fuzz/corpus/cli_args
i=0
while IFS= read -r line; do
    i=$((i + 1))
    # One argument per word; the fuzzer mutates the NUL separators like any other byte.
    printf '%s' "$line" | tr ' ' '\0' >"fuzz/corpus/cli_args/seed-$i"
done <<'ARGS'
check models/pk_oral_1cpt.toml --format json
check a.toml b.toml --format short
simulate models/pk_oral_1cpt.toml --regimen daily --out x.csv --t-end 21 --output-step 0.25 --stats
simulate m.toml --times 0,1,2.5 --rtol 1e-8 --atol 1e-10 --method dop853 --max-steps 1000 --set CL=350
simulate m.toml --outputs C,Ac --t-end -1
compare models/hibernation_rigi.toml --baseline targeted --format markdown --out r.md --plot p.png
plot models/hibernation_rigi.toml --out p.svg --log-y --width 800 --height 600 --title T --outputs C
plot m.toml -o p.png --linear-y --width 65536 --height 1
--help
--version
ARGS
echo "seeded: $(for d in fuzz/corpus/*; do printf '%s=%s ' "${d##*/}" "$(ls "$d" | wc -l)"; done)"
