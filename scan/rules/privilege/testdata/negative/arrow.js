if (users.some((u) => u.admin === true)) { show(); }
if (root !== null && auth >= 1) { go(); }
const f = (isAdmin = false) => isAdmin;
