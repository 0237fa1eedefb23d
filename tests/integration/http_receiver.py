#!/usr/bin/env python3
"""An HTTP(S) alert receiver for outputs_test, as Falcosidekick would be one: appends each
POST as one JSON line {"path", "headers", "body"} to OUT, answers 200. With --hang it
accepts connections and never answers (a peer that is alive but stuck).

usage: http_receiver.py PORT-FILE OUT [--tls CERT KEY] [--hang]
"""
import http.server
import json
import socket
import ssl
import sys
import time


def main():
    port_file, out = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if "--hang" in args:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1024)
        open(port_file, "w").write(str(s.getsockname()[1]))
        held = []
        while True:
            c, _ = s.accept()
            held.append(c)  # read nothing, answer nothing

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            with open(out, "a") as f:
                f.write(json.dumps({"path": self.path, "headers": dict(self.headers),
                                    "body": body.decode("latin-1")}) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if "--tls" in args:
        i = args.index("--tls")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[i + 1], args[i + 2])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    open(port_file, "w").write(str(srv.server_address[1]))
    srv.serve_forever()


if __name__ == "__main__":
    main()
