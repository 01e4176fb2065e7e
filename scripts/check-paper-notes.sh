#!/usr/bin/env bash
# Checks the paper notes in knowledge-base/papers/ (the format is in knowledge-base/papers/README.md):
#   1. the format: front matter (title, authors, year, optional arxiv, tags from the README's tag
#      vocabulary), the four sections in order, a slug file name;
#   2. the definition: the first ```archlab block of each note is wrapped in the standard harness
#      (below) and checked with `archlab check`. A note without an ```archlab block must say
#      "No definition: this is a method note." in its "In archlab" section; it is skipped.
#
# The harness (see the README, "Harness convention"):
#   arch note_<slug>
#   param d = 64
#   param heads = 4
#   param layers = 2
#   <the snippet>                        # may add params and blocks; must define mixer or layer
#   block mixer(x): ...                  # only when the snippet defines no mixer and uses one:
#                                        #   causal softmax attention with RoPE
#   block layer(x): ...                  # only when the snippet defines no layer:
#                                        #   h = x + mixer(rmsnorm(x)); h + mlp(rmsnorm(h), 4 * d)
#   model(tokens): embed -> repeat(layers, layer) -> rmsnorm -> lm_head
# A snippet that has its own `model(tokens):` is a complete definition and is checked as it stands.
#
# Usage: scripts/check-paper-notes.sh [NOTE.md ...]      (default: every note but README.md)
# Environment: ARCHLAB (the command that runs archlab; default: the repository's ./archlab launcher),
#   ARCHLAB_NOTES_DIR (keep the generated harness files there; default: a temporary directory,
#   removed at the end).
# Exit status: 0 when every note passes, 1 when a note fails, 2 when archlab itself could not run.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
papers="$root/knowledge-base/papers"
archlab="${ARCHLAB:-$root/archlab}"

if [[ -n "${ARCHLAB_NOTES_DIR:-}" ]]; then
    work="$ARCHLAB_NOTES_DIR"; mkdir -p "$work"
else
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi

if [[ $# -gt 0 ]]; then notes=("$@"); else
    notes=(); for f in "$papers"/*.md; do [[ "$(basename "$f")" == README.md ]] || notes+=("$f"); done
fi

# the tag vocabulary: every `tag` at the start of a bullet in the README's "## Tag vocabulary" section
vocab="$(awk '/^## /{on = ($0 ~ /^## Tag vocabulary/)} on && /^- `[a-z0-9-]+`/{ s = $0; sub(/^- `/, "", s); sub(/`.*/, "", s); print s }' "$papers/README.md")"
if [[ -z "$vocab" ]]; then echo "check-paper-notes: no tag vocabulary found in $papers/README.md" >&2; exit 2; fi

fail=0; checked=(); skipped=0
declare -A note_of start_of prefix_of len_of

for note in "${notes[@]}"; do
    name="$(basename "$note" .md)"
    problems="$(awk -v name="$name" -v vocab="$vocab" '
        BEGIN { n = split(vocab, v, "\n"); for (i = 1; i <= n; i++) known[v[i]] = 1
                want[1] = "Insight"; want[2] = "When to try"; want[3] = "Idea"; want[4] = "In archlab"
                if (name !~ /^[a-z0-9]+(-[a-z0-9]+)*$/) print "file name is not a slug (lowercase words joined by -)" }
        NR == 1 { if ($0 != "---") print "line 1: expected --- (front matter)"; fm = 1; next }
        fm && $0 == "---" { fm = 0; body = 1; next }
        fm {
            if (match($0, /^[a-z]+: /) == 0) { print "line " NR ": front matter lines are key: value"; next }
            key = substr($0, 1, RLENGTH - 2); val = substr($0, RLENGTH + 1); seen[key]++
            if (val ~ /^"/) { if (val !~ /^"[^"]*"$/) print "line " NR ": a quoted value must be one \"...\" without inner quotes"; gsub(/"/, "", val) }
            else if (index(val, ": ")) print "line " NR ": a value containing \": \" must be in double quotes (YAML)"
            if (key == "year" && val !~ /^(19|20)[0-9][0-9]$/) print "line " NR ": year must be four digits"
            else if (key == "arxiv" && val !~ /^[0-9][0-9][0-9][0-9]\.[0-9][0-9][0-9][0-9][0-9]?$/) print "line " NR ": arxiv must be an id like 2312.06635 (omit the field when unsure)"
            else if (key == "tags") {
                if (val !~ /^\[[a-z0-9-]+(, [a-z0-9-]+)*\]$/) { print "line " NR ": tags must be [tag, tag, ...]"; next }
                gsub(/[\[\]]/, "", val); k = split(val, t, ", ")
                for (i = 1; i <= k; i++) if (!(t[i] in known)) print "line " NR ": tag \"" t[i] "\" is not in the README tag vocabulary"
            } else if (key !~ /^(title|authors|year|arxiv|tags)$/) print "line " NR ": unknown front-matter key \"" key "\""
            else if (val == "") print "line " NR ": empty " key
            next
        }
        body && /^```/ { fence = !fence }
        body && !fence && /^## / { s++; h = substr($0, 4); sec = h
            if (s > 4) print "line " NR ": unexpected section \"" h "\" (only the four sections are allowed)"
            else if (h != want[s]) print "line " NR ": section " s " must be \"## " want[s] "\", found \"## " h "\"" }
        body && sec == "When to try" && /^- / { bullets++ }
        body && sec == "In archlab" && /^```archlab$/ { code++ }
        body && sec == "In archlab" && index($0, "No definition: this is a method note.") { method = 1 }
        END {
            if (fm) print "front matter not closed with ---"
            split("title authors year tags", req, " "); for (i = 1; i <= 4; i++) if (!(req[i] in seen)) print "front matter lacks " req[i]
            for (key in seen) if (seen[key] > 1) print "front matter repeats " key
            if (s < 4) print "expected the four sections Insight, When to try, Idea, In archlab; found " s + 0
            if (bullets == 0) print "\"When to try\" has no bullets (lines starting with \"- \")"
            if (code == 0 && !method) print "\"In archlab\" has no ```archlab block and does not say \"No definition: this is a method note.\""
        }' "$note")"
    if [[ -n "$problems" ]]; then
        while IFS= read -r p; do echo "FAIL  $name: $p"; done <<< "$problems"; fail=1; continue
    fi

    # the first ```archlab block inside "## In archlab": its first line number and its text
    start="$(awk '/^## /{sec = substr($0, 4)} sec == "In archlab" && /^```archlab$/ { print NR + 1; exit }' "$note")"
    if [[ -z "$start" ]]; then echo "skip  $name: method note, no definition"; skipped=$((skipped + 1)); continue; fi
    snippet="$(awk -v s="$start" 'NR >= s { if ($0 ~ /^```/) exit; print }' "$note")"
    if grep -qE '^(param (d|heads|layers) *=|arch )' <<< "$snippet" && ! grep -qE '^model\(' <<< "$snippet"; then
        echo "FAIL  $name: the snippet redefines a harness param (d, heads, layers) or has an arch line; the harness provides them"
        fail=1; continue
    fi

    out="$work/$name.arch"
    if grep -qE '^model\(' <<< "$snippet"; then
        printf '%s\n' "$snippet" > "$out"; prefix=0
    else
        if ! grep -qE '^block (mixer|layer)\(' <<< "$snippet"; then
            echo "FAIL  $name: the snippet must define block mixer(x) or block layer(x) (or a whole model)"; fail=1; continue
        fi
        {
            echo "arch note_${name//-/_}"
            echo "param d = 64"
            echo "param heads = 4"
            echo "param layers = 2"
        } > "$out"
        prefix=4
        printf '%s\n' "$snippet" >> "$out"
        if ! grep -qE '^block mixer\(' <<< "$snippet" && { ! grep -qE '^block layer\(' <<< "$snippet" || grep -qE '(^|[^a-z_])mixer\(' <<< "$snippet"; }; then
            cat >> "$out" <<'HARNESS'

# harness default mixer: causal softmax attention with RoPE
block mixer(x):
    q = rope(split_heads(linear(x, d), heads))
    k = rope(split_heads(linear(x, d), heads))
    v = split_heads(linear(x, d), heads)
    return linear(merge_heads(softmax_attention(q, k, v)), d)
HARNESS
        fi
        if ! grep -qE '^block layer\(' <<< "$snippet"; then
            cat >> "$out" <<'HARNESS'

# harness default layer: pre-norm residual mixer, then a GELU MLP
block layer(x):
    h = x + mixer(rmsnorm(x))
    return h + mlp(rmsnorm(h), 4 * d)
HARNESS
        fi
        cat >> "$out" <<'HARNESS'

model(tokens):
    x = embed(tokens, d)
    x2 = repeat(layers, layer, x)
    return lm_head(rmsnorm(x2))
HARNESS
    fi
    note_of[$out]="$note"; start_of[$out]="$start"; prefix_of[$out]="$prefix"
    len_of[$out]="$(wc -l <<< "$snippet")"
    checked+=("$out")
done

if [[ ${#checked[@]} -gt 0 ]]; then
    set +e
    "$archlab" check --json "${checked[@]}" > "$work/check.json" 2> "$work/check.log"
    rc=$?
    set -e
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        echo "check-paper-notes: archlab check exited $rc (not a verdict on the notes):" >&2
        tail -n 20 "$work/check.log" >&2
        exit 2
    fi
    for out in "${checked[@]}"; do
        name="$(basename "$out" .arch)"
        # Jackson prints "file" then "ok" for each definition
        verdict="$(awk -v f="$out" 'index($0, "\"file\" : \"" f "\"") { want = 1; next } want && /"ok" :/ { print ($0 ~ /true/) ? "ok" : "failed"; exit }' "$work/check.json")"
        summary="$(awk -v f="$out" 'index($0, "\"file\" : \"" f "\"") { want = 1; next }
            want && /"params" :/ { p = $3; sub(/,/, "", p) } want && /"flops_per_token" :/ { fl = $3; sub(/,/, "", fl); print "params " p ", flops/token " fl; exit }' "$work/check.json")"
        if [[ "$verdict" == ok ]]; then
            echo "ok    $name: $summary"
        else
            echo "FAIL  $name: archlab check failed (lines are lines of ${note_of[$out]#$root/}; harness lines say so):"
            # the diagnostics, in text form, with harness line L mapped to note line start + L - prefix - 1
            "$archlab" check "$out" > /dev/null 2> "$work/check.err" || true
            awk -v f="$out" -v s="${start_of[$out]}" -v p="${prefix_of[$out]}" -v n="${len_of[$out]}" -v note="${note_of[$out]#$root/}" '
                index($0, f ":") == 1 {
                    rest = substr($0, length(f) + 2); split(rest, a, ":"); L = a[1] + 0
                    where = (L > p && L <= p + n) ? note ":" (s + L - p - 1) : "harness line " L
                    print "      " where ":" substr(rest, length(a[1]) + 2); keep = 1; next }
                /^    in block/ { if (keep) print "      " $0; next }
                { keep = 0 }' "$work/check.err"
            fail=1
        fi
    done
fi

echo "check-paper-notes: ${#notes[@]} notes, ${#checked[@]} definitions checked, $skipped method notes skipped, $([[ $fail == 0 ]] && echo 'all passed' || echo 'FAILURES above')"
exit "$fail"
