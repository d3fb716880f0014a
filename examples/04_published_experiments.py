"""The published results about activations and initialisation, reproduced at small size.

Run: python examples/04_published_experiments.py [output folder]   (needs neuronet[plot])
"""

import sys
from pathlib import Path

from neuronet import experiments

out = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
out.mkdir(parents=True, exist_ok=True)

runs = {
    "linear_vs_nonlinear": experiments.linear_vs_nonlinear,
    "vanishing_gradients": experiments.vanishing_gradients,
    "he_init_variance": experiments.he_init_variance,
    "dying_relu": experiments.dying_relu,
    "selu_self_normalising": experiments.selu_self_normalising,
    "batch_norm_rescue": experiments.batch_norm_rescue,
}
for name, run in runs.items():
    result = run()
    result.figure().savefig(out / f"{name}.png", dpi=110)
    print(f"{name}: wrote {out / f'{name}.png'}")
