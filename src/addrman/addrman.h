/*
 * The address manager: which peers this node knows of, which it has talked
 * to, and which one to dial next. Modelled on Bitcoin Core's addrman
 * (src/addrman.h), written from scratch; docs/addrman.md has the parameter
 * table and the reasoning.
 *
 * DESIGN GOALS
 *   - Remember many addresses (tens of thousands) in bounded memory, with no
 *     operation slower than O(bucket size): no scans of the whole table on
 *     any path except pqnet_addrman_check (a test aid) and foreach.
 *   - Keep the view of the network diverse, so the peers we dial are not all
 *     run by one operator, and keep addresses that worked in the past.
 *   - Be deterministic: no clock (every call takes `now`, seconds since the
 *     Unix epoch), no randomness except the injected pqnet_rng, so a simulator
 *     seed replays a run exactly.
 *   - Survive restarts: the peer store saves every entry (foreach) and loads
 *     it back (load) into the same buckets.
 *
 * THE ATTACKER
 *   Someone who controls many IP addresses, but in few network groups (/16
 *   for IPv4, /32 for IPv6: one hosting provider, one ISP block), connects to
 *   us from some of them and sends as many Addrs messages as it likes, with
 *   any content: its own addresses, made-up ones, future or ancient
 *   timestamps. Its aim is an eclipse: to fill our tables so that every
 *   peer we dial is one of its nodes, or to flush out the honest addresses we
 *   already know. The defences:
 *     1. Two tables. "new" holds addresses we were told about; "tried" holds
 *        addresses we completed a handshake with. Only our own successful
 *        connections move an address to tried, and selection takes from
 *        tried half of the time, so gossip alone cannot take over tried.
 *     2. Fixed buckets of fixed slots. Where an entry may live is a keyed
 *        hash (SHA-256 under a 32-byte per-node secret the attacker never
 *        sees) of network groups, so the attacker cannot aim at a slot:
 *          new:   the bucket is chosen by (address group, source group),
 *                 and the addresses from any one source group can reach at
 *                 most new_buckets_per_source_group buckets (1/16 of the
 *                 table by default) whatever they contain;
 *          tried: the addresses of any one group can reach at most
 *                 tried_buckets_per_group buckets (1/32 of the table).
 *        The slot within the bucket is a keyed hash of the full address.
 *     3. Incumbents win. A new-table slot held by a healthy entry is not
 *        overwritten; only "terrible" entries (too old, failing, timestamp
 *        in the future) and duplicate references are. A tried slot held by a
 *        peer that still answers is not given up (test-before-evict).
 *     4. Bounded growth: an address occupies at most
 *        PQNET_ADDRMAN_NEW_REFS_MAX new slots, each extra reference is twice
 *        as hard to get as the previous, and max_entries caps the total.
 *     5. Selection picks a random non-empty bucket first, then a slot in it,
 *        so an attacker crammed into its few buckets gets the chance of those
 *        buckets, not the chance of its many entries.
 *
 * PRIVACY
 *   pqnet_addrman_good does not refresh last_seen, and
 *   pqnet_addrman_connected refreshes it at most every 20 minutes: last_seen
 *   is what we relay to others (pqnet_addrman_sample), and precise times
 *   would tell them whom we are connected to right now. The source of an
 *   entry and its attempt counters are local knowledge; callers must not
 *   relay them.
 *
 * ERRORS AND OWNERSHIP
 *   Functions return 0 (or a count) on success and a negative PQNET_ERR_*
 *   code on failure, as listed on each. PQNET_ERR_NOMEM leaves the object
 *   consistent (growth happens before any change). PQNET_ERR_CRYPTO (the
 *   SHA-256 of libcrypto failed) latches: the object must be freed, and every
 *   later call returns it. The addrman copies the secret and the config; it
 *   borrows the rng, which must outlive it. Output structs are copies the
 *   caller owns. Not thread-safe: one caller at a time.
 */
#ifndef PQNET_ADDRMAN_H
#define PQNET_ADDRMAN_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/addr.h"
#include "pqnet/rng.h"

/* ---- parameters (docs/addrman.md explains each number) ------------------ */

/* Table geometry defaults: Bitcoin's 1024 x 64 new and 256 x 64 tried.
 * Memory for the slot arrays is 4 bytes a slot: 320 KiB in all. A simulator
 * running thousands of nodes in one process passes smaller numbers in the
 * config; tests use 64 x 16 and 16 x 16. */
#define PQNET_ADDRMAN_NEW_BUCKETS   1024
#define PQNET_ADDRMAN_TRIED_BUCKETS 256
#define PQNET_ADDRMAN_BUCKET_SIZE   64
/* Upper limits accepted in a config. */
#define PQNET_ADDRMAN_BUCKETS_LIMIT     65536
#define PQNET_ADDRMAN_BUCKET_SIZE_LIMIT 256
/* Default spread: the addresses learned from one source group reach at most
 * new_buckets / 16 new buckets (64 of 1024), the addresses of one group at
 * most tried_buckets / 32 tried buckets (8 of 256). */
#define PQNET_ADDRMAN_NEW_SOURCE_SPREAD_DIV  16
#define PQNET_ADDRMAN_TRIED_GROUP_SPREAD_DIV 32
/* An address is referenced from at most this many new buckets. */
#define PQNET_ADDRMAN_NEW_REFS_MAX 8
/* Default cap on entries (new + tried); tables hold 81,920 slots. */
#define PQNET_ADDRMAN_MAX_ENTRIES 65536
/* Entries not seen for this long are terrible, never relayed, pruned. */
#define PQNET_ADDRMAN_TTL (14 * 24 * 3600)
/* A never-connected address is terrible after this many failures ... */
#define PQNET_ADDRMAN_RETRIES 3
/* ... a once-good one after this many with no success for MIN_FAIL. */
#define PQNET_ADDRMAN_MAX_FAILURES 10
#define PQNET_ADDRMAN_MIN_FAIL     (7 * 24 * 3600)
/* Timestamps this far ahead of now are in the future. */
#define PQNET_ADDRMAN_FUTURE_SLACK 600
/* A missing or future timestamp in gossip is replaced by now - 5 days. */
#define PQNET_ADDRMAN_BAD_TIME_AGE (5 * 24 * 3600)
/* Gossiped timestamps lose this much unless the address is its source's own. */
#define PQNET_ADDRMAN_TIME_PENALTY (2 * 3600)
/* Test-before-evict: a tried incumbent that succeeded this recently stays;
 * at most COLLISIONS_MAX pending collisions; a collision not resolved within
 * TEST_WINDOW of the newcomer's success evicts the incumbent. */
#define PQNET_ADDRMAN_REPLACEMENT    (4 * 3600)
#define PQNET_ADDRMAN_COLLISIONS_MAX 10
#define PQNET_ADDRMAN_TEST_WINDOW    (40 * 60)
#define PQNET_ADDRMAN_TEST_GRACE     60 /* seconds a test dial gets to answer */
/* last_seen refresh granularity of pqnet_addrman_connected. */
#define PQNET_ADDRMAN_CONNECTED_INTERVAL (20 * 60)
/* Selection: a try within this long cuts the chance to 1 %; each failure
 * multiplies it by 0.66 (at most 8 times). */
#define PQNET_ADDRMAN_RECENT_TRY 600
/* Backoff after n consecutive failures: base << (n - 1), capped. */
#define PQNET_ADDRMAN_BACKOFF_BASE 30
#define PQNET_ADDRMAN_BACKOFF_MAX  (6 * 3600)
/* Bucket draws per pqnet_addrman_select call before it gives up. */
#define PQNET_ADDRMAN_SELECT_TRIES 256
/* pqnet_addrman_sample looks at most at 4 * wanted + this many entries. */
#define PQNET_ADDRMAN_SAMPLE_SLACK 64

/* Distinct pqnet_addrman_check codes, one per invariant (not PQNET_ERR_*). */
enum pqnet_addrman_check_code {
  PQNET_ADDRMAN_CHECK_COUNTS = -101,      /* n_new + n_tried != live entries */
  PQNET_ADDRMAN_CHECK_RANDOM = -102,      /* random vector and entries disagree */
  PQNET_ADDRMAN_CHECK_MAP = -103,         /* address map misses or mislinks an entry */
  PQNET_ADDRMAN_CHECK_TRIED_SLOT = -104,  /* tried entry not at its computed slot */
  PQNET_ADDRMAN_CHECK_TRIED_REFS = -105,  /* tried entry has new references */
  PQNET_ADDRMAN_CHECK_NEW_REFS = -106,    /* new entry with 0 or too many refs */
  PQNET_ADDRMAN_CHECK_NEW_SLOT = -107,    /* a new ref is not at its computed slot */
  PQNET_ADDRMAN_CHECK_SLOT_OWNER = -108,  /* a slot names a dead entry or one without the ref */
  PQNET_ADDRMAN_CHECK_SLOT_COUNT = -109,  /* occupied slots != references */
  PQNET_ADDRMAN_CHECK_BUCKET_FILL = -110, /* per-bucket counters or non-empty lists wrong */
  PQNET_ADDRMAN_CHECK_COLLISION = -111,   /* collision set names a dead or tried entry */
  PQNET_ADDRMAN_CHECK_POLICY = -112,      /* an entry the policy forbids */
  PQNET_ADDRMAN_CHECK_CAP = -113,         /* more entries than max_entries */
  PQNET_ADDRMAN_CHECK_SOURCE = -114,      /* first ref does not match the entry's source */
};

/* ---- types ------------------------------------------------------------------ */

/*
 * One address and what we know about it: what the peer store persists, what
 * select and sample return. All times are Unix seconds; 0 means never.
 */
typedef struct pqnet_addr_info {
  pqnet_addr addr;       /* the peer's listening address */
  pqnet_addr source;     /* who told us (family 0: we found it ourselves) */
  uint64_t services;     /* service bits, OR-ed over announcements */
  uint64_t last_seen;    /* when the peer was last known to be up (relayed) */
  uint64_t first_seen;   /* when we first learned the address */
  uint64_t last_success; /* last completed handshake */
  uint64_t last_try;     /* last dial attempt */
  uint32_t attempts;     /* failed dials since the last success */
  int in_tried;          /* 1 in the tried table, 0 in new */
  int has_peer_id;       /* peer_id is valid */
  uint8_t peer_id[32];   /* last PeerId seen at this address */
} pqnet_addr_info;

typedef struct pqnet_addrman_config {
  /* What may be stored (default {0, 0}: routable only). */
  pqnet_addr_policy policy;
  /* Every field below: 0 picks the default named in brackets. */
  uint64_t ttl_seconds;                  /* [PQNET_ADDRMAN_TTL] */
  size_t max_entries;                    /* [PQNET_ADDRMAN_MAX_ENTRIES], at most the slot count */
  uint32_t new_buckets;                  /* [1024], 1..PQNET_ADDRMAN_BUCKETS_LIMIT */
  uint32_t tried_buckets;                /* [256], 1..PQNET_ADDRMAN_BUCKETS_LIMIT */
  uint32_t bucket_size;                  /* [64], 1..PQNET_ADDRMAN_BUCKET_SIZE_LIMIT */
  uint32_t new_buckets_per_source_group; /* [new_buckets / 16, at least 1] */
  uint32_t tried_buckets_per_group;      /* [tried_buckets / 32, at least 1] */
  uint32_t backoff_base_seconds;         /* [PQNET_ADDRMAN_BACKOFF_BASE] */
  uint32_t backoff_max_seconds;          /* [PQNET_ADDRMAN_BACKOFF_MAX] */
  uint32_t select_tries;                 /* [PQNET_ADDRMAN_SELECT_TRIES] */
  /* TEST ONLY: run pqnet_addrman_check after every check_ratio-th changing
   * call and return its code from that call if it fails. 0: never. It
   * costs O(table) each time. */
  uint32_t check_ratio;
  /* Optional allocator (both or neither), so tests can inject failures.
   * realloc_fn(ctx, NULL, n) allocates; free_fn(ctx, NULL) is never called. */
  void *(*realloc_fn)(void *ctx, void *p, size_t n);
  void (*free_fn)(void *ctx, void *p);
  void *alloc_ctx;
  /* TEST ONLY (the simulator's eclipse measurements): 1 turns test-before-
   * evict off, so an address that completes a session takes its tried slot
   * at once and the incumbent goes back to new, as in Bitcoin before 0.12. */
  int no_test_before_evict;
} pqnet_addrman_config;

typedef struct pqnet_addrman pqnet_addrman;

/* ---- lifecycle -------------------------------------------------------------- */

/*
 * Create an empty address manager. cfg may be NULL (all defaults); secret is
 * the node's 32-byte bucket key (kept with the peer store, so a restart keeps
 * the buckets; keep it secret: whoever knows it can aim at our slots); rng is
 * borrowed and must outlive *out. On failure *out is NULL. Returns 0,
 * PQNET_ERR_INVALID_ARG (NULL out, secret or rng; a geometry field out of
 * range; only one allocator hook), PQNET_ERR_NOMEM or PQNET_ERR_CRYPTO.
 */
int pqnet_addrman_new(const pqnet_addrman_config *cfg, const uint8_t secret[32],
                      const pqnet_rng *rng, pqnet_addrman **out);

/* Free everything and wipe the secret. NULL is a no-op. */
void pqnet_addrman_del(pqnet_addrman *am);

/* ---- learning addresses -------------------------------------------------------- */

/*
 * Add n gossiped addresses (an Addrs message, a seed lookup, a --peer flag)
 * heard from source (NULL: found by ourselves). Only addr, services and
 * last_seen of each entry are read. Per entry:
 *   - refused when pqnet_addr_allowed(addr, policy) is 0;
 *   - a last_seen of 0 or more than FUTURE_SLACK ahead becomes now - 5 days;
 *     then, unless addr has the source's own IP, it loses TIME_PENALTY;
 *     an address older than the TTL after that is refused;
 *   - a known address gets services OR-ed and a fresher last_seen (at most
 *     hourly, daily for addresses not seen for a day), and sometimes one
 *     more new-table reference (probability 2^-refs, never when in tried);
 *   - the new-table slot for (address group, source group) is taken when it
 *     is empty, or its holder is terrible, or (for an address not yet in the
 *     table) the slot is one of its holder's secondary references; otherwise
 *     the address is dropped. An entry's first reference, the one derived
 *     from its stored source, is only ever lost together with the entry;
 *   - at max_entries a random terrible (else any) new entry is evicted, from
 *     at most 8 random samples; with only tried entries the address is
 *     dropped.
 * Returns the number of entries that gained a slot (0..n), or
 * PQNET_ERR_INVALID_ARG (am NULL, entries NULL with n > 0), PQNET_ERR_NOMEM,
 * PQNET_ERR_RNG, PQNET_ERR_CRYPTO or a check code (check_ratio).
 * Entries before a failure stay added.
 */
int pqnet_addrman_add(pqnet_addrman *am, const pqnet_addr_info *entries, size_t n,
                      const pqnet_addr *source, uint64_t now);

/* ---- what happened when we dialed ------------------------------------------- */

/*
 * A handshake with addr completed: last_success = last_try = now, attempts
 * = 0, and the entry moves to tried. If its tried slot is held by another
 * entry, the move waits for test-before-evict (see pqnet_addrman_collision).
 * Returns 0 (in tried now, or already), 1 (collision: the entry stays in new
 * and is queued for test-before-evict unless COLLISIONS_MAX are pending),
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_STATE (addr unknown: add it first),
 * PQNET_ERR_NOMEM, PQNET_ERR_CRYPTO or a check code.
 */
int pqnet_addrman_good(pqnet_addrman *am, const pqnet_addr *addr, uint64_t now);

/*
 * We dialed addr: last_try = now and, when count_failure is non-zero,
 * attempts + 1 (saturating). Pass count_failure = 0 when the failure was
 * ours (no network at all, we aborted), so an offline node does not make its
 * whole table terrible. Returns 0, PQNET_ERR_INVALID_ARG, PQNET_ERR_STATE
 * (unknown address), PQNET_ERR_CRYPTO or a check code.
 */
int pqnet_addrman_attempt(pqnet_addrman *am, const pqnet_addr *addr, uint64_t now,
                          int count_failure);

/*
 * The peer at addr is (or was until now) connected: last_seen = now if it is
 * more than 20 minutes old. Call it when a connection closes and
 * periodically for long ones. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_STATE (unknown address), PQNET_ERR_CRYPTO or a check code.
 */
int pqnet_addrman_connected(pqnet_addrman *am, const pqnet_addr *addr, uint64_t now);

/* Replace the service bits (from Hello). Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_STATE (unknown address) or PQNET_ERR_CRYPTO. */
int pqnet_addrman_set_services(pqnet_addrman *am, const pqnet_addr *addr, uint64_t services);

/* Remember the PeerId met at addr (the store persists it). Returns 0,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_STATE (unknown address) or
 * PQNET_ERR_CRYPTO. */
int pqnet_addrman_set_peer_id(pqnet_addrman *am, const pqnet_addr *addr, const uint8_t peer_id[32]);

/* Forget addr entirely (a ban). Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_STATE (unknown address), PQNET_ERR_CRYPTO or a check code. */
int pqnet_addrman_remove(pqnet_addrman *am, const pqnet_addr *addr);

/* Copy the entry for addr into *out. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_STATE (unknown address) or PQNET_ERR_CRYPTO. */
int pqnet_addrman_find(pqnet_addrman *am, const pqnet_addr *addr, pqnet_addr_info *out);

/* ---- choosing and sharing ------------------------------------------------------ */

/* Excluder for select: non-zero means "do not return this address" (ourself,
 * already connected or dialing, banned, its group already has an outbound
 * connection, ...). It must not call back into the addrman. */
typedef int (*pqnet_addrman_exclude_fn)(void *ctx, const pqnet_addr *addr);

/*
 * Choose an address to dial. Each try takes the tried table with probability
 * 1/2 (new only if new_only, or if tried is empty, and vice versa), a random
 * non-empty bucket and a random occupied slot in it, then skips the entry if
 * exclude says so or its backoff has not elapsed, else accepts it with
 * probability min(1, chance * 1.2^try), where chance is 1, times 0.01 if it
 * was tried in the last 10 minutes, times 0.66 per failed attempt (at most
 * 8), times a recency factor from 1 (seen just now) down to 0.5 (seen a TTL
 * ago; floored so fresh attacker timestamps gain at most 2x). Gives up after
 * select_tries tries. No allocation. Returns 0 (*out
 * filled), PQNET_ERR_STATE (nothing selectable: empty, all excluded or
 * backing off, or unlucky), PQNET_ERR_INVALID_ARG or PQNET_ERR_RNG.
 */
int pqnet_addrman_select(pqnet_addrman *am, int new_only, uint64_t now,
                         pqnet_addrman_exclude_fn exclude, void *ctx, pqnet_addr_info *out);

/*
 * A random subset for sharing (the answer to GetAddrs): at most max entries
 * and at most max_pct percent of all entries (0: no percentage cap; callers
 * answering peers should pass 23), no terrible ones. Looks at no more than
 * 4 * wanted + PQNET_ADDRMAN_SAMPLE_SLACK entries, so a table full of
 * terrible entries gives a short answer rather than a slow one. Reorders the
 * internal random vector (a partial shuffle). Returns the number written
 * (0 on NULL arguments or an rng failure).
 */
size_t pqnet_addrman_sample(pqnet_addrman *am, pqnet_addr_info *out, size_t max, unsigned max_pct,
                            uint64_t now);

/* 1 when the backoff after info->attempts consecutive failures has elapsed
 * since info->last_try (always 1 with no failures or if now < last_try);
 * delay = min(backoff_base << (attempts - 1), backoff_max). */
int pqnet_addrman_backoff_ok(const pqnet_addrman *am, const pqnet_addr_info *info, uint64_t now);

/* 1 when info is terrible at now: last_seen (or last_success if later) is 0,
 * more than FUTURE_SLACK ahead or older than the TTL; or never succeeded and
 * RETRIES failures; or MAX_FAILURES failures and no success for MIN_FAIL.
 * An entry tried within the last minute is never terrible. */
int pqnet_addrman_is_terrible(const pqnet_addrman *am, const pqnet_addr_info *info, uint64_t now);

/* ---- test-before-evict ------------------------------------------------------------ */

/*
 * A tried incumbent to test: pick a random pending collision and copy the
 * tried entry that holds the newcomer's slot into *out. The caller dials it
 * (a short-lived "feeler" connection), then reports good or attempt as
 * usual and calls pqnet_addrman_resolve_collisions. Returns 0,
 * PQNET_ERR_STATE (no collision pending, or its slot freed up meanwhile:
 * resolve will simply move the newcomer in), PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_RNG or PQNET_ERR_CRYPTO.
 */
int pqnet_addrman_collision(pqnet_addrman *am, uint64_t now, pqnet_addr_info *out);

/*
 * Settle pending collisions. Per collision: the slot is free -> newcomer
 * moves in; the incumbent succeeded within REPLACEMENT -> it stays, the
 * collision is dropped; the incumbent was tried within REPLACEMENT, more than
 * TEST_GRACE ago, without success -> it is evicted to new and the newcomer
 * moves in; nobody tested the incumbent within TEST_WINDOW of the newcomer's
 * success -> same eviction; otherwise the collision waits. Returns the
 * number of collisions settled, PQNET_ERR_INVALID_ARG, PQNET_ERR_NOMEM,
 * PQNET_ERR_CRYPTO or a check code.
 */
int pqnet_addrman_resolve_collisions(pqnet_addrman *am, uint64_t now);

/* ---- persistence (the peer store) ---------------------------------------------------- */

/* Visitor: return 0 to continue, anything else to stop (foreach returns it). */
typedef int (*pqnet_addrman_visit_fn)(void *ctx, const pqnet_addr_info *info);

/* Visit every entry once, in the internal random order. The callback must
 * not change the addrman. Returns 0, the callback's non-zero value, or
 * PQNET_ERR_INVALID_ARG. */
int pqnet_addrman_foreach(const pqnet_addrman *am, pqnet_addrman_visit_fn cb, void *ctx);

/*
 * Insert one saved entry (a row of the peer store, untrusted). It is
 * refused when the policy forbids addr, addr is already present, in_tried is
 * not 0 or 1, or the entry is expired at now (TTL; see is_terrible). A
 * last_seen in the future is set to now; other fields are kept (attempts
 * included). Tried entries go to their tried slot; if that is taken they go
 * to new. New entries get one reference, at the slot for (address group,
 * group of info->source); if that is held they replace a terrible holder,
 * else are dropped. At max_entries the entry is dropped.
 *
 * THE GUARANTEE: foreach over an addrman A, then load of every visited entry
 * (any order) into a fresh addrman B created with the same secret, policy
 * and geometry, at a `now` at which no entry is expired, gives B the same
 * entries with the same fields, every tried entry in the same tried
 * (bucket, position) as in A, and every new entry with its first reference
 * at the same (bucket, position) as A's first reference. Secondary new
 * references (the same address heard from other source groups) are not
 * saved; B has one reference per new entry. Slots are a function of secret,
 * geometry and groups only, never of insertion order or randomness, which is
 * why this holds; pqnet_addrman_locate reports slots so tests can compare.
 *
 * Returns 1 (loaded), 0 (refused or dropped), PQNET_ERR_INVALID_ARG (NULL),
 * PQNET_ERR_NOMEM, PQNET_ERR_CRYPTO or a check code.
 */
int pqnet_addrman_load(pqnet_addrman *am, const pqnet_addr_info *info, uint64_t now);

/*
 * Incremental TTL pruning: look at up to max_visit entries from where the
 * previous call stopped (round robin), deleting those not seen for longer
 * than the TTL (last_seen and last_success both older). Call it on every
 * discovery tick with a small max_visit. Returns the number deleted,
 * PQNET_ERR_INVALID_ARG, PQNET_ERR_CRYPTO or a check code.
 */
int pqnet_addrman_prune(pqnet_addrman *am, uint64_t now, size_t max_visit);

/* ---- introspection ---------------------------------------------------------------- */

/* Entry counts (either pointer may be NULL). */
void pqnet_addrman_size(const pqnet_addrman *am, size_t *new_count, size_t *tried_count);

/* Bytes allocated by this addrman (struct, tables, entries, map). */
size_t pqnet_addrman_memory(const pqnet_addrman *am);

/* Check every invariant; O(table), for tests and fuzzing. Returns 0, a
 * PQNET_ADDRMAN_CHECK_* code, PQNET_ERR_INVALID_ARG or PQNET_ERR_CRYPTO. */
int pqnet_addrman_check(pqnet_addrman *am);

/*
 * TEST ONLY: where addr lives. *in_tried is set; for a tried entry
 * buckets[0], positions[0] is its slot and *n = 1; for a new entry its
 * references, the first one first, *n = count. Arrays hold
 * PQNET_ADDRMAN_NEW_REFS_MAX. Returns 0, PQNET_ERR_INVALID_ARG,
 * PQNET_ERR_STATE (unknown) or PQNET_ERR_CRYPTO.
 */
int pqnet_addrman_locate(pqnet_addrman *am, const pqnet_addr *addr, int *in_tried,
                         uint32_t buckets[PQNET_ADDRMAN_NEW_REFS_MAX],
                         uint32_t positions[PQNET_ADDRMAN_NEW_REFS_MAX], size_t *n);

/* TEST ONLY: the effective geometry after defaults. */
void pqnet_addrman_geometry(const pqnet_addrman *am, uint32_t *new_buckets, uint32_t *tried_buckets,
                            uint32_t *bucket_size, uint32_t *new_per_source_group,
                            uint32_t *tried_per_group);

#endif /* PQNET_ADDRMAN_H */
