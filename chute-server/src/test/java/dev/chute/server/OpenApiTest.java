package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chute.core.ApiToken;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.Json;
import dev.chute.core.PipelineListener;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code GET /api/openapi.json} honest: the document is valid OpenAPI 3.1, it lists exactly
 * the routes the server has, and the role each operation declares ({@code x-chute-role}) is the
 * role the server enforces, found by calling every route with no token and with each role's token.
 */
class OpenApiTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final List<String> ROLES = List.of("none", "viewer", "uploader", "admin");
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}/]+)}");
    /** Harmless values for path parameters: nothing exists under these names. */
    private static final Map<String, String> PARAM_VALUES = Map.of("loadId", "nope", "table", "nope.nope", "id", "nope", "index", "0");
    private static final Map<String, String> SECRETS = Map.of("viewer", "v-secret", "uploader", "u-secret", "admin", "a-secret");

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private void start(ServerAuth auth) {
        chute = Chute.open(home, ChuteConfig.defaults(), false, PipelineListener.NONE);
        server = new ChuteServer(chute, new ChuteServer.Settings("127.0.0.1", 0, auth, 1 << 20, home.resolve(".chute/uploads"), home.resolve("dashboards")));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
    }

    // ---- (a) the document is valid OpenAPI 3.1

    @Test
    void documentIsValidOpenApi31() throws Exception {
        String text = resource();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(text, null, options);
        assertThat(result.getMessages()).as("swagger-parser messages").isNullOrEmpty();
        OpenAPI api = result.getOpenAPI();
        assertThat(api).as("parsed document").isNotNull();
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        assertThat(api.getInfo().getTitle()).isEqualTo("Chute");
        assertThat(api.getInfo().getVersion()).isEqualTo("0.1.0");
        assertThat(api.getComponents().getSecuritySchemes()).containsKeys("bearer", "cookie");
        assertThat(api.getComponents().getSchemas()).containsKeys("Error", "Load", "LoadDetail", "Failure", "Table", "TableDetail",
                "QueryResult", "Dashboard", "Tile", "Health", "Overview", "FileStatus", "Session");

        JsonNode doc = Json.mapper().readTree(text);
        List<String> problems = new ArrayList<>();
        unresolvedRefs(doc, doc, "#", problems);
        Set<String> operationIds = new HashSet<>();
        operations(doc).forEach((route, op) -> {
            String role = op.path("x-chute-role").asText("");
            if (!ROLES.contains(role)) {
                problems.add(route + ": x-chute-role is '" + role + "'; expected one of " + ROLES);
            }
            String id = op.path("operationId").asText("");
            if (id.isEmpty() || !operationIds.add(id)) {
                problems.add(route + ": operationId '" + id + "' is missing or not unique");
            }
            JsonNode responses = op.path("responses");
            boolean success = false;
            for (var r : responses.properties()) {
                // a redirect is the success of GET /signin/{code}
                success |= r.getKey().startsWith("2") || r.getKey().startsWith("3");
            }
            if (!success) {
                problems.add(route + ": no 2xx or 3xx response");
            }
            if (!role.equals("none") && !responses.has("401")) {
                problems.add(route + ": needs a token but documents no 401");
            }
            if (!role.equals("none") && op.has("security") && op.get("security").isEmpty()) {
                problems.add(route + ": needs a token but its security is empty");
            }
            if (role.equals("none") && !(op.has("security") && op.get("security").isEmpty())) {
                problems.add(route + ": needs no token but does not say security: []");
            }
            Set<String> declared = new HashSet<>();
            op.path("parameters").forEach(p -> {
                if (p.path("in").asText().equals("path")) {
                    declared.add(p.path("name").asText());
                }
            });
            Set<String> inPath = new HashSet<>();
            Matcher m = PATH_PARAM.matcher(route.substring(route.indexOf(' ') + 1));
            while (m.find()) {
                inPath.add(m.group(1));
            }
            if (!declared.equals(inPath)) {
                problems.add(route + ": path parameters declared " + declared + " but the path has " + inPath);
            }
        });
        assertThat(problems).as("problems in openapi.json").isEmpty();
    }

    // ---- (b) it lists exactly the server's routes

    @Test
    void servedDocumentListsExactlyTheServersRoutes() throws Exception {
        start(ServerAuth.open());
        Answer answer = call("GET", "/api/openapi.json", Optional.empty());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/json");
        assertThat(answer.body()).isEqualTo(resource());

        Set<String> documented = operations(Json.mapper().readTree(answer.body())).keySet();
        Set<String> served = new TreeSet<>(server.routes());
        assertThat(served).as("server.routes() has no duplicates").hasSameSizeAs(server.routes());
        Set<String> notServed = new TreeSet<>(documented);
        notServed.removeAll(served);
        Set<String> notDocumented = new TreeSet<>(served);
        notDocumented.removeAll(documented);
        List<String> problems = new ArrayList<>();
        if (!notServed.isEmpty()) {
            problems.add("in openapi.json but not routes the server has: " + notServed);
        }
        if (!notDocumented.isEmpty()) {
            problems.add("routes the server has but openapi.json does not list: " + notDocumented);
        }
        assertThat(problems).as("openapi.json versus ChuteServer.routes()").isEmpty();
    }

    // ---- (c) each documented role is the role the server enforces

    @Test
    void documentedRolesAreTheRolesTheServerEnforces() throws Exception {
        List<ApiToken> tokens = List.of(
                new ApiToken("v", ApiToken.Role.VIEWER, ApiToken.hash(SECRETS.get("viewer"))),
                new ApiToken("u", ApiToken.Role.UPLOADER, ApiToken.hash(SECRETS.get("uploader"))),
                new ApiToken("a", ApiToken.Role.ADMIN, ApiToken.hash(SECRETS.get("admin"))));
        start(new ServerAuth(true, tokens, Optional.empty()));
        Set<String> served = Set.copyOf(server.routes());
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (var e : operations(Json.mapper().readTree(resource())).entrySet()) {
            if (!served.contains(e.getKey())) {
                continue; // reported by servedDocumentListsExactlyTheServersRoutes
            }
            String method = e.getKey().substring(0, e.getKey().indexOf(' '));
            String path = concrete(e.getKey().substring(e.getKey().indexOf(' ') + 1));
            String role = e.getValue().path("x-chute-role").asText();
            String route = e.getKey() + " (documented " + role + ", called as " + method + " " + path + ")";
            checked++;
            Answer anonymous = call(method, path, Optional.empty());
            if (role.equals("none")) {
                if (anonymous.refusedForNoToken() || anonymous.status() == 403) {
                    problems.add(route + ": without a token answered " + anonymous);
                }
                continue;
            }
            if (!anonymous.refusedForNoToken()) {
                problems.add(route + ": without a token answered " + anonymous + "; expected 401 with WWW-Authenticate: Bearer");
            }
            int needed = ROLES.indexOf(role);
            for (String caller : List.of("viewer", "uploader", "admin")) {
                Answer a = call(method, path, Optional.of(SECRETS.get(caller)));
                boolean allowed = ROLES.indexOf(caller) >= needed;
                if (allowed && (a.status() == 401 || a.status() == 403)) {
                    problems.add(route + ": the " + caller + " token was refused: " + a);
                } else if (!allowed && a.status() != 403) {
                    problems.add(route + ": the " + caller + " token answered " + a + "; expected 403");
                }
            }
        }
        assertThat(checked).as("routes checked").isGreaterThan(0);
        assertThat(problems).as("x-chute-role versus what the server enforces").isEmpty();
    }

    // ---- helpers

    private static String resource() throws Exception {
        try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.json")) {
            assertThat(in).as("openapi.json on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Every operation of the document as {@code "METHOD /path"}, in document order. */
    private static Map<String, JsonNode> operations(JsonNode doc) {
        Map<String, JsonNode> ops = new LinkedHashMap<>();
        doc.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
            if (METHODS.contains(m.getKey())) {
                ops.put(m.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey(), m.getValue());
            }
        }));
        return ops;
    }

    /** Adds every local {@code $ref} under {@code node} that points at nothing. */
    private static void unresolvedRefs(JsonNode root, JsonNode node, String where, List<String> problems) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual()) {
                String target = ref.asText();
                if (!target.startsWith("#/") || root.at(target.substring(1)).isMissingNode()) {
                    problems.add(where + ": $ref " + target + " does not resolve");
                }
            }
            node.properties().forEach(f -> unresolvedRefs(root, f.getValue(), where + "/" + f.getKey(), problems));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                unresolvedRefs(root, node.get(i), where + "/" + i, problems);
            }
        }
    }

    private static String concrete(String template) {
        Matcher m = PATH_PARAM.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(PARAM_VALUES.getOrDefault(m.group(1), "nope")));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** What a call answered; {@code refusedForNoToken} is the server's own 401 (it says WWW-Authenticate: Bearer). */
    private record Answer(int status, String contentType, boolean refusedForNoToken, String body) {
        @Override
        public String toString() {
            return status + " " + (body.length() > 200 ? body.substring(0, 200) + "..." : body);
        }
    }

    /** One request: POST and PUT send {} as JSON; a text/event-stream answer is closed once its status is known. */
    private Answer call(String method, String path, Optional<String> secret) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(30));
        if (method.equals("POST") || method.equals("PUT")) {
            b.method(method, HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json");
        } else {
            // as a script sends it: the header shows it is not a cross-site form
            b.method(method, HttpRequest.BodyPublishers.noBody()).header(ChuteServer.CSRF_HEADER, "1");
        }
        secret.ifPresent(s -> b.header("Authorization", "Bearer " + s));
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        String type = r.headers().firstValue("Content-Type").orElse("");
        boolean noToken = r.statusCode() == 401 && r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer");
        try (InputStream in = r.body()) {
            String body = type.startsWith("text/event-stream") ? "(event stream)" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(r.statusCode(), type, noToken, body);
        }
    }
}
