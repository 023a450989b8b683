// RegExp.exec on request input is parsing, not running a command.
app.get('/page', (req, res) => {
  const m = /^(\d+)$/.exec(req.query.page || '1');
  res.send(render(Number(m ? m[1] : 1)));
});
