package io.vswitch.control.api;

import io.vswitch.control.api.http.HttpError;
import io.vswitch.control.api.http.HttpLimits;
import io.vswitch.control.api.http.HttpRequest;
import io.vswitch.control.api.http.HttpResponse;
import io.vswitch.control.api.http.StrictHttpServer;
import io.vswitch.control.api.metrics.Exposition;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.Names;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ApplyException;
import io.vswitch.control.plane.ChangeDescriber;
import io.vswitch.control.plane.ChangeRecord;
import io.vswitch.control.plane.ConfigEdits;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ConflictException;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.control.tap.TapRequests;
import io.vswitch.control.tap.TapService;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.tap.CaptureSession;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The REST/JSON API (and /metrics). It is served on a unix socket in the state directory, which
 * file permissions protect (mode 0600, as ovsdb's punix), and on TCP only when asked. Reads are
 * open on the unix socket and on loopback TCP; on any other TCP address they need the token too
 * (and the switch warns that HTTP is cleartext). Changes always need the bearer token. Requests are
 * handled concurrently, each under {@link HttpLimits}: a connection's thread checks Host and token
 * and reads the body, then hands the request to the {@link ControlAgent}, the one control thread,
 * which serialises changes with FDB aging and the other control duties. A single-item edit is
 * computed from the running config there, so concurrent edits cannot lose one another.
 *
 * <pre>
 * GET    /v1/config                      the running config; ETag "N" = the sequence of its change
 * PUT    /v1/config                      apply a whole config (JSON or YAML); If-Match: "N" makes
 *                                        it conditional (409 when another change came first)
 * GET    /v1/ports                       ports with their counters
 * POST   /v1/ports                       add a port (JSON body: name, type or devargs, ...)
 * DELETE /v1/ports/{name}                remove a port
 * PUT    /v1/ports/{name}/port-group     move a port to another group (body: the group's name)
 * PUT    /v1/ports/{name}/tags           set a port's tags (body: a JSON list), its tag groups
 * GET    /v1/acls[/{acl}]                ACLs with each rule's hits (a group rule's summed)
 * GET    /v1/security-groups             each group's member ports and addresses, resolved now
 * POST   /v1/acls/{acl}/rules            add a rule (JSON body); the ACL is created if new
 * DELETE /v1/acls/{acl}/rules/{priority} remove a rule
 * PUT    /v1/port-groups/{group}/qos     set a port group's QoS (JSON body)
 * DELETE /v1/port-groups/{group}/qos     remove it
 * POST   /v1/overlay/segments            add an overlay segment (JSON body), live
 * DELETE /v1/overlay/segments/{name}     remove one, live (its tunnel ports close)
 * GET    /v1/fdb                         the forwarding database
 * GET    /v1/teams                       uplink teams: members, health, carriers, failovers
 * GET    /v1/history                     the journal: every accepted change, in words
 * GET    /metrics                        Prometheus text format (also on --metrics, see
 *                                        {@link MetricsServer})
 * </pre>
 *
 * Errors are JSON {"error": "..."}: 400 for a refused change, 401 without the token, 403 for a
 * foreign Host, 404 for an unknown path or port, 409 for a valid change the switch could not carry
 * out or a stale If-Match, 503 when too many changes wait for the control agent, and the
 * transport's own 408/411/413/431/503 (see {@link StrictHttpServer}).
 */
public final class ApiServer implements AutoCloseable {
  /** The socket's name in the state directory. */
  public static final String SOCKET = "api.sock";

  private final ControlPlane plane;
  private final ControlAgent agent;
  private final ApiToken token;
  private final PrometheusMetrics metrics;
  private final TapService taps;
  private final List<StrictHttpServer> servers = new ArrayList<>();
  private HostCheck hostCheck;
  private boolean tcpReadsNeedToken;

  /**
   * @param metrics what GET /metrics renders; the API's listeners register their counts with it
   */
  public ApiServer(
      ControlPlane plane, ControlAgent agent, ApiToken token, PrometheusMetrics metrics) {
    this.plane = plane;
    this.agent = agent;
    this.token = token;
    this.metrics = metrics;
    this.taps = new TapService(plane, agent);
  }

  /**
   * Serves on the unix socket {@code path} (mode 0600). A socket file left by a dead switch is
   * replaced; one that a live switch answers on is refused.
   */
  public ApiServer serveUnix(Path path) throws IOException {
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      if (answers(address)) {
        throw new IOException("another vswitch serves " + path);
      }
      Files.delete(path); // nobody answers: left by a switch that died
    }
    StrictHttpServer server = new StrictHttpServer(address, HttpLimits.DEFAULT, this::handle);
    metrics.http().register("unix", server.stats());
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    servers.add(server);
    return this;
  }

  private static boolean answers(UnixDomainSocketAddress address) {
    try (SocketChannel probe = SocketChannel.open(address)) {
      return probe.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Serves on TCP too. On a non-loopback address reads need the token as well, since anyone on the
   * network can reach it; the caller warns that it is cleartext.
   */
  public ApiServer serveTcp(InetSocketAddress address) throws IOException {
    StrictHttpServer server = new StrictHttpServer(address, HttpLimits.DEFAULT, this::handle);
    metrics.http().register("tcp", server.stats());
    servers.add(server);
    hostCheck = new HostCheck(address.getHostString());
    tcpReadsNeedToken = !address.getAddress().isLoopbackAddress();
    return this;
  }

  public void start() {
    servers.forEach(StrictHttpServer::start);
  }

  /** Where it listens, e.g. "unix:/var/lib/vswitch/api.sock, http://127.0.0.1:6640". */
  public String addresses() {
    List<String> names = new ArrayList<>();
    for (StrictHttpServer server : servers) {
      names.add(
          server.address() instanceof InetSocketAddress inet
              ? "http://" + inet.getAddress().getHostAddress() + ":" + inet.getPort()
              : "unix:" + ((UnixDomainSocketAddress) server.address()).getPath());
    }
    return String.join(", ", names);
  }

  private HttpResponse handle(HttpRequest request) {
    Response response;
    try {
      response = route(request);
    } catch (ConfigException e) {
      response = Response.error(400, e.getMessage());
    } catch (ApplyException | ConflictException e) {
      response = Response.error(409, e.getMessage());
    } catch (RejectedExecutionException e) {
      response = Response.error(503, e.getMessage());
    } catch (HttpError e) {
      throw e;
    } catch (RuntimeException e) {
      response = Response.error(500, e.toString());
    }
    HttpResponse http =
        new HttpResponse(response.status(), response.body(), response.contentType());
    return response.etag() < 0 ? http : http.withHeader("ETag", etag(response.etag()));
  }

  private static String etag(long sequence) {
    return "\"" + sequence + "\"";
  }

  private Response route(HttpRequest request) {
    String method = request.method();
    if (request.overTcp()) {
      String refusal = hostCheck.refusal(request.header("host"), request.localHost());
      if (refusal == null && request.header("origin") != null) {
        String origin = request.header("origin").replaceFirst("^[a-z]+://", "");
        refusal = hostCheck.refusal(origin, request.localHost());
      }
      if (refusal != null) {
        return Response.error(403, refusal);
      }
    }
    // A capture's GET hands out packet payloads (and drains them): over TCP, only with the token.
    boolean capture = request.overTcp() && request.path().startsWith("/v1/capture");
    boolean needsToken =
        !method.equals("GET") || (request.overTcp() && tcpReadsNeedToken) || capture;
    if (needsToken && !token.authorizes(request.header("authorization"))) {
      return Response.error(
          401,
          (method.equals("GET") ? "reads on this address" : "changes")
              + " need the API token: Authorization: Bearer TOKEN");
    }
    // only now, authorised, is a body read (and only by the routes that take one)
    String[] path = request.path().replaceAll("/+$", "").split("/");
    String route = String.join("/", path);
    String source = "api " + request.remote();
    // The body is read here, on the connection's own thread, so that a slow client never holds
    // the control agent; what the request does runs on the agent.
    String body = method.equals("POST") || method.equals("PUT") ? body(request) : "";
    return agent.submit(() -> dispatch(request, method, route, path, body, source));
  }

  /** On the control agent: carries out one request. */
  private Response dispatch(
      HttpRequest request, String method, String route, String[] path, String body, String source) {
    return switch (method + " " + route) {
      case "GET /metrics" -> new Response(200, metrics.render(), Exposition.CONTENT_TYPE);
      case "GET /v1/config" -> config();
      case "PUT /v1/config" -> putConfig(request, body, source);
      case "GET /v1/ports" -> Response.json(ports());
      case "POST /v1/ports" -> addPort(body, source);
      case "GET /v1/fdb" -> Response.json(fdb());
      case "GET /v1/teams" -> Response.json(teams());
      case "GET /v1/history" -> Response.json(history());
      case "GET /v1/acls" -> Response.json(AclApi.acls(plane.running(), null));
      case "GET /v1/security-groups" ->
          Response.json(AclApi.groups(plane.running(), plane.remote()));
      case "GET /v1/overlay" -> Response.json(OverlayApi.show(plane));
      default -> itemRoute(method, path, body, source);
    };
  }

  private Response config() {
    ControlPlane.Snapshot now = plane.snapshot(); // the config and its ETag from one moment
    return Response.json(now.config()).withEtag(now.sequence());
  }

  private Response putConfig(HttpRequest request, String body, String source) {
    SwitchConfig desired = ConfigJson.read(body, "request body");
    Function<SwitchConfig, ControlPlane.Change> change =
        running ->
            new ControlPlane.Change(
                desired, "apply config: " + ChangeDescriber.describe(running, desired));
    String ifMatch = request.header("if-match");
    if (ifMatch == null || ifMatch.equals("*")) {
      return changed(plane.edit(change, source));
    }
    String tag = ifMatch.strip().replaceFirst("^W/", "");
    if (!tag.matches("\"[0-9]{1,18}\"")) {
      throw new ConfigException("If-Match must be an ETag of GET /v1/config, e.g. \"12\"");
    }
    return changed(
        plane.applyIfAt(Long.parseLong(tag.substring(1, tag.length() - 1)), change, source));
  }

  private Response itemRoute(String method, String[] path, String body, String source) {
    if (path.length >= 3 && path[1].equals("v1") && path[2].equals("conntrack")) {
      return conntrack(method, path);
    }
    if (path.length >= 4 && path[1].equals("v1") && path[2].equals("ports")) {
      String name = Names.check("port", path[3]);
      if (method.equals("DELETE") && path.length == 4) {
        return changed(
            plane.edit(
                running ->
                    new ControlPlane.Change(
                        ConfigEdits.withoutPort(running, name), "delete port " + name),
                source));
      }
      if (method.equals("PUT") && path.length == 5 && path[4].equals("tags")) {
        String tags = body;
        return changed(plane.edit(running -> ConfigEdits.withTags(running, name, tags), source));
      }
      if (method.equals("PUT") && path.length == 5 && path[4].equals("port-group")) {
        String group = body.trim().replaceAll("^\"|\"$", "");
        return changed(
            plane.edit(
                running ->
                    new ControlPlane.Change(
                        ConfigEdits.withPortGroup(running, name, group),
                        "port "
                            + name
                            + ": port-group "
                            + portGroupOf(running, name)
                            + " -> "
                            + group),
                source));
      }
    }
    if (method.equals("GET")
        && path.length == 4
        && path[1].equals("v1")
        && path[2].equals("acls")) {
      String acl = Names.check("acl", path[3]);
      List<Map<String, Object>> found = AclApi.acls(plane.running(), acl);
      return found.isEmpty()
          ? Response.error(404, "no acl " + Names.quote(acl))
          : Response.json(found.getFirst());
    }
    if (path.length >= 5
        && path[1].equals("v1")
        && path[2].equals("acls")
        && path[4].equals("rules")) {
      String acl = Names.check("acl", path[3]);
      if (method.equals("POST") && path.length == 5) {
        String rule = body;
        return changed(plane.edit(running -> ConfigEdits.withAclRule(running, acl, rule), source));
      }
      if (method.equals("DELETE") && path.length == 6 && path[5].matches("-?[0-9]{1,9}")) {
        long priority = Long.parseLong(path[5]);
        return changed(
            plane.edit(running -> ConfigEdits.withoutAclRule(running, acl, priority), source));
      }
    }
    if (path.length == 5
        && path[1].equals("v1")
        && path[2].equals("port-groups")
        && path[4].equals("qos")) {
      String group = Names.check("port group", path[3]);
      if (method.equals("PUT")) {
        String qos = body;
        return changed(plane.edit(running -> ConfigEdits.withQos(running, group, qos), source));
      }
      if (method.equals("DELETE")) {
        return changed(plane.edit(running -> ConfigEdits.withQos(running, group, null), source));
      }
    }
    if (path.length >= 4
        && path[1].equals("v1")
        && path[2].equals("overlay")
        && path[3].equals("segments")) {
      if (method.equals("POST") && path.length == 4) {
        String segment = body;
        return changed(plane.edit(running -> ConfigEdits.withSegment(running, segment), source));
      }
      if (method.equals("DELETE") && path.length == 5) {
        String segment = Names.check("segment", path[4]);
        return changed(plane.edit(running -> ConfigEdits.withoutSegment(running, segment), source));
      }
    }
    Response tap = tapRoute(method, path, body);
    if (tap != null) {
      return tap;
    }
    return Response.error(
        404, "no such resource: " + method + " " + Names.quote(String.join("/", path)));
  }

  /**
   * Packet trace and live capture: POST /v1/trace {port, count} and /v1/capture {port, direction,
   * count, filter, snaplen} arm one and answer its id; GET /v1/trace/ID gives the records so far,
   * GET /v1/capture/ID the pcap bytes since the last GET (base64); DELETE ends one. Null when the
   * path is not one of these.
   */
  private Response tapRoute(String method, String[] path, String body) {
    if (path.length < 3 || !path[1].equals("v1")) {
      return null;
    }
    boolean trace = path[2].equals("trace");
    if (!trace && !path[2].equals("capture")) {
      return null;
    }
    if (path.length == 3 && method.equals("POST")) {
      if (trace) {
        TapRequests.Trace t = ConfigJson.read(body, TapRequests.Trace.class, "trace");
        return Response.json(taps.startTrace(t.port(), t.count() == null ? 10 : t.count()));
      }
      TapRequests.Capture c = ConfigJson.read(body, TapRequests.Capture.class, "capture");
      return Response.json(
          taps.startCapture(
              c.port(),
              c.direction(),
              c.count() == null ? 100 : c.count(),
              c.filter(),
              c.snaplen() == null ? CaptureSession.DEFAULT_SNAPLEN : c.snaplen(),
              c.format()));
    }
    if (path.length != 4 || !path[3].matches("[0-9]{1,9}")) {
      return null;
    }
    int id = Integer.parseInt(path[3]);
    Object result =
        switch (method) {
          case "GET" -> trace ? taps.trace(id) : taps.capture(id, false);
          case "DELETE" ->
              trace ? (taps.stopTrace(id) ? Map.of("stopped", id) : null) : taps.capture(id, true);
          default -> null;
        };
    return result == null
        ? Response.error(404, "no " + path[2] + " " + id + " (done, replaced or never armed)")
        : Response.json(result);
  }

  /** A request body as text: strict UTF-8 within the config size limit, as a config file is. */
  private static String body(HttpRequest request) {
    return ConfigLoader.text(request.body(), "request body");
  }

  private static String portGroupOf(SwitchConfig config, String port) {
    return config.ports().stream()
        .filter(p -> p.name().equals(port))
        .map(p -> p.portGroup() == null ? "(none)" : p.portGroup())
        .findFirst()
        .orElse("(none)");
  }

  private Response addPort(String body, String source) {
    SwitchConfig.Port port = ConfigJson.read(body, SwitchConfig.Port.class, "port");
    if (port.name() == null) {
      throw new ConfigException("a port needs a name");
    }
    return changed(
        plane.edit(
            running ->
                new ControlPlane.Change(
                    ConfigEdits.withPort(running, port), "add port " + port.name()),
            source));
  }

  private Response changed(ChangeRecord record) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("changed", record != null);
    if (record != null) {
      result.put("sequence", record.sequence());
      result.put("description", record.description());
    }
    return Response.json(result).withEtag(record != null ? record.sequence() : plane.sequence());
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
    plane.l2().tables().teams().forEach(t -> names.put(t.index, t.name));
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

  private static Map<String, Object> lacpSettings(io.vswitch.dataplane.l2.team.Team t) {
    Map<String, Object> lacp = new LinkedHashMap<>();
    lacp.put("mode", t.lacp.active() ? "active" : "passive");
    lacp.put("rate", t.lacp.fast() ? "fast" : "slow");
    lacp.put("system_priority", t.lacp.systemPriority());
    io.vswitch.dataplane.l2.team.Team.LacpView first = t.lacpView(0);
    long system = first != null ? first.actorSystem() : t.lacp.system();
    lacp.put("system_id", io.vswitch.dataplane.l2.MacAddress.format(system));
    lacp.put("key", t.lacp.key());
    return lacp;
  }

  /** A LACP member: its machines' states, both ends' information (802.1AX 6.4.2.3), LACPDUs. */
  private static Map<String, Object> lacpMember(io.vswitch.dataplane.l2.team.Team.LacpView v) {
    Map<String, Object> lacp = new LinkedHashMap<>();
    if (v == null) {
      lacp.put("receive", "PORT_DISABLED");
      lacp.put("mux", "DETACHED");
      return lacp;
    }
    lacp.put("receive", v.receive());
    lacp.put("mux", v.mux());
    Map<String, Object> actor = new LinkedHashMap<>();
    actor.put("system_priority", v.actorSystemPriority());
    actor.put("system_id", io.vswitch.dataplane.l2.MacAddress.format(v.actorSystem()));
    actor.put("key", v.actorKey());
    actor.put("port", v.actorPort());
    actor.put("state", v.actorState());
    actor.put("state_bits", io.vswitch.control.lacp.LacpState.describe(v.actorState()));
    lacp.put("actor", actor);
    Map<String, Object> partner = new LinkedHashMap<>();
    partner.put("system_priority", v.partnerSystemPriority());
    partner.put("system_id", io.vswitch.dataplane.l2.MacAddress.format(v.partnerSystem()));
    partner.put("key", v.partnerKey());
    partner.put("port", v.partnerPort());
    partner.put("state", v.partnerState());
    partner.put("state_bits", io.vswitch.control.lacp.LacpState.describe(v.partnerState()));
    lacp.put("partner", partner);
    lacp.put("pdus_rx", v.rx());
    lacp.put("pdus_tx", v.tx());
    lacp.put("pdus_bad", v.bad());
    lacp.put("pdus_looped", v.looped());
    lacp.put("markers_received", v.markers());
    lacp.put("markers_answered", v.markersAnswered());
    lacp.put("markers_bad", v.markersBad());
    lacp.put("markers_dropped", v.markersDropped());
    return lacp;
  }

  /** Each team: policy, failovers and failbacks, and per member its role, health and traffic. */
  private List<Map<String, Object>> teams() {
    List<Map<String, Object>> teams = new ArrayList<>();
    if (plane.l2() == null) {
      return teams;
    }
    io.vswitch.dataplane.stats.CounterFile counters = plane.runtime().counters();
    for (io.vswitch.dataplane.l2.team.Team t : plane.l2().tables().teams()) {
      Map<String, Object> team = new LinkedHashMap<>();
      team.put("name", t.name);
      team.put("policy", t.policy.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
      team.put("detection", t.lacp != null ? "lacp" : t.probe == null ? "link" : "arp");
      if (t.lacp != null) {
        team.put("lacp", lacpSettings(t));
      }
      team.put("failovers", t.failovers());
      team.put("failbacks", t.failbacks());
      List<Integer> carrying = new ArrayList<>();
      for (int c : t.carriers()) {
        carrying.add(c);
      }
      List<Map<String, Object>> members = new ArrayList<>();
      for (int m = 0; m < t.size(); m++) {
        Map<String, Object> member = new LinkedHashMap<>();
        member.put("name", t.memberName(m));
        member.put("role", t.isActive(m) ? "active" : "standby");
        member.put("state", t.slot(m) < 0 ? "absent" : t.isUp(m) ? "up" : "down");
        member.put("carrying", carrying.contains(m));
        int slot = t.slot(m);
        boolean counted = slot >= 0 && slot < counters.capacity();
        member.put(
            "tx_packets",
            counted ? counters.sum(slot, io.vswitch.dataplane.stats.PortCounter.TX_PACKETS) : 0);
        member.put(
            "rx_packets",
            counted ? counters.sum(slot, io.vswitch.dataplane.stats.PortCounter.RX_PACKETS) : 0);
        member.put("probe_replies", t.replies(m));
        if (t.lacp != null) {
          member.put("lacp", lacpMember(t.lacpView(m)));
        }
        members.add(member);
      }
      team.put("members", members);
      teams.add(team);
    }
    return teams;
  }

  /** GET lists, DELETE flushes, the connections the path's filter selects. */
  private Response conntrack(String method, String[] path) {
    if (plane.l2() == null || plane.l2().conntrack() == null) {
      return Response.error(404, "this switch does not track connections (no ct-state rule)");
    }
    Map<Integer, String> names = new LinkedHashMap<>();
    plane.runtime().ports().forEach(p -> names.put(p.index(), p.name()));
    ConntrackApi api =
        new ConntrackApi(
            plane.l2().conntrack(),
            name ->
                names.entrySet().stream()
                    .filter(e -> e.getValue().equals(name))
                    .mapToInt(Map.Entry::getKey)
                    .findFirst()
                    .orElse(-1),
            names);
    ConntrackApi.Filter filter = api.filter(path);
    return switch (method) {
      case "GET" -> Response.json(api.list(filter));
      case "DELETE" -> Response.json(api.flush(filter));
      default -> Response.error(405, "conntrack takes GET (list) or DELETE (flush)");
    };
  }

  private List<ChangeRecord> history() {
    return plane.journal() == null ? List.of() : plane.journal().history();
  }

  @Override
  public void close() {
    servers.forEach(StrictHttpServer::close);
  }

  /**
   * @param etag the sequence to send as ETag, or -1 for none
   */
  record Response(int status, String body, String contentType, long etag) {
    Response(int status, String body, String contentType) {
      this(status, body, contentType, -1);
    }

    Response withEtag(long sequence) {
      return new Response(status, body, contentType, sequence);
    }

    static Response json(Object value) {
      return new Response(200, ConfigJson.write(value), "application/json");
    }

    static Response error(int status, String message) {
      return new Response(status, ConfigJson.write(Map.of("error", message)), "application/json");
    }
  }
}
