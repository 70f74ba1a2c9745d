package io.vswitch.control.api.http;

import java.time.Duration;

/**
 * What one client may cost the API: how many connections at once, how large a request header and
 * body may be, and how long the client may take to send them (and to read the answer).
 *
 * @param maxConnections connections served at once; more are answered 503 and closed
 * @param maxHeaderBytes request line plus headers; larger is 431
 * @param maxBodyBytes request body; larger is 413, refused before a byte of it is read
 * @param headerTimeout time from accept to the end of the header; slower is 408
 * @param bodyTimeout time to send the whole body once it is asked for; slower is 408
 * @param writeTimeout time the client has to take the response; then the connection is dropped
 */
public record HttpLimits(
    int maxConnections,
    int maxHeaderBytes,
    long maxBodyBytes,
    Duration headerTimeout,
    Duration bodyTimeout,
    Duration writeTimeout) {

  /**
   * The API's limits. 4 MiB of body holds a config of thousands of ports and rules (a 1,000-port
   * config is about 150 KB of JSON); 64 connections is far more than operators and a scraper use.
   */
  public static final HttpLimits DEFAULT =
      new HttpLimits(
          64,
          16 * 1024,
          4L * 1024 * 1024,
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          Duration.ofSeconds(30));
}
