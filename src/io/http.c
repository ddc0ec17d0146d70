/*
 * The operator HTTP API (src/io/http.h).
 *
 * Routing is a table of (path, methods, handler), then the embedder's extra
 * GET routes. handle() answers 404, 405 and 401 itself, parses the body of
 * the methods that change state into a JSON object, and calls the handler,
 * which fills a reply (a status and a JSON body, or text with its content
 * type). Every reply goes out through send_reply.
 *
 * Connection cap: evhttp 2.1 has no limit of its own, but it creates each
 * incoming connection's bufferevent through the bevcb hook. make_bev records
 * the new bufferevent in `slots` (holding a reference to it) and activates
 * the `fixup` event, which runs before any I/O callback of the connection:
 * by then evhttp has made the connection object and installed it as the
 * bufferevent's callback argument, so fixup_cb can register evhttp's close
 * callback on it and drop the reference. The close callback removes the slot
 * the moment evhttp frees the connection, whatever the reason (reply sent,
 * client gone, timeout, parse error, server freed), so `nslots` is exactly
 * the number of connections alive. At max_connections the listener is
 * disabled and further clients wait in the kernel's backlog; the close that
 * goes below the cap enables it again. (If evhttp freed the bufferevent
 * before fixup_cb ran, which only an allocation failure can cause, its
 * callbacks are NULL and the slot is dropped.)
 */
#include "io/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrman/addrman.h"
#include "io/http_page.h"
#include "pqnet/error.h"

#define DEFAULT_MAX_BODY        4096
#define DEFAULT_MAX_HEADERS     8192
#define DEFAULT_MAX_CONNECTIONS 32
#define DEFAULT_TIMEOUT_S       10
#define LISTEN_BACKLOG          64
#define HOST_MAX                256
#define DEFAULT_PORT            7071

enum log_level { L_ERROR = 0, L_WARN = 1, L_INFO = 2, L_DEBUG = 3 };

typedef struct conn_slot {
  struct bufferevent *bev; /* identity; dereferenced only while referenced */
  int referenced;          /* make_bev's reference, dropped by fixup_cb */
} conn_slot;

struct pqnet_http {
  struct event_base *base;
  pqnet_shell *sh;
  pqnet_http_config cfg;
  struct evhttp *http;
  struct evconnlistener *lev; /* owned by evhttp once bound */
  struct event *fixup;        /* registers close callbacks (see above) */
  uint64_t started_ms;
  conn_slot *slots; /* connections alive */
  size_t nslots, capslots;
  int paused; /* listener disabled at max_connections */
};

static void http_log(pqnet_http *h, int level, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  if (!h->cfg.log) return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  h->cfg.log(h->cfg.log_ctx, level, buf);
}

/* ---- connection accounting ---- */

static void slot_remove(pqnet_http *h, size_t i) {
  h->slots[i] = h->slots[--h->nslots];
}

static void maybe_resume(pqnet_http *h) {
  if (!h->paused || h->nslots >= h->cfg.max_connections) return;
  h->paused = 0;
  if (h->lev) evconnlistener_enable(h->lev);
  http_log(h, L_INFO, "accepting again connections=%zu", h->nslots);
}

static void conn_closed(struct evhttp_connection *evcon, void *arg) {
  pqnet_http *h = arg;
  const struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
  for (size_t i = 0; i < h->nslots; i++) {
    if (h->slots[i].bev == bev && !h->slots[i].referenced) {
      slot_remove(h, i);
      break;
    }
  }
  maybe_resume(h);
}

static void fixup_cb(evutil_socket_t fd, short what, void *arg) {
  pqnet_http *h = arg;
  (void)fd;
  (void)what;
  for (size_t i = 0; i < h->nslots;) {
    conn_slot *s = &h->slots[i];
    if (!s->referenced) {
      i++;
      continue;
    }
    bufferevent_data_cb readcb = NULL;
    void *cbarg = NULL;
    struct bufferevent *bev = s->bev;
    bufferevent_getcb(bev, &readcb, NULL, NULL, &cbarg);
    s->referenced = 0;
    if (readcb && cbarg) {
      evhttp_connection_set_closecb(cbarg, conn_closed, h); /* cbarg: its evhttp_connection */
      i++;
    } else {
      slot_remove(h, i); /* evhttp already freed it */
    }
    bufferevent_decref(bev);
  }
  maybe_resume(h);
}

/* evhttp's hook for a new incoming connection's bufferevent (evhttp sets
 * the socket on it). Returning NULL makes evhttp create one itself: that
 * connection goes uncounted, but only after an allocation failure. */
static struct bufferevent *make_bev(struct event_base *base, void *arg) {
  pqnet_http *h = arg;
  struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) return NULL;
  if (h->nslots == h->capslots) {
    size_t cap = h->capslots ? 2 * h->capslots : 16;
    conn_slot *v = realloc(h->slots, cap * sizeof *v);
    if (!v) return bev;
    h->slots = v;
    h->capslots = cap;
  }
  bufferevent_incref(bev);
  h->slots[h->nslots++] = (conn_slot){bev, 1};
  event_active(h->fixup, EV_TIMEOUT, 0);
  if (h->nslots >= h->cfg.max_connections && !h->paused && h->lev) {
    h->paused = 1;
    evconnlistener_disable(h->lev);
    http_log(h, L_WARN, "connection limit reached connections=%zu", h->nslots);
  }
  return bev;
}

size_t pqnet_http_connections(const pqnet_http *h) {
  return h ? h->nslots : 0;
}

/* ---- replies ---- */

enum { M_GET = 1, M_POST = 2, M_DELETE = 4 };

/* What a handler answers: a JSON body, or text with its content type. */
typedef struct reply {
  int status;
  json_t *json;          /* owned; JSON answer */
  struct evbuffer *text; /* owned; a non-JSON answer (metrics, the page) */
  const char *ctype;     /* with text */
  const char *allow;     /* with 405 */
  int auth_failed;       /* with 401: WWW-Authenticate */
} reply;

static const char *reason_phrase(int status) {
  switch (status) {
  case 200: return "OK";
  case 202: return "Accepted";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 409: return "Conflict";
  case 503: return "Service Unavailable";
  default: return "Internal Server Error";
  }
}

static json_t *error_body(int status, const char *what) {
  return json_pack("{s:s,s:i}", "error", what, "status", status);
}

/* Set an error answer; the message is printf-formatted. */
static void fail(reply *out, int status, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_decref(out->json);
  out->status = status;
  out->json = error_body(status, msg);
}

/* Send the reply and release it. A HEAD request gets the headers only
 * (evhttp 2.1 would send the body). A JSON answer that cannot be built
 * becomes a fixed 500. */
static void send_reply(struct evhttp_request *req, reply *r) {
  static const char oom[] = "{\"error\":\"internal error\",\"status\":500}\n";
  struct evbuffer *buf = evbuffer_new();
  struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
  char *text = NULL;
  int status = r->status;
  const char *ctype = "application/json";
  if (r->text) {
    ctype = r->ctype;
  } else {
    text = r->json ? json_dumps(r->json, JSON_COMPACT) : NULL;
    if (!text) status = 500;
  }
  evhttp_add_header(hdr, "Content-Type", ctype);
  evhttp_add_header(hdr, "Cache-Control", "no-store");
  evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
  if (r->text && strncmp(ctype, "text/html", 9) == 0) {
    /* The page is self-contained: no script, style or request elsewhere. */
    evhttp_add_header(hdr, "Content-Security-Policy",
                      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                      "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                      "frame-ancestors 'none'");
    evhttp_add_header(hdr, "Referrer-Policy", "no-referrer");
  }
  if (status == 405 && r->allow) evhttp_add_header(hdr, "Allow", r->allow);
  if (status == 401 && r->auth_failed)
    evhttp_add_header(hdr, "WWW-Authenticate", "Bearer realm=\"pqnet\"");
  if (buf && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
    if (r->text) {
      evbuffer_add_buffer(buf, r->text);
    } else if (text) {
      evbuffer_add(buf, text, strlen(text));
      evbuffer_add(buf, "\n", 1);
    } else {
      evbuffer_add(buf, oom, sizeof oom - 1);
    }
  }
  evhttp_send_reply(req, status, reason_phrase(status), buf);
  if (buf) evbuffer_free(buf);
  free(text);
  json_decref(r->json);
  if (r->text) evbuffer_free(r->text);
  r->json = NULL;
  r->text = NULL;
}

/* Call an embedder's text callback (snprintf convention) with a buffer
 * large enough. Returns a malloc'd NUL-terminated text (*len its length) or
 * NULL (callback failed, over PQNET_HTTP_TEXT_MAX, out of memory). */
static char *call_text(pqnet_http_text_fn fn, void *ctx, size_t *len) {
  size_t cap = 4096;
  for (int round = 0; round < 3; round++) {
    char *buf = malloc(cap);
    if (!buf) return NULL;
    int n = fn(ctx, buf, cap);
    if (n >= 0 && (size_t)n < cap) {
      *len = (size_t)n;
      return buf;
    }
    free(buf);
    if (n < 0 || (size_t)n >= PQNET_HTTP_TEXT_MAX) return NULL;
    cap = (size_t)n + 1;
  }
  return NULL;
}

/* ---- endpoints: read-only ---- */

static char *hex_id(const uint8_t id[PQNET_PEER_ID_LEN], char out[2 * PQNET_PEER_ID_LEN + 1]) {
  return pqnet_peer_id_hex(id, out, 2 * PQNET_PEER_ID_LEN + 1);
}

/* A peer-supplied string as printable ASCII ('?' for anything else), so the
 * JSON string is always valid UTF-8. */
static json_t *safe_string(const char *s) {
  char buf[PQNET_USER_AGENT_MAX + 1];
  size_t n = 0;
  for (; s && s[n] && n < sizeof buf - 1; n++)
    buf[n] = (unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f ? s[n] : '?';
  buf[n] = '\0';
  return json_string(buf);
}

static uint64_t uptime_s(const pqnet_http *h) {
  uint64_t now = pqnet_shell_now_ms();
  return now > h->started_ms ? (now - h->started_ms) / 1000 : 0;
}

static void ep_health(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                      reply *out) {
  char hex[2 * PQNET_PEER_ID_LEN + 1];
  pqnet_node *node = pqnet_shell_node(h->sh);
  out->json = json_pack("{s:s,s:I,s:I,s:s}", "status", "ok", "peers",
                        (json_int_t)pqnet_node_peer_count(node, -1), "uptime_seconds",
                        (json_int_t)uptime_s(h), "peer_id", hex_id(h->cfg.peer_id, hex));
}

static void ep_id(pqnet_http *h, struct evhttp_request *req, int method, json_t *body, reply *out) {
  char hex[2 * PQNET_PEER_ID_LEN + 1], a[PQNET_ADDR_STRLEN];
  pqnet_addr listen = h->cfg.listen;
  if (!listen.family && pqnet_shell_listen_addrs(h->sh, &listen, 1) == 0) listen.family = 0;
  json_t *l = listen.family ? json_string(pqnet_addr_format(&listen, a, sizeof a)) : json_null();
  out->json = json_pack("{s:s,s:o}", "peer_id", hex_id(h->cfg.peer_id, hex), "listen", l);
}

typedef struct addr_list {
  char (*v)[PQNET_ADDR_STRLEN];
  size_t n, cap;
  int oom;
} addr_list;

static int collect_addr(void *ctx, const pqnet_addr_info *info) {
  addr_list *l = ctx;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 256;
    void *v = realloc(l->v, cap * sizeof *l->v);
    if (!v) {
      l->oom = 1;
      return 1;
    }
    l->v = v;
    l->cap = cap;
  }
  pqnet_addr_format(&info->addr, l->v[l->n++], PQNET_ADDR_STRLEN);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(a, b);
}

static void ep_peers(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                     reply *out) {
  addr_list l = {NULL, 0, 0, 0};
  struct pqnet_addrman *am = pqnet_node_addrman(pqnet_shell_node(h->sh));
  if (am) pqnet_addrman_foreach(am, collect_addr, &l);
  json_t *arr = l.oom ? NULL : json_array();
  if (arr) {
    qsort(l.v, l.n, sizeof *l.v, cmp_str);
    for (size_t i = 0; i < l.n; i++) {
      if (json_array_append_new(arr, json_string(l.v[i])) != 0) {
        json_decref(arr);
        arr = NULL;
        break;
      }
    }
  }
  if (arr) out->json = json_pack("{s:o,s:I}", "peers", arr, "count", (json_int_t)l.n);
  free(l.v);
}

static json_t *connection_json(const pqnet_peer_info *p) {
  char hex[2 * PQNET_PEER_ID_LEN + 1], a[PQNET_ADDR_STRLEN];
  return json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:I,s:i}", "peer_id", hex_id(p->peer_id, hex),
                   "address", pqnet_addr_format(&p->addr, a, sizeof a), "direction",
                   p->direction == PQNET_OUTBOUND ? "outbound" : "inbound", "since",
                   (json_int_t)(p->since_ms / 1000), "rtt_ms", (json_int_t)p->srtt_ms, "bytes_in",
                   (json_int_t)p->bytes_in, "bytes_out", (json_int_t)p->bytes_out, "user_agent",
                   safe_string(p->user_agent), "best_height", (json_int_t)p->best_height,
                   "listen_port", (int)p->listen_port);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static void ep_connections(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                           reply *out) {
  pqnet_node *node = pqnet_shell_node(h->sh);
  size_t max = pqnet_node_peer_count(node, -1);
  uint64_t *ids = malloc((max ? max : 1) * sizeof *ids);
  json_t *arr = json_array();
  if (!ids || !arr) goto done;
  size_t n = pqnet_node_peers(node, ids, max);
  if (n > max) n = max;
  qsort(ids, n, sizeof *ids, cmp_u64);
  for (size_t i = 0; i < n; i++) {
    pqnet_peer_info info;
    if (pqnet_node_peer_info(node, ids[i], &info) != 0) continue;
    if (json_array_append_new(arr, connection_json(&info)) != 0) goto done;
  }
  out->json = json_pack("{s:O,s:I}", "connections", arr, "count", (json_int_t)json_array_size(arr));
done:
  json_decref(arr);
  free(ids);
}

/* ---- bans: addresses and networks ---- */

static unsigned full_prefix(const pqnet_addr *a) {
  return a->family == 4 ? 32 : 128;
}

/* Clear the bits after prefix_len and the port. */
static void mask_net(pqnet_addr *a, unsigned prefix_len) {
  unsigned len = a->family == 4 ? 4 : 16;
  for (unsigned i = 0; i < len; i++) {
    unsigned lo = i * 8;
    if (lo >= prefix_len)
      a->ip[i] = 0;
    else if (prefix_len - lo < 8)
      a->ip[i] &= (uint8_t)(0xff << (8 - (prefix_len - lo)));
  }
  a->port = 0;
}

/* "1.2.3.4", "10.0.0.0/8", "2001:db8::/32", "[2001:db8::1]", or an
 * address with a port ("1.2.3.4:7071", "[::1]:7071": the port is ignored)
 * into a network with its host bits cleared. Returns 0 or -1. */
static int parse_net(const char *s, pqnet_addr *net, unsigned *prefix_len) {
  char ip[PQNET_ADDR_STRLEN];
  const char *slash = strchr(s, '/');
  size_t iplen = slash ? (size_t)(slash - s) : strlen(s);
  unsigned long prefix = 0;
  uint8_t raw[16];
  int family = 0;
  memset(net, 0, sizeof *net);
  if (iplen == 0 || iplen >= sizeof ip) return -1;
  memcpy(ip, s, iplen);
  ip[iplen] = '\0';
  if (slash) {
    const char *d = slash + 1;
    if (*d < '0' || *d > '9' || strlen(d) > 3) return -1;
    for (; *d; d++) {
      if (*d < '0' || *d > '9') return -1;
      prefix = prefix * 10 + (unsigned long)(*d - '0');
    }
  }
  char *v6 = ip;
  if (ip[0] == '[' && iplen > 2 && ip[iplen - 1] == ']') {
    ip[iplen - 1] = '\0';
    v6 = ip + 1;
  }
  if (v6 == ip && inet_pton(AF_INET, ip, raw) == 1)
    family = 4;
  else if (inet_pton(AF_INET6, v6, raw) == 1)
    family = 6;
  if (family) {
    pqnet_addr_from_bytes(net, raw, family == 4 ? 4 : 16, 0);
    if (slash && net->family != family) return -1; /* ::ffff:a.b.c.d/N: write a.b.c.d/N */
  } else if (slash || pqnet_addr_parse(s, 1, net) != 0) {
    return -1;
  }
  if (!slash) prefix = full_prefix(net);
  if (prefix < 1 || prefix > full_prefix(net)) return -1;
  *prefix_len = (unsigned)prefix;
  mask_net(net, *prefix_len);
  return 0;
}

/* "10.0.0.0/8", or "1.2.3.4" for a single address. */
static char *format_net(const pqnet_addr *net, unsigned prefix_len, char *buf, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  inet_ntop(net->family == 4 ? AF_INET : AF_INET6, net->ip, ip, sizeof ip);
  if (prefix_len == full_prefix(net))
    snprintf(buf, cap, "%s", ip);
  else
    snprintf(buf, cap, "%s/%u", ip, prefix_len);
  return buf;
}

typedef struct ban_row {
  char address[PQNET_ADDR_STRLEN];
  const pqnet_ban *ban;
} ban_row;

static int cmp_ban_row(const void *a, const void *b) {
  return strcmp(((const ban_row *)a)->address, ((const ban_row *)b)->address);
}

static void ep_bans(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                    reply *out) {
  pqnet_node *node = pqnet_shell_node(h->sh);
  uint64_t now = pqnet_shell_now_ms();
  size_t n = pqnet_node_bans(node, NULL, 0);
  pqnet_ban *bans = malloc((n ? n : 1) * sizeof *bans);
  ban_row *rows = malloc((n ? n : 1) * sizeof *rows);
  json_t *arr = json_array();
  size_t k = 0;
  if (!bans || !rows || !arr) goto done;
  n = pqnet_node_bans(node, bans, n);
  for (size_t i = 0; i < n; i++) {
    if (bans[i].until_ms <= now) continue; /* expired, not swept yet */
    format_net(&bans[i].addr, bans[i].prefix_len, rows[k].address, sizeof rows[k].address);
    rows[k++].ban = &bans[i];
  }
  qsort(rows, k, sizeof *rows, cmp_ban_row);
  for (size_t i = 0; i < k; i++) {
    const pqnet_ban *b = rows[i].ban;
    char reason[sizeof b->reason];
    memcpy(reason, b->reason, sizeof reason);
    reason[sizeof reason - 1] = '\0';
    json_t *o =
        json_pack("{s:s,s:I,s:I,s:o}", "address", rows[i].address, "until",
                  (json_int_t)(b->until_ms / 1000), "remaining_seconds",
                  (json_int_t)((b->until_ms - now + 999) / 1000), "reason", safe_string(reason));
    if (json_array_append_new(arr, o) != 0) goto done;
  }
  out->json = json_pack("{s:O,s:I}", "bans", arr, "count", (json_int_t)k);
done:
  json_decref(arr);
  free(rows);
  free(bans);
}

/* ---- endpoints that change state ---- */

/* 0 when every key of body is in allowed (NULL-terminated); else a 400
 * naming the key and the fields allowed. */
static int only_fields(json_t *body, const char *const *allowed, reply *out) {
  const char *key;
  json_t *v;
  json_object_foreach(body, key, v) {
    int ok = 0;
    for (size_t i = 0; allowed[i]; i++) ok |= strcmp(key, allowed[i]) == 0;
    if (!ok) {
      char list[128];
      size_t n = 0;
      list[0] = '\0';
      for (size_t i = 0; allowed[i] && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", allowed[i]);
      fail(out, 400, "unknown field \"%.40s\" (expected %s)", key, list);
      return -1;
    }
  }
  return 0;
}

/* The string field "address", or a 400. */
static const char *address_field(json_t *body, reply *out) {
  json_t *v = body ? json_object_get(body, "address") : NULL;
  if (!v) {
    fail(out, 400, "missing field \"address\"");
    return NULL;
  }
  if (!json_is_string(v)) {
    fail(out, 400, "field \"address\" must be a string");
    return NULL;
  }
  return json_string_value(v);
}

static void ep_connect(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                       reply *out) {
  static const char *const fields[] = {"address", NULL};
  pqnet_node *node = pqnet_shell_node(h->sh);
  char a[PQNET_ADDR_STRLEN];
  pqnet_addr addr;
  if (!body) {
    fail(out, 400, "expected a JSON object {\"address\":\"IP:PORT\"}");
    return;
  }
  if (only_fields(body, fields, out) != 0) return;
  const char *s = address_field(body, out);
  if (!s) return;
  if (pqnet_addr_parse(s, h->cfg.default_port, &addr) != 0) {
    fail(out, 400, "bad address \"%.64s\": expected a numeric IP:PORT, IPv6 as [::1]:7071", s);
    return;
  }
  pqnet_addr_format(&addr, a, sizeof a);
  uint64_t now = pqnet_shell_now_ms();
  if (pqnet_node_is_banned(node, &addr, now)) {
    fail(out, 409, "%s is banned (lift it with DELETE /p2p/ban first)", a);
    return;
  }
  int rc = pqnet_node_dial(node, &addr, now);
  if (rc == PQNET_ERR_STATE) {
    fail(out, 409, "already connected to or dialing %s", a);
    return;
  }
  if (rc == PQNET_ERR_TOO_LARGE) {
    fail(out, 503, "too many dials in progress; try again");
    return;
  }
  if (rc) {
    fail(out, rc == PQNET_ERR_INVALID_ARG ? 400 : 500, "cannot dial %s: %s", a, pqnet_strerror(rc));
    return;
  }
  pqnet_shell_flush(h->sh);
  http_log(h, L_INFO, "dial requested addr=%s", a);
  out->status = 202;
  out->json = json_pack("{s:s,s:s}", "status", "dialing", "address", a);
}

#define BAN_DEFAULT_S 86400
#define BAN_MAX_S     315360000 /* ten years */

static void ban_add(pqnet_http *h, json_t *body, reply *out) {
  static const char *const fields[] = {"address", "duration_seconds", "reason", NULL};
  pqnet_node *node = pqnet_shell_node(h->sh);
  pqnet_ban ban;
  unsigned prefix;
  char net[PQNET_ADDR_STRLEN];
  json_int_t dur = BAN_DEFAULT_S;
  if (!body) {
    fail(out, 400, "expected a JSON object {\"address\":\"IP or IP/PREFIX\"}");
    return;
  }
  if (only_fields(body, fields, out) != 0) return;
  const char *s = address_field(body, out);
  if (!s) return;
  memset(&ban, 0, sizeof ban);
  if (parse_net(s, &ban.addr, &prefix) != 0) {
    fail(out, 400,
         "bad address \"%.64s\": expected an IP or a network IP/PREFIX (1.2.3.4, "
         "10.0.0.0/8, 2001:db8::/32)",
         s);
    return;
  }
  json_t *d = json_object_get(body, "duration_seconds");
  if (d) {
    if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > BAN_MAX_S) {
      fail(out, 400, "field \"duration_seconds\" must be a whole number, 1..%d", BAN_MAX_S);
      return;
    }
    dur = json_integer_value(d);
  }
  json_t *r = json_object_get(body, "reason");
  const char *reason = "manual";
  if (r) {
    if (!json_is_string(r)) {
      fail(out, 400, "field \"reason\" must be a string");
      return;
    }
    reason = json_string_value(r);
    size_t len = strlen(reason);
    if (len >= sizeof ban.reason) {
      fail(out, 400, "field \"reason\" is longer than %zu bytes", sizeof ban.reason - 1);
      return;
    }
    for (size_t i = 0; i < len; i++)
      if ((unsigned char)reason[i] < 0x20 || (unsigned char)reason[i] > 0x7e) {
        fail(out, 400, "field \"reason\" must be printable ASCII");
        return;
      }
    if (len == 0) reason = "manual";
  }
  uint64_t now = pqnet_shell_now_ms();
  ban.prefix_len = (uint8_t)prefix;
  ban.until_ms = now + (uint64_t)dur * 1000;
  snprintf(ban.reason, sizeof ban.reason, "%s", reason);
  format_net(&ban.addr, prefix, net, sizeof net);
  int rc = pqnet_node_ban(node, &ban.addr, prefix, ban.until_ms, ban.reason, now);
  if (rc == PQNET_ERR_TOO_LARGE) {
    fail(out, 409, "the ban list is full; lift some bans");
    return;
  }
  if (rc) {
    fail(out, 500, "cannot ban %s: %s", net, pqnet_strerror(rc));
    return;
  }
  pqnet_shell_flush(h->sh); /* the Disconnects to peers inside it */
  http_log(h, L_INFO, "ban added addr=%s duration_s=%lld reason=%s", net, (long long)dur,
           ban.reason);
  if (h->cfg.banned) h->cfg.banned(h->cfg.ban_ctx, &ban);
  out->json =
      json_pack("{s:s,s:I,s:I,s:s}", "address", net, "until", (json_int_t)(ban.until_ms / 1000),
                "duration_seconds", dur, "reason", ban.reason);
}

/* DELETE /p2p/ban?address=...: libevent 2.1's server never reads the body
 * of a DELETE (evhttp_method_may_have_body), so the address comes in the
 * query string. A DELETE that carries a body is refused, and its connection
 * closed, rather than having the body read as the next request. */
static void ban_lift(pqnet_http *h, struct evhttp_request *req, reply *out) {
  struct evkeyvalq *in = evhttp_request_get_input_headers(req);
  const char *cl = evhttp_find_header(in, "Content-Length");
  const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
  const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
  struct evkeyvalq q;
  const char *s = NULL;
  pqnet_addr net;
  unsigned prefix;
  char name[PQNET_ADDR_STRLEN];
  int have_q = 0;
  if ((cl && strcmp(cl, "0") != 0) || evhttp_find_header(in, "Transfer-Encoding")) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
    fail(out, 400,
         "DELETE takes no body: send the address in the query string, DELETE "
         "/p2p/ban?address=10.0.0.0/8");
    return;
  }
  if (query && evhttp_parse_query_str(query, &q) == 0) {
    have_q = 1;
    s = evhttp_find_header(&q, "address");
  }
  if (!s) {
    fail(out, 400, "missing address: DELETE /p2p/ban?address=IP or IP/PREFIX");
  } else if (parse_net(s, &net, &prefix) != 0) {
    fail(out, 400, "bad address \"%.64s\": expected an IP or a network IP/PREFIX", s);
  } else if (format_net(&net, prefix, name, sizeof name),
             pqnet_node_unban(pqnet_shell_node(h->sh), &net, prefix) != 0) {
    fail(out, 404, "no ban on %s (GET /p2p/bans lists them)", name);
  } else {
    http_log(h, L_INFO, "ban lifted addr=%s", name);
    if (h->cfg.unbanned) h->cfg.unbanned(h->cfg.ban_ctx, &net, prefix);
    out->json = json_pack("{s:s,s:b}", "address", name, "unbanned", 1);
  }
  if (have_q) evhttp_clear_headers(&q);
}

/* ---- /metrics ---- */

#define METRIC_NAMES_MAX 96

/* Prometheus text format 0.0.4 being written: # HELP and # TYPE go out
 * before the first sample of each family (a family's samples are written
 * together). */
typedef struct metrics_out {
  struct evbuffer *buf;
  const char *names[METRIC_NAMES_MAX]; /* families written, for the embedder's filter */
  size_t nnames;
} metrics_out;

static void metric(metrics_out *m, const char *name, const char *type, const char *help,
                   const char *labels, uint64_t v) {
  if (!m->nnames || strcmp(m->names[m->nnames - 1], name) != 0) {
    evbuffer_add_printf(m->buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    if (m->nnames < METRIC_NAMES_MAX) m->names[m->nnames++] = name;
  }
  evbuffer_add_printf(m->buf, "%s%s%s%s %llu\n", name, labels ? "{" : "", labels ? labels : "",
                      labels ? "}" : "", (unsigned long long)v);
}

static void counter(metrics_out *m, const char *name, const char *help, uint64_t v) {
  metric(m, name, "counter", help, NULL, v);
}

static void gauge(metrics_out *m, const char *name, const char *help, uint64_t v) {
  metric(m, name, "gauge", help, NULL, v);
}

static int written(const metrics_out *m, const char *name, size_t len) {
  for (size_t i = 0; i < m->nnames; i++)
    if (strlen(m->names[i]) == len && memcmp(m->names[i], name, len) == 0) return 1;
  return 0;
}

/* Append the embedder's lines, less those of families written already. */
static void append_extra(metrics_out *m, const char *text, size_t len) {
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *eol = nl ? nl : end;
    const char *name = p;
    if (eol - p > 7 && (memcmp(p, "# HELP ", 7) == 0 || memcmp(p, "# TYPE ", 7) == 0)) name = p + 7;
    size_t nlen = 0;
    while (name + nlen < eol && name[nlen] != ' ' && name[nlen] != '{' && name[nlen] != '\t')
      nlen++;
    if (!(name == p && *p == '#') && !written(m, name, nlen)) {
      evbuffer_add(m->buf, p, (size_t)(eol - p));
      evbuffer_add(m->buf, "\n", 1);
    }
    p = nl ? nl + 1 : end;
  }
}

static void ep_metrics(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                       reply *out) {
  pqnet_node *node = pqnet_shell_node(h->sh);
  const pqnet_node_stats *st = pqnet_node_get_stats(node);
  size_t nnew = 0, ntried = 0, nbans = 0;
  uint64_t now = pqnet_shell_now_ms();
  metrics_out m;
  memset(&m, 0, sizeof m);
  if (!(m.buf = evbuffer_new())) return;
  struct pqnet_addrman *am = pqnet_node_addrman(node);
  if (am) pqnet_addrman_size(am, &nnew, &ntried);
  {
    size_t n = pqnet_node_bans(node, NULL, 0);
    pqnet_ban *bans = malloc((n ? n : 1) * sizeof *bans);
    if (bans) {
      n = pqnet_node_bans(node, bans, n);
      for (size_t i = 0; i < n; i++) nbans += bans[i].until_ms > now;
      free(bans);
    }
  }

  static const char peers_help[] = "Open sessions (handshake done) by direction.";
  metric(&m, "pqnet_p2p_peers_connected", "gauge", peers_help, "direction=\"inbound\"",
         pqnet_node_peer_count(node, PQNET_INBOUND));
  metric(&m, "pqnet_p2p_peers_connected", "gauge", peers_help, "direction=\"outbound\"",
         pqnet_node_peer_count(node, PQNET_OUTBOUND));
  gauge(&m, "pqnet_p2p_connections", "Connections in any state, handshakes included.",
        pqnet_node_connection_count(node));
  gauge(&m, "pqnet_p2p_known_addresses", "Addresses in the address book (new and tried).",
        nnew + ntried);
  gauge(&m, "pqnet_p2p_tried_addresses", "Addresses in the address book's tried table.", ntried);
  gauge(&m, "pqnet_p2p_bans_active", "Bans (addresses and networks) still running.", nbans);

  static const char hs_help[] = "Handshakes by result.";
  metric(&m, "pqnet_p2p_handshakes_total", "counter", hs_help, "result=\"ok\"", st->handshakes_ok);
  metric(&m, "pqnet_p2p_handshakes_total", "counter", hs_help, "result=\"failed\"",
         st->handshakes_failed);
  for (int r = 0; r < PQNET_REASON_MAX_; r++) {
    char labels[64];
    snprintf(labels, sizeof labels, "reason=\"%s\"", pqnet_reason_name(r));
    metric(&m, "pqnet_p2p_handshakes_failed_total", "counter",
           "Failed handshakes by reason (PROTOCOL.md section 7).", labels,
           st->handshakes_failed_by_reason[r]);
  }
  counter(&m, "pqnet_p2p_bytes_received_total", "Bytes received from peers.", st->bytes_in);
  counter(&m, "pqnet_p2p_bytes_sent_total", "Bytes sent to peers.", st->bytes_out);
  counter(&m, "pqnet_p2p_frames_received_total", "Frames received from peers.", st->frames_in);
  counter(&m, "pqnet_p2p_frames_sent_total", "Frames sent to peers.", st->frames_out);
  counter(&m, "pqnet_p2p_rekeys_total", "Channel key changes.", pqnet_node_rekeys(node));
  counter(&m, "pqnet_p2p_dials_total", "Outbound dials started.", st->dials);
  counter(&m, "pqnet_p2p_dials_failed_total", "Outbound dials that failed to connect.",
          st->dials_failed);
  counter(&m, "pqnet_p2p_feelers_total", "Feeler connections started.", st->feelers);
  counter(&m, "pqnet_p2p_seed_queries_total", "Seed lookups started.", st->seed_queries);
  counter(&m, "pqnet_p2p_evictions_total", "Inbound peers evicted for a new one.", st->evictions);
  counter(&m, "pqnet_p2p_bans_total", "Automatic bans for protocol violations.", st->bans);
  counter(&m, "pqnet_p2p_refused_banned_total", "Connections refused because banned.",
          st->refused_banned);
  counter(&m, "pqnet_p2p_addrs_received_total", "Entries received in Addrs messages.",
          st->addrs_received);
  counter(&m, "pqnet_p2p_addrs_rate_limited_total",
          "Addrs entries dropped by the per-peer rate limit.", st->addrs_rate_limited);
  counter(&m, "pqnet_p2p_addrs_relayed_total", "Addrs entries queued for relay to other peers.",
          st->addrs_relayed);
  counter(&m, "pqnet_p2p_getaddrs_answered_total", "GetAddrs requests answered.",
          st->getaddrs_answered);
  counter(&m, "pqnet_p2p_getaddrs_ignored_total", "GetAddrs requests ignored (repeats).",
          st->getaddrs_ignored);
  counter(&m, "pqnet_p2p_announces_received_total", "Gossip ANNOUNCE messages received.",
          st->announces_received);
  counter(&m, "pqnet_p2p_dupes_dropped_total", "Gossip messages or bodies already seen.",
          st->dupes_dropped);
  counter(&m, "pqnet_p2p_gossip_received_total", "New gossip messages accepted from peers.",
          st->gossip_received);
  counter(&m, "pqnet_p2p_gossip_published_total", "Gossip messages published by this node.",
          st->gossip_published);
  counter(&m, "pqnet_p2p_gossip_sent_total", "Full gossip messages sent (pushes and fetches).",
          st->gossip_sent);
  counter(&m, "pqnet_p2p_gossip_announced_total", "Gossip ANNOUNCE messages sent.",
          st->gossip_announced);
  counter(&m, "pqnet_p2p_gossip_fetches_total", "Gossip FETCH requests sent.", st->gossip_fetches);
  counter(&m, "pqnet_p2p_gossip_invalid_total", "Gossip messages the application rejected.",
          st->gossip_invalid);
  counter(&m, "pqnet_p2p_gossip_backlog_dropped_total",
          "Gossip messages not sent to a peer whose backlog was full.", st->gossip_backlog_dropped);
  gauge(&m, "pqnet_http_connections", "Open HTTP API connections.", h->nslots);
  gauge(&m, "pqnet_uptime_seconds", "Seconds since the node started.", uptime_s(h));

  if (h->cfg.metrics) {
    size_t len = 0;
    char *extra = call_text(h->cfg.metrics, h->cfg.metrics_ctx, &len);
    if (extra) {
      append_extra(&m, extra, len);
      free(extra);
    } else {
      http_log(h, L_WARN, "metrics callback failed; its lines are missing");
    }
  }
  out->text = m.buf;
  out->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- the status page and the embedder's routes ---- */

static void ep_page(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                    reply *out) {
  struct evbuffer *b = evbuffer_new();
  if (!b) return;
  evbuffer_add_reference(b, pqnet_http_page, pqnet_http_page_len, NULL, NULL);
  out->text = b;
  out->ctype = "text/html; charset=utf-8";
}

static void extra_route(pqnet_http *h, const pqnet_http_route *r, reply *out) {
  size_t len = 0;
  char *text = call_text(r->get, r->ctx, &len);
  struct evbuffer *b = text ? evbuffer_new() : NULL;
  if (!b) {
    free(text);
    http_log(h, L_WARN, "route callback failed path=%s", r->path);
    return;
  }
  evbuffer_add(b, text, len);
  if (len == 0 || text[len - 1] != '\n') evbuffer_add(b, "\n", 1);
  free(text);
  out->text = b;
  out->ctype = "application/json";
}

/* ---- routing ---- */

typedef struct route {
  const char *path;
  unsigned methods; /* M_* */
  void (*fn)(pqnet_http *h, struct evhttp_request *req, int method, json_t *body, reply *out);
} route;

static void ep_ban(pqnet_http *h, struct evhttp_request *req, int method, json_t *body, reply *out);

static const route routes[] = {
    {"/", M_GET, ep_page},
    {"/health", M_GET, ep_health},
    {"/metrics", M_GET, ep_metrics},
    {"/p2p/id", M_GET, ep_id},
    {"/p2p/peers", M_GET, ep_peers},
    {"/p2p/connections", M_GET, ep_connections},
    {"/p2p/bans", M_GET, ep_bans},
    {"/p2p/connect", M_POST, ep_connect},
    {"/p2p/ban", M_POST | M_DELETE, ep_ban},
};

static void ep_ban(pqnet_http *h, struct evhttp_request *req, int method, json_t *body,
                   reply *out) {
  if (method == M_POST)
    ban_add(h, body, out);
  else
    ban_lift(h, req, out);
}

static const char *allow_header(unsigned methods) {
  switch (methods) {
  case M_GET: return "GET, HEAD";
  case M_POST: return "POST";
  case M_POST | M_DELETE: return "POST, DELETE";
  default: return "GET, HEAD";
  }
}

static const char *method_name(enum evhttp_cmd_type m) {
  switch (m) {
  case EVHTTP_REQ_GET: return "GET";
  case EVHTTP_REQ_POST: return "POST";
  case EVHTTP_REQ_HEAD: return "HEAD";
  case EVHTTP_REQ_PUT: return "PUT";
  case EVHTTP_REQ_DELETE: return "DELETE";
  case EVHTTP_REQ_OPTIONS: return "OPTIONS";
  case EVHTTP_REQ_TRACE: return "TRACE";
  case EVHTTP_REQ_CONNECT: return "CONNECT";
  case EVHTTP_REQ_PATCH: return "PATCH";
  }
  return "?";
}

/* 1 when the request carries "Authorization: Bearer <the token>". The
 * comparison takes the same time whatever the token's content. */
static int authorized(const pqnet_http *h, struct evhttp_request *req, const char **why) {
  const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
  size_t tlen = strlen(h->cfg.token);
  *why = "missing token";
  if (!v) return 0;
  *why = "wrong token";
  if (tlen != PQNET_HTTP_TOKEN_LEN || evutil_ascii_strncasecmp(v, "Bearer ", 7) != 0) return 0;
  v += 7;
  while (*v == ' ') v++;
  size_t vlen = strlen(v);
  while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
  if (vlen != tlen) return 0;
  return CRYPTO_memcmp(v, h->cfg.token, tlen) == 0;
}

/* The request body as a JSON object: 0 and *out (NULL for an empty body),
 * or -1 after setting a 400. */
static int read_body(struct evhttp_request *req, json_t **out, reply *r) {
  struct evbuffer *in = evhttp_request_get_input_buffer(req);
  size_t len = in ? evbuffer_get_length(in) : 0;
  json_error_t err;
  *out = NULL;
  if (len == 0) return 0;
  const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
  json_t *j = data ? json_loadb(data, len, JSON_REJECT_DUPLICATES, &err) : NULL;
  if (!j) {
    fail(r, 400, "request body is not valid JSON: %s", data ? err.text : "out of memory");
    return -1;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    fail(r, 400, "request body must be a JSON object");
    return -1;
  }
  *out = j;
  return 0;
}

static void handle(struct evhttp_request *req, void *arg) {
  pqnet_http *h = arg;
  const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
  const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
  enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
  int method = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD ? M_GET
               : cmd == EVHTTP_REQ_POST                        ? M_POST
               : cmd == EVHTTP_REQ_DELETE                      ? M_DELETE
                                                               : 0;
  const route *r = NULL;
  const pqnet_http_route *x = NULL;
  const char *logpath = "(other)";
  reply out = {200, NULL, NULL, NULL, NULL, 0};
  json_t *body = NULL;

  for (size_t i = 0; path && i < sizeof routes / sizeof routes[0]; i++)
    if (strcmp(path, routes[i].path) == 0) r = &routes[i];
  for (size_t i = 0; path && !r && i < h->cfg.nroutes; i++)
    if (strcmp(path, h->cfg.routes[i].path) == 0) x = &h->cfg.routes[i];
  if (r) logpath = r->path;
  if (x) logpath = x->path;

  const char *why = NULL;
  unsigned methods = r ? r->methods : M_GET;
  if (!r && !x) {
    fail(&out, 404, "not found");
  } else if (!(method & methods)) {
    fail(&out, 405, "method not allowed");
    out.allow = allow_header(methods);
  } else if (method != M_GET && !authorized(h, req, &why)) {
    fail(&out, 401, "%s: send Authorization: Bearer <the token in <base-path>/.cookie>", why);
    out.auth_failed = 1;
    http_log(h, L_WARN, "unauthorized request method=%s path=%s reason=%s", method_name(cmd),
             logpath, why);
  } else if (method == M_GET || read_body(req, &body, &out) == 0) {
    if (x) {
      extra_route(h, x, &out);
    } else {
      r->fn(h, req, method, body, &out);
    }
    if (!out.json && !out.text) out.status = 500;
  }
  json_decref(body);
  http_log(h, L_DEBUG, "request method=%s path=%.80s status=%d", method_name(cmd), logpath,
           out.status);
  send_reply(req, &out);
}

/* ---- lifecycle ---- */

void pqnet_http_config_default(pqnet_http_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->max_body = DEFAULT_MAX_BODY;
  cfg->max_headers = DEFAULT_MAX_HEADERS;
  cfg->max_connections = DEFAULT_MAX_CONNECTIONS;
  cfg->timeout_s = DEFAULT_TIMEOUT_S;
  cfg->default_port = DEFAULT_PORT;
}

/* An embedder's route must have a callback and its own path. */
static int routes_ok(const pqnet_http_config *cfg) {
  if (cfg->nroutes > PQNET_HTTP_MAX_ROUTES) return 0;
  for (size_t i = 0; i < cfg->nroutes; i++) {
    const pqnet_http_route *x = &cfg->routes[i];
    if (!x->get || !x->path || x->path[0] != '/') return 0;
    for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++)
      if (strcmp(x->path, routes[k].path) == 0) return 0;
  }
  return 1;
}

int pqnet_http_new(struct event_base *base, pqnet_shell *sh, const pqnet_http_config *cfg,
                   pqnet_http **out) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!base || !sh || !cfg || !routes_ok(cfg)) return PQNET_ERR_INVALID_ARG;
  pqnet_http *h = calloc(1, sizeof *h);
  if (!h) return PQNET_ERR_NOMEM;
  h->base = base;
  h->sh = sh;
  h->cfg = *cfg;
  if (!h->cfg.max_body) h->cfg.max_body = DEFAULT_MAX_BODY;
  if (!h->cfg.max_headers) h->cfg.max_headers = DEFAULT_MAX_HEADERS;
  if (!h->cfg.max_connections) h->cfg.max_connections = DEFAULT_MAX_CONNECTIONS;
  if (!h->cfg.timeout_s) h->cfg.timeout_s = DEFAULT_TIMEOUT_S;
  if (!h->cfg.default_port) h->cfg.default_port = DEFAULT_PORT;
  h->cfg.token[PQNET_HTTP_TOKEN_LEN] = '\0';
  h->started_ms = pqnet_shell_now_ms();
  h->http = evhttp_new(base);
  h->fixup = event_new(base, -1, 0, fixup_cb, h);
  if (!h->http || !h->fixup) {
    if (h->http) evhttp_free(h->http);
    if (h->fixup) event_free(h->fixup);
    free(h);
    return PQNET_ERR_NOMEM;
  }
  evhttp_set_max_body_size(h->http, (ev_ssize_t)h->cfg.max_body);
  evhttp_set_max_headers_size(h->http, (ev_ssize_t)h->cfg.max_headers);
  evhttp_set_timeout(h->http, (int)h->cfg.timeout_s);
  /* Every method reaches handle(), so the wrong ones get a JSON 405. */
  evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                          EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
  evhttp_set_default_content_type(h->http, "application/json");
  evhttp_set_bevcb(h->http, make_bev, h);
  evhttp_set_gencb(h->http, handle, h);
  *out = h;
  return 0;
}

int pqnet_http_listen(pqnet_http *h, const char *hostport, pqnet_addr *bound) {
  char host[HOST_MAX], port[8];
  uint16_t p;
  struct addrinfo hints, *res = NULL;
  int one = 1, err;
  const char *op = "getaddrinfo";
  evutil_socket_t fd = -1;
  if (bound) memset(bound, 0, sizeof *bound);
  if (!h || !hostport) return PQNET_ERR_INVALID_ARG;
  if (h->lev) return PQNET_ERR_STATE;
  if (pqnet_hostport_split(hostport, 0, host, sizeof host, &p) != 0) return PQNET_ERR_MALFORMED;
  snprintf(port, sizeof port, "%u", (unsigned)p);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int g = getaddrinfo(host, port, &hints, &res);
  if (g != 0 || !res) {
    http_log(h, L_ERROR, "cannot listen for HTTP listen=%s error=%s", hostport,
             g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    if (res) freeaddrinfo(res);
    errno = EADDRNOTAVAIL;
    return PQNET_ERR_IO;
  }
  op = "socket";
  fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto os_fail;
  op = "setsockopt";
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) goto os_fail;
  if (res->ai_family == AF_INET6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
    goto os_fail;
  op = "bind";
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) goto os_fail;
  op = "listen";
  if (listen(fd, LISTEN_BACKLOG) != 0) goto os_fail;
  freeaddrinfo(res);
  res = NULL;
  struct evconnlistener *lev = evconnlistener_new(
      h->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
  if (!lev) {
    close(fd);
    return PQNET_ERR_NOMEM;
  }
  if (!evhttp_bind_listener(h->http, lev)) { /* takes lev over */
    evconnlistener_free(lev);
    return PQNET_ERR_NOMEM;
  }
  h->lev = lev;
  if (bound) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
      if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        pqnet_addr_from_bytes(bound, (const uint8_t *)&sin->sin_addr, 4, ntohs(sin->sin_port));
      } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
        pqnet_addr_from_bytes(bound, (const uint8_t *)&sin6->sin6_addr, 16, ntohs(sin6->sin6_port));
      }
    }
  }
  return 0;

os_fail:
  err = errno;
  if (fd >= 0) close(fd);
  if (res) freeaddrinfo(res);
  http_log(h, L_ERROR, "cannot listen for HTTP listen=%s call=%s error=%s", hostport, op,
           strerror(err));
  errno = err;
  return PQNET_ERR_IO;
}

void pqnet_http_del(pqnet_http *h) {
  if (!h) return;
  event_del(h->fixup);
  fixup_cb(-1, 0, h);   /* drop make_bev's references first */
  h->lev = NULL;        /* evhttp_free frees it first */
  evhttp_free(h->http); /* runs conn_closed for every connection */
  event_free(h->fixup);
  free(h->slots);
  free(h);
}
