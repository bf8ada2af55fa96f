#!/usr/bin/env python3
"""The book's 9-2 data steps in Python with numpy, timed: Keras imdb.load_data(skip_top=20,
num_words=100) (its algorithm, copied from keras/src/datasets/imdb.py, as Keras is not installed
here), dropping ids <= 2, the seed-42 permutation split, pad_sequences(maxlen=100) and
to_categorical of train and validation (Keras's numpy algorithms). Prints one JSON line.
Usage: IMDB_DATA_DIR=../shared/data/imdb python3 bench/data_pipeline.py
(bench/data_pipeline.ts runs it next to the Deno pipeline); add --no-hugepages to turn off
numpy's huge-page advice."""
import json
import os
import time

import numpy as np

PATH = os.path.join(os.environ.get("IMDB_DATA_DIR", "data"), "imdb.npz")

# --no-hugepages: stop numpy from asking Linux for transparent huge pages on large arrays
# (madvise MADV_HUGEPAGE, numpy's default), as JavaScript typed arrays cannot.
HUGEPAGES = "--no-hugepages" not in os.sys.argv
try:
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _set_madvise_hugepage
_set_madvise_hugepage(HUGEPAGES)


def load_data(num_words=None, skip_top=0, seed=113, start_char=1, oov_char=2, index_from=3):
    with np.load(PATH, allow_pickle=True) as f:
        x_train, labels_train = f["x_train"], f["y_train"]
        x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train = x_train[indices]
    labels_train = labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test = x_test[indices]
    labels_test = labels_test[indices]
    x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
    x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in xs)
    xs = [[w if (skip_top <= w < num_words) else oov_char for w in x] for x in xs]
    idx = len(x_train)
    x_train, y_train = np.array(xs[:idx], dtype="object"), labels[:idx]
    x_test, y_test = np.array(xs[idx:], dtype="object"), labels[idx:]
    return (x_train, y_train), (x_test, y_test)


def pad_sequences(sequences, maxlen, dtype="int32", value=0):
    x = np.full((len(sequences), maxlen), value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = np.asarray(s[-maxlen:], dtype=dtype)
        x[idx, -len(trunc):] = trunc
    return x


def to_categorical(x, num_classes=None):
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    x = x.reshape(-1)
    if not num_classes:
        num_classes = np.max(x) + 1
    categorical = np.zeros((x.shape[0], num_classes), dtype="float32")
    categorical[np.arange(x.shape[0]), x] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


steps = {}
t0 = t = time.perf_counter()
(x_train_all, y_train_all), (x_test, y_test) = load_data(skip_top=20, num_words=100)
steps["load"] = time.perf_counter() - t
t = time.perf_counter()
for i in range(len(x_train_all)):
    x_train_all[i] = [w for w in x_train_all[i] if w > 2]
steps["filter"] = time.perf_counter() - t
t = time.perf_counter()
np.random.seed(42)
random_index = np.random.permutation(25000)
x_train = x_train_all[random_index[:20000]]
y_train = y_train_all[random_index[:20000]]
x_val = x_train_all[random_index[20000:]]
y_val = y_train_all[random_index[20000:]]
steps["split"] = time.perf_counter() - t
t = time.perf_counter()
x_train_seq = pad_sequences(x_train, maxlen=100)
x_val_seq = pad_sequences(x_val, maxlen=100)
steps["pad"] = time.perf_counter() - t
t = time.perf_counter()
x_train_onehot = to_categorical(x_train_seq)
x_val_onehot = to_categorical(x_val_seq)
steps["onehot"] = time.perf_counter() - t
total = time.perf_counter() - t0
assert x_train_onehot.shape == (20000, 100, 100) and x_train_onehot.nbytes == 800000000
print(json.dumps({
    "impl": f"python {'.'.join(map(str, os.sys.version_info[:3]))} numpy {np.__version__}"
    + ("" if HUGEPAGES else " (no huge pages)"),
    "total_s": round(total, 3),
    "steps_s": {k: round(v, 3) for k, v in steps.items()},
}))
