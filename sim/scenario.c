/*
 * Scenario configuration: defaults, presets, "key = value" files and
 * --key=value flags. Every key is in one table, so the file format, the
 * flags and the canonical printout (the header of summary.txt, which can be
 * fed back with --config) cannot drift apart.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

enum { T_U32, T_U64, T_DBL, T_BOOL, T_STR };

typedef struct key_def {
  const char *name;
  int type;
  size_t off;
  const char *help;
} key_def;

#define K(name, type, field, help)                                                                 \
  { name, type, offsetof(sim_config, field), help }

static const key_def keys[] = {
    K("seed", T_U64, seed, "run seed (printed; same seed, same result)"),
    K("out", T_STR, out, "output folder"),
    K("nodes", T_U32, nodes, "honest nodes, seeds included"),
    K("seeds", T_U32, seeds, "seed nodes (listed in the DNS name seed.sim)"),
    K("join_window_s", T_DBL, join_window_s, "non-seeds join uniformly over this window"),
    K("duration_s", T_DBL, duration_s, "virtual seconds simulated"),
    K("regions", T_U32, regions, "1..6 regions (inter-region delay matrix)"),
    K("jitter_ms", T_DBL, jitter_ms, "per-link extra one-way delay, uniform"),
    K("loss", T_DBL, loss, "probability a SEND needs a TCP retransmission"),
    K("uplink_mbps", T_DBL, uplink_mbps, "uplink rate per node"),
    K("queue_limit", T_U64, queue_limit, "bytes in flight per direction before a drop"),
    K("connect_timeout_ms", T_U32, connect_timeout_ms, "dial to nobody fails after this"),
    K("fast_crypto", T_BOOL, fast_crypto, "fake ML-DSA signatures (labelled in output)"),
    K("min_outbound", T_U32, min_outbound, "node config"),
    K("max_outbound", T_U32, max_outbound, "node config"),
    K("max_inbound", T_U32, max_inbound, "node config"),
    K("tick_ms", T_U32, tick_ms, "discovery tick"),
    K("feeler_ms", T_U32, feeler_ms, "feeler interval (0: off)"),
    K("dials_per_tick", T_U32, dials_per_tick, "node config"),
    K("am_new_buckets", T_U32, am_new_buckets, "addrman new buckets (0: by size)"),
    K("am_tried_buckets", T_U32, am_tried_buckets, "addrman tried buckets (0: by size)"),
    K("am_bucket_size", T_U32, am_bucket_size, "addrman bucket size (0: by size)"),
    K("sample_s", T_DBL, sample_s, "metrics sampling period"),
    K("event_cap", T_U64, event_cap, "stop after this many events (0: none)"),
    K("diameter_exact_max", T_U32, diameter_exact_max, "exact diameter up to N nodes"),
    K("plot", T_BOOL, plot, "make PNG plots with gnuplot"),
    K("check", T_BOOL, check, "exit 1 when invariants fail"),
    K("quiet", T_BOOL, quiet, "no progress line"),
    K("seeds_leave_s", T_DBL, seeds_leave_s, "all seeds go offline then (<0: never)"),
    K("late_joiners", T_U32, late_joiners, "nodes joining after the seeds left"),
    K("late_join_s", T_DBL, late_join_s, "late joiners start then ..."),
    K("late_window_s", T_DBL, late_window_s, "... spread over this window"),
    K("late_known", T_U32, late_known, "stored peers a late joiner knows"),
    K("churn", T_DBL, churn, "fraction of non-seeds that leave and return"),
    K("churn_start_s", T_DBL, churn_start_s, "departures start"),
    K("churn_window_s", T_DBL, churn_window_s, "departures spread over this window"),
    K("churn_offline_s", T_DBL, churn_offline_s, "mean time offline (exponential)"),
    K("churn_offline_max_s", T_DBL, churn_offline_max_s, "cap on time offline"),
    K("churn_crash", T_DBL, churn_crash, "fraction of departures without goodbye"),
    K("partition_s", T_DBL, partition_s, "regions split in two halves then (<0: never)"),
    K("heal_s", T_DBL, heal_s, "partition heals then (<0: never)"),
    K("attack_addrs", T_U32, attack_addrs, "K: attacker addresses"),
    K("attack_groups", T_U32, attack_groups, "G: their /16 groups"),
    K("victims", T_U32, victims, "honest nodes attacked"),
    K("attack_start_s", T_DBL, attack_start_s, "attack starts"),
    K("attack_duration_s", T_DBL, attack_duration_s, "then the victims restart"),
    K("attack_interval_s", T_DBL, attack_interval_s, "new attacker connection per victim"),
    K("attack_hold_s", T_DBL, attack_hold_s, "attacker connection lifetime"),
    K("attack_trash", T_U32, attack_trash, "non-listening addresses per group in floods"),
    K("restart_stale", T_DBL, restart_stale, "honest fraction offline at the restart"),
    K("measure_s", T_DBL, measure_s, "watch restarted victims this long"),
    K("cm_bucketing", T_BOOL, cm_bucketing, "countermeasure: group bucketing"),
    K("cm_tbe", T_BOOL, cm_tbe, "countermeasure: test-before-evict"),
    K("cm_feelers", T_BOOL, cm_feelers, "countermeasure: feelers"),
    K("cm_anchors", T_BOOL, cm_anchors, "countermeasure: anchors"),
    K("gossip_rate", T_DBL, gossip_rate, "gossip messages per second (needs the core API)"),
    K("gossip_size", T_U32, gossip_size, "gossip payload bytes (>= 12)"),
    K("gossip_start_s", T_DBL, gossip_start_s, "first broadcast (<0: join window + 60 s)"),
    K("gossip_stop_s", T_DBL, gossip_stop_s, "last broadcast (<0: 60 s before the end)"),
};

#define NKEYS (sizeof keys / sizeof keys[0])

void sim_config_default(sim_config *c) {
  memset(c, 0, sizeof *c);
  c->seed = 1;
  snprintf(c->name, sizeof c->name, "custom");
  snprintf(c->out, sizeof c->out, "sim-out");
  c->nodes = 200;
  c->seeds = 5;
  c->join_window_s = 60;
  c->duration_s = 300;
  c->regions = 6;
  c->jitter_ms = 10;
  c->loss = 0;
  c->uplink_mbps = 50;
  c->queue_limit = 8u << 20;
  c->connect_timeout_ms = 10000;
  c->min_outbound = 8;
  c->max_outbound = 16;
  c->max_inbound = 117;
  c->tick_ms = 30000;
  c->feeler_ms = 120000;
  c->dials_per_tick = 4;
  c->sample_s = 10;
  c->diameter_exact_max = 20000;
  c->plot = 1;
  c->seeds_leave_s = -1;
  c->late_window_s = 60;
  c->late_known = 3;
  c->churn_window_s = 3600;
  c->churn_offline_s = 600;
  c->churn_offline_max_s = 1800;
  c->partition_s = -1;
  c->heal_s = -1;
  c->attack_groups = 1;
  c->attack_interval_s = 30;
  c->attack_hold_s = 600;
  c->measure_s = 300;
  c->cm_bucketing = c->cm_tbe = c->cm_feelers = c->cm_anchors = 1;
  c->gossip_size = 256;
  c->gossip_start_s = -1;
  c->gossip_stop_s = -1;
}

/* Presets: the five measurements of docs/SIMULATION.md (flags still override). */
int sim_config_preset(sim_config *c, const char *name) {
  if (strcmp(name, "small") == 0) {
    c->nodes = 200, c->seeds = 5, c->join_window_s = 60, c->duration_s = 240;
  } else if (strcmp(name, "bootstrap") == 0) {
    c->nodes = 10000, c->seeds = 5, c->join_window_s = 600, c->duration_s = 900;
    c->sample_s = 15;
  } else if (strcmp(name, "seeds-gone") == 0) {
    c->nodes = 1000, c->seeds = 5, c->join_window_s = 300, c->duration_s = 1500;
    c->seeds_leave_s = 600, c->late_joiners = 200, c->late_join_s = 700;
    c->late_window_s = 300, c->late_known = 3;
  } else if (strcmp(name, "churn") == 0) {
    c->nodes = 1000, c->seeds = 5, c->join_window_s = 300, c->duration_s = 4800;
    c->churn = 0.3, c->churn_start_s = 600, c->churn_window_s = 3600;
    c->churn_offline_s = 600, c->churn_offline_max_s = 1800, c->churn_crash = 0.2;
    c->sample_s = 15;
  } else if (strcmp(name, "eclipse") == 0) {
    c->nodes = 300, c->seeds = 5, c->join_window_s = 300, c->duration_s = 0; /* derived */
    c->attack_addrs = 1024, c->attack_groups = 32, c->victims = 20;
    c->attack_start_s = 600, c->attack_duration_s = 3600, c->attack_interval_s = 30;
    c->attack_hold_s = 600, c->restart_stale = 0.5, c->measure_s = 300, c->sample_s = 60;
  } else if (strcmp(name, "gossip") == 0) {
    c->nodes = 1000, c->seeds = 5, c->join_window_s = 120, c->duration_s = 600;
    c->gossip_rate = 1, c->gossip_size = 512;
  } else if (strcmp(name, "partition") == 0) {
    c->nodes = 1000, c->seeds = 5, c->join_window_s = 120, c->duration_s = 1800;
    c->partition_s = 600, c->heal_s = 1200;
  } else {
    return -1;
  }
  snprintf(c->name, sizeof c->name, "%s", name);
  return 0;
}

int sim_config_set(sim_config *c, const char *key, const char *value, char *err, size_t cap) {
  for (size_t i = 0; i < NKEYS; i++) {
    if (strcmp(keys[i].name, key) != 0) continue;
    char *p = (char *)c + keys[i].off, *end = NULL;
    errno = 0;
    switch (keys[i].type) {
    case T_U32: {
      unsigned long long v = strtoull(value, &end, 0);
      if (errno || end == value || *end || v > UINT32_MAX || value[0] == '-') break;
      *(uint32_t *)(void *)p = (uint32_t)v;
      return 0;
    }
    case T_U64: {
      unsigned long long v = strtoull(value, &end, 0);
      if (errno || end == value || *end || value[0] == '-') break;
      *(uint64_t *)(void *)p = v;
      return 0;
    }
    case T_DBL: {
      double v = strtod(value, &end);
      if (errno || end == value || *end) break;
      *(double *)(void *)p = v;
      return 0;
    }
    case T_BOOL:
      if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "on") ||
          !strcmp(value, "yes")) {
        *(int *)(void *)p = 1;
        return 0;
      }
      if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "off") ||
          !strcmp(value, "no")) {
        *(int *)(void *)p = 0;
        return 0;
      }
      break;
    case T_STR:
      if (strlen(value) >= sizeof c->out) break;
      snprintf(p, sizeof c->out, "%s", value);
      return 0;
    }
    snprintf(err, cap, "bad value \"%s\" for %s (%s)", value, key, keys[i].help);
    return -1;
  }
  if (strcmp(key, "scenario") == 0) {
    if (sim_config_preset(c, value) == 0) return 0;
    snprintf(err, cap,
             "unknown scenario \"%s\" (small, bootstrap, seeds-gone, churn, "
             "eclipse, partition, gossip)",
             value);
    return -1;
  }
  snprintf(err, cap, "unknown key \"%s\"", key);
  return -1;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
    s[--n] = '\0';
  return s;
}

int sim_config_load(sim_config *c, const char *path, char *err, size_t cap) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, cap, "%s: %s", path, strerror(errno));
    return -1;
  }
  char line[1024];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *s = trim(line);
    if (!*s) continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      snprintf(err, cap, "%s:%d: expected key = value", path, lineno);
      fclose(f);
      return -1;
    }
    *eq = '\0';
    char msg[256];
    if (sim_config_set(c, trim(s), trim(eq + 1), msg, sizeof msg) != 0) {
      snprintf(err, cap, "%s:%d: %s", path, lineno, msg);
      fclose(f);
      return -1;
    }
  }
  fclose(f);
  return 0;
}

void sim_config_print(const sim_config *c, FILE *f) {
  for (size_t i = 0; i < NKEYS; i++) {
    const char *p = (const char *)c + keys[i].off;
    fprintf(f, "%-20s = ", keys[i].name);
    switch (keys[i].type) {
    case T_U32: fprintf(f, "%u", *(const uint32_t *)(const void *)p); break;
    case T_U64: fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)(const void *)p); break;
    case T_DBL: fprintf(f, "%g", *(const double *)(const void *)p); break;
    case T_BOOL: fprintf(f, "%d", *(const int *)(const void *)p); break;
    case T_STR: fprintf(f, "%s", p); break;
    }
    fprintf(f, "\n");
  }
}

void sim_config_usage(FILE *f);
void sim_config_usage(FILE *f) {
  for (size_t i = 0; i < NKEYS; i++) fprintf(f, "  --%-20s %s\n", keys[i].name, keys[i].help);
}
