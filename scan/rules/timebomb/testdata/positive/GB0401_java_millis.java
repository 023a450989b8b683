public class Gate {
    public boolean enabled() {
        if (System.currentTimeMillis() > 1767225600000L) {
            return false;
        }
        return true;
    }
}
