/*
 * pqnetd's configuration: every operator setting, where each value came
 * from, and the mapping onto the node configuration.
 *
 * Sources, lowest to highest precedence:
 *
 *   default  built in (config_defaults)
 *   file     the TOML file (config_load_file / config_load_text)
 *   env      PQNET_* environment variables (config_apply_env)
 *   flag     command-line flags (config_apply_flag)
 *
 * Precedence is decided by rank, not by call order: a value only replaces one
 * from the same or a lower source. So the daemon can apply flags and the
 * environment first (they may move base_path, which locates the file) and
 * load the file last. A value from a lower source is still checked in full:
 * a bad key in the file stops the start even when a flag overrides it.
 *
 * Lists (peers, seed_peers): a file or environment value replaces the list.
 * The first flag for a list replaces what lower sources gave; later flags for
 * the same list append (--peer a --peer b). From the environment and from
 * flags a list is written comma-separated ("a:7071,b:7071"; spaces around
 * items are ignored, empty items and an empty list are errors).
 *
 * File layout: every key may be written at the top level. Keys may also be
 * grouped in sections, each key in its own one only (docs/config.md):
 *
 *   [p2p]   listen peers seed_peers dns_server min_outbound_connections
 *           max_outbound_connections max_inbound_connections
 *           connection_timeout_seconds reconnection_interval_seconds
 *           discovery_tick_seconds ping_interval_seconds pong_timeout_seconds
 *           allow_private_addresses max_frame_bytes ban_duration_seconds
 *   [http]  http_listen
 *   [store] peer_store_ttl_days max_peer_store_entries
 *   [log]   log_level log_file
 *   top level only: network genesis base_path mine
 *
 * A key has the same name in a section and at the top level; writing it in
 * both places is an error. An unknown key or table, a wrong type or a value
 * out of range is an error naming the file, the line and the key.
 *
 * Environment: every key has PQNET_<KEY IN UPPER CASE> (PQNET_LOG_LEVEL,
 * PQNET_SEED_PEERS, ...), and four keys also have the short names of the
 * operator issue: PQNET_SEEDS (seed_peers), PQNET_LISTEN (listen, also its
 * long name), PQNET_MIN_PEERS (min_outbound_connections) and
 * PQNET_DISCOVERY_TICK_SECS (discovery_tick_seconds). Setting both names of
 * one key is an error. An empty variable counts as unset. PQNET_CONFIG names
 * the config file for the daemon (CONFIG_ENV_FILE); it is not a setting.
 *
 * Flags: every key has --<key with dashes> (--min-outbound-connections), and
 * some also the short names pqnetd already had: --peer (peers), --seeds
 * (seed_peers), --connect-timeout (connection_timeout_seconds),
 * --ping-interval, --pong-timeout, --min-outbound, --max-outbound,
 * --max-inbound, --discovery-tick. Boolean flags take no value (--mine) or
 * an explicit one (--mine=false).
 *
 * http_listen = "none" (from any source) is stored as "": no HTTP server.
 * listen, when no source sets it, is derived by config_finish from
 * http_listen (its host, its port + 1: DESIGN.md section 6), or is
 * 127.0.0.1:7071 when HTTP is off.
 *
 * The daemon's sequence: config_defaults; config_apply_flag for each flag
 * and config_apply_env (they may set base_path); config_load_file (the
 * --config file, $PQNET_CONFIG, or config_default_file if it exists);
 * config_finish; then config_print for --print-config, or config_to_node.
 *
 * Text values (environment, flags): integers are decimal with an optional
 * sign; booleans are true, false, 1 or 0.
 *
 * Errors are returned as PQNET_ERR_* codes; when err is not NULL a one-line
 * message (no trailing newline) is written to it, e.g.
 *   "pqnet.toml:12: key 'min_outbound_connections': value 0 out of range 1..1000"
 *   "environment PQNET_MIN_PEERS: key 'min_outbound_connections': expected an integer, got \"x\""
 *   "flag --listen: key 'listen': bad address \"x\" (expected HOST:PORT ...)"
 * Messages are cut to fit errcap; 512 bytes hold all but those quoting very
 * long values.
 */
#ifndef PQNET_APPS_CONFIG_H
#define PQNET_APPS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pqnet/node.h"

#define CONFIG_PATH_MAX  1024 /* bytes of a path setting, with the NUL */
#define CONFIG_ADDR_MAX  264  /* bytes of a "HOST:PORT" setting, with the NUL */
#define CONFIG_MAX_PEERS 64   /* entries of peers */
#define CONFIG_MAX_SEEDS PQNET_MAX_SEEDS
#define CONFIG_FILE_NAME "pqnet.toml" /* looked for in base_path when --config is not given */
#define CONFIG_ENV_FILE  "PQNET_CONFIG"

typedef enum config_source {
  CONFIG_SRC_DEFAULT = 0,
  CONFIG_SRC_FILE = 1,
  CONFIG_SRC_ENV = 2,
  CONFIG_SRC_FLAG = 3,
} config_source;

/* The keys, in the order config_print writes them. */
typedef enum config_key {
  CONFIG_NETWORK,
  CONFIG_GENESIS,
  CONFIG_BASE_PATH,
  CONFIG_MINE,
  CONFIG_MINE_TARGET_BITS,
  CONFIG_LISTEN,
  CONFIG_PEERS,
  CONFIG_SEED_PEERS,
  CONFIG_DNS_SERVER,
  CONFIG_MIN_OUTBOUND_CONNECTIONS,
  CONFIG_MAX_OUTBOUND_CONNECTIONS,
  CONFIG_MAX_INBOUND_CONNECTIONS,
  CONFIG_CONNECTION_TIMEOUT_SECONDS,
  CONFIG_RECONNECTION_INTERVAL_SECONDS,
  CONFIG_DISCOVERY_TICK_SECONDS,
  CONFIG_PING_INTERVAL_SECONDS,
  CONFIG_PONG_TIMEOUT_SECONDS,
  CONFIG_ALLOW_PRIVATE_ADDRESSES,
  CONFIG_MAX_FRAME_BYTES,
  CONFIG_BAN_DURATION_SECONDS,
  CONFIG_HTTP_LISTEN,
  CONFIG_PEER_STORE_TTL_DAYS,
  CONFIG_MAX_PEER_STORE_ENTRIES,
  CONFIG_LOG_LEVEL,
  CONFIG_LOG_FILE,
  CONFIG_NKEYS
} config_key;

/* Where one setting's value came from. */
typedef struct config_origin {
  config_source source;
  unsigned line;    /* FILE: the line of the key (of the element, for a bad list item) */
  const char *name; /* ENV: the variable; FLAG: the flag ("--peer"); DEFAULT: the key it
                       was derived from, or NULL; static strings */
} config_origin;

/* Every setting. Strings are NUL-terminated and hold no control characters.
 * Fill with config_defaults; change through the functions below (writing a
 * field directly is allowed, config_validate re-checks everything). */
typedef struct pqnet_config {
  char network[16];                /* devnet | testnet | mainnet */
  char genesis[65];                /* 64 hex digits, or "": SHA3-256("pqnet genesis " network) */
  char base_path[CONFIG_PATH_MAX]; /* data directory */
  int mine;                        /* 0 or 1 */
  int64_t mine_target_bits;        /* 0: the network's default target; else leading zero bits */
  char listen[CONFIG_ADDR_MAX];    /* P2P HOST:PORT (default: see config_finish) */
  char peers[CONFIG_MAX_PEERS][CONFIG_ADDR_MAX]; /* HOST:PORT dialed at start (--peer) */
  size_t npeers;
  char seed_peers[CONFIG_MAX_SEEDS][PQNET_SEED_MAX + 1]; /* "host" or "host:port" */
  size_t nseed_peers;
  char dns_server[CONFIG_ADDR_MAX]; /* "IP" or "IP:PORT"; "": the system resolver */
  int64_t min_outbound_connections;
  int64_t max_outbound_connections;
  int64_t max_inbound_connections;
  int64_t connection_timeout_seconds;
  int64_t reconnection_interval_seconds;
  int64_t discovery_tick_seconds;
  int64_t ping_interval_seconds;
  int64_t pong_timeout_seconds;
  int allow_private_addresses; /* 0 or 1 */
  int64_t max_frame_bytes;
  int64_t ban_duration_seconds;      /* 0: never ban automatically */
  char http_listen[CONFIG_ADDR_MAX]; /* HOST:PORT; "": no HTTP server */
  int64_t peer_store_ttl_days;
  int64_t max_peer_store_entries;
  char log_level[8];              /* error | warn | info | debug */
  char log_file[CONFIG_PATH_MAX]; /* "": stderr */

  config_origin origin[CONFIG_NKEYS];
  char file[CONFIG_PATH_MAX]; /* name of the file loaded (for origins); "" if none */
} pqnet_config;

/* Fill cfg with the built-in defaults, every origin CONFIG_SRC_DEFAULT. */
void config_defaults(pqnet_config *cfg);

/*
 * Load a TOML document (len bytes, no NUL needed) named name in messages
 * (the path, or a short name in tests). Values go in per the precedence
 * rule. On error cfg may hold some of the file's values: discard it. Load
 * at most one document per config (origins name one file). Returns 0,
 * PQNET_ERR_INVALID_ARG (NULL cfg or name), PQNET_ERR_MALFORMED (syntax,
 * unknown key or table, wrong type, value out of range, bad format, key set
 * twice), PQNET_ERR_TOO_LARGE (a parser cap, a list too long, a string too
 * long) or PQNET_ERR_NOMEM. Parse errors read "name:line:col: why", the others
 * "name:line: key 'k': why".
 */
int config_load_text(pqnet_config *cfg, const char *text, size_t len, const char *name, char *err,
                     size_t errcap);

/* Read path (at most TOML_MAX_INPUT bytes) and config_load_text it. Returns
 * config_load_text's codes, or PQNET_ERR_IO when the file cannot be opened
 * or read (errno is kept: ENOENT when it does not exist) or
 * PQNET_ERR_TOO_LARGE when it is larger than the cap. */
int config_load_file(pqnet_config *cfg, const char *path, char *err, size_t errcap);

/* <base_path>/pqnet.toml into out. Returns 0, PQNET_ERR_TOO_LARGE (out too
 * small) or PQNET_ERR_INVALID_ARG. */
int config_default_file(const pqnet_config *cfg, char *out, size_t cap);

/* Looks a variable up; returns NULL when unset. */
typedef const char *(*config_getenv_fn)(void *ctx, const char *name);

/* A config_getenv_fn over ctx = a NULL-terminated "NAME=value" array (such
 * as environ or main's envp). */
const char *config_envp_get(void *ctx, const char *name);

/*
 * Apply the PQNET_* variables (see the top of this file) found through get
 * (NULL: getenv(3), ctx ignored). Returns 0, PQNET_ERR_INVALID_ARG (NULL
 * cfg), PQNET_ERR_MALFORMED (bad value, both names of a key set) or
 * PQNET_ERR_TOO_LARGE. Stops at the first error.
 */
int config_apply_env(pqnet_config *cfg, config_getenv_fn get, void *ctx, char *err, size_t errcap);

/*
 * Look a flag up ("--name" or "name"; no "=value" part). Returns the key, or
 * -1 when no setting has that flag. *needs_value (may be NULL) is 1 when the
 * flag must have a value, 0 for a boolean flag, whose value is optional.
 */
int config_flag_find(const char *flag, int *needs_value);

/*
 * Apply one flag: flag as for config_flag_find, value its text (NULL allowed
 * for a boolean flag only: true). The flag name is kept as the origin.
 * Returns 0, PQNET_ERR_INVALID_ARG (unknown flag: "unknown flag --x"; NULL
 * cfg or flag; missing value), PQNET_ERR_MALFORMED (bad value) or
 * PQNET_ERR_TOO_LARGE (too long, list full).
 */
int config_apply_flag(pqnet_config *cfg, const char *flag, const char *value, char *err,
                      size_t errcap);

/*
 * Check every value again (ranges and formats, as a field may have been
 * written directly) and the rules between keys: min_outbound_connections <=
 * max_outbound_connections; listen and http_listen not the same address
 * (same port and same host, or either a wildcard host). Messages name the
 * keys and where their values came from. Returns 0, PQNET_ERR_INVALID_ARG
 * (NULL cfg) or PQNET_ERR_MALFORMED.
 */
int config_validate(const pqnet_config *cfg, char *err, size_t errcap);

/*
 * Call once every source is in: derive listen from http_listen when no
 * source set listen (see the top of this file; its origin stays default,
 * printed "default from http_listen" when http_listen was configured), then
 * config_validate. Calling it again re-derives. Returns config_validate's
 * codes, and PQNET_ERR_MALFORMED when the derived port would be 65536.
 */
int config_finish(pqnet_config *cfg, char *err, size_t errcap);

/*
 * Write the effective configuration as TOML, one "key = value  # source"
 * line per key in config_key order; source is "default", "file NAME:LINE",
 * "env VAR", "flag --FLAG" or "default from http_listen". Parsing the output with config_load_text
 * gives the same values. Returns 0 or PQNET_ERR_IO (stream error).
 */
int config_print(const pqnet_config *cfg, FILE *f);

/* The same lines without the "# source" comments. */
int config_print_values(const pqnet_config *cfg, FILE *f);

/* "default", "file", "env" or "flag". */
const char *config_source_name(config_source s);

/* The key's name ("min_outbound_connections"), or NULL out of range. */
const char *config_key_name(config_key k);

/* log_level as a number: 0 error, 1 warn, 2 info, 3 debug (2 if unknown). */
int config_log_level(const pqnet_config *cfg);

/*
 * Fill a node configuration: pqnet_node_config_default, then chain_id =
 * network; genesis (decoded, or derived as pqnetd always did); listen_port =
 * the port of listen; max_frame; ping, pong, discovery and connection
 * timeouts in ms; min/max outbound, max inbound; max_connections =
 * max(256, inbound + outbound + 64) (handshakes and feelers need room);
 * ban_seconds; seeds; policy per network: devnet {loopback 1, private 1},
 * testnet and mainnet {0, allow_private_addresses}. Not mapped (the daemon
 * uses them itself): base_path, mine, peers, dns_server,
 * reconnection_interval_seconds, http_listen, peer_store_*, log_*. user_agent
 * stays the library default: the daemon sets its own. Returns 0,
 * PQNET_ERR_INVALID_ARG (NULL argument, or cfg fails config_validate); out is
 * zeroed on failure.
 */
int config_to_node(const pqnet_config *cfg, pqnet_node_config *out);

#endif
