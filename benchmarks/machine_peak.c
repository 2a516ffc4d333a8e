/* What this CPU can do at best, with the kernel's own vector type and exp/log:
 * compiled and run by benchmarks/bench_bound.py with the flags of a kernel build.
 *
 * 1. Arithmetic peak: independent chains of vector multiplies and adds (separate
 *    instructions, as in the kernel, which is built without fused multiply-adds),
 *    enough chains to cover latency without spilling registers. Reported as scalar
 *    double operations per nanosecond.
 * 2. exp and log per element over a 304-element array, written as the kernel writes
 *    them (sigmoid = 1 / (1 + exp(-z))), so that a build with FASTNN_LIBMVEC calls
 *    glibc's vector versions exactly as the kernel does.
 *
 * Prints one JSON object. Each figure is the best of several runs: a bound, not a
 * typical time.
 */
#include <stdio.h>
#include <time.h>
#include "_vecmath.h"

#define CHAINS 6            /* per operation: 12 registers, within SSE/AVX's 16 */
#define N_ELEMENTS 304

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double arithmetic_ops_per_ns(long loops) {
    fnn_v add[CHAINS], mul[CHAINS], step = fnn_splat(1e-300), factor = fnn_splat(1.0 - 1e-16);
    double start, seconds, sink = 0.0;
    long n;
    int c;
    for (c = 0; c < CHAINS; c++) {
        add[c] = fnn_splat(c);
        mul[c] = fnn_splat(1.0 + c);
    }
    start = now();
    for (n = 0; n < loops; n++) {
        for (c = 0; c < CHAINS; c++) {
            add[c] = add[c] + step;
            mul[c] = fnn_mul(mul[c], factor);
        }
        /* keeps step and factor opaque, so the chains cannot be folded */
        __asm__ volatile("" : "+x"(step), "+x"(factor));
    }
    seconds = now() - start;
    for (c = 0; c < CHAINS; c++) {
        double out[FNN_VW];
        fnn_store(out, add[c] + mul[c]);
        sink += out[0];
    }
    if (sink == 42.0)
        puts("");
    return 2.0 * CHAINS * FNN_VW * loops / seconds / 1e9;
}

static double z[N_ELEMENTS], out[N_ELEMENTS];

static double ns_per_element(int which, long loops) {
    double start;
    long n;
    int j;
    start = now();
    for (n = 0; n < loops; n++) {
        if (which == 0)
            for (j = 0; j < N_ELEMENTS; j++) out[j] = 1.0 / (1.0 + exp(-z[j]));
        else
            for (j = 0; j < N_ELEMENTS; j++) out[j] = log(z[j]);
        __asm__ volatile("" : : "r"(out) : "memory");
    }
    return (now() - start) / loops / N_ELEMENTS * 1e9;
}

int main(void) {
    double peak = 0.0, sigmoid = 1e9, logarithm = 1e9, t;
    int j, rep;
    for (j = 0; j < N_ELEMENTS; j++) z[j] = 0.01 + j / 50.0;
    for (rep = 0; rep < 7; rep++) {
        t = arithmetic_ops_per_ns(20000000);
        if (t > peak) peak = t;
        t = ns_per_element(0, 20000);
        if (t < sigmoid) sigmoid = t;
        t = ns_per_element(1, 20000);
        if (t < logarithm) logarithm = t;
    }
    printf("{\"vector_doubles\": %d, \"arithmetic_ops_per_ns\": %.3f,"
           " \"sigmoid_ns\": %.4f, \"log_ns\": %.4f}\n", FNN_VW, peak, sigmoid, logarithm);
    return 0;
}
