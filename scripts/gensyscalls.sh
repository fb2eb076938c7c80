#!/bin/sh
# Generate the syscall dispatch table from arch-um/syscalls.tbl.
# Each line: NUMBER NAME [ENTRY]. ENTRY is the handler (sys_NAME when
# omitted); "-" marks a known syscall that is not implemented (-ENOSYS).
set -eu
tbl=$1
out=$2
awk -v out="$out" '
/^[ \t]*(#|$)/ { next }
{
	nr = $1; name = $2; entry = (NF >= 3) ? $3 : "sys_" name
	names[nr] = name
	if (entry != "-") entries[nr] = entry
	if (nr + 0 > max) max = nr + 0
}
END {
	h = out "/syscall_decls.h"
	c = out "/syscall_table.c"
	print "/* Generated from syscalls.tbl; do not edit. */" > h
	print "#ifndef SYSCALL_DECLS_H\n#define SYSCALL_DECLS_H" > h
	for (i = 0; i <= max; i++)
		if ((i in entries) && !(entries[i] in done)) {
			print "long " entries[i] "(const long *args);" > h
			done[entries[i]] = 1
		}
	print "#define NR_SYSCALLS " max + 1 > h
	print "#endif" > h
	print "/* Generated from syscalls.tbl; do not edit. */" > c
	print "#include \"syscall.h\"" > c
	print "#include \"syscall_table.h\"" > c
	print "const syscall_fn syscall_table[NR_SYSCALLS] = {" > c
	for (i = 0; i <= max; i++)
		if (i in entries) printf "\t[%d] = %s,\n", i, entries[i] > c
	print "};" > c
	print "const char *const syscall_names[NR_SYSCALLS] = {" > c
	for (i = 0; i <= max; i++)
		if (i in names) printf "\t[%d] = \"%s\",\n", i, names[i] > c
	print "};" > c
}' "$tbl"
