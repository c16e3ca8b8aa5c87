package dev.chute.bench;

import static java.util.Objects.requireNonNull;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

/**
 * Writes order CSV files: the data every benchmark loads, Chute and the baselines alike. The values
 * are deterministic (seeded) so that two runs load the same bytes, and they exercise what real
 * exports hold: a BIGINT key, text, an ISO-8601 timestamp with {@code Z}, a decimal amount, and a
 * SKU with leading zeros that must stay text.
 */
final class OrdersCsv {
    static final String HEADER = "order_id,customer_email,action,action_time,amount,sku";

    private static final String[] ACTIONS = {"created", "paid", "shipped", "delivered", "refunded", "cancelled"};
    private static final String[] NAMES = {"ana", "bo", "chen", "dara", "emil", "fatou", "goran", "hana", "ivan", "jules",
            "kofi", "lena", "mateo", "nora", "omar", "priya"};
    private static final String[] SURNAMES = {"garcia", "okafor", "lindqvist", "nakamura", "moreau", "kowalski", "haddad",
            "fernandes", "ivanova", "mensah", "schneider", "rossi"};
    private static final String[] DOMAINS = {"example.com", "mail.example.org", "customers.shop.example.net"};
    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");

    private OrdersCsv() {
    }

    /**
     * Writes {@code rows} orders with ids from {@code firstId} on and returns the file's size. The
     * file is written in place: callers write outside landing and rename it in afterwards.
     */
    static long write(Path file, long firstId, int rows, long seed) {
        requireNonNull(file, "file is null");
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder line = new StringBuilder(128);
        try {
            Files.createDirectories(file.getParent());
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                out.write(HEADER);
                out.write('\n');
                for (int i = 0; i < rows; i++) {
                    line.setLength(0);
                    long id = firstId + i;
                    line.append(id).append(',');
                    line.append(NAMES[random.nextInt(NAMES.length)]).append('.').append(SURNAMES[random.nextInt(SURNAMES.length)])
                            .append(random.nextInt(100_000))
                            .append('@').append(DOMAINS[random.nextInt(DOMAINS.length)]).append(',');
                    line.append(ACTIONS[random.nextInt(ACTIONS.length)]).append(',');
                    DateTimeFormatter.ISO_INSTANT.formatTo(EPOCH.plusSeconds(random.nextInt(365 * 24 * 3600)), line);
                    line.append(',');
                    int cents = 1 + random.nextInt(99_999);
                    line.append(cents / 100).append('.').append((char) ('0' + cents % 100 / 10)).append((char) ('0' + cents % 10)).append(',');
                    String sku = Integer.toString(random.nextInt(10_000_000));
                    line.append("0".repeat(10 - sku.length())).append(sku);
                    line.append('\n');
                    out.append(line);
                }
            }
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
