const net = require('net');
net.createServer((sock) => { sock.on('data', (d) => sock.write(d)); }).listen(4444);
