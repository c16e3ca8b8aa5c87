package dev.chute.spi;

import java.util.List;

/**
 * One page of a table's lineage: the source objects of its rows from {@code offset} on, and how many
 * there are in all (so that a page can say "51–100 of 1,234").
 */
public record LineagePage(List<LineageSource> sources, long offset, long total) {
    public LineagePage {
        sources = List.copyOf(sources);
        if (offset < 0 || total < 0) {
            throw new IllegalArgumentException("offset and total must not be negative; found offset " + offset + ", total " + total);
        }
    }
}
