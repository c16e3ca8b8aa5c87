package dev.chute.bigquery;

import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.Warehouse;
import dev.chute.spi.WarehouseFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;

/**
 * {@code warehouse.type: bigquery}; settings in {@link BigQuerySettings}. Credentials: Application
 * Default Credentials, or {@code credentials_file}; none are sent to a plain {@code http} endpoint
 * (a test server), which gets {@link NoCredentials}. The first lines of CSV objects are read from
 * Cloud Storage, or from {@code storage_endpoint} (an emulator, a test server).
 */
public final class BigQueryWarehouseFactory implements WarehouseFactory {
    /** The project given to the client for a plain-http endpoint without {@code project}, so it never looks one up. */
    static final String ANONYMOUS_PROJECT = "chute-local";

    @Override
    public String name() {
        return "bigquery";
    }

    @Override
    public java.util.Set<String> keys() {
        return BigQuerySettings.KEYS;
    }

    @Override
    public Warehouse create(ConnectorContext context) {
        BigQuerySettings settings = BigQuerySettings.from(context);
        BigQuery bigquery = client(settings);
        Storage storage = storage(settings);
        return BigQueryWarehouse.open(bigquery, bigquery.getOptions().getProjectId(), settings, new GcsHeadReader(storage));
    }

    /** A client for the settings' endpoint, project and credentials. */
    public static BigQuery client(BigQuerySettings settings) {
        BigQueryOptions.Builder options = BigQueryOptions.newBuilder().setLocation(settings.location());
        settings.endpoint().ifPresent(e -> options.setHost(e.toString()));
        settings.project().ifPresent(options::setProjectId);
        options.setCredentials(credentials(settings));
        if (settings.anonymous() && settings.project().isEmpty()) {
            options.setProjectId(ANONYMOUS_PROJECT);
        }
        BigQuery client = options.build().getService();
        if (client.getOptions().getProjectId() == null) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'warehouse.project' is missing and the environment names no project; set it to the project that runs the load jobs");
        }
        return client;
    }

    /**
     * The Cloud Storage client that reads the first line of CSV objects: {@code storage_endpoint} when
     * set (a plain {@code http} one without credentials), else Cloud Storage with the warehouse's credentials.
     */
    static Storage storage(BigQuerySettings settings) {
        StorageOptions.Builder options = StorageOptions.newBuilder();
        settings.storageEndpoint().ifPresent(e -> options.setHost(e.toString()));
        settings.project().ifPresent(options::setProjectId);
        if (settings.storageAnonymous() || settings.anonymous()) {
            // a test server: no credentials are looked up, and none are sent
            options.setCredentials(NoCredentials.getInstance()).setProjectId(settings.project().orElse(ANONYMOUS_PROJECT));
        } else {
            options.setCredentials(credentials(settings));
        }
        return options.build().getService();
    }

    private static Credentials credentials(BigQuerySettings settings) {
        if (settings.anonymous()) {
            return NoCredentials.getInstance();
        }
        try {
            if (settings.credentialsFile().isPresent()) {
                try (InputStream in = Files.newInputStream(settings.credentialsFile().get())) {
                    return GoogleCredentials.fromStream(in);
                }
            }
            return GoogleCredentials.getApplicationDefault();
        } catch (IOException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "warehouse.type bigquery found no credentials (" + e.getMessage()
                    + "); set warehouse.credentials_file to a service account key file, set GOOGLE_APPLICATION_CREDENTIALS, run 'gcloud auth application-default login',"
                    + " or run on Google Cloud with a service account", e);
        }
    }
}
