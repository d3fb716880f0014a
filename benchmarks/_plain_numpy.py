"""The "plain NumPy loop" reference: the MLP a user would write by hand.

This is deliberately a textbook implementation, not a tuned one: every step allocates its
own temporaries, Adam runs once per parameter array, and nothing is fused or preallocated.
It answers the question "what does neuronet buy me over writing the loop myself?".

The network is ``Dense -> ReLU -> ... -> Dense -> softmax`` trained with mean categorical
cross-entropy and Adam (Kingma & Ba, 2015), the same maths as neuronet, PyTorch and
scikit-learn in ``run.py``.
"""

from __future__ import annotations

import numpy as np


class PlainMLP:
    """A ReLU MLP with a softmax output, trained by mini-batch Adam.

    Parameters
    ----------
    params : list of (ndarray, ndarray)
        ``(weights, bias)`` per layer, weights of shape ``(n_in, n_out)``. Copied.
    """

    def __init__(self, params: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.weights = [w.copy() for w, _ in params]
        self.biases = [b.copy() for _, b in params]

    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return the pre-activations ``zs`` and activations ``activations`` of every layer.

        ``activations[0]`` is the input; the last entry of ``zs`` holds the logits.
        """
        activations = [x]
        zs = []
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = activations[-1] @ w + b
            zs.append(z)
            if i < len(self.weights) - 1:
                activations.append(np.maximum(z, 0))
        return zs, activations

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Softmax probabilities, shape ``(n_samples, n_classes)``."""
        zs, _ = self.forward(x)
        return softmax(zs[-1])

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        epochs: int = 1,
        batch_size: int = 32,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> list[float]:
        """Train in the given sample order (no shuffling); return the mean loss per epoch."""
        params = self.weights + self.biases
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        step = 0
        history = []
        for _ in range(epochs):
            total_loss = 0.0
            for start in range(0, len(x), batch_size):
                xb = x[start : start + batch_size]
                yb = y[start : start + batch_size]
                n = len(xb)

                # Forward pass, then the mean cross-entropy of the softmax.
                zs, activations = self.forward(xb)
                probs = softmax(zs[-1])
                total_loss += -np.log(probs[np.arange(n), yb] + 1e-12).sum()

                # Backward pass. Softmax + cross-entropy fuse into probs - one_hot.
                delta = probs.copy()
                delta[np.arange(n), yb] -= 1
                delta /= n
                grad_w = [None] * len(self.weights)
                grad_b = [None] * len(self.biases)
                for i in reversed(range(len(self.weights))):
                    grad_w[i] = activations[i].T @ delta
                    grad_b[i] = delta.sum(axis=0)
                    if i > 0:
                        # ReLU'(z) = 1 where z > 0, else 0 (0 at the kink).
                        delta = (delta @ self.weights[i].T) * (zs[i - 1] > 0)

                # Adam, one parameter array at a time.
                step += 1
                for p, g, m_i, v_i in zip(params, grad_w + grad_b, m, v, strict=True):
                    m_i[...] = beta1 * m_i + (1 - beta1) * g
                    v_i[...] = beta2 * v_i + (1 - beta2) * g * g
                    m_hat = m_i / (1 - beta1**step)
                    v_hat = v_i / (1 - beta2**step)
                    p -= lr * m_hat / (np.sqrt(v_hat) + eps)
            history.append(float(total_loss) / len(x))
        return history


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so that ``exp`` cannot overflow."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
