/*
 * pqnetd configuration (src/apps/config.c) from arbitrary text. A refused
 * file must name the file in its message. An accepted one must print, load
 * again and print the same values, before and after config_finish; if it
 * finishes, it must map onto a node configuration. The input's first line, as a C string, is also
 * given to every flag: a refused value must say which flag, and the values accepted must leave a
 * config that prints and loads again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/config.h"
#include "pqnet/error.h"

static char *print(const pqnet_config *c, int sources, size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f) abort();
  if ((sources ? config_print(c, f) : config_print_values(c, f)) != 0) abort();
  fclose(f);
  return buf;
}

/* c's printed form loads into a fresh config with the same values. */
static void round_trip(const pqnet_config *c) {
  char err[256];
  size_t l1, lv, l2;
  char *p1 = print(c, 1, &l1), *v1 = print(c, 0, &lv);
  pqnet_config *c2 = malloc(sizeof *c2);
  if (!c2) abort();
  config_defaults(c2);
  if (config_load_text(c2, p1, l1, "printed", err, sizeof err) != 0) {
    fprintf(stderr, "printed config does not load: %s\n%s", err, p1);
    abort();
  }
  char *v2 = print(c2, 0, &l2);
  if (lv != l2 || memcmp(v1, v2, lv) != 0) abort();
  free(v2);
  free(c2);
  free(v1);
  free(p1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  pqnet_config *c = malloc(sizeof *c);
  if (!c) abort();
  config_defaults(c);
  int rc = config_load_text(c, (const char *)data, size, "fuzz.toml", err, sizeof err);
  if (rc) {
    if (strncmp(err, "fuzz.toml:", 10) != 0) abort();
  } else {
    round_trip(c);
    pqnet_node_config n;
    if (config_finish(c, err, sizeof err) == 0) {
      round_trip(c);
      if (config_to_node(c, &n) != 0) abort();
    } else if (config_to_node(c, &n) != PQNET_ERR_INVALID_ARG) {
      abort();
    }
  }

  /* The first line as a flag value for every key. */
  char value[512];
  size_t n = 0;
  while (n < size && n < sizeof value - 1 && data[n] != '\n' && data[n] != '\0') {
    value[n] = (char)data[n];
    n++;
  }
  value[n] = '\0';
  config_defaults(c);
  for (int k = 0; k < CONFIG_NKEYS; k++) {
    char flag[64];
    snprintf(flag, sizeof flag, "--%s", config_key_name(k));
    for (char *p = flag; *p; p++)
      if (*p == '_') *p = '-';
    if (config_apply_flag(c, flag, value, err, sizeof err) != 0 && strncmp(err, "flag --", 7) != 0)
      abort();
  }
  round_trip(c);
  if (config_finish(c, err, sizeof err) == 0) round_trip(c);
  free(c);
  return 0;
}
