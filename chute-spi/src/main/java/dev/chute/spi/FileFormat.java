package dev.chute.spi;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;

/**
 * How an object's bytes are laid out: the format and the compression around it. Parquet and Avro
 * compress inside their own containers; an Avro file wrapped in gzip or zstd is refused here,
 * since no warehouse that loads Avro reads it that way.
 */
public record FileFormat(Kind kind, Compression compression) {
    public FileFormat {
        requireNonNull(kind, "kind is null");
        requireNonNull(compression, "compression is null");
        if (kind == Kind.AVRO && compression != Compression.NONE) {
            throw new ChuteException(ErrorCode.UNSUPPORTED_FORMAT, "expected an Avro file without outer compression (Avro compresses its blocks"
                    + " inside the container: deflate, snappy, zstandard), found Avro with " + compression + " compression around it; upload the .avro file as it is");
        }
    }

    public enum Kind { CSV, TSV, JSON, PARQUET, AVRO }

    public enum Compression { NONE, GZIP, ZSTD }

    /**
     * The format named by a file name's extensions: {@code .csv}, {@code .tsv}, {@code .json},
     * {@code .jsonl}, {@code .ndjson}, {@code .parquet}, optionally followed by {@code .gz} or
     * {@code .zst}, or {@code .avro} (never compressed around). Empty if the name says nothing known.
     *
     * @throws ChuteException {@link ErrorCode#UNSUPPORTED_FORMAT} for {@code .avro.gz} or {@code .avro.zst}
     */
    public static Optional<FileFormat> fromFileName(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        Compression compression = Compression.NONE;
        if (name.endsWith(".gz")) {
            compression = Compression.GZIP;
            name = name.substring(0, name.length() - 3);
        } else if (name.endsWith(".zst")) {
            compression = Compression.ZSTD;
            name = name.substring(0, name.length() - 4);
        }
        Kind kind;
        if (name.endsWith(".csv") || name.endsWith(".txt")) {
            kind = Kind.CSV;
        } else if (name.endsWith(".tsv") || name.endsWith(".tab")) {
            kind = Kind.TSV;
        } else if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            kind = Kind.JSON;
        } else if (name.endsWith(".parquet")) {
            kind = Kind.PARQUET;
        } else if (name.endsWith(".avro")) {
            kind = Kind.AVRO;
        } else {
            return Optional.empty();
        }
        return Optional.of(new FileFormat(kind, compression));
    }

    /** The extension a staged copy of this file should carry. */
    public String extension() {
        String base = switch (kind) {
            case CSV -> ".csv";
            case TSV -> ".tsv";
            case JSON -> ".json";
            case PARQUET -> ".parquet";
            case AVRO -> ".avro";
        };
        return base + switch (compression) {
            case NONE -> "";
            case GZIP -> ".gz";
            case ZSTD -> ".zst";
        };
    }
}
