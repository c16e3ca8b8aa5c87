package dev.chute.app;

import dev.chute.core.PipelineListener;
import dev.chute.spi.LoadError;
import dev.chute.spi.TableId;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The progress of {@code chute load}: files done of the total, rows, MB/s and an ETA. On a terminal
 * one line rewritten in place ({@code \r}); otherwise a plain line every interval (a log, a pipe, CI).
 * Fed by the pipeline directly, or by the events a running server streams back; the lines are
 * written from one timer thread, so a batch that takes long still shows time passing.
 */
final class LoadProgress implements PipelineListener, AutoCloseable {
    /** What has been done so far; {@link #line} renders it. */
    record Snapshot(long filesDone, long filesTotal, long failed, long rows, long bytes, long elapsedNanos) {
    }

    private final PrintWriter out;
    private final boolean terminal;
    private long started;
    private final ScheduledExecutorService timer;
    private long filesTotal = -1;
    private long filesDone;
    private long failed;
    private long rows;
    private long bytes;
    private int lastWidth;
    private boolean printed;

    /** Starts printing every {@code interval} once the files are known; {@link #close} stops. */
    LoadProgress(PrintWriter out, boolean terminal, Duration interval) {
        this.out = out;
        this.terminal = terminal;
        this.started = System.nanoTime();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chute-load-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::print, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void planned(long files, long totalBytes) {
        filesTotal = files;
        // the rate and the time left count from here, not from opening the warehouse
        started = System.nanoTime();
        if (terminal) {
            print();
        } else {
            // the whole, up front: what the periodic lines count towards
            out.println("loading " + files + (files == 1 ? " file, " : " files, ") + size(totalBytes));
            out.flush();
        }
    }

    @Override
    public synchronized void loaded(String key, TableId table, long rowCount, long byteCount, long millis) {
        filesDone++;
        rows += rowCount;
        bytes += byteCount;
    }

    @Override
    public synchronized void duplicate(String key) {
        filesDone++;
    }

    @Override
    public synchronized void failed(String key, LoadError error, boolean permanent) {
        filesDone++;
        failed++;
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(filesDone, filesTotal, failed, rows, bytes, System.nanoTime() - started);
    }

    private synchronized void print() {
        if (filesTotal < 0) {
            return;
        }
        String line = line(snapshot());
        if (terminal) {
            // pad over what the previous, longer line left on the screen
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
        printed = true;
    }

    /** Stops the timer; on a terminal leaves the last state on its line (the summary follows it). */
    @Override
    public void close() {
        timer.shutdownNow();
        synchronized (this) {
            if (terminal && printed) {
                print();
                out.println();
                out.flush();
            }
        }
    }

    /**
     * {@code loaded 120/500 files, 1.2M rows, 14.0 MB/s, ETA 0:32}: files done (loaded, duplicate or
     * failed) of the total, the rows committed, the rate of the bytes committed, and the time left
     * at the pace of the files so far ({@code ETA ?} before the first file is done).
     */
    static String line(Snapshot s) {
        double seconds = Math.max(s.elapsedNanos(), 1) / 1e9;
        StringBuilder b = new StringBuilder("loaded ").append(s.filesDone()).append('/').append(Math.max(s.filesTotal(), 0)).append(" files");
        if (s.failed() > 0) {
            b.append(" (").append(s.failed()).append(" failed)");
        }
        b.append(", ").append(count(s.rows())).append(" rows, ").append(String.format(Locale.ROOT, "%.1f MB/s", s.bytes() / 1e6 / seconds));
        if (s.filesDone() >= s.filesTotal()) {
            b.append(", done");
        } else if (s.filesDone() == 0) {
            b.append(", ETA ?");
        } else {
            long left = Math.round(seconds * (s.filesTotal() - s.filesDone()) / s.filesDone());
            b.append(", ETA ").append(clock(left));
        }
        return b.toString();
    }

    /** 950 bytes, 12.3 KB, 1.2 MB, 3.4 GB (powers of 1000, like the MB/s). */
    static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " bytes";
        }
        String counted = count(bytes);
        return counted.substring(0, counted.length() - 1) + " " + counted.charAt(counted.length() - 1) + "B";
    }

    /** 950, 12.3K, 1.2M, 3.4G. */
    static String count(long n) {
        if (n < 1000) {
            return Long.toString(n);
        }
        String[] units = {"K", "M", "G", "T"};
        double v = n;
        int unit = -1;
        while (Math.round(v) >= 1000 && unit < units.length - 1) {
            v /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.1f%s" : "%.0f%s", v, units[unit]);
    }

    /** 0:32, 12:05, 1:02:03. */
    static String clock(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
