"""Train on a Dask cluster from Parquet files: full-batch L-BFGS, then SGD block by block.

Run:
    python examples/dask_cluster.py                          # a LocalCluster on this machine
    python examples/dask_cluster.py --scheduler tcp://host:8786 --parquet s3://bucket/table/
    (needs neuronet[dask]; reading s3:// also needs s3fs on the workers)

The table is read with ``dask.dataframe.read_parquet``: one partition per file (or row group),
each read by the worker that holds it, never gathered on this machine. The label column is
``--label``, every other column a feature. Without ``--parquet`` a synthetic table of ``--rows``
rows (a noisy two-moons problem, in eight files) is written to a temporary folder first.

Two ways to train, both with only parameters and gradients crossing the network:

1. ``neuronet.dask.fit``: L-BFGS on the whole table, as Spark MLlib's
   MultilayerPerceptronClassifier trains; every iteration sends the parameters to the blocks
   and sums their losses and gradients;
2. dask-ml's ``Incremental`` around ``NeuronetClassifier``: one ``partial_fit`` (an epoch of
   Adam) per block, the model moving to the data, for tables too big even for that.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask_ml.preprocessing import StandardScaler
from dask_ml.wrappers import Incremental, ParallelPostFit
from distributed import Client, LocalCluster

import neuronet
import neuronet.dask
from neuronet.sklearn import NeuronetClassifier


def write_example_table(folder: Path, rows: int, files: int = 8) -> Path:
    """A two-moons classification table with two noise columns, as ``files`` Parquet files."""
    X, y = neuronet.datasets.moons(rows, noise=0.2, seed=0)
    noise = np.random.default_rng(0).normal(size=(rows, 2))
    table = pd.DataFrame(
        {"x1": X[:, 0], "x2": X[:, 1], "n1": noise[:, 0], "n2": noise[:, 1], "label": y}
    )
    table["label"] = np.where(table["label"] == 1, "upper", "lower")
    for i, rows_of_file in enumerate(np.array_split(np.arange(rows), files)):
        table.iloc[rows_of_file].to_parquet(folder / f"part-{i:03d}.parquet", index=False)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scheduler", help="a running cluster's address; else a LocalCluster")
    parser.add_argument("--parquet", help="a Parquet file, folder or glob; else synthetic data")
    parser.add_argument("--label", default="label", help="the column to predict")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the synthetic table")
    parser.add_argument("--epochs", type=int, default=100, help="the most L-BFGS iterations")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.scheduler:
            client = Client(args.scheduler)
        else:
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster)
        with client:
            print(f"cluster: {client}")
            path = args.parquet or str(write_example_table(Path(tmp), args.rows))
            table = dd.read_parquet(path)
            features = [column for column in table.columns if column != args.label]
            X = table[features].astype("float64")
            y = table[args.label]
            print(f"table: {path}, {table.npartitions} partitions, features {features}")

            # Standardise with the statistics of the whole table (one pass on the workers).
            X = StandardScaler().fit_transform(X)

            # 1. Full-batch L-BFGS, data-parallel.
            net = neuronet.MLP([len(features), 16, 2], activation="tanh", output="softmax", seed=0)
            history = neuronet.dask.fit(net, X, y, epochs=args.epochs, l2=1e-4, client=client)
            print(f"L-BFGS: {history}")
            print(f"  classes {net.classes}, training accuracy {history['accuracy'][-1]:.3f}")

            # 2. SGD block by block: one epoch of Adam per partition, in order.
            # Arrays with known block lengths, y cut like X (not to_dask_array(lengths=True),
            # which refuses read_parquet's joined small files), labels as plain objects.
            X_blocks = X.to_dask_array().compute_chunk_sizes()
            y_blocks = y.astype(object).to_dask_array().compute_chunk_sizes()
            if y_blocks.chunks[0] != X_blocks.chunks[0]:
                # The labels are one small column: cut like X once and kept on the workers.
                y_blocks = y_blocks.rechunk((X_blocks.chunks[0],)).persist()
            classes = sorted(da.unique(y_blocks).compute())
            sgd = Incremental(
                NeuronetClassifier(
                    (16,), activation="tanh", learning_rate_init=0.01, random_state=0
                ),
                shuffle_blocks=False,
            )
            for _ in range(5):  # five passes over the table
                sgd.partial_fit(X_blocks, y_blocks, classes=classes)
            predicted = ParallelPostFit(sgd.estimator_).predict(X_blocks)
            accuracy = float((predicted == y_blocks).mean().compute())
            print(f"Incremental SGD, 5 passes: training accuracy {accuracy:.3f}")
        if not args.scheduler:
            cluster.close()


if __name__ == "__main__":
    main()
