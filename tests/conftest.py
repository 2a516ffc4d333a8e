"""Shared fixtures and tolerances.

The tests import the *installed* fastnn: there is no conftest at the repository root
and no tests/__init__.py, so the source folder (which has no compiled core) is not
on sys.path when `pytest` runs.
"""
import numpy as np
import pytest

import fastnn
from fastnn import engine, reference

# Compiled vs reference, per iteration, on smooth trajectories: the engines differ only
# in summation order (~1e-16 relative per operation); the He study accumulates that
# to ~2e-15 over 15000 iterations, so 1e-10 leaves room for other compilers and BLAS
# kernels while still catching any real difference in the algorithm.
COST_RTOL = 1e-10
# Final parameters after 15000 iterations: same argument, one order looser because
# small weights are compared relative to the largest entry of their matrix.
PARAM_RTOL = 1e-9

ENGINES = {"compiled": engine, "reference": reference}


@pytest.fixture(scope="session")
def study_data():
    return fastnn.load_dataset()


@pytest.fixture(params=sorted(ENGINES))
def engine_module(request):
    """Each engine's module: ``train`` and ``cost_and_gradients``."""
    return ENGINES[request.param]


def random_problem(n_x, m, seed=0):
    """A small labelled problem that is not the donut: Gaussian inputs, labels from a
    random linear rule with 10 % of them flipped, so neither class is trivial."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_x, m)
    Y = (rng.randn(n_x) @ X > 0).astype(float).reshape(1, m)
    flip = rng.rand(m) < 0.1
    Y[0, flip] = 1 - Y[0, flip]
    return X, Y


def assert_parameters_close(actual, expected, rtol):
    """Each matrix within ``rtol`` times the larger of 1 and its largest entry.

    The floor of 1 matters where a parameter should be exactly 0 and both engines hold
    rounding noise instead (the zeros start's b3 is ~1e-16, not 0, in both).
    """
    assert actual.keys() == expected.keys()
    for key in expected:
        scale = max(np.abs(expected[key]).max(), 1.0)
        np.testing.assert_allclose(actual[key], expected[key], rtol=0, atol=rtol * scale, err_msg=key)


def finite_difference_gradients(cost, parameters, eps=1e-6):
    """Centred differences (cost(p + eps) - cost(p - eps)) / (2 eps) of every parameter."""
    grads = {}
    for key, value in parameters.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = {k: v.copy() for k, v in parameters.items()}
            shifted[key][index] = value[index] + eps
            plus = cost(shifted)
            shifted[key][index] = value[index] - eps
            minus = cost(shifted)
            grad[index] = (plus - minus) / (2 * eps)
        grads["d" + key] = grad
    return grads


def table_rows(text, first_column):
    """The rows, split into columns, of the table in ``text`` whose header starts
    with ``first_column``, up to the first blank line (the command line's closing
    tables: a header, a rule, then the rows)."""
    lines = text[text.index(first_column + " "):].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def edited_model_file(tmp_path, result, **changes):
    """``result`` saved, then some of its arrays replaced (None removes one), as a
    hand edit of the file would."""
    path = fastnn.save(tmp_path / "model.npz", result)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    np.savez(path, **arrays)
    return path
