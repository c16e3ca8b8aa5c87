package dev.chute.gcp;

import static java.util.Objects.requireNonNull;

import dev.chute.gcs.GcsNotification;
import dev.chute.gcs.GcsNotifications;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the function does with one delivery, apart from the Functions Framework: decode it, build
 * the engine for the upload bucket on the first delivery, run it for the object, and say what
 * happened. Which deliveries are acknowledged (return normally) and which are retried (throw):
 * <ul>
 *   <li>a finalized object that was loaded and archived, was already loaded (a redelivery: only
 *       its archive step runs), failed permanently (moved to failed with its reason), or is no
 *       longer in landing: acknowledged;</li>
 *   <li>a delivery that is not a storage CloudEvent, of another type (deleted, archived, metadata
 *       updated), for another bucket than the engine's, or naming a hidden or temporary name:
 *       acknowledged and logged, nothing loaded;</li>
 *   <li>a failure that may pass (warehouse or bucket unavailable) or an object not handled within
 *       the wait limit: {@link EventRetryException}; so is a configuration error, which fails every
 *       delivery until it is fixed, leaving the objects in landing.</li>
 * </ul>
 * Thread-safe: concurrent invocations share one engine.
 */
public final class FunctionHandler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionHandler.class);

    /** What one delivery came to. */
    public enum Outcome {
        /** The object was handled: loaded and archived, a duplicate archived, or moved to failed. */
        HANDLED,
        /** The delivery names no object of the engine's landing area (another bucket or prefix). */
        NOT_IN_LANDING,
        /** Not a change of content: a delete, an archive, a metadata update. */
        NO_CONTENT_CHANGE,
        /** Not a Cloud Storage CloudEvent Chute understands. */
        NOT_A_STORAGE_EVENT
    }

    private final FunctionSettings settings;
    private FunctionEngine engine;
    private boolean closed;

    public FunctionHandler(FunctionSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
    }

    /**
     * Handles one delivery.
     *
     * @param body the CloudEvent data (the object resource JSON)
     * @param attributes the CloudEvent context attributes as {@code ce-*} names
     * @throws EventRetryException when Eventarc should deliver the event again
     */
    public Outcome handle(byte[] body, Map<String, String> attributes) {
        Optional<GcsNotification> decoded;
        try {
            decoded = GcsNotifications.decode(body, attributes);
        } catch (ChuteException e) {
            log.warn("acknowledged a delivery that is not a Cloud Storage event: {}", e.getMessage());
            return Outcome.NOT_A_STORAGE_EVENT;
        }
        if (decoded.isEmpty()) {
            log.info("acknowledged a metadata update (ce-id {}); content unchanged", attributes.get("ce-id"));
            return Outcome.NO_CONTENT_CHANGE;
        }
        GcsNotification notification = decoded.get();
        if (notification.kind() != ObjectEvent.Kind.UPSERTED) {
            log.info("acknowledged {} of gs://{}/{}: only finalized objects are loaded", attributes.getOrDefault("ce-type", notification.kind().name()),
                    notification.bucket(), notification.name());
            return Outcome.NO_CONTENT_CHANGE;
        }
        FunctionEngine running = engine(notification.bucket());
        if (!running.bucket().equals(notification.bucket())) {
            log.warn("acknowledged an event for gs://{}/{}: this instance loads from gs://{}/ (the bucket of its first event); "
                    + "give each upload bucket its own function", notification.bucket(), notification.name(), running.bucket());
            return Outcome.NOT_IN_LANDING;
        }
        List<String> keys;
        try {
            keys = running.process(body, attributes, notification.generation());
        } catch (ChuteException e) {
            if (e.code() == ErrorCode.UNSUPPORTED_FORMAT) {
                log.warn("acknowledged a delivery the store cannot read: {}", e.getMessage());
                return Outcome.NOT_A_STORAGE_EVENT;
            }
            throw new EventRetryException("gs://" + notification.bucket() + "/" + notification.name() + " stays in landing: " + e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            log.info("acknowledged gs://{}/{}: not in the landing area", notification.bucket(), notification.name());
            return Outcome.NOT_IN_LANDING;
        }
        return Outcome.HANDLED;
    }

    private synchronized FunctionEngine engine(String bucket) {
        if (closed) {
            throw new EventRetryException("the function is shutting down");
        }
        if (engine == null) {
            try {
                engine = FunctionEngine.open(settings, bucket);
            } catch (ChuteException e) {
                // a bad setting fails every delivery (and shows in the logs) until fixed; the objects stay in landing
                throw new EventRetryException("cannot start Chute: " + e.getMessage(), e);
            }
        }
        return engine;
    }

    /** The engine, once the first delivery started it. */
    synchronized Optional<FunctionEngine> engine() {
        return Optional.ofNullable(engine);
    }

    /** Stops the engine: the batch in flight commits or rolls back, then its files are archived. */
    @Override
    public synchronized void close() {
        closed = true;
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }
}
