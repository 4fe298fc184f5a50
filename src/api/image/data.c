/* data.c - image data: PUT /v2/images/{id}/file (the body arrives spooled
 * to a file by the HTTP layer, ROUTE_STREAM) and GET /v2/images/{id}/file
 * sent straight from the data file (glance-api-ref images-data.inc). */
#include "api/api.h"
#include "api/image/image_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int check_octet_stream(const struct http_request *req, struct cerr *err)
{
    const char *ct = http_header(req, "Content-Type");
    size_t n = ct ? strcspn(ct, ";") : 0;
    if (ct && n == 24 && strncasecmp(ct, "application/octet-stream", n) == 0)
        return 0;
    return cerr_set(err, 415, "Invalid content type %s", ct ? ct : "None");
}

/* x-openstack-image-size: the size the client promises; -1 when absent. */
static int expected_size(const struct http_request *req, int64_t *out, struct cerr *err)
{
    const char *v = http_header(req, "x-openstack-image-size");
    *out = -1;
    if (!v)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 0)
        return cerr_set(err, 400, "x-openstack-image-size must be a non-negative integer, "
                        "got '%s'", v);
    *out = n;
    return 0;
}

static int data_upload(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    int64_t expected;
    if (image_api_load(req, db, req->params[0], &m, err) < 0 ||
        image_api_writable(req, &m, "upload_image", err) < 0 ||
        check_octet_stream(req, err) < 0 || expected_size(req, &expected, err) < 0 ||
        image_upload(req->cfg, db, m.id, req->body_file, expected, err) < 0)
        return -1;
    http_empty(res, 204);
    return 0;
}

static int data_download(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    int fd = -1;
    int64_t size = 0;
    if (image_api_load(req, db, req->params[0], &m, err) < 0)
        return -1;
    if (strcmp(m.status, "deactivated") == 0 && !http_is_admin(req))
        return cerr_set(err, 403, "The requested image has been deactivated. Image data "
                        "download is forbidden.");
    int rc = image_open_data(req->cfg, &m, &fd, &size, err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        http_empty(res, 204);
        return 0;
    }
    res->status = 200;
    res->fd = fd;
    res->body_len = (size_t)size;
    res->content_type = "application/octet-stream";
    if (m.checksum[0])
        http_set_header(res, "Content-MD5", m.checksum);
    return 0;
}

const struct route api_image_data_routes[] = {
    { "PUT", "/v2/images/{id}/file", data_upload, ROUTE_STREAM, 0, 0 },
    { "GET", "/v2/images/{id}/file", data_download, 0, 0, 0 },
    { 0 }
};
