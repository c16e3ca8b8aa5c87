package dev.chute.s3;

import dev.chute.spi.ConnectorContext;
import dev.chute.spi.ObjectStore;
import dev.chute.spi.ObjectStoreFactory;

/**
 * {@code store.type: s3}: an S3-compatible bucket (AWS S3, MinIO, Ceph, GCS's XML API). The keys
 * of its {@code store:} section are described in {@link S3Settings}; its notifications (S3,
 * MinIO, SNS, EventBridge) are decoded by {@link S3Notifications}. It has no change feed of its
 * own: events arrive through an {@code events:} entry (HTTP push, a queue, a broker) and the
 * reconciling listing backs them.
 */
public final class S3ObjectStoreFactory implements ObjectStoreFactory {
    @Override
    public String name() {
        return "s3";
    }

    @Override
    public java.util.Set<String> keys() {
        return S3Settings.KEYS;
    }

    @Override
    public ObjectStore create(ConnectorContext context) {
        return S3ObjectStore.open(S3Settings.from(context));
    }
}
