"""Train a network on the spiral data, then look inside it: curves, boundary, neurons.

Run: python examples/03_train_and_look_inside.py [output folder]   (needs neuronet[plot])
"""

import sys
from pathlib import Path

import neuronet
from neuronet import MLP, datasets, plot

out = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
out.mkdir(parents=True, exist_ok=True)

X, y = datasets.spiral(600, n_classes=3, noise=0.2, seed=0)
X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, seed=0)
net = MLP([2, 16, 16, 3], activation="tanh", output="softmax", seed=0)
monitor = neuronet.Monitor(X_train, y_train)  # per-layer diagnostics after every epoch
history = net.fit(
    X_train,
    y_train,
    epochs=150,
    lr=0.01,
    validation_data=(X_test, y_test),
    callbacks=[monitor],
    verbose=0,
)
print(history)
print(f"held-out accuracy: {float((net.predict(X_test) == y_test).mean()):.1%}")

# What is each layer doing? Dead or saturated units, the size of the gradients.
print(neuronet.diagnose(net, X_train, y_train))

figures = {
    "history.png": plot.history(history),
    "decision_boundary.png": plot.decision_boundary(net, X_test, y_test),
    "neurons.png": plot.neuron_heatmaps(net, X),
    "network.png": plot.network(net),
    "diagnostics.png": plot.diagnostics(history),
}
for name, figure in figures.items():
    figure.savefig(out / name, dpi=110)
    print(f"wrote {out / name}")
