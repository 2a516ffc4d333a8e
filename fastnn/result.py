"""The result of a training run, shared by the compiled engine and the reference."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fastnn._validate import TrainingState, parameters_dtype

__all__ = ["TrainResult", "TrainingState"]


@dataclass(repr=False)
class TrainResult:
    """Trained parameters and the cost history of one run.

    Attributes
    ----------
    parameters : dict of str to ndarray
        ``"W1"`` of shape ``(n_1, n_x)``, ``"b1"`` of shape ``(n_1, 1)``, ... after
        the last iteration, all in the run's dtype (see :attr:`dtype`).
    costs : ndarray of shape (num_iterations,)
        ``costs[i]`` is the cost at iteration ``i`` of this call, before that
        iteration's update (``inf`` where the output saturated on a wrong
        label), float64 whatever the run's dtype. A resumed call's iterations
        continue the run's count: ``costs[i]`` is that of epoch
        ``state.epochs - num_iterations + i``.
    layers_dims : list of int
        ``[n_x, n_1, ..., K]``, K output units.
    initialization : str or None
        The scheme the parameters were drawn from; None for a warm start.
    learning_rate : float
    seed : int, numpy Generator, RandomState or None
        The ``seed`` the initialisation was drawn with, as passed: an int, or the
        ``Generator``/``RandomState`` itself (whose state has since advanced by the
        initialisation's draws).
    engine : str
        ``"compiled"`` or ``"reference"``.
    elapsed : float
        Wall-clock seconds spent training (0 for a model loaded from a file of
        format version 1, which did not record it).
    state : TrainingState or None
        What continuing the run needs besides the parameters (the options, the
        epochs trained over every call of the run, the optimiser's velocities,
        moments and step count): pass the result as ``resume=`` to either engine's
        ``train``. None for a model loaded from a file of format version 1 or 2,
        which did not record it.
    output : {"sigmoid", "softmax", "identity"}, default="sigmoid"
        The output layer, and so the loss, the network was trained with.
    hidden_activation : {"relu", "tanh", "sigmoid", "identity"}, default="relu"
        The activation of its hidden layers.
    """

    parameters: dict[str, np.ndarray]
    costs: np.ndarray
    layers_dims: list[int]
    initialization: str | None
    learning_rate: float
    seed: int | np.random.Generator | np.random.RandomState | None
    engine: str
    elapsed: float = field(default=0.0)
    state: TrainingState | None = field(default=None)
    output: str = field(default="sigmoid")
    hidden_activation: str = field(default="relu")

    @property
    def dtype(self) -> np.dtype:
        """The dtype the run computed in, its parameters': float32 when every
        parameter is float32, else float64."""
        return parameters_dtype(self.parameters)

    @property
    def num_iterations(self) -> int:
        """Number of iterations run."""
        return len(self.costs)

    @property
    def final_cost(self) -> float:
        """Cost at the last iteration (before its update), as the study prints it."""
        return float(self.costs[-1])

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{v.shape}" for k, v in self.parameters.items() if k[0] == "W")
        return (
            f"TrainResult(engine={self.engine!r}, layers_dims={self.layers_dims}, "
            f"output={self.output!r}, hidden_activation={self.hidden_activation!r}, "
            f"dtype={self.dtype.name}, "
            f"initialization={self.initialization!r}, learning_rate={self.learning_rate}, "
            f"iterations={self.num_iterations}, final_cost={self.final_cost:.6g}, "
            f"elapsed={self.elapsed:.3g} s, weights: {shapes})"
        )
