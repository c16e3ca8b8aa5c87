package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks on pushed deliveries: Google OIDC identity tokens (signed here with a key of our own,
 * published as a JWKS file, since Google cannot be reached from the test machine) and SNS
 * signatures (made with a keytool certificate, signed as SNS documents it).
 */
class IntakeVerifiersTest {
    private static final String AUDIENCE = "https://chute.example.run.app/api/intake/cloudevents";
    private static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:uploads";

    @TempDir
    Path dir;

    private RSAKey googleKey;

    private GoogleOidcVerifier oidc(Optional<String> email) throws Exception {
        googleKey = new RSAKeyGenerator(2048).keyID("google-1").generate();
        Files.writeString(dir.resolve("jwks.json"), new JWKSet(googleKey.toPublicJWK()).toString());
        return new GoogleOidcVerifier(AUDIENCE, GoogleOidcVerifier.GOOGLE_ISSUER, GoogleOidcVerifier.keys("jwks.json", dir), email);
    }

    private String token(RSAKey key, String audience, String issuer, Instant expires, String email) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("1234567890")
                .issueTime(Date.from(Instant.now().minusSeconds(10))).expirationTime(Date.from(expires))
                .claim("email", email).claim("email_verified", true).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void aGoogleTokenForOurAudienceIsAccepted() throws Exception {
        GoogleOidcVerifier v = oidc(Optional.of("eventarc@proj.iam.gserviceaccount.com"));
        String ok = token(googleKey, AUDIENCE, GoogleOidcVerifier.GOOGLE_ISSUER, Instant.now().plusSeconds(600), "eventarc@proj.iam.gserviceaccount.com");
        assertThat(v.verify(ok)).isEqualTo("1234567890");
    }

    @Test
    void tokensForAnotherAudienceIssuerOrAccountOrExpiredOrForgedAreRefused() throws Exception {
        GoogleOidcVerifier v = oidc(Optional.of("eventarc@proj.iam.gserviceaccount.com"));
        Instant later = Instant.now().plusSeconds(600);
        String account = "eventarc@proj.iam.gserviceaccount.com";
        assertThatThrownBy(() -> v.verify(token(googleKey, "https://other.example", GoogleOidcVerifier.GOOGLE_ISSUER, later, account)))
                .hasMessageContaining("refused");
        assertThatThrownBy(() -> v.verify(token(googleKey, AUDIENCE, "https://evil.example", later, account))).hasMessageContaining("refused");
        assertThatThrownBy(() -> v.verify(token(googleKey, AUDIENCE, GoogleOidcVerifier.GOOGLE_ISSUER, Instant.now().minusSeconds(3600), account)))
                .hasMessageContaining("refused");
        assertThatThrownBy(() -> v.verify(token(googleKey, AUDIENCE, GoogleOidcVerifier.GOOGLE_ISSUER, later, "someone@else.example")))
                .hasMessageContaining("expected the verified service account");
        RSAKey attacker = new RSAKeyGenerator(2048).keyID("google-1").generate();
        assertThatThrownBy(() -> v.verify(token(attacker, AUDIENCE, GoogleOidcVerifier.GOOGLE_ISSUER, later, account))).hasMessageContaining("refused");
        SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().issuer(GoogleOidcVerifier.GOOGLE_ISSUER)
                .audience(AUDIENCE).subject("x").expirationTime(Date.from(later)).issueTime(new Date()).build());
        hmac.sign(new MACSigner(new byte[32]));
        assertThatThrownBy(() -> v.verify(hmac.serialize())).hasMessageContaining("refused");
        assertThatThrownBy(() -> v.verify("not-a-jwt")).hasMessageContaining("not a JWT");
    }

    @Test
    void anSnsMessageSignedWithAPinnedCertificateIsAccepted() throws Exception {
        TestSigner signer = TestSigner.create(dir, "sns");
        SnsVerifier v = new SnsVerifier(Set.of(TOPIC), SnsVerifier.readPem(signer.pem), Set.of());
        ObjectNode m = signer.snsMessage("Notification", TOPIC, "{\"Records\":[]}", "https://sns.eu-west-1.amazonaws.com/cert.pem", null);
        v.verify(m);
        m.put("Message", "{\"Records\":[{\"tampered\":true}]}");
        assertThatThrownBy(() -> v.verify(m)).hasMessageContaining("no valid signature");
        ObjectNode other = signer.snsMessage("Notification", "arn:aws:sns:eu-west-1:123456789012:other", "{}", "https://sns.eu-west-1.amazonaws.com/c.pem", null);
        assertThatThrownBy(() -> v.verify(other)).hasMessageContaining("is not accepted");
        ObjectNode old = signer.snsMessage("Notification", TOPIC, "{}", "https://sns.eu-west-1.amazonaws.com/cert.pem", null);
        old.put("Timestamp", Instant.now().minus(SnsVerifier.MAX_AGE).minusSeconds(60).toString());
        assertThatThrownBy(() -> v.verify(old)).hasMessageContaining("possible replay");
        TestSigner stranger = TestSigner.create(dir, "stranger");
        assertThatThrownBy(() -> v.verify(stranger.snsMessage("Notification", TOPIC, "{}", "https://sns.eu-west-1.amazonaws.com/c.pem", null)))
                .hasMessageContaining("no valid signature");
    }

    @Test
    void certificatesAndConfirmationsComeOnlyFromSnsHosts() throws Exception {
        TestSigner signer = TestSigner.create(dir, "sns");
        byte[] pem = Files.readAllBytes(signer.pem);
        AtomicInteger confirmations = new AtomicInteger();
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.createContext("/cert.pem", ex -> {
            ex.sendResponseHeaders(200, pem.length);
            ex.getResponseBody().write(pem);
            ex.close();
        });
        fake.createContext("/confirm", ex -> {
            confirmations.incrementAndGet();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        fake.start();
        try {
            String base = "http://127.0.0.1:" + fake.getAddress().getPort();
            ObjectNode subscribe = signer.snsMessage("SubscriptionConfirmation", TOPIC, "You have chosen to subscribe", base + "/cert.pem", base + "/confirm");
            SnsVerifier strict = new SnsVerifier(Set.of(TOPIC), List.of(), Set.of());
            assertThatThrownBy(() -> strict.verify(subscribe)).hasMessageContaining("is not an SNS host");
            assertThatThrownBy(() -> strict.confirm(subscribe)).hasMessageContaining("is not an SNS host");
            SnsVerifier local = new SnsVerifier(Set.of(TOPIC), List.of(), Set.of("127.0.0.1"));
            local.verify(subscribe);
            local.confirm(subscribe);
            assertThat(confirmations.get()).isEqualTo(1);
            ObjectNode evilCert = signer.snsMessage("Notification", TOPIC, "{}", "https://evil.example/cert.pem", null);
            assertThatThrownBy(() -> local.verify(evilCert)).hasMessageContaining("is not an SNS host");
            ObjectNode otherPath = signer.snsMessage("Notification", TOPIC, "{}", "https://sns.eu-west-1.amazonaws.com/some/api?x=1", null);
            assertThatThrownBy(() -> strict.verify(otherPath)).hasMessageContaining("is not an SNS certificate");
        } finally {
            fake.stop(0);
        }
    }
}
