package dev.chute.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import dev.chute.spi.ObjectStoreFactory;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code store:} section for {@code type: gcs}: defaults, and clear refusals of bad values. */
class GcsStoreSettingsTest {
    private static GcsStoreSettings settings(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        map.put("type", "gcs");
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return GcsStoreSettings.from(new ConnectorContext(Path.of("/tmp/chute-home"), map));
    }

    private static void assertRefused(String message, String... keyValues) {
        assertThatThrownBy(() -> settings(keyValues))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining(message);
    }

    @Test
    void archiveAndFailedDefaultToPrefixesBesideLanding() {
        GcsStoreSettings s = settings("landing", "gs://acme-drop/chute/landing");

        assertThat(s.landing()).isEqualTo(new GcsLocation("acme-drop", "chute/landing/"));
        assertThat(s.archive()).hasToString("gs://acme-drop/chute/archive/");
        assertThat(s.failed()).hasToString("gs://acme-drop/chute/failed/");
        assertThat(s.project()).isEmpty();
        assertThat(s.endpoint()).isEmpty();
        assertThat(s.anonymous()).isFalse();
    }

    @Test
    void areasMayShareABucketOrUseSeparateBuckets() {
        GcsStoreSettings s = settings("landing", "gs://acme-drop/", "archive", "gs://acme-archive/2024/", "failed", "gs://acme-archive/failed/",
                "project", "acme-data-prod", "endpoint", "https://storage.example.test");

        assertThat(s.landing()).isEqualTo(new GcsLocation("acme-drop", ""));
        assertThat(s.project()).contains("acme-data-prod");
        assertThat(s.endpoint()).contains(URI.create("https://storage.example.test"));
        assertThat(s.anonymous()).isFalse();
        assertThat(settings("landing", "gs://acme/in/", "endpoint", "http://127.0.0.1:4443/").anonymous()).isTrue();
    }

    @Test
    void refusesAreasInsideOneAnother() {
        assertRefused("'store.landing' (gs://acme-drop/) and 'store.archive' (gs://acme-drop/archive/) overlap", "landing", "gs://acme-drop");
        assertRefused("'store.landing' (gs://acme-drop/in/) and 'store.archive' (gs://acme-drop/in/archive/) overlap",
                "landing", "gs://acme-drop/in/", "archive", "gs://acme-drop/in/archive/");
        assertRefused("'store.archive' (gs://acme-drop/x/) and 'store.failed' (gs://acme-drop/x/) overlap",
                "landing", "gs://acme-drop/in/", "archive", "gs://acme-drop/x/", "failed", "gs://acme-drop/x/");
        assertRefused("'store.landing' (gs://acme-drop/in/) and 'store.archive' (gs://acme-drop/) overlap",
                "landing", "gs://acme-drop/in/", "archive", "gs://acme-drop/");
    }

    @Test
    void refusesMalformedValuesNamingTheKey() {
        assertRefused("configuration key 'store.landing' is missing", "archive", "gs://acme/archive/");
        assertRefused("'store.landing' has value 's3://acme/in/'; expected gs://bucket/prefix/", "landing", "s3://acme/in/");
        assertRefused("'store.landing' has value 'gs://Acme_Drop/in/'", "landing", "gs://Acme_Drop/in/");
        assertRefused("'store.archive' has value 'gs://acme//x/'", "landing", "gs://acme/in/", "archive", "gs://acme//x/");
        assertRefused("'store.endpoint' has value 'ftp://127.0.0.1'", "landing", "gs://acme/in/", "endpoint", "ftp://127.0.0.1");
        assertRefused("'store.endpoint' has value 'http://127.0.0.1:4443/storage/v1'", "landing", "gs://acme/in/", "endpoint", "http://127.0.0.1:4443/storage/v1");
        assertRefused("'store.project' has value 'Acme'", "landing", "gs://acme/in/", "project", "Acme");
        assertRefused("unknown configuration key 'store.region'", "landing", "gs://acme/in/", "region", "us");
    }

    @Test
    void theFactoryIsFoundAsGcs() {
        assertThat(ServiceLoader.load(ObjectStoreFactory.class).stream().map(ServiceLoader.Provider::get).map(ObjectStoreFactory::name)).contains("gcs");
    }
}
