#!/usr/bin/env python3
"""`make manifests-check`: the Kubernetes DaemonSet, its Prometheus scrape job and the Compose file
agree with each other, with the README's `docker run` command and with the project's version.

No cluster is needed (none is reachable here): the YAML is parsed with PyYAML and checked for what
running synwatch on a fleet depends on. Prints one line per check and "manifests-check: PASSED" or
"manifests-check: FAILED: ..." (exit 1).
"""
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
failures = []
passes = 0


def check(ok, what):
    global passes
    if ok:
        passes += 1
        print(f"manifests-check: ok: {what}")
    else:
        failures.append(what)
        print(f"manifests-check: FAIL: {what}", file=sys.stderr)


def mebibytes(quantity):
    """A Kubernetes memory quantity or a JVM size (512m, 768Mi, 1g, 1Gi) in MiB."""
    m = re.fullmatch(r"(\d+)([KMGkmg]i?)?", str(quantity))
    if not m:
        raise ValueError(f"not a memory size: {quantity}")
    number, unit = int(m.group(1)), (m.group(2) or "").lower()
    factor = {"": 1 / (1 << 20), "k": 1 / 1024, "ki": 1 / 1024, "m": 1, "mi": 1, "g": 1024, "gi": 1024}[unit]
    return number * factor


version = re.search(r"^  <version>(.*)</version>$", (ROOT / "pom.xml").read_text(), re.M).group(1)

# ---------------------------------------------------------------------------------------------------
# The DaemonSet.
docs = [d for d in yaml.safe_load_all((ROOT / "packaging/kubernetes/daemonset.yaml").read_text()) if d]
kinds = {d["kind"]: d for d in docs}
check(set(kinds) == {"Namespace", "ConfigMap", "DaemonSet"},
      f"daemonset.yaml holds a Namespace, the allow-list ConfigMap and a DaemonSet ({sorted(kinds)})")
ds = kinds["DaemonSet"]
ns = kinds["Namespace"]
check(ds["apiVersion"] == "apps/v1" and ds["metadata"]["namespace"] == ns["metadata"]["name"],
      "the DaemonSet (apps/v1) is in the Namespace the file creates")
pod = ds["spec"]["template"]
spec = pod["spec"]
selector = ds["spec"]["selector"]["matchLabels"]
check(all(pod["metadata"]["labels"].get(k) == v for k, v in selector.items()), "the selector matches the pod labels")
check(spec.get("hostNetwork") is True, "hostNetwork: true")
check(spec.get("dnsPolicy") == "ClusterFirstWithHostNet", "dnsPolicy ClusterFirstWithHostNet (with hostNetwork)")
check(any(t.get("operator") == "Exists" and "key" not in t for t in spec.get("tolerations", [])),
      "tolerates every taint (runs on every node)")
containers = spec["containers"]
check(len(containers) == 1, "one container")
c = containers[0]
check(c["image"].endswith(f"synwatch:{version}"), f"image synwatch:{version} ({c['image']})")
sc = c["securityContext"]
check(sc["capabilities"] == {"drop": ["ALL"], "add": ["NET_RAW", "NET_ADMIN"]},
      f"capabilities: drop ALL, add exactly NET_RAW and NET_ADMIN ({sc['capabilities']})")
check(sc.get("privileged") is False and sc.get("allowPrivilegeEscalation") is False,
      "not privileged; no privilege escalation (no_new_privs)")
check(sc.get("readOnlyRootFilesystem") is True, "read-only root file system")
mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
volumes = {v["name"]: v for v in spec.get("volumes", [])}
check("/tmp" in mounts and "emptyDir" in volumes.get(mounts["/tmp"], {}), "a writable emptyDir at /tmp for the JVM")

# Resources against the heap.
env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
java_opts = env.get("SYNWATCH_JAVA_OPTS", "")
xmx = re.findall(r"-Xmx(\d+[kmgKMG]?)", java_opts)
heap = mebibytes(xmx[-1]) if xmx else 512  # the launcher's default
check(bool(xmx), f"SYNWATCH_JAVA_OPTS sets the heap explicitly ({java_opts!r})")
limits = c["resources"].get("limits", {})
requests = c["resources"].get("requests", {})
limit = mebibytes(limits["memory"]) if "memory" in limits else 0
check(heap >= 256, f"heap {heap:.0f} MiB >= 256 MiB, the smallest that holds 1,000,000 tracked pairs (README, Memory)")
check(limit >= heap + 192, f"memory limit {limits.get('memory')} leaves >= 192 MiB beyond the {heap:.0f} MiB heap for the JVM and the capture buffer")
check(limit <= heap * 2, f"memory limit {limits.get('memory')} is not far above what the heap can use ({heap:.0f} MiB)")
for opt in ("MaxMetaspaceSize", "ReservedCodeCacheSize"):
    check(f"-XX:{opt}=" in java_opts, f"SYNWATCH_JAVA_OPTS caps {opt}, so the JVM's total is bounded")
check("memory" in requests and mebibytes(requests["memory"]) <= limit and "cpu" in requests,
      f"requests cpu and memory, memory within the limit ({requests})")

# The allow file: the ConfigMap is mounted where --allow-file reads it.
allow_args = c.get("args", [])
allow_path = allow_args[allow_args.index("--allow-file") + 1] if "--allow-file" in allow_args else None
allow_volume = next((v for v in spec.get("volumes", []) if v.get("configMap", {}).get("name") == kinds["ConfigMap"]["metadata"]["name"]), None)
allow_mount = next((m for m in c.get("volumeMounts", []) if allow_volume and m["name"] == allow_volume["name"]), None)
check(allow_path is not None and allow_mount is not None
      and allow_path.rsplit("/", 1) == [allow_mount["mountPath"], next(iter(kinds["ConfigMap"]["data"]))],
      f"--allow-file {allow_path} is the ConfigMap's file, mounted")

# Metrics: the annotations, the port, the flag and the scrape job agree.
annotations = pod["metadata"].get("annotations", {})
port = int(annotations.get("prometheus.io/port", "0"))
check(annotations.get("prometheus.io/scrape") == "true" and annotations.get("prometheus.io/path") == "/metrics",
      "prometheus.io/scrape and prometheus.io/path annotations")
check(any(p["containerPort"] == port for p in c.get("ports", [])), f"prometheus.io/port {port} is a container port")
args = c.get("args", [])
metrics_address = args[args.index("--metrics-address") + 1] if "--metrics-address" in args else ":9897"
check(metrics_address.endswith(f":{port}"), f"--metrics-address {metrics_address} serves the annotated port {port}")
# Probes ask the small health endpoint, not /metrics (a full scrape, every 30 s, on every node).
for probe in ("readinessProbe", "livenessProbe"):
    p = c.get(probe, {}).get("httpGet", {})
    check(p.get("path") == "/-/healthy" and p.get("port") == port, f"{probe} on /-/healthy:{port}")
check(pod["spec"].get("priorityClassName") == "system-node-critical",
      "priorityClassName: system-node-critical (a node under memory pressure evicts others first)")

scrape = yaml.safe_load((ROOT / "prometheus/kubernetes-scrape.yml").read_text())
job = scrape["scrape_configs"][0]
relabel = job["relabel_configs"]
keeps = {tuple(r["source_labels"]): r["regex"] for r in relabel if r.get("action") == "keep"}
label_key = "__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", "app.kubernetes.io/name")
check(keeps.get((label_key,)) == pod["metadata"]["labels"]["app.kubernetes.io/name"],
      "the Kubernetes scrape job keeps the DaemonSet's pods by their app.kubernetes.io/name label")
check(job["kubernetes_sd_configs"][0]["namespaces"]["names"] == [ns["metadata"]["name"]],
      "the scrape job looks in the DaemonSet's namespace")
check(any(r.get("target_label") == "job" and r.get("replacement") == "synwatch" for r in relabel),
      "the scrape job labels its targets job=\"synwatch\", as the alert rules expect")
alerts = yaml.safe_load((ROOT / "prometheus/alerts.yml").read_text())
exprs = [r["expr"] for g in alerts["groups"] for r in g["rules"]]
check(all('job="synwatch"' in e for e in exprs), "every alert rule selects job=\"synwatch\"")

# ---------------------------------------------------------------------------------------------------
# Compose and the README's docker run command say the same.
compose = yaml.safe_load((ROOT / "packaging/compose/compose.yaml").read_text())["services"]["synwatch"]
readme = (ROOT / "README.md").read_text()
m = re.search(r"<!-- tested by tests/image-test.sh -->\s*```[a-z]*\n(.*?)```", readme, re.S)
check(m is not None, "README.md has the docker run block marked 'tested by tests/image-test.sh'")
run = " ".join(line.rstrip("\\").strip() for line in (m.group(1) if m else "").splitlines()).split()
flags = {}
i = 2
while i < len(run) - 1:
    if run[i].startswith("-") and i + 1 < len(run) - 1 and not run[i + 1].startswith("-") and run[i] not in ("-d", "--read-only"):
        flags.setdefault(run[i], []).append(run[i + 1])
        i += 2
    else:
        flags.setdefault(run[i], []).append(True)
        i += 1
check(run[-1] == compose["image"] == f"synwatch:{version}", f"README and compose run synwatch:{version} ({run[-1] if run else None}, {compose['image']})")
check(flags.get("--network") == [compose["network_mode"]] == ["host"], "network: host in both")
check(flags.get("--cap-drop") == compose["cap_drop"] == ["ALL"], "cap-drop ALL in both")
check(sorted(flags.get("--cap-add", [])) == sorted(compose["cap_add"]) == ["NET_ADMIN", "NET_RAW"], "cap-add NET_RAW, NET_ADMIN in both")
check(("--read-only" in flags) == bool(compose.get("read_only")), "read-only root file system in both, or in neither")
check(flags.get("--tmpfs", []) == compose.get("tmpfs", []), "the same tmpfs mounts")
check(flags.get("--restart") == [compose.get("restart")], "the same restart policy")
for name, words in (("DaemonSet", args), ("compose", compose.get("command", []))):
    check(words[words.index("--max-connection-lines") + 1:][:1] == ["1000"] if "--max-connection-lines" in words else False,
          f"{name} limits New connection lines to 1000 per second")
check(flags.get("--name") == [compose.get("container_name")], "the same container name")

print(f"manifests-check: {passes} passed, {len(failures)} failed")
if failures:
    print(f"manifests-check: FAILED: {failures[0]}")
    sys.exit(1)
print("manifests-check: PASSED")
