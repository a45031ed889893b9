/* guard_tool.c — the stand-alone `plumb-guard` executable: `plumb-guard validate|test|eval ...`
 * behaves as `plumb guard ...` (src/cli/guard_cmd.c). Used by tests, the conformance harness
 * and the benchmark. */
#include "cli/guard_cmd.h"

int main(int argc, char **argv)
{
    argv[0] = "guard";
    return pl_cli_guard(argc, argv);
}
