/* C helpers for the kernel (src_pyx/_kernel.pxi). The kernel's loops and all of its
 * numerics are in Cython; this header only gives it
 *
 * 1. fnn_v, one vector register of FNN_VW reals (fnn_real: double, or float with
 *    FASTNN_FLOAT32; 64, 32 or 16 bytes with AVX-512, AVX or neither, as the build
 *    targets), with load, store, broadcast, add, subtract, multiply(-add), relu and
 *    its derivative (fnn_relu_deriv), so that partial sums stay in
 *    registers across a loop (GCC does not promote a small local array to
 *    registers, and splits a vector type wider than the hardware through memory).
 *    Without GCC/Clang vector extensions it is a plain struct and plain loops.
 * 2. with FASTNN_LIBMVEC (set by setup.py for the x86-64-v3 and v4 builds on glibc):
 *    exp and log (expf and logf) declared as having SIMD versions, exactly as glibc's own
 *    <bits/math-vector.h> does under -ffast-math but without -ffast-math's other
 *    effects (we need IEEE inf and NaN). GCC then calls libmvec's _ZGV*_exp/_log
 *    (at most 4 ulp from the correctly rounded result; inf, 0 and NaN handled) in
 *    vectorised loops.
 * 3. fastnn_cpu_supports, for choosing a build at import.
 * 4. fnn_gather4, the copy of four examples' rows into a mini-batch's columns.
 */
#ifndef FASTNN_VECMATH_H
#define FASTNN_VECMATH_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The kernel's floating-point type: double, or float when the module is compiled
 * with FASTNN_FLOAT32 (setup.py compiles each build once per precision). */
#if defined(FASTNN_FLOAT32)
typedef float fnn_real;
#define FNN_REAL_BYTES 4
typedef int32_t fnn_int;            /* an integer lane as wide as a real */
#define fnn_exp expf
#define fnn_log logf
#define fnn_tanh tanhf
#define fnn_sqrt sqrtf
#else
typedef double fnn_real;
#define FNN_REAL_BYTES 8
typedef int64_t fnn_int;
#define fnn_exp exp
#define fnn_log log
#define fnn_tanh tanh
#define fnn_sqrt sqrt
#endif

/* Bytes per vector register of the build: 64 with AVX-512, 32 with AVX, else 16. */
#if defined(__AVX512F__)
#define FNN_VECTOR_BYTES 64
#elif defined(__AVX__)
#define FNN_VECTOR_BYTES 32
#else
#define FNN_VECTOR_BYTES 16
#endif
#define FNN_VW (FNN_VECTOR_BYTES / FNN_REAL_BYTES)   /* reals per register */
#define FNN_LINE (64 / FNN_REAL_BYTES)               /* reals per cache line */

#if defined(_MSC_VER) && !defined(__clang__)
#define FNN_INLINE static __inline      /* MSVC's C compiler */
#else
#define FNN_INLINE static inline
#endif

#if defined(__GNUC__) || defined(__clang__)
typedef fnn_real fnn_v __attribute__((vector_size(FNN_VECTOR_BYTES)));
typedef fnn_int fnn_vmask __attribute__((vector_size(FNN_VECTOR_BYTES)));
FNN_INLINE fnn_v fnn_load(const fnn_real *p) { fnn_v v; memcpy(&v, p, sizeof v); return v; }
FNN_INLINE void fnn_store(fnn_real *p, fnn_v v) { memcpy(p, &v, sizeof v); }
/* A literal, not a loop: GCC makes a loop's vector into two instructions (vmovddup
 * and vperm2f128) where the literal is one broadcast (vbroadcastsd). */
#define FNN_X2 x, x
#define FNN_X4 FNN_X2, FNN_X2
#define FNN_X8 FNN_X4, FNN_X4
#define FNN_X16 FNN_X8, FNN_X8
#if FNN_VW == 16
FNN_INLINE fnn_v fnn_splat(fnn_real x) { return (fnn_v){FNN_X16}; }
#elif FNN_VW == 8
FNN_INLINE fnn_v fnn_splat(fnn_real x) { return (fnn_v){FNN_X8}; }
#elif FNN_VW == 4
FNN_INLINE fnn_v fnn_splat(fnn_real x) { return (fnn_v){FNN_X4}; }
#else
FNN_INLINE fnn_v fnn_splat(fnn_real x) { return (fnn_v){FNN_X2}; }
#endif
FNN_INLINE fnn_v fnn_add(fnn_v x, fnn_v y) { return x + y; }
FNN_INLINE fnn_v fnn_sub(fnn_v x, fnn_v y) { return x - y; }
FNN_INLINE fnn_v fnn_mul(fnn_v x, fnn_v y) { return x * y; }
FNN_INLINE fnn_v fnn_madd(fnn_v acc, fnn_v x, fnn_v y) { return acc + x * y; }
/* fnn_load, into a register of its own: a value used twice (by two multiplies)
 * is then loaded once. GCC otherwise may fold the load into each multiply as a
 * memory operand, loading it twice, which left _weights_tile_pair short of load
 * slots. The empty asm only says the register may have changed. */
#if defined(__SSE2__)
FNN_INLINE fnn_v fnn_load_once(const fnn_real *p) { fnn_v v = fnn_load(p); __asm__("" : "+v"(v)); return v; }
#else
FNN_INLINE fnn_v fnn_load_once(const fnn_real *p) { return fnn_load(p); }
#endif
/* relu as np.maximum(0, x): 0 where x < 0, x elsewhere (-0 and NaN stay) */
FNN_INLINE fnn_v fnn_relu(fnn_v x) { return (fnn_v)((fnn_vmask)x & ~(x < fnn_splat(0))); }
/* 1 where x > 0, else 0 (also for NaN): the derivative of relu, as int64(A > 0) */
FNN_INLINE fnn_v fnn_relu_deriv(fnn_v x) { return (fnn_v)((fnn_vmask)fnn_splat(1) & (x > fnn_splat(0))); }
#else
typedef struct { fnn_real v[FNN_VW]; } fnn_v;
FNN_INLINE fnn_v fnn_load(const fnn_real *p) { fnn_v v; memcpy(v.v, p, sizeof v.v); return v; }
FNN_INLINE fnn_v fnn_load_once(const fnn_real *p) { return fnn_load(p); }
FNN_INLINE void fnn_store(fnn_real *p, fnn_v v) { memcpy(p, v.v, sizeof v.v); }
FNN_INLINE fnn_v fnn_splat(fnn_real x) { fnn_v v; int r; for (r = 0; r < FNN_VW; r++) v.v[r] = x; return v; }
FNN_INLINE fnn_v fnn_add(fnn_v x, fnn_v y) { int r; for (r = 0; r < FNN_VW; r++) x.v[r] += y.v[r]; return x; }
FNN_INLINE fnn_v fnn_sub(fnn_v x, fnn_v y) { int r; for (r = 0; r < FNN_VW; r++) x.v[r] -= y.v[r]; return x; }
FNN_INLINE fnn_v fnn_mul(fnn_v x, fnn_v y) { int r; for (r = 0; r < FNN_VW; r++) x.v[r] *= y.v[r]; return x; }
FNN_INLINE fnn_v fnn_madd(fnn_v acc, fnn_v x, fnn_v y) { int r; for (r = 0; r < FNN_VW; r++) acc.v[r] += x.v[r] * y.v[r]; return acc; }
FNN_INLINE fnn_v fnn_relu(fnn_v x) { int r; for (r = 0; r < FNN_VW; r++) x.v[r] = x.v[r] < 0 ? 0 : x.v[r]; return x; }
FNN_INLINE fnn_v fnn_relu_deriv(fnn_v x) { int r; for (r = 0; r < FNN_VW; r++) x.v[r] = x.v[r] > 0 ? 1 : 0; return x; }
#endif

/* Columns j .. j + 3 of rows 0 .. n - 1 of dst (row stride dst_stride) from four
 * examples held in rows (r0 .. r3, n reals each): dst[k][j + i] = ri[k], a copy.
 * Four by four at a time, each block transposed in registers (vector shuffles:
 * two unpacks and two lane moves per pair of rows), where a copy one value at a
 * time makes a load and a store of each. The shuffle is __builtin_shufflevector in
 * clang and __builtin_shuffle in GCC (which has the other only from GCC 12). */
#if defined(__GNUC__) || defined(__clang__)
typedef fnn_real fnn_v4 __attribute__((vector_size(4 * FNN_REAL_BYTES)));
#if defined(__clang__)
#define FNN_SHUFFLE4(a, b, i0, i1, i2, i3) __builtin_shufflevector(a, b, i0, i1, i2, i3)
#else
typedef fnn_int fnn_v4_index __attribute__((vector_size(4 * FNN_REAL_BYTES)));
#define FNN_SHUFFLE4(a, b, i0, i1, i2, i3) __builtin_shuffle(a, b, (fnn_v4_index){i0, i1, i2, i3})
#endif
#endif
FNN_INLINE void fnn_gather4(fnn_real *dst, ptrdiff_t dst_stride, const fnn_real *r0,
                            const fnn_real *r1, const fnn_real *r2, const fnn_real *r3,
                            ptrdiff_t n) {
    ptrdiff_t k = 0;
#if defined(FNN_SHUFFLE4)
    fnn_v4 a, b, c, d, t0, t1, t2, t3;
    for (; k + 4 <= n; k += 4) {
        memcpy(&a, r0 + k, sizeof a);
        memcpy(&b, r1 + k, sizeof b);
        memcpy(&c, r2 + k, sizeof c);
        memcpy(&d, r3 + k, sizeof d);
        t0 = FNN_SHUFFLE4(a, b, 0, 4, 2, 6);     /* a0 b0 a2 b2 */
        t1 = FNN_SHUFFLE4(a, b, 1, 5, 3, 7);     /* a1 b1 a3 b3 */
        t2 = FNN_SHUFFLE4(c, d, 0, 4, 2, 6);     /* c0 d0 c2 d2 */
        t3 = FNN_SHUFFLE4(c, d, 1, 5, 3, 7);     /* c1 d1 c3 d3 */
        a = FNN_SHUFFLE4(t0, t2, 0, 1, 4, 5);    /* a0 b0 c0 d0 */
        b = FNN_SHUFFLE4(t1, t3, 0, 1, 4, 5);
        c = FNN_SHUFFLE4(t0, t2, 2, 3, 6, 7);
        d = FNN_SHUFFLE4(t1, t3, 2, 3, 6, 7);
        memcpy(dst + k * dst_stride, &a, sizeof a);
        memcpy(dst + (k + 1) * dst_stride, &b, sizeof b);
        memcpy(dst + (k + 2) * dst_stride, &c, sizeof c);
        memcpy(dst + (k + 3) * dst_stride, &d, sizeof d);
    }
#endif
    for (; k < n; k++) {
        dst[k * dst_stride] = r0[k];
        dst[k * dst_stride + 1] = r1[k];
        dst[k * dst_stride + 2] = r2[k];
        dst[k * dst_stride + 3] = r3[k];
    }
}

#if defined(FASTNN_LIBMVEC) && defined(__GNUC__) && defined(__x86_64__)
__attribute__((simd("notinbranch"))) extern double exp(double);
__attribute__((simd("notinbranch"))) extern double log(double);
__attribute__((simd("notinbranch"))) extern float expf(float);
__attribute__((simd("notinbranch"))) extern float logf(float);
#endif

/* SplitMix64's output for the state z (Steele, Lea and Flood, OOPSLA 2014; Vigna's
 * splitmix64.c): the counter-based generator of the dropout masks, the same
 * function as fastnn.reference.splitmix64. uint64_t arithmetic wraps modulo 2**64. */
FNN_INLINE uint64_t fnn_splitmix64(uint64_t z) {
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Which debug checks this build has: 1 = Cython's bounds checks (FASTNN_CYTHON_DEBUG),
 * 2 = AddressSanitizer (FASTNN_SANITIZE=address). */
FNN_INLINE int fastnn_debug_checks(void) {
    int checks = 0;
#if defined(FASTNN_CYTHON_DEBUG)
    checks |= 1;
#endif
#if defined(__SANITIZE_ADDRESS__)
    checks |= 2;
#endif
    return checks;
}

/* Whether the CPU (and the OS, which must save the wider registers; libgcc checks
 * XCR0) support x86-64 microarchitecture level 3 (AVX2, FMA, BMI1/2) or 4 (level 3
 * plus AVX-512 F/BW/CD/DQ/VL), the levels the builds target; 0 for any other level,
 * architecture or compiler. */
FNN_INLINE int fastnn_cpu_supports(int level) {
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__)
    /* GCC 12 knows the levels themselves, with every feature -march=x86-64-vN may use */
    __builtin_cpu_init();
    if (level == 3)
        return __builtin_cpu_supports("x86-64-v3") != 0;
    if (level == 4)
        return __builtin_cpu_supports("x86-64-v4") != 0;
    return 0;
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    int v3;
    __builtin_cpu_init();
    v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
        && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    if (level == 3)
        return v3;
    if (level == 4)
        return v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl");
    return 0;
#else
    (void)level;
    return 0;
#endif
}
#endif
