# fn_fake_config.py — a stand-in HTTP endpoint for tests: answers AWS JSON 1.1 PutEvaluations
# with {"FailedEvaluations": []} and any other POST with 200 {"ok": true}; a path of /fail
# answers 500. Every request is appended as one JSON line to the file given as argv[1].
# Prints the port it listens on (127.0.0.1, chosen by the kernel), then serves until killed.
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(LOG, "a") as f:
            f.write(json.dumps({"path": self.path, "target": self.headers.get("X-Amz-Target"),
                                "auth": self.headers.get("Authorization", ""),
                                "function": self.headers.get("X-Plumb-Function-Arn"),
                                "body": body.decode()}) + "\n")
        if self.path == "/fail":
            self.send_response(500)
            out = b'{"oops": true}'
        elif self.path == "/slow":
            import time
            time.sleep(30)
            return
        else:
            self.send_response(200)
            target = self.headers.get("X-Amz-Target") or ""
            out = b'{"FailedEvaluations": []}' if target.endswith("PutEvaluations") \
                else b'{"ok": true}'
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
