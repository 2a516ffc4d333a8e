import hashlib

import numpy as np
import pytest

import fastnn

# SHA-256 of the float64 bytes of the study's four arrays, as the study's recipe
# (np.random.seed(1); make_circles(300, noise=.05); seed 2; make_circles(100, ...))
# produced them with scikit-learn 1.9.1 and NumPy 2.4.6; make_donut must reproduce them
# bit for bit, with or without scikit-learn installed.
STUDY_FINGERPRINTS = {
    "train_X": "d19f4ebce59286081b2b0e01ecdcf761530b7b04b4425bb6553bea89da43b5da",
    "train_Y": "f9025e764b4725b884a4ac503ebe30708b7ba3e3c6b38493a5fdd8c110512bc5",
    "test_X": "6ea56690cb1725265c54bd2b67f9a6f8e3b1d0c2ba4e38c869c2b8b449065ca4",
    "test_Y": "6bde70ebd40666b2ae004e117df04a78068516c4c0a8e18fed14e18f945cb62b",
}


def fingerprint(array):
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()


def test_load_dataset_shapes_and_labels(study_data):
    train_X, train_Y, test_X, test_Y = study_data
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    assert test_X.shape == (2, 100) and test_Y.shape == (1, 100)
    assert train_X.dtype == np.float64
    assert set(np.unique(train_Y)) == {0, 1} and train_Y.sum() == 150


def test_load_dataset_matches_the_study_fingerprint(study_data):
    names = ["train_X", "train_Y", "test_X", "test_Y"]
    assert {name: fingerprint(a) for name, a in zip(names, study_data)} == STUDY_FINGERPRINTS


@pytest.mark.parametrize("n_samples, seed", [(300, 1), (100, 2), (7, 5), (1, 0), (1000, 42)])
def test_make_donut_equals_scikit_learn_make_circles(n_samples, seed):
    datasets = pytest.importorskip("sklearn.datasets")
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        X, y = datasets.make_circles(n_samples=n_samples, noise=0.05)
    finally:
        np.random.set_state(state)
    ours_X, ours_Y = fastnn.make_donut(n_samples, noise=0.05, seed=seed)
    np.testing.assert_array_equal(ours_X, X.T)
    np.testing.assert_array_equal(ours_Y, y.reshape(1, -1))


def test_make_donut_leaves_the_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    fastnn.make_donut(50, seed=9)
    fastnn.load_dataset()
    assert np.random.rand() == expected


def test_make_donut_radii():
    X, Y = fastnn.make_donut(400, noise=0.0, seed=0)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0, rtol=1e-15)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.8, rtol=1e-15)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_samples": 0}, "n_samples must be a positive integer"),
        ({"n_samples": 2.5}, "n_samples must be a positive integer"),
        ({"n_samples": 10, "noise": -1.0}, "noise must be"),
        ({"n_samples": 10, "noise": float("nan")}, "noise must be"),
        ({"n_samples": 10, "factor": 1.5}, "factor must be"),
    ],
    ids=["zero-samples", "float-samples", "negative-noise", "nan-noise", "factor"],
)
def test_make_donut_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fastnn.make_donut(**kwargs)


# The optimisation study's data, np.random.seed(3); make_moons(n_samples=300,
# noise=.2), transposed, as scikit-learn 1.9.1 with NumPy 2.4.6 produced it.
MOONS_FINGERPRINTS = {
    "train_X": "eb6bfc719018f058ae7580c2dbdb75dcd58928399b533da10b9b8c42fd1f1059",
    "train_Y": "9af4e33831c84dc7557c90a5109e9a4d91a270bacc2f3cff1bcc3f5a47fc38ea",
}


def test_load_moons_matches_the_study_fingerprint():
    train_X, train_Y = fastnn.load_moons()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300) and train_X.dtype == np.float64
    assert {"train_X": fingerprint(train_X), "train_Y": fingerprint(train_Y)} == MOONS_FINGERPRINTS


@pytest.mark.parametrize("n_samples, noise, seed", [(300, 0.2, 3), (7, 0.2, 5), (1, 0.1, 0), (1001, 0.05, 42)])
def test_make_moons_equals_scikit_learn_make_moons(n_samples, noise, seed):
    datasets = pytest.importorskip("sklearn.datasets")
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        X, y = datasets.make_moons(n_samples=n_samples, noise=noise)
    finally:
        np.random.set_state(state)
    ours_X, ours_Y = fastnn.make_moons(n_samples, noise=noise, seed=seed)
    np.testing.assert_array_equal(ours_X, X.T)
    np.testing.assert_array_equal(ours_Y, y.reshape(1, -1))


def test_make_moons_leaves_the_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    fastnn.load_moons()
    assert np.random.rand() == expected


def test_make_moons_half_circles():
    # Without noise: label 0 on the unit circle's upper half, label 1 on the unit
    # circle centred at (1, 0.5), lower half.
    X, Y = fastnn.make_moons(400, noise=0.0, seed=0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0, rtol=1e-15)
    assert (upper[1] >= 0).all() and (lower[1] <= 0.5 + 1e-15).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_samples": 0}, "n_samples must be a positive integer"),
        ({"n_samples": True}, "n_samples must be a positive integer"),
        ({"n_samples": 10, "noise": -0.1}, "noise must be"),
        ({"n_samples": 10, "noise": float("inf")}, "noise must be"),
    ],
    ids=["zero-samples", "bool-samples", "negative-noise", "inf-noise"],
)
def test_make_moons_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fastnn.make_moons(**kwargs)


# SHA-256 of the float64 bytes of the regularisation study's four arrays (NumPy 2.4.6),
# so that a change to the data, which would change the study's numbers, is noticed.
REGULARIZATION_FINGERPRINTS = {
    "train_X": "c2ac6020d669ff445462bc5c401401cba1f063aa39e2b6a617c57e9a917c707a",
    "train_Y": "ac3d08b6b647141e8a0a8de66a5c2f3280acefa4b3b1b2e7706ab3bce25bcb43",
    "test_X": "d5b433aa5f7168a50bcb89a6e84c9f26721f5909474c22f77cb75bd9126ec337",
    "test_Y": "62f225b640aef9eda101104739b3d53ed8a9fa8531d17e660148772e9166c121",
}


def test_load_regularization_data_shapes_and_fingerprint():
    arrays = dict(zip(["train_X", "train_Y", "test_X", "test_Y"], fastnn.load_regularization_data()))
    assert {name: array.shape for name, array in arrays.items()} == {
        "train_X": (2, 200), "train_Y": (1, 200), "test_X": (2, 1000), "test_Y": (1, 1000)}
    assert arrays["train_X"].dtype == arrays["test_X"].dtype == np.float64
    for name in ("train_Y", "test_Y"):
        assert set(np.unique(arrays[name])) == {0, 1} and arrays[name].mean() == 0.5
    assert {name: fingerprint(array) for name, array in arrays.items()} == REGULARIZATION_FINGERPRINTS


def test_load_regularization_data_is_deterministic_and_the_stated_moons():
    first, second = fastnn.load_regularization_data(), fastnn.load_regularization_data()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # As the docstring states: moons with noise 0.3, 200 points from seed 5, 1000 from seed 6.
    for ours, theirs in zip(first, fastnn.make_moons(200, 0.3, 5) + fastnn.make_moons(1000, 0.3, 6)):
        np.testing.assert_array_equal(ours, theirs)
