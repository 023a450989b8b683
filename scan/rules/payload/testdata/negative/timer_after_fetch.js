// Shapes of @mswjs/interceptors and node-fetch as bundled in next 14.2.15
// (dist/compiled): a minified bundle reuses e for a download and for a
// callback parameter, and setTimeout runs a callback, never the response.
async function load(u){let e=await fetch(u);return e.json()}
function nextTick(e){setTimeout(e,0)}
async function timed(u,l){let m=await fetch(u);setTimeout(()=>{m.body.destroy()},l.timeout);setTimeout(abort,m.timeout)}
