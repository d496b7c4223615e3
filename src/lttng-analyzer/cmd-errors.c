/*
 * lttng-analyzer errors: timing failures (InE, CoE, crash) of a recorded
 * trace, from its rule-based logging points (<lttng-analyzer/rbl.h>), with
 * the agent of the daemon run on trace time: the same errors at the same
 * trace times as a live run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "cli.h"
#include "decode/decode.h"

struct errors_cmd {
	struct lta_agent_options options;
	struct lta_agent *agent;
	struct lta_cli_run run;
	uint64_t counts[3], late;
	int json;
};

void lta_cli_errors_usage(FILE *out);

void lta_cli_errors_usage(FILE *out)
{
	fprintf(out,
		"Usage: lttng-analyzer errors [OPTIONS] "
		"TRACE_DIR...|net://...\n"
		"\n"
		"Raises interaction errors (InE), computation errors (CoE) "
		"and\n"
		"crashes from the lttng_analyzer_rbl points of the traces, "
		"with\n"
		"adaptive timeouts (mean + K x deviation, Jacobson/Karels), "
		"on\n"
		"trace time. Prints one line per error, and per late end.\n"
		"\n"
		"  --format=text|json   (default text; json: one object per "
		"line)\n"
		"  --k=K                deviations in the timeout (default 4)\n"
		"  --floor=MS           smallest timeout (default 50)\n"
		"  --ceiling=MS         largest timeout (default 30000)\n"
		"  --warmup=N           samples before the estimate rules "
		"(default 10)\n"
		"  -h, --help\n");
}

static int on_error(const struct lta_agent_error *e, bool late, void *user_data)
{
	struct errors_cmd *cmd = user_data;
	const char *what = late ? "late-end" : lta_agent_error_name(e->type);

	if (late) {
		cmd->late++;
	} else {
		cmd->counts[e->type]++;
	}
	if (cmd->json) {
		printf("{\"id\":%llu,\"event\":\"%s\",\"type\":\"%s\","
		       "\"kind\":\"%s\",\"pid\":%d,\"tid\":%d,\"entity\":\"%"
		       "s\","
		       "\"name\":\"%s\",\"key\":%llu,\"start_ns\":%lld,"
		       "\"raised_ns\":%lld,\"timeout_ns\":%lld,"
		       "\"late_end_ns\":%lld,\"open\":%u,\"expired\":%s}\n",
		       (unsigned long long)e->id, late ? "late_end" : "error",
		       lta_agent_error_name(e->type),
		       e->kind == LTA_AGENT_SERVICE ? "service" : "interaction",
		       e->pid, e->tid, e->entity, e->name,
		       (unsigned long long)e->key, (long long)e->start_ts,
		       (long long)e->raised_ts, (long long)e->timeout_ns,
		       (long long)e->late_end_ts, e->open_count,
		       e->expired ? "true" : "false");
	} else {
		printf("%-8s #%llu %s/%s pid %d tid %d: started %lld, %s %lld "
		       "(timeout %.3f ms)\n",
		       what, (unsigned long long)e->id, e->entity, e->name,
		       e->pid, e->tid, (long long)e->start_ts,
		       late ? "ended" : "raised",
		       (long long)(late ? e->late_end_ts : e->raised_ts),
		       (double)e->timeout_ns / 1e6);
	}
	return 0;
}

static int on_event(struct lta_event *event, void *user_data)
{
	struct errors_cmd *cmd = user_data;
	const struct lta_rbl_event *p = &event->u.rbl;
	enum lta_agent_kind kind =
		p->interaction ? LTA_AGENT_INTERACTION : LTA_AGENT_SERVICE;
	int ret;

	/* Deadlines passed before this event fire first. */
	ret = lta_agent_advance(cmd->agent, event->ts);
	if (ret) {
		return ret;
	}
	switch (event->kind) {
	case LTA_EVENT_RBL_START:
		return lta_agent_start(cmd->agent, kind, event->trace,
				       event->pid, event->tid, p->entity,
				       p->name, p->key, event->ts);
	case LTA_EVENT_RBL_END:
		ret = lta_agent_end(cmd->agent, kind, event->trace, event->pid,
				    p->entity, p->name, p->key, event->ts);
		return ret == -ENOENT ? 0 : ret;
	case LTA_EVENT_PROCESS_EXIT:
		if (event->u.process.tid == event->pid) {
			return lta_agent_process_exit(cmd->agent, event->trace,
						      event->pid, event->ts);
		}
		return 0;
	default:
		return 0;
	}
}

int lta_cli_errors(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "k", required_argument, NULL, 'k' },
		{ "floor", required_argument, NULL, 'F' },
		{ "ceiling", required_argument, NULL, 'C' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errors_cmd cmd = { 0 };
	const struct lta_agent_counters *c;
	char *end;
	double v;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			lta_cli_errors_usage(stdout);
			return LTA_CLI_EXIT_OK;
		}
		if (opt == 'f') {
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				lta_cli_errors_usage(stderr);
				return LTA_CLI_EXIT_USAGE;
			}
			cmd.json = strcmp(optarg, "json") == 0;
			continue;
		}
		if (opt == '?') {
			lta_cli_errors_usage(stderr);
			return LTA_CLI_EXIT_USAGE;
		}
		v = strtod(optarg, &end);
		if (*optarg == '\0' || *end != '\0' || v <= 0) {
			fprintf(stderr,
				"lttng-analyzer errors: bad value \"%s\"\n",
				optarg);
			return LTA_CLI_EXIT_USAGE;
		}
		switch (opt) {
		case 'k':
			cmd.options.k = v;
			break;
		case 'F':
			cmd.options.floor_ns = (int64_t)(v * 1e6);
			break;
		case 'C':
			cmd.options.ceiling_ns = (int64_t)(v * 1e6);
			break;
		case 'w':
			cmd.options.warmup = (uint32_t)v;
			break;
		}
	}
	if (optind >= argc) {
		lta_cli_errors_usage(stderr);
		return LTA_CLI_EXIT_USAGE;
	}
	cmd.agent = lta_agent_create(&cmd.options, on_error, &cmd);
	if (!cmd.agent) {
		fprintf(stderr, "lttng-analyzer: error: out of memory\n");
		return LTA_CLI_EXIT_FAILURE;
	}
	cmd.run.analyze = on_event;
	cmd.run.user_data = &cmd;
	ret = lta_cli_run_traces(&cmd.run, argv + optind, argc - optind, 1,
				 "warn");
	if (ret == LTA_CLI_EXIT_OK) {
		c = lta_agent_counters(cmd.agent);
		fprintf(stderr,
			"errors: %llu InE, %llu CoE, %llu crash; %llu late "
			"ends; %llu starts, %llu ends, %llu open at the end\n",
			(unsigned long long)cmd.counts[LTA_AGENT_INE],
			(unsigned long long)cmd.counts[LTA_AGENT_COE],
			(unsigned long long)cmd.counts[LTA_AGENT_CRASH],
			(unsigned long long)cmd.late,
			(unsigned long long)c->starts,
			(unsigned long long)c->ends,
			(unsigned long long)c->open);
	}
	if (fflush(stdout) != 0) {
		ret = LTA_CLI_EXIT_FAILURE;
	}
	lta_cli_run_fini(&cmd.run);
	lta_agent_destroy(cmd.agent);
	return ret;
}
