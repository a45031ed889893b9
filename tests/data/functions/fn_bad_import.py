# fn_bad_import.py — test handler whose module fails to import (Runtime.ImportModuleError).
import no_such_module_for_plumb_tests  # noqa: F401


def lambda_handler(event, context):
    return "unreachable"
