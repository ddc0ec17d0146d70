/*
 * pqnet-sim: run one scenario and write its results.
 *
 *   pqnet-sim [--scenario=NAME] [--config=FILE] [--key=value ...]
 *
 * Flags are applied in order, so a preset can be refined by a config file and
 * the file by later flags. The seed is printed first; the same seed gives the
 * same timeseries.csv, ttt.csv and victims.csv, bit for bit. See
 * docs/SIMULATION.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void sim_config_usage(FILE *f);
extern long sim_baseline_kib;

static long rss_now(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) v = strtol(line + 6, NULL, 10);
  fclose(f);
  return v;
}

static void usage(void) {
  fprintf(stderr,
          "usage: pqnet-sim [--scenario=small|bootstrap|seeds-gone|churn|eclipse|partition]\n"
          "                 [--config=FILE] [--key=value ...]\nkeys:\n");
  sim_config_usage(stderr);
}

int main(int argc, char **argv) {
  sim_config cfg;
  sim_config_default(&cfg);
  char err[512];
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage();
      return 0;
    }
    if (strncmp(a, "--", 2) != 0) {
      fprintf(stderr, "pqnet-sim: unexpected argument \"%s\"\n", a);
      usage();
      return 2;
    }
    char key[128];
    const char *val;
    const char *eq = strchr(a + 2, '=');
    if (eq) {
      snprintf(key, sizeof key, "%.*s", (int)(eq - a - 2), a + 2);
      val = eq + 1;
    } else if (i + 1 < argc) {
      snprintf(key, sizeof key, "%s", a + 2);
      val = argv[++i];
    } else {
      fprintf(stderr, "pqnet-sim: %s needs a value\n", a);
      return 2;
    }
    for (char *p = key; *p; p++)
      if (*p == '-') *p = '_';
    int rc = !strcmp(key, "config") ? sim_config_load(&cfg, val, err, sizeof err)
                                    : sim_config_set(&cfg, key, val, err, sizeof err);
    if (rc != 0) {
      fprintf(stderr, "pqnet-sim: %s\n", err);
      return 2;
    }
  }
  if (cfg.nodes < 2 || cfg.seeds < 1 || cfg.seeds > cfg.nodes || cfg.seeds > PQNET_MAX_SEEDS ||
      (cfg.victims && cfg.victims > cfg.nodes - cfg.seeds) || cfg.attack_trash > 256) {
    fprintf(stderr,
            "pqnet-sim: need 2 <= nodes, 1 <= seeds <= min(nodes, %d), victims <= "
            "nodes - seeds, attack_trash <= 256\n",
            PQNET_MAX_SEEDS);
    return 2;
  }
  printf("pqnet-sim: scenario %s, seed %llu%s\n", cfg.name, (unsigned long long)cfg.seed,
         cfg.fast_crypto ? " (FAST CRYPTO: fake signatures)" : "");
  fflush(stdout);
  sim_baseline_kib = rss_now();
  sim *s = calloc(1, sizeof *s);
  if (!s || sim_init(s, &cfg) != 0) {
    fprintf(stderr, "pqnet-sim: set-up failed\n");
    return 1;
  }
  sim_run(s);
  int ok = metrics_finish(s);
  sim_free(s);
  free(s);
  return cfg.check && !ok ? 1 : 0;
}
