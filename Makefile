# Waymark's front door. Meson + Ninja do the building; this file only names the tasks.
#   make run     build optimised, create the demo database, serve on http://127.0.0.1:8080
#   make test    everything: unit (ASan/UBSan), end-to-end on SQLite and PostgreSQL, browser
#   make bench   benchmarks against nginx on this machine
#   make clean   remove build outputs (keeps data/)

DEBUG   := build/debug
RELEASE := build/release
DB      ?= sqlite:data/waymark.db
LISTEN  ?= 127.0.0.1:8080

.PHONY: run test unit bench clean build-debug build-release format check

run: build-release
	@mkdir -p data
	$(RELEASE)/waymark demo --db $(DB)
	$(RELEASE)/waymark serve --db $(DB) --listen $(LISTEN)

test:
	@scripts/deps test
	@$(MAKE) --no-print-directory build-debug
	@scripts/test-all

unit: build-debug
	meson test -C $(DEBUG) --print-errorlogs

bench:
	@scripts/deps bench
	@$(MAKE) --no-print-directory build-release
	bench/healthz.sh
	bench/import.sh
	bench/workflow-read.sh
	bench/notify.sh
	bench/journey.sh

build-release:
	@scripts/deps build
	@test -f $(RELEASE)/build.ninja || meson setup $(RELEASE) --buildtype=release >/dev/null
	@ninja -C $(RELEASE) --quiet
	@test -x $(RELEASE)/waymark

build-debug:
	@scripts/deps build
	@test -f $(DEBUG)/build.ninja || \
		meson setup $(DEBUG) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C $(DEBUG) --quiet
	@test -x $(DEBUG)/waymark

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check:
	scripts/check-source
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build test-results
