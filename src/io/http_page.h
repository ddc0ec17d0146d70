/*
 * The status page's HTML (src/io/http_page.c), served by src/io/http.c.
 */
#ifndef PQNET_IO_HTTP_PAGE_H
#define PQNET_IO_HTTP_PAGE_H

#include <stddef.h>

extern const char pqnet_http_page[];
extern const size_t pqnet_http_page_len; /* bytes, without the final NUL */

#endif /* PQNET_IO_HTTP_PAGE_H */
