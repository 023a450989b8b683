// Minified bundles name every local e, r or ott and reuse the names in
// every function. Shapes of prisma 5.20.0 build/index.js (graceful-fs's
// retry queue, lodash's isLength): the e that holds Date.now() in one
// function is not the e compared with MAX_SAFE_INTEGER in another, and
// 9007199254740991 and 2147483647 are limits, not instants.
function DV(){for(var e=Date.now(),r=0;r<lr[Dn].length;++r)lr[Dn][r].length>2&&(lr[Dn][r][3]=e)}
var q1="padding so the two functions are as far apart as they are in the bundle, where thousands of bytes of other modules lie between them. padding so the two functions are as far apart as they are in the bundle, where thousands of bytes of other modules lie between them. padding so the two functions are as far apart as they are in the bundle, where thousands of bytes of other modules lie between them. padding so the two functions are as far apart as they are in the bundle, where thousands of bytes of other modules lie between them. padding so the two functions are as far apart as they are in the bundle, where thousands of bytes of other modules lie between them. padding so the two functions are as far apart as they are in the bundle, where thousands of bytes of other modules lie between them. padding so the two functions are as far apart as they are in the bundle, where thousands of bytes of other modules lie between them. padding.";
var gL=S((i9t,Ele)=>{"use strict";var ott=9007199254740991;function ctt(e){return typeof e=="number"&&e>-1&&e%1==0&&e<=ott}Ele.exports=ctt});
function lim(){var t=Date.now(),lr=2147483647;if(t>lr){return 0}}
