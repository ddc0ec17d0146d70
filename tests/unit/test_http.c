/*
 * HTTP API tests (src/io/http.h) and the API cookie (src/io/cookie.h).
 *
 * One node with its shell and HTTP server on a libevent loop; requests go
 * through libevent's own HTTP client on the same loop, so everything runs in
 * one thread and the node can be inspected between requests.
 *
 * Checked: the cookie file (mode 0600, 64 hex digits, rewritten, read back,
 * removed only while it holds our token, ENOENT and malformed files); the
 * token (missing, wrong, right, case of "Bearer", WWW-Authenticate on 401);
 * bans through the API (host bits cleared, the banned and unbanned hooks, the
 * list, DELETE by query string, 404 for no such ban); every 400
 * of the ban and connect bodies; 405 with the path's Allow; POST
 * /p2p/connect dials (202, the dial counter, 409 for a second dial and for a
 * banned address); the embedder's routes (a text larger than the first
 * buffer, a failing callback, a built-in path refused at creation) and
 * metrics lines (appended, a family the server wrote already dropped); the
 * status page's headers.
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
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cookie.h"
#include "io/http.h"
#include "io/shell.h"
#include "pqnet/error.h"
#include "pqnet/node.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct world {
  struct event_base *base;
  pqnet_identity *id;
  pqnet_rng_det rng;
  pqnet_node *node;
  pqnet_shell *shell;
  pqnet_http *http;
  uint16_t port;
  /* hooks */
  int banned_calls, unbanned_calls;
  pqnet_ban last_ban;
  pqnet_addr last_unban;
  unsigned last_unban_prefix;
  /* the last answer */
  int done, status;
  char body[65536];
  char ctype[128], allow[64], www_auth[64], csp[512];
} world;

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

static void on_banned(void *ctx, const pqnet_ban *ban) {
  world *w = ctx;
  w->banned_calls++;
  w->last_ban = *ban;
}

static void on_unbanned(void *ctx, const pqnet_addr *addr, unsigned prefix_len) {
  world *w = ctx;
  w->unbanned_calls++;
  w->last_unban = *addr;
  w->last_unban_prefix = prefix_len;
}

/* A route whose text is bigger than the server's first buffer. */
static int big_route(void *ctx, char *buf, size_t cap) {
  (void)ctx;
  size_t n = 10000;
  if (cap > n) {
    buf[0] = '"';
    memset(buf + 1, 'x', n - 2);
    buf[n - 1] = '"';
    buf[n] = '\0';
  }
  return (int)n;
}

static int head_route(void *ctx, char *buf, size_t cap) {
  (void)ctx;
  return snprintf(buf, cap, "{\"height\": 7, \"hash\": \"ab\"}\n");
}

static int failing_route(void *ctx, char *buf, size_t cap) {
  (void)ctx;
  (void)buf;
  (void)cap;
  return -1;
}

/* The chain's lines: one family of its own, one the server writes itself. */
static int extra_metrics(void *ctx, char *buf, size_t cap) {
  (void)ctx;
  return snprintf(buf, cap,
                  "# HELP pqnet_chain_height Height of the best chain.\n"
                  "# TYPE pqnet_chain_height gauge\n"
                  "pqnet_chain_height 7\n"
                  "# HELP pqnet_p2p_announces_received_total Gossip ANNOUNCE messages received.\n"
                  "# TYPE pqnet_p2p_announces_received_total counter\n"
                  "pqnet_p2p_announces_received_total 0\n");
}

static int setup(void **state) {
  world *w = calloc(1, sizeof *w);
  uint8_t seed[32] = {1};
  pqnet_node_config cfg;
  pqnet_http_config hcfg;
  char hostport[32];
  if (!w) return -1;
  signal(SIGPIPE, SIG_IGN);
  w->base = event_base_new();
  if (!w->base || pqnet_identity_from_seed(seed, &w->id) != 0) return -1;
  pqnet_rng_det_init_u64(&w->rng, 42);
  pqnet_node_config_default(&cfg);
  cfg.feeler_interval_ms = 0;
  if (pqnet_node_new(&cfg, w->id, &w->rng.rng, NULL, &w->node) != 0) return -1;
  if (pqnet_shell_new(w->base, w->node, NULL, &w->shell) != 0) return -1;
  pqnet_http_config_default(&hcfg);
  memcpy(hcfg.token, TOKEN, sizeof TOKEN);
  hcfg.banned = on_banned;
  hcfg.unbanned = on_unbanned;
  hcfg.ban_ctx = w;
  hcfg.routes[0] = (pqnet_http_route){"/chain/head", head_route, NULL};
  hcfg.routes[1] = (pqnet_http_route){"/big", big_route, NULL};
  hcfg.routes[2] = (pqnet_http_route){"/broken", failing_route, NULL};
  hcfg.nroutes = 3;
  hcfg.metrics = extra_metrics;
  if (pqnet_http_new(w->base, w->shell, &hcfg, &w->http) != 0) return -1;
  w->port = free_port();
  snprintf(hostport, sizeof hostport, "127.0.0.1:%u", (unsigned)w->port);
  if (pqnet_http_listen(w->http, hostport, NULL) != 0) return -1;
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  pqnet_http_del(w->http);
  pqnet_shell_del(w->shell);
  pqnet_node_del(w->node);
  pqnet_identity_del(w->id);
  pqnet_rng_det_free(&w->rng);
  event_base_free(w->base);
  free(w);
  return 0;
}

static void copy_header(struct evkeyvalq *h, const char *name, char *out, size_t cap) {
  const char *v = evhttp_find_header(h, name);
  snprintf(out, cap, "%s", v ? v : "");
}

static void on_response(struct evhttp_request *req, void *arg) {
  world *w = arg;
  w->done = 1;
  w->status = req ? evhttp_request_get_response_code(req) : -1;
  w->body[0] = '\0';
  if (!req) return;
  struct evbuffer *b = evhttp_request_get_input_buffer(req);
  size_t n = evbuffer_get_length(b);
  if (n >= sizeof w->body) n = sizeof w->body - 1;
  evbuffer_copyout(b, w->body, n);
  w->body[n] = '\0';
  struct evkeyvalq *h = evhttp_request_get_input_headers(req);
  copy_header(h, "Content-Type", w->ctype, sizeof w->ctype);
  copy_header(h, "Allow", w->allow, sizeof w->allow);
  copy_header(h, "WWW-Authenticate", w->www_auth, sizeof w->www_auth);
  copy_header(h, "Content-Security-Policy", w->csp, sizeof w->csp);
}

/* One request on the loop; returns the status. auth: the whole
 * Authorization header value, or NULL. */
static int req(world *w, enum evhttp_cmd_type method, const char *path, const char *auth,
               const char *body) {
  struct evhttp_connection *c = evhttp_connection_base_new(w->base, NULL, "127.0.0.1", w->port);
  assert_non_null(c);
  struct evhttp_request *r = evhttp_request_new(on_response, w);
  struct evkeyvalq *h = evhttp_request_get_output_headers(r);
  evhttp_add_header(h, "Host", "127.0.0.1");
  if (auth) evhttp_add_header(h, "Authorization", auth);
  if (body) evbuffer_add(evhttp_request_get_output_buffer(r), body, strlen(body));
  w->done = 0;
  w->ctype[0] = w->allow[0] = w->www_auth[0] = w->csp[0] = '\0';
  assert_int_equal(evhttp_make_request(c, r, method, path), 0);
  for (int i = 0; i < 5000 && !w->done; i++) event_base_loop(w->base, EVLOOP_ONCE);
  assert_true(w->done);
  evhttp_connection_free(c);
  return w->status;
}

static const char *const BEARER = "Bearer " TOKEN;

static size_t active_bans(world *w) {
  pqnet_ban bans[8];
  return pqnet_node_bans(w->node, bans, 8);
}

/* ---- the cookie ---- */

static void test_cookie(void **state) {
  (void)state;
  char dir[] = "/tmp/pqnet-cookie-XXXXXX", path[4200], tok[65], tok2[65], got[65];
  pqnet_rng_det rng;
  struct stat st;
  assert_non_null(mkdtemp(dir));
  pqnet_rng_det_init_u64(&rng, 7);
  assert_int_equal(pqnet_cookie_generate(&rng.rng, tok), 0);
  assert_int_equal(strlen(tok), 64);
  assert_int_equal(strspn(tok, "0123456789abcdef"), 64);
  assert_int_equal(pqnet_cookie_generate(&rng.rng, tok2), 0);
  assert_string_not_equal(tok, tok2);

  assert_int_equal(pqnet_cookie_path(dir, path, sizeof path), 0);
  assert_int_equal(pqnet_cookie_read(dir, got), PQNET_ERR_IO);
  assert_int_equal(errno, ENOENT);
  assert_int_equal(pqnet_cookie_write(dir, tok), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(st.st_size, 65);
  assert_int_equal(pqnet_cookie_read(dir, got), 0);
  assert_string_equal(got, tok);

  /* A new start rewrites it; the old token no longer removes it. */
  assert_int_equal(pqnet_cookie_write(dir, tok2), 0);
  assert_int_equal(pqnet_cookie_read(dir, got), 0);
  assert_string_equal(got, tok2);
  assert_int_equal(pqnet_cookie_remove(dir, tok), PQNET_ERR_STATE);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(pqnet_cookie_remove(dir, tok2), 0);
  assert_int_equal(stat(path, &st), -1);
  assert_int_equal(pqnet_cookie_remove(dir, tok2), 0); /* already gone */

  assert_int_equal(pqnet_cookie_write(dir, "not a token"), PQNET_ERR_INVALID_ARG);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("  " TOKEN " \n", f); /* whitespace around is fine */
  fclose(f);
  assert_int_equal(pqnet_cookie_read(dir, got), 0);
  assert_string_equal(got, TOKEN);
  f = fopen(path, "w");
  fputs("DEADBEEF\n", f);
  fclose(f);
  assert_int_equal(pqnet_cookie_read(dir, got), PQNET_ERR_MALFORMED);
  assert_string_equal(got, "");
  assert_int_equal(pqnet_cookie_remove(dir, TOKEN), PQNET_ERR_STATE);
  unlink(path);
  rmdir(dir);
  pqnet_rng_det_free(&rng);
}

/* ---- the token ---- */

static void test_token(void **state) {
  world *w = *state;
  const char *body = "{\"address\":\"192.0.2.1\"}";
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/ban", NULL, body), 401);
  assert_string_equal(w->www_auth, "Bearer realm=\"pqnet\"");
  assert_non_null(strstr(w->body, "\"status\":401"));
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/ban",
                       "Bearer 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee",
                       body),
                   401);
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/ban", "Bearer 0123", body), 401);
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/ban", "Basic " TOKEN, body), 401);
  assert_int_equal(req(w, EVHTTP_REQ_DELETE, "/p2p/ban?address=192.0.2.1", NULL, NULL), 401);
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/connect", NULL, "{}"), 401);
  assert_int_equal(active_bans(w), 0);
  assert_int_equal(w->banned_calls, 0);
  /* The scheme is case-insensitive. */
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/ban", "bearer " TOKEN, body), 200);
  assert_int_equal(active_bans(w), 1);
  /* Reads need no token. */
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/p2p/bans", NULL, NULL), 200);
}

/* ---- bans ---- */

static void test_bans(void **state) {
  world *w = *state;
  char a[PQNET_ADDR_STRLEN];
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/ban", BEARER,
                       "{\"address\":\"10.1.2.3/8\",\"duration_seconds\":3600,"
                       "\"reason\":\"spam\"}"),
                   200);
  assert_non_null(strstr(w->body, "\"address\":\"10.0.0.0/8\""));
  assert_non_null(strstr(w->body, "\"duration_seconds\":3600"));
  assert_non_null(strstr(w->body, "\"reason\":\"spam\""));
  assert_int_equal(w->banned_calls, 1);
  assert_int_equal(w->last_ban.prefix_len, 8);
  pqnet_addr_format(&w->last_ban.addr, a, sizeof a);
  assert_string_equal(a, "10.0.0.0:0");
  assert_string_equal(w->last_ban.reason, "spam");
  uint64_t now = pqnet_shell_now_ms();
  assert_true(w->last_ban.until_ms > now + 3590000 && w->last_ban.until_ms <= now + 3600000);
  pqnet_addr inside;
  assert_int_equal(pqnet_addr_parse("10.200.0.1:7071", 0, &inside), 0);
  assert_true(pqnet_node_is_banned(w->node, &inside, now));

  /* IPv6, an address with a port (port ignored), the default duration. */
  assert_int_equal(
      req(w, EVHTTP_REQ_POST, "/p2p/ban", BEARER, "{\"address\":\"2001:db8:1::5/32\"}"), 200);
  assert_non_null(strstr(w->body, "\"address\":\"2001:db8::/32\""));
  assert_non_null(strstr(w->body, "\"duration_seconds\":86400"));
  assert_non_null(strstr(w->body, "\"reason\":\"manual\""));
  assert_int_equal(
      req(w, EVHTTP_REQ_POST, "/p2p/ban", BEARER, "{\"address\":\"198.51.100.7:7071\"}"), 200);
  assert_non_null(strstr(w->body, "\"address\":\"198.51.100.7\""));

  assert_int_equal(req(w, EVHTTP_REQ_GET, "/p2p/bans", NULL, NULL), 200);
  assert_non_null(strstr(w->body, "\"count\":3"));
  const char *p1 = strstr(w->body, "10.0.0.0/8"), *p2 = strstr(w->body, "198.51.100.7"),
             *p3 = strstr(w->body, "2001:db8::/32");
  assert_true(p1 && p2 && p3 && p1 < p2 && p2 < p3); /* sorted */
  assert_non_null(strstr(w->body, "\"remaining_seconds\":3600"));

  /* Lift (the query string decoded; the network's own bits are enough), then
   * one that is not there. */
  assert_int_equal(req(w, EVHTTP_REQ_DELETE, "/p2p/ban?address=10.9.9.9%2F8", BEARER, NULL), 200);
  assert_non_null(strstr(w->body, "\"address\":\"10.0.0.0/8\""));
  assert_int_equal(w->unbanned_calls, 1);
  assert_int_equal(w->last_unban_prefix, 8);
  assert_false(pqnet_node_is_banned(w->node, &inside, now));
  assert_int_equal(req(w, EVHTTP_REQ_DELETE, "/p2p/ban?address=2001:db8::/32", BEARER, NULL), 200);
  assert_int_equal(w->unbanned_calls, 2);
  assert_int_equal(req(w, EVHTTP_REQ_DELETE, "/p2p/ban?address=10.0.0.0/8", BEARER, NULL), 404);
  assert_non_null(strstr(w->body, "no ban on 10.0.0.0/8"));
  assert_int_equal(req(w, EVHTTP_REQ_DELETE, "/p2p/ban?address=198.51.100.7/24", BEARER, NULL),
                   404); /* exact network only */
  assert_int_equal(w->unbanned_calls, 2);
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/p2p/bans", NULL, NULL), 200);
  assert_non_null(strstr(w->body, "\"count\":1"));
}

static void test_bad_requests(void **state) {
  world *w = *state;
  static const struct {
    enum evhttp_cmd_type m;
    const char *path, *body, *error;
  } cases[] = {
      {EVHTTP_REQ_POST, "/p2p/ban", NULL, "expected a JSON object"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":", "not valid JSON"},
      {EVHTTP_REQ_POST, "/p2p/ban", "[1]", "must be a JSON object"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4\",\"address\":\"1.2.3.5\"}",
       "not valid JSON"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{}", "missing field \\\"address\\\""},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":7}", "must be a string"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4\",\"why\":\"x\"}", "unknown field"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4/33\"}", "bad address"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4/0\"}", "bad address"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4/x\"}", "bad address"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"example.org\"}", "bad address"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"\"}", "bad address"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4\",\"duration_seconds\":0}",
       "duration_seconds"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4\",\"duration_seconds\":\"1\"}",
       "duration_seconds"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4\",\"duration_seconds\":1.5}",
       "duration_seconds"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4\",\"duration_seconds\":315360001}",
       "duration_seconds"},
      {EVHTTP_REQ_POST, "/p2p/ban", "{\"address\":\"1.2.3.4\",\"reason\":\"a\\nb\"}",
       "printable ASCII"},
      {EVHTTP_REQ_POST, "/p2p/ban",
       "{\"address\":\"1.2.3.4\",\"reason\":\"0123456789012345678901234567890123456789"
       "012345678901234567890123\"}",
       "longer than 63"},
      {EVHTTP_REQ_DELETE, "/p2p/ban", NULL, "missing address"},
      {EVHTTP_REQ_DELETE, "/p2p/ban?other=1", NULL, "missing address"},
      {EVHTTP_REQ_DELETE, "/p2p/ban?address=nonsense", NULL, "bad address"},
      {EVHTTP_REQ_POST, "/p2p/connect", "{\"address\":\"example.org:7071\"}", "bad address"},
      {EVHTTP_REQ_POST, "/p2p/connect", "{\"address\":\"1.2.3.4:0\"}", "bad address"},
      {EVHTTP_REQ_POST, "/p2p/connect", "{\"addr\":\"1.2.3.4:7071\"}", "unknown field"},
      {EVHTTP_REQ_POST, "/p2p/connect", "", "expected a JSON object"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int st = req(w, cases[i].m, cases[i].path, BEARER, cases[i].body);
    if (st != 400 || !strstr(w->body, cases[i].error))
      fail_msg("case %zu (%s %s): %d %s", i, cases[i].path, cases[i].body ? cases[i].body : "", st,
               w->body);
    assert_string_equal(w->ctype, "application/json");
  }
  assert_int_equal(active_bans(w), 0);
  assert_int_equal(w->banned_calls, 0);

  /* Methods: each path's own Allow. */
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/p2p/connect", NULL, NULL), 405);
  assert_string_equal(w->allow, "POST");
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/p2p/ban", NULL, NULL), 405);
  assert_string_equal(w->allow, "POST, DELETE");
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/bans", BEARER, "{}"), 405);
  assert_string_equal(w->allow, "GET, HEAD");
  assert_int_equal(req(w, EVHTTP_REQ_PUT, "/p2p/ban", BEARER, "{}"), 405);
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/chain/head", BEARER, "{}"), 405);
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/p2p/nothing", NULL, NULL), 404);
}

static void test_connect(void **state) {
  world *w = *state;
  char body[96];
  /* A listener that never accepts: the TCP connect succeeds and the
   * handshake waits, so the node holds the connection. */
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
  assert_int_equal(listen(lfd, 4), 0);
  assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
  snprintf(body, sizeof body, "{\"address\":\"127.0.0.1:%u\"}", (unsigned)ntohs(sin.sin_port));

  uint64_t dials = pqnet_node_get_stats(w->node)->dials;
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/connect", BEARER, body), 202);
  assert_non_null(strstr(w->body, "\"status\":\"dialing\""));
  assert_int_equal(pqnet_node_get_stats(w->node)->dials, dials + 1);
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/connect", BEARER, body), 409);
  assert_non_null(strstr(w->body, "already connected to or dialing"));

  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/ban", BEARER, "{\"address\":\"127.0.0.0/8\"}"),
                   200);
  assert_int_equal(req(w, EVHTTP_REQ_POST, "/p2p/connect", BEARER, body), 409);
  assert_non_null(strstr(w->body, "is banned"));
  assert_int_equal(pqnet_node_get_stats(w->node)->dials, dials + 1);
  close(lfd);
}

/* ---- hooks, metrics, the page ---- */

static void test_routes(void **state) {
  world *w = *state;
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/chain/head", NULL, NULL), 200);
  assert_string_equal(w->body, "{\"height\": 7, \"hash\": \"ab\"}\n");
  assert_string_equal(w->ctype, "application/json");
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/big", NULL, NULL), 200);
  assert_int_equal(strlen(w->body), 10001); /* and the newline the server adds */
  assert_int_equal(req(w, EVHTTP_REQ_HEAD, "/big", NULL, NULL), 200);
  assert_string_equal(w->body, "");
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/broken", NULL, NULL), 500);
  assert_non_null(strstr(w->body, "\"status\":500"));

  /* Bad route tables are refused at creation. */
  pqnet_http_config hcfg;
  pqnet_http *h = NULL;
  pqnet_http_config_default(&hcfg);
  hcfg.routes[0] = (pqnet_http_route){"/metrics", head_route, NULL};
  hcfg.nroutes = 1;
  assert_int_equal(pqnet_http_new(w->base, w->shell, &hcfg, &h), PQNET_ERR_INVALID_ARG);
  assert_null(h);
  hcfg.routes[0] = (pqnet_http_route){"chain/head", head_route, NULL};
  assert_int_equal(pqnet_http_new(w->base, w->shell, &hcfg, &h), PQNET_ERR_INVALID_ARG);
  hcfg.routes[0] = (pqnet_http_route){"/x", NULL, NULL};
  assert_int_equal(pqnet_http_new(w->base, w->shell, &hcfg, &h), PQNET_ERR_INVALID_ARG);
  hcfg.nroutes = PQNET_HTTP_MAX_ROUTES + 1;
  assert_int_equal(pqnet_http_new(w->base, w->shell, &hcfg, &h), PQNET_ERR_INVALID_ARG);
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

static void test_metrics(void **state) {
  world *w = *state;
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/metrics", NULL, NULL), 200);
  assert_string_equal(w->ctype, "text/plain; version=0.0.4; charset=utf-8");
  assert_non_null(strstr(w->body, "pqnet_p2p_peers_connected{direction=\"inbound\"} 0\n"));
  assert_non_null(
      strstr(w->body, "pqnet_p2p_handshakes_failed_total{reason=\"chain-mismatch\"} 0"));
  assert_non_null(strstr(w->body, "\npqnet_uptime_seconds "));
  /* The embedder's own family is there once, the duplicate is not. */
  assert_int_equal(count(w->body, "# HELP pqnet_chain_height "), 1);
  assert_non_null(strstr(w->body, "\npqnet_chain_height 7\n"));
  assert_int_equal(count(w->body, "# HELP pqnet_p2p_announces_received_total "), 1);
  assert_int_equal(count(w->body, "# TYPE pqnet_p2p_announces_received_total "), 1);
  assert_int_equal(count(w->body, "\npqnet_p2p_announces_received_total "), 1);
  /* Every family has HELP and TYPE once. */
  assert_int_equal(count(w->body, "# HELP "), count(w->body, "# TYPE "));
  assert_int_equal(count(w->body, "# HELP pqnet_p2p_handshakes_failed_total "), 1);
  assert_int_equal(count(w->body, "pqnet_p2p_handshakes_failed_total{"), PQNET_REASON_MAX_);
}

static void test_page(void **state) {
  world *w = *state;
  assert_int_equal(req(w, EVHTTP_REQ_GET, "/", NULL, NULL), 200);
  assert_string_equal(w->ctype, "text/html; charset=utf-8");
  assert_non_null(strstr(w->csp, "default-src 'none'"));
  assert_non_null(strstr(w->csp, "connect-src 'self'"));
  assert_true(strncmp(w->body, "<!doctype html>", 15) == 0);
  assert_null(strstr(w->body, "http://"));
  assert_null(strstr(w->body, "https://"));
  assert_non_null(strstr(w->body, "/p2p/connections"));
  assert_int_equal(req(w, EVHTTP_REQ_HEAD, "/", NULL, NULL), 200);
  assert_string_equal(w->body, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cookie),
      cmocka_unit_test_setup_teardown(test_token, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bans, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
      cmocka_unit_test_setup_teardown(test_connect, setup, teardown),
      cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
      cmocka_unit_test_setup_teardown(test_page, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
