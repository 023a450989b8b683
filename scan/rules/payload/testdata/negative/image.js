const fs = require('fs');
function save(data) {
  const buf = Buffer.from(data, 'base64');
  fs.writeFileSync('out.png', buf);
}
const re = /token=(\w+)/;
const m = re.exec(atob(location.hash.slice(1)));
const s = 'hello'.split('').reverse().join('');
console.log(s, m);
