/*
 * Chain persistence: <base_path>/chain.sqlite (docs/chain.md §5).
 *
 *   meta(key TEXT PRIMARY KEY, value)  schema_version 1, network, genesis, tip
 *   blocks(id BLOB PRIMARY KEY, height INTEGER, data BLOB)
 *
 * WAL with synchronous=NORMAL: a committed block survives kill -9. Every
 * row read back is validated like a block from the network (except the
 * future-timestamp rule); a row that fails, or whose parent is missing, is
 * deleted. A file that is not our database (not SQLite, failing
 * quick_check, another application_id, another network or genesis, a newer
 * schema) is moved aside and the chain starts from genesis. A failed write
 * turns persistence off ("degraded") with one error log line; the chain
 * continues in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/chain_impl.h"
#include "pqnet/error.h"

#define CHAIN_DB_FILE        "chain.sqlite"
#define CHAIN_DB_APP_ID      0x50514348 /* "PQCH" */
#define CHAIN_SCHEMA_VERSION 1

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blocks(id BLOB PRIMARY KEY, height INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS blocks_height ON blocks(height);";

static void degrade(pqnet_chain *c, const char *what, int rc) {
  if (c->degraded[0]) return;
  snprintf(c->degraded, sizeof c->degraded, "%s: %s", what,
           c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
  chain_log(c, 0, "chain database disabled, continuing in memory: %s", c->degraded);
}

static void close_db(pqnet_chain *c) {
  sqlite3_finalize(c->st_put);
  sqlite3_finalize(c->st_tip);
  c->st_put = c->st_tip = NULL;
  if (c->db) sqlite3_close(c->db);
  c->db = NULL;
  c->in_txn = 0;
}

static int exec(pqnet_chain *c, const char *sql) {
  return sqlite3_exec(c->db, sql, NULL, NULL, NULL);
}

static int meta_put(pqnet_chain *c, const char *key, const void *v, int len, int is_text) {
  sqlite3_stmt *s;
  int rc = sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &s,
                              NULL);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  if (is_text)
    sqlite3_bind_text(s, 2, v, len, SQLITE_TRANSIENT);
  else
    sqlite3_bind_blob(s, 2, v, len, SQLITE_TRANSIENT);
  rc = sqlite3_step(s);
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The meta value of key copied into out (up to cap bytes); returns its
 * length, or -1 when missing. */
static int meta_get(pqnet_chain *c, const char *key, void *out, int cap, int *is_int,
                    sqlite3_int64 *ival) {
  sqlite3_stmt *s;
  int len = -1;
  if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = ?", -1, &s, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(s) == SQLITE_ROW) {
    int t = sqlite3_column_type(s, 0);
    if (is_int) *is_int = t == SQLITE_INTEGER;
    if (t == SQLITE_INTEGER && ival) *ival = sqlite3_column_int64(s, 0);
    const void *p =
        t == SQLITE_TEXT ? (const void *)sqlite3_column_text(s, 0) : sqlite3_column_blob(s, 0);
    len = sqlite3_column_bytes(s, 0);
    if (len > cap || (len && !p)) {
      len = -2;
    } else if (len) {
      memcpy(out, p, (size_t)len);
    }
  }
  sqlite3_finalize(s);
  return len;
}

enum { OPEN_OK = 0, OPEN_BAD, OPEN_DEGRADE };

/* One attempt at opening the database; on OPEN_BAD, why says what is wrong. */
static int try_open(pqnet_chain *c, const char *path, char *why, size_t cap) {
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == ELOOP || errno == EISDIR) {
      snprintf(why, cap, "not a regular file");
      return OPEN_BAD;
    }
    snprintf(c->degraded, sizeof c->degraded, "cannot open %s: %s", CHAIN_DB_FILE, strerror(errno));
    chain_log(c, 0, "chain database disabled, continuing in memory: %s", c->degraded);
    return OPEN_DEGRADE;
  }
  struct stat sb;
  int regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
  close(fd);
  if (!regular) {
    snprintf(why, cap, "not a regular file");
    return OPEN_BAD;
  }
  int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    degrade(c, "open", rc);
    return OPEN_DEGRADE;
  }
  sqlite3_busy_timeout(c->db, 2000);
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
  sqlite3_limit(c->db, SQLITE_LIMIT_LENGTH, 1 << 20);

  /* Reading the header is the first thing that fails on a file that is not
   * SQLite ("file is not a database"). */
  sqlite3_stmt *s;
  int app_id = 0;
  rc = sqlite3_prepare_v2(c->db, "PRAGMA application_id", -1, &s, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) app_id = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) {
    snprintf(why, cap, "%s", sqlite3_errmsg(c->db));
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) return OPEN_BAD;
    degrade(c, "read", rc);
    return OPEN_DEGRADE;
  }
  int tables = 0;
  rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) tables = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) {
    snprintf(why, cap, "%s", sqlite3_errmsg(c->db));
    return OPEN_BAD;
  }
  int fresh = app_id == 0 && tables == 0;
  if (!fresh && app_id != CHAIN_DB_APP_ID) {
    snprintf(why, cap, "another application's database (application_id 0x%08x)", app_id);
    return OPEN_BAD;
  }
  if (!fresh) {
    char res[64] = "";
    rc = sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &s, NULL);
    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
      const unsigned char *t = sqlite3_column_text(s, 0);
      snprintf(res, sizeof res, "%s", t ? (const char *)t : "");
    }
    sqlite3_finalize(s);
    if (strcmp(res, "ok") != 0) {
      snprintf(why, cap, "quick_check: %s", res[0] ? res : sqlite3_errmsg(c->db));
      return OPEN_BAD;
    }
  }
  rc = exec(c, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  if (rc != SQLITE_OK) {
    snprintf(why, cap, "%s", sqlite3_errmsg(c->db));
    return OPEN_BAD;
  }
  if (fresh) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", CHAIN_DB_APP_ID);
    sqlite3_int64 v = CHAIN_SCHEMA_VERSION;
    rc = exec(c, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK) rc = exec(c, sql);
    if (rc == SQLITE_OK) rc = exec(c, schema_sql);
    if (rc == SQLITE_OK) {
      sqlite3_stmt *m;
      rc = sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &m,
                              NULL);
      if (rc == SQLITE_OK) {
        sqlite3_bind_text(m, 1, "schema_version", -1, SQLITE_STATIC);
        sqlite3_bind_int64(m, 2, v);
        rc = sqlite3_step(m) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_finalize(m);
      }
    }
    if (rc == SQLITE_OK)
      rc = meta_put(c, "network", c->cfg.network, (int)strlen(c->cfg.network), 1);
    if (rc == SQLITE_OK) rc = meta_put(c, "genesis", c->genesis->id, 32, 0);
    if (rc == SQLITE_OK) rc = exec(c, "COMMIT");
    if (rc != SQLITE_OK) {
      exec(c, "ROLLBACK");
      degrade(c, "create", rc);
      return OPEN_DEGRADE;
    }
  } else {
    int is_int = 0;
    sqlite3_int64 ver = 0;
    char net[PQNET_NETWORK_MAX + 1];
    uint8_t gen[32];
    if (meta_get(c, "schema_version", net, sizeof net, &is_int, &ver) < 0 || !is_int) {
      snprintf(why, cap, "no schema version");
      return OPEN_BAD;
    }
    if (ver != CHAIN_SCHEMA_VERSION) {
      snprintf(why, cap, "schema version %lld, this build reads %d", (long long)ver,
               CHAIN_SCHEMA_VERSION);
      return OPEN_BAD;
    }
    memset(net, 0, sizeof net);
    int nlen = meta_get(c, "network", net, PQNET_NETWORK_MAX, NULL, NULL);
    if (nlen < 0 || strcmp(net, c->cfg.network) != 0) {
      snprintf(why, cap, "a chain of another network");
      return OPEN_BAD;
    }
    if (meta_get(c, "genesis", gen, 32, NULL, NULL) != 32 || memcmp(gen, c->genesis->id, 32) != 0) {
      snprintf(why, cap, "another genesis");
      return OPEN_BAD;
    }
    /* The tables must be ours (a damaged schema fails the prepares below). */
  }
  rc = sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO blocks(id, height, data) VALUES(?, ?, ?)",
                          -1, &c->st_put, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO meta(key, value) VALUES('tip', ?)", -1,
                            &c->st_tip, NULL);
  if (rc != SQLITE_OK) {
    snprintf(why, cap, "schema: %s", sqlite3_errmsg(c->db));
    return OPEN_BAD;
  }
  return OPEN_OK;
}

static int move_aside(pqnet_chain *c, const char *path, uint64_t now, char *dest, size_t cap) {
  for (int k = 0; k < 100; k++) {
    struct stat sb;
    if (k == 0)
      snprintf(dest, cap, "%s.corrupt-%llu", path, (unsigned long long)now);
    else
      snprintf(dest, cap, "%s.corrupt-%llu.%d", path, (unsigned long long)now, k);
    if (lstat(dest, &sb) != 0 && errno == ENOENT) break;
  }
  if (rename(path, dest) != 0) return errno;
  char from[4200], to[4210];
  snprintf(from, sizeof from, "%s-wal", path);
  snprintf(to, sizeof to, "%s-wal", dest);
  if (rename(from, to) != 0 && errno != ENOENT) unlink(from);
  snprintf(from, sizeof from, "%s-shm", path);
  unlink(from);
  (void)c;
  return 0;
}

/* Read every block back, in height order, through the normal rules. */
static void load(pqnet_chain *c) {
  sqlite3_stmt *s;
  sqlite3_int64 *bad = NULL;
  size_t nbad = 0, capbad = 0;
  int rc = sqlite3_prepare_v2(
      c->db, "SELECT rowid, id, height, data FROM blocks ORDER BY height, rowid", -1, &s, NULL);
  if (rc != SQLITE_OK) {
    degrade(c, "load", rc);
    return;
  }
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    sqlite3_int64 rowid = sqlite3_column_int64(s, 0);
    int ok = sqlite3_column_type(s, 1) == SQLITE_BLOB && sqlite3_column_bytes(s, 1) == 32 &&
             sqlite3_column_type(s, 2) == SQLITE_INTEGER &&
             sqlite3_column_type(s, 3) == SQLITE_BLOB;
    if (ok) {
      const uint8_t *id = sqlite3_column_blob(s, 1);
      sqlite3_int64 height = sqlite3_column_int64(s, 2);
      const uint8_t *data = sqlite3_column_blob(s, 3);
      int len = sqlite3_column_bytes(s, 3);
      pqnet_chain_result res;
      ok = id && data && len > 0 && chain_add_loaded(c, data, (size_t)len, &res) == 0 &&
           res.status == PQNET_CHAIN_CONNECTED && memcmp(res.id, id, 32) == 0 &&
           (sqlite3_int64)res.height == height;
    }
    if (!ok) {
      if (nbad == capbad) {
        size_t nc = capbad ? capbad * 2 : 64;
        sqlite3_int64 *nb = realloc(bad, nc * sizeof *nb);
        if (!nb) break;
        bad = nb;
        capbad = nc;
      }
      bad[nbad++] = rowid;
    }
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) degrade(c, "load", rc);
  c->stats.load_dropped = nbad;
  if (nbad && !c->degraded[0]) {
    sqlite3_stmt *d;
    rc = exec(c, "BEGIN");
    if (rc == SQLITE_OK)
      rc = sqlite3_prepare_v2(c->db, "DELETE FROM blocks WHERE rowid = ?", -1, &d, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < nbad; i++) {
      sqlite3_bind_int64(d, 1, bad[i]);
      rc = sqlite3_step(d) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
      sqlite3_reset(d);
    }
    if (rc == SQLITE_OK) {
      sqlite3_finalize(d);
      rc = exec(c, "COMMIT");
    }
    if (rc != SQLITE_OK) {
      exec(c, "ROLLBACK");
      degrade(c, "delete invalid rows", rc);
    }
    chain_log(c, 1, "chain database: dropped %zu invalid rows", nbad);
  }
  free(bad);
  /* Among equally heavy tips, keep the one we had. */
  uint8_t tip[32];
  if (meta_get(c, "tip", tip, 32, NULL, NULL) == 32) {
    chain_entry *e = chain_lookup(c, tip);
    if (e && e != c->tip && pqnet_u256_cmp(&e->work, &c->tip->work) == 0) chain_set_tip(c, e, NULL);
  }
}

void chain_db_open(pqnet_chain *c, uint64_t now) {
  char path[4096], why[256];
  int n = snprintf(path, sizeof path, "%s/%s", c->base_path, CHAIN_DB_FILE);
  if (n < 0 || (size_t)n >= sizeof path - 64) {
    snprintf(c->degraded, sizeof c->degraded, "base path too long");
    return;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    why[0] = 0;
    int r = try_open(c, path, why, sizeof why);
    if (r == OPEN_OK) break;
    close_db(c);
    if (r == OPEN_DEGRADE) return;
    char dest[4200];
    int e = move_aside(c, path, now, dest, sizeof dest);
    if (e) {
      snprintf(c->degraded, sizeof c->degraded, "%s is unusable (%s) and could not be moved: %s",
               CHAIN_DB_FILE, why, strerror(e));
      chain_log(c, 0, "chain database disabled, continuing in memory: %s", c->degraded);
      return;
    }
    c->stats.moved_aside = 1;
    chain_log(c, 1, "%s is unusable (%s); moved aside to %s; the chain starts from genesis",
              CHAIN_DB_FILE, why, dest);
  }
  if (!c->db) {
    snprintf(c->degraded, sizeof c->degraded, "cannot create a usable %s", CHAIN_DB_FILE);
    return;
  }
  load(c);
  chain_log(c, 2, "chain loaded blocks=%llu height=%llu", (unsigned long long)c->stats.loaded,
            (unsigned long long)c->tip->hdr.height);
}

void chain_db_close(pqnet_chain *c) {
  if (c->db && c->in_txn && exec(c, "COMMIT") != SQLITE_OK) exec(c, "ROLLBACK");
  close_db(c);
}

static int step_put(pqnet_chain *c, const chain_entry *e, int tip_changed) {
  int rc;
  sqlite3_reset(c->st_put);
  sqlite3_bind_blob(c->st_put, 1, e->id, 32, SQLITE_STATIC);
  sqlite3_bind_int64(c->st_put, 2, (sqlite3_int64)e->hdr.height);
  sqlite3_bind_blob(c->st_put, 3, e->data, (int)e->len, SQLITE_STATIC);
  rc = sqlite3_step(c->st_put);
  sqlite3_reset(c->st_put);
  sqlite3_clear_bindings(c->st_put);
  if (rc != SQLITE_DONE) return rc;
  if (!tip_changed) return SQLITE_OK;
  sqlite3_reset(c->st_tip);
  sqlite3_bind_blob(c->st_tip, 1, c->tip->id, 32, SQLITE_STATIC);
  rc = sqlite3_step(c->st_tip);
  sqlite3_reset(c->st_tip);
  sqlite3_clear_bindings(c->st_tip);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void chain_db_put(pqnet_chain *c, const chain_entry *e, int tip_changed) {
  if (!c->db || c->degraded[0]) return;
  int rc = SQLITE_OK;
  if (!c->in_txn) {
    rc = exec(c, "BEGIN");
    if (rc == SQLITE_OK) c->in_txn = 1;
  }
  if (rc == SQLITE_OK) rc = step_put(c, e, tip_changed);
  if (rc != SQLITE_OK) {
    c->stats.db_errors++;
    degrade(c, "write", rc);
    if (c->in_txn) exec(c, "ROLLBACK");
    c->in_txn = 0;
    return;
  }
  if (c->batch_depth == 0) chain_db_commit(c);
}

void chain_db_begin(pqnet_chain *c) {
  (void)c; /* BEGIN is issued lazily by the first write of the batch */
}

void chain_db_commit(pqnet_chain *c) {
  if (!c->db || !c->in_txn) return;
  c->in_txn = 0;
  int rc = exec(c, "COMMIT");
  if (rc != SQLITE_OK) {
    c->stats.db_errors++;
    degrade(c, "commit", rc);
    exec(c, "ROLLBACK");
    return;
  }
  c->stats.db_writes++;
}
