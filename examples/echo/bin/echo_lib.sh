# Shared by the callbacks of ACME.echo (sourced, not run). The RGM calls every callback as
#   METHOD -R resource -T type -G group
# and every callback asks the RGM for the properties it needs with scha_resource_get, which
# rgmd puts first on the PATH of the methods it runs.

parse_args() {
	while getopts "R:T:G:Z:" opt; do
		case $opt in
		R) RESOURCE=$OPTARG ;;
		T) TYPE=$OPTARG ;;
		G) GROUP=$OPTARG ;;
		*) ;;
		esac
	done
	: "${TYPE:=}"
}

# The value of an extension property: scha_resource_get prints its type, then its value.
ext() {
	scha_resource_get -O EXTENSION -R "$RESOURCE" -G "$GROUP" "$1" | sed -n 2p
}

# The value of a system-defined property.
prop() {
	scha_resource_get -O "$1" -R "$RESOURCE" -G "$GROUP" | head -n 1
}

load_properties() {
	PORT=$(ext Port) || exit 1
	RUN_DIR=$(ext Run_dir) || exit 1
	PIDFILE="$RUN_DIR/rgm-echo-$RESOURCE.pid"
	PROBE_PIDFILE="$RUN_DIR/rgm-echo-$RESOURCE.probe.pid"
}

# Whether the process of a pid file is alive.
alive() {
	[ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Whether the service echoes a line on 127.0.0.1:$1 (bash's /dev/tcp: no extra tools needed).
answers() {
	local reply
	exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || return 1
	echo ping >&3
	read -r -t 2 reply <&3
	exec 3<&- 3>&-
	[[ $reply == *" ping" ]]
}

# Stops the process of a pid file: TERM, then KILL if it lingers; removes the file.
stop_pidfile() {
	local pid i
	if alive "$1"; then
		pid=$(cat "$1")
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$1"
}
