/*
 * Replays a libFuzzer target's seed corpus without libFuzzer, so every build
 * runs the corpus as a regression test. Usage: fuzz_x DIR_OR_FILE...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return -1;
  }
  uint8_t *buf = malloc(1 << 20);
  if (!buf) {
    fclose(f);
    return -1;
  }
  size_t n = fread(buf, 1, 1 << 20, f);
  fclose(f);
  /* Copy into an exact-size allocation so ASan sees over-reads. */
  uint8_t *exact = malloc(n ? n : 1);
  if (!exact) {
    free(buf);
    return -1;
  }
  memcpy(exact, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  return 0;
}

int main(int argc, char **argv) {
  int files = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "FAIL: corpus %s missing\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (run_file(argv[i]) != 0) return 1;
      files++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    if (!d) return 1;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
      if (run_file(p) != 0) {
        closedir(d);
        return 1;
      }
      files++;
    }
    closedir(d);
  }
  /* Also run the empty input, which every decoder must survive. */
  LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
  printf("replayed %d corpus files\n", files);
  if (files == 0) {
    fprintf(stderr, "FAIL: empty corpus\n");
    return 1;
  }
  return 0;
}
