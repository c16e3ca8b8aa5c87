package dev.chute.core;

import static java.util.Objects.requireNonNull;

import dev.chute.spi.FailureRecord;
import dev.chute.spi.LedgerEntry;
import dev.chute.spi.SkippedEntry;
import dev.chute.spi.TableSummary;
import dev.chute.spi.Warehouse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code chute status} and {@code GET /api/status} show: per table totals, recent loads,
 * the backlog in landing, retries and recent failures with their reasons.
 *
 * @param running whether a {@code chute up} is running on the home
 * @param backlog files in landing not yet committed, archived or failed (-1 when not running; see {@code landingFiles})
 * @param landingFiles files in landing right now
 * @param retrying files waiting to be retried after a transient failure, with the reason
 * @param ignored entries of landing that are never loaded (links, FIFOs, temporary and hidden names), with the reason;
 *     at most {@link Chute#MAX_IGNORED_LISTED}
 * @param ignoredCount how many such entries there are in all
 * @param failedFiles how many failures are unresolved: files in {@code failed/} whose version has not been loaded since
 *     (a replayed file that then loads is resolved); while there are any, Chute needs attention
 */
public record StatusReport(Instant generatedAt, boolean running, String store, String warehouse, List<TableSummary> tables,
                           List<LedgerEntry> recentLoads, long backlog, long landingFiles, Map<String, String> retrying,
                           List<FailureRecord> recentFailures, Optional<Instant> lastReconcile,
                           List<SkippedEntry> ignored, long ignoredCount, long failedFiles) {
    public StatusReport {
        requireNonNull(generatedAt, "generatedAt is null");
        requireNonNull(store, "store is null");
        requireNonNull(warehouse, "warehouse is null");
        tables = List.copyOf(tables);
        recentLoads = List.copyOf(recentLoads);
        retrying = Map.copyOf(retrying);
        recentFailures = List.copyOf(recentFailures);
        requireNonNull(lastReconcile, "lastReconcile is null");
        ignored = ignored == null ? List.of() : List.copyOf(ignored);
    }

    public static StatusReport of(Warehouse warehouse, String store, long landingFiles, Chute.Ignored ignored, Optional<Pipeline> pipeline, int recent) {
        Map<String, String> retrying = pipeline.map(p -> p.retrying().entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().reason())))
                .orElse(Map.of());
        return new StatusReport(Instant.now(), pipeline.isPresent(), store, warehouse.describe(), warehouse.tables(),
                warehouse.recentLoads(recent), pipeline.map(Pipeline::backlog).orElse(-1L), landingFiles, retrying,
                warehouse.recentFailures(recent), pipeline.flatMap(Pipeline::lastReconcile), ignored.entries(), ignored.count(),
                warehouse.unresolvedFailureCount());
    }

    /** {@code ok}, or {@code attention} while failures are unresolved. */
    @com.fasterxml.jackson.annotation.JsonProperty("state")
    public String state() {
        return failedFiles > 0 ? "attention" : "ok";
    }
}
