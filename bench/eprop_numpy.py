"""Dense NumPy e-prop: the equations of specs 4.2 as the e-prop tutorials compute
them, every matrix entry every tick, for the baseline of bench/eprop.sh.

    python3 bench/eprop_numpy.py pattern 20    # network, trials; prints one JSON object

Same networks as examples/eprop_bench.rs: 100 Poisson inputs at 50 Hz, 100 LIF
(all to all) or 1000 LIF (10% connectivity, as a dense masked matrix: dense code
touches every entry), one leaky readout, random feedback, SGD once per trial, the
firing-rate regulariser. Counts synaptic updates as synfire does: the synapses that
exist (input plus recurrent plus readout) times ticks.
"""
import json
import sys
import time

import numpy as np


def main():
    network = sys.argv[1] if len(sys.argv) > 1 else "pattern"
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    n_in, n_rec, p = (100, 100, 1.0) if network == "pattern" else (100, 1000, 0.1)
    T, gap = 1000, 4
    tau_m, tau_out, v_th, gamma, eta, c_reg, f0 = 30.0, 30.0, 0.03, 0.3, 1e-4, 300.0, 0.01
    alpha, kappa = np.exp(-1 / tau_m), np.exp(-1 / tau_out)
    rng = np.random.default_rng(1)
    mask = (rng.random((n_rec, n_rec)) < p) & ~np.eye(n_rec, dtype=bool)
    w_in = rng.standard_normal((n_rec, n_in)).astype(np.float32) / np.sqrt(n_in) * (1 - alpha)
    w_rec = (rng.standard_normal((n_rec, n_rec)) * mask).astype(np.float32) / np.sqrt(n_rec * p) * (1 - alpha)
    w_out = rng.standard_normal((1, n_rec)).astype(np.float32) / np.sqrt(n_rec)
    b = rng.standard_normal((n_rec, 1)).astype(np.float32) * 0.1
    x = (rng.random((T, n_in)) < 0.05).astype(np.float32)
    t = np.arange(T)
    y_star = sum(a * np.sin(2 * np.pi * t / per + ph) for a, per, ph in zip(rng.uniform(0.5, 2, 4), [1000, 500, 333, 200], rng.uniform(0, 2 * np.pi, 4)))
    y_star = ((y_star - y_star[0]) / np.abs(y_star - y_star[0]).max()).astype(np.float32)

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
        fbar = spikes / (T + gap)
        reg = (c_reg * (fbar - f0) / (T + gap))[:, None]
        w_in = w_in - eta * (1 - alpha) * (g_in + reg * sum_e_in)
        w_rec = w_rec - eta * (1 - alpha) * (g_rec + reg * sum_e_rec)
        w_out = w_out - eta * g_out
        return spikes.sum()

    trial()
    start = time.perf_counter()
    spikes = sum(trial() for _ in range(trials))
    wall = time.perf_counter() - start
    synapses = n_rec * n_in + int(mask.sum()) + n_rec
    print(json.dumps({"impl": "numpy", "network": network, "trials": trials, "ticks": trials * (T + gap), "plastic_synapses": synapses,
                      "wall_s": wall, "synapse_updates_per_s": synapses * trials * (T + gap) / wall,
                      "hidden_rate_hz": float(spikes) / n_rec / (trials * T) * 1e3, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
