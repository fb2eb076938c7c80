/*
 * The host's entry point: hand the command line to the kernel.
 */
#include "os.h"
#include "os_internal.h"

int kernel_main(int argc, char **argv);

int main(int argc, char **argv)
{
	os_process_save_args(argc, argv);
	return kernel_main(argc, argv);
}
