#!/usr/bin/env bash
# Soak: a campaign, a console issuing commands and a browser under a bounded load generator share one
# store for SOAK_MINUTES (default 10). Prints the lock errors, lost writes, the API latency (p50/p95/p99
# per route) and the JVM heap of the campaign and the browser over time; writes them under
# $SOAK_DIR (default /tmp/archlab-soak). Loopback only; the load is bounded in rate and time.
#   scripts/soak.sh                 # 10 minutes
#   SOAK_MINUTES=2 scripts/soak.sh  # CI's reduced run
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
minutes="${SOAK_MINUTES:-10}"
dir="${SOAK_DIR:-/tmp/archlab-soak}"
port="${SOAK_PORT:-7391}"
rm -rf "$dir" && mkdir -p "$dir"
archlab="$root/archlab"
"$archlab" --version >/dev/null   # builds the jar first if needed

cat > "$dir/soak.yaml" <<YAML
name: soak
seed: 5
task: {name: mqar, options: {vocab: 32, seq_len: 32, pairs: 4}}
baseline: $root/knowledge-base/architectures/linear_attention.arch
budget: {experiments: 400, wall_clock: ${minutes}m}
policy: offline
search: {strategy: mcts}
stages:
  - {name: explore, steps: 120, params: {d: 32}}
workers: 1
output: $dir/runs
YAML

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'cleanup; [[ -f "$dir/browser2.pid" ]] && kill "$(cat "$dir/browser2.pid")" 2>/dev/null || true' EXIT

"$archlab" run "$dir/soak.yaml" --no-progress > "$dir/campaign.out" 2>&1 &
campaign=$!
pids+=("$campaign")
for _ in $(seq 1 120); do ls "$dir"/runs/*/campaign.id >/dev/null 2>&1 && break; sleep 1; done
run="$(ls -d "$dir"/runs/*)"
"$archlab" browse "$run" --port "$port" > "$dir/browser.out" 2>&1 &
browser=$!
pids+=("$browser")
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/api/campaigns" >/dev/null && break; sleep 1; done
cid="$(curl -sf "http://127.0.0.1:$port/api/campaigns" | python3 -c "import sys,json; print(json.load(sys.stdin)[0]['id'])")"
echo "soak: $minutes min on $run (campaign pid $campaign, browser pid $browser, port $port)" >&2

# The JVMs' heap (young + old used, MB) every 15 s. The launcher execs java, so the pids are the JVMs'.
( while kill -0 "$campaign" 2>/dev/null; do
    t=$(date +%s)
    for who in campaign browser; do
        pid=$([[ $who == campaign ]] && echo "$campaign" || { [[ -f "$dir/browser2.pid" ]] && cat "$dir/browser2.pid" || echo "$browser"; })
        jstat -gc "$pid" 2>/dev/null | awk -v t="$t" -v w="$who" 'NR==2 {printf "%s,%s,%.1f,%.1f\n", t, w, ($3+$4+$6+$8)/1024, $8/1024}'
    done >> "$dir/heap.csv"
    sleep 15
  done ) &
pids+=($!)

# The console: every 20 s a session asks questions; every third one also steers.
( i=0; while kill -0 "$campaign" 2>/dev/null; do
    i=$((i + 1))
    steer=""
    case $((i % 3)) in
        0) steer="/focus decay_$i" ;;
        1) steer="/avoid softmax_attention" ;;
    esac
    printf '/status\n/best\n/tried decay\n/budget\n%s\n/directives\n/quit\n' "$steer" \
        | timeout 120 "$archlab" console "$run" --every 0 > "$dir/session.out" 2>&1 || echo "console session $i failed: $?" >> "$dir/console.errors"
    cat "$dir/session.out" >> "$dir/console.out"
    # Counted as sent once the console said it stored it (after the campaign ends, it is read-only).
    if [[ -n "$steer" ]] && grep -q "directive #[0-9]* stored" "$dir/session.out"; then echo "$steer" >> "$dir/directives.sent"; fi
    sleep 20
  done ) &
pids+=($!)

# The load: at most 8 requests a second on loopback, for the campaign's lifetime.
python3 - "$port" "$cid" "$dir" "$campaign" <<'PY' &
import json, os, sys, time, urllib.request, urllib.error, random
port, cid, out, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
base = f"http://127.0.0.1:{port}"
routes = [f"/api/c/{cid}", f"/api/c/{cid}/experiments?sort=fitness&dir=desc&size=50",
          f"/api/c/{cid}/experiments?status=done&q=decay", f"/api/c/{cid}/tree", f"/c/{cid}",
          f"/c/{cid}/experiments?page=2", f"/api/c/{cid}/knowledge"]
lat, errors, rnd, down = {}, {}, random.Random(1), 0
def alive():
    try:
        os.kill(pid, 0); return True
    except OSError:
        return False
while alive():
    r = rnd.choice(routes + ["EXP"])
    if r == "EXP":
        try:
            rows = json.load(urllib.request.urlopen(base + f"/api/c/{cid}/experiments?size=20", timeout=30))
            items = rows.get("rows") or []
            r = f"/c/{cid}/e/" + rnd.choice(items)["id"] if items else f"/c/{cid}"
        except Exception:
            r = f"/c/{cid}"
    key = r.split("?")[0].replace(cid, "C")
    key = "/c/C/e/EXP" if "/e/" in key else key
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(base + r, timeout=30) as resp:
            resp.read()
            ok = resp.status == 200
    except urllib.error.HTTPError as e:
        ok = False
    except Exception:
        # Connection refused: the browser is being restarted (the soak kills it once); not a failed request.
        down += 1
        time.sleep(0.5)
        continue
    ms = (time.perf_counter() - t0) * 1000
    lat.setdefault(key, []).append(ms)
    if not ok:
        errors[key] = errors.get(key, 0) + 1
    time.sleep(0.125)
with open(f"{out}/latency.json", "w") as f:
    json.dump({"latency": lat, "errors": errors, "unreachable": down}, f)
PY
load=$!
pids+=("$load")

# Halfway, the browser is SIGKILLed and started again, and one console session is SIGKILLed mid-command:
# the campaign must not notice (it only shares the store with them).
( sleep $((minutes * 30))
  if kill -0 "$campaign" 2>/dev/null; then
      kill -9 "$browser" 2>/dev/null || true
      echo "browser killed at $(date +%s)" >> "$dir/kills.log"
      "$archlab" browse "$run" --port "$port" > "$dir/browser2.out" 2>&1 &
      echo $! > "$dir/browser2.pid"
      ( printf '/status\n'; sleep 30 ) | "$archlab" console "$run" --every 1 > "$dir/console-killed.out" 2>&1 &
      victim=$!
      sleep 6
      pkill -9 -P "$victim" 2>/dev/null || true
      kill -9 "$victim" 2>/dev/null || true
      pkill -9 -f "archlab.jar console $run --every 1" 2>/dev/null || true
      echo "console killed at $(date +%s)" >> "$dir/kills.log"
  fi ) &
pids+=($!)

wait "$campaign" || true
wait "$load" || true
sleep 2
python3 - "$dir" "$run" <<'PY'
import json, sys, collections, glob, re
out, run = sys.argv[1], sys.argv[2]
d = json.load(open(f"{out}/latency.json"))
def pct(v, p):
    v = sorted(v); return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
total = sum(len(v) for v in d["latency"].values())
print(f"soak: {total} browser requests, {sum(d['errors'].values())} not 200, {d.get('unreachable', 0)} refused while the browser restarted")
print("| route | requests | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
for k in sorted(d["latency"]):
    v = d["latency"][k]
    print(f"| `{k}` | {len(v)} | {pct(v,50):.1f} | {pct(v,95):.1f} | {pct(v,99):.1f} |")
heap = collections.defaultdict(list)
for line in open(f"{out}/heap.csv"):
    t, who, mb, old = line.strip().split(","); heap[who].append((int(t), float(mb), float(old)))
# Heap used swings with the young generation; the old generation after collections is what a leak grows.
print("| JVM | samples | heap used min-max MB | old gen, first third MB | old gen, middle third MB | old gen, last third MB |")
print("|---|---|---|---|---|---|")
for who, xs in heap.items():
    mbs = [m for _, m, _ in xs]; olds = [o for _, _, o in xs]; n = len(olds)
    thirds = [olds[:n // 3] or olds, olds[n // 3:2 * n // 3] or olds, olds[2 * n // 3:] or olds]
    mean = lambda v: sum(v) / len(v)
    print(f"| {who} | {n} | {min(mbs):.0f}-{max(mbs):.0f} | {mean(thirds[0]):.0f} | {mean(thirds[1]):.0f} | {mean(thirds[2]):.0f} |")
with open(f"{out}/heap-over-time.txt", "w") as f:
    for who, xs in heap.items():
        t0 = xs[0][0]
        f.write(who + ": " + ", ".join(f"{(t - t0) // 60}m{(t - t0) % 60:02d}s {m:.0f}/{o:.0f}" for t, m, o in xs) + "\n")
logs = "".join(open(p, errors="replace").read() for p in glob.glob(f"{out}/*.out") + [f"{run}/campaign.log"])
locks = len(re.findall(r"(?i)lock(ed)? (timeout|wait)|LockTimeout|Timeout trying to lock|deadlock", logs))
errs = len(re.findall(r"(?i)internal error|StoreException|could not do that", logs))
print(f"soak: {locks} lock errors, {errs} store or internal errors in the logs")
open(f"{out}/errors.count", "w").write(str(locks + errs + sum(d["errors"].values())))
PY
sent=0
if [[ -f "$dir/directives.sent" ]]; then sent=$(wc -l < "$dir/directives.sent"); fi
stored=$(printf '/directives\n/quit\n' | "$archlab" console "$run" --every 0 2>/dev/null | grep -cE '(^|> )#[0-9]+ ' || true)
echo "soak: $sent directives sent by the console, $stored stored ($((sent - stored)) lost)"
failed=0
if [[ -f "$dir/console.errors" ]]; then failed=$(wc -l < "$dir/console.errors"); fi
echo "soak: $failed console sessions failed"
"$archlab" status "$run" > "$dir/status.txt"
head -n 3 "$dir/status.txt"
bad=$(cat "$dir/errors.count")
if (( bad > 0 || sent != stored || failed > 0 )); then
    echo "soak: FAILED ($bad errors, $((sent - stored)) directives lost, $failed console sessions failed)" >&2
    exit 1
fi
echo "soak: ok" >&2
