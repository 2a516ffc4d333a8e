"""scikit-learn's shuffles of the examples, drawn without the GIL.

Before each epoch scikit-learn's ``_fit_stochastic`` runs
``sample_idx = shuffle(sample_idx, random_state=rs)``, that is
``order = arange(n); rs.shuffle(order); sample_idx = sample_idx[order]``
(``sklearn.utils.resample``). NumPy's legacy ``RandomState.shuffle`` is a
Fisher-Yates shuffle whose every draw is ``random_interval(bitgen, i)``; it holds
the GIL, and on a few hundred examples costs as much as the kernel's epoch.
``epoch_orders`` makes the same draws from the same bit generator, in C, for
several epochs at once. ``RandomState`` is frozen (NEP 19), so the draws are
those of every NumPy; tests/test_estimators.py holds them to ``rs.shuffle``.
"""
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from libc.stdint cimport uint32_t, uint64_t


cdef extern from *:
    """
    /* numpy/random/bitgen.h: NumPy's public C interface to a bit generator,
       declared here so that the build does not need NumPy's headers. */
    typedef struct fnn_bitgen {
        void *state;
        uint64_t (*next_uint64)(void *st);
        uint32_t (*next_uint32)(void *st);
        double (*next_double)(void *st);
        uint64_t (*next_raw)(void *st);
    } fnn_bitgen_t;
    """
    ctypedef struct fnn_bitgen_t:
        void* state
        uint64_t (*next_uint64)(void* st) noexcept nogil
        uint32_t (*next_uint32)(void* st) noexcept nogil


cdef inline uint64_t random_interval(fnn_bitgen_t* bitgen, uint64_t max) noexcept nogil:
    """A uniform integer in [0, max]: NumPy's legacy ``random_interval``
    (numpy/random/src/distributions/distributions.c), draw for draw."""
    cdef uint64_t mask = max, value
    if max == 0:
        return 0
    # the smallest bit mask >= max, then draws under the mask until one is <= max
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    if max <= 0xffffffffUL:
        value = bitgen.next_uint32(bitgen.state) & mask
        while value > max:
            value = bitgen.next_uint32(bitgen.state) & mask
    else:
        value = bitgen.next_uint64(bitgen.state) & mask
        while value > max:
            value = bitgen.next_uint64(bitgen.state) & mask
    return value


def epoch_orders(random_state, Py_ssize_t[::1] sample_idx, Py_ssize_t[:, ::1] orders):
    """The next ``orders.shape[0]`` epochs' example orders, as scikit-learn draws them.

    Row ``e`` of ``orders`` is ``sample_idx`` after ``e + 1`` of scikit-learn's
    shuffles; ``sample_idx`` is left as the last row. ``random_state`` (a
    ``numpy.random.RandomState``) advances exactly as that many calls of its
    ``shuffle`` on ``arange(n)`` advance it.

    Returns False, drawing nothing, where ``random_state`` does not expose its bit
    generator (a NumPy that has changed that): the caller then draws in Python.
    """
    cdef Py_ssize_t n = sample_idx.shape[0], n_epochs = orders.shape[0], e, i, j, swap
    if orders.shape[1] != n:
        raise ValueError(f"orders of {orders.shape[1]} columns for {n} examples")
    for i in range(n):
        if not 0 <= sample_idx[i] < n:
            raise ValueError(f"sample_idx holds {sample_idx[i]}, not an example of {n}")
    bit_generator = getattr(random_state, "_bit_generator", None)
    capsule = getattr(bit_generator, "capsule", None)
    if capsule is None or not PyCapsule_IsValid(capsule, "BitGenerator"):
        return False
    cdef fnn_bitgen_t* bitgen = <fnn_bitgen_t*>PyCapsule_GetPointer(capsule, "BitGenerator")
    with bit_generator.lock:
        with nogil:
            for e in range(n_epochs):
                # order = arange(n), shuffled as RandomState.shuffle does: from the last
                # position down, each swapped with one drawn from [0, i]
                for i in range(n):
                    orders[e, i] = i
                for i in range(n - 1, 0, -1):
                    j = <Py_ssize_t>random_interval(bitgen, <uint64_t>i)
                    swap = orders[e, j]
                    orders[e, j] = orders[e, i]
                    orders[e, i] = swap
                # sample_idx = sample_idx[order]
                for i in range(n):
                    orders[e, i] = sample_idx[orders[e, i]]
                for i in range(n):
                    sample_idx[i] = orders[e, i]
    return True
