/* guard_cmd.h — `plumb guard ...`: a cfn-guard-compatible command line over src/guard.
 *
 * argv[0] is "guard", argv[1] the subcommand: validate, test, eval (corpus adapter: prints
 * {"RULE": "PASS"|"FAIL"|"SKIP"}), help. Returns the process exit status with cfn-guard's
 * values: 0 success, 19 validate found non-compliance, 7 test had failing expectations,
 * 5 a rules file does not parse, 255 other errors (missing files, bad data, evaluation errors).
 */
#ifndef PL_CLI_GUARD_CMD_H
#define PL_CLI_GUARD_CMD_H

int pl_cli_guard(int argc, char **argv);

#endif
