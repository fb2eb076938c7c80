# An exam for the kernel through busybox: file, text, archive, checksum and
# process tools plus shell features. Run with busybox sh in an empty
# writable directory, natively and in the guest; the outputs must be
# identical, so nothing printed depends on the host, time, pids, absolute
# paths, owners or file-system block sizes.
# Usage: cd WORKDIR && sh ../busybox-exam.sh   (the script beside, not in,
# the directory it works in, so that error messages name it the same way)

umask 022
export LC_ALL=C TZ=UTC
section() { echo "== $1"; }

section "file tools"
mkdir -p a/b/c
echo one >a/1.txt
echo two >a/b/2.txt
printf 'three\n' >a/b/c/3.txt
touch a/empty
cp -r a copy
mv copy/1.txt copy/one.txt
ln -s one.txt copy/link
ln copy/one.txt copy/hard
readlink copy/link
find copy | sort
find a -type f -name '*.txt' | sort
ls copy | sort | tr '\n' ' '; echo
stat -c '%n %s %a %h %F' copy/one.txt copy/hard copy/link | sort
stat -c '%n %a %F' a/b
chmod 640 a/1.txt
stat -c '%a' a/1.txt
rm copy/hard
rm -r copy/b
ls copy | tr '\n' ' '; echo
rmdir a/b/c 2>/dev/null || echo "rmdir non-empty refused"
basename /x/y/z.txt .txt
dirname /x/y/z.txt
test -d a && test -f a/1.txt && test ! -e nothing && echo "test ok"
[ -s a/empty ] || echo "empty is empty"
truncate -s 1000 a/empty
wc -c <a/empty
cat a/1.txt a/b/2.txt
mkfifo fifo && test -p fifo && echo "fifo ok"
rm -f fifo
dd if=/dev/zero of=zeros bs=1024 count=8 2>/dev/null
wc -c <zeros
cmp zeros zeros && echo "cmp same"
echo x >>zeros
cmp -s zeros a/1.txt || echo "cmp differ"
unlink zeros
mktemp -p . tmp.XXXXXX >/dev/null && ls | grep -c '^tmp\.'
rm -f tmp.*

section "text tools"
cat >data.txt <<'EOF'
banana 3 yellow
apple 5 red
cherry 12 red
date 7 brown
apple 5 red
elderberry 1 purple
EOF
sort data.txt
sort -u data.txt | wc -l
sort -k2 -n data.txt | head -n 3
sort -r data.txt | tail -n 2
uniq -c <data.txt | head -n 3
sort data.txt | uniq -d
cut -d' ' -f1,3 data.txt
tr 'a-z' 'A-Z' <data.txt | head -n 2
tr -d 'aeiou' <data.txt | head -n 1
tr -s 'p' <data.txt | grep pl
wc -l <data.txt
wc -w <data.txt
grep red data.txt
grep -c red data.txt
grep -v red data.txt
grep -n '^[cd]' data.txt
grep -E 'an(an)+a|rry' data.txt
grep -i BANANA data.txt
grep -q nothing data.txt || echo "grep -q miss"
sed 's/red/RED/' data.txt | head -n 3
sed -n '2,3p' data.txt
sed '/apple/d' data.txt
sed -e 's/\([a-z]*\) \([0-9]*\).*/\2:\1/' data.txt
sed '1i\
header' data.txt | head -n 2
awk '{ sum += $2 } END { print "sum", sum, "rows", NR }' data.txt
awk '$3 == "red" { print $1 }' data.txt
awk -F' ' '{ n[$3]++ } END { for (k in n) print k, n[k] }' data.txt | sort
awk 'BEGIN { printf "%05.2f %s %d\n", 3.14159, "pi", 42 }'
awk '{ print length($1), toupper(substr($1, 1, 1)) }' data.txt
head -c 10 data.txt; echo
tail -c 7 data.txt
head -n 2 data.txt
tail -n +5 data.txt
tac data.txt | head -n 2
rev <data.txt | head -n 1
nl data.txt | tail -n 1
paste -d, data.txt data.txt | head -n 1
fold -w 5 <a/1.txt
expand <<'EOF' | od -c | head -n 2
a	b
EOF
od -An -tx1 a/1.txt
hexdump -C a/1.txt
xxd a/1.txt
printf '%s|%5d|%-4s|%x|%o|%c\n' str 42 ab 255 8 Z
printf 'a\tb\\n\n'
seq 1 5 | tr '\n' ' '; echo
seq 10 -3 1 | tr '\n' ' '; echo
seq -s, 3
echo "3 + 4 * 2" | bc
echo "2 3 + p" | dc
expr 7 \* 6
expr length "hello"
expr substr "abcdef" 2 3
factor 360
yes abc | head -n 3
diff data.txt data.txt && echo "diff same"
printf 'a\nb\nc\n' >x1
printf 'a\nB\nc\n' >x2
diff x1 x2 | grep '^[<>]'
diff -u x1 x2 | tail -n 4
diff -u x1 x2 >x.patch
patch x1 <x.patch >/dev/null && cmp x1 x2 && echo "patch applied"
strings zeros 2>/dev/null; echo "b64:$(echo hello | base64)"
echo aGVsbG8K | base64 -d
echo hello | uuencode -m x.txt | head -n 2
printf 'x\r\ny\r\n' | dos2unix | od -c | head -n 1
echo "one two three" | xargs -n 1 echo item
printf 'a b\nc d\n' | while read -r first second; do echo "$second-$first"; done

section "archives"
mkdir -p arch/sub
printf 'alpha\n' >arch/a.txt
printf 'beta\n' >arch/sub/b.txt
seq 1 2000 >arch/big.txt
tar cf arch.tar arch
tar tf arch.tar | sort
mkdir untar
tar xf arch.tar -C untar
cmp arch/big.txt untar/arch/big.txt && echo "tar roundtrip"
tar czf arch.tgz arch
tar tzf arch.tgz | sort | tr '\n' ' '; echo
gzip -c arch/big.txt >big.gz
gunzip -c big.gz | md5sum
zcat big.gz | tail -n 1
gzip -t big.gz && echo "gzip test ok"
bzip2 -c arch/big.txt | bunzip2 | wc -l
xz -d </dev/null 2>/dev/null || echo "xz empty input rejected"
(cd arch && find . | sort | cpio -o -H newc 2>/dev/null) >arch.cpio
cpio -t <arch.cpio 2>/dev/null | sort
mkdir uncpio
(cd uncpio && cpio -i -d <../arch.cpio 2>/dev/null)
cat uncpio/sub/b.txt

section "checksums"
md5sum data.txt
sha1sum data.txt
sha256sum data.txt
sha512sum data.txt | cut -c1-32
sha3sum data.txt
crc32 data.txt
md5sum data.txt a/1.txt >sums
md5sum -c sums
echo -n "" | md5sum
cksum_in=$(cat data.txt data.txt | sha256sum)
echo "${cksum_in%% *}"

section "process tools"
sh -c 'exit 3'; echo "exit $?"
true; echo "true $?"
false; echo "false $?"
sleep 0.1 &
wait $!; echo "background waited $?"
sleep 10 &
pid=$!
kill -0 $pid && echo "kill -0 ok"
kill -TERM $pid
wait $pid; echo "killed status $?"
timeout 1 sleep 5; echo "timeout status $?"
env -i FOO=bar sh -c 'echo "env FOO=$FOO HOME=${HOME:-unset}"'
renice -n 0 -p $$ >/dev/null 2>&1; echo "renice ran"
( exit 5 ); echo "subshell exit $?"
echo "ppid differs: $([ "$PPID" != "$$" ] && echo yes)"
usleep 1000 && echo usleep
time_out=$(time true 2>&1); echo "time ran"
sh -c 'kill -USR1 $$'; echo "self USR1 $?"
setsid true && echo "setsid ok"
env | grep -q '^FOO=' || echo "no FOO"
FOO=set env | grep '^FOO='
which sh >/dev/null && echo "which finds sh"

section "shell features"
fact() {
	if [ "$1" -le 1 ]; then echo 1; else
		echo $(($1 * $(fact $(($1 - 1)))))
	fi
}
echo "fact 10 = $(fact 10)"
counter() {
	local n=0
	while [ $n -lt 3 ]; do n=$((n + 1)); done
	echo "local n=$n"
}
counter
echo "n outside=${n:-unset}"
for w in alpha beta gamma; do printf '%s ' "$w"; done; echo
i=0
until [ $i -ge 4 ]; do i=$((i + 1)); done; echo "until $i"
for i in 1 2 3 4 5 6; do
	[ $i -eq 2 ] && continue
	[ $i -eq 5 ] && break
	printf '%s ' $i
done; echo
case "file.tar.gz" in
*.zip) echo zip ;;
*.tar.*) echo "tarball" ;;
*) echo other ;;
esac
x=5
cat <<EOF
unquoted here-doc x=$x sum=$((x + 1))
EOF
cat <<'EOF'
quoted here-doc x=$x
EOF
cat <<-EOF
	tab-stripped here-doc
	EOF
echo "arith $((17 / 5)) $((17 % 5)) $((2 ** 10)) $((1 << 4)) $((0x1f)) $((3 > 2))"
a=3; a=$((a += 4)); echo "a=$a"
(trap 'echo "exit trap ran"' EXIT; echo "in subshell")
sh -c 'trap "echo caught USR1" USR1; kill -USR1 $$; echo "after USR1"'
trap 'echo "trap USR2 in main"' USR2
kill -USR2 $$
trap - USR2
echo "subshell var: $(v=inner; echo $v) outer=${v:-unset}"
echo out >redir.txt
echo more >>redir.txt
cat <redir.txt
{ echo stdout; echo stderr >&2; } >both.txt 2>&1
sort both.txt
ls nothing-here 2>/dev/null || echo "stderr discarded"
exec 3>fd3.txt
echo "via fd 3" >&3
exec 3>&-
cat fd3.txt
read -r line <redir.txt; echo "read: $line"
v="path/to/file.tar.gz"
echo "${v#*/} ${v##*/} ${v%.*} ${v%%.*} ${#v}"
echo "${unset_var:-default} ${unset_var:=assigned} $unset_var"
s="hello world"
echo "${s/world/there} ${s:0:5}"
set -- one "two three" four
echo "argc $#"
for arg in "$@"; do echo "[$arg]"; done
shift; echo "after shift: $1"
IFS=: read -r f1 f2 f3 <<EOF
a:b:c
EOF
echo "$f3$f2$f1"
eval 'evald=$((6 * 7))'; echo "eval $evald"
echo "pipe status: $(false | true; echo $?)"
set -o pipefail 2>/dev/null && { false | true; echo "pipefail $?"; set +o pipefail; }
OPTIND=1
while getopts "ab:" opt -a -b val; do echo "opt $opt ${OPTARG:-}"; done
echo "$( (echo nested; echo subshells) | wc -l )"
cmd="echo quoted   spaces"
$cmd
echo "and list" && false || echo "or list"
test_func_status() { return 7; }
test_func_status; echo "return $?"
echo "done"
