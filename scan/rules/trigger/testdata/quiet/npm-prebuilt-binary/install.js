// Fetches the prebuilt binary for this platform from the project's
// releases and checks that it runs, as esbuild-style installers do.
const https = require('https');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const bin = path.join(__dirname, 'bin', 'fastfmt');
https.get(`https://example.invalid/fastfmt/${process.platform}-${process.arch}`, (res) => {
  const out = fs.createWriteStream(bin, { mode: 0o755 });
  res.pipe(out);
  out.on('finish', () => {
    execFileSync(bin, ['--version'], { stdio: 'inherit' });
  });
});
