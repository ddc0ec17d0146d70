/*
 * Network address tests: parsing (host:port, [v6]:port, bare host with the
 * default port, and every kind of junk refused), formatting round trips,
 * IPv4-mapped normalisation, the classification table range by range
 * (both edges of every special range), the policy, and network groups
 * including devnet's 127.a.b.c grouping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pqnet/addr.h"
#include "pqnet/error.h"

static const pqnet_addr_policy PUBLIC = {0, 0};
static const pqnet_addr_policy PRIVNET = {0, 1};
static const pqnet_addr_policy DEVNET = {1, 1};

static pqnet_addr parse_ok(const char *s) {
  pqnet_addr a;
  int rc = pqnet_addr_parse(s, 7071, &a);
  if (rc != 0) fail_msg("parse %s: %d", s, rc);
  return a;
}

/* ---- parsing ---------------------------------------------------------------- */

static void test_parse_good(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"1.2.3.4:80", "1.2.3.4:80"},
      {"1.2.3.4", "1.2.3.4:7071"},
      {"255.255.255.255:65535", "255.255.255.255:65535"},
      {"[::1]:9", "[::1]:9"},
      {"[::1]", "[::1]:7071"},
      {"[2001:db8::1]:7071", "[2001:db8::1]:7071"},
      {"[2001:DB8:0:0:0:0:0:1]:1", "[2001:db8::1]:1"},
      {"[::ffff:1.2.3.4]:80", "1.2.3.4:80"}, /* mapped -> IPv4 */
      {"[::ffff:c000:0201]:80", "192.0.2.1:80"},
      {"1.2.3.4:0080", "1.2.3.4:80"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pqnet_addr a = parse_ok(cases[i].in);
    char buf[PQNET_ADDR_STRLEN];
    assert_string_equal(pqnet_addr_format(&a, buf, sizeof buf), cases[i].out);
    /* What format prints parses back to the same address. */
    pqnet_addr b = parse_ok(buf);
    assert_true(pqnet_addr_equal(&a, &b));
  }
}

static void test_parse_bad(void **state) {
  (void)state;
  static const char *bad[] = {
      "",
      ":80",
      "1.2.3.4:",
      "1.2.3.4:0",
      "1.2.3.4:65536",
      "1.2.3.4:-1",
      "1.2.3.4:8x",
      "1.2.3.4:80:90",
      "1.2.3.4:123456",
      "::1",
      "::1:80",
      "2001:db8::1",
      "[::1",
      "::1]",
      "[]:80",
      "[::1]x",
      "[::1]:",
      "[::1]:0",
      "[1.2.3.4]:80",
      "[1.2.3.4]",
      "example.com",
      "localhost:80",
      "01.2.3.4",
      "1.2.3",
      "256.1.1.1",
      "1.2.3.4.5",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.4\t",
      "[fe80::1%eth0]:80",
      "0x1.2.3.4",
      "1.2.3.4:+80",
      "[[::1]]:80",
      "\x80\x81:80",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pqnet_addr a;
    memset(&a, 0xaa, sizeof a);
    int rc = pqnet_addr_parse(bad[i], 7071, &a);
    if (rc != PQNET_ERR_MALFORMED) fail_msg("'%s' gave %d", bad[i], rc);
    assert_int_equal(a.family, 0); /* zeroed on failure */
  }
  pqnet_addr a;
  assert_int_equal(pqnet_addr_parse("1.2.3.4", 0, &a), PQNET_ERR_MALFORMED); /* no port at all */
  assert_int_equal(pqnet_addr_parse(NULL, 1, &a), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addr_parse("1.2.3.4", 1, NULL), PQNET_ERR_INVALID_ARG);
  char longhost[200];
  memset(longhost, '1', sizeof longhost - 1);
  longhost[sizeof longhost - 1] = '\0';
  assert_int_equal(pqnet_addr_parse(longhost, 1, &a), PQNET_ERR_MALFORMED);
}

static void test_hostport_split(void **state) {
  (void)state;
  char host[32];
  uint16_t port;
  assert_int_equal(pqnet_hostport_split("seed.example.org:7071", 1, host, sizeof host, &port), 0);
  assert_string_equal(host, "seed.example.org");
  assert_int_equal(port, 7071);
  assert_int_equal(pqnet_hostport_split("seed.example.org", 9, host, sizeof host, &port), 0);
  assert_int_equal(port, 9);
  assert_int_equal(pqnet_hostport_split("[2001:db8::5]:10", 9, host, sizeof host, &port), 0);
  assert_string_equal(host, "2001:db8::5");
  assert_int_equal(port, 10);
  assert_int_equal(pqnet_hostport_split("abcdefgh", 9, host, 8, &port), PQNET_ERR_TOO_LARGE);
  assert_int_equal(pqnet_hostport_split("abcdefg", 9, host, 8, &port), 0);
  assert_int_equal(pqnet_hostport_split("a b:1", 9, host, sizeof host, &port), PQNET_ERR_MALFORMED);
  assert_int_equal(pqnet_hostport_split("a:1", 9, NULL, 8, &port), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_hostport_split("a:1", 9, host, 0, &port), PQNET_ERR_INVALID_ARG);
}

static void test_from_bytes_and_equal(void **state) {
  (void)state;
  const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 9, 8, 7, 6};
  const uint8_t v4[4] = {9, 8, 7, 6};
  pqnet_addr a, b;
  assert_int_equal(pqnet_addr_from_bytes(&a, mapped, 16, 5), 0);
  assert_int_equal(pqnet_addr_from_bytes(&b, v4, 4, 5), 0);
  assert_int_equal(a.family, 4);
  assert_true(pqnet_addr_equal(&a, &b));
  assert_memory_equal(&a, &b, sizeof a); /* fully canonical, trailing bytes zero */
  b.port = 6;
  assert_false(pqnet_addr_equal(&a, &b));
  assert_true(pqnet_addr_same_ip(&a, &b));
  assert_int_equal(pqnet_addr_from_bytes(&a, v4, 5, 1), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addr_from_bytes(NULL, v4, 4, 1), PQNET_ERR_INVALID_ARG);
  char buf[PQNET_ADDR_STRLEN];
  memset(&a, 0, sizeof a);
  assert_string_equal(pqnet_addr_format(&a, buf, sizeof buf), "(none)");
}

/* ---- classification ------------------------------------------------------------- */

typedef struct class_case {
  const char *ip;
  pqnet_addr_class cls;
} class_case;

static const class_case class_cases[] = {
    /* IPv4 */
    {"0.0.0.0", PQNET_ADDR_UNSPECIFIED},
    {"0.0.0.1", PQNET_ADDR_RESERVED},
    {"0.255.255.255", PQNET_ADDR_RESERVED},
    {"1.0.0.0", PQNET_ADDR_ROUTABLE},
    {"8.8.8.8", PQNET_ADDR_ROUTABLE},
    {"9.255.255.255", PQNET_ADDR_ROUTABLE},
    {"10.0.0.0", PQNET_ADDR_PRIVATE},
    {"10.255.255.255", PQNET_ADDR_PRIVATE},
    {"11.0.0.0", PQNET_ADDR_ROUTABLE},
    {"100.63.255.255", PQNET_ADDR_ROUTABLE},
    {"100.64.0.0", PQNET_ADDR_PRIVATE},
    {"100.127.255.255", PQNET_ADDR_PRIVATE},
    {"100.128.0.0", PQNET_ADDR_ROUTABLE},
    {"126.255.255.255", PQNET_ADDR_ROUTABLE},
    {"127.0.0.0", PQNET_ADDR_LOOPBACK},
    {"127.0.0.1", PQNET_ADDR_LOOPBACK},
    {"127.255.255.255", PQNET_ADDR_LOOPBACK},
    {"128.0.0.0", PQNET_ADDR_ROUTABLE},
    {"169.253.255.255", PQNET_ADDR_ROUTABLE},
    {"169.254.0.0", PQNET_ADDR_PRIVATE},
    {"169.254.255.255", PQNET_ADDR_PRIVATE},
    {"169.255.0.0", PQNET_ADDR_ROUTABLE},
    {"172.15.255.255", PQNET_ADDR_ROUTABLE},
    {"172.16.0.0", PQNET_ADDR_PRIVATE},
    {"172.31.255.255", PQNET_ADDR_PRIVATE},
    {"172.32.0.0", PQNET_ADDR_ROUTABLE},
    {"192.0.0.0", PQNET_ADDR_RESERVED},
    {"192.0.0.255", PQNET_ADDR_RESERVED},
    {"192.0.1.0", PQNET_ADDR_ROUTABLE},
    {"192.0.2.0", PQNET_ADDR_PRIVATE},
    {"192.0.2.255", PQNET_ADDR_PRIVATE},
    {"192.0.3.0", PQNET_ADDR_ROUTABLE},
    {"192.88.98.255", PQNET_ADDR_ROUTABLE},
    {"192.88.99.1", PQNET_ADDR_RESERVED},
    {"192.88.100.0", PQNET_ADDR_ROUTABLE},
    {"192.167.255.255", PQNET_ADDR_ROUTABLE},
    {"192.168.0.0", PQNET_ADDR_PRIVATE},
    {"192.168.255.255", PQNET_ADDR_PRIVATE},
    {"192.169.0.0", PQNET_ADDR_ROUTABLE},
    {"198.17.255.255", PQNET_ADDR_ROUTABLE},
    {"198.18.0.0", PQNET_ADDR_PRIVATE},
    {"198.19.255.255", PQNET_ADDR_PRIVATE},
    {"198.20.0.0", PQNET_ADDR_ROUTABLE},
    {"198.51.99.255", PQNET_ADDR_ROUTABLE},
    {"198.51.100.0", PQNET_ADDR_PRIVATE},
    {"198.51.100.255", PQNET_ADDR_PRIVATE},
    {"198.51.101.0", PQNET_ADDR_ROUTABLE},
    {"203.0.112.255", PQNET_ADDR_ROUTABLE},
    {"203.0.113.0", PQNET_ADDR_PRIVATE},
    {"203.0.113.255", PQNET_ADDR_PRIVATE},
    {"203.0.114.0", PQNET_ADDR_ROUTABLE},
    {"223.255.255.255", PQNET_ADDR_ROUTABLE},
    {"224.0.0.0", PQNET_ADDR_RESERVED},
    {"239.255.255.255", PQNET_ADDR_RESERVED},
    {"240.0.0.0", PQNET_ADDR_RESERVED},
    {"255.255.255.254", PQNET_ADDR_RESERVED},
    {"255.255.255.255", PQNET_ADDR_RESERVED},
    /* IPv6 */
    {"[::]", PQNET_ADDR_UNSPECIFIED},
    {"[::1]", PQNET_ADDR_LOOPBACK},
    {"[::2]", PQNET_ADDR_RESERVED},
    {"[::1.2.3.4]", PQNET_ADDR_RESERVED},        /* IPv4-compatible */
    {"[64:ff9b::1.2.3.4]", PQNET_ADDR_RESERVED}, /* NAT64 */
    {"[100::1]", PQNET_ADDR_RESERVED},           /* discard */
    {"[1fff:ffff::1]", PQNET_ADDR_RESERVED},     /* below 2000::/3 */
    {"[2000::1]", PQNET_ADDR_ROUTABLE},
    {"[2001::1]", PQNET_ADDR_RESERVED}, /* Teredo */
    {"[2001:0:4136:e378::1]", PQNET_ADDR_RESERVED},
    {"[2001:1::1]", PQNET_ADDR_RESERVED},
    {"[2001:2::1]", PQNET_ADDR_PRIVATE}, /* benchmarking */
    {"[2001:2:0:ffff::1]", PQNET_ADDR_PRIVATE},
    {"[2001:2:1::1]", PQNET_ADDR_RESERVED},      /* past the /48, still in /23 */
    {"[2001:10::1]", PQNET_ADDR_RESERVED},       /* ORCHID */
    {"[2001:20::1]", PQNET_ADDR_RESERVED},       /* ORCHIDv2 */
    {"[2001:1ff:ffff::1]", PQNET_ADDR_RESERVED}, /* last of 2001::/23 */
    {"[2001:200::1]", PQNET_ADDR_ROUTABLE},      /* first after it */
    {"[2001:db7:ffff::1]", PQNET_ADDR_ROUTABLE},
    {"[2001:db8::]", PQNET_ADDR_PRIVATE}, /* documentation */
    {"[2001:db8:ffff:ffff::1]", PQNET_ADDR_PRIVATE},
    {"[2001:db9::1]", PQNET_ADDR_ROUTABLE},
    {"[2001:4860:4860::8888]", PQNET_ADDR_ROUTABLE},
    {"[2002::1]", PQNET_ADDR_RESERVED}, /* 6to4 */
    {"[2002:ffff::1]", PQNET_ADDR_RESERVED},
    {"[2003::1]", PQNET_ADDR_ROUTABLE},
    {"[2a00:1450:4001::1]", PQNET_ADDR_ROUTABLE},
    {"[3ffe:ffff::1]", PQNET_ADDR_ROUTABLE},
    {"[3fff::1]", PQNET_ADDR_PRIVATE}, /* documentation, RFC 9637 */
    {"[3fff:fff::1]", PQNET_ADDR_PRIVATE},
    {"[3fff:1000::1]", PQNET_ADDR_ROUTABLE},
    {"[4000::1]", PQNET_ADDR_RESERVED},
    {"[fbff::1]", PQNET_ADDR_RESERVED},
    {"[fc00::1]", PQNET_ADDR_PRIVATE}, /* unique local */
    {"[fdff:ffff::1]", PQNET_ADDR_PRIVATE},
    {"[fe00::1]", PQNET_ADDR_RESERVED},
    {"[fe80::1]", PQNET_ADDR_PRIVATE}, /* link-local */
    {"[febf::1]", PQNET_ADDR_PRIVATE},
    {"[fec0::1]", PQNET_ADDR_RESERVED},        /* old site-local */
    {"[ff02::1]", PQNET_ADDR_RESERVED},        /* multicast */
    {"[::ffff:8.8.8.8]", PQNET_ADDR_ROUTABLE}, /* normalised to IPv4 */
    {"[::ffff:10.0.0.1]", PQNET_ADDR_PRIVATE},
    {"[::ffff:127.0.0.1]", PQNET_ADDR_LOOPBACK},
};

static void test_classify_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof class_cases / sizeof class_cases[0]; i++) {
    pqnet_addr a = parse_ok(class_cases[i].ip);
    pqnet_addr_class got = pqnet_addr_classify(&a);
    if (got != class_cases[i].cls)
      fail_msg("%s: got %s, want %s", class_cases[i].ip, pqnet_addr_class_name(got),
               pqnet_addr_class_name(class_cases[i].cls));
  }
}

static void test_classify_odd(void **state) {
  (void)state;
  pqnet_addr a;
  memset(&a, 0, sizeof a);
  assert_int_equal(pqnet_addr_classify(&a), PQNET_ADDR_INVALID);
  assert_int_equal(pqnet_addr_classify(NULL), PQNET_ADDR_INVALID);
  a.family = 5;
  assert_int_equal(pqnet_addr_classify(&a), PQNET_ADDR_INVALID);
  /* A hand-built, non-normalised mapped address is refused everywhere. */
  a.family = 6;
  a.ip[10] = a.ip[11] = 0xff;
  a.ip[12] = 8;
  a.ip[13] = 8;
  a.ip[14] = 8;
  a.ip[15] = 8;
  a.port = 1;
  assert_int_equal(pqnet_addr_classify(&a), PQNET_ADDR_RESERVED);
  assert_false(pqnet_addr_allowed(&a, &DEVNET));
  for (int c = PQNET_ADDR_INVALID; c <= PQNET_ADDR_ROUTABLE; c++)
    assert_string_not_equal(pqnet_addr_class_name((pqnet_addr_class)c), "unknown");
  assert_string_equal(pqnet_addr_class_name((pqnet_addr_class)99), "unknown");
}

static void test_allowed_policy(void **state) {
  (void)state;
  static const struct {
    const char *ip;
    uint16_t port;
    int pub, priv, dev;
  } cases[] = {
      {"8.8.8.8", 1, 1, 1, 1},    {"8.8.8.8", 0, 0, 0, 0},         {"127.0.0.1", 1, 0, 0, 1},
      {"[::1]", 1, 0, 0, 1},      {"10.1.2.3", 1, 0, 1, 1},        {"192.168.1.1", 1, 0, 1, 1},
      {"100.64.1.1", 1, 0, 1, 1}, {"[fd00::1]", 1, 0, 1, 1},       {"192.0.2.1", 1, 0, 1, 1},
      {"198.18.0.1", 1, 0, 1, 1}, {"0.0.0.0", 1, 0, 0, 0},         {"[::]", 1, 0, 0, 0},
      {"224.0.0.1", 1, 0, 0, 0},  {"255.255.255.255", 1, 0, 0, 0}, {"[2002::1]", 1, 0, 0, 0},
      {"[2001::1]", 1, 0, 0, 0},  {"[2001:db8::1]", 1, 0, 1, 1},   {"240.1.1.1", 1, 0, 0, 0},
      {"127.0.0.1", 0, 0, 0, 0},  {"[2a00::1]", 1, 1, 1, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pqnet_addr a = parse_ok(cases[i].ip);
    a.port = cases[i].port;
    if (pqnet_addr_allowed(&a, &PUBLIC) != cases[i].pub ||
        pqnet_addr_allowed(&a, NULL) != cases[i].pub ||
        pqnet_addr_allowed(&a, &PRIVNET) != cases[i].priv ||
        pqnet_addr_allowed(&a, &DEVNET) != cases[i].dev)
      fail_msg("policy mismatch for %s port %u", cases[i].ip, cases[i].port);
  }
  /* Loopback stays devnet-only: allow_private alone does not admit it. */
  pqnet_addr lo = parse_ok("127.0.0.1");
  const pqnet_addr_policy lo_only = {1, 0};
  assert_false(pqnet_addr_allowed(&lo, &PRIVNET));
  assert_true(pqnet_addr_allowed(&lo, &lo_only));
  pqnet_addr pv = parse_ok("10.0.0.1");
  assert_false(pqnet_addr_allowed(&pv, &lo_only));
  assert_false(pqnet_addr_allowed(NULL, &DEVNET));
}

/* ---- groups ----------------------------------------------------------------------- */

static void expect_group(const char *ip, const pqnet_addr_policy *p, const uint8_t *want,
                         size_t wantlen) {
  pqnet_addr a = parse_ok(ip);
  uint8_t g[PQNET_ADDR_GROUP_MAX];
  size_t len = 99;
  assert_int_equal(pqnet_addr_group(&a, p, g, &len), 0);
  if (len != wantlen || memcmp(g, want, len) != 0) fail_msg("group of %s", ip);
  for (size_t i = len; i < PQNET_ADDR_GROUP_MAX; i++) assert_int_equal(g[i], 0);
}

static void test_groups(void **state) {
  (void)state;
  const uint8_t unroutable[] = {0};
  expect_group("1.2.3.4:5", &PUBLIC, (const uint8_t[]){4, 1, 2}, 3);
  expect_group("1.2.250.251", &PUBLIC, (const uint8_t[]){4, 1, 2}, 3);
  expect_group("1.3.3.4", NULL, (const uint8_t[]){4, 1, 3}, 3);
  expect_group("[2001:4860:1:2::1]", &PUBLIC, (const uint8_t[]){6, 0x20, 0x01, 0x48, 0x60}, 5);
  expect_group("[2001:4860:ffff::1]", &PUBLIC, (const uint8_t[]){6, 0x20, 0x01, 0x48, 0x60}, 5);
  expect_group("[2001:4861::1]", &PUBLIC, (const uint8_t[]){6, 0x20, 0x01, 0x48, 0x61}, 5);
  /* Devnet: 127.a.b.c grouped by 127.a, so one machine can host many groups. */
  expect_group("127.0.0.1", &DEVNET, (const uint8_t[]){4, 127, 0}, 3);
  expect_group("127.1.0.1", &DEVNET, (const uint8_t[]){4, 127, 1}, 3);
  expect_group("127.1.200.9", &DEVNET, (const uint8_t[]){4, 127, 1}, 3);
  expect_group("127.2.0.1", &DEVNET, (const uint8_t[]){4, 127, 2}, 3);
  expect_group("[::1]", &DEVNET, (const uint8_t[]){6, 0, 0, 0, 0}, 5);
  /* Private networks group private addresses by /16 as well. */
  expect_group("10.1.2.3", &PRIVNET, (const uint8_t[]){4, 10, 1}, 3);
  expect_group("[fd12:3456:789a::1]", &PRIVNET, (const uint8_t[]){6, 0xfd, 0x12, 0x34, 0x56}, 5);
  /* Whatever the policy forbids shares one group. */
  expect_group("127.1.0.1", &PUBLIC, unroutable, 1);
  expect_group("127.1.0.1", &PRIVNET, unroutable, 1);
  expect_group("10.1.2.3", &PUBLIC, unroutable, 1);
  expect_group("224.1.2.3", &DEVNET, unroutable, 1);
  expect_group("0.0.0.0", &DEVNET, unroutable, 1);
  expect_group("[2002:102:304::1]", &DEVNET, unroutable, 1);
  pqnet_addr none;
  memset(&none, 0, sizeof none);
  uint8_t g[PQNET_ADDR_GROUP_MAX];
  size_t len;
  assert_int_equal(pqnet_addr_group(&none, &DEVNET, g, &len), 0);
  assert_int_equal(len, 1);
  assert_int_equal(g[0], 0);
  assert_int_equal(pqnet_addr_group(NULL, &DEVNET, g, &len), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addr_group(&none, &DEVNET, NULL, &len), PQNET_ERR_INVALID_ARG);
  assert_int_equal(pqnet_addr_group(&none, &DEVNET, g, NULL), PQNET_ERR_INVALID_ARG);
}

/* Every IPv4 /16 that is wholly routable is its own group; the family byte
 * keeps IPv4 and IPv6 groups apart even when the bytes agree. */
static void test_group_family_separation(void **state) {
  (void)state;
  pqnet_addr a4 = parse_ok("32.1.5.6"), a6 = parse_ok("[2001:500::1]");
  uint8_t g4[PQNET_ADDR_GROUP_MAX], g6[PQNET_ADDR_GROUP_MAX];
  size_t l4, l6;
  assert_int_equal(pqnet_addr_group(&a4, NULL, g4, &l4), 0);
  assert_int_equal(pqnet_addr_group(&a6, NULL, g6, &l6), 0);
  assert_int_equal(g4[1], 0x20);
  assert_int_equal(g6[1], 0x20);
  assert_true(l4 != l6 || memcmp(g4, g6, l4) != 0);
  assert_int_not_equal(g4[0], g6[0]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_good),
      cmocka_unit_test(test_parse_bad),
      cmocka_unit_test(test_hostport_split),
      cmocka_unit_test(test_from_bytes_and_equal),
      cmocka_unit_test(test_classify_table),
      cmocka_unit_test(test_classify_odd),
      cmocka_unit_test(test_allowed_policy),
      cmocka_unit_test(test_groups),
      cmocka_unit_test(test_group_family_separation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
