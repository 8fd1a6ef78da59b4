# casefile — build, test, install.  `make help` lists the targets.
PKGS     := yaml-0.1 libgit2 libsodium
DEB_PKGS := libyaml-dev libgit2-dev libsodium-dev pkg-config git perl python3 libxml2-utils

PREFIX  ?= /usr/local
CC      ?= cc
CFLAGS  ?= -O2 -g
SANITIZE ?=

ifeq ($(SANITIZE),)
BUILD   ?= build
else
BUILD   ?= build/san
CFLAGS  += -O1 -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

override CFLAGS += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ilib \
	-DCF_SRCDIR='"$(CURDIR)"' \
	$(PKG_CFLAGS) -pthread -MMD -MP
LDLIBS += $(PKG_LIBS) -lm -pthread

LIB_SRC  := $(sort $(wildcard lib/*.c lib/rules/*.c))
CMD_SRC  := $(sort $(wildcard cmd/casefile/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

.PHONY: all deps check test demo bench install clean format lint help

all: $(BUILD)/casefile

help:
	@echo "make            build $(BUILD)/casefile and $(BUILD)/libcasefile.a"
	@echo "make check      build and run every test under prove (SANITIZE=address,undefined for sanitizers)"
	@echo "make fuzz       build the libFuzzer harnesses of tests/fuzz with clang and run each FUZZ_SECONDS=$(FUZZ_SECONDS)"
	@echo "make demo       build and show casefile on the example repository"
	@echo "make bench      generate 1,000 cases and time check, status, checkout and the pre-commit hook"
	@echo "make deps       install missing Debian packages (as root) or print the command"
	@echo "make install    install into PREFIX=$(PREFIX)"

deps:
	@sh tools/deps.sh $(DEB_PKGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcasefile.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/casefile: $(CMD_OBJ) $(BUILD)/libcasefile.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(BUILD)/libcasefile.a $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/tap.h $(BUILD)/libcasefile.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libcasefile.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libcasefile.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libcasefile.a $(LDFLAGS) $(LDLIBS)

check: deps $(BUILD)/casefile $(UNIT_BIN) $(TOOL_BIN)
	CASEFILE=$(CURDIR)/$(BUILD)/casefile CF_SRCDIR=$(CURDIR) CF_TOOLS=$(CURDIR)/$(BUILD)/tests/tools perl tools/prove-strict $(PROVE_FLAGS) $(UNIT_BIN) tests/cli/*.t

demo: deps $(BUILD)/casefile
	@sh tools/demo.sh $(CURDIR)/$(BUILD)/casefile

bench: $(BUILD)/casefile
	@sh bench/run.sh $(CURDIR)/$(BUILD)/casefile
	@sh bench/crypt.sh $(CURDIR)/$(BUILD)/casefile
	@sh bench/hook.sh $(CURDIR)/$(BUILD)/casefile
	@sh bench/filter.sh $(CURDIR)/$(BUILD)/casefile
	@sh bench/rev.sh $(CURDIR)/$(BUILD)/casefile

install: $(BUILD)/casefile
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/casefile/schemas/calendar \
		$(DESTDIR)$(PREFIX)/share/casefile/hooks
	install -m 0755 $(BUILD)/casefile $(DESTDIR)$(PREFIX)/bin/casefile
	install -m 0644 schemas/*.yaml $(DESTDIR)$(PREFIX)/share/casefile/schemas/
	install -m 0644 schemas/calendar/*.yaml $(DESTDIR)$(PREFIX)/share/casefile/schemas/calendar/
	for h in hooks/*; do [ -f "$$h" ] && install -m 0755 "$$h" $(DESTDIR)$(PREFIX)/share/casefile/hooks/; done; true

# make fuzz: the libFuzzer harnesses of tests/fuzz, built with clang, ASan and UBSan into
# build/fuzz against a libcasefile of their own (build/fuzz-lib, instrumented for coverage),
# each run FUZZ_SECONDS on the corpus tests/fuzz/seeds.sh makes; FUZZ_FLAGS go to every run.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIB := build/fuzz-lib/libcasefile.a
FUZZ_SRC := $(filter-out tests/fuzz/seedgen.c,$(sort $(wildcard tests/fuzz/*.c)))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
.PHONY: fuzz fuzz-build FORCE

fuzz: fuzz-build
	@FUZZ_FLAGS="$(FUZZ_FLAGS)" sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-build: $(FUZZ_BIN) build/fuzz/seedgen

ifneq ($(BUILD),build/fuzz-lib)
$(FUZZ_LIB): FORCE
	@$(MAKE) --no-print-directory CC=$(FUZZ_CC) BUILD=build/fuzz-lib SANITIZE= \
		CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" $@
endif

build/fuzz/seedgen: tests/fuzz/seedgen.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) -O1 $(FUZZ_SAN) -Itests -o $@ $< $(FUZZ_LIB) $(LDLIBS)

build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer -Itests -o $@ $< $(FUZZ_LIB) $(LDLIBS)

FORCE:

format:
	clang-format -i lib/*.[ch] lib/rules/*.[ch] cmd/casefile/*.[ch] tests/unit/*.c tests/*.h

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -Ilib lib cmd

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_BIN:=.d)
