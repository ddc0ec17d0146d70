#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int bench_iters(int base) {
  const char *s = getenv("PQNET_BENCH_SCALE");
  double scale = s ? atof(s) : 1.0;
  if (scale <= 0) scale = 1.0;
  int n = (int)(base * scale);
  return n < 5 ? 5 : n;
}

bench_result bench_run(const char *name, bench_fn fn, void *arg, int iters, size_t bytes_per_op) {
  bench_result r = {0, 0, 0};
  double *t = malloc(sizeof(double) * (size_t)iters);
  if (!t) return r;
  for (int i = 0; i < iters / 10 + 1; i++) fn(arg); /* warm-up */
  double total = 0;
  for (int i = 0; i < iters; i++) {
    double t0 = now_us();
    fn(arg);
    t[i] = now_us() - t0;
    total += t[i];
  }
  qsort(t, (size_t)iters, sizeof(double), cmp_double);
  r.median_us = iters % 2 ? t[iters / 2] : (t[iters / 2 - 1] + t[iters / 2]) / 2;
  r.mean_us = total / iters;
  r.ops_per_s = r.median_us > 0 ? 1e6 / r.median_us : 0;
  printf("%-28s median %10.2f us  mean %10.2f us  %12.0f ops/s", name, r.median_us, r.mean_us,
         r.ops_per_s);
  if (bytes_per_op) printf("  %8.1f MB/s", (double)bytes_per_op / r.median_us);
  printf("  (n=%d)\n", iters);
  free(t);
  return r;
}
