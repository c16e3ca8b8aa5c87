package dev.chute.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A signing key and self-signed certificate made with the JDK's keytool, for signing SNS messages
 * in tests the way SNS signs them (SNS itself is not reachable from the test machine).
 */
final class TestSigner {
    final PrivateKey key;
    final X509Certificate certificate;
    final Path pem;

    private TestSigner(PrivateKey key, X509Certificate certificate, Path pem) {
        this.key = key;
        this.certificate = certificate;
        this.pem = pem;
    }

    static TestSigner create(Path dir, String name) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "sns", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=" + name, "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey("sns", "changeit".toCharArray());
        X509Certificate cert = (X509Certificate) ks.getCertificate("sns");
        Path pem = dir.resolve(name + ".pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        return new TestSigner(key, cert, pem);
    }

    /** An SNS message of the given type, signed as SNS documents (SignatureVersion 2, SHA256withRSA). */
    ObjectNode snsMessage(String type, String topic, String message, String certUrl, String subscribeUrl) throws Exception {
        return snsMessage(type, topic, message, certUrl, subscribeUrl, java.time.Instant.now());
    }

    /** As {@link #snsMessage(String, String, String, String, String)}, signed with the given {@code Timestamp}. */
    ObjectNode snsMessage(String type, String topic, String message, String certUrl, String subscribeUrl, java.time.Instant timestamp) throws Exception {
        ObjectNode m = Json.mapper().createObjectNode();
        m.put("Type", type);
        m.put("MessageId", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324");
        if (subscribeUrl != null) {
            m.put("Token", "2336412f37fb687f5d51e6e2425c464de12884");
            m.put("SubscribeURL", subscribeUrl);
        }
        m.put("TopicArn", topic);
        m.put("Message", message);
        m.put("Timestamp", timestamp.toString());
        m.put("SignatureVersion", "2");
        m.put("SigningCertURL", certUrl);
        List<String> fields = subscribeUrl != null
                ? List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
                : List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type");
        StringBuilder canonical = new StringBuilder();
        for (String f : fields) {
            if (m.hasNonNull(f)) {
                canonical.append(f).append('\n').append(m.get(f).asText()).append('\n');
            }
        }
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(canonical.toString().getBytes(StandardCharsets.UTF_8));
        m.put("Signature", Base64.getEncoder().encodeToString(s.sign()));
        return m;
    }
}
