package dev.chute.sql;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConfigValues;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.TableId;
import dev.chute.spi.TableSpec;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A column of a table's {@code columns} that a file does not have and the table does not have
 * either: such a file fails (issue 13), naming the column, the file's columns and the closest of
 * them, rather than loading with the declaration silently ignored. A declared name is most often a
 * misspelt one; a file failed for it loads with {@code chute replay} once the name is fixed. A
 * column the table already has (from an earlier file) is simply NULL for a file without it.
 */
public final class DeclaredColumns {
    private DeclaredColumns() {
    }

    /**
     * Why a file fails: the first declared column found in neither {@code fileColumns} nor
     * {@code tableColumns} (compared without case), as a {@link ErrorCode#SCHEMA_CONFLICT} whose
     * message the caller prefixes with the file's key; empty when every declared column is in one.
     */
    public static Optional<ChuteException> missing(TableId table, TableSpec spec, List<String> fileColumns, Collection<String> tableColumns) {
        for (String declared : spec.columnTypes().keySet()) {
            boolean inFile = fileColumns.stream().anyMatch(c -> c.equalsIgnoreCase(declared));
            boolean inTable = tableColumns.stream().anyMatch(c -> c.equalsIgnoreCase(declared));
            if (!inFile && !inTable) {
                return Optional.of(new ChuteException(ErrorCode.SCHEMA_CONFLICT, "column '" + declared + "' is declared in the columns of table "
                        + table + " (its columns." + declared + " in the configuration), but neither the file nor the table has it; the file has "
                        + (fileColumns.isEmpty() ? "no columns" : "columns " + String.join(", ", fileColumns)) + closest(declared, fileColumns)
                        + ". Fix the name in the configuration (or remove it) and replay the file"));
            }
        }
        return Optional.empty();
    }

    /** The file's column that differs from {@code declared} only in up to two letters (or in separators such as _ and spaces). */
    private static String closest(String declared, List<String> fileColumns) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : fileColumns) {
            int d = ConfigValues.editDistance(normal(declared), normal(c));
            if (d <= 2 && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static String normal(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]", "");
    }
}
