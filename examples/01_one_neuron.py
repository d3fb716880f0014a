"""From one neuron to a small network: z = w·x + b, a = f(z), layer by layer.

Run: python examples/01_one_neuron.py
"""

import warnings

import numpy as np

import neuronet
from neuronet import MLP, Neuron

# One neuron: a weighted sum and an activation.
neuron = Neuron(weights=[0.5, -0.25], bias=0.1, activation="sigmoid")
x = np.array([1.0, 2.0])
z = float(neuron.pre_activation(x))
print(f"z = 0.5·1 + (-0.25)·2 + 0.1 = {z:.2f};  a = sigmoid(z) = {float(neuron(x)):.4f}")

# Without a non-linear activation, stacking neurons adds nothing: the network stays linear.
# neuronet says so when such a network is built.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    MLP([2, 8, 8, 1], activation="identity")
print("neuronet warns:", *(str(w.message) for w in caught))

# A network is layers of neurons. trace() writes out every neuron's arithmetic for one input.
net = MLP([2, 3, 2], activation="relu", output="softmax", seed=0)
print(net.summary())
print(net.trace([1.0, -1.0]))

# Each activation knows its formula, derivative, properties and known problems.
print(neuronet.explain("relu"))
