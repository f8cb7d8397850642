# bindlab - build the harness, run the labs, run the tests.
#
#   make            build build/bindlab
#   make lab N=1    install missing packages, build, walk through lab 1
#   make check N=1  check your fix of lab 1 (DIR=folder: another folder than the starter)
#   make handout    a student's archive: build/bindlab-handout.tar.gz (no staff/, no tests/)
#   make autograder LAB=2  a Gradescope autograder for lab 2: build/autograder-02-....zip
#   make demo       install missing packages, then run the rapid-restart demo
#   make test       unit tests (also under ASan/UBSan) and end-to-end tests
#   make fmt lint   clang-format / clang-tidy + cppcheck
CC      ?= cc
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS = -std=gnu11 -D_GNU_SOURCE
LDLIBS   = -lpcap -lmnl -lpthread

# The house: cli -> grade, render -> harness.  Each folder sees only the
# headers of the folders below it, so an include that points upward does
# not compile (make check-layers proves it).
INC_harness = -Iharness
INC_render  = -Iharness -Irender
INC_grade   = -Iharness -Igrade
INC_cli     = -Iharness -Irender -Igrade -Icli
inc = $(INC_$(firstword $(subst /, ,$(1))))
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

HARNESS_SRC := $(sort $(wildcard harness/*.c))
RENDER_SRC  := $(sort $(wildcard render/*.c))
GRADE_SRC   := $(sort $(wildcard grade/*.c))
CLI_SRC     := $(sort $(wildcard cli/*.c))
BINDLAB_SRC := $(HARNESS_SRC) $(RENDER_SRC) $(GRADE_SRC) $(CLI_SRC)
LIB_SRC     := $(HARNESS_SRC) $(GRADE_SRC)
C_ALL       := $(BINDLAB_SRC) harness/trace/libbindlab-trace.c $(wildcard harness/*.h harness/trace/*.h \
               render/*.h grade/*.h cli/*.h) $(wildcard tests/unit/*.c tests/unit/*.h tests/servers/*.c)
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
# (a student's handout has no tests/: then there are no test servers)
SERVERS     := $(patsubst tests/servers/%.c,$(BUILD)/servers/%,$(sort $(wildcard tests/servers/*.c))) \
               $(if $(wildcard tests/servers/server.c),$(BUILD)/servers/server-static)
# what building and running bindlab needs (the autograders install only these;
# keep it on one line: grade/autograder/ reads it), then what the tests add
DEPS_RUN     = build-essential libpcap-dev libmnl-dev
DEPS_DEB     = $(DEPS_RUN) libcunit1-dev python3-pytest python3-jsonschema python3-junitparser perl \
               tcpdump tshark iproute2 socat patch chromium

obj = $(patsubst %.c,$(1)/%.o,$(2))

.PHONY: all demo deps test unit unit-asan e2e e2e-slow fmt fmt-check lint bench clean repeat \
	matrix repeat-library repeat-labs repeat-grade check-layers lab check handout pictures autograder

all: $(BUILD)/bindlab $(BUILD)/libbindlab-trace.so $(SERVERS)

# --- the harness ---------------------------------------------------------
HEADERS := $(wildcard harness/*.h harness/trace/*.h render/*.h grade/*.h cli/*.h)

$(BUILD)/%.o: %.c $(HEADERS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(call inc,$<) $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/bindlab: $(call obj,$(BUILD),$(BINDLAB_SRC))
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD):
	@mkdir -p $@

# LD_PRELOAD library that traces the socket calls of programs run() starts
$(BUILD)/libbindlab-trace.so: harness/trace/libbindlab-trace.c harness/trace/trace.h | $(BUILD)
	$(CC) -shared -fPIC $(CFLAGS) $(WARN) -Iharness/trace -o $@ $< -ldl

# small servers for the tests of run() and restart-check (and one static
# build, which LD_PRELOAD cannot trace)
$(BUILD)/servers/%: tests/servers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -o $@ $<

$(BUILD)/servers/server-static: tests/servers/server.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -static -o $@ $<

# --- unit tests (CUnit), plain and under ASan/UBSan -----------------------
UNIT_BIN      := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
UNIT_ASAN_BIN := $(patsubst tests/unit/%.c,$(BUILD)/asan/unit/%,$(UNIT_SRC))

$(BUILD)/unit/%: tests/unit/%.c tests/unit/unit.h $(call obj,$(BUILD),$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_grade) $(CFLAGS) $(WARN) -Itests/unit -o $@ $< $(call obj,$(BUILD),$(LIB_SRC)) $(LDLIBS) -lcunit

$(BUILD)/asan/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(call inc,$<) $(CFLAGS) $(WARN) $(SAN) -c $< -o $@

$(BUILD)/asan/unit/%: tests/unit/%.c tests/unit/unit.h $(call obj,$(BUILD)/asan,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_grade) $(CFLAGS) $(WARN) $(SAN) -Itests/unit -o $@ $< $(call obj,$(BUILD)/asan,$(LIB_SRC)) $(LDLIBS) -lcunit

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

unit-asan: $(UNIT_ASAN_BIN)
	@set -e; for t in $(UNIT_ASAN_BIN); do echo "== $$t (asan)"; ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

# --- end-to-end tests (pytest, real namespaces) ---------------------------
e2e: all tests/browser/node_modules
	BINDLAB=$(abspath $(BUILD)/bindlab) $(PYTHON) -m pytest -q tests/e2e -m "not slow"

# what the browser tests run (playwright-core to drive Debian's chromium, the
# real mermaid parser), pinned by tests/browser/package-lock.json
tests/browser/node_modules: tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@touch $@

e2e-slow: all
	BINDLAB=$(abspath $(BUILD)/bindlab) $(PYTHON) -m pytest -q tests/e2e -m slow

test: all check-layers unit unit-asan e2e

# An include that points upward must not compile: harness may not see
# render/, grade/ or cli/; render and grade may not see cli/ (nor each other).
check-layers:
	@set -e; for pair in "harness render.h" "harness cli.h" "harness pool.h" "render cli.h" \
	  "render pool.h" "grade render.h" "grade cli.h"; do \
	  set -- $$pair; \
	  if echo "#include \"$$2\"" | $(CC) $(CPPFLAGS) $(INC_$$1) -fsyntax-only -x c - 2>/dev/null; then \
	    echo "check-layers: $$1 can include $$2: the layers leak"; exit 1; fi; \
	done; echo "check-layers: harness < render, grade < cli: no upward include compiles"

# The demo scenario, many times: every verdict must be the same.
REPEAT ?= 1000
repeat: $(BUILD)/bindlab
	BINDLAB=$(abspath $(BUILD)/bindlab) BINDLAB_REPEAT=$(REPEAT) $(PYTHON) -m pytest -q tests/e2e/test_determinism.py

# The whole library, many times: no verdict may flake.
LIBRARY_REPEAT ?= 20
repeat-library: $(BUILD)/bindlab
	@for i in $$(seq $(LIBRARY_REPEAT)); do \
	  $(BUILD)/bindlab run -q -j 2 scenarios > $(BUILD)/repeat.out || { cat $(BUILD)/repeat.out; exit 1; }; \
	  echo "run $$i: $$(tail -1 $(BUILD)/repeat.out)"; \
	done

# Every lab's starter, solution and wrong fixes, many times: no score may flake.
LABS_REPEAT ?= 20
repeat-labs: all
	@for i in $$(seq $(LABS_REPEAT)); do \
	  BINDLAB=$(abspath $(BUILD)/bindlab) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e/test_labs.py \
	    -k "starter_gets or solution or wrong or another" > $(BUILD)/repeat-labs.out 2>&1 || \
	    { cat $(BUILD)/repeat-labs.out; exit 1; }; \
	  echo "run $$i: $$(tail -1 $(BUILD)/repeat-labs.out)"; \
	done

# The grader's tests (the rubric fixture, the hostile set, every lab's staff
# answers in the sandbox) GRADE_REPEAT times: a grade that differs between
# runs fails
GRADE_REPEAT ?= 5
repeat-grade: all tests/browser/node_modules
	@for i in $$(seq $(GRADE_REPEAT)); do \
	  BINDLAB=$(abspath $(BUILD)/bindlab) $(PYTHON) -m pytest -q -p no:cacheprovider \
	    tests/e2e/test_grade.py tests/e2e/test_grade_hostile.py tests/e2e/test_grade_labs.py \
	    > $(BUILD)/repeat-grade.out 2>&1 || { cat $(BUILD)/repeat-grade.out; exit 1; }; \
	  echo "run $$i: $$(tail -1 $(BUILD)/repeat-grade.out)"; \
	done

# docs/matrix.md, from the scenario files' "# question:" and "# answer:" lines
matrix: $(BUILD)/bindlab
	$(PYTHON) docs/matrix.py

# docs/pictures/demo.svg and each lab's labs/NN-slug/key.svg (its lab.conf's
# key: scenario), drawn from real runs; test_pictures.py says when one is stale
pictures: all
	BINDLAB=$(abspath $(BUILD)/bindlab) $(PYTHON) docs/pictures.py

# --- using it ------------------------------------------------------------
deps:
	@missing=""; for p in $(DEPS_DEB); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

demo: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/bindlab run scenarios/timewait/server-closes-first.scn

# the labs (labs/README.md): N is the lab's number
N ?= 1
lab: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/bindlab lab $(N)

check: all
	$(BUILD)/bindlab check $(N) $(DIR)

# What a student receives: the committed files but the staff's (solutions,
# hidden checks, wrong fixes), the tests, the benchmarks and CI.
HANDOUT = $(BUILD)/bindlab-handout.tar.gz
handout: | $(BUILD)
	@rm -f $(HANDOUT)
	git ls-files -z | grep -zv -e '^staff/' -e '^tests/' -e '^bench/' -e '^\.ci/' | \
	  tar --null -T - --transform 's,^,bindlab/,' -czf $(HANDOUT)
	@echo "$(HANDOUT): $$(tar -tzf $(HANDOUT) | wc -l) files"

# A Gradescope autograder for one lab (docs/grading.md): setup.sh and
# run_autograder from grade/autograder/gradescope/, the sources, that lab's
# labs/ and staff/ folders.  LAB=2 or LAB=02-rapid-restart.
autograder: | $(BUILD)
	@test -n "$(LAB)" || { echo "make autograder: which lab? e.g. make autograder LAB=2"; exit 2; }
	@grade/autograder/gradescope/package.sh "$(LAB)" $(BUILD)

bench: $(BUILD)/bindlab
	$(MAKE) -C bench BINDLAB=$(abspath $(BUILD)/bindlab)

fmt:
	clang-format -i $(C_ALL)

fmt-check:
	clang-format --dry-run -Werror $(C_ALL)

lint:
	@set -e; for f in $(HARNESS_SRC); do clang-tidy --quiet $$f -- $(CPPFLAGS) $(INC_harness); done
	@# the trace library defines _GNU_SOURCE itself (it is built on its own)
	clang-tidy --quiet harness/trace/libbindlab-trace.c -- -std=gnu11 -Iharness/trace
	@set -e; for f in $(RENDER_SRC); do clang-tidy --quiet $$f -- $(CPPFLAGS) $(INC_render); done
	@set -e; for f in $(GRADE_SRC); do clang-tidy --quiet $$f -- $(CPPFLAGS) $(INC_grade); done
	@set -e; for f in $(CLI_SRC); do clang-tidy --quiet $$f -- $(CPPFLAGS) $(INC_cli); done
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	  -Iharness -Irender -Igrade -Icli harness render cli $(wildcard grade/*.c)

clean:
	rm -rf $(BUILD)
.SECONDARY:
