package dev.chute.gcp;

import com.google.cloud.functions.CloudEventsFunction;
import io.cloudevents.CloudEvent;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * The Cloud Functions (gen2) entry point, {@code dev.chute.gcp.ChuteFunction}: takes the
 * {@code google.cloud.storage.object.v1.finalized} CloudEvents of the upload bucket (Eventarc) and
 * runs Chute's engine for each event's object; see {@link FunctionHandler} for what is
 * acknowledged and what is retried, and {@link FunctionSettings} for the environment.
 *
 * <p>The Functions Framework creates this class once per instance and reuses the instance across
 * invocations, so the engine (connections, warehouse client, pipeline threads) is built at the
 * first event and kept in a static field for the life of the instance: that is the one piece of
 * static state, and it is there because the framework owns the object's life. It is closed when
 * the instance shuts down.
 */
public final class ChuteFunction implements CloudEventsFunction {
    private static FunctionHandler handler;

    private static synchronized FunctionHandler handler() {
        if (handler == null) {
            // read at the first event, not at class loading, so that a bad variable is reported as that event's error
            FunctionHandler created = new FunctionHandler(FunctionSettings.fromEnvironment(System.getenv()));
            Runtime.getRuntime().addShutdownHook(new Thread(created::close, "chute-function-shutdown"));
            handler = created;
        }
        return handler;
    }

    @Override
    public void accept(CloudEvent event) {
        byte[] body = event.getData() == null ? new byte[0] : event.getData().toBytes();
        FunctionHandler.Outcome outcome;
        try {
            outcome = handler().handle(body, attributes(event));
        } catch (dev.chute.spi.ChuteException e) {
            throw new EventRetryException("cannot start Chute: " + e.getMessage(), e);
        }
        if (outcome != FunctionHandler.Outcome.HANDLED) {
            org.slf4j.LoggerFactory.getLogger(ChuteFunction.class).debug("event {} acknowledged: {}", event.getId(), outcome);
        }
    }

    /** The event's context attributes as the HTTP binary mode names them ({@code ce-type}, {@code ce-subject}, extensions). */
    static Map<String, String> attributes(CloudEvent event) {
        Map<String, String> attributes = new HashMap<>();
        attributes.put("ce-id", event.getId());
        attributes.put("ce-type", event.getType());
        attributes.put("ce-source", event.getSource().toString());
        attributes.put("ce-specversion", event.getSpecVersion().toString());
        if (event.getSubject() != null) {
            attributes.put("ce-subject", event.getSubject());
        }
        if (event.getTime() != null) {
            attributes.put("ce-time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(event.getTime()));
        }
        for (String name : event.getExtensionNames()) {
            Object value = event.getExtension(name);
            if (value != null) {
                attributes.put("ce-" + name, value.toString());
            }
        }
        return attributes;
    }
}
