package dev.chute.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chute.spi.ChuteException;
import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ErrorCode;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class S3SettingsTest {
    private static S3Settings parse(String... keyValues) {
        Map<String, String> settings = new HashMap<>();
        settings.put("type", "s3");
        for (int i = 0; i < keyValues.length; i += 2) {
            settings.put(keyValues[i], keyValues[i + 1]);
        }
        return S3Settings.from(new ConnectorContext(Path.of("."), settings));
    }

    private static void assertRefused(String message, String... keyValues) {
        assertThatThrownBy(() -> parse(keyValues))
                .isInstanceOfSatisfying(ChuteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining(message);
    }

    @Test
    void archiveAndFailedDefaultToFoldersBesideTheLandingPrefix() {
        S3Settings s = parse("landing", "s3://lake/incoming/landing");
        assertThat(s.landing()).isEqualTo(new S3Location("lake", "incoming/landing/"));
        assertThat(s.archive()).isEqualTo(new S3Location("lake", "incoming/archive/"));
        assertThat(s.failed()).isEqualTo(new S3Location("lake", "incoming/failed/"));
        assertThat(s.region()).isEqualTo("us-east-1");
        assertThat(s.endpoint()).isEmpty();
        assertThat(s.pathStyle()).isFalse();
        assertThat(s.checksums()).isEqualTo(S3Settings.Checksums.WHEN_SUPPORTED);
        assertThat(s.etagChecksums()).isTrue();
        assertThat(parse("landing", "s3://lake/landing/").archive()).isEqualTo(new S3Location("lake", "archive/"));
    }

    @Test
    void everyKeyIsRead() {
        S3Settings s = parse("landing", "s3://in/", "archive", "s3://cold/archive/", "failed", "s3://cold/failed/", "endpoint", "http://127.0.0.1:9000",
                "region", "eu-central-1", "path_style", "true", "checksums", "when_required", "etag_checksums", "false");
        assertThat(s).isEqualTo(new S3Settings(new S3Location("in", ""), new S3Location("cold", "archive/"), new S3Location("cold", "failed/"),
                Optional.of(URI.create("http://127.0.0.1:9000")), "eu-central-1", true, S3Settings.Checksums.WHEN_REQUIRED, false));
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        assertRefused("configuration key 'store.landing' is missing");
        assertRefused("unknown configuration key 'store.access_key'", "landing", "s3://lake/landing/", "access_key", "AKIA");
        assertRefused("'store.landing' has value 'lake/landing'; expected s3://bucket/prefix/", "landing", "lake/landing");
        assertRefused("'store.archive' has value 's3:///archive/'", "landing", "s3://lake/landing/", "archive", "s3:///archive/");
        assertRefused("'store.endpoint' has value 'localhost:9000'; expected the store's http(s) URL", "landing", "s3://lake/l/", "endpoint", "localhost:9000");
        assertRefused("'store.path_style' has value 'yes'; expected true or false", "landing", "s3://lake/l/", "path_style", "yes");
        assertRefused("'store.checksums' has value 'always'; expected when_supported or when_required", "landing", "s3://lake/l/", "checksums", "always");
        assertRefused("'store.region' has value 'EU West'", "landing", "s3://lake/l/", "region", "EU West");
    }

    @Test
    void areasThatContainEachOtherAreRefused() {
        assertRefused("store.landing (s3://lake/) and store.archive (s3://lake/archive/) overlap", "landing", "s3://lake/", "archive", "s3://lake/archive/", "failed", "s3://other/f/");
        assertRefused("store.landing (s3://lake/in/) and store.archive (s3://lake/in/archive/) overlap", "landing", "s3://lake/in/", "archive", "s3://lake/in/archive/");
        assertRefused("store.landing (s3://lake/in/archive/) and store.archive (s3://lake/in/) overlap", "landing", "s3://lake/in/archive/", "archive", "s3://lake/in/");
        assertRefused("store.archive (s3://cold/) and store.failed (s3://cold/failed/) overlap", "landing", "s3://lake/l/", "archive", "s3://cold/", "failed", "s3://cold/failed/");
        assertRefused("'store.archive' is missing: store.landing (s3://lake/) is a whole bucket", "landing", "s3://lake/");
        // same bucket, sibling prefixes that merely share leading characters: fine
        assertThat(parse("landing", "s3://lake/in/", "archive", "s3://lake/in-archive/", "failed", "s3://lake/in-failed/").archive().prefix()).isEqualTo("in-archive/");
    }
}
