/*
 * The operator HTTP API (src/io/http.h).
 *
 * Routing is a table of (path, handler); a handler builds a JSON object and
 * returns the status. Every reply goes out through reply_json.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrman/addrman.h"
#include "pqnet/error.h"

#define DEFAULT_MAX_BODY        4096
#define DEFAULT_MAX_HEADERS     8192
#define DEFAULT_MAX_CONNECTIONS 32
#define DEFAULT_TIMEOUT_S       10
#define LISTEN_BACKLOG          64
#define HOST_MAX                256

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
  http_log(h, L_INFO, "http accepting again connections=%zu", h->nslots);
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
    http_log(h, L_WARN, "http connection limit reached connections=%zu", h->nslots);
  }
  return bev;
}

size_t pqnet_http_connections(const pqnet_http *h) {
  return h ? h->nslots : 0;
}

/* ---- replies ---- */

static const char *reason_phrase(int status) {
  switch (status) {
  case 200: return "OK";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  default: return "Internal Server Error";
  }
}

/* Send body (may be NULL: an internal error reply) with status. Consumes body.
 * A HEAD request gets the headers only (evhttp 2.1 would send the body). */
static void reply_json(struct evhttp_request *req, int status, json_t *body) {
  static const char oom[] = "{\"error\":\"internal error\",\"status\":500}\n";
  struct evbuffer *buf = evbuffer_new();
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (!text) status = 500;
  struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
  evhttp_add_header(hdr, "Content-Type", "application/json");
  evhttp_add_header(hdr, "Cache-Control", "no-store");
  if (status == 405) evhttp_add_header(hdr, "Allow", "GET, HEAD");
  if (buf && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
    if (text) {
      evbuffer_add(buf, text, strlen(text));
      evbuffer_add(buf, "\n", 1);
    } else {
      evbuffer_add(buf, oom, sizeof oom - 1);
    }
  }
  evhttp_send_reply(req, status, reason_phrase(status), buf);
  if (buf) evbuffer_free(buf);
  free(text);
}

static json_t *error_body(int status, const char *what) {
  return json_pack("{s:s,s:i}", "error", what, "status", status);
}

/* ---- endpoints ---- */

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

static int ep_health(pqnet_http *h, json_t **out) {
  char hex[2 * PQNET_PEER_ID_LEN + 1];
  pqnet_node *node = pqnet_shell_node(h->sh);
  uint64_t now = pqnet_shell_now_ms();
  uint64_t up = now > h->started_ms ? (now - h->started_ms) / 1000 : 0;
  *out = json_pack("{s:s,s:I,s:I,s:s}", "status", "ok", "peers",
                   (json_int_t)pqnet_node_peer_count(node, -1), "uptime_seconds", (json_int_t)up,
                   "peer_id", hex_id(h->cfg.peer_id, hex));
  return 200;
}

static int ep_id(pqnet_http *h, json_t **out) {
  char hex[2 * PQNET_PEER_ID_LEN + 1], a[PQNET_ADDR_STRLEN];
  pqnet_addr listen = h->cfg.listen;
  if (!listen.family && pqnet_shell_listen_addrs(h->sh, &listen, 1) == 0) listen.family = 0;
  json_t *l = listen.family ? json_string(pqnet_addr_format(&listen, a, sizeof a)) : json_null();
  *out = json_pack("{s:s,s:o}", "peer_id", hex_id(h->cfg.peer_id, hex), "listen", l);
  return 200;
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

static int ep_peers(pqnet_http *h, json_t **out) {
  addr_list l = {NULL, 0, 0, 0};
  struct pqnet_addrman *am = pqnet_node_addrman(pqnet_shell_node(h->sh));
  *out = NULL;
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
  if (arr) *out = json_pack("{s:o,s:I}", "peers", arr, "count", (json_int_t)l.n);
  free(l.v);
  return 200;
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

static int ep_connections(pqnet_http *h, json_t **out) {
  pqnet_node *node = pqnet_shell_node(h->sh);
  size_t max = pqnet_node_peer_count(node, -1);
  uint64_t *ids = malloc((max ? max : 1) * sizeof *ids);
  json_t *arr = json_array();
  *out = NULL;
  if (!ids || !arr) goto done;
  size_t n = pqnet_node_peers(node, ids, max);
  if (n > max) n = max;
  qsort(ids, n, sizeof *ids, cmp_u64);
  for (size_t i = 0; i < n; i++) {
    pqnet_peer_info info;
    if (pqnet_node_peer_info(node, ids[i], &info) != 0) continue;
    if (json_array_append_new(arr, connection_json(&info)) != 0) goto done;
  }
  *out = json_pack("{s:O,s:I}", "connections", arr, "count", (json_int_t)json_array_size(arr));
done:
  json_decref(arr);
  free(ids);
  return 200;
}

typedef struct route {
  const char *path;
  int (*fn)(pqnet_http *h, json_t **out);
} route;

static const route routes[] = {
    {"/health", ep_health},
    {"/p2p/id", ep_id},
    {"/p2p/peers", ep_peers},
    {"/p2p/connections", ep_connections},
};

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

static void handle(struct evhttp_request *req, void *arg) {
  pqnet_http *h = arg;
  const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
  const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
  enum evhttp_cmd_type m = evhttp_request_get_command(req);
  const route *r = NULL;
  json_t *body = NULL;
  int status;
  for (size_t i = 0; path && i < sizeof routes / sizeof routes[0]; i++)
    if (strcmp(path, routes[i].path) == 0) r = &routes[i];
  if (!r) {
    status = 404;
    body = error_body(status, "not found");
  } else if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
    status = 405;
    body = error_body(status, "method not allowed");
  } else {
    status = r->fn(h, &body);
    if (!body) status = 500;
  }
  http_log(h, L_DEBUG, "http request method=%s path=%.80s status=%d", method_name(m),
           r ? r->path : "(other)", body ? status : 500);
  reply_json(req, status, body);
}

/* ---- lifecycle ---- */

void pqnet_http_config_default(pqnet_http_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->max_body = DEFAULT_MAX_BODY;
  cfg->max_headers = DEFAULT_MAX_HEADERS;
  cfg->max_connections = DEFAULT_MAX_CONNECTIONS;
  cfg->timeout_s = DEFAULT_TIMEOUT_S;
}

int pqnet_http_new(struct event_base *base, pqnet_shell *sh, const pqnet_http_config *cfg,
                   pqnet_http **out) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!base || !sh || !cfg) return PQNET_ERR_INVALID_ARG;
  pqnet_http *h = calloc(1, sizeof *h);
  if (!h) return PQNET_ERR_NOMEM;
  h->base = base;
  h->sh = sh;
  h->cfg = *cfg;
  if (!h->cfg.max_body) h->cfg.max_body = DEFAULT_MAX_BODY;
  if (!h->cfg.max_headers) h->cfg.max_headers = DEFAULT_MAX_HEADERS;
  if (!h->cfg.max_connections) h->cfg.max_connections = DEFAULT_MAX_CONNECTIONS;
  if (!h->cfg.timeout_s) h->cfg.timeout_s = DEFAULT_TIMEOUT_S;
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
