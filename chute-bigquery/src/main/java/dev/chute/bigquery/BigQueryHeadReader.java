package dev.chute.bigquery;

import dev.chute.spi.FileFormat;
import java.net.URI;
import java.util.Optional;

/**
 * Reads the first line of a CSV object (at most a few KiB, never the whole object) so that the
 * load job's {@code skipLeadingRows} can be set from the file itself: BigQuery's own header guess
 * loads a header of an all-text table as a data row, and a fixed {@code skipLeadingRows: 1} drops
 * the first row of a file without header.
 */
@FunctionalInterface
public interface BigQueryHeadReader {
    /** The first line without its line end; empty for an empty object. Throws {@link dev.chute.spi.ChuteException} when unreadable. */
    Optional<String> firstLine(URI uri, FileFormat format);
}
