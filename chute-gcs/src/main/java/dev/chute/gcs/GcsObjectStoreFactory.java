package dev.chute.gcs;

import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;
import java.io.IOException;

/**
 * {@code store.type: gcs}; settings in {@link GcsStoreSettings}. Credentials are Application Default
 * Credentials only ({@code GOOGLE_APPLICATION_CREDENTIALS}, {@code gcloud auth application-default
 * login}, or the service account of the Cloud Run service, function or VM); none are sent to a plain
 * {@code http} endpoint. Changes arrive through the HTTP intake (Eventarc, Pub/Sub push) or a broker
 * subscription, backed by the reconciling listing; the store has no feed of its own.
 */
public final class GcsObjectStoreFactory implements ObjectStoreFactory {
    /** The project given to the client for a plain-http endpoint without {@code project}, so it never looks one up. */
    static final String ANONYMOUS_PROJECT = "chute-local";

    @Override
    public String name() {
        return "gcs";
    }

    @Override
    public java.util.Set<String> keys() {
        return GcsStoreSettings.KEYS;
    }

    @Override
    public ObjectStore create(ConnectorContext context) {
        GcsStoreSettings settings = GcsStoreSettings.from(context);
        return new GcsObjectStore(client(settings), settings.landing(), settings.archive(), settings.failed());
    }

    /** A client for the settings' endpoint and project. */
    public static Storage client(GcsStoreSettings settings) {
        StorageOptions.Builder options = StorageOptions.newBuilder();
        settings.endpoint().ifPresent(endpoint -> options.setHost(endpoint.toString()));
        settings.project().ifPresent(options::setProjectId);
        options.setCredentials(credentials(settings));
        if (settings.anonymous() && settings.project().isEmpty()) {
            options.setProjectId(ANONYMOUS_PROJECT);
        }
        return options.build().getService();
    }

    private static Credentials credentials(GcsStoreSettings settings) {
        if (settings.anonymous()) {
            return NoCredentials.getInstance();
        }
        try {
            return GoogleCredentials.getApplicationDefault();
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "store.type gcs uses Application Default Credentials and found none (" + e.getMessage()
                    + "); set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, run 'gcloud auth application-default login', "
                    + "or run on Google Cloud with a service account", e);
        }
    }
}
