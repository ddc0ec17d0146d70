/*
 * pqnet-cli: talk to a running pqnetd through its HTTP API (src/io/http.h,
 * docs/OPERATIONS.md).
 *
 *   pqnet-cli [--http HOST:PORT] [--base-path DIR] [--json] [--timeout SECS]
 *             health | id | peers | connections | metrics | bans | head |
 *             connect ADDR | ban ADDR [DURATION] [--reason TEXT] | unban ADDR
 *
 * Read-only commands need nothing; connect, ban and unban send the token of
 * <base-path>/.cookie (src/io/cookie.h), which only the node's user can read.
 * Output is a human-readable table or list; --json prints the node's JSON as
 * it came (metrics are always the Prometheus text).
 *
 * Exit codes: 0 done, 1 the node answered with an error or could not be
 * reached (the message says which and what to check), 2 bad usage.
 *
 * The HTTP client is deliberately small: one blocking HTTP/1.1 request per
 * connection (Connection: close), every step bounded by --timeout, the
 * response capped at RESPONSE_MAX bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io/cookie.h"
#include "pqnet/addr.h"
#include "pqnet/error.h"

#define CLI_VERSION     "0.1.0"
#define EXIT_NODE       1
#define EXIT_USAGE      2
#define DEFAULT_HTTP    "127.0.0.1:7070"
#define DEFAULT_BASE    "./pqnet-data"
#define DEFAULT_TIMEOUT 10
#define RESPONSE_MAX    (16u << 20) /* the address book of a big node is ~2 MiB */
#define BAN_MAX_SECONDS 315360000L  /* the server's limit: ten years */
#define CONNECT_WAIT_MS 3000        /* connect: how long to watch for the session */
#define PATH_BUF        4200

typedef struct cli {
  const char *http;      /* HOST:PORT */
  const char *base_path; /* where the cookie is */
  const char *reason;    /* ban --reason */
  int json;
  unsigned timeout_s;
} cli;

/* ---- messages ---- */

static int say(int code, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "pqnet-cli: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: pqnet-cli [options] COMMAND [ARGS]\n"
          "\n"
          "Talks to a running pqnetd through its HTTP API.\n"
          "\n"
          "commands:\n"
          "  health               is the node up: peers, uptime, PeerId\n"
          "  id                   the node's PeerId and P2P address\n"
          "  peers                the addresses in the node's address book\n"
          "  connections          open sessions: direction, address, RTT, height, traffic\n"
          "  metrics              Prometheus metrics (text)\n"
          "  bans                 bans in force\n"
          "  head                 the chain's best block\n"
          "  connect ADDR         dial IP:PORT (IPv6 as [::1]:7071)            [cookie]\n"
          "  ban ADDR [DURATION]  ban an IP or a network IP/PREFIX for DURATION  [cookie]\n"
          "                       (seconds, or with a unit: 90s, 30m, 12h, 7d, 2w;\n"
          "                       default 1d)\n"
          "  unban ADDR           lift the ban on exactly ADDR                  [cookie]\n"
          "\n"
          "options:\n"
          "  --http HOST:PORT     the node's HTTP API (default $PQNET_HTTP_LISTEN, else\n"
          "                       " DEFAULT_HTTP ")\n"
          "  --base-path DIR      the node's data directory, for its .cookie (default\n"
          "                       $PQNET_BASE_PATH, else " DEFAULT_BASE ")\n"
          "  --json               print the node's JSON instead of tables\n"
          "  --reason TEXT        with ban: why (shown by bans; default \"manual\")\n"
          "  --timeout SECS       give up on the node after SECS (default %d)\n"
          "  --help, --version\n"
          "\n"
          "[cookie]: the command sends the token in <base-path>/.cookie, which pqnetd\n"
          "rewrites at every start and only its user can read.\n"
          "Exit codes: 0 done, 1 the node refused or could not be reached, 2 bad usage.\n",
          DEFAULT_TIMEOUT);
}

static int usage_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "pqnet-cli: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (see pqnet-cli --help)\n");
  return EXIT_USAGE;
}

/* ---- a small blocking HTTP/1.1 client ---- */

typedef struct response {
  int status;
  char *body; /* NUL-terminated; malloc'd */
  size_t len;
} response;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait for events on fd until deadline. Returns 1 ready, 0 timed out, -1. */
static int wait_fd(int fd, short events, uint64_t deadline) {
  for (;;) {
    uint64_t now = now_ms();
    if (now >= deadline) return 0;
    struct pollfd p = {fd, events, 0};
    int r = poll(&p, 1, (int)(deadline - now));
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? -1 : r > 0;
  }
}

/* Connect to HOST:PORT within deadline. Returns the socket or -1 after
 * printing why. */
static int dial(const cli *c, uint64_t deadline) {
  char host[256], port[8];
  uint16_t p;
  struct addrinfo hints, *res = NULL;
  if (pqnet_hostport_split(c->http, 0, host, sizeof host, &p) != 0) {
    say(EXIT_USAGE, "bad --http \"%s\": expected HOST:PORT, e.g. 127.0.0.1:7070", c->http);
    return -2;
  }
  snprintf(port, sizeof port, "%u", (unsigned)p);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  int g = getaddrinfo(host, port, &hints, &res);
  if (g != 0) {
    say(EXIT_NODE, "cannot resolve %s: %s (see --http)", host,
        g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    return -1;
  }
  int err = 0, fd = -1;
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
    int s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
      err = errno;
      continue;
    }
    if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd = s;
      break;
    }
    err = errno;
    if (err == EINPROGRESS) {
      int w = wait_fd(s, POLLOUT, deadline);
      socklen_t len = sizeof err;
      if (w == 1 && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        fd = s;
        break;
      }
      if (w == 0) err = ETIMEDOUT;
    }
    close(s);
  }
  freeaddrinfo(res);
  if (fd < 0) {
    char why[96];
    for (size_t i = 0; i < sizeof why; i++) { /* "Connection refused" -> "connection refused" */
      why[i] = strerror(err)[i];
      if (!why[i]) break;
    }
    why[sizeof why - 1] = '\0';
    if (why[0] >= 'A' && why[0] <= 'Z') why[0] = (char)(why[0] - 'A' + 'a');
    say(EXIT_NODE,
        "cannot connect to the node at %s: %s \xe2\x80\x94 is pqnetd running? (see --http)",
        c->http, err == ETIMEDOUT ? "timed out" : why);
  }
  return fd;
}

static int send_all(int fd, const char *p, size_t n, uint64_t deadline) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) {
      p += w;
      n -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_fd(fd, POLLOUT, deadline) != 1) return -1;
      continue;
    }
    return -1;
  }
  return 0;
}

/* Case-insensitive search for a header line "name:" in the header block;
 * returns its value (leading blanks skipped) or NULL. */
static const char *find_header(const char *hdrs, const char *name) {
  size_t n = strlen(name);
  for (const char *line = strstr(hdrs, "\r\n"); line && line[2] != '\r' && line[2];
       line = strstr(line + 2, "\r\n")) {
    const char *l = line + 2;
    if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
      l += n + 1;
      while (*l == ' ' || *l == '\t') l++;
      return l;
    }
  }
  return NULL;
}

/* One request. body may be NULL. Returns 0 and *out (free out->body), or an
 * exit code after printing why. */
static int request(const cli *c, const char *method, const char *path, const char *token,
                   const char *body, response *out) {
  uint64_t deadline = now_ms() + (uint64_t)c->timeout_s * 1000u;
  char head[1024];
  memset(out, 0, sizeof *out);
  int fd = dial(c, deadline);
  if (fd == -2) return EXIT_USAGE;
  if (fd < 0) return EXIT_NODE;
  size_t blen = body ? strlen(body) : 0;
  int n = snprintf(head, sizeof head,
                   "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pqnet-cli/" CLI_VERSION
                   "\r\nAccept: application/json, text/plain\r\nConnection: close\r\n",
                   method, path, c->http);
  if (token)
    n += snprintf(head + n, sizeof head - (size_t)n, "Authorization: Bearer %s\r\n", token);
  if (body)
    n += snprintf(head + n, sizeof head - (size_t)n,
                  "Content-Type: application/json\r\nContent-Length: %zu\r\n", blen);
  n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
  if ((size_t)n >= sizeof head) {
    close(fd);
    return say(EXIT_USAGE, "request too long");
  }
  if (send_all(fd, head, (size_t)n, deadline) != 0 ||
      (body && send_all(fd, body, blen, deadline) != 0)) {
    int err = errno;
    close(fd);
    return say(EXIT_NODE, "cannot send the request to the node at %s: %s", c->http,
               err ? strerror(err) : "timed out");
  }

  size_t cap = 16384, len = 0;
  char *buf = malloc(cap + 1);
  int rc = 0;
  const char *why = NULL;
  for (;;) {
    if (!buf) {
      why = "out of memory";
      break;
    }
    if (len == cap) {
      if (cap >= RESPONSE_MAX) {
        why = "the response is larger than 16 MiB";
        break;
      }
      cap *= 2;
      char *b = realloc(buf, cap + 1);
      if (!b) {
        why = "out of memory";
        break;
      }
      buf = b;
    }
    ssize_t r = recv(fd, buf + len, cap - len, 0);
    if (r > 0) {
      len += (size_t)r;
      continue;
    }
    if (r == 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int w = wait_fd(fd, POLLIN, deadline);
      if (w == 1) continue;
      why = w == 0 ? "no complete answer within the timeout" : strerror(errno);
      break;
    }
    why = strerror(errno);
    break;
  }
  close(fd);
  if (why) {
    free(buf);
    return say(EXIT_NODE, "reading the answer of the node at %s failed: %s (see --timeout)",
               c->http, why);
  }
  buf[len] = '\0';
  char *end = strstr(buf, "\r\n\r\n");
  int status = 0;
  if (!end || sscanf(buf, "HTTP/1.%*1d %3d", &status) != 1 || status < 100 || status > 599) {
    free(buf);
    return say(EXIT_NODE, "the program at %s does not answer like pqnetd (not HTTP); check --http",
               c->http);
  }
  end[2] = '\0'; /* headers end with one CRLF now */
  const char *te = find_header(buf, "Transfer-Encoding");
  const char *cl = find_header(buf, "Content-Length");
  char *payload = end + 4;
  size_t plen = len - (size_t)(payload - buf);
  if (te && strncasecmp(te, "identity", 8) != 0) {
    rc = say(EXIT_NODE, "the node at %s sent a Transfer-Encoding this client does not read",
             c->http);
  } else if (cl) {
    unsigned long long want = strtoull(cl, NULL, 10);
    if (want > plen)
      rc = say(EXIT_NODE, "the node at %s closed the connection before the whole answer", c->http);
    else
      plen = (size_t)want;
  }
  if (rc) {
    free(buf);
    return rc;
  }
  memmove(buf, payload, plen);
  buf[plen] = '\0';
  out->status = status;
  out->body = buf;
  out->len = plen;
  return 0;
}

/* The "error" text of a JSON error answer, or the raw body. */
static void print_refusal(const response *r, const char *method, const char *path) {
  json_t *j = json_loads(r->body, 0, NULL);
  const char *msg = j && json_is_string(json_object_get(j, "error"))
                        ? json_string_value(json_object_get(j, "error"))
                        : NULL;
  fprintf(stderr, "pqnet-cli: %s %.*s: the node answered %d: %s\n", method, (int)strcspn(path, "?"),
          path, r->status, msg ? msg : (r->len ? r->body : "(no body)"));
  json_decref(j);
}

/* After a request: print --json output, explain an error answer, parse
 * the JSON into *doc (when doc is not NULL). Returns 0 or an exit code. */
static int finish(const cli *c, const char *method, const char *path, response *r, json_t **doc) {
  if (c->json) { /* the node's JSON, as it came, errors included */
    fputs(r->body, stdout);
    if (r->len && r->body[r->len - 1] != '\n') fputc('\n', stdout);
  }
  if (r->status == 401) {
    char p[PATH_BUF];
    pqnet_cookie_path(c->base_path, p, sizeof p);
    return say(EXIT_NODE,
               "the node refused the token from %s (HTTP 401): is --base-path the data directory "
               "of the node at %s? The cookie is rewritten at every start",
               p, c->http);
  }
  if (r->status < 200 || r->status > 299) {
    if (!c->json) print_refusal(r, method, path);
    return EXIT_NODE;
  }
  if (doc) {
    json_error_t err;
    *doc = json_loads(r->body, 0, &err);
    if (!*doc) return say(EXIT_NODE, "the node's answer to %s is not JSON: %s", path, err.text);
  }
  return 0;
}

/* One request and finish(). r->body must be freed whatever the result. */
static int call(const cli *c, const char *method, const char *path, const char *token,
                const char *body, response *r, json_t **doc) {
  int rc = request(c, method, path, token, body, r);
  return rc ? rc : finish(c, method, path, r, doc);
}

/* ---- formatting ---- */

static void fmt_duration(uint64_t s, char *buf, size_t cap) {
  if (s >= 86400)
    snprintf(buf, cap, "%llud %lluh", (unsigned long long)(s / 86400),
             (unsigned long long)(s % 86400 / 3600));
  else if (s >= 3600)
    snprintf(buf, cap, "%lluh %llum", (unsigned long long)(s / 3600),
             (unsigned long long)(s % 3600 / 60));
  else if (s >= 60)
    snprintf(buf, cap, "%llum %02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
  else
    snprintf(buf, cap, "%llus", (unsigned long long)s);
}

static void fmt_bytes(uint64_t n, char *buf, size_t cap) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = (double)n;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  if (u == 0)
    snprintf(buf, cap, "%llu B", (unsigned long long)n);
  else
    snprintf(buf, cap, "%.1f %s", v, unit[u]);
}

static void fmt_utc(uint64_t unix_s, char *buf, size_t cap) {
  time_t t = (time_t)unix_s;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *jstr(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : "?";
}

static uint64_t jnum(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* A table: rows of cells (strings owned by the caller), columns padded to
 * their widest cell; the last column is not padded. */
#define TABLE_COLS 10
typedef struct table {
  size_t ncols, nrows, cap;
  char (*cells)[TABLE_COLS][80];
} table;

static int table_row(table *t, const char *const *cells) {
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 16;
    void *v = realloc(t->cells, cap * sizeof *t->cells);
    if (!v) return -1;
    t->cells = v;
    t->cap = cap;
  }
  for (size_t i = 0; i < t->ncols; i++)
    snprintf(t->cells[t->nrows][i], sizeof t->cells[0][0], "%s", cells[i]);
  t->nrows++;
  return 0;
}

static void table_print(const table *t) {
  size_t w[TABLE_COLS] = {0};
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t i = 0; i < t->ncols; i++)
      if (strlen(t->cells[r][i]) > w[i]) w[i] = strlen(t->cells[r][i]);
  for (size_t r = 0; r < t->nrows; r++) {
    for (size_t i = 0; i < t->ncols; i++) {
      if (i + 1 < t->ncols)
        printf("%-*s  ", (int)w[i], t->cells[r][i]);
      else
        printf("%s\n", t->cells[r][i]);
    }
  }
}

/* ---- commands ---- */

static int cmd_health(const cli *c) {
  response r;
  json_t *d = NULL;
  int rc = call(c, "GET", "/health", NULL, NULL, &r, c->json ? NULL : &d);
  if (rc == 0 && !c->json) {
    char up[32];
    fmt_duration(jnum(d, "uptime_seconds"), up, sizeof up);
    printf("status   %s\npeers    %llu\nuptime   %s\npeer id  %s\n", jstr(d, "status"),
           (unsigned long long)jnum(d, "peers"), up, jstr(d, "peer_id"));
  }
  json_decref(d);
  free(r.body);
  return rc;
}

static int cmd_id(const cli *c) {
  response r;
  json_t *d = NULL;
  int rc = call(c, "GET", "/p2p/id", NULL, NULL, &r, c->json ? NULL : &d);
  if (rc == 0 && !c->json) {
    json_t *l = json_object_get(d, "listen");
    printf("peer id  %s\nlisten   %s\n", jstr(d, "peer_id"),
           json_is_string(l) ? json_string_value(l) : "(not listening)");
  }
  json_decref(d);
  free(r.body);
  return rc;
}

static int cmd_peers(const cli *c) {
  response r;
  json_t *d = NULL;
  int rc = call(c, "GET", "/p2p/peers", NULL, NULL, &r, c->json ? NULL : &d);
  if (rc == 0 && !c->json) {
    json_t *arr = json_object_get(d, "peers");
    size_t n = json_array_size(arr);
    printf("%zu known address%s\n", n, n == 1 ? "" : "es");
    for (size_t i = 0; i < n; i++) printf("  %s\n", json_string_value(json_array_get(arr, i)));
  }
  json_decref(d);
  free(r.body);
  return rc;
}

static int cmd_connections(const cli *c) {
  response r;
  json_t *d = NULL;
  int rc = call(c, "GET", "/p2p/connections", NULL, NULL, &r, c->json ? NULL : &d);
  if (rc == 0 && !c->json) {
    json_t *arr = json_object_get(d, "connections");
    size_t n = json_array_size(arr);
    if (n == 0) {
      printf("no open sessions\n");
    } else {
      static const char *const hdr[] = {"DIR", "ADDRESS", "PEER ID", "RTT",       "HEIGHT",
                                        "UP",  "IN",      "OUT",     "USER AGENT"};
      table t = {9, 0, 0, NULL};
      table_row(&t, hdr);
      uint64_t now = (uint64_t)time(NULL);
      for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        char id[17], rtt[24], height[24], up[32], in[24], out[24];
        snprintf(id, sizeof id, "%.16s", jstr(o, "peer_id"));
        if (jnum(o, "rtt_ms"))
          snprintf(rtt, sizeof rtt, "%llu ms", (unsigned long long)jnum(o, "rtt_ms"));
        else
          snprintf(rtt, sizeof rtt, "-");
        snprintf(height, sizeof height, "%llu", (unsigned long long)jnum(o, "best_height"));
        uint64_t since = jnum(o, "since");
        fmt_duration(now > since ? now - since : 0, up, sizeof up);
        fmt_bytes(jnum(o, "bytes_in"), in, sizeof in);
        fmt_bytes(jnum(o, "bytes_out"), out, sizeof out);
        const char *dir = strcmp(jstr(o, "direction"), "outbound") == 0 ? "out" : "in";
        const char *row[] = {dir, jstr(o, "address"),   id, rtt, height, up, in,
                             out, jstr(o, "user_agent")};
        table_row(&t, row);
      }
      table_print(&t);
      free(t.cells);
      printf("%zu session%s\n", n, n == 1 ? "" : "s");
    }
  }
  json_decref(d);
  free(r.body);
  return rc;
}

static int cmd_metrics(const cli *c) {
  response r;
  cli raw = *c;
  raw.json = 0; /* Prometheus text either way */
  int rc = call(&raw, "GET", "/metrics", NULL, NULL, &r, NULL);
  if (rc == 0) fputs(r.body, stdout);
  free(r.body);
  return rc;
}

static int cmd_bans(const cli *c) {
  response r;
  json_t *d = NULL;
  int rc = call(c, "GET", "/p2p/bans", NULL, NULL, &r, c->json ? NULL : &d);
  if (rc == 0 && !c->json) {
    json_t *arr = json_object_get(d, "bans");
    size_t n = json_array_size(arr);
    if (n == 0) {
      printf("no bans\n");
    } else {
      static const char *const hdr[] = {"ADDRESS", "UNTIL (UTC)", "REMAINING", "REASON"};
      table t = {4, 0, 0, NULL};
      table_row(&t, hdr);
      for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        char until[32], left[32];
        fmt_utc(jnum(o, "until"), until, sizeof until);
        fmt_duration(jnum(o, "remaining_seconds"), left, sizeof left);
        const char *row[] = {jstr(o, "address"), until, left, jstr(o, "reason")};
        table_row(&t, row);
      }
      table_print(&t);
      free(t.cells);
    }
  }
  json_decref(d);
  free(r.body);
  return rc;
}

static int cmd_head(const cli *c) {
  response r;
  json_t *d = NULL;
  int rc = request(c, "GET", "/chain/head", NULL, NULL, &r);
  if (rc) return rc;
  if (r.status == 404) {
    free(r.body);
    if (c->json) printf("{\"error\":\"this node has no chain\",\"status\":404}\n");
    return say(EXIT_NODE, "this node has no chain (GET /chain/head: 404)");
  }
  rc = finish(c, "GET", "/chain/head", &r, c->json ? NULL : &d);
  if (rc == 0 && !c->json) {
    const char *key;
    json_t *v;
    json_object_foreach(d, key, v) {
      char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
      printf("%-8s %s\n", key, s ? s : json_string_value(v));
      free(s);
    }
  }
  json_decref(d);
  free(r.body);
  return rc;
}

/* The cookie's token, or an exit code after saying what to do. */
static int read_token(const cli *c, char token[PQNET_COOKIE_TOKEN_LEN + 1]) {
  char p[PATH_BUF];
  int rc = pqnet_cookie_path(c->base_path, p, sizeof p);
  if (rc) return say(EXIT_USAGE, "bad --base-path \"%s\"", c->base_path);
  rc = pqnet_cookie_read(c->base_path, token);
  if (rc == PQNET_ERR_IO && errno == ENOENT)
    return say(EXIT_NODE,
               "no cookie at %s: is pqnetd running with --base-path %s? (give the node's "
               "--base-path; the cookie exists while the node runs)",
               p, c->base_path);
  if (rc == PQNET_ERR_IO)
    return say(EXIT_NODE, "cannot read the cookie %s: %s (only the node's user can read it)", p,
               strerror(errno));
  if (rc) return say(EXIT_NODE, "%s is not a pqnet cookie (64 hex digits expected)", p);
  return 0;
}

/* A JSON request body {"address": addr, ...} as text. */
static char *address_body(const char *addr, long duration, const char *reason) {
  json_t *o = json_pack("{s:s}", "address", addr);
  if (o && duration > 0) json_object_set_new(o, "duration_seconds", json_integer(duration));
  if (o && reason) json_object_set_new(o, "reason", json_string(reason));
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  return s;
}

/* Is addr among the open sessions? 1 yes (peer id into id), 0 no, -1 error. */
static int connected_to(const cli *c, const char *addr, char id[65]) {
  response r;
  cli quiet = *c;
  quiet.json = 0;
  json_t *d = NULL;
  int found = -1;
  if (request(&quiet, "GET", "/p2p/connections", NULL, NULL, &r) != 0) return -1;
  if (r.status == 200 && (d = json_loads(r.body, 0, NULL))) {
    json_t *arr = json_object_get(d, "connections");
    found = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
      json_t *o = json_array_get(arr, i);
      if (strcmp(jstr(o, "address"), addr) == 0) {
        snprintf(id, 65, "%s", jstr(o, "peer_id"));
        found = 1;
      }
    }
  }
  json_decref(d);
  free(r.body);
  return found;
}

static int cmd_connect(const cli *c, const char *addr) {
  char token[PQNET_COOKIE_TOKEN_LEN + 1], *body;
  response r;
  json_t *d = NULL;
  int rc = read_token(c, token);
  if (rc) return rc;
  if (!(body = address_body(addr, 0, NULL))) return say(EXIT_NODE, "out of memory");
  rc = call(c, "POST", "/p2p/connect", token, body, &r, c->json ? NULL : &d);
  free(body);
  if (rc == 0 && !c->json) {
    char dialed[PQNET_ADDR_STRLEN], id[65];
    snprintf(dialed, sizeof dialed, "%s", jstr(d, "address"));
    printf("dialing %s\n", dialed);
    fflush(stdout);
    uint64_t until = now_ms() + CONNECT_WAIT_MS;
    int found = 0;
    while (now_ms() < until && (found = connected_to(c, dialed, id)) == 0) usleep(100 * 1000);
    if (found == 1)
      printf("connected to %s peer_id=%s\n", dialed, id);
    else
      printf("no session with %s yet; `pqnet-cli connections` shows it once the handshake is "
             "done (the node logs why a dial fails)\n",
             dialed);
  }
  json_decref(d);
  free(r.body);
  return rc;
}

/* "3600", "90s", "30m", "12h", "7d", "2w" -> seconds; -1 when bad. */
static long parse_duration(const char *s) {
  char *end;
  errno = 0;
  if (*s < '0' || *s > '9') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  unsigned long long mul = 1;
  if (errno) return -1;
  if (*end) {
    if (end[1]) return -1;
    switch (*end) {
    case 's': mul = 1; break;
    case 'm': mul = 60; break;
    case 'h': mul = 3600; break;
    case 'd': mul = 86400; break;
    case 'w': mul = 7 * 86400; break;
    default: return -1;
    }
  }
  if (v == 0 || v > (unsigned long long)BAN_MAX_SECONDS / mul) return -1;
  return (long)(v * mul);
}

static int cmd_ban(const cli *c, const char *addr, const char *duration) {
  char token[PQNET_COOKIE_TOKEN_LEN + 1], *body;
  long secs = 0;
  response r;
  json_t *d = NULL;
  if (duration && (secs = parse_duration(duration)) < 0)
    return usage_error("bad DURATION \"%s\": seconds, or a number with s, m, h, d or w (1..10 "
                       "years), e.g. 3600, 12h, 7d",
                       duration);
  int rc = read_token(c, token);
  if (rc) return rc;
  if (!(body = address_body(addr, secs, c->reason))) return say(EXIT_NODE, "out of memory");
  rc = call(c, "POST", "/p2p/ban", token, body, &r, c->json ? NULL : &d);
  free(body);
  if (rc == 0 && !c->json) {
    char until[32], len[32];
    fmt_utc(jnum(d, "until"), until, sizeof until);
    fmt_duration(jnum(d, "duration_seconds"), len, sizeof len);
    printf("banned %s for %s (until %s UTC): %s\n", jstr(d, "address"), len, until,
           jstr(d, "reason"));
  }
  json_decref(d);
  free(r.body);
  return rc;
}

static int cmd_unban(const cli *c, const char *addr) {
  char token[PQNET_COOKIE_TOKEN_LEN + 1], path[512];
  static const char hex[] = "0123456789ABCDEF";
  response r;
  json_t *d = NULL;
  size_t n = (size_t)snprintf(path, sizeof path, "/p2p/ban?address=");
  for (const char *p = addr; *p; p++) { /* percent-encode all but [A-Za-z0-9.:/-] */
    unsigned char ch = (unsigned char)*p;
    if (n + 4 >= sizeof path) return usage_error("address too long");
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '.' || ch == ':' || ch == '/' || ch == '-') {
      path[n++] = (char)ch;
    } else {
      path[n++] = '%';
      path[n++] = hex[ch >> 4];
      path[n++] = hex[ch & 15];
    }
  }
  path[n] = '\0';
  int rc = read_token(c, token);
  if (rc) return rc;
  rc = call(c, "DELETE", path, token, NULL, &r, c->json ? NULL : &d);
  if (rc == 0 && !c->json) printf("lifted the ban on %s\n", jstr(d, "address"));
  json_decref(d);
  free(r.body);
  return rc;
}

/* ---- main ---- */

typedef struct command {
  const char *name;
  int min_args, max_args;
} command;

static const command commands[] = {
    {"health", 0, 0}, {"id", 0, 0},   {"peers", 0, 0},   {"connections", 0, 0}, {"metrics", 0, 0},
    {"bans", 0, 0},   {"head", 0, 0}, {"connect", 1, 1}, {"ban", 1, 2},         {"unban", 1, 1},
};

int main(int argc, char **argv) {
  cli c = {NULL, NULL, NULL, 0, DEFAULT_TIMEOUT};
  const char *pos[4];
  int npos = 0;
  const char *env_http = getenv("PQNET_HTTP_LISTEN"), *env_base = getenv("PQNET_BASE_PATH");
  c.http = env_http && *env_http && strcmp(env_http, "none") != 0 ? env_http : DEFAULT_HTTP;
  c.base_path = env_base && *env_base ? env_base : DEFAULT_BASE;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
      if (npos == 4) return usage_error("too many arguments");
      pos[npos++] = a;
      continue;
    }
    char name[32];
    const char *eq = strchr(a, '='), *val = eq ? eq + 1 : NULL;
    size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
    if (nlen >= sizeof name) return usage_error("unknown option %.40s", a);
    memcpy(name, a, nlen);
    name[nlen] = '\0';
    if (strcmp(name, "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(name, "--version") == 0) {
      printf("pqnet-cli %s\n", CLI_VERSION);
      return 0;
    }
    if (strcmp(name, "--json") == 0) {
      if (val) return usage_error("option --json takes no value");
      c.json = 1;
      continue;
    }
    if (strcmp(name, "--http") != 0 && strcmp(name, "--base-path") != 0 &&
        strcmp(name, "--reason") != 0 && strcmp(name, "--timeout") != 0)
      return usage_error("unknown option %s", name);
    if (!val) {
      if (i + 1 >= argc) return usage_error("option %s needs a value", name);
      val = argv[++i];
    }
    if (strcmp(name, "--http") == 0) {
      char host[256];
      uint16_t port;
      if (pqnet_hostport_split(val, 0, host, sizeof host, &port) != 0)
        return usage_error("bad value for --http: \"%s\" (expected HOST:PORT, e.g. "
                           "127.0.0.1:7070)",
                           val);
      c.http = val;
    } else if (strcmp(name, "--base-path") == 0) {
      if (!*val) return usage_error("bad value for --base-path: empty");
      c.base_path = val;
    } else if (strcmp(name, "--reason") == 0) {
      c.reason = val;
    } else {
      char *end;
      unsigned long t = strtoul(val, &end, 10);
      if (*val < '0' || *val > '9' || *end || t < 1 || t > 600)
        return usage_error("bad value for --timeout: \"%s\" (whole seconds, 1..600)", val);
      c.timeout_s = (unsigned)t;
    }
  }
  if (npos == 0) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const command *cmd = NULL;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(pos[0], commands[i].name) == 0) cmd = &commands[i];
  if (!cmd) return usage_error("unknown command \"%s\"", pos[0]);
  int nargs = npos - 1;
  if (nargs < cmd->min_args) return usage_error("%s needs an address", cmd->name);
  if (nargs > cmd->max_args) return usage_error("too many arguments for %s", cmd->name);
  if (c.reason && strcmp(cmd->name, "ban") != 0) return usage_error("--reason goes with ban only");

  const char *n = cmd->name;
  if (strcmp(n, "health") == 0) return cmd_health(&c);
  if (strcmp(n, "id") == 0) return cmd_id(&c);
  if (strcmp(n, "peers") == 0) return cmd_peers(&c);
  if (strcmp(n, "connections") == 0) return cmd_connections(&c);
  if (strcmp(n, "metrics") == 0) return cmd_metrics(&c);
  if (strcmp(n, "bans") == 0) return cmd_bans(&c);
  if (strcmp(n, "head") == 0) return cmd_head(&c);
  if (strcmp(n, "connect") == 0) return cmd_connect(&c, pos[1]);
  if (strcmp(n, "ban") == 0) return cmd_ban(&c, pos[1], nargs > 1 ? pos[2] : NULL);
  return cmd_unban(&c, pos[1]);
}
