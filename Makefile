# Build of ./linux (the kernel), its stub, the host tools and the tests.
#
# Kernel code (everything but arch-um/os/ and tools/) is compiled without the
# host's libc headers: it sees gcc's freestanding headers, our include/ and
# the Linux uapi headers (linux/, asm/, asm-generic/) through build/uapi.

CC ?= gcc
BUILD := build
GCC_INC := $(shell $(CC) -print-file-name=include)
UAPI := $(BUILD)/uapi
SAN ?= 0

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow -Wpointer-arith -Wno-unused-parameter
COMMON := -std=c11 -O2 -g -fno-omit-frame-pointer $(WARN) -MMD -MP
KCFLAGS := $(COMMON) -ffreestanding -fno-strict-aliasing -fno-pie \
	-fno-common -nostdinc -isystem $(GCC_INC) -I $(UAPI) -iquote include \
	-iquote $(BUILD)/gen -iquote arch-um -D__KERNEL_UM__
OSCFLAGS := $(COMMON) -D_GNU_SOURCE -fno-pie -iquote arch-um/os
HOSTCFLAGS := $(COMMON) -D_GNU_SOURCE
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
ifeq ($(SAN),1)
HOSTCFLAGS += $(SANFLAGS)
HOSTLDFLAGS += $(SANFLAGS)
endif

KSRCS := $(wildcard kernel/*.c mm/*.c fs/*.c fs/*/*.c drivers/*/*.c net/*.c \
	mconsole/*.c arch-um/kernel/*.c)
KASM := $(wildcard arch-um/kernel/*.S)
OSSRCS := $(wildcard arch-um/os/*.c)
KOBJS := $(patsubst %.c,$(BUILD)/k/%.o,$(KSRCS)) \
	$(patsubst %.S,$(BUILD)/k/%.o,$(KASM)) \
	$(BUILD)/k/gen/syscall_table.o
OSOBJS := $(patsubst %.c,$(BUILD)/os/%.o,$(OSSRCS))

.PHONY: all run check check-long unit integration bench image deps \
	format format-check clean tools
all: linux tools

$(UAPI)/.stamp:
	@mkdir -p $(UAPI)
	ln -sfn /usr/include/linux $(UAPI)/linux
	ln -sfn /usr/include/asm-generic $(UAPI)/asm-generic
	ln -sfn /usr/include/$(shell $(CC) -print-multiarch)/asm $(UAPI)/asm
	@touch $@

$(BUILD)/gen/syscall_table.c $(BUILD)/gen/syscall_decls.h: \
		arch-um/syscalls.tbl scripts/gensyscalls.sh
	@mkdir -p $(BUILD)/gen
	sh scripts/gensyscalls.sh arch-um/syscalls.tbl $(BUILD)/gen

$(BUILD)/k/%.o: %.c $(UAPI)/.stamp $(BUILD)/gen/syscall_decls.h
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/gen/%.o: $(BUILD)/gen/%.c $(UAPI)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.S $(BUILD)/stub.elf
	@mkdir -p $(dir $@)
	$(CC) -c -D__ASSEMBLY__ -DSTUB_IMAGE='"$(BUILD)/stub.elf"' $< -o $@

$(BUILD)/os/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(OSCFLAGS) -c $< -o $@

# The stub: a tiny static program with no libc, linked at OS_STUB_CODE.
$(BUILD)/stub.elf: arch-um/stub/stub.S arch-um/stub/stub.lds
	@mkdir -p $(BUILD)
	$(CC) -nostdlib -static -no-pie -Wl,-T,arch-um/stub/stub.lds \
		-Wl,--build-id=none arch-um/stub/stub.S -o $@

linux: $(KOBJS) $(OSOBJS)
	$(CC) -no-pie -o $@ $(KOBJS) $(OSOBJS)

-include $(shell find $(BUILD)/k $(BUILD)/os $(BUILD)/ut $(BUILD)/ut-san \
	-name '*.d' 2>/dev/null)

# ---- host tools ----
# Each tool is tools/NAME.c plus the shared format code it needs (the COW
# codec is the same file the ubd driver uses).
TOOLS := tools/uml_mkcow tools/uml_moo tools/uml_mconsole \
	tools/uml_xstate_shim.so
tools: $(TOOLS)
tools/%: tools/%.c drivers/block/cow.c include/cow.h
	$(CC) $(HOSTCFLAGS) -iquote include -o $@ $< drivers/block/cow.c \
		$(HOSTLDFLAGS)
# The mconsole client shares the kernel's wire codec and uses GNU readline.
tools/uml_mconsole: tools/uml_mconsole.c mconsole/mconsole_proto.c \
		include/mconsole.h
	$(CC) $(HOSTCFLAGS) -iquote include -o $@ $< \
		mconsole/mconsole_proto.c $(HOSTLDFLAGS) -lreadline
# Preloaded into Debian's real UML so that it boots on this host
# (scripts/real-uml.sh); built without sanitizers, as UML is.
tools/uml_xstate_shim.so: tools/uml_xstate_shim.c
	$(CC) $(COMMON) -D_GNU_SOURCE -fPIC -shared -o $@ $< -ldl

# ---- unit tests (Check, one suite per module, fork mode) ----
include tests/unit/suites.mk
# Sanitized unit tests and their objects live apart from the plain ones.
UT := $(BUILD)/ut$(if $(filter 1,$(SAN)),-san)
UNITDIR := $(BUILD)/unit$(if $(filter 1,$(SAN)),-san)
UNIT_BINS := $(patsubst %,$(UNITDIR)/%,$(UNIT_SUITES))
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
UTFLAGS := $(COMMON) -ffreestanding -fno-strict-aliasing -nostdinc -isystem $(GCC_INC) \
	-I $(UAPI) -iquote include -iquote $(BUILD)/gen -iquote arch-um \
	-D__KERNEL_UM__
ifeq ($(SAN),1)
UTFLAGS += $(SANFLAGS)
endif

$(UT)/%.o: %.c $(UAPI)/.stamp $(BUILD)/gen/syscall_decls.h
	@mkdir -p $(dir $@)
	$(CC) $(UTFLAGS) -c $< -o $@

.SECONDEXPANSION:
$(UNITDIR)/%: tests/unit/%.c arch-um/os/mem.c $(UAPI)/.stamp \
		$(BUILD)/gen/syscall_decls.h \
		$$(addprefix $(UT)/,$$(subst .c,.o,$$($$*_DEPS))) $$($$*_HOST)
	@mkdir -p $(dir $@)
	$(CC) $(HOSTCFLAGS) -iquote include -iquote $(BUILD)/gen \
		-iquote arch-um -iquote arch-um/os -iquote tests/unit -o $@ $< \
		arch-um/os/mem.c $($*_HOST) \
		$(patsubst %.c,$(UT)/%.o,$($*_DEPS)) $(CHECK_LIBS) \
		$(HOSTLDFLAGS)

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		CK_FORK=yes ./$$t || fail=1; done; exit $$fail

# ---- images, running, checking ----
image: $(BUILD)/initramfs.cpio.gz
$(BUILD)/initramfs.cpio.gz: scripts/mkinitramfs.sh
	@mkdir -p $(BUILD)
	bash scripts/mkinitramfs.sh $@

# The default root disk. Built only when missing or older than its script:
# a root_fs changed by booting it is kept (rm root_fs to start afresh).
.PHONY: rootfs
rootfs: root_fs
root_fs: scripts/mkrootfs.sh
	bash scripts/mkrootfs.sh $@

deps:
	bash scripts/deps.sh build

# The kernel's defaults boot ./root_fs: ubd0=root_fs root=98:0 (/dev/ubda).
run:
	bash scripts/deps.sh build
	$(MAKE) all rootfs
	./linux mem=256M

integration: all image
	bash tests/integration/run-all.sh

check:
	bash scripts/deps.sh test
	$(MAKE) all image
	$(MAKE) unit
	$(MAKE) integration

check-long: check

bench:
	bash scripts/deps.sh bench
	$(MAKE) all image rootfs
	bash bench/run.sh

format:
	bash scripts/format-check.sh --fix

format-check:
	bash scripts/format-check.sh

clean:
	rm -rf $(BUILD) linux
