#!/usr/bin/env bash
# Two herdctl builds measured in one run, on the same machine, alternating: the five-process herd
# (one process a node, logs on, encrypted links) driven by `herdctl load` (always the AFTER build's,
# so that only the herd differs) at 50 connections and at one, and the bare line server in a
# process of its own as the baseline. Only the figures of one
# run, and their ratios, compare: docs/BENCHMARKS.md says why.
#
#   tools/compare_load.sh BEFORE_BINARY AFTER_BINARY [ROUNDS]
#
# Ports 32665-32679 and 32900 on 127.0.0.1 must be free (not the default herd's ports). Prints one
# line of JSON a measurement, then a table.
set -euo pipefail
before=${1:?the herdctl binary built before the change}
after=${2:?the herdctl binary built after it}
rounds=${3:-3}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work/topology.json" <<'PY'
import json, sys
names = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"]
nodes = [{"name": n, "host": "127.0.0.1", "port": 32665 + i, "peer_port": 32670 + i, "control_port": 32675 + i}
         for i, n in enumerate(names)]
links = [["Riley", "Jaquez"], ["Riley", "Juzang"], ["Bernard", "Jaquez"], ["Bernard", "Juzang"],
         ["Bernard", "Campbell"], ["Juzang", "Campbell"]]
json.dump({"nodes": nodes, "links": links}, open(sys.argv[1], "w"))
PY

wait_port() { # until something listens on 127.0.0.1:$1
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2; return 1
}

summarise() { # label connections < herdctl load --json -> one JSON line
  python3 -c "
import json, sys
s = json.load(sys.stdin)['result']
print(json.dumps({'what': '$1', 'connections': $2, 'rate': s['rate'], 'p50_us': s['latency_us']['p50'],
                  'p99_us': s['latency_us']['p99'], 'errors': sum(s['errors'].values())}))"
}

measure() { # label binary connections -> one JSON line
  local label=$1 binary=$2 connections=$3
  "$after" load 127.0.0.1:32665 -c "$connections" -d 5s --json 2>/dev/null | summarise "$label" "$connections"
}

herd() { # binary -> starts five processes, waits until they answer
  local binary=$1
  for n in Riley Jaquez Juzang Campbell Bernard; do
    HERD_KEY=compare-load "$binary" --headless --node "$n" --topology "$work/topology.json" \
      --log-dir "$work/logs" </dev/null >/dev/null 2>&1 &
  done
  for p in 32665 32666 32667 32668 32669; do wait_port $p; done
  sleep 2 # the links' handshakes and catch-up: the first second is not the herd's steady state
}

stop_herd() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
}

results="$work/results.jsonl"
for round in $(seq "$rounds"); do
  "$after" load --serve-bare 127.0.0.1:32900 </dev/null >/dev/null 2>&1 &
  wait_port 32900
  "$after" load 127.0.0.1:32900 -c 50 -d 5s --json 2>/dev/null | summarise bare 50 | tee -a "$results"
  stop_herd
  for which in before after; do
    binary=$before; [ "$which" = after ] && binary=$after
    herd "$binary"
    measure "$which" "$binary" 50 | tee -a "$results"
    measure "$which" "$binary" 1 | tee -a "$results"
    stop_herd
  done
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print()
print("| | 50 conns req/s (each round) | 1 conn req/s | 1 conn p50 / p99 µs |")
print("|---|---|---|---|")
for what in ["bare", "before", "after"]:
    fifty = [r for r in rows if r["what"] == what and r["connections"] == 50]
    one = [r for r in rows if r["what"] == what and r["connections"] == 1]
    f = ", ".join(f"{r['rate']:,.0f}" for r in fifty)
    o = ", ".join(f"{r['rate']:,.0f}" for r in one)
    lat = ", ".join(f"{r['p50_us']}/{r['p99_us']}" for r in one)
    print(f"| {what} | {f} | {o} | {lat} |")
PY
