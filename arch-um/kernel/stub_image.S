/* The stub binary, embedded so that ./linux stays a single file. */
	.section .rodata
	.balign 16
	.globl stub_image_start
stub_image_start:
	.incbin STUB_IMAGE
	.globl stub_image_end
stub_image_end:
	.section .note.GNU-stack, "", @progbits
