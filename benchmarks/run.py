"""Benchmark neuronet against PyTorch, scikit-learn, a plain NumPy loop and the GEMM bound.

One process trains the same network (784 -> 256 -> 128 -> 10, ReLU, softmax + cross-entropy,
Adam lr 1e-3, float32) for one epoch on the same synthetic data, from the same initial weights
and in the same batch order, with five implementations side by side:

1. neuronet;
2. PyTorch (CPU, eager, as many threads as NumPy's BLAS);
3. scikit-learn's ``MLPClassifier`` (solver="adam", alpha=0, shuffle=False);
4. the "matrix products alone" bound: only the forward and backward GEMMs of the same epoch,
   into preallocated outputs -- the practical ceiling for any NumPy implementation;
5. a plain, textbook NumPy training loop (``_plain_numpy.py``).

It also measures predict latency, import time and memory, and held-out accuracy on
scikit-learn's digits so that no speed is bought with wrong maths. See README.md.

Usage::

    python benchmarks/run.py                  # full run, a few minutes on 2 cores
    python benchmarks/run.py --quick          # reduced workload, < 1 minute
    python benchmarks/run.py --batches 32 128 512 --samples 60000 --json bench.json
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _plain_numpy import PlainMLP
from _report import report

REPO = Path(__file__).resolve().parents[1]
SIZES = [784, 256, 128, 10]
DIGITS_SIZES = [64, 128, 64, 10]
LR = 1e-3
DTYPE = np.float32
# Idle time before each measurement. BLAS thread pools (OpenBLAS, OpenMP) spin-wait for a
# while after their last call; on few cores, pools left spinning by the previous competitor
# (or by a second BLAS library loaded by scipy) would slow down the next one.
SETTLE_S = 0.3

# A list of (weights, bias) per layer, weights of shape (n_in, n_out): neuronet's layout.
Params = list[tuple[np.ndarray, np.ndarray]]


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Optional libraries
# ---------------------------------------------------------------------------------------------


def optional_import(name: str, missing: str) -> Any:
    """Import `name`, or print `missing` and return None."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        print(f"{missing} ({exc})")
        return None


def import_neuronet() -> Any:
    """Import neuronet, falling back to the checkout's ``src/`` when it is not installed."""
    try:
        neuronet = importlib.import_module("neuronet")
    except ImportError:
        sys.path.insert(0, str(REPO / "src"))
        try:
            neuronet = importlib.import_module("neuronet")
        except ImportError as exc:
            print(f"neuronet not importable: pip install -e . (or PYTHONPATH=src) ({exc})")
            return None
    if not hasattr(neuronet, "MLP"):
        print(f"neuronet at {list(neuronet.__path__)} has no MLP: incomplete checkout?")
        return None
    return neuronet


def dense_layers(net: Any) -> list[Any]:
    """The layers of a neuronet MLP that hold weights."""
    return [layer for layer in net.layers if hasattr(layer, "weights")]


# ---------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------


def numpy_blas() -> dict[str, Any] | None:
    """threadpoolctl's entry for NumPy's BLAS (call before other BLAS libraries load)."""
    try:
        import threadpoolctl
    except ImportError:
        print("threadpoolctl not installed: pip install threadpoolctl (BLAS info unavailable)")
        return None
    blas = [info for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    return blas[0] if blas else None


def blas_threads(blas: dict[str, Any] | None) -> int:
    """The current thread count of NumPy's BLAS."""
    if blas is None:
        return os.cpu_count() or 1
    import threadpoolctl

    for info in threadpoolctl.threadpool_info():
        if info["filepath"] == blas["filepath"]:
            return int(info["num_threads"])
    return int(blas["num_threads"])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(blas: dict[str, Any] | None, threads: int, libs: dict[str, Any]) -> dict:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "numpy_blas": blas,
        "blas_threads": threads,
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")},
    }
    for name, module in libs.items():
        env[name] = getattr(module, "__version__", "?") if module is not None else None
    torch = libs.get("torch")
    if torch is not None:
        env["torch_threads"] = torch.get_num_threads()
        env["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    try:
        import threadpoolctl

        env["all_threadpools"] = threadpoolctl.threadpool_info()
    except ImportError:
        pass
    return env


THREADPOOL_PROBE = """\
import json, os, sys, time
import numpy as np
import threadpoolctl
import neuronet

def cpu_seconds(tid):
    try:
        with open(f"/proc/self/task/{tid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

main = str(os.getpid())
np.ones((512, 512), np.float32) @ np.ones((512, 512), np.float32)  # NumPy's pool at work
before = set(os.listdir("/proc/self/task"))
import scipy.linalg.cython_blas  # what numba imports when it starts: SciPy's own OpenBLAS
scipy_threads = set(os.listdir("/proc/self/task")) - before
numpy_threads = before - {main}
rng = np.random.default_rng(0)
X = rng.standard_normal((20000, 784), dtype=np.float32)
y = rng.integers(0, 10, 20000)
start = {tid: cpu_seconds(tid) for tid in os.listdir("/proc/self/task")}
for batch in (32, 128, 512):
    net = neuronet.MLP([784, 256, 128, 10], output="softmax", seed=0)
    net.fit(X, y, epochs=1, batch_size=batch, shuffle=False, verbose=0)
    net.predict_proba(X[:1]); net.predict_proba(X[:1024])
used = {tid: cpu_seconds(tid) - start.get(tid, 0.0) for tid in os.listdir("/proc/self/task")}
print(json.dumps({
    "pools": [
        {k: info.get(k) for k in ("internal_api", "prefix", "filepath", "num_threads")}
        for info in threadpoolctl.threadpool_info()
    ],
    "numba": "numba" in sys.modules,
    "main_cpu_s": used.get(main, 0.0),
    "numpy_pool_cpu_s": sum(used.get(t, 0.0) for t in numpy_threads),
    "scipy_pool_threads": len(scipy_threads),
    "scipy_pool_cpu_s": sum(used.get(t, 0.0) for t in scipy_threads),
}))
"""


def threadpool_probe(pythonpath: str | None) -> dict[str, Any] | None:
    """Which BLAS pools neuronet's training and prediction load, and which of them work.

    A fresh interpreter (Linux only) trains the benchmark network at each batch size and
    predicts, after loading SciPy's OpenBLAS as numba does; it reports the CPU time of the
    threads each pool started (read from /proc/self/task), so "only one pool is busy" is a
    measurement, not an assumption.
    """
    if not Path("/proc/self/task").exists():
        return None
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", THREADPOOL_PROBE],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        log(f"  threadpool probe failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(proc.stdout)


class OtherLoad:
    """How much of the machine other processes used while a block ran (Linux only).

    Timings on a shared machine are only as good as its quiet: the report flags a run during
    which other work took a noticeable share of the CPUs.
    """

    def __enter__(self) -> OtherLoad:
        self.start = self._sample()
        self.share: float | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        end = self._sample()
        if self.start is None or end is None:
            return
        busy, own, wall = (e - s for e, s in zip(end, self.start, strict=True))
        self.share = max(0.0, busy - own) / (wall * (os.cpu_count() or 1))

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        except OSError:
            return None
        # user nice system idle iowait irq softirq steal ...: all but idle and iowait are busy.
        ticks = [int(f) for f in fields[:8]]
        busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        return busy, t.user + t.system + t.children_user + t.children_system, time.monotonic()


# ---------------------------------------------------------------------------------------------
# Data and initial weights
# ---------------------------------------------------------------------------------------------


def synthetic_data(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standard-normal features; labels from a random linear teacher, so the task is learnable.

    The rows are shuffled once with a fixed seed; every competitor then trains with
    shuffle=False, so all of them see exactly the same batches.
    """
    rng = np.random.default_rng(seed)
    n_in, n_classes = SIZES[0], SIZES[-1]
    x = rng.standard_normal((n_samples, n_in), dtype=DTYPE)
    teacher = rng.standard_normal((n_in, n_classes), dtype=DTYPE)
    y = np.argmax(x @ teacher, axis=1).astype(np.int64)
    order = rng.permutation(n_samples)
    return np.ascontiguousarray(x[order]), y[order]


def digits_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits scaled to [0, 1]; stratified 75/25 split, train pre-shuffled."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(DTYPE)
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target.astype(np.int64), test_size=0.25, stratify=digits.target, random_state=0
    )
    order = np.random.default_rng(seed).permutation(len(x_train))
    return np.ascontiguousarray(x_train[order]), y_train[order], x_test, y_test


def initial_parameters(neuronet: Any, sizes: list[int], seed: int) -> Params:
    """neuronet's initial weights (copied), which every competitor then starts from.

    Without neuronet, He-normal weights and zero biases stand in, so that the other
    competitors can still be compared with each other.
    """
    if neuronet is not None:
        net = neuronet.MLP(sizes, activation="relu", output="softmax", seed=seed, dtype="float32")
        return [(layer.weights.copy(), layer.bias.copy()) for layer in dense_layers(net)]
    rng = np.random.default_rng(seed)
    return [
        (
            rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out)).astype(DTYPE),
            np.zeros(n_out, DTYPE),
        )
        for n_in, n_out in itertools.pairwise(sizes)
    ]


def layer_sizes(params: Params) -> list[int]:
    return [params[0][0].shape[0]] + [w.shape[1] for w, _ in params]


# ---------------------------------------------------------------------------------------------
# Competitors: build a model from given weights (untimed), train it (timed), read it back
# ---------------------------------------------------------------------------------------------


class Competitor:
    """One implementation of the same training run."""

    key = ""
    label = ""

    def build(self, params: Params) -> Any:
        """A fresh model holding a copy of `params`."""
        raise NotImplementedError

    def fit(self, model: Any, x: np.ndarray, y: np.ndarray, batch_size: int, epochs: int):
        """Train in the given order; may return its own timing in seconds (else None)."""
        raise NotImplementedError

    def parameters(self, model: Any) -> list[np.ndarray] | None:
        """``[W1, b1, W2, b2, ...]`` in neuronet's layout, or None if there is no model."""
        return None

    def to_input(self, x: np.ndarray) -> Any:
        """Convert a NumPy batch to this library's input type (untimed)."""
        return x

    predict_proba: Any = None


class Neuronet(Competitor):
    key, label = "neuronet", "neuronet"

    def __init__(self, neuronet: Any) -> None:
        self.nn = neuronet

    def build(self, params: Params) -> Any:
        net = self.nn.MLP(
            layer_sizes(params),
            activation="relu",
            output="softmax",
            seed=0,
            dtype=str(params[0][0].dtype),
        )
        for layer, (w, b) in zip(dense_layers(net), params, strict=True):
            layer.weights[...] = w
            layer.bias[...] = b
        return net

    def fit(self, model, x, y, batch_size, epochs):
        model.fit(
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            optimizer="adam",
            lr=LR,
            shuffle=False,
            verbose=0,
        )

    def parameters(self, model):
        return [a.copy() for layer in dense_layers(model) for a in (layer.weights, layer.bias)]

    def predict_proba(self, model, x):
        return model.predict_proba(x)


class Torch(Competitor):
    key, label = "torch", "PyTorch"

    def __init__(self, torch: Any) -> None:
        self.torch = torch

    def build(self, params: Params) -> Any:
        nn = self.torch.nn
        layers: list[Any] = []
        dtype = self.torch.from_numpy(params[0][0]).dtype
        for i, (w, b) in enumerate(params):
            linear = nn.Linear(*w.shape, dtype=dtype)
            with self.torch.no_grad():
                # torch.nn.Linear stores its weight as (out, in): the transpose of neuronet's.
                linear.weight.copy_(self.torch.from_numpy(w.T))
                linear.bias.copy_(self.torch.from_numpy(b))
            layers.append(linear)
            if i < len(params) - 1:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    def fit(self, model, x, y, batch_size, epochs):
        # What an expert writes: slice tensors directly, no DataLoader and its per-batch cost.
        torch = self.torch
        cross_entropy = torch.nn.functional.cross_entropy
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        model.train()
        for _ in range(epochs):
            for start in range(0, len(xt), batch_size):
                loss = cross_entropy(
                    model(xt[start : start + batch_size]), yt[start : start + batch_size]
                )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

    def parameters(self, model):
        out = []
        for module in model:
            if isinstance(module, self.torch.nn.Linear):
                out += [
                    module.weight.detach().numpy().T.copy(),
                    module.bias.detach().numpy().copy(),
                ]
        return out

    def to_input(self, x):
        return self.torch.from_numpy(np.ascontiguousarray(x))

    def predict_proba(self, model, x):
        with self.torch.inference_mode():
            return model(x).softmax(-1)


class Sklearn(Competitor):
    key, label = "sklearn", "scikit-learn"

    def __init__(self, mlp_classifier: Any, convergence_warning: type[Warning]) -> None:
        self.mlp_classifier = mlp_classifier
        self.convergence_warning = convergence_warning

    def build(self, params: Params) -> Any:
        # MLPClassifier cannot be given initial weights, so: fit one step on one dummy sample
        # per class to create coefs_, overwrite them with ours, and continue with
        # warm_start=True (each fit() still starts a fresh Adam optimizer).
        sizes = layer_sizes(params)
        n_classes = sizes[-1]
        clf = self.mlp_classifier(
            hidden_layer_sizes=tuple(sizes[1:-1]),
            activation="relu",
            solver="adam",
            alpha=0.0,
            batch_size=n_classes,
            learning_rate_init=LR,
            max_iter=1,
            shuffle=False,
            warm_start=True,
            random_state=0,
        )
        dtype = params[0][0].dtype
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", self.convergence_warning)
            clf.fit(np.zeros((n_classes, sizes[0]), dtype), np.arange(n_classes))
        clf.coefs_ = [w.copy() for w, _ in params]
        clf.intercepts_ = [b.copy() for _, b in params]
        return clf

    def fit(self, model, x, y, batch_size, epochs):
        # tol is ignored: n_iter_no_change=epochs can never be exceeded.
        model.set_params(batch_size=batch_size, max_iter=epochs, n_iter_no_change=epochs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", self.convergence_warning)
            model.fit(x, y)

    def parameters(self, model):
        return [
            a.copy() for pair in zip(model.coefs_, model.intercepts_, strict=True) for a in pair
        ]

    def predict_proba(self, model, x):
        return model.predict_proba(x)


class PlainNumpy(Competitor):
    key, label = "numpy", "plain NumPy"

    def build(self, params: Params) -> Any:
        return PlainMLP(params)

    def fit(self, model, x, y, batch_size, epochs):
        model.fit(x, y, epochs=epochs, batch_size=batch_size, lr=LR)

    def parameters(self, model):
        return [a.copy() for pair in zip(model.weights, model.biases, strict=True) for a in pair]

    def predict_proba(self, model, x):
        return model.predict_proba(x)


class GemmBound(Competitor):
    """Only the matrix products of an epoch, into preallocated outputs.

    Per batch: forward ``X@W1, H1@W2, H2@W3``; backward ``dW3 = H2.T@D3, D2 = D3@W3.T,
    dW2 = H1.T@D2, D1 = D2@W2.T, dW1 = X.T@D1``. Biases, activations, the loss and the
    optimizer are left out, so no implementation built on NumPy's BLAS can be faster.
    """

    key, label = "bound", "matmul bound"

    def build(self, params: Params) -> Any:
        return [w for w, _ in params]

    def fit(self, model, x, y, batch_size, epochs):
        weights = model
        n = len(x)
        grads = [np.empty_like(w) for w in weights]
        buffers = {}
        for m in {min(batch_size, n), n % batch_size or batch_size}:
            outputs = [np.empty((m, w.shape[1]), x.dtype) for w in weights]
            deltas = [np.empty((m, w.shape[0]), x.dtype) for w in weights[1:]]
            buffers[m] = outputs, deltas
        start_time = time.perf_counter()
        for _ in range(epochs):
            for start in range(0, n, batch_size):
                xb = x[start : start + batch_size]
                outputs, deltas = buffers[len(xb)]
                inputs = [xb]
                for w, out in zip(weights, outputs, strict=True):
                    inputs.append(np.matmul(inputs[-1], w, out=out))
                # The logits buffer stands in for the output delta D3: only the timing matters.
                delta = outputs[-1]
                for i in reversed(range(len(weights))):
                    np.matmul(inputs[i].T, delta, out=grads[i])
                    if i > 0:
                        delta = np.matmul(delta, weights[i].T, out=deltas[i - 1])
        return time.perf_counter() - start_time

    def predict_proba(self, model, x):
        # Prediction's three products alone (x@W1, @W2, @W3) into preallocated outputs: the
        # floor for predict_proba on a large batch.
        outputs = self._predict_buffers.get((id(model), len(x)))
        if outputs is None:
            outputs = [np.empty((len(x), w.shape[1]), x.dtype) for w in model]
            self._predict_buffers[(id(model), len(x))] = outputs
        a = x
        for w, out in zip(model, outputs, strict=True):
            a = np.matmul(a, w, out=out)
        return a

    def __init__(self) -> None:
        self._predict_buffers: dict[tuple[int, int], list[np.ndarray]] = {}


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def time_fit(comp: Competitor, params: Params, x, y, batch_size: int) -> float:
    """Seconds for one epoch from a fresh model (built untimed)."""
    model = comp.build(params)
    gc.collect()
    time.sleep(SETTLE_S)
    start = time.perf_counter()
    inner = comp.fit(model, x, y, batch_size, 1)
    elapsed = time.perf_counter() - start
    return inner if inner is not None else elapsed


def bench_training(comps, params, x, y, batches, repeats, warmup) -> dict:
    """samples/s of one epoch for every competitor and batch size; best of `repeats`.

    Repeats are interleaved across competitors, in a new order each time, so that slow drifts
    of the machine (other load, clocks) and the after-effects of one competitor on the next
    spread evenly over all of them.
    """
    training: dict[str, dict[str, Any]] = {}
    order_rng = np.random.default_rng(0)
    for batch_size in batches:
        n_warm = min(len(x), max(warmup, 2 * batch_size))
        for comp in comps:
            comp.fit(comp.build(params), x[:n_warm], y[:n_warm], batch_size, 1)
        seconds: dict[str, list[float]] = {comp.key: [] for comp in comps}
        for r in range(repeats):
            # A new order each repeat (seeded): a competitor can slow down whichever one runs
            # next (thread pools still spinning, a hot CPU), and rotating a fixed order would
            # keep the same neighbours, so shuffle instead.
            order = order_rng.permutation(len(comps)) if r else range(len(comps))
            for comp in (comps[i] for i in order):
                elapsed = time_fit(comp, params, x, y, batch_size)
                seconds[comp.key].append(elapsed)
                log(
                    f"  batch {batch_size:4d}  repeat {r + 1}/{repeats}  {comp.label:13s}"
                    f" {len(x) / elapsed:12,.0f} samples/s"
                )
        training[str(batch_size)] = {
            key: {"seconds": s, "best_s": min(s), "samples_per_s": len(x) / min(s)}
            for key, s in seconds.items()
        }
    return training


def weight_agreement(comps, params: Params, x, y, batch_size: int, n_batches: int) -> dict:
    """Largest |weight difference| from neuronet after the same first `n_batches` steps.

    Only a few steps: over a whole epoch, float32 rounding differences grow chaotically
    (Adam turns even tiny gradient noise into lr-sized steps, and ReLUs flip), which would
    hide a real error behind noise. ``"update"`` is neuronet's largest |change| of a weight
    over those steps, for scale.
    """
    n = min(len(x), n_batches * batch_size)
    trained = {}
    for comp in comps:
        model = comp.build(params)
        comp.fit(model, x[:n], y[:n], batch_size, 1)
        weights = comp.parameters(model)
        if weights is not None:
            trained[comp.key] = weights
    if "neuronet" not in trained:
        return {}
    ref = trained.pop("neuronet")
    start = [a for pair in params for a in pair]
    result = {"update": max(float(np.max(np.abs(r - s))) for r, s in zip(ref, start, strict=True))}
    for key, weights in trained.items():
        result[key] = max(float(np.max(np.abs(a - b))) for a, b in zip(ref, weights, strict=True))
    return result


def bench_latency(comps, params, x, sizes: list[int], calls: dict[int, int]) -> dict:
    """Median seconds of one predict_proba call on `n` samples, for each n in `sizes`."""
    latency: dict[str, dict[str, float]] = {}
    for n in sizes:
        latency[str(n)] = {}
        for comp in comps:
            if comp.predict_proba is None:
                continue
            model = comp.build(params)
            batch = comp.to_input(x[:n])
            time.sleep(SETTLE_S)
            for _ in range(20):
                comp.predict_proba(model, batch)
            samples = []
            for _ in range(calls[n]):
                start = time.perf_counter()
                comp.predict_proba(model, batch)
                samples.append(time.perf_counter() - start)
            latency[str(n)][comp.key] = statistics.median(samples)
    return latency


def bench_optimizer_step(neuronet: Any, params: Params, repeats: int = 7) -> float:
    """Seconds of one Adam step on the benchmark network's parameters (best of `repeats`).

    Every competitor must do this arithmetic once per batch, and the matmul bound leaves it
    out; so the bound plus this step is the ceiling for a training step on NumPy's BLAS.
    """
    net = Neuronet(neuronet).build(params)
    optimizer = neuronet.optimizers.Adam(lr=LR)
    net.gradients[...] = 1e-3
    for _ in range(20):
        optimizer.step(net.parameters, net.gradients)
    calls, best = 200, float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            optimizer.step(net.parameters, net.gradients)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


IMPORT_PROBE = """\
import json, resource, sys, time
start = time.perf_counter()
{statement}
seconds = time.perf_counter() - start
# On Linux ru_maxrss survives fork + exec, so a child started from this (large) benchmark
# process would report the parent's peak. VmHWM belongs to the child's own address space.
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak //= 1024 if sys.platform == "darwin" else 1  # bytes on macOS, KiB elsewhere
print(json.dumps({{"seconds": seconds, "maxrss_kib": peak}}))
"""


def bench_import(modules: list[str], repeats: int, pythonpath: str | None) -> dict:
    """Import time and peak RSS of each module, each in a fresh interpreter.

    ``"python"`` is the bare interpreter (nothing imported): the baseline to subtract.
    Medians over `repeats` runs.
    """
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    results = {}
    for module in ["python", *modules]:
        statement = "pass" if module == "python" else f"import {module}"
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", IMPORT_PROBE.format(statement=statement)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                log(f"  import {module} failed: {proc.stderr.strip().splitlines()[-1:]}")
                break
            runs.append({**json.loads(proc.stdout), "process_s": wall})
        if runs:
            results[module] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    base = results.get("python")
    for res in results.values():
        if base is not None:
            res["extra_rss_kib"] = res["maxrss_kib"] - base["maxrss_kib"]
            res["extra_process_s"] = res["process_s"] - base["process_s"]
    return results


def bench_accuracy(comps, neuronet, epochs: int, batch_size: int, seed: int) -> dict:
    """Held-out accuracy on digits after identical training from identical weights."""
    x_train, y_train, x_test, y_test = digits_data(seed)
    params = initial_parameters(neuronet, DIGITS_SIZES, seed)
    result = {
        "sizes": DIGITS_SIZES,
        "epochs": epochs,
        "batch_size": batch_size,
        "n_train": len(x_train),
        "n_test": len(x_test),
        "accuracy": {},
    }
    for comp in comps:
        if comp.predict_proba is None or comp.key == "bound":
            continue
        model = comp.build(params)
        comp.fit(model, x_train, y_train, batch_size, epochs)
        proba = np.asarray(comp.predict_proba(model, comp.to_input(x_test)))
        result["accuracy"][comp.key] = float(np.mean(proba.argmax(axis=1) == y_test))
    return result


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark neuronet against PyTorch, scikit-learn, a plain NumPy loop "
        "and the matrix-products bound.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="reduced workload (6,000 samples, 1 repeat): under a minute",
    )
    parser.add_argument("--samples", type=int, help="training samples (default 60000; quick 6000)")
    parser.add_argument(
        "--batches",
        type=int,
        nargs="+",
        default=[32, 128, 512],
        help="batch sizes (default 32 128 512)",
    )
    parser.add_argument(
        "--repeats", type=int, help="timed epochs per case; best is kept (default 3; quick 1)"
    )
    parser.add_argument(
        "--dtypes",
        nargs="+",
        default=["float32", "float64"],
        choices=["float32", "float64"],
        help="training dtypes (default float32 float64; everything else runs in float32)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=1024,
        help="warm-up samples before timing (at least 2 batches; default 1024)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="limit NumPy's BLAS (and torch) to this many threads (default: NumPy's BLAS default)",
    )
    parser.add_argument(
        "--digits-epochs",
        type=int,
        default=20,
        help="epochs for the digits accuracy check (default 20)",
    )
    parser.add_argument(
        "--skip",
        nargs="+",
        default=[],
        choices=[
            "neuronet",
            "torch",
            "sklearn",
            "numpy",
            "bound",
            "latency",
            "import",
            "accuracy",
            "threads",
        ],
        help="leave parts out",
    )
    parser.add_argument(
        "--agree-batches",
        type=int,
        default=10,
        help="steps after which weights are compared with neuronet's (default 10)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--markdown", type=Path, metavar="PATH", help="also write the tables as Markdown"
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="measure nothing: re-render the results saved by --json (e.g. with --markdown)",
    )
    args = parser.parse_args(argv)
    if args.samples is None:
        args.samples = 6_000 if args.quick else 60_000
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    for name in ("samples", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if min(args.batches) < 1:
        parser.error(f"--batches must all be at least 1, got {args.batches}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text())
    else:
        results = run_benchmarks(args)
    out = report(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"\nResults written to {args.json}")
    if args.markdown is not None:
        args.markdown.write_text("\n".join(out.markdown).strip() + "\n")
        print(f"Markdown written to {args.markdown}")
    return 0


def run_benchmarks(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement that `args` asks for, as one JSON-ready dictionary."""
    blas = numpy_blas()  # before torch/scipy load BLAS libraries of their own

    skip = set(args.skip)
    neuronet = None if "neuronet" in skip else import_neuronet()
    torch = None
    if "torch" not in skip:
        torch = optional_import("torch", "PyTorch not installed: pip install torch==2.13.0")
    sklearn = None
    if "sklearn" not in skip:
        sklearn = optional_import(
            "sklearn", "scikit-learn not installed: pip install scikit-learn"
        )

    if args.threads is not None and blas is not None:
        import threadpoolctl

        threadpoolctl.threadpool_limits(args.threads, user_api="blas")
    threads = blas_threads(blas)
    if torch is not None:
        torch.set_num_threads(threads)

    comps: list[Competitor] = []
    if neuronet is not None:
        comps.append(Neuronet(neuronet))
    if torch is not None:
        comps.append(Torch(torch))
    if sklearn is not None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        comps.append(Sklearn(MLPClassifier, ConvergenceWarning))
    if "numpy" not in skip:
        comps.append(PlainNumpy())
    if "bound" not in skip:
        comps.append(GemmBound())

    results: dict[str, Any] = {
        "environment": environment(
            blas, threads, {"neuronet": neuronet, "torch": torch, "sklearn": sklearn}
        ),
        "competitors": {comp.key: comp.label for comp in comps},
        "config": {
            "samples": args.samples,
            "features": SIZES[0],
            "sizes": SIZES,
            "lr": LR,
            "dtype": "float32",
            "dtypes": args.dtypes,
            "batches": args.batches,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "agree_batches": args.agree_batches,
            "seed": args.seed,
            "quick": args.quick,
        },
    }

    x, y = synthetic_data(args.samples, args.seed)
    params = initial_parameters(neuronet, SIZES, args.seed)
    for dtype in args.dtypes:
        log(
            f"training ({dtype}): {args.samples:,} samples, batches {args.batches}, "
            f"{args.repeats} repeat(s)"
        )
        cast = [(w.astype(dtype), b.astype(dtype)) for w, b in params]
        with OtherLoad() as load:
            # float32 under "training" (the headline), others under "training_<dtype>".
            key = "training" if dtype == "float32" else f"training_{dtype}"
            results[key] = bench_training(
                comps, cast, x.astype(dtype, copy=False), y, args.batches, args.repeats,
                args.warmup,
            )  # fmt: skip
        suffix = "" if dtype == "float32" else f"_{dtype}"
        results["environment"][f"other_load_during_training{suffix}"] = load.share
    if neuronet is not None:
        for dtype in args.dtypes:
            cast = [(w.astype(dtype), b.astype(dtype)) for w, b in params]
            results.setdefault("optimizer_step_s", {})[dtype] = bench_optimizer_step(
                neuronet, cast
            )
    results["agreement"] = {
        str(b): weight_agreement(comps, params, x, y, b, args.agree_batches) for b in args.batches
    }
    if sklearn is not None:
        sk = next(c for c in comps if c.key == "sklearn")
        model = sk.build(params)
        sk.fit(model, x[:1024], y[:1024], 32, 1)
        results["sklearn_dtype"] = str(model.coefs_[0].dtype)

    results["predict_latency"] = {}
    if "latency" not in skip:
        log("predict latency")
        calls = {1: 300, 32: 300, 1024: 50} if args.quick else {1: 2000, 32: 2000, 1024: 300}
        results["predict_latency"] = bench_latency(comps, params, x, [1, 32, 1024], calls)

    if "threads" not in skip and neuronet is not None:
        log("thread pools")
        pythonpath = str(Path(neuronet.__file__).parents[1])
        results["environment"]["neuronet_threadpools"] = threadpool_probe(pythonpath)

    results["import"] = {}
    if "import" not in skip:
        log("import cost")
        modules = ["numpy"]
        modules += ["neuronet"] if neuronet is not None else []
        modules += ["torch"] if torch is not None else []
        modules += ["sklearn.neural_network"] if sklearn is not None else []
        pythonpath = str(Path(neuronet.__file__).parents[1]) if neuronet is not None else None
        results["import"] = bench_import(modules, 1 if args.quick else 5, pythonpath)

    if "accuracy" not in skip and sklearn is not None:
        log("digits accuracy")
        results["accuracy"] = bench_accuracy(comps, neuronet, args.digits_epochs, 32, args.seed)
    elif "accuracy" not in skip:
        print("Digits accuracy skipped: it needs scikit-learn's load_digits.")

    return results


if __name__ == "__main__":
    sys.exit(main())
