/* cirrusd.c - the cirrus daemon: parses flags over the INI config, opens
 * the store, bootstraps, starts the workers and the HTTP listener, and
 * runs until SIGINT/SIGTERM. */
#include "core/bootstrap.h"
#include "core/worker.h"
#include "http/server.h"
#include "store/db.h"
#include "util/config.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("Usage: cirrusd [OPTIONS]\n"
          "An OpenStack Compute (Nova v2.1) compatible cloud controller.\n\n"
          "  --config FILE        INI configuration file (nova.conf style); flags override it\n"
          "  --data-dir DIR       database, images, instances and clouds.yaml (default ./var)\n"
          "  --listen ADDR:PORT   HTTP listener (default 127.0.0.1:8774)\n"
          "  --public-url URL     base URL advertised in links and the catalog\n"
          "  --driver fake|qemu   virt driver (default fake)\n"
          "  --hosts N            compute hosts simulated in this process (default 1)\n"
          "  --role ROLE          all-in-one (default), api or compute\n"
          "  --host NAME          compute host name (prefix with --hosts > 1)\n"
          "  --database TARGET    SQLite file (default DIR/cirrus.db)\n"
          "  --fake-delay-ms N    duration of each fake driver operation (default 0)\n"
          "  --log-level LEVEL    debug, info, warning or error (default info)\n"
          "  --help               this text\n", f);
}

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

enum { O_CONFIG = 256, O_DATA, O_LISTEN, O_PUBLIC, O_DRIVER, O_HOSTS, O_ROLE, O_HOST,
       O_DATABASE, O_DELAY, O_LOGLEVEL, O_HELP };

static int parse_args(int argc, char **argv, struct cirrus_config *cfg)
{
    static const struct option opts[] = {
        { "config", required_argument, 0, O_CONFIG }, { "data-dir", required_argument, 0, O_DATA },
        { "listen", required_argument, 0, O_LISTEN }, { "public-url", required_argument, 0, O_PUBLIC },
        { "driver", required_argument, 0, O_DRIVER }, { "hosts", required_argument, 0, O_HOSTS },
        { "role", required_argument, 0, O_ROLE }, { "host", required_argument, 0, O_HOST },
        { "database", required_argument, 0, O_DATABASE },
        { "fake-delay-ms", required_argument, 0, O_DELAY },
        { "log-level", required_argument, 0, O_LOGLEVEL }, { "help", no_argument, 0, O_HELP },
        { 0, 0, 0, 0 },
    };
    /* The config file is read first so that flags override it wherever
     * they stand on the command line. */
    for (int i = 1; i < argc - 1; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            char msg[256];
            if (config_load_file(cfg, argv[i + 1], msg, sizeof(msg)) < 0) {
                fprintf(stderr, "cirrusd: %s\n", msg);
                return -1;
            }
        }
    }
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_CONFIG: break;
        case O_DATA: str_copy(cfg->data_dir, sizeof(cfg->data_dir), optarg); break;
        case O_LISTEN:
            if (config_set_listen(cfg, optarg) < 0) {
                fprintf(stderr, "cirrusd: --listen wants ADDR:PORT\n");
                return -1;
            }
            break;
        case O_PUBLIC: str_copy(cfg->public_url, sizeof(cfg->public_url), optarg); break;
        case O_DRIVER: str_copy(cfg->driver, sizeof(cfg->driver), optarg); break;
        case O_HOSTS: cfg->hosts = atoi(optarg); break;
        case O_ROLE: str_copy(cfg->role, sizeof(cfg->role), optarg); break;
        case O_HOST: str_copy(cfg->host, sizeof(cfg->host), optarg); break;
        case O_DATABASE: str_copy(cfg->database, sizeof(cfg->database), optarg); break;
        case O_DELAY: cfg->fake_delay_ms = atoi(optarg); break;
        case O_LOGLEVEL:
            if ((cfg->log_level = log_level_parse(optarg)) < 0) {
                fprintf(stderr, "cirrusd: unknown log level %s\n", optarg);
                return -1;
            }
            break;
        case O_HELP: usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (strcmp(cfg->driver, "fake") != 0 && strcmp(cfg->driver, "qemu") != 0) {
        fprintf(stderr, "cirrusd: --driver must be fake or qemu\n");
        return -1;
    }
    if (cfg->hosts < 1 || cfg->hosts > 1000) {
        fprintf(stderr, "cirrusd: --hosts must be between 1 and 1000\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct cirrus_config cfg;
    config_defaults(&cfg);
    if (parse_args(argc, argv, &cfg) < 0)
        return 2;
    config_finish(&cfg);
    log_set_level(cfg.log_level);
    if (sodium_init() < 0) {
        log_error("libsodium failed to initialise");
        return 1;
    }
    if (mkdir(cfg.data_dir, 0755) < 0 && errno != EEXIST) {
        log_error("cannot create %s: %s", cfg.data_dir, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    struct cerr err = {0};
    struct http_server *srv = NULL;
    int rc = 1;
    if (store_init(cfg.database, &err) < 0 || bootstrap_run(&cfg, &err) < 0 ||
        worker_start(&cfg, &err) < 0)
        goto cleanup;
    if (strcmp(cfg.role, "compute") != 0) {
        if (http_server_start(&cfg, &srv, &err) < 0 ||
            bootstrap_write_clouds_yaml(&cfg, &err) < 0)
            goto cleanup;
        log_info("cirrusd listening on %s (driver %s, %d host%s, data in %s)", cfg.public_url,
                 cfg.driver, cfg.hosts, cfg.hosts == 1 ? "" : "s", cfg.data_dir);
        char *abs = realpath(cfg.data_dir, NULL);
        printf("\ncirrusd is running. To use it with the openstack CLI:\n\n"
               "  export OS_CLIENT_CONFIG_FILE=%s/clouds.yaml\n"
               "  export OS_CLOUD=cirrus-demo     # or cirrus-admin\n\n",
               abs ? abs : cfg.data_dir);
        fflush(stdout);
        free(abs);
    }
    while (!g_stop)
        pause();
    log_info("cirrusd stopping");
    rc = 0;
cleanup:
    if (rc)
        log_error("%s", err.message);
    http_server_stop(srv);
    worker_stop();
    store_shutdown();
    return rc;
}
