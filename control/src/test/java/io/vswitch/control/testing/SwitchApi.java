package io.vswitch.control.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.plane.ConfigJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The switch's REST API as an operator uses it: the token from the state dir on every request. */
public final class SwitchApi {
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final Path stateDir;

  /** {@code hostPort} as given to {@code --api}; the token is read when first needed. */
  public SwitchApi(String hostPort, Path stateDir) {
    this.base = "http://" + hostPort;
    this.stateDir = stateDir;
  }

  /** The status line's code and the body, e.g. "200 ..." or "400 port 'x': ...". */
  public record Reply(int status, String body) {}

  public Reply put(String path, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).PUT(publisher(body)));
  }

  /** GETs the running config, lets {@code edit} change its JSON, PUTs it back whole. */
  public Reply editConfig(Consumer<ObjectNode> edit) {
    Reply current = send(HttpRequest.newBuilder(URI.create(base + "/v1/config")).GET());
    if (current.status() != 200) {
      return current;
    }
    try {
      ObjectNode config = (ObjectNode) ConfigJson.MAPPER.readTree(current.body());
      edit.accept(config);
      return put("/v1/config", ConfigJson.write(config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static HttpRequest.BodyPublisher publisher(String body) {
    return HttpRequest.BodyPublishers.ofString(body);
  }

  private Reply send(HttpRequest.Builder request) {
    try {
      String token = Files.readString(stateDir.resolve("api-token")).trim();
      HttpResponse<String> response =
          http.send(
              request.header("Authorization", "Bearer " + token).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
