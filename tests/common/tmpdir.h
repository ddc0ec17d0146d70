/* Scratch directories for tests and benchmarks. */
#ifndef PQNET_TEST_TMPDIR_H
#define PQNET_TEST_TMPDIR_H

/* Remove path and everything below it (directories made unreadable by a
 * test are made accessible first). Missing paths are ignored. */
void test_rm_rf(const char *path);

#endif
