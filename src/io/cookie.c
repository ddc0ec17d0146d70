/*
 * The API cookie file (src/io/cookie.h).
 */
#include "io/cookie.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pqnet/error.h"

#define COOKIE_PATH_MAX 4096
#define COOKIE_READ_MAX 256 /* a cookie file is 65 bytes; more is not ours */

static int is_token(const char *t, size_t n) {
  if (n != PQNET_COOKIE_TOKEN_LEN) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f'))) return 0;
  return 1;
}

int pqnet_cookie_generate(const pqnet_rng *rng, char token[PQNET_COOKIE_TOKEN_LEN + 1]) {
  static const char hex[] = "0123456789abcdef";
  uint8_t raw[PQNET_COOKIE_TOKEN_LEN / 2];
  if (!token) return PQNET_ERR_INVALID_ARG;
  memset(token, 0, PQNET_COOKIE_TOKEN_LEN + 1);
  if (!rng) return PQNET_ERR_INVALID_ARG;
  int rc = pqnet_rng_fill(rng, raw, sizeof raw);
  if (rc) return rc;
  for (size_t i = 0; i < sizeof raw; i++) {
    token[2 * i] = hex[raw[i] >> 4];
    token[2 * i + 1] = hex[raw[i] & 15];
  }
  OPENSSL_cleanse(raw, sizeof raw);
  return 0;
}

int pqnet_cookie_path(const char *base_path, char *buf, size_t cap) {
  if (!base_path || !*base_path || !buf || !cap) return PQNET_ERR_INVALID_ARG;
  int n = snprintf(buf, cap, "%s/%s", base_path, PQNET_COOKIE_FILE_NAME);
  if (n < 0 || (size_t)n >= cap) {
    buf[0] = '\0';
    return PQNET_ERR_TOO_LARGE;
  }
  return 0;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int pqnet_cookie_write(const char *base_path, const char *token) {
  char path[COOKIE_PATH_MAX], tmp[COOKIE_PATH_MAX + 32], line[PQNET_COOKIE_TOKEN_LEN + 1];
  if (!token || !is_token(token, strlen(token))) return PQNET_ERR_INVALID_ARG;
  int rc = pqnet_cookie_path(base_path, path, sizeof path);
  if (rc) return rc;
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  unlink(tmp); /* a leftover of a crashed start with the same pid */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return PQNET_ERR_IO;
  memcpy(line, token, PQNET_COOKIE_TOKEN_LEN);
  line[PQNET_COOKIE_TOKEN_LEN] = '\n';
  if (fchmod(fd, 0600) != 0 || write_all(fd, line, sizeof line) != 0 || fsync(fd) != 0) {
    int err = errno;
    close(fd);
    unlink(tmp);
    OPENSSL_cleanse(line, sizeof line);
    errno = err;
    return PQNET_ERR_IO;
  }
  OPENSSL_cleanse(line, sizeof line);
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    int err = errno;
    unlink(tmp);
    errno = err;
    return PQNET_ERR_IO;
  }
  int dfd = open(base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) { /* make the rename durable; best effort */
    (void)fsync(dfd);
    close(dfd);
  }
  return 0;
}

int pqnet_cookie_read(const char *base_path, char token[PQNET_COOKIE_TOKEN_LEN + 1]) {
  char path[COOKIE_PATH_MAX], buf[COOKIE_READ_MAX];
  size_t n = 0;
  if (!token) return PQNET_ERR_INVALID_ARG;
  memset(token, 0, PQNET_COOKIE_TOKEN_LEN + 1);
  int rc = pqnet_cookie_path(base_path, path, sizeof path);
  if (rc) return rc;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return PQNET_ERR_IO;
  for (;;) {
    ssize_t r = read(fd, buf + n, sizeof buf - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int err = errno;
      close(fd);
      errno = err;
      return PQNET_ERR_IO;
    }
    if (r == 0 || (n += (size_t)r) == sizeof buf) break;
  }
  close(fd);
  size_t a = 0, b = n;
  while (a < b && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\n' || buf[a] == '\r')) a++;
  while (b > a &&
         (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\n' || buf[b - 1] == '\r'))
    b--;
  rc = is_token(buf + a, b - a) ? 0 : PQNET_ERR_MALFORMED;
  if (rc == 0) memcpy(token, buf + a, PQNET_COOKIE_TOKEN_LEN);
  OPENSSL_cleanse(buf, sizeof buf);
  return rc;
}

int pqnet_cookie_remove(const char *base_path, const char *token) {
  char path[COOKIE_PATH_MAX], cur[PQNET_COOKIE_TOKEN_LEN + 1];
  if (!token || !is_token(token, strlen(token))) return PQNET_ERR_INVALID_ARG;
  int rc = pqnet_cookie_path(base_path, path, sizeof path);
  if (rc) return rc;
  rc = pqnet_cookie_read(base_path, cur);
  if (rc == PQNET_ERR_IO && errno == ENOENT) return 0;
  if (rc == PQNET_ERR_MALFORMED) return PQNET_ERR_STATE;
  if (rc) return rc;
  int same = CRYPTO_memcmp(cur, token, PQNET_COOKIE_TOKEN_LEN) == 0;
  OPENSSL_cleanse(cur, sizeof cur);
  if (!same) return PQNET_ERR_STATE;
  if (unlink(path) != 0 && errno != ENOENT) return PQNET_ERR_IO;
  return 0;
}
