//! The settings the spiking form of spec 10.1 adds to its [`Protocol`](super::Protocol): the delta
//! rule's rate in the weights' unit (mV), the output neuron, the input noise; and
//! the record of how they were tuned.

use super::ContinualError;
use super::poisson::{Noise, PRESENTATION_MS};

/// Membrane time constant and capacitance of the output neuron (lif_cuba defaults).
pub(super) const TAU_M_MS: f64 = 20.0;
pub(super) const C_M_PF: f64 = 200.0;

/// What the spiking form adds to [`Protocol`](super::Protocol): units and the output neuron.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SpikingProtocol {
    /// The delta rule's rate: a presentation moves `w_j` by `eta (y* - p) x_j` mV,
    /// `x_j` the presynaptic trace (of the order of the channel's spike count).
    pub eta: f64,
    /// The output rate that means `p = 1` (Hz): the target of label 1.
    pub rate_max_hz: f64,
    /// Presynaptic trace time constant of the rule (ms).
    pub tau_trace_ms: f64,
    /// Synaptic time constant of `R` (ms).
    pub tau_syn_ms: f64,
    /// Distance from reset (= rest) to threshold of `R` (mV): the voltage scale,
    /// hence the scale of the weights (mV) the metaplastic `m` acts on.
    pub threshold_mv: f64,
    /// Refractory period of `R` (ms).
    pub t_ref_ms: f64,
    /// Fresh or frozen Poisson trains. Frozen by default: with a new draw at every
    /// presentation, 2 spikes expected on an active channel and 0.2 on an inactive
    /// one, even a logistic readout trained to convergence on the noisy counts
    /// classifies only about 0.91 of 40 patterns right (seeds 1-5, our NumPy bound),
    /// so spec 7.2's `B >= 0.95` cannot hold for any single output neuron.
    pub noise: Noise,
}

impl Default for SpikingProtocol {
    /// Tuned on seeds 1-5 of the full protocol, frozen noise (plain and `m = 1`;
    /// `A` and `B` after training B):
    ///
    /// - the voltage scale sets the weights' unit, hence what `m` means: the LIF is
    ///   scale-free (weights, threshold, bias and `eta` scaled together give the same
    ///   spikes), and at 1 mV the weights after task A were 2.3 times the rate form's
    ///   (mean |w| 0.82-0.86 mV against 0.36-0.38), so 0.45 mV puts them on the rate
    ///   form's scale, where spec 7.2's `m` values were chosen;
    /// - `eta` at 1 mV and `tau` 50 ms: 0.02 learned task A to 0.97, 0.03 to 0.975,
    ///   0.05 overshot (0.89), 0.01 had not learned it in 60 epochs (0.80); 0.009
    ///   at 0.45 mV and 100 ms is 0.03's step (times 0.45 for the scale, 0.68 for the
    ///   longer trace's larger `x_j`);
    /// - `tau` 100 ms (plain B 0.960, `m = 1`: A 0.935, B 0.840) against 50 ms
    ///   (0.955; 0.885, 0.845) and 25 ms (0.88 at 1 mV): a longer trace is closer
    ///   to the spike count, at the price of 37 % of the last presentation's;
    /// - `r_max` 100 Hz (10 spikes mean `p = 1`), `t_ref` 2 ms, `tau_syn` 5 ms.
    fn default() -> Self {
        SpikingProtocol { eta: 0.009, rate_max_hz: 100.0, tau_trace_ms: 100.0, tau_syn_ms: 5.0, threshold_mv: 0.45, t_ref_ms: 2.0, noise: Noise::Frozen }
    }
}

impl SpikingProtocol {
    /// The bias current (pA) that makes `R` fire at `r_max / 2` without input: the
    /// membrane reaches threshold `θ` in `1/(r_max/2) - t_ref` from reset under a
    /// drive `v_inf = θ / (1 - exp(-that / tau_m))`.
    pub fn bias_pa(&self) -> f64 {
        let climb = 2e3 / self.rate_max_hz - self.t_ref_ms;
        self.threshold_mv / (1.0 - (-climb / TAU_M_MS).exp()) * C_M_PF / TAU_M_MS
    }

    /// Output spikes of one presentation that mean `p = 1`.
    pub fn spikes_max(&self) -> f64 {
        self.rate_max_hz * PRESENTATION_MS * 1e-3
    }

    /// Checks the fields (each must be positive and finite; `r_max` below `1/t_ref`).
    pub fn check(&self) -> Result<(), ContinualError> {
        let fields = [
            ("spiking.eta", self.eta),
            ("spiking.rate_max_hz", self.rate_max_hz),
            ("spiking.tau_trace_ms", self.tau_trace_ms),
            ("spiking.tau_syn_ms", self.tau_syn_ms),
            ("spiking.threshold_mv", self.threshold_mv),
        ];
        for (field, value) in fields {
            if !(value.is_finite() && value > 0.0) {
                return Err(ContinualError::Protocol { field, value: value.to_string(), why: "must be positive and finite" });
            }
        }
        if !(self.t_ref_ms.is_finite() && self.t_ref_ms >= 0.0) {
            return Err(ContinualError::Protocol { field: "spiking.t_ref_ms", value: self.t_ref_ms.to_string(), why: "must be non-negative and finite" });
        }
        if 2e3 / self.rate_max_hz <= self.t_ref_ms || self.rate_max_hz * 1e-3 > 0.5 {
            return Err(ContinualError::Protocol {
                field: "spiking.rate_max_hz",
                value: self.rate_max_hz.to_string(),
                why: "half of it must be reachable past the refractory period and it must stay below one spike per two ticks",
            });
        }
        Ok(())
    }
}
