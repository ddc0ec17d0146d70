/*
 * Peer store tests (src/store/store.h): creation (modes, WAL, application_id,
 * schema version), the secret, round trips through the store into a fresh
 * address manager (shutdown sync and write-through) compared slot for slot
 * with pqnet_addrman_locate, TTL / failure / cap pruning under injected
 * clocks, the failure rule of note_failed, bans, anchors and the recent list,
 * the learned queue and bounded flushes, periodic pruning, invalid rows,
 * corrupt / truncated / foreign / wrong-version / newer files, triggers,
 * unreadable and read-only files, a full disk, the lock (second opener in
 * this and another process, stale pid, a lock still held by a dead owner's
 * child), and a crash test: children killed with SIGKILL at random moments
 * while committing batches; after each, integrity_check is "ok" and every
 * batch a child reported committed is present. Random tests print their
 * seed (PQNET_TEST_SEED replays one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addrman/addrman.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"
#include "store/store.h"
#include "testaddr.h"
#include "tmpdir.h"

#define NOW  1700000000ull
#define HOUR 3600ull
#define DAY  (24 * HOUR)

/* ---- fixture ------------------------------------------------------------------- */

typedef struct logbook {
  int lines[4];
  char last[4][1024];
} logbook;

typedef struct fixture {
  char dir[256];
  char base[300];
  char db[340];
  char lock[340];
  pqnet_rng_det det;
  logbook log;
  pqnet_store_config cfg;
} fixture;

static void log_cb(void *ctx, int level, const char *msg) {
  logbook *lb = ctx;
  if (level < 0 || level > 3) return;
  lb->lines[level]++;
  snprintf(lb->last[level], sizeof lb->last[level], "%s", msg);
  if (getenv("PQNET_TEST_VERBOSE")) fprintf(stderr, "log[%d] %s\n", level, msg);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  snprintf(f->dir, sizeof f->dir, "/tmp/pqnet-store-XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  snprintf(f->base, sizeof f->base, "%s/node", f->dir);
  snprintf(f->db, sizeof f->db, "%s/peers.sqlite", f->base);
  snprintf(f->lock, sizeof f->lock, "%s/pqnetd.lock", f->base);
  pqnet_rng_det_init_u64(&f->det, 42);
  f->cfg.rng = &f->det.rng;
  f->cfg.log = log_cb;
  f->cfg.log_ctx = &f->log;
  f->cfg.now = NOW;
  f->cfg.flush_budget_us = UINT32_MAX; /* exact row counts; test_flush_budget has the budget */
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  test_rm_rf(f->dir);
  pqnet_rng_det_free(&f->det);
  free(f);
  return 0;
}

static pqnet_store *open_ok(fixture *f, char *why, size_t cap) {
  pqnet_store *st = NULL;
  char local[PQNET_STORE_WHY_MAX];
  if (!why) {
    why = local;
    cap = sizeof local;
  }
  int rc = pqnet_store_open(f->base, &f->cfg, &st, why, cap);
  if (rc != 0) fprintf(stderr, "open: %s (%s)\n", pqnet_strerror(rc), why);
  assert_int_equal(rc, 0);
  assert_non_null(st);
  return st;
}

/* ---- addresses ------------------------------------------------------------------ */

/* Distinct routable IPv4 addresses for x < 40 * 2^24, consecutive ones in
 * different /16 groups (so they rarely share a new-table bucket). */
static pqnet_addr addr_n(uint64_t x) {
  return v4(20 + (unsigned)(x % 40), (unsigned)(x / 40) & 255, (unsigned)(x / 10240) & 255,
            (unsigned)(x / 2621440) & 255, 7071);
}

static pqnet_addr_info info_at(pqnet_addr a, uint64_t last_seen) {
  pqnet_addr_info i;
  memset(&i, 0, sizeof i);
  i.addr = a;
  i.last_seen = last_seen;
  i.first_seen = last_seen;
  i.services = 1;
  return i;
}

static uint64_t rnd(pqnet_rng_det *d) {
  uint8_t b[8];
  pqnet_rng_fill(&d->rng, b, 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | b[i];
  return v;
}

static uint64_t test_seed(void) {
  const char *e = getenv("PQNET_TEST_SEED");
  if (e) return strtoull(e, NULL, 0);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
}

/* ---- direct SQLite access (to inspect and to damage files) ------------------------ */

static sqlite3 *raw_open(const char *path) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 2000);
  return db;
}

static void raw_exec(const char *path, const char *sql) {
  sqlite3 *db = raw_open(path);
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) fprintf(stderr, "raw_exec(%s): %s\n", sql, err ? err : "?");
  sqlite3_free(err);
  assert_int_equal(rc, SQLITE_OK);
  sqlite3_close(db);
}

static long long raw_int(const char *path, const char *sql) {
  sqlite3 *db = raw_open(path);
  sqlite3_stmt *s = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  long long v = -1;
  if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

static void raw_text(const char *path, const char *sql, char *out, size_t cap) {
  sqlite3 *db = raw_open(path);
  sqlite3_stmt *s = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  out[0] = 0;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
}

/* Column value of the row for a (-1 when absent). */
static long long row_int(const char *path, const pqnet_addr *a, const char *col) {
  sqlite3 *db = raw_open(path);
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT %s FROM addrs WHERE ip = ?1 AND port = ?2", col);
  sqlite3_stmt *s = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  sqlite3_bind_blob(s, 1, a->ip, a->family == 4 ? 4 : 16, SQLITE_STATIC);
  sqlite3_bind_int(s, 2, a->port);
  long long v = -1;
  if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

static long long count_rows(const char *path) {
  return raw_int(path, "SELECT count(*) FROM addrs");
}

static int file_exists(const char *p) {
  struct stat sb;
  return lstat(p, &sb) == 0;
}

static void write_file(const char *path, const void *data, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, n), (ssize_t)n);
  close(fd);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, cap);
  close(fd);
  return n > 0 ? (size_t)n : 0;
}

/* A populated store file (n learned rows), closed. */
static void make_store(fixture *f, size_t n) {
  pqnet_store *st = open_ok(f, NULL, 0);
  uint8_t sec[32];
  assert_int_equal(pqnet_store_get_secret(st, sec, NULL), 0);
  for (size_t i = 0; i < n; i++) {
    pqnet_addr_info in = info_at(addr_n(i), NOW - 60);
    assert_int_equal(pqnet_store_queue_learned(st, &in, 1), 1);
  }
  while (pqnet_store_pending(st)) assert_true(pqnet_store_flush(st, NOW, 0) > 0);
  pqnet_store_close(st);
}

/* ---- address manager comparison --------------------------------------------------------- */

typedef struct cmp_ctx {
  pqnet_addrman *a, *b;
  size_t n;
} cmp_ctx;

static int cmp_visit(void *arg, const pqnet_addr_info *ia) {
  cmp_ctx *c = arg;
  pqnet_addr_info ib;
  assert_int_equal(pqnet_addrman_find(c->b, &ia->addr, &ib), 0);
  assert_true(pqnet_addr_equal(&ia->source, &ib.source) ||
              (ia->source.family == 0 && ib.source.family == 0));
  assert_int_equal(ia->services, ib.services);
  assert_int_equal(ia->last_seen, ib.last_seen);
  assert_int_equal(ia->first_seen, ib.first_seen);
  assert_int_equal(ia->last_success, ib.last_success);
  assert_int_equal(ia->last_try, ib.last_try);
  assert_int_equal(ia->attempts, ib.attempts);
  assert_int_equal(ia->in_tried, ib.in_tried);
  assert_int_equal(ia->has_peer_id, ib.has_peer_id);
  assert_memory_equal(ia->peer_id, ib.peer_id, 32);
  int ta, tb;
  uint32_t ba[PQNET_ADDRMAN_NEW_REFS_MAX], pa[PQNET_ADDRMAN_NEW_REFS_MAX];
  uint32_t bb[PQNET_ADDRMAN_NEW_REFS_MAX], pb[PQNET_ADDRMAN_NEW_REFS_MAX];
  size_t na, nb;
  assert_int_equal(pqnet_addrman_locate(c->a, &ia->addr, &ta, ba, pa, &na), 0);
  assert_int_equal(pqnet_addrman_locate(c->b, &ia->addr, &tb, bb, pb, &nb), 0);
  assert_int_equal(ta, tb);
  assert_true(na >= 1 && nb == 1);
  assert_int_equal(ba[0], bb[0]); /* tried slot, or the first new reference */
  assert_int_equal(pa[0], pb[0]);
  c->n++;
  return 0;
}

static void assert_same_addrman(pqnet_addrman *a, pqnet_addrman *b) {
  size_t an, at, bn, bt;
  pqnet_addrman_size(a, &an, &at);
  pqnet_addrman_size(b, &bn, &bt);
  assert_int_equal(an, bn);
  assert_int_equal(at, bt);
  cmp_ctx c = {a, b, 0};
  assert_int_equal(pqnet_addrman_foreach(a, cmp_visit, &c), 0);
  assert_int_equal(c.n, an + at);
  assert_int_equal(pqnet_addrman_check(b), 0);
}

/* Fill am with n gossiped addresses from many sources; some become tried,
 * some failed once, some carry a PeerId. Calls mirror() after each change
 * when given (write-through). */
typedef void (*mirror_fn)(void *ctx, pqnet_addrman *am, const pqnet_addr *a, int event);
enum { EV_LEARNED, EV_CONNECTED, EV_FAILED, EV_CLOSED };

static void populate(pqnet_addrman *am, pqnet_rng_det *d, size_t n, mirror_fn mirror, void *ctx) {
  for (size_t i = 0; i < n; i++) {
    uint64_t r = rnd(d);
    pqnet_addr a = (r & 7) == 0 ? v6(0x2a000000u | (uint32_t)(r >> 40), (uint32_t)i, 7071)
                                : addr_n((r >> 8) % (40u << 24));
    pqnet_addr src = v4(30 + (unsigned)((r >> 3) % 20), (unsigned)(r >> 50) & 63, 1, 1, 7071);
    pqnet_addr_info in = info_at(a, NOW - (r >> 32) % (3 * DAY));
    in.services = (r >> 20) & 0xff;
    if (pqnet_addrman_add(am, &in, 1, (r & 16) ? &src : NULL, NOW) == 1 && mirror)
      mirror(ctx, am, &a, EV_LEARNED);
  }
  /* Outcomes on a quarter of them, picked by sampling. */
  pqnet_addr_info *s = calloc(n, sizeof *s);
  size_t k = pqnet_addrman_sample(am, s, n / 4, 0, NOW);
  for (size_t i = 0; i < k; i++) {
    const pqnet_addr *a = &s[i].addr;
    switch (i % 4) {
    case 0:
    case 1:
      if (pqnet_addrman_good(am, a, NOW + 10 + i) >= 0 && mirror) mirror(ctx, am, a, EV_CONNECTED);
      if (i % 8 == 1) {
        uint8_t id[32];
        memset(id, (int)i, sizeof id);
        pqnet_addrman_set_peer_id(am, a, id);
        pqnet_addrman_connected(am, a, NOW + 3000 + i);
        if (mirror) mirror(ctx, am, a, EV_CLOSED);
      }
      break;
    case 2:
      assert_int_equal(pqnet_addrman_attempt(am, a, NOW + 20 + i, 1), 0);
      if (mirror) mirror(ctx, am, a, EV_FAILED);
      break;
    default: break;
    }
  }
  free(s);
}

static pqnet_addrman *new_am(const uint8_t secret[32], pqnet_rng_det *d) {
  pqnet_addrman *am = NULL;
  assert_int_equal(pqnet_addrman_new(NULL, secret, &d->rng, &am), 0);
  return am;
}

/* ---- tests: creation and the secret ---------------------------------------------------------- */

static void test_create_fresh(void **state) {
  fixture *f = *state;
  char why[PQNET_STORE_WHY_MAX];
  pqnet_store *st = open_ok(f, why, sizeof why);
  assert_string_equal(why, "");
  const char *dw = NULL;
  assert_int_equal(pqnet_store_degraded(st, &dw), 0);
  assert_string_equal(dw, "");
  struct stat sb;
  assert_int_equal(stat(f->base, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  assert_int_equal(stat(f->db, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  /* The lock file names us. */
  char buf[64] = {0};
  assert_true(read_file(f->lock, (uint8_t *)buf, sizeof buf - 1) > 0);
  assert_int_equal(atol(buf), (long)getpid());
  pqnet_store_close(st);
  /* A clean close leaves no pid and no WAL. */
  assert_int_equal(stat(f->lock, &sb), 0);
  assert_int_equal(sb.st_size, 0);
  char wal[400];
  snprintf(wal, sizeof wal, "%s-wal", f->db);
  assert_false(file_exists(wal));
  assert_int_equal(raw_int(f->db, "PRAGMA application_id"), PQNET_STORE_APPLICATION_ID);
  assert_int_equal(raw_int(f->db, "SELECT value FROM meta WHERE key = 'schema_version'"),
                   PQNET_STORE_SCHEMA_VERSION);
  assert_int_equal(raw_int(f->db, "SELECT value FROM meta WHERE key = 'min_compatible'"),
                   PQNET_STORE_MIN_COMPATIBLE);
  char mode[32];
  raw_text(f->db, "PRAGMA journal_mode", mode, sizeof mode);
  assert_string_equal(mode, "wal");
  /* Reopening changes nothing and says nothing. */
  st = open_ok(f, why, sizeof why);
  assert_string_equal(why, "");
  pqnet_store_close(st);
}

static void test_bad_args(void **state) {
  fixture *f = *state;
  pqnet_store *st = (pqnet_store *)1;
  assert_int_equal(pqnet_store_open(NULL, NULL, &st, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_null(st);
  assert_int_equal(pqnet_store_open(f->base, NULL, NULL, NULL, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_open("", NULL, &st, NULL, 0), PQNET_ERR_INVALID_ARG);
  pqnet_store_config c = f->cfg;
  c.queue_max = PQNET_STORE_QUEUE_MAX + 1;
  assert_int_equal(pqnet_store_open(f->base, &c, &st, NULL, 0), PQNET_ERR_INVALID_ARG);
  c = f->cfg;
  c.synchronous_full = 2;
  assert_int_equal(pqnet_store_open(f->base, &c, &st, NULL, 0), PQNET_ERR_INVALID_ARG);
  /* A base path that is a file. */
  mkdir(f->base, 0700);
  char file[400];
  snprintf(file, sizeof file, "%s/plain", f->base);
  write_file(file, "x", 1);
  char why[PQNET_STORE_WHY_MAX];
  assert_int_equal(pqnet_store_open(file, &f->cfg, &st, why, sizeof why), PQNET_ERR_STATE);
  assert_null(st);
  assert_non_null(strstr(why, "not a directory"));

  st = open_ok(f, NULL, 0);
  pqnet_addr_info bad;
  memset(&bad, 0, sizeof bad);
  assert_int_equal(pqnet_store_note_connected(st, &bad), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_note_connected(st, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_note_failed(NULL, &bad), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_remove(st, &bad.addr), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_queue_learned(st, NULL, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_queue_learned(st, &bad, 1), 0); /* skipped */
  assert_int_equal(pqnet_store_flush(NULL, NOW, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_load(st, NULL, NOW, 0, 0, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_get_secret(st, NULL, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_set_anchors(st, NULL, 2), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_sync_from_addrman(st, NULL, NOW), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_prune(NULL, NOW, 0, 10), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_recent(st, NULL, 5), 0);
  pqnet_store_close(st);
  pqnet_store_close(NULL);
  assert_int_equal(pqnet_store_degraded(NULL, NULL), 0);
}

static int failing_fill(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return PQNET_ERR_RNG;
}

static void test_secret(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0);
  uint8_t a[32], b[32];
  int created = -1;
  assert_int_equal(pqnet_store_get_secret(st, a, &created), 0);
  assert_int_equal(created, 1);
  assert_int_equal(pqnet_store_get_secret(st, b, &created), 0);
  assert_int_equal(created, 0);
  assert_memory_equal(a, b, 32);
  pqnet_store_close(st);
  st = open_ok(f, NULL, 0);
  memset(b, 0, sizeof b);
  assert_int_equal(pqnet_store_get_secret(st, b, &created), 0);
  assert_int_equal(created, 0);
  assert_memory_equal(a, b, 32);
  pqnet_store_close(st);

  /* A failing generator: PQNET_ERR_RNG, output zeroed, nothing stored. */
  test_rm_rf(f->base);
  pqnet_rng bad = {failing_fill, NULL};
  pqnet_store_config c = f->cfg;
  c.rng = &bad;
  char why[PQNET_STORE_WHY_MAX];
  assert_int_equal(pqnet_store_open(f->base, &c, &st, why, sizeof why), 0);
  memset(b, 0xaa, sizeof b);
  assert_int_equal(pqnet_store_get_secret(st, b, &created), PQNET_ERR_RNG);
  uint8_t zero[32] = {0};
  assert_memory_equal(b, zero, 32);
  pqnet_store_close(st);
  assert_int_equal(raw_int(f->db, "SELECT count(*) FROM meta WHERE key = 'secret'"), 0);
}

/* ---- tests: round trips -----------------------------------------------------------------------
 */

static void round_trip_sync(fixture *f, size_t n, uint64_t seed) {
  pqnet_store *st = open_ok(f, NULL, 0);
  uint8_t secret[32];
  int created;
  assert_int_equal(pqnet_store_get_secret(st, secret, &created), 0);
  assert_int_equal(created, 1);
  pqnet_rng_det d;
  pqnet_rng_det_init_u64(&d, seed);
  pqnet_addrman *a = new_am(secret, &d);
  populate(a, &d, n, NULL, NULL);
  size_t an, at;
  pqnet_addrman_size(a, &an, &at);
  assert_true(at > 0 && an > 0);
  /* Junk the sync must delete: a row the addrman does not hold. */
  pqnet_addr_info junk = info_at(v4(99, 1, 2, 3, 9), NOW);
  assert_int_equal(pqnet_store_note_connected(st, &junk), 0);
  assert_int_equal(pqnet_store_sync_from_addrman(st, a, NOW + 4000), (int)(an + at));
  pqnet_store_close(st);
  assert_int_equal(count_rows(f->db), (long long)(an + at));

  st = open_ok(f, NULL, 0);
  uint8_t secret2[32];
  assert_int_equal(pqnet_store_get_secret(st, secret2, &created), 0);
  assert_int_equal(created, 0);
  assert_memory_equal(secret, secret2, 32);
  pqnet_addrman *b = new_am(secret2, &d);
  pqnet_store_load_stats ls;
  assert_int_equal(pqnet_store_load(st, b, NOW + 5000, 0, 0, &ls), 0);
  assert_int_equal(ls.rows, an + at);
  assert_int_equal(ls.loaded, an + at);
  assert_int_equal(ls.refused + ls.invalid + ls.pruned_ttl + ls.pruned_cap + ls.pruned_failing, 0);
  assert_same_addrman(a, b);
  pqnet_store_close(st);
  pqnet_addrman_del(a);
  pqnet_addrman_del(b);
  pqnet_rng_det_free(&d);
}

static void test_round_trip_sync(void **state) {
  fixture *f = *state;
  uint64_t seed = test_seed();
  printf("seed %llu\n", (unsigned long long)seed);
  round_trip_sync(f, 5000, seed);
}

static void test_round_trip_no_thread(void **state) {
  fixture *f = *state;
  f->cfg.no_checkpoint_thread = 1;
  f->cfg.synchronous_full = 1;
  round_trip_sync(f, 1500, 7);
}

typedef struct wt_ctx {
  pqnet_store *st;
} wt_ctx;

static void mirror(void *arg, pqnet_addrman *am, const pqnet_addr *a, int event) {
  wt_ctx *c = arg;
  pqnet_addr_info in;
  assert_int_equal(pqnet_addrman_find(am, a, &in), 0);
  switch (event) {
  case EV_LEARNED: assert_int_equal(pqnet_store_queue_learned(c->st, &in, 1), 1); break;
  case EV_CONNECTED: assert_int_equal(pqnet_store_note_connected(c->st, &in), 0); break;
  case EV_FAILED: assert_int_equal(pqnet_store_note_failed(c->st, &in), 0); break;
  default: assert_int_equal(pqnet_store_note_closed(c->st, &in), 0); break;
  }
  /* The 1-second timer, every few events. */
  if (pqnet_store_pending(c->st) >= 300) assert_true(pqnet_store_flush(c->st, NOW, 250) > 0);
}

static void test_round_trip_write_through(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0);
  uint8_t secret[32];
  assert_int_equal(pqnet_store_get_secret(st, secret, NULL), 0);
  pqnet_rng_det d;
  pqnet_rng_det_init_u64(&d, 99);
  pqnet_addrman *a = new_am(secret, &d);
  wt_ctx c = {st};
  populate(a, &d, 3000, mirror, &c);
  assert_true(pqnet_store_pending(st) > 0);
  pqnet_store_close(st); /* flushes the rest; no sync */

  st = open_ok(f, NULL, 0);
  assert_int_equal(pqnet_store_get_secret(st, secret, NULL), 0);
  pqnet_addrman *b = new_am(secret, &d);
  pqnet_store_load_stats ls;
  assert_int_equal(pqnet_store_load(st, b, NOW + 5000, 0, 0, &ls), 0);
  assert_int_equal(ls.refused, 0);
  assert_same_addrman(a, b);
  /* The lifetime failure counter was kept. */
  pqnet_store_close(st);
  assert_true(raw_int(f->db, "SELECT count(*) FROM addrs WHERE failures = 1") > 0);
  pqnet_addrman_del(a);
  pqnet_addrman_del(b);
  pqnet_rng_det_free(&d);
}

/* ---- tests: pruning ----------------------------------------------------------------------------
 */

static void put(pqnet_store *st, pqnet_addr a, uint64_t seen, uint64_t success, uint32_t attempts,
                int tried) {
  pqnet_addr_info in = info_at(a, seen);
  in.last_success = success;
  in.attempts = attempts;
  in.in_tried = tried;
  assert_int_equal(pqnet_store_note_closed(st, &in), 0);
}

static void test_prune_ttl_cap(void **state) {
  fixture *f = *state;
  const uint64_t T0 = NOW + 30 * DAY, TTL = 14 * DAY;
  pqnet_store *st = open_ok(f, NULL, 0);
  size_t k = 0;
  for (int i = 0; i < 20; i++) put(st, addr_n(k++), T0 - TTL - 10, 0, 0, 0); /* expired */
  for (int i = 0; i < 3; i++) put(st, addr_n(k++), 0, 0, 0, 0);              /* never seen */
  for (int i = 0; i < 10; i++)
    put(st, addr_n(k++), T0 - TTL - 10, T0 - DAY, 0, 1);              /* success keeps */
  for (int i = 0; i < 5; i++) put(st, addr_n(k++), T0 - 60, 0, 3, 0); /* failing */
  for (int i = 0; i < 5; i++) put(st, addr_n(k++), T0 - 60, T0 - 8 * DAY, 10, 1); /* failing */
  for (int i = 0; i < 2; i++) put(st, addr_n(k++), T0 - 60, T0 - 6 * DAY, 10, 1); /* not yet */
  size_t fresh0 = k;
  for (int i = 0; i < 60; i++) put(st, addr_n(k++), T0 - 100 - (uint64_t)i * 60, 0, 0, 0);
  uint8_t secret[32];
  assert_int_equal(pqnet_store_get_secret(st, secret, NULL), 0);
  pqnet_store_close(st);

  st = open_ok(f, NULL, 0);
  pqnet_addrman *am = new_am(secret, &f->det);
  pqnet_store_load_stats ls;
  assert_int_equal(pqnet_store_load(st, am, T0, 50, TTL, &ls), 0);
  assert_int_equal(ls.pruned_ttl, 23);
  assert_int_equal(ls.pruned_failing, 10);
  /* 10 + 2 tried + 60 new remain; 22 of the new, the oldest, go. */
  assert_int_equal(ls.pruned_cap, 22);
  assert_int_equal(ls.rows, 50);
  assert_int_equal(ls.loaded + ls.refused, 50);
  pqnet_store_close(st);
  for (size_t i = 0; i < 60; i++) {
    pqnet_addr a = addr_n(fresh0 + i);
    assert_int_equal(row_int(f->db, &a, "count(*)"), i < 38 ? 1 : 0);
  }
  assert_int_equal(raw_int(f->db, "SELECT count(*) FROM addrs WHERE tried = 1"), 12);
  pqnet_addrman_del(am);

  /* A later clock: the TTL takes everything not refreshed. */
  st = open_ok(f, NULL, 0);
  am = new_am(secret, &f->det);
  assert_int_equal(pqnet_store_load(st, am, T0 + TTL + 2 * DAY, 0, TTL, &ls), 0);
  assert_int_equal(ls.pruned_ttl, 50);
  assert_int_equal(ls.rows, 0);
  pqnet_store_close(st);
  pqnet_addrman_del(am);
}

static void test_prune_periodic(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0);
  for (int i = 0; i < 100; i++)
    put(st, addr_n((uint64_t)i), i % 4 == 0 ? NOW - 20 * DAY : NOW, 0, 0, 0);
  int total = 0;
  for (int call = 0; call < 12; call++) {
    int r = pqnet_store_prune(st, NOW, 0, 10);
    assert_true(r >= 0 && r <= 10);
    total += r;
  }
  assert_int_equal(total, 25);
  assert_int_equal(pqnet_store_prune(st, NOW, 0, 1000), 0);
  assert_int_equal(pqnet_store_prune(st, NOW + 15 * DAY, 0, 1000), 75);
  pqnet_store_close(st);
  assert_int_equal(count_rows(f->db), 0);
}

static void test_note_failed_removes(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0);
  pqnet_addr a = v4(44, 1, 1, 1, 7071), b = v4(45, 1, 1, 1, 7071);
  pqnet_addr_info in = info_at(a, NOW);
  /* Never succeeded: the third counted failure removes it. */
  for (uint32_t k = 1; k <= 2; k++) {
    in.attempts = k;
    in.last_try = NOW + k;
    assert_int_equal(pqnet_store_note_failed(st, &in), 0);
    assert_int_equal(row_int(f->db, &a, "failures"), k);
  }
  in.attempts = 3;
  assert_int_equal(pqnet_store_note_failed(st, &in), 0);
  assert_int_equal(row_int(f->db, &a, "count(*)"), 0);
  /* Once good: it takes MAX_FAILURES and a week without success. */
  pqnet_addr_info g = info_at(b, NOW);
  g.last_success = NOW;
  g.in_tried = 1;
  assert_int_equal(pqnet_store_note_connected(st, &g), 0);
  g.attempts = PQNET_ADDRMAN_MAX_FAILURES;
  g.last_try = NOW + 6 * DAY;
  assert_int_equal(pqnet_store_note_failed(st, &g), 0);
  assert_int_equal(row_int(f->db, &b, "failures"), 1);
  assert_int_equal(row_int(f->db, &b, "attempts"), PQNET_ADDRMAN_MAX_FAILURES);
  g.last_try = NOW + 8 * DAY;
  assert_int_equal(pqnet_store_note_failed(st, &g), 0);
  assert_int_equal(row_int(f->db, &b, "count(*)"), 0);
  /* remove, also of a queued entry */
  assert_int_equal(pqnet_store_note_connected(st, &g), 0);
  assert_int_equal(pqnet_store_remove(st, &b), 1);
  assert_int_equal(pqnet_store_remove(st, &b), 0);
  assert_int_equal(pqnet_store_queue_learned(st, &g, 1), 1);
  assert_int_equal(pqnet_store_remove(st, &b), 0);
  assert_int_equal(pqnet_store_flush(st, NOW, 0), 0);
  assert_int_equal(row_int(f->db, &b, "count(*)"), 0);

  /* The shutdown sync leaves out what keeps failing. */
  uint8_t secret[32];
  assert_int_equal(pqnet_store_get_secret(st, secret, NULL), 0);
  pqnet_addrman *am = new_am(secret, &f->det);
  pqnet_addr c = v4(51, 1, 1, 1, 7071), d = v4(52, 1, 1, 1, 7071);
  pqnet_addr_info ic = info_at(c, NOW), id = info_at(d, NOW);
  assert_int_equal(pqnet_addrman_add(am, &ic, 1, NULL, NOW), 1);
  assert_int_equal(pqnet_addrman_add(am, &id, 1, NULL, NOW), 1);
  for (int k = 0; k < 3; k++)
    assert_int_equal(pqnet_addrman_attempt(am, &c, NOW + 100 + (uint64_t)k * 100, 1), 0);
  assert_int_equal(pqnet_store_sync_from_addrman(st, am, NOW + 1000), 1);
  assert_int_equal(row_int(f->db, &c, "count(*)"), 0);
  assert_int_equal(row_int(f->db, &d, "count(*)"), 1);
  pqnet_addrman_del(am);
  pqnet_store_close(st);
}

static void test_learned_merge(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0);
  pqnet_addr a = v4(46, 1, 1, 1, 7071);
  pqnet_addr_info full = info_at(a, NOW);
  full.services = 1;
  full.last_success = NOW;
  full.in_tried = 1;
  full.source = v4(47, 1, 1, 1, 7071);
  assert_int_equal(pqnet_store_note_connected(st, &full), 0);
  /* Gossip with older times, other services, another source. */
  pqnet_addr_info g = info_at(a, NOW - DAY);
  g.first_seen = NOW - 2 * DAY;
  g.services = 4;
  g.source = v4(48, 1, 1, 1, 7071);
  assert_int_equal(pqnet_store_queue_learned(st, &g, 1), 1);
  assert_int_equal(pqnet_store_flush(st, NOW, 0), 1);
  assert_int_equal(row_int(f->db, &a, "services"), 5);
  assert_int_equal(row_int(f->db, &a, "last_seen"), (long long)NOW);
  assert_int_equal(row_int(f->db, &a, "first_seen"), (long long)(NOW - 2 * DAY));
  assert_int_equal(row_int(f->db, &a, "tried"), 1);
  assert_int_equal(row_int(f->db, &a, "last_success"), (long long)NOW);
  assert_int_equal(raw_int(f->db, "SELECT hex(source_ip) = '2F010101' FROM addrs"), 1);
  pqnet_store_close(st);
}

static void test_queue_and_flush(void **state) {
  fixture *f = *state;
  f->cfg.queue_max = 1000;
  pqnet_store *st = open_ok(f, NULL, 0);
  pqnet_addr_info v[1500];
  for (size_t i = 0; i < 1500; i++) v[i] = info_at(addr_n(i), NOW);
  assert_int_equal(pqnet_store_queue_learned(st, v, 1500), 1000);
  pqnet_store_stats s;
  pqnet_store_get_stats(st, &s);
  assert_int_equal(s.queued, 1000);
  assert_int_equal(s.queue_dropped, 500);
  assert_int_equal(f->log.lines[PQNET_STORE_LOG_WARN], 1);
  assert_int_equal(pqnet_store_flush(st, NOW + 1, 300), 300);
  assert_int_equal(pqnet_store_pending(st), 700);
  assert_int_equal(pqnet_store_queue_learned(st, v + 1000, 200), 200);
  assert_int_equal(pqnet_store_flush(st, NOW + 2, 0), PQNET_STORE_FLUSH_ROWS);
  assert_int_equal(pqnet_store_flush(st, NOW + 3, 5000), 900 - PQNET_STORE_FLUSH_ROWS);
  assert_int_equal(pqnet_store_flush(st, NOW + 4, 0), 0);
  pqnet_store_get_stats(st, &s);
  assert_int_equal(s.last_flush, NOW + 3);
  assert_int_equal(s.rows_written, 1200);
  assert_int_equal(s.degraded, 0);
  /* close writes what is still queued */
  assert_int_equal(pqnet_store_queue_learned(st, v + 1200, 300), 300);
  pqnet_store_close(st);
  assert_int_equal(count_rows(f->db), 1500);
}

static void test_flush_budget(void **state) {
  fixture *f = *state;
  f->cfg.flush_budget_us = 1; /* spent at once: the 16-row minimum */
  pqnet_store *st = open_ok(f, NULL, 0);
  pqnet_addr_info v[100];
  for (size_t i = 0; i < 100; i++) v[i] = info_at(addr_n(i), NOW);
  assert_int_equal(pqnet_store_queue_learned(st, v, 100), 100);
  int total = 0, calls = 0;
  while (pqnet_store_pending(st)) {
    int n = pqnet_store_flush(st, NOW, 0);
    assert_true(n == 16 || (n == 4 && pqnet_store_pending(st) == 0));
    total += n;
    calls++;
  }
  assert_int_equal(total, 100);
  assert_int_equal(calls, 7);
  pqnet_store_close(st);
  assert_int_equal(count_rows(f->db), 100);
}

static void test_invalid_rows(void **state) {
  fixture *f = *state;
  make_store(f, 10);
  raw_exec(
      f->db,
      "INSERT INTO addrs(ip, port, last_seen) VALUES('1.2.3.4', 7071, 1700000000);"
      "INSERT INTO addrs(ip, port, last_seen) VALUES(x'2a2a2a2a', 0, 1700000000);"
      "INSERT INTO addrs(ip, port, last_seen, tried) VALUES(x'2a2a2a2b', 1, 1700000000, 5);"
      "INSERT INTO addrs(ip, port, last_seen, peer_id) VALUES(x'2a2a2a2c', 1, 1700000000, x'00');"
      "INSERT INTO addrs(ip, port, last_seen, attempts) VALUES(x'2a2a2a2d', 1, 1700000000, -1);"
      "INSERT INTO addrs(ip, port, last_seen) VALUES(x'2a2a2a', 1, 1700000000);"
      "INSERT INTO addrs(ip, port, last_seen, source_ip) VALUES(x'2a2a2a2e', 1, 1700000000, 'x');"
      "INSERT INTO addrs(ip, port, last_seen) VALUES(x'2a2a2a2f', 1, 'soon');");
  pqnet_store *st = open_ok(f, NULL, 0);
  uint8_t secret[32];
  assert_int_equal(pqnet_store_get_secret(st, secret, NULL), 0);
  pqnet_addrman *am = new_am(secret, &f->det);
  pqnet_store_load_stats ls;
  assert_int_equal(pqnet_store_load(st, am, NOW, 0, 0, &ls), 0);
  assert_int_equal(ls.invalid, 8);
  assert_int_equal(ls.rows, 10);
  assert_int_equal(ls.loaded + ls.refused, 10);
  pqnet_store_close(st);
  assert_int_equal(count_rows(f->db), 10);
  pqnet_addrman_del(am);
}

/* ---- tests: bans, anchors, recent --------------------------------------------------------------
 */

static void test_bans(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0);
  pqnet_addr one = v4(50, 1, 2, 3, 7071), net = v4(60, 7, 99, 99, 0), six = v6(0x2a010001, 5, 1);
  uint64_t until = NOW + PQNET_STORE_BAN_DEFAULT;
  /* A single-address ban deletes that IP's rows on every port, and queued
   * entries, at once. */
  pqnet_addr one_b = v4(50, 1, 2, 3, 9), one_c = v4(50, 1, 2, 3, 10), keep = v4(50, 1, 2, 4, 7071);
  put(st, one, NOW, 0, 0, 0);
  put(st, one_b, NOW, 0, 0, 0);
  put(st, keep, NOW, 0, 0, 0);
  pqnet_addr_info q = info_at(one_c, NOW);
  assert_int_equal(pqnet_store_queue_learned(st, &q, 1), 1);
  assert_int_equal(pqnet_store_ban(st, &one, 32, until, "spam"), 0);
  assert_int_equal(pqnet_store_pending(st), 0);
  assert_int_equal(row_int(f->db, &one, "count(*)"), 0);
  assert_int_equal(row_int(f->db, &one_b, "count(*)"), 0);
  assert_int_equal(pqnet_store_remove(st, &keep), 1);
  assert_int_equal(pqnet_store_ban(st, &net, 16, until, "eclipse\nattempt\x01"), 0);
  assert_int_equal(pqnet_store_ban(st, &six, 48, NOW + 10, "short"), 0);
  assert_int_equal(pqnet_store_ban(st, &one, 33, until, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_ban(st, &six, 129, until, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_store_ban(st, &one, 32, 0, NULL), PQNET_ERR_INVALID_ARG);
  assert_true(pqnet_store_is_banned(st, &one, NOW));
  pqnet_addr other_port = v4(50, 1, 2, 3, 9);
  assert_true(pqnet_store_is_banned(st, &other_port, NOW));
  pqnet_addr in_net = v4(60, 7, 1, 1, 7071), out_net = v4(60, 8, 1, 1, 7071);
  assert_true(pqnet_store_is_banned(st, &in_net, NOW));
  assert_false(pqnet_store_is_banned(st, &out_net, NOW));
  pqnet_addr six2 = v6(0x2a010001, 77, 1);
  assert_true(pqnet_store_is_banned(st, &six2, NOW));
  assert_false(pqnet_store_is_banned(st, &six2, NOW + 10));
  pqnet_store_ban_entry list[8];
  assert_int_equal(pqnet_store_bans(st, NOW, list, 8), 3);
  assert_int_equal(list[1].prefix_len, 16);
  assert_int_equal(list[1].net.ip[2], 0); /* host bits cleared */
  assert_string_equal(list[1].reason, "eclipse?attempt?");
  assert_int_equal(pqnet_store_bans(st, NOW + 10, NULL, 0), 2);
  /* Re-banning replaces until and reason. */
  assert_int_equal(pqnet_store_ban(st, &one, 32, until + 5, "again"), 0);
  assert_int_equal(pqnet_store_bans(st, NOW, list, 8), 3);
  assert_int_equal(list[0].until, until + 5);
  assert_string_equal(list[0].reason, "again");
  /* Rows to drop at load: one inside the network ban, one outside. */
  put(st, in_net, NOW, 0, 0, 0);
  put(st, out_net, NOW, 0, 0, 0);
  pqnet_store_close(st);

  /* Bans survive; the expired one is dropped at load; banned rows go. */
  st = open_ok(f, NULL, 0);
  assert_int_equal(pqnet_store_bans(st, NOW, list, 8), 3);
  uint8_t secret[32];
  assert_int_equal(pqnet_store_get_secret(st, secret, NULL), 0);
  pqnet_addrman *am = new_am(secret, &f->det);
  pqnet_store_load_stats ls;
  assert_int_equal(pqnet_store_load(st, am, NOW + 20, 0, 0, &ls), 0);
  assert_int_equal(ls.bans_expired, 1);
  assert_int_equal(ls.banned, 1);
  assert_int_equal(ls.loaded, 1);
  assert_int_equal(pqnet_store_bans(st, 0, NULL, 0), 2);
  assert_int_equal(pqnet_store_unban(st, &net, 16), 0);
  assert_int_equal(pqnet_store_unban(st, &net, 16), PQNET_ERR_STATE);
  assert_int_equal(pqnet_store_unban(st, &net, 200), PQNET_ERR_INVALID_ARG);
  pqnet_store_close(st);
  pqnet_addrman_del(am);
  st = open_ok(f, NULL, 0);
  assert_int_equal(pqnet_store_bans(st, NOW, list, 8), 1);
  assert_true(pqnet_addr_same_ip(&list[0].net, &one));
  pqnet_store_close(st);
  assert_int_equal(raw_int(f->db, "SELECT count(*) FROM bans"), 1);

  /* The cap. */
  st = open_ok(f, NULL, 0);
  int rc = 0;
  for (unsigned i = 0; i < PQNET_STORE_BANS_MAX + 1 && rc == 0; i++) {
    pqnet_addr a = addr_n(1000 + i);
    rc = pqnet_store_ban(st, &a, 32, until, "x");
  }
  assert_int_equal(rc, PQNET_ERR_TOO_LARGE);
  assert_int_equal(pqnet_store_bans(st, NOW, NULL, 0), PQNET_STORE_BANS_MAX);
  pqnet_store_close(st);
}

static void test_anchors_recent(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0);
  for (int i = 0; i < 10; i++)
    put(st, addr_n((uint64_t)i), NOW, i < 8 ? NOW - (uint64_t)i * 100 : 0, 0, 1);
  pqnet_addr anchors[4] = {addr_n(5), addr_n(100), addr_n(5), {0}};
  assert_int_equal(pqnet_store_set_anchors(st, anchors, 4), 2);
  pqnet_addr out[20];
  size_t n = pqnet_store_recent(st, out, 20);
  /* anchors 5, 100, then last_success desc: 0 1 2 3 4 6 7 (5 deduplicated) */
  assert_int_equal(n, 9);
  assert_true(pqnet_addr_equal(&out[0], &anchors[0]));
  assert_true(pqnet_addr_equal(&out[1], &anchors[1]));
  const int order[] = {0, 1, 2, 3, 4, 6, 7};
  for (int i = 0; i < 7; i++) {
    pqnet_addr e = addr_n((uint64_t)order[i]);
    assert_true(pqnet_addr_equal(&out[2 + i], &e));
  }
  assert_int_equal(pqnet_store_recent(st, out, 5), 5);
  pqnet_store_close(st);
  st = open_ok(f, NULL, 0);
  assert_int_equal(pqnet_store_recent(st, out, 3), 3);
  assert_true(pqnet_addr_equal(&out[1], &anchors[1]));
  pqnet_addr many[PQNET_STORE_ANCHORS_MAX + 5];
  for (int i = 0; i < PQNET_STORE_ANCHORS_MAX + 5; i++) many[i] = addr_n(200 + (uint64_t)i);
  assert_int_equal(pqnet_store_set_anchors(st, many, PQNET_STORE_ANCHORS_MAX + 5),
                   PQNET_STORE_ANCHORS_MAX);
  assert_int_equal(pqnet_store_set_anchors(st, NULL, 0), 0);
  assert_int_equal(pqnet_store_recent(st, out, 20), 8);
  pqnet_store_close(st);
}

/* ---- tests: bad files
 * ----------------------------------------------------------------------------- */

static void expect_moved(fixture *f, const char *why, const char *kind, const char *words,
                         const uint8_t *orig, size_t orig_len) {
  char name[128], path[600];
  snprintf(name, sizeof name, "moved aside to peers.sqlite.%s-%llu", kind, (unsigned long long)NOW);
  if (!strstr(why, name) || !strstr(why, words)) fprintf(stderr, "why: %s\n", why);
  assert_non_null(strstr(why, name));
  assert_non_null(strstr(why, words));
  assert_non_null(strstr(why, "starting with an empty store"));
  assert_non_null(strstr(f->log.last[PQNET_STORE_LOG_WARN], name));
  snprintf(path, sizeof path, "%s/peers.sqlite.%s-%llu", f->base, kind, (unsigned long long)NOW);
  assert_true(file_exists(path));
  if (orig) {
    static uint8_t buf[1 << 20];
    size_t n = read_file(path, buf, sizeof buf);
    assert_int_equal(n, orig_len);
    assert_memory_equal(buf, orig, n);
  }
}

static void assert_empty_usable(fixture *f, pqnet_store *st) {
  assert_int_equal(pqnet_store_degraded(st, NULL), 0);
  uint8_t secret[32];
  int created;
  assert_int_equal(pqnet_store_get_secret(st, secret, &created), 0);
  assert_int_equal(created, 1);
  pqnet_addrman *am = new_am(secret, &f->det);
  pqnet_store_load_stats ls;
  assert_int_equal(pqnet_store_load(st, am, NOW, 0, 0, &ls), 0);
  assert_int_equal(ls.rows, 0);
  put(st, v4(33, 3, 3, 3, 1), NOW, 0, 0, 0);
  pqnet_addrman_del(am);
  pqnet_store_close(st);
  assert_int_equal(count_rows(f->db), 1);
}

static void test_corrupt_garbage(void **state) {
  fixture *f = *state;
  mkdir(f->base, 0700);
  uint8_t junk[8192];
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 131 + 7);
  write_file(f->db, junk, sizeof junk);
  char why[PQNET_STORE_WHY_MAX];
  pqnet_store *st = open_ok(f, why, sizeof why);
  printf("why: %s\n", why);
  expect_moved(f, why, "corrupt", "peers.sqlite was corrupt (file is not a database)", junk,
               sizeof junk);
  assert_empty_usable(f, st);
  /* Again: the name is taken, so a suffix is added. */
  write_file(f->db, junk, sizeof junk);
  st = open_ok(f, why, sizeof why);
  char p[600];
  snprintf(p, sizeof p, "%s/peers.sqlite.corrupt-%llu.1", f->base, (unsigned long long)NOW);
  assert_true(file_exists(p));
  pqnet_store_close(st);
}

static void test_corrupt_truncated_and_damaged(void **state) {
  fixture *f = *state;
  static uint8_t buf[1 << 20];
  make_store(f, 3000);
  size_t n = read_file(f->db, buf, sizeof buf);
  assert_true(n > 40000);
  /* Damaged in the middle (the header intact). */
  for (size_t i = n / 2; i < n / 2 + 9000; i++) buf[i] ^= 0x5a; /* two page headers */
  write_file(f->db, buf, n);
  char why[PQNET_STORE_WHY_MAX];
  pqnet_store *st = open_ok(f, why, sizeof why);
  printf("why: %s\n", why);
  expect_moved(f, why, "corrupt", "was corrupt", buf, n);
  pqnet_store_close(st);

  /* Truncated. */
  test_rm_rf(f->base);
  make_store(f, 3000);
  n = read_file(f->db, buf, sizeof buf);
  write_file(f->db, buf, n / 3);
  st = open_ok(f, why, sizeof why);
  printf("why: %s\n", why);
  expect_moved(f, why, "corrupt", "was corrupt", buf, n / 3);
  assert_empty_usable(f, st);
}

static void test_foreign_file(void **state) {
  fixture *f = *state;
  mkdir(f->base, 0700);
  raw_exec(f->db, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES('mine');");
  char why[PQNET_STORE_WHY_MAX];
  pqnet_store *st = open_ok(f, why, sizeof why);
  printf("why: %s\n", why);
  expect_moved(f, why, "corrupt",
               "belongs to something else (a SQLite database of another application "
               "(application_id 0x00000000))",
               NULL, 0);
  char p[600];
  snprintf(p, sizeof p, "%s/peers.sqlite.corrupt-%llu", f->base, (unsigned long long)NOW);
  char t[32];
  raw_text(p, "SELECT x FROM notes", t, sizeof t);
  assert_string_equal(t, "mine");
  assert_empty_usable(f, st);

  /* With its own application_id, and our table names. */
  test_rm_rf(f->base);
  mkdir(f->base, 0700);
  raw_exec(f->db, "PRAGMA application_id = 305419896; CREATE TABLE addrs(x);");
  st = open_ok(f, why, sizeof why);
  expect_moved(f, why, "corrupt", "application_id 0x12345678", NULL, 0);
  pqnet_store_close(st);

  /* A directory in the file's place. */
  test_rm_rf(f->base);
  mkdir(f->base, 0700);
  mkdir(f->db, 0700);
  st = open_ok(f, why, sizeof why);
  expect_moved(f, why, "corrupt", "it is a directory", NULL, 0);
  pqnet_store_close(st);
}

static void test_schema_versions(void **state) {
  fixture *f = *state;
  char why[PQNET_STORE_WHY_MAX];
  pqnet_store *st;
  static const struct {
    const char *sql, *kind, *words;
  } cases[] = {
      {"UPDATE meta SET value = 0 WHERE key = 'schema_version'", "corrupt",
       "wrong schema version (below 1)"},
      {"UPDATE meta SET value = 'abc' WHERE key = 'schema_version'", "corrupt",
       "wrong schema version (not a number)"},
      {"DELETE FROM meta WHERE key = 'schema_version'", "corrupt",
       "wrong schema version (missing)"},
      {"UPDATE meta SET value = 9 WHERE key = 'min_compatible'", "corrupt", "wrong min_compatible"},
      {"UPDATE meta SET value = 7 WHERE key = 'schema_version';"
       "UPDATE meta SET value = 5 WHERE key = 'min_compatible'",
       "newer", "is from a newer version (written by a newer pqnet (schema version 7"},
      {"UPDATE meta SET value = x'0102' WHERE key = 'secret'", "corrupt", "secret is not 32 bytes"},
      {"DROP TABLE anchors", "corrupt", "the tables do not match the schema"},
      {"ALTER TABLE addrs DROP COLUMN peer_id", "corrupt", "the tables do not match the schema"},
      {"DROP TABLE meta", "corrupt", "was corrupt"},
      {"CREATE TRIGGER t AFTER INSERT ON addrs BEGIN DELETE FROM addrs; END", "corrupt",
       "triggers or views"},
      {"CREATE VIEW v AS SELECT * FROM addrs", "corrupt", "triggers or views"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    test_rm_rf(f->base);
    make_store(f, 5);
    raw_exec(f->db, cases[i].sql);
    memset(&f->log, 0, sizeof f->log);
    st = open_ok(f, why, sizeof why);
    printf("case %zu why: %s\n", i, why);
    expect_moved(f, why, cases[i].kind, cases[i].words, NULL, 0);
    assert_empty_usable(f, st);
  }

  /* Newer but compatible: used as it is. */
  test_rm_rf(f->base);
  make_store(f, 5);
  raw_exec(f->db, "UPDATE meta SET value = 2 WHERE key = 'schema_version';"
                  "CREATE TABLE future(x); CREATE INDEX addrs_seen ON addrs(last_seen);");
  st = open_ok(f, why, sizeof why);
  assert_string_equal(why, "");
  uint8_t secret[32];
  int created;
  assert_int_equal(pqnet_store_get_secret(st, secret, &created), 0);
  assert_int_equal(created, 0);
  pqnet_addrman *am = new_am(secret, &f->det);
  pqnet_store_load_stats ls;
  assert_int_equal(pqnet_store_load(st, am, NOW, 0, 0, &ls), 0);
  assert_int_equal(ls.rows, 5);
  pqnet_store_close(st);
  pqnet_addrman_del(am);
  assert_int_equal(raw_int(f->db, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);

  /* An interrupted first start (WAL set, no tables yet) is simply created. */
  test_rm_rf(f->base);
  mkdir(f->base, 0700);
  raw_exec(f->db, "PRAGMA journal_mode = WAL");
  st = open_ok(f, why, sizeof why);
  assert_string_equal(why, "");
  pqnet_store_close(st);
  assert_int_equal(raw_int(f->db, "PRAGMA application_id"), PQNET_STORE_APPLICATION_ID);
}

/* ---- tests: the disk in trouble (child processes)
 * ------------------------------------------------ */

/* In a child: become an unprivileged user when root, so permissions bite. */
static int drop_root(void) {
  if (geteuid() != 0) return 0;
  if (setgid(65534) != 0 || setuid(65534) != 0) return -1;
  return 0;
}

/* Hand path to the unprivileged user (when root), and let it reach it. */
static void own(fixture *f, const char *path) {
  if (geteuid() != 0) return;
  if (chmod(f->dir, 0711) != 0 || chown(path, 65534, 65534) != 0) fail_msg("chown %s", path);
}

typedef int (*child_fn)(fixture *f);

static int run_child(fixture *f, child_fn fn) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(fn(f));
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #c);                        \
      return 1;                                                                                    \
    }                                                                                              \
  } while (0)

/* Common to the unreadable / read-only cases: the store must come up
 * degraded, say why, keep the secret and bans in memory, and do nothing on
 * disk. */
static int degraded_checks(fixture *f, const char *words) {
  CHECK(drop_root() == 0);
  pqnet_store *st = NULL;
  char why[PQNET_STORE_WHY_MAX];
  CHECK(pqnet_store_open(f->base, &f->cfg, &st, why, sizeof why) == 0);
  printf("child why: %s\n", why);
  fflush(stdout);
  const char *dw;
  CHECK(pqnet_store_degraded(st, &dw) == 1);
  CHECK(strstr(dw, words) != NULL);
  CHECK(strstr(why, "running in memory") != NULL);
  CHECK(strstr(why, "corrupt") == NULL); /* a permission problem is not damage */
  CHECK(f->log.lines[PQNET_STORE_LOG_ERROR] == 1);
  uint8_t s1[32], s2[32];
  int created;
  CHECK(pqnet_store_get_secret(st, s1, &created) == 0 && created == 1);
  CHECK(pqnet_store_get_secret(st, s2, &created) == 0 && created == 0);
  CHECK(memcmp(s1, s2, 32) == 0);
  pqnet_addr_info in = info_at(v4(33, 1, 1, 1, 1), NOW);
  CHECK(pqnet_store_note_connected(st, &in) == 0);
  CHECK(pqnet_store_queue_learned(st, &in, 1) == 0);
  CHECK(pqnet_store_flush(st, NOW, 0) == 0);
  CHECK(pqnet_store_ban(st, &in.addr, 32, NOW + 10, "x") == 0);
  CHECK(pqnet_store_is_banned(st, &in.addr, NOW) == 1);
  pqnet_addr out[4];
  CHECK(pqnet_store_recent(st, out, 4) == 0);
  pqnet_addrman *am = NULL;
  CHECK(pqnet_addrman_new(NULL, s1, &f->det.rng, &am) == 0);
  pqnet_store_load_stats ls;
  CHECK(pqnet_store_load(st, am, NOW, 0, 0, &ls) == 0 && ls.rows == 0);
  CHECK(pqnet_store_sync_from_addrman(st, am, NOW) == 0);
  pqnet_addrman_del(am);
  CHECK(f->log.lines[PQNET_STORE_LOG_ERROR] == 1); /* reported once */
  pqnet_store_close(st);
  return 0;
}

static int child_unreadable(fixture *f) {
  return degraded_checks(f, "Permission denied");
}

static void test_unreadable_file(void **state) {
  fixture *f = *state;
  static uint8_t before[1 << 20], after[1 << 20];
  make_store(f, 20);
  size_t n = read_file(f->db, before, sizeof before);
  own(f, f->base);
  own(f, f->lock);
  assert_int_equal(chmod(f->db, 0), 0);
  if (geteuid() != 0) assert_int_equal(chmod(f->db, 0200), 0);
  assert_int_equal(run_child(f, child_unreadable), 0);
  chmod(f->db, 0600);
  assert_int_equal(read_file(f->db, after, sizeof after), n);
  assert_memory_equal(before, after, n); /* not moved, not touched */
}

static int child_readonly(fixture *f) {
  return degraded_checks(f, "peers.sqlite");
}

static void test_readonly_dir(void **state) {
  fixture *f = *state;
  make_store(f, 20);
  own(f, f->base);
  own(f, f->lock);
  own(f, f->db);
  /* The file is writable, its directory is not: SQLite cannot make the
   * -wal and -shm it needs. */
  assert_int_equal(chmod(f->base, 0500), 0);
  int rc = run_child(f, child_readonly);
  chmod(f->base, 0700);
  assert_int_equal(rc, 0);
  assert_int_equal(count_rows(f->db), 20);
}

static int child_full(fixture *f) {
  signal(SIGXFSZ, SIG_IGN);
  pqnet_store *st = NULL;
  char why[PQNET_STORE_WHY_MAX];
  CHECK(pqnet_store_open(f->base, &f->cfg, &st, why, sizeof why) == 0);
  uint8_t sec[32];
  CHECK(pqnet_store_get_secret(st, sec, NULL) == 0);
  struct rlimit rl = {192 * 1024, 192 * 1024};
  CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
  uint64_t k = 0;
  int rounds = 0;
  while (!pqnet_store_degraded(st, NULL) && rounds++ < 2000) {
    pqnet_addr_info v[200];
    for (int i = 0; i < 200; i++) v[i] = info_at(addr_n(k++), NOW);
    pqnet_store_queue_learned(st, v, 200);
    CHECK(pqnet_store_flush(st, NOW, 200) >= 0);
    pqnet_addr_info one = info_at(addr_n(k++), NOW);
    CHECK(pqnet_store_note_connected(st, &one) == 0);
  }
  const char *dw;
  CHECK(pqnet_store_degraded(st, &dw) == 1);
  printf("child degraded after %llu rows: %s\n", (unsigned long long)k, dw);
  fflush(stdout);
  CHECK(strstr(dw, "disk full") || strstr(dw, "I/O error"));
  CHECK(f->log.lines[PQNET_STORE_LOG_ERROR] == 1);
  pqnet_addr_info one = info_at(addr_n(k++), NOW);
  CHECK(pqnet_store_note_connected(st, &one) == 0);
  CHECK(pqnet_store_queue_learned(st, &one, 1) == 0);
  CHECK(pqnet_store_flush(st, NOW, 0) == 0);
  pqnet_store_stats s;
  pqnet_store_get_stats(st, &s);
  CHECK(s.degraded == 1);
  pqnet_store_close(st);
  return 0;
}

static void test_disk_full(void **state) {
  fixture *f = *state;
  for (int thread = 0; thread < 2; thread++) {
    test_rm_rf(f->base);
    f->cfg.no_checkpoint_thread = thread;
    memset(&f->log, 0, sizeof f->log);
    assert_int_equal(run_child(f, child_full), 0);
    /* The file is intact and opens normally afterwards. */
    char why[PQNET_STORE_WHY_MAX], ok[64];
    pqnet_store *st = open_ok(f, why, sizeof why);
    assert_null(strstr(why, "corrupt"));
    assert_int_equal(pqnet_store_degraded(st, NULL), 0);
    pqnet_store_close(st);
    raw_text(f->db, "PRAGMA integrity_check", ok, sizeof ok);
    assert_string_equal(ok, "ok");
    assert_true(count_rows(f->db) > 100);
  }
}

/* ---- tests: the lock
 * ----------------------------------------------------------------------------- */

static int child_second_opener(fixture *f) {
  pqnet_store *st = NULL;
  char why[PQNET_STORE_WHY_MAX], pid[32];
  CHECK(pqnet_store_open(f->base, &f->cfg, &st, why, sizeof why) == PQNET_ERR_STATE);
  CHECK(st == NULL);
  snprintf(pid, sizeof pid, "pid %ld", (long)getppid());
  printf("child why: %s\n", why);
  fflush(stdout);
  CHECK(strstr(why, pid) != NULL);
  return 0;
}

static void test_lock(void **state) {
  fixture *f = *state;
  pqnet_store *st = open_ok(f, NULL, 0), *st2 = (pqnet_store *)1;
  char why[PQNET_STORE_WHY_MAX], pid[32];
  /* Same process. */
  assert_int_equal(pqnet_store_open(f->base, &f->cfg, &st2, why, sizeof why), PQNET_ERR_STATE);
  assert_null(st2);
  snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
  assert_non_null(strstr(why, pid));
  assert_non_null(strstr(why, "in use by another process"));
  /* Another process. */
  assert_int_equal(run_child(f, child_second_opener), 0);
  pqnet_store_close(st);
  st = open_ok(f, why, sizeof why);
  assert_string_equal(why, "");
  pqnet_store_close(st);

  /* A stale pid (a process that has exited), no flock held. */
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, NULL, 0);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", (long)dead);
  write_file(f->lock, buf, (size_t)n);
  st = open_ok(f, why, sizeof why);
  printf("why: %s\n", why);
  snprintf(pid, sizeof pid, "pid %ld", (long)dead);
  assert_non_null(strstr(why, pid));
  assert_non_null(strstr(why, "no longer running"));
  pqnet_store_close(st);
}

static void test_lock_inherited(void **state) {
  fixture *f = *state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(stdout);
  pid_t c = fork();
  assert_true(c >= 0);
  if (c == 0) {
    f->cfg.no_checkpoint_thread = 1;
    pqnet_store *st = NULL;
    if (pqnet_store_open(f->base, &f->cfg, &st, NULL, 0) != 0) _exit(1);
    pid_t g = fork();
    if (g == 0) {
      close(fds[1]);
      for (;;) pause(); /* holds the inherited lock descriptor */
    }
    if (write(fds[1], &g, sizeof g) != (ssize_t)sizeof g) _exit(2);
    _exit(0); /* dies without closing the store */
  }
  close(fds[1]);
  pid_t g = 0;
  assert_int_equal(read(fds[0], &g, sizeof g), (ssize_t)sizeof g);
  close(fds[0]);
  int status;
  assert_int_equal(waitpid(c, &status, 0), c);
  assert_int_equal(WEXITSTATUS(status), 0);
  char why[PQNET_STORE_WHY_MAX];
  pqnet_store *st = NULL;
  int rc = pqnet_store_open(f->base, &f->cfg, &st, why, sizeof why);
  kill(g, SIGKILL);
  printf("why: %s\n", why);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(why, "a process it started still held the lock"));
  assert_int_equal(pqnet_store_degraded(st, NULL), 0);
  pqnet_store_close(st);
}

/* ---- tests: crash safety --------------------------------------------------------------------- */

#define CRASH_BATCH  16
#define CRASH_OPENED UINT32_MAX /* the child's first word: open is done */

static pqnet_addr crash_addr(uint32_t batch, int j) {
  return addr_n((uint64_t)batch * CRASH_BATCH + (uint64_t)j);
}

/* The child: open, then commit batches forever, reporting each. */
static void crash_child(fixture *f, uint32_t first, int wfd, uint64_t seed) {
  pqnet_rng_det d;
  pqnet_rng_det_init_u64(&d, seed);
  f->cfg.rng = &d.rng;
  f->cfg.log = NULL;
  f->cfg.checkpoint_frames = 64; /* checkpoint often, so kills land in them */
  pqnet_store *st = NULL;
  if (pqnet_store_open(f->base, &f->cfg, &st, NULL, 0) != 0) _exit(3);
  uint8_t sec[32];
  pqnet_store_get_secret(st, sec, NULL);
  uint32_t opened = CRASH_OPENED;
  if (write(wfd, &opened, sizeof opened) != (ssize_t)sizeof opened) _exit(8);
  for (uint32_t b = first;; b++) {
    pqnet_addr_info v[CRASH_BATCH];
    for (int j = 0; j < CRASH_BATCH; j++) v[j] = info_at(crash_addr(b, j), NOW);
    if (b % 3 == 0) {
      /* a write-through event instead of a batch */
      for (int j = 0; j < CRASH_BATCH; j++) {
        v[j].in_tried = 1;
        v[j].last_success = NOW;
        if (pqnet_store_note_connected(st, &v[j]) != 0) _exit(4);
      }
    } else {
      if (pqnet_store_queue_learned(st, v, CRASH_BATCH) != CRASH_BATCH) _exit(5);
      if (pqnet_store_flush(st, NOW, CRASH_BATCH) != CRASH_BATCH) _exit(6);
    }
    if (pqnet_store_degraded(st, NULL)) _exit(7);
    if (write(wfd, &b, sizeof b) != (ssize_t)sizeof b) _exit(8);
  }
}

static void verify_batches(const char *db_path, const uint32_t *b, size_t n) {
  sqlite3 *db = raw_open(db_path);
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
    fail_msg("integrity_check: %s", sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
  sqlite3_finalize(s);
  if (n == 0) { /* maybe killed before the schema was committed */
    sqlite3_close(db);
    return;
  }
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM addrs WHERE ip = ?1 AND port = ?2",
                                      -1, &s, NULL),
                   SQLITE_OK);
  for (size_t i = 0; i < n; i++) {
    for (int j = 0; j < CRASH_BATCH; j++) {
      pqnet_addr a = crash_addr(b[i], j);
      sqlite3_bind_blob(s, 1, a.ip, 4, SQLITE_STATIC);
      sqlite3_bind_int(s, 2, a.port);
      assert_int_equal(sqlite3_step(s), SQLITE_ROW);
      if (sqlite3_column_int(s, 0) != 1) fail_msg("batch %u row %d lost", b[i], j);
      sqlite3_reset(s);
    }
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
}

static void test_crash_safety(void **state) {
  fixture *f = *state;
  uint64_t seed = test_seed();
  printf("seed %llu\n", (unsigned long long)seed);
  pqnet_rng_det d;
  pqnet_rng_det_init_u64(&d, seed);
  size_t cap = 1 << 16, n = 0;
  uint32_t *done = malloc(cap * sizeof *done);
  assert_non_null(done);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int iters = 0, kills_before_open = 0;
  for (; iters < 80; iters++) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if ((t1.tv_sec - t0.tv_sec) > 9) break; /* keep the test well under 15 s */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      crash_child(f, (uint32_t)iters * 100000u, fds[1], seed + (uint64_t)iters);
      _exit(9);
    }
    close(fds[1]);
    /* A random moment: one kill in six anywhere in the first 15 ms (open
     * included), the others 0 to 20 ms after open finished. */
    uint64_t r = rnd(&d);
    uint32_t b;
    if (r % 6 == 0) {
      usleep((useconds_t)(r >> 8) % 15000);
    } else {
      if (read(fds[0], &b, sizeof b) != (ssize_t)sizeof b || b != CRASH_OPENED)
        fail_msg("child did not open the store");
      usleep((useconds_t)(r >> 8) % 20000);
    }
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
      fail_msg("child exited by itself: status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    size_t start = n;
    while (read(fds[0], &b, sizeof b) == (ssize_t)sizeof b) {
      if (b == CRASH_OPENED) continue;
      if (n == cap) {
        cap *= 2;
        done = realloc(done, cap * sizeof *done);
        assert_non_null(done);
      }
      done[n++] = b;
    }
    close(fds[0]);
    if (n == start) kills_before_open++;
    if (getenv("PQNET_TEST_VERBOSE"))
      fprintf(stderr, "iter %d mode %d delay %llu us batches %zu\n", iters, (int)(r % 6 == 0),
              (unsigned long long)((r >> 8) % (r % 6 == 0 ? 15000 : 20000)), n - start);
    if (file_exists(f->db)) verify_batches(f->db, done + start, n - start);
  }
  /* Everything ever reported, after a final open through the store. */
  char why[PQNET_STORE_WHY_MAX];
  pqnet_store *st = open_ok(f, why, sizeof why);
  assert_null(strstr(why, "corrupt"));
  pqnet_store_close(st);
  verify_batches(f->db, done, n);
  printf("crash test: %d kills, %zu committed batches verified, %d kills before the first "
         "commit\n",
         iters, n, kills_before_open);
  assert_true(iters >= 20);
  assert_true(n > 0);
  free(done);
  pqnet_rng_det_free(&d);
}

int main(void) {
  /* PQNET_TEST_FILTER=test_crash* runs a subset. */
  if (getenv("PQNET_TEST_FILTER")) cmocka_set_test_filter(getenv("PQNET_TEST_FILTER"));
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create_fresh, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
      cmocka_unit_test_setup_teardown(test_secret, setup, teardown),
      cmocka_unit_test_setup_teardown(test_round_trip_sync, setup, teardown),
      cmocka_unit_test_setup_teardown(test_round_trip_no_thread, setup, teardown),
      cmocka_unit_test_setup_teardown(test_round_trip_write_through, setup, teardown),
      cmocka_unit_test_setup_teardown(test_prune_ttl_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_prune_periodic, setup, teardown),
      cmocka_unit_test_setup_teardown(test_note_failed_removes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_learned_merge, setup, teardown),
      cmocka_unit_test_setup_teardown(test_queue_and_flush, setup, teardown),
      cmocka_unit_test_setup_teardown(test_flush_budget, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_rows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bans, setup, teardown),
      cmocka_unit_test_setup_teardown(test_anchors_recent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_garbage, setup, teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_truncated_and_damaged, setup, teardown),
      cmocka_unit_test_setup_teardown(test_foreign_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_schema_versions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unreadable_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_readonly_dir, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lock_inherited, setup, teardown),
      cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
