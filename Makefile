GO      ?= go
BIN     := bin/parentline
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: run build test lint fuzz bench bench-cluster soak check clean axe screenshots tools

AXE_DIR := internal/browsertest/axe

## build: compile the one binary into bin/parentline
build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/parentline

## run: start the whole service on 127.0.0.1:8080 with data in ./data (chat open around the clock, demo statistics,
##      a development intake key pair in ./data/dev-intake, and one development reader key pair in
##      ./data/dev-readers for every municipality's foster-care staff and every district's coordinator)
run: build
	./$(BIN) stats seed-demo --data ./data --if-empty
	@ls data/dev-intake/*.pub.pem >/dev/null 2>&1 || ./$(BIN) keys new --out ./data/dev-intake
	@ls data/dev-readers/*.pub.pem >/dev/null 2>&1 || ./$(BIN) keys new --out ./data/dev-readers
	./$(BIN) serve --addr 127.0.0.1:8080 --data ./data --hours always --log-format pretty \
		--intake-key "$$(ls data/dev-intake/*.pub.pem | head -n 1)" \
		--reader-key "foster:*=$$(ls data/dev-readers/*.pub.pem | head -n 1)" \
		--reader-key "coordinator:*=$$(ls data/dev-readers/*.pub.pem | head -n 1)"

## test: vet and every test (browser tests in headless Chromium included), with the race detector
test: axe tools
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## axe: install axe-core (pinned by package-lock.json) for the browser tests' accessibility checks
axe:
	@if [ ! -f $(AXE_DIR)/node_modules/axe-core/axe.min.js ]; then \
		if command -v npm >/dev/null 2>&1; then (cd $(AXE_DIR) && npm ci --no-audit --no-fund --loglevel=error); \
		else echo "WARNING: npm not found: accessibility checks will be skipped (under CI=true they fail)"; fi; \
	fi

## tools: install Mailpit (a local SMTP server with an HTTP API) into bin/tools for the mail tests
MAILPIT_VERSION := v1.27.11
tools:
	@if [ ! -x bin/tools/mailpit ] || [ ! -f bin/tools/.mailpit-$(MAILPIT_VERSION) ]; then \
		echo "installing mailpit $(MAILPIT_VERSION) into bin/tools (about a minute)"; \
		GOBIN=$(CURDIR)/bin/tools $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION) && \
		touch bin/tools/.mailpit-$(MAILPIT_VERSION); \
	fi

## screenshots: run the browser tests and keep what they saw in screenshots/<test name>/
screenshots: axe
	$(GO) test -count=1 -run 'TestBrowser' -v ./cmd/parentline/ | grep -E '^(---|ok|FAIL)|axe,'
	@echo "Screenshots: screenshots/<test name>/*.png"

## lint: vet and gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## fuzz: fuzz the frame decoders, the JSON string writer and the opening-hours parser for a while
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeFrame -fuzztime 60s ./chat/
	$(GO) test -run '^$$' -fuzz FuzzDecodeFast -fuzztime 60s ./chat/
	$(GO) test -run '^$$' -fuzz FuzzAppendJSONString -fuzztime 30s ./chat/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./chat/hours/

## bench: the Go micro-benchmarks, then the load matrix: parentline against the bare relay floor
##        (cmd/relayfloor), every figure a ratio to the floor's in the same run (about 2 minutes;
##        servers pinned to CPU 0, chatload to CPU 1; see cmd/chatload)
BENCH_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' '^func Benchmark' . 2>/dev/null)))
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1s -benchmem $(BENCH_PKGS)
	@$(MAKE) --no-print-directory build
	$(GO) build -o bin/relayfloor ./cmd/relayfloor
	$(GO) build -o bin/chatload ./cmd/chatload
	bin/chatload matrix --parentline $(BIN) --floor bin/relayfloor

## bench-cluster: the open-loop load (300 chats, 2,000 msg/s, 10 s) against 1, 2 and 3 nodes sharing a fresh
##                redis-server (appendfsync always): a store node and chat nodes, every chat's counsellor on another
##                node than its parent; msgs/s, latency, loss, CPU per message (nodes + redis-server) and Redis
##                commands per message (about a minute; servers pinned to CPU 0, chatload to CPU 1)
bench-cluster:
	@$(MAKE) --no-print-directory build
	$(GO) build -o bin/chatload ./cmd/chatload
	bin/chatload cluster --parentline $(BIN)

## soak: open-loop load with churn on a fresh server for SOAK_DURATION (default 10m), sampling memory and
##       goroutines every 10 s, then everyone leaves and it says whether they came back to the baseline
SOAK_DURATION ?= 10m
soak:
	@$(MAKE) --no-print-directory build
	$(GO) build -o bin/chatload ./cmd/chatload
	bin/chatload soak --parentline $(BIN) --duration $(SOAK_DURATION)

check: lint test

clean:
	rm -rf bin
