/*
 * The peer store on SQLite: src/store/store.h has the contract,
 * docs/store.md the schema, the migration policy and the crash-safety
 * argument.
 *
 * Layout of this file: helpers (logging, paths, SQL steps), the lock file,
 * the schema and its migrations, opening (checks, moving aside, degrading),
 * the checkpoint thread, then the public calls in header order.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"
#include "pqnet/error.h"

#define BASE_MAX 3800
#define PATH_CAP 4096
#define LOG_CAP  1400

/* ---- the schema ------------------------------------------------------------- */

/*
 * migrations[v] takes a file from schema version v to v + 1, inside the
 * transaction that also records the new version. A new file is version 0
 * (nothing) and runs them all, so the runner is exercised on every fresh
 * start. Never edit a shipped step; append one (docs/store.md).
 */
static const char *const migrations[PQNET_STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;"
    "CREATE TABLE addrs("
    " ip BLOB NOT NULL,"
    " port INTEGER NOT NULL,"
    " services INTEGER NOT NULL DEFAULT 0,"
    " first_seen INTEGER NOT NULL DEFAULT 0,"
    " last_seen INTEGER NOT NULL DEFAULT 0,"
    " last_success INTEGER NOT NULL DEFAULT 0,"
    " last_attempt INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0,"
    " source_ip BLOB,"
    " source_port INTEGER,"
    " tried INTEGER NOT NULL DEFAULT 0,"
    " peer_id BLOB,"
    " PRIMARY KEY(ip, port)) WITHOUT ROWID;"
    "CREATE TABLE bans("
    " net BLOB NOT NULL,"
    " prefix_len INTEGER NOT NULL,"
    " until INTEGER NOT NULL,"
    " reason TEXT NOT NULL DEFAULT '',"
    " UNIQUE(net, prefix_len));"
    "CREATE TABLE anchors(pos INTEGER PRIMARY KEY, ip BLOB NOT NULL, port INTEGER NOT NULL);",
};

/* Statements prepared once at open and reused. */
enum {
  S_BEGIN,
  S_COMMIT,
  S_ROLLBACK,
  S_UPSERT_FULL,
  S_UPSERT_LEARNED,
  S_DELETE_ADDR,
  S_DELETE_IP,
  S_META_GET,
  S_META_PUT,
  S_BAN_PUT,
  S_BAN_DEL,
  S_ANCHOR_CLEAR,
  S_ANCHOR_ADD,
  S_ANCHORS,
  S_RECENT,
  S_KEEP_ADD,
  S_KEEP_SWEEP,
  S_KEEP_CLEAR,
  S_PRUNE_SCAN,
  S_COUNT,
};

#define ADDR_COLS                                                                                  \
  "ip, port, services, first_seen, last_seen, last_success, last_attempt, attempts, "              \
  "failures, source_ip, source_port, tried, peer_id"
#define ADDR_VALS "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"
#define FIRST_SEEN_MIN                                                                             \
  "first_seen = CASE WHEN addrs.first_seen = 0 OR (excluded.first_seen <> 0 AND "                  \
  "excluded.first_seen < addrs.first_seen) THEN excluded.first_seen ELSE "                         \
  "addrs.first_seen END"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    /* Full state from the address manager; ?9 is the failure increment. */
    [S_UPSERT_FULL] =
        "INSERT INTO addrs(" ADDR_COLS ") VALUES(" ADDR_VALS ")"
        " ON CONFLICT(ip, port) DO UPDATE SET services = excluded.services, " FIRST_SEEN_MIN
        ", last_seen = excluded.last_seen,"
        " last_success = excluded.last_success,"
        " last_attempt = excluded.last_attempt, attempts = excluded.attempts,"
        " failures = addrs.failures + excluded.failures,"
        " source_ip = excluded.source_ip, source_port = excluded.source_port,"
        " tried = excluded.tried, peer_id = coalesce(excluded.peer_id, addrs.peer_id)",
    /* Gossip: merge without lowering anything the row knows. */
    [S_UPSERT_LEARNED] = "INSERT INTO addrs(" ADDR_COLS ") VALUES(" ADDR_VALS ")"
                         " ON CONFLICT(ip, port) DO UPDATE SET"
                         " services = addrs.services | excluded.services, " FIRST_SEEN_MIN ","
                         " last_seen = max(addrs.last_seen, excluded.last_seen),"
                         " last_attempt = max(addrs.last_attempt, excluded.last_attempt),"
                         " source_port = CASE WHEN addrs.source_ip IS NULL"
                         " THEN excluded.source_port ELSE addrs.source_port END,"
                         " source_ip = coalesce(addrs.source_ip, excluded.source_ip),"
                         " peer_id = coalesce(addrs.peer_id, excluded.peer_id)",
    [S_DELETE_ADDR] = "DELETE FROM addrs WHERE ip = ?1 AND port = ?2",
    [S_DELETE_IP] = "DELETE FROM addrs WHERE ip = ?1",
    [S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [S_META_PUT] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
    [S_BAN_PUT] = "INSERT INTO bans(net, prefix_len, until, reason) VALUES(?1, ?2, ?3, ?4)"
                  " ON CONFLICT(net, prefix_len) DO UPDATE SET until = excluded.until,"
                  " reason = excluded.reason",
    [S_BAN_DEL] = "DELETE FROM bans WHERE net = ?1 AND prefix_len = ?2",
    [S_ANCHOR_CLEAR] = "DELETE FROM anchors",
    [S_ANCHOR_ADD] = "INSERT INTO anchors(pos, ip, port) VALUES(?1, ?2, ?3)",
    [S_ANCHORS] = "SELECT ip, port FROM anchors ORDER BY pos LIMIT 64",
    [S_RECENT] = "SELECT ip, port FROM addrs WHERE last_success > 0"
                 " ORDER BY last_success DESC LIMIT ?1",
    [S_KEEP_ADD] = "INSERT OR IGNORE INTO temp.keep(ip, port) VALUES(?1, ?2)",
    [S_KEEP_SWEEP] = "DELETE FROM addrs WHERE NOT EXISTS (SELECT 1 FROM temp.keep k"
                     " WHERE k.ip = addrs.ip AND k.port = addrs.port)",
    [S_KEEP_CLEAR] = "DELETE FROM temp.keep",
    [S_PRUNE_SCAN] = "SELECT ip, port, last_seen, last_success, attempts FROM addrs"
                     " WHERE (ip, port) > (?1, ?2) ORDER BY ip, port LIMIT ?3",
};

/* Row checks, shared by load and open (docs/store.md, "Validation"). */
#define ADDR_ROW_VALID                                                                             \
  "coalesce(typeof(ip) = 'blob' AND length(ip) IN (4, 16)"                                         \
  " AND typeof(port) = 'integer' AND port BETWEEN 1 AND 65535"                                     \
  " AND typeof(services) = 'integer'"                                                              \
  " AND typeof(first_seen) = 'integer' AND first_seen >= 0"                                        \
  " AND typeof(last_seen) = 'integer' AND last_seen >= 0"                                          \
  " AND typeof(last_success) = 'integer' AND last_success >= 0"                                    \
  " AND typeof(last_attempt) = 'integer' AND last_attempt >= 0"                                    \
  " AND typeof(attempts) = 'integer' AND attempts BETWEEN 0 AND 4294967295"                        \
  " AND typeof(failures) = 'integer' AND failures >= 0"                                            \
  " AND typeof(tried) = 'integer' AND tried IN (0, 1)"                                             \
  " AND (peer_id IS NULL OR (typeof(peer_id) = 'blob' AND length(peer_id) = 32))"                  \
  " AND (source_ip IS NULL OR (typeof(source_ip) = 'blob' AND length(source_ip) IN (4, 16)"        \
  " AND typeof(source_port) = 'integer' AND source_port BETWEEN 0 AND 65535)), 0)"
#define BAN_ROW_VALID                                                                              \
  "coalesce(typeof(net) = 'blob' AND ((length(net) = 4 AND prefix_len BETWEEN 0 AND 32)"           \
  " OR (length(net) = 16 AND prefix_len BETWEEN 0 AND 128))"                                       \
  " AND typeof(prefix_len) = 'integer' AND typeof(until) = 'integer' AND until > 0"                \
  " AND typeof(reason) = 'text', 0)"

/* ---- the object ---------------------------------------------------------------- */

typedef struct ckpt_thread {
  pthread_t th;
  int running;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int request, stop; /* under mu */
  int err;           /* under mu: a failed checkpoint's SQLite code */
  int sys_errno;     /* under mu */
  uint64_t count;    /* under mu */
  sqlite3 *db;       /* the thread's own connection */
} ckpt_thread;

struct pqnet_store {
  pqnet_store_config cfg;
  char base[BASE_MAX + 1];
  char db_path[PATH_CAP];
  char lock_path[PATH_CAP];
  int lock_fd;

  sqlite3 *db;
  sqlite3_stmt *stmt[S_COUNT];
  ckpt_thread ck;
  int ck_init;

  int degraded;
  char degraded_why[512];

  /* open() only: where notes for the caller go. */
  char *why;
  size_t whycap;

  /* Learned-address ring. */
  pqnet_addr_info *q;
  size_t qcap, qhead, qlen;

  pqnet_store_ban_entry *bans;
  size_t nbans, bans_cap;

  uint8_t secret[32];
  int have_secret;

  /* pqnet_store_prune resumes after this key. */
  uint8_t cur_ip[16];
  int cur_iplen;
  int cur_port;

  pqnet_store_stats stats;
};

/* ---- small helpers ------------------------------------------------------------- */

static void logf_(pqnet_store *st, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(pqnet_store *st, int level, const char *fmt, ...) {
  if (!st->cfg.log) return;
  char buf[LOG_CAP];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  st->cfg.log(st->cfg.log_ctx, level, buf);
}

/* A note for the operator during open: appended to `why` ("; " between
 * notes) and logged with the file's path. */
static void note(pqnet_store *st, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(pqnet_store *st, int level, const char *fmt, ...) {
  char buf[PQNET_STORE_WHY_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (st->why && st->whycap) {
    size_t used = strlen(st->why);
    if (used + 1 < st->whycap)
      snprintf(st->why + used, st->whycap - used, "%s%s", used ? "; " : "", buf);
  }
  logf_(st, level, "peer store: %s path=%s", buf, st->db_path);
}

static uint64_t age(uint64_t now, uint64_t t) {
  return now > t ? now - t : 0;
}

/* The flush budget's clock (see store.h, TIME). */
static uint64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t to_i64(uint64_t v) {
  return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int addr_valid(const pqnet_addr *a) {
  return a && (a->family == 4 || a->family == 6) && a->port != 0;
}

static int ip_len(const pqnet_addr *a) {
  return a->family == 4 ? 4 : 16;
}

/* Would pqnet_addrman_is_terrible condemn info for its failures alone? */
static int failing(uint64_t last_success, uint64_t attempts, uint64_t now) {
  if (last_success == 0 && attempts >= PQNET_ADDRMAN_RETRIES) return 1;
  return attempts >= PQNET_ADDRMAN_MAX_FAILURES && age(now, last_success) > PQNET_ADDRMAN_MIN_FAIL;
}

/* An address from columns (ip, port) of a row; 0 or -1 when invalid. */
static int col_addr(sqlite3_stmt *s, int ci, int cp, int min_port, pqnet_addr *out) {
  memset(out, 0, sizeof *out);
  if (sqlite3_column_type(s, ci) != SQLITE_BLOB || sqlite3_column_type(s, cp) != SQLITE_INTEGER)
    return -1;
  const void *p = sqlite3_column_blob(s, ci);
  int n = sqlite3_column_bytes(s, ci);
  sqlite3_int64 port = sqlite3_column_int64(s, cp);
  if (!p || (n != 4 && n != 16) || port < min_port || port > 65535) return -1;
  return pqnet_addr_from_bytes(out, p, (size_t)n, (uint16_t)port) == 0 ? 0 : -1;
}

static int col_u64(sqlite3_stmt *s, int c, uint64_t *out) {
  if (sqlite3_column_type(s, c) != SQLITE_INTEGER) return -1;
  sqlite3_int64 v = sqlite3_column_int64(s, c);
  if (v < 0) return -1;
  *out = (uint64_t)v;
  return 0;
}

/* errno of the system call behind the last failed step in this thread,
 * taken before a ROLLBACK can overwrite it. */
static _Thread_local int last_sys_errno;

/* Run a prepared statement to completion and reset it. Returns the SQLite
 * code (SQLITE_DONE on success). */
static int run(sqlite3_stmt *s) {
  int rc;
  do rc = sqlite3_step(s);
  while (rc == SQLITE_ROW);
  if (rc != SQLITE_DONE && !last_sys_errno)
    last_sys_errno = sqlite3_system_errno(sqlite3_db_handle(s));
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc;
}

/* Codes that say "try again later" rather than "the disk is gone". */
static int transient(int rc) {
  int p = rc & 0xff;
  return p == SQLITE_BUSY || p == SQLITE_LOCKED || p == SQLITE_NOMEM || p == SQLITE_INTERRUPT;
}

static const char *describe(int rc) {
  switch (rc & 0xff) {
  case SQLITE_FULL: return "disk full";
  case SQLITE_READONLY: return "read-only";
  case SQLITE_CANTOPEN: return "cannot open";
  case SQLITE_PERM: return "permission denied";
  case SQLITE_IOERR: return "I/O error";
  case SQLITE_CORRUPT: return "database corrupt";
  case SQLITE_NOTADB: return "not a database";
  default: return sqlite3_errstr(rc);
  }
}

/* ---- degrading ---------------------------------------------------------------- */

static void close_db(pqnet_store *st);

/* Switch to in-memory operation, once, with one error line. */
static void degrade(pqnet_store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void degrade(pqnet_store *st, const char *fmt, ...) {
  if (st->degraded) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(st->degraded_why, sizeof st->degraded_why, fmt, ap);
  va_end(ap);
  st->degraded = 1;
  st->stats.degraded = 1;
  if (st->why) {
    note(st, PQNET_STORE_LOG_ERROR, "%s; the peer store is off, running in memory",
         st->degraded_why);
  } else {
    logf_(st, PQNET_STORE_LOG_ERROR,
          "peer store: %s; the peer store is off, running in memory path=%s", st->degraded_why,
          st->db_path);
  }
  close_db(st);
  free(st->q);
  st->q = NULL;
  st->qcap = st->qhead = st->qlen = 0;
}

/* A write failed with rc during op. Transient: count it, keep going.
 * Otherwise: degrade. */
static void write_failed(pqnet_store *st, int rc, const char *op) {
  if (transient(rc)) {
    last_sys_errno = 0;
    st->stats.busy++;
    if (st->stats.busy == 1 || st->stats.busy % 1000 == 0)
      logf_(st, PQNET_STORE_LOG_WARN, "peer store: %s skipped: %s busy_total=%llu path=%s", op,
            sqlite3_errstr(rc), (unsigned long long)st->stats.busy, st->db_path);
    return;
  }
  int e = last_sys_errno ? last_sys_errno : st->db ? sqlite3_system_errno(st->db) : 0;
  last_sys_errno = 0;
  if (e)
    degrade(st, "%s failed: %s (%s, %s)", op, describe(rc), sqlite3_errstr(rc), strerror(e));
  else
    degrade(st, "%s failed: %s (%s)", op, describe(rc), sqlite3_errstr(rc));
}

/* ---- the checkpoint thread ---------------------------------------------------- */

static void *ckpt_main(void *arg) {
  ckpt_thread *c = arg;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->request && !c->stop) pthread_cond_wait(&c->cv, &c->mu);
    if (c->stop) break;
    c->request = 0;
    pthread_mutex_unlock(&c->mu);
    int nlog = 0, nckpt = 0;
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
    int e = rc == SQLITE_OK ? 0 : sqlite3_system_errno(c->db);
    pthread_mutex_lock(&c->mu);
    if (rc == SQLITE_OK)
      c->count++;
    else if (!transient(rc) && !c->err) {
      c->err = rc;
      c->sys_errno = e;
    }
  }
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

/* Runs in the caller's thread after each commit. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames) {
  (void)db;
  (void)name;
  pqnet_store *st = arg;
  if (st->ck.running && frames >= (int)st->cfg.checkpoint_frames) {
    pthread_mutex_lock(&st->ck.mu);
    st->ck.request = 1;
    pthread_cond_signal(&st->ck.cv);
    pthread_mutex_unlock(&st->ck.mu);
  }
  return SQLITE_OK;
}

static void ckpt_stop(pqnet_store *st) {
  if (st->ck.running) {
    pthread_mutex_lock(&st->ck.mu);
    st->ck.stop = 1;
    pthread_cond_signal(&st->ck.cv);
    pthread_mutex_unlock(&st->ck.mu);
    pthread_join(st->ck.th, NULL);
    st->ck.running = 0;
  }
  if (st->ck.db) {
    sqlite3_close_v2(st->ck.db);
    st->ck.db = NULL;
  }
}

/* Degrade if the checkpoint thread hit a disk error. */
static void ckpt_check(pqnet_store *st) {
  if (!st->ck.running) return;
  pthread_mutex_lock(&st->ck.mu);
  int rc = st->ck.err, e = st->ck.sys_errno;
  pthread_mutex_unlock(&st->ck.mu);
  if (rc) {
    if (e)
      degrade(st, "checkpoint failed: %s (%s, %s)", describe(rc), sqlite3_errstr(rc), strerror(e));
    else
      degrade(st, "checkpoint failed: %s (%s)", describe(rc), sqlite3_errstr(rc));
  }
}

static void close_db(pqnet_store *st) {
  ckpt_stop(st);
  for (int i = 0; i < S_COUNT; i++) {
    sqlite3_finalize(st->stmt[i]);
    st->stmt[i] = NULL;
  }
  if (st->db) {
    /* The last connection checkpoints as it closes: with syncs. */
    sqlite3_exec(st->db,
                 st->cfg.synchronous_full ? "PRAGMA synchronous = FULL"
                                          : "PRAGMA synchronous = NORMAL",
                 NULL, NULL, NULL);
    sqlite3_close_v2(st->db);
    st->db = NULL;
  }
}

/* ---- the lock file ------------------------------------------------------------- */

static long read_pid(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *end;
  long pid = strtol(buf, &end, 10);
  if (end == buf || (*end != 0 && *end != '\n') || pid <= 0) return 0;
  return pid;
}

static void write_pid(int fd) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) == n) return;
}

/* 1 when pid may be running (unknown counts as running). */
static int pid_alive(long pid) {
  if (pid <= 0) return 1;
  if (pid == (long)getpid()) return 1;
  if (kill((pid_t)pid, 0) == 0) return 1;
  return errno != ESRCH;
}

static int same_file(int fd, const char *path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* 0: locked. PQNET_ERR_STATE: held by a live process. 1: no lock possible
 * (the store is degraded). */
static int take_lock(pqnet_store *st) {
  for (int attempt = 0; attempt < 4; attempt++) {
    int fd = open(st->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
      fd = open(st->lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      degrade(st, "cannot open the lock file %s (%s)", st->lock_path, strerror(errno));
      return 1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      if (!same_file(fd, st->lock_path)) { /* replaced while we waited */
        close(fd);
        continue;
      }
      long old = read_pid(fd);
      if (old > 0 && old != (long)getpid())
        note(st, PQNET_STORE_LOG_INFO,
             "took over the lock of pid %ld, which is no longer running (it did not shut down "
             "cleanly)",
             old);
      write_pid(fd);
      st->lock_fd = fd;
      return 0;
    }
    if (errno != EWOULDBLOCK) {
      degrade(st, "cannot lock %s (%s)", st->lock_path, strerror(errno));
      close(fd);
      return 1;
    }
    long pid = read_pid(fd);
    if (pid_alive(pid)) {
      if (pid > 0)
        note(st, PQNET_STORE_LOG_ERROR,
             "the base path %s is in use by another process (pid %ld holds %s)", st->base, pid,
             st->lock_path);
      else
        note(st, PQNET_STORE_LOG_ERROR,
             "the base path %s is in use by another process (pid unknown, %s is held)", st->base,
             st->lock_path);
      close(fd);
      return PQNET_ERR_STATE;
    }
    /* The owner is dead but a descendant inherited the descriptor and still
     * holds the flock: put a fresh, locked file in its place. */
    char tmp[PATH_CAP + 32];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", st->lock_path, (long)getpid());
    unlink(tmp);
    int nfd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (nfd < 0 || flock(nfd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      if (nfd >= 0) close(nfd);
      unlink(tmp);
      close(fd);
      degrade(st, "cannot replace the stale lock file %s (%s)", st->lock_path, strerror(e));
      return 1;
    }
    write_pid(nfd);
    if (same_file(fd, st->lock_path) && rename(tmp, st->lock_path) == 0) {
      close(fd);
      note(st, PQNET_STORE_LOG_WARN,
           "took over the lock of pid %ld, which is no longer running (a process it started "
           "still held the lock)",
           pid);
      st->lock_fd = nfd;
      return 0;
    }
    unlink(tmp);
    close(nfd);
    close(fd);
  }
  degrade(st, "cannot take the lock %s (it keeps changing)", st->lock_path);
  return 1;
}

/* ---- opening ------------------------------------------------------------------- */

enum { OPEN_OK, OPEN_BAD, OPEN_DEGRADE, OPEN_NOMEM };
enum { BAD_CORRUPT, BAD_FOREIGN, BAD_NEWER };

typedef struct open_result {
  int kind;         /* BAD_*: which suffix */
  char detail[400]; /* for the note */
} open_result;

static int bad(open_result *r, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(open_result *r, int kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->detail, sizeof r->detail, fmt, ap);
  va_end(ap);
  r->kind = kind;
  return OPEN_BAD;
}

/* Classify a failure while opening: the file is bad, or the disk is. */
static int open_failed(pqnet_store *st, open_result *r, int rc, const char *op) {
  int p = rc & 0xff;
  if (p == SQLITE_NOTADB || p == SQLITE_CORRUPT || p == SQLITE_ERROR || p == SQLITE_FORMAT ||
      p == SQLITE_MISMATCH || p == SQLITE_RANGE || p == SQLITE_TOOBIG)
    return bad(r, BAD_CORRUPT, "%s", st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
  if (p == SQLITE_NOMEM) return OPEN_NOMEM;
  int e = st->db ? sqlite3_system_errno(st->db) : 0;
  if (e)
    degrade(st, "cannot use %s: %s failed: %s (%s, %s)", PQNET_STORE_FILE, op, describe(rc),
            sqlite3_errstr(rc), strerror(e));
  else
    degrade(st, "cannot use %s: %s failed: %s (%s)", PQNET_STORE_FILE, op, describe(rc),
            sqlite3_errstr(rc));
  return OPEN_DEGRADE;
}

/* One-row query returning an integer; SQLite code out. */
static int query_int(sqlite3 *db, const char *sql, sqlite3_int64 *out) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int64(s, 0);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    *out = 0;
    rc = SQLITE_OK;
  }
  sqlite3_finalize(s);
  return rc;
}

/* Read meta[key] into *v (type SQLITE_NULL when absent). Uses a one-off
 * statement: the prepared ones do not exist yet. */
static int meta_read(sqlite3 *db, const char *key, int *type, sqlite3_int64 *iv, uint8_t *blob,
                     int *bloblen) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &s, NULL);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step(s);
  *type = SQLITE_NULL;
  if (rc == SQLITE_ROW) {
    *type = sqlite3_column_type(s, 0);
    if (iv) *iv = sqlite3_column_int64(s, 0);
    if (blob && *type == SQLITE_BLOB) {
      const void *p = sqlite3_column_blob(s, 0);
      int n = sqlite3_column_bytes(s, 0);
      *bloblen = n;
      if (p && n == 32) memcpy(blob, p, 32);
    }
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  sqlite3_finalize(s);
  return rc;
}

static int meta_write_int(sqlite3 *db, const char *key, sqlite3_int64 v) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1, &s,
                              NULL);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, v);
  rc = sqlite3_step(s);
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Run migrations[from..SCHEMA_VERSION) and record the version, in one
 * transaction. */
static int migrate(pqnet_store *st, sqlite3_int64 from, int fresh) {
  int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK) return rc;
  if (fresh) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", (int)PQNET_STORE_APPLICATION_ID);
    rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
  }
  for (sqlite3_int64 v = from; rc == SQLITE_OK && v < PQNET_STORE_SCHEMA_VERSION; v++)
    rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = meta_write_int(st->db, "schema_version", PQNET_STORE_SCHEMA_VERSION);
  if (rc == SQLITE_OK) rc = meta_write_int(st->db, "min_compatible", PQNET_STORE_MIN_COMPATIBLE);
  if (rc == SQLITE_OK) rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  if (rc == SQLITE_OK && !fresh)
    logf_(st, PQNET_STORE_LOG_INFO, "peer store: migrated schema from=%lld to=%d path=%s",
          (long long)from, PQNET_STORE_SCHEMA_VERSION, st->db_path);
  return rc;
}

static int db_connect(const char *path, sqlite3 **out, uint32_t busy_ms) {
  *out = NULL;
  int rc = sqlite3_open_v2(path, out,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW |
                               SQLITE_OPEN_EXRESCODE,
                           NULL);
  if (rc != SQLITE_OK) return rc;
  sqlite3 *db = *out;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, (int)busy_ms);
  /* A crafted file cannot run code: no triggers, no views, no SQL functions
   * from the schema, no writable schema; and no huge values. */
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1 << 16);
  return sqlite3_exec(db, "PRAGMA temp_store = MEMORY; PRAGMA cell_size_check = ON", NULL, NULL,
                      NULL);
}

/* One attempt at opening a usable database. */
static int try_open(pqnet_store *st, open_result *r) {
  /* Create the file ourselves: mode 0600, no symlink, a regular file. SQLite
   * gives its -wal and -shm the same mode. */
  int fd = open(st->db_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP) return bad(r, BAD_FOREIGN, "it is a symbolic link");
    if (e == EISDIR) return bad(r, BAD_FOREIGN, "it is a directory");
    degrade(st, "cannot open %s (%s)", PQNET_STORE_FILE, strerror(e));
    return OPEN_DEGRADE;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return bad(r, BAD_FOREIGN, "it is not a regular file");
  }
  if (sb.st_mode & 077) {
    if (fchmod(fd, sb.st_mode & 0700) != 0) { /* best effort */
    }
  }
  close(fd);

  int rc = db_connect(st->db_path, &st->db, st->cfg.busy_timeout_ms);
  if (rc != SQLITE_OK) return open_failed(st, r, rc, "open");

  sqlite3_int64 app_id = 0, pages = 0, objects = 0;
  rc = query_int(st->db, "PRAGMA application_id", &app_id);
  if (rc == SQLITE_OK) rc = query_int(st->db, "PRAGMA page_count", &pages);
  if (rc == SQLITE_OK) rc = query_int(st->db, "SELECT count(*) FROM sqlite_master", &objects);
  if (rc != SQLITE_OK) return open_failed(st, r, rc, "reading the header");
  uint32_t app = (uint32_t)app_id;
  int fresh = pages == 0 || (app == 0 && objects == 0);
  if (!fresh && app != (uint32_t)PQNET_STORE_APPLICATION_ID)
    return bad(r, BAD_FOREIGN, "a SQLite database of another application (application_id 0x%08x)",
               app);

  if (!fresh) {
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL);
    if (rc != SQLITE_OK) return open_failed(st, r, rc, "quick_check");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const char *t = (const char *)sqlite3_column_text(s, 0);
      if (!t || strcmp(t, "ok") != 0) {
        int res = bad(r, BAD_CORRUPT, "quick_check: %.200s", t ? t : "(null)");
        sqlite3_finalize(s);
        return res;
      }
      rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK) return open_failed(st, r, rc, "quick_check");
    sqlite3_int64 odd = 0;
    rc = query_int(st->db,
                   "SELECT count(*) FROM sqlite_master WHERE type NOT IN ('table', 'index')", &odd);
    if (rc != SQLITE_OK) return open_failed(st, r, rc, "reading the schema");
    if (odd) return bad(r, BAD_CORRUPT, "the schema has triggers or views");
  }

  /* WAL (persistent in the file) and the sync level (per connection). */
  sqlite3_stmt *s = NULL;
  rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const char *m = (const char *)sqlite3_column_text(s, 0);
      rc = m && strcmp(m, "wal") == 0 ? SQLITE_OK : SQLITE_READONLY;
    }
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_OK) return open_failed(st, r, rc, "switching to WAL");
  rc = sqlite3_exec(st->db,
                    st->cfg.synchronous_full
                        ? "PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 4194304;"
                          " PRAGMA cache_size = -4096"
                        : "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 4194304;"
                          " PRAGMA cache_size = -4096",
                    NULL, NULL, NULL);
  if (rc != SQLITE_OK) return open_failed(st, r, rc, "setting pragmas");

  if (fresh) {
    rc = migrate(st, 0, 1);
    if (rc != SQLITE_OK) return open_failed(st, r, rc, "creating the schema");
  } else {
    int type;
    sqlite3_int64 version = 0, minc = 0;
    rc = meta_read(st->db, "schema_version", &type, &version, NULL, NULL);
    if (rc != SQLITE_OK) return open_failed(st, r, rc, "reading meta");
    if (type != SQLITE_INTEGER || version < 1)
      return bad(r, BAD_CORRUPT, "wrong schema version (%s)",
                 type == SQLITE_NULL      ? "missing"
                 : type == SQLITE_INTEGER ? "below 1"
                                          : "not a number");
    rc = meta_read(st->db, "min_compatible", &type, &minc, NULL, NULL);
    if (rc != SQLITE_OK) return open_failed(st, r, rc, "reading meta");
    if (type == SQLITE_NULL)
      minc = version;
    else if (type != SQLITE_INTEGER || minc < 1 || minc > version)
      return bad(r, BAD_CORRUPT, "wrong min_compatible");
    if (minc > PQNET_STORE_SCHEMA_VERSION)
      return bad(r, BAD_NEWER,
                 "written by a newer pqnet (schema version %lld, readable from version %lld; this "
                 "build has %d)",
                 (long long)version, (long long)minc, PQNET_STORE_SCHEMA_VERSION);
    uint8_t blob[32];
    int bl = 0;
    rc = meta_read(st->db, "secret", &type, NULL, blob, &bl);
    pqnet_wipe(blob, sizeof blob);
    if (rc != SQLITE_OK) return open_failed(st, r, rc, "reading meta");
    if (type != SQLITE_NULL && (type != SQLITE_BLOB || bl != 32))
      return bad(r, BAD_CORRUPT, "the address manager secret is not 32 bytes");
    if (version < PQNET_STORE_SCHEMA_VERSION) {
      rc = migrate(st, version, 0);
      if (rc != SQLITE_OK) return open_failed(st, r, rc, "migrating the schema");
    } else if (version > PQNET_STORE_SCHEMA_VERSION) {
      logf_(st, PQNET_STORE_LOG_INFO,
            "peer store: schema version %lld is newer than this build's %d but compatible; using "
            "it as it is path=%s",
            (long long)version, PQNET_STORE_SCHEMA_VERSION, st->db_path);
    }
  }

  rc = sqlite3_exec(st->db,
                    "CREATE TEMP TABLE IF NOT EXISTS keep(ip BLOB NOT NULL, port INTEGER NOT NULL,"
                    " PRIMARY KEY(ip, port)) WITHOUT ROWID",
                    NULL, NULL, NULL);
  if (rc != SQLITE_OK) return open_failed(st, r, rc, "creating a temporary table");
  for (int i = 0; i < S_COUNT; i++) {
    rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL);
    if (rc != SQLITE_OK) {
      if ((rc & 0xff) == SQLITE_ERROR)
        return bad(r, BAD_CORRUPT, "the tables do not match the schema (%.200s)",
                   sqlite3_errmsg(st->db));
      return open_failed(st, r, rc, "preparing statements");
    }
  }
  return OPEN_OK;
}

/* Rename peers.sqlite (and its -wal, -journal) to peers.sqlite.<kind>-<t>
 * (".<k>" appended if taken); the -shm index is deleted. dest gets the
 * base name. Returns 0 or an errno. */
static int move_aside(pqnet_store *st, const char *kind, char *dest, size_t cap) {
  uint64_t t = st->cfg.now ? st->cfg.now : (uint64_t)time(NULL);
  char path[PATH_CAP + 64];
  int free_name = 0;
  for (int k = 0; k < 100 && !free_name; k++) {
    if (k == 0)
      snprintf(dest, cap, "%s.%s-%llu", PQNET_STORE_FILE, kind, (unsigned long long)t);
    else
      snprintf(dest, cap, "%s.%s-%llu.%d", PQNET_STORE_FILE, kind, (unsigned long long)t, k);
    snprintf(path, sizeof path, "%s/%s", st->base, dest);
    struct stat sb;
    free_name = lstat(path, &sb) != 0 && errno == ENOENT;
  }
  if (!free_name) return EEXIST; /* never overwrite an earlier one */
  if (rename(st->db_path, path) != 0) return errno;
  static const char *const sfx[] = {"-wal", "-journal"};
  for (size_t i = 0; i < 2; i++) {
    char from[PATH_CAP + 16], to[PATH_CAP + 80];
    snprintf(from, sizeof from, "%s%s", st->db_path, sfx[i]);
    snprintf(to, sizeof to, "%s%s", path, sfx[i]);
    if (rename(from, to) != 0 && errno != ENOENT) unlink(from);
  }
  char shm[PATH_CAP + 16];
  snprintf(shm, sizeof shm, "%s-shm", st->db_path);
  unlink(shm);
  return 0;
}

static void load_bans(pqnet_store *st);

static int open_database(pqnet_store *st) {
  for (int attempt = 0; attempt < 3; attempt++) {
    open_result r;
    memset(&r, 0, sizeof r);
    int res = try_open(st, &r);
    if (res == OPEN_OK) break;
    close_db(st);
    if (res == OPEN_NOMEM) return PQNET_ERR_NOMEM;
    if (res == OPEN_DEGRADE) return 0;
    const char *kind = r.kind == BAD_NEWER ? "newer" : "corrupt";
    const char *what = r.kind == BAD_CORRUPT   ? "was corrupt"
                       : r.kind == BAD_FOREIGN ? "belongs to something else"
                                               : "is from a newer version";
    char dest[256];
    int e = move_aside(st, kind, dest, sizeof dest);
    if (e) {
      degrade(st, "%s %s (%s) and could not be moved aside (%s)", PQNET_STORE_FILE, what, r.detail,
              strerror(e));
      return 0;
    }
    note(st, PQNET_STORE_LOG_WARN, "%s %s (%s); moved aside to %s; starting with an empty store",
         PQNET_STORE_FILE, what, r.detail, dest);
  }
  if (!st->db) {
    degrade(st, "cannot create a usable %s", PQNET_STORE_FILE);
    return 0;
  }

  if (!st->cfg.no_checkpoint_thread) {
    /* Checkpoints leave the caller's thread: our hook replaces SQLite's
     * inline auto-checkpoint and wakes the helper instead. */
    int rc = db_connect(st->db_path, &st->ck.db, st->cfg.busy_timeout_ms);
    if (rc == SQLITE_OK)
      rc = sqlite3_exec(st->ck.db,
                        st->cfg.synchronous_full ? "PRAGMA synchronous = FULL"
                                                 : "PRAGMA synchronous = NORMAL",
                        NULL, NULL, NULL);
    if (rc == SQLITE_OK && pthread_create(&st->ck.th, NULL, ckpt_main, &st->ck) == 0) {
      st->ck.running = 1;
      sqlite3_wal_hook(st->db, wal_hook, st);
      /* Every checkpoint now runs on the helper's connection, with its sync
       * level. With NORMAL our own connection would still fsync the WAL
       * header each time it restarts the log after a checkpoint, in the
       * caller's thread; OFF drops exactly that. Commits reach the kernel
       * before COMMIT returns either way (docs/store.md, crash safety). */
      if (!st->cfg.synchronous_full)
        sqlite3_exec(st->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    } else {
      logf_(st, PQNET_STORE_LOG_WARN,
            "peer store: no checkpoint thread (%s); checkpointing inline path=%s",
            sqlite3_errstr(rc), st->db_path);
      if (st->ck.db) sqlite3_close_v2(st->ck.db);
      st->ck.db = NULL;
    }
  }
  load_bans(st);
  return 0;
}

/* ---- lifecycle --------------------------------------------------------------------- */

int pqnet_store_open(const char *base_path, const pqnet_store_config *cfg, pqnet_store **out,
                     char *why, size_t whycap) {
  if (why && whycap) why[0] = 0;
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!base_path || !*base_path || strlen(base_path) > BASE_MAX) return PQNET_ERR_INVALID_ARG;
  pqnet_store_config c;
  memset(&c, 0, sizeof c);
  if (cfg) c = *cfg;
  if ((c.synchronous_full != 0 && c.synchronous_full != 1) ||
      (c.no_checkpoint_thread != 0 && c.no_checkpoint_thread != 1) ||
      c.queue_max > PQNET_STORE_QUEUE_MAX || c.busy_timeout_ms > 60000 ||
      c.checkpoint_frames > 1000000)
    return PQNET_ERR_INVALID_ARG;
  if (!c.rng) c.rng = pqnet_rng_system();
  if (!c.busy_timeout_ms) c.busy_timeout_ms = 100;
  if (!c.queue_max) c.queue_max = PQNET_STORE_QUEUE_MAX;
  if (!c.checkpoint_frames) c.checkpoint_frames = PQNET_STORE_CHECKPOINT_FRAMES;
  if (!c.flush_budget_us) c.flush_budget_us = PQNET_STORE_FLUSH_BUDGET_US;

  pqnet_store *st = calloc(1, sizeof *st);
  if (!st) return PQNET_ERR_NOMEM;
  st->cfg = c;
  st->lock_fd = -1;
  st->why = why;
  st->whycap = why ? whycap : 0;
  snprintf(st->base, sizeof st->base, "%s", base_path);
  snprintf(st->db_path, sizeof st->db_path, "%s/%s", base_path, PQNET_STORE_FILE);
  snprintf(st->lock_path, sizeof st->lock_path, "%s/%s", base_path, PQNET_STORE_LOCK_FILE);
  if (pthread_mutex_init(&st->ck.mu, NULL) != 0) {
    free(st);
    return PQNET_ERR_NOMEM;
  }
  if (pthread_cond_init(&st->ck.cv, NULL) != 0) {
    pthread_mutex_destroy(&st->ck.mu);
    free(st);
    return PQNET_ERR_NOMEM;
  }
  st->ck_init = 1;

  int rc = 0;
  struct stat sb;
  if (stat(base_path, &sb) == 0) {
    if (!S_ISDIR(sb.st_mode)) {
      note(st, PQNET_STORE_LOG_ERROR, "the base path %s is not a directory", base_path);
      rc = PQNET_ERR_STATE;
      goto fail;
    }
  } else if (errno == ENOENT) {
    if (mkdir(base_path, 0700) != 0 && errno != EEXIST)
      degrade(st, "cannot create the base path %s (%s)", base_path, strerror(errno));
  } else {
    degrade(st, "cannot reach the base path %s (%s)", base_path, strerror(errno));
  }

  if (!st->degraded) {
    rc = take_lock(st);
    if (rc == PQNET_ERR_STATE) goto fail;
    rc = 0;
  }
  if (!st->degraded) {
    rc = open_database(st);
    if (rc) goto fail;
  }
  st->why = NULL;
  st->whycap = 0;
  if (!st->degraded)
    logf_(st, PQNET_STORE_LOG_INFO,
          "peer store: opened schema=%d bans=%zu checkpoint_thread=%d synchronous=%s path=%s",
          PQNET_STORE_SCHEMA_VERSION, st->nbans, st->ck.running,
          st->cfg.synchronous_full ? "full" : "normal", st->db_path);
  *out = st;
  return 0;

fail:
  st->why = NULL;
  pqnet_store_close(st);
  return rc;
}

void pqnet_store_close(pqnet_store *st) {
  if (!st) return;
  if (!st->degraded && st->db) {
    while (st->qlen && !st->degraded) {
      int n = pqnet_store_flush(st, st->stats.last_flush, st->qlen);
      if (n <= 0) break;
    }
  }
  close_db(st); /* the last connection checkpoints and removes the WAL */
  if (st->lock_fd >= 0) {
    if (ftruncate(st->lock_fd, 0) != 0) { /* a clean shutdown leaves no pid */
    }
    close(st->lock_fd);
  }
  if (st->ck_init) {
    pthread_mutex_destroy(&st->ck.mu);
    pthread_cond_destroy(&st->ck.cv);
  }
  free(st->q);
  free(st->bans);
  pqnet_wipe(st->secret, sizeof st->secret);
  free(st);
}

int pqnet_store_degraded(const pqnet_store *st, const char **why) {
  if (why) *why = st && st->degraded ? st->degraded_why : "";
  return st && st->degraded ? 1 : 0;
}

/* Call at the top of every write: picks up checkpoint-thread failures. */
static int usable(pqnet_store *st) {
  if (st->degraded) return 0;
  ckpt_check(st);
  return !st->degraded && st->db;
}

/* ---- the secret ---------------------------------------------------------------------- */

int pqnet_store_get_secret(pqnet_store *st, uint8_t out[32], int *created) {
  if (created) *created = 0;
  if (!st || !out) return PQNET_ERR_INVALID_ARG;
  if (st->have_secret) {
    memcpy(out, st->secret, 32);
    return 0;
  }
  if (usable(st)) {
    sqlite3_stmt *s = st->stmt[S_META_GET];
    sqlite3_bind_text(s, 1, "secret", -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_BLOB &&
        sqlite3_column_bytes(s, 0) == 32) {
      const void *p = sqlite3_column_blob(s, 0);
      if (p) {
        memcpy(st->secret, p, 32);
        st->have_secret = 1;
      }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (st->have_secret) {
      memcpy(out, st->secret, 32);
      return 0;
    }
  }
  int rc = pqnet_rng_fill(st->cfg.rng, st->secret, 32);
  if (rc) {
    pqnet_wipe(out, 32);
    return PQNET_ERR_RNG;
  }
  st->have_secret = 1;
  memcpy(out, st->secret, 32);
  if (created) *created = 1;
  if (usable(st)) {
    sqlite3_stmt *s = st->stmt[S_META_PUT];
    sqlite3_bind_text(s, 1, "secret", -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, st->secret, 32, SQLITE_STATIC);
    int r = run(s);
    if (r != SQLITE_DONE)
      write_failed(st, r, "saving the secret");
    else
      st->stats.transactions++;
  }
  return 0;
}

/* ---- bans (memory) -------------------------------------------------------------------- */

/* Zero the bits of ip beyond prefix_len. */
static void mask(uint8_t *ip, int len, unsigned prefix_len) {
  for (int i = 0; i < len; i++) {
    int bits = (int)prefix_len - 8 * i;
    if (bits >= 8) continue;
    ip[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
  }
}

static int ban_covers(const pqnet_store_ban_entry *b, const pqnet_addr *a) {
  if (a->family != b->net.family) return 0;
  uint8_t ip[16];
  int len = ip_len(a);
  memcpy(ip, a->ip, (size_t)len);
  mask(ip, len, b->prefix_len);
  return memcmp(ip, b->net.ip, (size_t)len) == 0;
}

static void clean_reason(char *dst, const char *src, size_t len) {
  size_t i = 0;
  for (; src && src[i] && i < PQNET_STORE_REASON_MAX - 1 && i < len; i++) {
    unsigned char ch = (unsigned char)src[i];
    dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
  }
  dst[i] = 0;
}

static int bans_reserve(pqnet_store *st) {
  if (st->nbans < st->bans_cap) return 0;
  size_t cap = st->bans_cap ? st->bans_cap * 2 : 16;
  if (cap > PQNET_STORE_BANS_MAX) cap = PQNET_STORE_BANS_MAX;
  if (cap <= st->nbans) return PQNET_ERR_TOO_LARGE;
  pqnet_store_ban_entry *nb = realloc(st->bans, cap * sizeof *nb);
  if (!nb) return PQNET_ERR_NOMEM;
  st->bans = nb;
  st->bans_cap = cap;
  return 0;
}

static void load_bans(pqnet_store *st) {
  int rc = sqlite3_exec(st->db, "DELETE FROM bans WHERE NOT " BAN_ROW_VALID, NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    write_failed(st, rc, "cleaning bans");
    if (st->degraded) return;
  }
  sqlite3_stmt *s = NULL;
  rc = sqlite3_prepare_v2(st->db, "SELECT net, prefix_len, until, reason FROM bans ORDER BY rowid",
                          -1, &s, NULL);
  if (rc != SQLITE_OK) {
    write_failed(st, rc, "reading bans");
    return;
  }
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (sqlite3_column_type(s, 0) != SQLITE_BLOB) continue;
    const void *p = sqlite3_column_blob(s, 0);
    int n = sqlite3_column_bytes(s, 0);
    sqlite3_int64 pl = sqlite3_column_int64(s, 1);
    uint64_t until;
    if (!p || (n != 4 && n != 16) || pl < 0 || pl > n * 8 || col_u64(s, 2, &until) || !until)
      continue;
    if (bans_reserve(st) != 0) break;
    pqnet_store_ban_entry *b = &st->bans[st->nbans];
    memset(b, 0, sizeof *b);
    b->net.family = n == 4 ? 4 : 6;
    memcpy(b->net.ip, p, (size_t)n);
    mask(b->net.ip, n, (unsigned)pl);
    b->prefix_len = (unsigned)pl;
    b->until = until;
    const unsigned char *t = sqlite3_column_text(s, 3);
    clean_reason(b->reason, (const char *)t, (size_t)sqlite3_column_bytes(s, 3));
    st->nbans++;
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) write_failed(st, rc, "reading bans");
}

static size_t ban_find(const pqnet_store *st, const pqnet_addr *net, unsigned prefix_len) {
  for (size_t i = 0; i < st->nbans; i++)
    if (st->bans[i].prefix_len == prefix_len && st->bans[i].net.family == net->family &&
        memcmp(st->bans[i].net.ip, net->ip, 16) == 0)
      return i;
  return (size_t)-1;
}

/* ---- binding an address row ---------------------------------------------------------------- */

static void bind_addr(sqlite3_stmt *s, int col, const pqnet_addr *a) {
  sqlite3_bind_blob(s, col, a->ip, ip_len(a), SQLITE_TRANSIENT);
  sqlite3_bind_int(s, col + 1, a->port);
}

static void bind_info(sqlite3_stmt *s, const pqnet_addr_info *in, int failure_inc) {
  bind_addr(s, 1, &in->addr);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)in->services);
  sqlite3_bind_int64(s, 4, to_i64(in->first_seen));
  sqlite3_bind_int64(s, 5, to_i64(in->last_seen));
  sqlite3_bind_int64(s, 6, to_i64(in->last_success));
  sqlite3_bind_int64(s, 7, to_i64(in->last_try));
  sqlite3_bind_int64(s, 8, in->attempts);
  sqlite3_bind_int(s, 9, failure_inc);
  if (in->source.family == 4 || in->source.family == 6) {
    sqlite3_bind_blob(s, 10, in->source.ip, ip_len(&in->source), SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 11, in->source.port);
  } else {
    sqlite3_bind_null(s, 10);
    sqlite3_bind_null(s, 11);
  }
  sqlite3_bind_int(s, 12, in->in_tried ? 1 : 0);
  if (in->has_peer_id)
    sqlite3_bind_blob(s, 13, in->peer_id, 32, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(s, 13);
}

/* Row (ip, port, services, first_seen, last_seen, last_success, last_attempt,
 * attempts, source_ip, source_port, tried, peer_id) -> info; -1 if invalid. */
static int row_info(sqlite3_stmt *s, pqnet_addr_info *in) {
  memset(in, 0, sizeof *in);
  uint64_t attempts, tried;
  if (col_addr(s, 0, 1, 1, &in->addr) || sqlite3_column_type(s, 2) != SQLITE_INTEGER ||
      col_u64(s, 3, &in->first_seen) || col_u64(s, 4, &in->last_seen) ||
      col_u64(s, 5, &in->last_success) || col_u64(s, 6, &in->last_try) ||
      col_u64(s, 7, &attempts) || attempts > UINT32_MAX || col_u64(s, 10, &tried) || tried > 1)
    return -1;
  in->services = (uint64_t)sqlite3_column_int64(s, 2);
  in->attempts = (uint32_t)attempts;
  in->in_tried = (int)tried;
  if (sqlite3_column_type(s, 8) != SQLITE_NULL && col_addr(s, 8, 9, 0, &in->source)) return -1;
  int pt = sqlite3_column_type(s, 11);
  if (pt != SQLITE_NULL) {
    const void *p = sqlite3_column_blob(s, 11);
    if (pt != SQLITE_BLOB || sqlite3_column_bytes(s, 11) != 32 || !p) return -1;
    memcpy(in->peer_id, p, 32);
    in->has_peer_id = 1;
  }
  return 0;
}

/* ---- transactions ------------------------------------------------------------------- */

static int tx_begin(pqnet_store *st) {
  return run(st->stmt[S_BEGIN]);
}

static void tx_rollback(pqnet_store *st) {
  if (st->db && !sqlite3_get_autocommit(st->db)) run(st->stmt[S_ROLLBACK]);
}

static int tx_commit(pqnet_store *st) {
  int rc = run(st->stmt[S_COMMIT]);
  if (rc != SQLITE_DONE)
    tx_rollback(st);
  else
    st->stats.transactions++;
  return rc;
}

/* ---- load ----------------------------------------------------------------------------- */

typedef struct key_list {
  uint8_t (*ip)[16];
  int *len, *port;
  size_t n, cap;
} key_list;

static int keys_add(key_list *k, const pqnet_addr *a) {
  if (k->n == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 64;
    uint8_t(*ip)[16] = realloc(k->ip, cap * sizeof *ip);
    if (!ip) return PQNET_ERR_NOMEM;
    k->ip = ip;
    int *len = realloc(k->len, cap * sizeof *len);
    if (!len) return PQNET_ERR_NOMEM;
    k->len = len;
    int *port = realloc(k->port, cap * sizeof *port);
    if (!port) return PQNET_ERR_NOMEM;
    k->port = port;
    k->cap = cap;
  }
  memcpy(k->ip[k->n], a->ip, 16);
  k->len[k->n] = ip_len(a);
  k->port[k->n] = a->port;
  k->n++;
  return 0;
}

static void keys_free(key_list *k) {
  free(k->ip);
  free(k->len);
  free(k->port);
  memset(k, 0, sizeof *k);
}

/* Delete the rows in k (inside the caller's transaction). */
static int keys_delete(pqnet_store *st, const key_list *k, size_t *deleted) {
  sqlite3_stmt *s = st->stmt[S_DELETE_ADDR];
  for (size_t i = 0; i < k->n; i++) {
    sqlite3_bind_blob(s, 1, k->ip[i], k->len[i], SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, k->port[i]);
    int rc = run(s);
    if (rc != SQLITE_DONE) return rc;
    *deleted += (size_t)sqlite3_changes(st->db);
  }
  return SQLITE_DONE;
}

static int exec_count(pqnet_store *st, const char *sql, sqlite3_int64 a, sqlite3_int64 b,
                      size_t *count) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
  if (rc != SQLITE_OK) return rc;
  if (sqlite3_bind_parameter_count(s) >= 1) sqlite3_bind_int64(s, 1, a);
  if (sqlite3_bind_parameter_count(s) >= 2) sqlite3_bind_int64(s, 2, b);
  do rc = sqlite3_step(s);
  while (rc == SQLITE_ROW);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return rc;
  if (count) *count += (size_t)sqlite3_changes(st->db);
  return SQLITE_OK;
}

/* The pruning half of load, one transaction. */
static int load_prune(pqnet_store *st, uint64_t now, size_t max_entries, uint64_t ttl,
                      pqnet_store_load_stats *ls, key_list *banned) {
  int rc = tx_begin(st);
  if (rc != SQLITE_DONE) return rc;
  int64_t n = to_i64(now), t = to_i64(ttl);
  rc = exec_count(st, "DELETE FROM addrs WHERE NOT " ADDR_ROW_VALID, 0, 0, &ls->invalid);
  if (rc == SQLITE_OK)
    rc = exec_count(st,
                    "DELETE FROM addrs WHERE max(last_seen, last_success) = 0"
                    " OR ?1 - max(last_seen, last_success) > ?2",
                    n, t, &ls->pruned_ttl);
  if (rc == SQLITE_OK) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM addrs WHERE (last_success = 0 AND attempts >= %d)"
             " OR (attempts >= %d AND ?1 - last_success > %d)",
             PQNET_ADDRMAN_RETRIES, PQNET_ADDRMAN_MAX_FAILURES, PQNET_ADDRMAN_MIN_FAIL);
    rc = exec_count(st, sql, n, 0, &ls->pruned_failing);
  }
  if (rc == SQLITE_OK)
    rc = exec_count(st, "DELETE FROM bans WHERE until <= ?1", n, 0, &ls->bans_expired);
  /* Rows inside an active ban. */
  size_t active = 0;
  for (size_t i = 0; i < st->nbans; i++) active += st->bans[i].until > now;
  if (rc == SQLITE_OK && active) {
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(st->db, "SELECT ip, port FROM addrs", -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      pqnet_addr a;
      rc = SQLITE_OK;
      if (col_addr(s, 0, 1, 1, &a)) continue;
      if (pqnet_store_is_banned(st, &a, now) && keys_add(banned, &a) != 0) rc = SQLITE_NOMEM;
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) rc = keys_delete(st, banned, &ls->banned);
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc == SQLITE_OK && max_entries) {
    sqlite3_int64 count = 0;
    rc = query_int(st->db, "SELECT count(*) FROM addrs", &count);
    if (rc == SQLITE_OK && (uint64_t)count > max_entries)
      rc = exec_count(st,
                      "DELETE FROM addrs WHERE (ip, port) IN (SELECT ip, port FROM addrs"
                      " ORDER BY tried ASC, attempts DESC, max(last_seen, last_success) ASC,"
                      " ip, port LIMIT ?1)",
                      (sqlite3_int64)((uint64_t)count - max_entries), 0, &ls->pruned_cap);
  }
  if (rc != SQLITE_OK) {
    tx_rollback(st);
    return rc;
  }
  return tx_commit(st);
}

int pqnet_store_load(pqnet_store *st, pqnet_addrman *am, uint64_t now, size_t max_entries,
                     uint64_t ttl_seconds, pqnet_store_load_stats *stats) {
  pqnet_store_load_stats ls;
  memset(&ls, 0, sizeof ls);
  if (stats) *stats = ls;
  if (!st || !am) return PQNET_ERR_INVALID_ARG;
  if (!usable(st)) return 0;
  uint64_t ttl = ttl_seconds ? ttl_seconds : PQNET_ADDRMAN_TTL;

  key_list banned;
  memset(&banned, 0, sizeof banned);
  int rc = load_prune(st, now, max_entries, ttl, &ls, &banned);
  keys_free(&banned);
  if (rc != SQLITE_DONE) {
    memset(&ls, 0, sizeof ls);
    write_failed(st, rc, "pruning");
    if (stats) *stats = ls;
    if (!usable(st)) return 0;
  }
  /* Expired bans leave memory too. */
  size_t w = 0;
  for (size_t i = 0; i < st->nbans; i++)
    if (st->bans[i].until > now) st->bans[w++] = st->bans[i];
  st->nbans = w;

  sqlite3_stmt *s = NULL;
  rc = sqlite3_prepare_v2(st->db,
                          "SELECT ip, port, services, first_seen, last_seen, last_success,"
                          " last_attempt, attempts, source_ip, source_port, tried, peer_id"
                          " FROM addrs ORDER BY tried DESC, last_success DESC, last_seen DESC",
                          -1, &s, NULL);
  int result = 0;
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    pqnet_addr_info in;
    if (row_info(s, &in)) {
      ls.invalid++;
      continue;
    }
    ls.rows++;
    int r = pqnet_addrman_load(am, &in, now);
    pqnet_wipe(&in, sizeof in);
    if (r == 1)
      ls.loaded++;
    else if (r == 0)
      ls.refused++;
    else {
      result = r;
      break;
    }
  }
  sqlite3_finalize(s);
  if (!result && rc != SQLITE_DONE && rc != SQLITE_OK) write_failed(st, rc, "loading");
  if (stats) *stats = ls;
  logf_(st, PQNET_STORE_LOG_INFO,
        "peer store: loaded rows=%zu loaded=%zu refused=%zu invalid=%zu pruned_ttl=%zu "
        "pruned_failing=%zu pruned_cap=%zu banned=%zu bans_expired=%zu",
        ls.rows, ls.loaded, ls.refused, ls.invalid, ls.pruned_ttl, ls.pruned_failing, ls.pruned_cap,
        ls.banned, ls.bans_expired);
  return result;
}

size_t pqnet_store_recent(pqnet_store *st, pqnet_addr *out, size_t max) {
  if (!st || !out || !max || !usable(st)) return 0;
  size_t n = 0;
  for (int pass = 0; pass < 2 && n < max; pass++) {
    sqlite3_stmt *s = st->stmt[pass == 0 ? S_ANCHORS : S_RECENT];
    if (pass == 1) sqlite3_bind_int64(s, 1, (sqlite3_int64)(max + PQNET_STORE_ANCHORS_MAX));
    int rc;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      pqnet_addr a;
      if (col_addr(s, 0, 1, 1, &a)) continue;
      int dup = 0;
      for (size_t i = 0; i < n && !dup; i++) dup = pqnet_addr_equal(&out[i], &a);
      if (!dup) out[n++] = a;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
  return n;
}

/* ---- write-through ----------------------------------------------------------------------- */

/* Forget queued learned entries for addr (same IP when any_port), so a later
 * flush cannot bring back a row that was just deleted. O(queue). */
static void queue_drop(pqnet_store *st, const pqnet_addr *addr, int any_port) {
  size_t w = 0;
  for (size_t i = 0; i < st->qlen; i++) {
    const pqnet_addr_info *e = &st->q[(st->qhead + i) % st->qcap];
    int hit = any_port ? pqnet_addr_same_ip(&e->addr, addr) : pqnet_addr_equal(&e->addr, addr);
    if (!hit) st->q[(st->qhead + w++) % st->qcap] = *e;
  }
  st->qlen = w;
}

static int upsert_one(pqnet_store *st, const pqnet_addr_info *info, int failure_inc,
                      const char *op) {
  if (!st || !info || !addr_valid(&info->addr)) return PQNET_ERR_INVALID_ARG;
  if (!usable(st)) return 0;
  int rc;
  if (failure_inc && failing(info->last_success, info->attempts, info->last_try)) {
    queue_drop(st, &info->addr, 0);
    sqlite3_stmt *s = st->stmt[S_DELETE_ADDR];
    bind_addr(s, 1, &info->addr);
    rc = run(s);
  } else {
    sqlite3_stmt *s = st->stmt[S_UPSERT_FULL];
    bind_info(s, info, failure_inc);
    rc = run(s);
  }
  if (rc != SQLITE_DONE) {
    write_failed(st, rc, op);
    return 0;
  }
  st->stats.rows_written++;
  st->stats.transactions++;
  return 0;
}

int pqnet_store_note_connected(pqnet_store *st, const pqnet_addr_info *info) {
  return upsert_one(st, info, 0, "note_connected");
}

int pqnet_store_note_closed(pqnet_store *st, const pqnet_addr_info *info) {
  return upsert_one(st, info, 0, "note_closed");
}

int pqnet_store_note_failed(pqnet_store *st, const pqnet_addr_info *info) {
  return upsert_one(st, info, 1, "note_failed");
}

int pqnet_store_remove(pqnet_store *st, const pqnet_addr *addr) {
  if (!st || !addr_valid(addr)) return PQNET_ERR_INVALID_ARG;
  if (!usable(st)) return 0;
  queue_drop(st, addr, 0);
  sqlite3_stmt *s = st->stmt[S_DELETE_ADDR];
  bind_addr(s, 1, addr);
  int rc = run(s);
  if (rc != SQLITE_DONE) {
    write_failed(st, rc, "remove");
    return 0;
  }
  st->stats.transactions++;
  return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

/* ---- learned addresses -------------------------------------------------------------------- */

static int queue_grow(pqnet_store *st) {
  size_t cap = st->qcap ? st->qcap * 2 : 256;
  if (cap > st->cfg.queue_max) cap = st->cfg.queue_max;
  if (cap <= st->qcap) return -1;
  pqnet_addr_info *nq = malloc(cap * sizeof *nq);
  if (!nq) return -1;
  for (size_t i = 0; i < st->qlen; i++) nq[i] = st->q[(st->qhead + i) % st->qcap];
  free(st->q);
  st->q = nq;
  st->qcap = cap;
  st->qhead = 0;
  return 0;
}

int pqnet_store_queue_learned(pqnet_store *st, const pqnet_addr_info *v, size_t n) {
  if (!st || (!v && n)) return PQNET_ERR_INVALID_ARG;
  if (!usable(st)) return 0;
  size_t queued = 0;
  for (size_t i = 0; i < n; i++) {
    if (!addr_valid(&v[i].addr)) continue;
    if (st->qlen == st->qcap && queue_grow(st) != 0) {
      st->stats.queue_dropped += 1;
      if (st->stats.queue_dropped == 1 || st->stats.queue_dropped % 10000 == 0)
        logf_(st, PQNET_STORE_LOG_WARN,
              "peer store: learned-address queue full, dropping dropped_total=%llu queue_max=%zu",
              (unsigned long long)st->stats.queue_dropped, st->cfg.queue_max);
      continue;
    }
    st->q[(st->qhead + st->qlen) % st->qcap] = v[i];
    st->qlen++;
    queued++;
  }
  return (int)(queued > INT32_MAX ? INT32_MAX : queued);
}

size_t pqnet_store_pending(const pqnet_store *st) {
  return st ? st->qlen : 0;
}

int pqnet_store_flush(pqnet_store *st, uint64_t now, size_t max_rows) {
  if (!st) return PQNET_ERR_INVALID_ARG;
  if (!usable(st) || !st->qlen) return 0;
  if (!max_rows) max_rows = PQNET_STORE_FLUSH_ROWS;
  size_t n = st->qlen < max_rows ? st->qlen : max_rows;
  uint32_t budget = st->cfg.flush_budget_us;
  uint64_t start = budget != UINT32_MAX ? mono_us() : 0;
  int rc = tx_begin(st);
  sqlite3_stmt *s = st->stmt[S_UPSERT_LEARNED];
  size_t i = 0;
  for (; i < n && rc == SQLITE_DONE; i++) {
    /* The budget covers adding rows; the commit that follows costs about
     * as much again, hence the default of 2 ms for a 5 ms goal. */
    if (budget != UINT32_MAX && i >= 16 && i % 16 == 0 && mono_us() - start > budget) break;
    bind_info(s, &st->q[(st->qhead + i) % st->qcap], 0);
    rc = run(s);
  }
  n = i;
  if (rc == SQLITE_DONE)
    rc = tx_commit(st);
  else
    tx_rollback(st);
  if (rc != SQLITE_DONE) {
    write_failed(st, rc, "flush");
    return 0;
  }
  st->qhead = (st->qhead + n) % st->qcap;
  st->qlen -= n;
  st->stats.rows_written += n;
  st->stats.last_flush = now;
  return (int)n;
}

typedef struct sync_ctx {
  pqnet_store *st;
  uint64_t now;
  int rc;
  size_t n;
} sync_ctx;

static int sync_visit(void *arg, const pqnet_addr_info *info) {
  sync_ctx *c = arg;
  if (!addr_valid(&info->addr)) return 0;
  /* What load would delete anyway is not written (and so swept). */
  if (failing(info->last_success, info->attempts, c->now)) return 0;
  sqlite3_stmt *s = c->st->stmt[S_UPSERT_FULL];
  bind_info(s, info, 0);
  c->rc = run(s);
  if (c->rc != SQLITE_DONE) return 1;
  s = c->st->stmt[S_KEEP_ADD];
  bind_addr(s, 1, &info->addr);
  c->rc = run(s);
  if (c->rc != SQLITE_DONE) return 1;
  c->n++;
  return 0;
}

int pqnet_store_sync_from_addrman(pqnet_store *st, const pqnet_addrman *am, uint64_t now) {
  if (!st || !am) return PQNET_ERR_INVALID_ARG;
  st->qhead = st->qlen = 0; /* am holds what mattered of the queue */
  if (!usable(st)) return 0;
  sync_ctx c = {st, now, SQLITE_DONE, 0};
  int rc = tx_begin(st);
  if (rc == SQLITE_DONE) rc = run(st->stmt[S_KEEP_CLEAR]);
  if (rc == SQLITE_DONE) {
    pqnet_addrman_foreach(am, sync_visit, &c);
    rc = c.rc;
  }
  if (rc == SQLITE_DONE) rc = run(st->stmt[S_KEEP_SWEEP]);
  if (rc == SQLITE_DONE) rc = run(st->stmt[S_KEEP_CLEAR]);
  if (rc == SQLITE_DONE)
    rc = tx_commit(st);
  else
    tx_rollback(st);
  if (rc != SQLITE_DONE) {
    write_failed(st, rc, "sync");
    return 0;
  }
  st->stats.rows_written += c.n;
  return (int)(c.n > INT32_MAX ? INT32_MAX : c.n);
}

int pqnet_store_prune(pqnet_store *st, uint64_t now, uint64_t ttl_seconds, size_t max_visit) {
  if (!st) return PQNET_ERR_INVALID_ARG;
  if (!usable(st) || !max_visit) return 0;
  uint64_t ttl = ttl_seconds ? ttl_seconds : PQNET_ADDRMAN_TTL;
  key_list del;
  memset(&del, 0, sizeof del);
  sqlite3_stmt *s = st->stmt[S_PRUNE_SCAN];
  sqlite3_bind_blob(s, 1, st->cur_ip, st->cur_iplen, SQLITE_TRANSIENT);
  sqlite3_bind_int(s, 2, st->cur_port);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)(max_visit > INT32_MAX ? INT32_MAX : max_visit));
  size_t visited = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    visited++;
    /* Advance the cursor on the raw key, valid or not. */
    if (sqlite3_column_type(s, 0) == SQLITE_BLOB) {
      int n = sqlite3_column_bytes(s, 0);
      const void *p = sqlite3_column_blob(s, 0);
      if (p && n > 0 && n <= 16) {
        memcpy(st->cur_ip, p, (size_t)n);
        st->cur_iplen = n;
        st->cur_port = (int)sqlite3_column_int64(s, 1);
      }
    }
    pqnet_addr a;
    uint64_t seen, succ, att;
    if (col_addr(s, 0, 1, 1, &a) || col_u64(s, 2, &seen) || col_u64(s, 3, &succ) ||
        col_u64(s, 4, &att))
      continue; /* load deletes invalid rows */
    uint64_t last = seen > succ ? seen : succ;
    if (last == 0 || age(now, last) > ttl || failing(succ, att, now))
      if (keys_add(&del, &a) != 0) break; /* delete what we have */
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (visited < max_visit) { /* wrapped: start over next time */
    st->cur_iplen = 0;
    st->cur_port = 0;
  }
  size_t deleted = 0;
  if (rc == SQLITE_DONE && del.n) {
    rc = tx_begin(st);
    if (rc == SQLITE_DONE) rc = keys_delete(st, &del, &deleted);
    if (rc == SQLITE_DONE)
      rc = tx_commit(st);
    else
      tx_rollback(st);
  }
  keys_free(&del);
  if (rc != SQLITE_DONE) {
    write_failed(st, rc, "prune");
    return 0;
  }
  return (int)deleted;
}

/* ---- anchors ------------------------------------------------------------------------------- */

int pqnet_store_set_anchors(pqnet_store *st, const pqnet_addr *v, size_t n) {
  if (!st || (!v && n)) return PQNET_ERR_INVALID_ARG;
  if (!usable(st)) return 0;
  int rc = tx_begin(st);
  if (rc == SQLITE_DONE) rc = run(st->stmt[S_ANCHOR_CLEAR]);
  int kept = 0;
  for (size_t i = 0; i < n && rc == SQLITE_DONE && kept < PQNET_STORE_ANCHORS_MAX; i++) {
    if (!addr_valid(&v[i])) continue;
    int dup = 0;
    for (size_t j = 0; j < i && !dup; j++)
      dup = addr_valid(&v[j]) && pqnet_addr_equal(&v[i], &v[j]);
    if (dup) continue;
    sqlite3_stmt *s = st->stmt[S_ANCHOR_ADD];
    sqlite3_bind_int(s, 1, kept);
    bind_addr(s, 2, &v[i]);
    rc = run(s);
    kept++;
  }
  if (rc == SQLITE_DONE)
    rc = tx_commit(st);
  else
    tx_rollback(st);
  if (rc != SQLITE_DONE) {
    write_failed(st, rc, "set_anchors");
    return 0;
  }
  return kept;
}

/* ---- bans ------------------------------------------------------------------------------------ */

static int ban_key(const pqnet_addr *addr, unsigned prefix_len, pqnet_addr *net) {
  if (!addr || (addr->family != 4 && addr->family != 6)) return PQNET_ERR_INVALID_ARG;
  int len = ip_len(addr);
  if (prefix_len > (unsigned)len * 8) return PQNET_ERR_INVALID_ARG;
  memset(net, 0, sizeof *net);
  net->family = addr->family;
  memcpy(net->ip, addr->ip, (size_t)len);
  mask(net->ip, len, prefix_len);
  return 0;
}

int pqnet_store_ban(pqnet_store *st, const pqnet_addr *addr, unsigned prefix_len, uint64_t until,
                    const char *reason) {
  pqnet_addr net;
  if (!st || !until || ban_key(addr, prefix_len, &net)) return PQNET_ERR_INVALID_ARG;
  size_t i = ban_find(st, &net, prefix_len);
  if (i == (size_t)-1) {
    int rc = bans_reserve(st);
    if (rc) return rc;
    i = st->nbans++;
    memset(&st->bans[i], 0, sizeof st->bans[i]);
    st->bans[i].net = net;
    st->bans[i].prefix_len = prefix_len;
  }
  pqnet_store_ban_entry *b = &st->bans[i];
  b->until = until;
  clean_reason(b->reason, reason ? reason : "", (size_t)-1);
  if (!usable(st)) return 0;
  sqlite3_stmt *s = st->stmt[S_BAN_PUT];
  sqlite3_bind_blob(s, 1, net.ip, ip_len(&net), SQLITE_TRANSIENT);
  sqlite3_bind_int(s, 2, (int)prefix_len);
  sqlite3_bind_int64(s, 3, to_i64(until));
  sqlite3_bind_text(s, 4, b->reason, -1, SQLITE_TRANSIENT);
  int rc = tx_begin(st);
  if (rc == SQLITE_DONE)
    rc = run(s);
  else
    sqlite3_clear_bindings(s);
  if (rc == SQLITE_DONE && prefix_len == (unsigned)ip_len(&net) * 8) {
    /* One address: its rows (any port) go now; networks wait for load. */
    queue_drop(st, &net, 1);
    s = st->stmt[S_DELETE_IP];
    sqlite3_bind_blob(s, 1, net.ip, ip_len(&net), SQLITE_TRANSIENT);
    rc = run(s);
  }
  if (rc == SQLITE_DONE)
    rc = tx_commit(st);
  else
    tx_rollback(st);
  if (rc != SQLITE_DONE) write_failed(st, rc, "ban");
  return 0;
}

int pqnet_store_unban(pqnet_store *st, const pqnet_addr *addr, unsigned prefix_len) {
  pqnet_addr net;
  if (!st || ban_key(addr, prefix_len, &net)) return PQNET_ERR_INVALID_ARG;
  size_t i = ban_find(st, &net, prefix_len);
  if (i == (size_t)-1) return PQNET_ERR_STATE;
  memmove(&st->bans[i], &st->bans[i + 1], (st->nbans - i - 1) * sizeof st->bans[0]);
  st->nbans--;
  if (!usable(st)) return 0;
  sqlite3_stmt *s = st->stmt[S_BAN_DEL];
  sqlite3_bind_blob(s, 1, net.ip, ip_len(&net), SQLITE_TRANSIENT);
  sqlite3_bind_int(s, 2, (int)prefix_len);
  int rc = run(s);
  if (rc != SQLITE_DONE)
    write_failed(st, rc, "unban");
  else
    st->stats.transactions++;
  return 0;
}

int pqnet_store_bans(const pqnet_store *st, uint64_t now, pqnet_store_ban_entry *out, size_t max) {
  if (!st || (!out && max)) return PQNET_ERR_INVALID_ARG;
  size_t n = 0;
  for (size_t i = 0; i < st->nbans; i++) {
    if (st->bans[i].until <= now) continue;
    if (n < max) out[n] = st->bans[i];
    n++;
  }
  return (int)n;
}

int pqnet_store_is_banned(const pqnet_store *st, const pqnet_addr *addr, uint64_t now) {
  if (!st || !addr) return 0;
  for (size_t i = 0; i < st->nbans; i++)
    if (st->bans[i].until > now && ban_covers(&st->bans[i], addr)) return 1;
  return 0;
}

/* ---- introspection --------------------------------------------------------------------------- */

void pqnet_store_get_stats(const pqnet_store *st, pqnet_store_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!st) return;
  *out = st->stats;
  out->queued = st->qlen;
  out->degraded = st->degraded;
  if (st->ck_init) {
    pthread_mutex_t *mu = (pthread_mutex_t *)&st->ck.mu;
    pthread_mutex_lock(mu);
    out->checkpoints = st->ck.count;
    pthread_mutex_unlock(mu);
  }
}
