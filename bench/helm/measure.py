#!/usr/bin/env python3
"""Times renders of the Helm corpus by flux-helm and the real `helm template`.

Every render is one process, started with posix_spawn and reaped with wait4:
wall time is spawn to exit (perf_counter), CPU is the child's user+sys time
and memory its peak RSS, both from wait4's rusage. No shell runs between the
clock readings, so the harness costs the same few microseconds for both tools.
The tools alternate render by render (ours, helm, ours, helm...), so load from
other work on the machine falls on both alike. Each case is rendered RUNS
times per tool and its median kept.

Usage: [ONLY=case-name-part] [OUT_DIR=dir] measure.py CORPUS_DIR RUNS TOOL:BINARY... (TOOL is `ours`, `helm`
or `flux-rs`: ours:/path helm:/path flux-rs:/path). Prints JSON: per tool the
sums of the per-case medians, the largest peak RSS, and every case's numbers;
the last render of each tool is left in OUT_DIR/TOOL.out.
"""

import glob
import json
import os
import statistics
import sys
import time


def argv_for(tool, binary, case):
    """The command line one tool renders one case with."""
    values = []
    for v in case["values_files"]:
        values += ["-f", v]
    extra = case["extra_args"]
    if tool == "ours":
        return [binary, case["chart"], "-n", "corpus", *values, *extra]
    if tool == "flux-rs":
        return [binary, "helm", "template", "conformance", case["chart"], "-n", "corpus",
                "--kube-version", "v1.33.0", *values, *extra]
    return [binary, "template", "conformance", case["chart"], "--namespace", "corpus",
            "--kube-version", "v1.33.0", *values, *extra]


def run_once(argv, cwd, out_path):
    """(wall seconds, cpu seconds, peak RSS KiB, exit status) of one render."""
    out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_WRONLY)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, out, 1),
                                           (os.POSIX_SPAWN_DUP2, null, 2)])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.chdir(old)
        os.close(out)
        os.close(null)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, status


def main():
    corpus, runs = sys.argv[1], int(sys.argv[2])
    tools = [t.split(":", 1) for t in sys.argv[3:]]
    only = os.environ.get("ONLY", "")
    cases = []
    for path in sorted(glob.glob(os.path.join(corpus, f"*{only}*/case.json"))):
        with open(path) as f:
            cases.append((os.path.dirname(path), json.load(f)))
    out_dir = os.environ.get("OUT_DIR", "/tmp")
    per_tool = {name: {"wall": 0.0, "cpu": 0.0, "rss": 0, "cases": {}} for name, _ in tools}
    for case_dir, case in cases:
        samples = {name: [] for name, _ in tools}
        for _ in range(runs):
            for name, binary in tools:
                out = os.path.join(out_dir, f"{name}.out")
                samples[name].append(run_once(argv_for(name, binary, case), case_dir, out))
        for name, _ in tools:
            s = samples[name]
            wall = statistics.median(x[0] for x in s)
            cpu = statistics.median(x[1] for x in s)
            rss = max(x[2] for x in s)
            t = per_tool[name]
            t["wall"] += wall
            t["cpu"] += cpu
            t["rss"] = max(t["rss"], rss)
            t["cases"][os.path.basename(case_dir)] = (wall, cpu, rss)
    json.dump(per_tool, sys.stdout)


if __name__ == "__main__":
    main()
