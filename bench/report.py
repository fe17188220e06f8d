#!/usr/bin/env python3
"""Number crunching for bench/run.sh: medians, percentiles, JMH results, the final table.

  report.py median V...                      the median
  report.py latency EVENTS.json MONITOR.txt  scan-to-block latencies: prints "n p50 p99 max" (ms)
  report.py jmh RESULT.json                  a table of ns/op and B/op; "name<TAB>ns<TAB>B/op" lines to stderr
  report.py rss SAMPLES.tsv TARGET_PAIRS     RSS at TARGET_PAIRS tracked pairs and after (MB)
  report.py table RESULTS.tsv                the final table (item, measure, value, target, verdict)
"""
import datetime
import json
import re
import statistics
import sys


def median(values):
    return statistics.median(float(v) for v in values)


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def rfc3339_micros(text):
    return int(datetime.datetime.fromisoformat(text).timestamp() * 1_000_000 + 0.5)


def latency(events_file, monitor_file):
    scans = {}
    with open(events_file) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            # ECS field names (docs/events.md).
            if event.get("event.action") == "port_scan" and event["source.ip"] not in scans:
                scans[event["source.ip"]] = rfc3339_micros(event["@timestamp"])
    added = {}
    with open(monitor_file) as f:
        for line in f:
            stamp, _, rest = line.partition(" ")
            if "add element inet synwatch blocked" not in rest:
                continue
            for address in re.findall(r"\{([^}]*)\}", rest)[0].split(","):
                address = address.strip().split()[0]
                added.setdefault(address, int(stamp))
    latencies = sorted((added[a] - t) / 1000.0 for a, t in scans.items() if a in added)
    missing = len([a for a in scans if a not in added])
    if not latencies:
        print(f"0 nan nan nan {len(scans)} {missing}")
        return
    print(f"{len(latencies)} {percentile(latencies, 50):.2f} {percentile(latencies, 99):.2f} "
          f"{latencies[-1]:.2f} {len(scans)} {missing}")


def jmh(result_file):
    with open(result_file) as f:
        results = json.load(f)
    print(f"{'benchmark':<44} {'ns/op':>10} {'±':>8} {'B/op':>8}")
    for r in results:
        name = r["benchmark"].replace("org.synwatch.bench.", "")
        params = r.get("params") or {}
        if params:
            name += "(" + ",".join(f"{k}={v}" for k, v in params.items()) + ")"
        score = r["primaryMetric"]["score"]
        error = r["primaryMetric"]["scoreError"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
        print(f"{name:<44} {score:>10.1f} {error:>8.1f} {alloc:>8.3f}")
        print(f"{name}\t{score:.1f}\t{alloc:.3f}", file=sys.stderr)


def rss(samples_file, target_pairs):
    """Samples: elapsed_s rss_kb tracked_pairs (tracked -1 when the scrape failed)."""
    rows = []
    with open(samples_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                rows.append((float(parts[0]), int(parts[1]), int(parts[2])))
    at = [r for r in rows if r[2] >= target_pairs]
    if not at:
        peak = max((r[2] for r in rows), default=0)
        print(f"nan nan nan {peak}")
        return
    first = at[0]
    after = [r for r in rows if r[0] >= first[0]]
    print(f"{first[1] / 1024:.0f} {max(r[1] for r in after) / 1024:.0f} {after[-1][1] / 1024:.0f} {len(after)}")


def table(results_file):
    rows = []
    with open(results_file) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                rows.append(parts + [""] * (5 - len(parts)))
    widths = [max(len(r[i]) for r in rows + [["item", "measure", "value", "target", "verdict"]]) for i in range(5)]
    header = ["item", "measure", "value", "target", "verdict"]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:5], widths)))


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "median":
        print(f"{median(args):.3f}")
    elif command == "latency":
        latency(*args)
    elif command == "jmh":
        jmh(*args)
    elif command == "rss":
        rss(args[0], int(args[1]))
    elif command == "table":
        table(args[0])
    else:
        sys.exit(f"report.py: unknown command {command}")


if __name__ == "__main__":
    main()
