/* disks.c - image cache, overlays and file helpers (see disks.h). Every
 * step is idempotent: a task re-run after a crash finds its files and
 * reuses or replaces them. */
#include "virt/qemu/disks.h"

#include "core/image.h"
#include "util/mem.h"
#include "virt/qemu/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool qemu_file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int qemu_mkdirs(const char *path, struct cerr *err)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0750) < 0 && errno != EEXIST) {
            rc = cerr_set(err, 500, "cannot create %s: %s", p, strerror(errno));
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return rc;
}

const char *qemu_image_format(const char *path)
{
    unsigned char magic[4] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, magic, sizeof(magic)) < 0)
            magic[0] = 0;
        close(fd);
    }
    return memcmp(magic, "QFI\xfb", 4) == 0 ? "qcow2" : "raw";
}

int qemu_copy_file(const char *src, const char *dst, struct cerr *err)
{
    char *tmp = xasprintf("%s.part", dst);
    int in = -1, out = -1, rc = -1;
    if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
        cerr_set(err, 500, "cannot read %s: %s", src, strerror(errno));
        goto cleanup;
    }
    if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
        cerr_set(err, 500, "cannot write %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    char chunk[1 << 16];
    for (;;) {
        ssize_t n = read(in, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cerr_set(err, 500, "cannot read %s: %s", src, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, chunk + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                cerr_set(err, 500, "cannot write %s: %s", tmp, strerror(errno));
                goto cleanup;
            }
            off += w;
        }
    }
    if (close(out) < 0 || rename(tmp, dst) < 0) {
        out = -1;
        cerr_set(err, 500, "cannot write %s: %s", dst, strerror(errno));
        goto cleanup;
    }
    out = -1;
    rc = 0;
cleanup:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int qemu_write_file(const char *path, const void *data, size_t len, struct cerr *err)
{
    char *tmp = xasprintf("%s.part", path);
    int rc = -1;
    FILE *f = fopen(tmp, "we");
    if (!f || fwrite(data, 1, len, f) != len) {
        cerr_set(err, 500, "cannot write %s: %s", tmp, strerror(errno));
        if (f)
            fclose(f);
        unlink(tmp);
        goto cleanup;
    }
    if (fclose(f) != 0 || rename(tmp, path) < 0) {
        cerr_set(err, 500, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(tmp);
    return rc;
}

char *qemu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    struct buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    if (len)
        *len = b.len;
    buf_append(&b, "", 1);
    return b.data;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

void qemu_rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int qemu_copy_tree(const char *src, const char *dst, struct cerr *err)
{
    struct stat st;
    if (lstat(src, &st) < 0)
        return cerr_set(err, 500, "cannot read %s: %s", src, strerror(errno));
    if (S_ISREG(st.st_mode))
        return qemu_copy_file(src, dst, err);
    if (!S_ISDIR(st.st_mode))
        return 0;                 /* nothing else belongs in an instance's files */
    if (qemu_mkdirs(dst, err) < 0)
        return -1;
    DIR *dp = opendir(src);
    if (!dp)
        return cerr_set(err, 500, "cannot list %s: %s", src, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *from = xasprintf("%s/%s", src, e->d_name), *to = xasprintf("%s/%s", dst, e->d_name);
        rc = qemu_copy_tree(from, to, err);
        free(from);
        free(to);
    }
    closedir(dp);
    return rc;
}

/* A user's qcow2 could name a backing or data file anywhere on this host
 * and have the guest read it; Nova's format inspector refuses such images
 * (ImageUnacceptable), and so do we. */
static int image_acceptable(const char *qemu_img, const char *image_id, const char *path,
                            struct cerr *err)
{
    char *argv[] = { (char *)qemu_img, "info", "--output=json", (char *)path, NULL };
    char *out = NULL;
    int rc = qemu_run(argv, &out, err);
    json_t *j = rc == 0 ? json_loads(out, 0, NULL) : NULL;
    if (rc == 0) {
        const char *fmt = json_string_value(json_object_get(j, "format"));
        json_t *data = json_object_get(json_object_get(j, "format-specific"), "data");
        if (!fmt || (strcmp(fmt, "qcow2") != 0 && strcmp(fmt, "raw") != 0))
            rc = cerr_set(err, 500, "Image %s is unacceptable: format %s cannot be booted",
                          image_id, fmt ? fmt : "unknown");
        else if (json_object_get(j, "backing-filename") || json_object_get(data, "data-file"))
            rc = cerr_set(err, 500, "Image %s is unacceptable: it refers to other files",
                          image_id);
    }
    json_decref(j);
    free(out);
    return rc;
}

int qemu_image_cache(const struct cirrus_config *cfg, const char *host_dir,
                     const char *image_id, char **base, struct cerr *err)
{
    char *dir = xasprintf("%s/_base", host_dir);
    char *path = xasprintf("%s/%s", dir, image_id);
    char *src = image_file_path(cfg, image_id);
    int rc = -1;
    if (qemu_file_exists(path)) {
        rc = 0;
        goto cleanup;
    }
    if (!qemu_file_exists(src)) {
        cerr_set(err, 500, "Image %s has no data to boot from", image_id);
        goto cleanup;
    }
    if (qemu_mkdirs(dir, err) < 0)
        goto cleanup;
    /* Image data files never change once active, so a hard link is a safe
     * cache entry and costs nothing; other file systems get a copy. */
    if (link(src, path) == 0 || (errno == EEXIST))
        rc = 0;
    else
        rc = qemu_copy_file(src, path, err);
    if (rc == 0 && (rc = image_acceptable(cfg->qemu_img, image_id, path, err)) < 0)
        unlink(path);
cleanup:
    if (rc == 0) {
        *base = path;
        path = NULL;
    }
    free(dir);
    free(path);
    free(src);
    return rc;
}

int64_t qemu_disk_virtual_size(const char *qemu_img, const char *path)
{
    char *argv[] = { (char *)qemu_img, "info", "-U", "--output=json", (char *)path, NULL };
    char *out = NULL;
    struct cerr err = {0};
    int64_t size = -1;
    if (qemu_run(argv, &out, &err) == 0) {
        json_t *j = json_loads(out, 0, NULL);
        json_t *v = json_object_get(j, "virtual-size");
        if (json_is_integer(v))
            size = json_integer_value(v);
        json_decref(j);
    }
    free(out);
    return size;
}

int qemu_disk_overlay(const char *qemu_img, const char *base, const char *path,
                      int64_t size_gb, struct cerr *err)
{
    int64_t image_size = qemu_disk_virtual_size(qemu_img, base);
    char size[32] = "";
    if (size_gb > 0 && (image_size < 0 || size_gb * 1073741824LL > image_size))
        snprintf(size, sizeof(size), "%lldG", (long long)size_gb);
    char *argv[] = { (char *)qemu_img, "create", "-q", "-f", "qcow2", "-F",
                     (char *)qemu_image_format(base), "-b", (char *)base, (char *)path,
                     size[0] ? size : NULL, NULL };
    unlink(path);
    return qemu_run(argv, NULL, err);
}

int qemu_disk_blank(const char *qemu_img, const char *path, int64_t size_mb, struct cerr *err)
{
    char size[32];
    snprintf(size, sizeof(size), "%lldM", (long long)size_mb);
    char *argv[] = { (char *)qemu_img, "create", "-q", "-f", "qcow2", (char *)path, size, NULL };
    return qemu_run(argv, NULL, err);
}

int qemu_disk_rebase(const char *qemu_img, const char *path, const char *base,
                     struct cerr *err)
{
    /* -u: the new base holds the same bytes, nothing to copy. */
    char *argv[] = { (char *)qemu_img, "rebase", "-u", "-F", (char *)qemu_image_format(base),
                     "-b", (char *)base, (char *)path, NULL };
    return qemu_run(argv, NULL, err);
}

int qemu_disk_grow(const char *qemu_img, const char *path, int64_t size_gb, struct cerr *err)
{
    int64_t now = qemu_disk_virtual_size(qemu_img, path);
    if (size_gb <= 0 || (now >= 0 && now >= size_gb * 1073741824LL))
        return 0;
    char size[32];
    snprintf(size, sizeof(size), "%lldG", (long long)size_gb);
    char *argv[] = { (char *)qemu_img, "resize", "-q", (char *)path, size, NULL };
    return qemu_run(argv, NULL, err);
}

int qemu_disk_flatten(const char *qemu_img, const char *src, const char *dst, struct cerr *err)
{
    char *argv[] = { (char *)qemu_img, "convert", "-U", "-q", "-O", "qcow2", (char *)src,
                     (char *)dst, NULL };
    return qemu_run(argv, NULL, err);
}
