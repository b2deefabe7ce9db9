#!/usr/bin/env bash
# Lays out the container image's root file system in $1 (default target/rootfs) from the built fat
# jar: a Java runtime made by jlink from the JDK running the build, the shared libraries it loads
# (from this machine, found with ldd), a static busybox for /bin/sh (Debian busybox-static), the
# launcher (/usr/local/bin/vertcd, also named etcd), a non-root user and writable /tmp and data dir.
# Jib then packs this tree as the image's layers (pom.xml). Needs: JAVA_HOME's jlink, ldd, busybox.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${1:-$HERE/target/rootfs}"
JAR="${2:-$HERE/../verticles/target/vertcd.jar}"
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
# What vertcd and its libraries use (Netty, Chronicle, jnr-ffi, Logback, Micrometer, TLS with EC keys).
MODULES=java.base,java.compiler,java.instrument,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.sql,java.xml,jdk.compiler,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.naming.dns,jdk.unsupported,jdk.zipfs

[ -f "$JAR" ] || { echo "no jar at $JAR (build the verticles module first)" >&2; exit 1; }
BUSYBOX="$(command -v busybox || true)"
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "a static busybox is needed (apt-get install busybox-static)" >&2; exit 1; }

rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,etc,proc,sys,dev,tmp,opt/vertcd,var/lib/vertcd}
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$ROOT/opt/java"
cp "$JAR" "$ROOT/opt/vertcd/vertcd.jar"

# The shared libraries the runtime loads, at the paths they have here (glibc, libz, libgcc_s ...).
find "$ROOT/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $2 ~ /^\(/ {print $1}' | sort -u \
  | grep -v "^$ROOT/" | while read -r lib; do
      mkdir -p "$ROOT$(dirname "$lib")"
      cp -L "$lib" "$ROOT$lib"
    done
# The dynamic loader under its canonical name, and glibc's name-service modules for user lookups.
for lib in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2; do
  [ -e "$lib" ] && mkdir -p "$ROOT$(dirname "$lib")" && cp -L "$lib" "$ROOT$lib"
done

cp "$BUSYBOX" "$ROOT/bin/busybox"
for tool in sh ls cat ps kill env; do ln -s busybox "$ROOT/bin/$tool"; done
cp -a "$HERE/src/rootfs/." "$ROOT/"
cat > "$ROOT/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
vertcd:x:65532:65532:vertcd:/var/lib/vertcd:/bin/sh
PW
cat > "$ROOT/etc/group" <<'GR'
root:x:0:
vertcd:x:65532:
GR
cat > "$ROOT/etc/nsswitch.conf" <<'NS'
passwd: files
group: files
hosts: files dns
NS
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ROOT/etc/hosts"
chmod 1777 "$ROOT/tmp"
chmod 0777 "$ROOT/var/lib/vertcd"
echo "rootfs in $ROOT: $(du -sh "$ROOT" | cut -f1)" >&2
