r"""Training on data spread over a Dask cluster: full-batch L-BFGS, and SGD block by block.

Two ways to train on data that does not fit one machine's memory, or already lives on a
cluster:

- :func:`fit`: **data-parallel L-BFGS**, the way Spark MLlib's
  ``MultilayerPerceptronClassifier`` trains. The rows of ``X`` and ``y`` stay in their blocks
  on the workers; every time L-BFGS needs the loss and gradient it sends the current
  parameters to every block, each block computes its part where it lives, and only the sums
  come back:

  .. math:: L(\theta) = \frac{1}{n} \sum_b n_b L_b(\theta), \qquad
            \nabla L(\theta) = \frac{1}{n} \sum_b n_b \nabla L_b(\theta)

  (:math:`L_b` the average loss of block :math:`b`, :math:`n_b` its rows), plus the L2
  penalty, added once. The result is the one ``net.fit(X, y, optimizer="lbfgs")`` gives on
  the same data held locally, to float rounding.

- **Out-of-core SGD** with dask-ml: :class:`dask_ml.wrappers.Incremental` around a
  :class:`neuronet.sklearn.NeuronetClassifier` (or ``NeuronetRegressor``) calls
  ``partial_fit`` once per block, in order, moving the model to the data, and
  :class:`dask_ml.wrappers.ParallelPostFit` predicts block by block. Nothing is lost: the
  model equals the one the same ``partial_fit`` calls make locally.

Dask is an extra (``pip install 'neuronet[dask]'``); ``import neuronet`` never imports it.

Examples
--------
>>> import dask.array as da
>>> import neuronet, neuronet.dask
>>> X, y = neuronet.datasets.moons(400, noise=0.1, seed=0)
>>> Xd, yd = da.from_array(X, chunks=(100, 2)), da.from_array(y, chunks=100)   # 4 blocks
>>> net = neuronet.MLP([2, 8, 2], activation="tanh", output="softmax", seed=0)
>>> history = neuronet.dask.fit(net, Xd, yd, epochs=50)
>>> history["accuracy"][-1] > 0.95
True

SGD over the blocks with dask-ml, and prediction where the blocks are:

>>> from dask_ml.wrappers import Incremental
>>> from neuronet.sklearn import NeuronetClassifier
>>> model = Incremental(NeuronetClassifier((8,), random_state=0), shuffle_blocks=False)
>>> model = model.fit(Xd, yd, classes=[0, 1])
>>> model.predict(Xd).compute().shape
(400,)
"""

from __future__ import annotations

import math
import os
import threading
import uuid
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    import dask
    import dask.array as da
except ImportError as error:  # pragma: no cover - tested by hiding dask
    raise ImportError(
        "neuronet.dask needs dask, which is not installed: pip install 'neuronet[dask]'"
    ) from error

from . import optimizers as _optimizers
from . import training as _training
from ._arrays import categories
from ._validation import check_non_negative, check_number, check_positive_int
from .layers import BatchNorm, Dropout
from .network import MLP
from .progress import check_verbose
from .training import History

__all__ = ["fit"]

Array = NDArray[np.floating[Any]]
# What one block sends back: loss × n_b, gradient × n_b (float64), correct answers, n_b.
# Summed over blocks: loss × weight, gradient × weight, correct answers, rows, weight.
Partial = tuple[float, NDArray[np.float64], int, int, float]


def fit(
    net: MLP,
    X: Any,
    y: Any,
    *,
    epochs: int = 100,
    l2: float = 0.0,
    client: Any = None,
    tol: float = 1e-7,
    sample_weight: Any = None,
    callbacks: Sequence[Any] = (),
    verbose: int = 0,
) -> History:
    r"""Train ``net`` by full-batch L-BFGS on data spread over Dask blocks; return its History.

    Each L-BFGS evaluation sends the parameters to every block (scattered once to each worker
    with ``dask.distributed``), each block computes its loss and gradient times its number of
    rows where it lives, a tree reduction sums them on the workers, and the driver divides by
    the total number of rows and adds the L2 penalty once. Only parameters and gradients cross
    the network; the blocks are prepared (converted to the network's dtype, labels mapped to
    classes) once and kept in the workers' memory for the whole run.

    Parameters
    ----------
    net : MLP
        The network, trained in place. No dropout (L-BFGS needs the same loss every time it
        evaluates the same weights) and no batch norm (each block's statistics would differ
        from the whole set's); layer norm is fine.
    X : dask array, dask DataFrame, or array_like of shape (n_samples, n_inputs)
        Partitioned along the rows; columns are joined into one block per row block, and
        empty blocks (of a filtered array) are left out. A NumPy array (or pandas object) is
        split into one block per worker thread.
    y : dask array, dask Series or DataFrame, or array_like
        Targets as :meth:`MLP.fit` takes them, partitioned like ``X`` (re-chunked to match).
        A classifier's labels are read before training: if the network has no ``classes``
        and the labels are not numbers, the sorted distinct labels become its classes, as
        ``net.fit`` would make them.
    epochs : int, default=100
        The most L-BFGS iterations.
    l2 : float, default=0.0
        L2 penalty :math:`\tfrac{\lambda}{2}\sum W^2` on the weights, added once.
    client : dask.distributed.Client, optional
        The cluster to run on. None uses the default client if one exists, else Dask's
        default scheduler (threads).
    tol : float, default=1e-7
        Stop when the largest entry of the projected gradient is at most ``tol``.
    sample_weight : dask array or array_like of shape (n_samples,), optional
        Non-negative weight of each sample, partitioned like ``X`` (re-chunked to match):
        the loss is the weighted average, as ``net.fit(..., sample_weight=)`` computes it.
    callbacks : sequence of Callback or callable, default=()
        Called after every iteration, as in :meth:`MLP.fit`.
    verbose : {0, 1, 2}, default=0
        As :meth:`MLP.fit`.

    Returns
    -------
    History
        ``loss`` (and ``accuracy`` for a classifier) per iteration and ``stop_reason``.

    Raises
    ------
    ValueError
        For a network with dropout or batch norm, ``X`` without rows or with a number of
        columns other than the network's inputs, ``X`` and ``y`` of different lengths, or
        targets that do not fit the network.

    Warns
    -----
    DivergenceWarning
        When the loss becomes NaN or infinite, or runs away; as :meth:`MLP.fit`.

    Examples
    --------
    With a cluster (``Client(address)``, or ``LocalCluster`` on one machine):

    >>> from dask.distributed import Client, LocalCluster          # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2))                 # doctest: +SKIP
    >>> neuronet.dask.fit(net, Xd, yd, epochs=50, client=client)   # doctest: +SKIP
    History(epochs=50, loss=..., accuracy=..., stop_reason='completed all epochs')

    Without one, on threads (the data as in the module's example):

    >>> import dask.array as da
    >>> import neuronet, neuronet.dask
    >>> X, y = neuronet.datasets.circles(300, noise=0.05, seed=0)
    >>> net = neuronet.MLP([2, 8, 2], activation="tanh", output="softmax", seed=0)
    >>> h = neuronet.dask.fit(net, da.from_array(X, chunks=(100, 2)), y, epochs=30)
    >>> h.epochs <= 30 and h["loss"][-1] < h["loss"][0]
    True
    """
    if not isinstance(net, MLP):
        raise TypeError(f"`net` must be a neuronet.MLP, got {type(net).__name__}.")
    epochs = check_positive_int(epochs, "epochs")
    l2 = check_non_negative(l2, "l2")
    tol = check_number(tol, "tol", ">= 0")
    verbose = check_verbose(verbose)
    _check_network(net)
    client = _client(client)
    declared = _declared_categories(y)  # a categorical column's classes, in declared order
    X_d, y_d = _as_dask(X, y, client)
    _check_shape(net, X_d)
    w_d = None
    if sample_weight is not None:
        w_d = _to_dask_array(sample_weight, "sample_weight", 1)
        if w_d.shape != (len(X_d),):
            raise ValueError(
                f"`sample_weight` must have shape ({len(X_d)},), one weight per sample, got "
                f"shape {w_d.shape}."
            )
        w_d = w_d.rechunk((X_d.chunks[0],))
    _set_classes(net, y_d, declared)
    data = _Blocks(net, X_d, y_d, w_d, client)
    # The one training loop: L-BFGS, the L2 penalty, the checks and the History as for arrays.
    return _training.fit(
        net,
        data,
        epochs=epochs,
        optimizer=_optimizers.LBFGS(tol=tol),
        l2=l2,
        callbacks=callbacks,
        verbose=verbose,
    )


# --- checks and conversion ------------------------------------------------------------------


def _check_network(net: MLP) -> None:
    if any(isinstance(layer, Dropout) for layer in net.layers):
        raise ValueError(
            f"L-BFGS needs the same loss every time it evaluates the same weights, but this "
            f"network has dropout (rate {net.dropout}), which makes the loss random. Build "
            f"the network with dropout=0, or train it block by block with dask-ml's "
            f"Incremental and neuronet.sklearn's partial_fit."
        )
    if any(isinstance(layer.norm, BatchNorm) for layer in net.dense_layers):
        raise ValueError(
            "Batch norm normalises with the statistics of the batch, and every block's differ "
            "from the whole set's, so the distributed loss would not be the full-batch one. "
            "Use norm='layer' (per sample) or no normalisation."
        )


def _check_shape(net: MLP, X: Any) -> None:
    """Refuse ``X`` of the wrong width, or without rows, before any block is computed."""
    shape = tuple(int(n) for n in X.shape)
    if shape[1] != net.n_inputs:
        raise ValueError(
            f"`X` has {shape[1]} features per sample but the network expects {net.n_inputs} "
            f"(shape (n_samples, {net.n_inputs})), got X of shape {shape}."
        )
    if shape[0] == 0:
        raise ValueError(f"`X` has no samples (shape {shape}).")


def _client(client: Any) -> Any:
    """The client given, or the default one if dask.distributed has one, else None."""
    if client is not None:
        return client
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - distributed is optional for the threaded path
        return None
    try:
        return default_client()
    except ValueError:  # no client: Dask's default scheduler
        return None


def _as_dask(X: Any, y: Any, client: Any) -> tuple[Any, Any]:
    """``X`` as a 2-D dask array with whole rows per block, ``y`` chunked like its rows."""
    X_d = _to_dask_array(X, "X", _n_blocks(client))
    if X_d.ndim != 2:
        raise ValueError(f"`X` must be 2-D, (n_samples, n_inputs), got {X_d.ndim} dimension(s).")
    X_d = X_d.rechunk({1: -1})
    y_d = _to_dask_array(y, "y", 1)
    if y_d.ndim not in (1, 2):
        raise ValueError(f"`y` must be 1-D or 2-D, got {y_d.ndim} dimensions.")
    if len(X_d) != len(y_d):
        raise ValueError(
            f"`X` and `y` must have the same number of samples, got {len(X_d)} and {len(y_d)}."
        )
    y_d = y_d.rechunk((X_d.chunks[0],) if y_d.ndim == 1 else (X_d.chunks[0], -1))
    return X_d, y_d


def _to_dask_array(value: Any, name: str, n_blocks: int) -> Any:
    if isinstance(value, da.Array):
        arr = value
    elif hasattr(value, "to_dask_array") and hasattr(value, "npartitions"):
        # A dask DataFrame or Series. Its blocks' lengths are counted below (so X and y can be
        # matched row for row), not with to_dask_array(lengths=True), which refuses frames
        # whose optimised graph has fewer partitions than `npartitions` says (read_parquet
        # joins small files).
        arr = _plain_numpy_dtypes(value).to_dask_array()
    else:
        local = np.asarray(value)
        if local.ndim == 0:
            raise ValueError(f"`{name}` must be an array of samples, got {value!r}.")
        rows = max(1, math.ceil(len(local) / n_blocks))
        arr = da.from_array(local, chunks=(rows, *local.shape[1:]))
    if any(math.isnan(c) for c in arr.chunks[0]):
        arr = arr.compute_chunk_sizes()
    return arr


def _plain_numpy_dtypes(frame: Any) -> Any:
    """A dask DataFrame or Series with pandas extension dtypes made NumPy ones, as ``net.fit``
    reads them: nullable numbers as float64, strings, categories and nullable booleans as
    labels (object)."""
    import pandas as pd

    def plain(dtype: Any) -> Any:
        if not pd.api.types.is_extension_array_dtype(dtype):
            return dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        return np.float64 if numeric else object

    if frame.ndim == 2:
        return frame.astype({name: plain(dtype) for name, dtype in frame.dtypes.items()})
    return frame.astype(plain(frame.dtype))


def _n_blocks(client: Any) -> int:
    """How many blocks to split a local array into: one per worker thread (or core)."""
    if client is None:
        return os.cpu_count() or 1
    return max(1, sum(client.nthreads().values()))


def _declared_categories(y: Any) -> list[Any] | None:
    """The categories of a pandas or dask categorical column, in their declared order."""
    found = categories(y)
    if found is None and str(getattr(y, "dtype", "")) == "category":
        accessor = y.cat  # a dask Series: its categories are known unless marked unknown
        if getattr(accessor, "known", True):
            found = list(accessor.categories)
    return found


def _set_classes(net: MLP, y: Any, declared: list[Any] | None = None) -> None:
    """Give a classifier the classes ``net.fit`` would take from all of ``y``, and check them.

    Only the distinct labels are computed (a small reduction); mapping them to classes and
    refusing a single class reuse the network's own checks on them, so the rules are
    ``net.fit``'s.
    """
    if not net.is_classifier or not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        return
    if declared is not None and net.classes is None:
        net.classes = declared  # as net.fit takes a pandas category's classes
    labels = np.asarray(da.unique(y.ravel()).compute())
    prepared = net.prepare_targets(labels, infer_classes=True)
    net.head.check_training_targets(prepared)


# --- the work each block does ---------------------------------------------------------------

# Each worker thread keeps one network per training run, rebuilt from the configuration the
# first time a block on it is evaluated: only the parameters travel with every evaluation,
# and threads never share the buffers a forward and backward pass write to.
_LOCAL = threading.local()


def _local_net(spec: tuple[str, dict[str, Any]]) -> MLP:
    token, config = spec
    cached = getattr(_LOCAL, "net", None)
    if cached is None or cached[0] != token:
        with warnings.catch_warnings():
            # Whatever building it warns about, the driver's network warned about already.
            warnings.simplefilter("ignore")
            cached = (token, MLP.from_config(config))
        _LOCAL.net = cached
    return cached[1]


def _prepare_block(
    spec: tuple[str, dict[str, Any]], X: Any, y: Any, weight: Any = None
) -> tuple[Array, Any, Any]:
    """One block converted once, as ``net.prepare`` does it, for every later evaluation."""
    X_p, y_p = _local_net(spec).prepare(X, y)
    return X_p, y_p, None if weight is None else np.asarray(weight, dtype=np.float64)


def _block_loss_grad(
    spec: tuple[str, dict[str, Any]], params: Array, block: tuple[Array, Any, Any]
) -> Partial:
    X, y, weight = block
    n = len(X)  # never 0: _Blocks leaves empty blocks out
    net = _local_net(spec)
    net.parameters[...] = params
    # The block's (weighted) average, times its weight: sums over blocks, then divided by
    # the whole weight, give the average over every sample, as net.fit computes it.
    loss, correct = net.train_step(X, y, deterministic=True, sample_weight=weight)
    total = float(n if weight is None else weight.sum())
    return loss * total, net.gradients.astype(np.float64) * total, correct, n, total


def _add(a: Partial, b: Partial) -> Partial:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]


def _tree_sum(parts: Sequence[Any]) -> Any:
    """Sum delayed partials pairwise (Spark's treeAggregate): one gradient reaches the driver."""
    add = dask.delayed(_add, pure=True)
    level = list(parts)
    while len(level) > 1:
        pairs = [add(a, b) for a, b in zip(level[::2], level[1::2], strict=False)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0]


class _Blocks(_training.FullBatchData):
    """The prepared blocks, kept where they were computed, and one evaluation over them."""

    def __init__(self, net: MLP, X: Any, y: Any, weight: Any, client: Any) -> None:
        self.client = client
        self.spec = (uuid.uuid4().hex, net.get_config())
        self.dtype = net.dtype
        xs, ys = X.to_delayed().ravel(), y.to_delayed().ravel()
        prepare = dask.delayed(_prepare_block, pure=True)
        ws = [None] * len(xs) if weight is None else list(weight.to_delayed().ravel())
        # A filtered array may have empty blocks, which net.prepare refuses: they add nothing.
        blocks = [
            prepare(self.spec, xb, yb, wb)
            for xb, yb, wb, rows in zip(xs, ys, ws, X.chunks[0], strict=True)
            if rows > 0
        ]
        self.blocks = client.persist(blocks) if client is not None else dask.persist(*blocks)
        self.n = len(X)

    def evaluate(self, x: NDArray[np.float64]) -> Partial:
        """The summed loss, gradient, correct answers and rows at parameters ``x``."""
        params = np.asarray(x, dtype=self.dtype)
        if self.client is not None:
            # Once per worker, not once per block.
            params = self.client.scatter(params, broadcast=True, hash=False)
        work = dask.delayed(_block_loss_grad, pure=True)
        total = _tree_sum([work(self.spec, params, block) for block in self.blocks])
        if self.client is not None:
            return self.client.compute(total).result()
        (result,) = dask.compute(total)
        return result

    @property
    def n_samples(self) -> int:
        return self.n

    def loss_and_gradient(self, net: MLP) -> tuple[float, int]:
        loss_sum, grad_sum, correct, _, weight = self.evaluate(net.parameters.astype(np.float64))
        net.gradients[...] = grad_sum / weight
        return loss_sum / weight, correct
