#!/usr/bin/env bash
# The shim's layers, checked on its objects with nm, so that a call the wrong way cannot come back
# unnoticed (shim/ct.h lists the headers by layer). An object may reference symbols defined only in
# objects of its own layer or a lower one; record.o references no other object at all.
. "$(dirname "$0")/../lib.sh"

# layer  objects (the layers above, init.c and the hooks, may use everything below them)
LAYERS='0 record config dirpolicy spin sha256 compat
1 process secret value_facts argv argv_redact
2 writer trace_dir trace_hdr trace_key trace_name trace_vfork debug cap_ring fork_region'

O=$BUILD/shim
if ! ls "$O"/record.o >/dev/null 2>&1; then
	skip "layers" "no objects in $O"
	exit 0
fi
# symbol -> the object that defines it
for o in "$O"/*.o; do
	nm --defined-only "$o" | awk -v o="$(basename "${o%.o}")" '$2 ~ /^[TDBRVWCGS]$/ {print $3, o}'
done | sort -u >"$W/defs"
# uses OBJ: the other shim objects OBJ references, one per line
uses() {
	nm -u "$O/$1.o" | awk '{print $2}' | sort -u | join - "$W/defs" | awk -v self="$1" '$2 != self {print $2}' | sort -u
}
layer_of() {
	echo "$LAYERS" | awk -v o="$1" '{for (i = 2; i <= NF; i++) if ($i == o) print $1}'
}

expect_eq "record.o references no other shim object" "$(uses record | tr '\n' ' ')" ""
expect_eq "writer.o references no init, env, sock or proc object" \
	"$(uses writer | grep -E '^(init|env|sock|sock_.*|proc|proc_.*)$' | tr '\n' ' ')" ""
while read -r n objs; do
	for o in $objs; do
		[ -f "$O/$o.o" ] || { fail "$o.o in layer $n" "missing: update the table in $0"; continue; }
		up=""
		for u in $(uses "$o"); do
			l=$(layer_of "$u")
			if [ -z "$l" ] || [ "$l" -gt "$n" ]; then up="$up $u"; fi
		done
		expect_eq "$o.o (layer $n) uses nothing above its layer" "$up" ""
	done
done <<<"$LAYERS"
