package dev.chute.bigquery;

import static java.util.Objects.requireNonNull;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobConfiguration;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatus;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs under deterministic ids: {@code <base>_<attempt>}. A job id BigQuery already knows
 * (HTTP 409, reason {@code duplicate}) was started by another instance or an earlier invocation
 * that timed out: that job is waited for instead of a new one. A job that ended with a transient
 * error (the reference's {@code backendError}, {@code rateLimitExceeded}, a transaction aborted by
 * a concurrent update...) cannot be re-run under its id, so the next attempt number is used; every
 * instance walks the same sequence, so they meet on the same job.
 */
final class BigQueryJobs {
    private static final Logger LOG = LoggerFactory.getLogger(BigQueryJobs.class);
    /** Ids of earlier attempts are walked through without limit; new jobs started by one call are capped. */
    private static final int MAX_NEW_ATTEMPTS = 3;
    private static final int MAX_ATTEMPT = 10_000;

    private final BigQuery bigquery;
    private final String project;
    private final String location;
    private final Duration timeout;

    BigQueryJobs(BigQuery bigquery, String project, String location, Duration timeout) {
        this.bigquery = requireNonNull(bigquery, "bigquery is null");
        this.project = requireNonNull(project, "project is null");
        this.location = requireNonNull(location, "location is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
    }

    /** The outcome: the DONE job; {@link #error} says whether it failed (not transiently). */
    record Outcome(Job job, boolean pickedUp) {
        Optional<BigQueryError> error() {
            return Optional.ofNullable(job.getStatus().getError());
        }
    }

    /**
     * Runs (or picks up) the job {@code base_N} for the first N whose job did not end with a
     * transient error, and waits until it is DONE.
     *
     * @throws ChuteException {@link ErrorCode#WAREHOUSE_UNAVAILABLE} when BigQuery cannot be reached, the
     *     job is still running after the job timeout (it is picked up by the next call), or every new attempt failed transiently
     */
    Outcome run(String base, JobConfiguration config, java.util.function.Predicate<Job> usable) {
        int started = 0;
        for (int attempt = 1; attempt <= MAX_ATTEMPT; attempt++) {
            JobId id = JobId.newBuilder().setProject(project).setLocation(location).setJob(base + "_" + attempt).build();
            Job job;
            boolean pickedUp = false;
            try {
                job = bigquery.create(JobInfo.of(id, config));
                started++;
            } catch (BigQueryException e) {
                if (e.getCode() != 409) {
                    throw BigQueryWarehouse.unavailable("cannot start job " + id.getJob(), e);
                }
                job = get(id);
                pickedUp = true;
                LOG.debug("job {} exists already; waiting for it", id.getJob());
            }
            job = await(job);
            BigQueryError error = job.getStatus().getError();
            if (error == null && !usable.test(job)) {
                if (started >= MAX_NEW_ATTEMPTS) {
                    throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "job " + id.getJob() + " finished but its result cannot be used");
                }
                LOG.info("job {} finished before but its result is gone; next attempt", id.getJob());
                continue;
            }
            if (error != null && BigQueryLoadErrors.transientReason(error.getReason(), error.getMessage())) {
                if (started >= MAX_NEW_ATTEMPTS) {
                    throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "job " + id.getJob() + " failed: " + error.getReason() + ": " + error.getMessage());
                }
                LOG.info("job {} failed transiently ({}: {}); next attempt", id.getJob(), error.getReason(), error.getMessage());
                continue;
            }
            return new Outcome(job, pickedUp);
        }
        throw new ChuteException(ErrorCode.INTERNAL, "job " + base + " reached attempt " + MAX_ATTEMPT);
    }

    /** Runs a job under a fresh random id (reads: nothing to deduplicate) and waits for it. */
    Job runOnce(String prefix, JobConfiguration config) {
        JobId id = JobId.newBuilder().setProject(project).setLocation(location)
                .setJob(prefix + "_" + java.util.UUID.randomUUID().toString().replace("-", "")).build();
        try {
            return await(bigquery.create(JobInfo.of(id, config)));
        } catch (BigQueryException e) {
            throw BigQueryWarehouse.unavailable("cannot run job " + id.getJob(), e);
        }
    }

    private Job get(JobId id) {
        try {
            Job job = bigquery.getJob(id);
            if (job == null) {
                throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "job " + id.getJob() + " exists (409) but cannot be read");
            }
            return job;
        } catch (BigQueryException e) {
            throw BigQueryWarehouse.unavailable("cannot read job " + id.getJob(), e);
        }
    }

    /** Polls {@code jobs.get} with growing pauses until DONE or the job timeout. */
    private Job await(Job job) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 20;
        Job current = job;
        while (current.getStatus() == null || current.getStatus().getState() != JobStatus.State.DONE) {
            if (System.nanoTime() > deadline) {
                throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "job " + job.getJobId().getJob() + " is still " + current.getStatus().getState()
                        + " after " + timeout.toSeconds() + "s; it goes on running and the next try picks it up under the same id");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChuteException(ErrorCode.WAREHOUSE_UNAVAILABLE, "interrupted while waiting for job " + job.getJobId().getJob(), e);
            }
            pause = Math.min(pause * 2, 1000);
            current = get(job.getJobId());
        }
        return current;
    }
}
