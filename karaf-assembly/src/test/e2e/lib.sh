# Shared helpers of the end-to-end tests: assertions that count, and waiting with a deadline.
PASSED=0
FAILED=0
FAILURES=()

pass() { PASSED=$((PASSED + 1)); printf '  \033[32mok\033[0m   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); printf '  \033[31mFAIL\033[0m %s\n' "$1"; [ -z "${2:-}" ] || printf '       %s\n' "$2"; }

check() { # description command...
  local d="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then pass "$d"; else fail "$d" "$(printf '%s' "$out" | tail -5)"; fi
}

# wait_for SECONDS description command...: polls every 0.5 s; passes as soon as the command does
wait_for() {
  local secs="$1" d="$2"; shift 2
  local end=$(( $(date +%s) + secs )) out
  while :; do
    if out="$("$@" 2>&1)"; then pass "$d"; return 0; fi
    if [ "$(date +%s)" -ge "$end" ]; then fail "$d (not within ${secs}s)" "$(printf '%s' "$out" | tail -5)"; return 1; fi
    sleep 0.5
  done
}

contains() { # haystack needle (terminal colours are ignored)
  local h; h="$(printf '%s' "$1" | sed 's/\x1b\[[0-9;]*m//g')"
  case "$h" in *"$2"*) return 0 ;; *) printf 'expected to find: %s\nin: %s\n' "$2" "$h"; return 1 ;; esac
}

summary() {
  echo
  if [ "$FAILED" -gt 0 ]; then
    echo "failed:"; for f in "${FAILURES[@]}"; do echo "  - $f"; done
  fi
  echo "$1: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
