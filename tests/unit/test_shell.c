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
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

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
  int last_reason;
  int shutdown_on_disconnect; /* call pqnet_shell_shutdown from the callback */
  uint64_t last_conn;
  size_t last_len;
  char last_text[256];
} peer;

typedef struct world {
  struct event_base *base;
  struct event *tick; /* keeps EVLOOP_ONCE from blocking forever */
  peer a, b;
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
  peer_free(&w->a);
  peer_free(&w->b);
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
