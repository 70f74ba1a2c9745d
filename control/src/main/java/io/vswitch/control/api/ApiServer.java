package io.vswitch.control.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ApplyException;
import io.vswitch.control.plane.ChangeRecord;
import io.vswitch.control.plane.ConfigEdits;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The REST/JSON API (and /metrics), on loopback by default. Reads are open to whoever can reach the
 * socket; changes need the bearer token from the state directory. The HTTP thread reads the request
 * and hands it to the {@link ControlAgent}, the one control thread, which serialises changes with
 * FDB aging and the other control duties; the HTTP thread waits for the answer.
 *
 * <pre>
 * GET    /v1/config                      the running config
 * PUT    /v1/config                      apply a whole config (JSON or YAML body)
 * GET    /v1/ports                       ports with their counters
 * POST   /v1/ports                       add a port (JSON body: name, devargs, port-group, ...)
 * DELETE /v1/ports/{name}                remove a port
 * PUT    /v1/ports/{name}/port-group     move a port to another group (body: the group's name)
 * GET    /v1/fdb                         the forwarding database
 * GET    /v1/history                     the journal: every accepted change
 * GET    /metrics                        Prometheus text format
 * </pre>
 *
 * Errors are JSON {"error": "..."}: 400 for a refused change, 401 without the token, 404 for an
 * unknown path or port, 409 for a valid change the switch could not carry out, 503 when too many
 * changes are waiting for the control agent already.
 */
public final class ApiServer implements AutoCloseable {
  private final HttpServer server;
  private final ControlPlane plane;
  private final ControlAgent agent;
  private final ApiToken token;
  private final PrometheusMetrics metrics;

  public ApiServer(
      InetSocketAddress address, ControlPlane plane, ControlAgent agent, ApiToken token)
      throws IOException {
    this.plane = plane;
    this.agent = agent;
    this.token = token;
    this.metrics =
        new PrometheusMetrics(
            plane.runtime(),
            plane.l2(),
            new LatencyHistograms(() -> LatencyHistograms.of(plane.runtime().agents())));
    this.server = HttpServer.create(address, 16);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> new Thread(r, "vswitch-api")));
    server.createContext("/", this::handle);
  }

  public void start() {
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Response response;
      try {
        response = route(exchange);
      } catch (ConfigException e) {
        response = Response.error(400, e.getMessage());
      } catch (ApplyException e) {
        response = Response.error(409, e.getMessage());
      } catch (RejectedExecutionException e) {
        response = Response.error(503, e.getMessage());
      } catch (RuntimeException e) {
        response = Response.error(500, e.toString());
      }
      byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      exchange.sendResponseHeaders(response.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private Response route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String[] path = exchange.getRequestURI().getPath().replaceAll("/+$", "").split("/");
    String route = String.join("/", path);
    if (!method.equals("GET")
        && !token.authorizes(exchange.getRequestHeaders().getFirst("Authorization"))) {
      return Response.error(401, "changes need the API token: Authorization: Bearer TOKEN");
    }
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String source = "api " + exchange.getRemoteAddress().getAddress().getHostAddress();
    return agent.submit(() -> dispatch(method, route, path, body, source));
  }

  /** On the control agent: carries out one request. */
  private Response dispatch(
      String method, String route, String[] path, String body, String source) {
    return switch (method + " " + route) {
      case "GET /metrics" -> new Response(200, metrics.render(), "text/plain; version=0.0.4");
      case "GET /v1/config" -> Response.json(plane.running());
      case "PUT /v1/config" ->
          changed(plane.apply(ConfigJson.read(body, "request body"), source, "apply config"));
      case "GET /v1/ports" -> Response.json(ports());
      case "POST /v1/ports" -> addPort(body, source);
      case "GET /v1/fdb" -> Response.json(fdb());
      case "GET /v1/history" -> Response.json(history());
      default -> portRoute(method, path, body, source);
    };
  }

  private Response portRoute(String method, String[] path, String body, String source) {
    if (path.length >= 4 && path[1].equals("v1") && path[2].equals("ports")) {
      String name = path[3];
      if (method.equals("DELETE") && path.length == 4) {
        return changed(
            plane.apply(
                ConfigEdits.withoutPort(plane.running(), name), source, "delete port " + name));
      }
      if (method.equals("PUT") && path.length == 5 && path[4].equals("port-group")) {
        String group = body.trim().replaceAll("^\"|\"$", "");
        return changed(
            plane.apply(
                ConfigEdits.withPortGroup(plane.running(), name, group),
                source,
                "set port " + name + " port-group " + group));
      }
    }
    return Response.error(404, "no such resource: " + method + " " + String.join("/", path));
  }

  private Response addPort(String body, String source) {
    SwitchConfig.Port port = ConfigJson.read(body, SwitchConfig.Port.class, "port");
    if (port.name() == null) {
      throw new ConfigException("a port needs a name");
    }
    return changed(
        plane.apply(
            ConfigEdits.withPort(plane.running(), port), source, "add port " + port.name()));
  }

  private static Response changed(ChangeRecord record) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("changed", record != null);
    if (record != null) {
      result.put("sequence", record.sequence());
      result.put("description", record.description());
    }
    return Response.json(result);
  }

  private List<Map<String, Object>> ports() {
    CounterFile counters = plane.runtime().counters();
    List<Map<String, Object>> ports = new ArrayList<>();
    for (Port port : plane.runtime().ports()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", port.name());
      p.put("index", port.index());
      for (PortCounter c : PortCounter.values()) {
        p.put(c.label(), counters.sum(port.index(), c));
      }
      Map<String, Long> drops = new LinkedHashMap<>();
      for (DropReason reason : DropReason.values()) {
        long n = counters.sum(port.index(), reason);
        if (n > 0) {
          drops.put(reason.label(), n);
        }
      }
      p.put("drops", drops);
      ports.add(p);
    }
    return ports;
  }

  private List<Map<String, Object>> fdb() {
    List<Map<String, Object>> entries = new ArrayList<>();
    if (plane.l2() == null) {
      return entries;
    }
    Map<Integer, String> names = new LinkedHashMap<>();
    plane.runtime().ports().forEach(p -> names.put(p.index(), p.name()));
    plane
        .l2()
        .fdb()
        .forEach(
            FdbClock.nowSeconds(),
            (vlan, mac, port, age) -> {
              Map<String, Object> e = new LinkedHashMap<>();
              e.put("vlan", vlan);
              e.put("mac", MacAddress.format(mac));
              e.put("port", names.getOrDefault(port, "#" + port));
              e.put("age", age < 0 ? "static" : age);
              entries.add(e);
            });
    return entries;
  }

  private List<ChangeRecord> history() {
    return plane.journal() == null ? List.of() : plane.journal().history();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  record Response(int status, String body, String contentType) {
    static Response json(Object value) {
      return new Response(200, ConfigJson.write(value), "application/json");
    }

    static Response error(int status, String message) {
      return new Response(status, ConfigJson.write(Map.of("error", message)), "application/json");
    }
  }
}
