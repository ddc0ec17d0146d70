/*
 * Peer store figures (docs/store.md quotes them):
 *   1. write rates: one write-through transaction (note_connected), and
 *      learned rows per second flushed in batches of 100 .. 5000;
 *   2. the longest single store call during a burst of 10,000 learned
 *      addresses (10 Addrs messages of 1000) on a store that already holds
 *      10,000 rows, flushed with bounded batches and mixed with
 *      write-through events, with and without the checkpoint thread, for
 *      several max_rows. Each call's wall time and the calling thread's CPU
 *      time are recorded: on a loaded machine the wall time includes waiting
 *      for a CPU, the CPU time is the store's own cost;
 *   3. start-up with 10,000 and 100,000 stored addresses: open (with its
 *      quick_check), load (prune, read, pqnet_addrman_load into a default
 *      addrman), memory (RSS growth, SQLite's heap high-water, the
 *      addrman's bytes), and the shutdown sync and close. Each size runs in
 *      a fresh child process so RSS figures do not mix.
 * Files live in a temporary directory under /tmp ($PQNET_BENCH_DIR instead
 * when set, e.g. /dev/shm to take the disk out), removed at the end.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addrman/addrman.h"
#include "bench.h"
#include "pqnet/rng.h"
#include "store/store.h"
#include "tmpdir.h"

#define NOW 1700000000ull

static char root[256];

static double wall_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* A routable address per counter, spread over /16 groups. */
static pqnet_addr addr_n(uint64_t x) {
  uint64_t h = x * 0x9e3779b97f4a7c15ull;
  uint8_t ip[4] = {(uint8_t)(20 + x % 40), (uint8_t)(x / 40), (uint8_t)(h >> 40),
                   (uint8_t)(x / 10240)};
  pqnet_addr a;
  pqnet_addr_from_bytes(&a, ip, 4, 7071);
  return a;
}

static pqnet_addr_info learned(uint64_t x) {
  pqnet_addr_info in;
  memset(&in, 0, sizeof in);
  uint64_t h = x * 0xbf58476d1ce4e5b9ull;
  in.addr = addr_n(x);
  uint8_t src[4] = {(uint8_t)(60 + (h >> 10) % 30), (uint8_t)(h >> 20), 1, 1};
  pqnet_addr_from_bytes(&in.source, src, 4, 7071);
  in.services = 1;
  in.last_seen = NOW - (h >> 32) % (3 * 24 * 3600);
  in.first_seen = in.last_seen - 3600;
  if (h % 10 == 0) {
    in.in_tried = 1;
    in.last_success = in.last_seen;
    in.last_try = in.last_seen;
  }
  return in;
}

static pqnet_store *open_store(const char *name, int no_thread, uint32_t budget_us) {
  char base[400];
  snprintf(base, sizeof base, "%s/%s", root, name);
  pqnet_store_config c;
  memset(&c, 0, sizeof c);
  c.no_checkpoint_thread = no_thread;
  c.flush_budget_us = budget_us;
  c.now = NOW;
  pqnet_store *st = NULL;
  char why[PQNET_STORE_WHY_MAX];
  if (pqnet_store_open(base, &c, &st, why, sizeof why) != 0 || pqnet_store_degraded(st, NULL)) {
    fprintf(stderr, "open %s failed: %s\n", base, why);
    exit(1);
  }
  return st;
}

static void fill(pqnet_store *st, uint64_t *counter, size_t n, size_t batch) {
  pqnet_addr_info *v = malloc(batch * sizeof *v);
  while (n) {
    size_t k = n < batch ? n : batch;
    for (size_t i = 0; i < k; i++) v[i] = learned((*counter)++);
    pqnet_store_queue_learned(st, v, k);
    while (pqnet_store_pending(st)) pqnet_store_flush(st, NOW, batch);
    n -= k;
  }
  free(v);
}

/* ---- 1. write rates ------------------------------------------------------------ */

typedef struct wctx {
  pqnet_store *st;
  uint64_t counter;
  size_t batch;
  pqnet_addr_info *v;
} wctx;

static void do_note(void *p) {
  wctx *c = p;
  pqnet_addr_info in = learned(c->counter++);
  in.last_success = NOW;
  in.in_tried = 1;
  pqnet_store_note_connected(c->st, &in);
}

static void do_batch(void *p) {
  wctx *c = p;
  for (size_t i = 0; i < c->batch; i++) c->v[i] = learned(c->counter++);
  pqnet_store_queue_learned(c->st, c->v, c->batch);
  pqnet_store_flush(c->st, NOW, c->batch);
}

static void write_rates(void) {
  printf("== write rates (WAL, checkpoint thread: caller synchronous=OFF, checkpoints NORMAL)\n");
  wctx c;
  memset(&c, 0, sizeof c);
  c.st = open_store("rates", 0, UINT32_MAX);
  bench_result r = bench_run("note_connected (1 tx)", do_note, &c, bench_iters(3000), 0);
  printf("  -> %.0f write-through transactions/s\n", r.ops_per_s);
  static const size_t batches[] = {100, 500, 1000, 5000};
  static const int iters[] = {200, 60, 40, 10};
  c.v = malloc(5000 * sizeof *c.v);
  for (size_t i = 0; i < 4; i++) {
    char name[64];
    snprintf(name, sizeof name, "flush batch=%zu", batches[i]);
    c.batch = batches[i];
    r = bench_run(name, do_batch, &c, bench_iters(iters[i]), 0);
    printf("  -> %.0f rows/s (%.2f us/row)\n", (double)batches[i] * r.ops_per_s,
           r.median_us / (double)batches[i]);
  }
  free(c.v);
  pqnet_store_close(c.st);
}

/* ---- 2. burst latency ----------------------------------------------------------- */

typedef struct lat {
  double *wall, *cpu;
  size_t n, cap;
} lat;

static void lat_add(lat *l, double w, double c) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 1024;
    l->wall = realloc(l->wall, l->cap * sizeof *l->wall);
    l->cpu = realloc(l->cpu, l->cap * sizeof *l->cpu);
  }
  l->wall[l->n] = w;
  l->cpu[l->n] = c;
  l->n++;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmpd);
  size_t i = (size_t)(p * (double)(n - 1));
  return v[i];
}

/* Worst call of one kind: wall and CPU microseconds. */
typedef struct worst {
  double wall, cpu;
} worst;

#define TIMED(l, k, call)                                                                          \
  do {                                                                                             \
    double tw_ = wall_us(), tc_ = cpu_us();                                                        \
    call;                                                                                          \
    double w_ = wall_us() - tw_, c_ = cpu_us() - tc_;                                              \
    lat_add(l, w_, c_);                                                                            \
    if (w_ > (k)->wall) (k)->wall = w_;                                                            \
    if (c_ > (k)->cpu) (k)->cpu = c_;                                                              \
  } while (0)

static void burst(int no_thread, size_t max_rows, size_t base_rows, uint32_t budget) {
  char name[64];
  snprintf(name, sizeof name, "burst-%d-%zu-%zu-%u", no_thread, max_rows, base_rows, budget);
  pqnet_store *st = open_store(name, no_thread, budget);
  uint64_t counter = 0;
  fill(st, &counter, base_rows, 5000); /* a store in use */
  lat l;
  memset(&l, 0, sizeof l);
  static pqnet_addr_info msg[1000];
  worst wq = {0, 0}, wf = {0, 0}, wn = {0, 0};
  double t0 = wall_us();
  size_t flushes = 0;
  for (int m = 0; m < 10; m++) {
    for (size_t i = 0; i < 1000; i++) msg[i] = learned(counter++);
    TIMED(&l, &wq, pqnet_store_queue_learned(st, msg, 1000));
    /* The timer drains the queue in bounded steps; connection events
     * happen in between. */
    while (pqnet_store_pending(st) > (m == 9 ? 0 : 500)) {
      TIMED(&l, &wf, pqnet_store_flush(st, NOW, max_rows));
      flushes++;
      pqnet_addr_info ev = learned(counter++);
      ev.last_success = NOW;
      ev.in_tried = 1;
      TIMED(&l, &wn, pqnet_store_note_connected(st, &ev));
      TIMED(&l, &wn, pqnet_store_note_closed(st, &ev));
    }
  }
  double total = wall_us() - t0;
  pqnet_store_stats s;
  pqnet_store_get_stats(st, &s);
  double w50 = pct(l.wall, l.n, 0.5), w99 = pct(l.wall, l.n, 0.99), wmax = pct(l.wall, l.n, 1.0);
  printf("%-6s %-9s %6zu %5zu | %4zu %3zu | %6.0f %6.0f %6.0f | %6.0f/%-6.0f %6.0f/%-6.0f "
         "%6.0f/%-6.0f | %4llu %5.0f\n",
         no_thread ? "inline" : "thread", budget == UINT32_MAX ? "rows-only" : "2ms", base_rows,
         max_rows, l.n, flushes, w50, w99, wmax, wf.wall, wf.cpu, wn.wall, wn.cpu, wq.wall, wq.cpu,
         (unsigned long long)s.checkpoints, total / 1000);
  free(l.wall);
  free(l.cpu);
  pqnet_store_close(st);
}

/* ---- 3. start-up -------------------------------------------------------------------- */

static long status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t kl = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, kl) == 0) v = atol(line + kl + 1);
  fclose(f);
  return v;
}

static void startup(size_t n) {
  char name[64];
  snprintf(name, sizeof name, "load-%zu", n);
  pqnet_store *st = open_store(name, 0, UINT32_MAX);
  uint64_t counter = 0;
  double t0 = wall_us();
  fill(st, &counter, n, 5000);
  double fill_us = wall_us() - t0;
  uint8_t secret[32];
  pqnet_store_get_secret(st, secret, NULL);
  t0 = wall_us();
  pqnet_store_close(st);
  double close_fill_us = wall_us() - t0;
  char path[512];
  snprintf(path, sizeof path, "%s/%s/peers.sqlite", root, name);
  struct stat sb;
  stat(path, &sb);
  printf("-- %zu rows: written in %.0f ms (%.0f rows/s, batches of 5000), close %.1f ms, file %.1f "
         "MiB\n",
         n, fill_us / 1000, (double)n / (fill_us / 1e6), close_fill_us / 1000,
         (double)sb.st_size / 1048576.0);
  fflush(stdout);

  pid_t pid = fork();
  if (pid == 0) {
    long rss0 = status_kib("VmRSS:");
    sqlite3_memory_highwater(1);
    double a = wall_us();
    st = open_store(name, 0, 0);
    double open_us = wall_us() - a;
    pqnet_rng_det det;
    pqnet_rng_det_init_u64(&det, 1);
    pqnet_addrman *am = NULL;
    if (pqnet_addrman_new(NULL, secret, &det.rng, &am) != 0) _exit(1);
    pqnet_store_load_stats ls;
    a = wall_us();
    int rc = pqnet_store_load(st, am, NOW, n, 0, &ls);
    double load_us = wall_us() - a;
    long rss1 = status_kib("VmRSS:"), hwm = status_kib("VmHWM:");
    long long sql_hw = sqlite3_memory_highwater(0);
    size_t am_bytes = pqnet_addrman_memory(am);
    size_t nn, nt;
    pqnet_addrman_size(am, &nn, &nt);
    a = wall_us();
    int synced = pqnet_store_sync_from_addrman(st, am, NOW);
    double sync_us = wall_us() - a;
    a = wall_us();
    pqnet_store_close(st);
    double close_us = wall_us() - a;
    printf("   open %.1f ms (quick_check included) | load %.1f ms (rc %d): rows %zu, loaded %zu "
           "(new %zu, tried %zu), refused %zu (slot taken or addrman full) | %.2f us/row\n",
           open_us / 1000, load_us / 1000, rc, ls.rows, ls.loaded, nn, nt, ls.refused,
           load_us / (double)(ls.rows ? ls.rows : 1));
    printf("   memory: RSS +%.1f MiB after load (peak +%.1f MiB), SQLite heap high-water %.1f MiB, "
           "addrman %.1f MiB\n",
           (double)(rss1 - rss0) / 1024, (double)(hwm - rss0) / 1024, (double)sql_hw / 1048576.0,
           (double)am_bytes / 1048576.0);
    printf("   shutdown: sync_from_addrman %d entries in %.1f ms, close %.1f ms\n", synced,
           sync_us / 1000, close_us / 1000);
    fflush(stdout);
    pqnet_addrman_del(am);
    pqnet_rng_det_free(&det);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
}

int main(void) {
  const char *where = getenv("PQNET_BENCH_DIR"); /* e.g. /dev/shm to take the disk out */
  snprintf(root, sizeof root, "%s/pqnet-bench-store-XXXXXX", where ? where : "/tmp");
  if (!mkdtemp(root)) return 1;
  char load[128] = "?";
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (!fgets(load, sizeof load, f)) load[0] = 0;
    fclose(f);
  }
  printf("SQLite %s, %ld CPUs, load average %s", sqlite3_libversion(),
         sysconf(_SC_NPROCESSORS_ONLN), load);
  write_rates();
  printf("== burst: 10 x 1000 learned on a store of 10,000 / 60,000 rows, bounded flushes, 2 "
         "write-through events per flush (times in us)\n");
  printf("ckpt   budget      rows  max  | calls fl | all calls (wall)    | worst wall/cpu by "
         "call: flush, note_*, queue   | ckpts ms\n");
  printf("                               |          |    p50    p99    max |\n");
  /* Row caps alone (no time budget), then the defaults (256 rows, 2 ms). */
  static const size_t rows[] = {100, PQNET_STORE_FLUSH_ROWS, 1000, 2000};
  for (size_t i = 0; i < 4; i++) burst(0, rows[i], 10000, UINT32_MAX);
  for (size_t i = 0; i < 4; i++) burst(0, rows[i], 60000, UINT32_MAX);
  burst(1, PQNET_STORE_FLUSH_ROWS, 10000, UINT32_MAX);
  burst(1, PQNET_STORE_FLUSH_ROWS, 60000, UINT32_MAX);
  burst(0, PQNET_STORE_FLUSH_ROWS, 10000, 0);
  burst(0, PQNET_STORE_FLUSH_ROWS, 60000, 0);
  burst(0, 2000, 60000, 0);
  burst(1, PQNET_STORE_FLUSH_ROWS, 60000, 0);
  printf("== start-up\n");
  startup(10000);
  startup(100000);
  test_rm_rf(root);
  return 0;
}
