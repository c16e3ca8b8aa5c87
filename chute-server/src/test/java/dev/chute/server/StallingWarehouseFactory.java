package dev.chute.server;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.Warehouse;
import dev.chute.spi.WarehouseFactory;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Warehouse type {@code stalling} for the health tests (issue 12): a real warehouse (the type in
 * {@code warehouse.delegate}, DuckDB by default, with the other keys of the section) whose
 * {@link Warehouse#ping} can be made to block until the test ends, as a database that accepts
 * connections and never answers does, and which counts the pings it was asked. Get the control
 * with {@link #control(Warehouse)}.
 */
public final class StallingWarehouseFactory implements WarehouseFactory {
    @Override
    public String name() {
        return "stalling";
    }

    @Override
    public Warehouse create(ConnectorContext context) {
        Map<String, String> settings = new HashMap<>(context.settings());
        String type = Optional.ofNullable(settings.remove("delegate")).orElse("duckdb");
        settings.put("type", type);
        WarehouseFactory factory = ServiceLoader.load(WarehouseFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals(type)).findFirst().orElseThrow(() -> new IllegalArgumentException("no warehouse type " + type));
        Warehouse real = factory.create(new ConnectorContext(context.home(), settings));
        return (Warehouse) Proxy.newProxyInstance(Warehouse.class.getClassLoader(), new Class<?>[] {Warehouse.class}, new Control(real));
    }

    static Control control(Warehouse warehouse) {
        return (Control) Proxy.getInvocationHandler(warehouse);
    }

    static final class Control implements InvocationHandler {
        private final Warehouse real;
        private final AtomicInteger pings = new AtomicInteger();
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile boolean stalled;

        Control(Warehouse real) {
            this.real = real;
        }

        /** From now on each ping blocks until {@link #release}. */
        void stall() {
            stalled = true;
        }

        /** Unblocks the pings, for the end of the test. */
        void release() {
            stalled = false;
            released.countDown();
        }

        int pings() {
            return pings.get();
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("ping") && method.getParameterCount() == 0) {
                pings.incrementAndGet();
                if (stalled) {
                    released.await();
                }
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
