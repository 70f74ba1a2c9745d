package io.vswitch.control.api.http;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/**
 * What one {@link StrictHttpServer} answered, by status code (its own transport errors included),
 * and how many connections it serves now: the API's health as /metrics exports it.
 */
public final class HttpStats {
  private static final int CODES = 600;
  private final AtomicLongArray responses = new AtomicLongArray(CODES);
  private final IntSupplier open;
  private final int maxConnections;

  HttpStats(IntSupplier open, int maxConnections) {
    this.open = open;
    this.maxConnections = maxConnections;
  }

  void answered(int status) {
    if (status >= 100 && status < CODES) {
      responses.incrementAndGet(status);
    }
  }

  /** Responses sent with {@code status} since start. */
  public long responses(int status) {
    return status >= 0 && status < CODES ? responses.get(status) : 0;
  }

  /** Status codes answered at least once, ascending. */
  public int[] codesSeen() {
    return java.util.stream.IntStream.range(0, CODES).filter(c -> responses.get(c) > 0).toArray();
  }

  public int openConnections() {
    return open.getAsInt();
  }

  public int maxConnections() {
    return maxConnections;
  }
}
