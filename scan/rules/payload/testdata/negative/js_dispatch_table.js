// Dispatch by a computed method name that nothing decodes: ordinary.
const handlers = { get: onGet, put: onPut };
function route(req) {
  return handlers[req.method.toLowerCase()](req);
}
const fs = require;
module.exports = { route, load: (p) => fs(p) };
