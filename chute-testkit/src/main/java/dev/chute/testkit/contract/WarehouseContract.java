package dev.chute.testkit.contract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the warehouse contract tests: each promise Chute makes about loading is written once as
 * a subclass of this class in {@code dev.chute.testkit.contract}, and each warehouse module runs it
 * by extending it once more and saying how to reach its warehouse ({@link #warehouseYaml}). Tests
 * use dataset names of their own, so that a warehouse may be shared by the tests of a class.
 */
public abstract class WarehouseContract {
    @TempDir
    protected Path tmp;

    private final List<ChuteHome> opened = new ArrayList<>();

    /** The {@code warehouse:} section of chute.yaml for the warehouse under test, for a home at {@code home}. */
    protected abstract String warehouseYaml(Path home);

    /** The warehouse's name as in {@code warehouse.type}. */
    protected abstract String warehouseType();

    /** Starts Chute (pipeline and watch running) in a new home, with the given further configuration. */
    protected ChuteHome start(String moreYaml) {
        return open(moreYaml, true);
    }

    protected ChuteHome start() {
        return start("");
    }

    /** Opens Chute without its pipeline: one-shot loads ({@code chute load}), queries. */
    protected ChuteHome openForLoads(String moreYaml) {
        return open(moreYaml, false);
    }

    private ChuteHome open(String moreYaml, boolean run) {
        Path home = tmp.resolve("home" + opened.size());
        ChuteHome h = ChuteHome.open(home, warehouseYaml(home), moreYaml, run);
        opened.add(h);
        return h;
    }

    @AfterEach
    void closeHomes() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }
}
