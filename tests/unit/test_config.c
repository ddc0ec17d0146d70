/*
 * Configuration tests: defaults; every key's type, range and format errors
 * naming file, line and key; sections, unknown keys and tables, keys set
 * twice; precedence default < file < env < flag in any call order; list
 * replace/append rules; the environment (long and short names, conflicts)
 * and flags (aliases, booleans); cross-key validation; print -> load round
 * trips; the node configuration; the example config/pqnet.toml; and the
 * golden files tests/config/NAME.toml against their .ok output.
 *
 * Golden files: each tests/config/NAME.toml is loaded (named NAME.toml) and
 * finished (config_finish: derived defaults, validation); the .ok file holds config_print's output,
 * or the error message and a newline. A printed config must load again and print the same values.
 * PQNET_GOLDEN_UPDATE=1 rewrites the .ok files (review the diff).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "apps/config.h"
#include "apps/toml.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"

#define ERRCAP 512

static pqnet_config *new_cfg(void) {
  pqnet_config *c = malloc(sizeof *c);
  assert_non_null(c);
  config_defaults(c);
  return c;
}

static void load_ok(pqnet_config *c, const char *text) {
  char err[ERRCAP];
  int rc = config_load_text(c, text, strlen(text), "t.toml", err, sizeof err);
  if (rc) fail_msg("load failed (%d): %s\n--- input ---\n%s", rc, err, text);
}

/* Load text into a fresh default config; expect rc and exactly msg. */
static void load_bad(const char *text, int want_rc, const char *want) {
  pqnet_config *c = new_cfg();
  char err[ERRCAP];
  int rc = config_load_text(c, text, strlen(text), "t.toml", err, sizeof err);
  if (rc != want_rc || strcmp(err, want) != 0)
    fail_msg("input:\n%s\n got %d: %s\nwant %d: %s", text, rc, err, want_rc, want);
  free(c);
}

static char *print_str(const pqnet_config *c, int sources) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(sources ? config_print(c, f) : config_print_values(c, f), 0);
  fclose(f);
  return buf;
}

static void assert_round_trip(const pqnet_config *c);

static const char *const default_values = "network = \"devnet\"\n"
                                          "genesis = \"\"\n"
                                          "base_path = \"./pqnet-data\"\n"
                                          "mine = false\n"
                                          "mine_target_bits = 0\n"
                                          "listen = \"127.0.0.1:7071\"\n"
                                          "peers = []\n"
                                          "seed_peers = []\n"
                                          "dns_server = \"\"\n"
                                          "min_outbound_connections = 8\n"
                                          "max_outbound_connections = 16\n"
                                          "max_inbound_connections = 117\n"
                                          "connection_timeout_seconds = 10\n"
                                          "reconnection_interval_seconds = 30\n"
                                          "discovery_tick_seconds = 30\n"
                                          "ping_interval_seconds = 30\n"
                                          "pong_timeout_seconds = 60\n"
                                          "allow_private_addresses = false\n"
                                          "max_frame_bytes = 4194304\n"
                                          "ban_duration_seconds = 86400\n"
                                          "http_listen = \"127.0.0.1:7070\"\n"
                                          "peer_store_ttl_days = 14\n"
                                          "max_peer_store_entries = 65536\n"
                                          "log_level = \"info\"\n"
                                          "log_file = \"\"\n";

/* ---- the key specification, as docs/config.md states it ---- */

typedef struct key_spec {
  const char *name;
  const char *section; /* NULL: top level only */
  char type;           /* s string, i integer, b boolean, l list */
  int64_t min, max;
  const char *bad;  /* a value of the right type that is refused; NULL: none */
  const char *good; /* a value accepted (TOML syntax) */
} key_spec;

static const key_spec specs[] = {
    {"network", NULL, 's', 0, 0, "moonnet", "\"mainnet\""},
    {"genesis", NULL, 's', 0, 0, "abc",
     "\"" /* 64 hex */
     "00112233445566778899aabbccddeeff"
     "00112233445566778899AABBCCDDEEFF\""},
    {"base_path", NULL, 's', 0, 0, "", "\"/var/lib/pqnet\""},
    {"mine", NULL, 'b', 0, 0, NULL, "true"},
    {"mine_target_bits", NULL, 'i', 0, 255, NULL, "20"},
    {"listen", "p2p", 's', 0, 0, "127.0.0.1", "\"[::1]:9000\""},
    {"peers", "p2p", 'l', 0, 0, "1.2.3.4", "[\"1.2.3.4:7071\", \"node.example:7071\"]"},
    {"seed_peers", "p2p", 'l', 0, 0, "seed.example:0", "[\"seed.example\", \"[::1]:7000\"]"},
    {"dns_server", "p2p", 's', 0, 0, "dns.example", "\"9.9.9.9:53\""},
    {"min_outbound_connections", "p2p", 'i', 1, 1000, NULL, "4"},
    {"max_outbound_connections", "p2p", 'i', 1, 1000, NULL, "20"},
    {"max_inbound_connections", "p2p", 'i', 0, 10000, NULL, "0"},
    {"connection_timeout_seconds", "p2p", 'i', 1, 3600, NULL, "5"},
    {"reconnection_interval_seconds", "p2p", 'i', 1, 86400, NULL, "60"},
    {"discovery_tick_seconds", "p2p", 'i', 1, 86400, NULL, "15"},
    {"ping_interval_seconds", "p2p", 'i', 1, 86400, NULL, "20"},
    {"pong_timeout_seconds", "p2p", 'i', 1, 86400, NULL, "40"},
    {"allow_private_addresses", "p2p", 'b', 0, 0, NULL, "true"},
    {"max_frame_bytes", "p2p", 'i', 1024, 64 * 1024 * 1024, NULL, "1_048_576"},
    {"ban_duration_seconds", "p2p", 'i', 0, 365 * 86400, NULL, "0"},
    {"http_listen", "http", 's', 0, 0, "localhost", "\"\""},
    {"peer_store_ttl_days", "store", 'i', 1, 3650, NULL, "30"},
    {"max_peer_store_entries", "store", 'i', 1, 65536, NULL, "1000"},
    {"log_level", "log", 's', 0, 0, "verbose", "\"debug\""},
    {"log_file", "log", 's', 0, 0, NULL, "\"/var/log/pqnet/pqnetd.log\""},
};
#define NSPECS (sizeof specs / sizeof specs[0])

static void test_key_names(void **state) {
  (void)state;
  assert_int_equal(NSPECS, CONFIG_NKEYS);
  for (int i = 0; i < CONFIG_NKEYS; i++) assert_string_equal(config_key_name(i), specs[i].name);
  assert_null(config_key_name(CONFIG_NKEYS));
  assert_null(config_key_name((config_key)-1));
  assert_string_equal(config_source_name(CONFIG_SRC_DEFAULT), "default");
  assert_string_equal(config_source_name(CONFIG_SRC_FILE), "file");
  assert_string_equal(config_source_name(CONFIG_SRC_ENV), "env");
  assert_string_equal(config_source_name(CONFIG_SRC_FLAG), "flag");
  assert_string_equal(config_source_name((config_source)9), "unknown");
}

static void test_defaults(void **state) {
  (void)state;
  pqnet_config *c = new_cfg();
  char *out = print_str(c, 0);
  assert_string_equal(out, default_values);
  free(out);
  for (int i = 0; i < CONFIG_NKEYS; i++) assert_int_equal(c->origin[i].source, CONFIG_SRC_DEFAULT);
  char err[ERRCAP];
  assert_int_equal(config_validate(c, err, sizeof err), 0);
  assert_int_equal(config_log_level(c), 2);
  assert_string_equal(c->file, "");
  /* With sources: every line ends in "  # default". */
  out = print_str(c, 1);
  assert_non_null(strstr(out, "network = \"devnet\"  # default\n"));
  assert_non_null(strstr(out, "log_file = \"\"  # default\n"));
  free(out);
  free(c);
}

/* Every key: accepted at the top level or in its section, refused in another
 * section, wrong types, range ends, bad formats; each message names the file,
 * the line and the key. */
static void test_every_key(void **state) {
  (void)state;
  char text[512], want[ERRCAP];
  for (size_t i = 0; i < NSPECS; i++) {
    const key_spec *k = &specs[i];
    pqnet_config *c = new_cfg();
    /* Top level, after a comment line. */
    snprintf(text, sizeof text, "# comment\n%s = %s\n", k->name, k->good);
    load_ok(c, text);
    assert_int_equal(c->origin[i].source, CONFIG_SRC_FILE);
    assert_int_equal(c->origin[i].line, 2);
    /* In its section. */
    if (k->section) {
      config_defaults(c);
      snprintf(text, sizeof text, "[%s]\n%s = %s\n", k->section, k->name, k->good);
      load_ok(c, text);
      assert_int_equal(c->origin[i].line, 2);
      /* Both at the top level and in the section. */
      snprintf(text, sizeof text, "%s = %s\n[%s]\n%s = %s\n", k->name, k->good, k->section, k->name,
               k->good);
      snprintf(want, sizeof want, "t.toml:3: key '%s' is already set at line 1", k->name);
      load_bad(text, PQNET_ERR_MALFORMED, want);
    }
    /* In the wrong section. */
    const char *other = k->section && strcmp(k->section, "log") == 0 ? "p2p" : "log";
    snprintf(text, sizeof text, "[%s]\n%s = %s\n", other, k->name, k->good);
    if (k->section)
      snprintf(want, sizeof want,
               "t.toml:2: key '%s' does not belong in [%s] (write it in [%s] or at the top level)",
               k->name, other, k->section);
    else
      snprintf(want, sizeof want,
               "t.toml:2: key '%s' does not belong in [%s] (write it at the top level)", k->name,
               other);
    load_bad(text, PQNET_ERR_MALFORMED, want);

    /* Wrong types. */
    static const struct {
      char type;
      const char *value, *got;
    } wrong[] = {{'s', "1", "an integer"},     {'s', "[]", "an array"},
                 {'i', "\"8\"", "a string"},   {'i', "true", "a boolean"},
                 {'b', "\"yes\"", "a string"}, {'b', "1", "an integer"},
                 {'l', "\"a:1\"", "a string"}, {'l', "5", "an integer"}};
    static const char *const expect[] = {['s'] = "a string",
                                         ['i'] = "an integer",
                                         ['b'] = "a boolean",
                                         ['l'] = "an array of strings"};
    for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
      if (wrong[w].type != k->type) continue;
      snprintf(text, sizeof text, "\n\n%s = %s\n", k->name, wrong[w].value);
      snprintf(want, sizeof want, "t.toml:3: key '%s': expected %s, got %s", k->name,
               expect[(int)k->type], wrong[w].got);
      load_bad(text, PQNET_ERR_MALFORMED, want);
    }
    /* A table where a value belongs: an unknown table at the top level. */
    snprintf(text, sizeof text, "%s.x = 1\n", k->name);
    snprintf(want, sizeof want,
             "t.toml:1: unknown table [%s] (the sections are [p2p], [http], [store] and [log])",
             k->name);
    load_bad(text, PQNET_ERR_MALFORMED, want);

    /* Integer ranges: both ends accepted, one past each refused. */
    if (k->type == 'i') {
      int64_t ok[2] = {k->min, k->max}, no[2] = {k->min - 1, k->max + 1};
      for (int j = 0; j < 2; j++) {
        config_defaults(c);
        snprintf(text, sizeof text, "%s = %lld\n", k->name, (long long)ok[j]);
        load_ok(c, text);
        snprintf(text, sizeof text, "network = \"devnet\"\n%s = %lld\n", k->name, (long long)no[j]);
        snprintf(want, sizeof want, "t.toml:2: key '%s': value %lld out of range %lld..%lld",
                 k->name, (long long)no[j], (long long)k->min, (long long)k->max);
        load_bad(text, PQNET_ERR_MALFORMED, want);
      }
    }
    /* Formats. */
    if (k->bad && k->type == 's') {
      snprintf(text, sizeof text, "%s = \"%s\"\n", k->name, k->bad);
      snprintf(want, sizeof want, "t.toml:1: key '%s': ", k->name);
      pqnet_config *c2 = new_cfg();
      char err[ERRCAP];
      assert_int_equal(config_load_text(c2, text, strlen(text), "t.toml", err, sizeof err),
                       PQNET_ERR_MALFORMED);
      if (strncmp(err, want, strlen(want)) != 0) fail_msg("got %s", err);
      free(c2);
    }
    if (k->bad && k->type == 'l') {
      snprintf(text, sizeof text, "%s = [\n  \"a.example:1\",\n  \"%s\", # bad\n]\n", k->name,
               k->bad);
      snprintf(want, sizeof want, "t.toml:3: key '%s': ", k->name); /* the element's line */
      pqnet_config *c2 = new_cfg();
      char err[ERRCAP];
      assert_int_equal(config_load_text(c2, text, strlen(text), "t.toml", err, sizeof err),
                       PQNET_ERR_MALFORMED);
      if (strncmp(err, want, strlen(want)) != 0) fail_msg("got %s", err);
      free(c2);
    }
    /* Control characters in strings. */
    if (k->type == 's' || k->type == 'l') {
      snprintf(text, sizeof text, k->type == 's' ? "%s = \"a\\u0001b\"\n" : "%s = [\"a\\tb\"]\n",
               k->name);
      snprintf(want, sizeof want, "t.toml:1: key '%s': value has a control character", k->name);
      load_bad(text, PQNET_ERR_MALFORMED, want);
    }
    free(c);
  }
}

static void test_format_messages(void **state) {
  (void)state;
  load_bad("network = \"moonnet\"", PQNET_ERR_MALFORMED,
           "t.toml:1: key 'network': unknown network \"moonnet\" (expected devnet, testnet or "
           "mainnet)");
  load_bad("genesis = \"abc\"", PQNET_ERR_MALFORMED,
           "t.toml:1: key 'genesis': bad genesis \"abc\" (expected 64 hex digits, or \"\" for the "
           "network's own)");
  load_bad("[p2p]\nlisten = \"localhost\"", PQNET_ERR_MALFORMED,
           "t.toml:2: key 'listen': bad address \"localhost\" (expected HOST:PORT, e.g. "
           "127.0.0.1:7071 or [::1]:7071, port 1..65535)");
  load_bad("seed_peers = [\"a:70000\"]", PQNET_ERR_MALFORMED,
           "t.toml:1: key 'seed_peers': bad seed \"a:70000\" (expected HOST or HOST:PORT, e.g. "
           "seed.example.org or [2001:db8::1]:7071)");
  load_bad("dns_server = \"one.one.one.one\"", PQNET_ERR_MALFORMED,
           "t.toml:1: key 'dns_server': bad DNS server \"one.one.one.one\" (expected an IP "
           "address, optionally with :PORT, or \"\")");
  load_bad("log_level = \"trace\"", PQNET_ERR_MALFORMED,
           "t.toml:1: key 'log_level': unknown log level \"trace\" (expected error, warn, info or "
           "debug)");
  load_bad("base_path = \"\"", PQNET_ERR_MALFORMED, "t.toml:1: key 'base_path': must not be empty");
  load_bad("\n\n\n\n\n\n\n\n\n\n\nmin_outbound_connections = 0", PQNET_ERR_MALFORMED,
           "t.toml:12: key 'min_outbound_connections': value 0 out of range 1..1000");

  /* Long values: a path of 1023 bytes fits, 1024 does not. */
  char *text = malloc(2048);
  assert_non_null(text);
  memcpy(text, "base_path = \"", 13);
  memset(text + 13, 'p', 1023);
  memcpy(text + 13 + 1023, "\"", 2);
  pqnet_config *c = new_cfg();
  load_ok(c, text);
  assert_int_equal(strlen(c->base_path), 1023);
  memset(text + 13, 'p', 1024);
  memcpy(text + 13 + 1024, "\"", 2);
  load_bad(text, PQNET_ERR_TOO_LARGE, "t.toml:1: key 'base_path': value longer than 1023 bytes");
  free(text);
  free(c);

  /* Lists: 64 peers fit, 65 do not; 16 seeds fit, 17 do not. */
  char big[8192];
  size_t off = (size_t)snprintf(big, sizeof big, "peers = [");
  for (int i = 0; i < CONFIG_MAX_PEERS; i++)
    off += (size_t)snprintf(big + off, sizeof big - off, "\"10.0.0.%d:7071\",", i);
  snprintf(big + off, sizeof big - off, "]");
  c = new_cfg();
  load_ok(c, big);
  assert_int_equal(c->npeers, CONFIG_MAX_PEERS);
  assert_string_equal(c->peers[63], "10.0.0.63:7071");
  snprintf(big + off, sizeof big - off, "\"x:1\"]");
  load_bad(big, PQNET_ERR_TOO_LARGE, "t.toml:1: key 'peers': more than 64 entries");
  off = (size_t)snprintf(big, sizeof big, "\nseed_peers = [\n");
  for (int i = 0; i < 17; i++)
    off += (size_t)snprintf(big + off, sizeof big - off, "\"s%d.example\",\n", i);
  snprintf(big + off, sizeof big - off, "]");
  load_bad(big, PQNET_ERR_TOO_LARGE, "t.toml:2: key 'seed_peers': more than 16 entries");
  free(c);
}

static void test_file_structure_errors(void **state) {
  (void)state;
  load_bad("a = 1", PQNET_ERR_MALFORMED, "t.toml:1: unknown key 'a'");
  load_bad("[p2p]\n\nmin_peers = 1", PQNET_ERR_MALFORMED,
           "t.toml:3: unknown key 'min_peers' in [p2p]");
  load_bad("[node]\nx = 1", PQNET_ERR_MALFORMED,
           "t.toml:1: unknown table [node] (the sections are [p2p], [http], [store] and [log])");
  load_bad("[p2p.extra]\nx = 1", PQNET_ERR_MALFORMED, "t.toml:1: unknown table [p2p.extra]");
  load_bad("[log]\nlevel = \"info\"", PQNET_ERR_MALFORMED,
           "t.toml:2: unknown key 'level' in [log]");
  load_bad("network = \"devnet\"\nnetwork = \"testnet\"", PQNET_ERR_MALFORMED,
           "t.toml:2:1: duplicate key 'network' (first defined at line 1)");
  load_bad("listen = \"127.0.0.1:1\"\np2p.listen = \"127.0.0.1:2\"", PQNET_ERR_MALFORMED,
           "t.toml:2: key 'listen' is already set at line 1");
  load_bad("[p2p]\nlisten = \"x:1\n", PQNET_ERR_MALFORMED,
           "t.toml:2:10: unterminated string (it must end on its line)");
  load_bad("min_outbound_connections = 8.5", PQNET_ERR_MALFORMED,
           "t.toml:1:28: floats are not supported");
  load_bad("\"bad\x01key\" = 1", PQNET_ERR_MALFORMED,
           "t.toml:1:5: control character 0x01 in a key (write it as an escape)");
  load_bad("\"odd\\nkey\" = 1", PQNET_ERR_MALFORMED, "t.toml:1: unknown key 'odd?key'");

  /* Sections and dotted keys reach the same settings. */
  pqnet_config *c = new_cfg();
  load_ok(c, "p2p.listen = \"127.0.0.1:9001\"\nlog.log_level = \"warn\"\n[http]\n"
             "http_listen = \"127.0.0.1:9000\"\n[store]\n");
  assert_string_equal(c->listen, "127.0.0.1:9001");
  assert_string_equal(c->log_level, "warn");
  assert_int_equal(config_log_level(c), 1);
  assert_string_equal(c->http_listen, "127.0.0.1:9000");
  assert_int_equal(c->origin[CONFIG_HTTP_LISTEN].line, 4);
  assert_string_equal(c->file, "t.toml");

  char err[ERRCAP];
  assert_int_equal(config_load_text(NULL, "", 0, "x", err, sizeof err), PQNET_ERR_INVALID_ARG);
  assert_int_equal(config_load_text(c, "", 0, NULL, err, sizeof err), PQNET_ERR_INVALID_ARG);
  assert_int_equal(config_load_text(c, "a = 1", 5, "x", NULL, 0), PQNET_ERR_MALFORMED);
  free(c);
}

/* ---- environment ---- */

static void test_env(void **state) {
  (void)state;
  char err[ERRCAP];
  pqnet_config *c = new_cfg();
  char *env1[] = {"PATH=/bin",
                  "PQNET_SEEDS= a.example , b.example:7000",
                  "PQNET_LISTEN=0.0.0.0:7171",
                  "PQNET_MIN_PEERS=3",
                  "PQNET_DISCOVERY_TICK_SECS=5",
                  "PQNET_MINE=1",
                  "PQNET_ALLOW_PRIVATE_ADDRESSES=false",
                  "PQNET_LOG_LEVEL=debug",
                  "PQNET_PEERS=",
                  "PQNET_MAX_INBOUND_CONNECTIONS=+0",
                  NULL};
  assert_int_equal(config_apply_env(c, config_envp_get, env1, err, sizeof err), 0);
  assert_int_equal(c->nseed_peers, 2);
  assert_string_equal(c->seed_peers[0], "a.example");
  assert_string_equal(c->seed_peers[1], "b.example:7000");
  assert_string_equal(c->listen, "0.0.0.0:7171");
  assert_int_equal(c->min_outbound_connections, 3);
  assert_int_equal(c->discovery_tick_seconds, 5);
  assert_int_equal(c->mine, 1);
  assert_int_equal(c->allow_private_addresses, 0);
  assert_int_equal(c->max_inbound_connections, 0);
  assert_string_equal(c->log_level, "debug");
  assert_int_equal(c->origin[CONFIG_SEED_PEERS].source, CONFIG_SRC_ENV);
  assert_string_equal(c->origin[CONFIG_SEED_PEERS].name, "PQNET_SEEDS");
  assert_string_equal(c->origin[CONFIG_MIN_OUTBOUND_CONNECTIONS].name, "PQNET_MIN_PEERS");
  assert_string_equal(c->origin[CONFIG_LISTEN].name, "PQNET_LISTEN");
  assert_int_equal(c->origin[CONFIG_PEERS].source, CONFIG_SRC_DEFAULT); /* empty: unset */
  char *out = print_str(c, 1);
  assert_non_null(
      strstr(out, "seed_peers = [\"a.example\", \"b.example:7000\"]  # env PQNET_SEEDS\n"));
  assert_non_null(strstr(out, "min_outbound_connections = 3  # env PQNET_MIN_PEERS\n"));
  assert_non_null(
      strstr(out, "allow_private_addresses = false  # env PQNET_ALLOW_PRIVATE_ADDRESSES\n"));
  free(out);

  /* Every key's long name works. */
  config_defaults(c);
  char *env2[] = {"PQNET_NETWORK=testnet",
                  "PQNET_GENESIS=" /* empty: unset */,
                  "PQNET_BASE_PATH=/srv/pq",
                  "PQNET_SEED_PEERS=s.example",
                  "PQNET_PEERS=1.2.3.4:5,[::1]:6",
                  "PQNET_DNS_SERVER=1.1.1.1",
                  "PQNET_MIN_OUTBOUND_CONNECTIONS=2",
                  "PQNET_MAX_OUTBOUND_CONNECTIONS=4",
                  "PQNET_CONNECTION_TIMEOUT_SECONDS=7",
                  "PQNET_RECONNECTION_INTERVAL_SECONDS=8",
                  "PQNET_DISCOVERY_TICK_SECONDS=9",
                  "PQNET_PING_INTERVAL_SECONDS=11",
                  "PQNET_PONG_TIMEOUT_SECONDS=12",
                  "PQNET_MAX_FRAME_BYTES=2048",
                  "PQNET_BAN_DURATION_SECONDS=13",
                  "PQNET_HTTP_LISTEN=127.0.0.1:1",
                  "PQNET_PEER_STORE_TTL_DAYS=15",
                  "PQNET_MAX_PEER_STORE_ENTRIES=16",
                  "PQNET_LOG_FILE=/tmp/x.log",
                  NULL};
  assert_int_equal(config_apply_env(c, config_envp_get, env2, err, sizeof err), 0);
  assert_string_equal(c->network, "testnet");
  assert_string_equal(c->base_path, "/srv/pq");
  assert_int_equal(c->npeers, 2);
  assert_string_equal(c->peers[1], "[::1]:6");
  assert_string_equal(c->dns_server, "1.1.1.1");
  assert_int_equal(c->max_outbound_connections, 4);
  assert_int_equal(c->connection_timeout_seconds, 7);
  assert_int_equal(c->reconnection_interval_seconds, 8);
  assert_int_equal(c->discovery_tick_seconds, 9);
  assert_int_equal(c->ping_interval_seconds, 11);
  assert_int_equal(c->pong_timeout_seconds, 12);
  assert_int_equal(c->max_frame_bytes, 2048);
  assert_int_equal(c->ban_duration_seconds, 13);
  assert_int_equal(c->peer_store_ttl_days, 15);
  assert_int_equal(c->max_peer_store_entries, 16);
  assert_string_equal(c->log_file, "/tmp/x.log");
  assert_string_equal(c->origin[CONFIG_SEED_PEERS].name, "PQNET_SEED_PEERS");
  assert_int_equal(c->origin[CONFIG_GENESIS].source, CONFIG_SRC_DEFAULT);
  free(c);

  /* Errors. */
  static const struct {
    const char *var;
    int rc;
    const char *msg;
  } bad[] = {
      {"PQNET_MIN_PEERS=0", PQNET_ERR_MALFORMED,
       "environment PQNET_MIN_PEERS: key 'min_outbound_connections': value 0 out of range 1..1000"},
      {"PQNET_MIN_PEERS=8x", PQNET_ERR_MALFORMED,
       "environment PQNET_MIN_PEERS: key 'min_outbound_connections': expected an integer, got "
       "\"8x\""},
      {"PQNET_MAX_INBOUND_CONNECTIONS=1_000", PQNET_ERR_MALFORMED,
       "environment PQNET_MAX_INBOUND_CONNECTIONS: key 'max_inbound_connections': expected an "
       "integer, got \"1_000\""},
      {"PQNET_PING_INTERVAL_SECONDS=99999999999999999999", PQNET_ERR_MALFORMED,
       "environment PQNET_PING_INTERVAL_SECONDS: key 'ping_interval_seconds': expected an "
       "integer, got \"99999999999999999999\""},
      {"PQNET_PING_INTERVAL_SECONDS=-", PQNET_ERR_MALFORMED,
       "environment PQNET_PING_INTERVAL_SECONDS: key 'ping_interval_seconds': expected an "
       "integer, got \"-\""},
      {"PQNET_MINE=yes", PQNET_ERR_MALFORMED,
       "environment PQNET_MINE: key 'mine': expected true or false, got \"yes\""},
      {"PQNET_SEEDS=a,,b", PQNET_ERR_MALFORMED,
       "environment PQNET_SEEDS: key 'seed_peers': empty entry in the list \"a,,b\""},
      {"PQNET_SEEDS=a,", PQNET_ERR_MALFORMED,
       "environment PQNET_SEEDS: key 'seed_peers': empty entry in the list \"a,\""},
      {"PQNET_SEEDS= ", PQNET_ERR_MALFORMED,
       "environment PQNET_SEEDS: key 'seed_peers': empty list"},
      {"PQNET_SEEDS=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", PQNET_ERR_TOO_LARGE,
       "environment PQNET_SEEDS: key 'seed_peers': more than 16 entries"},
      {"PQNET_PEERS=1.2.3.4", PQNET_ERR_MALFORMED,
       "environment PQNET_PEERS: key 'peers': bad address \"1.2.3.4\" (expected HOST:PORT, e.g. "
       "127.0.0.1:7071 or [::1]:7071, port 1..65535)"},
      {"PQNET_LISTEN=\x1b[31m", PQNET_ERR_MALFORMED,
       "environment PQNET_LISTEN: key 'listen': value has a control character"},
      {"PQNET_NETWORK=devnet\x7f", PQNET_ERR_MALFORMED,
       "environment PQNET_NETWORK: key 'network': value has a control character"},
      {"PQNET_BASE_PATH=/srv/\xff", PQNET_ERR_MALFORMED,
       "environment PQNET_BASE_PATH: key 'base_path': value is not valid UTF-8"},
      {"PQNET_SEEDS=a,\xc3", PQNET_ERR_MALFORMED,
       "environment PQNET_SEEDS: key 'seed_peers': value is not valid UTF-8"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    c = new_cfg();
    char *envp[] = {(char *)bad[i].var, NULL};
    int rc = config_apply_env(c, config_envp_get, envp, err, sizeof err);
    if (rc != bad[i].rc || strcmp(err, bad[i].msg) != 0)
      fail_msg("%s: got %d %s", bad[i].var, rc, err);
    free(c);
  }

  /* Both names of one key. */
  c = new_cfg();
  char *both[] = {"PQNET_SEED_PEERS=a", "PQNET_SEEDS=b", NULL};
  assert_int_equal(config_apply_env(c, config_envp_get, both, err, sizeof err),
                   PQNET_ERR_MALFORMED);
  assert_string_equal(err, "environment: both PQNET_SEED_PEERS and PQNET_SEEDS are set (both "
                           "name key 'seed_peers'); unset one");
  /* A long value is refused before it is split or copied. */
  char *huge = malloc(70000);
  assert_non_null(huge);
  memcpy(huge, "PQNET_LOG_FILE=", 15);
  memset(huge + 15, 'x', 70000 - 16);
  huge[70000 - 1] = '\0';
  char *envh[] = {huge, NULL};
  assert_int_equal(config_apply_env(c, config_envp_get, envh, err, sizeof err),
                   PQNET_ERR_TOO_LARGE);
  assert_string_equal(err, "environment PQNET_LOG_FILE: key 'log_file': value longer than 65536 "
                           "bytes");
  free(huge);

  /* The real environment through getenv. */
  config_defaults(c);
  setenv("PQNET_PONG_TIMEOUT_SECONDS", "77", 1);
  assert_int_equal(config_apply_env(c, NULL, NULL, err, sizeof err), 0);
  unsetenv("PQNET_PONG_TIMEOUT_SECONDS");
  assert_int_equal(c->pong_timeout_seconds, 77);
  assert_int_equal(config_apply_env(NULL, NULL, NULL, err, sizeof err), PQNET_ERR_INVALID_ARG);
  assert_null(config_envp_get(NULL, "X"));
  free(c);
}

/* ---- flags ---- */

static void test_flags(void **state) {
  (void)state;
  char err[ERRCAP];
  int nv = -1;
  assert_int_equal(config_flag_find("--peer", &nv), CONFIG_PEERS);
  assert_int_equal(nv, 1);
  assert_int_equal(config_flag_find("--peers", NULL), CONFIG_PEERS);
  assert_int_equal(config_flag_find("peer", NULL), CONFIG_PEERS);
  assert_int_equal(config_flag_find("--mine", &nv), CONFIG_MINE);
  assert_int_equal(nv, 0);
  assert_int_equal(config_flag_find("--seeds", NULL), CONFIG_SEED_PEERS);
  assert_int_equal(config_flag_find("--connect-timeout", NULL), CONFIG_CONNECTION_TIMEOUT_SECONDS);
  assert_int_equal(config_flag_find("--ping-interval", NULL), CONFIG_PING_INTERVAL_SECONDS);
  assert_int_equal(config_flag_find("--pong-timeout", NULL), CONFIG_PONG_TIMEOUT_SECONDS);
  assert_int_equal(config_flag_find("--min-outbound", NULL), CONFIG_MIN_OUTBOUND_CONNECTIONS);
  assert_int_equal(config_flag_find("--discovery-tick", NULL), CONFIG_DISCOVERY_TICK_SECONDS);
  assert_int_equal(config_flag_find("--max-outbound", NULL), CONFIG_MAX_OUTBOUND_CONNECTIONS);
  assert_int_equal(config_flag_find("--max-inbound", NULL), CONFIG_MAX_INBOUND_CONNECTIONS);
  assert_int_equal(config_flag_find("--allow-private-addresses", &nv),
                   CONFIG_ALLOW_PRIVATE_ADDRESSES);
  assert_int_equal(nv, 0);
  assert_int_equal(config_flag_find("--min_outbound_connections", NULL), -1);
  assert_int_equal(config_flag_find("--config", NULL), -1);
  assert_int_equal(config_flag_find("--", NULL), -1);
  assert_int_equal(config_flag_find(NULL, NULL), -1);
  /* Every key has --<name with dashes>. */
  for (int i = 0; i < CONFIG_NKEYS; i++) {
    char flag[64];
    snprintf(flag, sizeof flag, "--%s", config_key_name(i));
    for (char *p = flag; *p; p++)
      if (*p == '_') *p = '-';
    assert_int_equal(config_flag_find(flag, NULL), i);
  }

  pqnet_config *c = new_cfg();
  assert_int_equal(config_apply_flag(c, "--listen", "127.0.0.1:9999", err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--listen", "127.0.0.1:9998", err, sizeof err), 0);
  assert_string_equal(c->listen, "127.0.0.1:9998"); /* last one wins */
  assert_int_equal(config_apply_flag(c, "--mine", NULL, err, sizeof err), 0);
  assert_int_equal(c->mine, 1);
  assert_int_equal(config_apply_flag(c, "--mine", "false", err, sizeof err), 0);
  assert_int_equal(c->mine, 0);
  assert_int_equal(config_apply_flag(c, "--min-outbound", "2", err, sizeof err), 0);
  assert_string_equal(c->origin[CONFIG_MIN_OUTBOUND_CONNECTIONS].name, "--min-outbound");
  assert_int_equal(c->origin[CONFIG_MIN_OUTBOUND_CONNECTIONS].source, CONFIG_SRC_FLAG);
  assert_int_equal(config_apply_flag(c, "--genesis", "", err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--seeds", "", err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "flag --seeds: key 'seed_peers': empty list");
  assert_int_equal(config_apply_flag(c, "--peer", " \t", err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "flag --peer: key 'peers': empty list");

  assert_int_equal(config_apply_flag(c, "--nope", "1", err, sizeof err), PQNET_ERR_INVALID_ARG);
  assert_string_equal(err, "unknown flag --nope");
  assert_int_equal(config_apply_flag(c, "--listen", NULL, err, sizeof err), PQNET_ERR_INVALID_ARG);
  assert_string_equal(err, "flag --listen needs a value");
  assert_int_equal(config_apply_flag(c, "--connect-timeout", "0", err, sizeof err),
                   PQNET_ERR_MALFORMED);
  assert_string_equal(err, "flag --connect-timeout: key 'connection_timeout_seconds': value 0 out "
                           "of range 1..3600");
  assert_int_equal(config_apply_flag(c, "--mine", "maybe", err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "flag --mine: key 'mine': expected true or false, got \"maybe\"");
  assert_int_equal(config_apply_flag(c, "--network", "devnet2", err, sizeof err),
                   PQNET_ERR_MALFORMED);
  assert_string_equal(err, "flag --network: key 'network': unknown network \"devnet2\" (expected "
                           "devnet, testnet or mainnet)");
  assert_int_equal(config_apply_flag(c, "--peer", "x", err, sizeof err), PQNET_ERR_MALFORMED);
  assert_int_equal(config_apply_flag(NULL, "--peer", "x", err, sizeof err), PQNET_ERR_INVALID_ARG);
  assert_int_equal(config_apply_flag(c, NULL, "x", err, sizeof err), PQNET_ERR_INVALID_ARG);
  free(c);
}

/* ---- precedence and lists ---- */

static const char *const prec_file = "min_outbound_connections = 2\n"
                                     "max_outbound_connections = 30\n"
                                     "discovery_tick_seconds = 3\n"
                                     "log_level = \"warn\"\n"
                                     "peers = [\"10.0.0.1:1\", \"10.0.0.2:2\"]\n"
                                     "seed_peers = [\"file.example\"]\n";
static char *prec_env[] = {"PQNET_MAX_OUTBOUND_CONNECTIONS=40", "PQNET_DISCOVERY_TICK_SECS=4",
                           "PQNET_SEEDS=env.example", NULL};

static void prec_flags(pqnet_config *c) {
  char err[ERRCAP];
  assert_int_equal(config_apply_flag(c, "--discovery-tick-seconds", "5", err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--peer", "10.0.0.3:3", err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--peer", "10.0.0.4:4,10.0.0.5:5", err, sizeof err), 0);
}

static void prec_check(const pqnet_config *c) {
  /* default < file */
  assert_int_equal(c->max_inbound_connections, 117);
  assert_int_equal(c->origin[CONFIG_MAX_INBOUND_CONNECTIONS].source, CONFIG_SRC_DEFAULT);
  assert_int_equal(c->min_outbound_connections, 2);
  assert_int_equal(c->origin[CONFIG_MIN_OUTBOUND_CONNECTIONS].source, CONFIG_SRC_FILE);
  assert_int_equal(c->origin[CONFIG_MIN_OUTBOUND_CONNECTIONS].line, 1);
  assert_string_equal(c->log_level, "warn");
  /* file < env */
  assert_int_equal(c->max_outbound_connections, 40);
  assert_int_equal(c->origin[CONFIG_MAX_OUTBOUND_CONNECTIONS].source, CONFIG_SRC_ENV);
  assert_int_equal(c->nseed_peers, 1);
  assert_string_equal(c->seed_peers[0], "env.example");
  /* env < flag */
  assert_int_equal(c->discovery_tick_seconds, 5);
  assert_int_equal(c->origin[CONFIG_DISCOVERY_TICK_SECONDS].source, CONFIG_SRC_FLAG);
  /* The first --peer replaced the file's list, the second appended. */
  assert_int_equal(c->npeers, 3);
  assert_string_equal(c->peers[0], "10.0.0.3:3");
  assert_string_equal(c->peers[1], "10.0.0.4:4");
  assert_string_equal(c->peers[2], "10.0.0.5:5");
  assert_string_equal(c->origin[CONFIG_PEERS].name, "--peer");
}

static void test_precedence(void **state) {
  (void)state;
  char err[ERRCAP];
  /* All six orders of file, env and flags give the same result. */
  static const char orders[6][4] = {"FEA", "FAE", "EFA", "EAF", "AFE", "AEF"};
  char *printed[6];
  for (int o = 0; o < 6; o++) {
    pqnet_config *c = new_cfg();
    for (int s = 0; s < 3; s++) {
      switch (orders[o][s]) {
      case 'F': load_ok(c, prec_file); break;
      case 'E':
        assert_int_equal(config_apply_env(c, config_envp_get, prec_env, err, sizeof err), 0);
        break;
      case 'A': prec_flags(c); break;
      }
    }
    prec_check(c);
    printed[o] = print_str(c, 1);
    assert_int_equal(config_validate(c, err, sizeof err), 0);
    free(c);
  }
  for (int o = 1; o < 6; o++) assert_string_equal(printed[o], printed[0]);
  assert_non_null(strstr(printed[0], "min_outbound_connections = 2  # file t.toml:1\n"));
  assert_non_null(strstr(printed[0], "max_outbound_connections = 40  # env "
                                     "PQNET_MAX_OUTBOUND_CONNECTIONS\n"));
  assert_non_null(strstr(printed[0], "discovery_tick_seconds = 5  # flag "
                                     "--discovery-tick-seconds\n"));
  assert_non_null(strstr(printed[0], "peers = [\"10.0.0.3:3\", \"10.0.0.4:4\", \"10.0.0.5:5\"]  "
                                     "# flag --peer\n"));
  for (int o = 0; o < 6; o++) free(printed[o]);

  /* A bad value from a lower source is still an error. */
  pqnet_config *c = new_cfg();
  assert_int_equal(config_apply_flag(c, "--min-outbound", "5", err, sizeof err), 0);
  assert_int_equal(
      config_load_text(c, "min_outbound_connections = 0", 28, "t.toml", err, sizeof err),
      PQNET_ERR_MALFORMED);
  assert_int_equal(c->min_outbound_connections, 5);
  /* A list too long for the flag's appends. */
  config_defaults(c);
  for (int i = 0; i < CONFIG_MAX_PEERS; i++)
    assert_int_equal(config_apply_flag(c, "--peer", "1.1.1.1:1", err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--peer", "1.1.1.1:1", err, sizeof err),
                   PQNET_ERR_TOO_LARGE);
  assert_string_equal(err, "flag --peer: key 'peers': more than 64 entries");
  /* A file list replaces an env list? No: env ranks higher and stays. */
  config_defaults(c);
  char *env[] = {"PQNET_PEERS=2.2.2.2:2", NULL};
  assert_int_equal(config_apply_env(c, config_envp_get, env, err, sizeof err), 0);
  load_ok(c, "peers = [\"3.3.3.3:3\", \"4.4.4.4:4\"]");
  assert_int_equal(c->npeers, 1);
  assert_string_equal(c->peers[0], "2.2.2.2:2");
  free(c);
}

/* ---- validation ---- */

static void test_validate(void **state) {
  (void)state;
  char err[ERRCAP];
  pqnet_config *c = new_cfg();
  assert_int_equal(config_apply_flag(c, "--min-outbound", "20", err, sizeof err), 0);
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "min_outbound_connections = 20 (flag --min-outbound) is greater than "
                           "max_outbound_connections = 16 (default)");
  load_ok(c, "\nmax_outbound_connections = 20\n");
  assert_int_equal(config_validate(c, err, sizeof err), 0);

  config_defaults(c);
  load_ok(c, "[p2p]\nlisten = \"127.0.0.1:7070\"\n");
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "listen = \"127.0.0.1:7070\" (file t.toml:2) and http_listen = "
                           "\"127.0.0.1:7070\" (default) use the same port on the same address");
  assert_int_equal(config_apply_flag(c, "--http-listen", "", err, sizeof err), 0); /* no HTTP */
  assert_int_equal(config_validate(c, err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--http-listen", "[::]:7070", err, sizeof err), 0);
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED); /* wildcard */
  assert_int_equal(config_apply_flag(c, "--http-listen", "127.0.0.2:7070", err, sizeof err), 0);
  assert_int_equal(config_validate(c, err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--listen", "0.0.0.0:7070", err, sizeof err), 0);
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_int_equal(config_apply_flag(c, "--listen", "0.0.0.0:7071", err, sizeof err), 0);
  assert_int_equal(config_validate(c, err, sizeof err), 0);

  /* Fields written directly are checked again. */
  config_defaults(c);
  c->max_inbound_connections = -1;
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "key 'max_inbound_connections' (default): value -1 out of range "
                           "0..10000");
  config_defaults(c);
  snprintf(c->network, sizeof c->network, "regtest");
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "key 'network' (default): unknown network \"regtest\" (expected "
                           "devnet, testnet or mainnet)");
  config_defaults(c);
  memset(c->log_level, 'a', sizeof c->log_level);
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "key 'log_level' (default): value is not terminated");
  config_defaults(c);
  c->mine = 2;
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  config_defaults(c);
  c->npeers = CONFIG_MAX_PEERS + 1;
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "key 'peers' (default): more than 64 entries");
  config_defaults(c);
  c->nseed_peers = 1;
  snprintf(c->seed_peers[0], sizeof c->seed_peers[0], "bad:port");
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_non_null(strstr(err, "key 'seed_peers' (default): bad seed \"bad:port\""));
  assert_int_equal(config_validate(NULL, err, sizeof err), PQNET_ERR_INVALID_ARG);
  config_defaults(c);
  assert_int_equal(config_validate(c, NULL, 0), 0);
  free(c);
}

/* listen derived from http_listen; http_listen "none". */
static void test_finish(void **state) {
  (void)state;
  char err[ERRCAP];
  pqnet_config *c = new_cfg();
  assert_int_equal(config_finish(c, err, sizeof err), 0);
  assert_string_equal(c->listen, "127.0.0.1:7071");
  assert_null(c->origin[CONFIG_LISTEN].name);
  char *out = print_str(c, 1);
  assert_non_null(strstr(out, "listen = \"127.0.0.1:7071\"  # default\n"));
  free(out);

  static const struct {
    const char *http, *listen;
  } cases[] = {{"0.0.0.0:8080", "0.0.0.0:8081"}, {"[::]:7070", "[::]:7071"},
               {"[::1]:9000", "[::1]:9001"},     {"localhost:65534", "localhost:65535"},
               {"none", "127.0.0.1:7071"},       {"", "127.0.0.1:7071"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    config_defaults(c);
    assert_int_equal(config_apply_flag(c, "--http-listen", cases[i].http, err, sizeof err), 0);
    assert_int_equal(config_finish(c, err, sizeof err), 0);
    assert_string_equal(c->listen, cases[i].listen);
    assert_int_equal(c->origin[CONFIG_LISTEN].source, CONFIG_SRC_DEFAULT);
    if (c->http_listen[0]) {
      assert_string_equal(c->origin[CONFIG_LISTEN].name, "http_listen");
      out = print_str(c, 1);
      assert_non_null(strstr(out, "  # default from http_listen\n"));
      free(out);
      assert_round_trip(c);
    } else {
      assert_null(c->origin[CONFIG_LISTEN].name);
    }
  }
  /* "none" from the file and the environment too. */
  config_defaults(c);
  load_ok(c, "[http]\nhttp_listen = \"none\"");
  assert_string_equal(c->http_listen, "");
  char *env[] = {"PQNET_HTTP_LISTEN=none", NULL};
  config_defaults(c);
  assert_int_equal(config_apply_env(c, config_envp_get, env, err, sizeof err), 0);
  assert_string_equal(c->http_listen, "");

  /* A listen someone set is kept; finishing again re-derives the default. */
  config_defaults(c);
  assert_int_equal(config_apply_flag(c, "--http-listen", "127.0.0.1:9000", err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--listen", "127.0.0.1:5000", err, sizeof err), 0);
  assert_int_equal(config_finish(c, err, sizeof err), 0);
  assert_string_equal(c->listen, "127.0.0.1:5000");
  config_defaults(c);
  assert_int_equal(config_apply_flag(c, "--http-listen", "127.0.0.1:9000", err, sizeof err), 0);
  assert_int_equal(config_finish(c, err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--http-listen", "none", err, sizeof err), 0);
  assert_int_equal(config_finish(c, err, sizeof err), 0);
  assert_string_equal(c->listen, "127.0.0.1:7071");

  /* Port 65535 leaves no port for P2P. */
  config_defaults(c);
  load_ok(c, "\nhttp_listen = \"127.0.0.1:65535\"");
  assert_int_equal(config_finish(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "http_listen = \"127.0.0.1:65535\" (file t.toml:2) leaves no port for "
                           "listen (the HTTP port + 1); set listen");
  assert_int_equal(config_apply_flag(c, "--listen", "127.0.0.1:7071", err, sizeof err), 0);
  assert_int_equal(config_finish(c, err, sizeof err), 0);
  /* finish validates. */
  assert_int_equal(config_apply_flag(c, "--min-outbound", "999", err, sizeof err), 0);
  assert_int_equal(config_finish(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_int_equal(config_finish(NULL, err, sizeof err), PQNET_ERR_INVALID_ARG);
  free(c);
}

/* ---- node configuration ---- */

static void test_to_node(void **state) {
  (void)state;
  char err[ERRCAP];
  pqnet_config *c = new_cfg();
  pqnet_node_config n;
  assert_int_equal(config_to_node(c, &n), 0);
  uint8_t want[32];
  pqnet_sha3_256(want, (const uint8_t *)"pqnet genesis devnet", 20);
  assert_memory_equal(n.genesis, want, 32);
  assert_string_equal(n.chain_id, "devnet");
  assert_int_equal(n.listen_port, 7071);
  assert_int_equal(n.max_frame, 4u << 20);
  assert_int_equal(n.ping_interval_ms, 30000);
  assert_int_equal(n.pong_timeout_ms, 60000);
  assert_int_equal(n.connection_timeout_ms, 10000);
  assert_int_equal(n.discovery_tick_ms, 30000);
  assert_int_equal(n.min_outbound, 8);
  assert_int_equal(n.max_outbound, 16);
  assert_int_equal(n.max_inbound, 117);
  assert_int_equal(n.max_connections, 256);
  assert_int_equal(n.ban_seconds, 86400);
  assert_int_equal(n.policy.allow_loopback, 1);
  assert_int_equal(n.policy.allow_private, 1);
  assert_int_equal(n.nseeds, 0);
  /* What it does not touch keeps the library's defaults. */
  pqnet_node_config d;
  pqnet_node_config_default(&d);
  assert_string_equal(n.user_agent, d.user_agent);
  assert_int_equal(n.handshake_timeout_ms, d.handshake_timeout_ms);
  assert_int_equal(n.default_port, d.default_port);

  load_ok(c, "network = \"testnet\"\n"
             "genesis = \"000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F\"\n"
             "[p2p]\n"
             "listen = \"[::]:9000\"\n"
             "seed_peers = [\"a.example\", \"b.example:9000\"]\n"
             "allow_private_addresses = true\n"
             "max_inbound_connections = 1000\n"
             "max_outbound_connections = 100\n"
             "ping_interval_seconds = 86400\n"
             "ban_duration_seconds = 0\n"
             "max_frame_bytes = 65536\n");
  assert_int_equal(config_to_node(c, &n), 0);
  assert_string_equal(n.chain_id, "testnet");
  for (int i = 0; i < 32; i++) assert_int_equal(n.genesis[i], i);
  assert_int_equal(n.listen_port, 9000);
  assert_int_equal(n.policy.allow_loopback, 0);
  assert_int_equal(n.policy.allow_private, 1);
  assert_int_equal(n.max_connections, 1164);
  assert_int_equal(n.ping_interval_ms, 86400000u);
  assert_int_equal(n.ban_seconds, 0);
  assert_int_equal(n.max_frame, 65536);
  assert_int_equal(n.nseeds, 2);
  assert_string_equal(n.seeds[0], "a.example");
  assert_string_equal(n.seeds[1], "b.example:9000");

  assert_int_equal(config_apply_flag(c, "--network", "mainnet", err, sizeof err), 0);
  assert_int_equal(config_apply_flag(c, "--allow-private-addresses", "0", err, sizeof err), 0);
  assert_int_equal(config_to_node(c, &n), 0);
  assert_int_equal(n.policy.allow_loopback, 0);
  assert_int_equal(n.policy.allow_private, 0);
  /* Devnet allows loopback and private whatever allow_private_addresses says. */
  assert_int_equal(config_apply_flag(c, "--network", "devnet", err, sizeof err), 0);
  assert_int_equal(config_to_node(c, &n), 0);
  assert_int_equal(n.policy.allow_loopback, 1);
  assert_int_equal(n.policy.allow_private, 1);
  /* Mainnet's derived genesis differs from devnet's. */
  config_defaults(c);
  assert_int_equal(config_apply_flag(c, "--network", "mainnet", err, sizeof err), 0);
  assert_int_equal(config_to_node(c, &n), 0);
  pqnet_sha3_256(want, (const uint8_t *)"pqnet genesis mainnet", 21);
  assert_memory_equal(n.genesis, want, 32);

  /* An invalid config is refused and out wiped. */
  c->min_outbound_connections = 50;
  assert_int_equal(config_to_node(c, &n), PQNET_ERR_INVALID_ARG);
  assert_int_equal(n.max_outbound, 0);
  assert_int_equal(config_to_node(NULL, &n), PQNET_ERR_INVALID_ARG);
  assert_int_equal(config_to_node(c, NULL), PQNET_ERR_INVALID_ARG);
  free(c);
}

/* ---- printing ---- */

/* Load printed text into a fresh config; its values must print the same. */
static void assert_round_trip(const pqnet_config *c) {
  char err[ERRCAP];
  char *a = print_str(c, 1), *av = print_str(c, 0);
  pqnet_config *c2 = new_cfg();
  int rc = config_load_text(c2, a, strlen(a), "printed", err, sizeof err);
  if (rc) fail_msg("printed config does not load: %s\n%s", err, a);
  char *bv = print_str(c2, 0);
  assert_string_equal(av, bv);
  for (int i = 0; i < CONFIG_NKEYS; i++) {
    assert_int_equal(c2->origin[i].source, CONFIG_SRC_FILE);
    assert_int_equal(c2->origin[i].line, i + 1);
  }
  free(a);
  free(av);
  free(bv);
  free(c2);
}

static void test_print_round_trip(void **state) {
  (void)state;
  char err[ERRCAP];
  pqnet_config *c = new_cfg();
  assert_round_trip(c);
  load_ok(c, "base_path = 'C:\\pq \"data\"'\n"
             "log_file = \"/var/log/caf\\u00e9 \xe2\x82\xac.log\"\n"
             "[p2p]\n"
             "peers = [\"[2001:db8::1]:7071\", \"node.example:1\"]\n");
  assert_int_equal(config_apply_flag(c, "--mine", NULL, err, sizeof err), 0);
  char *env[] = {"PQNET_SEEDS=x.example", NULL};
  assert_int_equal(config_apply_env(c, config_envp_get, env, err, sizeof err), 0);
  assert_round_trip(c);
  char *out = print_str(c, 1);
  assert_non_null(strstr(out, "base_path = \"C:\\\\pq \\\"data\\\"\"  # file t.toml:1\n"));
  assert_non_null(strstr(out, "log_file = \"/var/log/caf\xc3\xa9 \xe2\x82\xac.log\"  # file "
                              "t.toml:2\n"));
  assert_non_null(strstr(out, "mine = true  # flag --mine\n"));
  free(out);
  /* A file name with a newline cannot break the comment. */
  config_defaults(c);
  assert_int_equal(config_load_text(c, "mine = true", 11, "odd\nname", err, sizeof err), 0);
  out = print_str(c, 1);
  assert_non_null(strstr(out, "mine = true  # file odd?name:1\n"));
  free(out);
  assert_round_trip(c);
  /* Nor one that is not UTF-8, or whose UTF-8 the 80-byte cut splits. */
  config_defaults(c);
  assert_int_equal(config_load_text(c, "mine = true", 11, "bad\xff\xc3name", err, sizeof err), 0);
  out = print_str(c, 1);
  assert_non_null(strstr(out, "mine = true  # file bad??name:1\n"));
  free(out);
  assert_round_trip(c);
  char longname[128];
  memset(longname, 'n', 79);
  memcpy(longname + 79, "\xe2\x82\xac", 4);
  config_defaults(c);
  assert_int_equal(config_load_text(c, "mine = true", 11, longname, err, sizeof err), 0);
  out = print_str(c, 1);
  assert_non_null(strstr(out, "nnn?...:1\n"));
  free(out);
  assert_round_trip(c);
  /* A field written directly with bad UTF-8 fails validation. */
  config_defaults(c);
  snprintf(c->log_file, sizeof c->log_file, "/x\xfe");
  assert_int_equal(config_validate(c, err, sizeof err), PQNET_ERR_MALFORMED);
  assert_string_equal(err, "key 'log_file' (default): value is not valid UTF-8");
  assert_int_equal(config_print(NULL, stdout), PQNET_ERR_INVALID_ARG);
  free(c);
}

/* ---- files ---- */

static void test_load_file(void **state) {
  (void)state;
  char err[ERRCAP], path[] = "/tmp/pqnet-config-test-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *text = "# test\nlog_level = \"error\"\n";
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  pqnet_config *c = new_cfg();
  assert_int_equal(config_load_file(c, path, err, sizeof err), 0);
  assert_string_equal(c->log_level, "error");
  assert_string_equal(c->file, path);
  char *out = print_str(c, 1);
  char want[256];
  snprintf(want, sizeof want, "log_level = \"error\"  # file %s:2\n", path);
  assert_non_null(strstr(out, want));
  free(out);

  /* Errors name the path. */
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("[p2p]\nmax_inbound_connections = 10001\n", f);
  fclose(f);
  assert_int_equal(config_load_file(c, path, err, sizeof err), PQNET_ERR_MALFORMED);
  snprintf(want, sizeof want,
           "%s:2: key 'max_inbound_connections': value 10001 out of range 0..10000", path);
  assert_string_equal(err, want);

  /* Larger than the cap. */
  f = fopen(path, "w");
  assert_non_null(f);
  for (unsigned i = 0; i <= TOML_MAX_INPUT; i += 64)
    fputs("#"
          "123456789012345678901234567890"
          "12345678901234567890123456789012\n",
          f);
  fclose(f);
  assert_int_equal(config_load_file(c, path, err, sizeof err), PQNET_ERR_TOO_LARGE);
  snprintf(want, sizeof want, "%s: file larger than 1048576 bytes", path);
  assert_string_equal(err, want);
  unlink(path);

  /* Missing: PQNET_ERR_IO with errno ENOENT, so the daemon can skip a
   * default path that does not exist. */
  errno = 0;
  assert_int_equal(config_load_file(c, path, err, sizeof err), PQNET_ERR_IO);
  assert_int_equal(errno, ENOENT);
  assert_non_null(strstr(err, "cannot open "));
  assert_non_null(strstr(err, "No such file or directory"));
  assert_int_equal(config_load_file(c, NULL, err, sizeof err), PQNET_ERR_INVALID_ARG);

  /* <base_path>/pqnet.toml */
  config_defaults(c);
  char p[64];
  assert_int_equal(config_default_file(c, p, sizeof p), 0);
  assert_string_equal(p, "./pqnet-data/pqnet.toml");
  snprintf(c->base_path, sizeof c->base_path, "/var/lib/pqnet/");
  assert_int_equal(config_default_file(c, p, sizeof p), 0);
  assert_string_equal(p, "/var/lib/pqnet/pqnet.toml");
  assert_int_equal(config_default_file(c, p, 10), PQNET_ERR_TOO_LARGE);
  assert_string_equal(p, "");
  assert_int_equal(config_default_file(NULL, p, sizeof p), PQNET_ERR_INVALID_ARG);
  free(c);
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(TOML_MAX_INPUT + 1);
  assert_non_null(buf);
  *len = fread(buf, 1, TOML_MAX_INPUT, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

static const char *source_dir(void) {
  const char *dir = getenv("PQNET_SOURCE_DIR");
  if (!dir || !*dir) fail_msg("PQNET_SOURCE_DIR is not set (ctest sets it)");
  return dir;
}

/* config/pqnet.toml parses, sets nothing (every key is commented out), and
 * with the "# key = value" lines uncommented sets every key to its default. */
static void test_example_config(void **state) {
  (void)state;
  char path[4096], err[ERRCAP];
  snprintf(path, sizeof path, "%s/config/pqnet.toml", source_dir());
  size_t len;
  char *text = read_all(path, &len);
  if (!text) fail_msg("cannot read %s", path);
  pqnet_config *c = new_cfg();
  if (config_load_text(c, text, len, "pqnet.toml", err, sizeof err)) fail_msg("%s", err);
  for (int i = 0; i < CONFIG_NKEYS; i++) assert_int_equal(c->origin[i].source, CONFIG_SRC_DEFAULT);

  /* Uncomment "# <key> = " lines. */
  char *un = malloc(len + 1);
  assert_non_null(un);
  size_t o = 0;
  for (char *line = text; *line;) {
    char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
    const char *body = line;
    if (strncmp(line, "# ", 2) == 0) {
      for (int i = 0; i < CONFIG_NKEYS; i++) {
        size_t kl = strlen(config_key_name(i));
        if (strncmp(line + 2, config_key_name(i), kl) == 0 && strncmp(line + 2 + kl, " = ", 3) == 0)
          body = line + 2;
      }
    }
    size_t skip = (size_t)(body - line);
    memcpy(un + o, body, n - skip);
    o += n - skip;
    line += n;
  }
  config_defaults(c);
  if (config_load_text(c, un, o, "uncommented", err, sizeof err))
    fail_msg("%s\n--- uncommented ---\n%.*s", err, (int)o, un);
  for (int i = 0; i < CONFIG_NKEYS; i++)
    if (c->origin[i].source != CONFIG_SRC_FILE)
      fail_msg("config/pqnet.toml has no \"# %s = ...\" line", config_key_name(i));
  char *out = print_str(c, 0);
  assert_string_equal(out, default_values);
  assert_int_equal(config_validate(c, err, sizeof err), 0);
  free(out);
  free(un);
  free(text);
  free(c);
}

/* ---- golden files ---- */

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The output a golden case must match: the canonical print, or the error. */
static char *golden_output(const char *name, const char *text, size_t len, int *ok) {
  char err[ERRCAP];
  pqnet_config *c = new_cfg();
  int rc = config_load_text(c, text, len, name, err, sizeof err);
  if (!rc) rc = config_finish(c, err, sizeof err);
  char *out;
  if (rc) {
    size_t n = strlen(err);
    out = malloc(n + 2);
    assert_non_null(out);
    memcpy(out, err, n);
    memcpy(out + n, "\n", 2);
  } else {
    out = print_str(c, 1);
    assert_round_trip(c);
  }
  *ok = rc == 0;
  free(c);
  return out;
}

static void test_golden(void **state) {
  (void)state;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tests/config", source_dir());
  DIR *d = opendir(dir);
  if (!d) fail_msg("cannot open %s", dir);
  char *names[256];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l > 5 && strcmp(e->d_name + l - 5, ".toml") == 0 && n < 256) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp_names);
  const int update =
      getenv("PQNET_GOLDEN_UPDATE") && strcmp(getenv("PQNET_GOLDEN_UPDATE"), "1") == 0;
  size_t good = 0, bad = 0, failures = 0;
  for (size_t i = 0; i < n; i++) {
    char path[8192], okpath[8192];
    size_t len, oklen;
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    snprintf(okpath, sizeof okpath, "%.*s.ok", (int)(strlen(path) - 5), path);
    char *text = read_all(path, &len);
    assert_non_null(text);
    int ok;
    char *out = golden_output(names[i], text, len, &ok);
    ok ? good++ : bad++;
    if (update) {
      FILE *f = fopen(okpath, "w");
      assert_non_null(f);
      fputs(out, f);
      fclose(f);
    }
    char *want = read_all(okpath, &oklen);
    if (!want || strcmp(want, out) != 0) {
      print_error("golden %s differs from %s\n--- got ---\n%s--- want ---\n%s", names[i], okpath,
                  out, want ? want : "(missing)\n");
      failures++;
    }
    /* The document itself also round-trips through the TOML printer. */
    toml_doc *doc;
    if (toml_parse(text, len, &doc, NULL) == 0) {
      char *p1 = NULL, *p2 = NULL;
      size_t l1 = 0, l2 = 0;
      FILE *f = open_memstream(&p1, &l1);
      toml_write(toml_doc_root(doc), f);
      fclose(f);
      toml_doc *doc2;
      assert_int_equal(toml_parse(p1, l1, &doc2, NULL), 0);
      f = open_memstream(&p2, &l2);
      toml_write(toml_doc_root(doc2), f);
      fclose(f);
      assert_string_equal(p1, p2);
      free(p1);
      free(p2);
      toml_doc_free(doc2);
      toml_doc_free(doc);
    }
    free(want);
    free(out);
    free(text);
    free(names[i]);
  }
  print_message("golden: %zu cases (%zu loaded, %zu refused)\n", n, good, bad);
  assert_int_equal(failures, 0);
  assert_true(good >= 3);
  assert_true(bad >= 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key_names),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_every_key),
      cmocka_unit_test(test_format_messages),
      cmocka_unit_test(test_file_structure_errors),
      cmocka_unit_test(test_env),
      cmocka_unit_test(test_flags),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_validate),
      cmocka_unit_test(test_finish),
      cmocka_unit_test(test_to_node),
      cmocka_unit_test(test_print_round_trip),
      cmocka_unit_test(test_load_file),
      cmocka_unit_test(test_example_config),
      cmocka_unit_test(test_golden),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
