/*
 * The operator HTTP API (DESIGN.md §6): a small server on libevent's evhttp,
 * reading the node and the shell it is given, with a few authenticated
 * endpoints that change state. docs/OPERATIONS.md has examples.
 *
 * Read-only (no token):
 *   GET /                 the status page: one self-contained HTML document
 *                         (inline CSS and JavaScript) that polls the JSON
 *                         endpoints below every 2 s
 *   GET /health           {"status":"ok","peers":N,"uptime_seconds":N,"peer_id":HEX}
 *   GET /p2p/id           {"peer_id":HEX,"listen":"HOST:PORT"|null}
 *   GET /p2p/peers        {"peers":["1.2.3.4:7071","[2001:db8::1]:7071",...],"count":N}
 *                         every address in the address book, sorted
 *   GET /p2p/connections  {"connections":[{"peer_id":HEX,"address":"IP:PORT",
 *                         "direction":"inbound"|"outbound","since":UNIX_S,
 *                         "rtt_ms":N,"bytes_in":N,"bytes_out":N,"user_agent":S,
 *                         "best_height":N,"listen_port":N},...],"count":N}
 *                         open sessions (handshake done), by connection id
 *   GET /p2p/bans         {"bans":[{"address":"10.0.0.0/8"|"1.2.3.4"|"2001:db8::/32",
 *                         "until":UNIX_S,"remaining_seconds":N,"reason":S},...],
 *                         "count":N}, bans still running, sorted by address
 *   GET /metrics          Prometheus text format 0.0.4 (pqnet_p2p_*,
 *                         pqnet_uptime_seconds, pqnet_http_connections, then
 *                         the embedder's lines, see `metrics` below)
 *   GET <extra route>     the embedder's JSON (`routes` below), e.g. /chain/head
 *
 * With the token (Authorization: Bearer <token>; body a JSON object):
 *   POST /p2p/connect     {"address":"IP:PORT"} (port default_port if none):
 *                         dial it. 202 {"status":"dialing","address":S};
 *                         409 already connected, being dialed, or banned
 *   POST /p2p/ban         {"address":"IP" or "IP/PREFIX", "duration_seconds":N
 *                         (1..315360000, default 86400), "reason":S (optional,
 *                         at most 63 printable ASCII bytes)}: ban the address or
 *                         network and disconnect the peers inside it.
 *                         200 {"address":S,"until":UNIX_S,"duration_seconds":N,
 *                         "reason":S}
 *   DELETE /p2p/ban?address=IP or IP/PREFIX (URL-encoded): lift that exact
 *                         ban. 200 {"address":S,"unbanned":true}; 404 no such
 *                         ban. No body: libevent 2.1's server does not read
 *                         DELETE bodies, so one is refused with 400 (and the
 *                         connection closed) rather than misread
 *
 * The token is compared in constant time; a missing or wrong one is 401
 * (WWW-Authenticate: Bearer). An empty token in the config refuses every
 * request that needs one. Browsers cannot send the header cross-origin
 * without a CORS preflight, which this server never grants (OPTIONS is 405).
 *
 * HEAD is answered like GET, without the body. Errors this module writes are
 * JSON {"error":TEXT,"status":N}: 400 bad JSON, a missing or unknown field, a
 * bad value; 401; 404 unknown path; 405 another method (Allow lists the
 * path's methods); 409; 500 internal; 503 too many dials in progress.
 * Requests evhttp itself refuses before they reach this module get evhttp's
 * own short text/html page: 400 for a malformed request line or header or
 * headers over max_headers, 413 for a body over max_body, 501 for a method
 * evhttp does not know (BREW).
 *
 * Limits: request headers and body are capped (max_headers, max_body); a
 * connection idle or slow for timeout_s is closed; at max_connections open
 * HTTP connections the listener stops accepting (the kernel's backlog holds
 * further clients) until one closes. Bind it to 127.0.0.1 (the default in
 * pqnetd): the read-only endpoints have no authentication.
 *
 * Extension hooks, so that code outside the P2P layer (the chain, the peer
 * store) plugs in without this module knowing it:
 *   routes[]   extra GET routes answering JSON written by a callback
 *   metrics    a callback whose Prometheus lines are appended to /metrics
 *   banned, unbanned  told after the API changed the node's ban list, so the
 *              daemon can persist it
 * Text callbacks (pqnet_http_text_fn) follow snprintf: write at most cap
 * bytes (NUL included) into buf and return the length of the whole text; a
 * return >= cap makes the server call again with a buffer that large (up to
 * PQNET_HTTP_TEXT_MAX), a negative one answers 500.
 *
 * Ownership: the event_base and the shell (and the node behind it) are
 * borrowed and must outlive the server, as must every ctx and route path in
 * the config. Delete the server before the shell. Error convention:
 * include/pqnet/error.h.
 */
#ifndef PQNET_IO_HTTP_H
#define PQNET_IO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "io/shell.h"
#include "pqnet/addr.h"
#include "pqnet/node.h"

struct event_base;

#define PQNET_HTTP_TOKEN_LEN  64        /* hex digits of the API token */
#define PQNET_HTTP_MAX_ROUTES 8         /* extra GET routes */
#define PQNET_HTTP_TEXT_MAX   (1 << 20) /* bytes a text callback may produce */

/* See "Text callbacks" above. */
typedef int (*pqnet_http_text_fn)(void *ctx, char *buf, size_t cap);

/* An extra GET (and HEAD) route answering 200 with the JSON text get
 * writes (application/json). path is exact ("/chain/head"), starts with '/'
 * and must not be a built-in path. */
typedef struct pqnet_http_route {
  const char *path;
  pqnet_http_text_fn get;
  void *ctx;
} pqnet_http_route;

typedef struct pqnet_http_config {
  uint8_t peer_id[PQNET_PEER_ID_LEN]; /* this node's PeerId, reported by /health and /p2p/id */
  pqnet_addr listen;                  /* reported by /p2p/id; family 0: the shell's first
                                         listening address */
  size_t max_body;                    /* request body cap in bytes; default 4096 */
  size_t max_headers;                 /* request line + headers cap in bytes; default 8192 */
  unsigned max_connections;           /* open HTTP connections; default 32 */
  unsigned timeout_s;                 /* idle or slow connection timeout; default 10 */
  uint16_t default_port;              /* POST /p2p/connect without a port; default 7071 */
  /* The token the state-changing endpoints require (lower-case hex, NUL
   * terminated); empty: they always answer 401. */
  char token[PQNET_HTTP_TOKEN_LEN + 1];
  /* Optional log sink, as in pqnet_shell_config (one line per request at
   * debug; bans, unbans, dials and refused tokens at info or warn). */
  void (*log)(void *ctx, int level, const char *msg);
  void *log_ctx;
  /* Optional extra GET routes (copied; paths and ctx borrowed). */
  pqnet_http_route routes[PQNET_HTTP_MAX_ROUTES];
  size_t nroutes;
  /* Optional: Prometheus lines appended to /metrics (HELP, TYPE, samples,
   * each line ending in '\n'). Lines of a metric family the server wrote
   * already are dropped, so a name is never described twice. */
  pqnet_http_text_fn metrics;
  void *metrics_ctx;
  /* Optional: a ban the API added to the node (ban->addr has port 0 and its
   * host bits cleared), and one it lifted. Called after the node applied it;
   * the daemon persists bans through these. */
  void (*banned)(void *ctx, const pqnet_ban *ban);
  void (*unbanned)(void *ctx, const pqnet_addr *addr, unsigned prefix_len);
  void *ban_ctx;
} pqnet_http_config;

typedef struct pqnet_http pqnet_http;

/* Fill cfg with the defaults above, a zero PeerId, no token and no hooks. */
void pqnet_http_config_default(pqnet_http_config *cfg);

/* Create a server for the node that sh drives; uptime counts from now. cfg
 * is copied (zero limits take their defaults). Returns 0,
 * PQNET_ERR_INVALID_ARG (NULL base, sh, cfg or out; nroutes over the cap; a
 * route without a callback, or whose path does not start with '/' or is a
 * built-in path), PQNET_ERR_NOMEM. *out is NULL on failure. */
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
