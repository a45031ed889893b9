# fn_echo.py — test handler: returns what it saw (event, context, environment) and counts calls
# in a module global, so tests can tell a warm worker (count grows) from a cold one.
import os

calls = 0


def lambda_handler(event, context):
    global calls
    calls += 1
    print("echo handler called", calls)
    keys = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CONFIG_SERVICE", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "LAMBDA_TASK_ROOT",
            "HOME"]
    return {
        "event": event,
        "calls": calls,
        "cwd": os.getcwd(),
        "env": {k: os.environ.get(k) for k in keys},
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
    }
