#!/bin/sh
# Run Debian's real UML kernel (linux.uml) with our XSAVE shim preloaded,
# so that it boots on hosts with AVX-512/AMX (see tools/uml_xstate_shim.c).
# Usage: scripts/real-uml.sh [UML ARGS...]; UML=/path/to/linux.uml.
here=$(cd "$(dirname "$0")/.." && pwd)
uml=${UML:-/usr/bin/linux.uml}
shim=$here/tools/uml_xstate_shim.so
[ -x "$uml" ] || { echo "real-uml: no $uml (apt-get install user-mode-linux)" >&2; exit 127; }
[ -f "$shim" ] || { echo "real-uml: no $shim (run make tools)" >&2; exit 127; }
LD_PRELOAD=$shim${LD_PRELOAD:+:$LD_PRELOAD} exec "$uml" "$@"
