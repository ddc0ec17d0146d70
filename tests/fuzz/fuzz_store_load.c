/*
 * Fuzz the peer store's loader (src/store/store.h): the input is written as
 * <base>/peers.sqlite in a temporary directory, then the store is opened,
 * its secret read, its rows loaded into an address manager, and the other
 * readers run (recent, bans, a periodic prune, the shutdown sync). Whatever
 * the bytes, nothing may crash: a bad file is moved aside (or, on a disk
 * problem, the store degrades) and open still succeeds. After a load the
 * address manager must pass its own invariant check.
 *
 * Seeds (tests/fuzz/corpus/fuzz_store_load/): small valid stores written by
 * this code (page size 512 and 4096), one with invalid rows and bans, a
 * newer-schema file, a foreign SQLite file, garbage. Run with a larger
 * -max_len than the default, e.g. -max_len=65536, so valid databases fit.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addrman/addrman.h"
#include "pqnet/error.h"
#include "pqnet/rng.h"
#include "store/store.h"

#define NOW 1700000000ull

static char dir[64];

static void clear_dir(const char *path) {
  DIR *d = opendir(path);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char sub[512];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    struct stat sb;
    if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      clear_dir(sub);
      rmdir(sub);
    } else {
      unlink(sub);
    }
  }
  if (d) closedir(d);
}

static void cleanup(void) {
  if (!dir[0]) return;
  clear_dir(dir);
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    /* tmpfs when there is one: the store fsyncs, and fsync there is free. */
    snprintf(dir, sizeof dir, "/dev/shm/pqnet-fuzz-store-XXXXXX");
    if (!mkdtemp(dir)) {
      snprintf(dir, sizeof dir, "/tmp/pqnet-fuzz-store-XXXXXX");
      if (!mkdtemp(dir)) abort();
    }
    atexit(cleanup);
  }
  clear_dir(dir);
  char base[128], file[160];
  snprintf(base, sizeof base, "%s/node", dir);
  snprintf(file, sizeof file, "%s/peers.sqlite", base);
  if (mkdir(base, 0700) != 0) abort();
  FILE *f = fopen(file, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);

  pqnet_rng_det det;
  pqnet_rng_det_init_u64(&det, 1);
  pqnet_store_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.rng = &det.rng;
  cfg.now = NOW;
  cfg.no_checkpoint_thread = 1; /* keep each run cheap */
  pqnet_store *st = NULL;
  char why[PQNET_STORE_WHY_MAX];
  if (pqnet_store_open(base, &cfg, &st, why, sizeof why) != 0 || !st) abort();

  uint8_t secret[32];
  if (pqnet_store_get_secret(st, secret, NULL) != 0) abort();
  pqnet_addrman_config acfg;
  memset(&acfg, 0, sizeof acfg);
  acfg.new_buckets = 64;
  acfg.tried_buckets = 16;
  acfg.bucket_size = 16;
  pqnet_addrman *am = NULL;
  if (pqnet_addrman_new(&acfg, secret, &det.rng, &am) != 0) abort();
  pqnet_store_load_stats ls;
  if (pqnet_store_load(st, am, NOW, 500, 0, &ls) != 0) abort();
  if (ls.loaded + ls.refused != ls.rows) abort();
  if (pqnet_addrman_check(am) != 0) abort();
  if (getenv("PQNET_FUZZ_VERBOSE"))
    fprintf(stderr, "size=%zu rows=%zu loaded=%zu invalid=%zu bans=%d why=%s\n", size, ls.rows,
            ls.loaded, ls.invalid, pqnet_store_bans(st, NOW, NULL, 0), why);

  pqnet_addr out[8];
  if (pqnet_store_recent(st, out, 8) > 8) abort();
  pqnet_store_ban_entry bans[4];
  if (pqnet_store_bans(st, NOW, bans, 4) < 0) abort();
  if (pqnet_store_prune(st, NOW, 0, 64) < 0) abort();
  if (pqnet_store_sync_from_addrman(st, am, NOW) < 0) abort();
  pqnet_store_close(st);
  pqnet_addrman_del(am);
  pqnet_rng_det_free(&det);
  return 0;
}
