package dev.chute.s3;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;

/**
 * Watches the HTTP requests a store sends to the real server, and can make chosen requests fail
 * before they leave (a crash between two steps) or make HEAD answers carry a version id (a
 * versioned bucket, which the filesystem-backed server does not have).
 */
final class S3Recorder implements ExecutionInterceptor {
    record Sent(String operation, SdkHttpRequest http) {
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();
    volatile Predicate<SdkRequest> failing = r -> false;
    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile String versionId;

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest http = context.httpRequest();
        sent.add(new Sent(context.request().getClass().getSimpleName().replace("Request", ""), http));
        if (failing.test(context.request()) && failuresLeft.getAndDecrement() > 0) {
            throw SdkClientException.create("connection reset (injected by the test)");
        }
        if (versionId != null) {
            // the server has no versions: record what was asked, send it without them
            return http.toBuilder().removeQueryParameter("versionId")
                    .applyMutation(b -> b.firstMatchingHeader("x-amz-copy-source")
                            .ifPresent(v -> b.putHeader("x-amz-copy-source", v.replaceAll("\\?versionId=.*$", ""))))
                    .build();
        }
        return http;
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        if (versionId != null && context.request() instanceof HeadObjectRequest) {
            return context.httpResponse().toBuilder().putHeader("x-amz-version-id", versionId).build();
        }
        return context.httpResponse();
    }

    List<Sent> sent(String operation) {
        return sent.stream().filter(s -> s.operation.equals(operation)).toList();
    }

    void failNext(Predicate<SdkRequest> which, int times) {
        failing = which;
        failuresLeft.set(times);
    }
}
