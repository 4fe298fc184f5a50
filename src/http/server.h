/* server.h - the HTTP listener (libmicrohttpd, thread pool + epoll). */
#ifndef CIRRUS_HTTP_SERVER_H
#define CIRRUS_HTTP_SERVER_H

#include "util/config.h"
#include "util/err.h"

struct http_server;

int http_server_start(const struct cirrus_config *cfg, struct http_server **out,
                      struct cerr *err);
void http_server_stop(struct http_server *srv);

/* Largest JSON body accepted (Nova's max_request_body_size): 413 beyond. */
#define HTTP_MAX_BODY (112 * 1024)

#endif
