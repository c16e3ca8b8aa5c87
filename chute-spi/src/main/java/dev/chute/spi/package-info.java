/**
 * Contracts between the Chute engine ({@code chute-core}) and its connectors: object stores
 * ({@link dev.chute.spi.ObjectStore}), event sources ({@link dev.chute.spi.EventSource}) and
 * warehouses ({@link dev.chute.spi.Warehouse}). This package depends on the JDK only.
 *
 * <p>Values are immutable records validated in their constructors; nothing crosses this
 * boundary as {@code null} ({@link java.util.Optional} stands for "maybe"). Failures are
 * {@link dev.chute.spi.ChuteException}s whose {@link dev.chute.spi.ErrorCode} says whether the
 * engine retries them (warehouse down) or fails the object for good (bad input).
 */
package dev.chute.spi;
