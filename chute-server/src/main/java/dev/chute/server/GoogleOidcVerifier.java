package dev.chute.server;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.chute.spi.ChuteException;
import dev.chute.spi.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies the OIDC identity token Google attaches to push deliveries (Eventarc to Cloud Run,
 * Pub/Sub push subscriptions with authentication): an RS256 JWT signed by one of Google's keys,
 * issued by {@code https://accounts.google.com}, for the configured audience, not expired, and,
 * when configured, for the expected service account e-mail. Google's keys are read from its JWKS
 * endpoint (cached and refreshed by the library) or from a file given in the configuration.
 */
final class GoogleOidcVerifier implements AutoCloseable {
    static final String GOOGLE_ISSUER = "https://accounts.google.com";
    static final String GOOGLE_JWKS = "https://www.googleapis.com/oauth2/v3/certs";

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final Optional<String> email;
    private final JWKSource<SecurityContext> keys;

    GoogleOidcVerifier(String audience, String issuer, JWKSource<SecurityContext> keys, Optional<String> email) {
        this.keys = requireNonNull(keys, "keys is null");
        requireNonNull(audience, "audience is null");
        requireNonNull(issuer, "issuer is null");
        this.email = requireNonNull(email, "email is null");
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("exp", "iat", "sub")));
    }

    /** Keys from a JWKS file (relative to the home) or an https URL. */
    static JWKSource<SecurityContext> keys(String location, Path home) {
        try {
            if (location.startsWith("https://")) {
                URL url = URI.create(location).toURL();
                return JWKSourceBuilder.create(url).retrying(true).build();
            }
            return new ImmutableJWKSet<>(JWKSet.load(home.resolve(location).toFile()));
        } catch (IOException | ParseException | IllegalArgumentException e) {
            throw new ChuteException(ErrorCode.CONFIGURATION, "configuration key 'events[].oidc_jwks' has value '" + location
                    + "'; expected a JWKS file (relative to the home) or an https:// URL: " + e.getMessage(), e);
        }
    }

    /** Stops the key source's refreshing, when it has any. */
    @Override
    public void close() {
        if (keys instanceof java.io.Closeable c) {
            try {
                c.close();
            } catch (IOException e) {
                // closing: nothing left to do
            }
        }
    }

    /** The token's subject when it is valid; otherwise an exception whose message says what is wrong. */
    String verify(String token) {
        try {
            JWTClaimsSet claims = processor.process(token, null);
            if (email.isPresent()) {
                Object tokenEmail = claims.getClaim("email");
                if (!email.get().equals(tokenEmail) || !Boolean.TRUE.equals(claims.getClaim("email_verified"))) {
                    throw new IllegalArgumentException("the token is for " + tokenEmail + ", expected the verified service account " + email.get());
                }
            }
            return claims.getSubject();
        } catch (ParseException e) {
            throw new IllegalArgumentException("the bearer token is not a JWT: " + e.getMessage());
        } catch (BadJOSEException | JOSEException e) {
            throw new IllegalArgumentException("the OIDC token was refused: " + e.getMessage());
        }
    }
}
