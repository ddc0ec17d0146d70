/*
 * The operator HTTP API (DESIGN.md §6): a small JSON server on libevent's
 * evhttp, reading the node and the shell it is given. It only reads; the
 * endpoints that change state (and their cookie token) come later.
 *
 *   GET /health           {"status":"ok","peers":N,"uptime_seconds":N,"peer_id":HEX}
 *   GET /p2p/id           {"peer_id":HEX,"listen":"HOST:PORT"|null}
 *   GET /p2p/peers        {"peers":["1.2.3.4:7071","[2001:db8::1]:7071",...],"count":N}
 *                         every address in the address book, sorted
 *   GET /p2p/connections  {"connections":[{"peer_id":HEX,"address":"IP:PORT",
 *                         "direction":"inbound"|"outbound","since":UNIX_S,
 *                         "rtt_ms":N,"bytes_in":N,"bytes_out":N,"user_agent":S,
 *                         "best_height":N,"listen_port":N},...],"count":N}
 *                         open sessions (handshake done), by connection id
 *
 * HEAD is answered like GET, without the body. Every response this module
 * writes is JSON (Content-Type: application/json): an unknown path is 404
 * {"error":"not found","status":404}, another method 405 {"error":"method
 * not allowed","status":405} with Allow: GET, HEAD, an internal failure 500.
 * Requests evhttp itself refuses before they reach this module get evhttp's
 * own short text/html page: 400 for a malformed request line or header or
 * headers over max_headers, 413 for a body over max_body, 501 for a method
 * evhttp does not know (BREW).
 *
 * Limits: request headers and body are capped (max_headers, max_body); a
 * connection idle or slow for timeout_s is closed; at max_connections open
 * HTTP connections the listener stops accepting (the kernel's backlog holds
 * further clients) until one closes. Bind it to 127.0.0.1 (the default in
 * pqnetd): the API has no authentication yet.
 *
 * Ownership: the event_base and the shell (and the node behind it) are
 * borrowed and must outlive the server. Delete the server before the shell.
 * Error convention: include/pqnet/error.h.
 */
#ifndef PQNET_IO_HTTP_H
#define PQNET_IO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "io/shell.h"
#include "pqnet/addr.h"
#include "pqnet/node.h"

struct event_base;

typedef struct pqnet_http_config {
  uint8_t peer_id[PQNET_PEER_ID_LEN]; /* this node's PeerId, reported by /health and /p2p/id */
  pqnet_addr listen;                  /* reported by /p2p/id; family 0: the shell's first
                                         listening address */
  size_t max_body;                    /* request body cap in bytes; default 4096 */
  size_t max_headers;                 /* request line + headers cap in bytes; default 8192 */
  unsigned max_connections;           /* open HTTP connections; default 32 */
  unsigned timeout_s;                 /* idle or slow connection timeout; default 10 */
  /* Optional log sink, as in pqnet_shell_config (one line per request at debug). */
  void (*log)(void *ctx, int level, const char *msg);
  void *log_ctx;
} pqnet_http_config;

typedef struct pqnet_http pqnet_http;

/* Fill cfg with the defaults above, a zero PeerId and no log sink. */
void pqnet_http_config_default(pqnet_http_config *cfg);

/* Create a server for the node that sh drives; uptime counts from now. cfg
 * is copied (zero limits take their defaults). Returns 0,
 * PQNET_ERR_INVALID_ARG (NULL base, sh, cfg or out), PQNET_ERR_NOMEM. *out is
 * NULL on failure. */
int pqnet_http_new(struct event_base *base, pqnet_shell *sh, const pqnet_http_config *cfg,
                   pqnet_http **out);

/* Listen on "HOST:PORT" (the first address the host resolves to; blocking
 * getaddrinfo, numeric hosts never touch DNS; port 1..65535).
 * *bound (may be NULL) receives the bound address. One listener per server.
 * Returns 0, PQNET_ERR_INVALID_ARG (NULL), PQNET_ERR_MALFORMED (not
 * HOST:PORT), PQNET_ERR_STATE (already listening), PQNET_ERR_IO (resolution,
 * socket, bind or listen failed; errno is kept), PQNET_ERR_NOMEM. */
int pqnet_http_listen(pqnet_http *h, const char *hostport, pqnet_addr *bound);

/* HTTP connections open now. */
size_t pqnet_http_connections(const pqnet_http *h);

/* Close the listener and every connection, free the server. NULL is a no-op. */
void pqnet_http_del(pqnet_http *h);

#endif /* PQNET_IO_HTTP_H */
