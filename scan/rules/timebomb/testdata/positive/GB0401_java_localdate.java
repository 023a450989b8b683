import java.time.LocalDate;
public class Gate2 {
    void run() {
        if (LocalDate.now().isAfter(LocalDate.of(2026, 12, 31))) {
            corrupt();
        }
    }
}
