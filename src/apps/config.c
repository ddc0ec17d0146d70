/*
 * pqnetd's configuration (see config.h): one table describes every key (its
 * type, field, range, format check, default, section, environment variable
 * and flags), and every source goes through the same check-then-store path.
 */
#include "apps/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addrman/addrman.h"
#include "apps/toml.h"
#include "pqnet/addr.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"
#include "wire/frame.h"

#define TEXT_MAX 65536 /* bytes of one environment or flag value */

/* ---- the key table ---- */

typedef enum ktype { K_STR, K_INT, K_BOOL, K_LIST } ktype;

/* Format check of a string or list item: 0, or PQNET_ERR_MALFORMED with why. */
typedef int (*check_fn)(const char *v, char *why, size_t cap);

typedef struct keydef {
  const char *name;
  const char *section; /* NULL: top level only */
  ktype type;
  size_t off;       /* the field */
  size_t cap;       /* K_STR: buffer bytes; K_LIST: bytes of one item */
  size_t count_off; /* K_LIST: the size_t count */
  size_t max_items; /* K_LIST */
  int64_t min, max; /* K_INT */
  int64_t def_int;  /* K_INT, K_BOOL */
  const char *def_str;
  check_fn check;
  const char *env, *env_alias;
  const char *flag, *flag_alias;
} keydef;

static int check_network(const char *v, char *why, size_t cap);
static int check_genesis(const char *v, char *why, size_t cap);
static int check_nonempty(const char *v, char *why, size_t cap);
static int check_hostport(const char *v, char *why, size_t cap);
static int check_hostport_opt(const char *v, char *why, size_t cap);
static int check_seed(const char *v, char *why, size_t cap);
static int check_dns(const char *v, char *why, size_t cap);
static int check_log_level(const char *v, char *why, size_t cap);

#define F(field)  offsetof(pqnet_config, field), sizeof(((pqnet_config *)0)->field)
#define FI(field) offsetof(pqnet_config, field), 0
#define FL(field, n)                                                                               \
  offsetof(pqnet_config, field), sizeof(((pqnet_config *)0)->field[0]), offsetof(pqnet_config, n), \
      sizeof(((pqnet_config *)0)->field) / sizeof(((pqnet_config *)0)->field[0])
#define STR(name, sec, field, def, check, env, flag)                                               \
  { name, sec, K_STR, F(field), 0, 0, 0, 0, 0, def, check, env, NULL, flag, NULL }
#define INT(name, sec, field, lo, hi, def, env, envalias, flag, flagalias)                         \
  { name, sec, K_INT, FI(field), 0, 0, lo, hi, def, NULL, NULL, env, envalias, flag, flagalias }
#define BOOL(name, sec, field, def, env, flag)                                                     \
  { name, sec, K_BOOL, FI(field), 0, 0, 0, 1, def, NULL, NULL, env, NULL, flag, NULL }
#define LIST(name, sec, field, n, check, env, envalias, flag, flagalias)                           \
  { name, sec, K_LIST, FL(field, n), 0, 0, 0, NULL, check, env, envalias, flag, flagalias }

/* Indexed by config_key. */
static const keydef keys[CONFIG_NKEYS] = {
    STR("network", NULL, network, "devnet", check_network, "PQNET_NETWORK", "--network"),
    STR("genesis", NULL, genesis, "", check_genesis, "PQNET_GENESIS", "--genesis"),
    STR("base_path", NULL, base_path, "./pqnet-data", check_nonempty, "PQNET_BASE_PATH",
        "--base-path"),
    BOOL("mine", NULL, mine, 0, "PQNET_MINE", "--mine"),
    INT("mine_target_bits", NULL, mine_target_bits, 0, 255, 0, "PQNET_MINE_TARGET_BITS", NULL,
        "--mine-target-bits", NULL),
    STR("listen", "p2p", listen, "127.0.0.1:7071", check_hostport, "PQNET_LISTEN", "--listen"),
    LIST("peers", "p2p", peers, npeers, check_hostport, "PQNET_PEERS", NULL, "--peers", "--peer"),
    LIST("seed_peers", "p2p", seed_peers, nseed_peers, check_seed, "PQNET_SEED_PEERS",
         "PQNET_SEEDS", "--seed-peers", "--seeds"),
    STR("dns_server", "p2p", dns_server, "", check_dns, "PQNET_DNS_SERVER", "--dns-server"),
    INT("min_outbound_connections", "p2p", min_outbound_connections, 1, 1000, 8,
        "PQNET_MIN_OUTBOUND_CONNECTIONS", "PQNET_MIN_PEERS", "--min-outbound-connections",
        "--min-outbound"),
    INT("max_outbound_connections", "p2p", max_outbound_connections, 1, 1000, 16,
        "PQNET_MAX_OUTBOUND_CONNECTIONS", NULL, "--max-outbound-connections", "--max-outbound"),
    INT("max_inbound_connections", "p2p", max_inbound_connections, 0, 10000, 117,
        "PQNET_MAX_INBOUND_CONNECTIONS", NULL, "--max-inbound-connections", "--max-inbound"),
    INT("connection_timeout_seconds", "p2p", connection_timeout_seconds, 1, 3600, 10,
        "PQNET_CONNECTION_TIMEOUT_SECONDS", NULL, "--connection-timeout-seconds",
        "--connect-timeout"),
    INT("reconnection_interval_seconds", "p2p", reconnection_interval_seconds, 1, 86400, 30,
        "PQNET_RECONNECTION_INTERVAL_SECONDS", NULL, "--reconnection-interval-seconds", NULL),
    INT("discovery_tick_seconds", "p2p", discovery_tick_seconds, 1, 86400, 30,
        "PQNET_DISCOVERY_TICK_SECONDS", "PQNET_DISCOVERY_TICK_SECS", "--discovery-tick-seconds",
        "--discovery-tick"),
    INT("ping_interval_seconds", "p2p", ping_interval_seconds, 1, 86400, 30,
        "PQNET_PING_INTERVAL_SECONDS", NULL, "--ping-interval-seconds", "--ping-interval"),
    INT("pong_timeout_seconds", "p2p", pong_timeout_seconds, 1, 86400, 60,
        "PQNET_PONG_TIMEOUT_SECONDS", NULL, "--pong-timeout-seconds", "--pong-timeout"),
    BOOL("allow_private_addresses", "p2p", allow_private_addresses, 0,
         "PQNET_ALLOW_PRIVATE_ADDRESSES", "--allow-private-addresses"),
    INT("max_frame_bytes", "p2p", max_frame_bytes, 1024, PQNET_FRAME_ABSOLUTE_MAX,
        PQNET_FRAME_DEFAULT_MAX, "PQNET_MAX_FRAME_BYTES", NULL, "--max-frame-bytes", NULL),
    INT("ban_duration_seconds", "p2p", ban_duration_seconds, 0, 365 * 86400, 86400,
        "PQNET_BAN_DURATION_SECONDS", NULL, "--ban-duration-seconds", NULL),
    STR("http_listen", "http", http_listen, "127.0.0.1:7070", check_hostport_opt,
        "PQNET_HTTP_LISTEN", "--http-listen"),
    INT("peer_store_ttl_days", "store", peer_store_ttl_days, 1, 3650, 14,
        "PQNET_PEER_STORE_TTL_DAYS", NULL, "--peer-store-ttl-days", NULL),
    INT("max_peer_store_entries", "store", max_peer_store_entries, 1, PQNET_ADDRMAN_MAX_ENTRIES,
        PQNET_ADDRMAN_MAX_ENTRIES, "PQNET_MAX_PEER_STORE_ENTRIES", NULL, "--max-peer-store-entries",
        NULL),
    STR("log_level", "log", log_level, "info", check_log_level, "PQNET_LOG_LEVEL", "--log-level"),
    STR("log_file", "log", log_file, "", NULL, "PQNET_LOG_FILE", "--log-file"),
};

static const char *const sections[] = {"p2p", "http", "store", "log"};

static const char *const networks[] = {"devnet", "testnet", "mainnet"};
static const char *const log_levels[] = {"error", "warn", "info", "debug"};

/* ---- small helpers ---- */

static int errf(char *err, size_t cap, int rc, const char *fmt, ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* s for a message or a comment: cut to 80 bytes with "...", control
 * characters and bytes that are not valid UTF-8 (a sequence the cut split
 * included) as '?'. */
static const char *shown(const char *s, char buf[96]) {
  size_t n = 0;
  for (; s[n] && n < 80; n++) buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
  for (size_t i = 0; i < n;) {
    i += toml_utf8_invalid_at(buf + i, n - i);
    if (i < n) buf[i++] = '?';
  }
  if (s[n]) {
    memcpy(buf + n, "...", 3);
    n += 3;
  }
  buf[n] = '\0';
  return buf;
}

static int in_list(const char *v, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v, list[i]) == 0) return 1;
  return 0;
}

static int has_control(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
  return 0;
}

static char *field(pqnet_config *cfg, const keydef *k) {
  return (char *)cfg + k->off;
}

static const char *cfield(const pqnet_config *cfg, const keydef *k) {
  return (const char *)cfg + k->off;
}

static size_t *count_field(pqnet_config *cfg, const keydef *k) {
  return (size_t *)((char *)cfg + k->count_off);
}

static size_t ccount(const pqnet_config *cfg, const keydef *k) {
  size_t n;
  memcpy(&n, (const char *)cfg + k->count_off, sizeof n);
  return n;
}

static int64_t cint(const pqnet_config *cfg, const keydef *k) {
  int64_t v;
  memcpy(&v, cfield(cfg, k), sizeof v);
  return v;
}

static int cbool(const pqnet_config *cfg, const keydef *k) {
  int v;
  memcpy(&v, cfield(cfg, k), sizeof v);
  return v;
}

/* ---- format checks ---- */

static int check_network(const char *v, char *why, size_t cap) {
  char b[96];
  if (in_list(v, networks, 3)) return 0;
  return errf(why, cap, PQNET_ERR_MALFORMED,
              "unknown network \"%s\" (expected devnet, testnet or mainnet)", shown(v, b));
}

static int hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int check_genesis(const char *v, char *why, size_t cap) {
  char b[96];
  size_t n = strlen(v);
  int ok = n == 0 || n == 64;
  for (size_t i = 0; ok && i < n; i++) ok = hex_digit(v[i]);
  if (ok) return 0;
  return errf(why, cap, PQNET_ERR_MALFORMED,
              "bad genesis \"%s\" (expected 64 hex digits, or \"\" for the network's own)",
              shown(v, b));
}

static int check_nonempty(const char *v, char *why, size_t cap) {
  if (*v) return 0;
  return errf(why, cap, PQNET_ERR_MALFORMED, "must not be empty");
}

static int check_hostport(const char *v, char *why, size_t cap) {
  char host[256], b[96];
  uint16_t port;
  if (pqnet_hostport_split(v, 0, host, sizeof host, &port) == 0) return 0;
  return errf(why, cap, PQNET_ERR_MALFORMED,
              "bad address \"%s\" (expected HOST:PORT, e.g. 127.0.0.1:7071 or [::1]:7071, port "
              "1..65535)",
              shown(v, b));
}

static int check_hostport_opt(const char *v, char *why, size_t cap) {
  return *v ? check_hostport(v, why, cap) : 0;
}

static int check_seed(const char *v, char *why, size_t cap) {
  char host[256], b[96];
  uint16_t port;
  if (pqnet_hostport_split(v, 7071, host, sizeof host, &port) == 0) return 0;
  return errf(why, cap, PQNET_ERR_MALFORMED,
              "bad seed \"%s\" (expected HOST or HOST:PORT, e.g. seed.example.org or "
              "[2001:db8::1]:7071)",
              shown(v, b));
}

static int check_dns(const char *v, char *why, size_t cap) {
  char b[96];
  pqnet_addr a;
  if (!*v || pqnet_addr_parse(v, 53, &a) == 0) return 0;
  return errf(why, cap, PQNET_ERR_MALFORMED,
              "bad DNS server \"%s\" (expected an IP address, optionally with :PORT, or \"\")",
              shown(v, b));
}

static int check_log_level(const char *v, char *why, size_t cap) {
  char b[96];
  if (in_list(v, log_levels, 4)) return 0;
  return errf(why, cap, PQNET_ERR_MALFORMED,
              "unknown log level \"%s\" (expected error, warn, info or debug)", shown(v, b));
}

/* A string value or list item: length, control characters, format. */
static int check_text(const keydef *k, const char *v, char *why, size_t cap) {
  size_t limit = k->cap - 1;
  if (strlen(v) > limit)
    return errf(why, cap, PQNET_ERR_TOO_LARGE, "value longer than %zu bytes", limit);
  if (has_control(v)) return errf(why, cap, PQNET_ERR_MALFORMED, "value has a control character");
  if (toml_utf8_invalid_at(v, strlen(v)) != strlen(v))
    return errf(why, cap, PQNET_ERR_MALFORMED, "value is not valid UTF-8");
  return k->check ? k->check(v, why, cap) : 0;
}

/* ---- values and their checks ---- */

typedef struct item {
  const char *s;
  unsigned line; /* FILE: the element's line */
} item;

typedef struct cval {
  int64_t i; /* K_INT, K_BOOL */
  const char *s;
  const item *items; /* K_LIST */
  size_t n;
} cval;

static const char *type_phrase(ktype t) {
  switch (t) {
  case K_STR: return "a string";
  case K_INT: return "an integer";
  case K_BOOL: return "a boolean";
  case K_LIST: return "an array of strings";
  }
  return "?";
}

static const char *toml_phrase(toml_type t) {
  switch (t) {
  case TOML_TABLE: return "a table";
  case TOML_STRING: return "a string";
  case TOML_INTEGER: return "an integer";
  case TOML_BOOLEAN: return "a boolean";
  case TOML_ARRAY: return "an array";
  }
  return "?";
}

/* Where a value comes from, for messages and stores. */
typedef struct source_ctx {
  config_origin o;
  const char *file; /* FILE: the name given to config_load_text */
} source_ctx;

static int key_err(char *err, size_t cap, const source_ctx *sc, unsigned line, const keydef *k,
                   int rc, const char *why) {
  switch (sc->o.source) {
  case CONFIG_SRC_FILE:
    return errf(err, cap, rc, "%s:%u: key '%s': %s", sc->file, line, k->name, why);
  case CONFIG_SRC_ENV:
    return errf(err, cap, rc, "environment %s: key '%s': %s", sc->o.name, k->name, why);
  case CONFIG_SRC_FLAG:
    return errf(err, cap, rc, "flag %s: key '%s': %s", sc->o.name, k->name, why);
  case CONFIG_SRC_DEFAULT: break;
  }
  return errf(err, cap, rc, "key '%s': %s", k->name, why);
}

/* Check v for key k and store it if its source ranks at least as high as the
 * current value's. */
static int apply(pqnet_config *cfg, const keydef *k, const cval *v, const source_ctx *sc, char *err,
                 size_t cap) {
  config_origin *cur = &cfg->origin[k - keys];
  char why[224];
  int rc;
  const int take = sc->o.source >= cur->source;
  switch (k->type) {
  case K_STR: {
    const char *s = k == &keys[CONFIG_HTTP_LISTEN] && strcmp(v->s, "none") == 0 ? "" : v->s;
    rc = check_text(k, s, why, sizeof why);
    if (rc) return key_err(err, cap, sc, sc->o.line, k, rc, why);
    if (take) snprintf(field(cfg, k), k->cap, "%s", s);
    break;
  }
  case K_INT:
    if (v->i < k->min || v->i > k->max) {
      snprintf(why, sizeof why, "value %" PRId64 " out of range %" PRId64 "..%" PRId64, v->i,
               k->min, k->max);
      return key_err(err, cap, sc, sc->o.line, k, PQNET_ERR_MALFORMED, why);
    }
    if (take) memcpy(field(cfg, k), &v->i, sizeof v->i);
    break;
  case K_BOOL:
    if (take) {
      int b = v->i != 0;
      memcpy(field(cfg, k), &b, sizeof b);
    }
    break;
  case K_LIST: {
    const int append = sc->o.source == CONFIG_SRC_FLAG && cur->source == CONFIG_SRC_FLAG && take;
    size_t base = append ? *count_field(cfg, k) : 0;
    if (base + v->n > k->max_items) {
      snprintf(why, sizeof why, "more than %zu entries", k->max_items);
      return key_err(err, cap, sc, sc->o.line, k, PQNET_ERR_TOO_LARGE, why);
    }
    for (size_t i = 0; i < v->n; i++) {
      rc = check_text(k, v->items[i].s, why, sizeof why);
      if (rc)
        return key_err(err, cap, sc, v->items[i].line ? v->items[i].line : sc->o.line, k, rc, why);
    }
    if (!take) break;
    for (size_t i = 0; i < v->n; i++)
      snprintf(field(cfg, k) + (base + i) * k->cap, k->cap, "%s", v->items[i].s);
    *count_field(cfg, k) = base + v->n;
    break;
  }
  }
  if (take) *cur = sc->o;
  return 0;
}

/* Text (environment, flag) to a value of k's type, then apply. */
static int apply_text(pqnet_config *cfg, const keydef *k, const char *text, const source_ctx *sc,
                      char *err, size_t cap) {
  char why[224], b[96];
  cval v;
  memset(&v, 0, sizeof v);
  if (strlen(text) > TEXT_MAX) {
    snprintf(why, sizeof why, "value longer than %d bytes", TEXT_MAX);
    return key_err(err, cap, sc, 0, k, PQNET_ERR_TOO_LARGE, why);
  }
  switch (k->type) {
  case K_STR: v.s = text; return apply(cfg, k, &v, sc, err, cap);
  case K_INT: {
    const char *p = text;
    int neg = 0;
    uint64_t mag = 0;
    int ok = 1;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (*p < '0' || *p > '9') ok = 0;
    for (; ok && *p; p++) {
      if (*p < '0' || *p > '9' || mag > ((uint64_t)INT64_MAX - (unsigned)(*p - '0')) / 10)
        ok = 0;
      else
        mag = mag * 10 + (unsigned)(*p - '0');
    }
    if (!ok) {
      snprintf(why, sizeof why, "expected an integer, got \"%s\"", shown(text, b));
      return key_err(err, cap, sc, 0, k, PQNET_ERR_MALFORMED, why);
    }
    v.i = neg ? -(int64_t)mag : (int64_t)mag;
    return apply(cfg, k, &v, sc, err, cap);
  }
  case K_BOOL:
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) {
      v.i = 1;
    } else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) {
      v.i = 0;
    } else {
      snprintf(why, sizeof why, "expected true or false, got \"%s\"", shown(text, b));
      return key_err(err, cap, sc, 0, k, PQNET_ERR_MALFORMED, why);
    }
    return apply(cfg, k, &v, sc, err, cap);
  case K_LIST: {
    item items[CONFIG_MAX_PEERS];
    size_t n = 0, len = strlen(text);
    char *copy = malloc(len + 1);
    if (!copy) return key_err(err, cap, sc, 0, k, PQNET_ERR_NOMEM, "out of memory");
    memcpy(copy, text, len + 1);
    char *s = copy;
    while (*s == ' ' || *s == '\t') s++;
    int rc = 0;
    if (!*s) {
      rc = key_err(err, cap, sc, 0, k, PQNET_ERR_MALFORMED, "empty list");
    } else {
      for (;;) {
        char *comma = strchr(s, ',');
        char *e = comma ? comma : s + strlen(s);
        char *a = s;
        while (a < e && (*a == ' ' || *a == '\t')) a++;
        while (e > a && (e[-1] == ' ' || e[-1] == '\t')) e--;
        if (a == e) {
          snprintf(why, sizeof why, "empty entry in the list \"%s\"", shown(text, b));
          rc = key_err(err, cap, sc, 0, k, PQNET_ERR_MALFORMED, why);
          break;
        }
        if (n == k->max_items) {
          snprintf(why, sizeof why, "more than %zu entries", k->max_items);
          rc = key_err(err, cap, sc, 0, k, PQNET_ERR_TOO_LARGE, why);
          break;
        }
        *e = '\0';
        items[n].s = a;
        items[n].line = 0;
        n++;
        if (!comma) break;
        s = comma + 1;
      }
    }
    if (!rc) {
      v.items = items;
      v.n = n;
      rc = apply(cfg, k, &v, sc, err, cap);
    }
    free(copy);
    return rc;
  }
  }
  return PQNET_ERR_INVALID_ARG;
}

/* ---- defaults ---- */

void config_defaults(pqnet_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  for (size_t i = 0; i < CONFIG_NKEYS; i++) {
    const keydef *k = &keys[i];
    if (k->type == K_STR) {
      snprintf(field(cfg, k), k->cap, "%s", k->def_str);
    } else if (k->type == K_INT) {
      memcpy(field(cfg, k), &k->def_int, sizeof k->def_int);
    } else if (k->type == K_BOOL) {
      int b = (int)k->def_int;
      memcpy(field(cfg, k), &b, sizeof b);
    }
    cfg->origin[i].source = CONFIG_SRC_DEFAULT;
  }
}

const char *config_source_name(config_source s) {
  switch (s) {
  case CONFIG_SRC_DEFAULT: return "default";
  case CONFIG_SRC_FILE: return "file";
  case CONFIG_SRC_ENV: return "env";
  case CONFIG_SRC_FLAG: return "flag";
  }
  return "unknown";
}

const char *config_key_name(config_key k) {
  return (unsigned)k < CONFIG_NKEYS ? keys[k].name : NULL;
}

int config_log_level(const pqnet_config *cfg) {
  for (int i = 0; i < 4; i++)
    if (strcmp(cfg->log_level, log_levels[i]) == 0) return i;
  return 2;
}

/* ---- the file ---- */

static const keydef *find_key(const char *name) {
  for (size_t i = 0; i < CONFIG_NKEYS; i++)
    if (strcmp(keys[i].name, name) == 0) return &keys[i];
  return NULL;
}

static int load_entry(pqnet_config *cfg, const toml_node *e, const char *section,
                      unsigned seen[CONFIG_NKEYS], const char *name, char *err, size_t cap) {
  char kb[96], why[224];
  const keydef *k = find_key(e->key);
  if (!k) {
    if (section)
      return errf(err, cap, PQNET_ERR_MALFORMED, "%s:%u: unknown key '%s' in [%s]", name, e->line,
                  shown(e->key, kb), section);
    return errf(err, cap, PQNET_ERR_MALFORMED, "%s:%u: unknown key '%s'", name, e->line,
                shown(e->key, kb));
  }
  if (section && (!k->section || strcmp(k->section, section) != 0)) {
    if (k->section)
      return errf(err, cap, PQNET_ERR_MALFORMED,
                  "%s:%u: key '%s' does not belong in [%s] (write it in [%s] or at the top level)",
                  name, e->line, k->name, section, k->section);
    return errf(err, cap, PQNET_ERR_MALFORMED,
                "%s:%u: key '%s' does not belong in [%s] (write it at the top level)", name,
                e->line, k->name, section);
  }
  size_t idx = (size_t)(k - keys);
  if (seen[idx])
    return errf(err, cap, PQNET_ERR_MALFORMED, "%s:%u: key '%s' is already set at line %u", name,
                e->line, k->name, seen[idx]);
  seen[idx] = e->line;

  source_ctx sc = {{CONFIG_SRC_FILE, e->line, NULL}, name};
  static const toml_type want[] = {[K_STR] = TOML_STRING,
                                   [K_INT] = TOML_INTEGER,
                                   [K_BOOL] = TOML_BOOLEAN,
                                   [K_LIST] = TOML_ARRAY};
  if (e->type != want[k->type]) {
    snprintf(why, sizeof why, "expected %s, got %s", type_phrase(k->type), toml_phrase(e->type));
    return key_err(err, cap, &sc, e->line, k, PQNET_ERR_MALFORMED, why);
  }
  cval v;
  memset(&v, 0, sizeof v);
  item items[CONFIG_MAX_PEERS];
  switch (k->type) {
  case K_STR: v.s = e->str; break;
  case K_INT: v.i = e->integer; break;
  case K_BOOL: v.i = e->boolean; break;
  case K_LIST:
    if (e->count > k->max_items) {
      snprintf(why, sizeof why, "more than %zu entries", k->max_items);
      return key_err(err, cap, &sc, e->line, k, PQNET_ERR_TOO_LARGE, why);
    }
    for (const toml_node *x = e->first; x; x = x->next) {
      items[v.n].s = x->str;
      items[v.n].line = x->line;
      v.n++;
    }
    v.items = items;
    break;
  }
  return apply(cfg, k, &v, &sc, err, cap);
}

int config_load_text(pqnet_config *cfg, const char *text, size_t len, const char *name, char *err,
                     size_t errcap) {
  if (err && errcap) err[0] = '\0';
  if (!cfg || !name) return errf(err, errcap, PQNET_ERR_INVALID_ARG, "invalid argument");
  toml_doc *doc;
  toml_error te;
  char nb[96];
  int rc = toml_parse(text, len, &doc, &te);
  if (rc) return errf(err, errcap, rc, "%s:%u:%u: %s", name, te.line, te.col, te.msg);
  snprintf(cfg->file, sizeof cfg->file, "%s", name);
  unsigned seen[CONFIG_NKEYS] = {0};
  for (const toml_node *e = toml_doc_root(doc)->first; e && !rc; e = e->next) {
    if (e->type != TOML_TABLE) {
      rc = load_entry(cfg, e, NULL, seen, name, err, errcap);
      continue;
    }
    if (!in_list(e->key, sections, sizeof sections / sizeof sections[0])) {
      rc = errf(err, errcap, PQNET_ERR_MALFORMED,
                "%s:%u: unknown table [%s] (the sections are [p2p], [http], [store] and [log])",
                name, e->line, shown(e->key, nb));
      break;
    }
    for (const toml_node *x = e->first; x && !rc; x = x->next) {
      if (x->type == TOML_TABLE) {
        char xb[96];
        rc = errf(err, errcap, PQNET_ERR_MALFORMED, "%s:%u: unknown table [%s.%s]", name, x->line,
                  e->key, shown(x->key, xb));
      } else {
        rc = load_entry(cfg, x, e->key, seen, name, err, errcap);
      }
    }
  }
  toml_doc_free(doc);
  return rc;
}

int config_load_file(pqnet_config *cfg, const char *path, char *err, size_t errcap) {
  if (err && errcap) err[0] = '\0';
  if (!cfg || !path) return errf(err, errcap, PQNET_ERR_INVALID_ARG, "invalid argument");
  FILE *f = fopen(path, "rb");
  if (!f) {
    int e = errno;
    errf(err, errcap, PQNET_ERR_IO, "cannot open %s: %s", path, strerror(e));
    errno = e;
    return PQNET_ERR_IO;
  }
  char *buf = malloc(TOML_MAX_INPUT + 1);
  if (!buf) {
    fclose(f);
    return errf(err, errcap, PQNET_ERR_NOMEM, "%s: out of memory", path);
  }
  size_t n = fread(buf, 1, TOML_MAX_INPUT + 1, f);
  int rc = 0;
  if (ferror(f)) {
    int e = errno;
    rc = errf(err, errcap, PQNET_ERR_IO, "cannot read %s: %s", path, strerror(e));
    errno = e;
  } else if (n > TOML_MAX_INPUT) {
    rc = errf(err, errcap, PQNET_ERR_TOO_LARGE, "%s: file larger than %u bytes", path,
              TOML_MAX_INPUT);
  }
  fclose(f);
  if (!rc) rc = config_load_text(cfg, buf, n, path, err, errcap);
  free(buf);
  return rc;
}

int config_default_file(const pqnet_config *cfg, char *out, size_t cap) {
  if (!cfg || !out || !cap) return PQNET_ERR_INVALID_ARG;
  size_t n = strlen(cfg->base_path);
  const char *sep = n && cfg->base_path[n - 1] == '/' ? "" : "/";
  int w = snprintf(out, cap, "%s%s%s", cfg->base_path, sep, CONFIG_FILE_NAME);
  if (w < 0 || (size_t)w >= cap) {
    out[0] = '\0';
    return PQNET_ERR_TOO_LARGE;
  }
  return 0;
}

/* ---- environment ---- */

const char *config_envp_get(void *ctx, const char *name) {
  char **envp = ctx;
  size_t n = strlen(name);
  for (; envp && *envp; envp++)
    if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') return *envp + n + 1;
  return NULL;
}

static const char *libc_getenv(void *ctx, const char *name) {
  (void)ctx;
  return getenv(name);
}

int config_apply_env(pqnet_config *cfg, config_getenv_fn get, void *ctx, char *err, size_t errcap) {
  if (err && errcap) err[0] = '\0';
  if (!cfg) return errf(err, errcap, PQNET_ERR_INVALID_ARG, "invalid argument");
  if (!get) get = libc_getenv;
  for (size_t i = 0; i < CONFIG_NKEYS; i++) {
    const keydef *k = &keys[i];
    const char *v = get(ctx, k->env);
    const char *va = k->env_alias ? get(ctx, k->env_alias) : NULL;
    if (v && !*v) v = NULL;
    if (va && !*va) va = NULL;
    if (v && va)
      return errf(err, errcap, PQNET_ERR_MALFORMED,
                  "environment: both %s and %s are set (both name key '%s'); unset one", k->env,
                  k->env_alias, k->name);
    if (!v && !va) continue;
    source_ctx sc = {{CONFIG_SRC_ENV, 0, v ? k->env : k->env_alias}, NULL};
    int rc = apply_text(cfg, k, v ? v : va, &sc, err, errcap);
    if (rc) return rc;
  }
  return 0;
}

/* ---- flags ---- */

static const char *match_flag(const keydef *k, const char *name) {
  if (strcmp(k->flag + 2, name) == 0) return k->flag;
  if (k->flag_alias && strcmp(k->flag_alias + 2, name) == 0) return k->flag_alias;
  return NULL;
}

int config_flag_find(const char *flag, int *needs_value) {
  if (!flag) return -1;
  const char *name = strncmp(flag, "--", 2) == 0 ? flag + 2 : flag;
  for (size_t i = 0; i < CONFIG_NKEYS; i++) {
    if (match_flag(&keys[i], name)) {
      if (needs_value) *needs_value = keys[i].type != K_BOOL;
      return (int)i;
    }
  }
  return -1;
}

int config_apply_flag(pqnet_config *cfg, const char *flag, const char *value, char *err,
                      size_t errcap) {
  char b[96];
  if (err && errcap) err[0] = '\0';
  if (!cfg || !flag) return errf(err, errcap, PQNET_ERR_INVALID_ARG, "invalid argument");
  int i = config_flag_find(flag, NULL);
  const char *name = strncmp(flag, "--", 2) == 0 ? flag + 2 : flag;
  if (i < 0) return errf(err, errcap, PQNET_ERR_INVALID_ARG, "unknown flag --%s", shown(name, b));
  const keydef *k = &keys[i];
  const char *canon = match_flag(k, name);
  if (!value) {
    if (k->type != K_BOOL)
      return errf(err, errcap, PQNET_ERR_INVALID_ARG, "flag %s needs a value", canon);
    value = "true";
  }
  source_ctx sc = {{CONFIG_SRC_FLAG, 0, canon}, NULL};
  return apply_text(cfg, k, value, &sc, err, errcap);
}

/* ---- validation ---- */

/* "default", "file NAME:LINE", "env VAR", "flag --x" into buf. */
static const char *origin_str(const pqnet_config *cfg, const config_origin *o, char *buf,
                              size_t cap) {
  char b[96];
  switch (o->source) {
  case CONFIG_SRC_FILE: snprintf(buf, cap, "file %s:%u", shown(cfg->file, b), o->line); break;
  case CONFIG_SRC_ENV:
  case CONFIG_SRC_FLAG:
    snprintf(buf, cap, "%s %s", config_source_name(o->source), o->name ? o->name : "?");
    break;
  case CONFIG_SRC_DEFAULT:
    if (o->name)
      snprintf(buf, cap, "default from %s", o->name);
    else
      snprintf(buf, cap, "default");
    break;
  }
  return buf;
}

static int terminated(const char *s, size_t cap) {
  return memchr(s, '\0', cap) != NULL;
}

/* A host the OS binds on every address. */
static int wildcard(const char *host) {
  return strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
}

int config_validate(const pqnet_config *cfg, char *err, size_t errcap) {
  char why[224], ob[160], ob2[160];
  if (err && errcap) err[0] = '\0';
  if (!cfg) return errf(err, errcap, PQNET_ERR_INVALID_ARG, "invalid argument");
  for (size_t i = 0; i < CONFIG_NKEYS; i++) {
    const keydef *k = &keys[i];
    const char *o = origin_str(cfg, &cfg->origin[i], ob, sizeof ob);
    int rc = 0;
    switch (k->type) {
    case K_STR:
      if (!terminated(cfield(cfg, k), k->cap))
        rc = errf(why, sizeof why, PQNET_ERR_MALFORMED, "value is not terminated");
      else
        rc = check_text(k, cfield(cfg, k), why, sizeof why);
      break;
    case K_INT: {
      int64_t v = cint(cfg, k);
      if (v < k->min || v > k->max)
        rc = errf(why, sizeof why, PQNET_ERR_MALFORMED,
                  "value %" PRId64 " out of range %" PRId64 "..%" PRId64, v, k->min, k->max);
      break;
    }
    case K_BOOL: {
      int v = cbool(cfg, k);
      if (v != 0 && v != 1)
        rc = errf(why, sizeof why, PQNET_ERR_MALFORMED, "value %d is not 0 or 1", v);
      break;
    }
    case K_LIST: {
      size_t n = ccount(cfg, k);
      if (n > k->max_items) {
        rc = errf(why, sizeof why, PQNET_ERR_MALFORMED, "more than %zu entries", k->max_items);
        break;
      }
      for (size_t j = 0; j < n && !rc; j++) {
        const char *s = cfield(cfg, k) + j * k->cap;
        if (!terminated(s, k->cap))
          rc = errf(why, sizeof why, PQNET_ERR_MALFORMED, "entry %zu is not terminated", j + 1);
        else
          rc = check_text(k, s, why, sizeof why);
      }
      break;
    }
    }
    if (rc) return errf(err, errcap, PQNET_ERR_MALFORMED, "key '%s' (%s): %s", k->name, o, why);
  }

  if (cfg->min_outbound_connections > cfg->max_outbound_connections)
    return errf(err, errcap, PQNET_ERR_MALFORMED,
                "min_outbound_connections = %" PRId64
                " (%s) is greater than max_outbound_connections = %" PRId64 " (%s)",
                cfg->min_outbound_connections,
                origin_str(cfg, &cfg->origin[CONFIG_MIN_OUTBOUND_CONNECTIONS], ob, sizeof ob),
                cfg->max_outbound_connections,
                origin_str(cfg, &cfg->origin[CONFIG_MAX_OUTBOUND_CONNECTIONS], ob2, sizeof ob2));

  if (cfg->http_listen[0]) {
    char h1[256], h2[256];
    uint16_t p1, p2;
    if (pqnet_hostport_split(cfg->listen, 0, h1, sizeof h1, &p1) == 0 &&
        pqnet_hostport_split(cfg->http_listen, 0, h2, sizeof h2, &p2) == 0 && p1 == p2 &&
        (strcasecmp(h1, h2) == 0 || wildcard(h1) || wildcard(h2)))
      return errf(err, errcap, PQNET_ERR_MALFORMED,
                  "listen = \"%s\" (%s) and http_listen = \"%s\" (%s) use the same port on the "
                  "same address",
                  cfg->listen, origin_str(cfg, &cfg->origin[CONFIG_LISTEN], ob, sizeof ob),
                  cfg->http_listen,
                  origin_str(cfg, &cfg->origin[CONFIG_HTTP_LISTEN], ob2, sizeof ob2));
  }
  return 0;
}

int config_finish(pqnet_config *cfg, char *err, size_t errcap) {
  if (err && errcap) err[0] = '\0';
  if (!cfg) return errf(err, errcap, PQNET_ERR_INVALID_ARG, "invalid argument");
  config_origin *lo = &cfg->origin[CONFIG_LISTEN];
  if (lo->source == CONFIG_SRC_DEFAULT) {
    const keydef *k = &keys[CONFIG_LISTEN];
    char host[256];
    uint16_t port;
    snprintf(cfg->listen, sizeof cfg->listen, "%s", k->def_str);
    lo->name = NULL;
    if (terminated(cfg->http_listen, sizeof cfg->http_listen) && cfg->http_listen[0] &&
        pqnet_hostport_split(cfg->http_listen, 0, host, sizeof host, &port) == 0) {
      char ob[160];
      if (port == 65535)
        return errf(err, errcap, PQNET_ERR_MALFORMED,
                    "http_listen = \"%s\" (%s) leaves no port for listen (the HTTP port + 1); "
                    "set listen",
                    cfg->http_listen,
                    origin_str(cfg, &cfg->origin[CONFIG_HTTP_LISTEN], ob, sizeof ob));
      snprintf(cfg->listen, sizeof cfg->listen, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
               (unsigned)port + 1);
      if (cfg->origin[CONFIG_HTTP_LISTEN].source != CONFIG_SRC_DEFAULT)
        lo->name = keys[CONFIG_HTTP_LISTEN].name;
    }
  }
  return config_validate(cfg, err, errcap);
}

/* ---- printing ---- */

static int print(const pqnet_config *cfg, FILE *f, int sources) {
  if (!cfg || !f) return PQNET_ERR_INVALID_ARG;
  for (size_t i = 0; i < CONFIG_NKEYS; i++) {
    const keydef *k = &keys[i];
    fprintf(f, "%s = ", k->name);
    switch (k->type) {
    case K_STR: {
      const char *s = cfield(cfg, k);
      toml_write_string(f, s, strnlen(s, k->cap));
      break;
    }
    case K_INT: fprintf(f, "%" PRId64, cint(cfg, k)); break;
    case K_BOOL: fputs(cbool(cfg, k) ? "true" : "false", f); break;
    case K_LIST: {
      size_t n = ccount(cfg, k);
      if (n > k->max_items) n = k->max_items;
      fputc('[', f);
      for (size_t j = 0; j < n; j++) {
        const char *s = cfield(cfg, k) + j * k->cap;
        if (j) fputs(", ", f);
        toml_write_string(f, s, strnlen(s, k->cap));
      }
      fputc(']', f);
      break;
    }
    }
    if (sources) {
      char ob[160];
      fprintf(f, "  # %s", origin_str(cfg, &cfg->origin[i], ob, sizeof ob));
    }
    fputc('\n', f);
  }
  return ferror(f) ? PQNET_ERR_IO : 0;
}

int config_print(const pqnet_config *cfg, FILE *f) {
  return print(cfg, f, 1);
}

int config_print_values(const pqnet_config *cfg, FILE *f) {
  return print(cfg, f, 0);
}

/* ---- the node configuration ---- */

static int hexnib(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

int config_to_node(const pqnet_config *cfg, pqnet_node_config *out) {
  if (!out) return PQNET_ERR_INVALID_ARG;
  if (!cfg || config_validate(cfg, NULL, 0) != 0) {
    memset(out, 0, sizeof *out);
    return PQNET_ERR_INVALID_ARG;
  }
  pqnet_node_config_default(out);
  snprintf(out->chain_id, sizeof out->chain_id, "%s", cfg->network);
  if (cfg->genesis[0]) {
    for (int i = 0; i < 32; i++)
      out->genesis[i] =
          (uint8_t)(hexnib(cfg->genesis[2 * i]) << 4 | hexnib(cfg->genesis[2 * i + 1]));
  } else {
    char seed[64];
    int n = snprintf(seed, sizeof seed, "pqnet genesis %s", cfg->network);
    pqnet_sha3_256(out->genesis, (const uint8_t *)seed, (size_t)n);
  }
  char host[256];
  pqnet_hostport_split(cfg->listen, 0, host, sizeof host, &out->listen_port);
  out->max_frame = (uint32_t)cfg->max_frame_bytes;
  out->ping_interval_ms = (uint32_t)cfg->ping_interval_seconds * 1000u;
  out->pong_timeout_ms = (uint32_t)cfg->pong_timeout_seconds * 1000u;
  out->connection_timeout_ms = (uint32_t)cfg->connection_timeout_seconds * 1000u;
  out->discovery_tick_ms = (uint32_t)cfg->discovery_tick_seconds * 1000u;
  out->min_outbound = (uint32_t)cfg->min_outbound_connections;
  out->max_outbound = (uint32_t)cfg->max_outbound_connections;
  out->max_inbound = (uint32_t)cfg->max_inbound_connections;
  uint32_t need = out->max_inbound + out->max_outbound + 64;
  out->max_connections = need > 256 ? need : 256;
  out->ban_seconds = (uint32_t)cfg->ban_duration_seconds;
  if (strcmp(cfg->network, "devnet") == 0) {
    out->policy.allow_loopback = 1;
    out->policy.allow_private = 1;
  } else {
    out->policy.allow_loopback = 0;
    out->policy.allow_private = cfg->allow_private_addresses;
  }
  for (size_t i = 0; i < cfg->nseed_peers; i++)
    snprintf(out->seeds[i], sizeof out->seeds[i], "%s", cfg->seed_peers[i]);
  out->nseeds = cfg->nseed_peers;
  return 0;
}
