"""Weight initialisation schemes and their registry.

Every scheme is a small function ``scheme(fan_out, fan_in, rng)`` returning the weight
matrix ``W_l`` of shape ``(fan_out, fan_in)`` = ``(n_l, n_{l-1})``, so fan-in is
``W.shape[1]`` (PyTorch's convention). Biases always start at zero.
:func:`initialize_parameters` draws the matrices in layer order W1, W2, ... from one
local :class:`numpy.random.RandomState`, which reproduces the study's streams exactly
(the study seeds NumPy's global generator with 3 and draws in the same order).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from fastnn._validate import check_layers_dims

__all__ = [
    "INITIALIZATIONS",
    "zeros",
    "random",
    "he",
    "initialize_parameters",
    "initialize_parameters_zeros",
    "initialize_parameters_random",
    "initialize_parameters_he",
]

STUDY_SEED = 3


def zeros(fan_out: int, fan_in: int, rng: np.random.RandomState) -> np.ndarray:
    """All weights zero: every unit of a layer computes the same function forever.

    Draws nothing from ``rng``.
    """
    return np.zeros((fan_out, fan_in))


def random(
    fan_out: int, fan_in: int, rng: np.random.RandomState, scale: float = 10.0
) -> np.ndarray:
    r"""Standard normal weights times a fixed ``scale`` (the study's "large random").

    .. math:: W \sim \mathcal{N}(0, \mathrm{scale}^2)

    With the default ``scale=10`` the output sigmoid saturates, which is why the
    study's cost starts at infinity.
    """
    return rng.randn(fan_out, fan_in) * scale


def he(fan_out: int, fan_in: int, rng: np.random.RandomState) -> np.ndarray:
    r"""He initialisation, normal, untruncated.

    K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing
    Human-Level Performance on ImageNet Classification", ICCV 2015.

    .. math:: W \sim \mathcal{N}\left(0, \frac{2}{\mathrm{fan\_in}}\right)

    Also known as Kaiming normal (``kaiming_normal_`` with ``mode="fan_in"``). The
    variance 2 / fan_in keeps the variance of the pre-activations constant through
    ReLU layers. (The study's text calls this "Xavier"; Xavier/Glorot uses
    2 / (fan_in + fan_out).)
    """
    return rng.randn(fan_out, fan_in) * np.sqrt(2.0 / fan_in)


INITIALIZATIONS: dict[str, Callable[..., np.ndarray]] = {
    "zeros": zeros,
    "random": random,
    "he": he,
}


def initialize_parameters(
    layers_dims: Sequence[int], initialization: str = "he", seed: int = STUDY_SEED
) -> dict[str, np.ndarray]:
    """Initial parameters of a fully connected network.

    Parameters
    ----------
    layers_dims : sequence of int
        Layer sizes ``[n_x, n_1, ..., n_L]``, at least two, all positive.
    initialization : str, default="he"
        Name of a scheme in :data:`INITIALIZATIONS`.
    seed : int, default=3
        Seed of the local ``RandomState`` the weights are drawn from (the study's 3).

    Returns
    -------
    dict of str to ndarray
        ``"W1"`` of shape ``(n_1, n_x)``, ``"b1"`` of shape ``(n_1, 1)``, ... up to
        ``"WL"``, ``"bL"``; all float64, biases zero.

    Raises
    ------
    ValueError
        If ``initialization`` is not a known scheme or ``layers_dims`` is not a list
        of at least two positive integers.
    TypeError
        If ``initialization`` is not a string.
    """
    scheme = get_initialization(initialization)
    dims = check_layers_dims(layers_dims)
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = scheme(dims[l], dims[l - 1], rng)
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def get_initialization(name: str) -> Callable[..., np.ndarray]:
    """The scheme registered under ``name``; a ValueError lists the valid names."""
    if not isinstance(name, str):
        raise TypeError(f"initialization must be a string, got {type(name).__name__}")
    try:
        return INITIALIZATIONS[name]
    except KeyError:
        raise ValueError(
            f"initialization must be one of {sorted(INITIALIZATIONS)}, got {name!r}"
        ) from None


def initialize_parameters_zeros(layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The study's ``initialize_parameters_zeros``: all parameters zero."""
    return initialize_parameters(layers_dims, "zeros")


def initialize_parameters_random(layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The study's ``initialize_parameters_random``: ``randn * 10`` with seed 3."""
    return initialize_parameters(layers_dims, "random")


def initialize_parameters_he(layers_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """The study's ``initialize_parameters_he``: ``randn * sqrt(2 / fan_in)``, seed 3."""
    return initialize_parameters(layers_dims, "he")
