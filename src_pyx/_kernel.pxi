# Compiled engine of fastnn: the whole gradient-descent loop of a fully connected
# LINEAR->RELU->...->LINEAR->SIGMOID network with binary cross-entropy.
#
# Design note
# -----------
# * This file is compiled several times, once per instruction set: each
#   src_pyx/_core_<build>.pyx includes it, and setup.py gives each its compiler flags
#   (baseline: the platform's defaults; x86_64_v3: AVX2; x86_64_v4: AVX-512; both
#   with glibc's vector exp and log). fastnn/_dispatch.py picks the best build the
#   running CPU supports.
#   The source is identical; only the instructions differ.
# * Layers of this file: scalar helpers (sigmoid, cross-entropy term) -> passes over a
#   block's rows, a few units at a time with their sums in registers
#   (``_forward_tile``, ``_back_tile``) -> one block of examples forward + backward
#   (``_block``) -> one group of blocks (``_group``) -> one iteration (``_pass``) ->
#   the Python entry points (``train_chunk``, ``gradient``, ``forward``), which
#   allocate scratch, release the GIL and loop.
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
#   stay in cache and no (n_l, m) array ever exists: memory stays flat as m grows.
#   Blocks are gathered into a fixed number of groups that depends on m only; each
#   group sums its blocks' gradients into its own buffer, and the groups are reduced
#   in order. Threads take whole groups, so the arithmetic - and the result, bit for
#   bit - does not depend on the number of threads.
# * Nothing is allocated and no Python object is touched inside the iteration loop;
#   scratch is allocated once per call, before the GIL is released.
# * Numerics follow the study's NumPy code operation by operation (see the helpers);
#   the differences from ``fastnn.reference`` are summation orders and, in the
#   x86_64_v3/v4 builds, glibc's vector exp/log (within 4 ulp): each moves a cost by
#   ~1e-16 relative per iteration. No fused multiply-adds in any build (see
#   setup.py), so overflow and NaN behave the same whichever build runs.

from cython.parallel cimport prange, threadid
from libc.math cimport exp, log
from libc.string cimport memset

cdef extern from "_vecmath.h":
    # Declares exp and log as having vector versions (glibc's libmvec) when the build
    # defines FASTNN_LIBMVEC, so loops calling them are vectorised.
    int fastnn_cpu_supports(int level) nogil
    int fastnn_debug_checks() nogil
    # A register of FNN_VW doubles and the four operations the loops need.
    enum: FNN_VW
    ctypedef struct fnn_v:
        pass
    fnn_v fnn_load(const double* p) nogil
    void fnn_store(double* p, fnn_v v) nogil
    fnn_v fnn_splat(double x) nogil
    fnn_v fnn_add(fnn_v x, fnn_v y) nogil
    fnn_v fnn_mul(fnn_v x, fnn_v y) nogil
    fnn_v fnn_madd(fnn_v acc, fnn_v x, fnn_v y) nogil     # acc + x * y
    fnn_v fnn_relu(fnn_v x) nogil                         # np.maximum(0, x)
    fnn_v fnn_step(fnn_v x) nogil                         # 1.0 where x > 0, else 0.0

import numpy as np

cdef enum:
    # Examples per block (a multiple of every LANES). The study's 300 examples are one
    # block: each block costs ~50 short passes (0.35 us of the 5.7 at m=300 with
    # 256-example blocks), and larger m ran no slower than with 256. The study's
    # activations take 17 rows x 2.6 KiB, in L2.
    BLOCK = 320
    # Row stride of the activation scratch: a block plus one cache line. With rows a
    # power of two apart (2 KiB, when blocks were 256), loads from one row and stores
    # to another collide in the low 12 address bits ("4K aliasing") and stall; the
    # padding measured 2x faster then.
    ROW = BLOCK + 8
    # Groups: ceil(n_blocks / MIN_GROUP_BLOCKS) of them, at most MAX_GROUPS, so a
    # group has up to MIN_GROUP_BLOCKS blocks (more when MAX_GROUPS caps) and reducing
    # the groups' partial gradients stays a small part of an iteration.
    MIN_GROUP_BLOCKS = 8
    MAX_GROUPS = 64
    # Upper bound on the memory of the groups' partial gradients (32 MiB).
    GROUP_BYTES = 1 << 25
    # Partial sums of the cost (``dot``): four vector registers' worth, so that four
    # independent add chains hide each other's latency. All sums are per lane, so
    # builds for different instruction sets sum in different orders - all within
    # rounding of the oracle.
    LANES = 4 * FNN_VW
    # Units that one pass handles at once, forward (_forward_tile) and backward
    # (_back_tile): 2 x TILE vector registers hold their sums and weights, within
    # the 16 of SSE2 and AVX2 (AVX-512 has 32).
    TILE = 6


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
    # "Cost after iteration 0: inf". One log per example, of a (y = 1) or 1 - a
    # (y = 0), selected arithmetically so the loop vectorises: y*a + (1-y)*(1-a) is
    # exactly a or 1 - a, because a and 1 - a are finite and 0*x + x = x. A NaN
    # output (diverged parameters) gives a NaN term, which nansum would drop; the
    # caller drops it too.
    return -log(y * a + (1.0 - y) * (1.0 - a))


# BLOCK ones: dot(x, ONES, n) is the sum of x in dot's order (x * 1.0 is exact).
cdef double ONES[BLOCK]
for _j in range(BLOCK):
    ONES[_j] = 1.0


cdef inline void dot_lanes(double* acc, const double* x, const double* y,
                           Py_ssize_t n) noexcept nogil:
    # acc[r] += the sum of x[j] * y[j] over the j < n with j % LANES == r: the partial
    # sums of a dot product, one per lane. A single running sum would force one
    # dependent add per example (IEEE addition is not reassociated by the compiler);
    # independent partials live in vector registers. (Gradients keep one vector of
    # partials per parameter across all the blocks of a group, reduced once per
    # iteration by pairwise_sum.) The order of every sum is fixed by m and the build.
    cdef fnn_v v0 = fnn_load(acc), v1 = fnn_load(acc + FNN_VW)
    cdef fnn_v v2 = fnn_load(acc + 2 * FNN_VW), v3 = fnn_load(acc + 3 * FNN_VW)
    cdef const double* xc
    cdef const double* yc
    cdef Py_ssize_t c, j, n_full = n - n % LANES
    for c in range(n_full // LANES):
        xc = x + c * LANES
        yc = y + c * LANES
        v0 = fnn_madd(v0, fnn_load(xc), fnn_load(yc))
        v1 = fnn_madd(v1, fnn_load(xc + FNN_VW), fnn_load(yc + FNN_VW))
        v2 = fnn_madd(v2, fnn_load(xc + 2 * FNN_VW), fnn_load(yc + 2 * FNN_VW))
        v3 = fnn_madd(v3, fnn_load(xc + 3 * FNN_VW), fnn_load(yc + 3 * FNN_VW))
    fnn_store(acc, v0)
    fnn_store(acc + FNN_VW, v1)
    fnn_store(acc + 2 * FNN_VW, v2)
    fnn_store(acc + 3 * FNN_VW, v3)
    for j in range(n_full, n):
        acc[j - n_full] += x[j] * y[j]


cdef inline double pairwise_sum(const double* v, Py_ssize_t n) noexcept nogil:
    # n partial sums (a power of two, at most LANES) combined pairwise: (0+h) (1+h+1)
    # ..., then halves again. The cost's LANES sums and each gradient entry's FNN_VW.
    cdef double t[LANES]
    cdef Py_ssize_t r, half = n
    for r in range(n):
        t[r] = v[r]
    while half > 1:
        half //= 2
        for r in range(half):
            t[r] += t[r + half]
    return t[0]


cdef inline double dot(const double* x, const double* y, Py_ssize_t n) noexcept nogil:
    # Sum of x[j] * y[j] in the fixed order of dot_lanes and pairwise_sum.
    cdef double acc[LANES]
    memset(acc, 0, sizeof(acc))
    dot_lanes(acc, x, y, n)
    return pairwise_sum(acc, LANES)


cdef inline void _products_one(double* out, const double* W, const double* b,
                               Py_ssize_t n_out, Py_ssize_t n_in, const double* a,
                               Py_ssize_t a_stride, bint relu) noexcept nogil:
    # W . A + b (and relu) for FNN_VW examples (one vector), all units: the odd vector
    # left after _forward_tile's pairs.
    cdef fnn_v v
    cdef Py_ssize_t i, k
    for i in range(n_out):
        v = fnn_mul(fnn_splat(W[i * n_in]), fnn_load(a))
        for k in range(1, n_in):
            v = fnn_madd(v, fnn_splat(W[i * n_in + k]), fnn_load(a + k * a_stride))
        v = fnn_add(v, fnn_splat(b[i]))
        fnn_store(out + i * ROW, fnn_relu(v) if relu else v)


cdef inline void _forward_tile(double* out, const double* W, const double* b,
                               Py_ssize_t n_in, const double* a, Py_ssize_t a_stride,
                               Py_ssize_t n_pairs, int T, bint relu) noexcept nogil:
    # T units (T <= TILE, a literal at every call: s0 and s1 live in registers) over
    # n_pairs chunks of two vectors of examples: out = W . A + b, k in order as
    # np.dot sums, then relu. The 2 T sums are independent chains, and each load of
    # A serves T units.
    cdef fnn_v s0[TILE]
    cdef fnn_v s1[TILE]
    cdef fnn_v a0, a1, w
    cdef const double* ak
    cdef Py_ssize_t c, i, k, j
    for c in range(n_pairs):
        j = 2 * c * FNN_VW
        a0 = fnn_load(a + j)
        a1 = fnn_load(a + j + FNN_VW)
        for i in range(T):
            w = fnn_splat(W[i * n_in])
            s0[i] = fnn_mul(w, a0)
            s1[i] = fnn_mul(w, a1)
        for k in range(1, n_in):
            ak = a + k * a_stride + j
            a0 = fnn_load(ak)
            a1 = fnn_load(ak + FNN_VW)
            for i in range(T):
                w = fnn_splat(W[i * n_in + k])
                s0[i] = fnn_madd(s0[i], w, a0)
                s1[i] = fnn_madd(s1[i], w, a1)
        for i in range(T):
            w = fnn_splat(b[i])
            s0[i] = fnn_add(s0[i], w)
            s1[i] = fnn_add(s1[i], w)
            if relu:
                s0[i] = fnn_relu(s0[i])
                s1[i] = fnn_relu(s1[i])
            fnn_store(out + i * ROW + j, s0[i])
            fnn_store(out + i * ROW + j + FNN_VW, s1[i])


cdef inline void _layer_forward(double* out, const double* W, const double* b,
                                Py_ssize_t n_out, Py_ssize_t n_in, const double* a,
                                Py_ssize_t a_stride, Py_ssize_t nb, bint relu) noexcept nogil:
    """out[i, j] = sum_k W[i, k] * a[k * a_stride + j] (k in order) + b[i], then relu
    if ``relu``: W . A + b for the n_out units and nb examples of a block (nb a
    multiple of FNN_VW; out has row stride ROW)."""
    cdef Py_ssize_t c, i0 = 0, T, n_pairs = nb // (2 * FNN_VW)
    while i0 < n_out:
        T = n_out - i0 if n_out - i0 < TILE else TILE
        # one call per tile width, each with a literal T (see _forward_tile)
        if T == 6:
            _forward_tile(out + i0 * ROW, W + i0 * n_in, b + i0, n_in, a, a_stride, n_pairs, 6, relu)
        elif T == 5:
            _forward_tile(out + i0 * ROW, W + i0 * n_in, b + i0, n_in, a, a_stride, n_pairs, 5, relu)
        elif T == 4:
            _forward_tile(out + i0 * ROW, W + i0 * n_in, b + i0, n_in, a, a_stride, n_pairs, 4, relu)
        elif T == 3:
            _forward_tile(out + i0 * ROW, W + i0 * n_in, b + i0, n_in, a, a_stride, n_pairs, 3, relu)
        elif T == 2:
            _forward_tile(out + i0 * ROW, W + i0 * n_in, b + i0, n_in, a, a_stride, n_pairs, 2, relu)
        else:
            _forward_tile(out + i0 * ROW, W + i0 * n_in, b + i0, n_in, a, a_stride, n_pairs, 1, relu)
        i0 += T
    for c in range(2 * n_pairs, nb // FNN_VW):     # an odd vector left over
        _products_one(out + c * FNN_VW, W, b, n_out, n_in, a + c * FNN_VW, a_stride, relu)


cdef inline void _back_tile(double* dW, Py_ssize_t dW_stride, const double* W,
                            Py_ssize_t W_stride, const double* dz, const double* a,
                            double* da, Py_ssize_t nb, int T, bint first, bint last,
                            bint want_da) noexcept nogil:
    """Backward pass of T units i (T <= TILE, a literal at every call, so the loops
    over i unroll and acc and w live in registers) against one input row ``a`` of
    the block (nb a multiple of FNN_VW):

        dW[i * dW_stride] (FNN_VW partial sums) += sum over j of dz[i * ROW + j] * a[j]
        d[j] = W[0] * dz[0, j] + W[W_stride] * dz[1, j] + ...   (i in order, as np.dot)

    and, if ``want_da``, d continues the sum in ``da`` (unless ``first``) and goes
    either back to ``da`` or, for the last units (``last``), through relu's
    derivative into ``a`` itself: dZ_{l-1} = dA_{l-1} * (A_{l-1} > 0), written over
    A_{l-1} once this row no longer needs it. One pass reads dZ and A once for both
    products, where separate dW and dA passes read dZ twice and A once per unit."""
    cdef fnn_v acc[TILE]
    cdef fnn_v w[TILE]
    cdef fnn_v av, d, z
    cdef Py_ssize_t i, c, j
    for i in range(T):
        acc[i] = fnn_splat(0.0)
        w[i] = fnn_splat(W[i * W_stride])
    for c in range(nb // FNN_VW):
        j = c * FNN_VW
        av = fnn_load(a + j)
        z = fnn_load(dz + j)
        acc[0] = fnn_madd(acc[0], z, av)
        if want_da:
            d = fnn_mul(w[0], z) if first else fnn_madd(fnn_load(da + j), w[0], z)
        for i in range(1, T):
            z = fnn_load(dz + i * ROW + j)
            acc[i] = fnn_madd(acc[i], z, av)
            if want_da:
                d = fnn_madd(d, w[i], z)
        if want_da:
            if last:
                fnn_store(<double*>a + j, fnn_mul(d, fnn_step(av)))
            else:
                fnn_store(da + j, d)
    for i in range(T):
        fnn_store(dW + i * dW_stride, fnn_add(fnn_load(dW + i * dW_stride), acc[i]))


cdef inline void _back_row(double* dW, Py_ssize_t n_in, const double* W, const double* dz,
                           const double* a, double* da, Py_ssize_t n_out, Py_ssize_t nb,
                           bint want_da) noexcept nogil:
    """_back_tile over all n_out units, TILE at a time, for one input row: dW[:, k]
    (``dW``, ``W`` point at column k) and, if ``want_da``, dZ_{l-1}[k] over ``a``."""
    cdef Py_ssize_t i0 = 0, T
    cdef bint first, last
    while i0 < n_out:
        T = n_out - i0 if n_out - i0 < TILE else TILE
        first = i0 == 0
        last = i0 + T == n_out
        # one call per tile width, each with a literal T (see _back_tile)
        if T == 6:
            _back_tile(dW + i0 * n_in * FNN_VW, n_in * FNN_VW, W + i0 * n_in, n_in,
                       dz + i0 * ROW, a, da, nb, 6, first, last, want_da)
        elif T == 5:
            _back_tile(dW + i0 * n_in * FNN_VW, n_in * FNN_VW, W + i0 * n_in, n_in,
                       dz + i0 * ROW, a, da, nb, 5, first, last, want_da)
        elif T == 4:
            _back_tile(dW + i0 * n_in * FNN_VW, n_in * FNN_VW, W + i0 * n_in, n_in,
                       dz + i0 * ROW, a, da, nb, 4, first, last, want_da)
        elif T == 3:
            _back_tile(dW + i0 * n_in * FNN_VW, n_in * FNN_VW, W + i0 * n_in, n_in,
                       dz + i0 * ROW, a, da, nb, 3, first, last, want_da)
        elif T == 2:
            _back_tile(dW + i0 * n_in * FNN_VW, n_in * FNN_VW, W + i0 * n_in, n_in,
                       dz + i0 * ROW, a, da, nb, 2, first, last, want_da)
        else:
            _back_tile(dW + i0 * n_in * FNN_VW, n_in * FNN_VW, W + i0 * n_in, n_in,
                       dz + i0 * ROW, a, da, nb, 1, first, last, want_da)
        i0 += T


cdef double _block(const double* X, const double* Y, Py_ssize_t m, Py_ssize_t start,
                   Py_ssize_t nb, Py_ssize_t L, const Py_ssize_t* dims,
                   const Py_ssize_t* offsets, const double* theta, double* grad,
                   double* act, double* padded, double inv_m, double* out) noexcept nogil:
    """Forward pass over examples [start, start + nb); then, if ``grad`` is not NULL,
    the backward pass, adding this block's gradient into ``grad``, which holds
    FNN_VW partial sums (one vector register's worth) per parameter. Returns the sum of
    the block's cross-entropy terms (0 when ``Y`` is NULL). If ``out`` is not NULL the
    output activations are copied to ``out[start:start + nb]``.

    ``act`` holds, for l = 1..L, the (dims[l], BLOCK) activations of layer l (row
    stride ROW), one after the other, then one scratch row (the cost terms, then a
    partial dA row on the way back, see _back_tile).

    Every pass runs over whole vectors: nv = nb rounded up. The extra nv - nb
    columns are zeros in every layer's activations and in dZ, so all they add to a
    sum is 0 * 0, W * 0 or 0 * 1 - exact zeros, W being finite whenever a gradient is
    computed - and they never reach the cost. X's columns beyond nb are another
    block's or past its end, so they are copied, zero-padded, to ``padded`` (dims[0]
    rows): only the last block of a pass can need it (BLOCK is a whole number of
    vectors), so one buffer serves all threads.
    """
    cdef Py_ssize_t l, i, k, j, n_in, n_out, stride_prev
    cdef Py_ssize_t nv = nb + (FNN_VW - nb % FNN_VW) % FNN_VW
    cdef const double* a_prev
    cdef const double* x_in = X + start
    cdef Py_ssize_t x_stride = m
    cdef double* a
    cdef double* dW
    cdef double* db
    cdef double* scratch
    cdef double t, cost = 0.0

    if nv != nb:
        for k in range(dims[0]):
            for j in range(nb):
                padded[k * ROW + j] = X[k * m + start + j]
            for j in range(nb, nv):
                padded[k * ROW + j] = 0.0
        x_in = padded
        x_stride = ROW

    # ---- forward: A_l = g(W_l . A_{l-1} + b_l), g = relu below the output ----
    a_prev = x_in
    stride_prev = x_stride
    a = act
    for l in range(1, L + 1):
        n_in = dims[l - 1]
        n_out = dims[l]
        _layer_forward(a, theta + offsets[2 * (l - 1)], theta + offsets[2 * (l - 1) + 1],
                       n_out, n_in, a_prev, stride_prev, nv, l < L)
        if l == L:
            for j in range(nb):
                a[j] = sigmoid(a[j])
        for i in range(n_out):
            for j in range(nb, nv):
                a[i * ROW + j] = 0.0
        a_prev = a
        stride_prev = ROW
        a += n_out * ROW
    a -= dims[L] * ROW          # the output layer, (1, BLOCK)
    scratch = a + ROW           # the scratch row, after the output layer

    if out != NULL:
        for j in range(nb):
            out[start + j] = a[j]
    if Y == NULL:
        return 0.0

    # Cross-entropy terms into the scratch row after the output layer, summed in
    # dot's fixed order; then dZ_L = 1/m * (A_L - Y), written over A_L in place.
    for j in range(nb):
        t = bce_term(a[j], Y[start + j])
        scratch[j] = t if t == t else 0.0        # nansum: NaN terms are dropped
    cost = dot(scratch, ONES, nb)
    if grad == NULL:
        return cost
    for j in range(nb):
        a[j] = inv_m * (a[j] - Y[start + j])

    for l in range(L, 0, -1):
        n_in = dims[l - 1]
        n_out = dims[l]
        dW = grad + offsets[2 * (l - 1)] * FNN_VW
        db = grad + offsets[2 * (l - 1) + 1] * FNN_VW
        if l > 1:
            a_prev = a - n_in * ROW
            stride_prev = ROW
        else:
            a_prev = x_in
            stride_prev = x_stride
        # dW_l += dZ_l . A_{l-1}^T and, below the first layer, dZ_{l-1} =
        # (W_l^T . dZ_l) * (A_{l-1} > 0) written over A_{l-1}, one input row at a time;
        # db_l += dZ_l . 1, the same pass against a row of ones (x * 1.0 is exact).
        # grad holds FNN_VW partial sums per parameter.
        for k in range(n_in):
            _back_row(dW + k * FNN_VW, n_in, theta + offsets[2 * (l - 1)] + k, a,
                      a_prev + k * stride_prev, scratch, n_out, nv, l > 1)
        _back_row(db, 1, theta + offsets[2 * (l - 1) + 1], a, ONES, scratch, n_out, nv, False)
        if l == 1:
            break
        a -= n_in * ROW
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
    double* padded               # dims[0] * ROW for the last block, or NULL if m fills vectors
    double* group_grad           # n_groups * n_params * FNN_VW, or NULL for forward only
    double* group_cost           # n_groups
    double* out                  # output activations (m,), or NULL


cdef double _group(Plan* p, Py_ssize_t g, const double* theta, double* act) noexcept nogil:
    """Run the blocks of group g in order; their gradients add into the group's own
    partial sums, zeroed here by the thread that will fill them. Returns the
    group's cost sum."""
    cdef Py_ssize_t blk, start, nb
    cdef Py_ssize_t first = g * p.n_blocks // p.n_groups
    cdef Py_ssize_t last = (g + 1) * p.n_blocks // p.n_groups
    cdef double* grad = NULL
    cdef double cost = 0.0
    if p.group_grad != NULL:
        grad = p.group_grad + g * p.n_params * FNN_VW
        memset(grad, 0, p.n_params * FNN_VW * sizeof(double))
    for blk in range(first, last):
        start = blk * BLOCK
        nb = p.m - start if p.m - start < BLOCK else BLOCK
        cost += _block(p.X, p.Y, p.m, start, nb, p.L, p.dims, p.offsets, theta, grad,
                       act, p.padded, 1.0 / p.m, p.out)
    return cost


cdef double _pass(Plan* p, const double* theta, double* grad) noexcept nogil:
    """One forward (+ backward) pass over all examples. If ``grad`` is not NULL the
    full gradient is written to it. Returns the cost, (1/m) * sum of the terms."""
    cdef Py_ssize_t g, q, tid
    cdef double total = 0.0
    cdef double* gg
    if p.n_threads > 1:
        for g in prange(p.n_groups, num_threads=p.n_threads, schedule="static"):
            tid = threadid()
            p.group_cost[g] = _group(p, g, theta, p.act + tid * p.act_size)
    else:
        for g in range(p.n_groups):
            p.group_cost[g] = _group(p, g, theta, p.act)
    # Reduce in group order: the same arithmetic for any number of threads.
    for g in range(p.n_groups):
        total += p.group_cost[g]
    if grad != NULL:
        memset(grad, 0, p.n_params * sizeof(double))
        for g in range(p.n_groups):
            gg = p.group_grad + g * p.n_params * FNN_VW
            for q in range(p.n_params):
                grad[q] += pairwise_sum(gg + q * FNN_VW, FNN_VW)
    # 1./m * nansum(...), multiplied as the study does
    return (1.0 / p.m) * total


cdef class _Scratch:
    """Owns the scratch arrays of one call; ``plan`` points into them."""
    cdef Plan plan
    cdef list _arrays

    cdef double* _buffer(self, Py_ssize_t n) except NULL:
        # n doubles starting on a 64-byte boundary, so that no vector load straddles
        # two cache lines (rows and per-thread areas are multiples of 8 doubles, and a
        # parameter's FNN_VW partial sums sit at a multiple of their own size).
        # Allocated once per call, before the GIL is released.
        cdef double[::1] v
        array = np.empty(n + 8)
        self._arrays.append(array)
        v = array
        return <double*>((<size_t>&v[0] + 63) & ~(<size_t>63))

    def __cinit__(self, const double[:, ::1] X, const double[::1] Y, const Py_ssize_t[::1] dims,
                  const Py_ssize_t[::1] offsets, Py_ssize_t n_params, Py_ssize_t n_threads,
                  bint need_grad):
        cdef Py_ssize_t l, units = 0
        cdef Plan* p = &self.plan
        self._arrays = []
        # A last line of defence behind fastnn._validate: the loops assume these.
        if dims.shape[0] < 2 or min(dims) < 1 or dims[dims.shape[0] - 1] != 1 or X.shape[1] < 1:
            raise ValueError(f"kernel called with layer sizes {list(dims)} and X of shape ({X.shape[0]}, {X.shape[1]})")
        if X.shape[0] != dims[0] or (Y is not None and Y.shape[0] != X.shape[1]):
            raise ValueError("kernel called with X, Y and layer sizes that do not fit")
        if n_threads < 1:
            raise ValueError(f"kernel called with n_threads={n_threads}")
        p.m = X.shape[1]
        p.L = dims.shape[0] - 1
        p.X = &X[0, 0]
        p.Y = &Y[0] if Y is not None else NULL
        p.dims = &dims[0]
        p.offsets = &offsets[0]
        p.n_params = n_params
        p.n_blocks = (p.m + BLOCK - 1) // BLOCK
        # Groups depend on m and the network only, never on n_threads. Each keeps
        # n_params * FNN_VW partial sums, so wide networks get fewer groups.
        p.n_groups = min((p.n_blocks + MIN_GROUP_BLOCKS - 1) // MIN_GROUP_BLOCKS, MAX_GROUPS,
                         max(1, GROUP_BYTES // (n_params * FNN_VW * <Py_ssize_t>sizeof(double))))
        p.n_threads = n_threads if n_threads < p.n_groups else p.n_groups
        for l in range(1, p.L + 1):
            units += dims[l]
        p.act_size = (units + 1) * ROW           # + the scratch row of _block
        p.act = self._buffer(p.n_threads * p.act_size)
        p.padded = self._buffer(dims[0] * ROW) if p.m % FNN_VW else NULL
        p.group_cost = self._buffer(p.n_groups)
        if need_grad:
            p.group_grad = self._buffer(p.n_groups * n_params * FNN_VW)
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
                Py_ssize_t[::1] progress,          # INOUT (1,) +1 after every finished iteration
                double learning_rate,
                Py_ssize_t n_threads=1):
    """Run ``costs.shape[0]`` iterations of gradient descent on ``theta`` in place.

    Returns the number of iterations completed. It is less than requested only if
    the parameters stopped being finite: the iteration that produced them is the
    last one counted, and ``theta`` holds its non-finite result. ``progress[0]`` is
    incremented as each iteration finishes, so a caller interrupted (Ctrl-C) right
    after this returns still knows exactly how far ``theta`` and ``costs`` got.
    """
    cdef _Scratch scratch = _Scratch(X, Y, dims, offsets, theta.shape[0], n_threads, True)
    cdef Plan* p = &scratch.plan
    cdef Py_ssize_t it, q, n_iter = costs.shape[0], n_params = theta.shape[0], done = 0
    cdef double* th = &theta[0]
    cdef double* gr = &grad[0]
    cdef double* cs = &costs[0] if n_iter > 0 else NULL
    cdef Py_ssize_t* count = &progress[0]
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
            count[0] += 1
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


def debug_checks():
    """The debug checks compiled into this build (see setup.py), as names."""
    cdef int checks = fastnn_debug_checks()
    return [name for bit, name in ((1, "cython-bounds"), (2, "address-sanitizer")) if checks & bit]


def cpu_supports(int level):
    """Whether this CPU runs code built for x86-64 microarchitecture ``level`` (only 3
    and 4 can be true: they are the levels the builds target)."""
    return fastnn_cpu_supports(level) != 0
