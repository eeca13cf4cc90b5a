"""A portal app's events endpoint on loopback for the delivery benchmark: accepts every
security event token with 202 and counts them. Prints the port it listens on.

Usage: receiver.py COUNT_FILE
"""

import http.server
import sys
import threading

count_file = sys.argv[1]
received = 0
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global received
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()
        with lock:
            received += 1
            if received % 100 == 0:
                with open(count_file, "w") as f:
                    f.write(str(received))

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
print(server.server_address[1], flush=True)
server.serve_forever()
