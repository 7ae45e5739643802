#!/usr/bin/env bash
# scripts/setup-fuzz finds what is missing and says what it would install (--dry-run): a
# toolchain that is not installed, cargo-fuzz on neither PATH nor CARGO_HOME, and nothing
# when both are there; without rustup it says why it cannot install.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
  printf 'test_setup_fuzz: FAIL: %s\n%s\n' "$1" "${2:-}" >&2
  exit 1
}
expect() { # expect TEXT OUTPUT WHAT
  grep -qF -- "$1" <<<"$2" || fail "$3: no \"$1\" in the output" "$2"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Both there (scripts/test runs scripts/setup-fuzz first): nothing to install.
out=$(scripts/setup-fuzz --dry-run 2>&1) || fail "with both installed" "$out"
if grep -q 'would run' <<<"$out"; then fail "with both installed, it would install something" "$out"; fi

# A toolchain that is not installed.
out=$(FUZZ_TOOLCHAIN=nightly-2000-01-01 scripts/setup-fuzz --dry-run 2>&1) || fail "a missing toolchain" "$out"
expect 'would run: rustup toolchain install nightly-2000-01-01 --profile minimal' "$out" "a missing toolchain"

# cargo-fuzz missing: cargo, rustc and rustup alone on PATH, an empty CARGO_HOME.
mkdir "$tmp/bin"
for tool in cargo rustc rustup; do
  ln -s "$(command -v "$tool")" "$tmp/bin/$tool"
done
out=$(PATH="$tmp/bin:/usr/bin:/bin" CARGO_HOME="$tmp/cargo-home" scripts/setup-fuzz --dry-run 2>&1) ||
  fail "cargo-fuzz missing" "$out"
expect 'would run: cargo install cargo-fuzz --locked' "$out" "cargo-fuzz missing"
if grep -q 'rustup toolchain install' <<<"$out"; then fail "cargo-fuzz missing: the toolchain is there" "$out"; fi

# No cargo and no rustup: an error that says what to do.
mkdir "$tmp/nothing"
if out=$(PATH="$tmp/nothing" "$BASH" scripts/setup-fuzz --dry-run 2>&1); then
  fail "without rustup it succeeded" "$out"
fi
expect 'there is no rustup to install it' "$out" "without rustup"
echo "test_setup_fuzz: ok" >&2
