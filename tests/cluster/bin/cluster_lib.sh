# Shared by the methods of CLUSTER.lock (tests/e2e/cluster_*.rs); sourced, not run.
#
# A node's directory is its rgmd's socket's ($RGM_SOCKET); the directory every node of the
# test cluster shares is named by ../shared.conf (SHARED). Every call appends
# `<node> <method> <resource> begin|end` to $SHARED/calls.
trap '' PIPE
here=$(dirname "$0")
# shellcheck source=/dev/null
. "$here/../shared.conf"
node_dir=$(dirname "$RGM_SOCKET")
node=$(basename "$node_dir")
R=unknown
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	[ "${args[i]}" = -R ] && R=${args[i + 1]}
done
method=$(basename "$0")
method=${method#cluster_}
pidfile="$node_dir/$R.pid"
echo "$node $method $R begin" >>"$SHARED/calls"

# The pid of the resource's service on this node, if it runs.
running() {
	local pid
	pid=$(cat "$pidfile" 2>/dev/null) || return 1
	[ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^cluster-service-$R " &&
		echo "$pid"
}

finish() {
	echo "$node $method $R end" >>"$SHARED/calls"
	exit "$1"
}
