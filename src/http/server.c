/* server.c - the libmicrohttpd listener: reads a request, finds its route,
 * authenticates it, runs the handler and sends the response.
 *
 * One request walks: first callback (route lookup, microversion, and for
 * streamed uploads authentication) -> body callbacks (buffered up to
 * HTTP_MAX_BODY, or spooled to a file) -> last callback (auth, JSON parse,
 * handler, response). Errors found early are held until the body has been
 * drained, so keep-alive connections stay usable. */
#include "http/server.h"
#include "http/fault.h"
#include "http/http.h"
#include "http/microversion.h"
#include "http/router.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *mhd;
    const struct cirrus_config *cfg;
};

struct rctx {
    struct http_request req;
    char *path_buf;             /* api-relative path; route params point into it */
    const struct route *route;
    enum router_result rr;
    struct buf body;
    int spool_fd;
    char *spool_path;
    bool too_large;
    bool authed;
    bool failed;                /* err holds an error found before the body ended */
    bool versioned;             /* the answer names its microversion (see add_standard_headers) */
    struct cerr err;
    int64_t start_us;
};

static void rctx_free(struct rctx *c)
{
    if (!c)
        return;
    if (c->spool_fd >= 0)
        close(c->spool_fd);
    if (c->spool_path) {
        unlink(c->spool_path);   /* a handler that keeps the file renames it first */
        free(c->spool_path);
    }
    json_decref(c->req.json);
    free(c->path_buf);
    free((char *)c->req.path_project);
    buf_free(&c->body);
    free(c);
}

/* Splits the URL into API and API-relative path. */
static enum http_api classify(const char *url, const char **rest)
{
    static const struct { const char *prefix; enum http_api api; } map[] = {
        { "/v2.1", API_COMPUTE }, { "/v2", API_COMPUTE },
        { "/identity", API_IDENTITY }, { "/image", API_IMAGE },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        size_t n = strlen(map[i].prefix);
        if (strncmp(url, map[i].prefix, n) == 0 && (url[n] == '/' || url[n] == '\0')) {
            *rest = url[n] ? url + n : "/";
            return map[i].api;
        }
    }
    *rest = url;
    return API_ROOT;
}

static void find_route(struct rctx *c)
{
    struct http_request *r = &c->req;
    const char *rest;
    r->api = classify(r->url, &rest);
    r->path = rest;
    c->path_buf = xstrdup(rest);
    c->rr = router_match(r->api, r->method, c->path_buf, r->mv, &c->route, r->params,
                         &r->nparams);
    if (c->rr == ROUTER_NOT_FOUND && r->api == API_ROOT && strcmp(r->method, "GET") == 0) {
        /* every other unversioned GET gets the 300 choices document */
        free(c->path_buf);
        c->path_buf = xstrdup("/");
        c->rr = router_match(r->api, r->method, c->path_buf, r->mv, &c->route, r->params,
                             &r->nparams);
        return;
    }
    if (c->rr != ROUTER_NOT_FOUND || r->api != API_COMPUTE)
        return;
    /* /v2.1/{project_id}/servers: retry without the project segment. */
    const char *p = rest + 1, *slash = strchr(p, '/');
    if (!*p)
        return;
    char *project = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
    if (!uuid_is_valid(project)) {     /* project ids are 32 hex digits or UUIDs */
        free(project);
        return;
    }
    free(c->path_buf);
    c->path_buf = xstrdup(slash ? slash : "/");
    c->rr = router_match(r->api, r->method, c->path_buf, r->mv, &c->route, r->params,
                         &r->nparams);
    if (c->rr == ROUTER_OK)
        r->path_project = project;
    else
        free(project);
}

static int authenticate(struct rctx *c)
{
    /* no route: a path served only at other microversions, which needs a token */
    if (c->authed || (c->route && (c->route->flags & ROUTE_NO_AUTH)))
        return 0;
    const char *token = http_header(&c->req, "X-Auth-Token");
    if (!token || !*token)
        return cerr_set(&c->err, 401, "The request you have made requires authentication.");
    if (auth_token_validate(token, &c->req.auth, &c->err) < 0)
        return -1;
    c->authed = true;
    const char *pp = c->req.path_project;
    if (pp && strcmp(pp, c->req.auth.project_id) != 0)
        return cerr_set(&c->err, 400, "Malformed request URL: URL's project_id '%s' doesn't "
                        "match Context's project_id '%s'", pp, c->req.auth.project_id);
    return 0;
}

static int open_spool(struct rctx *c)
{
    c->spool_path = xasprintf("%s/tmp/upload-%s", c->req.cfg->data_dir, c->req.request_id);
    c->spool_fd = open(c->spool_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (c->spool_fd < 0) {
        log_error("cannot create %s: %s", c->spool_path, strerror(errno));
        free(c->spool_path);
        c->spool_path = NULL;
        return cerr_internal(&c->err, "cannot spool upload");
    }
    return 0;
}

static void first_call(struct rctx *c)
{
    struct http_request *r = &c->req;
    r->mv = COMPUTE_MV_MIN;
    if (strncmp(r->url, "/v2.1", 5) == 0 && r->url[5] != '\0' &&
        microversion_negotiate(r, &r->mv, &c->err) < 0) {
        c->failed = true;
        return;
    }
    find_route(c);
    if (c->rr == ROUTER_OK && (c->route->flags & ROUTE_STREAM)) {
        if (authenticate(c) < 0 || open_spool(c) < 0)
            c->failed = true;
    }
}

static void take_body(struct rctx *c, const char *data, size_t size)
{
    if (c->failed)
        return;
    if (c->spool_fd >= 0) {
        while (size > 0) {
            ssize_t w = write(c->spool_fd, data, size);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                cerr_set(&c->err, 413, "Image storage is full: %s", strerror(errno));
                c->failed = true;
                return;
            }
            data += w;
            size -= (size_t)w;
        }
        return;
    }
    if (c->body.len + size > HTTP_MAX_BODY) {
        c->too_large = true;
        return;
    }
    buf_append(&c->body, data, size);
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct http_request *r = cls;
    (void)kind;
    if (r->nquery < HTTP_MAX_QUERY) {
        r->query[r->nquery].key = key;
        r->query[r->nquery].value = value;
        r->nquery++;
    }
    return MHD_YES;
}

/* nova wsgi Request.get_content_type: no type, an empty one or text/plain
 * (what some web servers default to) mean JSON; otherwise the media type,
 * parameters dropped, must be application/json or
 * application/vnd.openstack.compute+json, else 415 "Unsupported
 * Content-Type". */
static bool nova_content_type(const char *ct)
{
    static const char *const ok[] = { "", "text/plain", "application/json",
                                      "application/vnd.openstack.compute+json" };
    if (!ct)
        return true;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    while (n > 0 && (*ct == ' ' || *ct == '\t')) {
        ct++;
        n--;
    }
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strlen(ok[i]) == n && strncasecmp(ct, ok[i], n) == 0)
            return true;
    return false;
}

/* What each service says when the body is not JSON: nova wsgi
 * ("Malformed request body"), keystone json_body (a ValidationError, also
 * for a root that is not an object), glance wsgi JSONRequestDeserializer. */
static int malformed(struct rctx *c)
{
    switch (c->req.api) {
    case API_IDENTITY:
        return cerr_set(&c->err, 400, "Expecting to find valid JSON object in request body. "
                        "The server could not comply with the request since it is either "
                        "malformed or otherwise incorrect. The client is assumed to be in "
                        "error.");
    case API_IMAGE:
        return cerr_set(&c->err, 400, "Malformed JSON in request body.");
    default:
        return cerr_set(&c->err, 400, "Malformed request body");
    }
}

static int prepare(struct rctx *c)
{
    struct http_request *r = &c->req;
    if (c->failed)
        return -1;
    if (c->too_large)
        return cerr_set(&c->err, 413, "Request is too large.");
    if (c->rr == ROUTER_BAD_METHOD)
        return cerr_set(&c->err, 405, "The method specified is not allowed for this resource.");
    if (c->rr == ROUTER_BAD_VERSION) {
        /* Nova: the token is checked first (keystonemiddleware), then the
         * controller's versioned method answers 404 like any controller. */
        if (authenticate(c) < 0)
            return -1;
        c->versioned = true;
        return cerr_set(&c->err, 404, "The resource could not be found.");
    }
    if (c->rr != ROUTER_OK)
        return cerr_set(&c->err, 404, "The resource could not be found.");
    if (authenticate(c) < 0)
        return -1;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
    r->body = c->body.data;
    r->body_len = c->body.len;
    if (c->spool_fd >= 0) {
        close(c->spool_fd);
        c->spool_fd = -1;
        r->body_file = c->spool_path;
    }
    /* Nova's Resource checks the type of every request (a GET too, with or
     * without a body) before dispatch; glance's JSON routes refuse a body of
     * another type; keystone (json_body: get_json(force=True)) parses
     * whatever it is sent. */
    const char *ct = http_header(r, "Content-Type");
    if (r->api == API_COMPUTE ? !nova_content_type(ct)
                              : (c->route->flags & ROUTE_JSON) && r->api == API_IMAGE &&
                                c->body.len > 0 && ct && !strcasestr(ct, "json"))
        return cerr_set(&c->err, 415, "Unsupported Content-Type");
    if ((c->route->flags & ROUTE_JSON) && c->body.len > 0) {
        json_error_t jerr;
        r->json = json_loadb(c->body.data, c->body.len, JSON_DECODE_ANY, &jerr);
        if (!r->json || (r->api == API_IDENTITY && !json_is_object(r->json)))
            return malformed(c);
    }
    return 0;
}

/* Request ids go on every answer (Nova's compute_req_id middleware wraps the
 * whole pipeline). The version headers do not: Nova's wsgi.Resource adds them
 * only to what its controller dispatch produced, so a bad version (400/406,
 * returned before dispatch) and a 401 from keystonemiddleware (in front of
 * Nova) carry none. Keystone and keystonemiddleware name the identity
 * endpoint in WWW-Authenticate on every 401. */
static void add_standard_headers(struct rctx *c, struct http_response *res)
{
    struct http_request *r = &c->req;
    http_set_header(res, "x-openstack-request-id", r->request_id);
    if (res->status == 401) {
        char *uri = xasprintf("Keystone uri=\"%s/identity\"", http_base_url(r));
        http_set_header(res, "WWW-Authenticate", uri);
        free(uri);
    }
    if (r->api != API_COMPUTE || strncmp(r->url, "/v2.1", 5) != 0 || r->url[5] == '\0')
        return;
    http_set_header(res, "x-compute-request-id", r->request_id);
    if (!c->versioned || res->unversioned)
        return;
    char v[16], both[32];
    microversion_format(r->mv, v);
    snprintf(both, sizeof(both), "compute %s", v);
    http_set_header(res, "OpenStack-API-Version", both);
    http_set_header(res, "X-OpenStack-Nova-API-Version", v);
    http_set_header(res, "Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct rctx *c,
                                     struct http_response *res)
{
    struct MHD_Response *mr;
    const char *ctype = res->content_type ? res->content_type : "application/json";
    if (res->fd >= 0) {
        mr = MHD_create_response_from_fd64(res->body_len, res->fd);
        res->fd = -1;
    } else if (res->json) {
        char *text = json_dumps(res->json, JSON_COMPACT);
        if (!text) {
            text = xstrdup("{}");
        }
        mr = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
    } else if (res->body) {
        mr = MHD_create_response_from_buffer_with_free_callback(res->body_len, res->body, free);
        res->body = NULL;
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        ctype = NULL;
    }
    if (!mr)
        return MHD_NO;
    if (ctype && res->status != 204 && res->status != 304)
        MHD_add_response_header(mr, "Content-Type", ctype);
    for (int i = 0; i < res->nheaders; i++)
        MHD_add_response_header(mr, res->headers[i].name, res->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, mr);
    MHD_destroy_response(mr);
    int64_t us = clock_now_us() - c->start_us;
    log_info("%s %s status: %d time: %.3fms %s", c->req.method, c->req.url, res->status,
             (double)us / 1000.0, c->req.request_id);
    return ret;
}

static void response_free(struct http_response *res)
{
    json_decref(res->json);
    free(res->body);
    if (res->fd >= 0)
        close(res->fd);
    for (int i = 0; i < res->nheaders; i++) {
        free(res->headers[i].name);
        free(res->headers[i].value);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct http_server *srv = cls;
    struct rctx *c = *con_cls;
    (void)version;
    if (!c) {
        c = xcalloc(1, sizeof(*c));
        c->spool_fd = -1;
        c->start_us = clock_now_us();
        c->req.method = method;
        c->req.url = url;
        c->req.conn = conn;
        c->req.cfg = srv->cfg;
        char id[UUID_TEXT];
        uuid_generate_text(id);
        snprintf(c->req.request_id, sizeof(c->req.request_id), "req-%s", id);
        *con_cls = c;
        first_call(c);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        take_body(c, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    struct http_response res = { .status = 200, .fd = -1 };
    int rc = prepare(c);
    if (rc == 0) {
        c->versioned = true;        /* from here on the answer is the controller's */
        rc = c->route->handler(&c->req, &res, &c->err);
    }
    if (rc != 0)
        http_render_error(c->req.api, &c->err, &res);
    add_standard_headers(c, &res);
    enum MHD_Result ret = send_response(conn, c, &res);
    response_free(&res);
    return ret;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
           c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* libmicrohttpd's %HH decoding, except that %00 stays as written: the path
 * and query reach handlers as C strings, and a decoded NUL would cut
 * "/servers/%00" down to "/servers/" (the list) instead of naming a
 * server that does not exist. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls; (void)conn;
    char *w = s;
    for (const char *r = s; *r; ) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 &&
            (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)conn; (void)toe;
    rctx_free(*con_cls);
    *con_cls = NULL;
}

int http_server_start(const struct cirrus_config *cfg, struct http_server **out,
                      struct cerr *err)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->listen_port) };
    const char *addr = strcmp(cfg->listen_addr, "localhost") == 0 ? "127.0.0.1" : cfg->listen_addr;
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        return cerr_set(err, 500, "invalid listen address %s", cfg->listen_addr);
    char *tmp = xasprintf("%s/tmp", cfg->data_dir);
    mkdir(tmp, 0700);
    free(tmp);

    struct http_server *srv = xcalloc(1, sizeof(*srv));
    srv->cfg = cfg;
    srv->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
        (uint16_t)cfg->listen_port, NULL, NULL, on_request, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->http_threads > 0 ? cfg->http_threads : 4),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
    if (!srv->mhd) {
        free(srv);
        return cerr_set(err, 500, "cannot listen on %s:%d", cfg->listen_addr, cfg->listen_port);
    }
    *out = srv;
    return 0;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    MHD_stop_daemon(srv->mhd);
    free(srv);
}
