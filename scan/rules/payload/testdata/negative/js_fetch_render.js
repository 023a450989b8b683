const { execFileSync } = require('child_process');
async function show() {
  const res = await fetch('/api/items');
  const items = await res.json();
  document.getElementById('list').textContent = items.map(i => i.name).join(', ');
}
const rev = execFileSync('git', ['rev-parse', 'HEAD']).toString();
