# Type stub of the compiled kernel (source: src_pyx/_kernel.pxi.tp). Every build and
# precision, fastnn._core_<build> (real = float64) and fastnn._core_<build>_float32
# (real = float32), has this interface; see fastnn/_dispatch.py.
# Contract: every array is C-contiguous; ``Real`` arrays are all of the module's
# precision; shapes, targets and finiteness are checked by fastnn._validate before
# any of these is called. Trailing comments give the C type of each argument.
import numpy as np
from numpy.typing import NDArray

Real = np.float64 | np.float32

OUTPUTS: dict[str, int]             # output layer name -> the kernel's code
HIDDEN_ACTIVATIONS: dict[str, int]  # hidden activation name -> the kernel's code
NO_BLAS: int                        # a blas_min_weights no layer reaches

def train_chunk(
    X: NDArray[Real],              # const real[:, ::1]    (n_x, m)
    Y: NDArray[Real],              # const real[:, ::1]    (K, m) targets
    dims: NDArray[np.intp],        # const Py_ssize_t[::1] (L + 1,), dims[L] == K
    offsets: NDArray[np.intp],     # const Py_ssize_t[::1] (2 L,)
    theta: NDArray[Real],          # real[::1]             (n_params,), updated in place
    grad: NDArray[Real],           # real[::1]             (n_params,), scratch / last gradient
    costs: NDArray[np.float64],    # double[::1]           (n_iter,), written
    progress: NDArray[np.intp],    # Py_ssize_t[::1]       (1,), +1 per finished iteration
    learning_rate: float,          # double
    n_threads: int = 1,            # Py_ssize_t
    output: int = 0,               # int                   OUTPUTS[name]
    hidden: int = 0,               # int                   HIDDEN_ACTIVATIONS[name]
    blas_min_weights: int = ...,   # Py_ssize_t            layers this wide use BLAS (default NO_BLAS)
) -> int: ...                      # iterations completed (< n_iter: parameters not finite)

def train_epochs(
    X: NDArray[Real],              # const real[:, ::1]    (n_x, m)
    Y: NDArray[Real],              # const real[:, ::1]    (K, m) targets
    dims: NDArray[np.intp],        # const Py_ssize_t[::1] (L + 1,), dims[L] == K
    offsets: NDArray[np.intp],     # const Py_ssize_t[::1] (2 L,)
    theta: NDArray[Real],          # real[::1]             (n_params,), updated in place
    grad: NDArray[Real],           # real[::1]             (n_params,), scratch / last gradient
    costs: NDArray[np.float64],    # double[::1]           (n_epochs,), written
    progress: NDArray[np.intp],    # Py_ssize_t[::1]       (1,), +1 per finished epoch
    learning_rates: NDArray[np.float64],  # const double[::1] (n_epochs,)
    permutations: NDArray[np.intp] | None,  # const Py_ssize_t[:, ::1] (n_epochs, m); None: full batch
    batch_size: int,               # Py_ssize_t            examples per mini-batch
    optimizer: int,                # int                   0 gd, 1 momentum, 2 adam (the course's);
                                   #                       3 sgd, 4 adam (scikit-learn's; beta = momentum)
    beta: float, beta1: float, beta2: float, epsilon: float,  # double
    l2: float,                     # double                L2 strength, >= 0
    keep_prob: float,              # double                dropout's keep probability, in (0, 1]; < 1 needs relu
    dropout_seed: int,             # uint64_t              the masks' seed (shuffle_seed)
    first_epoch: int,              # Py_ssize_t            the epoch number of costs[0]
    velocity: NDArray[Real],       # real[::1]             (n_params,), updated in place
    second_moment: NDArray[Real],  # real[::1]             (n_params,), updated in place
    adam_steps: NDArray[np.intp],  # Py_ssize_t[::1]       (1,), Adam's step count, updated
    n_threads: int = 1,            # Py_ssize_t
    output: int = 0,               # int                   OUTPUTS[name]
    hidden: int = 0,               # int                   HIDDEN_ACTIVATIONS[name]
    blas_min_weights: int = ...,   # Py_ssize_t            layers this wide use BLAS (default NO_BLAS)
    nesterov: bool = False,        # bint                  optimizer 3: Nesterov's momentum
    sklearn_loss: bool = False,    # bint                  scikit-learn's loss conventions
    sample_weight: NDArray[Real] | None = None,  # const real[::1] (m,) per-example weights
) -> int: ...                      # epochs completed (< n_epochs: parameters not finite)

class Epochs:
    # train_epochs' object, made once and run as often as wanted (its arguments as
    # train_epochs', without costs, progress, learning_rates, permutations, first_epoch)
    finite: bool                   # the parameters were finite after the last run
    def __init__(
        self, X: NDArray[Real], Y: NDArray[Real], dims: NDArray[np.intp], offsets: NDArray[np.intp],
        theta: NDArray[Real], grad: NDArray[Real], batch_size: int, optimizer: int,
        beta: float, beta1: float, beta2: float, epsilon: float, l2: float, keep_prob: float,
        dropout_seed: int, velocity: NDArray[Real], second_moment: NDArray[Real],
        adam_steps: NDArray[np.intp], n_threads: int = 1, output: int = 0, hidden: int = 0,
        blas_min_weights: int = ..., nesterov: bool = False, sklearn_loss: bool = False,
        sample_weight: NDArray[Real] | None = None, mini_batches: bool = True,
        X_rows: NDArray[Real] | None = None,   # (m, n_x): X's transpose, to gather from
    ) -> None: ...
    def run(
        self, costs: NDArray[np.float64], progress: NDArray[np.intp],
        learning_rates: NDArray[np.float64], permutations: NDArray[np.intp] | None,
        first_epoch: int,
    ) -> int: ...                  # epochs completed

def gradient(
    X: NDArray[Real],              # const real[:, ::1]    (n_x, m)
    Y: NDArray[Real],              # const real[:, ::1]    (K, m)
    dims: NDArray[np.intp],        # const Py_ssize_t[::1] (L + 1,)
    offsets: NDArray[np.intp],     # const Py_ssize_t[::1] (2 L,)
    theta: NDArray[Real],          # const real[::1]       (n_params,)
    grad: NDArray[Real],           # real[::1]             (n_params,), written
    n_threads: int = 1,            # Py_ssize_t
    output: int = 0,               # int
    hidden: int = 0,               # int
    blas_min_weights: int = ...,   # Py_ssize_t
    sklearn_loss: bool = False,    # bint
    sample_weight: NDArray[Real] | None = None,  # const real[::1] (m,)
) -> float: ...                    # the cost, without L2

def forward(
    X: NDArray[Real],              # const real[:, ::1]    (n_x, m)
    dims: NDArray[np.intp],        # const Py_ssize_t[::1] (L + 1,)
    offsets: NDArray[np.intp],     # const Py_ssize_t[::1] (2 L,)
    theta: NDArray[Real],          # const real[::1]       (n_params,)
    out: NDArray[Real],            # real[:, ::1]          (K, m), written
    n_threads: int = 1,            # Py_ssize_t
    output: int = 0,               # int
    hidden: int = 0,               # int
    blas_min_weights: int = ...,   # Py_ssize_t
) -> None: ...

def block_size() -> int: ...
def tile_size() -> int: ...   # units per register tile (FASTNN_TILE at build time)

def cpu_supports(level: int) -> bool: ...  # int level: x86-64 microarchitecture level (3 or 4)
def debug_checks() -> list[str]: ...
