/*
 * The peer store attached to a node (DESIGN.md §1, §5): what a daemon or an
 * embedder calls so a restarted node comes back to the peers it knew.
 *
 *   start-up   pqnet_node_store_open   lock the base path, open peers.sqlite,
 *                                      put the address manager's secret into
 *                                      the node config (same buckets after a
 *                                      restart)
 *              pqnet_node_new          (the caller)
 *              pqnet_node_store_attach load the rows into the node's address
 *                                      book, restore bans, return the most
 *                                      recent peers (anchors first) to dial
 *   events     the node callbacks below, from the daemon's own callbacks:
 *              sessions write through at once, learned addresses are batched
 *   timer      pqnet_node_store_tick   about once a second: flush a bounded
 *                                      batch; prune now and then
 *   shutdown   pqnet_node_store_close  anchors (open outbound peers), the whole
 *                                      address book, close; the node must still
 *                                      exist
 *
 * Time is the node's clock (Unix milliseconds). Disk trouble never stops the
 * node: the store degrades to memory and says so once in the log.
 */
#ifndef PQNET_STORE_NODE_STORE_H
#define PQNET_STORE_NODE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "pqnet/node.h"

typedef struct pqnet_node_store pqnet_node_store;

/* Open <base_path>/peers.sqlite and fill ncfg's addrman secret. why gets a
 * note for the operator (a file moved aside, the pid holding the lock).
 * Returns 0, PQNET_ERR_STATE (the base path is locked by another live
 * process, or is not a directory), PQNET_ERR_NOMEM, PQNET_ERR_RNG,
 * PQNET_ERR_INVALID_ARG. */
int pqnet_node_store_open(const char *base_path, pqnet_node_config *ncfg,
                          void (*log)(void *ctx, int level, const char *msg), void *log_ctx,
                          uint64_t now_ms, pqnet_node_store **out, char *why, size_t whycap);

/* Load the stored addresses into node's address book (pruning rows older
 * than ttl_days and beyond max_entries), restore the bans, and write up to
 * max_recent most recently connected peers (anchors first) to recent.
 * Returns how many recent peers there are. */
size_t pqnet_node_store_attach(pqnet_node_store *ns, pqnet_node *node, uint64_t now_ms,
                               uint64_t ttl_days, size_t max_entries, pqnet_addr *recent,
                               size_t max_recent);

/* Remember an address the operator named (--peer): into the address book
 * and the store. */
void pqnet_node_store_remember(pqnet_node_store *ns, const pqnet_addr *addr, uint64_t now_ms);

/* Node events (call from the matching pqnet_node_callbacks). */
void pqnet_node_store_peer_connected(pqnet_node_store *ns, const pqnet_peer_info *peer);
void pqnet_node_store_peer_disconnected(pqnet_node_store *ns, const pqnet_peer_info *peer);
void pqnet_node_store_learned(pqnet_node_store *ns, const struct pqnet_addr_info *v, size_t n);
void pqnet_node_store_banned(pqnet_node_store *ns, const pqnet_ban *ban);
void pqnet_node_store_unbanned(pqnet_node_store *ns, const pqnet_addr *addr, unsigned prefix_len);

/* Timer work: flush queued rows (bounded), prune once a minute. */
void pqnet_node_store_tick(pqnet_node_store *ns, uint64_t now_ms);

/* Rows waiting for the next flush, and whether the store runs in memory. */
size_t pqnet_node_store_pending(const pqnet_node_store *ns);
int pqnet_node_store_degraded(const pqnet_node_store *ns);

/* Record the open outbound peers as anchors: call it before the node's
 * sessions are closed for shutdown (close does it otherwise). */
void pqnet_node_store_save_anchors(pqnet_node_store *ns);

/* Save anchors (unless saved already) and the address book, close. NULL is
 * a no-op. */
void pqnet_node_store_close(pqnet_node_store *ns, uint64_t now_ms);

#endif
