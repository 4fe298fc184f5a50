# cirrus build. `make` builds build/release/cirrusd; `make test` installs what
# is missing, builds the sanitizer variant and runs every test suite;
# `make run` starts cirrusd all-in-one on 127.0.0.1:8774 with ./var;
# `make bench` seeds 1000 servers and measures the servers API with wrk.

CC       ?= cc
PKGS     := libmicrohttpd jansson sqlite3 libsodium uuid inih
CSTD     := -std=c17 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2
INCS     := -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcrypto -lpthread -lm

VARIANT  ?= release
ifeq ($(VARIANT),asan)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
OPT      := -O2 -g
endif

B        := build/$(VARIANT)
NPROC    := $(shell nproc 2>/dev/null || echo 2)

# Debian's interpreter, where apt puts pytest, requests and openstacksdk; a
# python3 earlier on PATH (pyenv, venv) would not see them.
PYTHON   ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
PYTEST   := $(PYTHON) -m pytest -q -rfEs -p no:cacheprovider -o timeout=600
# Sanitizers: unit tests abort at the first report; a daemon started by the
# pytest fixtures prints its report to its log, which the fixtures scan when
# they stop it (tests/conftest.py) and which fails the run.
UNIT_ASAN  := detect_leaks=1:abort_on_error=1:halt_on_error=1
UNIT_UBSAN := print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS  ?= detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
RUN_ARGS ?=
SRCS     := $(filter-out src/cirrusd.c,$(wildcard src/*/*.c src/*/*/*.c src/*/*/*/*.c))
OBJS     := $(SRCS:%.c=$(B)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all cirrusd deps run test test-unit test-api test-clients test-vm bench clean asan
all: cirrusd
cirrusd: $(B)/cirrusd

$(B)/cirrusd: $(B)/src/cirrusd.o $(OBJS)
	$(CC) $(OPT) -o $@ $^ $(LIBS)

$(B)/libcirrus.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(INCS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(INCS) -o $@ $< $(OBJS) $(LIBS) -lcmocka

-include $(OBJS:.o=.d) $(B)/src/cirrusd.d

deps:
	@bash scripts/deps.sh

asan:
	$(MAKE) VARIANT=asan cirrusd $(UNIT_BIN:build/release/%=build/asan/%)

# All-in-one in the foreground: prints the OS_CLIENT_CONFIG_FILE / OS_CLOUD
# exports once it listens. Extra flags: make run RUN_ARGS="--hosts 4".
run: deps
	$(MAKE) -j$(NPROC) VARIANT=release cirrusd
	./build/release/cirrusd --data-dir ./var $(RUN_ARGS)

# The whole suite, as CI runs it: sanitizer build, unit, API, client tests,
# and real VMs under TCG (tests/vm builds the guest with tools/build-guest.sh).
test: deps
	$(MAKE) -j$(NPROC) VARIANT=asan cirrusd $(UNIT_BIN:build/release/%=build/asan/%)
	$(MAKE) VARIANT=asan test-unit
	CIRRUSD=build/asan/cirrusd $(PYTEST) tests/api tests/clients tests/vm

test-unit: $(UNIT_BIN)
	@set -e; n=0; for t in $(UNIT_BIN); do echo "== $$t"; \
	  ASAN_OPTIONS=$(UNIT_ASAN) UBSAN_OPTIONS=$(UNIT_UBSAN) $$t; n=$$((n+1)); done; \
	  echo "unit: $$n binaries passed"

test-api: $(B)/cirrusd
	CIRRUSD=$(B)/cirrusd $(PYTEST) tests/api

test-clients: $(B)/cirrusd
	CIRRUSD=$(B)/cirrusd $(PYTEST) tests/clients

test-vm: $(B)/cirrusd
	CIRRUSD=$(B)/cirrusd $(PYTEST) tests/vm

bench: deps
	$(MAKE) -j$(NPROC) VARIANT=release cirrusd
	PYTHON=$(PYTHON) bash bench/run.sh

clean:
	rm -rf build
