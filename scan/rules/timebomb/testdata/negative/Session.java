public class Session {
    boolean expired(long createdAt) {
        return System.currentTimeMillis() - createdAt > TTL;
    }
}
