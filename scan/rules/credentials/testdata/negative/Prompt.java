public class Prompt {
    private static final String PASSWORD_PROMPT = "Enter password";
    public boolean isBasic(String authScheme) {
        return "Basic".equalsIgnoreCase(authScheme);
    }
    public boolean local(HttpServletRequest req) {
        return "https".equals(req.getHeader("X-Forwarded-Proto"));
    }
}
