"""Activation functions side by side: cards, a comparison table and their curves.

Run: python examples/02_activations.py [output folder]   (needs `pip install 'neuronet[plot]'`)
"""

import sys
from pathlib import Path

import neuronet
from neuronet import plot

out = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
out.mkdir(parents=True, exist_ok=True)

# One card: formulas, range, properties, known issues with their remedies, the init to use.
print(neuronet.explain("sigmoid"))

# The classic hidden-layer activations compared in one table.
print(neuronet.compare(["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"]))

# f (solid) and f' (dashed): sigmoid's derivative is at most 1/4, tanh's 1, relu's 0 or 1.
plot.activations(["sigmoid", "tanh", "relu", "gelu"]).savefig(out / "activations.png", dpi=110)
print(f"wrote {out / 'activations.png'}")
