/* commands.h — entry points of the plumb subcommands; src/cli/main.c dispatches to them.
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand) and returns
 * the process exit code (0 ok, 1 errors while working, 2 usage). */
#ifndef PL_CLI_COMMANDS_H
#define PL_CLI_COMMANDS_H

/* recorder/store (plumb_cli_data): record_cmd.c, history_cmd.c */
int pl_cli_record(int argc, char **argv);  /* plumb record [--data DIR|--endpoint URL] FILE...|- */
int pl_cli_history(int argc, char **argv); /* plumb history [--data DIR] TYPE ID [--json] */
int pl_cli_diff(int argc, char **argv);    /* plumb diff [--data DIR] TYPE ID [V1 V2] [--json] */
int pl_cli_blame(int argc, char **argv);   /* plumb blame [--data DIR] TYPE ID [--json] */
/* the store itself (plumb_cli_common): store_cmd.c */
int pl_cli_store(int argc, char **argv); /* plumb store copy FROM TO | info [--data DIR] */
/* AWS discovery (plumb_cli_discover): discover_cmd.c */
int pl_cli_discover(int argc, char **argv); /* plumb discover [--data DIR] [--region R] ... */
/* CloudTrail (plumb_cli_data): cloudtrail_cmd.c */
int pl_cli_cloudtrail(int argc, char **argv); /* plumb cloudtrail import [--data DIR] PATH... */

/* http (plumb_cli_auth): credentials_cmd.c */
int pl_cli_credentials(int argc, char **argv); /* plumb credentials add|list|revoke [--data DIR] */

/* organization (plumb_cli_org): org_cmd.c */
int pl_cli_org(int argc, char **argv); /* plumb org create|add-account|remove-account|list ... */

/* lead (src/cli/serve.c) */
int pl_cli_serve(int argc, char **argv); /* plumb serve [--listen H:P] [--data DIR] [--auth M] */
int pl_cli_worker(int argc, char **argv); /* plumb worker [--data DIR] [--endpoint URL] */

/* delivery (plumb_cli_delivery): webhook_cmd.c */
int pl_cli_webhook(int argc, char **argv); /* plumb webhook add|list|remove ... */

/* functions (plumb_cli_functions): function_cmd.c */
int pl_cli_function(int argc, char **argv); /* plumb function add|list|remove|invoke ... */
/* remediation actions (plumb_cli_actions): action_cmd.c */
int pl_cli_action(int argc, char **argv); /* plumb action add|list|remove|logs ... */

/* conformance packs (plumb_cli_packs): pack_cmd.c */
int pl_cli_pack(int argc, char **argv); /* plumb pack deploy|list|report ... */
/* advanced query (plumb_cli_query): query_cmd.c */
int pl_cli_query(int argc, char **argv); /* plumb query [--data DIR] [--json|--csv] QUERY */
/* the cost report (plumb_cli_cost): cost_cmd.c */
int pl_cli_cost(int argc, char **argv); /* plumb cost [--data DIR] [--since M] [--until M] */
/* proactive evaluation (plumb_cli_eval): eval_cmd.c */
int pl_cli_eval(int argc, char **argv); /* plumb eval [--data DIR] [--rules A,B|--pack P] FILE... */

#endif
