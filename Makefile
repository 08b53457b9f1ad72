# commentd — see README.md. Everything here needs only the Go toolchain;
# the tests also need PostgreSQL and Redis (scripts/with-services.sh finds or
# starts them), and the WordPress test Debian's wordpress, php-cli, php-mysql
# and mariadb-server (scripts/install-wordpress-deps.sh; skipped without them).

GO       ?= go
BUF      := $(GO) tool -modfile=tools/go.mod buf

.PHONY: run build test unit race fuzz lint breaking generate check-generated fmt-check vet bench importbench quality

## run: start commentd on its embedded default (SQLite file commentd.db, 127.0.0.1:50051)
run:
	$(GO) run ./cmd/commentd

## build: build commentd into bin/
build:
	$(GO) build -o bin/ ./cmd/...

## test: the whole suite, as CI runs it: lint, breaking changes, generated code, race tests, fuzzing
test: fmt-check vet lint breaking check-generated race fuzz

## race: every test with the race detector, against real PostgreSQL and Redis,
## and a real WordPress when Debian's packages for it are installed (it says so)
race:
	scripts/with-services.sh $(GO) test -race -count=1 -timeout 20m ./...
	@scripts/install-wordpress-deps.sh --check

## unit: every test without the race detector (quicker while working)
unit:
	scripts/with-services.sh $(GO) test -count=1 ./...
	@scripts/install-wordpress-deps.sh --check

## fuzz: a short bounded run of each fuzz target (seed corpora live in testdata/fuzz).
## Budgets are counts of executions, not durations: Go 1.26's fuzz coordinator can
## fail a duration-bounded run with "context deadline exceeded" on a loaded machine
## (golang/go#75804). FUZZTIME=1m (or 500000x) overrides every budget.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(or $(FUZZTIME),100000x) ./moderation
	$(GO) test -run '^$$' -fuzz '^FuzzRules$$' -fuzztime $(or $(FUZZTIME),20000x) ./moderation
	$(GO) test -run '^$$' -fuzz '^FuzzNormalize$$' -fuzztime $(or $(FUZZTIME),60000x) ./moderation/textmatch
	$(GO) test -run '^$$' -fuzz '^FuzzMatch$$' -fuzztime $(or $(FUZZTIME),100000x) ./moderation/textmatch
	$(GO) test -run '^$$' -fuzz '^FuzzFind$$' -fuzztime $(or $(FUZZTIME),40000x) ./moderation/links
	$(GO) test -run '^$$' -fuzz '^FuzzSubmitBytes$$' -fuzztime $(or $(FUZZTIME),20000x) ./server
	$(GO) test -run '^$$' -fuzz '^FuzzSubmitAnswer$$' -fuzztime $(or $(FUZZTIME),20000x) ./server

## bench: load-test commentd with ghz beside the echo baselines (see README); BENCHFLAGS=-duration=30s
bench:
	scripts/with-services.sh $(GO) run ./bench $(BENCHFLAGS)

## importbench: a 100,000-comment WordPress export through commentctl import into SQLite, twice (see README); IMPORTFLAGS=-store=postgres
importbench:
	scripts/with-services.sh $(GO) run ./bench/importbench $(IMPORTFLAGS)

## quality: the SpamAssassin corpus through commentd, before and after a moderator's decisions (see README); QUALITYFLAGS=-seed=2
quality:
	scripts/with-services.sh $(GO) run ./bench/quality $(QUALITYFLAGS)

## lint: buf lint (STANDARD)
lint:
	$(BUF) lint

## breaking: buf breaking (FILE) against the protos of BREAKING_AGAINST: by default
## the commit that first defined commentd.v1, so the API has changed only by addition
## since then, whatever commits landed together (BREAKING_AGAINST=main on a branch)
BREAKING_AGAINST ?= 9a6a2ad
breaking:
	@git rev-parse --verify --quiet '$(BREAKING_AGAINST)^{commit}' >/dev/null || { echo "breaking: no commit $(BREAKING_AGAINST) to compare with; BREAKING_AGAINST=<ref>" >&2; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git archive '$(BREAKING_AGAINST)' buf.yaml proto | tar -x -C "$$tmp" && \
	$(BUF) breaking --against "$$tmp"

## generate: regenerate the Go code beside the protos, the protoset ghz uses where
## reflection is off, and textmatch's Unicode tables
generate:
	$(BUF) generate
	$(BUF) build -o 'bench/commentd.protoset#format=binpb'
	$(GO) generate ./moderation/textmatch

## check-generated: fail when regenerating would change the committed code
check-generated: generate
	@git diff --exit-code -- proto/ moderation/textmatch/ bench/commentd.protoset || { echo "generated code is stale: run make generate and commit" >&2; exit 1; }
	@test -z "$$(git status --porcelain -- proto/ moderation/textmatch/ bench/commentd.protoset)" || { git status --porcelain -- proto/ moderation/textmatch/ bench/commentd.protoset; echo "make generate created untracked files" >&2; exit 1; }

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt needed: $$out" >&2; exit 1; }

vet:
	$(GO) vet ./...
