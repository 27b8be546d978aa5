#!/usr/bin/env python3
"""Brian2 (C++ standalone) side of the synfire comparison benchmarks.

Builds network A (cuba), B (coba) or D (cuba-stdp) of shared/specs/benchmarks.md, compiles
it, runs it once and prints ONE JSON object. Times are measured inside the generated
`main` around the network run only (C++ code inserted before/after it), so neither code
generation, compilation nor synapse creation is counted in `wall_s`/`cpu_s`; `build_s` is
code generation + compilation, `process_s` the whole `main` execution.
"""

import argparse
import json
import os
import sys
import time

import brian2 as b2
import numpy as np
from brian2 import mV, ms

NETWORKS = ("cuba", "coba", "cuba-stdp")
TIMING_FILE = "bench_timing.txt"

# Timers around the network run; lines land in main() in the same scope as the run call.
BEFORE_RUN = """
struct timespec _bench_w0, _bench_c0;
clock_gettime(CLOCK_MONOTONIC, &_bench_w0);
clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &_bench_c0);
"""
AFTER_RUN = """
{
    struct timespec _bench_w1, _bench_c1;
    clock_gettime(CLOCK_MONOTONIC, &_bench_w1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &_bench_c1);
    // Peak RSS from VmHWM: getrusage's ru_maxrss survives exec and would report the Python parent.
    long _bench_hwm_kib = -1;
    std::ifstream _bench_status("/proc/self/status");
    for (std::string _bench_line; std::getline(_bench_status, _bench_line);)
        if (_bench_line.rfind("VmHWM:", 0) == 0)
            _bench_hwm_kib = std::stol(_bench_line.substr(6));
    std::ofstream _bench_out(brian::results_dir + "%s");
    _bench_out.precision(9);
    _bench_out << (_bench_w1.tv_sec - _bench_w0.tv_sec) + 1e-9 * (_bench_w1.tv_nsec - _bench_w0.tv_nsec) << " "
               << (_bench_c1.tv_sec - _bench_c0.tv_sec) + 1e-9 * (_bench_c1.tv_nsec - _bench_c0.tv_nsec) << " "
               << _bench_hwm_kib * 1024L << std::endl;
}
""" % TIMING_FILE


def neurons(network, n, method):
    """The neuron group with its random initial state (benchmarks.md, networks A and B)."""
    common = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV)
    if network == "coba":
        ns = dict(common, El=-60 * mV, Ee=0 * mV, Ei=-80 * mV, we=0.6, wi=6.7)
        eqs = """dv/dt = (El - v + ge * (Ee - v) + gi * (Ei - v)) / taum : volt (unless refractory)
                 dge/dt = -ge / taue : 1
                 dgi/dt = -gi / taui : 1"""
        init = dict(v="-65*mV + 5*mV*randn()", ge="4 + 1.5*randn()", gi="20 + 12*randn()")
    else:
        ns = dict(common, El=-49 * mV, we=1.62 * mV, wi=-9 * mV)
        eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
                 dge/dt = -ge / taue : volt
                 dgi/dt = -gi / taui : volt"""
        init = dict(v="Vr + rand() * (Vt - Vr)", ge="0*mV", gi="0*mV")
        method = "exact"
    group = b2.NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method=method, namespace=ns)
    for name, expr in init.items():
        setattr(group, name, expr)
    return group, ns


def stdp_synapses(pre, post, we, delay, p):
    """Pair-based, trace-based, additive all-to-all STDP (network D), weights in volt."""
    wmax = 2 * we
    a_plus = 0.01 * wmax
    ns = dict(taupre=20 * ms, taupost=20 * ms, wmax=wmax, Apre=a_plus, Apost=-1.05 * a_plus)
    syn = b2.Synapses(
        pre,
        post,
        model="""w : volt
                 dapre/dt = -apre / taupre : volt (event-driven)
                 dapost/dt = -apost / taupost : volt (event-driven)""",
        on_pre="""ge_post += w
                  apre += Apre
                  w = clip(w + apost, 0*mV, wmax)""",
        on_post="""apost += Apost
                   w = clip(w + apre, 0*mV, wmax)""",
        delay=delay,
        namespace=ns,
    )
    syn.connect(p=p)
    syn.w = we
    return syn


def static_synapses(pre, post, on_pre, ns, delay, p):
    syn = b2.Synapses(pre, post, on_pre=on_pre, delay=delay, namespace=ns)
    syn.connect(p=p)
    return syn


def build_network(network, n, method):
    """Returns the neuron group and a list of (synapses, index of its first source neuron)."""
    n_exc = int(round(0.8 * n))
    p = 0.02 * 4000 / n  # in-degree 80 on average, Bernoulli, autapses allowed
    delay = b2.defaultclock.dt  # one tick
    group, ns = neurons(network, n, method)
    exc, inh = group[:n_exc], group[n_exc:]
    if network == "cuba-stdp":
        pathways = [
            (stdp_synapses(exc, exc, ns["we"], delay, p), 0),
            (static_synapses(exc, inh, "ge_post += we", ns, delay, p), 0),
        ]
    else:
        pathways = [(static_synapses(exc, group, "ge_post += we", ns, delay, p), 0)]
    pathways.append((static_synapses(inh, group, "gi_post += wi", ns, delay, p), n_exc))
    return group, pathways


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("network", choices=NETWORKS)
    ap.add_argument("--neurons", type=int, default=4000)
    ap.add_argument("--duration", type=float, default=1.0, help="model time in seconds")
    ap.add_argument("--threads", type=int, default=1, help=">1 builds with OpenMP")
    ap.add_argument("--json", action="store_true", help="print the JSON object (the only output mode)")
    ap.add_argument("--workdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "scratch", "brian2"))
    ap.add_argument("--clean", action="store_true", help="make clean first, so build_s is a cold compile")
    ap.add_argument("--seed", type=int, default=None)
    # exponential_euler is synfire's COBA integrator (rules.md 1.3); euler is Brian2's usual choice.
    ap.add_argument("--coba-method", default="exponential_euler", choices=("exponential_euler", "euler"))
    args = ap.parse_args()

    variant = f"-{args.coba_method}" if args.network == "coba" else ""
    directory = os.path.join(args.workdir, f"{args.network}{variant}-{args.neurons}-t{args.threads}")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = args.threads if args.threads > 1 else 0
    b2.defaultclock.dt = 0.1 * ms
    if args.seed is not None:
        b2.seed(args.seed)

    group, pathways = build_network(args.network, args.neurons, args.coba_method)
    counter = b2.SpikeMonitor(group, record=False)
    net = b2.Network(group, counter, *(syn for syn, _ in pathways))
    b2.device.insert_code("before_network_run", BEFORE_RUN)
    b2.device.insert_code("after_network_run", AFTER_RUN)
    net.run(args.duration * b2.second)

    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False, clean=args.clean)
    build_s = time.perf_counter() - t0
    b2.device.run(directory=directory, with_output=False)
    with open(os.path.join(b2.device.results_dir, TIMING_FILE)) as f:
        wall_s, cpu_s, rss = f.read().split()

    counts = np.asarray(counter.count[:], dtype=np.int64)
    out_degree = np.zeros(args.neurons, dtype=np.int64)
    for syn, offset in pathways:
        out_degree += np.bincount(np.asarray(syn.i[:]) + offset, minlength=args.neurons)
    spikes = int(counts.sum())
    events = int((counts * out_degree).sum())
    wall_s = float(wall_s)
    result = {
        "simulator": "brian2",
        "version": b2.__version__,
        "network": args.network,
        "neurons": args.neurons,
        "synapses": int(out_degree.sum()),
        "threads": args.threads,
        "method": args.coba_method if args.network == "coba" else "exact",
        "model_time_s": args.duration,
        "wall_s": wall_s,
        "cpu_s": float(cpu_s),
        "build_s": build_s,
        "process_s": b2.device.timers["run_binary"],
        "spikes": spikes,
        "rate_hz": spikes / (args.neurons * args.duration),
        "syn_events": events,
        "syn_events_per_s": events / wall_s if wall_s > 0 else None,
        "peak_rss_bytes": int(rss),
    }
    if args.network == "cuba-stdp":
        w = np.asarray(pathways[0][0].w[:] / mV)
        result["mean_w_mV"] = float(w.mean()) if w.size else None
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
