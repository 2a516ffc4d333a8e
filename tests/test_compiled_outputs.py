"""The compiled engine against the oracle for every output layer, hidden activation
and precision: cost at every iteration, final parameters, gradients, BLAS layers,
threads, predictions and saved models."""
import itertools

import numpy as np
import pytest

import fastnn
from fastnn import engine, reference

OUTPUTS = {"sigmoid": 1, "multilabel": 2, "softmax": 3, "identity": 2}    # case -> K
ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
DTYPES = ("float64", "float32")

# Relative tolerance on costs and parameters against the oracle. float64: the two
# engines differ only in the order of their sums (~1e-16 per operation), and these
# runs are not chaotic (measured: 7e-16 on costs, 2.4e-14 on parameters). float32:
# the same differences are ~6e-8 per operation; over these runs the largest
# measured were 3.2e-7 on costs and 7.9e-6 on parameters (relative to |p| + 0.1),
# so 1e-4 leaves a margin of 10 without hiding a wrong derivative, which moves
# costs by ~1e-2.
RTOL = {"float64": 1e-10, "float32": 1e-4}
ATOL = {"float64": 1e-12, "float32": 1e-5}


def _targets(case, K, m, rng, X):
    if case in ("sigmoid", "multilabel"):
        return (X[:K] * X[-1:] + 0.3 * rng.standard_normal((K, m)) > 0).astype(np.float64)
    if case == "softmax":
        return (np.floor(X[0] * 1.5) % K).reshape(1, m)            # class labels
    return np.sin(X[:K]) + 0.1 * rng.standard_normal((K, m))


def _problem(case, m=150, n_x=4, seed=0):
    rng = np.random.default_rng(seed)
    K = OUTPUTS[case]
    X = rng.standard_normal((n_x, m))
    return X, _targets(case, K, m, rng, X), [n_x, 7, 5, K], "sigmoid" if case == "multilabel" else case


def _both(case, activation, dtype, **options):
    X, Y, dims, output = _problem(case)
    arguments = dict(layers_dims=dims, output=output, hidden_activation=activation, dtype=dtype,
                     num_iterations=40, learning_rate=0.1)
    arguments.update(options)
    return engine.train(X, Y, n_threads=1, **arguments), reference.train(X, Y, **arguments)


def _assert_close(compiled, oracle, dtype):
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=RTOL[dtype])
    for key, value in oracle.parameters.items():
        assert compiled.parameters[key].dtype == np.dtype(dtype)
        np.testing.assert_allclose(compiled.parameters[key], value, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, activation", list(itertools.product(OUTPUTS, ACTIVATIONS)))
def test_full_batch_gradient_descent_follows_the_oracle(case, activation, dtype):
    compiled, oracle = _both(case, activation, dtype)
    assert (compiled.output, compiled.hidden_activation, compiled.dtype) == (
        oracle.output, oracle.hidden_activation, np.dtype(dtype))
    _assert_close(compiled, oracle, dtype)
    assert compiled.costs[-1] < compiled.costs[0]       # it learns: the comparison is not of two stalls


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, activation", list(itertools.product(OUTPUTS, ACTIVATIONS)))
def test_mini_batch_adam_with_l2_follows_the_oracle(case, activation, dtype):
    compiled, oracle = _both(case, activation, dtype, optimizer="adam", mini_batch_size=32,
                             l2=0.05, learning_rate=0.01)
    _assert_close(compiled, oracle, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", OUTPUTS)
def test_dropout_with_relu_follows_the_oracle(case, dtype):
    compiled, oracle = _both(case, "relu", dtype, optimizer="momentum", mini_batch_size=50,
                             keep_prob=0.8)
    _assert_close(compiled, oracle, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, activation", list(itertools.product(OUTPUTS, ACTIVATIONS)))
def test_layers_through_blas_follow_the_oracle(case, activation, dtype, monkeypatch):
    # Every layer through gemm (a threshold of one weight), against the oracle.
    monkeypatch.setattr(engine, "BLAS_MIN_WEIGHTS", {"float64": 1, "float32": 1})
    compiled, oracle = _both(case, activation, dtype, optimizer="adam", mini_batch_size=64,
                             learning_rate=0.01)
    _assert_close(compiled, oracle, dtype)


@pytest.mark.parametrize("case, activation", list(itertools.product(OUTPUTS, ACTIVATIONS)))
def test_gradients_match_the_oracle_and_finite_differences(case, activation):
    X, Y, dims, output = _problem(case, m=40, seed=3)
    parameters = reference.train(X, Y, dims, output=output, hidden_activation=activation,
                                 num_iterations=3, learning_rate=0.1).parameters
    options = dict(output=output, hidden_activation=activation)
    cost, grads = engine.cost_and_gradients(X, Y, parameters, **options)
    oracle_cost, oracle_grads = reference.cost_and_gradients(X, Y, parameters, **options)
    assert cost == pytest.approx(oracle_cost, rel=1e-12)
    eps = 1e-6
    for key, grad in grads.items():
        np.testing.assert_allclose(grad, oracle_grads[key], rtol=1e-10, atol=1e-13)
        name = key[1:]
        numeric = np.empty_like(grad)
        for index in np.ndindex(grad.shape):
            shifted = {k: v.copy() for k, v in parameters.items()}
            shifted[name][index] += eps
            up = engine.cost_and_gradients(X, Y, shifted, **options)[0]
            shifted[name][index] -= 2 * eps
            down = engine.cost_and_gradients(X, Y, shifted, **options)[0]
            numeric[index] = (up - down) / (2 * eps)
        # central differences: truncation ~eps^2 = 1e-12, rounding ~1e-16 / eps = 1e-10
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("blas", [False, True])
def test_results_do_not_depend_on_the_number_of_threads(dtype, blas, monkeypatch):
    if blas:
        monkeypatch.setattr(engine, "BLAS_MIN_WEIGHTS", {"float64": 1, "float32": 1})
    # 6,000 examples: 19 blocks in 3 groups, so two threads really split the work.
    X, Y, _, _ = _problem("softmax", m=6000, seed=2)
    options = dict(layers_dims=[4, 9, 6, 3], output="softmax", hidden_activation="tanh",
                   dtype=dtype, num_iterations=5, learning_rate=0.1)
    one = engine.train(X, Y, n_threads=1, **options)
    two = engine.train(X, Y, n_threads=2, **options)
    np.testing.assert_array_equal(one.costs, two.costs)
    for key in one.parameters:
        np.testing.assert_array_equal(one.parameters[key], two.parameters[key])


@pytest.mark.parametrize("dtype", DTYPES)
def test_predictions_follow_the_output_layer(dtype):
    X, Y, dims, output = _problem("softmax")
    result = engine.train(X, Y, dims, output="softmax", hidden_activation="sigmoid", dtype=dtype,
                          num_iterations=20, learning_rate=0.5)
    probabilities = engine.predict_proba(X, result.parameters, output="softmax",
                                         hidden_activation="sigmoid")
    assert probabilities.shape == (3, X.shape[1]) and probabilities.dtype == np.dtype(dtype)
    np.testing.assert_allclose(probabilities.sum(axis=0), 1, rtol=10 * np.finfo(dtype).eps)
    expected = reference.predict_proba(X, result.parameters, output="softmax", hidden_activation="sigmoid")
    np.testing.assert_allclose(probabilities, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


def test_a_saved_float32_model_predicts_the_same(tmp_path):
    X, Y, dims, output = _problem("identity")
    result = engine.train(X, Y, dims, output="identity", hidden_activation="tanh", dtype=np.float32,
                          num_iterations=10, optimizer="adam", mini_batch_size=16, learning_rate=0.01)
    path = tmp_path / "model.npz"
    fastnn.save(path, result)
    loaded = fastnn.load(path)
    assert (loaded.output, loaded.hidden_activation, loaded.dtype) == ("identity", "tanh", np.float32)
    before = engine.predict_proba(X, result.parameters, output="identity", hidden_activation="tanh")
    after = engine.predict_proba(X, loaded.parameters, output=loaded.output,
                                 hidden_activation=loaded.hidden_activation)
    np.testing.assert_array_equal(before, after)
    # and the run goes on from the file as it would have gone on in memory
    options = dict(output="identity", hidden_activation="tanh", num_iterations=5, optimizer="adam",
                   mini_batch_size=16, learning_rate=0.01)
    np.testing.assert_array_equal(engine.train(X, Y, resume=loaded, **options).costs,
                                  engine.train(X, Y, resume=result, **options).costs)


def test_the_float32_study_reaches_the_float64_accuracies():
    X, Y, X_test, Y_test = fastnn.load_dataset()
    accuracies = {}
    for dtype in DTYPES:
        result = engine.train(X, Y, dtype=dtype)
        accuracies[dtype] = [
            float(np.mean((engine.predict_proba(data, result.parameters) > 0.5) == labels))
            for data, labels in ((X, Y), (X_test, Y_test))
        ]
    assert accuracies["float32"] == accuracies["float64"]
    assert accuracies["float64"][0] == pytest.approx(0.9933, abs=1e-4)


def test_a_float32_l2_penalty_over_many_weights_follows_the_oracle():
    # 100,000 weights: a penalty summed one float32 term at a time drifts from
    # NumPy's pairwise sum by ~1e-4 relative here (0.34 % at 4 million weights);
    # the kernel sums it in double and rounds once, ~1e-7.
    X, Y, _, _ = _problem("sigmoid", m=20)
    X = np.repeat(X, 100, axis=0)
    options = dict(layers_dims=[400, 250, 1], dtype="float32", l2=1.0, num_iterations=1,
                   learning_rate=1e-3, seed=1)
    compiled = engine.train(X, Y, **options)
    oracle = reference.train(X, Y, **options)
    np.testing.assert_allclose(compiled.costs, oracle.costs, rtol=1e-6)


def test_float32_cost_and_gradients_return_a_float_with_l2():
    X, Y, dims, output = _problem("sigmoid", m=30)
    parameters = {k: v.astype(np.float32) for k, v in fastnn.initialize_parameters(dims, seed=2).items()}
    cost, grads = engine.cost_and_gradients(X, Y, parameters, l2=0.5)
    assert type(cost) is float
    assert all(grad.dtype == np.float32 for grad in grads.values())


def test_a_state_of_the_other_precision_is_refused_on_resume():
    X, Y, dims, output = _problem("softmax")
    options = dict(layers_dims=dims, output="softmax", optimizer="adam", mini_batch_size=32,
                   num_iterations=2, learning_rate=0.01)
    result = engine.train(X, Y, dtype=np.float32, **options)
    velocity = {k: v.astype(np.float64) for k, v in result.state.velocity.items()}
    result.state = fastnn.TrainingState(result.state.options, result.state.epochs,
                                        result.state.adam_steps, velocity=velocity,
                                        second_moment=result.state.second_moment)
    options.pop("layers_dims")
    with pytest.raises(ValueError, match=r"velocity\['W1'\] is float64 but the parameters are float32"):
        engine.train(X, Y, resume=result, **options)


def test_only_networks_with_a_blas_layer_hold_blas_to_one_thread():
    from threadpoolctl import threadpool_info

    with engine._one_blas_thread([64, 64, 1], np.float64) as limits:
        inside = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert limits is not None and inside and set(inside) == {1}
    for dims, dtype in (([2, 10, 5, 1], np.float64), ([64, 32, 1], np.float32)):
        with engine._one_blas_thread(dims, dtype) as limits:
            assert limits is None                   # the tiles only: BLAS left as it is
