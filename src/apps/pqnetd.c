/*
 * pqnetd: a minimal pqnet daemon. It loads (or creates) the node identity,
 * listens on one address, dials the --peer addresses, keeps sessions alive
 * with Ping/Pong and logs every connect and disconnect. The full operator
 * surface (config file, environment, HTTP, peer store) comes later.
 *
 * Logs go to stderr, one line per event:
 *   2026-11-21T19:40:00.123Z info peer connected conn=1 addr=127.0.0.1:7072 ...
 * Session events come from the node callbacks (peer_connected,
 * peer_disconnected); the node core's own narrative log repeats them, so it is
 * shown at debug level only (errors excepted).
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
  const char *listen;
  const char *peers[MAX_PEERS];
  size_t npeers;
  const char *base_path;
  const char *network;
  uint8_t genesis[32];
  int have_genesis;
  unsigned ping_interval, pong_timeout, connect_timeout; /* seconds */
} options;

static void usage(FILE *f) {
  fprintf(f,
          "usage: pqnetd [flags]\n"
          "\n"
          "  --listen HOST:PORT       address to listen on (default 127.0.0.1:7071)\n"
          "  --peer HOST:PORT         peer to dial at start; repeatable\n"
          "  --base-path DIR          data directory (default ./pqnet-data); holds "
          "identity.key\n"
          "  --network NAME           devnet, testnet or mainnet (default devnet); the chain id\n"
          "  --genesis HEX            genesis hash, 64 hex digits (default: SHA3-256 of\n"
          "                           \"pqnet genesis \" followed by the network name)\n"
          "  --ping-interval SECS     seconds between Pings (default 30)\n"
          "  --pong-timeout SECS      drop a peer whose Pong is this late (default 60)\n"
          "  --connect-timeout SECS   TCP connect timeout (default 10)\n"
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

/* Returns 0 to run, -1 after --help/--version (exit 0), or EXIT_USAGE. */
static int parse_args(int argc, char **argv, options *o) {
  static const char *const value_flags[] = {
      "--listen",        "--peer",         "--base-path",       "--network",  "--genesis",
      "--ping-interval", "--pong-timeout", "--connect-timeout", "--log-level"};
  memset(o, 0, sizeof *o);
  o->listen = "127.0.0.1:7071";
  o->base_path = "./pqnet-data";
  o->network = "devnet";
  o->ping_interval = 30;
  o->pong_timeout = 60;
  o->connect_timeout = 10;

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
    logmsg(LOG_WARN, "handshake failed conn=%llu addr=%s dir=%s reason=%s: %s",
           (unsigned long long)p->conn, addr, dir_name(p->direction), pqnet_reason_name(reason),
           text);
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

static void on_core_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  logmsg(level == LOG_ERROR ? LOG_ERROR : LOG_DEBUG, "core: %s", msg);
}

static void on_shell_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  logmsg(level < 0 ? 0 : level > 3 ? 3 : level, "%s", msg);
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
  struct event_base *base = NULL;
  struct event *sigint = NULL, *sigterm = NULL;
  daemon_ctx d;
  int status = 1, rc;
  char hex[65], msg[8192];

  rc = parse_args(argc, argv, &o);
  if (rc < 0) return 0;
  if (rc) return rc;
  signal(SIGPIPE, SIG_IGN); /* a reset peer must not kill the daemon (see shell.h) */

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

  pqnet_node_callbacks cb = {.peer_connected = on_peer_connected,
                             .peer_disconnected = on_peer_disconnected,
                             .message = on_message,
                             .peer_hello = on_peer_hello,
                             .log = on_core_log};
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
  scfg.log = on_shell_log;
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

  event_base_dispatch(base);
  logmsg(LOG_INFO, "stopped");
  status = 0;

out:
  if (sigint) event_free(sigint);
  if (sigterm) event_free(sigterm);
  pqnet_shell_del(shell);
  pqnet_node_del(node);
  pqnet_identity_del(id);
  if (base) event_base_free(base);
  return status;
}
