/*
 * Discovery message tests: GetAddrs and Addrs byte layouts against
 * hand-written bytes, round trips with IPv4 and IPv6, IPv4-mapped
 * normalisation, every rejection (empty, truncated at every length, bad
 * family, count over 1000, trailing bytes), the largest message, decoding
 * into a short buffer, and encoder argument checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pqnet/error.h"
#include "wire/addr_msg.h"

static pqnet_compact_addr ca(const char *s, uint64_t services, uint64_t seen) {
  pqnet_compact_addr c;
  memset(&c, 0, sizeof c);
  assert_int_equal(pqnet_addr_parse(s, 7071, &c.addr), 0);
  c.services = services;
  c.last_seen = seen;
  return c;
}

static void test_getaddrs(void **state) {
  (void)state;
  uint8_t b[4];
  assert_int_equal(pqnet_getaddrs_encode(b, sizeof b, 0x1234), 2);
  assert_int_equal(b[0], 0x12);
  assert_int_equal(b[1], 0x34);
  uint16_t lim = 0;
  assert_int_equal(pqnet_getaddrs_decode(b, 2, &lim), 0);
  assert_int_equal(lim, 0x1234);
  assert_int_equal(pqnet_getaddrs_decode(b, 1, &lim), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_getaddrs_decode(b, 3, &lim), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_getaddrs_decode(NULL, 0, &lim), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_getaddrs_decode(b, 2, NULL), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_getaddrs_encode(b, 1, 5), PQNET_ERR_TOO_LARGE);
  assert_int_equal(pqnet_getaddrs_encode(NULL, 2, 5), PQNET_ERR_INVALID_ARG);
}

static void test_addrs_layout(void **state) {
  (void)state;
  pqnet_compact_addr v[2] = {ca("1.2.3.4:258", 0x0102030405060708ull, 0x1122334455667788ull),
                             ca("[2001:db8::1]:7071", 1, 2)};
  uint8_t out[128];
  long n = pqnet_addrs_encode(out, sizeof out, v, 2);
  assert_int_equal(n, 2 + PQNET_COMPACT_V4_LEN + PQNET_COMPACT_V6_LEN);
  static const uint8_t want[] = {
      0x00, 0x02,                                     /* count */
      0x04, 1,    2,    3,    4,    0x01, 0x02,       /* family, ip, port 258 */
      1,    2,    3,    4,    5,    6,    7,    8,    /* services */
      0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* last_seen */
      0x06, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 1, /* v6 */
      0x1b, 0x9f,                                                                /* 7071 */
      0,    0,    0,    0,    0,    0,    0,    1,    0, 0, 0, 0, 0, 0, 0, 2,
  };
  assert_int_equal(sizeof want, (size_t)n);
  assert_memory_equal(out, want, sizeof want);
  pqnet_compact_addr d[2];
  size_t cnt = 0;
  assert_int_equal(pqnet_addrs_decode(out, (size_t)n, d, 2, &cnt), 0);
  assert_int_equal(cnt, 2);
  for (int i = 0; i < 2; i++) {
    assert_true(pqnet_addr_equal(&d[i].addr, &v[i].addr));
    assert_int_equal(d[i].services, v[i].services);
    assert_int_equal(d[i].last_seen, v[i].last_seen);
  }
  assert_int_equal(pqnet_compact_addr_len(&v[0].addr), 23);
  assert_int_equal(pqnet_compact_addr_len(&v[1].addr), 35);
  pqnet_addr none;
  memset(&none, 0, sizeof none);
  assert_int_equal(pqnet_compact_addr_len(&none), 0);
  assert_int_equal(pqnet_compact_addr_len(NULL), 0);
}

static void test_addrs_mapped(void **state) {
  (void)state;
  uint8_t body[2 + 35] = {0, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 9, 8, 7, 6, 0, 80};
  pqnet_compact_addr d;
  size_t n;
  assert_int_equal(pqnet_addrs_decode(body, sizeof body, &d, 1, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(d.addr.family, 4);
  assert_int_equal(d.addr.ip[0], 9);
  assert_int_equal(d.addr.port, 80);
  uint8_t out[64];
  assert_int_equal(pqnet_addrs_encode(out, sizeof out, &d, 1), 2 + 23);
}

static void test_addrs_rejects(void **state) {
  (void)state;
  pqnet_compact_addr v[3] = {ca("1.2.3.4", 1, 2), ca("[2a00::1]", 3, 4), ca("5.6.7.8", 5, 6)};
  uint8_t good[256];
  long n = pqnet_addrs_encode(good, sizeof good, v, 3);
  assert_true(n > 0);
  pqnet_compact_addr d[3];
  size_t cnt;
  /* Every truncation fails, and so does every extension. */
  for (long len = 0; len < n; len++) {
    memset(d, 0xcc, sizeof d);
    assert_int_equal(pqnet_addrs_decode(good, (size_t)len, d, 3, &cnt), PQNET_ERR_MALFORMED);
    assert_int_equal(((uint8_t *)d)[0], 0xcc); /* untouched */
  }
  good[n] = 0;
  assert_int_equal(pqnet_addrs_decode(good, (size_t)n + 1, d, 3, &cnt), PQNET_ERR_MALFORMED);
  /* Family values other than 4 and 6. */
  for (int fam = 0; fam < 256; fam++) {
    if (fam == 4 || fam == 6) continue;
    uint8_t b[256];
    memcpy(b, good, (size_t)n);
    b[2] = (uint8_t)fam;
    assert_int_equal(pqnet_addrs_decode(b, (size_t)n, d, 3, &cnt), PQNET_ERR_MALFORMED);
  }
  /* A family byte that changes the length makes the rest misaligned. */
  uint8_t b[256];
  memcpy(b, good, (size_t)n);
  b[2] = 6;
  assert_int_equal(pqnet_addrs_decode(b, (size_t)n, d, 3, &cnt), PQNET_ERR_MALFORMED);
  /* Count says more or fewer than present. */
  memcpy(b, good, (size_t)n);
  b[1] = 4;
  assert_int_equal(pqnet_addrs_decode(b, (size_t)n, d, 3, &cnt), PQNET_ERR_MALFORMED);
  b[1] = 2;
  assert_int_equal(pqnet_addrs_decode(b, (size_t)n, d, 3, &cnt), PQNET_ERR_MALFORMED);
  /* NULL arguments. */
  assert_int_equal(pqnet_addrs_decode(NULL, 5, d, 3, &cnt), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_addrs_decode(good, (size_t)n, d, 3, NULL), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_addrs_decode(good, (size_t)n, NULL, 3, &cnt), PQNET_ERR_MALFORMED);
  /* Empty list is fine; validation only (NULL, 0) too. */
  uint8_t empty[2] = {0, 0};
  assert_int_equal(pqnet_addrs_decode(empty, 2, NULL, 0, &cnt), 0);
  assert_int_equal(cnt, 0);
  assert_int_equal(pqnet_addrs_decode(good, (size_t)n, NULL, 0, &cnt), 0);
  assert_int_equal(cnt, 3);
}

static void test_addrs_limits(void **state) {
  (void)state;
  static pqnet_compact_addr v[PQNET_ADDRS_MAX + 1], d[PQNET_ADDRS_MAX];
  static uint8_t out[PQNET_ADDRS_MAX_LEN + 64];
  for (size_t i = 0; i <= PQNET_ADDRS_MAX; i++) {
    memset(&v[i], 0, sizeof v[i]);
    v[i].addr.family = 6;
    v[i].addr.ip[0] = 0x2a;
    v[i].addr.ip[15] = (uint8_t)i;
    v[i].addr.port = (uint16_t)(i + 1);
    v[i].services = i;
    v[i].last_seen = 1700000000 + i;
  }
  /* The largest message: 1000 IPv6 entries, exactly PQNET_ADDRS_MAX_LEN. */
  long n = pqnet_addrs_encode(out, sizeof out, v, PQNET_ADDRS_MAX);
  assert_int_equal(n, PQNET_ADDRS_MAX_LEN);
  size_t cnt;
  assert_int_equal(pqnet_addrs_decode(out, (size_t)n, d, PQNET_ADDRS_MAX, &cnt), 0);
  assert_int_equal(cnt, PQNET_ADDRS_MAX);
  assert_int_equal(d[999].addr.port, 1000);
  /* A short buffer: all validated, the first 10 copied, the count reported. */
  memset(d, 0, sizeof d);
  assert_int_equal(pqnet_addrs_decode(out, (size_t)n, d, 10, &cnt), 0);
  assert_int_equal(cnt, PQNET_ADDRS_MAX);
  assert_int_equal(d[9].addr.port, 10);
  assert_int_equal(d[10].addr.port, 0);
  /* 1001 refused by the encoder; a count of 1001 by the decoder. */
  assert_int_equal(pqnet_addrs_encode(out, sizeof out, v, PQNET_ADDRS_MAX + 1),
                   PQNET_ERR_INVALID_ARG);
  uint8_t hdr[2 + 23 * 2] = {0x03, 0xe9}; /* 1001 */
  assert_int_equal(pqnet_addrs_decode(hdr, sizeof hdr, d, 10, &cnt), PQNET_ERR_MALFORMED);
  hdr[0] = 0xff;
  hdr[1] = 0xff;
  assert_int_equal(pqnet_addrs_decode(hdr, sizeof hdr, d, 10, &cnt), PQNET_ERR_MALFORMED);
  /* Encoder: too small a buffer, bad family, NULL. */
  assert_int_equal(pqnet_addrs_encode(out, 10, v, 1), PQNET_ERR_TOO_LARGE);
  v[0].addr.family = 0;
  assert_int_equal(pqnet_addrs_encode(out, sizeof out, v, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrs_encode(out, sizeof out, NULL, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrs_encode(NULL, sizeof out, v, 0), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addrs_encode(out, sizeof out, NULL, 0), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_getaddrs),     cmocka_unit_test(test_addrs_layout),
      cmocka_unit_test(test_addrs_mapped), cmocka_unit_test(test_addrs_rejects),
      cmocka_unit_test(test_addrs_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
