"""scikit-learn's MLPClassifier and MLPRegressor, trained by fastnn's kernel.

Design note
-----------
The two estimators subclass scikit-learn's own and replace only its two training
loops, ``_fit_stochastic`` (sgd, adam) and ``_fit_lbfgs``. Everything else is
scikit-learn's code, run as scikit-learn runs it: parameter validation,
``validate_data``, label binarising, the Glorot draws of ``_initialize`` in its order,
early stopping's ``train_test_split`` and validation score, the learning-rate
schedules (its ``SGDOptimizer``/``AdamOptimizer`` objects keep ``learning_rate``,
``iteration_ends`` and ``trigger_stopping``; their ``update_params`` is never
called), prediction, scoring, ``get_params``/``clone`` and the tags. That is what
makes the results scikit-learn's: the same random numbers are drawn in the same
order, and only the arithmetic of an epoch moves into the kernel.

* Runs of epochs (an ``Epochs`` object of the kernel, made once per fit): the
  epochs' mini-batches, forward and backward passes and optimiser steps run there,
  without the GIL, as many epochs per call as can pass before scikit-learn's
  no-improvement rule could decide anything (one with early stopping or
  ``partial_fit``). Python then replays scikit-learn's bookkeeping on each epoch's
  loss (``loss_curve_``, the tolerance logic, ``verbose``, the rate schedules). The
  shuffles are the very draws ``sklearn.utils.shuffle`` makes on the estimator's own
  random state, made in C without the GIL (``fastnn._shuffle``).
* The kernel works on columns: X (n_samples, n_features) is transposed once per fit
  into ``X_T`` (n_features, n_samples), and the parameters live packed in one
  buffer ``theta`` (W_l as (n_out, n_in) row-major, then b_l, per layer: see
  :func:`fastnn.engine._layout`). scikit-learn's ``coefs_[l]`` is (n_in, n_out),
  W_l transposed; it is written back in place (the arrays keep their identity, as
  scikit-learn's in-place updates keep it) after the loop, and after every epoch
  with early stopping, whose validation score reads it.
* The optimiser's state (momentum's velocity, Adam's moments and step count) lives
  in packed arrays of the estimator's own, reset exactly when scikit-learn makes a
  new optimiser object: every ``fit``, and the first ``partial_fit``.
* L-BFGS is scipy's, called with scikit-learn's options on scikit-learn's packed
  vector (coefficients then intercepts), so that the optimiser sees the numbers
  scikit-learn's does; the kernel's ``gradient`` computes the loss and gradient,
  and the L2 term is added here, as ``_backprop`` adds it.
* Not in the kernel: ``MLPRegressor(loss="poisson")``, whose exponential output
  layer the kernel does not have, trains on scikit-learn's own loops; so do the few
  fits whose arithmetic the kernel would not do as scikit-learn's does (see
  ``_kernel_trains``: targets that are not numbers, parameters that no longer fit
  the layers, float32 weights on float64 data).
* Where scikit-learn's loop raises mid-fit, training stops at the same place: the
  kernel stops before a mini-batch whose weights sum to zero (where the loss's
  np.average raises), and a warm start whose first epoch's bookkeeping will raise
  (``best_loss_`` None after early stopping) runs one epoch per call.
* Sparse X is accepted, as scikit-learn accepts it, and densified for training (the
  kernel reads dense columns); prediction stays scikit-learn's, sparse-aware.

Agreement with scikit-learn is to rounding: the kernel sums in another order than
NumPy's BLAS calls, which changes results by ~1e-16 relative per operation (~1e-7
in float32, where scikit-learn also computes its classifiers' losses in float64,
and float32 regressors' gradients in float64 when y is float64).
"""
from __future__ import annotations

import functools
import inspect
import warnings
from typing import Sequence

import numpy as np
import scipy.optimize
import scipy.sparse

try:
    import sklearn
    from sklearn.base import is_classifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as _SklearnMLPClassifier
    from sklearn.neural_network import MLPRegressor as _SklearnMLPRegressor
    from sklearn.neural_network._multilayer_perceptron import BaseMultilayerPerceptron, _pack
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
    from sklearn.utils.optimize import _check_optimize_result
    from sklearn.utils.validation import column_or_1d, validate_data
except ImportError as exc:  # scikit-learn missing, or too old for the names used here
    raise ImportError(
        "fastnn.MLPClassifier and fastnn.MLPRegressor need scikit-learn >= 1.7:"
        " pip install 'fastnn[sklearn]'"
        f" ({exc})"
    ) from exc

from fastnn import engine
from fastnn._dispatch import available_cores
from fastnn._shuffle import epoch_orders
from fastnn._validate import ModelOptions

__all__ = ["MLPClassifier", "MLPRegressor"]

# NumPy's message where np.average meets weights that sum to zero, as scikit-learn's
# losses meet a mini-batch of zero weights.
_ZERO_WEIGHTS = "Weights sum to zero, can't be normalized"

# The private methods replaced here, with the parameters they are called with. A
# scikit-learn whose signatures differ would call them with other arguments, or
# train without them: refuse it at import, by name, rather than train wrongly.
_REPLACED = [
    (BaseMultilayerPerceptron, "_fit_stochastic",
     ["self", "X", "y", "sample_weight", "activations", "deltas", "coef_grads",
      "intercept_grads", "layer_units", "incremental"]),
    (BaseMultilayerPerceptron, "_fit_lbfgs",
     ["self", "X", "y", "sample_weight", "activations", "deltas", "coef_grads",
      "intercept_grads", "layer_units"]),
    (BaseMultilayerPerceptron, "_update_no_improvement_count",
     ["self", "early_stopping", "X", "y", "sample_weight"]),
    (BaseMultilayerPerceptron, "_forward_pass_fast", ["self", "X", "check_input"]),
    (BaseMultilayerPerceptron, "_get_param_names", []),   # a classmethod, bound
    (_SklearnMLPClassifier, "_validate_input", ["self", "X", "y", "incremental", "reset"]),
    (_SklearnMLPRegressor, "_validate_input", ["self", "X", "y", "incremental", "reset"]),
]
for _owner, _name, _expected in _REPLACED:
    _found = list(inspect.signature(getattr(_owner, _name)).parameters)
    if _found != _expected:
        raise ImportError(
            f"fastnn's estimators replace scikit-learn's private"
            f" {_owner.__name__}.{_name}({', '.join(_expected[1:])}), but"
            f" scikit-learn {sklearn.__version__} has {_name}({', '.join(_found[1:])}):"
            " this version of scikit-learn is not supported (pip install 'fastnn[sklearn]'"
            " installs one that is)"
        )

# scikit-learn's output activations and hidden activations -> the kernel's names.
# "exp" (MLPRegressor's poisson loss) is not among them: scikit-learn trains it.
OUTPUTS = {"logistic": "sigmoid", "softmax": "softmax", "identity": "identity"}
HIDDEN_ACTIVATIONS = {"logistic": "sigmoid", "relu": "relu", "tanh": "tanh", "identity": "identity"}

# The kernel's codes for scikit-learn's optimisers (src_pyx/_kernel.pxi.tp).
SKLEARN_SGD = 3
SKLEARN_ADAM = 4


def _core(dtype: np.dtype):
    """The kernel module (the default build) computing in ``dtype``."""
    return engine._kernel(None, dtype)


def _threads() -> int:
    """Threads for the kernel: scikit-learn's rule for its own OpenMP code (which
    honours ``OMP_NUM_THREADS`` and the limits ``threadpoolctl`` and joblib's
    workers set), on every core the process may use. The results do not depend on
    the number."""
    try:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    except ImportError:  # pragma: no cover - a scikit-learn without the helper
        return available_cores()
    return max(1, min(available_cores(), _openmp_effective_n_threads(only_physical_cores=False)))


class _Network:
    """One training run's data and parameters in the kernel's layout.

    Parameters
    ----------
    estimator : BaseMultilayerPerceptron
        The fitted-so-far estimator: its ``coefs_``, ``intercepts_``,
        ``activation`` and ``out_activation_``.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
        scikit-learn's targets: binarised labels (bool) or values.
    sample_weight : ndarray of shape (n_samples,) or None
    layer_units : list of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    dtype : dtype
        The precision of every operation, float64 or float32.
    """

    def __init__(self, estimator, X, y, sample_weight, layer_units: Sequence[int], dtype):
        self.dtype = np.dtype(dtype)
        self.layer_units = list(layer_units)
        self.dims, self.offsets, self.n_params = engine._layout(self.layer_units)
        if scipy.sparse.issparse(X):
            # The kernel reads dense columns: densify the transpose directly.
            self.X_T = np.ascontiguousarray(X.T.toarray(), dtype=self.dtype)
        else:
            self.X_T = np.ascontiguousarray(X.T, dtype=self.dtype)
        # X itself, where it is already rows of this dtype: the kernel gathers
        # mini-batches from its rows faster than from X_T's columns (no copy is made).
        self.X_rows = (
            X if isinstance(X, np.ndarray) and X.dtype == self.dtype
            and X.flags.c_contiguous and X.flags.aligned
            else None
        )
        self.Y_T = np.ascontiguousarray(y.T, dtype=self.dtype)
        self.sample_weight = (
            None if sample_weight is None
            else np.ascontiguousarray(sample_weight, dtype=self.dtype)
        )
        self.core = _core(self.dtype)
        model = ModelOptions(
            output=OUTPUTS[estimator.out_activation_],
            hidden_activation=HIDDEN_ACTIVATIONS[estimator.activation],
            dtype=self.dtype,
        )
        self.kernel_arguments = {
            **engine._kernel_arguments(self.core, model),
            "sklearn_loss": True,
            "sample_weight": self.sample_weight,
        }
        self.n_threads = _threads()
        # sklearn_index[i]: where element i of scikit-learn's packed vector
        # (``_pack``: every coefs_[l] (n_in, n_out) raveled, then every intercept)
        # sits in theta, where W_l = coefs_[l].T is (n_out, n_in) row-major.
        coef_parts, intercept_parts = [], []
        for l, (n_in, n_out) in enumerate(zip(self.layer_units, self.layer_units[1:])):
            w, b = self.offsets[2 * l], self.offsets[2 * l + 1]
            coef_parts.append((w + np.arange(n_out * n_in).reshape(n_out, n_in)).T.ravel())
            intercept_parts.append(b + np.arange(n_out))
        self.sklearn_index = np.concatenate(coef_parts + intercept_parts).astype(np.intp)
        self.n_coefs = sum(part.size for part in coef_parts)
        self.theta = np.empty(self.n_params, self.dtype)
        self.grad = np.empty(self.n_params, self.dtype)

    def from_sklearn(self, packed: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """A vector in scikit-learn's packing, in the kernel's (into ``out``)."""
        if out is None:
            out = np.empty(self.n_params, self.dtype)
        out[self.sklearn_index] = packed
        return out

    def from_sklearn_arrays(self, arrays: list, out: np.ndarray | None = None) -> np.ndarray:
        """scikit-learn's list of parameter arrays (coefs_ then intercepts_, or an
        optimiser's state for them) as a vector in the kernel's packing (into
        ``out``); the inverse of to_sklearn."""
        return self.from_sklearn(np.hstack([a.ravel() for a in arrays]), out)

    def to_sklearn(self, vector: np.ndarray) -> list:
        """A vector in the kernel's packing as scikit-learn's list of arrays, one per
        parameter array (coefs_ then intercepts_, in their shapes)."""
        packed = vector[self.sklearn_index]
        arrays, start = [], 0
        shapes = [*zip(self.layer_units, self.layer_units[1:]), *((n,) for n in self.layer_units[1:])]
        for shape in shapes:
            size = int(np.prod(shape))
            arrays.append(packed[start : start + size].reshape(shape))
            start += size
        return arrays

    def read_parameters(self, estimator) -> None:
        """``theta`` from the estimator's ``coefs_`` and ``intercepts_``."""
        self.from_sklearn_arrays(estimator.coefs_ + estimator.intercepts_, self.theta)

    def write_parameters(self, estimator) -> None:
        """``theta`` into the estimator's ``coefs_`` and ``intercepts_``, in place."""
        for l, (n_in, n_out) in enumerate(zip(self.layer_units, self.layer_units[1:])):
            w, b = self.offsets[2 * l], self.offsets[2 * l + 1]
            estimator.coefs_[l][...] = self.theta[w : w + n_out * n_in].reshape(n_out, n_in).T
            estimator.intercepts_[l][...] = self.theta[b : b + n_out]

    def blas_context(self):
        """One BLAS thread if a layer goes through BLAS (see engine._one_blas_thread)."""
        return engine._one_blas_thread(self.layer_units, self.dtype)


class _KernelTraining:
    """The training loops of scikit-learn's multi-layer perceptron, with each
    epoch (sgd, adam) or each loss and gradient (lbfgs) computed by the kernel.

    A mixin placed before scikit-learn's class: it defines no ``__init__``, so the
    parameters, ``get_params`` and ``clone`` stay scikit-learn's.
    """

    # -- scikit-learn's checks, where they have nothing to do ------------------
    @classmethod
    def _get_param_names(cls):
        # get_params, clone, set_params and the parameter validation of every fit
        # each read the names from __init__'s signature: 55 us each with the GIL
        # held, five times per task of a grid search. They are the class's.
        return list(_parameter_names(cls, cls.__init__))

    def _forward_pass_fast(self, X, check_input=True):
        # predict's validate_data: check_array would hand a plain finite float
        # array back as it is (see _plain_features), so only the feature names and
        # count are checked: 25 us rather than 115 us per call, with the GIL held.
        if check_input and _plain_features(X):
            validate_data(self, X, skip_check_array=True, reset=False)
            check_input = False
        return super()._forward_pass_fast(X, check_input=check_input)

    # -- the optimiser's state -------------------------------------------------
    def _kernel_optimizer_state(self, network: _Network, fresh: bool):
        """Velocity (or Adam's first moment), second moment and Adam's step count,
        packed in the kernel's layout: zeros for a new optimiser, else the
        optimiser's own arrays. Those are scikit-learn's optimiser's state, which
        _store_optimizer_state writes back after every kernel run: a fit that
        scikit-learn's loop trains (see _kernel_trains) goes on from them, and
        the kernel from what that loop left."""
        n, dtype = network.n_params, network.dtype
        if fresh:
            return np.zeros(n, dtype), np.zeros(n, dtype), np.zeros(1, np.intp)
        optimizer = self._optimizer
        if isinstance(optimizer, AdamOptimizer):
            first, second, steps = optimizer.ms, optimizer.vs, optimizer.t
        else:
            first, second, steps = optimizer.velocities, None, 0
        return (
            network.from_sklearn_arrays(first),
            np.zeros(n, dtype) if second is None else network.from_sklearn_arrays(second),
            np.array([steps], dtype=np.intp),
        )

    def _store_optimizer_state(self, network: _Network, velocity, second_moment, adam_steps) -> None:
        """The kernel's optimiser state into scikit-learn's optimiser, as its
        update_params would leave it: per parameter array, in its shape."""
        optimizer = self._optimizer
        if isinstance(optimizer, AdamOptimizer):
            optimizer.ms = network.to_sklearn(velocity)
            optimizer.vs = network.to_sklearn(second_moment)
            optimizer.t = int(adam_steps[0])
            if optimizer.t:
                optimizer.learning_rate = (
                    optimizer.learning_rate_init
                    * np.sqrt(1 - optimizer.beta_2**optimizer.t)
                    / (1 - optimizer.beta_1**optimizer.t)
                )
        else:
            optimizer.velocities = network.to_sklearn(velocity)

    # -- what the kernel trains --------------------------------------------------
    def _kernel_trains(self, X, y, sample_weight, layer_units) -> bool:
        """Whether the kernel trains this fit as scikit-learn's loop would. Else
        scikit-learn's own loop trains it, or raises what it raises:

        * the poisson loss's exponential output layer, which the kernel lacks;
        * targets that are not a dense array of numbers (regression targets of
          numeric strings, say, which the kernel would parse; a sparse matrix),
          on which scikit-learn's arithmetic raises;
        * parameters of other shapes than the layers (a warm start after
          ``hidden_layer_sizes`` or the outputs changed), which its products refuse;
        * float32 sample weights on float64 data: scikit-learn divides by their
          sum in float32 (``sample_weight.sum()``), 1e-8 from the exact sum;
          float64 weights on float32 data that float32 would make zero or
          infinite (1e-300, say): the kernel computes with weights in float32;
        * targets in a wider float than float64 (long double), in which
          scikit-learn's arithmetic then runs.
        """
        if self.out_activation_ not in OUTPUTS:
            return False
        if type(y) is not np.ndarray or y.dtype.kind not in "biuf" or y.dtype.itemsize > 8:
            return False
        shapes = list(zip(layer_units, layer_units[1:]))
        if [c.shape for c in self.coefs_] != shapes or [
            i.shape for i in self.intercepts_
        ] != [(n_out,) for _, n_out in shapes]:
            return False
        dtype = np.result_type(X.dtype, *(c.dtype for c in self.coefs_))
        if sample_weight is None or sample_weight.dtype == dtype:
            return True
        if dtype == np.float64:
            return False
        with np.errstate(over="ignore", under="ignore"):
            cast = sample_weight.astype(dtype)
        return bool(np.array_equal(cast == 0, sample_weight == 0) and np.isfinite(cast).all())

    # -- sgd and adam -------------------------------------------------------------
    def _fit_stochastic(
        self, X, y, sample_weight, activations, deltas, coef_grads, intercept_grads,
        layer_units, incremental,
    ):
        # scikit-learn's _fit_stochastic, statement by statement, with the loop over
        # an epoch's batches replaced by one kernel call.
        if not self._kernel_trains(X, y, sample_weight, layer_units):
            return super()._fit_stochastic(
                X, y, sample_weight, activations, deltas, coef_grads, intercept_grads,
                layer_units, incremental,
            )
        params = self.coefs_ + self.intercepts_
        fresh_optimizer = not incremental or not hasattr(self, "_optimizer")
        if fresh_optimizer:
            if self.solver == "sgd":
                self._optimizer = SGDOptimizer(
                    params,
                    self.learning_rate_init,
                    self.learning_rate,
                    self.momentum,
                    self.nesterovs_momentum,
                    self.power_t,
                )
            elif self.solver == "adam":
                self._optimizer = AdamOptimizer(
                    params,
                    self.learning_rate_init,
                    self.beta_1,
                    self.beta_2,
                    self.epsilon,
                )

        # early_stopping in partial_fit doesn't make sense
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            # don't stratify in multilabel classification
            should_stratify = is_classifier(self) and self.n_outputs_ == 1
            stratify = y if should_stratify else None
            if sample_weight is None:
                X_train, X_val, y_train, y_val = train_test_split(
                    X,
                    y,
                    random_state=self._random_state,
                    test_size=self.validation_fraction,
                    stratify=stratify,
                )
                sample_weight_train = sample_weight_val = None
            else:
                (
                    X_train,
                    X_val,
                    y_train,
                    y_val,
                    sample_weight_train,
                    sample_weight_val,
                ) = train_test_split(
                    X,
                    y,
                    sample_weight,
                    random_state=self._random_state,
                    test_size=self.validation_fraction,
                    stratify=stratify,
                )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )

            if is_classifier(self):
                y_val = self._label_binarizer.inverse_transform(y_val)
        else:
            X_train, y_train, sample_weight_train = X, y, sample_weight
            X_val = y_val = sample_weight_val = None

        n_samples = X_train.shape[0]
        sample_idx = np.arange(n_samples, dtype=np.intp)

        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than "
                    "sample size. It is going to be clipped"
                )
            batch_size = np.clip(self.batch_size, 1, n_samples)

        # scikit-learn computes in the dtype NumPy promotes X and the parameters to
        # (the same one, but after a warm start from float32 data to float64 data).
        dtype = np.result_type(X_train.dtype, *(c.dtype for c in self.coefs_))
        network = _Network(self, X_train, y_train, sample_weight_train, layer_units, dtype)
        network.read_parameters(self)
        velocity, second_moment, adam_steps = self._kernel_optimizer_state(network, fresh_optimizer)
        # The optimiser's hyperparameters are the optimiser object's, as in
        # scikit-learn: a partial_fit after set_params goes on with the old ones.
        optimizer = self._optimizer
        adam = isinstance(optimizer, AdamOptimizer)
        # Several epochs per kernel call where no decision can fall between them.
        # scikit-learn decides after each epoch whether to stop (or, with an
        # adaptive rate, to cut the rate): when the no-improvement count passes
        # n_iter_no_change. The count grows by at most one per epoch, so from a count
        # c no decision is due before epoch n_iter_no_change - c + 1 of a run, and
        # a run of that many epochs can end at the first possible decision. Each
        # epoch's bookkeeping is then scikit-learn's own, replayed after the run on
        # its loss. Early stopping (a validation score from each epoch's weights)
        # and partial_fit (one epoch) run one epoch per call; a run's permutations
        # are held to about 8 MB.
        longest_run = 1 if (early_stopping or incremental) else max(1, 2**20 // n_samples)
        if self.best_loss_ is None and not early_stopping:
            # A warm start after a fit with early stopping: scikit-learn's
            # bookkeeping compares the first epoch's loss with None and raises
            # TypeError. One epoch per call, so that it raises after that epoch,
            # with the parameters and random state scikit-learn's would have.
            longest_run = 1
        longest_run = min(longest_run, self.max_iter)
        costs = np.empty(longest_run)
        progress = np.zeros(1, dtype=np.intp)
        learning_rates = np.empty(longest_run)
        orders = np.empty((longest_run, n_samples), dtype=np.intp)
        if not self.shuffle:
            orders[...] = sample_idx
        finite = True
        stopped = False
        run_start = None             # where the last run's epochs start in loss_curve_

        def draw_orders(sample_idx: np.ndarray, out: np.ndarray) -> np.ndarray:
            """The next ``len(out)`` epochs' orders into ``out``; the last.

            scikit-learn's shuffle(sample_idx, random_state=...) is resample():
            arange(n), shuffled in place by the random state, indexes sample_idx.
            The same draws, in C without the GIL (or, should NumPy hide its bit
            generator, in Python)."""
            if not epoch_orders(self._random_state, sample_idx, out):
                for e in range(len(out)):
                    order = np.arange(n_samples, dtype=np.intp)
                    self._random_state.shuffle(order)
                    sample_idx = sample_idx[order]
                    out[e] = sample_idx
            return sample_idx

        # Where a mini-batch's weights can sum to zero, the random state before each
        # run's shuffles is kept, to be rewound to the epoch the run stopped in.
        rewindable = network.sample_weight is not None and not bool((network.sample_weight > 0).all())

        def epoch_loss(e: int) -> np.float64:
            """The loss of the last run's epoch ``e``: NaN from a non-finite one on.
            (``progress`` counts the run's epochs the kernel finished.)"""
            done = int(progress[0])
            if e < done - 1 or (e == done - 1 and epochs.finite):
                return costs[e]
            return np.float64(np.nan)

        # One kernel object for the whole loop: its checks and scratch are made once
        # (a call's fixed cost, a few microseconds, is much of a small network's
        # epoch on a small data set).
        epochs = network.core.Epochs(
            network.X_T, network.Y_T, network.dims, network.offsets, network.theta, network.grad,
            int(batch_size), SKLEARN_ADAM if adam else SKLEARN_SGD,
            0.0 if adam else float(optimizer.momentum),
            float(getattr(optimizer, "beta_1", 0.9)),
            float(getattr(optimizer, "beta_2", 0.999)),
            float(getattr(optimizer, "epsilon", 1e-8)),
            float(self.alpha), 1.0, 0, velocity, second_moment, adam_steps, network.n_threads,
            nesterov=bool(not adam and optimizer.nesterov), X_rows=network.X_rows,
            **network.kernel_arguments,
        )
        quiet_bookkeeping = (
            not (early_stopping or incremental or self.verbose)
            and type(self)._update_no_improvement_count
            is BaseMultilayerPerceptron._update_no_improvement_count
        )
        try:
            try:
                with network.blas_context():
                    self.n_iter_ = 0
                    it = 0
                    t_start = self.t_
                    while it < self.max_iter and not stopped:
                        n_run = min(
                            longest_run,
                            self.max_iter - it,
                            max(1, self.n_iter_no_change - self._no_improvement_count + 1),
                        )
                        if self.shuffle:
                            state_before = self._random_state.get_state() if rewindable else None
                            sample_idx = draw_orders(sample_idx, orders[:n_run])

                        progress[0] = 0
                        run_start = len(self.loss_curve_)
                        if finite:
                            # Adam's bias correction is the kernel's (from its step
                            # count); SGD's rate is the schedule's at each epoch's
                            # start, which iteration_ends sets from the time step
                            # alone (and sets again below, to the same values).
                            rate_before = optimizer.learning_rate
                            for e in range(n_run):
                                if e and not adam:
                                    optimizer.iteration_ends(self.t_ + e * n_samples)
                                learning_rates[e] = (
                                    optimizer.learning_rate_init if adam else optimizer.learning_rate
                                )
                            epochs.run(
                                costs[:n_run], progress, learning_rates[:n_run], orders[:n_run], it
                            )
                            # The kernel stops once the parameters stop being finite
                            # (and counts that epoch); scikit-learn trains on with NaN
                            # losses, and _fit then refuses the weights unless early
                            # stopping restores finite ones. So from that epoch on the
                            # loss is NaN and the kernel is not called again.
                            finite = epochs.finite

                        # A mini-batch whose sample weights sum to zero stops the run
                        # before its update, where scikit-learn's loss (np.average)
                        # raises: the epochs before it are recorded, then the same
                        # error is raised, with the parameters trained up to it.
                        n_recorded = int(progress[0]) if epochs.weights_sum_to_zero else n_run
                        if epochs.weights_sum_to_zero and self.shuffle:
                            # scikit-learn drew no shuffle after that epoch's
                            self._random_state.set_state(state_before)
                            draw_orders(sample_idx.copy(), orders[: n_recorded + 1])
                        # Within a run no decision falls before its last epoch (see
                        # above), so where the bookkeeping has no other effect - no
                        # validation score, no printing, scikit-learn's own
                        # _update_no_improvement_count - the epochs before the last
                        # are recorded at once, in local variables: ~0.5 us an epoch
                        # rather than ~3 us, with the GIL held. The last goes
                        # through the full bookkeeping below.
                        first = 0
                        if quiet_bookkeeping and n_recorded > 1:
                            first = n_recorded - 1
                            self._record_epochs([epoch_loss(e) for e in range(first)], n_samples)
                        for e in range(first, n_recorded):
                            self.n_iter_ += 1
                            self.loss_ = epoch_loss(e)

                            self.t_ += n_samples
                            self.loss_curve_.append(self.loss_)
                            if self.verbose:
                                print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))

                            if early_stopping:
                                network.write_parameters(self)   # the validation score reads them
                            # update no_improvement_count based on training loss or
                            # validation score according to early_stopping
                            self._update_no_improvement_count(
                                early_stopping, X_val, y_val, sample_weight_val
                            )

                            # for learning rate that needs to be updated at iteration end
                            optimizer.iteration_ends(self.t_)

                            if self._no_improvement_count > self.n_iter_no_change:
                                # not better than last `n_iter_no_change` iterations by tol
                                # stop or decrease learning rate
                                if early_stopping:
                                    msg = (
                                        "Validation score did not improve more than "
                                        "tol=%f for %d consecutive epochs."
                                        % (self.tol, self.n_iter_no_change)
                                    )
                                else:
                                    msg = (
                                        "Training loss did not improve more than tol=%f"
                                        " for %d consecutive epochs."
                                        % (self.tol, self.n_iter_no_change)
                                    )

                                is_stopping = optimizer.trigger_stopping(msg, self.verbose)
                                if is_stopping:
                                    stopped = True
                                    break
                                else:
                                    self._no_improvement_count = 0

                            if incremental:
                                stopped = True
                                break

                            if self.n_iter_ == self.max_iter:
                                warnings.warn(
                                    "Stochastic Optimizer: Maximum iterations (%d) "
                                    "reached and the optimization hasn't converged yet."
                                    % self.max_iter,
                                    ConvergenceWarning,
                                )
                        if epochs.weights_sum_to_zero:
                            if not n_recorded:   # (else the bookkeeping above set it)
                                optimizer.learning_rate = rate_before
                            raise ZeroDivisionError(_ZERO_WEIGHTS)
                        it += n_run
            except KeyboardInterrupt:
                # Ctrl-C is seen between kernel calls, so every epoch run is complete.
                # Those of the last run that were not recorded yet are recorded now,
                # so that the loss curve and n_iter_ describe the weights kept.
                if run_start is not None:
                    for e in range(len(self.loss_curve_) - run_start, int(progress[0])):
                        self.loss_ = epoch_loss(e)
                        self.loss_curve_.append(self.loss_)
                        self._update_no_improvement_count(False, None, None, None)
                    self.n_iter_ = it + len(self.loss_curve_) - run_start
                    self.t_ = t_start + n_samples * self.n_iter_
                    optimizer.iteration_ends(self.t_)
                warnings.warn("Training interrupted by user.")
        finally:
            # The parameters as trained, and the optimiser's state (momentum's
            # velocities; Adam's moments, step count and current rate) as
            # scikit-learn's optimiser would hold them.
            network.write_parameters(self)
            self._store_optimizer_state(network, velocity, second_moment, adam_steps)

        if early_stopping:
            # restore best weights
            self.coefs_ = self._best_coefs
            self.intercepts_ = self._best_intercepts

    def _record_epochs(self, losses: list, n_samples: int) -> None:
        """The bookkeeping of _fit_stochastic's loop for epochs at which nothing is
        decided, without early stopping or verbose output: n_iter_, loss_, t_,
        loss_curve_ and scikit-learn's _update_no_improvement_count (on the
        training loss), epoch by epoch, in local variables. The optimiser's
        iteration_ends is called for the last of them only: it sets the rate from
        the time step alone (invscaling) or does nothing."""
        best, count, tol = self.best_loss_, self._no_improvement_count, self.tol
        for loss in losses:
            if loss > best - tol:
                count += 1
            else:
                count = 0
            if loss < best:
                best = loss
        self.n_iter_ += len(losses)
        self.t_ += n_samples * len(losses)
        self.loss_ = losses[-1]
        self.best_loss_ = best
        self._no_improvement_count = count
        self.loss_curve_.extend(losses)
        self._optimizer.iteration_ends(self.t_)

    # -- lbfgs -----------------------------------------------------------------
    def _fit_lbfgs(
        self, X, y, sample_weight, activations, deltas, coef_grads, intercept_grads,
        layer_units,
    ):
        # scikit-learn's _fit_lbfgs, with _loss_grad_lbfgs computed by the kernel.
        if not self._kernel_trains(X, y, sample_weight, layer_units):
            return super()._fit_lbfgs(
                X, y, sample_weight, activations, deltas, coef_grads, intercept_grads,
                layer_units,
            )
        # Store meta information for the parameters (scikit-learn's _unpack uses it)
        self._coef_indptr = []
        self._intercept_indptr = []
        start = 0
        for i in range(self.n_layers_ - 1):
            n_fan_in, n_fan_out = layer_units[i], layer_units[i + 1]
            end = start + (n_fan_in * n_fan_out)
            self._coef_indptr.append((start, end, (n_fan_in, n_fan_out)))
            start = end
        for i in range(self.n_layers_ - 1):
            end = start + layer_units[i + 1]
            self._intercept_indptr.append((start, end))
            start = end

        # Run LBFGS
        packed_coef_inter = _pack(self.coefs_, self.intercepts_)

        if self.verbose is True or self.verbose >= 1:
            iprint = 1
        else:
            iprint = -1

        # scipy hands the function the iterate in x0's dtype: scikit-learn's
        # arithmetic is in that dtype promoted with X's.
        dtype = np.result_type(X.dtype, packed_coef_inter.dtype)
        network = _Network(self, X, y, sample_weight, layer_units, dtype)
        # scikit-learn's loss is float64 for classifiers (scipy's xlogy computes its
        # log losses in float64) and in y's dtype with the outputs' for regressors;
        # the L2 term, in the parameters' dtype, is added to it.
        loss_type = (np.float64 if self.out_activation_ != "identity"
                     else np.result_type(y.dtype, dtype).type)
        sw_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        if sw_sum == 0:     # weights of both signs: scikit-learn's first loss raises
            raise ZeroDivisionError(_ZERO_WEIGHTS)

        def loss_gradient(packed: np.ndarray) -> tuple[float, np.ndarray]:
            network.from_sklearn(packed, network.theta)
            loss = network.core.gradient(
                network.X_T, network.Y_T, network.dims, network.offsets, network.theta,
                network.grad, network.n_threads, **network.kernel_arguments,
            )
            grad = network.grad[network.sklearn_index].astype(packed.dtype, copy=False)
            # scikit-learn's L2 term (_backprop, _compute_loss_grad): on the
            # coefficients, which lead the packed vector, over the weights' sum.
            coefs = packed[: network.n_coefs]
            loss = loss_type(loss) + (0.5 * self.alpha) * np.dot(coefs, coefs) / sw_sum
            grad[: network.n_coefs] += self.alpha * coefs / sw_sum
            return loss, grad

        with network.blas_context():
            opt_res = scipy.optimize.minimize(
                loss_gradient,
                packed_coef_inter,
                method="L-BFGS-B",
                jac=True,
                options={
                    "maxfun": self.max_fun,
                    "maxiter": self.max_iter,
                    "gtol": self.tol,
                    **_get_additional_lbfgs_options_dict("iprint", iprint),
                },
            )
        self.n_iter_ = _check_optimize_result("lbfgs", opt_res, self.max_iter)
        self.loss_ = opt_res.fun
        self._unpack(opt_res.x)


@functools.cache
def _parameter_names(cls: type, init) -> tuple:
    """scikit-learn's ``_get_param_names`` for ``cls`` whose ``__init__`` is ``init``."""
    return tuple(super(_KernelTraining, cls)._get_param_names())


_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _plain_arrays(*arrays) -> bool:
    """Whether every array is a plain NumPy array (no subclass, no list, no sparse
    matrix), used outside array API dispatch: arrays scikit-learn's checks take
    as they are, if their shape and dtype allow."""
    return not sklearn.get_config()["array_api_dispatch"] and all(
        type(a) is np.ndarray for a in arrays
    )


def _finite_floats(a: np.ndarray) -> bool:
    """Whether ``a`` is native float64 or float32 and all finite, tested as
    check_array first tests it: by its sum (a sum that overflows leaves the array
    to check_array)."""
    if a.dtype not in _FLOATS:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(a.sum()))


def _plain_features(X) -> bool:
    """Whether scikit-learn's ``check_array`` would hand ``X`` back as it is, as
    the estimators call it (dtype float64 or float32 kept, or "numeric"), with
    nothing to convert or refuse: a plain 2-D array of finite native float64 or
    float32, with a sample and a feature at least."""
    return (_plain_arrays(X) and X.ndim == 2 and bool(X.shape[0] and X.shape[1])
            and _finite_floats(X))


def _plain_targets(y) -> bool:
    """Whether scikit-learn's ``check_array`` would hand regression targets ``y``
    back as it is (as ``_check_y`` calls it: any dtype kept, finite, 1-D or 2-D): a
    plain array of integers or of finite native float64 or float32, with a sample
    (and an output) at least."""
    return (_plain_arrays(y) and y.ndim in (1, 2) and all(y.shape)
            and (y.dtype.kind in "iu" or _finite_floats(y)))


def _validated(estimator, X, y, reset: bool, plain_targets, **check_params):
    """``validate_data(estimator, X, y, reset=reset, **check_params)``, as the
    estimators' ``_validate_input`` calls it. Where ``check_X_y`` would hand X and
    y back as they are (``_plain_features(X)``, ``plain_targets(y)`` and as many
    of each), only the feature names and count are checked (``skip_check_array``):
    0.03 ms rather than 0.19 ms on a few hundred samples, with the GIL held."""
    if _plain_features(X) and plain_targets(y) and len(y) == X.shape[0]:
        return validate_data(estimator, X, y, skip_check_array=True, reset=reset)
    return validate_data(estimator, X, y, reset=reset, **check_params)


def _integer_labels(*arrays) -> bool:
    """Whether every array is a non-empty 1-D plain NumPy array of integers, used
    outside array API dispatch: labels whose type scikit-learn's checks find to be
    "binary" or "multiclass" without fail (see _fitted_binarizer and score)."""
    return _plain_arrays(*arrays) and all(
        a.ndim == 1 and a.size and a.dtype.kind in "iu" for a in arrays
    )


def _fitted_binarizer(y) -> LabelBinarizer:
    """``LabelBinarizer().fit(y)``, as scikit-learn's MLPClassifier fits it.

    For a non-empty 1-D NumPy array of integers (a plain ndarray, outside array
    API dispatch), ``type_of_target`` is "binary" for one or two distinct values
    and "multiclass" for more, and ``unique_labels`` is the sorted distinct values
    in y's dtype, in native byte order (it builds them from NumPy scalars):
    ``np.unique``. That is set here without the checks that fit makes along the
    way (half a millisecond), none of which such an array can fail. Anything else
    is fitted by ``fit``.
    """
    binarizer = LabelBinarizer()
    if _integer_labels(y):
        binarizer.classes_ = np.unique(y).astype(y.dtype.newbyteorder("="), copy=False)
        binarizer.y_type_ = "multiclass" if len(binarizer.classes_) > 2 else "binary"
        binarizer.sparse_input_ = False
        return binarizer
    return binarizer.fit(y)


def _binarized(binarizer: LabelBinarizer, y: np.ndarray) -> np.ndarray:
    """``binarizer.transform(y).astype(bool)`` for the ``y`` the binarizer was just
    fitted to, as scikit-learn's MLPClassifier asks for it.

    For one column of two or more classes, the default labels 0 and 1 and a
    dense ``y``, that is a comparison with the classes: one column, y ==
    classes_[1], for two classes, one per class for more. Anything else (one
    class, multi-label indicators, sparse input) goes to ``transform``.
    """
    classes = binarizer.classes_
    if (
        type(y) is np.ndarray and y.ndim == 1
        and binarizer.neg_label == 0 and binarizer.pos_label == 1
        and not binarizer.sparse_output and not binarizer.sparse_input_
    ):
        if binarizer.y_type_ == "binary" and len(classes) == 2:
            return (y == classes[1]).reshape(-1, 1)
        if binarizer.y_type_ == "multiclass":
            return y[:, np.newaxis] == classes[np.newaxis, :]
    return binarizer.transform(y).astype(bool)


def _sklearn_sections(doc: str) -> str:
    """The Parameters to Notes sections of a scikit-learn class docstring (its
    Examples import scikit-learn's class, not this one)."""
    start = doc.index("    Parameters\n")
    end = doc.find("    Examples\n")
    return doc[start : end if end != -1 else len(doc)]


def _docstring(sklearn_class: type, kind: str, notes: str, example: str) -> str:
    """A fastnn estimator's docstring: what it is, ``notes`` on what differs, its
    ``example``, then scikit-learn's own Parameters to Notes for ``sklearn_class``."""
    return f"""Multi-layer perceptron {kind}: scikit-learn's, trained by fastnn's kernel.

    A drop-in for :class:`sklearn.neural_network.{sklearn_class.__name__}`, with the same
    parameters and defaults, fitted attributes and methods, and the same results
    to rounding (about 1e-15 relative, tested to 1e-9) for every solver, activation
    and option: only the training loop runs in fastnn's compiled kernel, several
    epochs per call (see :mod:`fastnn.estimators`). Needs scikit-learn:
    ``pip install 'fastnn[sklearn]'``.

    {notes}Sparse ``X`` is densified for training. The kernel runs on the cores
    OpenMP may use (``OMP_NUM_THREADS``, ``threadpoolctl``); the results do not
    depend on how many.

    Examples
    --------
{example}
    scikit-learn's documentation follows.

""" + _sklearn_sections(sklearn_class.__doc__ or "    Parameters\n")


class MLPClassifier(_KernelTraining, _SklearnMLPClassifier):
    __doc__ = _docstring(_SklearnMLPClassifier, "classifier", "", """\
    >>> from fastnn import MLPClassifier
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=500, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
""")

    def _validate_input(self, X, y, incremental, reset):
        # scikit-learn's MLPClassifier._validate_input. Where it learns the classes
        # afresh, it fits a LabelBinarizer to y and then calls its transform, which
        # checks y all over again: 1.4 ms a fit on breast_cancer, with the GIL held,
        # more than ten epochs of a small network. Here a 1-D array of integer
        # labels is fitted directly (_fitted_binarizer), and the labels just learnt
        # are binarised directly (_binarized); other labels go through
        # LabelBinarizer.fit, and warm starts and partial_fit, which check y
        # against the classes of an earlier fit, stay scikit-learn's. check_X_y is
        # skipped where it has nothing to do (_validated).
        if hasattr(self, "classes_") and (self.warm_start or incremental):
            return super()._validate_input(X, y, incremental, reset)
        X, y = _validated(
            self, X, y, reset, _integer_labels, accept_sparse=["csr", "csc"],
            multi_output=True, dtype=(np.float64, np.float32),
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._label_binarizer = _fitted_binarizer(y)
        self.classes_ = self._label_binarizer.classes_
        return X, _binarized(self._label_binarizer, y)

    def score(self, X, y, sample_weight=None):
        # ClassifierMixin.score: accuracy_score(y, self.predict(X), sample_weight).
        # accuracy_score first works out the type of each label array (0.7 ms on
        # a few hundred labels, with the GIL held: in a grid search of short fits,
        # a third of each task). For 1-D NumPy arrays (plain ndarrays) of integer
        # labels and predictions, unweighted, both are "binary" or "multiclass", a
        # mix it accepts, and its value is the mean of y == y_pred: computed here
        # directly. Anything else goes to accuracy_score.
        y_pred = self.predict(X)
        if sample_weight is None and _integer_labels(y, y_pred) and y.shape == y_pred.shape:
            return float(np.average(y == y_pred))
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    score.__doc__ = _SklearnMLPClassifier.score.__doc__


class MLPRegressor(_KernelTraining, _SklearnMLPRegressor):
    __doc__ = _docstring(_SklearnMLPRegressor, "regressor", """\
``loss="poisson"`` (an exponential output layer, which the kernel does not
    have) trains on scikit-learn's own loops.
    """, """\
    >>> from fastnn import MLPRegressor
    >>> from sklearn.datasets import load_diabetes
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=200, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.4
    True
""")

    def _validate_input(self, X, y, incremental, reset):
        # scikit-learn's MLPRegressor._validate_input, with its check_X_y skipped
        # where it has nothing to do (_validated).
        X, y = _validated(
            self, X, y, reset, _plain_targets, accept_sparse=["csr", "csc"],
            multi_output=True, y_numeric=True, dtype=(np.float64, np.float32),
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y
