# Sourced by ./chute and ./run-tests: sets CHUTE_JAVA_HOME to a JDK >= 21.
# Order: JAVA_HOME, then java on PATH, then /usr/lib/jvm/* (newest first).

chute_java_version() { # prints the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

chute_find_java() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)"); candidates+=("${c%/bin/java}")
  fi
  for c in $(ls -d /usr/lib/jvm/*/ /Library/Java/JavaVirtualMachines/*/Contents/Home/ 2>/dev/null | sort -rV); do
    candidates+=("${c%/}")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(chute_java_version "$c/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then
      CHUTE_JAVA_HOME="$c"
      return 0
    fi
  done
  echo "chute: no JDK 21 or newer found (looked at JAVA_HOME, java on PATH and /usr/lib/jvm)." >&2
  echo "chute: install one, e.g. 'apt-get install openjdk-21-jdk' (Debian/Ubuntu) or 'brew install openjdk@21' (macOS), or set JAVA_HOME." >&2
  return 1
}
