# cirrus build. `make` builds build/release/cirrusd; `make test` installs what
# is missing, builds the sanitizer variant and runs every test suite;
# `make run` starts cirrusd all-in-one on 127.0.0.1:8774 with ./var.

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
SRCS     := $(filter-out src/cirrusd.c,$(wildcard src/*/*.c src/*/*/*.c src/*/*/*/*.c))
OBJS     := $(SRCS:%.c=$(B)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all cirrusd deps run test test-unit test-api test-clients bench clean asan
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
	@scripts/deps.sh

asan:
	$(MAKE) VARIANT=asan cirrusd $(UNIT_BIN:build/release/%=build/asan/%)

run: deps
	$(MAKE) VARIANT=release cirrusd
	./build/release/cirrusd --data-dir ./var

# The whole suite, as CI runs it: sanitizer build, unit, API, client tests.
test: deps
	$(MAKE) VARIANT=asan cirrusd $(UNIT_BIN:build/release/%=build/asan/%)
	$(MAKE) VARIANT=asan test-unit
	CIRRUSD=build/asan/cirrusd python3 -m pytest -q -p no:cacheprovider tests/api tests/clients

test-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

test-api:
	CIRRUSD=$(B)/cirrusd python3 -m pytest -q -p no:cacheprovider tests/api

test-clients:
	CIRRUSD=$(B)/cirrusd python3 -m pytest -q -p no:cacheprovider tests/clients

bench: deps
	$(MAKE) VARIANT=release cirrusd
	bench/run.sh

clean:
	rm -rf build
