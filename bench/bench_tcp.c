/*
 * Two processes over loopback TCP (fork): handshakes per second, encrypted
 * throughput with 64 KiB messages against plain TCP, and the heap an idle
 * open session costs the responder process (core + libevent shell).
 * Loopback only; the child is stopped before exit. See docs/BENCHMARKS.md.
 */
#include <event2/event.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "io/shell.h"
#include "pqnet/node.h"
#include "pqnet/sha3.h"

#define MSG_SIZE  65536
#define WINDOW    (4u << 20)
#define ACK_EVERY (1u << 20)
#define APP_PROTO 300

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pqnet_identity *make_identity(uint64_t k) {
  uint8_t seed[32];
  memset(seed, 0, sizeof seed);
  memcpy(seed, &k, sizeof k);
  pqnet_shake256(seed, 32, seed, 32);
  pqnet_identity *id;
  if (pqnet_identity_from_seed(seed, &id) != 0) exit(1);
  return id;
}

/* ---- the responder process ---- */

typedef struct responder {
  pqnet_node *node;
  pqnet_shell *shell;
  uint64_t received, acked;
  int ctl_fd;
  size_t heap_base;
} responder;

static void r_message(void *ctx, uint64_t conn, uint16_t proto, uint8_t type, const uint8_t *b,
                      size_t len) {
  responder *r = ctx;
  (void)proto;
  (void)type;
  (void)b;
  r->received += len;
  if (r->received - r->acked >= ACK_EVERY) {
    uint8_t ack[8];
    for (int i = 0; i < 8; i++) ack[i] = (uint8_t)(r->received >> (56 - 8 * i));
    r->acked = r->received;
    pqnet_node_send(r->node, conn, APP_PROTO, 2, ack, sizeof ack, pqnet_shell_now_ms());
  }
}

/* Control pipe: 'm' = report heap per open session, 'q' = quit. */
static void r_control(evutil_socket_t fd, short what, void *arg) {
  responder *r = arg;
  char c;
  (void)what;
  if (read(fd, &c, 1) != 1 || c == 'q') {
    pqnet_shell_shutdown(r->shell);
    return;
  }
  size_t peers = pqnet_node_peer_count(r->node, -1);
  double per = peers ? (double)(mallinfo2().uordblks - r->heap_base) / (double)peers : 0;
  char line[64];
  int n = snprintf(line, sizeof line, "%zu %.0f\n", peers, per);
  if (write(r->ctl_fd, line, (size_t)n) != n) exit(1);
}

/* A free loopback port (bound then released: the listener takes it next). */
static uint16_t free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) ||
      getsockname(s, (struct sockaddr *)&sa, &sl))
    exit(1);
  close(s);
  return ntohs(sa.sin_port);
}

static void run_responder(int port_fd, int ctl_in, int ctl_out) {
  struct event_base *base = event_base_new();
  responder r = {0};
  r.ctl_fd = ctl_out;
  pqnet_identity *id = make_identity(1);
  pqnet_node_config cfg;
  pqnet_node_config_default(&cfg);
  cfg.max_connections = 4096;
  pqnet_node_callbacks cb = {.ctx = &r, .message = r_message};
  char listen[32];
  snprintf(listen, sizeof listen, "127.0.0.1:%u", (unsigned)free_port());
  if (pqnet_node_new(&cfg, id, pqnet_rng_system(), &cb, &r.node) ||
      pqnet_shell_new(base, r.node, NULL, &r.shell) || pqnet_shell_listen(r.shell, listen)) {
    fprintf(stderr, "bench_tcp: responder cannot listen on %s\n", listen);
    _exit(1);
  }
  pqnet_addr a;
  pqnet_shell_listen_addrs(r.shell, &a, 1);
  r.heap_base = mallinfo2().uordblks;
  if (write(port_fd, &a.port, sizeof a.port) != sizeof a.port) exit(1);
  struct event *ev = event_new(base, ctl_in, EV_READ | EV_PERSIST, r_control, &r);
  event_add(ev, NULL);
  event_base_dispatch(base);
  event_free(ev);
  pqnet_shell_del(r.shell);
  pqnet_node_del(r.node);
  pqnet_identity_del(id);
  event_base_free(base);
  _exit(0);
}

/* ---- the initiator side ---- */

typedef struct dialer {
  pqnet_node *node;
  pqnet_shell *shell;
  pqnet_identity *id;
  pqnet_addr target;
  int mode; /* 0 handshakes, 1 throughput, 2 idle */
  uint64_t conn;
  int open;
  uint64_t handshakes, sent, acked;
  double deadline;
  struct event_base *base;
} dialer;

static void fill_window(dialer *d) {
  static uint8_t msg[MSG_SIZE];
  while (d->open && d->sent - d->acked < WINDOW && now_s() < d->deadline) {
    if (pqnet_node_send(d->node, d->conn, APP_PROTO, 1, msg, sizeof msg, pqnet_shell_now_ms()))
      break;
    d->sent += sizeof msg;
  }
}

static void d_connected(void *ctx, const pqnet_peer_info *p) {
  dialer *d = ctx;
  d->conn = p->conn;
  d->open = 1;
  d->handshakes++;
  if (d->mode == 0) {
    if (now_s() < d->deadline)
      pqnet_node_disconnect(d->node, p->conn, PQNET_REASON_APP, "next", pqnet_shell_now_ms());
    else
      event_base_loopexit(d->base, NULL);
  } else if (d->mode == 1) {
    fill_window(d);
  }
}

static void d_disconnected(void *ctx, const pqnet_peer_info *p, int reason, const char *text) {
  dialer *d = ctx;
  (void)p;
  d->open = 0;
  if (d->mode == 0 && now_s() < d->deadline && reason == PQNET_REASON_APP) {
    pqnet_node_dial(d->node, &d->target, pqnet_shell_now_ms());
  } else if (reason != PQNET_REASON_APP && reason != PQNET_REASON_CLOSED && now_s() < d->deadline) {
    fprintf(stderr, "bench_tcp: session ended early: %s\n", text);
  }
}

static void d_message(void *ctx, uint64_t conn, uint16_t proto, uint8_t type, const uint8_t *b,
                      size_t len) {
  dialer *d = ctx;
  (void)conn;
  (void)proto;
  if (type != 2 || len != 8) return;
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | b[i];
  d->acked = v;
  if (now_s() >= d->deadline) {
    event_base_loopexit(d->base, NULL);
    return;
  }
  fill_window(d);
}

static void dialer_init(dialer *d, struct event_base *base, uint64_t k, uint16_t port, int mode) {
  memset(d, 0, sizeof *d);
  d->base = base;
  d->mode = mode;
  d->id = make_identity(k);
  pqnet_addr_parse("127.0.0.1", port, &d->target);
  pqnet_node_config cfg;
  pqnet_node_config_default(&cfg);
  pqnet_node_callbacks cb = {.ctx = d,
                             .peer_connected = d_connected,
                             .peer_disconnected = d_disconnected,
                             .message = d_message};
  if (pqnet_node_new(&cfg, d->id, pqnet_rng_system(), &cb, &d->node) ||
      pqnet_shell_new(base, d->node, NULL, &d->shell))
    exit(1);
}

static void dialer_free(dialer *d) {
  pqnet_shell_del(d->shell);
  pqnet_node_del(d->node);
  pqnet_identity_del(d->id);
}

static void stop_cb(evutil_socket_t fd, short w, void *arg) {
  (void)fd;
  (void)w;
  event_base_loopexit(arg, NULL);
}

static double run_for(struct event_base *base, double secs) {
  struct timeval tv = {(time_t)secs + 2, 0};
  struct event *stop = evtimer_new(base, stop_cb, base);
  evtimer_add(stop, &tv);
  double t0 = now_s();
  event_base_dispatch(base);
  event_free(stop);
  return now_s() - t0;
}

/* Plain TCP baseline: write 64 KiB chunks for secs; the child counts. */
static double plain_tcp(double secs) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  if (bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 1) ||
      getsockname(ls, (struct sockaddr *)&sa, &sl))
    exit(1);
  int p[2];
  if (pipe(p)) exit(1);
  pid_t pid = fork();
  if (pid == 0) {
    int c = accept(ls, NULL, NULL);
    static char buf[1 << 16];
    uint64_t total = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) total += (uint64_t)n;
    if (write(p[1], &total, sizeof total) != sizeof total) _exit(1);
    _exit(0);
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(s, (struct sockaddr *)&sa, sizeof sa)) exit(1);
  static char buf[MSG_SIZE];
  double t0 = now_s(), t;
  while ((t = now_s()) - t0 < secs)
    if (write(s, buf, sizeof buf) < 0) break;
  close(s);
  uint64_t total = 0;
  if (read(p[0], &total, sizeof total) != sizeof total) exit(1);
  waitpid(pid, NULL, 0);
  close(ls);
  close(p[0]);
  close(p[1]);
  return (double)total / (now_s() - t0) / 1e6;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 3.0;
  signal(SIGPIPE, SIG_IGN);
  int port_pipe[2], to_child[2], from_child[2];
  if (pipe(port_pipe) || pipe(to_child) || pipe(from_child)) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(port_pipe[0]);
    close(to_child[1]);
    close(from_child[0]);
    run_responder(port_pipe[1], to_child[0], from_child[1]);
  }
  close(port_pipe[1]);
  close(to_child[0]);
  close(from_child[1]);
  setvbuf(stdout, NULL, _IOLBF, 0);
  uint16_t port;
  if (read(port_pipe[0], &port, sizeof port) != sizeof port) return 1;

  printf("== Loopback TCP, two processes (responder in a child process)\n");
  struct event_base *base = event_base_new();

  /* 1. Handshakes: 4 initiator identities, each dialing again as soon as its
   * previous session is closed, so both processes (and cores) stay busy. */
  enum { K = 4 };
  dialer d[K];
  for (int i = 0; i < K; i++) {
    dialer_init(&d[i], base, 100 + (uint64_t)i, port, 0);
    d[i].deadline = now_s() + secs;
    pqnet_node_dial(d[i].node, &d[i].target, pqnet_shell_now_ms());
    pqnet_shell_flush(d[i].shell);
  }
  double el = run_for(base, secs);
  uint64_t hs = 0;
  for (int i = 0; i < K; i++) hs += d[i].handshakes;
  printf("full handshakes over TCP: %.0f /s (%llu in %.2f s, %d initiators in one process, "
         "responder in another)\n",
         (double)hs / el, (unsigned long long)hs, el, K);
  for (int i = 0; i < K; i++) dialer_free(&d[i]);

  /* 2. Throughput with 64 KiB messages, acknowledged every MiB, 4 MiB window. */
  dialer t;
  dialer_init(&t, base, 200, port, 1);
  t.deadline = now_s() + 1e9;
  pqnet_node_dial(t.node, &t.target, pqnet_shell_now_ms());
  pqnet_shell_flush(t.shell);
  while (!t.open) event_base_loop(base, EVLOOP_ONCE);
  double t0 = now_s();
  uint64_t a0 = t.acked;
  t.deadline = t0 + secs;
  fill_window(&t);
  pqnet_shell_flush(t.shell);
  run_for(base, secs);
  double mbs = (double)(t.acked - a0) / (now_s() - t0) / 1e6;
  dialer_free(&t);
  double plain = plain_tcp(secs);
  printf("encrypted throughput, 64 KiB messages: %.0f MB/s; plain TCP: %.0f MB/s; ratio %.2f\n",
         mbs, plain, mbs / plain);

  /* 3. Heap per idle open session in the responder (core + shell). */
  enum { IDLE = 100 };
  dialer *idle = calloc(IDLE, sizeof *idle);
  for (int i = 0; i < IDLE; i++) {
    dialer_init(&idle[i], base, 1000 + (uint64_t)i, port, 2);
    pqnet_node_dial(idle[i].node, &idle[i].target, pqnet_shell_now_ms());
    pqnet_shell_flush(idle[i].shell);
  }
  for (int spins = 0; spins < 100000; spins++) {
    int open = 0;
    for (int i = 0; i < IDLE; i++) open += idle[i].open;
    if (open == IDLE) break;
    event_base_loop(base, EVLOOP_ONCE);
  }
  struct timeval settle = {0, 300000};
  event_base_loopexit(base, &settle);
  event_base_dispatch(base);
  if (write(to_child[1], "m", 1) != 1) return 1;
  char line[64] = {0};
  if (read(from_child[0], line, sizeof line - 1) <= 0) return 1;
  size_t peers = 0;
  double per = 0;
  sscanf(line, "%zu %lf", &peers, &per);
  printf("idle open session in the responder process: %.1f KiB heap each (%zu sessions, core + "
         "libevent shell)\n",
         per / 1024.0, peers);
  for (int i = 0; i < IDLE; i++) idle[i].deadline = 0; /* teardown: not an early end */
  for (int i = 0; i < IDLE; i++) dialer_free(&idle[i]);
  free(idle);

  if (write(to_child[1], "q", 1) != 1) kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  event_base_free(base);
  return 0;
}
