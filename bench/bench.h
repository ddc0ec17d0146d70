/*
 * Tiny benchmark harness: run an operation many times, report the median and
 * mean wall-clock microseconds per operation and operations per second.
 */
#ifndef PQNET_BENCH_H
#define PQNET_BENCH_H

#include <stddef.h>

typedef void (*bench_fn)(void *arg);

typedef struct bench_result {
  double median_us, mean_us, ops_per_s;
} bench_result;

/* Times fn(arg) `iters` times (after a short warm-up), prints one line
 * "name  median X us  mean Y us  Z ops/s" and returns the figures. When
 * bytes_per_op is non-zero it also prints MB/s from the median. */
bench_result bench_run(const char *name, bench_fn fn, void *arg, int iters, size_t bytes_per_op);

/* Iteration count scaled by $PQNET_BENCH_SCALE (default 1.0). */
int bench_iters(int base);

#endif
