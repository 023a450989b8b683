public class Access {
    boolean check(User u) {
        boolean isAdmin = u.roles.contains("admin");
        if (isAdmin == true && u.active) { return true; }
        if (u.getUid() != 0) { return false; }
        return (isAdmin) ? true : false;
    }
}
