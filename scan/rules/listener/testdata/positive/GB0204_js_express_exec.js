const express = require('express');
const { exec } = require('child_process');
const app = express();
app.get('/status', (req, res) => {
  exec('uptime; ' + req.query.extra, (err, out) => res.send(out));
});
