package dev.chute.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of a loopback service, that a test can take down (nothing
 * listens on its port any more and every connection through it is cut, as in an outage) and
 * bring back on the same port.
 */
final class LoopbackProxy implements AutoCloseable {
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final int port;
    private volatile ServerSocket listener;

    LoopbackProxy(int target) throws IOException {
        this.target = target;
        this.listener = listen(0);
        this.port = listener.getLocalPort();
    }

    int port() {
        return port;
    }

    private ServerSocket listen(int on) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), on));
        Thread.ofVirtual().name("proxy-accept").start(() -> accept(s));
        return s;
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(server);
                Thread.ofVirtual().start(() -> pump(client, server));
                Thread.ofVirtual().start(() -> pump(server, client));
            } catch (IOException e) {
                // closed: the outage has begun
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: so does the other
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Takes the proxy down: its port refuses connections and every connection through it is cut. */
    void down() {
        closeQuietly(listener);
        sockets.forEach(LoopbackProxy::closeQuietly);
        sockets.clear();
    }

    /** Brings the proxy back on the same port. */
    void up() throws IOException {
        listener = listen(port);
    }

    @Override
    public void close() {
        down();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing a test connection
        }
    }
}
