"""The studies' data: the initialisation study's "donut" (two noisy concentric
circles), the optimisation study's "moons" (two interleaving half circles) and the
regularisation study's noisier, smaller moons.

The studies draw their data with scikit-learn's ``make_circles`` and ``make_moons``
after seeding NumPy's global generator. :func:`make_donut` and :func:`make_moons`
reproduce those algorithms operation by operation from a local
:class:`numpy.random.RandomState`, so the arrays are bit for bit the studies'
without depending on scikit-learn and without touching the global state.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["make_donut", "load_dataset", "make_moons", "load_moons", "load_regularization_data"]

TRAIN_SEED = 1
TEST_SEED = 2
MOONS_SEED = 3          # the optimisation study's np.random.seed(3)
# The regularisation study's moons (see load_regularization_data).
REGULARIZATION_TRAIN = (200, 0.3, 5)     # n_samples, noise, seed
REGULARIZATION_TEST = (1000, 0.3, 6)


def _check_sample_options(n_samples: int, noise: float) -> None:
    if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")


def _shuffled_with_noise(
    X: np.ndarray, y: np.ndarray, rng: np.random.RandomState, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's generators' last steps: shuffle the rows (``shuffle`` of an index
    range, as ``sklearn.utils.shuffle`` does), then add Gaussian noise; returned in
    the studies' layout, X (2, m) and Y (1, m)."""
    order = np.arange(len(y))
    rng.shuffle(order)
    X, y = X[order], y[order]
    with np.errstate(over="ignore", invalid="ignore"):
        X += rng.normal(scale=noise, size=X.shape)
    if not np.isfinite(X).all():
        raise ValueError(f"noise={noise!r} is so large that the points overflow to inf")
    return X.T, y.reshape(1, len(y))


def make_donut(
    n_samples: int = 300, noise: float = 0.05, seed: int | None = 1, factor: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """Draw points on two noisy concentric circles, as ``sklearn.datasets.make_circles``.

    Parameters
    ----------
    n_samples : int, default=300
        Number of points; ``n_samples // 2`` on the outer circle, the rest inside.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to every coordinate.
    seed : int or None, default=1
        Seed of the local ``RandomState``; ``make_circles(n_samples, noise=noise)``
        after ``np.random.seed(seed)`` gives the same arrays.
    factor : float, default=0.8
        Radius of the inner circle relative to the outer one.

    Returns
    -------
    X : ndarray of shape (2, n_samples)
        Points in columns, float64.
    Y : ndarray of shape (1, n_samples)
        Labels, 0 (outer circle) or 1 (inner circle), integer as in the study.

    Raises
    ------
    ValueError
        If ``n_samples`` is not a positive integer, ``noise`` is negative, not
        finite or so large that the points overflow, or ``factor`` is not in [0, 1).
    """
    _check_sample_options(n_samples, noise)
    if not 0 <= factor < 1:
        raise ValueError(f"factor must be in [0, 1), got {factor!r}")
    rng = np.random.RandomState(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    angles_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    angles_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack(
        [
            np.append(np.cos(angles_out), np.cos(angles_in) * factor),
            np.append(np.sin(angles_out), np.sin(angles_in) * factor),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffled_with_noise(X, y, rng, noise)


def make_moons(
    n_samples: int = 300, noise: float = 0.2, seed: int | None = MOONS_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Draw points on two noisy interleaving half circles, as
    ``sklearn.datasets.make_moons``.

    Parameters
    ----------
    n_samples : int, default=300
        Number of points; ``n_samples // 2`` on the upper half circle (label 0), the
        rest on the lower one (label 1).
    noise : float, default=0.2
        Standard deviation of the Gaussian noise added to every coordinate.
    seed : int or None, default=3
        Seed of the local ``RandomState``; ``make_moons(n_samples, noise=noise)``
        after ``np.random.seed(seed)`` gives the same arrays.

    Returns
    -------
    X : ndarray of shape (2, n_samples)
        Points in columns, float64.
    Y : ndarray of shape (1, n_samples)
        Labels, 0 or 1, integer as in the study.

    Raises
    ------
    ValueError
        If ``n_samples`` is not a positive integer, or ``noise`` is negative, not
        finite or so large that the points overflow.
    """
    _check_sample_options(n_samples, noise)
    rng = np.random.RandomState(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    X = np.vstack(
        [
            np.append(np.cos(np.linspace(0, np.pi, n_out)), 1 - np.cos(np.linspace(0, np.pi, n_in))),
            np.append(np.sin(np.linspace(0, np.pi, n_out)), 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffled_with_noise(X, y, rng, noise)


def load_moons() -> tuple[np.ndarray, np.ndarray]:
    """The optimisation study's data: 300 points on two moons, noise 0.2, seed 3 (its
    ``load_dataset``: ``np.random.seed(3)``, then ``make_moons(n_samples=300,
    noise=.2)``, transposed).

    Returns
    -------
    train_X : ndarray of shape (2, 300)
    train_Y : ndarray of shape (1, 300)
    """
    return make_moons(300, noise=0.2, seed=MOONS_SEED)


def load_dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The study's data: 300 training points (seed 1) and 100 test points (seed 2).

    Returns
    -------
    train_X : ndarray of shape (2, 300)
    train_Y : ndarray of shape (1, 300)
    test_X : ndarray of shape (2, 100)
    test_Y : ndarray of shape (1, 100)
    """
    train_X, train_Y = make_donut(300, noise=0.05, seed=TRAIN_SEED)
    test_X, test_Y = make_donut(100, noise=0.05, seed=TEST_SEED)
    return train_X, train_Y, test_X, test_Y


def load_regularization_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The regularisation study's data: noisy moons, 200 training points (noise 0.3,
    seed 5) and 1000 test points from the same distribution (seed 6).

    The course's own regularisation data (a football field's positions, a .mat
    file) is not part of fastnn; this stands in for it. The training set is small
    and noisy enough that the course's [2, 20, 3, 1] network overfits it without
    regularisation (30000 iterations at learning rate 0.3: train accuracy 0.965,
    test 0.869), and the large test set measures the gap to a point or so.

    Returns
    -------
    train_X : ndarray of shape (2, 200)
    train_Y : ndarray of shape (1, 200)
    test_X : ndarray of shape (2, 1000)
    test_Y : ndarray of shape (1, 1000)
    """
    n_train, noise, train_seed = REGULARIZATION_TRAIN
    n_test, noise, test_seed = REGULARIZATION_TEST
    train_X, train_Y = make_moons(n_train, noise=noise, seed=train_seed)
    test_X, test_Y = make_moons(n_test, noise=noise, seed=test_seed)
    return train_X, train_Y, test_X, test_Y
