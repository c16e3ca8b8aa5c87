package dev.chute.postgres;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConfigValues;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ConnectorKey;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.TableId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code warehouse:} section for {@code type: postgres}, validated once at start.
 *
 * @param url JDBC URL, {@code jdbc:postgresql://host:port/database}
 * @param user the loading user (owns the tables Chute creates)
 * @param password its password; empty for trust or peer authentication
 * @param poolSize connections of the loading pool
 * @param readerRole the role console SQL logs in as; empty when console SQL is switched off
 * @param readerPassword the reader's password; empty means Chute generates one when it creates or resets the role
 * @param queryTimeout upper bound of a console query's statement timeout
 * @param queryWorkMem a console query's {@code work_mem} (PostgreSQL memory units: {@code 16MB})
 * @param queryTempFileLimit a console query's {@code temp_file_limit}, set on the reader role where Chute's user may
 */
public record PostgresSettings(String url, String user, Optional<String> password, int poolSize, Optional<String> readerRole,
                               Optional<String> readerPassword, Duration queryTimeout, String queryWorkMem, String queryTempFileLimit) {
    static final String SECTION = "warehouse";
    static final String DEFAULT_READER = "chute_reader";
    static final String DEFAULT_WORK_MEM = "16MB";
    static final String DEFAULT_TEMP_FILE_LIMIT = "1GB";
    private static final java.util.regex.Pattern MEMORY = java.util.regex.Pattern.compile("[1-9][0-9]{0,9}(kB|MB|GB)");
    /** PostgreSQL's memory settings count kilobytes in an int. */
    private static final long MAX_PG_SIZE = Integer.MAX_VALUE * 1024L;

    static final ConnectorKey<String> URL = ConnectorKey.text("url", "a JDBC URL such as jdbc:postgresql://127.0.0.1:5432/chute", Optional.empty(),
            "JDBC URL of the database (required)");
    static final ConnectorKey<String> USER = ConnectorKey.string("user", "postgres", "the loading user (owns the tables Chute creates)");
    static final ConnectorKey<String> PASSWORD = secretKey("password", "the loading user's password; empty for trust or peer authentication");
    static final ConnectorKey<String> PASSWORD_ENV = secretKey("password_env", "the environment variable holding the password");
    static final ConnectorKey<String> PASSWORD_FILE = secretKey("password_file", "a file in the home holding the password");
    static final ConnectorKey<Integer> POOL_SIZE = ConnectorKey.integer("pool_size", 4, 1, 64, "connections of the loading pool");
    static final ConnectorKey<String> READER_ROLE = ConnectorKey.string("reader_role", DEFAULT_READER, "the role console SQL logs in as");
    static final ConnectorKey<String> READER_PASSWORD = secretKey("reader_password", "the reader's password; by default Chute generates one");
    static final ConnectorKey<String> READER_PASSWORD_ENV = secretKey("reader_password_env", "the environment variable holding the reader's password");
    static final ConnectorKey<String> READER_PASSWORD_FILE = secretKey("reader_password_file", "a file in the home holding the reader's password");
    static final ConnectorKey<Duration> QUERY_TIMEOUT = ConnectorKey.duration("query_timeout", "60s", Duration.ofSeconds(1), Duration.ofHours(1),
            "upper bound of a console query's statement timeout");
    static final ConnectorKey<Boolean> CONSOLE_SQL = ConnectorKey.bool("console_sql", true, "whether the console runs SQL, as the reader role");
    static final ConnectorKey<String> QUERY_WORK_MEM = ConnectorKey.text("query_work_mem", "a size such as 16MB", Optional.of(DEFAULT_WORK_MEM),
            "a console query's work_mem");
    static final ConnectorKey<String> QUERY_TEMP_FILE_LIMIT = ConnectorKey.text("query_temp_file_limit", "a size such as 1GB",
            Optional.of(DEFAULT_TEMP_FILE_LIMIT), "the reader role's temp_file_limit");
    /** Every key of the section besides {@code type}, declared once. */
    static final List<ConnectorKey<?>> DECLARED = List.of(URL, USER, PASSWORD, PASSWORD_ENV, PASSWORD_FILE, POOL_SIZE, READER_ROLE, READER_PASSWORD,
            READER_PASSWORD_ENV, READER_PASSWORD_FILE, QUERY_TIMEOUT, CONSOLE_SQL, QUERY_WORK_MEM, QUERY_TEMP_FILE_LIMIT);
    static final Set<String> KEYS = ConnectorKey.names(DECLARED);

    /** With the default limits of a console query's memory and temporary files. */
    public PostgresSettings(String url, String user, Optional<String> password, int poolSize, Optional<String> readerRole,
                            Optional<String> readerPassword, Duration queryTimeout) {
        this(url, user, password, poolSize, readerRole, readerPassword, queryTimeout, DEFAULT_WORK_MEM, DEFAULT_TEMP_FILE_LIMIT);
    }

    public PostgresSettings {
        requireNonNull(url, "url is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        requireNonNull(readerRole, "readerRole is null");
        requireNonNull(readerPassword, "readerPassword is null");
        requireNonNull(queryTimeout, "queryTimeout is null");
        requireNonNull(queryWorkMem, "queryWorkMem is null");
        requireNonNull(queryTempFileLimit, "queryTempFileLimit is null");
        if (!MEMORY.matcher(queryWorkMem).matches()) {
            throw ConnectorContext.invalid(SECTION, "query_work_mem", queryWorkMem, "a size in PostgreSQL's units such as 16MB (kB, MB or GB)");
        }
        if (!MEMORY.matcher(queryTempFileLimit).matches()) {
            throw ConnectorContext.invalid(SECTION, "query_temp_file_limit", queryTempFileLimit, "a size in PostgreSQL's units such as 1GB (kB, MB or GB)");
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw ConnectorContext.invalid(SECTION, "url", url, "a JDBC URL such as jdbc:postgresql://127.0.0.1:5432/chute");
        }
        if (poolSize < 1) {
            throw ConnectorContext.invalid(SECTION, "pool_size", String.valueOf(poolSize), "an integer from 1 to 64");
        }
        readerRole.ifPresent(r -> {
            if (!TableId.isIdentifier(r) || r.length() > 63) {
                throw ConnectorContext.invalid(SECTION, "reader_role", r, "a role name matching [A-Za-z_][A-Za-z0-9_]* of at most 63 characters");
            }
        });
        readerRole = readerRole.map(r -> r.toLowerCase(java.util.Locale.ROOT));
    }

    /** Reads and checks the section; a missing or unreadable secret fails naming its key. */
    public static PostgresSettings from(ConnectorContext context) {
        context.requireKnown(SECTION, KEYS);
        String url = context.value(SECTION, URL)
                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'warehouse.url' is required for warehouse type postgres;"
                        + " expected a JDBC URL such as jdbc:postgresql://127.0.0.1:5432/chute"));
        String user = context.require(SECTION, USER);
        Optional<String> password = secret(context, "password");
        int pool = context.require(SECTION, POOL_SIZE);
        boolean console = context.require(SECTION, CONSOLE_SQL);
        Optional<String> reader = console ? context.value(SECTION, READER_ROLE) : Optional.empty();
        Optional<String> readerPassword = secret(context, "reader_password");
        Duration timeout = context.require(SECTION, QUERY_TIMEOUT);
        String workMem = pgSize(QUERY_WORK_MEM.name(), context.require(SECTION, QUERY_WORK_MEM));
        String tempFileLimit = pgSize(QUERY_TEMP_FILE_LIMIT.name(), context.require(SECTION, QUERY_TEMP_FILE_LIMIT));
        return new PostgresSettings(url, user, password, pool, reader, readerPassword, timeout, workMem, tempFileLimit);
    }

    private static ConnectorKey<String> secretKey(String name, String doc) {
        return ConnectorKey.text(name, "a string", Optional.empty(), doc + " (at most one of name, name_env and name_file)");
    }

    /**
     * A size in the one grammar of sizes ({@code 16MB}, {@code 512kb}, {@code 1TB}) written in
     * PostgreSQL's units for {@code SET}: whole kilobytes, at most what PostgreSQL holds.
     */
    private static String pgSize(String key, String text) {
        long bytes = ConfigValues.bytes(text).orElse(-1);
        if (bytes < 1024 || bytes % 1024 != 0 || bytes > MAX_PG_SIZE) {
            throw ConnectorContext.invalid(SECTION, key, text, "a size such as 16MB or 1GB, in whole kilobytes from 1kB to " + (MAX_PG_SIZE >> 30) + "GB");
        }
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GB";
        }
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + "MB" : (bytes >> 10) + "kB";
    }

    /** {@code name}, {@code name_env} (an environment variable) or {@code name_file} (a file, trailing newline dropped); at most one. */
    private static Optional<String> secret(ConnectorContext context, String name) {
        Optional<String> inline = context.setting(name);
        Optional<String> env = context.setting(name + "_env").map(String::trim);
        Optional<String> file = context.setting(name + "_file").map(String::trim);
        int given = (inline.isPresent() ? 1 : 0) + (env.isPresent() ? 1 : 0) + (file.isPresent() ? 1 : 0);
        if (given > 1) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration keys 'warehouse." + name + "', 'warehouse." + name + "_env' and 'warehouse."
                    + name + "_file' exclude each other; expected at most one, found " + given);
        }
        if (env.isPresent()) {
            String value = System.getenv(env.get());
            if (value == null) {
                throw ConnectorContext.invalid(SECTION, name + "_env", env.get(), "the name of a set environment variable");
            }
            return Optional.of(value);
        }
        if (file.isPresent()) {
            Path path = context.home().resolve(file.get());
            try {
                return Optional.of(Files.readString(path).stripTrailing());
            } catch (IOException e) {
                throw ConnectorContext.invalid(SECTION, name + "_file", file.get(), "a readable file (" + e.getMessage() + ")");
            }
        }
        return inline;
    }
}
