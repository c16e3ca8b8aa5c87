package dev.chute.postgres;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.TableId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    static final Set<String> KEYS = Set.of("url", "user", "password", "password_env", "password_file", "pool_size", "reader_role",
            "reader_password", "reader_password_env", "reader_password_file", "query_timeout", "console_sql", "query_work_mem",
            "query_temp_file_limit");
    static final String DEFAULT_READER = "chute_reader";
    static final String DEFAULT_WORK_MEM = "16MB";
    static final String DEFAULT_TEMP_FILE_LIMIT = "1GB";
    private static final java.util.regex.Pattern MEMORY = java.util.regex.Pattern.compile("[1-9][0-9]{0,8}(kB|MB|GB)");

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
        String url = context.setting("url").map(String::trim)
                .orElseThrow(() -> new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'warehouse.url' is required for warehouse type postgres;"
                        + " expected a JDBC URL such as jdbc:postgresql://127.0.0.1:5432/chute"));
        String user = context.setting("user").map(String::trim).orElse("postgres");
        Optional<String> password = secret(context, "password");
        int pool = context.integer(SECTION, "pool_size", 4, 1, 64);
        boolean console = context.bool(SECTION, "console_sql", true);
        Optional<String> reader = console ? Optional.of(context.setting("reader_role").map(String::trim).orElse(DEFAULT_READER)) : Optional.empty();
        Optional<String> readerPassword = secret(context, "reader_password");
        Duration timeout = context.duration(SECTION, "query_timeout", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(1));
        String workMem = context.setting("query_work_mem").map(String::trim).orElse(DEFAULT_WORK_MEM);
        String tempFileLimit = context.setting("query_temp_file_limit").map(String::trim).orElse(DEFAULT_TEMP_FILE_LIMIT);
        return new PostgresSettings(url, user, password, pool, reader, readerPassword, timeout, workMem, tempFileLimit);
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
