/* cmd_restart_check.c - `bindlab restart-check [options] -- CMD ARGS...`:
 * start the operator's server in a fresh world, wait until it listens,
 * connect clients, stop it as an operator would, start it again at once
 * and say whether the restart could listen.  The scenario is built with
 * builder.h, which knows each step's line; the verdict comes from the
 * outcomes of those steps and the port from the programs' summaries. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder.h"
#include "cli.h"
#include "outputs.h"
#include "pool.h"

static const struct cli_option rc_opts[] = {
    {"--port P", "the port to check (default: the one its traced listen() used)"},
    {"--clients N", "clients connected when it is stopped (default 2, at most 16)"},
    {"--grace DUR", "SIGTERM, then SIGKILL after DUR (default 2s)"},
    {"--pcap DIR", "write one pcap file per interface into DIR"},
    {"--json FILE", "write the run as JSON ('-' for stdout)"},
    OUTPUTS_HELP,
    {"--print-scenario", "print the scenario it would run, and stop"},
    {NULL, NULL},
};

/* Run one plan in a runner and wait for its report. */
static int run_one(const struct plan *plan, const struct run_opts *ro,
		   const struct render_opts *rep, struct outputs *outs, struct job *jb, char *err)
{
	struct pool_opts po = {.run = ro, .render = rep, .jobs = 1};

	if (outs)
		outputs_setup(outs, &po);
	memset(jb, 0, sizeof(*jb));
	jb->plan = plan;
	if (pool_run(jb, 1, &po, NULL, NULL, err) < 0)
		return -1;
	if (!jb->outcomes)
		return errf(err, "%s", jb->died);
	return 0;
}

/* The step of plan made by line, or -1. */
static int step_at(const struct plan *plan, int line)
{
	for (int i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].pos.line == line)
			return i;
	return -1;
}

/* "server: VAR = run(ARGS)" for the command line. */
static int run_line(struct builder *b, const char *var, char **args, int nargs)
{
	builder_put(b, "server: ");
	builder_put(b, var);
	builder_put(b, " = run(");
	for (int k = 0; k < nargs; k++) {
		if (k)
			builder_put(b, ", ");
		builder_quoted(b, args[k]);
	}
	builder_put(b, ")");
	return builder_end(b);
}

static int rc_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"port", required_argument, NULL, 'p'},
						 {"clients", required_argument, NULL, 'c'},
						 {"grace", required_argument, NULL, 'g'},
						 {"pcap", required_argument, NULL, 'P'},
						 {"json", required_argument, NULL, 'J'},
						 {"print-scenario", no_argument, NULL, 's'},
						 {"help", no_argument, NULL, 'h'},
						 OUTPUTS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	struct outputs outs = {0};
	struct run_opts ro = {.step_timeout_ms = PLAN_WAIT_DEFAULT_MS, .progress_fd = -1};
	struct render_opts rep = {.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR")};
	char err[ERRLEN];
	const char *json_path = NULL;
	int port = 0, clients = 2, print = 0, c, rc = EXIT_USAGE, nplans = 0, nargs;
	int line_first_wait, line_second_wait;
	long v, grace_ms = 2000;
	struct plan *plans = NULL;
	struct builder b;
	struct job jb;
	char **args;

	memset(&jb, 0, sizeof(jb));
	builder_init(&b);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_number("--port", optarg, 1, 65535, &v) < 0)
				return EXIT_USAGE;
			port = (int)v;
			break;
		case 'c':
			if (cli_number("--clients", optarg, 0, 16, &v) < 0)
				return EXIT_USAGE;
			clients = (int)v;
			break;
		case 'g':
			if (cli_duration("--grace", optarg, 600000, &grace_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'P':
			ro.pcap_dir = optarg;
			break;
		case 'J':
			json_path = optarg;
			break;
		case 's':
			print = 1;
			break;
		case 'h':
			cli_usage(stdout, &command_restart_check);
			return EXIT_PASS;
		default:
			if (outputs_option(&outs, c, optarg))
				break;
			cli_usage(stderr, &command_restart_check);
			return EXIT_USAGE;
		}
	}
	args = argv + optind;
	nargs = argc - optind;
	if (nargs < 1 || nargs > 8) {
		fprintf(stderr, "bindlab: restart-check needs a command after --, with at most 7 "
				"arguments\n");
		return EXIT_USAGE;
	}
	if (ro.pcap_dir && mkdir(ro.pcap_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "bindlab: cannot create '%s': %s\n", ro.pcap_dir, strerror(errno));
		return EXIT_USAGE;
	}

	/* Which port?  Asked, or the one its traced listen() was on. */
	if (!port) {
		builder_line(&b, "scenario \"restart-check: find the port\"");
		builder_line(&b, "host server 10.0.0.1");
		run_line(&b, "p", args, nargs);
		builder_line(&b, "expect traced server listen() = 0 within 5s");
		if (b.failed ||
		    plan_parse_string("restart-check", b.text, &plans, &nplans, err) < 0 ||
		    run_one(&plans[0], &ro, &rep, NULL, &jb, err) < 0) {
			fprintf(stderr, "bindlab: %s\n", b.failed ? "out of memory" : err);
			goto out;
		}
		for (int k = 0; k < jb.hdr.nprogs && !port; k++)
			port = jb.progs[k].listen_port;
		if (!port) {
			fwrite(jb.text, 1, jb.hdr.textlen, stdout);
			fprintf(stderr,
				"bindlab: the program did not listen within 5 s, or it cannot be "
				"traced (a static binary): give --port\n");
			goto out;
		}
		job_free(&jb);
		plan_free(plans, nplans);
		plans = NULL;
		builder_free(&b);
	}

	/* The scenario: start, wait until it listens, clients, stop, restart. */
	/* the report's title: the command's name, without what a scenario
	 * name cannot hold */
	char title[64];

	snprintf(title, sizeof(title), "%s", args[0]);
	for (char *t = title; *t; t++)
		if (*t == '"' || (unsigned char)*t < 0x20)
			*t = '?';
	builder_line(&b, "scenario \"restart-check: %s\"", title);
	builder_line(&b, "host server 10.0.0.1");
	builder_line(&b, "host client 10.0.0.2");
	run_line(&b, "p", args, nargs);
	line_first_wait = builder_line(&b, "wait until socket server *:%d LISTEN within 5s", port);
	for (int k = 1; k <= clients; k++) {
		builder_line(&b, "client: c%d = socket(tcp)", k);
		builder_line(&b, "client: connect(c%d, 10.0.0.1:%d) = 0", k, port);
		/* a request most servers answer: HTTP servers a whole request,
		 * line servers (redis, memcached, smtp, echo) its first line */
		builder_line(&b, "client: send(c%d, \"GET / HTTP/1.0\\r\\n\\r\\n\") = *", k);
	}
	/* the answers, before the stop: a server stopped with a request unread
	 * resets the connection (no TIME_WAIT, nothing tested).  Bounded: a
	 * server that says nothing gets -1 EAGAIN, not a hang */
	for (int k = 1; k <= clients; k++)
		builder_line(&b, "client: recv(c%d, 256) = *", k);
	builder_line(&b, "server: stop(p, %ldms)", grace_ms);
	/* the clients read to the end and close, as real clients do: unread
	 * data at close() would reset the connection instead of closing it */
	for (int k = 1; k <= clients; k++) {
		builder_line(&b, "client: recv(c%d, 256, eof) = *", k);
		builder_line(&b, "client: close(c%d) = *", k);
	}
	/* Did the new instance listen?  Its own traced listen() says so; the
	 * socket table cannot tell it from a listener the old one left behind
	 * (a forked worker), so it is only the fallback for static binaries. */
	run_line(&b, "p2", args, nargs);
	if (program_is_static(args[0]))
		line_second_wait =
		    builder_line(&b, "wait until socket server *:%d LISTEN within 5s", port);
	else
		line_second_wait = builder_line(&b, "expect traced p2 listen() = 0 within 5s");
	if (b.failed) {
		fprintf(stderr, "bindlab: out of memory\n");
		goto out;
	}
	if (print) {
		fputs(b.text, stdout);
		rc = EXIT_PASS;
		goto out;
	}
	if (plan_parse_string("restart-check", b.text, &plans, &nplans, err) < 0 ||
	    run_one(&plans[0], &ro, &rep, &outs, &jb, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	fwrite(jb.text, 1, jb.hdr.textlen, stdout);

	int first = step_at(&plans[0], line_first_wait),
	    second = step_at(&plans[0], line_second_wait);
	const char *verdict;

	if (jb.hdr.verdict == VERDICT_PASS) {
		printf("\nrestart-check: OK: '%s' listens on port %d again right after a rapid "
		       "restart (%d client%s were connected when it was stopped)\n",
		       args[0], port, clients, clients == 1 ? "" : "s");
		rc = EXIT_PASS;
		verdict = "ok";
	} else if (second >= 0 && jb.outcomes[second] == OUTCOME_FAILED) {
		printf("\nrestart-check: FAILED: the restarted '%s' could not listen on port %d "
		       "(see the restarted program's traced bind and what was in the way, above)\n",
		       args[0], port);
		rc = EXIT_FAIL;
		verdict = "failed";
	} else if (first >= 0 && jb.outcomes[first] == OUTCOME_FAILED) {
		printf("\nrestart-check: '%s' never listened on port %d the first time: nothing "
		       "to restart (its output is above)\n",
		       args[0], port);
		verdict = "never-listened";
	} else {
		printf("\nrestart-check: could not complete (line %d of the scenario above failed; "
		       "--print-scenario shows it)\n",
		       jb.hdr.failed_line);
		verdict = "incomplete";
	}
	if (json_path) {
		char *json = NULL, extra[160];
		size_t jl = 0;
		FILE *jf = open_memstream(&json, &jl);

		if (!jf)
			goto out;
		snprintf(extra, sizeof(extra),
			 "\"restart_check\":{\"verdict\":\"%s\",\"port\":%d,\"clients\":%d}",
			 verdict, port, clients);
		render_json_begin(jf, BINDLAB_VERSION);
		fwrite(jb.json, 1, jb.hdr.jsonlen, jf);
		render_json_end(jf, extra);
		fclose(jf);
		if (cli_write_file(json_path, json, jl, err) < 0) {
			fprintf(stderr, "bindlab: %s\n", err);
			rc = EXIT_USAGE;
		}
		free(json);
	}
	if (outputs_write(&outs, &jb, 1, "restart-check", err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		rc = EXIT_USAGE;
	}
out:
	job_free(&jb);
	builder_free(&b);
	if (plans)
		plan_free(plans, nplans);
	return rc;
}

const struct command command_restart_check = {
    "restart-check",
    "[options] -- CMD ARGS...",
    "does your server come back after a rapid restart?",
    "  starts CMD in a fresh world, waits until it listens, connects clients, stops it as\n"
    "  an operator would (SIGTERM, SIGKILL after the grace period), starts it again at once\n"
    "  and says whether the restart could listen.  Exit status: 0 the restart listens,\n"
    "  1 it could not, 2 bad input or CMD never listened the first time.\n",
    rc_opts,
    rc_main,
};
