# One Check suite per module: NAME_DEPS lists the kernel sources it links.
UNIT_SUITES :=
UNIT_SUITES += test_timeconv
test_timeconv_DEPS :=
UNIT_SUITES += test_cred
test_cred_DEPS := kernel/cred.c
UNIT_SUITES += test_cpio
test_cpio_DEPS := fs/cpio.c kernel/klib.c
UNIT_SUITES += test_inflate
test_inflate_DEPS := kernel/inflate.c kernel/crc32.c kernel/klib.c
UNIT_SUITES += test_n_tty
test_n_tty_DEPS := drivers/char/n_tty.c
UNIT_SUITES += test_console
test_console_DEPS := drivers/char/console.c drivers/char/chan.c kernel/klib.c
UNIT_SUITES += test_vfs
test_vfs_DEPS := fs/vfs_path.c fs/vfs_perm.c fs/vfs_pagemap.c fs/locks.c kernel/klib.c
UNIT_SUITES += test_procfs
test_procfs_DEPS := fs/procfs_fmt.c kernel/klib.c
