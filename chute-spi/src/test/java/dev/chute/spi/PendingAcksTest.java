package dev.chute.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PendingAcksTest {
    private final AtomicLong now = new AtomicLong();
    private final PendingAcks<String> pending = new PendingAcks<>(now::get);

    @Test
    void messageIsDoneOnceEveryKeyItNamedIsHandled() {
        pending.add("m1", List.of("a", "b"));
        assertThat(pending.handled("a")).isEmpty();
        assertThat(pending.handled("b")).containsExactly("m1");
        assertThat(pending.size()).isZero();
    }

    @Test
    void duplicateDeliveriesAreAllDoneOnTheFirstHandled() {
        pending.add("m1", List.of("a"));
        pending.add("m2", List.of("a"));
        pending.add("m3", List.of("a", "a"));
        assertThat(pending.handled("a")).containsExactly("m1", "m2", "m3");
        assertThat(pending.handled("a")).isEmpty();
    }

    @Test
    void messagesHeldTooLongAreReleasedAndForgotten() {
        pending.add("old", List.of("a", "b"));
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        pending.add("young", List.of("b"));
        assertThat(pending.expired(Duration.ofMinutes(5))).containsExactly("old");
        assertThat(pending.handled("a")).isEmpty();
        assertThat(pending.handled("b")).containsExactly("young");
    }

    @Test
    void staleMessagesAreRemovedWithoutAcking() {
        pending.add("x1", List.of("a"));
        pending.add("y1", List.of("a"));
        assertThat(pending.removeIf(m -> m.startsWith("x"))).containsExactly("x1");
        assertThat(pending.handled("a")).containsExactly("y1");
    }
}
