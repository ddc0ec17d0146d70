/*
 * pqnetd: the pqnet daemon. It loads (or creates) the node identity, listens
 * on one address, dials the --peer addresses, then starts discovery (seeds,
 * address exchange, the discovery tick), keeps sessions alive with
 * Ping/Pong, logs every connect and disconnect, and serves the read-only
 * HTTP API (src/io/http.h). The config file, environment and peer store
 * come later.
 *
 * Logs go to stderr, one line per event:
 *   2026-11-21T19:40:00.123Z info peer connected conn=1 addr=127.0.0.1:7072 ...
 * Session events come from the node callbacks (peer_connected,
 * peer_disconnected); the node core logs its own decisions (seeds queried,
 * addresses learned) at their own level, and its connect and disconnect
 * lines at debug only, so that each event is one line at the default level.
 * libevent's own messages (the DNS resolver's) are shown at debug.
 *
 * Exit codes: 0 after a clean stop (SIGINT/SIGTERM), 1 when startup fails
 * (identity, listen), 2 for bad command-line flags.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/http.h"
#include "io/identity_file.h"
#include "io/shell.h"
#include "pqnet/addr.h"
#include "pqnet/error.h"
#include "pqnet/node.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"

#define PQNETD_VERSION "0.1.0"
#define MAX_PEERS      64
#define EXIT_USAGE     2
#define DEFAULT_HTTP   "127.0.0.1:7070" /* DESIGN.md §6: P2P port = HTTP port + 1 */
#define DEFAULT_LISTEN "127.0.0.1:7071"
#define DEFAULT_PORT   7071 /* for seeds written without a port */
#define ADDR_MAX       300

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
static const char *const level_names[] = {"error", "warn", "info", "debug"};
static int g_log_level = LOG_INFO;

/* ---- logging ---- */

/* One line to stderr with a single write(2), so lines never interleave.
 * Control characters (a peer's Reject text may carry any byte) become '?'. */
static void vlogmsg(int level, const char *fmt, va_list ap) {
  char line[1024];
  struct timespec ts;
  struct tm tm;
  if (level > g_log_level) return;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %s ", ts.tv_nsec / 1000000L,
                        level_names[level]);
  size_t start = n;
  int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  if (m < 0) m = 0;
  n += (size_t)m < sizeof line - n - 1 ? (size_t)m : sizeof line - n - 2;
  for (size_t i = start; i < n; i++)
    if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) line[i] = '?';
  line[n++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, n);
  (void)w;
}

static void logmsg(int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlogmsg(level, fmt, ap);
  va_end(ap);
}

/* ---- command line ---- */

typedef struct options {
  const char *listen; /* NULL until given; then derived (see parse_args) */
  char listen_buf[ADDR_MAX];
  const char *peers[MAX_PEERS];
  size_t npeers;
  const char *base_path;
  const char *network;
  uint8_t genesis[32];
  int have_genesis;
  unsigned ping_interval, pong_timeout, connect_timeout; /* seconds */
  char seeds[PQNET_MAX_SEEDS][PQNET_SEED_MAX + 1];
  size_t nseeds;
  const char *dns_server;  /* NULL: /etc/resolv.conf */
  const char *http_listen; /* NULL: no HTTP server */
  unsigned min_outbound, max_outbound, max_inbound, discovery_tick;
  int allow_private;
} options;

static void usage(FILE *f) {
  fprintf(f,
          "usage: pqnetd [flags]\n"
          "\n"
          "  --listen HOST:PORT       address to listen on (default: the --http-listen host,\n"
          "                           HTTP port + 1; 127.0.0.1:7071)\n"
          "  --peer HOST:PORT         peer to dial at start; repeatable\n"
          "  --seeds LIST             seeds, comma-separated HOST or HOST:PORT (names or\n"
          "                           literal IPs, [v6] in brackets; port 7071 if none);\n"
          "                           queried when the address book is empty\n"
          "  --dns-server IP[:PORT]   nameserver for seed names (default: /etc/resolv.conf)\n"
          "  --min-outbound N         outbound connections to keep (default 8)\n"
          "  --max-outbound N         outbound connections at most (default 16)\n"
          "  --max-inbound N          inbound connections at most (default 117)\n"
          "  --discovery-tick SECS    seconds between discovery rounds (default 30)\n"
          "  --allow-private-addresses  dial and relay private addresses (10/8, 192.168/16,\n"
          "                           ...) on testnet and mainnet (devnet always does)\n"
          "  --http-listen HOST:PORT  HTTP API address (default 127.0.0.1:7070); none: off\n"
          "  --base-path DIR          data directory (default ./pqnet-data); holds "
          "identity.key\n"
          "  --network NAME           devnet, testnet or mainnet (default devnet); the chain id\n"
          "  --genesis HEX            genesis hash, 64 hex digits (default: SHA3-256 of\n"
          "                           \"pqnet genesis \" followed by the network name)\n"
          "  --ping-interval SECS     seconds between Pings (default 30)\n"
          "  --pong-timeout SECS      drop a peer whose Pong is this late (default 60)\n"
          "  --connect-timeout SECS   TCP connect timeout, and how long stored peers get\n"
          "                           before the seeds are queried (default 10)\n"
          "  --log-level LEVEL        error, warn, info or debug (default info)\n"
          "  --help                   show this help\n"
          "  --version                show the version\n");
}

static int usage_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "pqnetd: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (see pqnetd --help)\n");
  return EXIT_USAGE;
}

static int parse_seconds(const char *flag, const char *v, unsigned max, unsigned *out) {
  char *end;
  errno = 0;
  unsigned long x = strtoul(v, &end, 10);
  if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || x < 1 || x > max)
    return usage_error("bad value for %s: \"%s\" (expected whole seconds, 1..%u)", flag, v, max);
  *out = (unsigned)x;
  return 0;
}

static int parse_count(const char *flag, const char *v, unsigned min, unsigned max, unsigned *out) {
  char *end;
  errno = 0;
  unsigned long x = strtoul(v, &end, 10);
  if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || x < min || x > max)
    return usage_error("bad value for %s: \"%s\" (expected a whole number, %u..%u)", flag, v, min,
                       max);
  *out = (unsigned)x;
  return 0;
}

/* --seeds: "a,b:7071,[::1]:7071"; items are appended (the flag repeats). */
static int parse_seeds(const char *v, options *o) {
  const char *p = v;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    char item[PQNET_SEED_MAX + 1], host[PQNET_SEED_MAX + 1];
    uint16_t port;
    if (len == 0) return usage_error("bad value for --seeds: \"%s\" (empty item)", v);
    if (len > PQNET_SEED_MAX)
      return usage_error("bad value for --seeds: an item is longer than %d bytes", PQNET_SEED_MAX);
    memcpy(item, p, len);
    item[len] = '\0';
    if (pqnet_hostport_split(item, DEFAULT_PORT, host, sizeof host, &port) != 0)
      return usage_error("bad value for --seeds: \"%s\" (expected HOST or HOST:PORT, IPv6 in "
                         "brackets, port 1..65535)",
                         item);
    if (o->nseeds == PQNET_MAX_SEEDS)
      return usage_error("too many seeds in --seeds (at most %d)", PQNET_MAX_SEEDS);
    memcpy(o->seeds[o->nseeds++], item, len + 1);
    if (!comma) return 0;
    p = comma + 1;
  }
}

static int parse_hex32(const char *v, uint8_t out[32]) {
  if (strlen(v) != 64) return -1;
  for (int i = 0; i < 64; i++) {
    char c = v[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    if (i % 2 == 0)
      out[i / 2] = (uint8_t)(d << 4);
    else
      out[i / 2] |= (uint8_t)d;
  }
  return 0;
}

static int check_hostport(const char *flag, const char *v) {
  char host[256];
  uint16_t port;
  if (pqnet_hostport_split(v, 0, host, sizeof host, &port) != 0)
    return usage_error("bad value for %s: \"%s\" (expected HOST:PORT, e.g. 127.0.0.1:7071 or "
                       "[::1]:7071, port 1..65535)",
                       flag, v);
  return 0;
}

/* The P2P address when --listen is not given: the --http-listen host with
 * the HTTP port + 1 (DESIGN.md §6), else 127.0.0.1:7071. */
static int derive_listen(options *o) {
  char host[256];
  uint16_t port;
  if (!o->http_listen) {
    o->listen = DEFAULT_LISTEN;
    return 0;
  }
  pqnet_hostport_split(o->http_listen, 0, host, sizeof host, &port); /* checked already */
  if (port == 65535)
    return usage_error("--http-listen port 65535 leaves no port for P2P; give --listen too");
  snprintf(o->listen_buf, sizeof o->listen_buf, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
           (unsigned)port + 1);
  o->listen = o->listen_buf;
  return 0;
}

/* Returns 0 to run, -1 after --help/--version (exit 0), or EXIT_USAGE. */
static int parse_args(int argc, char **argv, options *o) {
  static const char *const value_flags[] = {
      "--listen",       "--peer",          "--base-path",      "--network",
      "--genesis",      "--ping-interval", "--pong-timeout",   "--connect-timeout",
      "--log-level",    "--seeds",         "--dns-server",     "--min-outbound",
      "--max-outbound", "--max-inbound",   "--discovery-tick", "--http-listen"};
  memset(o, 0, sizeof *o);
  o->base_path = "./pqnet-data";
  o->network = "devnet";
  o->ping_interval = 30;
  o->pong_timeout = 60;
  o->connect_timeout = 10;
  o->min_outbound = 8;
  o->max_outbound = 16;
  o->max_inbound = 117;
  o->discovery_tick = 30;
  o->http_listen = DEFAULT_HTTP;

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    char name[32];
    const char *val = NULL;
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
      return usage_error("unexpected argument \"%s\"; flags start with --", arg);
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (nlen >= sizeof name) return usage_error("unknown flag %.40s", arg);
    memcpy(name, arg, nlen);
    name[nlen] = '\0';
    if (eq) val = eq + 1;

    if (strcmp(name, "--help") == 0 || strcmp(name, "--version") == 0) {
      if (val) return usage_error("flag %s takes no value", name);
      if (name[2] == 'h')
        usage(stdout);
      else
        printf("pqnetd %s (pqnet protocol version %d)\n", PQNETD_VERSION, PQNET_PROTOCOL_VERSION);
      return -1;
    }
    if (strcmp(name, "--allow-private-addresses") == 0) {
      if (val) return usage_error("flag %s takes no value", name);
      o->allow_private = 1;
      continue;
    }
    int known = 0;
    for (size_t k = 0; k < sizeof value_flags / sizeof value_flags[0]; k++)
      known |= strcmp(name, value_flags[k]) == 0;
    if (!known) return usage_error("unknown flag %s", name);
    if (!val) {
      if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)
        return usage_error("flag %s needs a value", name);
      val = argv[++i];
    }

    int rc = 0;
    if (strcmp(name, "--listen") == 0) {
      rc = check_hostport(name, val);
      o->listen = val;
    } else if (strcmp(name, "--peer") == 0) {
      rc = check_hostport(name, val);
      if (o->npeers == MAX_PEERS)
        return usage_error("too many --peer flags (at most %d)", MAX_PEERS);
      o->peers[o->npeers++] = val;
    } else if (strcmp(name, "--base-path") == 0) {
      if (!*val) return usage_error("bad value for --base-path: empty");
      o->base_path = val;
    } else if (strcmp(name, "--network") == 0) {
      if (strcmp(val, "devnet") != 0 && strcmp(val, "testnet") != 0 && strcmp(val, "mainnet") != 0)
        return usage_error("bad value for --network: \"%s\" (expected devnet, testnet or mainnet)",
                           val);
      o->network = val;
    } else if (strcmp(name, "--genesis") == 0) {
      if (parse_hex32(val, o->genesis) != 0)
        return usage_error("bad value for --genesis: \"%s\" (expected 64 hex digits)", val);
      o->have_genesis = 1;
    } else if (strcmp(name, "--ping-interval") == 0) {
      rc = parse_seconds(name, val, 86400, &o->ping_interval);
    } else if (strcmp(name, "--pong-timeout") == 0) {
      rc = parse_seconds(name, val, 86400, &o->pong_timeout);
    } else if (strcmp(name, "--connect-timeout") == 0) {
      rc = parse_seconds(name, val, 3600, &o->connect_timeout);
    } else if (strcmp(name, "--seeds") == 0) {
      rc = parse_seeds(val, o);
    } else if (strcmp(name, "--dns-server") == 0) {
      pqnet_addr a;
      if (pqnet_addr_parse(val, 53, &a) != 0)
        return usage_error("bad value for --dns-server: \"%s\" (expected a numeric IP or IP:PORT, "
                           "e.g. 127.0.0.1:5353 or [::1]:53)",
                           val);
      o->dns_server = val;
    } else if (strcmp(name, "--min-outbound") == 0) {
      rc = parse_count(name, val, 1, 1000, &o->min_outbound);
    } else if (strcmp(name, "--max-outbound") == 0) {
      rc = parse_count(name, val, 1, 1000, &o->max_outbound);
    } else if (strcmp(name, "--max-inbound") == 0) {
      rc = parse_count(name, val, 0, 10000, &o->max_inbound);
    } else if (strcmp(name, "--discovery-tick") == 0) {
      rc = parse_seconds(name, val, 86400, &o->discovery_tick);
    } else if (strcmp(name, "--http-listen") == 0) {
      if (strcmp(val, "none") == 0) {
        o->http_listen = NULL;
      } else {
        rc = check_hostport(name, val);
        o->http_listen = val;
      }
    } else if (strcmp(name, "--log-level") == 0) {
      int lv = -1;
      for (int k = 0; k < 4; k++)
        if (strcmp(val, level_names[k]) == 0) lv = k;
      if (lv < 0)
        return usage_error(
            "bad value for --log-level: \"%s\" (expected error, warn, info or debug)", val);
      g_log_level = lv;
    }
    if (rc) return rc;
  }
  if (o->min_outbound > o->max_outbound)
    return usage_error("--min-outbound %u is above --max-outbound %u", o->min_outbound,
                       o->max_outbound);
  if (!o->listen) {
    int rc = derive_listen(o);
    if (rc) return rc;
  }
  if (!o->have_genesis) {
    char seed[64];
    int n = snprintf(seed, sizeof seed, "pqnet genesis %s", o->network);
    pqnet_sha3_256(o->genesis, (const uint8_t *)seed, (size_t)n);
  }
  return 0;
}

/* ---- node callbacks ---- */

static const char *dir_name(pqnet_direction d) {
  return d == PQNET_OUTBOUND ? "outbound" : "inbound";
}

static int all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

static void on_peer_connected(void *ctx, const pqnet_peer_info *p) {
  char addr[PQNET_ADDR_STRLEN], hex[65];
  (void)ctx;
  logmsg(LOG_INFO, "peer connected conn=%llu addr=%s dir=%s peer_id=%s listen_port=%u",
         (unsigned long long)p->conn, pqnet_addr_format(&p->addr, addr, sizeof addr),
         dir_name(p->direction), pqnet_peer_id_hex(p->peer_id, hex, sizeof hex),
         (unsigned)p->listen_port);
}

static void on_peer_disconnected(void *ctx, const pqnet_peer_info *p, int reason,
                                 const char *text) {
  char addr[PQNET_ADDR_STRLEN], hex[65];
  (void)ctx;
  pqnet_addr_format(&p->addr, addr, sizeof addr);
  if (all_zero(p->peer_id, sizeof p->peer_id)) {
    /* Two nodes that dial each other at once end with one session and one
     * duplicate-peer handshake: normal during discovery, not a warning. */
    logmsg(reason == PQNET_REASON_DUPLICATE ? LOG_INFO : LOG_WARN,
           "handshake failed conn=%llu addr=%s dir=%s reason=%s: %s", (unsigned long long)p->conn,
           addr, dir_name(p->direction), pqnet_reason_name(reason), text);
    return;
  }
  logmsg(LOG_INFO,
         "peer disconnected conn=%llu addr=%s dir=%s peer_id=%s bytes_in=%llu bytes_out=%llu "
         "reason=%s: %s",
         (unsigned long long)p->conn, addr, dir_name(p->direction),
         pqnet_peer_id_hex(p->peer_id, hex, sizeof hex), (unsigned long long)p->bytes_in,
         (unsigned long long)p->bytes_out, pqnet_reason_name(reason), text);
}

static void on_peer_hello(void *ctx, const pqnet_peer_info *p) {
  (void)ctx;
  logmsg(LOG_DEBUG, "peer hello conn=%llu user_agent=%s services=%llu best_height=%llu",
         (unsigned long long)p->conn, p->user_agent ? p->user_agent : "",
         (unsigned long long)p->services, (unsigned long long)p->best_height);
}

static void on_message(void *ctx, uint64_t conn, uint16_t protocol, uint8_t type,
                       const uint8_t *body, size_t len) {
  (void)ctx;
  (void)body;
  logmsg(LOG_DEBUG, "message conn=%llu protocol=%u type=%u len=%zu", (unsigned long long)conn,
         (unsigned)protocol, (unsigned)type, len);
}

static int clamp_level(int level) {
  return level < LOG_ERROR ? LOG_ERROR : level > LOG_DEBUG ? LOG_DEBUG : level;
}

/* The node core, the shell and the HTTP server log at their own level. */
static void on_lib_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  logmsg(clamp_level(level), "%s", msg);
}

/* libevent's messages (evdns: "Nameserver ... has failed") say again what
 * the shell's "resolve failed" line says: debug, except real errors. */
static void on_libevent_log(int severity, const char *msg) {
  int level = severity >= EVENT_LOG_ERR    ? LOG_ERROR
              : severity >= EVENT_LOG_WARN ? LOG_WARN
                                           : LOG_DEBUG;
  logmsg(level, "libevent: %s", msg);
}

/* ---- signals ---- */

typedef struct daemon_ctx {
  struct event_base *base;
  pqnet_shell *shell;
  int signals;
} daemon_ctx;

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  daemon_ctx *d = arg;
  (void)what;
  const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
  if (d->signals++ == 0) {
    logmsg(LOG_INFO, "shutting down signal=%s", name);
    pqnet_shell_shutdown(d->shell);
  } else {
    logmsg(LOG_WARN, "second signal, stopping at once signal=%s", name);
    event_base_loopbreak(d->base);
  }
}

/* ---- main ---- */

int main(int argc, char **argv) {
  options o;
  pqnet_identity *id = NULL;
  pqnet_node *node = NULL;
  pqnet_shell *shell = NULL;
  pqnet_http *http = NULL;
  struct event_base *base = NULL;
  struct event *sigint = NULL, *sigterm = NULL;
  daemon_ctx d;
  int status = 1, rc;
  char hex[65], msg[8192];

  rc = parse_args(argc, argv, &o);
  if (rc < 0) return 0;
  if (rc) return rc;
  signal(SIGPIPE, SIG_IGN); /* a reset peer must not kill the daemon (see shell.h) */
  event_set_log_callback(on_libevent_log);

  logmsg(LOG_INFO, "pqnetd starting version=%s network=%s genesis=%s base_path=%s", PQNETD_VERSION,
         o.network, pqnet_peer_id_hex(o.genesis, hex, sizeof hex), o.base_path);

  pqnet_identity_file_status st;
  rc = pqnet_identity_file_open(o.base_path, NULL, &id, &st);
  if (rc) {
    logmsg(LOG_ERROR, "cannot load identity: %s",
           pqnet_identity_file_describe(rc, &st, msg, sizeof msg));
    goto out;
  }
  logmsg(LOG_INFO, "identity %s peer_id=%s path=%s", st.created ? "created" : "loaded",
         pqnet_peer_id_hex(pqnet_identity_peer_id(id), hex, sizeof hex), st.path);

  pqnet_node_config ncfg;
  pqnet_node_config_default(&ncfg);
  snprintf(ncfg.chain_id, sizeof ncfg.chain_id, "%s", o.network);
  memcpy(ncfg.genesis, o.genesis, sizeof ncfg.genesis);
  {
    char host[256];
    pqnet_hostport_split(o.listen, 0, host, sizeof host, &ncfg.listen_port);
  }
  snprintf(ncfg.user_agent, sizeof ncfg.user_agent, "pqnetd/%s", PQNETD_VERSION);
  ncfg.ping_interval_ms = o.ping_interval * 1000u;
  ncfg.pong_timeout_ms = o.pong_timeout * 1000u;
  /* Discovery (DESIGN.md §4). Loopback and private addresses are dialable
   * on devnet only, private ones also with --allow-private-addresses. */
  if (strcmp(o.network, "devnet") == 0) {
    ncfg.policy.allow_loopback = 1;
    ncfg.policy.allow_private = 1;
  } else {
    ncfg.policy.allow_loopback = 0;
    ncfg.policy.allow_private = o.allow_private;
  }
  ncfg.min_outbound = o.min_outbound;
  ncfg.max_outbound = o.max_outbound;
  ncfg.max_inbound = o.max_inbound;
  if (ncfg.max_connections < o.max_inbound + o.max_outbound + 64)
    ncfg.max_connections = o.max_inbound + o.max_outbound + 64; /* handshakes, feelers */
  ncfg.discovery_tick_ms = o.discovery_tick * 1000u;
  ncfg.connection_timeout_ms = o.connect_timeout * 1000u;
  ncfg.default_port = DEFAULT_PORT;
  for (size_t i = 0; i < o.nseeds; i++) memcpy(ncfg.seeds[i], o.seeds[i], sizeof ncfg.seeds[i]);
  ncfg.nseeds = o.nseeds;
  {
    /* A specific listen IP is what peers can dial: announce it. */
    pqnet_addr a;
    pqnet_addr_class k;
    if (pqnet_addr_parse(o.listen, 0, &a) == 0 &&
        ((k = pqnet_addr_classify(&a)) == PQNET_ADDR_ROUTABLE || k == PQNET_ADDR_LOOPBACK ||
         k == PQNET_ADDR_PRIVATE))
      ncfg.advertise = a;
  }

  pqnet_node_callbacks cb = {.peer_connected = on_peer_connected,
                             .peer_disconnected = on_peer_disconnected,
                             .message = on_message,
                             .peer_hello = on_peer_hello,
                             .log = on_lib_log};
  base = event_base_new();
  if (!base) {
    logmsg(LOG_ERROR, "cannot create the event loop");
    goto out;
  }
  rc = pqnet_node_new(&ncfg, id, pqnet_rng_system(), &cb, &node);
  if (rc) {
    logmsg(LOG_ERROR, "cannot create the node error=%s", pqnet_strerror(rc));
    goto out;
  }

  pqnet_shell_config scfg;
  pqnet_shell_config_default(&scfg);
  scfg.connect_timeout_ms = o.connect_timeout * 1000u;
  scfg.send_queue_max = ncfg.send_queue_max;
  scfg.log = on_lib_log;
  if (o.dns_server) snprintf(scfg.dns_server, sizeof scfg.dns_server, "%s", o.dns_server);
  rc = pqnet_shell_new(base, node, &scfg, &shell);
  if (rc) {
    logmsg(LOG_ERROR, "cannot create the I/O shell error=%s", pqnet_strerror(rc));
    goto out;
  }
  rc = pqnet_shell_listen(shell, o.listen);
  if (rc) {
    logmsg(LOG_ERROR, "cannot listen addr=%s error=%s", o.listen, pqnet_strerror(rc));
    goto out;
  }
  pqnet_addr bound[8];
  size_t nb = pqnet_shell_listen_addrs(shell, bound, 8);
  for (size_t i = 0; i < nb && i < 8; i++) {
    char a[PQNET_ADDR_STRLEN];
    logmsg(LOG_INFO, "listening addr=%s", pqnet_addr_format(&bound[i], a, sizeof a));
  }

  if (o.http_listen) {
    pqnet_http_config hcfg;
    pqnet_addr hb;
    char a[PQNET_ADDR_STRLEN];
    pqnet_http_config_default(&hcfg);
    memcpy(hcfg.peer_id, pqnet_identity_peer_id(id), sizeof hcfg.peer_id);
    hcfg.listen = ncfg.advertise;
    hcfg.log = on_lib_log;
    rc = pqnet_http_new(base, shell, &hcfg, &http);
    if (rc == 0) rc = pqnet_http_listen(http, o.http_listen, &hb);
    if (rc) {
      logmsg(LOG_ERROR, "cannot listen for HTTP addr=%s error=%s%s", o.http_listen,
             rc == PQNET_ERR_IO ? strerror(errno) : pqnet_strerror(rc),
             rc == PQNET_ERR_IO ? " (pick another --http-listen, or --http-listen none)" : "");
      goto out;
    }
    logmsg(LOG_INFO, "http listening addr=%s", pqnet_addr_format(&hb, a, sizeof a));
  }

  d.base = base;
  d.shell = shell;
  d.signals = 0;
  sigint = evsignal_new(base, SIGINT, on_signal, &d);
  sigterm = evsignal_new(base, SIGTERM, on_signal, &d);
  if (!sigint || !sigterm || evsignal_add(sigint, NULL) != 0 || evsignal_add(sigterm, NULL) != 0) {
    logmsg(LOG_ERROR, "cannot install signal handlers");
    goto out;
  }

  for (size_t i = 0; i < o.npeers; i++) {
    logmsg(LOG_INFO, "dialing peer=%s", o.peers[i]);
    rc = pqnet_shell_dial_host(shell, o.peers[i]);
    if (rc) logmsg(LOG_WARN, "cannot dial peer=%s error=%s", o.peers[i], pqnet_strerror(rc));
  }
  {
    char seeds[512] = "";
    size_t n = 0;
    for (size_t i = 0; i < o.nseeds && n < sizeof seeds; i++)
      n += (size_t)snprintf(seeds + n, sizeof seeds - n, "%s%s", i ? "," : "", o.seeds[i]);
    logmsg(LOG_INFO,
           "discovery seeds=%s dns_server=%s min_outbound=%u max_outbound=%u max_inbound=%u "
           "tick_s=%u",
           o.nseeds ? seeds : "none", o.dns_server ? o.dns_server : "system", o.min_outbound,
           o.max_outbound, o.max_inbound, o.discovery_tick);
  }
  pqnet_node_start(node, pqnet_shell_now_ms());
  pqnet_shell_flush(shell);

  event_base_dispatch(base);
  logmsg(LOG_INFO, "stopped");
  status = 0;

out:
  if (sigint) event_free(sigint);
  if (sigterm) event_free(sigterm);
  pqnet_http_del(http);
  pqnet_shell_del(shell);
  pqnet_node_del(node);
  pqnet_identity_del(id);
  if (base) event_base_free(base);
  return status;
}
