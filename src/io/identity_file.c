/*
 * The identity file (src/io/identity_file.h): strict load, crash-safe create.
 */
#include "io/identity_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"
#include "pqnet/error.h"
#include "pqnet/sha3.h"

#define MAGIC_LEN         8
#define SEED_LEN          32
#define CHECK_LEN         4
#define NOT_FOUND         1 /* internal: no file yet */
#define LOST_RACE         2 /* internal: another process created the file first */
#define CREATE_ATTEMPTS   3
#define TMP_NAME_ATTEMPTS 16

static const uint8_t magic_v1[MAGIC_LEN] = {'P', 'Q', 'N', 'I',
                                            'D', 0,   0,   PQNET_IDENTITY_FILE_VERSION};

static int sys_fail(pqnet_identity_file_status *st, const char *op, int err) {
  st->problem = PQNET_IDFILE_SYSTEM;
  st->op = op;
  st->sys_errno = err;
  return PQNET_ERR_IO;
}

static void checksum(const uint8_t magic[MAGIC_LEN], const uint8_t seed[SEED_LEN],
                     uint8_t out[CHECK_LEN]) {
  pqnet_keccak k;
  uint8_t h[32];
  pqnet_sha3_256_init(&k);
  pqnet_keccak_absorb(&k, magic, MAGIC_LEN);
  pqnet_keccak_absorb(&k, seed, SEED_LEN);
  pqnet_keccak_squeeze(&k, h, sizeof h);
  memcpy(out, h, CHECK_LEN);
  pqnet_keccak_wipe(&k);
  pqnet_wipe(h, sizeof h);
}

void pqnet_identity_file_encode(const uint8_t seed[32], uint8_t out[PQNET_IDENTITY_FILE_LEN]) {
  memcpy(out, magic_v1, MAGIC_LEN);
  memcpy(out + MAGIC_LEN, seed, SEED_LEN);
  checksum(magic_v1, seed, out + MAGIC_LEN + SEED_LEN);
}

int pqnet_identity_file_decode(const uint8_t *buf, size_t len, uint8_t seed[32],
                               pqnet_identity_file_status *st) {
  pqnet_identity_file_status local;
  uint8_t want[CHECK_LEN];
  if (!st) st = &local;
  if (!buf || !seed) return PQNET_ERR_INVALID_ARG;
  memset(seed, 0, SEED_LEN);
  /* Magic first: a file of another kind is named as such even when its size
   * is also wrong. */
  if (len < MAGIC_LEN - 1 || memcmp(buf, magic_v1, MAGIC_LEN - 1) != 0) {
    st->size = (long long)len;
    st->problem = len < MAGIC_LEN - 1 ? PQNET_IDFILE_SIZE : PQNET_IDFILE_MAGIC;
    return PQNET_ERR_MALFORMED;
  }
  if (len >= MAGIC_LEN && buf[MAGIC_LEN - 1] != PQNET_IDENTITY_FILE_VERSION) {
    st->problem = PQNET_IDFILE_VERSION;
    st->version = buf[MAGIC_LEN - 1];
    return PQNET_ERR_MALFORMED;
  }
  if (len != PQNET_IDENTITY_FILE_LEN) {
    st->problem = PQNET_IDFILE_SIZE;
    st->size = (long long)len;
    return PQNET_ERR_MALFORMED;
  }
  checksum(buf, buf + MAGIC_LEN, want);
  if (pqnet_ct_differ(want, buf + MAGIC_LEN + SEED_LEN, CHECK_LEN)) {
    st->problem = PQNET_IDFILE_CHECKSUM;
    return PQNET_ERR_MALFORMED;
  }
  memcpy(seed, buf + MAGIC_LEN, SEED_LEN);
  return 0;
}

/* mkdir -p with mode 0700 for every directory created; the last one must end
 * up a directory. */
static int ensure_dir(const char *dir, pqnet_identity_file_status *st) {
  char p[PQNET_IDENTITY_PATH_MAX];
  struct stat sb;
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof p) return PQNET_ERR_INVALID_ARG;
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != '\0') continue;
    if (p[i - 1] == '/') continue; /* "//" or a trailing slash */
    char saved = p[i];
    p[i] = '\0';
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
      int err = errno;
      snprintf(st->path, sizeof st->path, "%s", p);
      return sys_fail(st, "mkdir", err);
    }
    p[i] = saved;
  }
  if (stat(dir, &sb) != 0) {
    snprintf(st->path, sizeof st->path, "%s", dir);
    return sys_fail(st, "stat", errno);
  }
  if (!S_ISDIR(sb.st_mode)) {
    snprintf(st->path, sizeof st->path, "%s", dir);
    st->problem = PQNET_IDFILE_BASE_PATH;
    return PQNET_ERR_STATE;
  }
  return 0;
}

/* Read and check st->path. Returns 0 (seed filled), NOT_FOUND, or an error. */
static int load(uint8_t seed[SEED_LEN], pqnet_identity_file_status *st) {
  uint8_t buf[PQNET_IDENTITY_FILE_LEN + 1];
  struct stat sb;
  size_t have = 0;
  int rc;
  int fd = open(st->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NOT_FOUND;
    if (errno == ELOOP) { /* O_NOFOLLOW met a symlink */
      st->problem = PQNET_IDFILE_NOT_REGULAR;
      return PQNET_ERR_STATE;
    }
    return sys_fail(st, "open", errno);
  }
  if (fstat(fd, &sb) != 0) {
    rc = sys_fail(st, "fstat", errno);
    goto out;
  }
  st->mode = (unsigned)(sb.st_mode & 0777);
  st->uid = (unsigned)sb.st_uid;
  st->size = (long long)sb.st_size;
  if (!S_ISREG(sb.st_mode)) {
    st->problem = PQNET_IDFILE_NOT_REGULAR;
    rc = PQNET_ERR_STATE;
    goto out;
  }
  if (sb.st_uid != geteuid()) {
    st->problem = PQNET_IDFILE_OWNER;
    rc = PQNET_ERR_STATE;
    goto out;
  }
  if (sb.st_mode & 077) {
    st->problem = PQNET_IDFILE_MODE;
    rc = PQNET_ERR_STATE;
    goto out;
  }
  while (have < sizeof buf) {
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      rc = sys_fail(st, "read", errno);
      goto out;
    }
    if (r == 0) break;
    have += (size_t)r;
  }
  rc = pqnet_identity_file_decode(buf, have, seed, st);
  if (rc == 0) st->problem = PQNET_IDFILE_OK;
out:
  pqnet_wipe(buf, sizeof buf);
  close(fd);
  return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static int fsync_dir(const char *dir, pqnet_identity_file_status *st) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_fail(st, "open directory", errno);
  int rc = 0;
  if (fsync(fd) != 0 && errno != EINVAL) rc = sys_fail(st, "fsync directory", errno);
  close(fd);
  return rc;
}

/* Create st->path with a fresh seed. Returns 0 (seed filled), LOST_RACE, or
 * an error. */
static int create(const char *dir, const pqnet_rng *rng, uint8_t seed[SEED_LEN],
                  pqnet_identity_file_status *st) {
  uint8_t img[PQNET_IDENTITY_FILE_LEN];
  char tmp[PQNET_IDENTITY_PATH_MAX];
  int fd = -1, rc;
  int r = pqnet_rng_fill(rng, seed, SEED_LEN);
  if (r) return r;
  pqnet_identity_file_encode(seed, img);

  for (int i = 0; i < TMP_NAME_ATTEMPTS && fd < 0; i++) {
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%d", st->path, (long)getpid(), i);
    if (n < 0 || (size_t)n >= sizeof tmp) {
      rc = PQNET_ERR_INVALID_ARG;
      goto fail;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      rc = sys_fail(st, "create temporary file", errno);
      goto fail;
    }
  }
  if (fd < 0) {
    rc = sys_fail(st, "create temporary file", EEXIST);
    goto fail;
  }
  /* The umask may only have removed bits; make it exactly 0600. */
  if (fchmod(fd, 0600) != 0) {
    rc = sys_fail(st, "fchmod", errno);
    goto fail_unlink;
  }
  if (write_all(fd, img, sizeof img) != 0) {
    rc = sys_fail(st, "write", errno);
    goto fail_unlink;
  }
  if (fsync(fd) != 0) {
    rc = sys_fail(st, "fsync", errno);
    goto fail_unlink;
  }
  r = close(fd);
  fd = -1;
  if (r != 0) {
    rc = sys_fail(st, "close", errno);
    goto fail_unlink;
  }
  /* link() refuses to replace an existing file, unlike rename(). */
  if (link(tmp, st->path) == 0) {
    unlink(tmp);
  } else if (errno == EEXIST) {
    unlink(tmp);
    rc = LOST_RACE;
    goto fail;
  } else if (errno == EPERM || errno == ENOSYS || errno == EOPNOTSUPP || errno == EMLINK) {
    if (rename(tmp, st->path) != 0) {
      rc = sys_fail(st, "rename", errno);
      goto fail_unlink;
    }
  } else {
    rc = sys_fail(st, "link", errno);
    goto fail_unlink;
  }
  pqnet_wipe(img, sizeof img);
  st->mode = 0600;
  return fsync_dir(dir, st);

fail_unlink:
  if (fd >= 0) close(fd);
  fd = -1;
  unlink(tmp);
fail:
  if (fd >= 0) close(fd);
  pqnet_wipe(img, sizeof img);
  pqnet_wipe(seed, SEED_LEN);
  return rc;
}

int pqnet_identity_file_open(const char *base_path, const pqnet_rng *rng, pqnet_identity **out,
                             pqnet_identity_file_status *st) {
  pqnet_identity_file_status local;
  uint8_t seed[SEED_LEN];
  int rc;
  if (!st) st = &local;
  memset(st, 0, sizeof *st);
  if (!out) return PQNET_ERR_INVALID_ARG;
  *out = NULL;
  if (!base_path || !*base_path) return PQNET_ERR_INVALID_ARG;
  if (!rng) rng = pqnet_rng_system();
  size_t blen = strlen(base_path);
  int n = snprintf(st->path, sizeof st->path, "%s%s%s", base_path,
                   base_path[blen - 1] == '/' ? "" : "/", PQNET_IDENTITY_FILE_NAME);
  if (n < 0 || (size_t)n >= sizeof st->path - 32) { /* room for the temporary name */
    st->path[0] = '\0';
    return PQNET_ERR_INVALID_ARG;
  }
  rc = ensure_dir(base_path, st);
  if (rc) return rc;

  rc = NOT_FOUND;
  for (int i = 0; i < CREATE_ATTEMPTS && rc > 0; i++) {
    rc = load(seed, st);
    if (rc != NOT_FOUND) break;
    rc = create(base_path, rng, seed, st);
    if (rc == 0) st->created = 1;
  }
  if (rc > 0) rc = sys_fail(st, "create", EEXIST); /* lost the race every time */
  if (rc == 0) rc = pqnet_identity_from_seed(seed, out);
  pqnet_wipe(seed, sizeof seed);
  if (rc == 0) st->problem = PQNET_IDFILE_OK;
  return rc;
}

char *pqnet_identity_file_describe(int rc, const pqnet_identity_file_status *st, char *buf,
                                   size_t cap) {
  const char *p = st && st->path[0] ? st->path : "identity.key";
  if (!buf || cap == 0) return buf;
  if (rc == 0) {
    snprintf(buf, cap, "%s is fine", p);
    return buf;
  }
  switch (rc) {
  case PQNET_ERR_RNG:
    snprintf(buf, cap, "cannot create %s: the random generator failed", p);
    return buf;
  case PQNET_ERR_NOMEM:
    snprintf(buf, cap, "out of memory deriving the identity in %s", p);
    return buf;
  case PQNET_ERR_INVALID_ARG:
    snprintf(buf, cap, "invalid base path for the identity file (empty or too long)");
    return buf;
  default: break;
  }
  switch (st ? st->problem : PQNET_IDFILE_OK) {
  case PQNET_IDFILE_MODE:
    snprintf(buf, cap,
             "%s has mode %04o; it must not be readable or writable by group or others: "
             "chmod 600 %s",
             p, st->mode, p);
    break;
  case PQNET_IDFILE_OWNER:
    snprintf(buf, cap, "%s is owned by uid %u, not by the user running the node (uid %u)", p,
             st->uid, (unsigned)geteuid());
    break;
  case PQNET_IDFILE_NOT_REGULAR:
    snprintf(buf, cap, "%s is not a regular file (symlinks, directories and devices are refused)",
             p);
    break;
  case PQNET_IDFILE_BASE_PATH: snprintf(buf, cap, "base path %s is not a directory", p); break;
  case PQNET_IDFILE_SIZE:
    snprintf(buf, cap,
             "%s is corrupt: it is %lld bytes long, an identity file has %d; restore it from a "
             "backup, or delete it to create a new identity (a new PeerId)",
             p, st->size, PQNET_IDENTITY_FILE_LEN);
    break;
  case PQNET_IDFILE_MAGIC:
    snprintf(buf, cap, "%s is corrupt: it does not start with the pqnet identity magic \"PQNID\"",
             p);
    break;
  case PQNET_IDFILE_VERSION:
    snprintf(buf, cap,
             "%s is corrupt or of an unsupported format: version %u, this build reads version %d",
             p, st->version, PQNET_IDENTITY_FILE_VERSION);
    break;
  case PQNET_IDFILE_CHECKSUM:
    snprintf(buf, cap,
             "%s is corrupt: checksum mismatch; restore it from a backup, or delete it to "
             "create a new identity (a new PeerId)",
             p);
    break;
  case PQNET_IDFILE_SYSTEM:
    snprintf(buf, cap, "%s: %s failed: %s", p, st->op ? st->op : "a system call",
             strerror(st->sys_errno));
    break;
  case PQNET_IDFILE_OK:
  default: snprintf(buf, cap, "%s: %s", p, pqnet_strerror(rc)); break;
  }
  return buf;
}
