/*
 * Identity file tests (src/io/identity_file.h): create then load gives the
 * same identity; the file is 0600 in a 0700 directory created on demand;
 * loose permissions, symlinks and non-directory base paths are refused; every
 * kind of corruption is detected and named; a failing generator leaves no
 * file behind; the 44-byte format is exactly as documented.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/identity_file.h"
#include "pqnet/error.h"
#include "pqnet/node.h"
#include "pqnet/rng.h"
#include "pqnet/sha3.h"
#include "tmpdir.h"

typedef struct fixture {
  char dir[256];  /* mkdtemp root */
  char base[300]; /* <dir>/node: the base path */
  char key[340];  /* <base>/identity.key */
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  snprintf(f->dir, sizeof f->dir, "/tmp/pqnet-idfile-XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  snprintf(f->base, sizeof f->base, "%s/node", f->dir);
  snprintf(f->key, sizeof f->key, "%s/identity.key", f->base);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  test_rm_rf(f->dir);
  free(f);
  return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t len, mode_t mode) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  if (len) assert_int_equal(fwrite(data, 1, len, fp), len);
  assert_int_equal(fclose(fp), 0);
  assert_int_equal(chmod(path, mode), 0);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  size_t n = fread(buf, 1, cap, fp);
  fclose(fp);
  return n;
}

static size_t dir_entries(const char *path) {
  size_t n = 0;
  DIR *d = opendir(path);
  struct dirent *e;
  assert_non_null(d);
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(d);
  return n;
}

/* Create with a deterministic generator, then load: same PeerId, and the
 * PeerId is the one derived from the generator's first 32 bytes. */
static void test_create_then_load(void **state) {
  fixture *f = *state;
  pqnet_identity_file_status st;
  pqnet_identity *a = NULL, *b = NULL, *want = NULL;
  pqnet_rng_det det;
  uint8_t seed[32];
  struct stat sb;

  pqnet_rng_det_init_u64(&det, 42);
  assert_int_equal(pqnet_identity_file_open(f->base, &det.rng, &a, &st), 0);
  assert_non_null(a);
  assert_int_equal(st.created, 1);
  assert_int_equal(st.problem, PQNET_IDFILE_OK);
  assert_string_equal(st.path, f->key);

  assert_int_equal(stat(f->key, &sb), 0);
  assert_true(S_ISREG(sb.st_mode));
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(sb.st_size, PQNET_IDENTITY_FILE_LEN);
  assert_int_equal(stat(f->base, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  assert_int_equal(dir_entries(f->base), 1); /* no temporary file left */

  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &b, &st), 0);
  assert_int_equal(st.created, 0);
  assert_memory_equal(pqnet_identity_peer_id(a), pqnet_identity_peer_id(b), PQNET_PEER_ID_LEN);

  pqnet_rng_det_free(&det);
  pqnet_rng_det_init_u64(&det, 42);
  assert_int_equal(pqnet_rng_fill(&det.rng, seed, sizeof seed), 0);
  assert_int_equal(pqnet_identity_from_seed(seed, &want), 0);
  assert_memory_equal(pqnet_identity_peer_id(a), pqnet_identity_peer_id(want), PQNET_PEER_ID_LEN);

  /* The file holds exactly magic || seed || check. */
  uint8_t img[64], expect[PQNET_IDENTITY_FILE_LEN];
  assert_int_equal(read_file(f->key, img, sizeof img), PQNET_IDENTITY_FILE_LEN);
  pqnet_identity_file_encode(seed, expect);
  assert_memory_equal(img, expect, sizeof expect);

  pqnet_identity_del(a);
  pqnet_identity_del(b);
  pqnet_identity_del(want);
  pqnet_rng_det_free(&det);
}

/* A nested base path is created, every new level with mode 0700; a trailing
 * slash is accepted. */
static void test_nested_base_path(void **state) {
  fixture *f = *state;
  char nested[400];
  pqnet_identity_file_status st;
  pqnet_identity *id = NULL;
  struct stat sb;
  snprintf(nested, sizeof nested, "%s/x/y/z/", f->dir);
  assert_int_equal(pqnet_identity_file_open(nested, NULL, &id, &st), 0);
  assert_int_equal(st.created, 1);
  char expect[460];
  snprintf(expect, sizeof expect, "%sidentity.key", nested);
  assert_string_equal(st.path, expect);
  snprintf(expect, sizeof expect, "%s/x/y", f->dir);
  assert_int_equal(stat(expect, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  pqnet_identity_del(id);
}

/* Any group or other permission bit is refused, and the message tells how to
 * fix it. The file is not changed. */
static void test_mode_refused(void **state) {
  fixture *f = *state;
  static const mode_t bad[] = {0644, 0640, 0604, 0620, 0602, 0610, 0601, 0666};
  pqnet_identity_file_status st;
  pqnet_identity *id = NULL;
  char msg[1024], want[512];
  struct stat sb;

  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, NULL), 0);
  pqnet_identity_del(id);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(chmod(f->key, bad[i]), 0);
    id = (pqnet_identity *)1;
    assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, &st), PQNET_ERR_STATE);
    assert_null(id);
    assert_int_equal(st.problem, PQNET_IDFILE_MODE);
    assert_int_equal(st.mode, bad[i]);
    assert_int_equal(stat(f->key, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, bad[i]);
  }
  pqnet_identity_file_describe(PQNET_ERR_STATE, &st, msg, sizeof msg);
  snprintf(want, sizeof want, "%s has mode 0666", f->key);
  assert_non_null(strstr(msg, want));
  snprintf(want, sizeof want, "chmod 600 %s", f->key);
  assert_non_null(strstr(msg, want));

  /* 0400 (read-only for the owner) is fine. */
  assert_int_equal(chmod(f->key, 0400), 0);
  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, &st), 0);
  pqnet_identity_del(id);
}

static void expect_corrupt(fixture *f, const uint8_t *data, size_t len, pqnet_idfile_problem p) {
  pqnet_identity_file_status st;
  pqnet_identity *id = NULL;
  uint8_t after[128];
  char msg[1024];
  write_file(f->key, data, len, 0600);
  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, &st), PQNET_ERR_MALFORMED);
  assert_null(id);
  assert_int_equal(st.problem, p);
  pqnet_identity_file_describe(PQNET_ERR_MALFORMED, &st, msg, sizeof msg);
  assert_non_null(strstr(msg, f->key));
  assert_non_null(strstr(msg, "is corrupt"));
  /* Refused files are never rewritten. */
  assert_int_equal(read_file(f->key, after, sizeof after), len);
  if (len) assert_memory_equal(after, data, len);
}

static void test_corrupt_detected(void **state) {
  fixture *f = *state;
  uint8_t good[PQNET_IDENTITY_FILE_LEN], bad[PQNET_IDENTITY_FILE_LEN + 8];
  pqnet_identity *id = NULL;
  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, NULL), 0);
  pqnet_identity_del(id);
  assert_int_equal(read_file(f->key, good, sizeof good), sizeof good);

  expect_corrupt(f, good, 0, PQNET_IDFILE_SIZE);
  expect_corrupt(f, good, 3, PQNET_IDFILE_SIZE);
  expect_corrupt(f, good, 20, PQNET_IDFILE_SIZE);
  expect_corrupt(f, good, 43, PQNET_IDFILE_SIZE);
  memcpy(bad, good, sizeof good);
  bad[44] = '\n';
  expect_corrupt(f, bad, 45, PQNET_IDFILE_SIZE);

  memcpy(bad, good, sizeof good);
  bad[0] = 'X';
  expect_corrupt(f, bad, sizeof good, PQNET_IDFILE_MAGIC);
  memcpy(bad, good, sizeof good);
  bad[7] = 2; /* a future format version */
  expect_corrupt(f, bad, sizeof good, PQNET_IDFILE_VERSION);
  memcpy(bad, good, sizeof good);
  bad[20] ^= 0x01; /* seed bit */
  expect_corrupt(f, bad, sizeof good, PQNET_IDFILE_CHECKSUM);
  memcpy(bad, good, sizeof good);
  bad[43] ^= 0x80; /* checksum bit */
  expect_corrupt(f, bad, sizeof good, PQNET_IDFILE_CHECKSUM);
}

static void test_symlink_refused(void **state) {
  fixture *f = *state;
  char real[400];
  uint8_t img[PQNET_IDENTITY_FILE_LEN], seed[32] = {1, 2, 3};
  pqnet_identity_file_status st;
  pqnet_identity *id = NULL;
  assert_int_equal(mkdir(f->base, 0700), 0);
  snprintf(real, sizeof real, "%s/real.key", f->dir);
  pqnet_identity_file_encode(seed, img);
  write_file(real, img, sizeof img, 0600);
  assert_int_equal(symlink(real, f->key), 0);
  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, &st), PQNET_ERR_STATE);
  assert_null(id);
  assert_int_equal(st.problem, PQNET_IDFILE_NOT_REGULAR);

  /* A directory in its place is no better. */
  assert_int_equal(unlink(f->key), 0);
  assert_int_equal(mkdir(f->key, 0700), 0);
  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, &st), PQNET_ERR_STATE);
  assert_int_equal(st.problem, PQNET_IDFILE_NOT_REGULAR);
}

static void test_base_path_not_dir(void **state) {
  fixture *f = *state;
  pqnet_identity_file_status st;
  pqnet_identity *id = NULL;
  char msg[1024];
  write_file(f->base, (const uint8_t *)"x", 1, 0600);
  assert_int_equal(pqnet_identity_file_open(f->base, NULL, &id, &st), PQNET_ERR_STATE);
  assert_int_equal(st.problem, PQNET_IDFILE_BASE_PATH);
  pqnet_identity_file_describe(PQNET_ERR_STATE, &st, msg, sizeof msg);
  assert_non_null(strstr(msg, "not a directory"));
}

static int failing_fill(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return PQNET_ERR_RNG;
}

/* A generator failure creates nothing, not even a temporary file. */
static void test_rng_failure(void **state) {
  fixture *f = *state;
  pqnet_rng bad = {failing_fill, NULL};
  pqnet_identity *id = NULL;
  assert_int_equal(pqnet_identity_file_open(f->base, &bad, &id, NULL), PQNET_ERR_RNG);
  assert_null(id);
  assert_int_equal(dir_entries(f->base), 0);
}

static void test_bad_args(void **state) {
  fixture *f = *state;
  pqnet_identity *id = NULL;
  char longpath[5000];
  assert_int_equal(pqnet_identity_file_open(f->base, NULL, NULL, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_identity_file_open(NULL, NULL, &id, NULL), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_identity_file_open("", NULL, &id, NULL), PQNET_ERR_INVALID_ARG);
  memset(longpath, 'a', sizeof longpath - 1);
  longpath[sizeof longpath - 1] = '\0';
  assert_int_equal(pqnet_identity_file_open(longpath, NULL, &id, NULL), PQNET_ERR_INVALID_ARG);
  assert_null(id);
}

/* The format: the documented layout, and every length but 44 and every single
 * bit flip rejected by the decoder. */
static void test_format(void **state) {
  (void)state;
  uint8_t seed[32], img[PQNET_IDENTITY_FILE_LEN + 16], out[32], h[32];
  static const uint8_t magic[8] = {'P', 'Q', 'N', 'I', 'D', 0, 0, 1};
  for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(0xa0 + i);
  memset(img, 0, sizeof img);
  pqnet_identity_file_encode(seed, img);
  assert_memory_equal(img, magic, 8);
  assert_memory_equal(img + 8, seed, 32);
  uint8_t pre[40];
  memcpy(pre, magic, 8);
  memcpy(pre + 8, seed, 32);
  pqnet_sha3_256(h, pre, sizeof pre);
  assert_memory_equal(img + 40, h, 4);

  assert_int_equal(pqnet_identity_file_decode(img, PQNET_IDENTITY_FILE_LEN, out, NULL), 0);
  assert_memory_equal(out, seed, 32);
  for (size_t len = 0; len < sizeof img; len++) {
    if (len == PQNET_IDENTITY_FILE_LEN) continue;
    assert_int_equal(pqnet_identity_file_decode(img, len, out, NULL), PQNET_ERR_MALFORMED);
  }
  for (size_t bit = 0; bit < 8 * PQNET_IDENTITY_FILE_LEN; bit++) {
    img[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    memset(out, 0x55, sizeof out);
    assert_int_equal(pqnet_identity_file_decode(img, PQNET_IDENTITY_FILE_LEN, out, NULL),
                     PQNET_ERR_MALFORMED);
    for (int i = 0; i < 32; i++) assert_int_equal(out[i], 0); /* seed wiped on failure */
    img[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  assert_int_equal(pqnet_identity_file_decode(NULL, 44, out, NULL), PQNET_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create_then_load, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nested_base_path, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mode_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_detected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_base_path_not_dir, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rng_failure, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
      cmocka_unit_test(test_format),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
