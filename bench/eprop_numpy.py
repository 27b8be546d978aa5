"""Dense NumPy e-prop: the equations of specs 4.2 as the e-prop tutorials compute
them, every matrix entry every tick, for the baseline of bench/eprop.sh.

    python3 bench/eprop_numpy.py NET.json 20    # network file, trials; prints one JSON object

The network (constants, every weight, the frozen input and the target) is the one
synfire trains, written by `examples/eprop_bench.rs --export NET.json`, so both sides
simulate the same network from the same initial weights. Per trial of T ticks, from
rest (specs 1.4 and 4.2, tutorial normalisation, input scaling 1, subtractive reset,
no refractoriness, dt = 1 ms):

    v[t]   = alpha v[t-1] + W_in x[t] + W_rec z[t-1] - v_th z[t-1];  z[t] = v[t] >= v_th
    psi[t] = gamma / v_th max(0, 1 - |v[t] - v_th| / v_th)
    zbar[t] = alpha zbar[t-1] + (1 - alpha) s[t]  (s = x[t] for inputs, z[t-1] recurrent)
    ebar[t] = kappa ebar[t-1] + (1 - kappa) psi[t] zbar[t];  g += L[t] ebar[t]
    y[t]   = kappa y[t-1] + (1 - kappa) W_out z[t];  L[t] = B (y[t] - y*[t])

and one SGD step per trial with the firing-rate regulariser over the optimiser's
interval of T + gap ticks (synfire's update interval: a trial and the gap after it).
Timing convention of synfire's trainer: an input spike at trial tick t reaches the
hidden neurons at t + 1 (every engine delay is a tick), so x[t + 1] holds it here.

Counts synaptic updates as synfire does: the plastic synapses that exist (input plus
recurrent plus readout) times the trial's ticks. Dense code touches every matrix
entry (the 10% recurrent matrix of rec1000 is a dense masked matrix).
"""
import json
import sys
import time

import numpy as np


def load(path):
    with open(path) as f:
        net = json.load(f)
    n_in, n_rec = net["n_in"], net["n_rec"]

    def dense(key, rows, cols, transpose=False):
        c = net[key]
        m = np.zeros((rows, cols), np.float32)
        src, dst = np.asarray(c["src"]), np.asarray(c["dst"])
        if transpose:
            src, dst = dst, src
        m[dst, src] = np.asarray(c["w"], np.float32)
        return m

    w_in = dense("w_in", n_rec, n_in)
    w_rec = dense("w_rec", n_rec, n_rec)
    mask = np.zeros((n_rec, n_rec), bool)
    mask[np.asarray(net["w_rec"]["dst"]), np.asarray(net["w_rec"]["src"])] = True
    w_out = dense("w_out", 1, n_rec)
    b = dense("b", n_rec, 1)  # feedback: source readout k, target hidden j -> B[j, k]
    T = net["trial_ticks"]
    x = np.zeros((T, n_in), np.float32)
    for t, i in net["input"]:
        if t + 1 < T:
            x[t + 1, i] = 1.0
    y_star = np.asarray(net["target"], np.float32)
    return net, w_in, w_rec, mask, w_out, b, x, y_star


def main():
    path = sys.argv[1]
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    net, w_in, w_rec, mask, w_out, b, x, y_star = load(path)
    n_in, n_rec, T, gap = net["n_in"], net["n_rec"], net["trial_ticks"], net["gap"]
    v_th, gamma, eta, c_reg = net["v_th"], net["gamma"], net["eta"], net["c_reg"]
    f0 = net["f_target_hz"] * 1e-3  # spikes per 1 ms tick
    alpha, kappa = np.float32(np.exp(-1 / net["tau_m"])), np.float32(np.exp(-1 / net["tau_out"]))
    every = T + gap
    var = float(np.var(y_star.astype(np.float64)))

    def trial():
        nonlocal w_in, w_rec, w_out
        v = np.zeros(n_rec, np.float32)
        z = np.zeros(n_rec, np.float32)
        y = np.zeros(1, np.float32)
        zbar_in = np.zeros(n_in, np.float32)
        zbar_rec = np.zeros(n_rec, np.float32)
        zbar_out = np.zeros(n_rec, np.float32)
        ebar_in = np.zeros((n_rec, n_in), np.float32)
        ebar_rec = np.zeros((n_rec, n_rec), np.float32)
        g_in, g_rec, g_out = np.zeros_like(w_in), np.zeros_like(w_rec), np.zeros_like(w_out)
        sum_e_in, sum_e_rec = np.zeros_like(w_in), np.zeros_like(w_rec)
        spikes = np.zeros(n_rec, np.float32)
        sq = 0.0
        for k in range(T):
            v = alpha * v + w_in @ x[k] + w_rec @ z - z * v_th
            z_new = (v >= v_th).astype(np.float32)
            psi = gamma / v_th * np.maximum(0, 1 - np.abs(v - v_th) / v_th)
            zbar_in = alpha * zbar_in + (1 - alpha) * x[k]
            zbar_rec = alpha * zbar_rec + (1 - alpha) * z
            e_in = psi[:, None] * zbar_in[None, :]
            e_rec = psi[:, None] * zbar_rec[None, :] * mask
            y = kappa * y + (1 - kappa) * (w_out @ z_new)
            err = y - y_star[k]
            sq += float(err[0]) ** 2
            L = (b @ err).astype(np.float32)
            ebar_in = kappa * ebar_in + (1 - kappa) * e_in
            ebar_rec = kappa * ebar_rec + (1 - kappa) * e_rec
            g_in += L[:, None] * ebar_in
            g_rec += L[:, None] * ebar_rec
            sum_e_in += e_in
            sum_e_rec += e_rec
            zbar_out = kappa * zbar_out + (1 - kappa) * z_new
            g_out += err[:, None] * zbar_out[None, :]
            spikes += z_new
            z = z_new
        fbar = spikes / every
        reg = (c_reg * (fbar - f0) / every)[:, None]
        # synfire stores these weights (and their learning rate) scaled by 1 - alpha.
        w_in = w_in - eta * (1 - alpha) * (g_in + reg * sum_e_in)
        w_rec = w_rec - eta * (1 - alpha) * (g_rec + reg * sum_e_rec)
        w_out = w_out - eta * g_out
        return float(spikes.sum()), sq / T / var

    s_first, nmse_first = trial()
    start, cpu = time.perf_counter(), time.process_time()
    spikes, nmse_last, s_last = 0.0, nmse_first, s_first
    for _ in range(trials):
        s_last, nmse_last = trial()
        spikes += s_last
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    synapses = n_rec * n_in + int(mask.sum()) + n_rec
    rate = lambda s, n: s / n_rec / (n * T) * 1e3
    print(json.dumps({"impl": "numpy", "network": net.get("name", path), "trials": trials, "ticks": trials * T, "plastic_synapses": synapses,
                      "wall_s": wall, "cpu_s": cpu, "synapse_updates_per_s": synapses * trials * T / wall,
                      "synapse_updates_per_cpu_s": synapses * trials * T / cpu,
                      "hidden_rate_hz": rate(spikes, max(trials, 1)), "rate_first_hz": rate(s_first, 1), "nmse_first": nmse_first,
                      "rate_last_hz": rate(s_last, 1), "nmse_last": nmse_last, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
