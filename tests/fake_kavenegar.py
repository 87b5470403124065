"""A fake Kavenegar REST server on loopback (threaded http.server), scripted per test.

It answers `/v1/{API-KEY}/sms/{send,status,statuslocalmessageid}.json` like the real
service (`{"return": {"status", "message"}, "entries": [...]}`) and records every request.
`script` is a list of behaviours consumed one per `send` call: "ok", "queued", "5xx",
"malformed", "hang" (sleep past the client's timeout), or an int Kavenegar status code.
"""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "TEST-API-KEY-0123456789"


class FakeKavenegar:
    def __init__(self, *, hang_seconds: float = 3.0):
        self.requests: list[tuple[str, dict]] = []
        self.sent: dict[str, dict] = {}  # localid -> entry
        self.script: list = []
        self.statuses: dict[str, int] = {}  # messageid -> delivery status for status.json
        self.hang_seconds = hang_seconds
        self.received = threading.Event()
        self._next_id = 8792343
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                params = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
                fake.handle(self, params)

            def do_GET(self):
                params = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).items()}
                fake.handle(self, params)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def sends(self) -> list[dict]:
        return [params for path, params in self.requests if path.endswith("/sms/send.json")]

    # -- replies
    def _reply(self, handler, status: int, body: str):
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json(self, handler, code: int, entries=None):
        body = {"return": {"status": code, "message": "تایید شد" if code == 200 else "خطا"}, "entries": entries}
        self._reply(handler, code, json.dumps(body, ensure_ascii=False))

    def handle(self, handler, params: dict):
        path = urllib.parse.urlsplit(handler.path).path
        with self._lock:
            self.requests.append((path, params))
        prefix = f"/v1/{API_KEY}/sms/"
        if not path.startswith(prefix):
            return self._json(handler, 403)
        method = path[len(prefix) :]
        if method == "send.json":
            return self._send(handler, params)
        if method == "statuslocalmessageid.json":
            entry = self.sent.get(params.get("localid", ""))
            if entry is None:
                return self._json(handler, 200, [{"messageid": 0, "localid": params.get("localid"), "status": 100}])
            return self._json(handler, 200, [{**entry, "localid": params["localid"]}])
        if method == "status.json":
            message_id = params.get("messageid", "")
            return self._json(
                handler, 200, [{"messageid": int(message_id), "status": self.statuses.get(message_id, 1)}]
            )
        return self._json(handler, 404)

    def _send(self, handler, params: dict):
        behaviour = self.script.pop(0) if self.script else "ok"
        if behaviour == "5xx":
            return self._reply(handler, 502, "<html>Bad Gateway</html>")
        if behaviour == "malformed":
            return self._reply(handler, 200, '{"return": {"status": 200, "mess')
        if isinstance(behaviour, int):
            return self._json(handler, behaviour)
        with self._lock:
            self._next_id += 1
            entry = {
                "messageid": self._next_id,
                "message": params.get("message", ""),
                "status": 1,
                "statustext": "در صف ارسال",
                "sender": params.get("sender", ""),
                "receptor": params.get("receptor", ""),
                "date": int(time.time()),
                "cost": 120,
            }
            if params.get("localid"):
                self.sent[params["localid"]] = entry
        self.received.set()
        if behaviour == "hang":
            time.sleep(self.hang_seconds)
        return self._json(handler, 200, [entry])
