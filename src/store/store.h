/*
 * The peer store: what the address manager knows, kept across restarts in
 * <base-path>/peers.sqlite (SQLite, WAL). docs/store.md has the schema with
 * every column, the migration policy, the crash-safety argument and the
 * measured figures.
 *
 * WHAT IT KEEPS
 *   - meta: schema version, lowest compatible version, the address manager's
 *     32-byte bucket secret (so a restart rebuilds the same buckets);
 *   - addrs: one row per address (pqnet_addr_info plus a lifetime failure
 *     counter);
 *   - bans: an address or a network, until when, why;
 *   - anchors: the outbound peers we had at shutdown, redialed first.
 *
 * HOW IT WRITES
 *   Connection events are written through at once, one small transaction
 *   each (note_connected / note_closed / note_failed). Learned addresses are
 *   queued in memory (queue_learned) and written in batches by flush, at
 *   most max_rows rows per call in one transaction, so no call holds the
 *   event loop for long: the caller flushes from a 1-second timer. Every
 *   statement is prepared once at open and reused. WAL checkpoints (the
 *   step that fsyncs) run on a helper thread with its own connection, so
 *   the caller's thread never calls fsync (cfg.no_checkpoint_thread turns
 *   this off: SQLite then checkpoints inline after a commit, every 1000
 *   pages, and the committing call waits for it).
 *
 * DURABILITY
 *   A call that returned success has committed its transaction: it survives
 *   kill -9 of the process at any later moment (in WAL mode every committed
 *   frame is handed to the kernel before COMMIT returns, whatever the sync
 *   level). Power loss may lose the last commits but never corrupts the
 *   file: checkpoints, the only step that makes the WAL reusable, fsync
 *   (synchronous=NORMAL on the checkpointing connection). With the
 *   checkpoint thread the caller's connection runs at synchronous=OFF, so
 *   the caller's thread never fsyncs, not even the WAL header when the log
 *   restarts. cfg.synchronous_full gives durability across power loss too
 *   (FULL on both connections: one fsync per commit).
 *
 * ROBUSTNESS
 *   - A corrupt file (not SQLite, fails quick_check, bad meta, missing
 *     tables, triggers or views), a foreign file (a valid SQLite database
 *     with another application_id) or a file written by a newer incompatible
 *     schema is renamed aside (peers.sqlite.corrupt-<time>, or
 *     .newer-<time>) with its -wal and -shm, the note goes to `why` and to
 *     the log, and the store starts empty.
 *   - A read-only, unreadable or full disk (at open or at any later write)
 *     is logged once at error level; the store then runs "degraded": every
 *     write is a no-op that returns success, reads return nothing, bans and
 *     the secret live in memory, and pqnet_store_degraded reports why. The
 *     node keeps running on its in-memory address manager.
 *   - Two processes on one base path: <base-path>/pqnetd.lock is held with
 *     flock(2) and holds the owner's pid. A second opener gets
 *     PQNET_ERR_STATE and a `why` naming the pid. A lock file whose pid is
 *     dead is taken over (also when a descendant of the dead owner inherited
 *     the descriptor and still holds the flock).
 *   - Every row read back is validated (types, lengths, ranges); invalid rows
 *     are deleted and counted, never trusted.
 *
 * TIME, RANDOMNESS, FILES
 *   Every time is Unix seconds passed in by the caller. Two clock reads,
 *   neither of which changes what is stored: pqnet_store_open reads
 *   time() to name a moved-aside file when cfg.now is 0, and
 *   pqnet_store_flush reads CLOCK_MONOTONIC for its time budget
 *   (cfg.flush_budget_us).
 *   Randomness (the secret) comes from cfg.rng. No file outside the base
 *   path is touched (temp_store=MEMORY).
 *
 * ERRORS AND OWNERSHIP
 *   Functions return 0 (or a count) on success and a negative PQNET_ERR_*
 *   code on failure, exactly as listed on each. Disk trouble is not an
 *   error code: it degrades the store (see above). The store copies the
 *   config; cfg.rng and the log context are borrowed and must outlive the
 *   store. Arrays passed in are copied before the call returns. Not
 *   thread-safe: one caller at a time (the checkpoint thread is internal and
 *   never calls back).
 */
#ifndef PQNET_STORE_H
#define PQNET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "addrman/addrman.h"
#include "pqnet/addr.h"
#include "pqnet/rng.h"

/* ---- names and limits ---------------------------------------------------- */

#define PQNET_STORE_FILE      "peers.sqlite"
#define PQNET_STORE_LOCK_FILE "pqnetd.lock"

/* Schema version this build writes, and the lowest version of pqnet able to
 * use a file it wrote (docs/store.md, "Migrations"). */
#define PQNET_STORE_SCHEMA_VERSION 1
#define PQNET_STORE_MIN_COMPATIBLE 1

/* PRAGMA application_id of our files: "PQNS". */
#define PQNET_STORE_APPLICATION_ID 0x50514E53

/* Default max_rows for pqnet_store_flush: one call costs about 2.5 ms of
 * CPU on a 60,000-row table, half the 5 ms budget (docs/store.md has the
 * measurement). At one flush a second that drains 256 rows a second. */
#define PQNET_STORE_FLUSH_ROWS 256
/* Default wall-clock budget of one flush (see flush_budget_us). */
#define PQNET_STORE_FLUSH_BUDGET_US 2000
/* Default and upper cap of the learned-address queue; beyond it new entries
 * are dropped and counted (they are re-learned from gossip). */
#define PQNET_STORE_QUEUE_MAX 65536
/* Default ban length the caller adds to now. */
#define PQNET_STORE_BAN_DEFAULT (24 * 3600)
/* Bans kept (active and expired-but-not-yet-dropped). */
#define PQNET_STORE_BANS_MAX 4096
/* Anchors kept. */
#define PQNET_STORE_ANCHORS_MAX 16
/* Ban reason, including the terminating NUL. */
#define PQNET_STORE_REASON_MAX 128
/* A `why` buffer of this size never truncates. */
#define PQNET_STORE_WHY_MAX 1024
/* WAL frames that wake the checkpoint thread. */
#define PQNET_STORE_CHECKPOINT_FRAMES 1000

/* Log levels, as in pqnet_node_config.log. */
enum {
  PQNET_STORE_LOG_ERROR = 0,
  PQNET_STORE_LOG_WARN = 1,
  PQNET_STORE_LOG_INFO = 2,
  PQNET_STORE_LOG_DEBUG = 3,
};

typedef struct pqnet_store_config {
  /* Draws a new secret (pqnet_store_get_secret). NULL: pqnet_rng_system(). */
  const pqnet_rng *rng;
  /* One log line per event: level (PQNET_STORE_LOG_*), message with
   * key=value fields. NULL: silent. Called only from the caller's thread. */
  void (*log)(void *ctx, int level, const char *msg);
  void *log_ctx;
  /* Unix seconds used to name a moved-aside file. 0: time(NULL), read once,
   * only when a file has to be moved. */
  uint64_t now;
  /* 0 (default): durable across process crashes; no fsync in the caller's
   *    thread (OFF on its connection, NORMAL on the checkpoint thread's;
   *    NORMAL on both without the thread).
   * 1: synchronous=FULL on both (also across power loss; one fsync per
   *    commit). */
  int synchronous_full;
  /* 1: no checkpoint thread; SQLite checkpoints inline after commits. */
  int no_checkpoint_thread;
  /* SQLite busy timeout [100 ms]. Only an outside process (an operator's
   * sqlite3 shell) can make us wait. */
  uint32_t busy_timeout_ms;
  /* Learned-address queue cap [PQNET_STORE_QUEUE_MAX], 1..PQNET_STORE_QUEUE_MAX. */
  size_t queue_max;
  /* WAL frames that trigger a checkpoint [PQNET_STORE_CHECKPOINT_FRAMES],
   * at most 1,000,000. */
  uint32_t checkpoint_frames;
  /* Wall-clock budget of one pqnet_store_flush in microseconds
   * [PQNET_STORE_FLUSH_BUDGET_US]: it stops adding rows once this much time
   * has passed (then commits what it has), so a preempted or slow call
   * stays short. UINT32_MAX: no budget, only max_rows (deterministic; tests
   * use it). */
  uint32_t flush_budget_us;
} pqnet_store_config;

typedef struct pqnet_store pqnet_store;

/* ---- lifecycle ------------------------------------------------------------ */

/*
 * Open (creating the base path, mode 0700, and the file, mode 0600, if
 * missing) <base_path>/peers.sqlite: take the lock, check the file, migrate
 * it forward, prepare every statement, read the bans into memory. cfg may be
 * NULL (defaults). why (may be NULL) receives a human-readable note of
 * anything the operator should know (a file moved aside, a lock taken over,
 * a degraded store, the pid holding the lock), "" when nothing happened;
 * whycap >= PQNET_STORE_WHY_MAX never truncates. The same notes are logged.
 *
 * Returns 0 and *out (free with pqnet_store_close); the store may be
 * degraded (pqnet_store_degraded) when the disk is read-only, unreadable or
 * full. On failure *out is NULL:
 *   PQNET_ERR_INVALID_ARG  out or base_path NULL, base_path empty or longer
 *                          than 3800 bytes, a config field out of range
 *                          (synchronous_full or no_checkpoint_thread not 0/1,
 *                          queue_max, busy_timeout_ms over 60000,
 *                          checkpoint_frames)
 *   PQNET_ERR_STATE        another live process holds the lock (why names
 *                          its pid), or base_path exists and is not a
 *                          directory
 *   PQNET_ERR_NOMEM        allocation failed
 */
int pqnet_store_open(const char *base_path, const pqnet_store_config *cfg, pqnet_store **out,
                     char *why, size_t whycap);

/* Write the queued learned addresses, checkpoint, close the file, release
 * the lock, wipe the secret, free. NULL is a no-op. This is the one call
 * that may take long (all queued rows in one transaction, a full
 * checkpoint): call it at shutdown. */
void pqnet_store_close(pqnet_store *st);

/* 1 when the store runs in memory only (*why, if why is non-NULL, points at
 * the reason, valid until close), else 0 (*why = ""). NULL store: 0. */
int pqnet_store_degraded(const pqnet_store *st, const char **why);

/* ---- the address manager's secret ------------------------------------------ */

/*
 * Copy the 32-byte bucket secret into out. The first call on a store without
 * one draws it from cfg.rng and writes it (a degraded store keeps it in
 * memory); *created (may be NULL) is then 1, else 0. Returns 0,
 * PQNET_ERR_INVALID_ARG (st or out NULL) or PQNET_ERR_RNG (out zeroed).
 */
int pqnet_store_get_secret(pqnet_store *st, uint8_t out[32], int *created);

/* ---- start-up: prune and load ------------------------------------------------ */

typedef struct pqnet_store_load_stats {
  size_t rows;           /* rows read after pruning */
  size_t loaded;         /* accepted by pqnet_addrman_load */
  size_t refused;        /* refused by it (policy, duplicate, slot held, full) */
  size_t invalid;        /* rows that failed validation, deleted */
  size_t pruned_ttl;     /* rows not seen within the TTL, deleted */
  size_t pruned_failing; /* rows the "terrible" failure rule condemns, deleted */
  size_t pruned_cap;     /* rows beyond max_entries, deleted */
  size_t banned;         /* rows inside an active ban, deleted */
  size_t bans_expired;   /* expired bans, deleted */
} pqnet_store_load_stats;

/*
 * Prune, then rebuild am from the rows. In one transaction: delete invalid
 * rows; rows whose last_seen and last_success are both older than
 * ttl_seconds (0: PQNET_ADDRMAN_TTL) before now, or both 0; rows that keep
 * failing (never succeeded and attempts >= PQNET_ADDRMAN_RETRIES, or
 * attempts >= PQNET_ADDRMAN_MAX_FAILURES and no success for
 * PQNET_ADDRMAN_MIN_FAIL); expired bans and rows inside active bans; then,
 * beyond max_entries (0: no cap), the worst rows first: new before tried,
 * more failed attempts first, then oldest max(last_seen, last_success)
 * first. Then every remaining row goes to pqnet_addrman_load, tried rows
 * first, then by last_success and last_seen, newest first, so when two rows
 * want one slot the better one gets it. am should be empty and created with
 * the store's secret; loading a store written from an addrman with the same
 * secret, policy and geometry gives back the same tables and buckets (see
 * pqnet_addrman_load, THE GUARANTEE). st may be NULL. A degraded store loads
 * nothing and returns 0.
 *
 * Returns 0, PQNET_ERR_INVALID_ARG (st or am NULL), or what
 * pqnet_addrman_load returned (PQNET_ERR_NOMEM, PQNET_ERR_CRYPTO, a check
 * code); rows loaded before the failure stay in am.
 */
int pqnet_store_load(pqnet_store *st, pqnet_addrman *am, uint64_t now, size_t max_entries,
                     uint64_t ttl_seconds, pqnet_store_load_stats *stats);

/*
 * Up to max addresses to dial first at start-up: the anchors in their saved
 * order, then addresses that once completed a handshake, most recent
 * last_success first, no duplicates. Returns the number written (0 when
 * degraded or on NULL arguments).
 */
size_t pqnet_store_recent(pqnet_store *st, pqnet_addr *out, size_t max);

/* ---- write-through ------------------------------------------------------------- */

/*
 * Write one address's full state (as pqnet_addrman_find returns it after the
 * event) in one transaction, inserting the row if missing. The row takes
 * every field of info (first_seen only if it is earlier, or the row had
 * none; peer_id only if info has one); the store's own lifetime failure
 * counter is kept.
 *   note_connected: after pqnet_addrman_good (handshake done, outbound);
 *   note_closed:    after pqnet_addrman_connected when the connection ends;
 *   note_failed:    after pqnet_addrman_attempt(..., count_failure = 1); it
 *                   also adds 1 to the failure counter, and deletes the row
 *                   (and any queued entry for it) instead when info fails
 *                   the failure rule of
 *                   pqnet_addrman_is_terrible (never succeeded and attempts
 *                   >= RETRIES, or attempts >= MAX_FAILURES and no success
 *                   within MIN_FAIL of info->last_try), so an address that
 *                   keeps failing is forgotten, not retried after restarts.
 * Returns 0 (written, or nothing to do because the store is degraded or the
 * write just degraded it, or the database was busy: the row is then
 * rewritten by the shutdown sync), or PQNET_ERR_INVALID_ARG (NULL, or
 * info->addr not family 4 or 6 with a non-zero port).
 */
int pqnet_store_note_connected(pqnet_store *st, const pqnet_addr_info *info);
int pqnet_store_note_closed(pqnet_store *st, const pqnet_addr_info *info);
int pqnet_store_note_failed(pqnet_store *st, const pqnet_addr_info *info);

/* Delete the row of addr (port included) and drop it from the learned
 * queue. Returns the number of rows deleted (0 or 1; 0 when degraded) or
 * PQNET_ERR_INVALID_ARG. */
int pqnet_store_remove(pqnet_store *st, const pqnet_addr *addr);

/* ---- learned addresses: queued, written in batches ------------------------------- */

/*
 * Copy n entries into the in-memory queue (nothing is written yet). When a
 * row for the address exists, the write merges without lowering what the
 * store knows: services OR-ed, last_seen and last_try raised, first_seen
 * lowered, a missing source or PeerId filled in; tried, attempts and
 * last_success are left alone (the address manager's own events carry
 * those). Entries with an invalid address are skipped; entries beyond
 * cfg.queue_max are dropped and counted (pqnet_store_stats). A degraded
 * store queues nothing. Returns the number queued (0..n) or
 * PQNET_ERR_INVALID_ARG (st NULL, or v NULL with n > 0).
 */
int pqnet_store_queue_learned(pqnet_store *st, const pqnet_addr_info *v, size_t n);

/* Entries waiting in the queue. */
size_t pqnet_store_pending(const pqnet_store *st);

/*
 * Write at most max_rows queued entries (0: PQNET_STORE_FLUSH_ROWS), oldest
 * first, in one transaction; fewer when cfg.flush_budget_us runs out first
 * (at least 16 rows are written per call). Call it from a 1-second timer;
 * one call then stays under 5 ms (docs/store.md). now is recorded as the
 * last flush time. Returns the number of rows written
 * (committed), 0 when the queue is empty, the store degraded (the queue is
 * then dropped) or the database busy (the rows stay queued), or
 * PQNET_ERR_INVALID_ARG (st NULL).
 */
int pqnet_store_flush(pqnet_store *st, uint64_t now, size_t max_rows);

/*
 * Shutdown: make the table an exact mirror of am in one transaction: write
 * every entry's full state (as note_connected does) and delete rows for
 * addresses am no longer holds (evicted, pruned, removed), and for entries
 * the failure rule condemns at now (load would delete them). The learned
 * queue is discarded (am holds what mattered of it). Takes long for a big
 * table (docs/store.md): not for the event loop. Returns the number of
 * entries written (0 when degraded or when the write failed: the store then
 * says why, see pqnet_store_degraded) or PQNET_ERR_INVALID_ARG (NULL).
 */
int pqnet_store_sync_from_addrman(pqnet_store *st, const pqnet_addrman *am, uint64_t now);

/*
 * Periodic bounded pruning (on the discovery tick): visit up to max_visit
 * rows in key order from where the previous call stopped (wrapping around)
 * and delete those load would prune (TTL, failure rule). O(max_visit log N).
 * ttl_seconds 0: PQNET_ADDRMAN_TTL. Returns the number deleted (0 when
 * degraded) or PQNET_ERR_INVALID_ARG.
 */
int pqnet_store_prune(pqnet_store *st, uint64_t now, uint64_t ttl_seconds, size_t max_visit);

/* ---- anchors --------------------------------------------------------------------- */

/* Replace the anchors with v[0..n) (the current outbound peers, at
 * shutdown), in one transaction. Invalid addresses and duplicates are
 * skipped; at most PQNET_STORE_ANCHORS_MAX are kept. Returns the number
 * kept (0 when degraded) or PQNET_ERR_INVALID_ARG (st NULL, v NULL with
 * n > 0). */
int pqnet_store_set_anchors(pqnet_store *st, const pqnet_addr *v, size_t n);

/* ---- bans -------------------------------------------------------------------------- */

typedef struct pqnet_store_ban_entry {
  pqnet_addr net;                      /* network address (host bits zero), port 0 */
  unsigned prefix_len;                 /* 32 / 128: one address; fewer: a network */
  uint64_t until;                      /* Unix seconds; the ban ends then */
  char reason[PQNET_STORE_REASON_MAX]; /* printable ASCII */
} pqnet_store_ban_entry;

/*
 * Ban addr's network of prefix_len bits (32 for IPv4 or 128 for IPv6: that
 * one address; the port is ignored) until `until` (the caller adds
 * PQNET_STORE_BAN_DEFAULT to now for the default 24 h). Banning the same
 * network again replaces until and reason. reason (NULL: "") is cut to
 * PQNET_STORE_REASON_MAX - 1 bytes, non-printable bytes become '?'. Bans are
 * kept in memory and written through; a degraded store keeps them in memory.
 * A single-address ban also deletes that IP's rows (every port) and queued
 * entries at once; rows inside a network ban are deleted by the next load.
 * Returns 0, PQNET_ERR_INVALID_ARG (NULL st or addr, family not 4 or 6,
 * prefix_len beyond 32 / 128, until 0) or PQNET_ERR_TOO_LARGE
 * (PQNET_STORE_BANS_MAX bans held).
 */
int pqnet_store_ban(pqnet_store *st, const pqnet_addr *addr, unsigned prefix_len, uint64_t until,
                    const char *reason);

/* Lift the ban on exactly (addr's network, prefix_len). Returns 0,
 * PQNET_ERR_INVALID_ARG or PQNET_ERR_STATE (no such ban). */
int pqnet_store_unban(pqnet_store *st, const pqnet_addr *addr, unsigned prefix_len);

/* The bans active at now (until > now), in the order they were made; writes
 * at most max of them to out (out may be NULL when max is 0). Returns the
 * number of active bans (may exceed max) or PQNET_ERR_INVALID_ARG. */
int pqnet_store_bans(const pqnet_store *st, uint64_t now, pqnet_store_ban_entry *out, size_t max);

/* 1 when an active ban at now covers addr, else 0 (also for NULL). */
int pqnet_store_is_banned(const pqnet_store *st, const pqnet_addr *addr, uint64_t now);

/* ---- introspection ------------------------------------------------------------------- */

typedef struct pqnet_store_stats {
  size_t queued;          /* entries waiting in the learned queue */
  uint64_t queue_dropped; /* learned entries dropped because the queue was full */
  uint64_t rows_written;  /* rows written by flush, note_* and sync */
  uint64_t transactions;  /* committed write transactions */
  uint64_t busy;          /* writes skipped because the database was busy */
  uint64_t checkpoints;   /* checkpoints run by the helper thread */
  uint64_t last_flush;    /* now of the last flush that wrote rows */
  int degraded;           /* as pqnet_store_degraded */
} pqnet_store_stats;

/* Fill *out (zeroed for a NULL st). */
void pqnet_store_get_stats(const pqnet_store *st, pqnet_store_stats *out);

#endif /* PQNET_STORE_H */
