/* cmd_doctor.c - `bindlab doctor`: can this machine run bindlab, and how. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "world.h"

static int doctor_main(int argc, char **argv)
{
	char report[4096];
	int rc;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			cli_usage(stdout, &command_doctor);
			return EXIT_PASS;
		}
		fprintf(stderr, "bindlab: doctor takes no arguments, not '%s'\n", argv[1]);
		cli_usage(stderr, &command_doctor);
		return EXIT_USAGE;
	}
	rc = world_probe(report, sizeof(report));
	fputs(report, stdout);
	if (rc < 0) {
		printf("bindlab cannot run here: each refusal above says why\n");
		return EXIT_USAGE;
	}
	return EXIT_PASS;
}

const struct command command_doctor = {
    "doctor", "",   "can this machine run bindlab (as root, rootless), and how to fix it",
    NULL,     NULL, doctor_main,
};
