"""cimbase-ray: a province (or nation) batch on a Ray cluster, each city or city partition a Ray task calling `cimbase`.

The driver is thin: every computation is the `cimbase` binary's.

1. `cimbase batch FILE --out DIR --plan-only` gives the cities, their folders and their memory estimates (the Swift
   batch's own MemoryModel, so a Ray run and a `cimbase batch` run size cities the same way).
2. Each city is one task: `cimbase batch FILE --out DIR --city NAME --quiet` (the very run the Swift batch does for
   that city: its own `cimbase run` process, run.log, the up-to-date stamp, the batch file's categories).
   A city named with `--partition NAME=CELLS` is split instead: a task runs `cimbase partition CONFIG --cells N
   --out DIR/NAME`, one task per partition of DIR/NAME/partitions.json runs `cimbase run CONFIG --partition K --out
   DIR/NAME/parts/K`, and a last task runs `cimbase merge DIR/NAME`.
3. Each task asks Ray for `num_cpus` = the estimate's CPUs and `memory` = the estimate's bytes, so Ray places two
   big cities on one node only when the node's memory holds both. A failed task (non-zero exit, worker lost) is
   submitted again, up to `--attempts`, each retry printed; a city that fails every attempt is reported and the
   others go on.
4. Then `cimbase batch FILE --out DIR --score-only --city …` scores the cities that finished (DIR/score.*,
   ranking.csv, ranking.html), and DIR/ray-run.json records every task and attempt.

Requirement: the batch file, the city data, the `cimbase` binary and DIR are at the same paths on the driver and on
every worker (a shared filesystem such as NFS, or an object-storage bucket mounted at the same path).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

GIB = 1024 ** 3
TAG = "cimbase-ray"


def say(msg):
    print(f"{TAG}  {msg}", flush=True)


def last_error(stderr, stdout=""):
    """The line a user needs from a failing command: its last `error: …` (stderr first, then stdout, where
    `cimbase batch` reports a failed city as `batch       NAME failed: error: …`), else stderr's last line."""
    for text in (stderr, stdout):
        errs = [l[l.index("error:"):].strip() for l in (text or "").splitlines() if "error:" in l]
        if errs:
            return errs[-1]
    lines = [l.strip() for l in (stderr or stdout or "").splitlines() if l.strip()]
    return (lines or ["(no output)"])[-1]


def run_local(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{TAG}: {' '.join(argv[:3])} … failed (exit {p.returncode}): {last_error(p.stderr, p.stdout)}")
    return p.stdout


def write_json_atomic(path, doc):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".ray-run.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)


class Task:
    """One command to run on the cluster, with its resources and its attempts."""

    def __init__(self, city, kind, label, argv, memory_bytes, cpus):
        self.city, self.kind, self.label, self.argv = city, kind, label, argv
        self.memory_bytes, self.cpus = int(memory_bytes), float(cpus)
        self.requested_memory = self.memory_bytes
        self.attempts = []  # dicts: rc, error, seconds, node, host

    def record(self):
        return {
            "city": self.city, "kind": self.kind, "task": self.label, "argv": self.argv,
            "estimate": {"memory_bytes": self.memory_bytes, "cpus": self.cpus},
            "requested": {"memory_bytes": self.requested_memory, "num_cpus": self.cpus},
            "attempts": self.attempts,
            "status": "done" if self.attempts and self.attempts[-1]["rc"] == 0 else "failed",
        }


def parse_partitions(values):
    out = {}
    for v in values or []:
        name, sep, cells = v.partition("=")
        if not sep or not name or not cells.isdigit() or int(cells) < 1:
            raise SystemExit(f"{TAG}: --partition wants CITY=CELLS (a city name of the batch and a cell count ≥ 1), got {v!r}")
        out[name] = int(cells)
    return out


def find_cimbase(given):
    for c in [given, os.environ.get("CIMBASE_BIN"), shutil.which("cimbase")]:
        if c:
            p = os.path.abspath(c)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
            raise SystemExit(f"{TAG}: the cimbase binary {p} is not an executable file")
    raise SystemExit(f"{TAG}: no cimbase binary: give --cimbase PATH (a path every worker sees) or set CIMBASE_BIN")


def main(argv=None):
    ap = argparse.ArgumentParser(prog=TAG, description="Run a cimbase province batch on a Ray cluster (see README: Cluster runs on Ray).")
    ap.add_argument("batch", help="batch file (province.yaml), at a path every worker sees")
    ap.add_argument("--out", required=True, help="output folder (shared filesystem); cities go to OUT/<city>/")
    ap.add_argument("--cimbase", help="the cimbase binary, at a path every worker sees (default: $CIMBASE_BIN, else cimbase on PATH)")
    ap.add_argument("--address", help="Ray cluster address (host:port or 'auto'); default: a local Ray on this machine")
    ap.add_argument("--num-cpus", type=int, help="CPUs of the local Ray (without --address; default: all)")
    ap.add_argument("--attempts", type=int, default=3, help="attempts per task before its city counts as failed (default 3)")
    ap.add_argument("--partition", action="append", metavar="CITY=CELLS", help="run this city in partitions of CELLS grid cells (repeatable)")
    ap.add_argument("--cpus-per-city", type=float, help="CPUs each city task asks for (default: the plan's estimate, 1)")
    ap.add_argument("--force", action="store_true", help="rerun cities even when their inputs have not changed")
    a = ap.parse_args(argv)
    if a.attempts < 1:
        ap.error("--attempts must be at least 1")

    cimbase = find_cimbase(a.cimbase)
    batch = os.path.abspath(a.batch)
    out = os.path.abspath(a.out)
    partitioned = parse_partitions(a.partition)
    plan = json.loads(run_local([cimbase, "batch", batch, "--out", out, "--plan-only"]))
    cities = {c["name"]: c for c in plan["cities"]}
    unknown = sorted(set(partitioned) - set(cities))
    if unknown:
        raise SystemExit(f"{TAG}: --partition names {', '.join(unknown)}, not a city of {batch} (cities: {', '.join(cities)})")

    host = (a.address or "").rsplit(":", 1)[0].strip("[]")
    if host in ("127.0.0.1", "localhost", "::1"):
        # A cluster on loopback (ray start --node-ip-address 127.0.0.1): Ray would rewrite 127.0.0.1 to this machine's
        # network address, where such a cluster does not listen; this makes the driver stay on loopback too.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray
    import ray.cloudpickle
    from . import tasks as task_module

    # Workers get the task function by value: they need ray and the shared filesystem, not this package.
    ray.cloudpickle.register_pickle_by_value(task_module)
    t_start = time.time()
    if a.address:
        ray.init(address=a.address, log_to_driver=False)
    else:
        ray.init(num_cpus=a.num_cpus, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(max_retries=0)(task_module.run_command)  # retries are the driver's, so they are visible

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    # Only nodes with CPUs run tasks (a head started with --num-cpus 0 has memory but takes none).
    node_mem = max((n["Resources"].get("memory", 0) for n in nodes if n["Resources"].get("CPU", 0) > 0), default=0)
    node_cpu = max((n["Resources"].get("CPU", 0) for n in nodes), default=0)
    total = ray.cluster_resources()
    say(f"cluster     {len(nodes)} nodes · {total.get('CPU', 0):g} CPUs · {total.get('memory', 0) / GIB:.1f} GiB task memory"
        f" (largest node {node_cpu:g} CPUs, {node_mem / GIB:.1f} GiB)")
    est = [c["estimate"]["memory_bytes"] for c in plan["cities"]]
    say(f"plan        {plan['province']} · {len(cities)} cities ({len(partitioned)} in partitions) · estimates "
        f"{min(est) / GIB:.2f}–{max(est) / GIB:.2f} GiB per city · attempts {a.attempts}")

    def fit(task):
        """Caps a request at the largest node (the task then runs alone there) so Ray never holds it as infeasible."""
        mem, cpu = task.memory_bytes, task.cpus
        if node_mem and mem > node_mem:
            say(f"warning     {task.label}: estimate {mem / GIB:.2f} GiB > largest node's {node_mem / GIB:.2f} GiB; it runs alone on that node")
            mem = int(node_mem)
        if node_cpu and cpu > node_cpu:
            cpu = node_cpu
        task.requested_memory, task.cpus = mem, cpu
        return task

    cats = ["--categories", batch] if plan.get("categories_from_batch") else []
    all_tasks, pending = [], {}
    status = {name: "running" for name in cities}   # → done / failed
    reason = {}
    parts_left = {}                                 # partitioned city → partition tasks not yet done
    finished = 0

    def submit(task):
        ref = remote.options(num_cpus=task.cpus, memory=task.requested_memory).remote(task.argv)
        pending[ref] = task

    def add(task):
        all_tasks.append(fit(task))
        submit(task)

    for name, c in cities.items():
        if name in partitioned:
            argv = [cimbase, "partition", c["config"], "--cells", str(partitioned[name]), "--out", c["out"]]
            add(Task(name, "partition", f"{name} (partition plan)", argv, 400 * 1024 ** 2, 1))
        else:
            cpus = a.cpus_per_city if a.cpus_per_city else c["estimate"].get("cpus", 1)
            argv = [cimbase, "batch", batch, "--out", out, "--city", name] + (["--force"] if a.force else [])
            add(Task(name, "city", name, argv, c["estimate"]["memory_bytes"], cpus))

    def after_success(task):
        """The next tasks of a partitioned city; True when the task finished its city."""
        c = cities[task.city]
        if task.kind == "city" or task.kind == "merge":
            return True
        if task.kind == "partition":
            with open(os.path.join(c["out"], "partitions.json"), encoding="utf-8") as f:
                parts = json.load(f)["partitions"]
            parts_left[task.city] = len(parts)
            say(f"partitions  {task.city}: {len(parts)} partitions "
                f"({', '.join(str(p['id']) for p in parts)}; {sum(p.get('buildings', 0) for p in parts):,} buildings)")
            for p in parts:
                k = str(p["id"])
                e = p.get("estimate", {})
                argv = [cimbase, "run", c["config"], "--partition", k, "--out", os.path.join(c["out"], "parts", k), "--quiet"] + cats
                add(Task(task.city, "part", f"{task.city} partition {k}", argv,
                         e.get("memory_bytes", c["estimate"]["memory_bytes"]), e.get("cpus", 1)))
            if not parts:
                status[task.city], reason[task.city] = "failed", "partitions.json lists no partition"
                return True
            return False
        if task.kind == "part":
            parts_left[task.city] -= 1
            if parts_left[task.city] == 0:
                add(Task(task.city, "merge", f"{task.city} (merge)", [cimbase, "merge", c["out"]],
                         c["estimate"]["memory_bytes"], 1))
            return False
        return False

    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        ref = ready[0]
        task = pending.pop(ref)
        try:
            r = ray.get(ref)
        except Exception as e:  # the worker or its node was lost, the task was killed (Ray's memory monitor), ...
            r = {"rc": -1, "stderr": f"error: Ray task failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                 "seconds": 0.0, "node": None, "host": None}
        n = len(task.attempts) + 1
        att = {"attempt": n, "rc": r["rc"], "seconds": round(r["seconds"], 3), "node": r.get("node"), "host": r.get("host")}
        if r["rc"] != 0:
            att["error"] = last_error(r.get("stderr"), r.get("stdout"))
        task.attempts.append(att)
        where = f"node {r['node'][:8]}" if r.get("node") else "no node"
        if status[task.city] == "failed":
            continue  # another task of this city already failed for good: its remaining tasks only drain
        if r["rc"] == 0:
            finished += 1
            res = f"{task.requested_memory / GIB:.2f} GiB, {task.cpus:g} CPU"
            retried = f", attempt {n}" if n > 1 else ""
            say(f"[{finished}/{len(all_tasks)}] {task.label} done {r['seconds']:.1f} s ({where}, {res}{retried})")
            if after_success(task) and status[task.city] == "running":
                status[task.city] = "done"
        elif n < a.attempts:
            say(f"retry       {task.label}: attempt {n}/{a.attempts} failed ({where}): {att['error']}")
            submit(task)
        else:
            finished += 1
            status[task.city], reason[task.city] = "failed", att["error"]
            say(f"[{finished}/{len(all_tasks)}] {task.label} FAILED after {n} attempts: {att['error']}")

    ray_seconds = time.time() - t_start
    done = [n for n in cities if status[n] == "done"]
    failed = [n for n in cities if status[n] != "done"]
    score_line, score_error = None, None
    if done:
        argv = [cimbase, "batch", batch, "--out", out, "--score-only"] + [x for n in done for x in ("--city", n)]
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode == 0:
            score_line = next((l for l in p.stdout.splitlines() if l.startswith("score")), p.stdout.strip())
            say(score_line)
        else:
            score_error = last_error(p.stderr, p.stdout)
            say(f"score       FAILED: {score_error}")
    write_json_atomic(os.path.join(out, "ray-run.json"), {
        "batch": batch, "out": out, "cimbase": cimbase, "province": plan["province"],
        "attempts_allowed": a.attempts, "seconds": round(time.time() - t_start, 3), "ray_seconds": round(ray_seconds, 3),
        "cities": {n: {"status": status[n], **({"error": reason[n]} if n in reason else {}),
                       "partitions": partitioned.get(n)} for n in cities},
        "scored": done if score_line else [], "score": score_line, "score_error": score_error,
        "tasks": [t.record() for t in all_tasks],
    })
    failures = ", ".join(f"{n} ({reason.get(n, '')})" for n in failed)
    say(f"batch       {len(done)} of {len(cities)} cities finished" + (f"; failed: {failures}" if failed else "")
        + f"  {time.time() - t_start:.1f} s")
    ray.shutdown()
    return 0 if not failed and not score_error else 1


if __name__ == "__main__":
    sys.exit(main())
