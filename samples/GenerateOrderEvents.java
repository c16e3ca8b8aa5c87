import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Writes the sample set of the README walkthrough: order_events_002.csv to order_events_011.csv,
 * one file per day from 2022-08-20 to 2022-08-29, continuing order_events_001.csv (the seed's 10
 * orders created on 2022-08-19, kept as the seed has it). Every order goes through created, paid,
 * shipped and delivered, some stop on the way, and events after the last day are left out.
 * Deterministic: java.util.Random's sequence for a seed is fixed by its specification, so running
 * it again writes the same bytes. Run from the repository root: {@code java samples/GenerateOrderEvents.java}
 * (an argument names another directory to write to; the seed's file is always read from samples/).
 */
public class GenerateOrderEvents {
    static final String HEADER = "order_id,customer_email,action,action_time";
    static final LocalDate FIRST = LocalDate.of(2022, 8, 19);
    static final int DAYS = 11;
    static final String[] STAGES = {"created", "paid", "shipped", "delivered"};
    static final String[] CUSTOMERS = {"ana@example.com", "bo@example.com", "chen@example.com", "dara@example.com",
            "eli@example.com", "femi@example.com"};

    record Event(String order, String customer, String action, Instant at) {
        String line() {
            return order + "," + customer + "," + action + "," + at;
        }
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of("samples");
        Path out = args.length > 0 ? Path.of(args[0]) : dir;
        Random random = new Random(13);
        Instant end = FIRST.plusDays(DAYS).atStartOfDay(ZoneOffset.UTC).toInstant();
        List<Event> events = new ArrayList<>();
        List<String> customers = new ArrayList<>(List.of(CUSTOMERS));
        // the seed's orders, created on the first day (its file has those events already)
        for (String line : Files.readAllLines(dir.resolve("order_events_001.csv"), StandardCharsets.UTF_8).subList(1, 11)) {
            String[] f = line.split(",");
            customers.add(f[1]);
            follow(new Event(f[0], f[1], f[2], Instant.parse(f[3])), random, end, events);
        }
        // a few new orders each later day, some by returning customers
        int n = 0;
        for (int day = 1; day < DAYS; day++) {
            int orders = 2 + random.nextInt(3);
            for (int i = 0; i < orders; i++) {
                String id = String.format("%08x-%04x-11ed-81ce-0242ac110004", 0x5a000000 + 7919 * ++n, 0x2000 + day);
                String customer = customers.get(random.nextInt(customers.size()));
                Instant at = FIRST.plusDays(day).atStartOfDay(ZoneOffset.UTC).toInstant()
                        .plus(Duration.ofMinutes(8 * 60 + random.nextInt(12 * 60))).plusSeconds(random.nextInt(60));
                Event created = new Event(id, customer, "created", at);
                events.add(created);
                follow(created, random, end, events);
            }
        }
        events.sort(Comparator.comparing(Event::at).thenComparing(Event::order));
        for (int day = 1; day < DAYS; day++) {
            LocalDate date = FIRST.plusDays(day);
            StringBuilder csv = new StringBuilder(HEADER).append('\n');
            events.stream().filter(e -> e.at().atZone(ZoneOffset.UTC).toLocalDate().equals(date)).forEach(e -> csv.append(e.line()).append('\n'));
            Files.writeString(out.resolve(String.format("order_events_%03d.csv", day + 1)), csv, StandardCharsets.UTF_8);
        }
    }

    /** The later stages of an order: each reached with some chance, hours to days after the last one. */
    static void follow(Event created, Random random, Instant end, List<Event> events) {
        Instant at = created.at();
        int[][] hours = {{1, 20}, {12, 48}, {24, 72}};
        for (int stage = 1; stage < STAGES.length; stage++) {
            if (random.nextInt(100) >= 85) {
                return;
            }
            at = at.plus(Duration.ofHours(hours[stage - 1][0] + random.nextInt(hours[stage - 1][1] - hours[stage - 1][0])))
                    .plusSeconds(random.nextInt(3600));
            if (!at.isBefore(end)) {
                return;
            }
            events.add(new Event(created.order(), created.customer(), STAGES[stage], at));
        }
    }
}
