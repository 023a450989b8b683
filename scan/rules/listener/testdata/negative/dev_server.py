import socket
from http.server import HTTPServer, SimpleHTTPRequestHandler

s = socket.socket()
s.bind(("127.0.0.1", 8000))
HTTPServer(("", 8000), SimpleHTTPRequestHandler).serve_forever()
