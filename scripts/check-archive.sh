#!/usr/bin/env bash
# Checks what the prebuilt static library asks of the C library that links
# it, so that it links on older glibc too: no `__isoc23_*` symbols (a new
# glibc's headers rename strtol & co. to them), and prints the oldest glibc
# that has every symbol it needs. Weak symbols (found at run time, e.g.
# statx, getrandom) do not count, nor do stat/fstat64, which glibc before
# 2.33 provides from libc_nonshared.a. Rust itself needs glibc 2.17.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
archive=${1:-$NATIVE_LIB}
libc=$(gcc -print-file-name=libc.so.6)
libm=$(gcc -print-file-name=libm.so.6)

if nm "$archive" 2>/dev/null | grep -q '__isoc23_'; then
  die "$archive references __isoc23_* symbols: it would not link on glibc before 2.38"
fi
needed=$(nm "$archive" 2>/dev/null | awk '$1 == "U" { print $2 }' | sort -u)
defined=$(nm --defined-only "$archive" 2>/dev/null | awk '{ print $3 }' | sort -u)
glibc=$(comm -23 <(echo "$needed") <(echo "$defined") | python3 -c '
import re, subprocess, sys
needed = set(sys.stdin.read().split()) - {"stat", "stat64", "fstat", "fstat64", "lstat", "lstat64"}
oldest = {}
for lib in sys.argv[1:]:
    for line in subprocess.run(["objdump", "-T", lib], capture_output=True, text=True).stdout.splitlines():
        m = re.search(r"\s\(?GLIBC_([0-9.]+)\)?\s+(\S+)$", line)
        if m and (" DF " in line or " DO " in line):
            version = tuple(int(x) for x in m.group(1).split("."))
            oldest[m.group(2)] = min(oldest.get(m.group(2), version), version)
versions = [oldest[s] for s in needed if s in oldest] + [(2, 17)]
print(".".join(map(str, max(versions))))
' "$libc" "$libm")
echo "$archive: no __isoc23_* symbols; links with glibc $glibc or later"
