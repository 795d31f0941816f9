# wghub developer entry points. `make demo` and `make test` are the two
# commands a newcomer needs (see README.md); CI runs `make test` via .ci/run.

GO        ?= go
BIN       := build/wghub
VERSION   ?= $(shell ./scripts/ipk.sh version 2>/dev/null || echo dev)
LDFLAGS   := -s -w -buildid= -X github.com/wghub/wghub/cli.version=$(VERSION)
FUZZTIME  ?= 10s

.PHONY: all build test unit lint luci-test fuzz demo bench ipk userland clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/wghub

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=freebsd $(GO) vet ./...
	$(GO) vet -tags openwrt ./...

# Everything: unit tests, network-namespace tests (root), package tests,
# LuCI view tests and a short fuzz run of the UCI parser.
test: lint userland
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./uci
	node --test luci/tests/

# OpenWrt's own userland from ../shared/openwrt-src (or WGHUB_OPENWRT_SRC),
# built once into a cache; the integration tests run against it.
userland:
	./scripts/userland.sh

unit:
	$(GO) test -short ./...

luci-test:
	node --test luci/tests/

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 5m ./uci
	$(GO) test -run '^$$' -fuzz '^FuzzEdit$$' -fuzztime 5m ./uci

demo: build
	./scripts/deps.sh
	./scripts/demo.sh

bench: build
	./scripts/bench.sh

ipk:
	./scripts/ipk.sh

# apk/ is also a directory: both targets must be phony.
.PHONY: apk feed
apk:
	./scripts/ipk.sh apk

# make feed APK_KEY=/path/apk-key.pem [USIGN_KEY=/path/usign.sec]
feed:
	APK_KEY="$(APK_KEY)" USIGN_KEY="$(USIGN_KEY)" ./scripts/ipk.sh feed

clean:
	rm -rf build dist
