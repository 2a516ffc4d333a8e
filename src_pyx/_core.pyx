# Compiled engine of fastnn: the whole gradient-descent loop of a fully connected
# LINEAR->RELU->...->LINEAR->SIGMOID network with binary cross-entropy.
#
# Design note
# -----------
# * Layers of this file: scalar helpers (sigmoid, cross-entropy term) -> one block of
#   examples forward + backward (``_block``) -> one group of blocks (``_group``) -> one
#   iteration (``_iteration``) -> the Python entry points (``train_chunk``, ``gradient``,
#   ``forward``), which allocate scratch, release the GIL and loop.
# * Contract: every array is float64 (Py_ssize_t for ``dims``/``offsets``) and
#   C-contiguous; shapes, labels (exactly 0.0/1.0), finiteness and sizes were checked
#   by ``fastnn._validate``. Bounds checking is off, so the caller's checks are what
#   keep this code in bounds.
# * Data is in columns: ``X`` is (n_x, m), so the examples are the innermost, contiguous
#   dimension and every inner loop runs over examples.
# * Parameters live packed in one buffer ``theta``: W1 (row-major, (n_1, n_0)), b1,
#   W2, b2, ...; ``offsets[2*(l-1)]`` / ``offsets[2*(l-1)+1]`` are where W_l / b_l start.
#   The gradient buffers use the same layout.
# * Examples are processed in blocks of BLOCK columns, so the activations of a block
#   fit in L1 and no (n_l, m) array ever exists: memory stays flat as m grows.
#   Blocks are gathered into a fixed number of groups that depends on m only; each
#   group sums its blocks' gradients into its own buffer, and the groups are reduced
#   in order. Threads take whole groups, so the arithmetic - and the result, bit for
#   bit - does not depend on the number of threads.
# * Nothing is allocated and no Python object is touched inside the iteration loop;
#   scratch is allocated once per call, before the GIL is released.
# * Numerics follow the study's NumPy code operation by operation (see the helpers);
#   the only differences from ``fastnn.reference`` are summation orders, which move
#   the costs by ~1e-16 relative per iteration.

from cython.parallel cimport prange, threadid
from libc.math cimport exp, log
from libc.string cimport memset

import numpy as np

cdef enum:
    # Examples per block. 256 columns x 16 hidden units x 8 bytes = 32 KiB: one L1.
    BLOCK = 256
    # Upper bound on the number of groups; more groups than cores buys nothing.
    MAX_GROUPS = 64


cdef inline double sigmoid(double z) noexcept nogil:
    # Written exactly as the study writes it, 1 / (1 + exp(-z)): for z < -709.78 exp
    # overflows to inf and the result is exactly 0.0; for z > 36.7 it rounds to 1.0.
    # Those saturated outputs are what make the study's large-random start print an
    # infinite cost, so a "stable" sigmoid would not reproduce it.
    return 1.0 / (1.0 + exp(-z))


cdef inline double bce_term(double a, double y) noexcept nogil:
    # The study computes -log(a)*y - log(1-a)*(1-y) and sums with nansum. For y in
    # {0, 1} that is -log(a) (y = 1) or -log(1-a) (y = 0); the other product is 0*x,
    # which is 0, or NaN (0*inf) when the sigmoid saturated, and nansum drops the NaN -
    # the same as adding 0. A saturated *wrong* output gives -log(0) = inf: the study's
    # "Cost after iteration 0: inf". A NaN output (diverged parameters) gives a NaN term,
    # which nansum would drop; the caller drops it too.
    if y != 0.0:
        return -log(a)
    return -log(1.0 - a)


cdef double _block(const double* X, const double* Y, Py_ssize_t m, Py_ssize_t start,
                   Py_ssize_t nb, Py_ssize_t L, const Py_ssize_t* dims,
                   const Py_ssize_t* offsets, const double* theta, double* grad,
                   double* act, double* row, double inv_m, double* out) noexcept nogil:
    """Forward pass over examples [start, start + nb); then, if ``grad`` is not NULL,
    the backward pass, adding this block's gradient into ``grad``. Returns the sum of
    the block's cross-entropy terms (0 when ``Y`` is NULL). If ``out`` is not NULL the
    output activations are copied to ``out[start:start + nb]``.

    ``act`` holds, for l = 1..L, the (dims[l], BLOCK) activations of layer l, one
    after the other; ``row`` is one BLOCK-long scratch row.
    """
    cdef Py_ssize_t l, i, k, j, n_in, n_out, stride_prev
    cdef const double* a_prev
    cdef const double* W
    cdef const double* b
    cdef double* a
    cdef double* a_below
    cdef double* dW
    cdef double* db
    cdef double w, s, t, cost = 0.0

    # ---- forward: Z = W . A_prev + b (products summed over k in order, then + b) ----
    a_prev = X + start
    stride_prev = m
    a = act
    for l in range(1, L + 1):
        n_in = dims[l - 1]
        n_out = dims[l]
        W = theta + offsets[2 * (l - 1)]
        b = theta + offsets[2 * (l - 1) + 1]
        for i in range(n_out):
            w = W[i * n_in]
            for j in range(nb):
                a[i * BLOCK + j] = w * a_prev[j]
            for k in range(1, n_in):
                w = W[i * n_in + k]
                for j in range(nb):
                    a[i * BLOCK + j] += w * a_prev[k * stride_prev + j]
            if l < L:
                for j in range(nb):
                    # relu, as np.maximum(0, z)
                    t = a[i * BLOCK + j] + b[i]
                    a[i * BLOCK + j] = t if t > 0.0 else 0.0
            else:
                for j in range(nb):
                    a[i * BLOCK + j] = sigmoid(a[i * BLOCK + j] + b[i])
        a_prev = a
        stride_prev = BLOCK
        a += n_out * BLOCK
    a -= dims[L] * BLOCK          # the output layer, (1, BLOCK)

    if out != NULL:
        for j in range(nb):
            out[start + j] = a[j]
    if Y == NULL:
        return 0.0

    for j in range(nb):
        t = bce_term(a[j], Y[start + j])
        if t == t:                 # nansum: drop NaN terms
            cost += t
    if grad == NULL:
        return cost

    # ---- backward: dZ_L = 1/m * (A_L - Y), written over A_L in place ----
    for j in range(nb):
        a[j] = inv_m * (a[j] - Y[start + j])

    for l in range(L, 0, -1):
        n_in = dims[l - 1]
        n_out = dims[l]
        W = theta + offsets[2 * (l - 1)]
        dW = grad + offsets[2 * (l - 1)]
        db = grad + offsets[2 * (l - 1) + 1]
        if l > 1:
            a_below = a - n_in * BLOCK
            a_prev = a_below
            stride_prev = BLOCK
        else:
            a_below = NULL
            a_prev = X + start
            stride_prev = m
        # dW_l += dZ_l . A_{l-1}^T ; db_l += sum of dZ_l over the block's examples
        for i in range(n_out):
            for k in range(n_in):
                s = 0.0
                for j in range(nb):
                    s += a[i * BLOCK + j] * a_prev[k * stride_prev + j]
                dW[i * n_in + k] += s
            s = 0.0
            for j in range(nb):
                s += a[i * BLOCK + j]
            db[i] += s
        if l == 1:
            break
        # dZ_{l-1} = (W_l^T . dZ_l) * (A_{l-1} > 0), written over A_{l-1} in place
        # (A_{l-1} is no longer needed once dW_l is done). The mask multiplies, as the
        # study's np.multiply(dA, np.int64(A > 0)) does.
        for k in range(n_in):
            w = W[k]
            for j in range(nb):
                row[j] = w * a[j]
            for i in range(1, n_out):
                w = W[i * n_in + k]
                for j in range(nb):
                    row[j] += w * a[i * BLOCK + j]
            for j in range(nb):
                a_below[k * BLOCK + j] = row[j] * (1.0 if a_below[k * BLOCK + j] > 0.0 else 0.0)
        a = a_below
    return cost


cdef double _group(Py_ssize_t g, Py_ssize_t n_groups, Py_ssize_t n_blocks,
                   const double* X, const double* Y, Py_ssize_t m, Py_ssize_t L,
                   const Py_ssize_t* dims, const Py_ssize_t* offsets,
                   const double* theta, double* grad, double* act, double* row,
                   double inv_m, double* out) noexcept nogil:
    """Run the blocks of group g in order; their gradients add into ``grad`` (the
    group's own buffer, zeroed by the caller). Returns the group's cost sum."""
    cdef Py_ssize_t blk, start, nb
    cdef Py_ssize_t first = g * n_blocks // n_groups
    cdef Py_ssize_t last = (g + 1) * n_blocks // n_groups
    cdef double cost = 0.0
    for blk in range(first, last):
        start = blk * BLOCK
        nb = m - start if m - start < BLOCK else BLOCK
        cost += _block(X, Y, m, start, nb, L, dims, offsets, theta, grad, act, row,
                       inv_m, out)
    return cost


cdef struct Plan:
    # Everything one pass over the data needs; fixed for a call.
    const double* X
    const double* Y
    Py_ssize_t m
    Py_ssize_t L
    const Py_ssize_t* dims
    const Py_ssize_t* offsets
    Py_ssize_t n_params
    Py_ssize_t n_blocks
    Py_ssize_t n_groups
    Py_ssize_t n_threads
    Py_ssize_t act_size          # doubles of activation scratch per thread
    double* act                  # n_threads * act_size
    double* rows                 # n_threads * BLOCK
    double* group_grad           # n_groups * n_params, or NULL for forward only
    double* group_cost           # n_groups
    double* out                  # output activations (m,), or NULL


cdef double _pass(Plan* p, const double* theta, double* grad) noexcept nogil:
    """One forward (+ backward) pass over all examples. If ``grad`` is not NULL the
    full gradient is written to it. Returns the cost, (1/m) * sum of the terms."""
    cdef Py_ssize_t g, q, tid
    cdef double total = 0.0
    cdef double* gg
    if p.group_grad != NULL:
        memset(p.group_grad, 0, p.n_groups * p.n_params * sizeof(double))
    if p.n_threads > 1:
        for g in prange(p.n_groups, num_threads=p.n_threads, schedule="static"):
            tid = threadid()
            p.group_cost[g] = _group(
                g, p.n_groups, p.n_blocks, p.X, p.Y, p.m, p.L, p.dims, p.offsets,
                theta,
                p.group_grad + g * p.n_params if p.group_grad != NULL else NULL,
                p.act + tid * p.act_size, p.rows + tid * BLOCK, 1.0 / p.m, p.out)
    else:
        for g in range(p.n_groups):
            p.group_cost[g] = _group(
                g, p.n_groups, p.n_blocks, p.X, p.Y, p.m, p.L, p.dims, p.offsets,
                theta,
                p.group_grad + g * p.n_params if p.group_grad != NULL else NULL,
                p.act, p.rows, 1.0 / p.m, p.out)
    # Reduce in group order: the same arithmetic for any number of threads.
    for g in range(p.n_groups):
        total += p.group_cost[g]
    if grad != NULL:
        memset(grad, 0, p.n_params * sizeof(double))
        for g in range(p.n_groups):
            gg = p.group_grad + g * p.n_params
            for q in range(p.n_params):
                grad[q] += gg[q]
    # 1./m * nansum(...), multiplied as the study does
    return (1.0 / p.m) * total


cdef class _Scratch:
    """Owns the scratch arrays of one call; ``plan`` points into them."""
    cdef Plan plan
    cdef object _act, _rows, _group_grad, _group_cost

    def __cinit__(self, const double[:, ::1] X, const double[::1] Y, const Py_ssize_t[::1] dims,
                  const Py_ssize_t[::1] offsets, Py_ssize_t n_params, Py_ssize_t n_threads,
                  bint need_grad):
        cdef Py_ssize_t l, units = 0
        cdef double[::1] v
        cdef Plan* p = &self.plan
        p.m = X.shape[1]
        p.L = dims.shape[0] - 1
        p.X = &X[0, 0]
        p.Y = &Y[0] if Y is not None else NULL
        p.dims = &dims[0]
        p.offsets = &offsets[0]
        p.n_params = n_params
        p.n_blocks = (p.m + BLOCK - 1) // BLOCK
        p.n_groups = p.n_blocks if p.n_blocks < MAX_GROUPS else MAX_GROUPS
        p.n_threads = n_threads if n_threads < p.n_groups else p.n_groups
        for l in range(1, p.L + 1):
            units += dims[l]
        p.act_size = units * BLOCK
        self._act = np.empty(p.n_threads * p.act_size)
        v = self._act
        p.act = &v[0]
        self._rows = np.empty(p.n_threads * BLOCK)
        v = self._rows
        p.rows = &v[0]
        self._group_cost = np.empty(p.n_groups)
        v = self._group_cost
        p.group_cost = &v[0]
        if need_grad:
            self._group_grad = np.empty(p.n_groups * n_params)
            v = self._group_grad
            p.group_grad = &v[0]
        else:
            p.group_grad = NULL
        p.out = NULL


def train_chunk(const double[:, ::1] X,            # IN    (n_x, m)
                const double[::1] Y,               # IN    (m,) of exactly 0.0 / 1.0
                const Py_ssize_t[::1] dims,        # IN    (L + 1,) layer sizes, dims[L] == 1
                const Py_ssize_t[::1] offsets,     # IN    (2 L,) where W_l, b_l start in theta
                double[::1] theta,                 # INOUT (n_params,) packed parameters
                double[::1] grad,                  # OUT   (n_params,) last gradient (scratch)
                double[::1] costs,                 # OUT   (n_iter,) cost before each update
                double learning_rate,
                Py_ssize_t n_threads=1):
    """Run ``costs.shape[0]`` iterations of gradient descent on ``theta`` in place.

    Returns the number of iterations completed. It is less than requested only if
    the parameters stopped being finite: the iteration that produced them is the
    last one counted, and ``theta`` holds its non-finite result.
    """
    cdef _Scratch scratch = _Scratch(X, Y, dims, offsets, theta.shape[0], n_threads, True)
    cdef Plan* p = &scratch.plan
    cdef Py_ssize_t it, q, n_iter = costs.shape[0], n_params = theta.shape[0], done = 0
    cdef double* th = &theta[0]
    cdef double* gr = &grad[0]
    cdef double* cs = &costs[0] if n_iter > 0 else NULL
    cdef bint finite = True
    with nogil:
        for it in range(n_iter):
            cs[it] = _pass(p, th, gr)
            for q in range(n_params):
                # W = W - learning_rate * dW, as the study updates
                th[q] = th[q] - learning_rate * gr[q]
                # x - x is NaN exactly when x is NaN or +-inf
                if th[q] - th[q] != 0.0:
                    finite = False
            done = it + 1
            if not finite:
                break
    return done


def gradient(const double[:, ::1] X,               # IN  (n_x, m)
             const double[::1] Y,                  # IN  (m,)
             const Py_ssize_t[::1] dims,           # IN  (L + 1,)
             const Py_ssize_t[::1] offsets,        # IN  (2 L,)
             const double[::1] theta,              # IN  (n_params,)
             double[::1] grad,                     # OUT (n_params,)
             Py_ssize_t n_threads=1):
    """One forward and backward pass, exactly as one training iteration does it.
    Writes the gradient to ``grad`` and returns the cost."""
    cdef _Scratch scratch = _Scratch(X, Y, dims, offsets, theta.shape[0], n_threads, True)
    cdef double cost
    with nogil:
        cost = _pass(&scratch.plan, &theta[0], &grad[0])
    return cost


def forward(const double[:, ::1] X,                # IN  (n_x, m)
            const Py_ssize_t[::1] dims,            # IN  (L + 1,)
            const Py_ssize_t[::1] offsets,         # IN  (2 L,)
            const double[::1] theta,               # IN  (n_params,)
            double[::1] out,                       # OUT (m,) output activations
            Py_ssize_t n_threads=1):
    """Forward pass only: the sigmoid outputs, written to ``out``."""
    cdef _Scratch scratch = _Scratch(X, None, dims, offsets, theta.shape[0], n_threads, False)
    scratch.plan.out = &out[0]
    with nogil:
        _pass(&scratch.plan, &theta[0], NULL)


def block_size():
    """Examples per block (fixed at compile time)."""
    return BLOCK
