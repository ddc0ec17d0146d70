/*
 * I/O shell tests (src/io/shell.h): two real nodes in one process, each with
 * its own shell, on one libevent loop over loopback TCP.
 *
 * Checked: a dial becomes a session on both sides; application messages flow;
 * timers reach the node (Ping/Pong sets an RTT); a refused dial is reported
 * to the node; a peer whose send queue exceeds the cap is dropped with
 * send-queue-full; shutdown disconnects politely and stops the loop; a listen
 * string that cannot be bound fails with PQNET_ERR_IO and leaves nothing
 * behind; shell calls from inside node callbacks are safe; a node at
 * max_connections gets its extra socket closed; IPv6 loopback works where the
 * host has it.
 *
 * Seed resolution (RESOLVE): a literal seed is answered without DNS and
 * dialed; a name is resolved by evdns against an in-process DNS server
 * (libevent's evdns server API on a UDP port of 127.0.0.1) that gives it an A
 * and an AAAA record, both reported; NXDOMAIN is reported as 0 addresses and
 * logged at warn with the reason; a lookup in progress is cancelled by
 * shutdown (the shell stops once it is) and by pqnet_shell_del; a bad
 * dns_server is refused. Outbound sockets of a node listening on 127.0.0.2
 * come from 127.0.0.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrman/addrman.h"
#include "io/shell.h"
#include "pqnet/error.h"
#include "pqnet/node.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"

#define STEP_MS     20
#define DEADLINE_MS 10000

typedef struct peer {
  pqnet_identity *id;
  pqnet_rng_det rng;
  pqnet_node *node;
  pqnet_shell *shell;
  int connected, disconnected, messages, dial_failed_logs;
  int resolve_failed_logs, seed_none_logs;
  char seed_log[256]; /* the node's last "seed ... gave" line */
  int last_reason;
  int shutdown_on_disconnect; /* call pqnet_shell_shutdown from the callback */
  uint64_t last_conn;
  size_t last_len;
  char last_text[256];
} peer;

/* An in-process DNS server: "seed.test" has A 127.0.0.1 and AAAA ::1, other
 * names do not exist; with `silent` it never answers. */
typedef struct dns_server {
  evutil_socket_t fd;
  struct evdns_server_port *port;
  uint16_t udp_port;
  int queries;
  int silent;
} dns_server;

typedef struct world {
  struct event_base *base;
  struct event *tick; /* keeps EVLOOP_ONCE from blocking forever */
  peer a, b;
  dns_server dns; /* when port is not NULL */
} world;

static void on_connected(void *ctx, const pqnet_peer_info *p) {
  peer *me = ctx;
  me->connected++;
  me->last_conn = p->conn;
}

static void on_disconnected(void *ctx, const pqnet_peer_info *p, int reason, const char *text) {
  peer *me = ctx;
  (void)p;
  me->disconnected++;
  me->last_reason = reason;
  snprintf(me->last_text, sizeof me->last_text, "%s", text);
  if (me->shutdown_on_disconnect) {
    pqnet_shell_flush(me->shell); /* a no-op inside a node call */
    pqnet_shell_shutdown(me->shell);
  }
}

static void on_message(void *ctx, uint64_t conn, uint16_t proto, uint8_t type, const uint8_t *body,
                       size_t len) {
  peer *me = ctx;
  (void)conn;
  (void)proto;
  (void)type;
  (void)body;
  me->messages++;
  me->last_len = len;
}

static void on_log(void *ctx, int level, const char *msg) {
  peer *me = ctx;
  (void)level;
  if (strncmp(msg, "dial failed", 11) == 0) me->dial_failed_logs++;
  if (strncmp(msg, "resolve failed", 14) == 0 && level == 1) me->resolve_failed_logs++;
  if (strncmp(msg, "seed ", 5) == 0 && strstr(msg, " gave "))
    snprintf(me->seed_log, sizeof me->seed_log, "%s", msg);
  if (strncmp(msg, "seed ", 5) == 0 && strstr(msg, "resolved to no address")) me->seed_none_logs++;
  if (getenv("PQNET_TEST_VERBOSE")) fprintf(stderr, "[%p] %s\n", ctx, msg);
}

static void noop_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

static uint16_t free_port(void) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
  close(fd);
  return ntohs(sin.sin_port);
}

static uint32_t g_max_connections; /* 0: the default */
static const char *g_seed;         /* the node's only seed (NULL: none) */
static const char *g_dns_server;   /* the shell's dns_server (NULL: none) */

static void peer_init(world *w, peer *p, uint64_t seed, uint16_t port, size_t send_queue_max) {
  uint8_t idseed[32];
  pqnet_node_config cfg;
  pqnet_shell_config scfg;
  memset(p, 0, sizeof *p);
  pqnet_shake256(idseed, sizeof idseed, (const uint8_t *)&seed, sizeof seed);
  assert_int_equal(pqnet_identity_from_seed(idseed, &p->id), 0);
  pqnet_rng_det_init_u64(&p->rng, seed);
  pqnet_node_config_default(&cfg);
  cfg.listen_port = port;
  cfg.ping_interval_ms = 100;
  cfg.pong_timeout_ms = 5000;
  if (g_max_connections) cfg.max_connections = g_max_connections;
  if (g_seed) {
    snprintf(cfg.seeds[0], sizeof cfg.seeds[0], "%s", g_seed);
    cfg.nseeds = 1;
    cfg.feeler_interval_ms = 0;
  }
  pqnet_node_callbacks cb = {.ctx = p,
                             .peer_connected = on_connected,
                             .peer_disconnected = on_disconnected,
                             .message = on_message,
                             .log = on_log};
  assert_int_equal(pqnet_node_new(&cfg, p->id, &p->rng.rng, &cb, &p->node), 0);
  pqnet_shell_config_default(&scfg);
  scfg.connect_timeout_ms = 2000;
  scfg.close_linger_ms = 500;
  scfg.shutdown_grace_ms = 1000;
  if (send_queue_max) scfg.send_queue_max = send_queue_max;
  scfg.log = on_log;
  scfg.log_ctx = p;
  if (g_dns_server) snprintf(scfg.dns_server, sizeof scfg.dns_server, "%s", g_dns_server);
  assert_int_equal(pqnet_shell_new(w->base, p->node, &scfg, &p->shell), 0);
}

static void peer_free(peer *p) {
  pqnet_shell_del(p->shell);
  pqnet_node_del(p->node);
  pqnet_identity_del(p->id);
  pqnet_rng_det_free(&p->rng);
}

static int setup(void **state) {
  world *w = calloc(1, sizeof *w);
  if (!w) return -1;
  signal(SIGPIPE, SIG_IGN);
  w->base = event_base_new();
  if (!w->base) return -1;
  w->tick = event_new(w->base, -1, EV_PERSIST, noop_cb, NULL);
  struct timeval tv = {0, STEP_MS * 1000};
  event_add(w->tick, &tv);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  g_max_connections = 0;
  g_seed = NULL;
  g_dns_server = NULL;
  peer_free(&w->a);
  peer_free(&w->b);
  if (w->dns.port) {
    evdns_close_server_port(w->dns.port);
    close(w->dns.fd);
  }
  event_free(w->tick);
  event_base_free(w->base);
  free(w);
  return 0;
}

/* Run the loop until *flag >= want or the deadline passes. */
static int run_until(world *w, const int *flag, int want) {
  uint64_t end = pqnet_shell_now_ms() + DEADLINE_MS;
  while (*flag < want && pqnet_shell_now_ms() < end) event_base_loop(w->base, EVLOOP_ONCE);
  return *flag >= want;
}

static void connect_pair(world *w, size_t a_send_queue_max) {
  char hp[64];
  uint16_t port = free_port();
  peer_init(w, &w->a, 1, port, a_send_queue_max);
  peer_init(w, &w->b, 2, 0, 0);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)port);
  assert_int_equal(pqnet_shell_listen(w->a.shell, hp), 0);
  pqnet_addr bound;
  assert_int_equal(pqnet_shell_listen_addrs(w->a.shell, &bound, 1), 1);
  assert_int_equal(bound.port, port);
  assert_int_equal(pqnet_shell_dial_host(w->b.shell, hp), 0);
  assert_true(run_until(w, &w->a.connected, 1));
  assert_true(run_until(w, &w->b.connected, 1));
  assert_int_equal(w->b.last_conn, 1); /* ids count from 1 */
  assert_int_equal(w->a.last_conn, 1);
}

static void test_session_and_messages(void **state) {
  world *w = *state;
  connect_pair(w, 0);
  uint8_t body[3000];
  memset(body, 0x5a, sizeof body);
  assert_int_equal(pqnet_node_send(w->b.node, w->b.last_conn, PQNET_PROTO_APP_MIN, 7, body,
                                   sizeof body, pqnet_shell_now_ms()),
                   0);
  pqnet_shell_flush(w->b.shell); /* a direct node call: carry its SEND out now */
  assert_true(run_until(w, &w->a.messages, 1));
  assert_int_equal(w->a.last_len, sizeof body);

  /* Ping every 100 ms: wait until a Pong gave an RTT sample. */
  pqnet_peer_info info;
  uint64_t end = pqnet_shell_now_ms() + DEADLINE_MS;
  do {
    event_base_loop(w->base, EVLOOP_ONCE);
    assert_int_equal(pqnet_node_peer_info(w->b.node, w->b.last_conn, &info), 0);
  } while (info.srtt_ms == 0 && pqnet_shell_now_ms() < end);
  assert_true(info.srtt_ms > 0);
  assert_int_equal(w->a.disconnected + w->b.disconnected, 0);
  assert_int_equal(pqnet_shell_conn_count(w->a.shell), 1);
  assert_int_equal(pqnet_shell_conn_count(w->b.shell), 1);

  /* The application closes the session: both ends learn it; sockets go. */
  assert_int_equal(pqnet_node_disconnect(w->b.node, w->b.last_conn, PQNET_REASON_APP, "bye",
                                         pqnet_shell_now_ms()),
                   0);
  pqnet_shell_flush(w->b.shell);
  assert_true(run_until(w, &w->a.disconnected, 1));
  assert_int_equal(w->b.disconnected, 1);
  assert_int_equal(w->b.last_reason, PQNET_REASON_APP);
  end = pqnet_shell_now_ms() + DEADLINE_MS;
  while ((pqnet_shell_conn_count(w->a.shell) || pqnet_shell_conn_count(w->b.shell)) &&
         pqnet_shell_now_ms() < end)
    event_base_loop(w->base, EVLOOP_ONCE);
  assert_int_equal(pqnet_shell_conn_count(w->a.shell), 0);
  assert_int_equal(pqnet_shell_conn_count(w->b.shell), 0);
  assert_int_equal(pqnet_node_connection_count(w->a.node), 0);
  assert_int_equal(pqnet_node_connection_count(w->b.node), 0);
}

/* A's cap is 64 KiB; one 1 MiB message cannot be taken by the kernel at once,
 * so A drops B with send-queue-full instead of buffering. */
static void test_send_queue_cap(void **state) {
  world *w = *state;
  connect_pair(w, 64 * 1024);
  size_t len = 1024 * 1024;
  uint8_t *body = calloc(1, len);
  assert_non_null(body);
  assert_int_equal(pqnet_node_send(w->a.node, w->a.last_conn, PQNET_PROTO_APP_MIN, 1, body, len,
                                   pqnet_shell_now_ms()),
                   0);
  free(body);
  pqnet_shell_flush(w->a.shell);
  assert_int_equal(w->a.disconnected, 1); /* dropped at once, not after buffering */
  assert_true(run_until(w, &w->a.disconnected, 1));
  assert_int_equal(w->a.last_reason, PQNET_REASON_SEND_QUEUE);
  assert_true(run_until(w, &w->b.disconnected, 1));
}

static void test_dial_refused(void **state) {
  world *w = *state;
  char hp[64];
  peer_init(w, &w->a, 3, 0, 0);
  peer_init(w, &w->b, 4, 0, 0);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)free_port()); /* nobody listens */
  assert_int_equal(pqnet_shell_dial_host(w->a.shell, hp), 0);
  assert_true(run_until(w, &w->a.dial_failed_logs, 2)); /* the shell's line and the node's */
  assert_int_equal(pqnet_shell_conn_count(w->a.shell), 0);
  assert_int_equal(w->a.connected, 0);

  assert_int_equal(pqnet_shell_dial_host(w->a.shell, "no-port"), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_shell_dial_host(w->a.shell, "[::1"), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_shell_dial_host(NULL, hp), PQNET_ERR_INVALID_ARG);
}

static void test_listen_errors(void **state) {
  world *w = *state;
  char hp[64];
  pqnet_addr bound[4];
  uint16_t port = free_port();
  peer_init(w, &w->a, 5, 0, 0);
  peer_init(w, &w->b, 6, 0, 0);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)port);
  assert_int_equal(pqnet_shell_listen(w->a.shell, hp), 0);
  /* The same address again from another shell: in use. */
  assert_int_equal(pqnet_shell_listen(w->b.shell, hp), PQNET_ERR_IO);
  assert_int_equal(pqnet_shell_listen_addrs(w->b.shell, bound, 4), 0);
  /* Not an address of this host. */
  assert_int_equal(pqnet_shell_listen(w->b.shell, "192.0.2.1:7071"), PQNET_ERR_IO);
  assert_int_equal(pqnet_shell_listen(w->b.shell, "127.0.0.1"), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_shell_listen(w->b.shell, "127.0.0.1:0"), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_shell_listen(NULL, hp), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_shell_listen_addrs(w->b.shell, bound, 4), 0);
}

static void test_shutdown(void **state) {
  world *w = *state;
  connect_pair(w, 0);
  pqnet_shell_shutdown(w->a.shell);
  pqnet_shell_shutdown(w->a.shell); /* idempotent */
  assert_int_equal(w->a.disconnected, 1);
  assert_int_equal(w->a.last_reason, PQNET_REASON_SHUTDOWN);
  /* The loop exits once A's socket is closed; A's shell reports it stopped. */
  uint64_t end = pqnet_shell_now_ms() + DEADLINE_MS;
  while (!pqnet_shell_stopped(w->a.shell) && pqnet_shell_now_ms() < end)
    event_base_loop(w->base, EVLOOP_ONCE);
  assert_true(pqnet_shell_stopped(w->a.shell));
  assert_int_equal(pqnet_shell_conn_count(w->a.shell), 0);
  assert_true(run_until(w, &w->b.disconnected, 1));
  assert_int_equal(w->b.last_reason, PQNET_REASON_SHUTDOWN);
  assert_int_equal(pqnet_shell_listen_addrs(w->a.shell, NULL, 0), 0);
  assert_int_equal(pqnet_shell_listen(w->a.shell, "127.0.0.1:7071"), PQNET_ERR_STATE);
  assert_int_equal(pqnet_shell_dial_host(w->a.shell, "127.0.0.1:7071"), PQNET_ERR_STATE);
}

/* Shell calls from inside a node callback: B shuts its shell down from the
 * peer_disconnected callback that A's shutdown causes. The node is never
 * re-entered (ASan would see it), and both shells stop. */
static void test_shutdown_from_callback(void **state) {
  world *w = *state;
  connect_pair(w, 0);
  w->b.shutdown_on_disconnect = 1;
  pqnet_shell_shutdown(w->a.shell);
  uint64_t end = pqnet_shell_now_ms() + DEADLINE_MS;
  while (!(pqnet_shell_stopped(w->a.shell) && pqnet_shell_stopped(w->b.shell)) &&
         pqnet_shell_now_ms() < end)
    event_base_loop(w->base, EVLOOP_ONCE);
  assert_true(pqnet_shell_stopped(w->a.shell));
  assert_true(pqnet_shell_stopped(w->b.shell));
  assert_int_equal(w->b.disconnected, 1);
  assert_int_equal(pqnet_node_connection_count(w->a.node), 0);
  assert_int_equal(pqnet_node_connection_count(w->b.node), 0);
}

/* A node at max_connections refuses the next socket: the shell closes it at
 * once (no pqnet_node_closed owed) and the existing session carries on. */
static void test_max_connections(void **state) {
  world *w = *state;
  char hp[64];
  g_max_connections = 1;
  uint16_t port = free_port();
  peer_init(w, &w->a, 9, port, 0);
  g_max_connections = 0;
  peer_init(w, &w->b, 10, 0, 0);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)port);
  assert_int_equal(pqnet_shell_listen(w->a.shell, hp), 0);
  assert_int_equal(pqnet_shell_dial_host(w->b.shell, hp), 0);
  assert_true(run_until(w, &w->b.connected, 1));
  assert_true(run_until(w, &w->a.connected, 1));
  /* A second connection to the same address is refused by the node itself
   * (never two sessions to one address), so come in through 127.0.0.2. */
  assert_int_equal(pqnet_shell_dial_host(w->b.shell, hp), PQNET_ERR_STATE);
  char hp2[64];
  snprintf(hp2, sizeof hp2, "127.0.0.2:%u", (unsigned)port);
  assert_int_equal(pqnet_shell_listen(w->a.shell, hp2), 0);
  assert_int_equal(pqnet_shell_dial_host(w->b.shell, hp2), 0);
  assert_true(run_until(w, &w->b.disconnected, 1)); /* the second one, during its handshake */
  assert_int_equal(w->b.last_reason, PQNET_REASON_CLOSED);
  assert_int_equal(w->a.connected, 1);
  assert_int_equal(w->a.disconnected, 0);
  assert_int_equal(pqnet_node_peer_count(w->b.node, -1), 1);
  uint64_t end = pqnet_shell_now_ms() + DEADLINE_MS;
  while (pqnet_shell_conn_count(w->a.shell) != 1 && pqnet_shell_now_ms() < end)
    event_base_loop(w->base, EVLOOP_ONCE);
  assert_int_equal(pqnet_shell_conn_count(w->a.shell), 1);
  assert_int_equal(pqnet_node_connection_count(w->a.node), 1);
}

static void test_ipv6(void **state) {
  world *w = *state;
  char hp[64];
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 sin6;
  socklen_t len = sizeof sin6;
  memset(&sin6, 0, sizeof sin6);
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof sin6) != 0) {
    if (fd >= 0) close(fd);
    peer_init(w, &w->a, 7, 0, 0);
    peer_init(w, &w->b, 8, 0, 0);
    skip(); /* no IPv6 loopback on this host */
  }
  getsockname(fd, (struct sockaddr *)&sin6, &len);
  close(fd);
  uint16_t port = ntohs(sin6.sin6_port);
  peer_init(w, &w->a, 7, port, 0);
  peer_init(w, &w->b, 8, 0, 0);
  snprintf(hp, sizeof hp, "[::1]:%u", (unsigned)port);
  assert_int_equal(pqnet_shell_listen(w->a.shell, hp), 0);
  assert_int_equal(pqnet_shell_dial_host(w->b.shell, hp), 0);
  assert_true(run_until(w, &w->a.connected, 1));
  assert_true(run_until(w, &w->b.connected, 1));
  pqnet_peer_info info;
  assert_int_equal(pqnet_node_peer_info(w->b.node, w->b.last_conn, &info), 0);
  assert_int_equal(info.addr.family, 6);
}

/* ---- seed resolution ---- */

static void dns_answer(struct evdns_server_request *req, void *arg) {
  dns_server *d = arg;
  d->queries++;
  if (d->silent) {
    evdns_server_request_drop(req);
    return;
  }
  int found = 0;
  for (int i = 0; i < req->nquestions; i++) {
    const struct evdns_server_question *q = req->questions[i];
    if (evutil_ascii_strcasecmp(q->name, "seed.test") != 0) continue;
    found = 1;
    if (q->type == EVDNS_TYPE_A) {
      uint32_t ip = htonl(INADDR_LOOPBACK);
      evdns_server_request_add_a_reply(req, q->name, 1, &ip, 60);
    } else if (q->type == EVDNS_TYPE_AAAA) {
      evdns_server_request_add_aaaa_reply(req, q->name, 1, &in6addr_loopback, 60);
    }
  }
  evdns_server_request_respond(req, found ? 0 : DNS_ERR_NOTEXIST);
}

static dns_server *dns_start(world *w, int silent) {
  dns_server *d = &w->dns;
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  memset(d, 0, sizeof *d);
  d->silent = silent;
  d->fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(d->fd >= 0);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(d->fd, (struct sockaddr *)&sin, sizeof sin), 0);
  assert_int_equal(getsockname(d->fd, (struct sockaddr *)&sin, &len), 0);
  d->udp_port = ntohs(sin.sin_port);
  evutil_make_socket_nonblocking(d->fd);
  d->port = evdns_add_server_port_with_base(w->base, d->fd, 0, dns_answer, d);
  assert_non_null(d->port);
  return d;
}

/* Run the loop until p's shell has no lookup in progress, or the deadline. */
static int run_while_resolving(world *w, peer *p) {
  uint64_t end = pqnet_shell_now_ms() + DEADLINE_MS;
  while (pqnet_shell_resolving(p->shell) > 0 && pqnet_shell_now_ms() < end)
    event_base_loop(w->base, EVLOOP_ONCE);
  return pqnet_shell_resolving(p->shell) == 0;
}

/* A literal seed never touches DNS: B resolves it at once and dials A. */
static void test_resolve_literal(void **state) {
  world *w = *state;
  char hp[64];
  uint16_t port = free_port();
  peer_init(w, &w->a, 11, port, 0);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)port);
  assert_int_equal(pqnet_shell_listen(w->a.shell, hp), 0);
  g_seed = hp;
  g_dns_server = "127.0.0.1:9"; /* would never answer: must not be asked */
  peer_init(w, &w->b, 12, 0, 0);
  pqnet_node_start(w->b.node, pqnet_shell_now_ms());
  pqnet_shell_flush(w->b.shell);
  assert_int_equal(pqnet_shell_resolving(w->b.shell), 0); /* answered inside the flush */
  assert_non_null(strstr(w->b.seed_log, "seed 127.0.0.1 gave 1 address"));
  assert_true(run_until(w, &w->a.connected, 1));
  assert_true(run_until(w, &w->b.connected, 1));
}

/* A name: one A and one AAAA record from the DNS server, both reported. */
static void test_resolve_name(void **state) {
  world *w = *state;
  char hp[64], seed[64];
  dns_server *d = dns_start(w, 0);
  uint16_t port = free_port();
  peer_init(w, &w->a, 13, port, 0);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)port);
  assert_int_equal(pqnet_shell_listen(w->a.shell, hp), 0);
  snprintf(seed, sizeof seed, "seed.test:%u", (unsigned)port);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)d->udp_port);
  g_seed = seed;
  g_dns_server = hp;
  peer_init(w, &w->b, 14, 0, 0);
  pqnet_node_start(w->b.node, pqnet_shell_now_ms());
  pqnet_shell_flush(w->b.shell);
  assert_int_equal(pqnet_shell_resolving(w->b.shell), 1); /* asynchronous */
  assert_true(run_while_resolving(w, &w->b));
  assert_true(d->queries >= 2); /* A and AAAA */
  assert_non_null(strstr(w->b.seed_log, "seed seed.test gave 2 addresses"));
  assert_int_equal(w->b.resolve_failed_logs, 0);
  assert_true(run_until(w, &w->a.connected, 1)); /* 127.0.0.1 answers; ::1 may not listen */
  pqnet_addrman *am = pqnet_node_addrman(w->b.node);
  pqnet_addr v4, v6;
  pqnet_addr_info info;
  assert_int_equal(pqnet_addr_parse("127.0.0.1", port, &v4), 0);
  assert_int_equal(pqnet_addr_parse("[::1]", port, &v6), 0);
  assert_int_equal(pqnet_addrman_find(am, &v4, &info), 0);
  assert_int_equal(pqnet_addrman_find(am, &v6, &info), 0);
}

/* A name that does not exist: 0 addresses, a warn line with the reason from
 * the shell and the node's own line. */
static void test_resolve_nxdomain(void **state) {
  world *w = *state;
  char hp[64];
  dns_server *d = dns_start(w, 0);
  peer_init(w, &w->a, 15, 0, 0);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)d->udp_port);
  g_seed = "missing.test";
  g_dns_server = hp;
  peer_init(w, &w->b, 16, 0, 0);
  pqnet_node_start(w->b.node, pqnet_shell_now_ms());
  pqnet_shell_flush(w->b.shell);
  assert_true(run_while_resolving(w, &w->b));
  assert_int_equal(w->b.resolve_failed_logs, 1);
  assert_int_equal(w->b.seed_none_logs, 1);
}

/* A lookup the server never answers: shutdown cancels it and the shell
 * stops without reporting it to the node; pqnet_shell_del cancels another. */
static void test_resolve_cancel(void **state) {
  world *w = *state;
  char hp[64];
  dns_server *d = dns_start(w, 1);
  snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)d->udp_port);
  g_seed = "seed.test";
  g_dns_server = hp;
  peer_init(w, &w->a, 17, 0, 0);
  peer_init(w, &w->b, 18, 0, 0);
  pqnet_node_start(w->b.node, pqnet_shell_now_ms());
  pqnet_node_start(w->a.node, pqnet_shell_now_ms());
  pqnet_shell_flush(w->b.shell);
  pqnet_shell_flush(w->a.shell);
  assert_int_equal(pqnet_shell_resolving(w->b.shell), 1);
  assert_int_equal(pqnet_shell_resolving(w->a.shell), 1);
  uint64_t end = pqnet_shell_now_ms() + 300;
  while (d->queries < 2 && pqnet_shell_now_ms() < end) event_base_loop(w->base, EVLOOP_ONCE);
  pqnet_shell_shutdown(w->b.shell);
  assert_false(pqnet_shell_stopped(w->b.shell)); /* the cancellation is still to come */
  end = pqnet_shell_now_ms() + DEADLINE_MS;
  while (!pqnet_shell_stopped(w->b.shell) && pqnet_shell_now_ms() < end)
    event_base_loop(w->base, EVLOOP_ONCE);
  assert_true(pqnet_shell_stopped(w->b.shell));
  assert_int_equal(pqnet_shell_resolving(w->b.shell), 0);
  assert_int_equal(w->b.seed_none_logs, 0); /* a cancelled lookup is not a failure */
  /* A: deleted with its lookup in progress; one more loop pass frees it. */
  pqnet_shell_del(w->a.shell);
  w->a.shell = NULL;
  event_base_loop(w->base, EVLOOP_NONBLOCK);
  assert_int_equal(w->a.seed_none_logs, 0);
}

static void test_dns_server_config(void **state) {
  world *w = *state;
  pqnet_node_config cfg;
  pqnet_shell_config scfg;
  pqnet_shell *sh = NULL;
  peer_init(w, &w->a, 19, 0, 0);
  peer_init(w, &w->b, 20, 0, 0);
  pqnet_node_config_default(&cfg);
  pqnet_shell_config_default(&scfg);
  const char *bad[] = {"dns.example", "127.0.0.1:0", "::1", "127.0.0.1:x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(scfg.dns_server, sizeof scfg.dns_server, "%s", bad[i]);
    assert_int_equal(pqnet_shell_new(w->base, w->a.node, &scfg, &sh), PQNET_ERR_MALFORMED);
    assert_null(sh);
  }
  const char *good[] = {"127.0.0.1", "127.0.0.1:5353", "[::1]:53"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    snprintf(scfg.dns_server, sizeof scfg.dns_server, "%s", good[i]);
    assert_int_equal(pqnet_shell_new(w->base, w->a.node, &scfg, &sh), 0);
    pqnet_shell_del(sh);
  }
}

/* A listens on 127.0.0.2: its outbound socket to B (127.0.0.1) comes from
 * 127.0.0.2, so B sees A at the address A listens on. */
static void test_source_address(void **state) {
  world *w = *state;
  char hpa[64], hpb[64];
  uint16_t pa = free_port(), pb = free_port();
  peer_init(w, &w->a, 21, pa, 0);
  peer_init(w, &w->b, 22, pb, 0);
  snprintf(hpa, sizeof hpa, "127.0.0.2:%u", (unsigned)pa);
  snprintf(hpb, sizeof hpb, "127.0.0.1:%u", (unsigned)pb);
  if (pqnet_shell_listen(w->a.shell, hpa) != 0) skip(); /* no 127.0.0.2 on this host */
  assert_int_equal(pqnet_shell_listen(w->b.shell, hpb), 0);
  assert_int_equal(pqnet_shell_dial_host(w->a.shell, hpb), 0);
  assert_true(run_until(w, &w->b.connected, 1));
  pqnet_peer_info info;
  assert_int_equal(pqnet_node_peer_info(w->b.node, w->b.last_conn, &info), 0);
  assert_int_equal(info.addr.family, 4);
  assert_memory_equal(info.addr.ip, "\x7f\x00\x00\x02", 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_session_and_messages, setup, teardown),
      cmocka_unit_test_setup_teardown(test_send_queue_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dial_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_listen_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shutdown_from_callback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_max_connections, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resolve_literal, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resolve_name, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resolve_nxdomain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resolve_cancel, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dns_server_config, setup, teardown),
      cmocka_unit_test_setup_teardown(test_source_address, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
