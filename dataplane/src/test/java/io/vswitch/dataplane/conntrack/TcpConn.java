package io.vswitch.dataplane.conntrack;

/**
 * A TCP connection's two endpoints for tests: each keeps its next sequence number and what it has
 * received, and builds the packets a well-behaved stack would send, so a test reads as the
 * conversation ("client sends 100 bytes, server acks") and can then bend one field.
 */
final class TcpConn {
  static final int SYN = CtPacket.SYN;
  static final int ACK = CtPacket.ACK;
  static final int FIN = CtPacket.FIN;
  static final int RST = CtPacket.RST;
  static final int PSH = CtPacket.PSH;

  final String client;
  final int clientPort;
  final String server;
  final int serverPort;
  final ConntrackTable table;
  final int zone;
  final CtPacket p = new CtPacket();
  long now = 10_000;

  int clientNext = 1000; // next sequence number the client sends
  int serverNext = 50_000;
  int window = 65535;
  int clientScale = -1;
  int serverScale = -1;

  TcpConn(ConntrackTable table, int zone, String client, int cport, String server, int sport) {
    this.table = table;
    this.zone = zone;
    this.client = client;
    this.clientPort = cport;
    this.server = server;
    this.serverPort = sport;
  }

  /** The client's packet with {@code flags}, at its own next sequence, acking the server's. */
  CtPacket fromClient(int flags, int payload) {
    p.tcp(client, clientPort, server, serverPort, flags, clientNext, serverNext, window);
    if ((flags & SYN) != 0) {
      p.windowScale(clientScale);
    }
    return p.payload(payload);
  }

  CtPacket fromServer(int flags, int payload) {
    p.tcp(server, serverPort, client, clientPort, flags, serverNext, clientNext, window);
    if ((flags & SYN) != 0) {
      p.windowScale(serverScale);
    }
    return p.payload(payload);
  }

  /** Tracks {@code packet}; commits it when it is NEW without an entry. */
  int send(CtPacket packet) {
    int r = table.track(zone, 1, packet, now);
    if (CtResult.verdict(r) == CtResult.NEW && CtResult.entry(r) < 0) {
      r = table.commit(zone, 1, packet, now);
    }
    return r;
  }

  /** Tracks only (what a stage does before policy), no commit. */
  int track(CtPacket packet) {
    return table.track(zone, 1, packet, now);
  }

  /** Sends and, as a stack would after sending, advances the sender's sequence number. */
  int client(int flags, int payload) {
    int r = send(fromClient(flags, payload));
    clientNext += payload + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
    return r;
  }

  int server(int flags, int payload) {
    int r = send(fromServer(flags, payload));
    serverNext += payload + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
    return r;
  }

  /** SYN, SYN-ACK, ACK; returns the last result. */
  int handshake() {
    client(SYN, 0);
    server(SYN | ACK, 0);
    return client(ACK, 0);
  }
}
