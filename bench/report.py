#!/usr/bin/env python3
"""Turns the raw outputs of bench/run.sh (meta.tsv, runs.tsv, one stdout file per run) into
the markdown result file, printed on stdout. Standard library only."""

import argparse
import csv
import json
import os
import statistics
from collections import defaultdict

SIMULATORS = ("synfire", "brian2", "brian2-euler")
COLUMNS = (
    "case", "network", "N", "threads", "model s", "simulator", "wall s: median [min-max]", "CPU s (median)",
    "wall s per model s", "synfire/Brian2 wall", "synfire/Brian2 CPU", "rate Hz", "syn events/s", "synapses",
    "peak RSS MiB", "RSS B/synapse", "B/plastic synapse", "build s (rep 1)", "load1",
)


def parse_json(path):
    """The JSON object a run printed: the whole stdout, else its last line that parses."""
    with open(path) as f:
        text = f.read().strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def last_line(path):
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
    return lines[-1][:160].replace("|", "/") if lines else ""


def fmt(x, digits=3):
    if x is None:
        return "n/a"
    if isinstance(x, int) or (abs(x) >= 1e5):
        return f"{x:.2e}" if abs(x) >= 1e5 else str(x)
    return f"{x:.{digits}g}"


def median_of(results, key):
    values = [r[key] for r in results if isinstance(r.get(key), (int, float))]
    return statistics.median(values) if values else None


def summarise(results):
    """Medians over the successful repetitions of one simulator on one case."""
    walls = [r["wall_s"] for r in results]
    s = {
        "wall": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        "cpu": median_of(results, "cpu_s"),
        "synapses": results[0].get("synapses"),
        "rss": median_of(results, "peak_rss_bytes"),
        "build": results[0].get("build_s"),
        "plastic_bytes": results[0].get("bytes_per_plastic_synapse") if results[0].get("plastic_synapses") else None,
    }
    model = results[0].get("model_time_s")
    s["per_model_s"] = s["wall"] / model if model else None
    rates = []
    for r in results:
        if "rate_hz" in r:
            rates.append(r["rate_hz"])
        elif r.get("spikes") is not None and r.get("neurons") and model:
            rates.append(r["spikes"] / (r["neurons"] * model))
    s["rate"] = statistics.median(rates) if rates else None
    eps = [r["syn_events"] / r["wall_s"] for r in results if r.get("syn_events") is not None and r["wall_s"] > 0]
    s["events_per_s"] = statistics.median(eps) if eps else None
    s["rss_per_syn"] = s["rss"] / s["synapses"] if s["rss"] and s["synapses"] else None
    return s


def ratio(a, b):
    return fmt(a / b) if a is not None and b else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("meta")
    ap.add_argument("runs")
    ap.add_argument("--root", help="repository root: commands are shown relative to it")
    args = ap.parse_args()

    with open(args.meta) as f:
        meta = [line.rstrip("\n").split("\t", 1) for line in f if "\t" in line]
    with open(args.runs) as f:
        runs = list(csv.DictReader(f, delimiter="\t"))

    by_case = defaultdict(lambda: defaultdict(list))
    order = []
    for run in runs:
        if run["case"] not in order:
            order.append(run["case"])
        by_case[run["case"]][run["simulator"]].append(run)

    out = ["# synfire vs Brian2 benchmark", "", "| machine / run | |", "| --- | --- |"]
    out += [f"| {k} | {v.replace('|', '/')} |" for k, v in meta]
    out += ["", "| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]

    commands = []
    for case in order:
        summaries = {}
        rows = []
        for sim in SIMULATORS:
            reps = by_case[case].get(sim, [])
            if not reps:
                continue
            command = reps[0]["command"].replace(args.root.rstrip("/") + "/", "") if args.root else reps[0]["command"]
            commands.append((case, sim, command))
            ok = []
            failures = []
            for run in reps:
                result = parse_json(run["stdout"]) if run["exit"] == "0" else None
                if result is not None and isinstance(result.get("wall_s"), (int, float)):
                    ok.append(result)
                else:
                    why = f"exit code {run['exit']}" if run["exit"] != "0" else "no JSON with wall_s in its output"
                    failures.append((why, last_line(run["stderr"])))
            loads = "/".join(run["load1"] for run in reps)
            if not ok:
                why, err = failures[0]
                rows.append((sim, None, f"**{sim}: not available ({why})** {err}", loads))
                continue
            summaries[sim] = summarise(ok)
            note = f" ({len(failures)} of {len(reps)} reps failed: {failures[0][0]})" if failures else ""
            rows.append((sim, ok[0], note, loads))
        network, n, model, threads = describe(by_case[case])
        syn, br = summaries.get("synfire"), summaries.get("brian2")
        for sim, first, note, loads in rows:
            cells = [case, network, n, threads, model, sim]
            s = summaries.get(sim)
            if s is None:
                cells += [note] + [""] * (len(COLUMNS) - len(cells) - 2) + [loads]
            else:
                is_syn = sim == "synfire"
                cells += [
                    f"{fmt(s['wall'])} [{fmt(s['wall_min'])}-{fmt(s['wall_max'])}]{note}",
                    fmt(s["cpu"]),
                    fmt(s["per_model_s"]),
                    ratio(syn["wall"], br["wall"]) if is_syn and syn and br else "",
                    ratio(syn["cpu"], br["cpu"]) if is_syn and syn and br and threads == "1" else "",
                    fmt(s["rate"]),
                    fmt(s["events_per_s"]),
                    fmt(s["synapses"]),
                    fmt(s["rss"] / 2**20) if s["rss"] else "n/a",
                    fmt(s["rss_per_syn"]),
                    fmt(s["plastic_bytes"]) if s["plastic_bytes"] is not None else "",
                    fmt(s["build"]),
                    loads,
                ]
            out.append("| " + " | ".join(str(c) for c in cells) + " |")

    out += ["", "## Commands (repetition 1; Brian2's later repetitions omit `--clean`)", ""]
    out += [f"- `{case}` {sim}: `{cmd}`" for case, sim, cmd in commands]
    out += ["", "Ratios are synfire median / Brian2 median (below 1: synfire faster). CPU ratios only for",
            "one-thread rows; `brian2` is the reference (for COBA it uses synfire's exponential-Euler",
            "integrator; `brian2-euler` is Brian2 with forward Euler, for comparison with published figures).",
            "Rates, events/s and RSS are medians over the successful repetitions; times exclude build.",
            "B/plastic synapse: synfire's connectivity plus all rule state (traces, transposed index) per",
            "plastic synapse, from `synfire bench`."]
    print("\n".join(out))


def describe(sims):
    """network, N, model s, threads of a case, read from its first command line."""
    runs = sims.get("brian2") or sims.get("synfire")
    words = runs[0]["command"].split()

    def option(name):
        return words[words.index(name) + 1] if name in words else "?"

    network = next((w for w in words if w in ("cuba", "coba", "cuba-stdp")), "?")
    threads = option("--threads") if "--threads" in words else option("--workers")
    return network, option("--neurons"), option("--duration"), threads


if __name__ == "__main__":
    main()
