/* image.c - the rules Glance applies to images, shared by the Image API
 * and the compute API's images proxy: who sees what (glance/db
 * is_image_visible and the list query), list filters/sort/markers, the data
 * file's life with its MD5 and SHA-512, and the bootstrap "cirros" image. */
#include "core/bootstrap.h"
#include "core/image.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- visibility --- */

static bool is_admin(const struct auth *a) { return (a->roles & ROLE_ADMIN) != 0; }

static bool owns(const struct image *m, const struct auth *a)
{
    return m->owner[0] && a->project_id[0] && strcmp(m->owner, a->project_id) == 0;
}

static bool visible_with(const struct image *m, const struct auth *a, bool member)
{
    if (is_admin(a) || owns(m, a))
        return true;
    if (strcmp(m->visibility, "public") == 0 || strcmp(m->visibility, "community") == 0)
        return true;
    return strcmp(m->visibility, "shared") == 0 && member;
}

bool image_visible(struct db *db, const struct image *img, const struct auth *a)
{
    bool member = false;
    if (strcmp(img->visibility, "shared") == 0 && a->project_id[0]) {
        struct image_member mb;
        member = store_image_member_get(db, img->id, a->project_id, &mb, NULL) == 0;
    }
    return visible_with(img, a, member);
}

int image_get_for(struct db *db, const struct auth *a, const char *id, struct image *out,
                  struct cerr *err)
{
    struct image m;
    if (store_image_get(db, id, &m, err) < 0)
        return -1;
    if (!image_visible(db, &m, a))
        return cerr_set(err, 404, "Image %s could not be found.", id);
    *out = m;
    return 0;
}

bool image_writable(const struct image *img, const struct auth *a)
{
    return is_admin(a) || (owns(img, a) && (a->roles & ROLE_MEMBER));
}

char *image_file_path(const struct cirrus_config *cfg, const char *id)
{
    return xasprintf("%s/images/%s", cfg->data_dir, id);
}

/* --- attributes as filters and sort keys see them --- */

enum attr_kind { A_STR, A_INT, A_BOOL, A_TIME };

struct attr_val {
    enum attr_kind kind;
    bool null;
    const char *s;
    int64_t i;
};

static const char *str_or_null(const char *s, bool *null)
{
    *null = !*s;
    return s;
}

static bool str_attr(const struct image *m, const char *key, struct attr_val *v)
{
    static const struct { const char *key; size_t off; } map[] = {
        {"id", offsetof(struct image, id)}, {"status", offsetof(struct image, status)},
        {"visibility", offsetof(struct image, visibility)},
        {"owner", offsetof(struct image, owner)},
        {"disk_format", offsetof(struct image, disk_format)},
        {"container_format", offsetof(struct image, container_format)},
        {"checksum", offsetof(struct image, checksum)},
        {"os_hash_algo", offsetof(struct image, os_hash_algo)},
        {"os_hash_value", offsetof(struct image, os_hash_value)},
    };
    v->kind = A_STR;
    if (strcmp(key, "name") == 0) {
        v->s = m->name;
        v->null = !m->has_name;
        return true;
    }
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(key, map[i].key) == 0) {
            v->s = str_or_null((const char *)m + map[i].off, &v->null);
            return true;
        }
    }
    return false;
}

static bool attr_get(const struct image *m, const char *key, struct attr_val *v)
{
    memset(v, 0, sizeof(*v));
    if (str_attr(m, key, v))
        return true;
    static const struct { const char *key; enum attr_kind kind; size_t off; bool is_bool; }
    nums[] = {
        {"size", A_INT, offsetof(struct image, size), false},
        {"virtual_size", A_INT, offsetof(struct image, virtual_size), false},
        {"min_disk", A_INT, offsetof(struct image, min_disk), false},
        {"min_ram", A_INT, offsetof(struct image, min_ram), false},
        {"created_at", A_TIME, offsetof(struct image, created_at), false},
        {"updated_at", A_TIME, offsetof(struct image, updated_at), false},
        {"protected", A_BOOL, offsetof(struct image, protected_), true},
        {"os_hidden", A_BOOL, offsetof(struct image, os_hidden), true},
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        if (strcmp(key, nums[i].key) != 0)
            continue;
        const char *p = (const char *)m + nums[i].off;
        v->kind = nums[i].kind;
        v->i = nums[i].is_bool ? *(const bool *)p : *(const int64_t *)p;
        v->null = v->kind == A_INT && v->i < 0;
        return true;
    }
    return false;
}

bool image_is_base_attr(const char *key)
{
    struct image zero = {0};
    struct attr_val v;
    return attr_get(&zero, key, &v);
}

/* --- filters --- */

/* Glance's "in:" operand: comma-separated values, one holding commas
 * written in double quotes (glance.common.utils.split_filter_value_for_quotes). */
static bool in_list(const char *list, const char *v)
{
    size_t vlen = strlen(v);
    const char *p = list;
    while (*p) {
        const char *start = p, *end;
        if (*p == '"') {
            start = p + 1;
            end = strchr(start, '"');
            end = end ? end : start + strlen(start);
            p = *end ? end + 1 : end;
        } else {
            end = strchr(p, ',');
            end = end ? end : p + strlen(p);
            p = end;
        }
        if ((size_t)(end - start) == vlen && strncmp(start, v, vlen) == 0)
            return true;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return false;
}

static int sign(int64_t a, int64_t b) { return (a > b) - (a < b); }

static bool op_holds(enum image_op op, int c)
{
    switch (op) {
    case IMAGE_EQ: case IMAGE_IN: return c == 0;
    case IMAGE_NEQ: return c != 0;
    case IMAGE_GT: return c > 0;
    case IMAGE_GTE: return c >= 0;
    case IMAGE_LT: return c < 0;
    case IMAGE_LTE: return c <= 0;
    }
    return false;
}

static bool match_text(const char *have, const struct image_filter *f)
{
    if (f->op == IMAGE_IN)
        return in_list(f->value, have);
    int c = strcmp(have, f->value);
    return op_holds(f->op, (c > 0) - (c < 0));
}

static bool match_attr(const struct attr_val *v, const struct image_filter *f)
{
    if (v->null)
        return false;            /* NULL compares with nothing, as in SQL */
    int64_t want = 0;
    switch (v->kind) {
    case A_STR:
        return match_text(v->s, f);
    case A_BOOL:
        return op_holds(f->op, sign(v->i, strcasecmp(f->value, "true") == 0));
    case A_INT:
        return op_holds(f->op, sign(v->i, strtoll(f->value, NULL, 10)));
    case A_TIME:
        if (clock_parse_iso(f->value, &want) < 0)
            return false;
        return op_holds(f->op, sign(v->i / 1000000, want / 1000000));
    }
    return false;
}

static bool has_tags(struct db *db, const struct image *m, const struct image_query *q)
{
    if (q->ntags == 0)
        return true;
    json_t *tags = store_image_tags(db, m->id);
    bool ok = true;
    for (int i = 0; ok && i < q->ntags; i++) {
        bool found = false;
        size_t j;
        json_t *t;
        json_array_foreach(tags, j, t)
            found = found || strcmp(json_string_value(t), q->tags[i]) == 0;
        ok = found;
    }
    json_decref(tags);
    return ok;
}

static bool matches(struct db *db, const struct image *m, const struct image_query *q)
{
    json_t *props = NULL;
    bool ok = true;
    for (int i = 0; ok && i < q->nfilters; i++) {
        const struct image_filter *f = &q->filters[i];
        struct attr_val v;
        if (attr_get(m, f->key, &v)) {
            ok = match_attr(&v, f);
            continue;
        }
        if (!props)
            props = store_image_properties(db, m->id);
        const char *pv = json_string_value(json_object_get(props, f->key));
        ok = pv && match_text(pv, f);
    }
    json_decref(props);
    return ok && has_tags(db, m, q);
}

/* Glance's list query for a caller: without a visibility filter, public
 * images, the caller's own and shared ones it accepted; community images
 * of others only when asked for; admins see everything. */
static bool listed(const struct image *m, const struct auth *a, const struct image_query *q)
{
    const char *vf = q->visibility;
    if (vf && strcmp(vf, "all") != 0 && strcmp(m->visibility, vf) != 0)
        return false;
    if (m->os_hidden != q->os_hidden)
        return false;
    if (is_admin(a) || owns(m, a) || strcmp(m->visibility, "public") == 0)
        return true;
    if (strcmp(m->visibility, "community") == 0)
        return vf != NULL;
    if (strcmp(m->visibility, "shared") != 0 || !m->member_status[0])
        return false;
    const char *want = q->member_status ? q->member_status : "accepted";
    return strcmp(want, "all") == 0 || strcmp(want, m->member_status) == 0;
}

/* --- sorting --- */

bool image_sort_key_valid(const char *key)
{
    static const char *const keys[] = {
        "name", "status", "container_format", "disk_format", "size", "id", "created_at",
        "updated_at",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return false;
}

struct sort_spec {
    struct image_sort keys[IMAGE_QUERY_MAX + 2];
    int n;
};

/* Glance (db image_get_all): created_at desc by default; created_at and
 * id are appended as tie-breakers so the order, and markers, are total. */
static void sort_spec_build(const struct image_query *q, struct sort_spec *s)
{
    bool dir = true;
    s->n = 0;
    for (int i = 0; i < q->nsort; i++) {
        s->keys[s->n++] = q->sort[i];
        dir = i == 0 ? q->sort[i].desc : (dir == q->sort[i].desc ? dir : true);
    }
    static const char *const tail[] = { "created_at", "id" };
    for (int t = 0; t < 2; t++) {
        bool present = false;
        for (int i = 0; i < s->n; i++)
            present = present || strcmp(s->keys[i].key, tail[t]) == 0;
        if (!present)
            s->keys[s->n++] = (struct image_sort){ tail[t], dir };
    }
}

static int cmp_attr(const struct image *x, const struct image *y, const char *key)
{
    struct attr_val a, b;
    attr_get(x, key, &a);
    attr_get(y, key, &b);
    if (a.null || b.null)
        return (int)b.null - (int)a.null;    /* NULL first, as SQLite orders */
    if (a.kind == A_STR) {
        int c = strcmp(a.s, b.s);
        return (c > 0) - (c < 0);
    }
    return sign(a.i, b.i);
}

static int cmp_images(const void *x, const void *y, void *ctx)
{
    const struct sort_spec *s = ctx;
    for (int i = 0; i < s->n; i++) {
        int c = cmp_attr(x, y, s->keys[i].key);
        if (c)
            return s->keys[i].desc ? -c : c;
    }
    return 0;
}

static int find_marker(const struct image *rows, int n, const struct auth *a, const char *id,
                       struct image *out, struct cerr *err)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(rows[i].id, id) == 0 && visible_with(&rows[i], a, rows[i].member_status[0])) {
            *out = rows[i];
            return 0;
        }
    }
    return cerr_set(err, 400, "No image found with ID %s", id);
}

int image_list(struct db *db, const struct auth *a, const struct image_query *q,
               struct image_page *out, struct cerr *err)
{
    struct image *rows = NULL, marker;
    int n = 0, k = 0;
    struct sort_spec spec;
    if (store_image_list(db, a->project_id[0] ? a->project_id : NULL, &rows, &n, err) < 0)
        return -1;
    sort_spec_build(q, &spec);
    if (q->marker && find_marker(rows, n, a, q->marker, &marker, err) < 0) {
        free(rows);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (listed(&rows[i], a, q) && (!q->marker || cmp_images(&rows[i], &marker, &spec) > 0) &&
            matches(db, &rows[i], q))
            rows[k++] = rows[i];
    }
    if (k > 1)      /* rows is NULL when no image exists: qsort_r must not see it (UBSan) */
        qsort_r(rows, (size_t)k, sizeof(*rows), cmp_images, &spec);
    out->items = rows;
    out->count = k < q->limit ? k : q->limit;
    out->more = k > q->limit;
    return 0;
}

void image_page_free(struct image_page *p)
{
    if (!p)
        return;
    free(p->items);
    p->items = NULL;
    p->count = 0;
}

/* --- data --- */

static void hex(const unsigned char *d, unsigned n, char *out)
{
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
    out[2 * n] = '\0';
}

static int digest_loop(int fd, EVP_MD_CTX *md5, EVP_MD_CTX *sha, struct image_digest *out)
{
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = xmalloc(CHUNK);
    int rc = -1;
    for (;;) {
        ssize_t r = read(fd, buf, CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto cleanup;
        if (r == 0)
            break;
        if (out->head_len < sizeof(out->head)) {
            size_t take = sizeof(out->head) - out->head_len;
            take = (size_t)r < take ? (size_t)r : take;
            memcpy(out->head + out->head_len, buf, take);
            out->head_len += take;
        }
        if (!EVP_DigestUpdate(md5, buf, (size_t)r) || !EVP_DigestUpdate(sha, buf, (size_t)r))
            goto cleanup;
        out->size += r;
    }
    rc = 0;
cleanup:
    free(buf);
    return rc;
}

int image_digest_fd(int fd, struct image_digest *out)
{
    EVP_MD_CTX *md5 = EVP_MD_CTX_new(), *sha = EVP_MD_CTX_new();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (!md5 || !sha || !EVP_DigestInit_ex(md5, EVP_md5(), NULL) ||
        !EVP_DigestInit_ex(sha, EVP_sha512(), NULL) || digest_loop(fd, md5, sha, out) < 0)
        goto cleanup;
    if (!EVP_DigestFinal_ex(md5, d, &len))
        goto cleanup;
    hex(d, len, out->md5);
    if (!EVP_DigestFinal_ex(sha, d, &len))
        goto cleanup;
    hex(d, len, out->sha512);
    rc = 0;
cleanup:
    EVP_MD_CTX_free(md5);
    EVP_MD_CTX_free(sha);
    return rc;
}

int64_t image_virtual_size(const char *disk_format, const struct image_digest *d)
{
    if (strcmp(disk_format, "raw") == 0)
        return d->size;
    if (strcmp(disk_format, "qcow2") != 0 || d->head_len < 32 ||
        memcmp(d->head, "QFI\xfb", 4) != 0)
        return -1;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)      /* header.size, big-endian */
        v = (v << 8) | d->head[i];
    return v > INT64_MAX ? -1 : (int64_t)v;
}

/* Moves a finished file to its final name (same file system: data_dir). */
static int place_file(const char *from, const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    mkdir(dir, 0700);
    free(dir);
    if (rename(from, path) < 0) {
        log_error("image: cannot move %s to %s: %s", from, path, strerror(errno));
        return -1;
    }
    return 0;
}

static int digest_path(const char *path, struct image_digest *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = image_digest_fd(fd, d);
    close(fd);
    return rc;
}

static int store_data(const struct cirrus_config *cfg, struct db *db, struct image *m,
                      const char *spool, int64_t expected, struct cerr *err)
{
    struct image_digest d;
    if (!spool || digest_path(spool, &d) < 0)
        return cerr_internal(err, "image upload: cannot read the uploaded data");
    if (expected >= 0 && expected != d.size)
        return cerr_set(err, 400, "Image size (%lld) does not match the expected size (%lld)",
                        (long long)d.size, (long long)expected);
    char *path = image_file_path(cfg, m->id);
    int rc = place_file(spool, path);
    if (rc < 0) {
        free(path);
        return cerr_internal(err, "image upload: cannot store the data");
    }
    m->size = d.size;
    m->virtual_size = image_virtual_size(m->disk_format, &d);
    str_copy(m->checksum, sizeof(m->checksum), d.md5);
    str_copy(m->os_hash_algo, sizeof(m->os_hash_algo), "sha512");
    str_copy(m->os_hash_value, sizeof(m->os_hash_value), d.sha512);
    rc = store_image_set_data(db, m);
    if (rc <= 0)
        unlink(path);
    free(path);
    if (rc < 0)
        return cerr_internal(err, "image upload");
    if (rc == 0)
        return cerr_set(err, 410, "Image %s could not be found after upload. The image may "
                        "have been deleted during the upload.", m->id);
    return 0;
}

int image_upload(const struct cirrus_config *cfg, struct db *db, const char *id,
                 const char *spool_path, int64_t expected_size, struct cerr *err)
{
    struct image m;
    if (store_image_get(db, id, &m, err) < 0)
        return -1;
    if (!m.disk_format[0] || !m.container_format[0])
        return cerr_set(err, 400, "Properties disk_format, container_format must be set prior "
                        "to saving data.");
    int cas = store_image_set_status(db, id, "queued", "saving");
    if (cas < 0)
        return cerr_internal(err, "image upload");
    if (cas == 0)
        return cerr_set(err, 409, "Image status transition from %s to saving is not allowed",
                        m.status);
    if (store_data(cfg, db, &m, spool_path, expected_size, err) == 0)
        return 0;
    /* A failed upload leaves the image queued, ready for another try. */
    store_image_set_status(db, id, "saving", "queued");
    return -1;
}

int image_open_data(const struct cirrus_config *cfg, const struct image *img, int *fd,
                    int64_t *size, struct cerr *err)
{
    if (img->size < 0)
        return 1;
    char *path = image_file_path(cfg, img->id);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (f < 0 || fstat(f, &st) < 0) {
        log_error("image %s: cannot open %s: %s", img->id, path, strerror(errno));
        free(path);
        if (f >= 0)
            close(f);
        return cerr_set(err, 404, "Image data for image %s could not be found.", img->id);
    }
    free(path);
    *fd = f;
    *size = st.st_size;
    return 0;
}

int image_delete(const struct cirrus_config *cfg, struct db *db, const struct image *img,
                 struct cerr *err)
{
    if (img->protected_)
        return cerr_set(err, 403, "Image %s is protected and cannot be deleted.", img->id);
    if (store_image_delete(db, img->id, err) < 0)
        return -1;
    char *path = image_file_path(cfg, img->id);
    if (unlink(path) < 0 && errno != ENOENT)
        log_warn("image %s: cannot remove %s: %s", img->id, path, strerror(errno));
    free(path);
    return 0;
}

/* --- bootstrap --- */

#define CIRROS_SIZE 8192

/* A few KiB standing in for a guest disk until a bootable image is
 * shipped: an MBR-signed raw disk, the same bytes on every start, so a
 * lost file can be rewritten and still match the recorded checksum. */
static void cirros_bytes(unsigned char *buf)
{
    static const char text[] = "cirrus bootstrap image (raw, bare)\n";
    memset(buf, 0, CIRROS_SIZE);
    for (size_t off = 512; off + sizeof(text) < CIRROS_SIZE; off += 512)
        memcpy(buf + off, text, sizeof(text) - 1);
    buf[510] = 0x55;
    buf[511] = 0xaa;
}

static int write_cirros(const struct cirrus_config *cfg, const char *id,
                        struct image_digest *d)
{
    unsigned char *buf = xmalloc(CIRROS_SIZE);
    char *tmp = xasprintf("%s/tmp/cirros-%s", cfg->data_dir, id);
    char *path = image_file_path(cfg, id);
    char *tmpdir = xasprintf("%s/tmp", cfg->data_dir);
    mkdir(tmpdir, 0700);
    cirros_bytes(buf);
    int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        bool ok = write(fd, buf, CIRROS_SIZE) == CIRROS_SIZE;
        close(fd);
        if (ok && digest_path(tmp, d) == 0 && place_file(tmp, path) == 0)
            rc = 0;
    }
    if (rc < 0)
        unlink(tmp);
    free(tmpdir);
    free(path);
    free(tmp);
    free(buf);
    return rc;
}

static int create_cirros(const struct cirrus_config *cfg, struct db *db, struct cerr *err)
{
    struct image m = { .has_name = true, .min_disk = 0, .min_ram = 0 };
    struct image_digest d;
    char id[UUID_TEXT];
    uuid_generate_text(id);
    str_copy(m.id, sizeof(m.id), id);
    str_copy(m.name, sizeof(m.name), "cirros");
    store_image_admin_project(db, m.owner);     /* NULL owner before identity exists */
    str_copy(m.status, sizeof(m.status), "active");
    str_copy(m.visibility, sizeof(m.visibility), "public");
    str_copy(m.disk_format, sizeof(m.disk_format), "raw");
    str_copy(m.container_format, sizeof(m.container_format), "bare");
    if (write_cirros(cfg, id, &d) < 0)
        return cerr_internal(err, "image bootstrap: cannot write the cirros image");
    m.size = d.size;
    m.virtual_size = image_virtual_size(m.disk_format, &d);
    str_copy(m.checksum, sizeof(m.checksum), d.md5);
    str_copy(m.os_hash_algo, sizeof(m.os_hash_algo), "sha512");
    str_copy(m.os_hash_value, sizeof(m.os_hash_value), d.sha512);
    if (store_image_insert(db, &m, NULL, NULL, err) < 0)
        return -1;
    log_info("created image cirros (%s)", id);
    return 0;
}

/* The file of an existing bootstrap image went missing: rewrite it when
 * the regenerated bytes are the ones recorded. */
static void repair_cirros(const struct cirrus_config *cfg, const struct image *m)
{
    char *path = image_file_path(cfg, m->id);
    bool missing = access(path, F_OK) < 0;
    free(path);
    struct image_digest d;
    if (!missing || m->size != CIRROS_SIZE || write_cirros(cfg, m->id, &d) < 0)
        return;
    log_warn("image %s: data file was missing, rewritten", m->id);
}

int image_bootstrap(const struct cirrus_config *cfg, struct cerr *err)
{
    struct db *db = store_db();
    struct image *rows = NULL;
    int n = 0, found = -1;
    if (!db)
        return cerr_internal(err, "image bootstrap: no database");
    if (store_image_list(db, NULL, &rows, &n, err) < 0)
        return -1;
    for (int i = 0; i < n && found < 0; i++)
        if (rows[i].has_name && strcmp(rows[i].name, "cirros") == 0 &&
            strcmp(rows[i].visibility, "public") == 0)
            found = i;
    int rc = 0;
    if (found < 0)
        rc = create_cirros(cfg, db, err);
    else if (strcmp(rows[found].status, "active") == 0)
        repair_cirros(cfg, &rows[found]);
    free(rows);
    return rc;
}
