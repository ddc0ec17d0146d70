/*
 * The libevent I/O shell (src/io/shell.h).
 *
 * A connection moves through these states, each change in one place:
 *
 *   DIALING  --connected-->            OPEN    (pqnet_node_connected OUTBOUND)
 *   DIALING  --error, connect timer--> DEAD    (pqnet_node_dial_failed)
 *   (accept) ------------------------> OPEN    (pqnet_node_connected INBOUND)
 *   OPEN     --CLOSE action-->         CLOSING (input discarded, output flushing,
 *                                               then SHUT_WR; linger timer)
 *   OPEN     --EOF, error-->           DEAD    (pqnet_node_closed)
 *   CLOSING  --EOF, error, timer-->    DEAD    (pqnet_node_closed)
 *
 * DEAD connections are out of the id table and have their bufferevent
 * disabled; the reaper event frees them at the next loop iteration, so no
 * connection is freed inside its own callback.
 *
 * node_knows records whether pqnet_node_connected accepted the id; only then
 * is pqnet_node_closed owed, and it is paid exactly once (in conn_finish).
 *
 * Name lookups (RESOLVE) are sresolve records on a list, one per
 * evdns_getaddrinfo request, each freed by its own completion callback (which
 * libevent calls exactly once: answer, failure or cancellation). evdns may
 * call it before evdns_getaddrinfo returns (an /etc/hosts hit, an immediate
 * error); the `starting` flag makes the record outlive that call.
 */
#include "io/shell.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pqnet/error.h"

#define SHELL_BUCKETS       256 /* id table: chained hash on the conn id */
#define LISTEN_BACKLOG      128
#define LISTEN_RETRY_MS     1000 /* pause after accept() fails (EMFILE, ENFILE) */
#define DEFAULT_SEND_QUEUE  (8u * 1024 * 1024)
#define DEFAULT_READ_MAX    262144
#define HOST_MAX            256
#define DIAL_HOST_ADDRS_MAX 16 /* distinct addresses dialed for one name */
#define RESOLVE_ADDRS_MAX   64 /* distinct addresses reported for one name */
#define RESOLVE_MAX         32 /* lookups in progress at once */
#define DNS_PORT            53
#define DNS_TIMEOUT_S       "3" /* per attempt (evdns option "timeout:") */
#define DNS_ATTEMPTS        "2" /* transmissions per query (evdns option "attempts:") */

enum log_level { L_ERROR = 0, L_WARN = 1, L_INFO = 2, L_DEBUG = 3 };

typedef enum sc_state { SC_DIALING, SC_OPEN, SC_CLOSING, SC_DEAD } sc_state;

static const char *const sc_state_names[] = {"dialing", "open", "closing", "dead"};

typedef struct sconn {
  uint64_t id;
  struct pqnet_shell *sh;
  struct bufferevent *bev;
  struct event *timer; /* DIALING: connect timeout; CLOSING: linger bound */
  pqnet_addr addr;
  pqnet_direction dir;
  sc_state state;
  int node_knows;     /* pqnet_node_connected accepted this id */
  int overflowed;     /* send queue cap hit; Disconnect already asked for */
  int wr_shut;        /* CLOSING: SHUT_WR done */
  struct sconn *next; /* id table chain while live; reaper list once dead */
} sconn;

typedef struct sresolve {
  struct pqnet_shell *sh; /* NULL once pqnet_shell_del orphaned the lookup */
  struct evdns_getaddrinfo_request *req;
  uint16_t port;
  int starting; /* inside evdns_getaddrinfo */
  int done;     /* the callback ran while starting */
  int cancelled;
  struct sresolve *next;
  char host[]; /* NUL-terminated */
} sresolve;

typedef struct slistener {
  struct pqnet_shell *sh;
  struct evconnlistener *lev;
  struct event *retry;
  pqnet_addr addr;
  struct slistener *next;
} slistener;

struct pqnet_shell {
  struct event_base *base;
  pqnet_node *node;
  pqnet_shell_config cfg;
  sconn *table[SHELL_BUCKETS];
  size_t nconns; /* live (not dead) */
  uint64_t next_id;
  sconn *dead; /* waiting for the reaper */
  struct event *reaper;
  struct event *wake;
  struct event *grace; /* shutdown bound */
  slistener *listeners;
  struct evdns_base *dns; /* created at the first name lookup */
  pqnet_addr dns_server;  /* family 0: /etc/resolv.conf */
  sresolve *resolves;     /* lookups in progress */
  size_t nresolves;
  int busy; /* > 0 while a node call or the pump runs: pump() then defers */
  int shutting_down;
  int stopped;
};

/* Every event the shell feeds the node goes through NODE_CALL, which marks the
 * shell busy for the duration (node callbacks included); see pump(). */
#define NODE_CALL(sh, call) ((sh)->busy++, (void)(call), (sh)->busy--)

/* ---- small helpers ---- */

static uint64_t clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t pqnet_shell_now_ms(void) {
  /* Wall time at the first call, advanced by the monotonic clock: Unix
   * milliseconds that never go backwards when the wall clock is stepped. */
  static uint64_t offset;
  static int have_offset;
  uint64_t mono = clock_ms(CLOCK_MONOTONIC);
  if (!have_offset) {
    offset = clock_ms(CLOCK_REALTIME) - mono;
    have_offset = 1;
  }
  return mono + offset;
}

static void shell_log(pqnet_shell *sh, int level, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  if (!sh->cfg.log) return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  sh->cfg.log(sh->cfg.log_ctx, level, buf);
}

static struct timeval ms_to_tv(uint64_t ms) {
  struct timeval tv;
  tv.tv_sec = (time_t)(ms / 1000u);
  tv.tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
  return tv;
}

static socklen_t addr_to_sockaddr(const pqnet_addr *a, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (a->family == 4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(a->port);
    memcpy(&sin->sin_addr, a->ip, 4);
    return sizeof *sin;
  }
  if (a->family == 6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(a->port);
    memcpy(&sin6->sin6_addr, a->ip, 16);
    return sizeof *sin6;
  }
  return 0;
}

static int sockaddr_to_addr(const struct sockaddr *sa, pqnet_addr *out) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
    return pqnet_addr_from_bytes(out, (const uint8_t *)&sin->sin_addr, 4, ntohs(sin->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    return pqnet_addr_from_bytes(out, (const uint8_t *)&sin6->sin6_addr, 16,
                                 ntohs(sin6->sin6_port));
  }
  return PQNET_ERR_INVALID_ARG;
}

/* The IP of a alone: "1.2.3.4", "[::1]". Returns buf. */
static char *ip_format(const pqnet_addr *a, char *buf, size_t cap) {
  pqnet_addr_format(a, buf, cap);
  char *colon = strrchr(buf, ':');
  if (colon && (a->family == 4 || a->family == 6)) *colon = '\0';
  return buf;
}

static void set_nodelay(evutil_socket_t fd) {
  int one = 1;
  if (fd >= 0) (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ---- id table ---- */

static sconn **bucket(pqnet_shell *sh, uint64_t id) {
  return &sh->table[id % SHELL_BUCKETS];
}

static sconn *conn_find(pqnet_shell *sh, uint64_t id) {
  for (sconn *c = *bucket(sh, id); c; c = c->next)
    if (c->id == id) return c;
  return NULL;
}

static void conn_unlink(pqnet_shell *sh, sconn *c) {
  for (sconn **pp = bucket(sh, c->id); *pp; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      c->next = NULL;
      sh->nconns--;
      return;
    }
  }
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg);

static sconn *conn_new(pqnet_shell *sh, pqnet_direction dir, const pqnet_addr *addr) {
  sconn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->timer = evtimer_new(sh->base, conn_timer_cb, c);
  if (!c->timer) {
    free(c);
    return NULL;
  }
  c->id = sh->next_id++;
  c->sh = sh;
  c->dir = dir;
  c->addr = *addr;
  c->state = dir == PQNET_OUTBOUND ? SC_DIALING : SC_OPEN;
  sconn **b = bucket(sh, c->id);
  c->next = *b;
  *b = c;
  sh->nconns++;
  return c;
}

/* Free what conn_new and the dial/accept paths allocated. Only from the
 * reaper or pqnet_shell_del, never from the connection's own callbacks. */
static void conn_free(sconn *c) {
  if (c->bev) bufferevent_free(c->bev); /* closes the socket (BEV_OPT_CLOSE_ON_FREE) */
  if (c->timer) event_free(c->timer);
  free(c);
}

/* ---- the action pump ---- */

static void pump(pqnet_shell *sh);
static void check_stopped(pqnet_shell *sh);

/* Take c out of service: unlink it, silence its bufferevent, queue it for the
 * reaper, and pay the node's pqnet_node_closed if owed. The caller pumps. */
static void conn_finish(pqnet_shell *sh, sconn *c, const char *why) {
  char addr[PQNET_ADDR_STRLEN];
  if (c->state == SC_DEAD) return;
  shell_log(sh, L_DEBUG, "connection closed conn=%llu addr=%s state=%s why=%s",
            (unsigned long long)c->id, pqnet_addr_format(&c->addr, addr, sizeof addr),
            sc_state_names[c->state], why);
  c->state = SC_DEAD;
  conn_unlink(sh, c);
  if (c->bev) {
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
  }
  event_del(c->timer);
  c->next = sh->dead;
  sh->dead = c;
  event_active(sh->reaper, EV_TIMEOUT, 0);
  if (c->node_knows) {
    c->node_knows = 0;
    NODE_CALL(sh, pqnet_node_closed(sh->node, c->id, pqnet_shell_now_ms()));
  }
  check_stopped(sh);
}

static void reaper_cb(evutil_socket_t fd, short what, void *arg) {
  pqnet_shell *sh = arg;
  (void)fd;
  (void)what;
  while (sh->dead) {
    sconn *c = sh->dead;
    sh->dead = c->next;
    conn_free(c);
  }
}

/* A dial ended without a connection. */
static void dial_failed(pqnet_shell *sh, sconn *c, const char *why) {
  char addr[PQNET_ADDR_STRLEN];
  pqnet_addr a = c->addr;
  shell_log(sh, L_WARN, "dial failed conn=%llu addr=%s error=%s", (unsigned long long)c->id,
            pqnet_addr_format(&a, addr, sizeof addr), why);
  conn_finish(sh, c, why);
  if (!sh->shutting_down) NODE_CALL(sh, pqnet_node_dial_failed(sh->node, &a, pqnet_shell_now_ms()));
}

/* CLOSING: once every queued byte is in the kernel, half-close so the peer
 * reads our last frame and then EOF; wait for its EOF (bounded by the linger
 * timer) so that closing never resets a connection with data in flight. */
static void closing_progress(pqnet_shell *sh, sconn *c) {
  if (c->state != SC_CLOSING || c->wr_shut) return;
  if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) return;
  c->wr_shut = 1;
  if (shutdown(bufferevent_getfd(c->bev), SHUT_WR) != 0) conn_finish(sh, c, "shutdown failed");
}

static void begin_close(pqnet_shell *sh, sconn *c) {
  if (c->state != SC_OPEN) return;
  if (!c->node_knows) { /* the node refused the connection: nothing to flush */
    conn_finish(sh, c, "refused by the node");
    return;
  }
  c->state = SC_CLOSING;
  struct timeval tv = ms_to_tv(sh->cfg.close_linger_ms);
  evtimer_add(c->timer, &tv);
  closing_progress(sh, c);
}

static void do_send(pqnet_shell *sh, sconn *c, const uint8_t *data, size_t len) {
  char text[96];
  if (c->state != SC_OPEN) return; /* nothing follows a CLOSE; late bytes are dropped */
  if (bufferevent_write(c->bev, data, len) != 0) {
    conn_finish(sh, c, "output buffer allocation failed");
    return;
  }
  size_t queued = evbuffer_get_length(bufferevent_get_output(c->bev));
  if (queued > sh->cfg.send_queue_max && !c->overflowed) {
    c->overflowed = 1;
    snprintf(text, sizeof text, "peer does not read: %zu bytes queued, cap %zu", queued,
             sh->cfg.send_queue_max);
    shell_log(sh, L_WARN, "send queue full conn=%llu queued=%zu cap=%zu", (unsigned long long)c->id,
              queued, sh->cfg.send_queue_max);
    NODE_CALL(sh, pqnet_node_disconnect(sh->node, c->id, PQNET_REASON_SEND_QUEUE, text,
                                        pqnet_shell_now_ms()));
  }
}

static void arm_wake(pqnet_shell *sh, uint64_t at) {
  if (sh->stopped) return;
  uint64_t now = pqnet_shell_now_ms();
  struct timeval tv = ms_to_tv(at > now ? at - now : 0);
  evtimer_add(sh->wake, &tv);
}

static void start_dial(pqnet_shell *sh, const pqnet_addr *addr);
static void do_resolve(pqnet_shell *sh, const char *host, uint16_t port);

static void handle_action(pqnet_shell *sh, const pqnet_action *act) {
  sconn *c;
  switch (act->type) {
  case PQNET_ACT_DIAL:
    if (!sh->shutting_down) start_dial(sh, &act->addr);
    return;
  case PQNET_ACT_SEND:
    c = conn_find(sh, act->conn);
    if (c) do_send(sh, c, act->data, act->len);
    return;
  case PQNET_ACT_CLOSE:
    c = conn_find(sh, act->conn);
    if (c) begin_close(sh, c);
    return;
  case PQNET_ACT_WAKE: arm_wake(sh, act->at); return;
  case PQNET_ACT_RESOLVE:
    if (!sh->shutting_down) do_resolve(sh, (const char *)act->data, act->addr.port);
    return;
  case PQNET_ACT_NONE: return;
  }
}

/* Drain the node's actions. A call made while a node call or the pump itself
 * is running (a node callback calling pqnet_shell_flush, a node call made
 * while handling an action) returns at once: the outermost caller's pump picks
 * the actions up. So the node is never re-entered with pqnet_node_closed and
 * the like from inside one of its own calls. */
static void pump(pqnet_shell *sh) {
  pqnet_action act;
  if (sh->busy) return;
  sh->busy++;
  while (pqnet_node_poll(sh->node, &act)) handle_action(sh, &act);
  sh->busy--;
}

static void wake_cb(evutil_socket_t fd, short what, void *arg) {
  pqnet_shell *sh = arg;
  (void)fd;
  (void)what;
  uint64_t now = pqnet_shell_now_ms();
  NODE_CALL(sh, pqnet_node_tick(sh->node, now));
  pump(sh);
  /* The node announces a WAKE only when its earliest deadline changes; if this
   * timer fired a little early, nothing changed, so re-arm from the source. */
  uint64_t next = pqnet_node_next_deadline(sh->node);
  if (next == UINT64_MAX) return;
  arm_wake(sh, next > now ? next : now + 1); /* never spin on a deadline tick left due */
}

void pqnet_shell_flush(pqnet_shell *sh) {
  if (sh) pump(sh);
}

/* ---- connection callbacks ---- */

/* Feed what the input buffer holds to the node, in chunks, while the
 * connection stays open; whatever arrives after a CLOSE is discarded. */
static void feed_input(pqnet_shell *sh, sconn *c) {
  struct evbuffer *in = bufferevent_get_input(c->bev);
  /* Hand the node the input buffer's own chunks (no copy); the node copies
   * what it keeps, so each chunk is drained as soon as the call returns. */
  while (c->state == SC_OPEN && c->node_knows && evbuffer_get_length(in) > 0) {
    struct evbuffer_iovec v;
    if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0) break;
    size_t n = v.iov_len;
    NODE_CALL(sh, pqnet_node_received(sh->node, c->id, v.iov_base, n, pqnet_shell_now_ms()));
    evbuffer_drain(in, n);
    pump(sh);
  }
  if (c->state != SC_OPEN || !c->node_knows) evbuffer_drain(in, evbuffer_get_length(in));
}

static void read_cb(struct bufferevent *bev, void *arg) {
  sconn *c = arg;
  (void)bev;
  feed_input(c->sh, c);
}

static void write_cb(struct bufferevent *bev, void *arg) {
  sconn *c = arg;
  (void)bev;
  closing_progress(c->sh, c);
}

static void on_connected(pqnet_shell *sh, sconn *c) {
  char addr[PQNET_ADDR_STRLEN];
  event_del(c->timer);
  c->state = SC_OPEN;
  set_nodelay(bufferevent_getfd(c->bev));
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  shell_log(sh, L_DEBUG, "dial connected conn=%llu addr=%s", (unsigned long long)c->id,
            pqnet_addr_format(&c->addr, addr, sizeof addr));
  int rc;
  NODE_CALL(sh, rc = pqnet_node_connected(sh->node, c->id, &c->addr, PQNET_OUTBOUND,
                                          pqnet_shell_now_ms()));
  if (rc == 0) {
    c->node_knows = 1;
  } else if (rc != PQNET_ERR_TOO_LARGE) { /* TOO_LARGE queued a CLOSE for this id */
    shell_log(sh, L_WARN, "node refused connection conn=%llu error=%s", (unsigned long long)c->id,
              pqnet_strerror(rc));
    conn_finish(sh, c, "refused by the node");
  }
  pump(sh);
}

static void event_cb(struct bufferevent *bev, short what, void *arg) {
  sconn *c = arg;
  pqnet_shell *sh = c->sh;
  char why[128];
  (void)bev;
  if (c->state == SC_DIALING) {
    if (what & BEV_EVENT_CONNECTED) {
      on_connected(sh, c);
      return;
    }
    int err = EVUTIL_SOCKET_ERROR();
    snprintf(why, sizeof why, "%s", err ? evutil_socket_error_to_string(err) : "connect failed");
    dial_failed(sh, c, why);
    pump(sh);
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    if (c->state == SC_OPEN) feed_input(sh, c); /* bytes that came with the EOF */
    if (c->state == SC_DEAD) return;
    if (what & BEV_EVENT_ERROR) {
      int err = EVUTIL_SOCKET_ERROR();
      snprintf(why, sizeof why, "error: %s", err ? evutil_socket_error_to_string(err) : "unknown");
    } else {
      snprintf(why, sizeof why, "eof");
    }
    conn_finish(sh, c, why);
    pump(sh);
  }
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg) {
  sconn *c = arg;
  pqnet_shell *sh = c->sh;
  (void)fd;
  (void)what;
  if (c->state == SC_DIALING) {
    char why[64];
    snprintf(why, sizeof why, "connect timed out after %u ms", sh->cfg.connect_timeout_ms);
    dial_failed(sh, c, why);
  } else if (c->state == SC_CLOSING) {
    conn_finish(sh, c,
                c->wr_shut ? "linger timeout waiting for peer EOF"
                           : "linger timeout with output unsent");
  }
  pump(sh);
}

/* The source address for a dial to dst (see shell.h), or NULL: let the
 * kernel choose. */
static const pqnet_addr *source_for(const pqnet_shell *sh, const pqnet_addr *dst) {
  if (sh->cfg.source_addr.family)
    return sh->cfg.source_addr.family == dst->family ? &sh->cfg.source_addr : NULL;
  int dst_loop = pqnet_addr_classify(dst) == PQNET_ADDR_LOOPBACK;
  const pqnet_addr *pick = NULL;
  for (const slistener *l = sh->listeners; l; l = l->next) { /* newest first: keep the last */
    pqnet_addr_class k = pqnet_addr_classify(&l->addr);
    if (l->addr.family != dst->family || k == PQNET_ADDR_UNSPECIFIED) continue;
    if ((k == PQNET_ADDR_LOOPBACK) != dst_loop) continue;
    pick = &l->addr;
  }
  return pick;
}

/* A non-blocking TCP socket bound to src, port 0. Returns the socket, or -1
 * with *op naming the call that failed (errno set). */
static evutil_socket_t bound_socket(const pqnet_addr *src, const char **op) {
  struct sockaddr_storage ss;
  pqnet_addr any = *src;
  any.port = 0;
  socklen_t len = addr_to_sockaddr(&any, &ss);
  *op = "socket";
  evutil_socket_t fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
#ifdef IP_BIND_ADDRESS_NO_PORT
  /* Choose the port at connect time, per destination: bind() alone would
   * reserve a port for every outbound socket and run out sooner. */
  int one = 1;
  (void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
  *op = "bind";
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

static void start_dial(pqnet_shell *sh, const pqnet_addr *addr) {
  char a[PQNET_ADDR_STRLEN], b[PQNET_ADDR_STRLEN];
  struct sockaddr_storage ss;
  socklen_t sslen = addr_to_sockaddr(addr, &ss);
  if (sslen == 0) {
    NODE_CALL(sh, pqnet_node_dial_failed(sh->node, addr, pqnet_shell_now_ms()));
    return;
  }
  sconn *c = conn_new(sh, PQNET_OUTBOUND, addr);
  if (!c) {
    NODE_CALL(sh, pqnet_node_dial_failed(sh->node, addr, pqnet_shell_now_ms()));
    return;
  }
  evutil_socket_t fd = -1;
  const pqnet_addr *src = source_for(sh, addr);
  if (src) {
    const char *op;
    fd = bound_socket(src, &op);
    if (fd < 0) {
      char why[160];
      int err = errno;
      snprintf(why, sizeof why, "%s to source %s failed: %s", op, ip_format(src, b, sizeof b),
               strerror(err));
      dial_failed(sh, c, why);
      return;
    }
  }
  shell_log(sh, L_DEBUG, "dialing conn=%llu addr=%s source=%s", (unsigned long long)c->id,
            pqnet_addr_format(addr, a, sizeof a), src ? ip_format(src, b, sizeof b) : "any");
  c->bev = bufferevent_socket_new(sh->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
  if (!c->bev) {
    if (fd >= 0) close(fd);
    dial_failed(sh, c, "out of memory");
    return;
  }
  bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
  bufferevent_set_max_single_read(c->bev, sh->cfg.read_max);
  struct timeval tv = ms_to_tv(sh->cfg.connect_timeout_ms);
  evtimer_add(c->timer, &tv);
  if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)sslen) != 0) {
    int err = EVUTIL_SOCKET_ERROR();
    if (c->state == SC_DIALING)
      dial_failed(sh, c, err ? evutil_socket_error_to_string(err) : "connect failed");
  }
}

/* ---- listeners ---- */

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg) {
  slistener *l = arg;
  pqnet_shell *sh = l->sh;
  pqnet_addr addr;
  char a[PQNET_ADDR_STRLEN];
  (void)lev;
  (void)salen;
  if (sh->shutting_down || sockaddr_to_addr(sa, &addr) != 0) {
    evutil_closesocket(fd);
    return;
  }
  sconn *c = conn_new(sh, PQNET_INBOUND, &addr);
  if (c)
    c->bev = bufferevent_socket_new(sh->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
  if (!c || !c->bev) {
    shell_log(sh, L_WARN, "accept dropped addr=%s error=out of memory",
              pqnet_addr_format(&addr, a, sizeof a));
    if (c) conn_finish(sh, c, "out of memory");
    evutil_closesocket(fd);
    return;
  }
  set_nodelay(fd);
  bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
  bufferevent_set_max_single_read(c->bev, sh->cfg.read_max);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  shell_log(sh, L_DEBUG, "accepted conn=%llu addr=%s", (unsigned long long)c->id,
            pqnet_addr_format(&addr, a, sizeof a));
  int rc;
  NODE_CALL(sh,
            rc = pqnet_node_connected(sh->node, c->id, &addr, PQNET_INBOUND, pqnet_shell_now_ms()));
  if (rc == 0) {
    c->node_knows = 1;
  } else if (rc != PQNET_ERR_TOO_LARGE) {
    shell_log(sh, L_WARN, "node refused connection conn=%llu error=%s", (unsigned long long)c->id,
              pqnet_strerror(rc));
    conn_finish(sh, c, "refused by the node");
  }
  pump(sh);
}

static void listen_retry_cb(evutil_socket_t fd, short what, void *arg) {
  slistener *l = arg;
  (void)fd;
  (void)what;
  if (!l->sh->shutting_down) evconnlistener_enable(l->lev);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS...): pause instead of spinning. */
static void accept_error_cb(struct evconnlistener *lev, void *arg) {
  slistener *l = arg;
  char a[PQNET_ADDR_STRLEN];
  int err = EVUTIL_SOCKET_ERROR();
  shell_log(l->sh, L_WARN, "accept failed addr=%s error=%s retry_ms=%d",
            pqnet_addr_format(&l->addr, a, sizeof a), evutil_socket_error_to_string(err),
            LISTEN_RETRY_MS);
  evconnlistener_disable(lev);
  struct timeval tv = ms_to_tv(LISTEN_RETRY_MS);
  evtimer_add(l->retry, &tv);
}

static void listener_free(slistener *l) {
  if (l->lev) evconnlistener_free(l->lev);
  if (l->retry) event_free(l->retry);
  free(l);
}

/* Bind one resolved address. Returns 0 or PQNET_ERR_IO / PQNET_ERR_NOMEM. */
static int listen_one(pqnet_shell *sh, const struct addrinfo *ai, const char *hostport) {
  char a[PQNET_ADDR_STRLEN];
  pqnet_addr addr;
  const char *op = "socket";
  int one = 1, err;
  if (sockaddr_to_addr(ai->ai_addr, &addr) != 0) return PQNET_ERR_IO;
  pqnet_addr_format(&addr, a, sizeof a);
  evutil_socket_t fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto os_fail;
  op = "setsockopt";
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) goto os_fail;
  if (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
    goto os_fail;
  op = "bind";
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) goto os_fail;
  op = "listen";
  if (listen(fd, LISTEN_BACKLOG) != 0) goto os_fail;

  struct sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
    sockaddr_to_addr((struct sockaddr *)&bound, &addr);
  slistener *l = calloc(1, sizeof *l);
  if (!l) {
    close(fd);
    return PQNET_ERR_NOMEM;
  }
  l->sh = sh;
  l->addr = addr;
  l->retry = evtimer_new(sh->base, listen_retry_cb, l);
  l->lev = l->retry ? evconnlistener_new(sh->base, accept_cb, l,
                                         LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)
                    : NULL;
  if (!l->lev) {
    close(fd);
    listener_free(l);
    return PQNET_ERR_NOMEM;
  }
  evconnlistener_set_error_cb(l->lev, accept_error_cb);
  l->next = sh->listeners;
  sh->listeners = l;
  shell_log(sh, L_DEBUG, "listener bound addr=%s", pqnet_addr_format(&addr, a, sizeof a));
  return 0;

os_fail:
  err = errno;
  if (fd >= 0) close(fd);
  shell_log(sh, L_ERROR, "cannot listen listen=%s addr=%s call=%s error=%s", hostport, a, op,
            strerror(err));
  return PQNET_ERR_IO;
}

/* getaddrinfo for "HOST:PORT". Returns 0, PQNET_ERR_MALFORMED or PQNET_ERR_IO. */
static int resolve(pqnet_shell *sh, const char *hostport, int passive, struct addrinfo **res) {
  char host[HOST_MAX], port[8];
  uint16_t p;
  *res = NULL;
  int rc = pqnet_hostport_split(hostport, 0, host, sizeof host, &p);
  if (rc) return PQNET_ERR_MALFORMED;
  snprintf(port, sizeof port, "%u", (unsigned)p);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  int g = getaddrinfo(host, port, &hints, res);
  if (g != 0) {
    shell_log(sh, L_WARN, "resolve failed host=%s error=%s", host,
              g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    *res = NULL;
    return PQNET_ERR_IO;
  }
  return 0;
}

/* ---- name resolution (RESOLVE) ---- */

/* Report a lookup's result to the node and carry out what follows. */
static void resolved(pqnet_shell *sh, const char *host, const pqnet_addr *addrs, size_t n) {
  NODE_CALL(sh, pqnet_node_resolved(sh->node, host, addrs, n, pqnet_shell_now_ms()));
  pump(sh);
}

/* The resolver, created at the first lookup. Returns 0 or a negative code
 * (logged). */
static int dns_open(pqnet_shell *sh) {
  char a[PQNET_ADDR_STRLEN];
  if (sh->dns) return 0;
  int flags = EVDNS_BASE_DISABLE_WHEN_INACTIVE;
  if (!sh->dns_server.family) flags |= EVDNS_BASE_INITIALIZE_NAMESERVERS;
  sh->dns = evdns_base_new(sh->base, flags);
  if (!sh->dns) {
    shell_log(sh, L_ERROR, "cannot create the DNS resolver");
    return PQNET_ERR_NOMEM;
  }
  if (sh->dns_server.family) {
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(&sh->dns_server, &ss);
    if (evdns_base_nameserver_sockaddr_add(sh->dns, (struct sockaddr *)&ss, len, 0) != 0) {
      shell_log(sh, L_ERROR, "cannot use DNS server addr=%s",
                pqnet_addr_format(&sh->dns_server, a, sizeof a));
      evdns_base_free(sh->dns, 0);
      sh->dns = NULL;
      return PQNET_ERR_IO;
    }
    (void)evdns_base_load_hosts(sh->dns, NULL); /* resolv.conf parsing does it otherwise */
  }
  (void)evdns_base_set_option(sh->dns, "timeout:", DNS_TIMEOUT_S);
  (void)evdns_base_set_option(sh->dns, "attempts:", DNS_ATTEMPTS);
  shell_log(sh, L_DEBUG, "DNS resolver ready nameserver=%s",
            sh->dns_server.family ? pqnet_addr_format(&sh->dns_server, a, sizeof a)
                                  : "/etc/resolv.conf");
  return 0;
}

static void resolve_unlink(pqnet_shell *sh, sresolve *r) {
  for (sresolve **pp = &sh->resolves; *pp; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      r->next = NULL;
      sh->nresolves--;
      return;
    }
  }
}

/* evdns_getaddrinfo's callback: called exactly once per request. */
static void resolve_cb(int result, struct evutil_addrinfo *res, void *arg) {
  sresolve *r = arg;
  pqnet_shell *sh = r->sh;
  pqnet_addr addrs[RESOLVE_ADDRS_MAX];
  size_t n = 0;
  if (!sh || r->cancelled || result == EVUTIL_EAI_CANCEL) {
    if (res) evutil_freeaddrinfo(res);
    if (sh) {
      resolve_unlink(sh, r);
      check_stopped(sh);
    }
    free(r); /* never starting here: cancellations are reported later */
    return;
  }
  resolve_unlink(sh, r);
  for (const struct evutil_addrinfo *ai = res; ai && n < RESOLVE_ADDRS_MAX; ai = ai->ai_next) {
    pqnet_addr a;
    if (!ai->ai_addr || sockaddr_to_addr(ai->ai_addr, &a) != 0) continue;
    a.port = r->port;
    int dup = 0;
    for (size_t i = 0; i < n; i++) dup |= pqnet_addr_equal(&addrs[i], &a);
    if (!dup) addrs[n++] = a;
  }
  if (res) evutil_freeaddrinfo(res);
  if (n == 0)
    shell_log(sh, L_WARN, "resolve failed host=%s error=%s", r->host,
              result ? evutil_gai_strerror(result) : "no IPv4 or IPv6 address");
  else
    shell_log(sh, L_DEBUG, "resolved host=%s addrs=%zu", r->host, n);
  resolved(sh, r->host, addrs, n);
  if (r->starting)
    r->done = 1; /* do_resolve frees it when evdns_getaddrinfo returns */
  else
    free(r);
}

/* RESOLVE: every A and AAAA record of host, reported to the node, without
 * blocking. A literal address is reported at once. */
static void do_resolve(pqnet_shell *sh, const char *name, uint16_t port) {
  char host[HOST_MAX];
  uint8_t ip[16];
  pqnet_addr a;
  /* Copy first: the action's pointer dies at the next node call. */
  if (snprintf(host, sizeof host, "%s", name) >= (int)sizeof host) {
    shell_log(sh, L_WARN, "resolve failed host=%.64s... error=name too long", name);
    resolved(sh, host, NULL, 0);
    return;
  }
  if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1) {
    pqnet_addr_from_bytes(&a, ip, strchr(host, ':') ? 16 : 4, port);
    shell_log(sh, L_DEBUG, "resolved host=%s addrs=1 literal=1", host);
    resolved(sh, host, &a, 1);
    return;
  }
  if (sh->nresolves >= RESOLVE_MAX) {
    shell_log(sh, L_WARN, "resolve failed host=%s error=too many lookups in progress (%d)", host,
              RESOLVE_MAX);
    resolved(sh, host, NULL, 0);
    return;
  }
  size_t hlen = strlen(host);
  sresolve *r = calloc(1, sizeof *r + hlen + 1);
  const char *why = !r ? "out of memory" : dns_open(sh) != 0 ? "no DNS resolver" : NULL;
  if (why) {
    free(r);
    shell_log(sh, L_WARN, "resolve failed host=%s error=%s", host, why);
    resolved(sh, host, NULL, 0);
    return;
  }
  memcpy(r->host, host, hlen + 1);
  r->sh = sh;
  r->port = port;
  r->next = sh->resolves;
  sh->resolves = r;
  sh->nresolves++;
  struct evutil_addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC; /* A and AAAA */
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  shell_log(sh, L_DEBUG, "resolving host=%s", host);
  r->starting = 1;
  struct evdns_getaddrinfo_request *req =
      evdns_getaddrinfo(sh->dns, r->host, NULL, &hints, resolve_cb, r);
  r->starting = 0;
  if (r->done) {
    free(r);         /* answered inside the call (/etc/hosts, an immediate error) */
  } else if (!req) { /* not per libevent's contract; never leave a lookup hanging */
    resolve_unlink(sh, r);
    free(r);
    shell_log(sh, L_WARN, "resolve failed host=%s error=request not started", host);
    resolved(sh, host, NULL, 0);
  } else {
    r->req = req;
  }
}

/* Cancel every lookup in progress; each callback still comes, with
 * EVUTIL_EAI_CANCEL, at a later loop iteration. orphan: the shell is going
 * away, so the callbacks must not touch it. */
static void resolves_cancel(pqnet_shell *sh, int orphan) {
  for (sresolve *r = sh->resolves; r; r = r->next) {
    if (orphan) r->sh = NULL;
    if (r->cancelled || !r->req) continue;
    r->cancelled = 1;
    evdns_getaddrinfo_cancel(r->req);
  }
  if (orphan) {
    sh->resolves = NULL;
    sh->nresolves = 0;
  }
}

size_t pqnet_shell_resolving(const pqnet_shell *sh) {
  return sh ? sh->nresolves : 0;
}

int pqnet_shell_listen(pqnet_shell *sh, const char *hostport) {
  struct addrinfo *res, *ai;
  if (!sh || !hostport) return PQNET_ERR_INVALID_ARG;
  if (sh->shutting_down) return PQNET_ERR_STATE;
  int rc = resolve(sh, hostport, 1, &res);
  if (rc) return rc;
  slistener *before = sh->listeners;
  int bound = 0;
  rc = 0;
  for (ai = res; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    rc = listen_one(sh, ai, hostport);
    if (rc) break;
    bound++;
  }
  freeaddrinfo(res);
  if (rc == 0 && bound == 0) rc = PQNET_ERR_IO;
  if (rc) { /* all or nothing for this string */
    while (sh->listeners != before) {
      slistener *l = sh->listeners;
      sh->listeners = l->next;
      listener_free(l);
    }
  }
  return rc;
}

size_t pqnet_shell_listen_addrs(const pqnet_shell *sh, pqnet_addr *out, size_t max) {
  size_t n = 0;
  for (const slistener *l = sh->listeners; l; l = l->next) {
    if (n < max) out[n] = l->addr;
    n++;
  }
  return n;
}

int pqnet_shell_dial_host(pqnet_shell *sh, const char *hostport) {
  struct addrinfo *res;
  pqnet_addr seen[DIAL_HOST_ADDRS_MAX];
  size_t nseen = 0;
  if (!sh || !hostport) return PQNET_ERR_INVALID_ARG;
  if (sh->shutting_down) return PQNET_ERR_STATE;
  int rc = resolve(sh, hostport, 0, &res);
  if (rc) return rc;
  for (const struct addrinfo *ai = res; ai && nseen < DIAL_HOST_ADDRS_MAX; ai = ai->ai_next) {
    pqnet_addr a;
    if (sockaddr_to_addr(ai->ai_addr, &a) != 0) continue;
    int dup = 0;
    for (size_t i = 0; i < nseen; i++) dup |= pqnet_addr_equal(&seen[i], &a);
    if (dup) continue;
    seen[nseen++] = a;
    NODE_CALL(sh, rc = pqnet_node_dial(sh->node, &a, pqnet_shell_now_ms()));
    if (rc) break;
  }
  freeaddrinfo(res);
  if (rc == 0 && nseen == 0) {
    shell_log(sh, L_WARN, "resolve failed host=%s error=no IPv4 or IPv6 address", hostport);
    rc = PQNET_ERR_IO;
  }
  pump(sh);
  return rc;
}

/* ---- lifecycle ---- */

void pqnet_shell_config_default(pqnet_shell_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->connect_timeout_ms = 10000;
  cfg->close_linger_ms = 2000;
  cfg->shutdown_grace_ms = 3000;
  cfg->send_queue_max = DEFAULT_SEND_QUEUE;
  cfg->read_max = DEFAULT_READ_MAX;
}

static void grace_cb(evutil_socket_t fd, short what, void *arg);

int pqnet_shell_new(struct event_base *base, pqnet_node *node, const pqnet_shell_config *cfg,
                    pqnet_shell **out) {
  pqnet_shell_config def;
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!base || !node) return PQNET_ERR_INVALID_ARG;
  pqnet_shell_config_default(&def);
  pqnet_shell *sh = calloc(1, sizeof *sh);
  if (!sh) return PQNET_ERR_NOMEM;
  sh->base = base;
  sh->node = node;
  sh->cfg = cfg ? *cfg : def;
  if (!sh->cfg.connect_timeout_ms) sh->cfg.connect_timeout_ms = def.connect_timeout_ms;
  if (!sh->cfg.close_linger_ms) sh->cfg.close_linger_ms = def.close_linger_ms;
  if (!sh->cfg.shutdown_grace_ms) sh->cfg.shutdown_grace_ms = def.shutdown_grace_ms;
  if (!sh->cfg.send_queue_max) sh->cfg.send_queue_max = def.send_queue_max;
  if (!sh->cfg.read_max) sh->cfg.read_max = def.read_max;
  sh->cfg.dns_server[sizeof sh->cfg.dns_server - 1] = '\0';
  if (sh->cfg.dns_server[0] &&
      pqnet_addr_parse(sh->cfg.dns_server, DNS_PORT, &sh->dns_server) != 0) {
    free(sh);
    return PQNET_ERR_MALFORMED;
  }
  sh->next_id = 1;
  sh->reaper = event_new(base, -1, 0, reaper_cb, sh);
  sh->wake = evtimer_new(base, wake_cb, sh);
  sh->grace = evtimer_new(base, grace_cb, sh);
  if (!sh->reaper || !sh->wake || !sh->grace) {
    pqnet_shell_del(sh);
    return PQNET_ERR_NOMEM;
  }
  *out = sh;
  return 0;
}

void pqnet_shell_del(pqnet_shell *sh) {
  if (!sh) return;
  sh->shutting_down = 1;
  sh->stopped = 1; /* no loopexit from here */
  for (size_t b = 0; b < SHELL_BUCKETS; b++) {
    while (sh->table[b]) {
      sconn *c = sh->table[b];
      sh->table[b] = c->next;
      sh->nconns--;
      if (c->node_knows) pqnet_node_closed(sh->node, c->id, pqnet_shell_now_ms());
      conn_free(c);
    }
  }
  reaper_cb(-1, 0, sh);
  resolves_cancel(sh, 1);
  if (sh->dns) evdns_base_free(sh->dns, 0);
  while (sh->listeners) {
    slistener *l = sh->listeners;
    sh->listeners = l->next;
    listener_free(l);
  }
  if (sh->reaper) event_free(sh->reaper);
  if (sh->wake) event_free(sh->wake);
  if (sh->grace) event_free(sh->grace);
  free(sh);
}

static void check_stopped(pqnet_shell *sh) {
  if (!sh->shutting_down || sh->stopped || sh->nconns > 0 || sh->nresolves > 0) return;
  sh->stopped = 1;
  evtimer_del(sh->grace);
  evtimer_del(sh->wake);
  shell_log(sh, L_DEBUG, "shell stopped");
  event_base_loopexit(sh->base, NULL);
}

/* The flush took too long: close whatever is left. */
static void grace_cb(evutil_socket_t fd, short what, void *arg) {
  pqnet_shell *sh = arg;
  (void)fd;
  (void)what;
  shell_log(sh, L_WARN, "shutdown grace expired connections=%zu", sh->nconns);
  for (size_t b = 0; b < SHELL_BUCKETS; b++) {
    while (sh->table[b]) conn_finish(sh, sh->table[b], "shutdown grace expired");
  }
  pump(sh);
  check_stopped(sh);
}

void pqnet_shell_shutdown(pqnet_shell *sh) {
  if (!sh || sh->shutting_down) return;
  sh->shutting_down = 1;
  struct timeval tv = ms_to_tv(sh->cfg.shutdown_grace_ms);
  evtimer_add(sh->grace, &tv);
  while (sh->listeners) {
    slistener *l = sh->listeners;
    sh->listeners = l->next;
    listener_free(l);
  }
  for (size_t b = 0; b < SHELL_BUCKETS; b++) {
    sconn **pp = &sh->table[b];
    while (*pp) {
      sconn *c = *pp;
      if (c->state == SC_DIALING) {
        conn_finish(sh, c, "shutdown"); /* unlinks c: *pp is now its successor */
      } else {
        pp = &c->next;
      }
    }
  }
  resolves_cancel(sh, 0); /* the shell stops once their callbacks came back */
  NODE_CALL(sh, pqnet_node_shutdown(sh->node, pqnet_shell_now_ms()));
  pump(sh);
  check_stopped(sh);
}

int pqnet_shell_stopped(const pqnet_shell *sh) {
  return sh->stopped;
}

pqnet_node *pqnet_shell_node(const pqnet_shell *sh) {
  return sh->node;
}

size_t pqnet_shell_conn_count(const pqnet_shell *sh) {
  return sh->nconns;
}
