/*
 * pqnetd: the pqnet daemon. It loads (or creates) the node identity, listens
 * on one address, dials the --peer addresses, then starts discovery (seeds,
 * address exchange, the discovery tick), keeps sessions alive with
 * Ping/Pong, logs every connect and disconnect, and serves the read-only
 * HTTP API (src/io/http.h) and runs the devnet chain (src/chain). Settings
 * come from defaults < config file < PQNET_* environment < flags
 * (src/apps/config.h).
 *
 * Logs go to stderr, or to --log-file (appended; reopened on SIGHUP, for
 * logrotate), one line per event: UTC time, level, subsystem, message,
 * key=value fields:
 *   2026-11-21T19:40:00.123Z info p2p peer connected conn=1 addr=127.0.0.1:7072 ...
 * Subsystems: daemon (start, stop, files), p2p (sessions and the node core's
 * decisions), net (sockets and DNS: the I/O shell), http (the API), chain,
 * libevent. Session events come from the node callbacks (peer_connected,
 * peer_disconnected); the node core logs its own decisions (seeds queried,
 * addresses learned) at their own level, and its connect and disconnect
 * lines at debug only, so that each event is one line at the default level
 * and a healthy node is quiet (no line per Ping). libevent's own messages
 * (the DNS resolver's) are shown at debug.
 *
 * The HTTP API's endpoints that change state need the token pqnetd writes
 * to <base-path>/.cookie once its listeners are up (src/io/cookie.h; a new
 * one at every start, removed at a clean stop). The API's hooks are set in
 * http_hooks(): the chain's /chain/head route and metrics lines, and the
 * bans made through the API (for the peer store).
 *
 * Exit codes: 0 after a clean stop (SIGINT/SIGTERM), 1 when startup fails
 * (identity, listen, chain), 2 for a bad flag, variable or config file.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apps/config.h"
#include "chain/block.h"
#include "chain/chain.h"
#include "chain/chain_app.h"
#include "io/cookie.h"
#include "io/http.h"
#include "io/identity_file.h"
#include "io/shell.h"
#include "pqnet/addr.h"
#include "pqnet/error.h"
#include "pqnet/node.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"
#include "store/node_store.h"

#define PQNETD_VERSION "0.1.0"
#define EXIT_USAGE     2

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
static const char *const level_names[] = {"error", "warn", "info", "debug"};
static int g_log_level = LOG_INFO;
static int g_log_fd = STDERR_FILENO;
static const char *g_log_path; /* --log-file, for SIGHUP; NULL: stderr */

/* The subsystem field of a log line. */
static const char SUB_DAEMON[] = "daemon", SUB_P2P[] = "p2p", SUB_NET[] = "net",
                  SUB_HTTP[] = "http", SUB_CHAIN[] = "chain", SUB_LIBEVENT[] = "libevent",
                  SUB_STORE[] = "store";

/* ---- logging ---- */

/* One line to stderr with a single write(2), so lines never interleave.
 * Control characters (a peer's Reject text may carry any byte) become '?'. */
static void vlogmsg(int level, const char *sub, const char *fmt, va_list ap) {
  char line[1024];
  struct timespec ts;
  struct tm tm;
  if (level > g_log_level) return;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %s %s ", ts.tv_nsec / 1000000L,
                        level_names[level], sub);
  size_t start = n;
  int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  if (m < 0) m = 0;
  n += (size_t)m < sizeof line - n - 1 ? (size_t)m : sizeof line - n - 2;
  for (size_t i = start; i < n; i++)
    if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) line[i] = '?';
  line[n++] = '\n';
  ssize_t w = write(g_log_fd, line, n);
  (void)w;
}

/* --log-file: append there instead of stderr (one write per line). */
static int log_open_file(const char *path) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  g_log_fd = fd;
  g_log_path = path;
  return 0;
}

static void logmsg(int level, const char *fmt, ...);

/* SIGHUP: reopen the --log-file (logrotate moved it away). If that fails the
 * old file stays in use and says why. */
static void log_reopen_file(void) {
  if (!g_log_path) {
    logmsg(LOG_INFO, "SIGHUP received; no --log-file to reopen");
    return;
  }
  int fd = open(g_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    logmsg(LOG_ERROR, "cannot reopen the log file path=%s error=%s", g_log_path, strerror(errno));
    return;
  }
  if (g_log_fd != STDERR_FILENO) close(g_log_fd);
  g_log_fd = fd;
  logmsg(LOG_INFO, "log file reopened path=%s", g_log_path);
}

static void log_close_file(void) {
  if (g_log_fd != STDERR_FILENO) close(g_log_fd);
  g_log_fd = STDERR_FILENO;
  g_log_path = NULL;
}

/* A line of the daemon itself. */
static void logmsg(int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlogmsg(level, SUB_DAEMON, fmt, ap);
  va_end(ap);
}

/* A line of another subsystem (SUB_*). */
static void logsub(int level, const char *sub, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlogmsg(level, sub, fmt, ap);
  va_end(ap);
}

/* ---- command line, environment, config file (src/apps/config.h) ---- */

static void usage(FILE *f) {
  fprintf(f, "usage: pqnetd [flags]\n"
             "\n"
             "Settings come from built-in defaults < the config file < PQNET_* environment\n"
             "variables < these flags (docs/OPERATIONS.md lists every key).\n"
             "\n"
             "  --config FILE            TOML config (default: <base-path>/pqnet.toml if present)\n"
             "  --print-config           print the effective config and where each value came\n"
             "                           from, then exit\n"
             "  --listen HOST:PORT       P2P address (default: the --http-listen host, HTTP port\n"
             "                           + 1; 127.0.0.1:7071)\n"
             "  --peer HOST:PORT         peer to dial at start and remember; repeatable\n"
             "  --seeds LIST             seeds, comma-separated HOST or HOST:PORT; queried when\n"
             "                           the address book is empty or no stored peer answers\n"
             "  --dns-server IP[:PORT]   nameserver for seed names (default: /etc/resolv.conf)\n"
             "  --min-outbound N         outbound connections to keep (default 8)\n"
             "  --max-outbound N         outbound connections at most (default 16)\n"
             "  --max-inbound N          inbound connections at most (default 117)\n"
             "  --discovery-tick SECS    seconds between discovery rounds (default 30)\n"
             "  --allow-private-addresses  dial and relay private addresses on testnet/mainnet\n"
             "  --http-listen HOST:PORT  HTTP API address (default 127.0.0.1:7070); none: off\n"
             "  --base-path DIR          data directory (default ./pqnet-data)\n"
             "  --network NAME           devnet, testnet or mainnet (default devnet)\n"
             "  --genesis HEX            genesis hash, 64 hex digits (default: the network's)\n"
             "  --mine                   mine blocks on the devnet chain and broadcast them\n"
             "  --mine-target-bits N     proof-of-work target: N leading zero bits (default:\n"
             "                           the network's); every node must use the same\n"
             "  --ping-interval SECS     seconds between Pings (default 30)\n"
             "  --pong-timeout SECS      drop a peer whose Pong is this late (default 60)\n"
             "  --connect-timeout SECS   TCP connect timeout, and how long stored peers get\n"
             "                           before the seeds are queried (default 10)\n"
             "  --log-level LEVEL        error, warn, info or debug (default info)\n"
             "  --log-file PATH          append log lines to PATH instead of stderr\n"
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

/*
 * Flags, then the environment, then the config file: the config module keeps
 * the precedence by rank (a lower source never overrides a higher one), so
 * the file can be read last, once --base-path is known. Returns 0 to run,
 * -1 to exit 0 (--help, --version, --print-config), or EXIT_USAGE.
 */
static int parse_args(int argc, char **argv, pqnet_config *cfg) {
  char err[1024];
  const char *config_file = NULL;
  int print = 0;
  config_defaults(cfg);
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout);
      return -1;
    }
    if (strcmp(arg, "--version") == 0) {
      printf("pqnetd %s\n", PQNETD_VERSION);
      return -1;
    }
    if (strcmp(arg, "--print-config") == 0) {
      print = 1;
      continue;
    }
    if (strncmp(arg, "--", 2) != 0) return usage_error("unexpected argument '%s'", arg);
    char name[64];
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    if (nlen >= sizeof name) return usage_error("unknown flag %.40s...", arg);
    memcpy(name, arg, nlen);
    name[nlen] = '\0';
    const char *value = eq ? eq + 1 : NULL;
    if (strcmp(name, "--config") == 0) {
      if (!value && i + 1 < argc) value = argv[++i];
      if (!value || !*value) return usage_error("flag --config needs a file");
      config_file = value;
      continue;
    }
    int needs = 0;
    if (config_flag_find(name, &needs) < 0) return usage_error("unknown flag %s", name);
    if (!value && needs) {
      if (i + 1 >= argc) return usage_error("flag %s needs a value", name);
      value = argv[++i];
    }
    if (config_apply_flag(cfg, name, value, err, sizeof err) != 0) return usage_error("%s", err);
  }
  if (config_apply_env(cfg, NULL, NULL, err, sizeof err) != 0) return usage_error("%s", err);
  char path[CONFIG_PATH_MAX + 32];
  int explicit_file = config_file != NULL;
  if (!config_file) config_file = getenv(CONFIG_ENV_FILE);
  if (config_file && *config_file) {
    explicit_file = 1;
    snprintf(path, sizeof path, "%s", config_file);
  } else if (config_default_file(cfg, path, sizeof path) != 0) {
    path[0] = '\0';
  }
  if (path[0]) {
    int rc = config_load_file(cfg, path, err, sizeof err);
    if (rc == PQNET_ERR_IO && (errno == ENOENT || errno == ENOTDIR) && !explicit_file) {
      /* no pqnet.toml in the base path: defaults, env and flags only */
    } else if (rc == PQNET_ERR_IO) {
      return usage_error("cannot read config file %s: %s", path, strerror(errno));
    } else if (rc != 0) {
      return usage_error("%s", err);
    }
  }
  if (config_finish(cfg, err, sizeof err) != 0) return usage_error("%s", err);
  if (print) {
    config_print(cfg, stdout);
    return -1;
  }
  return 0;
}

/* ---- node callbacks ---- */

/* What the callbacks and timers share. The node's callbacks exist before the
 * chain application does, so everything tolerates app == NULL. */
typedef struct daemon_ctx {
  struct event_base *base;
  pqnet_node *node;
  pqnet_shell *shell;
  pqnet_chain_app *app;
  pqnet_node_store *store; /* <base-path>/peers.sqlite */
  struct event *chain_timer, *store_timer;
  int signals;
} daemon_ctx;

static daemon_ctx g_d;

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
  daemon_ctx *d = ctx;
  /* Written through before the line is logged: a logged connection is stored. */
  pqnet_node_store_peer_connected(d->store, p);
  logsub(LOG_INFO, SUB_P2P, "peer connected conn=%llu addr=%s dir=%s peer_id=%s listen_port=%u",
         (unsigned long long)p->conn, pqnet_addr_format(&p->addr, addr, sizeof addr),
         dir_name(p->direction), pqnet_peer_id_hex(p->peer_id, hex, sizeof hex),
         (unsigned)p->listen_port);
  if (d->app) pqnet_chain_app_on_peer_connected(d->app, p, pqnet_shell_now_ms());
}

static void on_peer_disconnected(void *ctx, const pqnet_peer_info *p, int reason,
                                 const char *text) {
  char addr[PQNET_ADDR_STRLEN], hex[65];
  daemon_ctx *d = ctx;
  pqnet_addr_format(&p->addr, addr, sizeof addr);
  if (all_zero(p->peer_id, sizeof p->peer_id)) {
    /* Two nodes that dial each other at once end with one session and one
     * duplicate-peer handshake: normal during discovery, not a warning. */
    logsub(reason == PQNET_REASON_DUPLICATE ? LOG_INFO : LOG_WARN, SUB_P2P,
           "handshake failed conn=%llu addr=%s dir=%s reason=%s: %s", (unsigned long long)p->conn,
           addr, dir_name(p->direction), pqnet_reason_name(reason), text);
  } else {
    logsub(LOG_INFO, SUB_P2P,
           "peer disconnected conn=%llu addr=%s dir=%s peer_id=%s bytes_in=%llu bytes_out=%llu "
           "reason=%s: %s",
           (unsigned long long)p->conn, addr, dir_name(p->direction),
           pqnet_peer_id_hex(p->peer_id, hex, sizeof hex), (unsigned long long)p->bytes_in,
           (unsigned long long)p->bytes_out, pqnet_reason_name(reason), text);
  }
  if (d->app) pqnet_chain_app_on_peer_disconnected(d->app, p, pqnet_shell_now_ms());
  pqnet_node_store_peer_disconnected(d->store, p);
}

static void on_peer_hello(void *ctx, const pqnet_peer_info *p) {
  daemon_ctx *d = ctx;
  logsub(LOG_DEBUG, SUB_P2P, "peer hello conn=%llu user_agent=%s services=%llu best_height=%llu",
         (unsigned long long)p->conn, p->user_agent ? p->user_agent : "",
         (unsigned long long)p->services, (unsigned long long)p->best_height);
  if (d->app) pqnet_chain_app_on_peer_hello(d->app, p, pqnet_shell_now_ms());
}

static void on_message(void *ctx, uint64_t conn, uint16_t protocol, uint8_t type,
                       const uint8_t *body, size_t len) {
  daemon_ctx *d = ctx;
  if (d->app) {
    pqnet_chain_app_on_message(d->app, conn, protocol, type, body, len, pqnet_shell_now_ms());
    return;
  }
  logsub(LOG_DEBUG, SUB_P2P, "message conn=%llu protocol=%u type=%u len=%zu",
         (unsigned long long)conn, (unsigned)protocol, (unsigned)type, len);
}

static int on_gossip(void *ctx, uint64_t conn, uint16_t topic, const uint8_t *payload, size_t len) {
  daemon_ctx *d = ctx;
  return d->app ? pqnet_chain_app_on_gossip(d->app, conn, topic, payload, len, pqnet_shell_now_ms())
                : PQNET_GOSSIP_IGNORE;
}

/* The chain's timer: mining slices (20000 hashes, ~10 ms) back to back while
 * mining, otherwise sync timeouts about once a second. */
static void on_chain_timer(evutil_socket_t fd, short what, void *arg) {
  daemon_ctx *d = arg;
  (void)fd;
  (void)what;
  if (!d->app) return;
  uint64_t now = pqnet_shell_now_ms();
  uint64_t next = pqnet_chain_app_on_timer(d->app, now);
  pqnet_shell_flush(d->shell);
  uint64_t delay = next > now ? next - now : 0;
  if (delay > 1000) delay = 1000;
  struct timeval tv = {(time_t)(delay / 1000), (suseconds_t)((delay % 1000) * 1000)};
  evtimer_add(d->chain_timer, &tv);
}

static int clamp_level(int level) {
  return level < LOG_ERROR ? LOG_ERROR : level > LOG_DEBUG ? LOG_DEBUG : level;
}

/* The shell, the HTTP server and the chain log at their own level; ctx is
 * their subsystem name (SUB_*). */
static void on_lib_log(void *ctx, int level, const char *msg) {
  logsub(clamp_level(level), ctx ? (const char *)ctx : SUB_DAEMON, "%s", msg);
}

/* The node core (its callbacks' ctx is the daemon_ctx). */
static void on_node_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  logsub(clamp_level(level), SUB_P2P, "%s", msg);
}

/* libevent's messages (evdns: "Nameserver ... has failed") say again what
 * the shell's "resolve failed" line says: debug, except real errors. */
static void on_libevent_log(int severity, const char *msg) {
  int level = severity >= EVENT_LOG_ERR    ? LOG_ERROR
              : severity >= EVENT_LOG_WARN ? LOG_WARN
                                           : LOG_DEBUG;
  logsub(level, SUB_LIBEVENT, "%s", msg);
}

/* ---- signals ---- */

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  daemon_ctx *d = arg;
  (void)what;
  const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
  if (d->signals++ == 0) {
    logmsg(LOG_INFO, "shutting down signal=%s", name);
    pqnet_node_store_save_anchors(d->store); /* before the sessions close */
    pqnet_shell_shutdown(d->shell);
  } else {
    logmsg(LOG_WARN, "second signal, stopping at once signal=%s", name);
    event_base_loopbreak(d->base);
  }
}

static void on_sighup(evutil_socket_t sig, short what, void *arg) {
  (void)sig;
  (void)what;
  (void)arg;
  log_reopen_file();
}

/* ---- the HTTP API: cookie and hooks ---- */

static char g_cookie_token[PQNET_COOKIE_TOKEN_LEN + 1]; /* "" until the cookie is written */

/* Write <base_path>/.cookie with token, once the HTTP listener is up (a node
 * that fails to start must not overwrite a running node's cookie). */
static int api_cookie_create(const char *base_path, const char *token) {
  char path[CONFIG_PATH_MAX + 16];
  pqnet_cookie_path(base_path, path, sizeof path);
  int rc = pqnet_cookie_write(base_path, token);
  if (rc) {
    logsub(LOG_ERROR, SUB_HTTP, "cannot write the API cookie path=%s error=%s", path,
           rc == PQNET_ERR_IO ? strerror(errno) : pqnet_strerror(rc));
    return rc;
  }
  memcpy(g_cookie_token, token, sizeof g_cookie_token);
  logsub(LOG_INFO, SUB_HTTP, "api cookie written path=%s", path);
  return 0;
}

/* At exit: remove the cookie if it still holds our token. */
static void api_cookie_remove(const char *base_path) {
  if (!g_cookie_token[0]) return;
  int rc = pqnet_cookie_remove(base_path, g_cookie_token);
  if (rc && rc != PQNET_ERR_STATE)
    logsub(LOG_WARN, SUB_HTTP, "cannot remove the API cookie error=%s",
           rc == PQNET_ERR_IO ? strerror(errno) : pqnet_strerror(rc));
  memset(g_cookie_token, 0, sizeof g_cookie_token);
}

/* Bans added or lifted through the API (the node applied them already and
 * the HTTP server logged them). The peer store persists them here; the
 * node's automatic bans come through pqnet_node_callbacks.banned. */
/* Bans survive restarts: the node's own (protocol violations) and the
 * operator's (HTTP API, pqnet-cli) go to the peer store. */
static void on_node_banned(void *ctx, const pqnet_ban *ban) {
  daemon_ctx *d = ctx;
  pqnet_node_store_banned(d->store, ban);
}

static void on_api_banned(void *ctx, const pqnet_ban *ban) {
  daemon_ctx *d = ctx;
  pqnet_node_store_banned(d->store, ban);
}

static void on_api_unbanned(void *ctx, const pqnet_addr *addr, unsigned prefix_len) {
  daemon_ctx *d = ctx;
  pqnet_node_store_unbanned(d->store, addr, prefix_len);
}

static void on_addrs_learned(void *ctx, const struct pqnet_addr_info *v, size_t n) {
  daemon_ctx *d = ctx;
  pqnet_node_store_learned(d->store, v, n);
}

/* Once a second: the peer store writes a bounded batch of learned addresses. */
static void on_store_timer(evutil_socket_t fd, short what, void *arg) {
  daemon_ctx *d = arg;
  (void)fd;
  (void)what;
  pqnet_node_store_tick(d->store, pqnet_shell_now_ms());
  struct timeval tv = {1, 0};
  evtimer_add(d->store_timer, &tv);
}

/* GET /chain/head and the chain's /metrics lines (snprintf convention). */
static int chain_head_text(void *ctx, char *buf, size_t cap) {
  return pqnet_chain_app_head_json(ctx, buf, cap);
}

static int chain_metrics_text(void *ctx, char *buf, size_t cap) {
  return pqnet_chain_app_metrics(ctx, buf, cap);
}

/* The HTTP server's token, log subsystem and hooks. */
static void http_hooks(pqnet_http_config *hcfg, daemon_ctx *d, const char *token) {
  memcpy(hcfg->token, token, sizeof hcfg->token);
  hcfg->log = on_lib_log;
  hcfg->log_ctx = (void *)SUB_HTTP;
  hcfg->banned = on_api_banned;
  hcfg->unbanned = on_api_unbanned;
  hcfg->ban_ctx = d;
  if (d->app) {
    hcfg->routes[hcfg->nroutes++] = (pqnet_http_route){"/chain/head", chain_head_text, d->app};
    hcfg->metrics = chain_metrics_text;
    hcfg->metrics_ctx = d->app;
  }
}

/* ---- main ---- */

int main(int argc, char **argv) {
  static pqnet_config cfg;
  pqnet_identity *id = NULL;
  pqnet_node *node = NULL;
  pqnet_shell *shell = NULL;
  pqnet_http *http = NULL;
  struct event_base *base = NULL;
  struct event *sigint = NULL, *sigterm = NULL, *sighup = NULL;
  daemon_ctx *d = &g_d;
  int status = 1, rc;
  char hex[65], msg[8192];

  rc = parse_args(argc, argv, &cfg);
  if (rc < 0) return 0;
  if (rc) return rc;
  g_log_level = config_log_level(&cfg);
  if (cfg.log_file[0] && log_open_file(cfg.log_file) != 0) {
    fprintf(stderr, "pqnetd: cannot open log file %s: %s\n", cfg.log_file, strerror(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN); /* a reset peer must not kill the daemon (see shell.h) */
  event_set_log_callback(on_libevent_log);

  pqnet_node_config ncfg;
  if (config_to_node(&cfg, &ncfg) != 0) {
    logmsg(LOG_ERROR, "invalid configuration");
    return EXIT_USAGE;
  }
  /* The genesis of the network's devnet chain goes into every handshake,
   * unless the operator gave one. */
  if (!cfg.genesis[0]) pqnet_chain_genesis_id(cfg.network, ncfg.genesis);
  snprintf(ncfg.user_agent, sizeof ncfg.user_agent, "pqnetd/%s", PQNETD_VERSION);
  {
    /* A specific listen IP is what peers can dial: announce it. */
    pqnet_addr a;
    pqnet_addr_class k;
    if (pqnet_addr_parse(cfg.listen, 0, &a) == 0 &&
        ((k = pqnet_addr_classify(&a)) == PQNET_ADDR_ROUTABLE || k == PQNET_ADDR_LOOPBACK ||
         k == PQNET_ADDR_PRIVATE))
      ncfg.advertise = a;
  }

  logmsg(LOG_INFO, "pqnetd starting version=%s network=%s genesis=%s base_path=%s%s%s",
         PQNETD_VERSION, cfg.network, pqnet_peer_id_hex(ncfg.genesis, hex, sizeof hex),
         cfg.base_path, cfg.file[0] ? " config=" : "", cfg.file);

  pqnet_identity_file_status st;
  rc = pqnet_identity_file_open(cfg.base_path, NULL, &id, &st);
  if (rc) {
    logmsg(LOG_ERROR, "cannot load identity: %s",
           pqnet_identity_file_describe(rc, &st, msg, sizeof msg));
    goto out;
  }
  logmsg(LOG_INFO, "identity %s peer_id=%s path=%s", st.created ? "created" : "loaded",
         pqnet_peer_id_hex(pqnet_identity_peer_id(id), hex, sizeof hex), st.path);

  pqnet_node_callbacks cb = {.ctx = d,
                             .peer_connected = on_peer_connected,
                             .peer_disconnected = on_peer_disconnected,
                             .message = on_message,
                             .peer_hello = on_peer_hello,
                             .log = on_node_log,
                             .gossip = on_gossip,
                             .banned = on_node_banned,
                             .addrs_learned = on_addrs_learned};
  base = event_base_new();
  if (!base) {
    logmsg(LOG_ERROR, "cannot create the event loop");
    goto out;
  }
  d->base = base;
  /* Signals first: a SIGTERM during start-up is handled (in the loop) as a
   * clean stop, not by the default action. */
  d->signals = 0;
  sigint = evsignal_new(base, SIGINT, on_signal, d);
  sigterm = evsignal_new(base, SIGTERM, on_signal, d);
  sighup = evsignal_new(base, SIGHUP, on_sighup, d);
  if (!sigint || !sigterm || !sighup || evsignal_add(sigint, NULL) != 0 ||
      evsignal_add(sigterm, NULL) != 0 || evsignal_add(sighup, NULL) != 0) {
    logmsg(LOG_ERROR, "cannot install signal handlers");
    goto out;
  }
  /* The peer store: lock the base path, and the address manager's secret so
   * the buckets come out as before the restart. */
  {
    char why[1024] = "";
    rc = pqnet_node_store_open(cfg.base_path, &ncfg, on_lib_log, (void *)SUB_STORE,
                               pqnet_shell_now_ms(), &d->store, why, sizeof why);
    if (rc) {
      logmsg(LOG_ERROR, "cannot open the peer store: %s", why[0] ? why : pqnet_strerror(rc));
      goto out;
    }
    if (why[0]) logmsg(LOG_WARN, "peer store: %s", why);
  }
  rc = pqnet_node_new(&ncfg, id, pqnet_rng_system(), &cb, &node);
  if (rc) {
    logmsg(LOG_ERROR, "cannot create the node error=%s", pqnet_strerror(rc));
    goto out;
  }
  d->node = node;
  pqnet_addr recent[5];
  size_t nrecent = pqnet_node_store_attach(
      d->store, node, pqnet_shell_now_ms(), (uint64_t)cfg.peer_store_ttl_days,
      (size_t)cfg.max_peer_store_entries, recent, sizeof recent / sizeof recent[0]);

  pqnet_shell_config scfg;
  pqnet_shell_config_default(&scfg);
  scfg.connect_timeout_ms = (uint32_t)cfg.connection_timeout_seconds * 1000u;
  scfg.send_queue_max = ncfg.send_queue_max;
  scfg.log = on_lib_log;
  scfg.log_ctx = (void *)SUB_NET;
  if (cfg.dns_server[0]) {
    if (strlen(cfg.dns_server) >= sizeof scfg.dns_server) {
      logmsg(LOG_ERROR, "dns_server %s is too long", cfg.dns_server);
      goto out;
    }
    memcpy(scfg.dns_server, cfg.dns_server, strlen(cfg.dns_server) + 1);
  }
  rc = pqnet_shell_new(base, node, &scfg, &shell);
  if (rc) {
    logmsg(LOG_ERROR, "cannot create the I/O shell error=%s", pqnet_strerror(rc));
    goto out;
  }
  d->shell = shell;
  rc = pqnet_shell_listen(shell, cfg.listen);
  if (rc) {
    logmsg(LOG_ERROR, "cannot listen addr=%s error=%s", cfg.listen, pqnet_strerror(rc));
    goto out;
  }
  pqnet_addr bound[8];
  size_t nb = pqnet_shell_listen_addrs(shell, bound, 8);
  for (size_t i = 0; i < nb && i < 8; i++) {
    char a[PQNET_ADDR_STRLEN];
    logsub(LOG_INFO, SUB_P2P, "listening addr=%s", pqnet_addr_format(&bound[i], a, sizeof a));
  }

  /* The devnet chain: an application of the library (src/chain). */
  {
    pqnet_chain_app_config acfg;
    pqnet_chain_app_config_default(&acfg);
    acfg.base_path = cfg.base_path;
    acfg.network = cfg.network;
    acfg.mine = cfg.mine;
    uint8_t target[32];
    if (cfg.mine_target_bits > 0) {
      pqnet_chain_target_from_bits((unsigned)cfg.mine_target_bits, target);
      acfg.target = target;
    }
    acfg.log = on_lib_log;
    acfg.log_ctx = (void *)SUB_CHAIN;
    rc = pqnet_chain_app_new(&acfg, node, pqnet_rng_system(), pqnet_shell_now_ms(), &d->app);
    if (rc) {
      logmsg(LOG_ERROR, "cannot open the chain error=%s", pqnet_strerror(rc));
      goto out;
    }
    logsub(LOG_INFO, SUB_CHAIN, "opened height=%llu blocks=%zu mining=%s",
           (unsigned long long)pqnet_chain_app_height(d->app), pqnet_chain_app_block_count(d->app),
           cfg.mine ? "yes" : "no");
    d->chain_timer = evtimer_new(base, on_chain_timer, d);
    struct timeval zero = {0, 0};
    if (!d->chain_timer || evtimer_add(d->chain_timer, &zero) != 0) {
      logmsg(LOG_ERROR, "cannot start the chain timer");
      goto out;
    }
  }

  if (cfg.http_listen[0] && strcmp(cfg.http_listen, "none") != 0) {
    pqnet_http_config hcfg;
    pqnet_addr hb;
    char a[PQNET_ADDR_STRLEN], token[PQNET_COOKIE_TOKEN_LEN + 1];
    pqnet_http_config_default(&hcfg);
    memcpy(hcfg.peer_id, pqnet_identity_peer_id(id), sizeof hcfg.peer_id);
    hcfg.listen = ncfg.advertise;
    rc = pqnet_cookie_generate(pqnet_rng_system(), token);
    if (rc) {
      logmsg(LOG_ERROR, "cannot draw the API token error=%s", pqnet_strerror(rc));
      goto out;
    }
    http_hooks(&hcfg, d, token);
    rc = pqnet_http_new(base, shell, &hcfg, &http);
    if (rc == 0) rc = pqnet_http_listen(http, cfg.http_listen, &hb);
    if (rc) {
      logmsg(LOG_ERROR, "cannot listen for HTTP addr=%s error=%s%s", cfg.http_listen,
             rc == PQNET_ERR_IO ? strerror(errno) : pqnet_strerror(rc),
             rc == PQNET_ERR_IO ? " (pick another --http-listen, or --http-listen none)" : "");
      goto out;
    }
    logsub(LOG_INFO, SUB_HTTP, "listening addr=%s", pqnet_addr_format(&hb, a, sizeof a));
    rc = api_cookie_create(cfg.base_path, token);
    memset(token, 0, sizeof token);
    memset(hcfg.token, 0, sizeof hcfg.token);
    if (rc) goto out;
  }

  /* Start-up order (DESIGN.md §1.2): --peer addresses at once (and stored),
   * then the most recent stored peers, anchors first; the node core asks
   * the seeds only if none of them connects within connection_timeout, or
   * the store was empty. */
  for (size_t i = 0; i < cfg.npeers; i++) {
    logsub(LOG_INFO, SUB_P2P, "dialing peer=%s", cfg.peers[i]);
    pqnet_addr pa;
    if (pqnet_addr_parse(cfg.peers[i], 0, &pa) == 0)
      pqnet_node_store_remember(d->store, &pa, pqnet_shell_now_ms());
    rc = pqnet_shell_dial_host(shell, cfg.peers[i]);
    if (rc) logmsg(LOG_WARN, "cannot dial peer=%s error=%s", cfg.peers[i], pqnet_strerror(rc));
  }
  for (size_t i = 0; i < nrecent; i++) {
    char a[PQNET_ADDR_STRLEN];
    rc = pqnet_node_dial(node, &recent[i], pqnet_shell_now_ms());
    logsub(LOG_DEBUG, SUB_P2P, "dialing stored peer addr=%s%s",
           pqnet_addr_format(&recent[i], a, sizeof a), rc ? " (already dialed)" : "");
  }
  d->store_timer = evtimer_new(base, on_store_timer, d);
  if (d->store_timer) {
    struct timeval one = {1, 0};
    evtimer_add(d->store_timer, &one);
  }
  {
    char seeds[512] = "";
    size_t n = 0;
    for (size_t i = 0; i < cfg.nseed_peers && n < sizeof seeds; i++)
      n += (size_t)snprintf(seeds + n, sizeof seeds - n, "%s%s", i ? "," : "", cfg.seed_peers[i]);
    logsub(LOG_INFO, SUB_P2P,
           "discovery seeds=%s dns_server=%s min_outbound=%u max_outbound=%u max_inbound=%u "
           "tick_s=%u",
           cfg.nseed_peers ? seeds : "none", cfg.dns_server[0] ? cfg.dns_server : "system",
           ncfg.min_outbound, ncfg.max_outbound, ncfg.max_inbound, ncfg.discovery_tick_ms / 1000);
  }
  pqnet_node_start(node, pqnet_shell_now_ms());
  pqnet_shell_flush(shell);

  event_base_dispatch(base);
  logmsg(LOG_INFO, "stopped");
  status = 0;

out:
  if (sigint) event_free(sigint);
  if (sigterm) event_free(sigterm);
  if (sighup) event_free(sighup);
  if (d->chain_timer) event_free(d->chain_timer);
  d->chain_timer = NULL;
  if (d->store_timer) event_free(d->store_timer);
  d->store_timer = NULL;
  pqnet_http_del(http);
  api_cookie_remove(cfg.base_path);
  pqnet_shell_del(shell); /* the chain app still gets the close callbacks this triggers */
  d->shell = NULL;
  pqnet_chain_app_del(d->app);
  d->app = NULL;
  pqnet_node_store_close(d->store, pqnet_shell_now_ms()); /* the node must still exist */
  d->store = NULL;
  pqnet_node_del(node);
  pqnet_identity_del(id);
  if (base) event_base_free(base);
  log_close_file();
  return status;
}
