# bootstrap.py — plumb's Python runtime for Lambda-style functions (embedded in the plumb binary).
#
# Run as: python3 -c BOOTSTRAP /abs/dir/module.py function
# with fd 3 a stream socket to plumb. It imports the module once (as Lambda does when a
# container starts), then serves requests until the socket closes:
#   request:  one JSON header line {"requestId","deadlineMs","len"} then len bytes of event JSON
#   response: "ok LEN\n" + JSON of the return value, or "error LEN\n" + Lambda's error object
#             {"errorMessage","errorType","stackTrace"}
# stdout and stderr are flushed before each response, so plumb can attribute them. The process
# may be asked for one event (cold) or many (warm); handlers cannot tell the difference except
# through module globals, exactly as on Lambda.
import importlib.abc
import importlib.util
import json
import os
import socket
import sys
import time
import traceback


class LambdaContext:
    """The subset of the AWS Lambda Python context object that rules use."""

    def __init__(self, request_id, deadline_ms):
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("PLUMB_FUNCTION_ARN", "")
        self.memory_limit_in_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def error_object(exc, error_type=None):
    tb = traceback.extract_tb(exc.__traceback__)
    while tb and tb[0].filename == "<string>":  # this bootstrap's frames, as Lambda omits its own
        tb = tb[1:]
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": [
            '  File "%s", line %d, in %s\n    %s\n' % (f.filename, f.lineno, f.name, f.line or "")
            for f in tb
        ],
    }


class EndpointPatch(importlib.abc.MetaPathFinder):
    """botocore before 1.31 (Debian 12 ships 1.29) ignores AWS_ENDPOINT_URL and
    AWS_ENDPOINT_URL_<SERVICE>, so an unchanged handler would call the real AWS. When a handler
    imports botocore.session, this teaches Session.create_client to read them, as newer
    versions do. It costs nothing for handlers that never import boto3."""

    def find_spec(self, name, path, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            patch_create_client(module)

        spec.loader.exec_module = exec_and_patch
        return spec


def patch_create_client(session_module):
    import botocore

    version = tuple(int(x) for x in botocore.__version__.split(".")[:2])
    if version >= (1, 31) and os.environ.get("PLUMB_PATCH_BOTOCORE") != "1":
        return
    original = session_module.Session.create_client
    special = {"config": "CONFIG_SERVICE"}

    def create_client(self, service_name, *args, **kwargs):
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            suffix = special.get(service_name, service_name.upper().replace("-", "_"))
            url = os.environ.get("AWS_ENDPOINT_URL_" + suffix) or \
                os.environ.get("AWS_ENDPOINT_URL")
            if url:
                kwargs["endpoint_url"] = url
        return original(self, service_name, *args, **kwargs)

    session_module.Session.create_client = create_client


def load_handler(path, function):
    """Returns (handler, None) or (None, Lambda's init error object)."""
    directory, filename = os.path.split(path)
    name = filename[:-3]
    sys.path.insert(0, directory)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None:
            raise ImportError("No module named '%s'" % name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except Exception as e:
        err = error_object(e, "Runtime.ImportModuleError")
        err["errorMessage"] = "Unable to import module '%s': %s" % (name, e)
        return None, err
    handler = getattr(module, function, None)
    if not callable(handler):
        return None, {
            "errorMessage": "Handler '%s' missing on module '%s'" % (function, name),
            "errorType": "Runtime.HandlerNotFound",
            "stackTrace": [],
        }
    return handler, None


def invoke(handler, init_error, header, event_bytes):
    if init_error is not None:
        return "error", init_error
    try:
        event = json.loads(event_bytes)
    except ValueError as e:
        return "error", error_object(e, "Runtime.UnmarshalError")
    context = LambdaContext(header.get("requestId", ""), header.get("deadlineMs", 0))
    try:
        result = handler(event, context)
    except SystemExit as e:
        return "error", {"errorMessage": "Runtime exited with error: exit status %s" % e.code,
                         "errorType": "Runtime.ExitError", "stackTrace": []}
    except Exception as e:
        return "error", error_object(e)
    return "ok", result


def main():
    path, function = sys.argv[1], sys.argv[2]
    sock = socket.socket(fileno=3)
    reader = sock.makefile("rb")
    sys.meta_path.insert(0, EndpointPatch())
    handler, init_error = load_handler(path, function)
    while True:
        line = reader.readline()
        if not line:
            return
        header = json.loads(line)
        event_bytes = reader.read(header["len"])
        status, value = invoke(handler, init_error, header, event_bytes)
        try:
            body = json.dumps(value).encode()
        except (TypeError, ValueError) as e:
            status = "error"
            body = json.dumps({"errorMessage": "Unable to marshal response: %s" % e,
                               "errorType": "Runtime.MarshalError", "stackTrace": []}).encode()
        sys.stdout.flush()
        sys.stderr.flush()
        sock.sendall(b"%s %d\n" % (status.encode(), len(body)) + body)


main()
