#!/bin/bash
# Trace output safety: files are created 0600; a symlink at the -o path is
# never followed (not even with --force); an existing file is kept unless
# --force, and --force refuses hard-linked files and other users' files;
# an unwritable path is one clear error, exit 1, and leaves no file behind.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd stat setpriv

rec() { "$PERFTOP" record --probes sched -i 0.2 -d 0.4 "$@"; }
mode() { stat -c %a "$1"; }

umask 022	# a permissive umask must not widen the trace's mode
chmod 711 "$TMP"	# let the unprivileged user below reach its directories
rec -o "$TMP/t.json" 2>/dev/null
[ "$(mode "$TMP/t.json")" = 600 ] || fail "trace mode $(mode "$TMP/t.json"), want 600"
rec -o "$TMP/t.json.gz" 2>/dev/null
[ "$(mode "$TMP/t.json.gz")" = 600 ] || fail ".gz mode $(mode "$TMP/t.json.gz"), want 600"
gzip -t "$TMP/t.json.gz" || fail ".gz trace is not a valid gzip file"

# Existing file: kept without --force; overwritten, and made 0600, with it.
echo precious >"$TMP/exists.json"; chmod 644 "$TMP/exists.json"
expect_error 1 rec -o "$TMP/exists.json"
grep -q -- --force "$TMP/err" || fail "exists error does not mention --force"
[ "$(cat "$TMP/exists.json")" = precious ] || fail "existing file was modified"
# --force with a run that cannot start (bad config): the old file is whole,
# and a new file the run created is removed.
echo '{"interval": "soon"}' >"$TMP/bad-config.json"
expect_error 2 rec -o "$TMP/exists.json" --force --config "$TMP/bad-config.json"
[ "$(cat "$TMP/exists.json")" = precious ] || fail "--force truncated the old file of a run that never started"
echo precious >"$TMP/exists.json.gz"
expect_error 2 rec -o "$TMP/exists.json.gz" --force --config "$TMP/bad-config.json"
[ "$(cat "$TMP/exists.json.gz")" = precious ] || fail "--force wrote into the old .gz file of a run that never started"
expect_error 2 rec -o "$TMP/new.json" --config "$TMP/bad-config.json"
[ ! -e "$TMP/new.json" ] || fail "a run that never started left its new file behind"
rec -o "$TMP/exists.json" --force 2>/dev/null
head -1 "$TMP/exists.json" | grep -q '"type":"header"' || fail "--force did not overwrite"
[ "$(mode "$TMP/exists.json")" = 600 ] || fail "--force left mode $(mode "$TMP/exists.json")"

# Symlinks, dangling or not, with or without --force: refused, target intact.
echo secret >"$TMP/target"
for force in "" --force; do
	ln -sf "$TMP/target" "$TMP/link.json"
	expect_error 1 rec -o "$TMP/link.json" $force
	grep -q "symbolic link" "$TMP/err" || fail "symlink error unclear: $(cat "$TMP/err")"
	[ "$(cat "$TMP/target")" = secret ] || fail "symlink target written ($force)"
	ln -sf "$TMP/nowhere" "$TMP/dangling.json.gz"
	expect_error 1 rec -o "$TMP/dangling.json.gz" $force
	[ ! -e "$TMP/nowhere" ] || fail "dangling symlink was followed ($force)"
done

# Hard link to a file elsewhere: --force must not truncate the target.
ln "$TMP/target" "$TMP/hard.json"
expect_error 1 rec -o "$TMP/hard.json" --force
grep -q "hard link" "$TMP/err" || fail "hard link error unclear: $(cat "$TMP/err")"
[ "$(cat "$TMP/target")" = secret ] || fail "hard-linked target truncated"

# Another user's file in a shared (sticky) directory: not overwritten, since
# its owner could then read the trace.
shared=$TMP/shared; mkdir -m 1777 "$shared"
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo theirs >$shared/t.json"
expect_error 1 rec -o "$shared/t.json" --force
grep -q "another user" "$TMP/err" || fail "foreign file error unclear: $(cat "$TMP/err")"
[ "$(cat "$shared/t.json")" = theirs ] || fail "another user's file was overwritten"

# Not a regular file / a directory / unwritable places: one line, exit 1,
# and no file left behind.
expect_error 1 rec -o "$TMP" --force
mkfifo "$TMP/fifo.json"
expect_error 1 timeout 10 "$PERFTOP" record --probes sched -d 0.4 -i 0.2 -o "$TMP/fifo.json" --force
expect_error 1 rec -o "$TMP/no/such/dir/t.json"
grep -q "choose a writable path" "$TMP/err" || fail "unwritable error has no fix: $(cat "$TMP/err")"
mkdir -m 555 "$TMP/ro"
expect_error 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
	"$PERFTOP" record --probes sched -i 0.2 -d 0.4 -o "$TMP/ro/t.json"
[ -z "$(ls -A "$TMP/ro")" ] || fail "stray file in read-only dir: $(ls -A "$TMP/ro")"
# Created, then the start failed (no privileges): the empty file is removed.
mkdir -m 777 "$TMP/rw"
expect_error 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$PERFTOP" record --probes sched -d 1 -o "$TMP/rw/t.json"
[ -z "$(ls -A "$TMP/rw")" ] || fail "stray file after a failed start: $(ls -A "$TMP/rw")"
echo "output paths handled safely"
