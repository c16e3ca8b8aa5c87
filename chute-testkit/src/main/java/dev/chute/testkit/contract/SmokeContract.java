package dev.chute.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The contract's own check: a file dropped into landing is committed and archived on the warehouse under test. */
public abstract class SmokeContract extends WarehouseContract {
    @Test
    void droppedFileIsCommittedAndArchived() {
        ChuteHome h = start();
        h.drop("smoke/t/a.csv", "id,name\n1,x\n2,y\n");
        h.awaitArchived("smoke/t/a.csv");
        assertThat(h.count("smoke.t")).isEqualTo(2);
        assertThat(h.ledgerRows("smoke/t/a.csv")).isEqualTo(2);
    }
}
