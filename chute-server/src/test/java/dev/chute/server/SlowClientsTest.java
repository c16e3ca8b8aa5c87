package dev.chute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chute.core.ApiToken;
import dev.chute.core.Chute;
import dev.chute.core.ChuteConfig;
import dev.chute.core.PipelineListeners;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 2: clients that send slowly, send too much or never send their body, against a
 * real server on loopback with a real pipeline. While they hold their connections, health and
 * status answer and a dropped file is loaded. Every HTTP call of the test has a read timeout: it
 * bounds how long a failing test takes, it is not a measure of speed.
 */
class SlowClientsTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:uploads";
    private static final String UPLOADER = "uploader-secret";
    private static final String ADMIN = "admin-secret";
    private static final int SLOW_CLIENTS = 300;

    @TempDir
    Path home;
    Chute chute;
    ChuteServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(BOUND).build();
    final List<Trickler> tricklers = new ArrayList<>();

    private void start(String serverYaml) {
        String yaml = "events:\n  - type: http\n    sns_topics: " + TOPIC + "\n"
                + (serverYaml.isEmpty() ? "" : "server:\n" + serverYaml);
        PipelineListeners listeners = new PipelineListeners();
        chute = Chute.open(home, ChuteConfig.parse(yaml, "test"), true, listeners);
        ServerAuth auth = new ServerAuth(true, List.of(new ApiToken("up", ApiToken.Role.UPLOADER, ApiToken.hash(UPLOADER))), Optional.of(ADMIN));
        server = new ChuteServer(chute, ChuteServer.Settings.local(home, 0).withAuth(auth));
        listeners.add(server.listener());
        chute.start();
    }

    @AfterEach
    void stop() {
        tricklers.forEach(Trickler::close);
        if (server != null) {
            server.close();
        }
        if (chute != null) {
            chute.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(BOUND)
                .header("Authorization", "Bearer " + ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Health and status answer, and a file dropped in landing is loaded. */
    private void serverStillServes(String table) throws Exception {
        assertThat(get("/api/health").statusCode()).isEqualTo(200);
        assertThat(get("/api/status").statusCode()).isEqualTo(200);
        Path file = home.resolve("landing").resolve("slow").resolve(table).resolve("a.csv");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "id\n1\n2\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                return chute.query("SELECT count(*) FROM slow." + table).rows().get(0).get(0).equals(2L);
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    @Test
    void slowSnsSendersCannotStopHealthStatusOrLoading() throws Exception {
        start("  read_timeout: 3s\n  min_request_rate: 0\n  max_concurrent_intake: 8\n");
        String head = "POST /api/intake/sns HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 200000\r\n\r\n";
        Trickler slow = trickle(head, SLOW_CLIENTS);
        slow.awaitFirstRound();
        serverStillServes("sns");
        // the senders admitted are cut off by server.read_timeout, the others were refused at once
        await().atMost(Duration.ofSeconds(60)).until(slow::allCut);
        assertThat(slow.statuses().keySet()).isSubsetOf(0, 408, 503);
        // most were refused at once; a few more were let in as the first ones were cut off
        assertThat(slow.statuses().get(503)).isGreaterThan(SLOW_CLIENTS / 2L);
    }

    @Test
    void slowUploadsCannotStopHealthStatusOrLoading() throws Exception {
        start("  max_concurrent_uploads: 4\n");
        String head = "POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nAuthorization: Bearer " + UPLOADER + "\r\n"
                + "X-Chute-Request: 1\r\nContent-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: 10000000\r\n\r\n"
                + "--b0undary\r\nContent-Disposition: form-data; name=\"files\"; filename=\"slow.csv\"\r\nContent-Type: text/csv\r\n\r\nid\n";
        Trickler slow = trickle(head, SLOW_CLIENTS);
        slow.awaitFirstRound();
        serverStillServes("uploads");
        // 1 KB every 2 s is below server.min_request_rate (4 KB/s): the uploads admitted are cut off too
        await().atMost(Duration.ofSeconds(60)).until(slow::allCut);
        assertThat(slow.statuses().keySet()).as("a cut upload is a 408, not a size refusal").isSubsetOf(0, 408, 503);
        assertThat(slow.statuses().get(503)).isGreaterThan(SLOW_CLIENTS / 2L);
    }

    @Test
    void slowSignInsCannotStopHealthStatusOrLoading() throws Exception {
        start("  read_timeout: 3s\n  max_concurrent_bodies: 8\n");
        // anyone may try to sign in, and the token is in the body
        String head = "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: 200000\r\n\r\n{\"token\": \"";
        Trickler slow = trickle(head, SLOW_CLIENTS);
        slow.awaitFirstRound();
        serverStillServes("signins");
        await().atMost(Duration.ofSeconds(60)).until(slow::allCut);
        assertThat(slow.statuses().keySet()).isSubsetOf(0, 408, 503);
        assertThat(slow.statuses().get(503)).isGreaterThan(SLOW_CLIENTS / 2L);
    }

    @Test
    void snsBodiesOverTheLimitAreRefusedBeforeTheyAreRead() throws Exception {
        start("  max_intake_body: 256KB\n");
        // headers announcing 4 MB and the first byte of it (Jetty hands a request over once its body starts):
        // the answer cannot have waited for the rest
        try (Socket s = connect()) {
            send(s, "POST /api/intake/sns HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 4194304\r\n\r\n{");
            assertThat(statusOf(s)).isEqualTo(413);
        }
        // a chunked body says no length: it is refused once it passes the limit, not read to its end
        try (Socket s = connect()) {
            send(s, "POST /api/intake/sns HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 5; i++) {
                    s.getOutputStream().write(chunk);
                }
                s.getOutputStream().flush();
            } catch (IOException e) {
                // refused and closed before the rest went through: the answer is still there to read
            }
            assertThat(statusOf(s)).isEqualTo(413);
        }
        // 120 senders of 4 MB at once: each refused before its body is taken in; the server keeps answering
        List<Socket> many = new ArrayList<>();
        try {
            for (int i = 0; i < 120; i++) {
                Socket s = connect();
                many.add(s);
                send(s, "POST /api/intake/sns HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 4194304\r\n\r\n{");
            }
            for (Socket s : many) {
                assertThat(statusOf(s)).isEqualTo(413);
            }
        } finally {
            for (Socket s : many) {
                s.close();
            }
        }
        // under the limit a body is read: this one is not JSON, which only a read body can tell
        HttpResponse<String> small = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/intake/sns"))
                .timeout(BOUND).POST(HttpRequest.BodyPublishers.ofString("y".repeat(200_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(small.statusCode()).isEqualTo(400);
        assertThat(small.body()).contains("not JSON");
        serverStillServes("big");
    }

    @Test
    void aSenderThatStopsIsCutOffByTheIdleTimeout() throws Exception {
        start("  idle_timeout: 1s\n");
        try (Socket s = connect()) {
            send(s, "POST /api/intake/sns HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{\"Type\"");
            assertThat(statusOf(s)).isEqualTo(408);
        }
        assertThat(get("/api/health").statusCode()).isEqualTo(200);
    }

    /**
     * Jetty's minimum request rate measured a body from its first byte to the handler's last read:
     * a 100-byte query whose second half came 500 ms after its first (or that the handler read late
     * on a busy machine) was cut off with 408 "Request content data rate < 4096 B/s", which made
     * `chute load` fail while `chute up` ran. A small body that arrives within server.read_timeout
     * is always read.
     */
    @Test
    void aSmallBodyInTwoPiecesIsNotMistakenForASlowClient() throws Exception {
        start("");
        String body = "{\"sql\":\"SELECT 42 AS answer\"}";
        try (Socket s = connect()) {
            send(s, "POST /api/query HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 10));
            Thread.sleep(500);
            send(s, body.substring(10));
            assertThat(statusOf(s)).isEqualTo(200);
        }
    }

    @Test
    void aBadTokenIsRefusedBeforeTheBodyIsSent() throws Exception {
        start("");
        for (String path : List.of("/api/intake/s3", "/api/intake/cloudevents", "/api/intake/pubsub", "/api/upload")) {
            for (String auth : List.of("", "Authorization: Bearer not-a-token\r\n")) {
                try (Socket s = connect()) {
                    // headers that promise a body of which only the first bytes come: only an answer from the headers can arrive
                    send(s, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "X-Chute-Request: 1\r\nce-type: x\r\n"
                            + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n");
                    assertThat(statusOf(s)).as("%s with '%s'", path, auth.trim()).isEqualTo(401);
                }
            }
        }
    }

    // ---- raw clients

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
        s.setSoTimeout((int) BOUND.toMillis());
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The status of the answer on this connection; fails the test if none comes within the bound. */
    private static int statusOf(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        String first = line.toString(StandardCharsets.US_ASCII);
        assertThat(first).startsWith("HTTP/1.1 ");
        return Integer.parseInt(first.substring(9, 12));
    }

    private Trickler trickle(String head, int n) throws IOException {
        Trickler t = new Trickler(server.port(), head, n);
        tricklers.add(t);
        t.start();
        return t;
    }

    /**
     * Clients that send their headers, then a kilobyte of body every two seconds, as an attacker
     * holding connections would; each notes the status the server answered before it closed, or
     * 0 when it closed without one. Stops by itself after two minutes.
     */
    private static final class Trickler implements AutoCloseable {
        private static final byte[] KILOBYTE = "x".repeat(1024).getBytes(StandardCharsets.US_ASCII);
        private final List<Socket> sockets = new ArrayList<>();
        private final Map<Socket, ByteArrayOutputStream> answers = new ConcurrentHashMap<>();
        private final Map<Socket, Integer> cut = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean stopped;
        private volatile int rounds;

        Trickler(int port, String head, int n) throws IOException {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout(1);
                sockets.add(s);
                answers.put(s, new ByteArrayOutputStream());
                try {
                    s.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    cut.put(s, 0);
                }
            }
            thread = new Thread(this::run, "trickler");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void run() {
            long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!stopped && System.nanoTime() < until && !allCut()) {
                for (Socket s : sockets) {
                    if (cut.containsKey(s)) {
                        continue;
                    }
                    if (!poll(s)) {
                        try {
                            s.getOutputStream().write(KILOBYTE);
                            s.getOutputStream().flush();
                        } catch (IOException e) {
                            poll(s);
                            cut.putIfAbsent(s, 0);
                        }
                    }
                }
                rounds++;
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Reads what the server sent on this connection; true once it answered or closed it. */
        private boolean poll(Socket s) {
            byte[] buffer = new byte[4096];
            try {
                int n = s.getInputStream().read(buffer);
                if (n < 0) {
                    cut.putIfAbsent(s, status(answers.get(s).toString(StandardCharsets.US_ASCII)));
                    return true;
                }
                answers.get(s).write(buffer, 0, n);
                String text = answers.get(s).toString(StandardCharsets.US_ASCII);
                if (text.contains("\r\n")) {
                    cut.putIfAbsent(s, status(text));
                    return true;
                }
                return false;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                cut.putIfAbsent(s, status(answers.get(s).toString(StandardCharsets.US_ASCII)));
                return true;
            }
        }

        private static int status(String answer) {
            return answer.startsWith("HTTP/1.1 ") && answer.length() >= 12 ? Integer.parseInt(answer.substring(9, 12)) : 0;
        }

        void awaitFirstRound() {
            await().atMost(Duration.ofSeconds(30)).until(() -> rounds >= 1);
        }

        boolean allCut() {
            return cut.size() == sockets.size();
        }

        Map<Integer, Long> statuses() {
            return cut.values().stream().collect(Collectors.groupingBy(i -> i, Collectors.counting()));
        }

        @Override
        public void close() {
            stopped = true;
            thread.interrupt();
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing a test client
                }
            }
        }
    }
}
