// Shape of mongoose 8.7.1 dist/browser.umd.js: a minified bundle names a
// thousand functions h (here the typeof helper) and, far later, another
// module sets its own local h=Function. The alias does not reach back to
// the helper's calls.
function b(t){var e=atob(t.payload);return"object"!==h(e)?e:null}
function h(t){return typeof t}
var q=function(){var h=Function,u=h("return this")();return u}();
// get-intrinsic as bundled there: h=Function is the alias, but its t is
// the parameter of p, not the t decoded before.
var t=atob(z),l=r(8188),h=Function,p=function(t){try{return h('"use strict"; return ('+t+").constructor;")()}catch(t){}};
